"""Carrier-phase wind-up of a right-hand circularly polarised signal (Wu et al. 1993).

>>> cycles = phase_windup_cycles(receiver_xyz_m, satellite_xyz_m, attitude)   # (T, S), continuous

Wu, Wu, Hajj, Bertiger & Lichten (1993), "Effects of antenna orientation on GPS carrier phase",
Manuscripta Geodaetica 18:91-98, eqs. (13)-(16), as written in Kouba (2015), "A guide to using
International GNSS Service (IGS) products", §5.1.2:

    D_s = x_s - k (k . x_s) - k x y_s          (satellite dipole; x_s, y_s body axes)
    D_r = x_r - k (k . x_r) + k x y_r          (receiver dipole; x_r north, y_r west)
    dphi = sign(k . (D_s x D_r)) acos(D_s . D_r / |D_s| |D_r|)

k is the unit vector satellite -> receiver. The angle is only known modulo one cycle: along time
the +-0.5 cycle ambiguity is removed by keeping each step within half a cycle (the "N" of
Kouba's guide, eq. 5.1.2c), done here for every satellite at once by unwrapping along the time
axis. A satellite's series restarts after a gap of NaN (its value then lies in (-0.5, 0.5]).
The wind-up is the same number of cycles on every frequency; in metres it is cycles * wavelength.
"""

from __future__ import annotations

import numpy as np

from ..frames import ecef_to_geodetic, enu_matrix

__all__ = ["phase_windup_cycles", "receiver_dipole_axes", "unwrap_cycles", "windup_angle_cycles"]


def _dot(a, b):
    return np.einsum("...k,...k->...", a, b)


def receiver_dipole_axes(receiver_xyz_m):
    """(x_r, y_r) = (local north, local west) ECEF unit vectors ``(3,)`` of an antenna pointing north."""
    lat, lon, _ = ecef_to_geodetic(np.asarray(receiver_xyz_m, dtype=float).reshape(1, 3))
    east, north, _up = enu_matrix(lat, lon)[0]
    return north, -east


def windup_angle_cycles(k, sat_x, sat_y, rec_x, rec_y):
    """Wind-up in cycles, in (-0.5, 0.5], for unit line of sight ``k`` (satellite -> receiver).

    All vectors broadcast on a trailing axis of 3 (Wu et al. 1993 eqs. 13-16).
    """
    d_sat = sat_x - k * _dot(k, sat_x)[..., None] - np.cross(k, sat_y)
    d_rec = rec_x - k * _dot(k, rec_x)[..., None] + np.cross(k, rec_y)
    cos = _dot(d_sat, d_rec) / (np.linalg.norm(d_sat, axis=-1) * np.linalg.norm(d_rec, axis=-1))
    angle = np.arccos(np.clip(cos, -1.0, 1.0)) / (2 * np.pi)
    return np.where(_dot(k, np.cross(d_sat, d_rec)) < 0, -angle, angle)


def unwrap_cycles(cycles):
    """Continuous series along axis 0: each step kept within +-0.5 cycle, NaN kept; vectorized.

    NaN cells are bridged (the last value carried over), so a short gap does not restart the count.
    """
    cycles = np.asarray(cycles, dtype=float)
    finite = np.isfinite(cycles)
    rows = np.where(finite, np.arange(cycles.shape[0])[:, None], 0)
    np.maximum.accumulate(rows, axis=0, out=rows)
    filled = np.take_along_axis(cycles, rows, axis=0)  # forward fill
    first = np.where(finite.any(axis=0), np.argmax(finite, axis=0), 0)
    start = np.take_along_axis(cycles, first[None, :], axis=0)
    filled = np.where(np.isfinite(filled), filled, start)  # leading NaN: the first value
    steps = np.diff(filled, axis=0)
    steps -= np.round(steps)
    out = filled[:1] + np.concatenate([np.zeros_like(filled[:1]), np.cumsum(steps, axis=0)], axis=0)
    return np.where(finite, out, np.nan)


def phase_windup_cycles(receiver_xyz_m, satellite_xyz_m, sat_x, sat_y):
    """Continuous wind-up (T, S) in cycles for satellites at ``satellite_xyz_m`` (T, S, 3) with body
    axes ``sat_x``, ``sat_y`` (T, S, 3; e.g. :func:`lodestar.models.attitude.satellite_attitude`),
    seen by a receiver antenna at ``receiver_xyz_m`` (3,) oriented north (no antenna rotation)."""
    receiver = np.asarray(receiver_xyz_m, dtype=float).reshape(3)
    rec_x, rec_y = receiver_dipole_axes(receiver)
    los = receiver - np.asarray(satellite_xyz_m, dtype=float)
    k = los / np.linalg.norm(los, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        raw = windup_angle_cycles(k, sat_x, sat_y, rec_x, rec_y)
    return unwrap_cycles(raw)
