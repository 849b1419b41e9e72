"""Satellite attitude: nominal yaw steering and the published noon / midnight / eclipse manoeuvres.

>>> att = satellite_attitude(svs, times, position_m, velocity_mps)   # ECEF (T, S, 3)
>>> att.x, att.y, att.z            # body axes (T, S, 3), ECEF unit vectors (IGS body frame)
>>> att.yaw_rad, att.beta_rad, att.mu_rad, att.mode

Body frame (IGS convention, Montenbruck et al. 2015, ASR 56:1015): z toward the Earth centre,
y along the solar-panel axis, x completing the right-handed frame toward the Sun-lit side.
Orbit frame: e_T = n x r^ (along track), n = orbit normal (r x v, inertial velocity), r^ radial.
Yaw angle psi (Kouba 2009, GPS Solut 13:1, eq. 1 convention): x = cos(psi) e_T - sin(psi) n.
Orbit angle mu: from orbit midnight (satellite farthest from the Sun), along the motion.
Nominal yaw: psi_n = atan2(-tan(beta), sin(mu)) (Kouba 2009 eq. 1); its rate
psi_n' = mu' tan(beta) cos(mu) / (sin^2(mu) + tan^2(beta)) (Kouba 2009 eq. 2).

Every manoeuvre is evaluated in closed form on each epoch from (beta, mu, mu'), assuming beta
constant over the ~1 h of a turn (as eclips.f does), so the (T, S) arrays need no epoch loop.
What is and is not modelled: docs/attitude.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import GPS
from ..frames import gmst_rad
from ..time import Time
from .published_pco import BLOCKS_JUNE_2020, BLOCKS_JUNE_2020_VALID

__all__ = [
    "MAX_YAW_RATE_DEGPS",
    "Attitude",
    "default_block",
    "law_of_block",
    "nominal_yaw_rad",
    "nominal_yaw_rate_radps",
    "orbit_angles",
    "satellite_attitude",
    "sun_position_ecef_m",
    "yaw_law",
    "yaw_steering_axes",
]

EARTH_RADIUS_M = 6_378_137.0  # WGS-84 semi-major axis (NIMA TR8350.2): radius of the shadow cylinder
_DEG = np.pi / 180.0

#: Hardware yaw rates (deg/s) and where they come from.
MAX_YAW_RATE_DEGPS = {
    "gps-iir": 0.20,   # Kouba 2009, GPS Solut 13:1, §"Block IIR" (Bar-Sever 1996)
    "gps-iif": 0.11,   # Dilssner 2010, Inside GNSS 5(5):59; Kuang et al. 2017, GPS Solut 21:1
    "glonass-m": 0.25,  # Dilssner et al. 2011, ASR 47:1, §3 (noon turn at 0.25 deg/s)
}
GALILEO_IOV_BETA_Y_DEG = 2.0   # GSA Galileo satellite metadata §3.1 (IOV): sin(beta_y) bound
GALILEO_IOV_BETA_X_DEG = 15.0  # GSA Galileo satellite metadata §3.1 (IOV): |S_x| < sin(15 deg)
GALILEO_FOC_BETA_DEG = 4.1     # GSA Galileo satellite metadata §3.2 (FOC): |beta| < 4.1 deg
GALILEO_FOC_EPS_DEG = 10.0     # GSA Galileo satellite metadata §3.2 (FOC): |epsilon| < 10 deg
GALILEO_FOC_PERIOD_S = 5656.0  # GSA Galileo satellite metadata §3.2 (FOC): cos(2 pi t / 5656 s)
BDS3_BETA_DEG = 3.0            # Wang et al. 2018, GPS Solut 22:125 (CAST): |beta| < 3 deg
BDS3_EPS_DEG = 6.0             # Wang et al. 2018 (CAST): within 6 deg of noon / midnight
BDS2_ON_BETA_DEG = 4.0         # Guo et al. 2013 (ION GNSS+); Montenbruck et al. 2015 §4: |beta| < 4 deg


@dataclass(frozen=True)
class Attitude:
    """Body axes and the angles they come from, all (T, S) (axes (T, S, 3))."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    yaw_rad: np.ndarray
    nominal_yaw_rad: np.ndarray
    beta_rad: np.ndarray
    mu_rad: np.ndarray
    mode: np.ndarray  # "nominal", "noon-turn", "midnight-turn", "shadow", "orbit-normal", "" (no state)
    law: tuple  # (S,) yaw law per satellite (see :func:`law_of_block`)


AU_M = 149_597_870_700.0  # astronomical unit, m (IAU 2012 Resolution B2)


def sun_position_ecef_m(times: Time) -> np.ndarray:
    """Sun position (ECEF, m, ``times.shape + (3,)``): the Astronomical Almanac's low-precision
    formulae (AA 2020 p. C5: 0.01 deg 1950-2050, mean equinox of date) turned by GMST.

    Against DE421 through skyfield (2020-06-25) the direction agrees to 0.002 deg (the former
    Montenbruck & Gill 2000 series, eq. 3.43-3.46, was 0.06 deg off). GMST: IAU 1982 (Aoki et al.
    1982), linear terms, UT1 taken as UTC (< 0.004 deg).
    """
    days = times.seconds_since_j2000("tt") / 86400.0
    mean_lon = np.radians(280.460 + 0.9856474 * days)
    g = np.radians(357.528 + 0.9856003 * days)  # mean anomaly
    lon = mean_lon + np.radians(1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    dist = (1.00014 - 0.01671 * np.cos(g) - 0.00014 * np.cos(2 * g)) * AU_M
    eps = np.radians(23.439 - 0.0000004 * days)
    eci = np.stack([dist * np.cos(lon), dist * np.sin(lon) * np.cos(eps), dist * np.sin(lon) * np.sin(eps)], axis=-1)
    gmst = gmst_rad(times)
    c, s = np.cos(gmst), np.sin(gmst)
    return np.stack([c * eci[..., 0] + s * eci[..., 1], -s * eci[..., 0] + c * eci[..., 1], eci[..., 2]], axis=-1)


def yaw_steering_axes(positions_m: np.ndarray, sun_m: np.ndarray):
    """Body axes (x, y, z) unit vectors ``(..., 3)`` of nominal yaw steering, ECEF.

    z toward the Earth centre, y = z x (unit vector satellite->Sun), x = y x z (Sun side).
    """
    z = -positions_m / np.linalg.norm(positions_m, axis=-1, keepdims=True)
    to_sun = sun_m - positions_m
    y = np.cross(z, to_sun)
    y /= np.linalg.norm(y, axis=-1, keepdims=True)
    return np.cross(y, z), y, z


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _dot(a, b):
    return np.einsum("...k,...k->...", a, b)


def _wrap(angle):
    """Angle wrapped to [-pi, pi)."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


def inertial_velocity_mps(position_m, velocity_mps, omega_radps=GPS.omega_e_radps):
    """ECEF velocity + omega x r: the velocity that spans the orbit plane (Earth rotation removed)."""
    omega = np.array([0.0, 0.0, omega_radps])
    return velocity_mps + np.cross(omega, position_m)


def orbit_angles(position_m, velocity_mps, sun_m):
    """(beta, mu, mu_rate, frame) from ECEF position, ECEF velocity and Sun position.

    beta = asin(s^ . n) (Sun elevation above the orbit plane); mu = angle from orbit midnight along
    the motion: u - u_sun + pi with u the argument of latitude (Kouba 2009 Fig. 1);
    mu_rate = |v| / |r| (circular-orbit rate). ``frame`` = (r^, e_T, n) unit vectors.
    """
    v_in = inertial_velocity_mps(position_m, velocity_mps)
    r_hat = _unit(position_m)
    n = _unit(np.cross(position_m, v_in))
    e_t = np.cross(n, r_hat)
    s_hat = _unit(sun_m)
    beta = np.arcsin(np.clip(_dot(s_hat, n), -1.0, 1.0))
    # Sun projected on the orbit plane gives the noon direction; mu counts from the opposite point
    s_plane = _unit(s_hat - _dot(s_hat, n)[..., None] * n)
    mu = np.arctan2(_dot(np.cross(s_plane, r_hat), n), _dot(s_plane, r_hat)) + np.pi
    mu = _wrap(mu)
    mu_rate = np.linalg.norm(np.cross(position_m, v_in), axis=-1) / np.sum(position_m ** 2, axis=-1)
    return beta, mu, mu_rate, (r_hat, e_t, n)


def nominal_yaw_rad(beta, mu):
    """Kouba (2009) eq. 1: psi_n = atan2(-tan(beta), sin(mu))."""
    return np.arctan2(-np.tan(beta), np.sin(mu))


def nominal_yaw_rate_radps(beta, mu, mu_rate):
    """Kouba (2009) eq. 2: psi_n' = mu' tan(beta) cos(mu) / (sin^2(mu) + tan^2(beta))."""
    tb = np.tan(beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        return mu_rate * tb * np.cos(mu) / (np.sin(mu) ** 2 + tb ** 2)


# --------------------------------------------------------------------------- blocks -> laws

def law_of_block(block: str | None, sv: str) -> str:
    """Yaw law for a block name (SINEX +SATELLITE/ID / ANTEX / lodestar names), else by system."""
    text = (block or "").upper().replace("BLOCK ", "").replace("_", "-")
    system = sv[:1]
    if system == "G":
        if "IIF" in text:
            return "gps-iif"
        if "IIIA" in text or "III" in text:
            return "gps-iii"
        if "IIR" in text:
            return "gps-iir"
        if text in ("IIA", "GPS-IIA", "II") or text.endswith("-IIA"):
            return "gps-iia"
        return "nominal"
    if system == "R":
        if "K" in text.replace("GLONASS", "").replace("GLO", ""):
            return "glonass-k"
        return "glonass-m"
    if system == "E":
        if "IOV" in text or text.endswith("-1") or text == "GAL-1":
            return "galileo-iov"
        return "galileo-foc"
    if system == "C":
        return "beidou"  # split by orbit type (GEO / IGSO / MEO) and generation at run time
    return "nominal"


def default_block(sv: str, time=None) -> str | None:
    """Block from :data:`lodestar.models.published_pco.BLOCKS_JUNE_2020` (June 2020) or the PRN ranges."""
    inside = time is None or BLOCKS_JUNE_2020_VALID[0] <= np.datetime64(time, "ns") < BLOCKS_JUNE_2020_VALID[1]
    block = BLOCKS_JUNE_2020.get(sv) if inside else None
    if block is not None:
        return block
    if sv[0] == "C":
        return "BEIDOU-2" if int(sv[1:]) <= 18 else "BEIDOU-3"
    return None


def _beidou_law(sv, block, radius_m, inclination_rad):
    """BDS laws by generation (PRN <= 18 or a BEIDOU-2 block: BDS-2) and orbit (radius, inclination)."""
    text = (block or "").upper()
    bds2 = "2" in text.replace("BEIDOU-3", "").replace("BDS-3", "") if text else int(sv[1:]) <= 18
    geo = (radius_m > 35e6) & (inclination_rad < np.radians(10.0))
    if geo:
        return "orbit-normal"  # GEO: always orbit normal (Montenbruck et al. 2015 §4; CSNO metadata)
    return "beidou-2" if bds2 else "beidou-3"


# --------------------------------------------------------------------------- manoeuvres

def _half_shadow_rad(beta, radius_m):
    """Orbit-angle half width of the cylindrical Earth shadow around midnight (NaN: no shadow).

    A satellite is in the cylinder when its distance from the anti-Sun line is < R_E:
    sin(theta) < R_E / r with cos(theta) = cos(beta) cos(mu) -> cos(mu_s) = cos(eta) / cos(beta).
    """
    eta = np.arcsin(EARTH_RADIUS_M / radius_m)
    with np.errstate(invalid="ignore"):
        return np.arccos(np.cos(eta) / np.cos(beta))


def _catch_up(beta, mu, mu_rate, centre, rate):
    """Kouba (2009) noon / IIR-midnight turn: from the orbit angle where the nominal rate reaches the
    hardware rate R, yaw at R until the nominal yaw is caught up. Start: |mu - centre| =
    sqrt(|beta| beta0 - beta^2), beta0 = atan(mu'/R) (eclips.f, Kouba 2009 eq. 7). Returns (yaw, in_turn)."""
    beta0 = np.arctan(mu_rate / rate)
    offset = _wrap(mu - centre)
    with np.errstate(invalid="ignore"):
        start = -np.sqrt(np.clip(np.abs(beta) * beta0 - beta ** 2, 0.0, None))
    tau = (offset - start) / mu_rate  # seconds since the turn started
    yaw_start = nominal_yaw_rad(beta, centre + start)
    direction = np.sign(nominal_yaw_rate_radps(beta, centre + 0.0 * mu, mu_rate))
    line = _wrap(yaw_start + direction * rate * tau)
    nominal = nominal_yaw_rad(beta, mu)
    # rotation of the nominal since the start, in the turn's direction: below 180 deg over a turn
    ahead = np.mod(direction * (nominal - yaw_start), 2 * np.pi)
    in_turn = (np.abs(beta) < beta0) & (tau >= 0) & (np.abs(offset) < np.pi / 2) & (rate * tau < ahead) & (
        ahead <= np.pi)
    return np.where(in_turn, line, nominal), in_turn


def _centred(beta, mu, mu_rate, centre, rate):
    """Dilssner et al. (2011) GLONASS-M noon turn: at the maximum rate, centred on noon; the yaw may
    differ from its noon value psi_c by at most R |t - t_noon| (the nominal when that is closer)."""
    offset = _wrap(mu - centre)
    tau = offset / mu_rate
    nominal = nominal_yaw_rad(beta, mu)
    centre_yaw = -np.pi / 2 * np.sign(beta)  # psi_n at noon / midnight (sin(mu) = 0)
    deviation = _wrap(nominal - centre_yaw)
    limit = rate * np.abs(tau)
    clipped = np.clip(deviation, -limit, limit)
    in_turn = (np.abs(offset) < np.pi / 2) & (np.abs(deviation) > limit)
    return np.where(in_turn, _wrap(centre_yaw + clipped), nominal), in_turn


def _shadow(beta, mu, mu_rate, radius_m, rate=None):
    """Midnight passage in the Earth's shadow, from entry (-mu_s) to exit (+mu_s).

    rate None: constant yaw rate from the nominal yaw at entry to the one at exit (GPS IIF,
    Kuang et al. 2017 eq. 4; Dilssner 2010). Else: yaw at the hardware rate from entry until the
    exit's nominal yaw is reached, then held to the exit (GLONASS-M, Dilssner et al. 2011 §4).
    """
    half = _half_shadow_rad(beta, radius_m)
    offset = _wrap(mu)
    inside = np.isfinite(half) & (np.abs(offset) < np.nan_to_num(half, nan=-1.0))
    yaw_in = nominal_yaw_rad(beta, -half)
    yaw_out = nominal_yaw_rad(beta, half)
    total = _wrap(yaw_out - yaw_in)
    elapsed = (offset + half) / mu_rate
    if rate is None:
        yaw = yaw_in + total * (offset + half) / (2 * half)
    else:
        yaw = yaw_in + np.sign(total) * np.minimum(rate * elapsed, np.abs(total))
    return np.where(inside, _wrap(yaw), nominal_yaw_rad(beta, mu)), inside


def _galileo_iov(beta, mu):
    """GSA Galileo metadata §3.1: auxiliary Sun vector. S_x = cos(beta) sin(mu), S_y = -sin(beta)
    in the orbit frame; where |S_x| < sin(15 deg) and |S_y| < sin(2 deg):
    S_hy = 0.5 (sin(beta_y) g + S_y) + 0.5 (sin(beta_y) g - S_y) cos(pi |S_x| / sin(beta_x)),
    g = sign(S_y); psi = atan2(S_hy, S_x)."""
    sx = np.cos(beta) * np.sin(mu)
    sy = -np.sin(beta)
    sin_bx, sin_by = np.sin(GALILEO_IOV_BETA_X_DEG * _DEG), np.sin(GALILEO_IOV_BETA_Y_DEG * _DEG)
    gamma = np.where(sy < 0, -1.0, 1.0)
    shy = 0.5 * (sin_by * gamma + sy) + 0.5 * (sin_by * gamma - sy) * np.cos(np.pi * np.abs(sx) / sin_bx)
    region = (np.abs(sx) < sin_bx) & (np.abs(sy) < sin_by)
    return np.where(region, np.arctan2(shy, sx), nominal_yaw_rad(beta, mu)), region


def _cosine_law(beta, mu, mu_rate, beta_limit, eps_limit, period_s):
    """Modified yaw law of Galileo FOC (GSA metadata §3.2) and BDS-3 (Wang et al. 2018): within
    eps_limit of noon / midnight at |beta| < beta_limit,
    psi = 90 deg sign(psi_s) + (psi_s - 90 deg sign(psi_s)) cos(2 pi (t - t_s) / period), psi_s the
    nominal yaw at the start t_s (entry into the eps_limit window)."""
    offset = _wrap(mu - np.where(np.abs(_wrap(mu)) < np.pi / 2, 0.0, np.pi))  # from midnight or noon
    centre = mu - offset
    region = (np.abs(beta) < beta_limit) & (np.abs(offset) < eps_limit)
    yaw_start = nominal_yaw_rad(beta, centre - eps_limit)
    since = (offset + eps_limit) / mu_rate
    period = period_s if period_s is not None else 4.0 * eps_limit / mu_rate
    base = np.pi / 2 * np.sign(yaw_start)
    yaw = base + (yaw_start - base) * np.cos(2 * np.pi * since / period)
    return np.where(region, _wrap(yaw), nominal_yaw_rad(beta, mu)), region


def _beidou2_orbit_normal(beta, mu, beta_at_switch):
    """BDS-2 IGSO/MEO: orbit normal (psi = 0) while |beta| < 4 deg (Guo et al. 2013; Montenbruck et
    al. 2015 §4). The switch happens where the nominal yaw is near 0 (sin(mu) = 1): the mode follows
    beta at the latest such crossing (``beta_at_switch``), so the yaw does not jump."""
    on = np.abs(beta_at_switch) < BDS2_ON_BETA_DEG * _DEG
    return np.where(on, 0.0, nominal_yaw_rad(beta, mu)), on


def yaw_law(law, beta, mu, mu_rate, radius_m, beta_at_switch=None):
    """(yaw_rad, mode) for one yaw ``law`` on arrays of beta, mu, mu_rate, radius (same shape)."""
    nominal = nominal_yaw_rad(beta, mu)
    mode = np.full(np.shape(beta), "nominal", dtype=object)
    noon_half = np.abs(_wrap(mu)) >= np.pi / 2
    if law == "orbit-normal":
        return np.zeros_like(nominal), np.full(np.shape(beta), "orbit-normal", dtype=object)
    if law == "beidou-2":
        yaw, on = _beidou2_orbit_normal(beta, mu, beta if beta_at_switch is None else beta_at_switch)
        mode[on] = "orbit-normal"
        return yaw, mode
    if law in ("gps-iir", "gps-iii", "gps-iif", "glonass-m", "glonass-k"):
        rate_key = {"gps-iii": "gps-iir", "glonass-k": "glonass-m"}.get(law, law)
        rate = MAX_YAW_RATE_DEGPS[rate_key] * _DEG
        if law.startswith("glonass"):
            noon_yaw, noon_turn = _centred(beta, mu, mu_rate, np.pi, rate)
        else:
            noon_yaw, noon_turn = _catch_up(beta, mu, mu_rate, np.pi, rate)
        if law in ("gps-iir", "gps-iii"):
            night_yaw, night_turn = _catch_up(beta, mu, mu_rate, 0.0, rate)
        else:
            night_yaw, night_turn = _shadow(beta, mu, mu_rate, radius_m, None if law == "gps-iif" else rate)
        yaw = np.where(noon_half, noon_yaw, night_yaw)
        mode[noon_half & noon_turn] = "noon-turn"
        mode[~noon_half & night_turn] = "shadow" if law not in ("gps-iir", "gps-iii") else "midnight-turn"
        return yaw, mode
    if law == "galileo-iov":
        yaw, turn = _galileo_iov(beta, mu)
    elif law == "galileo-foc":
        yaw, turn = _cosine_law(beta, mu, mu_rate, GALILEO_FOC_BETA_DEG * _DEG, GALILEO_FOC_EPS_DEG * _DEG,
                                GALILEO_FOC_PERIOD_S)
    elif law == "beidou-3":
        yaw, turn = _cosine_law(beta, mu, mu_rate, BDS3_BETA_DEG * _DEG, BDS3_EPS_DEG * _DEG, None)
    else:  # "nominal", "gps-iia" (no IIA in orbit after Jan 2020: nominal only)
        return nominal, mode
    mode[turn & noon_half] = "noon-turn"
    mode[turn & ~noon_half] = "midnight-turn"
    return yaw, mode


def _axes_from_yaw(yaw, frame):
    r_hat, e_t, n = frame
    x = np.cos(yaw)[..., None] * e_t - np.sin(yaw)[..., None] * n
    z = -r_hat
    return x, np.cross(z, x), z


def satellite_attitude(svs, times, position_m, velocity_mps, *, blocks=None, sun_m=None, cells=None) -> Attitude:
    """Attitude of ``svs`` (S,) at ``times`` (Time, (T,) or (T, S)) from ECEF states (T, S, 3).

    ``blocks``: {sv: block name} (SINEX +SATELLITE/ID or ANTEX names); default
    :func:`default_block`. ``cells`` (T, S) bool: compute only there (e.g. the observed cells);
    NaN axes elsewhere and where the state is NaN.
    """
    times = times if isinstance(times, Time) else Time(times)
    position_m = np.asarray(position_m, dtype=float)
    velocity_mps = np.asarray(velocity_mps, dtype=float)
    shape = position_m.shape[:2]
    svs = np.asarray(svs).astype(str)
    gpst = np.broadcast_to(np.asarray(times.gpst, dtype="datetime64[ns]").reshape(shape[0], -1), shape)
    finite = np.all(np.isfinite(position_m), axis=-1) & np.all(np.isfinite(velocity_mps), axis=-1)
    cells = finite if cells is None else (np.asarray(cells, dtype=bool) & finite)
    rows, cols = np.nonzero(cells)
    if sun_m is None:
        sun_cells = sun_position_ecef_m(Time(gpst[rows, cols]))
    else:
        sun_cells = np.broadcast_to(sun_m[:, None, :] if np.ndim(sun_m) == 2 else sun_m, position_m.shape)[rows, cols]
    pos, vel = position_m[rows, cols], velocity_mps[rows, cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        beta, mu, mu_rate, frame = orbit_angles(pos, vel, sun_cells)
    laws = _laws(svs, blocks, position_m, velocity_mps, gpst)
    law_of_cell = np.asarray(laws, dtype=object)[cols]
    yaw = np.full(rows.size, np.nan)
    mode = np.full(rows.size, "", dtype=object)
    radius = np.linalg.norm(pos, axis=-1)
    for law in set(laws):  # one vectorized call per yaw law
        sel = law_of_cell == law
        switch = None
        if law == "beidou-2":
            switch = _beta_at_switch_cells(beta[sel], mu[sel], mu_rate[sel], rows[sel], cols[sel], gpst)
        with np.errstate(invalid="ignore", divide="ignore"):
            yaw[sel], mode[sel] = yaw_law(law, beta[sel], mu[sel], mu_rate[sel], radius[sel], switch)
    with np.errstate(invalid="ignore"):
        x, y, z = _axes_from_yaw(yaw, frame)
        nominal = nominal_yaw_rad(beta, mu)
    mode[~np.isfinite(yaw)] = ""
    return Attitude(x=_scatter(x, rows, cols, shape), y=_scatter(y, rows, cols, shape),
                    z=_scatter(z, rows, cols, shape), yaw_rad=_scatter(yaw, rows, cols, shape),
                    nominal_yaw_rad=_scatter(nominal, rows, cols, shape), beta_rad=_scatter(beta, rows, cols, shape),
                    mu_rad=_scatter(mu, rows, cols, shape),
                    mode=_scatter(mode.astype(str), rows, cols, shape, fill=""), law=tuple(laws))


def _scatter(values, rows, cols, shape, fill=np.nan):
    out = np.full(shape + values.shape[1:], fill, dtype=values.dtype if fill == "" else float)
    out[rows, cols] = values
    return out


def _laws(svs, blocks, position_m, velocity_mps, gpst):
    """Yaw law per satellite; BeiDou split by orbit (GEO: radius > 35 000 km, inclination < 10 deg)."""
    first = gpst.reshape(-1)[0] if gpst.size else None
    laws = []
    for j, sv in enumerate(svs):  # per satellite: a name look-up, no numerics over epochs
        block = blocks.get(sv) if blocks is not None else default_block(sv, first)
        law = law_of_block(block, sv)
        if law == "beidou":
            row = np.flatnonzero(np.all(np.isfinite(position_m[:, j]), axis=-1))
            if row.size == 0:
                laws.append("nominal")
                continue
            r, v = position_m[row[0], j], inertial_velocity_mps(position_m[row[0], j], velocity_mps[row[0], j])
            h = np.cross(r, v)
            law = _beidou_law(sv, block, float(np.linalg.norm(r)), float(np.arccos(abs(h[2]) / np.linalg.norm(h))))
        laws.append(law)
    return laws


def _beta_at_switch_cells(beta, mu, mu_rate, rows, cols, gpst):
    """beta at the latest mu = +90 deg crossing (nominal yaw ~ 0): beta minus its drift since then;
    the drift rate from the cells' own beta along time (per satellite: a least-squares slope)."""
    seconds = (gpst[rows, cols] - gpst.reshape(-1)[0]).astype("timedelta64[ns]").astype(np.int64) / 1e9
    rate = np.zeros(beta.shape)
    for c in np.unique(cols):  # BDS-2 IGSO/MEO only: a handful of satellites
        mine = cols == c
        if mine.sum() > 1 and np.ptp(seconds[mine]) > 0:
            rate[mine] = np.polyfit(seconds[mine], beta[mine], 1)[0]
    since = np.mod(mu - np.pi / 2, 2 * np.pi) / mu_rate
    return beta - rate * since
