"""HTML reports of the ILRS site analysis and of GNSS reception at the Moon (self-contained)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lunar.analysis.ilrs import IlrsResult, passes
from ..lunar.analysis.link_budget import PATTERNS
from ..lunar.analysis.moon_gnss import MoonGnssResult
from ..systems import SYSTEM_NAMES
from .figures import subplots
from .html import HtmlReport
from .plots import pdop_axis, set_label

__all__ = ["ilrs_report", "moon_gnss_report"]


def _hours(time) -> np.ndarray:
    return time.seconds_since(time[0]) / 3600.0


def _days_axis(ax, time):
    ax.set_xlabel(f"time since {time.iso('utc')[0]} UTC (days)")


def _elevation_figure(result: IlrsResult):
    fig, ax = subplots(figsize=(10, 3.8))
    days = _hours(result.time) / 24.0
    ax.plot(days, result.earth_el_deg, label="Earth (centre)", color="#2b5797", lw=1)
    ax.plot(days, result.sun_el_deg, label="Sun (centre)", color="#d4a72c", lw=1)
    ax.axhline(0.0, color="k", lw=0.8, ls="--", label="horizon (" + result.horizon + ")")
    ax.set_ylabel("elevation (deg)")
    _days_axis(ax, result.time)
    ax.set_title(f"Earth and Sun elevation at {result.site.name} "
                 f"({result.site.lat_deg:.3f}°, {result.site.lon_deg:.3f}°E)")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _relay_figure(result: IlrsResult, max_days: float = 5.0):
    hours = _hours(result.time)
    keep = hours <= max_days * 24.0
    fig, ax = subplots(figsize=(10, 3.2))
    ax.plot(hours[keep], result.relay_el_deg[keep], color="#6a3d9a", lw=1, label="Queqiao-2 elevation")
    ax.fill_between(hours[keep], -90, 90, where=result.relay_up[keep], color="#6a3d9a", alpha=0.12,
                    step="mid", label="relay above the horizon")
    ax.axhline(0.0, color="k", lw=0.8, ls="--")
    ax.set_ylim(-90, 90)
    ax.set_ylabel("elevation (deg)")
    ax.set_xlabel(f"hours since {result.time.iso('utc')[0]} UTC")
    ax.set_title(f"Queqiao-2 passes over {result.site.name} (first {max_days:g} days; model phase)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def ilrs_report(result: IlrsResult, path) -> None:
    """Write the ILRS site report (figures, key numbers, assumptions) to ``path``."""
    s = result.summary()
    report = HtmlReport(f"ILRS site analysis: {result.site.name}")
    report.paragraph(f"Site {result.site.name}: {result.site.lat_deg}°, {result.site.lon_deg}° E, "
                     f"height {result.site.height_m:g} m (ME frame). Source: {result.site.source}")
    report.paragraph(f"Span {s['from_gpst']} – {s['to_gpst']} GPST, every {s['step_s']:g} s "
                     f"({s['epochs']} epochs). Ephemeris: JPL DE421; Moon orientation: DE421 PA + PA→ME.")
    report.paragraph("Horizon: " + ("FLAT — a smooth sphere; crater rims and massifs, which raise real "
                                    "south-polar horizons by degrees, are NOT modelled (no DEM is shipped)."
                                    if result.horizon.startswith("flat") else "from the given horizon mask."),
                     note=True)
    table = pd.DataFrame([
        ("Earth visible fraction", s["earth_visible_fraction"]),
        ("Earth longest outage (h)", s["earth_longest_outage_h"]),
        ("Earth elevation min / max (deg)", f"{s['earth_elev_min_deg']:.2f} / {s['earth_elev_max_deg']:.2f}"),
        ("Sun lit fraction", s["sun_lit_fraction"]),
        ("Sun longest night (h)", s["sun_longest_night_h"]),
        ("Sun elevation min / max (deg)", f"{s['sun_elev_min_deg']:.2f} / {s['sun_elev_max_deg']:.2f}"),
        ("Relay visible fraction", s["relay_visible_fraction"]),
        ("Relay longest gap (h)", s["relay_longest_gap_h"]),
        ("Relay passes", s["relay_passes"]),
    ], columns=["quantity", "value"])
    report.heading("Summary").table(table, float_format="{:.3f}")
    report.heading("Earth and Sun over the span")
    report.figure(_elevation_figure(result), "Elevation of the centres of the Earth's and the Sun's discs.")
    report.heading("Relay coverage (Queqiao-2)")
    report.paragraph(f"Elements: {s['relay_elements']}. Source: {s['relay_source']}. "
                     f"Assumed: {'; '.join(s['relay_assumptions'])}.")
    report.figure(_relay_figure(result), "Relay elevation from the site; shaded: relay visible.")
    first = passes(result.relay_up, result.time)[:15]
    if first:
        report.table(pd.DataFrame(first, columns=["pass start (GPST)", "pass end (GPST)"]),
                     caption="First relay passes (model phase; see assumptions)")
    report.write(path)


def _usable_figure(result: MoonGnssResult):
    fig, ax = subplots(figsize=(10, 3.8))
    hours = _hours(result.time)
    colours = {"R": "#c0392b", "C": "#d4a72c", "R+C": "#2b5797", "G+E": "#27ae60", "G+R+E+C": "#555555"}
    for name, colour in colours.items():
        if name in result.counts:
            ax.step(hours, result.counts[name], where="mid", label=set_label(name), color=colour,
                    lw=2.0 if name == "R+C" else 1.0)
    ax.axhline(4, color="k", ls="--", lw=0.8, label="4 satellites")
    ax.set_ylabel("usable satellites")
    ax.set_xlabel(f"hours since {result.time.iso()[0]} GPST")
    ax.set_title(f"Usable GNSS satellites at {result.receiver} (C/N0 ≥ {result.cn0_min_dbhz:g} dB-Hz)")
    ax.legend(fontsize=8, ncol=3)
    ax.grid(alpha=0.3)
    return fig


def _pdop_figure(result: MoonGnssResult):
    fig, ax = subplots(figsize=(10, 3.2))
    hours = _hours(result.time)
    plotted = False
    for name, colour in (("R", "#c0392b"), ("C", "#d4a72c"), ("R+C", "#2b5797")):
        values = result.pdop.get(name)
        if values is not None and np.isfinite(values).any():
            ax.plot(hours, values, ".", ms=3, color=colour, label=set_label(name))
            plotted = True
    finite = [result.pdop[k] for k in ("R", "C", "R+C") if result.pdop.get(k) is not None]
    pdop_axis(ax, np.concatenate(finite) if finite else [])
    ax.set_ylabel("PDOP (log)")
    ax.set_xlabel(f"hours since {result.time.iso()[0]} GPST")
    ax.set_title("PDOP at epochs with enough usable satellites (one receiver clock per system)")
    if plotted:
        ax.legend(fontsize=8)
    else:  # say so, rather than an empty frame
        ax.text(0.5, 0.5, "no epoch with enough usable R, C or R+C satellites for a PDOP", ha="center",
                va="center", transform=ax.transAxes)
    ax.grid(alpha=0.3, which="both")
    return fig


def _cn0_histogram(result: MoonGnssResult):
    fig, ax = subplots(figsize=(10, 3.6))
    arrived = ~result.earth_occulted & ~result.moon_occulted & result.valid & np.isfinite(result.cn0_dbhz)
    bins = np.arange(0.0, 46.0, 1.0)
    for letter in ("G", "R", "E", "C"):
        values = result.cn0_dbhz[:, result.system == letter][arrived[:, result.system == letter]]
        if values.size:
            ax.hist(values, bins=bins, histtype="step", lw=1.4, label=f"{SYSTEM_NAMES[letter]} ({values.size})")
    ax.axvline(result.cn0_min_dbhz, color="k", ls="--", lw=0.8, label="threshold")
    ax.set_yscale("log")  # side lobes (one level per system) would hide the main-lobe tail
    ax.set_xlabel("C/N0 (dB-Hz)")
    ax.set_ylabel("satellite-epochs (log)")
    ax.set_title("C/N0 of unobstructed signals (main and side lobes) at the receiver")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _pattern_table() -> pd.DataFrame:
    rows = []
    for key, p in PATTERNS.items():
        (t0, e0), (t1, e1) = p.limb_anchor, p.edge_anchor
        rows.append((key, p.signal, p.frequency_hz / 1e6, t0, e0, t1, e1, p.side_lobe_eirp_dbw, p.source))
    return pd.DataFrame(rows, columns=["pattern", "signal", "f (MHz)", "limb θ (deg)", "limb EIRP (dBW)",
                                       "main-lobe edge θ (deg)", "edge EIRP (dBW)", "side-lobe EIRP (dBW)",
                                       "sources"])


def moon_gnss_report(result: MoonGnssResult, path, comparison: list[str] | None = None) -> None:
    """Write the lunar GNSS reception report to ``path``."""
    s = result.summary()
    report = HtmlReport(f"GNSS at the Moon: {result.receiver}")
    report.paragraph(f"Span {s['from_gpst']} – {s['to_gpst']} GPST ({s['epochs']} epochs). Receiver antenna "
                     f"{result.link.rx_gain_dbi:g} dBi towards the Earth, T_sys {result.link.system_noise_temp_k:g} K, "
                     f"losses {result.link.implementation_loss_db:g} dB; usable at C/N0 ≥ {result.cn0_min_dbhz:g} dB-Hz.")
    sets = list(result.counts)
    table = pd.DataFrame({
        "set": sets,
        "fraction ≥ 4 usable": [s["fraction_ge4"][k] for k in sets],
        "… main lobes only": [s["fraction_ge4_main_lobe_only"][k] for k in sets],
        "median usable": [s["median_usable"][k] for k in sets],
        "max usable": [float(s["max_usable"][k]) for k in sets],
        "median GDOP": [np.nan if s["gdop_median"][k] is None else s["gdop_median"][k] for k in sets],
        "median PDOP": [np.nan if s["pdop_median"][k] is None else s["pdop_median"][k] for k in sets],
    })
    report.heading("Availability per system set").table(table, float_format="{:.3f}")
    report.figure(_usable_figure(result), "Usable satellites per epoch for each system set.")
    report.figure(_pdop_figure(result), "PDOP of R, C and R+C; gaps: fewer usable satellites than unknowns.")
    report.heading("Received signal strength")
    report.figure(_cn0_histogram(result), "C/N0 of every signal not blocked by the Earth or the Moon.")
    report.heading("Transmit patterns used")
    report.table(_pattern_table(), float_format="{:.1f}")
    for note in result.notes:
        report.paragraph(note, note=True)
    if comparison:
        report.heading("Comparison with flight results")
        for line in comparison:
            report.paragraph(line)
    report.write(path)
