"""Signal geometry shared by every estimator: Earth rotation during the signal's flight, line of sight."""

from __future__ import annotations

import numpy as np

from ..constants import C_MPS, GPS

__all__ = ["SAGNAC_OMEGA_RADPS", "rotate_for_earth_rotation", "line_of_sight"]

#: Earth rotation rate used for the Sagnac correction (WGS-84; the systems differ by < 1e-14 rad/s).
SAGNAC_OMEGA_RADPS = GPS.omega_e_radps


def rotate_for_earth_rotation(sat_xyz, travel_s):
    """Rotate ECEF positions at transmit time into the ECEF frame of the reception time.

    The frame turns by omega * tau while the signal travels (the Sagnac effect; IS-GPS-200N
    20.3.3.4.3.4). ``sat_xyz`` ``(..., 3)``, ``travel_s`` broadcastable to ``(...)``.
    """
    angle = SAGNAC_OMEGA_RADPS * np.asarray(travel_s)
    cos_a, sin_a = np.cos(angle), np.sin(angle)
    x, y, z = sat_xyz[..., 0], sat_xyz[..., 1], sat_xyz[..., 2]
    return np.stack([cos_a * x + sin_a * y, -sin_a * x + cos_a * y, z], axis=-1)


def line_of_sight(receiver_xyz, sat_xyz_transmit):
    """Geometric range (m) and unit vector receiver->satellite, Earth rotation included.

    The rotation angle uses the unrotated range: the neglected change of travel time (~1e-7 s)
    moves the satellite by < 1 mm.
    """
    rng = np.linalg.norm(sat_xyz_transmit - receiver_xyz[:, None, :], axis=-1)
    diff = rotate_for_earth_rotation(sat_xyz_transmit, rng / C_MPS) - receiver_xyz[:, None, :]
    rng = np.sqrt(np.einsum("tsi,tsi->ts", diff, diff))
    return rng, diff / rng[..., None]
