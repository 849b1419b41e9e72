"""PPP writers: CSV / RTKLIB ``.pos`` (Q = 6) / Parquet / KML / GeoJSON / NMEA per epoch, residuals CSV, the JSON summary."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ...errors import LodestarError
from ...output import atomic_path
from ...time import Time
from .result import accuracy_summary

__all__ = ["CSV_FIRST", "FORMATS", "epoch_frame", "summary", "write_residuals", "write_solution"]

FORMATS = ("csv", "rtklib", "parquet", "kml", "geojson", "nmea")  # as solve's (lodestar.formats)
CSV_FIRST = ["time_gps", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "height_m", "sde_m", "sdn_m", "sdu_m", "ztd_m",
             "n_sats", "status"]
_FIXED = {"x_m": "%.4f", "y_m": "%.4f", "z_m": "%.4f", "height_m": "%.4f", "lat_deg": "%.9f", "lon_deg": "%.9f",
          "ztd_m": "%.4f", "sde_m": "%.4f", "sdn_m": "%.4f", "sdu_m": "%.4f", "ztd_sigma_m": "%.4f",
          "grad_n_m": "%.5f", "grad_e_m": "%.5f", "grad_n_sigma_m": "%.5f", "grad_e_sigma_m": "%.5f"}


def epoch_frame(ds) -> pd.DataFrame:
    """One row per epoch (the per-satellite variables left out), the issue's columns first."""
    per_epoch = ds.drop_dims("sv") if "sv" in ds.dims else ds
    frame = per_epoch.to_dataframe().reset_index()
    frame.insert(0, "time_gps", Time(frame.pop("time").to_numpy()).iso("gpst", "ms"))
    rest = [c for c in frame.columns if c not in CSV_FIRST]
    return frame[CSV_FIRST + rest]


def _csv(frame, path):
    for column in frame.columns:
        if column in _FIXED:
            fmt = _FIXED[column]
            frame[column] = ["" if not math.isfinite(v) else fmt % v for v in frame[column].to_numpy(float).tolist()]
        elif frame[column].dtype.kind == "f":
            frame[column] = ["" if v != v else "%.6g" % v for v in frame[column].to_numpy().tolist()]
    frame.to_csv(path, index=False)


def write_solution(ds, target, fmt: str = "csv", *, pos_format: str = "xyz", origin_xyz=None, inputs=()) -> None:
    """``ds`` written as ``fmt``; ``.pos`` by solve's writer (:func:`lodestar.formats.rtklib_pos.pos_text`:
    Q = 6, RTKLIB's PPP option lines, ``pos_format`` xyz / llh / enu about ``origin_xyz``; ``inputs``: the
    file names of its ``inp file`` lines)."""
    if fmt not in FORMATS:
        raise LodestarError(f"unknown output format {fmt!r}; use {', '.join(FORMATS)}")
    if fmt == "rtklib":
        from ...formats.rtklib_pos import pos_text

        text = pos_text(ds, pos_format, origin_xyz, inputs)  # checked (and built) before the file is opened
    with atomic_path(target) as tmp:
        if fmt == "csv":
            _csv(epoch_frame(ds), tmp)
        elif fmt == "rtklib":
            tmp.write_bytes(text.encode())
        elif fmt == "parquet":
            epoch_frame(ds).to_parquet(tmp, index=False)
        else:  # tracks and NMEA: the same writers as solve's, solved (converged / converging) epochs
            from ...formats.nmea import nmea_text
            from ...formats.tracks import geojson_text, kml_text

            tmp.write_bytes({"kml": kml_text, "geojson": geojson_text, "nmea": nmea_text}[fmt](ds).encode())


def write_residuals(ds, target, fmt: str = "csv") -> None:
    """time_gps, sv, elevation/azimuth (deg), post-fit code and phase residuals and ambiguity (m); ``fmt``
    ``csv`` or ``parquet``."""
    if fmt not in ("csv", "parquet"):
        raise LodestarError(f"residuals are written as csv or parquet, not {fmt!r}")
    names = ["elevation_deg", "azimuth_deg", "code_residual_m", "phase_residual_m", "ambiguity_m"]
    frame = ds[names].to_dataframe().reset_index()
    frame = frame[np.isfinite(frame["code_residual_m"]) | np.isfinite(frame["phase_residual_m"])]
    frame.insert(0, "time_gps", Time(frame.pop("time").to_numpy()).iso("gpst", "ms"))
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, float_format="%.4f")


def _attr(ds, name):
    value = ds.attrs.get(name)
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def summary(ds, truth=None) -> dict:
    """The ``--json`` keys of issue #13 (and provenance, warnings, statuses)."""
    status = ds["status"].values
    solved = np.isin(status, ("converged", "converging")) & np.isfinite(ds["x_m"].values)
    last = np.flatnonzero(solved)
    final = [float(ds[k].values[last[-1]]) for k in ("x_m", "y_m", "z_m")] if last.size else None
    out = {"systems": ds.attrs.get("systems"), "mode": ds.attrs.get("mode"), "epochs": int(status.size),
           "solved": int(solved.sum()), "final_position_m": final}
    if truth is not None:
        out.update(accuracy_summary(ds, truth))
    if "grad_n_m" in ds and last.size:  # with gradients estimated: the last solved epoch's G_N, G_E (m)
        out["final_gradient_ne_m"] = [float(ds[k].values[last[-1]]) for k in ("grad_n_m", "grad_e_m")]
    out.update({
        "systems_used": ds.attrs.get("systems_used"),  # the asked systems that had usable satellites
        "direction": ds.attrs.get("direction"), "mask_deg": ds.attrs.get("mask_deg"),
        "selection": ds.attrs.get("selection", "all observations"),
        "status_counts": {s: int((status == s).sum()) for s in ("converged", "converging", "insufficient", "failed")},
        "final_sigma_enu_m": [float(ds[k].values[last[-1]]) for k in ("sde_m", "sdn_m", "sdu_m")] if last.size else None,
        "final_ztd_m": float(ds["ztd_m"].values[last[-1]]) if last.size else None,
        "gradients": bool(ds.attrs.get("gradients", False)),
        "ztd_psd_m2_per_h": ds.attrs.get("ztd_psd_m2_per_h"), "ambiguity_psd_m2_per_h": ds.attrs.get("ambiguity_psd_m2_per_h"),
        "receiver_antenna": ds.attrs.get("receiver_antenna"), "receiver_antenna_source": ds.attrs.get("receiver_antenna_source"),
        "receiver_antenna_note": ds.attrs.get("receiver_antenna_note"), "ocean_loading": ds.attrs.get("ocean_loading"),
        "satellite_antenna_sources": _count_sources(_attr(ds, "satellite_antennas")),
        "precise_products": _attr(ds, "precise_products"), "signals": _attr(ds, "signals"),
        "bds3_signals": ds.attrs.get("bds3_signals"), "inter_signal_bias_m": _attr(ds, "inter_signal_bias_m"),
        "code_bias_corrections": _attr(ds, "code_bias_corrections") or None,
        "slips": _attr(ds, "slip_reasons"), "unused_cells": _attr(ds, "unused_reasons"),
        "rejected_observations": ds.attrs.get("rejected_observations"), "warnings": _attr(ds, "warnings") or [],
    })
    return out


def _count_sources(provenance) -> dict:
    counts: dict = {}
    for info in (provenance or {}).values():
        counts[info.get("source", "none")] = counts.get(info.get("source", "none"), 0) + 1
    return counts
