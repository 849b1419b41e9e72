"""Two-body (Keplerian) helpers for designing lunar orbits: elements <-> state, apsides.

Angles in degrees, distances in metres. Used to *place* orbits and to describe osculating
orbits; every trajectory itself comes from :mod:`lodestar.lunar.core.propagator`.
"""

from __future__ import annotations

import numpy as np

from ...errors import LodestarError

__all__ = ["elements_to_state", "osculating_apsides", "osculating_elements", "true_anomaly_at_radius"]


def elements_to_state(gm, a_m, e, inclination_deg, node_deg, periapsis_arg_deg, true_anomaly_deg):
    """Position (m) and velocity (m/s) in the frame the angles refer to (Vallado 2013, alg. 10)."""
    i, node, argp, nu = np.radians([inclination_deg, node_deg, periapsis_arg_deg, true_anomaly_deg])
    p = a_m * (1.0 - e * e)
    r = p / (1.0 + e * np.cos(nu))
    r_pf = np.array([r * np.cos(nu), r * np.sin(nu), 0.0])
    v_pf = np.sqrt(gm / p) * np.array([-np.sin(nu), e + np.cos(nu), 0.0])
    rot = _rot3(node) @ _rot1(i) @ _rot3(argp)
    return rot @ r_pf, rot @ v_pf


def _rot3(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _rot1(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def osculating_apsides(gm, position_m, velocity_mps):
    """(periapsis radius, apoapsis radius) in metres of the osculating two-body orbit."""
    r = np.linalg.norm(position_m)
    energy = 0.5 * np.dot(velocity_mps, velocity_mps) - gm / r
    a = -gm / (2.0 * energy)
    h = np.cross(position_m, velocity_mps)
    e = np.sqrt(max(0.0, 1.0 - np.dot(h, h) / (gm * a)))
    return a * (1.0 - e), a * (1.0 + e)


def osculating_elements(gm, position_m, velocity_mps):
    """(a, e, argument of periapsis measured from the position, i.e. true anomaly) — degrees."""
    r = np.linalg.norm(position_m)
    evec = ((np.dot(velocity_mps, velocity_mps) - gm / r) * position_m
            - np.dot(position_m, velocity_mps) * velocity_mps) / gm
    e = np.linalg.norm(evec)
    energy = 0.5 * np.dot(velocity_mps, velocity_mps) - gm / r
    a = -gm / (2.0 * energy)
    cos_nu = np.clip(np.dot(evec, position_m) / (e * r), -1.0, 1.0)
    nu = np.degrees(np.arccos(cos_nu))
    if np.dot(position_m, velocity_mps) < 0:
        nu = 360.0 - nu
    return a, e, nu


def true_anomaly_at_radius(a_m, e, radius_m, rising: bool = True) -> float:
    """True anomaly (deg) where the orbit crosses ``radius_m``; ``rising``: on the way up (0–180°)."""
    cos_nu = (a_m * (1.0 - e * e) / radius_m - 1.0) / e
    if abs(cos_nu) > 1.0:
        raise LodestarError(f"radius {radius_m:.0f} m is never reached: the orbit spans "
                            f"{a_m * (1 - e):.0f}..{a_m * (1 + e):.0f} m; choose a radius between its apsides")
    nu = np.degrees(np.arccos(cos_nu))
    return float(nu if rising else 360.0 - nu)
