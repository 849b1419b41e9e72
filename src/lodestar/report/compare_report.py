"""The ``lodestar compare`` report: one self-contained HTML page per station and day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .html import HtmlReport
from .plots import availability_vs_mask, error_series, horizontal_scatter, sats_and_pdop, skyplot

__all__ = ["compare_report", "write_compare_report"]


def _display_table(rows: pd.DataFrame) -> pd.DataFrame:
    table = rows.copy()
    table["solved"] = [f"{int(s)}/{int(e)} ({100 * s / e:.1f} %)" if e else "—"
                       for s, e in zip(table["epochs_solved"], table["epochs"])]
    table["mask_deg"] = table["mask_deg"].map(lambda m: f"{m:g}")
    table["sats_min"] = table["sats_min"].map(lambda v: "—" if v != v else f"{int(v)}")
    table["sats_median"] = table["sats_median"].map(lambda v: "—" if v != v else f"{v:g}")
    columns = {"systems": "set", "mask_deg": "mask (°)", "solved": "epochs solved", "sats_median": "sats median",
               "sats_min": "sats min", "pdop_median": "PDOP median", "pdop_p95": "PDOP 95 %",
               "rms_h_m": "RMS h (m)", "rms_v_m": "RMS v (m)", "rms3d_m": "RMS 3D (m)",
               "p95_h_m": "95 % h (m)", "p95_v_m": "95 % v (m)", "p95_3d_m": "95 % 3D (m)",
               "max_err_3d_m": "max 3D (m)", "reason": "note"}
    return table[list(columns)].rename(columns=columns)


def _improvement(result) -> pd.DataFrame | None:
    from ..analysis.compare import improvement_table

    table = improvement_table(result.rows, gains=result.gains)  # RMS change on the epochs both solved
    if table.empty:
        return None
    table = table.rename(columns={"mask_deg": "mask (°)", "over": "R+C over",
                                  "extra_epochs_solved": "extra epochs solved",
                                  "pdop_median_change_pct": "PDOP median change (%)",
                                  "rms3d_change_pct": "RMS 3D change (%)"})
    table["mask (°)"] = table["mask (°)"].map(lambda m: f"{m:g}")
    table["extra epochs solved"] = table["extra epochs solved"].map(lambda v: "—" if v != v else f"{int(v):+d}")
    return table


def _solved(solution) -> np.ndarray:
    from ..analysis.compare import solved_mask

    return solved_mask(solution)


def _series(result):
    series = {}
    for name, solution in result.solutions.items():
        solved = _solved(solution)
        n_sats = np.where(solved, solution["n_sats"].values.astype(float), 0.0)
        series[name] = (n_sats, np.where(solved, solution["pdop"].values, np.nan))
    return series


def _errors(result):
    from ..analysis.compare import error_enu

    truth = np.asarray(result.truth)
    errors = {}
    for name, solution in result.solutions.items():
        enu = np.where(_solved(solution)[:, None], error_enu(solution, truth), np.nan)
        errors[name] = (enu[:, 0], enu[:, 1], enu[:, 2])
    return errors


def compare_report(result) -> HtmlReport:
    """The HTML report of a :class:`~lodestar.analysis.compare.CompareResult`."""
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
        report.table(improvement, caption="What the pair adds over each system alone (negative PDOP / RMS changes "
                     "are improvements).", float_format="{:+.1f}")
    if len(result.masks) > 1:
        report.figure(availability_vs_mask(result.rows, f"Availability against elevation mask, {when}"),
                      "Percentage of epochs solved against the elevation mask, per system set.")
    if result.sky is not None:
        report.heading("Sky")
        report.figure(skyplot(result.sky["azimuth_deg"].values, result.sky["elevation_deg"].values,
                              result.sky["sv"].values, f"Tracked satellites, {when}", mask_deg=first),
                      "Skyplot: north up, azimuth clockwise, centre = zenith, edge = horizon (radius 90° − "
                      "elevation); every 2 min over the day.")
    if result.solutions:
        times = next(iter(result.solutions.values()))["time"].values
        report.heading(f"Over the day at a {first:g}° mask")
        report.figure(sats_and_pdop(times, _series(result), f"Satellites used and PDOP, {when}, mask {first:g}°"),
                      "Satellites used per solved epoch (0 = not solved) and PDOP, per system set.")
        if result.truth is not None:
            errors = _errors(result)
            report.figure(error_series(times, errors, f"Position error, {when}, mask {first:g}°"),
                          "Horizontal and vertical error of solved epochs against the truth.")
            report.figure(horizontal_scatter(errors, f"Horizontal error, {when}, mask {first:g}°"),
                          "East/north error of every solved epoch, with the 95 % circle.")
    return report


def write_compare_report(result, path) -> None:
    compare_report(result).write(path)
