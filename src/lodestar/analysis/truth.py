"""The reference (truth) position of a station: given X,Y,Z, SINEX files, or the header's approximation.

Kept apart from :mod:`lodestar.analysis.compare` so that ``lodestar solve --truth`` does not pay
for the comparison machinery (progress bars, reports).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import DataNotFoundError, LodestarError
from ..io.headers import HEADER_TRUTH
from ..io.sinex import locate_station, read_sinex

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
        return np.asarray(approx, dtype=float), HEADER_TRUTH
    if isinstance(truth, tuple) and len(truth) == 2 and truth[0] == "sinex":
        epoch = obs["time"].values[len(obs["time"]) // 2]
        paths = [truth[1]] if isinstance(truth[1], (str, Path)) else list(truth[1])
        tables = [read_sinex(p) for p in paths]  # read once: the position, and which file gave it
        try:
            position, how = locate_station(tables, station, epoch)
        except DataNotFoundError:
            raise DataNotFoundError(f"station {station} is in none of {', '.join(str(p) for p in paths)}",
                                    "name another SINEX file or check the 4-character station code") from None
        return np.asarray(position, dtype=float), f"SINEX ({_nearest_file(paths, tables, station, epoch)}; {how})"
    position = np.asarray(truth, dtype=float).reshape(-1)
    if position.shape != (3,) or not np.all(np.isfinite(position)) or np.linalg.norm(position) < 6.0e6:
        raise LodestarError(f"truth {truth!r} is not an ECEF position X,Y,Z in metres")
    return position, "given X,Y,Z"


def _nearest_file(paths, tables, station: str, epoch) -> str:
    """The name of the SINEX file whose solution of ``station`` is nearest in time to ``epoch`` (several
    files may hold the station; :func:`lodestar.io.sinex.locate_station` says which solutions it used)."""
    when = np.datetime64(epoch, "ns")
    gaps = []
    for path, table in zip(paths, tables):
        rows = table[table["station"] == station.upper()]
        gap = np.abs((rows["epoch"].to_numpy() - when) / np.timedelta64(1, "s")).min() if len(rows) else np.inf
        gaps.append(gap)
    return Path(paths[int(np.argmin(gaps))]).name
