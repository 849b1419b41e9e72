"""Luna-25: how far each assumption moves the results, and the sampled tracks for the report.

``sensitivity(base, force, baseline)``: the forward case rerun with one assumption changed at a time;
``fit_systematics(base, force)``: the fit redone likewise; ``tracks(...)``: ground tracks and
heights every 20 s of the planned, forward and fitted runs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.ephemeris import great_circle_km
from ..core.propagator import ForceModel
from .facts import FACTS, Assumptions
from .model import Geometry, fit, fit_start, forward, run_burn

__all__ = ["SENSITIVITY_CASES", "FIT_SYSTEMATICS", "sensitivity", "fit_systematics", "tracks"]


SENSITIVITY_CASES = {
    "i = 81°": {"inclination_deg": 81.0},
    "i = 83°": {"inclination_deg": 83.0},
    "pre-burn 90 × 113 km": {"pre_peri_km": 90.0, "pre_apo_km": 113.0},
    "burn on the descending branch": {"rising_branch": False},
    "landing 21 Aug 00:00 UTC": {"landing_utc": "2023-08-21T00:00:00"},
    "landing 22 Aug 00:00 UTC": {"landing_utc": "2023-08-22T00:00:00"},
    "no mass flow": {"isp_s": float("inf")},
    "inertial attitude": {"attitude": "inertial"},
    "periselene on the northbound pass": {"southbound_periselene": False},
    "ignition 60 s after 11:10:00": {"ignition_delay_s": 60.0},
}


def sensitivity(base: Assumptions, force: ForceModel, baseline: dict, table=None) -> list[dict]:
    """The forward case rerun with one assumption changed at a time: how far each moves the result."""
    rows = []
    base_fwd = baseline["forward"]
    for label, change in SENSITIVITY_CASES.items():
        res = forward(replace(base, **change), force, table=table)
        fwd = res["forward"]
        row = {"assumption": label, "periselene_km": fwd["periselene_km"], "miss_km": fwd["miss_km"]}
        if fwd["impact_utc"] and base_fwd["impact_utc"]:
            row["impact_shift_s"] = fwd["impact_minus_observed_s"] - base_fwd["impact_minus_observed_s"]
            row["impact_moved_km"] = _distance_km(fwd, base_fwd)
        rows.append(row)
    return rows


FIT_SYSTEMATICS = {
    "i = 81°": {"inclination_deg": 81.0},
    "i = 83°": {"inclination_deg": 83.0},
    "pre-burn 90 × 113 km": {"pre_peri_km": 90.0, "pre_apo_km": 113.0},
    "burn on the descending branch": {"rising_branch": False},
    "no mass flow": {"isp_s": float("inf")},
    "inertial attitude": {"attitude": "inertial"},
}


def fit_systematics(base: Assumptions, force: ForceModel, table=None) -> list[dict]:
    """The fit redone with one assumption changed at a time (plan Δv redesigned under it too)."""
    rows = []
    for label, change in {"baseline": {}, **FIT_SYSTEMATICS}.items():
        assume = replace(base, **change)
        fwd = forward(assume, force, table=table)
        res = fit(assume, force, fit_start(assume, Geometry(**fwd["geometry"])), fwd["thrust_n"], table,
                  planned_ratio=None)
        rows.append({"assumption": label, "delta_v_mps": res["delta_v_mps"], "burn_lat_deg": res["burn_lat_deg"],
                     "overburn_factor": res["delta_v_mps"] / fwd["delta_v_plan_mps"], "miss_km": res["miss_km"]})
    return rows


def _distance_km(a: dict, b: dict) -> float:
    return great_circle_km((a["impact_lat_deg"], a["impact_lon_deg"]), (b["impact_lat_deg"], b["impact_lon_deg"]))


def tracks(assume, force, geom, thrust, fit_geom, fit_thrust, table) -> dict:
    """Sampled ground tracks and altitudes (every 20 s) of the planned, forward and fitted runs."""
    out = {}
    grid = np.arange(0.0, 7900.0, 20.0)
    runs = {"planned": (geom, thrust, FACTS["planned_burn_s"][0]), "forward": (geom, thrust, FACTS["actual_burn_s"][0]),
            "fit": (fit_geom, fit_thrust, FACTS["actual_burn_s"][0])}
    for name, (g, f, duration) in runs.items():
        traj = run_burn(assume, g, force, f, duration, table=table, t_eval=grid)
        lat, lon, height = traj.me_latlon()
        out[name] = {"t_s": traj.t_s.tolist(), "lat_deg": lat.tolist(), "lon_deg": lon.tolist(),
                     "height_km": (height / 1e3).tolist()}
    return out
