"""The Luna-25 report (self-contained HTML) and the short printed summary.

``write_report(result, path)`` and ``summary(result) -> str`` take the dict of
:func:`lodestar.lunar.luna25.reconstruct`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .figures import subplots
from .html import HtmlReport

__all__ = ["write_report", "summary", "json_view", "findings"]


def json_view(result: dict) -> dict:
    """The ``--json`` content: the keys of issue 5 first, then the supporting numbers."""
    keep = ("planned", "forward", "fit", "max_safe_burn_s", "overburn_factor", "overburn_factor_sigma",
            "published_overburn_factor", "simple_plan", "thrust_n", "delta_v_plan_mps", "delta_v_actual_mps",
            "burn_lat_deg", "forward_geometry", "force_model", "assumptions", "facts", "sources", "sensitivity",
            "sensitivity_degree", "fit_systematics", "fit_low_degree")
    view = {key: result[key] for key in keep if key in result}
    cf = result["counterfactual"]
    view["counterfactual"] = {k: cf[k] for k in ("durations_s", "periselene_full_km", "periselene_osculating_km",
                                                  "impacts", "earth_at_crater")}
    return view


def _fmt(value, spec=".1f", none="—"):
    return none if value is None or (isinstance(value, float) and not np.isfinite(value)) else format(value, spec)


def summary(result: dict) -> str:
    p, f, fit, cf = result["planned"], result["forward"], result["fit"], result["counterfactual"]
    earth = cf["earth_at_crater"]
    lines = [
        f"Luna-25 reconstruction ({result['force_model']})",
        f"  plan: {result['delta_v_plan_mps']:.2f} m/s in 84 s ({result['thrust_n']:.0f} N at "
        f"{result['assumptions']['mass_kg']:.0f} kg) -> {p['periselene_km']:.2f} x {p['aposelene_km']:.1f} km",
        f"  plan made with {result['simple_plan']['model']}: periselene "
        f"{result['simple_plan']['periselene_full_model_km']:.2f} km under the full model",
        f"  forward (127 s, {result['delta_v_actual_mps']:.2f} m/s): periselene {f['periselene_km']:.1f} km, impact "
        f"{f['impact_utc']} UTC at {_fmt(f['impact_lat_deg'], '.2f')}, {_fmt(f['impact_lon_deg'], '.2f')}; "
        f"{_fmt(f['miss_km'])} km from the crater, {_fmt(f.get('impact_minus_observed_s'), '+.0f')} s from 11:58",
        f"  fit: dv {fit['delta_v_mps']:.2f} ± {fit['delta_v_sigma_mps']:.2f} m/s, burn at lat "
        f"{fit['burn_lat_deg']:.2f} ± {fit['burn_lat_sigma_deg']:.2f}°, impact {fit['impact_utc']} at "
        f"{fit['impact_lat_deg']:.3f}, {fit['impact_lon_deg']:.3f} (miss {fit['miss_km']*1e3:.1f} m)",
        f"  over-burn factor {result['overburn_factor']:.3f} ± {result['overburn_factor_sigma']:.3f} "
        f"(127/84 = {result['published_overburn_factor']:.3f})",
        f"  longest burn keeping periselene >= 10 km: {result['max_safe_burn_s']:.1f} s",
        f"  Earth from the crater at 11:58 UTC: elevation {earth['elevation_deg']:.1f}°, azimuth "
        f"{earth['azimuth_deg']:.0f}° (in view: contact held to the end)",
    ]
    return "\n".join(lines)


def findings(result: dict) -> list[str]:
    """Plain-language reading of the forward residual and of the fit."""
    fwd, fit = result["forward"], result["fit"]
    u_fwd, u_fit = result["forward_geometry"]["burn_arg_lat_deg"], fit["geometry"]["burn_arg_lat_deg"]
    node_gap = (fit["geometry"]["node_deg"] - result["forward_geometry"]["node_deg"] + 180) % 360 - 180
    period_min = 118.0  # ~100 km lunar orbit
    texts = [
        f"Forward residual (not tuned): impact {_fmt(fwd.get('impact_minus_observed_s'), '+.0f')} s from 11:58 UTC "
        f"and {_fmt(fwd['miss_km'], '.0f')} km from the crater. The fitted orbit plane is {node_gap:+.2f}° from the "
        "forward plane, which was derived only from the target and the planned landing day: the miss is along the "
        "track, not across it.",
        f"Ignition at 11:10 UTC and impact at 11:58 UTC at the crater put the engine start at argument of latitude "
        f"{u_fit:.1f}° (latitude {fit['burn_lat_deg']:.1f}°), {u_fit - u_fwd:+.1f}° "
        f"(~{(u_fit - u_fwd) / 360 * period_min:.0f} min) along the orbit from the forward placement ({u_fwd:.1f}°, chosen so that the planned periselene lies "
        "at the target latitude). Either the engine started later than the commanded time, or the planned "
        "periselene was not at the target latitude; the published facts do not tell which.",
        f"Delivered Δv {fit['delta_v_mps']:.2f} ± {fit['delta_v_sigma_mps']:.2f} m/s against a planned "
        f"{result['delta_v_plan_mps']:.2f} m/s: over-burn factor {result['overburn_factor']:.3f} ± "
        f"{result['overburn_factor_sigma']:.3f}, below 127/84 = {result['published_overburn_factor']:.3f}.",
    ]
    implied = fit.get("implied_plan") or {}
    if implied:
        texts.append(f"Had the engine stopped at 84 s with the fitted thrust and place, the periselene would have been "
                     f"{implied['periselene_km']:.1f} km at {implied['periselene_lat_deg']:.1f}°, "
                     f"{implied['periselene_lon_deg']:.1f}° ({implied['periselene_from_target_km']:.0f} km from the "
                     "target).")
    if result.get("fit_systematics"):
        factors = [row["overburn_factor"] for row in result["fit_systematics"]]
        texts.append(f"Over the assumption changes of the table below the over-burn factor ranges "
                     f"{min(factors):.2f}–{max(factors):.2f}.")
    return texts


def _ground_track(result):
    fig, ax = subplots(figsize=(9, 5))
    for name, style in (("planned", "C0-"), ("forward", "C3--"), ("fit", "C2-")):
        track = result["tracks"][name]
        lon = np.asarray(track["lon_deg"])
        lat = np.asarray(track["lat_deg"])
        jumps = np.where(np.abs(np.diff(lon)) > 180)[0] + 1  # break the line at the ±180° seam
        for k, (lo, la) in enumerate(zip(np.split(lon, jumps), np.split(lat, jumps))):
            ax.plot(lo, la, style, lw=1.4, label=f"{name} (84 s)" if name == "planned" and k == 0 else
                    (f"{name} (127 s)" if k == 0 else None))
    crater, target = result["facts"]["crater_lat_lon_deg"], result["facts"]["target_lat_lon_deg"]
    ax.plot(crater[1], crater[0], "kx", ms=10, mew=2, label="crater (LRO)")
    ax.plot(target[1], target[0], "k*", ms=12, label="target site")
    ax.set(xlim=(-180, 180), ylim=(-90, 90), xlabel="east longitude, ME (deg)", ylabel="latitude, ME (deg)",
           title="Luna-25 ground tracks from ignition, 19 Aug 2023 11:10 UTC")
    ax.set_xticks(range(-180, 181, 30))
    ax.set_yticks(range(-90, 91, 15))
    ax.grid(True, alpha=0.4)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def _altitude(result):
    fig, ax = subplots(figsize=(9, 4))
    for name, style in (("planned", "C0-"), ("forward", "C3--"), ("fit", "C2-")):
        track = result["tracks"][name]
        ax.plot(np.asarray(track["t_s"]) / 60, track["height_km"], style, label=name)
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(48, color="grey", ls=":", label="observed impact 11:58 UTC")
    ax.set(xlabel="minutes after 11:10 UTC ignition", ylabel="height above 1737.4 km sphere (km)",
           title="Luna-25 altitude: planned (84 s) and actual (127 s) burns")
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize=8)
    return fig


def _periselene(result):
    cf = result["counterfactual"]
    fig, ax = subplots(figsize=(8, 4))
    ax.plot(cf["durations_s"], cf["periselene_osculating_km"], "C1.-", label="osculating (two-body) after burn")
    ax.plot(cf["durations_s"], cf["periselene_full_km"], "C0o-", label="lowest point, full model (no impact)")
    ax.axhline(10, color="C2", ls="--", label="10 km safety margin")
    ax.axhline(0, color="k", lw=0.8)
    for x, label in ((84, "planned 84 s"), (127, "actual 127 s"), (result["max_safe_burn_s"], "longest safe")):
        ax.axvline(x, color="grey", ls=":")
        ax.text(x, ax.get_ylim()[1], label, rotation=90, va="top", ha="right", fontsize=8)
    ax.set(xlabel="burn duration at the planned thrust (s)", ylabel="periselene height (km)",
           title="Periselene versus burn duration (19 Aug 2023 pre-landing burn)")
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize=8)
    return fig


def write_report(result: dict, path) -> None:
    report = HtmlReport("Luna-25: reconstruction of the failed pre-landing burn (19 August 2023)")
    report.paragraph(summary(result).replace("\n", " · "))
    report.heading("What the residuals say")
    for text in findings(result):
        report.paragraph(text)
    report.heading("Published facts")
    facts = pd.DataFrame([(k, str(v), result["sources"][k]) for k, v in result["facts"].items()],
                         columns=["fact", "value", "source"])
    report.table(facts)
    report.heading("Assumptions")
    report.table(pd.DataFrame([(k, str(v)) for k, v in result["assumptions"].items()], columns=["assumption", "value"]))
    report.figure(_ground_track(result), "Ground tracks in the ME frame: the plan, the forward 127 s case, the fit.")
    report.figure(_altitude(result), "Height above the 1737.4 km sphere versus time.")
    report.figure(_periselene(result), "Periselene versus burn duration (same thrust as the plan).")
    if "sensitivity" in result:
        report.heading(f"Sensitivity of the forward case (degree {result['sensitivity_degree']})")
        report.table(pd.DataFrame(result["sensitivity"]))
        report.heading(f"Fit under changed assumptions (degree {result['sensitivity_degree']})")
        report.table(pd.DataFrame(result["fit_systematics"]), float_format="{:.3f}")
    report.paragraph("Mass and thrust of Luna-25 were not published; the thrust is whatever delivers the "
                     "planned orbit in 84 s. Lunar gravity GRGM660PRIM (Lemoine et al. 2013), DE421 "
                     "ephemerides and lunar orientation.", note=True)
    report.write(path)
