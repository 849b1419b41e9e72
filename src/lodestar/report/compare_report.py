"""The ``lodestar compare`` report: one self-contained HTML page per station and day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.compare import error_enu, improvement_table, solved_mask
from ..analysis.rtklib import RTKLIB_TABLE_HEADERS, rtklib_errors_enu, rtklib_table
from .html import HtmlReport
from .plots import availability_vs_mask, beside_rtklib, day_panels, horizontal_scatter, skyplot

__all__ = ["compare_report", "write_compare_report"]


def _display_table(rows: pd.DataFrame) -> pd.DataFrame:
    table = rows.copy()
    # a no-break space keeps "(1.5 %)" on one line when the column wraps
    table["solved"] = [f"{int(s)}/{int(e)} ({100 * s / e:.1f}\u00a0%)" if e else "—"
                       for s, e in zip(table["epochs_solved"], table["epochs"])]
    table["mask_deg"] = table["mask_deg"].map(lambda m: f"{m:g}")
    table["sats_min"] = table["sats_min"].map(lambda v: "—" if v != v else f"{int(v)}")
    table["sats_median"] = table["sats_median"].map(lambda v: "—" if v != v else f"{v:g}")
    columns = {"systems": "set", "mask_deg": "mask (°)", "solved": "epochs solved", "sats_median": "sats median",
               "sats_min": "sats min", "pdop_median": "PDOP median", "pdop_p95": "PDOP 95 %",
               "rms_h_m": "RMS h (m)", "rms_v_m": "RMS v (m)", "rms3d_m": "RMS 3D (m)",
               "p95_h_m": "95 % h (m)", "p95_v_m": "95 % v (m)", "p95_3d_m": "95 % 3D (m)",
               "max_err_3d_m": "max 3D (m)", "reason": "note"}
    if not table["reason"].fillna("").astype(str).str.strip().any():
        del columns["reason"]  # no set was skipped or went unsolved: no notes to show
    return table[list(columns)].rename(columns=columns)


def _improvement(result) -> pd.DataFrame | None:
    table = improvement_table(result.rows, gains=result.gains)  # RMS change on the epochs both solved
    if table.empty:
        return None
    table = table.rename(columns={"mask_deg": "mask (°)", "over": "R+C over",
                                  "extra_epochs_solved": "extra epochs solved",
                                  "pdop_median_change_pct": "PDOP median change (%)",
                                  "rms3d_change_pct": "RMS 3D change (%)",
                                  "rms3d_change_lo_pct": "95 % interval low (%)",
                                  "rms3d_change_hi_pct": "95 % interval high (%)",
                                  "common_epochs": "common epochs", "common_blocks": "10-min blocks"})
    table["mask (°)"] = table["mask (°)"].map(lambda m: f"{m:g}")
    table["extra epochs solved"] = table["extra epochs solved"].map(lambda v: "—" if v != v else f"{int(v):+d}")
    return table


def _solved(solution) -> np.ndarray:
    return solved_mask(solution)


def _at_mask(result, mask) -> dict:
    """set -> solution at ``mask`` (older results kept only the first mask's)."""
    by_mask = getattr(result, "solutions_by_mask", None) or {}
    found = {name: sol for (name, m), sol in by_mask.items() if m == mask}
    return found or (dict(result.solutions) if mask == result.masks[0] else {})


def _series(solutions):
    series = {}
    for name, solution in solutions.items():
        solved = _solved(solution)
        n_sats = np.where(solved, solution["n_sats"].values.astype(float), 0.0)
        series[name] = (n_sats, np.where(solved, solution["pdop"].values, np.nan))
    return series


def _errors(solutions, truth):
    truth = np.asarray(truth)
    errors = {}
    for name, solution in solutions.items():
        enu = np.where(_solved(solution)[:, None], error_enu(solution, truth), np.nan)
        errors[name] = (enu[:, 0], enu[:, 1], enu[:, 2])
    return errors


def _day_section(report, result, mask, when) -> None:
    """Satellites, PDOP and errors over the data's span at one mask (every mask the tables argue about)."""
    solutions = _at_mask(result, mask)
    if not solutions:
        return
    times = next(iter(solutions.values()))["time"].values
    errors = _errors(solutions, result.truth) if result.truth is not None else None
    report.heading(f"Over the {_span_name(times)} at a {mask:g}° mask")
    what = "satellites used and PDOP" + (", horizontal and vertical error" if errors else "")
    report.figure(day_panels(times, _series(solutions), errors, f"{when}, mask {mask:g}°"),
                  f"Per solved epoch: {what}, per system set (satellites 0 = not solved).")
    if errors and mask == result.masks[0]:
        report.figure(horizontal_scatter(errors, f"Horizontal error, {when}, mask {mask:g}°"),
                      "East/north error of every solved epoch, with the 95 % circle.")


def _span_name(times) -> str:
    hours = (times[-1] - times[0]) / np.timedelta64(1, "h") if len(times) > 1 else 0.0
    return "day" if hours >= 20 else (f"{hours:.1f} h" if hours >= 1 else f"{hours * 60:.0f} min")


def _rtklib_section(report, result, rtklib, when) -> None:
    ours = _at_mask(result, result.masks[0])
    rtklib = {name: rtklib[name] for name in ours if name in rtklib}  # in the report's set order
    table = rtklib_table(ours, rtklib, result.truth)
    if table.empty:
        return
    report.heading("Beside RTKLIB")
    report.paragraph(f"RTKLIB's .pos solutions, moved from the antenna reference point to the marker with the "
                     f"header's antenna height, against the same truth. Lodestar at the {result.masks[0]:g}° mask; "
                     "RMS on the epochs both solved.")
    report.table(table.rename(columns=RTKLIB_TABLE_HEADERS), float_format="{:.2f}")
    errors = _errors(ours, result.truth)
    times = next(iter(ours.values()))["time"].values
    mine = {name: (times, *errors[name]) for name in rtklib}
    theirs = {name: (rtk["time"].values, *rtklib_errors_enu(rtk, result.truth).T) for name, rtk in rtklib.items()}
    report.figure(beside_rtklib(mine, theirs, f"Lodestar and RTKLIB, {when}"),
                  f"Horizontal and vertical error per set: Lodestar at the {result.masks[0]:g}° mask (solid), "
                  "RTKLIB (dashed; its own mask and options, from its configuration).")


def compare_report(result, rtklib: dict | None = None) -> HtmlReport:
    """The HTML report of a :class:`~lodestar.analysis.compare.CompareResult`.

    ``rtklib``: set -> RTKLIB solution (``analysis.rtklib.load_rtklib_solutions``), drawn beside ours.
    """
    first = result.masks[0]
    when = f"{result.station} ({result.marker}), {result.date}"
    report = HtmlReport(f"GLONASS and BeiDou at {when}")
    report.paragraph("Each system set is solved on the same epochs (single-point positioning, broadcast "
                     "ephemerides). An epoch counts as solved when the solver accepts it (status ok, or ok after "
                     "excluding faulty satellites); epochs it refuses are unsolved, never positions.")
    if result.truth is None:
        report.paragraph("No truth position was given: error columns are empty and no error plot is drawn. "
                         "Give --truth X,Y,Z, --truth header or --sinex FILE to measure errors.", note=True)
    else:
        x, y, z = result.truth
        report.paragraph(f"Errors are against {result.truth_source}: X {x:.3f} m, Y {y:.3f} m, Z {z:.3f} m.")
    report.heading("Results per system set and elevation mask")
    report.table(_display_table(result.rows), caption="Higher masks stand in for urban canyons and open-pit mines.")
    improvement = _improvement(result)
    if improvement is not None:
        report.table(improvement, caption="What the pair adds over each system alone: extra epochs solved, then "
                     "PDOP and RMS changes on the epochs both solved (negative changes are improvements).",
                     float_format="{:+.1f}")
    if len(result.masks) > 1:
        report.figure(availability_vs_mask(result.rows, f"Availability against elevation mask, {when}"),
                      "Percentage of epochs solved against the elevation mask, per system set.")
    if result.sky is not None:
        report.heading("Sky")
        report.figure(skyplot(result.sky["azimuth_deg"].values, result.sky["elevation_deg"].values,
                              result.sky["sv"].values, f"Tracked satellites, {when}", mask_deg=first),
                      "Skyplot: north up, azimuth clockwise, centre = zenith, edge = horizon (radius 90° − "
                      "elevation); every 2 min over the day.")
    if rtklib and result.truth is not None:
        _rtklib_section(report, result, rtklib, when)
    for mask in result.masks:
        _day_section(report, result, mask, when)
    return report


def write_compare_report(result, path, rtklib: dict | None = None) -> None:
    compare_report(result, rtklib).write(path)
