"""Tropospheric delay: Saastamoinen zenith delays in a standard atmosphere, mapped to elevation.

The standard atmosphere (pressure and temperature from height, 70 % humidity) is the one RTKLIB
uses (Berg 1948 as in RTKLIB ``tropmodel``); zenith hydrostatic delay from Saastamoinen (1972)
as written by Davis et al. (1985), wet delay from Saastamoinen (1972). The slant factor is the
Black & Eisner (1984) mapping function of RTCA DO-229 A.4.2.4, which stays within a few cm of
Niell's above 10° while the plain 1/cos(zenith) overestimates by ~4 % at 10°.
"""

from __future__ import annotations

import numpy as np

__all__ = ["standard_atmosphere", "saastamoinen_zenith_m", "black_eisner_mapping", "troposphere_delay_m"]

_RELATIVE_HUMIDITY = 0.7
# The standard atmosphere and Saastamoinen's model hold from the ground to ~10 km; a receiver
# (or an early, unconverged iterate) outside -100 m..10 km gets no tropospheric delay, as in RTKLIB.
_MIN_HEIGHT_M, _MAX_HEIGHT_M = -100.0, 10_000.0


def standard_atmosphere(height_m):
    """(pressure hPa, temperature K, water-vapour pressure hPa) at ``height_m`` (clamped to 0–10 km)."""
    h = np.clip(np.asarray(height_m, float), 0.0, _MAX_HEIGHT_M)
    pressure = 1013.25 * (1.0 - 2.2557e-5 * h) ** 5.2568
    temperature = 15.0 - 6.5e-3 * h + 273.16
    vapour = 6.108 * _RELATIVE_HUMIDITY * np.exp((17.15 * temperature - 4684.0) / (temperature - 38.45))
    return pressure, temperature, vapour


def saastamoinen_zenith_m(lat_rad, height_m):
    """(hydrostatic, wet) zenith delays in metres."""
    pressure, temperature, vapour = standard_atmosphere(height_m)
    h_km = np.clip(np.asarray(height_m, float), 0.0, _MAX_HEIGHT_M) / 1e3
    hydro = 0.0022768 * pressure / (1.0 - 0.00266 * np.cos(2.0 * np.asarray(lat_rad)) - 0.00028 * h_km)
    wet = 0.002277 * (1255.0 / temperature + 0.05) * vapour
    return hydro, wet


def black_eisner_mapping(elevation_rad):
    """m(E) = 1.001 / sqrt(0.002001 + sin^2 E) (RTCA DO-229 A.4.2.4)."""
    return 1.001 / np.sqrt(0.002001 + np.sin(np.asarray(elevation_rad)) ** 2)


def troposphere_delay_m(lat_rad, height_m, elevation_rad):
    """Slant tropospheric delay (m); arguments broadcast against each other."""
    hydro, wet = saastamoinen_zenith_m(lat_rad, height_m)
    height_m = np.asarray(height_m, float)
    inside = (height_m >= _MIN_HEIGHT_M) & (height_m <= _MAX_HEIGHT_M)
    return np.where(inside, (hydro + wet) * black_eisner_mapping(elevation_rad), 0.0)
