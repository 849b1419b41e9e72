"""NeQuick-G electron density at arbitrary points: the profile part of the Galileo model.

European GNSS (Galileo) Open Service, *Ionospheric Correction Algorithm for Galileo Single
Frequency Users*, issue 1.2, September 2016 ("the spec"; section and equation numbers are those
the JRC reference implementation's comments give). Every function takes arrays of points (any
length) and returns arrays: the MODIP and solar inputs (§2.5.4), the E, F1 and F2 layer
parameters (§2.5.5) and the electron density (§2.5.6).

Model data (``data/nequick_ccir.npz``, built by ``tools/build_nequick_data.py``): the ITU-R
(CCIR) foF2 and M(3000)F2 coefficient maps of each month and the MODIP grid, as distributed with
the spec (files ``ccirXX.txt`` and ``modip2001_wrapped.asc``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ._nequick_kernel import f2_expansion

__all__ = ["model_data", "modip_deg", "effective_ionisation_sfu", "sunspot_number", "ccir_coefficients",
           "profile_parameters", "electron_density", "EARTH_RADIUS_KM"]

EARTH_RADIUS_KM = 6371.2  # the spec's Earth radius RE (§2.5.2, constants)
_AZ_DEFAULT_SFU = 63.7  # Az when all three broadcast coefficients are zero (the spec; ITU-R P.371-8 eq. 17)
_AZ_RANGE_SFU = (0.0, 400.0)  # Az clipped to [0, 400] sfu (the spec)
_FREQ_TO_DENSITY = 0.124  # Nm = 0.124 fo^2 (10^11 m^-3, fo in MHz), eqs. 36, 39, 48, 77 (F.2.9.4)
_F2_GRADES = (12, 12, 9, 5, 2, 1, 1, 1, 1)  # Legendre degrees per longitude order, foF2 (§2.5.5.3, 76 terms)
_M3000_GRADES = (7, 8, 6, 3, 2, 1, 1)  # the same for M(3000)F2 (49 terms)
_F2_GRADES_ARRAY = np.array(_F2_GRADES, dtype=np.int64)
_M3000_GRADES_ARRAY = np.array(_M3000_GRADES, dtype=np.int64)
_EXP_LIMIT = 80.0  # the spec's clipped exponential: exp(+-80) saturated (F.2.12.1)


def _exp(x):
    """exp() saturated at +-80 like the spec's NeqClipExp (avoids overflow on any platform)."""
    return np.exp(np.clip(x, -_EXP_LIMIT, _EXP_LIMIT))


def _join(f1, f2, alpha, x):
    """The spec's join function (F.2.12.2): f1 for x >> 0, f2 for x << 0, a smooth step between."""
    e = _exp(alpha * x)
    return (f1 * e + f2) / (e + 1.0)


@lru_cache(maxsize=1)
def model_data():
    """(F2 (12, 2, 76, 13), M3000 (12, 2, 49, 9), MODIP grid (39, 39) deg), read once (immutable)."""
    with resources.files(__package__).joinpath("data/nequick_ccir.npz").open("rb") as handle:
        data = np.load(handle)
        values = data["ccir_mantissa"].astype(float) * 10.0 ** (data["ccir_exponent"].astype(float) - 8.0)
        modip = data["modip_centideg"].astype(float) / 100.0
    n_f2 = 2 * 76 * 13
    f2 = values[:, :n_f2].reshape(12, 2, 76, 13)
    m3000 = values[:, n_f2:].reshape(12, 2, 49, 9)
    for array in (f2, m3000, modip):
        array.flags.writeable = False
    return f2, m3000, modip


def _third_order(z, offset):
    """Third-order interpolation between z[1] and z[2] at ``offset`` in [0, 1] (§2.5.7.1)."""
    z0, z1, z2, z3 = z
    delta = 2.0 * offset - 1.0
    g1, g2 = z2 + z1, z2 - z1
    g3, g4 = z3 + z0, (z3 - z0) / 3.0
    a0, a1, a2, a3 = 9.0 * g1 - g3, 9.0 * g2 - g4, g3 - g1, g4 - g2
    value = (((a3 * delta + a2) * delta + a1) * delta + a0) / 16.0
    return np.where(np.abs(offset) < 5e-11, z1, value)


def modip_deg(lat_deg, lon_deg):
    """Modified dip latitude (deg) from the wrapped 5 x 10 deg grid (§2.5.4.3); +-90 at the poles."""
    _, _, grid = model_data()
    lat_in, lon_in = np.broadcast_arrays(np.asarray(lat_deg, float), np.asarray(lon_deg, float))
    bad = ~(np.isfinite(lat_in) & np.isfinite(lon_in))  # NaN in, NaN out (a NaN cast to an index raised)
    lat = np.where(bad, 0.0, lat_in)
    lon = np.mod(np.where(bad, 0.0, lon_in) + 180.0, 360.0) - 180.0
    x = (lon + 180.0) / 10.0
    col = np.floor(x).astype(int)
    inner = np.clip(lat, -89.999, 89.999)
    y = (inner + 90.0) / 5.0
    row = np.floor(y - 1e-6).astype(int)  # the grid's first row is its wrap below -90
    rows = [row + k for k in range(4)]
    columns = [col + k for k in range(4)]  # the first column is the wrap at -190 deg: col + 3 <= 38
    along_lat = [_third_order([grid[r, c] for r in rows], y - row) for c in columns]
    value = _third_order(along_lat, x - col)
    return np.where(bad, np.nan, np.where(lat <= -90.0, -90.0, np.where(lat >= 90.0, 90.0, value)))


def effective_ionisation_sfu(coefficients, modip):
    """Az = a0 + a1 mu + a2 mu^2, clipped to [0, 400] sfu; 63.7 when all three are 0 (< 1e-7)."""
    a = np.asarray(coefficients, float)
    if np.all(np.abs(a) < 1e-7):
        return np.full(np.shape(modip), _AZ_DEFAULT_SFU)
    return np.clip(a[0] + a[1] * modip + a[2] * modip**2, *_AZ_RANGE_SFU)


def sunspot_number(az_sfu):
    """Effective sunspot number Azr from Az (ITU-R P.371-8, as the spec takes it)."""
    return np.sqrt(167273.0 + (az_sfu - 63.7) * 1123.6) - 408.99


def ccir_coefficients(month, utc_h, azr):
    """(CF2 (n, 76), Cm3 (n, 49)): the CCIR maps interpolated to Azr and evaluated at UT (§2.5.5.3.2:
    linear in Azr / 100 between the low- and high-activity maps; Fourier series in
    T = 15 UT - 180 deg)."""
    f2_all, m3000_all, _ = model_data()
    month = np.asarray(month, int)
    weight = (np.asarray(azr, float) / 100.0)[:, None, None]
    t_rad = np.radians(15.0 * np.asarray(utc_h, float) - 180.0)
    out = []
    for table, harmonics in ((f2_all, 6), (m3000_all, 4)):
        mixed = table[month - 1, 0] * (1.0 - weight) + table[month - 1, 1] * weight
        k = np.arange(1, harmonics + 1)
        sin_k, cos_k = np.sin(np.outer(t_rad, k)), np.cos(np.outer(t_rad, k))
        out.append(mixed[..., 0] + np.einsum("ndk,nk->nd", mixed[..., 1::2], sin_k)
                   + np.einsum("ndk,nk->nd", mixed[..., 2::2], cos_k))
    return out[0], out[1]


def _expansion(coefficients, grades, powers, cos_lat, cos_k, sin_k):
    """sum over longitude orders i of cos(lat)^i sum_j sin(mu)^j (c_ij cos(i lon) + s_ij sin(i lon))
    with the coefficients in the spec's order (order 0 first, then cos/sin pairs per degree)."""
    value = np.einsum("nk,nk->n", powers[:, :grades[0]], coefficients[:, :grades[0]])
    offset, lat_term = grades[0], np.ones_like(cos_lat)
    for order, grade in enumerate(grades[1:], start=1):
        lat_term = lat_term * cos_lat
        pairs = coefficients[:, offset:offset + 2 * grade]
        inner = pairs[:, 0::2] * cos_k[:, order - 1, None] + pairs[:, 1::2] * sin_k[:, order - 1, None]
        value += lat_term * np.einsum("nk,nk->n", powers[:, :grade], inner)
        offset += 2 * grade
    return value


def _f2_critical(lat_deg, lon_deg, modip, cf2, cm3):
    """foF2 (MHz) and M(3000)F2 (>= 1) by the CCIR expansion (§2.5.5.3)."""
    sin_mu = np.sin(np.radians(modip))
    powers = np.cumprod(np.column_stack([np.ones_like(sin_mu)] + [sin_mu] * 11), axis=1)
    powers = np.where(np.abs(powers) <= 1e-30, 0.0, powers)
    angle = np.outer(np.radians(lon_deg), np.arange(1, 9))
    cos_k, sin_k = np.cos(angle), np.sin(angle)
    cos_lat = np.cos(np.radians(lat_deg))
    fo_f2 = _expansion(cf2, _F2_GRADES, powers, cos_lat, cos_k, sin_k)
    m3000 = _expansion(cm3, _M3000_GRADES, powers, cos_lat, cos_k, sin_k)
    return fo_f2, np.maximum(m3000, 1.0)


def _season(month):
    """-1 (Nov-Feb), 0 (Mar, Apr, Sep, Oct), +1 (May-Aug): the foE season parameter (§2.5.5.1)."""
    table = np.array([0, -1, -1, 0, 0, 1, 1, 1, 1, 0, 0, -1, -1], float)
    return table[np.asarray(month, int)]


def _fo_e(lat_deg, lon_deg, month, utc_h, az):
    """foE (MHz) from the effective solar zenith angle (§2.5.5.1; §2.5.4.1, 2.5.4.6-8)."""
    day = 30.5 * month - 15.0 + (18.0 - utc_h) / 24.0
    mean_anomaly = np.radians(0.9856 * day - 3.289)
    ecliptic = mean_anomaly + np.radians(282.634) + np.radians(1.916) * np.sin(mean_anomaly) \
        + np.radians(0.02) * np.sin(2.0 * mean_anomaly)
    sin_decl = 0.39782 * np.sin(ecliptic)
    cos_decl = np.sqrt(1.0 - sin_decl**2)
    local_h = utc_h + lon_deg / 15.0
    lat = np.radians(lat_deg)
    cos_chi = np.sin(lat) * sin_decl + np.cos(lat) * cos_decl * np.cos(np.pi * (12.0 - local_h) / 12.0)
    chi = np.degrees(np.arctan2(np.sqrt(np.maximum(1.0 - cos_chi**2, 0.0)), cos_chi))
    chi_eff = _join(90.0 - 0.24 * _exp(20.0 - 0.2 * chi), chi, 12.0, chi - 86.23292796211615)
    ee = _exp(0.3 * lat_deg)
    seas = _season(month) * (ee - 1.0) / (ee + 1.0)
    fo = (1.112 - 0.019 * seas) * np.sqrt(np.sqrt(az)) * _exp(0.3 * np.log(np.cos(np.radians(chi_eff))))
    return np.sqrt(fo**2 + 0.49)


def _fo_f1(fo_e, fo_f2):
    """foF1 (MHz): 1.4 foE softly cut where foE < 2 MHz and kept below 0.85 foF2 (§2.5.5.1, F.2.9.1)."""
    fo = _join(1.4 * fo_e, 0.0, 1000.0, fo_e - 2.0)
    fo = _join(0.0, fo, 1000.0, fo_e - fo)
    fo = _join(fo, 0.85 * fo, 60.0, 0.85 * fo_f2 - fo)
    return np.where(fo < 1e-6, 0.0, fo)


def _hm_f2(fo_f2, m3000, fo_e):
    """F2 peak height (km), Dudeney's formula with the soft-clipped foF2/foE ratio (§2.5.5.6)."""
    ratio = _join(fo_f2 / fo_e, 1.75, 20.0, fo_f2 / fo_e - 1.75)
    delta_m = np.where(fo_e >= 1e-30, 0.253 / (ratio - 1.215), 0.0)
    m2 = m3000**2
    numerator = 1490.0 * m3000 * np.sqrt((0.0196 * m2 + 1.0) / (1.2967 * m2 - 1.0))
    return numerator / (m3000 - 0.012 + delta_m) - 176.0


def _epst(amplitude, peak_km, thickness_km, h_km):
    """An Epstein layer at height h, times 4: one layer's contribution."""
    e = _exp((h_km - peak_km) / thickness_km)
    return 4.0 * amplitude * e / (e + 1.0) ** 2


def _amplitudes(p):
    """Peak amplitudes A1 (F2), A2 (F1), A3 (E), 10^11 m^-3 (§2.5.5.8, eqs. 90-98): five rounds
    separate E and F1, each peak net of the other layers' tails."""
    a1 = 4.0 * p["nm_f2"]
    e_net = 4.0 * p["nm_e"] - _epst(a1, p["hm_f2"], p["b2_bot"], p["hm_e"])
    f1_net = 4.0 * p["nm_f1"] - _epst(a1, p["hm_f2"], p["b2_bot"], p["hm_f1"])
    a3 = 4.0 * p["nm_e"]
    a2 = np.zeros_like(a3)
    for _ in range(5):
        a2 = f1_net - _epst(a3, p["hm_e"], p["be_top"], p["hm_f1"])
        a2 = _join(a2, 0.8 * p["nm_f1"], 1.0, a2 - 0.8 * p["nm_f1"])
        a3 = e_net - _epst(a2, p["hm_f1"], p["b1_bot"], p["hm_e"])
    present = p["fo_f1"] >= 0.5
    a2 = np.where(present, a2, 0.0)
    a3 = np.where(present, a3, e_net)
    return a1, a2, _join(a3, 0.05, 60.0, a3 - 0.005)


def _topside_thickness(p, month, azr):
    """H0 (km): shape factor k times B2bot, with the spec's correction (§2.5.5.11)."""
    summer = (month > 3) & (month < 10)
    k = np.where(summer, 6.705 - 0.014 * azr - 0.008 * p["hm_f2"],
                 -7.77 + 0.097 * (p["hm_f2"] / p["b2_bot"]) ** 2 + 0.153 * p["nm_f2"])
    k = _join(k, 2.0, 1.0, k - 2.0)
    k = _join(8.0, k, 1.0, k - 8.0)
    h_top = k * p["b2_bot"]
    x = (h_top - 150.0) / 100.0
    return h_top / ((0.041163 * x - 0.183981) * x + 1.424472)


def profile_parameters(lat_deg, lon_deg, month, utc_h, az, azr, cf2, cm3, key=None):
    """The layer peaks, heights and thicknesses at each point (dict of arrays, §2.5.5).

    ``cf2``/``cm3``: the CCIR coefficients of each point, or with ``key`` a per-epoch table and
    each point's row in it (the numba kernel then reads them in place)."""
    modip = modip_deg(lat_deg, lon_deg)
    fo_e = _fo_e(lat_deg, lon_deg, month, utc_h, az)
    if key is None:
        fo_f2, m3000 = _f2_critical(lat_deg, lon_deg, modip, cf2, cm3)
    else:
        fo_f2, m3000 = f2_expansion(lat_deg, lon_deg, modip, key, cf2, cm3, _F2_GRADES_ARRAY, _M3000_GRADES_ARRAY)
    fo_f1 = _fo_f1(fo_e, fo_f2)
    p = {"fo_f1": fo_f1, "nm_e": _FREQ_TO_DENSITY * fo_e**2, "nm_f1": _FREQ_TO_DENSITY * fo_f1**2,
         "nm_f2": _FREQ_TO_DENSITY * fo_f2**2, "hm_e": np.full_like(fo_e, 120.0), "hm_f2": _hm_f2(fo_f2, m3000, fo_e)}
    p["hm_f1"] = (p["hm_e"] + p["hm_f2"]) / 2.0
    gradient = 0.01 * np.exp(-3.467 + 0.857 * np.log(fo_f2**2) + 2.02 * np.log(m3000))  # §2.5.5.7, eq. 85
    p["b2_bot"] = 0.385 * p["nm_f2"] / gradient
    p["b1_top"] = 0.3 * (p["hm_f2"] - p["hm_f1"])
    p["b1_bot"] = 0.5 * (p["hm_f1"] - p["hm_e"])
    p["be_top"] = np.maximum(p["b1_bot"], 7.0)
    p["be_bot"] = np.full_like(fo_e, 5.0)
    p["a1"], p["a2"], p["a3"] = _amplitudes(p)
    p["h0"] = _topside_thickness(p, month, azr)
    return p


def _bottomside(p, h_km):
    """Bottomside density (10^11 m^-3) below hmF2 (§2.5.6, eqs. 112-123): three semi-Epstein
    layers, the E and F1 ones faded near the F2 peak, Chapman-corrected below 100 km."""
    hh = np.maximum(h_km, 100.0)
    b1 = np.where(h_km > p["hm_f1"], p["b1_top"], p["b1_bot"])
    be = np.where(h_km > p["hm_e"], p["be_top"], p["be_bot"])
    fade = np.exp(10.0 / (np.abs(hh - p["hm_f2"]) + 1.0))
    layers = ((p["a1"], (hh - p["hm_f2"]) / p["b2_bot"], p["b2_bot"]),
              (p["a2"], (hh - p["hm_f1"]) / b1 * fade, b1),
              (p["a3"], (hh - p["hm_e"]) / be * fade, be))
    s_sum, s_ds_sum = 0.0, 0.0
    for amplitude, arg, thickness in layers:
        small = np.abs(arg) <= 25.0
        e = np.exp(np.where(small, arg, 0.0))
        s = np.where(small, amplitude * e / (e + 1.0) ** 2, 0.0)
        ds = np.where(small, (1.0 - e) / (1.0 + e) / thickness, 0.0)
        s_sum, s_ds_sum = s_sum + s, s_ds_sum + s * ds
    with np.errstate(invalid="ignore", divide="ignore"):
        bc = 1.0 - 10.0 * s_ds_sum / s_sum
    z = (h_km - 100.0) / 10.0
    chapman = s_sum * _exp(1.0 - bc * z - _exp(-z))
    return np.where(h_km < 100.0, chapman, s_sum)


def electron_density(h_km, p):
    """Electron density (m^-3) at heights ``h_km`` for profiles ``p`` (§2.5.6): topside above
    hmF2 (semi-Epstein with a height-dependent thickness), bottomside below."""
    top = h_km > p["hm_f2"]
    bottom = _bottomside(p, np.where(top, p["hm_f2"], h_km))  # at hmF2 for topside points: NmF2
    dh = h_km - p["hm_f2"]
    g_dh = 0.125 * dh
    ea = _exp(dh / (p["h0"] * (1.0 + 100.0 * g_dh / (100.0 * p["h0"] + g_dh))))
    shape = np.where(ea > 1e11, 1.0 / ea, ea / (1.0 + ea) ** 2)
    return 1e11 * np.where(top, 4.0 * bottom * shape, bottom)
