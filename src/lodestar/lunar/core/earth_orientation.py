"""Earth orientation: rotate Earth-fixed (ITRS-like) vectors into the ICRF (GCRS axes), offline.

GNSS broadcast positions are Earth-fixed (WGS-84 / PZ-90.11 / CGCS2000, all within centimetres of
the ITRF). To place them around the Moon we need the celestial-to-terrestrial rotation: precession–
nutation (IAU 2000A/2006, as skyfield implements it), Earth rotation angle from UT1, and polar
motion. skyfield does this; we build its timescale with ``builtin=True`` so that nothing is
downloaded: skyfield ships its own ΔT / UT1 table (IERS finals up to the release date, then its
long-term ΔT model). skyfield-data's ``finals2000A.all`` is older than skyfield's built-in table
(skyfield-data 7 warns that it has expired), so it is not used.

Polar motion is left out (the built-in table has none): it moves an Earth-fixed point by at most
~15 m, 4e-11 rad at lunar distance — nothing for link-budget and DOP work.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...time import Time

__all__ = ["itrs_to_icrf_matrix", "ecef_to_icrf"]


@lru_cache(maxsize=1)
def _timescale():
    from skyfield.api import load  # imported late: skyfield is a heavy import

    return load.timescale(builtin=True)  # built-in ΔT/UT1: reads no file, fetches nothing


def itrs_to_icrf_matrix(time: Time) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` taking Earth-fixed vectors to ICRF (GCRS) axes at ``time``."""
    from skyfield.framelib import itrs

    whole, fraction = time.jd("tt")
    flat_whole, flat_fraction = np.ravel(whole), np.ravel(fraction)
    t = _timescale().tt_jd(flat_whole, flat_fraction)
    icrf_to_itrs = itrs.rotation_at(t)  # (3, 3, N): itrs_vector = R @ icrf_vector
    matrices = np.moveaxis(icrf_to_itrs, -1, 0).transpose(0, 2, 1)  # transpose = inverse
    return matrices.reshape(np.shape(whole) + (3, 3))


def ecef_to_icrf(position_m: np.ndarray, time: Time) -> np.ndarray:
    """Earth-fixed positions ``(T, ..., 3)`` at ``time`` ``(T,)`` rotated into ICRF axes (Earth-centred)."""
    matrices = itrs_to_icrf_matrix(time)  # (T, 3, 3)
    position_m = np.asarray(position_m, dtype=float)
    extra = position_m.ndim - 2
    m = matrices.reshape(matrices.shape[:1] + (1,) * extra + (3, 3))
    return np.einsum("...ij,...j->...i", m, position_m)
