"""Solid Earth tide displacement of a station, IERS Conventions 2010 §7.1.1 Step 1.

>>> dxyz = solid_earth_tide_m(station_xyz_m, Time(times))     # (T, 3) ECEF metres

Step 1 (IERS 2010 eqs. 7.5, 7.6): degree-2 and degree-3 Love/Shida displacements from the Moon
and the Sun, with the latitude dependence of h2 and l2 (h2 = 0.6078 - 0.0006 (3 sin^2 phi - 1)/2,
l2 = 0.0847 + 0.0002 (3 sin^2 phi - 1)/2, h3 = 0.292, l3 = 0.015). The permanent tide is kept, so
the displacement refers to the conventional tide-free ITRF as the IGS products do. Peak
amplitudes ~30 cm radial, ~5 cm horizontal. Not modelled: Step 2 frequency corrections (the
largest, K1, is 13 mm radial peak at 45° latitude, a diurnal signal that averages out over a day),
the out-of-phase and l^(1) terms (< 1 mm in the ESBC latitude band), the pole tide (< 25 mm,
slow) and ocean loading (mm to cm at coastal sites: :mod:`.ocean_loading`, from a BLQ file).

Sun: :func:`lodestar.models.attitude.sun_position_ecef_m` (Astronomical Almanac low-precision formulae). Moon:
the low-precision series of Montenbruck & Gill (2000) §3.3.2 eq. 3.47–3.48 (~0.1° in longitude,
~500 km in distance: a 0.4 % error on a 36 cm tide, i.e. < 1.5 mm), of date (the 1.3972°/century
precession term of the J2000 form dropped), then GMST as for the Sun.
"""

from __future__ import annotations

import numpy as np

from ..frames import gmst_rad
from ..time import Time
from .attitude import sun_position_ecef_m

__all__ = ["moon_position_ecef_m", "solid_earth_tide_m"]

GM_RATIO_MOON = 0.0123000371  # GM_moon / GM_earth, IERS Conventions 2010 Table 1.1
GM_RATIO_SUN = 332946.0482  # GM_sun / GM_earth, IERS Conventions 2010 Table 1.1
EARTH_RADIUS_M = 6378136.6  # IERS Conventions 2010 Table 1.1 (a_E)
_OBLIQUITY_RAD = np.radians(23.43929111)  # J2000 mean obliquity (M&G 2000 eq. 3.43)


def moon_position_ecef_m(times: Time) -> np.ndarray:
    """Moon position (ECEF, m, ``times.shape + (3,)``), Montenbruck & Gill (2000) eq. 3.47-3.48."""
    t = times.seconds_since_j2000("tt") / (86400.0 * 36525.0)
    deg = np.radians
    l0 = 218.31617 + 481267.88088 * t
    l_m = deg(134.96292 + 477198.86753 * t)
    l_s = deg(357.52543 + 35999.04944 * t)
    f = deg(93.27283 + 483202.01873 * t)
    d = deg(297.85027 + 445267.11135 * t)
    lon = l0 + (22640 * np.sin(l_m) + 769 * np.sin(2 * l_m) - 4586 * np.sin(l_m - 2 * d) + 2370 * np.sin(2 * d)
                - 668 * np.sin(l_s) - 412 * np.sin(2 * f) - 212 * np.sin(2 * l_m - 2 * d)
                - 206 * np.sin(l_m + l_s - 2 * d) + 192 * np.sin(l_m + 2 * d) - 165 * np.sin(l_s - 2 * d)
                + 148 * np.sin(l_m - l_s) - 125 * np.sin(d) - 110 * np.sin(l_m + l_s)
                - 55 * np.sin(2 * f - 2 * d)) / 3600.0
    lat = (18520 * np.sin(f + deg(lon - l0) + deg((412 * np.sin(2 * f) + 541 * np.sin(l_s)) / 3600.0))
           - 526 * np.sin(f - 2 * d) + 44 * np.sin(l_m + f - 2 * d) - 31 * np.sin(-l_m + f - 2 * d)
           - 25 * np.sin(-2 * l_m + f) - 23 * np.sin(l_s + f - 2 * d) + 21 * np.sin(-l_m + f)
           + 11 * np.sin(-l_s + f - 2 * d)) / 3600.0
    dist = (385000.0 - 20905 * np.cos(l_m) - 3699 * np.cos(2 * d - l_m) - 2956 * np.cos(2 * d)
            - 570 * np.cos(2 * l_m) + 246 * np.cos(2 * l_m - 2 * d) - 205 * np.cos(l_s - 2 * d)
            - 171 * np.cos(l_m + 2 * d) - 152 * np.cos(l_m + l_s - 2 * d)) * 1e3
    lon, lat = np.radians(lon), np.radians(lat)
    ecl = np.stack([dist * np.cos(lat) * np.cos(lon), dist * np.cos(lat) * np.sin(lon), dist * np.sin(lat)], axis=-1)
    ce, se = np.cos(_OBLIQUITY_RAD), np.sin(_OBLIQUITY_RAD)
    eci = np.stack([ecl[..., 0], ce * ecl[..., 1] - se * ecl[..., 2], se * ecl[..., 1] + ce * ecl[..., 2]], axis=-1)
    gmst = gmst_rad(times)
    c, s = np.cos(gmst), np.sin(gmst)
    return np.stack([c * eci[..., 0] + s * eci[..., 1], -s * eci[..., 0] + c * eci[..., 1], eci[..., 2]], axis=-1)


def _body_displacement(r_hat, sin2_lat, body_xyz, gm_ratio):
    """IERS 2010 eq. 7.5 (degree 2) + 7.6 (degree 3) for one body; ``body_xyz`` (T, 3)."""
    dist = np.linalg.norm(body_xyz, axis=-1, keepdims=True)
    b_hat = body_xyz / dist
    cos_z = b_hat @ r_hat  # (T,)
    h2 = 0.6078 - 0.0006 * (3.0 * sin2_lat - 1.0) / 2.0
    l2 = 0.0847 + 0.0002 * (3.0 * sin2_lat - 1.0) / 2.0
    h3, l3 = 0.292, 0.015
    transverse = b_hat - cos_z[:, None] * r_hat[None, :]
    k2 = gm_ratio * EARTH_RADIUS_M**4 / dist[:, 0] ** 3
    deg2 = k2[:, None] * (h2 * r_hat[None, :] * (1.5 * cos_z**2 - 0.5)[:, None] + 3.0 * l2 * cos_z[:, None] * transverse)
    k3 = gm_ratio * EARTH_RADIUS_M**5 / dist[:, 0] ** 4
    deg3 = k3[:, None] * (h3 * r_hat[None, :] * (2.5 * cos_z**3 - 1.5 * cos_z)[:, None]
                          + l3 * (7.5 * cos_z**2 - 1.5)[:, None] * transverse)
    return deg2 + deg3


def solid_earth_tide_m(station_xyz_m, times, *, sun_m=None, moon_m=None) -> np.ndarray:
    """Step-1 solid tide displacement ``(T, 3)`` (ECEF m) of a station at GPST ``times`` ``(T,)``.

    ``sun_m`` / ``moon_m``: ECEF body positions ``(T, 3)`` to use instead of the analytic series.
    """
    times = times if isinstance(times, Time) else Time(times)
    station = np.asarray(station_xyz_m, float).reshape(3)
    r_hat = station / np.linalg.norm(station)
    sin2_lat = r_hat[2] ** 2  # geocentric latitude: the Love numbers' latitude term is itself tiny
    moon = (moon_position_ecef_m(times) if moon_m is None else np.asarray(moon_m, float)).reshape(-1, 3)
    sun = (sun_position_ecef_m(times) if sun_m is None else np.asarray(sun_m, float)).reshape(-1, 3)
    return _body_displacement(r_hat, sin2_lat, moon, GM_RATIO_MOON) + _body_displacement(r_hat, sin2_lat, sun, GM_RATIO_SUN)
