"""Luna-25's burn, modelled: orbit geometry, the burn run in the full force model, forward case,
fit and counterfactual. The published facts and the assumptions are in :mod:`.facts`;
:func:`lodestar.lunar.luna25.reconstruct` runs everything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from ...constants import MOON_RADIUS_M
from ...errors import LodestarError
from ...time import Time
from ..analysis.ilrs import az_el_from_site
from ..core import ephemeris as eph
from ..core.propagator import FiniteBurn, ForceModel, propagate
from ..core.twobody import elements_to_state, osculating_apsides, osculating_elements, true_anomaly_at_radius
from .facts import CRATER_SIGMA_KM, FACTS, IMPACT_SIGMA_S, Assumptions

__all__ = ["Geometry", "forward", "fit", "counterfactual", "design_geometry", "design_thrust", "run_burn",
           "fit_start", "min_altitude_km", "ignition",
           "earth_elevation_at_crater", "delta_v_mps"]

R_KM = MOON_RADIUS_M / 1e3

@dataclass(frozen=True)
class Geometry:
    """Orbit plane and burn place in frame F (ME axes frozen at ignition): node longitude and the
    argument of latitude at ignition, degrees."""

    node_deg: float
    burn_arg_lat_deg: float


def ignition() -> Time:
    return Time.from_iso(FACTS["burn_start_utc"][0], "utc")


def _frame_f() -> np.ndarray:
    """ICRF -> F rotation: the ME axes at ignition, frozen (an inertial frame)."""
    return eph.icrf_to_me(ignition())


def pre_burn_state(assume: Assumptions, geom: Geometry, gm: float):
    """ICRF position (m) and velocity (m/s) at ignition."""
    a = MOON_RADIUS_M + 0.5e3 * (assume.pre_peri_km + assume.pre_apo_km)
    e = 1e3 * (assume.pre_apo_km - assume.pre_peri_km) / (2.0 * a)
    nu = true_anomaly_at_radius(a, e, MOON_RADIUS_M + 1e3 * assume.planned_apo_km, assume.rising_branch)
    r_f, v_f = elements_to_state(gm, a, e, assume.inclination_deg, geom.node_deg,
                                 geom.burn_arg_lat_deg - nu, nu)
    frame = _frame_f()
    return frame.T @ r_f, frame.T @ v_f


def _arg_latitude(lat_deg: float, inclination_deg: float, southbound: bool) -> float:
    ratio = np.sin(np.radians(lat_deg)) / np.sin(np.radians(inclination_deg))
    if abs(ratio) > 1:
        raise LodestarError(f"latitude {lat_deg}° is out of reach of an i={inclination_deg}° orbit")
    base = np.degrees(np.arcsin(ratio))
    return float((180.0 - base) if southbound else (base % 360.0))


def _node_through(lat_f: float, lon_f: float, assume: Assumptions) -> tuple[float, float]:
    """Node longitude putting (lat, lon) in F on the chosen pass, and that point's argument of latitude."""
    u = _arg_latitude(lat_f, assume.inclination_deg, assume.southbound_periselene)
    ur, ir = np.radians(u), np.radians(assume.inclination_deg)
    return float((lon_f - np.degrees(np.arctan2(np.cos(ir) * np.sin(ur), np.cos(ur)))) % 360.0), u


def _site_in_f(lat_deg: float, lon_deg: float, when: Time) -> tuple[float, float]:
    r_icrf = eph.icrf_to_me(when).T @ eph.latlon_to_me(lat_deg, lon_deg)
    lat, lon, _ = eph.me_to_latlon(_frame_f() @ r_icrf)
    return float(lat), float(lon)


def design_geometry(assume: Assumptions, gm: float) -> Geometry:
    """Forward-case geometry: planned periselene on the target's pass at the planned landing."""
    lat_f, lon_f = _site_in_f(*FACTS["target_lat_lon_deg"][0], Time.from_iso(assume.landing_utc, "utc"))
    node, u_peri = _node_through(lat_f, lon_f, assume)
    # two-body estimate of where the retrograde burn puts the new periselene (the burn point becomes
    # the new aposelene, turned by the pre-burn flight-path angle)
    probe = Geometry(node, 0.0)
    r, v = pre_burn_state(assume, probe, gm)
    target_rp = MOON_RADIUS_M + 1e3 * assume.planned_peri_km
    dv = brentq(lambda d: osculating_apsides(gm, r, v * (1 - d / np.linalg.norm(v)))[0] - target_rp, 0.0, 200.0)
    _, _, nu_after = osculating_elements(gm, r, v * (1 - dv / np.linalg.norm(v)))
    return Geometry(node, float((u_peri + nu_after) % 360.0))


# --- running burns ------------------------------------------------------------------------------
def run_burn(assume, geom, force, thrust_n, duration_s, span_s=None, stop_at_impact=True, table=None,
             t_eval=None):
    """Propagate from ignition through a retrograde burn of ``duration_s`` and ~1.1 revolutions."""
    r, v = pre_burn_state(assume, geom, force.field.gm_m3ps2)
    span_s = span_s or assume.burn_end_s(duration_s) + 7900.0
    burn = FiniteBurn(assume.ignition_delay_s, duration_s, thrust_n, thrust_n * assume.mass_flow_per_newton,
                      (-1.0, 0.0, 0.0), assume.attitude)
    return propagate(ignition(), r, v, span_s, force, [burn], assume.mass_kg, t_eval=t_eval,
                     stop_at_impact=stop_at_impact, table=table)


def _burn_start_lat(assume: Assumptions, traj) -> float:
    """ME latitude (deg) where the engine started."""
    start = assume.ignition_delay_s
    position = traj.state_at(start)[0, :3]
    return float(eph.me_to_latlon(eph.icrf_to_me(ignition() + start) @ position)[0])


def apsides_after_burn(traj, burn_end_s: float) -> dict:
    """Lowest/highest point over the first revolution after the burn (full model), km above 1737.4."""
    period = 2 * np.pi * np.sqrt(np.linalg.norm(traj.position_m[0]) ** 3 / traj.force.field.gm_m3ps2)
    window = lambda events: [e for e in events if burn_end_s < e.t_s <= burn_end_s + 1.05 * period]  # noqa: E731
    peri = min(window(traj.periselene), key=lambda e: e.height_m, default=None)
    apo = max(window(traj.aposelene), key=lambda e: e.height_m, default=None)
    return {"periselene": peri, "aposelene": apo}


def min_altitude_km(assume, geom, force, thrust_n, duration_s, table=None) -> float:
    traj = run_burn(assume, geom, force, thrust_n, duration_s, stop_at_impact=False, table=table)
    peri = apsides_after_burn(traj, assume.burn_end_s(duration_s))["periselene"]
    return np.nan if peri is None else peri.height_m / 1e3


def design_thrust(assume, geom, force, duration_s=None, table=None) -> float:
    """Thrust (N) whose burn of the planned duration gives the planned periselene under ``force``."""
    duration_s = duration_s or FACTS["planned_burn_s"][0]
    gm = force.field.gm_m3ps2
    r, v = pre_burn_state(assume, geom, gm)
    target_rp = MOON_RADIUS_M + 1e3 * assume.planned_peri_km
    dv0 = brentq(lambda d: osculating_apsides(gm, r, v * (1 - d / np.linalg.norm(v)))[0] - target_rp, 0.0, 200.0)
    guess = dv0 * assume.mass_kg / duration_s
    miss = lambda f: min_altitude_km(assume, geom, force, f, duration_s, table) - assume.planned_peri_km  # noqa: E731
    lo, hi = 0.85 * guess, 1.15 * guess
    return float(brentq(miss, lo, hi, xtol=1e-3))


def delta_v_mps(assume: Assumptions, thrust_n: float, duration_s: float) -> float:
    """Rocket-equation Δv of a constant-thrust burn (no mass flow: thrust/mass × duration)."""
    mdot = thrust_n * assume.mass_flow_per_newton
    if mdot == 0.0:
        return thrust_n / assume.mass_kg * duration_s
    return thrust_n / mdot * np.log(assume.mass_kg / (assume.mass_kg - mdot * duration_s))


# --- the three parts ----------------------------------------------------------------------------
def _crater_miss_km(lat, lon) -> float:
    return eph.great_circle_km(FACTS["crater_lat_lon_deg"][0], (lat, lon))


def _impact_summary(traj) -> dict:
    imp = traj.impact
    if imp is None:
        return {"impact_utc": None, "impact_lat_deg": None, "impact_lon_deg": None, "miss_km": None}
    observed = Time.from_iso(FACTS["impact_utc"][0], "utc")
    return {"impact_utc": str(imp.time.iso("utc")), "impact_lat_deg": imp.lat_deg, "impact_lon_deg": imp.lon_deg,
            "miss_km": _crater_miss_km(imp.lat_deg, imp.lon_deg),
            "impact_minus_observed_s": float(imp.time.seconds_since(observed))}


def _osculating_periselene_km(traj, burn_end_s: float) -> float:
    state = traj.state_at(burn_end_s)[0]
    return (osculating_apsides(traj.force.field.gm_m3ps2, state[:3], state[3:6])[0] - MOON_RADIUS_M) / 1e3


def forward(assume: Assumptions, force: ForceModel, simple: ForceModel | None = None, table=None) -> dict:
    """Plan (full model), then the same thrust for 127 s; optionally the plan made with ``simple``."""
    planned_s, actual_s = FACTS["planned_burn_s"][0], FACTS["actual_burn_s"][0]
    geom = design_geometry(assume, force.field.gm_m3ps2)
    thrust = design_thrust(assume, geom, force, table=table)
    plan = run_burn(assume, geom, force, thrust, planned_s, stop_at_impact=False, table=table)
    aps = apsides_after_burn(plan, assume.burn_end_s(planned_s))
    actual = run_burn(assume, geom, force, thrust, actual_s, table=table)
    out = {
        "geometry": asdict(geom), "thrust_n": thrust, "delta_v_plan_mps": delta_v_mps(assume, thrust, planned_s),
        "delta_v_actual_mps": delta_v_mps(assume, thrust, actual_s),
        "planned": {"periselene_km": aps["periselene"].height_m / 1e3, "aposelene_km": aps["aposelene"].height_m / 1e3,
                    "periselene_lat_deg": aps["periselene"].lat_deg, "periselene_lon_deg": aps["periselene"].lon_deg,
                    "periselene_utc": str(aps["periselene"].time.iso("utc"))},
        "forward": {"periselene_km": _osculating_periselene_km(actual, assume.burn_end_s(actual_s)),
                    **_impact_summary(actual)},
        "burn_lat_deg": _burn_start_lat(assume, plan),
    }
    if simple is not None:
        simple_thrust = design_thrust(assume, geom, simple, table=table)
        out["simple_plan"] = {
            "model": simple.describe(), "thrust_n": simple_thrust,
            "periselene_full_model_km": min_altitude_km(assume, geom, force, simple_thrust, planned_s, table),
        }
    return out


def fit(assume: Assumptions, force: ForceModel, start: Geometry, thrust_n: float, table=None,
        max_nfev: int = 40, planned_ratio: float | None = 1.0) -> dict:
    """Burn place (node, argument of latitude at ignition) and thrust fitted to impact time and crater.

    ``implied_plan``: the 84 s burn at ``planned_ratio`` × the fitted thrust from the fitted place.
    """
    actual_s = FACTS["actual_burn_s"][0]
    observed = Time.from_iso(FACTS["impact_utc"][0], "utc")
    crater_lat, crater_lon = FACTS["crater_lat_lon_deg"][0]

    def residuals(p):
        traj = run_burn(assume, Geometry(p[0], p[1]), force, p[2], actual_s, span_s=5400.0, table=table)
        if traj.impact is None:
            return np.array([1e3, 1e3, 1e3])
        imp = traj.impact
        north = np.radians(imp.lat_deg - crater_lat) * R_KM
        east = np.radians((imp.lon_deg - crater_lon + 180) % 360 - 180) * R_KM * np.cos(np.radians(crater_lat))
        return np.array([imp.time.seconds_since(observed) / IMPACT_SIGMA_S, north / CRATER_SIGMA_KM,
                         east / CRATER_SIGMA_KM])

    x0 = np.array([start.node_deg, start.burn_arg_lat_deg, thrust_n])
    sol = least_squares(residuals, x0, x_scale=np.array([0.5, 0.5, 5.0]), diff_step=1e-6, max_nfev=max_nfev)
    cov = np.linalg.pinv(sol.jac.T @ sol.jac)
    sigma = np.sqrt(np.diag(cov))
    geom = Geometry(float(sol.x[0]), float(sol.x[1]))
    traj = run_burn(assume, geom, force, sol.x[2], actual_s, span_s=5400.0, table=table)
    dv = delta_v_mps(assume, sol.x[2], actual_s)
    ddv = (delta_v_mps(assume, sol.x[2] + 1.0, actual_s) - dv) * sigma[2]
    burn_lat = _burn_start_lat(assume, traj)
    implied = _implied_plan(assume, geom, force, float(sol.x[2]) * planned_ratio, table) if planned_ratio else {}
    lat_rate = abs(np.sin(np.radians(assume.inclination_deg)) * np.cos(np.radians(sol.x[1])))
    return {"geometry": asdict(geom), "thrust_n": float(sol.x[2]), "thrust_sigma_n": float(sigma[2]),
            "node_sigma_deg": float(sigma[0]), "burn_arg_lat_sigma_deg": float(sigma[1]),
            "delta_v_mps": float(dv), "delta_v_sigma_mps": float(abs(ddv)), "burn_lat_deg": burn_lat,
            "burn_lat_sigma_deg": float(np.degrees(lat_rate * np.radians(sigma[1])) /
                                        max(np.cos(np.radians(burn_lat)), 1e-6)),
            "residuals_normalized": sol.fun.tolist(), "evaluations": int(sol.nfev),
            "degree": force.field.degree, "implied_plan": implied, **_impact_summary(traj)}


def _implied_plan(assume, geom, force, thrust_n, table) -> dict:
    """Where the 84 s plan would have put the periselene, had the burn been where the fit puts it."""
    plan = run_burn(assume, geom, force, thrust_n, FACTS["planned_burn_s"][0], stop_at_impact=False, table=table)
    peri = apsides_after_burn(plan, assume.burn_end_s(FACTS["planned_burn_s"][0]))["periselene"]
    if peri is None:
        return {}
    target = FACTS["target_lat_lon_deg"][0]
    return {"periselene_km": peri.height_m / 1e3, "periselene_lat_deg": peri.lat_deg,
            "periselene_lon_deg": peri.lon_deg, "periselene_utc": str(peri.time.iso("utc")),
            "periselene_from_target_km": eph.great_circle_km((peri.lat_deg, peri.lon_deg), target)}


def counterfactual(assume, force, geom, thrust_n, durations_s=None, table=None) -> dict:
    """Periselene versus burn duration, the longest safe burn, and the Earth seen from the crater."""
    durations_s = np.arange(80.0, 130.1, 5.0) if durations_s is None else np.asarray(durations_s, float)
    full, osculating, impact = [], [], []
    for duration in durations_s:
        traj = run_burn(assume, geom, force, thrust_n, duration, stop_at_impact=False, table=table)
        end = assume.burn_end_s(duration)
        peri = apsides_after_burn(traj, end)["periselene"]
        hit = traj.impact is not None and traj.impact.t_s > end
        full.append(np.nan if (peri is None or hit) else peri.height_m / 1e3)
        osculating.append(_osculating_periselene_km(traj, end))
        impact.append(bool(hit))
    margin = lambda d: min_altitude_km(assume, geom, force, thrust_n, d, table) - 10.0  # noqa: E731
    safe = float(brentq(margin, FACTS["planned_burn_s"][0], FACTS["actual_burn_s"][0], xtol=0.05))
    return {"durations_s": durations_s.tolist(), "periselene_full_km": full, "periselene_osculating_km": osculating,
            "impacts": impact, "max_safe_burn_s": safe, "earth_at_crater": earth_elevation_at_crater()}


def earth_elevation_at_crater(when_utc: str | None = None) -> dict:
    """Earth's elevation and azimuth (deg) seen from the crater at the impact time (sphere horizon)."""
    when = Time.from_iso(when_utc or FACTS["impact_utc"][0], "utc")
    site = eph.latlon_to_me(*FACTS["crater_lat_lon_deg"][0])
    earth = eph.icrf_to_me(when) @ eph.earth_position_m(when)
    azimuth, elevation = az_el_from_site(site, earth)
    return {"elevation_deg": float(elevation), "azimuth_deg": float(azimuth), "utc": when_utc or FACTS["impact_utc"][0]}


def fit_start(assume: Assumptions, forward_geom: Geometry) -> Geometry:
    """First guess of the fit: the plane through the crater at the observed impact time."""
    lat_f, lon_f = _site_in_f(*FACTS["crater_lat_lon_deg"][0], Time.from_iso(FACTS["impact_utc"][0], "utc"))
    node, _ = _node_through(lat_f, lon_f, assume)
    return Geometry(node, forward_geom.burn_arg_lat_deg)
