"""Relativistic terms of the range model beyond the satellite's periodic clock term.

The periodic clock term ``-2 r.v / c^2`` is computed with the satellite states
(:func:`lodestar.orbits.broadcast.relativity_s`). Here: the Shapiro (gravitational) delay of the
signal in the Earth's field, IERS Conventions 2010 eq. 11.17,

    dt = (2 GM / c^3) ln((r_s + r_r + rho) / (r_s + r_r - rho)),

r_s, r_r geocentric distances of satellite and receiver, rho their distance; up to ~19 mm for a
GNSS satellite at the horizon, ~13 mm at the zenith: a few mm of elevation-dependent range error
if ignored (the constant part goes into the receiver clock).
"""

from __future__ import annotations

import numpy as np

from ..constants import C_MPS

__all__ = ["GM_EARTH_M3S2", "shapiro_delay_m"]

GM_EARTH_M3S2 = 3.986004418e14  # IERS Conventions 2010 Table 1.1 (TT-compatible value)


def shapiro_delay_m(sat_xyz_m, receiver_xyz_m):
    """Shapiro delay (m) for satellite ``(..., 3)`` and receiver positions broadcastable to it."""
    sat = np.asarray(sat_xyz_m, float)
    rcv = np.asarray(receiver_xyz_m, float)
    r_s = np.linalg.norm(sat, axis=-1)
    r_r = np.linalg.norm(rcv, axis=-1)
    rho = np.linalg.norm(sat - rcv, axis=-1)
    return 2.0 * GM_EARTH_M3S2 / C_MPS**2 * np.log((r_s + r_r + rho) / (r_s + r_r - rho))
