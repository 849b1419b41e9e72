"""The PPP complementarity report: convergence per system set, one self-contained HTML page.

Input: what :func:`lodestar.analysis.ppp_convergence.run_sets` returns (table rows per set and the
error envelopes per set and mask). Per mask, one figure with the horizontal and 3D error versus
time since (re)start, median (solid) and 95 % envelope (dashed) per set, the convergence limits
drawn; then the table. Plots are embedded PNGs (``report.html``): nothing is fetched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.ppp_convergence import HORIZONTAL_LIMIT_M, THREE_D_LIMIT_M, minutes_text
from .figures import subplots
from .html import HtmlReport
from .plots import set_colour, set_label

__all__ = ["envelope_figure", "ppp_report", "write_ppp_report"]

def envelope_figure(envelopes: dict, mask_deg: float, title: str):
    """Horizontal and 3D error versus time since (re)start: median and 95 % per set, log scale."""
    from matplotlib.lines import Line2D

    fig, axes = subplots(1, 2, figsize=(11, 4.6), sharey=True)
    handles = []
    for (system_set, mask), env in envelopes.items():
        if mask != mask_deg:
            continue
        minutes = (env["time_since_start_s"] + 0.5 * _bin_s(env)) / 60.0
        colour = set_colour(system_set)  # the colours of compare's report
        for ax, key in ((axes[0], "h"), (axes[1], "d3")):
            ax.plot(minutes, env[f"{key}_median_m"], color=colour, lw=1.8)
            ax.plot(minutes, env[f"{key}_p95_m"], color=colour, lw=1.0, ls="--")
        handles.append(Line2D([], [], color=colour, lw=1.8, label=set_label(system_set)))
    for ax, limit, name in ((axes[0], HORIZONTAL_LIMIT_M, "Horizontal"), (axes[1], THREE_D_LIMIT_M, "3D")):
        ax.axhline(limit, color="black", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_xlabel("time since (re)start (min)")
        ax.set_title(f"{name} error (limit {limit:.2f} m dotted)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("error (m)")
    # one legend below both panels, outside the curves: a colour per set, a line style per statistic
    handles += [Line2D([], [], color="black", lw=1.8, label="median"),
                Line2D([], [], color="black", lw=1.0, ls="--", label="95th percentile"),
                Line2D([], [], color="black", lw=0.8, ls=":", label="convergence limit")]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)
    fig.suptitle(title)
    rows = -(-len(handles) // 4)
    fig.tight_layout(rect=(0, 0.045 * rows + 0.02, 1, 1))
    return fig


def _bin_s(env) -> float:
    t = env["time_since_start_s"]
    return float(t[1] - t[0]) if len(t) > 1 else 0.0


def _table(rows: dict, masks) -> pd.DataFrame:
    records = []
    for system_set, row in rows.items():
        enu = row.get("static_error_enu_m") or [np.nan] * 3
        record = {"set": system_set, "segments (converged)": f"{row['segments']} ({row['converged_segments']})",
                  "median convergence (min)": minutes_text(row["median_convergence_s"], "–"),
                  "95th pct convergence (min)": minutes_text(row["p95_convergence_s"], "–"),
                  "3D RMS after convergence (m)": row["rms_3d_after_m"],
                  "static E (m)": enu[0], "static N (m)": enu[1], "static U (m)": enu[2],
                  "static 3D (m)": row.get("static_error_3d_m", np.nan)}
        for mask in masks[1:]:
            record[f"median convergence at {mask:g}° (min)"] = minutes_text(
                row.get(f"median_convergence_s_mask{mask:g}"), "–")
        records.append(record)
    return pd.DataFrame.from_records(records)


def ppp_report(result: dict, *, station: str = "", date: str = "") -> HtmlReport:
    """The HTML report of :func:`~lodestar.analysis.ppp_convergence.run_sets`'s result."""
    when = ", ".join(part for part in (station, date) if part)
    restart = result.get("restart_s")
    report = HtmlReport(f"PPP convergence per system set{(' — ' + when) if when else ''}")
    mode = str(result.get("mode", "kinematic")).capitalize()
    report.paragraph(f"{mode} float PPP (causal, forward filter) restarted every {restart / 3600.0:g} h"
                     if restart else f"{mode} float PPP (causal, forward filter), one run")
    report.paragraph(
        f"Converged: horizontal error below {HORIZONTAL_LIMIT_M:.2f} m and 3D error below {THREE_D_LIMIT_M:.2f} m "
        "for the rest of the segment. A segment that never converges counts as +infinity in the percentiles. "
        "Static daily error: the last epoch of a static run over the whole file.")
    masks = result.get("masks", (7.0,))
    report.heading("Convergence and accuracy per system set")
    report.table(_table(result["rows"], masks), float_format="{:.3f}",
                 caption=f"Mask {masks[0]:g}° unless stated; errors against the truth coordinate.")
    for mask in masks:
        report.heading(f"Error versus time since (re)start, {mask:g}° mask")
        report.figure(envelope_figure(result["envelopes"], mask, f"PPP error since (re)start, mask {mask:g}°"
                                      + (f", {when}" if when else "")),
                      f"Median (solid) and 95th percentile (dashed) over all segments, per set, {mask:g}° mask; "
                      "dotted: the convergence limits.")
    return report


def write_ppp_report(result: dict, path, **labels) -> None:
    ppp_report(result, **labels).write(path)
