"""The whole Luna-25 reconstruction: forward case, fit, counterfactual, sensitivity, tracks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from ..core.propagator import EphemerisTable, ForceModel
from .facts import FACTS, Assumptions
from .model import Geometry, counterfactual, fit, fit_start, forward, ignition
from .sensitivity import fit_systematics, sensitivity, tracks

__all__ = ["reconstruct"]


def reconstruct(data=None, degree: int = 150, fit_degree: int = 40, sensitivity_degree: int = 40,
                with_sensitivity: bool = True, field: str = "GRGM660PRIM",
                progress: Callable[[str], None] | None = None) -> dict:
    """The whole reconstruction as plain data (JSON keys of issue 5 plus the series for plots).

    ``progress(stage)`` is called as each stage starts (``lodestar luna25`` prints them).
    """
    say = progress or (lambda stage: None)
    assume = Assumptions()
    say(f"forward case and plan (degree {degree})")
    table = EphemerisTable(ignition(), 0.0, 4 * 3600.0)
    force = ForceModel.lunar(degree, field, data)
    simple = ForceModel.lunar(0, field, data, earth=False, sun=False, tide_k2=0.0)
    fwd = forward(assume, force, simple, table)
    geom = Geometry(**fwd["geometry"])
    start = fit_start(assume, geom)
    say(f"fit to the impact (degree {fit_degree})")
    low = fit(assume, ForceModel.lunar(fit_degree, field, data), start, fwd["thrust_n"], table)
    say(f"fit to the impact (degree {degree})")
    full = fit(assume, force, Geometry(**low["geometry"]), low["thrust_n"], table, max_nfev=8)
    say("counterfactual burn durations")
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
        say(f"sensitivity to the assumptions (degree {sensitivity_degree})")
        sens_force = force if sensitivity_degree == degree else ForceModel.lunar(sensitivity_degree, field, data)
        sens_base = fwd if sensitivity_degree == degree else forward(assume, sens_force, table=table)
        result["sensitivity"] = sensitivity(assume, sens_force, sens_base, table)
        result["sensitivity_degree"] = sensitivity_degree
        result["fit_systematics"] = fit_systematics(assume, sens_force, table)
    say("ground tracks")
    result["tracks"] = tracks(assume, force, geom, fwd["thrust_n"], Geometry(**full["geometry"]), full["thrust_n"],
                               table)
    return result
