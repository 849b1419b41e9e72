"""PPP convergence and accuracy: pure functions over solutions (positions per epoch) and a truth.

Convergence (issue #13): the time from the (re)start of the filter until the horizontal error
stays below 0.10 m and the 3D error below 0.20 m for the rest of the segment; ``NaN`` if the
segment never gets there. Epochs without a solution (NaN) neither break nor make convergence.
Accuracy after convergence: RMS of the errors over the epochs after that time. Static daily
error: the error of the last solved epoch of a static run.

Restarts: :func:`segment_index` cuts a day into segments of ``restart_s`` seconds from the first
epoch; the engine (``lodestar.ppp(..., restart_s=)``) resets its filter at the same boundaries,
so every segment is one independent convergence. :func:`restart_statistics` gives per set the
median and 95th percentile of the segment convergence times and :func:`error_envelopes` the
median / 95 % envelopes of the error versus time since (re)start that the HTML report plots.
:func:`run_sets` runs the engine for several system sets (a process pool of ``workers``).
"""

from __future__ import annotations

import json
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..frames import ecef_to_enu, ecef_to_geodetic
from ..positioning.ppp import ppp

__all__ = [
    "HORIZONTAL_LIMIT_M",
    "THREE_D_LIMIT_M",
    "convergence_time_s",
    "dataset_errors",
    "enu_errors_m",
    "minutes_text",
    "error_envelopes",
    "format_table",
    "restart_statistics",
    "run_sets",
    "segment_convergence_s",
    "segment_index",
    "set_summary",
    "solution_summary",
]

HORIZONTAL_LIMIT_M = 0.10  # issue #13: horizontal error below 10 cm ...
THREE_D_LIMIT_M = 0.20  # ... and 3D error below 20 cm, for the rest of the run/segment


def enu_errors_m(xyz_m, truth_xyz_m) -> np.ndarray:
    """East/north/up error (n, 3) of positions (n, 3) against one truth point, in its local frame."""
    xyz = np.asarray(xyz_m, dtype=float).reshape(-1, 3)
    truth = np.asarray(truth_xyz_m, dtype=float).reshape(3)
    lat, lon, _ = ecef_to_geodetic(truth)
    return ecef_to_enu(xyz - truth, lat, lon)


def _horizontal_3d(enu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.hypot(enu[:, 0], enu[:, 1]), np.linalg.norm(enu, axis=1)


def convergence_time_s(seconds, enu_m, horizontal_limit_m: float = HORIZONTAL_LIMIT_M,
                       three_d_limit_m: float = THREE_D_LIMIT_M) -> float:
    """Seconds from ``seconds[0]`` until both errors stay within the limits to the end (NaN: never)."""
    t = np.asarray(seconds, dtype=float)
    enu = np.asarray(enu_m, dtype=float).reshape(-1, 3)
    solved = np.isfinite(enu).all(axis=1)
    if not solved.any():
        return float("nan")
    horizontal, three_d = _horizontal_3d(enu[solved])
    bad = (horizontal >= horizontal_limit_m) | (three_d >= three_d_limit_m)
    if not bad.any():
        return float(t[solved][0] - t[0])
    last_bad = np.flatnonzero(bad)[-1]
    if last_bad == bad.size - 1:
        return float("nan")
    return float(t[solved][last_bad + 1] - t[0])


def solution_summary(seconds, enu_m) -> dict:
    """Final error (E/N/U, 3D), RMS after convergence (E/N/U, 3D), convergence time, epochs solved."""
    t = np.asarray(seconds, dtype=float)
    enu = np.asarray(enu_m, dtype=float).reshape(-1, 3)
    solved = np.isfinite(enu).all(axis=1)
    summary = {"epochs": int(solved.sum()), "final_error_enu_m": None, "final_error_3d_m": float("nan"),
               "rms_enu_m": None, "rms_3d_m": float("nan"), "convergence_s": float("nan")}
    if not solved.any():
        return summary
    last = enu[solved][-1]
    summary["final_error_enu_m"] = [float(v) for v in last]
    summary["final_error_3d_m"] = float(np.linalg.norm(last))
    converged = convergence_time_s(t, enu)
    summary["convergence_s"] = converged
    if np.isfinite(converged):
        after = enu[solved & (t - t[0] >= converged)]
        summary["rms_enu_m"] = [float(v) for v in np.sqrt(np.mean(after**2, axis=0))]
        summary["rms_3d_m"] = float(np.sqrt(np.mean(np.sum(after**2, axis=1))))
    return summary


def segment_index(seconds, restart_s: float | None) -> np.ndarray:
    """Segment number of every epoch: 0 for all without restarts, else floor((t - t0) / restart_s)."""
    t = np.asarray(seconds, dtype=float)
    if restart_s is None or restart_s <= 0:
        return np.zeros(t.size, dtype=int)
    return np.floor((t - t[0]) / restart_s + 1e-9).astype(int)


def segment_convergence_s(seconds, enu_m, restart_s: float | None) -> np.ndarray:
    """Convergence time of every segment (NaN where a segment never converges)."""
    t = np.asarray(seconds, dtype=float)
    enu = np.asarray(enu_m, dtype=float).reshape(-1, 3)
    segments = segment_index(t, restart_s)
    return np.array([convergence_time_s(t[segments == k], enu[segments == k]) for k in np.unique(segments)])


def restart_statistics(seconds, enu_m, restart_s: float | None, *, min_segment_s: float | None = None) -> dict:
    """Per set: median and 95th percentile convergence over segments, RMS after convergence.

    A segment that never converges counts as converging at +infinity (so it raises the
    percentiles honestly); segments shorter than ``min_segment_s`` (default: half a restart
    period, e.g. the day's last partial segment) are left out.
    """
    t = np.asarray(seconds, dtype=float)
    enu = np.asarray(enu_m, dtype=float).reshape(-1, 3)
    segments = segment_index(t, restart_s)
    limit = (0.5 * restart_s if restart_s else 0.0) if min_segment_s is None else min_segment_s
    times, after = [], []
    for k in np.unique(segments):
        in_segment = segments == k
        ts, es = t[in_segment], enu[in_segment]
        if ts[-1] - ts[0] < limit:
            continue
        converged = convergence_time_s(ts, es)
        times.append(np.inf if np.isnan(converged) else converged)
        if np.isfinite(converged):
            kept = es[(ts - ts[0] >= converged) & np.isfinite(es).all(axis=1)]
            after.append(kept)
    times_arr = np.array(times, dtype=float)
    after_arr = np.concatenate(after) if after else np.empty((0, 3))
    return {"segments": int(times_arr.size),
            "converged_segments": int(np.isfinite(times_arr).sum()),
            "median_convergence_s": float(np.median(times_arr)) if times_arr.size else float("nan"),
            "p95_convergence_s": float(np.percentile(times_arr, 95, method="inverted_cdf")) if times_arr.size
            else float("nan"),
            "rms_3d_after_m": float(np.sqrt(np.mean(np.sum(after_arr**2, axis=1)))) if after_arr.size else float("nan"),
            "rms_enu_after_m": [float(v) for v in np.sqrt(np.mean(after_arr**2, axis=0))] if after_arr.size else None,
            "convergence_s": [float(v) for v in times_arr]}


def error_envelopes(seconds, enu_m, restart_s: float | None, bin_s: float = 300.0) -> dict:
    """Median and 95th percentile of horizontal and 3D error versus time since (re)start.

    Epochs are grouped by time since their segment's start in bins of ``bin_s``; each bin's
    statistics run over every segment's epochs in it. Returns arrays: ``time_since_start_s`` (bin
    starts), ``h_median_m``, ``h_p95_m``, ``d3_median_m``, ``d3_p95_m``, ``count``.
    """
    t = np.asarray(seconds, dtype=float)
    enu = np.asarray(enu_m, dtype=float).reshape(-1, 3)
    segments = segment_index(t, restart_s)
    starts = {k: t[segments == k][0] for k in np.unique(segments)}
    since = t - np.array([starts[k] for k in segments])
    solved = np.isfinite(enu).all(axis=1)
    horizontal, three_d = _horizontal_3d(np.where(solved[:, None], enu, 0.0))
    bins = np.floor(since / bin_s).astype(int)
    n_bins = int(bins.max()) + 1 if bins.size else 0
    out = {key: np.full(n_bins, np.nan) for key in ("h_median_m", "h_p95_m", "d3_median_m", "d3_p95_m")}
    out["count"] = np.zeros(n_bins, dtype=int)
    for b in range(n_bins):
        mask = solved & (bins == b)
        out["count"][b] = int(mask.sum())
        if mask.any():
            out["h_median_m"][b], out["h_p95_m"][b] = np.percentile(horizontal[mask], [50, 95])
            out["d3_median_m"][b], out["d3_p95_m"][b] = np.percentile(three_d[mask], [50, 95])
    out["time_since_start_s"] = np.arange(n_bins) * bin_s
    return out


def dataset_errors(solution, truth_xyz_m) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since the first epoch and E/N/U errors of a solution ``Dataset`` (x_m, y_m, z_m)."""
    times = solution["time"].values
    seconds = (times - times[0]) / np.timedelta64(1, "s")
    xyz = np.stack([solution[name].values for name in ("x_m", "y_m", "z_m")], axis=-1)
    return seconds.astype(float), enu_errors_m(xyz, truth_xyz_m)


def set_summary(restarted, static, truth_xyz_m, restart_s: float | None) -> dict:
    """One table row: restart statistics of the restarted (kinematic) run, static daily error."""
    seconds, enu = dataset_errors(restarted, truth_xyz_m)
    row = restart_statistics(seconds, enu, restart_s)
    if static is not None:
        static_seconds, static_enu = dataset_errors(static, truth_xyz_m)
        final = solution_summary(static_seconds, static_enu)
        row["static_error_enu_m"] = final["final_error_enu_m"]
        row["static_error_3d_m"] = final["final_error_3d_m"]
    return row


def _run_one(job: dict):
    mask = job.pop("mask_deg")
    with warnings.catch_warnings():  # each run's warnings are in its attrs: collected once by run_sets
        warnings.simplefilter("ignore", UserWarning)
        return ppp(job.pop("obs"), mask_deg=mask, **job)


def _run_warnings(results: dict) -> list[str]:
    """The runs' warnings (``attrs["warnings"]``), each once, in the order of the runs."""
    seen = []
    for ds in results.values():
        value = ds.attrs.get("warnings") or []
        seen += json.loads(value) if isinstance(value, str) else list(value)
    return list(dict.fromkeys(seen))


def run_sets(obs, sets, *, truth_xyz_m, restart_hours: float | None = 2.0, masks=(7.0, 30.0),
             static: bool = True, workers: int = 2, mode: str = "kinematic", **products) -> dict:
    """Run ``lodestar.ppp`` for every set (``mode`` with restarts at each mask; static once).

    Returns ``{"rows": {set: row}, "envelopes": {(set, mask): envelopes}, "restart_s": ..., "warnings": [...],
    "station": ..., "date": ...}`` (``warnings``: every run's, each once; the runs do not raise them as Python
    warnings; ``station`` the marker name, ``date`` the first epoch's day, for the report's title).
    ``products``: ``sp3=, clk=, nav=, antex=, sinex=, bias=, blq=`` as ``lodestar.ppp`` takes them.
    Jobs run in a process pool of ``workers`` (the engine's filter is one Python loop per run).
    """
    restart_s = restart_hours * 3600.0 if restart_hours else None
    jobs = {}
    for system_set in sets:
        for mask in masks:
            jobs[(system_set, mask, "restarted")] = dict(obs=obs, systems=system_set, mode=mode,
                                                         mask_deg=mask, restart_s=restart_s, **products)
        if static:
            jobs[(system_set, masks[0], "static")] = dict(obs=obs, systems=system_set, mode="static",
                                                          mask_deg=masks[0], **products)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = dict(zip(jobs, pool.map(_run_one, [dict(j) for j in jobs.values()])))
    else:
        results = {key: _run_one(dict(job)) for key, job in jobs.items()}
    rows, envelopes = {}, {}
    for system_set in sets:
        restarted = results[(system_set, masks[0], "restarted")]
        rows[system_set] = set_summary(restarted, results.get((system_set, masks[0], "static")), truth_xyz_m,
                                       restart_s)
        for mask in masks:
            seconds, enu = dataset_errors(results[(system_set, mask, "restarted")], truth_xyz_m)
            envelopes[(system_set, mask)] = error_envelopes(seconds, enu, restart_s)
            if mask != masks[0]:
                rows[system_set][f"median_convergence_s_mask{mask:g}"] = \
                    restart_statistics(seconds, enu, restart_s)["median_convergence_s"]
    first = next(iter(results.values()), None)
    return {"rows": rows, "envelopes": envelopes, "restart_s": restart_s, "masks": tuple(masks), "mode": mode,
            "warnings": _run_warnings(results),
            "station": str(first.attrs.get("marker_name", "") or "") if first is not None else "",
            "date": str(first["time"].values[0])[:10] if first is not None and first.sizes.get("time") else ""}


def minutes_text(value, missing: str = "-") -> str:
    """Seconds as minutes to 0.1 ("never" for +infinity, ``missing`` for none), for the table and the report."""
    if value is None or not np.isfinite(value):
        return "never" if value is not None and np.isinf(value) else missing
    return f"{value / 60.0:.1f}"


def _metres(value) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.3f}"


def format_table(rows: dict) -> list[str]:
    """Markdown table: one row per set (convergence in minutes, errors in metres), and a column per further
    mask with its median convergence (``median_convergence_s_mask30``: the HTML report's and the JSON's)."""
    more = sorted({key for row in rows.values() for key in row if key.startswith("median_convergence_s_mask")},
                  key=lambda k: float(k.removeprefix("median_convergence_s_mask")))
    head = "".join(f" median conv. at {k.removeprefix('median_convergence_s_mask')}° (min) |" for k in more)
    lines = ["| set | segments (converged) | median convergence (min) | 95th pct (min) | 3D RMS after conv. (m) "
             "| static error over the file E/N/U (m) | static 3D (m) |" + head, "|---|---|---|---|---|---|---|"
             + "---|" * len(more)]
    for system_set, row in rows.items():
        enu = row.get("static_error_enu_m")
        enu_text = "-" if enu is None else " / ".join(f"{v:+.3f}" for v in enu)
        static_3d = row.get("static_error_3d_m")
        lines.append(f"| {system_set} | {row['segments']} ({row['converged_segments']}) | "
                     f"{minutes_text(row['median_convergence_s'])} | {minutes_text(row['p95_convergence_s'])} | "
                     f"{_metres(row['rms_3d_after_m'])} | {enu_text} | "
                     f"{_metres(static_3d)} |" + "".join(f" {minutes_text(row.get(k))} |" for k in more))
    return lines
