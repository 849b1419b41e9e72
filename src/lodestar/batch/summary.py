"""Batch outputs: per station-day files, the network summary (Parquet + CSV) and its HTML overview.

Layout of ``--out DIR``::

    days/<STATION>_<YYYY-MM-DD>.solutions.parquet   per-epoch solutions of every set (if any)
    days/<STATION>_<YYYY-MM-DD>.rows.parquet        the station-day's summary rows (written last:
                                                    its presence means "done", and resume skips it)
    summary.parquet, summary.csv                    every station-day, one row per set and mask
    overview.html                                   map of the gain of R+C, and the table

Every file is written atomically (temporary file + rename), so an interrupted run leaves either
the previous file or the complete new one, never a part.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds

from ..output import atomic_path
from ..report.network import write_overview

__all__ = ["ROW_COLUMNS", "day_rows_path", "day_solutions_path", "write_day_results", "read_day_rows",
           "network_summary", "write_network_summary"]

COMPARE_COLUMNS = [
    "systems", "mask_deg", "status", "epochs", "epochs_solved", "sats_median", "sats_min",
    "pdop_median", "pdop_p95", "rms_h_m", "rms_v_m", "rms3d_m", "p95_h_m", "p95_v_m", "p95_3d_m",
    "max_err_3d_m",
    # on the R and C rows: R+C's gain over this set on the epochs both solved (analysis.compare.common_epoch_gains),
    # percent, positive = the pair is better: 3D RMS, and median PDOP
    "rc_gain_common_rms3d_pct", "rc_gain_common_pdop_pct",
]
ROW_COLUMNS = [
    "station", "marker", "date", *COMPARE_COLUMNS, "error", "error_kind", "warnings", "file", "nav_files",
    "sp3_files", "truth_source", "lat_deg", "lon_deg", "elapsed_s",
]
_TEXT_COLUMNS = {"station", "marker", "date", "systems", "status", "error", "error_kind", "warnings", "file",
                 "nav_files", "sp3_files", "truth_source"}


def day_rows_path(out_dir, key: str) -> Path:
    return Path(out_dir) / "days" / f"{key}.rows.parquet"


def day_solutions_path(out_dir, key: str) -> Path:
    return Path(out_dir) / "days" / f"{key}.solutions.parquet"


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a table with every summary column, in order, with stable types."""
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    for column in ROW_COLUMNS:
        if column in _TEXT_COLUMNS:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _solutions_frame(solutions: dict) -> pd.DataFrame | None:
    """Every set's per-epoch solutions in one long table (column ``systems`` tells which)."""
    frames = []
    for systems, dataset in solutions.items():
        names = [n for n, v in dataset.data_vars.items() if v.dims == ("time",)]
        frame = dataset[names].to_dataframe().reset_index().rename(columns={"time": "time_gps"})
        for name in names:
            if frame[name].dtype == object:
                frame[name] = frame[name].astype(str)
        frame.insert(0, "systems", systems)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else None


def write_day_results(out_dir, key: str, rows: list[dict], solutions: dict | None) -> None:
    """Solutions first, rows last: the rows file marks the station-day as done."""
    table = _solutions_frame(solutions) if solutions else None
    if table is not None:
        with atomic_path(day_solutions_path(out_dir, key)) as tmp:
            table.to_parquet(tmp, index=False)
    with atomic_path(day_rows_path(out_dir, key)) as tmp:
        rows_frame(rows).to_parquet(tmp, index=False)


def read_day_rows(out_dir, columns=None) -> pd.DataFrame:
    """Every saved station-day's rows, read in one multi-threaded pass (networks have many files)."""
    paths = sorted(str(p) for p in (Path(out_dir) / "days").glob("*.rows.parquet"))
    if not paths:
        return rows_frame([])[columns] if columns else rows_frame([])
    return ds.dataset(paths, format="parquet").to_table(columns=columns).to_pandas()


def network_summary(out_dir, extra_rows: list[dict] = ()) -> pd.DataFrame:
    """Every station-day done in ``out_dir`` (this run and earlier ones), plus rows not saved per day."""
    frames = [frame for frame in [read_day_rows(out_dir)] if len(frame)]
    if extra_rows:
        frames.append(rows_frame(list(extra_rows)))
    if not frames:
        return rows_frame([])
    table = pd.concat(frames, ignore_index=True).reindex(columns=ROW_COLUMNS)
    return table.sort_values(["date", "station", "systems", "mask_deg"], kind="stable", ignore_index=True)


#: Decimals of the CSV files' angles: 1e-9 deg is 0.1 mm on the ground, as the metre columns' 4 decimals
#: (``%.4f`` for every other float: 4 decimals of a degree would be 11 m)
_ANGLE_FORMAT = "%.9f"
ANGLE_COLUMNS = ("lat_deg", "lon_deg")


def to_csv_fixed(table: pd.DataFrame, target, **kwargs) -> None:
    """``table.to_csv(target, index=False, float_format="%.4f")`` with the angles to :data:`_ANGLE_FORMAT`."""
    frame = table.copy()
    for column in ANGLE_COLUMNS:
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
            frame[column] = ["" if v != v else _ANGLE_FORMAT % v for v in values.tolist()]
    frame.to_csv(target, index=False, float_format="%.4f", **kwargs)


#: Counts: integers in the summary files beside the blanks of skipped and failed rows (they read "120.0000")
COUNT_COLUMNS = ("epochs", "epochs_solved", "sats_min")


def write_network_summary(out_dir, table: pd.DataFrame, overview: bool = True) -> dict[str, Path]:
    """summary.parquet, summary.csv and (``overview``) the single-point overview.html of the network."""
    out_dir = Path(out_dir)
    paths = {"parquet": out_dir / "summary.parquet", "csv": out_dir / "summary.csv"}
    if overview:
        paths["html"] = out_dir / "overview.html"
    # the per-day files keep floats (a resumed folder's older files must still read together); the summary not
    counted = table.astype({c: "Int64" for c in COUNT_COLUMNS}) if len(table) else table
    with atomic_path(paths["parquet"]) as tmp:
        counted.to_parquet(tmp, index=False)
    with atomic_path(paths["csv"]) as tmp:
        to_csv_fixed(counted, tmp)
    if overview:
        write_overview(paths["html"], table)
    return paths
