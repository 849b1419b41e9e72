"""The reference (truth) position of a station: given X,Y,Z, SINEX files, or the header's approximation.

Kept apart from :mod:`lodestar.analysis.compare` so that ``lodestar solve --truth`` does not pay
for the comparison machinery (progress bars, reports).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import LodestarError
from ..io.sinex import station_position

__all__ = ["station_names", "resolve_truth"]


def station_names(obs: xr.Dataset) -> tuple[str, str]:
    """(4-character station id, full marker name), from the header or else the file name."""
    marker = str(obs.attrs.get("marker_name") or "").strip()
    if not marker:
        marker = Path(str(obs.attrs.get("path", "UNKN"))).name.split(".")[0]
    return marker[:4].upper(), marker


def resolve_truth(truth, obs: xr.Dataset, station: str) -> tuple[np.ndarray | None, str]:
    """The reference marker position (3,) and where it came from."""
    if truth is None:
        return None, "none"
    if isinstance(truth, str):
        if truth != "header":
            raise LodestarError(f"truth {truth!r}: use 'header', X,Y,Z, or ('sinex', [files])")
        approx = obs.attrs.get("approx_position_m")
        if approx is None or not np.any(np.asarray(approx, dtype=float)):
            raise LodestarError(f"{obs.attrs.get('path', 'observations')}: no APPROX POSITION XYZ in the header "
                                "to use as truth; give --truth X,Y,Z or --sinex FILE")
        return np.asarray(approx, dtype=float), "header APPROX POSITION XYZ (approximate, about 1 m)"
    if isinstance(truth, tuple) and len(truth) == 2 and truth[0] == "sinex":
        epoch = obs["time"].values[len(obs["time"]) // 2]
        paths = [truth[1]] if isinstance(truth[1], (str, Path)) else list(truth[1])
        return np.asarray(station_position(paths, station, epoch), dtype=float), \
            f"SINEX ({', '.join(Path(p).name for p in paths)})"
    position = np.asarray(truth, dtype=float).reshape(-1)
    if position.shape != (3,) or not np.all(np.isfinite(position)) or np.linalg.norm(position) < 6.0e6:
        raise LodestarError(f"truth {truth!r} is not an ECEF position X,Y,Z in metres")
    return position, "given X,Y,Z"
