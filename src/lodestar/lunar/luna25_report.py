"""The Luna-25 report (self-contained HTML) and the short printed summary.

``write_report(result, path)`` and ``summary(result) -> str`` take the dict of
:func:`lodestar.lunar.luna25.reconstruct`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..report.html import HtmlReport, plt

__all__ = ["write_report", "summary", "json_view"]


def json_view(result: dict) -> dict:
    """The ``--json`` content: the keys of issue 5 first, then the supporting numbers."""
    keep = ("planned", "forward", "fit", "max_safe_burn_s", "overburn_factor", "overburn_factor_sigma",
            "published_overburn_factor", "simple_plan", "thrust_n", "delta_v_plan_mps", "delta_v_actual_mps",
            "burn_lat_deg", "forward_geometry", "force_model", "assumptions", "facts", "sources", "sensitivity",
            "sensitivity_degree", "fit_low_degree")
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
        f"  plan made with {result['simple_plan']['model']}: periselene {result['simple_plan']['periselene_full_model_km']:.2f} km"
        " under the full model",
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


def _ground_track(result):
    fig, ax = plt.subplots(figsize=(9, 5))
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
    fig, ax = plt.subplots(figsize=(9, 4))
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
    fig, ax = plt.subplots(figsize=(8, 4))
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
    report.paragraph("Mass and thrust of Luna-25 were not published; the thrust is whatever delivers the "
                     "planned orbit in 84 s. Lunar gravity GRGM660PRIM (Lemoine et al. 2013), DE421 "
                     "ephemerides and lunar orientation.", note=True)
    report.write(path)
