"""Keplerian broadcast ephemeris (GPS LNAV, Galileo I/NAV F/NAV, BeiDou D1/D2, QZSS): the fast core.

Plain numpy on SI floats, vectorized over any number of (record, epoch) pairs.

- Algorithm: IS-GPS-200N table 20-IV (user algorithm for ephemeris determination); Galileo OS SIS
  ICD 2.1 table 60 and BDS-SIS-ICD-B1I 3.0 §5.2.4.12 are the same equations with their own GM and
  Earth rotation rate (passed in per element, from ``lodestar.constants``).
- BeiDou GEO (C01–C05, C59–C63): BDS-SIS-ICD-B1I 3.0 §5.2.4.12, the orbit is computed in an
  inertial-like frame (Ω without the Earth rotation term) and turned into CGCS2000 by
  ``R_Z(ω_e t_k) · R_X(−5°)``.
- Velocities are the analytic time derivatives of the same expressions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KEPLER_FIELDS", "kepler_position_velocity", "eccentric_anomaly", "BDS_GEO_TILT_RAD"]

#: Navigation fields the Kepler model needs (architecture.md names); a NaN in any invalidates a record.
KEPLER_FIELDS = (
    "sqrt_a_sqrtm", "e", "m0_rad", "delta_n_radps", "omega_rad", "cus_rad", "cuc_rad", "crs_m",
    "crc_m", "cis_rad", "cic_rad", "i0_rad", "idot_radps", "omega0_rad", "omega_dot_radps", "toe_sow",
)

#: −5° tilt of the BeiDou GEO computation frame (BDS-SIS-ICD-B1I 3.0 §5.2.4.12).
BDS_GEO_TILT_RAD = np.radians(-5.0)


def eccentric_anomaly(mean_anomaly, e, iterations: int = 30):
    """Kepler's equation ``E − e sin E = M`` by Newton steps until every step is below 1e-14 rad.

    The one two-body solver of Lodestar (GNSS broadcast orbits, the lunar relay, any 0 ≤ e < 1).
    Newton runs on M reduced to [0, 2π) from Danby's start ``E0 = M + 0.85 e sign(sin M)``, which
    converges for every M and e < 1 (Danby, Fundamentals of Celestial Mechanics, 2nd ed. 1988,
    §6.6); the whole turns of M are added back, so E follows M continuously. GNSS eccentricities
    (< 0.03) need 3–4 steps, Queqiao-2 (e ≈ 0.8) about 6.
    """
    mean_anomaly = np.asarray(mean_anomaly, dtype=float)
    reduced = np.mod(mean_anomaly, 2 * np.pi)
    ecc = reduced + 0.85 * e * np.where(np.sin(reduced) < 0, -1.0, 1.0)
    for _ in range(iterations):
        step = (ecc - e * np.sin(ecc) - reduced) / (1.0 - e * np.cos(ecc))
        ecc = ecc - step
        if ecc.size == 0 or np.max(np.abs(step)) < 1e-14:
            break
    return ecc + (mean_anomaly - reduced)


def _orbital_plane(el, tk, gm):
    """Radius, argument of latitude, inclination and their rates (IS-GPS-200N table 20-IV)."""
    a = el["sqrt_a_sqrtm"] ** 2
    n = np.sqrt(gm / a**3) + el["delta_n_radps"]
    e = el["e"]
    ecc = eccentric_anomaly(el["m0_rad"] + n * tk, e)
    sin_e, cos_e = np.sin(ecc), np.cos(ecc)
    one_minus = 1.0 - e * cos_e
    nu = np.arctan2(np.sqrt(1.0 - e * e) * sin_e, cos_e - e)
    phi = nu + el["omega_rad"]
    s2, c2 = np.sin(2 * phi), np.cos(2 * phi)
    # second-harmonic corrections and their derivatives with respect to phi
    du = el["cus_rad"] * s2 + el["cuc_rad"] * c2
    dr = el["crs_m"] * s2 + el["crc_m"] * c2
    di = el["cis_rad"] * s2 + el["cic_rad"] * c2
    ecc_dot = n / one_minus
    phi_dot = np.sqrt(1.0 - e * e) * ecc_dot / one_minus
    u = phi + du
    r = a * one_minus + dr
    inc = el["i0_rad"] + el["idot_radps"] * tk + di
    u_dot = phi_dot * (1.0 + 2.0 * (el["cus_rad"] * c2 - el["cuc_rad"] * s2))
    r_dot = a * e * sin_e * ecc_dot + 2.0 * phi_dot * (el["crs_m"] * c2 - el["crc_m"] * s2)
    inc_dot = el["idot_radps"] + 2.0 * phi_dot * (el["cis_rad"] * c2 - el["cic_rad"] * s2)
    return r, u, inc, r_dot, u_dot, inc_dot


def _rotate_to_earth(r, u, inc, r_dot, u_dot, inc_dot, node, node_dot):
    """Orbital-plane position to the frame whose node longitude is ``node`` (rates included)."""
    xp, yp = r * np.cos(u), r * np.sin(u)
    xp_dot = r_dot * np.cos(u) - r * u_dot * np.sin(u)
    yp_dot = r_dot * np.sin(u) + r * u_dot * np.cos(u)
    cn, sn, ci, si = np.cos(node), np.sin(node), np.cos(inc), np.sin(inc)
    x = xp * cn - yp * ci * sn
    y = xp * sn + yp * ci * cn
    z = yp * si
    vx = xp_dot * cn - yp_dot * ci * sn + yp * si * sn * inc_dot - y * node_dot
    vy = xp_dot * sn + yp_dot * ci * cn - yp * si * cn * inc_dot + x * node_dot
    vz = yp_dot * si + yp * ci * inc_dot
    return np.stack([x, y, z], axis=-1), np.stack([vx, vy, vz], axis=-1)


def _geo_to_cgcs2000(pos, vel, tk, omega_e):
    """BeiDou GEO: ``R_Z(ω_e t_k) R_X(−5°)`` applied to the inertial-like position (ICD §5.2.4.12)."""
    ct, st = np.cos(BDS_GEO_TILT_RAD), np.sin(BDS_GEO_TILT_RAD)
    # R_X(phi) = [[1,0,0],[0,cos,sin],[0,-sin,cos]]
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, ct, st], [0.0, -st, ct]])
    p = pos @ tilt.T
    v = vel @ tilt.T
    ang = omega_e * tk
    ca, sa = np.cos(ang), np.sin(ang)
    # R_Z(ang) = [[cos,sin,0],[-sin,cos,0],[0,0,1]]; d/dt adds omega_e * dR_Z/dang
    x = ca * p[..., 0] + sa * p[..., 1]
    y = -sa * p[..., 0] + ca * p[..., 1]
    vx = ca * v[..., 0] + sa * v[..., 1] + omega_e * y
    vy = -sa * v[..., 0] + ca * v[..., 1] - omega_e * x
    return np.stack([x, y, p[..., 2]], axis=-1), np.stack([vx, vy, v[..., 2]], axis=-1)


def kepler_position_velocity(el: dict, tk, gm, omega_e, geo=None):
    """ECEF position (m) and velocity (m/s), ``(N, 3)``, of broadcast elements at ``tk`` s from toe.

    ``el`` maps :data:`KEPLER_FIELDS` to ``(N,)`` arrays (``toe_sow`` in the system's own time);
    ``gm`` and ``omega_e`` are scalars or ``(N,)``; ``geo`` a ``(N,)`` bool mask of BeiDou GEOs.
    """
    tk = np.asarray(tk, dtype=float)
    r, u, inc, r_dot, u_dot, inc_dot = _orbital_plane(el, tk, gm)
    omega_dot = el["omega_dot_radps"]
    node_ecef = el["omega0_rad"] + (omega_dot - omega_e) * tk - omega_e * el["toe_sow"]
    pos, vel = _rotate_to_earth(r, u, inc, r_dot, u_dot, inc_dot, node_ecef, omega_dot - omega_e)
    if geo is not None and np.any(geo):
        g = np.asarray(geo, dtype=bool)
        pick = lambda value: value[g] if np.ndim(value) else value  # noqa: E731
        node_geo = el["omega0_rad"][g] + omega_dot[g] * tk[g] - pick(omega_e) * el["toe_sow"][g]
        pg, vg = _rotate_to_earth(r[g], u[g], inc[g], r_dot[g], u_dot[g], inc_dot[g], node_geo, omega_dot[g])
        pos[g], vel[g] = _geo_to_cgcs2000(pg, vg, tk[g], pick(omega_e))
    return pos, vel
