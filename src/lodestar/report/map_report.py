"""The ``lodestar map`` outputs: an HTML report with every map, or one PNG panel of the main maps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from ..analysis.coverage import EPHEMERIS_WARN_FRACTION, MANY_SATS, STRONG_PDOP_LIMIT
from ..errors import LodestarError
from ..output import atomic_path
from ..systems import SYSTEM_NAMES
from .figures import subplots
from .html import HtmlReport
from .plots import set_colour, set_label, world_map

__all__ = ["write_map_output", "map_report", "map_panel", "availability_view"]


def _set_label(name: str) -> str:
    return " + ".join(SYSTEM_NAMES[letter] for letter in name.split("+"))


#: Top of the mean-PDOP colour scale: RTKLIB's ``maxgdop`` (30), beyond which ``solve`` calls a position geometry
#: noise; a linear scale up to a cell's mean of thousands (one near-singular epoch) left every other cell one colour
MEAN_PDOP_SCALE_MAX = 30.0


def _row_of_maps(ds, variable: str, label: str, title: str, **style):
    sets = [str(s) for s in ds["systems"].values]
    fig, axes = subplots(len(sets), 1, figsize=(9.5, 4.6 * len(sets)))
    for ax, name in zip(np.atleast_1d(axes), sets):
        world_map(ds["lat"], ds["lon"], ds[variable].sel(systems=name), f"{title}: {_set_label(name)}",
                  label, ax=ax, **style)
    fig.tight_layout()
    return fig


#: Titles of the fractions an availability panel may show.
_FRACTION_TITLES = {
    "availability": "Fraction of the day with a solution",
    "pdop6_availability": "Fraction of the day with PDOP ≤ 6 at 5° (monitoring convention)",
    "strong_pdop_fraction": f"Fraction of the day with PDOP ≤ {STRONG_PDOP_LIMIT:g}",
    "many_sats_fraction": f"Fraction of the day with ≥ {MANY_SATS} satellites",
}
_ALTERNATIVES = ("strong_pdop_fraction", "many_sats_fraction")
_UNIFORM_SPREAD = 0.02  # a map whose values span less than 2 % of the day says nothing on a 0..1 scale


def _spread(ds, variable: str, name: str) -> float:
    values = ds[variable].sel(systems=name).values
    return float(np.nanmax(values) - np.nanmin(values)) if np.isfinite(values).any() else 0.0


def availability_view(ds, name: str, variable: str = "availability", exclude=()) -> str:
    """The fraction to map for set ``name``: ``variable`` itself, unless it is the same everywhere
    (e.g. 100 % all day): then the stricter fraction (PDOP ≤ 2, ≥ 10 satellites) that varies most."""
    if variable not in ds or _spread(ds, variable, name) >= _UNIFORM_SPREAD:
        return variable
    options = [v for v in _ALTERNATIVES if v in ds and v not in exclude]
    best = max(options, key=lambda v: _spread(ds, v, name), default=None)
    return best if best is not None and _spread(ds, best, name) >= _UNIFORM_SPREAD else variable


def _views(ds, variable: str, above: dict | None = None) -> dict:
    sets = [str(s) for s in ds["systems"].values]
    return {name: availability_view(ds, name, variable, exclude=(above or {}).get(name, ())) for name in sets}


def _fraction_maps(ds, views: dict):
    fig, axes = subplots(len(views), 1, figsize=(9.5, 4.6 * len(views)))
    for ax, (name, variable) in zip(np.atleast_1d(axes), views.items()):
        world_map(ds["lat"], ds["lon"], ds[variable].sel(systems=name), f"{_FRACTION_TITLES[variable]}: "
                  f"{_set_label(name)}", "fraction of the day", ax=ax, cmap="RdYlGn", vmin=0, vmax=1)
    fig.tight_layout()
    return fig


def _swap_note(views: dict, variable: str) -> str:
    swapped = {name: v for name, v in views.items() if v != variable}
    if not swapped:
        return ""
    what = "; ".join(f"{_set_label(name)}: {_FRACTION_TITLES[v].replace('Fraction of the day with ', '')}"
                     for name, v in swapped.items())
    return (f" Where this is the same everywhere (all day), the panel maps a stricter fraction instead, "
            f"as its title says ({what}).")


def _subtitle(ds) -> str:
    return (f"{ds.attrs['date']} (GPS time), mask {ds.attrs['mask_deg']:g}°, "
            f"{ds.attrs['grid_deg']:g}° grid, every {ds.attrs['step_s']:g} s")


def _gain_maps(ds):
    """How much the pair adds: PDOP of R+C relative to each system alone (%), and added availability."""
    fig, axes = subplots(2, 1, figsize=(9.5, 9.2))
    pair = ds["median_pdop"].sel(systems="R+C")
    for ax, alone in zip(axes, ("R", "C")):
        change = 100.0 * (ds["median_pdop"].sel(systems=alone) - pair) / ds["median_pdop"].sel(systems=alone)
        world_map(ds["lat"], ds["lon"], change,
                  f"Median PDOP reduction of GLONASS + BeiDou over {SYSTEM_NAMES[alone]} alone",
                  "PDOP reduction (%)", ax=ax, cmap="magma", vmin=0, vmax=100)
    fig.tight_layout()
    return fig


def _profiles(ds):
    """Mean satellites against latitude (zonal mean) and longitude (meridional mean, |lat| <= 60°)."""
    fig, (left, right) = subplots(1, 2, figsize=(11, 4.2))
    weight = np.cos(np.radians(ds["lat"]))
    band = ds.sel(lat=slice(-60, 60))
    for name in [str(s) for s in ds["systems"].values]:
        sats = ds["mean_sats"].sel(systems=name)
        left.plot(sats.mean("lon"), ds["lat"], color=set_colour(name), label=set_label(name))
        right.plot(ds["lon"], band["mean_sats"].sel(systems=name).weighted(weight.sel(lat=band["lat"])).mean("lat"),
                   color=set_colour(name), label=set_label(name))
    left.set_xlabel("mean satellites above the mask")
    left.set_ylabel("latitude (°N)")
    left.set_title("Zonal mean (all longitudes)")
    right.set_xlabel("longitude (°E)")
    right.set_ylabel("mean satellites above the mask")
    right.set_title("Mean over latitudes 60°S–60°N (area-weighted)")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def _stats_table(coverage) -> pd.DataFrame:
    rows = []
    for name, stats in coverage.global_stats().items():
        rows.append({"systems": name, "mean satellites": stats["mean_sats"], "mean PDOP": stats["mean_pdop"],
                     "availability (%)": 100 * stats["availability"],
                     "PDOP ≤ 6 at 5° (%)": 100 * stats["pdop6_availability"]})
    return pd.DataFrame(rows)


def _ephemeris_note(report, ds) -> None:
    """Say how much of the day the ephemerides cover; warn when a station file leaves gaps."""
    satellites = json.loads(ds.attrs.get("satellites", "{}"))
    if not satellites:
        return
    text = "; ".join(f"{SYSTEM_NAMES[k]}: {v['satellites']} satellites, ephemerides valid "
                     f"{100 * v['valid_fraction']:.0f} % of the day" for k, v in satellites.items())
    report.paragraph(text + ".")
    if any(v["valid_fraction"] < EPHEMERIS_WARN_FRACTION for v in satellites.values()):
        report.paragraph(f"Some ephemerides cover less than {100 * EPHEMERIS_WARN_FRACTION:.0f} % of the day: a single "
                         "station's navigation file only carries the satellites it tracked, when it tracked them, so "
                         "the maps undercount. Use a merged multi-station file (e.g. IGS BRDC) for global maps.",
                         note=True)


def map_report(coverage, nav_names=()) -> HtmlReport:
    ds = coverage.dataset
    mask = ds.attrs["mask_deg"]
    report = HtmlReport(f"GLONASS and BeiDou coverage, {ds.attrs['date']}")
    sources = ", ".join(nav_names) or "the given navigation data"
    report.paragraph(f"Computed from the broadcast ephemerides in {sources}: "
                     f"{_subtitle(ds)}. Only satellites with valid ephemerides count; BeiDou GEO and IGSO "
                     "satellites are included when the file carries them.")
    _ephemeris_note(report, ds)
    report.heading("Global figures (area-weighted)")
    report.table(_stats_table(coverage), caption=f"Our convention at {mask:g}° (a solution needs ≥ 4 satellites for "
                 "one system, ≥ 5 for two with an inter-system bias); the monitoring centres' convention beside it.")
    report.heading("Satellites in view")
    report.figure(_row_of_maps(ds, "mean_sats", "satellites", f"Mean satellites above {mask:g}°", cmap="viridis",
                               vmin=0, vmax=float(ds["mean_sats"].max())),
                  f"Daily mean number of satellites above {mask:g}° per system set.")
    report.figure(_profiles(ds), "Where each system is strong: latitude and longitude profiles of the mean "
                  "satellites in view.")
    report.heading("Availability")
    solution_views = _views(ds, "availability")
    report.figure(_fraction_maps(ds, solution_views),
                  f"Fraction of epochs with a solution at {mask:g}°." + _swap_note(solution_views, "availability"))
    monitor_views = _views(ds, "pdop6_availability", {k: (v,) for k, v in solution_views.items()})
    report.figure(_fraction_maps(ds, monitor_views),
                  "The GLONASS and BeiDou monitoring centres' availability: PDOP ≤ 6 at a 5° mask."
                  + _swap_note(monitor_views, "pdop6_availability"))
    report.heading("PDOP")
    report.figure(_row_of_maps(ds, "median_pdop", "PDOP", "Median PDOP over solved epochs", cmap="viridis_r",
                               vmin=1.0, vmax=6.0, extend="max"),
                  "Median PDOP over the epochs with a solution (robust to the few near-singular epochs).")
    largest = float(ds["mean_pdop"].max())
    report.figure(_row_of_maps(ds, "mean_pdop", "PDOP", "Mean PDOP over solved epochs", cmap="viridis_r",
                               norm=LogNorm(vmin=1.0, vmax=MEAN_PDOP_SCALE_MAX),
                               extend="max" if largest > MEAN_PDOP_SCALE_MAX else "neither"),
                  "Mean PDOP over the epochs with a solution: a few near-singular epochs raise it along the ground "
                  f"tracks where one system's geometry degenerates. Log colour scale 1-{MEAN_PDOP_SCALE_MAX:g}; "
                  f"cells above {MEAN_PDOP_SCALE_MAX:g} in its end colour (largest cell mean: {largest:,.0f}).")
    report.heading("What the combination adds")
    report.figure(_gain_maps(ds), "Reduction of the median PDOP by combining GLONASS and BeiDou, against each alone.")
    return report


def map_panel(coverage):
    """One figure of the main maps: mean satellites, availability and mean PDOP (rows) per set (columns)."""
    ds = coverage.dataset
    sets = [str(s) for s in ds["systems"].values]
    fig, axes = subplots(3, len(sets), figsize=(6.2 * len(sets), 10.5), squeeze=False)
    rows = (("mean_sats", "satellites", "Mean satellites", dict(cmap="viridis", vmin=0,
                                                                 vmax=float(ds["mean_sats"].max()))),
            ("availability", "fraction", "Availability", dict(cmap="RdYlGn", vmin=0, vmax=1)),
            ("median_pdop", "PDOP", "Median PDOP", dict(cmap="viridis_r", vmin=1, vmax=6)))
    for row, (variable, label, title, style) in zip(axes, rows):
        for ax, name in zip(row, sets):
            variable_here = availability_view(ds, name) if variable == "availability" else variable
            title_here = _FRACTION_TITLES[variable_here] if variable_here != variable else title
            world_map(ds["lat"], ds["lon"], ds[variable_here].sel(systems=name), f"{title_here}: {_set_label(name)}",
                      label, ax=ax, **style)
    fig.suptitle(f"GLONASS and BeiDou coverage, {_subtitle(ds)}")
    fig.tight_layout()
    return fig


def write_map_output(coverage, path, nav_names=()) -> None:
    """``.html`` -> the full report; ``.png`` -> one panel of the main maps (overwrites ``path``)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".html":
        map_report(coverage, nav_names).write(path)
    elif suffix == ".png":
        fig = map_panel(coverage)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=90)
    else:
        raise LodestarError(f"--out {path}: write .html (report) or .png (maps)")
