"""Ocean tide loading displacement of a station from its BLQ coefficients (IERS Conventions 2010 §7.1.2).

>>> denu = ocean_loading_enu_m(site, Time(times))         # (T, 3) east, north, up (m)
>>> dxyz = ocean_loading_ecef_m(site, station_xyz_m, Time(times))

For each of the eleven tides j of the BLQ file and each component c (radial, west, south; IERS 2010
eq. 7.16):

    d_c(t) = sum_j f_j A_cj cos(chi_j(t) + u_j - Phi_cj)

with the amplitudes A and Greenwich phase lags Phi of the file, the astronomical argument chi_j
from the tide's Doodson number and Cartwright-Tayler phase (+90 deg K1, -90 deg O1 P1 Q1), and the
nodal modulation f_j, u_j of the lunar tides (18.6-year node cycle; the standard series in the
longitude of the Moon's node N, e.g. Pugh 1987, Tides, Surges and Mean Sea-Level, Table 4.3: M2 3.7 %,
K1 11.5 %, O1 18.7 %, Mf 41 % in amplitude). HARDISP (IERS) adds 331 minor tides by admittance
interpolation from the eleven; leaving them out costs about 5 % of the signal (IERS 2010 §7.1.2: the
eleven carry ~90-95 %), i.e. under 1 mm at inland sites, ~1-2 mm at the coast.

Doodson variables from the IERS 2010 fundamental arguments (eq. 5.43, Simon et al. 1994):
s = F + Omega, h = s - D, p = s - l, N' = -Omega, p_s = s - D - l', and the mean lunar time
tau = GMST + pi - s (UT1 ~ UTC; 1 s of UT1 is 0.008 deg of M2).
RTKLIB's ``tide_oload`` evaluates the same eleven tides without the nodal modulation (``nodal=False``
here reproduces it: tests/test_ocean_loading.py).
"""

from __future__ import annotations

import numpy as np

from ..frames import ecef_to_geodetic, enu_matrix, gmst_rad
from ..io.blq import TIDES, OceanLoadingSite
from ..time import Time

__all__ = ["DOODSON", "astronomical_arguments_rad", "nodal_modulation", "ocean_loading_ecef_m",
           "ocean_loading_enu_m"]

#: Doodson multipliers (tau, s, h, p, N', p_s) and Cartwright-Tayler phase (deg) of the BLQ tides,
#: in the BLQ column order (Doodson numbers: M2 255.555, S2 273.555, N2 245.655, K2 275.555,
#: K1 165.555, O1 145.555, P1 163.555, Q1 135.655, Mf 075.555, Mm 065.455, Ssa 057.555).
DOODSON = {
    "M2": ((2, 0, 0, 0, 0, 0), 0.0),
    "S2": ((2, 2, -2, 0, 0, 0), 0.0),
    "N2": ((2, -1, 0, 1, 0, 0), 0.0),
    "K2": ((2, 2, 0, 0, 0, 0), 0.0),
    "K1": ((1, 1, 0, 0, 0, 0), 90.0),
    "O1": ((1, -1, 0, 0, 0, 0), -90.0),
    "P1": ((1, 1, -2, 0, 0, 0), -90.0),
    "Q1": ((1, -2, 0, 1, 0, 0), -90.0),
    "Mf": ((0, 2, 0, 0, 0, 0), 0.0),
    "Mm": ((0, 1, 0, -1, 0, 0), 0.0),
    "Ssa": ((0, 0, 2, 0, 0, 0), 0.0),
}
_ARCSEC = np.pi / (180.0 * 3600.0)


def _delaunay_rad(t_cent):
    """(l, l', F, D, Omega) in radians, IERS Conventions 2010 eq. 5.43 (T in Julian centuries TDB)."""
    def poly(deg0, *arcsec):
        value = np.full(np.shape(t_cent), deg0 * 3600.0)
        for k, c in enumerate(arcsec, start=1):
            value = value + c * t_cent**k
        return np.mod(value * _ARCSEC, 2.0 * np.pi)
    l_moon = poly(134.96340251, 1717915923.2178, 31.8792, 0.051635, -0.00024470)
    l_sun = poly(357.52910918, 129596581.0481, -0.5532, 0.000136, -0.00001149)
    f = poly(93.27209062, 1739527262.8478, -12.7512, -0.001037, 0.00000417)
    d = poly(297.85019547, 1602961601.2090, -6.3706, 0.006593, -0.00003169)
    omega = poly(125.04455501, -6962890.5431, 7.4722, 0.007702, -0.00005939)
    return l_moon, l_sun, f, d, omega


def _doodson_variables(times: Time):
    t_cent = times.seconds_since_j2000("tdb") / 86400.0 / 36525.0
    l_moon, l_sun, f, d, omega = _delaunay_rad(t_cent)
    s = f + omega
    h = s - d
    p = s - l_moon
    tau = gmst_rad(times) + np.pi - s
    return np.stack([tau, s, h, p, -omega, s - d - l_sun], axis=-1), omega


def astronomical_arguments_rad(times: Time) -> np.ndarray:
    """(T, 11) arguments chi_j of the BLQ tides (radians, BLQ column order)."""
    beta, _ = _doodson_variables(times)
    mult = np.array([DOODSON[t][0] for t in TIDES], dtype=float)  # (11, 6)
    offset = np.radians([DOODSON[t][1] for t in TIDES])
    return beta @ mult.T + offset


def nodal_modulation(times: Time) -> tuple[np.ndarray, np.ndarray]:
    """((T, 11) amplitude factor f, (T, 11) phase u in radians) of the BLQ tides.

    Standard series in the Moon's node longitude N (Pugh 1987, Table 4.3; Doodson 1928): solar
    tides (S2, P1, Ssa) have none; N2 and M2 share one, Q1 and O1 another."""
    _, n = _doodson_variables(times)
    c1, c2, c3 = np.cos(n), np.cos(2 * n), np.cos(3 * n)
    s1, s2, s3 = np.sin(n), np.sin(2 * n), np.sin(3 * n)
    one, zero = np.ones_like(n), np.zeros_like(n)
    f_m2 = 1.0004 - 0.0373 * c1 + 0.0002 * c2
    u_m2 = -2.14 * s1
    f_k2 = 1.0241 + 0.2863 * c1 + 0.0083 * c2 - 0.0015 * c3
    u_k2 = -17.74 * s1 + 0.68 * s2 - 0.04 * s3
    f_k1 = 1.0060 + 0.1150 * c1 - 0.0088 * c2 + 0.0006 * c3
    u_k1 = -8.86 * s1 + 0.68 * s2 - 0.07 * s3
    f_o1 = 1.0089 + 0.1871 * c1 - 0.0147 * c2 + 0.0014 * c3
    u_o1 = 10.80 * s1 - 1.34 * s2 + 0.19 * s3
    f_mf = 1.043 + 0.414 * c1
    u_mf = -23.74 * s1 + 2.68 * s2 - 0.38 * s3
    f_mm = 1.0 - 0.130 * c1
    f = np.stack([f_m2, one, f_m2, f_k2, f_k1, f_o1, one, f_o1, f_mf, f_mm, one], axis=-1)
    u = np.stack([u_m2, zero, u_m2, u_k2, u_k1, u_o1, zero, u_o1, u_mf, zero, zero], axis=-1)
    return f, np.radians(u)


def ocean_loading_enu_m(site: OceanLoadingSite, times: Time, *, nodal: bool = True) -> np.ndarray:
    """(T, 3) east, north, up displacement (m) of the station at ``times``."""
    chi = astronomical_arguments_rad(times)  # (T, 11)
    if nodal:
        f, u = nodal_modulation(times)
    else:
        f, u = np.ones_like(chi), np.zeros_like(chi)
    phase = np.radians(np.asarray(site.phase_deg, dtype=float))  # (3, 11) radial, west, south
    amp = np.asarray(site.amplitude_m, dtype=float)
    d = np.einsum("tj,cj,tcj->tc", f, amp, np.cos(chi[:, None, :] + u[:, None, :] - phase[None, :, :]))
    return np.stack([-d[:, 1], -d[:, 2], d[:, 0]], axis=-1)  # west -> east, south -> north


def ocean_loading_ecef_m(site: OceanLoadingSite, station_xyz_m, times: Time, *, nodal: bool = True) -> np.ndarray:
    """(T, 3) ECEF displacement (m) of the station at ``station_xyz_m``."""
    lat, lon, _ = ecef_to_geodetic(np.asarray(station_xyz_m, dtype=float))
    rot = enu_matrix(lat, lon).reshape(3, 3)  # rows: east, north, up
    return ocean_loading_enu_m(site, times, nodal=nodal) @ rot
