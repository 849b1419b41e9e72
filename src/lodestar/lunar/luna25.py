"""Luna-25's failed pre-landing burn (19 August 2023), reconstructed from published facts.

API: ``reconstruct(data=None, degree=150, fit_degree=40, sensitivity=True) -> dict`` runs the
three parts and returns plain data (the ``lodestar luna25 --json`` content plus the series the
report plots); ``forward(assumptions, force)``, ``fit(...)``, ``counterfactual(...)`` are the parts.

Published facts (each used below; nothing else is taken from the event):

- Launch 2023-08-10 23:10:57 UTC (Roscosmos); lunar orbit ~100 km, near-polar, from 16 August.
- Before the burn about 90 × 113 km (NASASpaceflight, 20 Aug 2023); one source gives
  91.4 × 112.6 km and i ≈ 82°.
- The burn into the 18 × 100 km pre-landing orbit was commanded at 11:10 UTC on 19 August; it should
  have lasted 84 s and lasted 127 s, because the BIUS-L accelerometer unit was never switched on and
  the engine was cut by time-out (Roscosmos commission, 3 October 2023).
- Contact lost ~11:57 UTC; impact 11:58 UTC (Keldysh Institute, NASA).
- LRO found the crater at 57.865° S, 61.360° E (ME frame; NASA/LROC, 31 Aug 2023), about 400 km
  short of the target site at 69.545° S, 43.544° E (NASA). Landing was planned for 21 August.
- Mass and thrust were not published.

Assumptions (class :class:`Assumptions`; the sensitivity table reruns the forward case with each
one changed): the pre-burn apsides are osculating two-body altitudes above the 1737.4 km sphere at
ignition; i = 82° to the lunar (ME) equator; the burn is retrograde, constant thrust, attitude held
in the velocity frame, starting at 11:10:00 UTC where the pre-burn orbit climbs through the planned
100 km aposelene; its thrust is whatever delivers the 18 km periselene in 84 s (full model); the
planned periselene lies on the southbound pass at the target's latitude, on an orbit plane that
carries the target under the track at 21 Aug 12:00 UTC (the Moon turns ~13°/day under the plane);
mass 1300 kg (1750 kg launch mass less ~850 m/s of corrections and capture at Isp 300 s),
Isp 300 s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from ..constants import MOON_RADIUS_M
from ..errors import LodestarError
from ..time import Time
from . import ephemeris as eph
from .ilrs import az_el_from_site
from .kepler import elements_to_state, osculating_apsides, osculating_elements, true_anomaly_at_radius
from .propagator import EphemerisTable, FiniteBurn, ForceModel, propagate

__all__ = ["Assumptions", "Geometry", "FACTS", "forward", "fit", "counterfactual", "reconstruct",
           "design_geometry", "design_thrust", "run_burn", "fit_start", "min_altitude_km", "ignition",
           "earth_elevation_at_crater", "delta_v_mps"]

G0_MPS2 = 9.80665  # standard gravity (CGPM 1901), for Isp
R_KM = MOON_RADIUS_M / 1e3

#: Published facts with their sources (see the module docstring).
FACTS = {
    "launch_utc": ("2023-08-10T23:10:57", "Roscosmos"),
    "burn_start_utc": ("2023-08-19T11:10:00", "Roscosmos; NASASpaceflight 2023-08-20"),
    "planned_burn_s": (84.0, "Roscosmos commission, 2023-10-03"),
    "actual_burn_s": (127.0, "Roscosmos commission, 2023-10-03"),
    "contact_lost_utc": ("2023-08-19T11:57:00", "Roscosmos"),
    "impact_utc": ("2023-08-19T11:58:00", "Keldysh Institute of Applied Mathematics; NASA"),
    "crater_lat_lon_deg": ((-57.865, 61.360), "NASA LRO/LROC, 2023-08-31 (ME frame)"),
    "target_lat_lon_deg": ((-69.545, 43.544), "NASA (planned landing site near Boguslawsky)"),
    "pre_burn_orbit_km": ((91.4, 112.6), "published pre-burn orbit (one source; others: ~90 x 113)"),
    "inclination_deg": (82.0, "same source"),
    "planned_orbit_km": ((18.0, 100.0), "Roscosmos"),
}
_IMPACT_SIGMA_S = 30.0  # impact time published to the minute
_CRATER_SIGMA_KM = 1.0  # crater centre vs first contact; LROC crater ~10 m across, rim of ejecta


@dataclass(frozen=True)
class Assumptions:
    """Everything the published facts leave open (see the module docstring)."""

    inclination_deg: float = 82.0
    pre_peri_km: float = 91.4
    pre_apo_km: float = 112.6
    planned_peri_km: float = 18.0
    planned_apo_km: float = 100.0
    rising_branch: bool = True
    southbound_periselene: bool = True
    landing_utc: str = "2023-08-21T12:00:00"
    mass_kg: float = 1300.0
    isp_s: float = 300.0
    attitude: str = "vnc"
    ignition_delay_s: float = 0.0  # engine start after 11:10:00 UTC (the coast is propagated)

    def burn_end_s(self, duration_s: float) -> float:
        """End of a burn of ``duration_s``, in seconds after 11:10:00 UTC."""
        return self.ignition_delay_s + duration_s

    @property
    def mass_flow_per_newton(self) -> float:
        return 0.0 if not np.isfinite(self.isp_s) else 1.0 / (self.isp_s * G0_MPS2)


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
def _great_circle_km(a_latlon, b_latlon) -> float:
    a, b = eph.latlon_to_me(*a_latlon), eph.latlon_to_me(*b_latlon)
    return float(R_KM * np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))


def _crater_miss_km(lat, lon) -> float:
    return _great_circle_km(FACTS["crater_lat_lon_deg"][0], (lat, lon))


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
        return np.array([imp.time.seconds_since(observed) / _IMPACT_SIGMA_S, north / _CRATER_SIGMA_KM,
                         east / _CRATER_SIGMA_KM])

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
            "periselene_from_target_km": _great_circle_km((peri.lat_deg, peri.lon_deg), target)}


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


def reconstruct(data=None, degree: int = 150, fit_degree: int = 40, sensitivity_degree: int = 40,
                with_sensitivity: bool = True, field: str = "GRGM660PRIM") -> dict:
    """The whole reconstruction as plain data (JSON keys of issue 5 plus the series for plots)."""
    from .luna25_sensitivity import fit_systematics, sensitivity, tracks  # they build on this module

    assume = Assumptions()
    table = EphemerisTable(ignition(), 0.0, 4 * 3600.0)
    force = ForceModel.lunar(degree, field, data)
    simple = ForceModel.lunar(0, field, data, earth=False, sun=False, tide_k2=0.0)
    fwd = forward(assume, force, simple, table)
    geom = Geometry(**fwd["geometry"])
    start = fit_start(assume, geom)
    low = fit(assume, ForceModel.lunar(fit_degree, field, data), start, fwd["thrust_n"], table)
    full = fit(assume, force, Geometry(**low["geometry"]), low["thrust_n"], table, max_nfev=8)
    cf = counterfactual(assume, force, geom, fwd["thrust_n"], table=table)
    result = {
        "assumptions": asdict(assume), "facts": {k: v[0] for k, v in FACTS.items()},
        "sources": {k: v[1] for k, v in FACTS.items()}, "force_model": force.describe(),
        "planned": fwd["planned"], "forward": fwd["forward"], "fit": full, "fit_low_degree": low,
        "max_safe_burn_s": cf["max_safe_burn_s"], "counterfactual": cf, "simple_plan": fwd["simple_plan"],
        "thrust_n": fwd["thrust_n"], "delta_v_plan_mps": fwd["delta_v_plan_mps"],
        "delta_v_actual_mps": fwd["delta_v_actual_mps"], "burn_lat_deg": fwd["burn_lat_deg"],
        "forward_geometry": fwd["geometry"],
        "overburn_factor": full["delta_v_mps"] / fwd["delta_v_plan_mps"],
        "overburn_factor_sigma": full["delta_v_sigma_mps"] / fwd["delta_v_plan_mps"],
        "published_overburn_factor": FACTS["actual_burn_s"][0] / FACTS["planned_burn_s"][0],
    }
    if with_sensitivity:
        sens_force = force if sensitivity_degree == degree else ForceModel.lunar(sensitivity_degree, field, data)
        sens_base = fwd if sensitivity_degree == degree else forward(assume, sens_force, table=table)
        result["sensitivity"] = sensitivity(assume, sens_force, sens_base, table)
        result["sensitivity_degree"] = sensitivity_degree
        result["fit_systematics"] = fit_systematics(assume, sens_force, table)
    result["tracks"] = tracks(assume, force, geom, fwd["thrust_n"], Geometry(**full["geometry"]), full["thrust_n"],
                               table)
    return result
