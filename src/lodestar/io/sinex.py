"""SINEX station coordinates (``SOLUTION/ESTIMATE``) and a station's position at any epoch.

>>> table = read_sinex("igs20P2131_wocov.snx")
>>> station_position(["igs20P2131_wocov.snx"], "WTZR", "2020-06-25T12:00:00")

One row per station, point code and solution: ``station, point, solution, epoch`` (reference
epoch, ``datetime64[ns]``), ``x_m, y_m, z_m`` with ``sigma_x_m..``, and ``vx_mps, vy_mps,
vz_mps`` (SINEX m/y -> m/s) where the file has ``VELX/VELY/VELZ`` (else NaN). Coordinates are
of the marker. Format: SINEX 2.02 (IERS, 2006), section SOLUTION/ESTIMATE:
``1X,I5,1X,A6,1X,A4,1X,A2,1X,A4,1X,A12,1X,A4,1X,A1,1X,E21.15,1X,E11.6``.
SINEX epochs (``YY:DDD:SSSSS``) are taken as GPS time: a few seconds do not move a station.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataNotFoundError, FormatError, LodestarError
from ..time import Time
from ._columns import Line, number
from .compression import read_bytes

__all__ = ["read_sinex", "station_position"]

_YEAR_S = 365.25 * 86400.0  # SINEX velocities are per (Julian) year
_COLUMNS = ["station", "point", "solution", "epoch", "x_m", "y_m", "z_m", "sigma_x_m", "sigma_y_m",
            "sigma_z_m", "vx_mps", "vy_mps", "vz_mps", "line"]
_PARAMETERS = {"STAX": "x_m", "STAY": "y_m", "STAZ": "z_m", "VELX": "vx_mps", "VELY": "vy_mps", "VELZ": "vz_mps"}


def read_sinex(path, *, content: bytes | None = None) -> pd.DataFrame:
    """Station coordinates (and velocities) of a SINEX file's SOLUTION/ESTIMATE block."""
    if content is None:
        content = read_bytes(path)
    lines = content.decode("latin-1").split("\n")
    if not lines[0].startswith("%=SNX"):
        raise FormatError(path, 1, "a SINEX first line '%=SNX'", lines[0].rstrip() or "an empty file")
    start = next((i for i, text in enumerate(lines) if text.startswith("+SOLUTION/ESTIMATE")), None)
    if start is None:
        raise FormatError(path, None, "a +SOLUTION/ESTIMATE block", "none")
    rows: dict[tuple, dict] = {}
    for index in range(start + 1, len(lines)):
        text = lines[index].rstrip("\r")
        if text.startswith("-SOLUTION/ESTIMATE"):
            return _table(rows)
        if text.startswith("*") or not text.strip():
            continue
        _estimate(path, Line(index + 1, text), rows)
    raise FormatError(path, len(lines), "the end of the block '-SOLUTION/ESTIMATE'", "end of file")


def _estimate(path, line: Line, rows: dict) -> None:
    text = line.text
    kind = text[7:13].strip()
    if kind not in _PARAMETERS:
        return  # Earth orientation, satellite or bias parameters: not station coordinates
    station, point, solution = text[14:18].strip(), text[19:21].strip(), text[22:26].strip()
    unit = text[40:44].strip()
    value = number(path, line, 47, 68, f"{kind} estimate")
    sigma = number(path, line, 69, 80, f"{kind} standard deviation")
    aligned = text[46:47] == " " and text[68:69] in (" ", "")  # a shifted line would be misread
    if value != value or not station or not aligned:
        raise FormatError(path, line.number, f"a station code and {kind} value in a SOLUTION/ESTIMATE line",
                          text.rstrip())
    expected_unit = "m" if kind.startswith("STA") else "m/y"
    if unit != expected_unit:
        raise FormatError(path, line.number, f"unit {expected_unit!r} for {kind}", unit)
    row = rows.setdefault((station, point, solution), {"station": station, "point": point, "solution": solution,
                                                      "epoch": _epoch(path, line), "line": line.number})
    name = _PARAMETERS[kind]
    if kind.startswith("VEL"):
        row[name] = value / _YEAR_S
    else:
        row[name] = value
        row["sigma_" + name] = sigma


def _epoch(path, line: Line) -> np.datetime64:
    """``YY:DDD:SSSSS`` (SINEX 2.02 1.3: YY <= 50 -> 20YY, else 19YY)."""
    text = line.text[27:39]
    try:
        year, day, seconds = (int(part) for part in text.split(":"))
        if not (0 <= year <= 99 and 1 <= day <= 366 and 0 <= seconds <= 86400):
            raise ValueError
    except ValueError:
        raise FormatError(path, line.number, "a reference epoch YY:DDD:SSSSS in columns 28-39", text) from None
    year += 2000 if year <= 50 else 1900
    start = np.datetime64(f"{year:04d}-01-01", "ns")
    return start + np.timedelta64(day - 1, "D") + np.timedelta64(seconds, "s")


def _table(rows: dict) -> pd.DataFrame:
    table = pd.DataFrame(list(rows.values()), columns=_COLUMNS)
    table["epoch"] = table["epoch"].astype("datetime64[ns]")
    table = table.dropna(subset=["x_m", "y_m", "z_m"], how="any")  # velocity-only rows are not positions
    return table.sort_values(["station", "point", "solution"], kind="stable").reset_index(drop=True)


def station_position(paths, station: str, epoch) -> np.ndarray:
    """The marker's ECEF position (m, (3,)) at ``epoch`` from one or several SINEX files.

    With velocities: the solution nearest in time is moved to ``epoch``. Without: linear
    interpolation between the two solutions around ``epoch``, else the nearest solution.
    ``epoch``: a :class:`~lodestar.time.Time`, ``datetime64`` or ISO text (GPS time).
    ``paths`` may also hold tables already returned by :func:`read_sinex`.
    """
    if isinstance(paths, (str, bytes, pd.DataFrame)) or not hasattr(paths, "__iter__"):
        paths = [paths]
    when = epoch.gpst if isinstance(epoch, Time) else np.datetime64(epoch, "ns")
    table = pd.concat([p if isinstance(p, pd.DataFrame) else read_sinex(p) for p in paths], ignore_index=True)
    rows = table[table["station"] == station.upper()]
    if rows.empty:
        names = ", ".join("<table>" if isinstance(p, pd.DataFrame) else str(p) for p in paths)
        raise DataNotFoundError(f"station {station} is in none of {names}",
                                "name another SINEX file or check the 4-character station code")
    rows = rows[rows["point"] == rows["point"].iloc[0]]
    seconds = (rows["epoch"].to_numpy() - np.datetime64(when, "ns")) / np.timedelta64(1, "s")
    xyz = rows[["x_m", "y_m", "z_m"]].to_numpy()
    velocity = rows[["vx_mps", "vy_mps", "vz_mps"]].to_numpy()
    nearest = int(np.argmin(np.abs(seconds)))
    if np.isfinite(velocity[nearest]).all():
        return xyz[nearest] - velocity[nearest] * seconds[nearest]
    return _interpolate(seconds, xyz, nearest)


def _interpolate(seconds: np.ndarray, xyz: np.ndarray, nearest: int) -> np.ndarray:
    before = np.flatnonzero(seconds <= 0)
    after = np.flatnonzero(seconds > 0)
    if before.size == 0 or after.size == 0:
        return xyz[nearest]
    i = before[np.argmax(seconds[before])]
    j = after[np.argmin(seconds[after])]
    if seconds[i] == 0:
        return xyz[i]
    if seconds[j] - seconds[i] <= 0:
        raise LodestarError("two solutions with the same epoch cannot be interpolated")
    weight = -seconds[i] / (seconds[j] - seconds[i])
    return xyz[i] + weight * (xyz[j] - xyz[i])
