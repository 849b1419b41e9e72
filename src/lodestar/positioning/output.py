"""Writers of a solution Dataset: CSV, Parquet, and (``lodestar.formats``) RTKLIB ``.pos``
(xyz/llh/enu), KML, GeoJSON, NMEA GGA; and the run summary.

CSV and Parquet keep every epoch (unsolved ones with empty coordinates). The ``.pos``, KML and
GeoJSON hold the solved epochs (``ok``/``fde``) only, as RTKLIB's own files do, so RTKPLOT reads
the ``.pos`` unchanged; NMEA has a sentence per epoch (quality 0 when unsolved).
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pandas as pd

from ..errors import LodestarError
from ..formats import FORMATS, format_for_path
from ..formats.nmea import nmea_text
from ..formats.rtklib_pos import pos_text
from ..output import atomic_path
from ..time import Time
from .accuracy import error_statistics
from .result import SOLVED_STATUSES, STATUSES

__all__ = ["to_dataframe", "write_solution", "summary", "accuracy", "main_reason"]

CSV_FIRST = ["time_gps", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "height_m", "n_sats", "pdop", "status", "excluded"]


def to_dataframe(ds) -> pd.DataFrame:
    """One row per epoch, ``time_gps`` ISO 8601 (GPST, no zone) first, then the issue's columns."""
    frame = ds.to_dataframe().reset_index()
    frame.insert(0, "time_gps", Time(frame.pop("time").to_numpy()).iso("gpst", "ms"))
    rest = [c for c in frame.columns if c not in CSV_FIRST]
    return frame[CSV_FIRST + rest]


_CSV_FORMATS = {"x_m": "%.4f", "y_m": "%.4f", "z_m": "%.4f", "height_m": "%.4f", "lat_deg": "%.9f", "lon_deg": "%.9f",
                **dict.fromkeys(("sdx_m", "sdy_m", "sdz_m", "sdxy_m", "sdyz_m", "sdzx_m", "sde_m", "sdn_m", "sdu_m"),
                                "%.4f")}


def _write_csv(ds, path):
    """Coordinates as fixed decimals (empty when not finite), other floats ``%.6g`` (empty when NaN).

    Every float column is formatted here, in one list comprehension each, and the rows go to the
    ``csv`` module's writer with pandas' ``to_csv`` dialect (the module pandas writes with:
    minimal quoting, ``\n``): the same bytes as ``frame.to_csv(path, index=False, na_rep="")`` in
    ~half the time (pandas first stored the formatted text as Arrow strings, then re-read it).
    """
    frame = to_dataframe(ds)
    columns = []
    for column in frame.columns:
        values = frame[column].to_numpy()
        if column in _CSV_FORMATS:
            fmt = _CSV_FORMATS[column]
            columns.append(["" if not math.isfinite(v) else fmt % v for v in values.tolist()])
        elif values.dtype.kind == "f":  # what to_csv(float_format="%.6g", na_rep="") writes
            columns.append(["" if v != v else "%.6g" % v for v in values.tolist()])
        elif values.dtype.kind in "iub":
            columns.append(values.tolist())
        else:  # text: a missing value (None / NaN) is na_rep ""
            columns.append(["" if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows(zip(*columns))


def write_solution(ds, target, fmt: str | None = None, *, pos_format: str = "xyz", origin_xyz=None) -> None:
    """Write ``ds`` to ``target`` atomically.

    ``fmt``: ``csv``, ``rtklib`` (``.pos``), ``parquet``, ``kml``, ``geojson``, ``nmea``; None (the
    default) takes it from the suffix of ``target`` (:func:`lodestar.formats.format_for_path`:
    ``.csv .pos .parquet .kml .geojson .nmea``, any other suffix refused). ``pos_format``: the
    ``.pos`` layout, ``xyz`` / ``llh`` / ``enu``; ``origin_xyz``: the origin of ``enu`` (ECEF m;
    default the first solved epoch).
    """
    fmt = fmt or format_for_path(target)
    if fmt not in FORMATS:
        raise LodestarError(f"unknown output format {fmt!r}; use {', '.join(FORMATS)}")
    if fmt == "rtklib":
        text = pos_text(ds, pos_format, origin_xyz)  # checked (and built) before the file is opened
    with atomic_path(target) as tmp:
        if fmt == "csv":
            _write_csv(ds, tmp)
        elif fmt == "rtklib":
            tmp.write_bytes(text.encode())
        elif fmt == "parquet":
            to_dataframe(ds).to_parquet(tmp, index=False)
        else:
            tmp.write_bytes(_track_text(ds, fmt).encode())


def _track_text(ds, fmt: str) -> str:
    from ..formats.tracks import geojson_text, kml_text  # xml.sax.saxutils pulls in urllib, http, ssl: ~10 ms

    if fmt == "kml":
        return kml_text(ds)
    if fmt == "geojson":
        return geojson_text(ds)
    return nmea_text(ds)


def summary(ds, truth_xyz=None) -> dict:
    """Run summary for ``--json``: epochs, solved, statuses and, given a truth, H/V/3D statistics."""
    status = ds["status"].values
    out = {
        "systems": ds.attrs.get("systems"), "mask_deg": ds.attrs.get("mask_deg"), "iono": ds.attrs.get("iono"),
        "epochs": int(status.size), "solved": int(np.isin(status, SOLVED_STATUSES).sum()),
        "status_counts": {s: int((status == s).sum()) for s in STATUSES},
        "mean_sats": float(np.nanmean(np.where(np.isin(status, SOLVED_STATUSES), ds["n_sats"].values, np.nan)))
        if np.isin(status, SOLVED_STATUSES).any() else None,
        "median_pdop": float(np.nanmedian(ds["pdop"].values)) if np.isfinite(ds["pdop"].values).any() else None,
        "iono_models": _json_attr(ds, "iono_models"), "noise_factor": _json_attr(ds, "noise_factor"),
        "code_bias_m": _json_attr(ds, "code_bias_m"), "input_notes": _json_attr(ds, "input_notes") or {},
        "persistent_fault_epochs": _json_attr(ds, "persistent_fault_epochs") or {},
        "observed_without_orbit": _json_attr(ds, "observed_without_orbit") or {},
    }
    if truth_xyz is not None:
        out["accuracy"] = accuracy(ds, truth_xyz)
    return out


def _json_attr(ds, name):
    value = ds.attrs.get(name)
    return json.loads(value) if isinstance(value, str) else value


def accuracy(ds, truth_xyz) -> dict:
    """Horizontal / vertical / 3D RMS and 95th percentile (m) of solved epochs against ``truth_xyz``.

    ``positioning.accuracy.error_statistics`` (one implementation with ``compare``): the keys
    ``solve --json`` always had (``h_rms_m``, ``rms_3d_m``...) and compare's spellings as aliases;
    None where no epoch was solved.
    """
    stats = error_statistics(ds, truth_xyz)
    return {key: (None if isinstance(value, float) and not math.isfinite(value) else value)
            for key, value in stats.items()}


def main_reason(ds) -> str:
    """The reason most unsolved epochs give (their CSV ``reason``), with how many give it (solve, ppp, compare)."""
    from collections import Counter

    reasons = Counter(r for r in ds["reason"].values.astype(str) if r) if "reason" in ds else Counter()
    if not reasons:
        return "no reason recorded"
    text, count = reasons.most_common(1)[0]
    return f"{count} of {ds.sizes['time']} epochs say '{text}'"
