"""RTKLIB solution files (``.pos``) read back: the ``xyz`` and ``llh`` layouts of RTKLIB 2.4.3.

Layout (RTKLIB ``outsolheads`` / ``outecef`` / ``outpos``, solution.c): ``%`` header lines, the
last of which names the columns; then one line per epoch: time (``2020/06/25 00:00:30.000`` with
``out-timeform = hms``, or ``2111 345630.000`` GPS week and seconds), then either ``x-ecef(m)
y-ecef(m) z-ecef(m)`` or ``latitude(deg) longitude(deg) height(m)`` (ellipsoidal, WGS 84), then
``Q`` (1 fix ... 5 single, 6 ppp) and ``ns`` (satellites). The time system is the column title's
first word (``GPST`` or ``UTC``). The position is wherever RTKLIB solved for: the antenna
reference point unless its configuration gave antenna deltas (see :func:`reduce_to_marker`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import FormatError
from ..frames import ecef_to_geodetic, enu_matrix, geodetic_to_ecef
from ..time import Time
from .compression import read_bytes

__all__ = ["read_rtklib_pos", "reduce_to_marker"]

_LAYOUTS = {"x-ecef(m)": "xyz", "latitude(deg)": "llh"}


def _column_title(lines: list[str], path) -> tuple[int, str, str]:
    """(line index, layout, time system) of the ``%  GPST  x-ecef(m) ...`` title line."""
    for index, line in enumerate(lines):
        if not line.startswith("%"):
            break
        words = line[1:].split()
        for word, layout in _LAYOUTS.items():
            if word in words and words[0] in ("GPST", "UTC"):
                return index, layout, words[0]
        if "latitude(d'\")" in line:
            raise FormatError(path, index + 1, "latitudes in degrees (RTKLIB out-degform = deg)", "d'\" (dms)")
    raise FormatError(path, None, "an RTKLIB .pos column title ('%  GPST  x-ecef(m) ...' or "
                      "'%  GPST  latitude(deg) ...')", "none")


def _times(fields: list[list[str]], system: str, path, first_line: int) -> Time:
    if "/" in fields[0][0]:  # hms: 2020/06/25 00:00:30.000
        text = [f"{f[0].replace('/', '-')}T{f[1]}" for f in fields]
        try:
            return Time.from_iso(text, scale=system.lower())
        except (ValueError, TypeError):
            raise FormatError(path, first_line, "times as YYYY/MM/DD hh:mm:ss.sss", fields[0][0]) from None
    try:
        week = np.array([int(f[0]) for f in fields])
        sow = np.array([float(f[1]) for f in fields])
    except ValueError:
        raise FormatError(path, first_line, "times as YYYY/MM/DD hh:mm:ss or GPS week and seconds",
                          " ".join(fields[0][:2])) from None
    return Time.from_week_sow(week, sow, "gpst")


def read_rtklib_pos(path, content: bytes | None = None) -> xr.Dataset:
    """An RTKLIB ``.pos`` file as a Dataset over ``time`` (GPST): ``x_m, y_m, z_m`` (ECEF),
    ``quality`` (RTKLIB Q), ``n_sats``; attrs ``layout`` (xyz/llh), ``time_system``, ``path``."""
    path = Path(path)
    text = (read_bytes(path) if content is None else content).decode("latin-1")
    lines = text.replace("\r", "").split("\n")
    title, layout, system = _column_title(lines, path)
    records = [(n, line.split()) for n, line in enumerate(lines[title + 1:], title + 2)
               if line.strip() and not line.startswith("%")]
    if not records:
        raise FormatError(path, None, "solution lines after the column title", "none")
    numbers, fields = [n for n, _ in records], [f for _, f in records]
    width = 2  # both time forms are two words
    bad = next((n for n, f in zip(numbers, fields) if len(f) < width + 5), None)
    if bad is not None:
        raise FormatError(path, bad, "time, three coordinates, Q and ns", lines[bad - 1].strip())
    try:
        values = np.array([[float(v) for v in f[width:width + 5]] for f in fields])
    except ValueError:
        raise FormatError(path, numbers[0], "numeric coordinates, Q and ns", " ".join(fields[0])) from None
    time = _times(fields, system, path, numbers[0])
    xyz = values[:, :3] if layout == "xyz" else geodetic_to_ecef(values[:, 0], values[:, 1], values[:, 2])
    xyz = np.asarray(xyz, float).reshape(-1, 3)
    return xr.Dataset(
        {"x_m": ("time", xyz[:, 0]), "y_m": ("time", xyz[:, 1]), "z_m": ("time", xyz[:, 2]),
         "quality": ("time", values[:, 3].astype(np.int8)), "n_sats": ("time", values[:, 4].astype(np.int16))},
        coords={"time": time.gpst}, attrs={"layout": layout, "time_system": system, "path": str(path)})


def reduce_to_marker(solution: xr.Dataset, delta_hen_m) -> xr.Dataset:
    """Move antenna-reference-point positions to the marker: minus the header's ANTENNA: DELTA H/E/N.

    RINEX 3.05 §5.2.6: the delta is the ARP above the marker (height, east, north, metres), so
    marker = ARP − R_enu^T (east, north, height) at the site.
    """
    height, east, north = (float(v) for v in delta_hen_m)
    xyz = np.stack([solution["x_m"].values, solution["y_m"].values, solution["z_m"].values], axis=-1)
    centre = np.nanmedian(xyz, axis=0)
    if not np.isfinite(centre).all():
        return solution
    lat, lon, _ = ecef_to_geodetic(centre)
    offset = enu_matrix(lat, lon).T @ np.array([east, north, height])
    marker = xyz - offset
    out = solution.copy()
    for k, name in enumerate(("x_m", "y_m", "z_m")):
        out[name] = ("time", marker[:, k])
    out.attrs["reduced_to_marker_by_hen_m"] = [height, east, north]
    return out
