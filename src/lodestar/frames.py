"""Terrestrial frames: WGS-84 geodetic <-> ECEF, local ENU, azimuth and elevation.

Vectorized over any leading shape; positions are ``(..., 3)`` arrays in metres.
Broadcast GLONASS (PZ-90.11) and BeiDou (CGCS2000) coordinates agree with ITRF/WGS-84 to a few
centimetres (PZ-90.11: Zueva et al. 2014; CGCS2000: Yang 2009), far below single-point errors,
so one ellipsoid serves every system here.
"""

from __future__ import annotations

import numpy as np

from .constants import WGS84_A_M, WGS84_F

__all__ = ["geodetic_to_ecef", "ecef_to_geodetic", "enu_matrix", "ecef_to_enu", "azimuth_elevation", "gmst_rad"]

_E2 = WGS84_F * (2.0 - WGS84_F)
_B = WGS84_A_M * (1.0 - WGS84_F)
_EP2 = (WGS84_A_M**2 - _B**2) / _B**2


def geodetic_to_ecef(lat_deg, lon_deg, height_m) -> np.ndarray:
    """WGS-84 latitude, longitude (degrees) and ellipsoidal height (m) to ECEF (m)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    height_m = np.asarray(height_m, dtype=float)
    n = WGS84_A_M / np.sqrt(1.0 - _E2 * np.sin(lat) ** 2)
    x = (n + height_m) * np.cos(lat) * np.cos(lon)
    y = (n + height_m) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - _E2) + height_m) * np.sin(lat)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(xyz) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF (m) to WGS-84 (lat_deg, lon_deg, height_m); Bowring's start plus two Newton steps (< 1 mm)."""
    xyz = np.asarray(xyz, dtype=float)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    theta = np.arctan2(z * WGS84_A_M, p * _B)
    lat = np.arctan2(z + _EP2 * _B * np.sin(theta) ** 3, p - _E2 * WGS84_A_M * np.cos(theta) ** 3)
    for _ in range(2):
        n = WGS84_A_M / np.sqrt(1.0 - _E2 * np.sin(lat) ** 2)
        height = np.where(
            np.abs(np.cos(lat)) > 1e-9, p / np.maximum(np.abs(np.cos(lat)), 1e-300) - n,
            np.abs(z) - _B,
        )
        lat = np.arctan2(z, p * (1.0 - _E2 * n / (n + height)))
    n = WGS84_A_M / np.sqrt(1.0 - _E2 * np.sin(lat) ** 2)
    cos_lat, sin_lat = np.cos(lat), np.sin(lat)
    height = p * cos_lat + z * sin_lat - WGS84_A_M**2 / n
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), height


def enu_matrix(lat_deg, lon_deg) -> np.ndarray:
    """Rotation ``(..., 3, 3)`` whose rows are the east, north, up unit vectors in ECEF."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(sl * so)
    east = np.stack(np.broadcast_arrays(-so, co, zero), axis=-1)
    north = np.stack(np.broadcast_arrays(-sl * co, -sl * so, cl), axis=-1)
    up = np.stack(np.broadcast_arrays(cl * co, cl * so, sl), axis=-1)
    return np.stack([east, north, up], axis=-2)


def ecef_to_enu(delta_xyz, lat_deg, lon_deg) -> np.ndarray:
    """ECEF difference vectors (m) to local east/north/up (m) at the given geodetic point."""
    return np.einsum("...ij,...j->...i", enu_matrix(lat_deg, lon_deg), np.asarray(delta_xyz, dtype=float))


def azimuth_elevation(receiver_xyz, satellite_xyz) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth (deg, clockwise from north, 0–360) and elevation (deg) of satellites seen from receivers.

    ``receiver_xyz`` ``(..., 3)`` broadcasts against ``satellite_xyz`` ``(..., 3)``.
    """
    receiver_xyz = np.asarray(receiver_xyz, dtype=float)
    lat, lon, _ = ecef_to_geodetic(receiver_xyz)
    los = np.asarray(satellite_xyz, dtype=float) - receiver_xyz
    enu = np.einsum("...ij,...j->...i", enu_matrix(lat, lon), los)
    east, north, up = enu[..., 0], enu[..., 1], enu[..., 2]
    azimuth = np.degrees(np.arctan2(east, north)) % 360.0
    elevation = np.degrees(np.arctan2(up, np.hypot(east, north)))
    return azimuth, elevation


def gmst_rad(times) -> np.ndarray:
    """Greenwich mean sidereal time (rad) of ``times`` (:class:`lodestar.time.Time`): the IAU 1982
    expression's linear terms (GMST = 280.46061837 deg + 360.98564736629 deg/day since J2000, UT1 ~ UTC;
    Astronomical Almanac), ~0.1 s over decades: enough for the Sun, Moon and tidal arguments here."""
    days_ut = times.seconds_since_j2000("utc") / 86400.0
    return np.radians(np.mod(280.46061837 + 360.98564736629 * days_ut, 360.0))
