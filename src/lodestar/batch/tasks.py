"""One Dask task = one station-day: read its files, run ``compare`` for every requested system set
and elevation mask, write its results atomically, return its summary rows.

A task never raises: a bad or truncated file gives ``failed`` rows naming the file and the reason
(``error_kind`` ``input``); an unexpected exception (a bug) gives ``failed`` rows too, marked
``internal`` so that tests and users can tell the two apart. Either way the batch goes on.

Memory: a task holds one station-day at a time. ``benchmarks/bench_batch.py --memory`` measured
one full-day ESBC task (2880 epochs at 30 s, 6 systems, 4 sets x 4 masks) at about 0.7 GiB peak
RSS (693-708 MiB over runs; the imports alone 120-180 MiB); the default worker limit (``run.DEFAULT_MEMORY_LIMIT``, 2 GiB)
leaves room for a day with more satellites or signals. 1 Hz days hold 30x the epochs: raise the
limit (``--memory-limit``) or split them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.compare import compare
from ..errors import DataNotFoundError, LodestarError
from ..frames import ecef_to_geodetic
from ..io.rinex_obs import read_obs
from ..io.sinex import station_position
from ..systems import format_system_set
from .discover import StationDay
from .summary import ROW_COLUMNS, write_day_results

__all__ = ["TaskOptions", "run_station_day", "failed_rows", "skipped_rows", "is_final"]


@dataclass(frozen=True)
class TaskOptions:
    sets: tuple[str, ...]
    masks: tuple[float, ...]
    sinex: tuple  # SINEX tables (lodestar.io.sinex.read_sinex), read once by the client
    out_dir: str
    allow_truncated: bool = False  # use truncated SP3/CLK up to their last complete epoch (io/sp3.py)
    antex: tuple = ()  # paths: phase centres for precise orbits (lodestar.positioning.prepare)
    sinex_paths: tuple = ()  # the SINEX files themselves, as phase-centre sources
    bias: tuple = ()  # Bias-SINEX paths


def run_station_day(day: StationDay, options: TaskOptions) -> list[dict]:
    """Compare all sets for one station-day; write its files; return its summary rows."""
    start = time.perf_counter()
    solutions = None
    try:
        rows, solutions = _compare_day(day, options)
    except LodestarError as exc:
        rows = failed_rows(day, options.sets, str(exc), "input")
    except MemoryError:
        rows = failed_rows(day, options.sets, "out of memory while processing this station-day", "memory")
    except Exception as exc:  # noqa: BLE001 - a bug must not stop a network; the row says it is one
        rows = failed_rows(day, options.sets, f"{type(exc).__name__}: {exc}", "internal")
    elapsed = time.perf_counter() - start
    for row in rows:
        row["elapsed_s"] = elapsed
    if is_final(rows):
        write_day_results(options.out_dir, day.key, rows, solutions)
    return rows


def is_final(rows: list[dict]) -> bool:
    """Results and input errors are final (saved, skipped on resume); bugs and memory exhaustion are
    not (the next run retries them)."""
    return all(row.get("error_kind", "") in ("", "input") for row in rows)


def _base_row(day: StationDay) -> dict:
    return {
        "station": day.station, "marker": day.marker, "date": day.date, "file": day.obs,
        "nav_files": ";".join(day.nav), "sp3_files": ";".join(day.sp3 + day.clk),
    }


def failed_rows(day: StationDay, sets, error: str, kind: str) -> list[dict]:
    """One ``failed`` row per requested set (the whole station-day could not be processed)."""
    return [{**_base_row(day), "systems": format_system_set(s), "status": "failed", "error": error,
             "error_kind": kind} for s in sets]


def skipped_rows(day: StationDay, sets, reason: str) -> list[dict]:
    return [{**_base_row(day), "systems": format_system_set(s), "status": "skipped", "error": reason,
             "error_kind": ""} for s in sets]


def _truth(obs, station: str, sinex: tuple):
    """The station's SINEX position at the middle of the data, or None (error columns stay empty)."""
    if not sinex:
        return None, "none"

    middle = obs["time"].values[obs.sizes["time"] // 2]
    try:
        return np.asarray(station_position(list(sinex), station, middle), dtype=float), "sinex"
    except DataNotFoundError:  # not in these SINEX files: no truth rather than no result
        return None, "none"


def _compare_day(day: StationDay, options: TaskOptions):

    obs = read_obs(day.obs)
    truth, truth_source = _truth(obs, day.station, options.sinex)
    from ..io.precise_files import read_precise_files

    sp3, clk, _ = read_precise_files(day.sp3, day.clk, allow_truncated=options.allow_truncated)
    result = compare(obs, list(day.nav), truth=truth, sets=tuple(options.sets), masks=tuple(options.masks),
                     sp3=sp3, clk=clk, antex=list(options.antex) or None,
                     sinex=list(options.sinex_paths) or None, bias=list(options.bias) or None)
    rows = _rows_from_result(day, result.rows, truth_source, _station_lat_lon(obs, truth))
    return rows, result.solutions


def _station_lat_lon(obs, truth):
    """Where to draw the station on the overview map: truth, else the header's approximate position."""

    xyz = truth if truth is not None else obs.attrs.get("approx_position_m")
    if xyz is None or not np.all(np.isfinite(xyz)) or np.linalg.norm(xyz) < 1e6:
        return np.nan, np.nan
    lat_deg, lon_deg, _ = ecef_to_geodetic(np.asarray(xyz, dtype=float))
    return float(lat_deg), float(lon_deg)


def _rows_from_result(day: StationDay, table: pd.DataFrame, truth_source: str, lat_lon) -> list[dict]:
    rows = []
    for record in table.to_dict("records"):
        row = {**_base_row(day), **{k: v for k, v in record.items() if k in ROW_COLUMNS}}
        status = record.get("status", "ok")
        row["status"] = status
        row["error"] = "" if status == "ok" else str(record.get("reason") or "")
        row["error_kind"] = ""
        row["truth_source"] = truth_source
        row["lat_deg"], row["lon_deg"] = lat_lon
        rows.append(row)
    return rows
