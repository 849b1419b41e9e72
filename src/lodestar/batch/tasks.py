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

import json
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.compare import compare
from ..errors import DataNotFoundError, LodestarError
from ..frames import ecef_to_enu, ecef_to_geodetic
from ..io.precise_files import read_precise_files
from ..io.rinex_obs import read_obs
from ..io.sinex import locate_station
from ..output import atomic_path
from ..positioning.ppp import ppp
from ..report.ppp_network import write_ppp_overview
from ..systems import format_system_set
from .discover import StationDay
from .summary import ROW_COLUMNS, to_csv_fixed, write_day_results

__all__ = [
    "PPP_COLUMNS",
    "TaskOptions",
    "day_ppp_path",
    "failed_rows",
    "is_final",
    "run_station_day",
    "skipped_rows",
    "write_ppp_series",
]


@dataclass(frozen=True)
class TaskOptions:
    sets: tuple[str, ...]
    masks: tuple[float, ...]
    sinex: tuple  # SINEX tables (lodestar.io.sinex.read_sinex), read once by the client
    out_dir: str
    allow_truncated: bool = False  # use truncated SP3/CLK up to their last complete epoch (io/sp3.py)
    antex: tuple = ()  # paths: phase centres for precise orbits (lodestar.positioning.prepare)
    sinex_paths: tuple = ()  # the SINEX files themselves, as phase-centre sources (precise orbits, PPP)
    bias: tuple = ()  # Bias-SINEX paths
    ppp: bool = False  # static PPP per set (daily coordinates, sigmas, ZTD) instead of compare
    blq: str | None = None  # ocean-loading coefficients (BLQ) for the PPP
    gradients: bool = False  # PPP: also estimate horizontal tropospheric gradients


def run_station_day(day: StationDay, options: TaskOptions) -> list[dict]:
    """Compare all sets for one station-day; write its files; return its summary rows."""
    start = time.perf_counter()
    solutions = None
    try:
        rows, solutions = _ppp_day(day, options) if options.ppp else _compare_day(day, options)
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
             "error_kind": kind, "warnings": "; ".join(day.notes)} for s in sets]


def skipped_rows(day: StationDay, sets, reason: str) -> list[dict]:
    return [{**_base_row(day), "systems": format_system_set(s), "status": "skipped", "error": reason,
             "error_kind": "", "warnings": "; ".join(day.notes)} for s in sets]


def _truth(obs, station: str, sinex: tuple):
    """The station's SINEX position at the middle of the data, or None (error columns stay empty)."""
    if not sinex:
        return None, "none"

    middle = obs["time"].values[obs.sizes["time"] // 2]
    try:
        position, how = locate_station(list(sinex), station, middle)
        return np.asarray(position, dtype=float), f"sinex ({how})"  # e.g. "sinex (extrapolated 2.3 years ...)"
    except DataNotFoundError:  # not in these SINEX files: no truth rather than no result
        return None, "none"


def _compare_day(day: StationDay, options: TaskOptions):

    obs = read_obs(day.obs)
    truth, truth_source = _truth(obs, day.station, options.sinex)
    sp3, clk, notes = read_precise_files(day.sp3, day.clk, allow_truncated=options.allow_truncated)
    result = compare(obs, list(day.nav), truth=truth, sets=tuple(options.sets), masks=tuple(options.masks),
                     sp3=sp3, clk=clk, antex=list(options.antex) or None,
                     sinex=list(options.sinex_paths) or None, bias=list(options.bias) or None,
                     workers=1)  # a Dask worker is one single-threaded process: the network is the parallelism
    rows = _rows_from_result(day, result.rows, truth_source, _station_lat_lon(obs, truth), result.gains)
    rows = _with_warnings(rows, [*day.notes, *notes])
    return _with_solution_warnings(rows, result.solutions, day.obs), result.solutions


def _with_solution_warnings(rows: list[dict], solutions: dict, obs_path) -> list[dict]:
    """Each set's rows also carry what ``solve`` would say of its solution at the first mask
    (positioning.notes: satellites RAIM kept out, screened observations, navigation records left out ...)."""
    from ..positioning.notes import solution_warnings
    from ..positioning.output import summary

    said = {name: solution_warnings(ds, summary(ds), obs_path) for name, ds in solutions.items()}
    out = []
    for row in rows:
        extra = said.get(row.get("systems"), [])
        text = "; ".join([t for t in (row.get("warnings") or "").split("; ") if t] + extra)
        out.append({**row, "warnings": text})
    return out


def _with_warnings(rows: list[dict], notes: list[str]) -> list[dict]:
    """Every row of the station-day carries its input warnings (e.g. a truncated SP3 used up to its
    last complete epoch under ``--allow-truncated``), so the summary says which results rest on them."""
    text = "; ".join(notes)
    return [{**row, "warnings": text} for row in rows]


def _station_lat_lon(obs, truth):
    """Where to draw the station on the overview map: truth, else the header's approximate position."""

    xyz = truth if truth is not None else obs.attrs.get("approx_position_m")
    if xyz is None or not np.all(np.isfinite(xyz)) or np.linalg.norm(xyz) < 1e6:
        return np.nan, np.nan
    lat_deg, lon_deg, _ = ecef_to_geodetic(np.asarray(xyz, dtype=float))
    return float(lat_deg), float(lon_deg)


def _rows_from_result(day: StationDay, table: pd.DataFrame, truth_source: str, lat_lon,
                      gains: pd.DataFrame | None = None) -> list[dict]:
    rows = []
    common = _rc_gains(gains)
    for record in table.to_dict("records"):
        row = {**_base_row(day), **{k: v for k, v in record.items() if k in ROW_COLUMNS}}
        status = record.get("status", "ok")
        row["status"] = status
        row["error"] = str(record.get("reason") or "")  # an ok row's reason: e.g. why it solved no epoch
        row["error_kind"] = ""
        row["truth_source"] = truth_source
        row["lat_deg"], row["lon_deg"] = lat_lon
        row["rc_gain_common_rms3d_pct"], row["rc_gain_common_pdop_pct"] = common.get(
            (record["systems"], record["mask_deg"]), (np.nan, np.nan))
        rows.append(row)
    return rows


def _rc_gains(gains: pd.DataFrame | None) -> dict:
    """(set, mask) -> R+C's 3D RMS and median PDOP gains (%) over that set on the epochs both solved."""
    if gains is None or not len(gains):
        return {}
    pair = gains[gains["set"] == "R+C"]
    with np.errstate(invalid="ignore", divide="ignore"):
        pdop = 100.0 * (1.0 - pair["pdop_median_common_set"] / pair["pdop_median_common_over"])
    return {(over, mask): (float(rms), float(p))
            for over, mask, rms, p in zip(pair["over"], pair["mask_deg"], pair["gain_common_rms3d_pct"], pdop)}


# ----------------------------------------------------------------------------- PPP (batch --ppp)
#: One row per station-day and system set: the static PPP daily coordinate of the marker (last
#: epoch of the forward static filter), its formal sigmas, the day's mean ZTD, and the error
#: against the SINEX truth where the station is in the SINEX files given.
PPP_COLUMNS = ["station", "date", "systems", "status", "reason", "epochs", "epochs_solved", "x_m", "y_m", "z_m",
               "lat_deg", "lon_deg", "height_m", "sde_m", "sdn_m", "sdu_m", "ztd_mean_m", "ztd_sd_m",
               "error_e_m", "error_n_m", "error_u_m", "error_3d_m", "truth_source", "ocean_loading", "file"]


def day_ppp_path(out_dir, key: str):
    return Path(out_dir) / "days" / f"{key}.ppp.parquet"


def _ppp_day(day: StationDay, options: TaskOptions):
    """Static PPP of every set for one station-day; writes the day's coordinate rows (Parquet)."""
    if not day.sp3:
        raise LodestarError(f"{day.obs}: PPP needs precise orbits and clocks for {day.date} (give --sp3-dir)")
    obs = read_obs(day.obs)
    truth, truth_source = _truth(obs, day.station, options.sinex)
    sp3, clk, notes = _ppp_products(day, options)
    blq, blq_note = _readable_blq(options.blq)
    notes = notes + ([blq_note] if blq_note else [])
    solutions, coordinates = {}, []
    for system_set in options.sets:
        try:
            with warnings.catch_warnings():  # they go in the row's warnings column: not raw on the workers' stderr
                warnings.simplefilter("ignore", UserWarning)
                solution = ppp(obs, sp3=sp3, clk=clk, nav=list(day.nav) or None,
                               systems=system_set, mode="static", mask_deg=min(options.masks),
                               sinex=list(options.sinex_paths) or None, antex=list(options.antex) or None,
                               bias=list(options.bias) or None, blq=blq, gradients=options.gradients)
        except LodestarError as exc:
            coordinates.append({"station": day.station, "date": day.date, "systems": format_system_set(system_set),
                                "status": "failed", "reason": str(exc), "file": day.obs})
            continue
        solutions[format_system_set(system_set)] = solution
        row = _ppp_coordinate_row(day, system_set, solution, truth, truth_source)
        if blq_note:  # not "no BLQ file given": one was, and could not be read
            row["ocean_loading"] = blq_note
        coordinates.append(row)
    frame = pd.DataFrame(coordinates).reindex(columns=PPP_COLUMNS)
    with atomic_path(day_ppp_path(options.out_dir, day.key)) as tmp:
        frame.to_parquet(tmp, index=False)
    rows = [{**_base_row(day), "sp3_files": ";".join(day.sp3 + day.sp3_more + day.clk + day.clk_more),
             "systems": row["systems"], "mask_deg": float(min(options.masks)),
             "status": "ok" if row["status"] == "ok" else "failed", "error": row.get("reason") or "",
             "error_kind": "" if row["status"] == "ok" else "input", "epochs": row.get("epochs"),
             "epochs_solved": row.get("epochs_solved"), "truth_source": truth_source,
             "lat_deg": row.get("lat_deg"), "lon_deg": row.get("lon_deg"),
             "warnings": "; ".join([*day.notes, *_notes_of_set(notes, row["systems"]),
                                    *_solution_warnings(solutions.get(row["systems"]))])}
            for row in coordinates]
    return rows, solutions


_SATELLITE = re.compile(r"\b([GRECJIS])\d{2}\b")


def _readable_blq(path):
    """``(path or None, note or None)``: a BLQ file the PPP can read, or None and why (a damaged BLQ must not
    fail every station-day of a network, most of which it may not even hold: they run without ocean loading,
    and each row says so; a single ``ppp --blq`` refuses it)."""
    if not path:
        return None, None
    from ..io.blq import read_blq

    try:
        read_blq(path)
    except LodestarError as exc:
        return None, f"ocean loading not applied: {exc}"
    return path, None


def _notes_of_set(notes, system_set: str) -> list[str]:
    """The product notes that concern a set: those naming no satellite, or a satellite of its systems (an R row
    does not carry IAC's note on BeiDou clock samples)."""
    letters = set(system_set.replace("+", ""))
    return [n for n in notes if not _SATELLITE.search(n) or letters & set(_SATELLITE.findall(n))]


def _ppp_products(day: StationDay, options: TaskOptions):
    """(SP3 Datasets, CLK Datasets, warnings) of a PPP station-day: the best product line as it is, then
    the day's other lines (discover.ProductIndex.others_for) cut to the systems the best line lacks, so
    BeiDou comes from IAC beside GRG's GPS/GLONASS/Galileo, and a system the best line carries is never
    mixed with another centre's satellites."""
    sp3, clk, notes = read_precise_files(day.sp3, day.clk, allow_truncated=options.allow_truncated)
    if not day.sp3_more:
        return sp3, clk, notes
    have = {str(sv)[0] for ds in sp3 for sv in ds["sv"].values}
    more_sp3, more_clk, more_notes = read_precise_files(day.sp3_more, day.clk_more,
                                                        allow_truncated=options.allow_truncated)
    cut_sp3, cut_clk = _other_systems(more_sp3, have), _other_systems(more_clk, have)
    return sp3 + cut_sp3, ((clk or []) + cut_clk) or None, list(dict.fromkeys(notes + more_notes))


def _other_systems(datasets, have: set) -> list:
    """SP3 / CLK Datasets keeping only the satellites of systems not in ``have`` (empty ones dropped)."""
    out = []
    for ds in datasets or []:
        keep = [i for i, sv in enumerate(ds["sv"].values) if str(sv)[0] not in have]
        if keep:
            out.append(ds.isel(sv=keep))
    return out


def _solution_warnings(solution) -> list[str]:
    """A PPP solution's own warnings (e.g. a receiver antenna without calibration)."""
    if solution is None:
        return []
    value = solution.attrs.get("warnings") or []
    return [str(w) for w in (json.loads(value) if isinstance(value, str) else value)]  # attrs keep lists as JSON


def _ppp_coordinate_row(day: StationDay, system_set: str, solution, truth, truth_source: str) -> dict:
    xyz = np.stack([solution[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)
    solved = np.isfinite(xyz).all(axis=1)
    row = {"station": day.station, "date": day.date, "systems": format_system_set(system_set), "file": day.obs,
           "epochs": int(xyz.shape[0]), "epochs_solved": int(solved.sum()), "truth_source": truth_source,
           "ocean_loading": str(solution.attrs.get("ocean_loading", ""))}
    if not solved.any():
        reasons = solution["reason"].values if "reason" in solution else []
        return {**row, "status": "failed", "reason": str(reasons[-1]) if len(reasons) else "no epoch solved"}
    last = int(np.flatnonzero(solved)[-1])
    ztd = solution["ztd_m"].values[solved] if "ztd_m" in solution else np.array([np.nan])
    lat, lon, height = ecef_to_geodetic(xyz[last])
    row.update(status="ok", reason="", x_m=xyz[last, 0], y_m=xyz[last, 1], z_m=xyz[last, 2], lat_deg=float(lat),
               lon_deg=float(lon), height_m=float(height), ztd_mean_m=float(np.nanmean(ztd)),
               ztd_sd_m=float(np.nanstd(ztd)),
               **{k: float(solution[k].values[last]) if k in solution else np.nan for k in ("sde_m", "sdn_m", "sdu_m")})
    if truth is not None:
        t_lat, t_lon, _ = ecef_to_geodetic(truth)
        enu = ecef_to_enu(xyz[last] - truth, t_lat, t_lon)
        row.update(error_e_m=float(enu[0]), error_n_m=float(enu[1]), error_u_m=float(enu[2]),
                   error_3d_m=float(np.linalg.norm(enu)))
    return row


def write_ppp_series(out_dir) -> dict:
    """The network's PPP time series: daily coordinates (Parquet + CSV) and ZTD per epoch (Parquet)."""
    out_dir = Path(out_dir)
    day_files = sorted((out_dir / "days").glob("*.ppp.parquet"))
    if not day_files:
        return {}
    table = pd.concat([pd.read_parquet(p) for p in day_files], ignore_index=True).reindex(columns=PPP_COLUMNS)
    table = table.sort_values(["station", "systems", "date"], kind="stable", ignore_index=True)
    for column in ("epochs", "epochs_solved"):  # counts stay integers beside failed rows' blanks (not 120.0000)
        table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    paths = {"ppp_coordinates": out_dir / "ppp_coordinates.parquet", "ppp_coordinates_csv": out_dir / "ppp_coordinates.csv"}
    with atomic_path(paths["ppp_coordinates"]) as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(paths["ppp_coordinates_csv"]) as tmp:
        to_csv_fixed(table, tmp)
    ztd = _ztd_series(out_dir, day_files)
    if ztd is not None:
        paths["ppp_ztd"] = out_dir / "ppp_ztd.parquet"
        with atomic_path(paths["ppp_ztd"]) as tmp:
            ztd.to_parquet(tmp, index=False)
        paths["ppp_ztd_csv"] = out_dir / "ppp_ztd.csv"  # as the coordinates: for tools that read no Parquet
        with atomic_path(paths["ppp_ztd_csv"]) as tmp:
            ztd.to_csv(tmp, index=False, float_format="%.4f", date_format="%Y-%m-%dT%H:%M:%S")
    paths["html"] = out_dir / "overview.html"
    write_ppp_overview(paths["html"], table, ztd)
    return paths


def _ztd_series(out_dir, day_files):
    frames = []
    for path in day_files:
        key = path.name[: -len(".ppp.parquet")]
        solutions = path.with_name(f"{key}.solutions.parquet")
        if not solutions.exists():
            continue
        frame = pd.read_parquet(solutions, columns=None)
        if "ztd_m" not in frame:
            continue
        station, date = key.rsplit("_", 1)
        frames.append(frame[["systems", "time_gps", "ztd_m"]].assign(station=station, date=date))
    return pd.concat(frames, ignore_index=True) if frames else None
