"""Niell (1996) tropospheric mapping functions, hydrostatic and wet.

Niell, A. E. (1996), Global mapping functions for the atmosphere delay at radio wavelengths,
J. Geophys. Res. 101(B2), 3227-3246: Marini (1972) continued fraction normalised to 1 at the
zenith, coefficients tabulated at latitudes 15°, 30°, 45°, 60°, 75° (Tables 3 and 4), linear
interpolation in latitude, a seasonal term with phase DOY 28 (northern hemisphere; +half a year
in the south), and the hydrostatic height correction (a, b, c = 2.53e-5, 5.49e-3, 1.14e-3 per km).
The same coefficients are listed in the IERS Conventions 2003 §9.1 and used by RTKLIB (``nmf``).
Accuracy: a few mm of slant delay above 5° against ray tracing (Niell 1996), more than enough for
a PPP that estimates the zenith wet delay.

Horizontal gradients: :func:`gradient_mapping`, Chen & Herring (1997), as in the IERS Conventions
2010 §9.2 (eq. 9.12-9.13).
"""

from __future__ import annotations

import numpy as np

__all__ = ["CHEN_HERRING_C", "gradient_mapping", "marini", "niell_mapping"]

_LATITUDES_DEG = np.array([15.0, 30.0, 45.0, 60.0, 75.0])
# hydrostatic a, b, c averages and seasonal amplitudes (Niell 1996 Table 3)
_HYD_AVG = np.array([
    [1.2769934e-3, 1.2683230e-3, 1.2465397e-3, 1.2196049e-3, 1.2045996e-3],
    [2.9153695e-3, 2.9152299e-3, 2.9288445e-3, 2.9022565e-3, 2.9024912e-3],
    [62.610505e-3, 62.837393e-3, 63.721774e-3, 63.824265e-3, 64.258455e-3],
])
_HYD_AMP = np.array([
    [0.0, 1.2709626e-5, 2.6523662e-5, 3.4000452e-5, 4.1202191e-5],
    [0.0, 2.1414979e-5, 3.0160779e-5, 7.2562722e-5, 11.723375e-5],
    [0.0, 9.0128400e-5, 4.3497037e-5, 84.795348e-5, 170.37206e-5],
])
# wet a, b, c (Niell 1996 Table 4)
_WET = np.array([
    [5.8021897e-4, 5.6794847e-4, 5.8118019e-4, 5.9727542e-4, 6.1641693e-4],
    [1.4275268e-3, 1.5138625e-3, 1.4572752e-3, 1.5007428e-3, 1.7599082e-3],
    [4.3472961e-2, 4.6729510e-2, 4.3908931e-2, 4.4626982e-2, 5.4736038e-2],
])
_HEIGHT_ABC = (2.53e-5, 5.49e-3, 1.14e-3)  # Niell 1996 eq. 6, per km of height
_PHASE_DOY = 28.0  # day of year of the seasonal maximum (Niell 1996)
_YEAR_DAYS = 365.25
CHEN_HERRING_C = 0.0032  # Chen & Herring (1997) gradient mapping constant (IERS Conventions 2010 eq. 9.13)


def marini(sin_el, a, b, c):
    """Continued fraction normalised to 1 at the zenith (Marini 1972; Herring 1992 form)."""
    top = 1.0 + a / (1.0 + b / (1.0 + c))
    return top / (sin_el + a / (sin_el + b / (sin_el + c)))


def _interp(table, abs_lat_deg):
    lat = np.clip(abs_lat_deg, _LATITUDES_DEG[0], _LATITUDES_DEG[-1])
    return [np.interp(lat, _LATITUDES_DEG, row) for row in table]


def niell_mapping(lat_rad: float, height_m: float, day_of_year, elevation_rad):
    """(hydrostatic, wet) mapping factors; ``elevation_rad`` any shape, the site scalar."""
    lat_deg = float(np.degrees(lat_rad))
    doy = np.asarray(day_of_year, float) - _PHASE_DOY + (_YEAR_DAYS / 2.0 if lat_deg < 0 else 0.0)
    season = np.cos(2.0 * np.pi * doy / _YEAR_DAYS)
    avg = _interp(_HYD_AVG, abs(lat_deg))
    amp = _interp(_HYD_AMP, abs(lat_deg))
    abc = [m - a_ * season for m, a_ in zip(avg, amp)]
    sin_el = np.sin(np.asarray(elevation_rad, float))
    hydro = marini(sin_el, *abc)
    hydro = hydro + (1.0 / sin_el - marini(sin_el, *_HEIGHT_ABC)) * (height_m / 1e3)
    wet = marini(sin_el, *_interp(_WET, abs(lat_deg)))
    return hydro, wet


def gradient_mapping(elevation_rad):
    """Chen & Herring (1997) gradient mapping m_g(E) = 1 / (sin E tan E + 0.0032).

    Slant delay of a horizontal gradient (G_N, G_E), metres: m_g(E) (G_N cos a + G_E sin a), a the
    azimuth from north (Chen, G. & Herring, T. A. 1997, J. Geophys. Res. 102(B9), 20489-20502; IERS
    Conventions 2010 §9.2, eq. 9.12-9.13, C = 0.0032). 0 at the zenith, ~55 at 7 deg. sin E tan E =
    sin^2 E / cos E >= 0 for any |E| < 90 deg: finite everywhere (at most 1 / 0.0032 = 312.5).
    """
    el = np.asarray(elevation_rad, float)
    return 1.0 / (np.sin(el) * np.tan(el) + CHEN_HERRING_C)
