"""Solid Earth tide displacement of a station, IERS Conventions 2010 §7.1.1, Steps 1 and 2.

>>> dxyz = solid_earth_tide_m(station_xyz_m, Time(times))     # (T, 3) ECEF metres

Step 1 (IERS 2010 eqs. 7.5, 7.6): degree-2 and degree-3 Love/Shida displacements from the Moon
and the Sun, with the latitude dependence of h2 and l2 (h2 = 0.6078 - 0.0006 (3 sin^2 phi - 1)/2,
l2 = 0.0847 + 0.0002 (3 sin^2 phi - 1)/2, h3 = 0.292, l3 = 0.015). The permanent tide is kept, so
the displacement refers to the conventional tide-free ITRF as the IGS products do. Peak
amplitudes ~30 cm radial, ~5 cm horizontal.

Step 2 (IERS 2010 §7.1.1, eqs. 7.12 and 7.13 with Tables 7.3a and 7.3b): the frequency dependence
of the Love numbers, in-phase and out-of-phase, in the diurnal band (29 tides with non-zero terms; K1's
free-core-nutation resonance dominates: 12.0 mm x sin 2phi radial, a sidereal-day signal, 11.2 mm at ESBC)
and the long-period band (5 tides, < 1 mm). Without it the height of a kinematic or hourly solution carried
a diurnal error of up to 13 mm at ESBC (against pysolid, a wrapper of Milbert's ``solid``: 9.3 mm RMS;
with it, < 1 mm). Checked against the test cases of the IERS routines STEP2DIU and STEP2LON
(``tests/test_ppp_models.py``).

Not modelled: the out-of-phase and l^(1) terms of Step 1 (< 1 mm in the ESBC latitude band), the
pole tide (< 25 mm, slow; -1.8 mm radial at ESBC on 2020-06-25) and ocean loading (mm to cm at coastal
sites: :mod:`.ocean_loading`, from a BLQ file).

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

__all__ = ["moon_position_ecef_m", "solid_earth_tide_m", "step2_displacement_m"]

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
    """Solid tide displacement ``(T, 3)`` (ECEF m), Steps 1 and 2, of a station at GPST ``times`` ``(T,)``.

    ``sun_m`` / ``moon_m``: ECEF body positions ``(T, 3)`` to use instead of the analytic series.
    """
    times = times if isinstance(times, Time) else Time(times)
    station = np.asarray(station_xyz_m, float).reshape(3)
    r_hat = station / np.linalg.norm(station)
    sin2_lat = r_hat[2] ** 2  # geocentric latitude: the Love numbers' latitude term is itself tiny
    moon = (moon_position_ecef_m(times) if moon_m is None else np.asarray(moon_m, float)).reshape(-1, 3)
    sun = (sun_position_ecef_m(times) if sun_m is None else np.asarray(sun_m, float)).reshape(-1, 3)
    step1 = _body_displacement(r_hat, sin2_lat, moon, GM_RATIO_MOON) + _body_displacement(r_hat, sin2_lat, sun, GM_RATIO_SUN)
    utc = times.to("utc").reshape(-1)
    hours_ut = (utc - utc.astype("datetime64[D]")).astype(np.int64) / 3.6e12  # UT1 ~ UTC: < 1 s, 0.02 mm
    centuries_tt = times.seconds_since_j2000("tt").reshape(-1) / (86400.0 * 36525.0)
    return step1 + step2_displacement_m(station, centuries_tt, hours_ut)


# IERS Conventions 2010 Table 7.3a (diurnal band, eq. 7.12): for each tide the multipliers of the
# Doodson-type arguments (s, h, p, N', p_s) added to tau, then Delta R in phase, out of phase, Delta T in
# phase, out of phase (mm). The values are those of the IERS routine STEP2DIU (DEHANTTIDEINEL.F), which
# differ from the printed table in two places, both < 0.02 mm: K1's out-of-phase radial -0.80 (table -0.78),
# and the row (0, 1, 0, 1, -1) whose s multiplier the table gives as 1.
_DIURNAL = np.array([
    [-3, 0, 2, 0, 0, -0.01, 0.0, 0.0, 0.0],
    [-3, 2, 0, 0, 0, -0.01, 0.0, 0.0, 0.0],
    [-2, 0, 1, -1, 0, -0.02, 0.0, 0.0, 0.0],
    [-2, 0, 1, 0, 0, -0.08, 0.0, -0.01, 0.01],
    [-2, 2, -1, 0, 0, -0.02, 0.0, 0.0, 0.0],
    [-1, 0, 0, -1, 0, -0.10, 0.0, 0.0, 0.0],
    [-1, 0, 0, 0, 0, -0.51, 0.0, -0.02, 0.03],  # O1
    [-1, 2, 0, 0, 0, 0.01, 0.0, 0.0, 0.0],
    [0, -2, 1, 0, 0, 0.01, 0.0, 0.0, 0.0],
    [0, 0, -1, 0, 0, 0.02, 0.0, 0.0, 0.0],
    [0, 0, 1, 0, 0, 0.06, 0.0, 0.0, 0.0],
    [0, 0, 1, 1, 0, 0.01, 0.0, 0.0, 0.0],
    [0, 2, -1, 0, 0, 0.01, 0.0, 0.0, 0.0],
    [1, -3, 0, 0, 1, -0.06, 0.0, 0.0, 0.0],
    [1, -2, 0, -1, 0, 0.01, 0.0, 0.0, 0.0],
    [1, -2, 0, 0, 0, -1.23, -0.07, 0.06, 0.01],  # P1
    [1, -1, 0, 0, -1, 0.02, 0.0, 0.0, 0.0],
    [1, -1, 0, 0, 1, 0.04, 0.0, 0.0, 0.0],
    [1, 0, 0, -1, 0, -0.22, 0.01, 0.01, 0.0],
    [1, 0, 0, 0, 0, 12.00, -0.80, -0.67, -0.03],  # K1
    [1, 0, 0, 1, 0, 1.73, -0.12, -0.10, 0.0],
    [1, 0, 0, 2, 0, -0.04, 0.0, 0.0, 0.0],
    [1, 1, 0, 0, -1, -0.50, -0.01, 0.03, 0.0],  # psi1
    [1, 1, 0, 0, 1, 0.01, 0.0, 0.0, 0.0],
    [0, 1, 0, 1, -1, -0.01, 0.0, 0.0, 0.0],
    [1, 2, -2, 0, 0, -0.01, 0.0, 0.0, 0.0],
    [1, 2, 0, 0, 0, -0.11, 0.01, 0.01, 0.0],
    [2, -2, 1, 0, 0, -0.01, 0.0, 0.0, 0.0],
    [2, 0, -1, 0, 0, -0.02, 0.0, 0.0, 0.0],
])  # the routine's last two rows (3,0,0,0,0) and (3,0,0,1,0) have zero amplitudes: left out
# IERS Conventions 2010 Table 7.3b (long-period band, eq. 7.13): multipliers of (s, h, p, N', p_s), then
# Delta R in phase, out of phase, Delta T in phase, out of phase (mm); routine STEP2LON.
_LONG_PERIOD = np.array([
    [0, 0, 0, 1, 0, 0.47, 0.16, 0.23, 0.07],  # 18.6 years
    [0, 2, 0, 0, 0, -0.20, -0.11, -0.12, -0.05],  # Ssa
    [1, 0, -1, 0, 0, -0.11, -0.09, -0.08, -0.04],  # Mm
    [2, 0, 0, 0, 0, -0.13, -0.15, -0.11, -0.07],  # Mf
    [2, 0, 0, 1, 0, -0.05, -0.06, -0.05, -0.03],
])


def _polynomial_deg(t, coefficients):
    """sum_k c_k t^k, degrees."""
    return sum(c * t**k for k, c in enumerate(coefficients))


def _astronomical_arguments_rad(t):
    """(tau, s, h, p, N', p_s) in radians at TT centuries ``t`` since J2000, the expressions of the IERS
    routines STEP2DIU / STEP2LON (Simon et al. 1994 mean elements; N' = -N, the negative lunar node).
    tau is returned without its hour-angle term (15 deg/h x UT hours), which the caller adds."""
    s0 = _polynomial_deg(t, (218.31664563, 481267.88194, -0.0014663889, 0.00000185139))
    tau = _polynomial_deg(t, (280.4606184, 36000.7700536, 0.00038793, -0.0000000258)) - s0
    precession = _polynomial_deg(t, (0.0, 1.396971278, 0.000308889, 0.000000021, 0.000000007))
    h = _polynomial_deg(t, (280.46645, 36000.7697489, 0.00030322222, 0.000000020, -0.00000000654))
    p = _polynomial_deg(t, (83.35324312, 4069.01363525, -0.01032172222, -0.0000124991, 0.00000005263))
    n_neg = _polynomial_deg(t, (234.95544499, 1934.13626197, -0.00207561111, -0.00000213944, 0.00000001650))
    p_s = _polynomial_deg(t, (282.93734098, 1.71945766667, 0.00045688889, -0.00000001778, -0.00000000334))
    return np.radians(np.mod(np.stack([tau, s0 + precession, h, p, n_neg, p_s]), 360.0))


def step2_displacement_m(station_xyz_m, centuries_tt, hours_ut, bands=("diurnal", "long-period")) -> np.ndarray:
    """Step-2 corrections ``(T, 3)`` (ECEF m): diurnal band (eq. 7.12) + long-period band (eq. 7.13), or the
    ``bands`` named.

    ``centuries_tt``: ``(T,)`` Julian centuries of TT since J2000; ``hours_ut``: ``(T,)`` hours of the UT
    day (the hour angle of the diurnal tides). Geocentric latitude and longitude, as the Conventions'.
    """
    station = np.asarray(station_xyz_m, float).reshape(3)
    t = np.atleast_1d(np.asarray(centuries_tt, float))
    tau, s, h, p, n_neg, p_s = _astronomical_arguments_rad(t)
    tau = tau + np.radians(15.0 * np.atleast_1d(np.asarray(hours_ut, float)))
    fundamental = np.stack([s, h, p, n_neg, p_s], axis=-1)  # (T, 5)
    r = np.linalg.norm(station)
    sin_phi, cos_phi = station[2] / r, np.hypot(station[0], station[1]) / r
    lon = np.arctan2(station[1], station[0])
    une = np.zeros((t.size, 3))  # up, north, east (mm)
    if "diurnal" in bands:
        une += _diurnal_une_mm(tau[:, None] + fundamental @ _DIURNAL[:, :5].T + lon, sin_phi, cos_phi)
    if "long-period" in bands:
        une += _long_period_une_mm(fundamental @ _LONG_PERIOD[:, :5].T, sin_phi, cos_phi)
    cos_lon, sin_lon = np.cos(lon), np.sin(lon)
    axes = np.array([[cos_phi * cos_lon, cos_phi * sin_lon, sin_phi],  # up
                     [-sin_phi * cos_lon, -sin_phi * sin_lon, cos_phi],  # north
                     [-sin_lon, cos_lon, 0.0]])  # east
    return 1e-3 * une @ axes


def _diurnal_une_mm(angle, sin_phi, cos_phi) -> np.ndarray:
    """Eq. 7.12 summed over the tides: ``angle`` ``(T, tides)`` is theta_f + lambda."""
    r_ip, r_op, t_ip, t_op = _DIURNAL[:, 5:].T
    sin_a, cos_a = np.sin(angle), np.cos(angle)
    return np.stack([2.0 * sin_phi * cos_phi * (sin_a @ r_ip + cos_a @ r_op),
                     (cos_phi**2 - sin_phi**2) * (sin_a @ t_ip + cos_a @ t_op),
                     sin_phi * (cos_a @ t_ip - sin_a @ t_op)], axis=-1)


def _long_period_une_mm(angle, sin_phi, cos_phi) -> np.ndarray:
    """Eq. 7.13 summed over the tides (no east component): ``angle`` ``(T, tides)`` is theta_f."""
    r_ip, r_op, t_ip, t_op = _LONG_PERIOD[:, 5:].T
    sin_a, cos_a = np.sin(angle), np.cos(angle)
    return np.stack([(1.5 * sin_phi**2 - 0.5) * (cos_a @ r_ip + sin_a @ r_op),
                     2.0 * sin_phi * cos_phi * (cos_a @ t_ip + sin_a @ t_op),
                     np.zeros(angle.shape[0])], axis=-1)
