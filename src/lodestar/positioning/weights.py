"""Weights of the pseudorange: elevation-dependent noise per system, and its re-estimation on the data.

Error model (variance of one undifferenced code observation, m^2):

    sigma^2 = f_sys^2 * (a^2 + b^2 / sin^2 E + (k_iono * I)^2 + s_SIS^2)

with a = b = 0.3 m (RTKLIB's default code error model, ``err = 0.003`` x ``eratio = 100``),
k_iono = 0.5 (the residual of broadcast Klobuchar is ~50 % RMS: Klobuchar 1987; RTKLIB's
``ERR_BRDCI``), and ``f_sys`` the per-system factor. The a-priori factors are 1 for
GPS/Galileo/BeiDou and 1.5 for GLONASS (RTKLIB ``EFACT_GLO``: FDMA code is noisier, its chip
rate is half of GPS C/A); :func:`variance_factors` then re-estimates them on the data
(variance-component estimation, Koch 1999 §3.6: sigma^2_s = sum w v^2 / sum r over system s).
``s_SIS`` is the error of the broadcast orbit and clock along the line of sight (signal-in-space
range error, SISRE): the same at every elevation, so it flattens the elevation weighting. Values
(:data:`BROADCAST_SISRE_M`, the one broadcast SISRE table of Lodestar: the integrity bound of
``integrity.py`` uses it too): the global RMS SISRE of Montenbruck, Steigenberger & Hauschild
(2018, Adv. Space Res. 61:3020, 2017 data): Galileo 0.2 m, GPS 0.6 m, BeiDou-2 1 m, GLONASS 2 m;
QZSS 0.6 m from the same authors' 2015 assessment (GPS Solut 19:321, table 3, 2013 data), which
for the four systems above gave the older G 0.7, R 1.9, E 1.6, C 1.5 m (Galileo then had four IOV
satellites, BeiDou-2 its first years: the 2018 figures describe the 2020 ESBC era); NavIC and SBAS
are assessed in neither: 2.0 m assumed. RTKLIB
adds the same kind of term (``pntpos.c`` ``vare``: the record's URA, GLONASS ``ERREPH_GLO`` 5 m);
without it GLONASS satellites at high elevation, whose broadcast errors reach +-3 m on ESBC, got
most of the weight and GLONASS alone was worse than RTKLIB (docs/positioning.md). With precise
orbits and clocks the term is 0.
The factor scales the whole variance, ionosphere term included: scaling only the noise part and
adding the ionosphere variance unscaled flattens the weight ratio between systems (on ESBC it
gave GLONASS 3x too much weight and made R+C worse than C alone; docs/positioning.md).
"""

from __future__ import annotations

import numpy as np

__all__ = ["code_variance_m2", "APRIORI_FACTOR", "BROADCAST_SISRE_M", "broadcast_sisre_m", "variance_factors"]

#: A-priori variance factor per system (module docstring: RTKLIB EFACT_GPS/GLO/GAL/CMP/QZS/IRN/SBS).
APRIORI_FACTOR = {"G": 1.0, "R": 1.5, "E": 1.0, "C": 1.0, "J": 1.0, "I": 1.5, "S": 3.0}
_CODE_A_M = 0.3  # m, constant term of the code error (RTKLIB err 0.003 x eratio 100)
_CODE_B_M = 0.3  # m, elevation term, divided by sin E (same source)
#: Global RMS broadcast SISRE per system, m (module docstring: Montenbruck et al. 2018, 2017 averages;
#: QZSS Montenbruck et al. 2015 table 3; NavIC, SBAS assumed).
BROADCAST_SISRE_M = {"G": 0.6, "R": 2.0, "E": 0.2, "C": 1.0, "J": 0.6, "I": 2.0, "S": 2.0}
_IONO_FRACTION = 0.5  # residual fraction of the broadcast Klobuchar delay (Klobuchar 1987; RTKLIB ERR_BRDCI)


def code_variance_m2(elevation_rad, factor, iono_m=0.0, ura_m=0.0):
    """Variance of a code pseudorange (m^2), see the module docstring."""
    sin_e = np.maximum(np.sin(elevation_rad), 0.05)
    apriori = _CODE_A_M**2 + _CODE_B_M**2 / sin_e**2 + (_IONO_FRACTION * np.asarray(iono_m)) ** 2
    return np.asarray(factor) ** 2 * (apriori + np.asarray(ura_m) ** 2)


def broadcast_sisre_m(system_letters):
    """``(S,)`` broadcast SISRE (m) of each satellite's system; 0 for a system without a figure."""
    return np.array([BROADCAST_SISRE_M.get(letter, 0.0) for letter in system_letters], float)


def variance_factors(residual, weight, redundancy_number, system_index, n_systems: int):
    """Per-system a-posteriori variance factors sum(w v^2) / sum(r) over all epochs (NaN if none)."""
    used = (weight > 0) & np.isfinite(residual)
    wv2 = np.where(used, weight * np.where(used, residual, 0.0) ** 2, 0.0)
    r = np.where(used, redundancy_number, 0.0)
    out = np.full(n_systems, np.nan)
    for k in range(n_systems):  # a loop over systems (<= 7), not over observations
        cols = np.asarray(system_index) == k
        denom = r[:, cols].sum()
        if denom > 1.0:
            out[k] = wv2[:, cols].sum() / denom
    return out
