"""SP3 precise orbit and clock files (pre-SP3-a 1992 files, SP3-a, -c, -d) as ``xarray.Dataset``.

>>> sp3 = read_sp3("GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")
>>> sp3["x_m"].sel(sv="R05")

Dims ``time`` (GPS time; files in UTC, BDT, GAL... are converted) and ``sv``; variables
``x_m, y_m, z_m`` (SP3 km -> m; ``0.000000`` in all three = missing -> NaN) and ``clock_s``
(SP3 microseconds -> s; ``999999.999999`` = bad or absent -> NaN). Format: IGS "The Extended
Standard Product 3 Orbit Format (SP3-d)", 2016, and SP3-c (2010), SP3-a (Remondi 1991).
Velocity (``V``) and correlation (``EP``/``EV``) lines are counted in ``attrs["skipped"]``. The
antenna model an IGS analysis centre names in a comment (``/* PCV:IGS14_2108 ...``) is kept in
``attrs["antenna_model"]`` (absent when no comment names one).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import FormatError, LodestarError
from ..systems import SYSTEM_ORDER
from ..time import Time
from ..xarray_build import indexed_coords, variable
from ._columns import Line, block_floats, datetimes, epoch_fields, number, text_block
from .compression import read_bytes

__all__ = ["read_sp3", "merge_sp3"]

_BAD_CLOCK_US = 999999.0  # SP3-d 2.3: "999999.999999" marks a bad or absent clock
#: SP3 time-system codes (SP3-c/d, %c line columns 10-12) -> lodestar.time scales.
TIME_SYSTEM_SCALES = {"GPS": "gpst", "GAL": "gst", "QZS": "gpst", "IRN": "gpst", "BDT": "bdt", "TAI": "tai",
                 "UTC": "utc", "GLO": "glonasst", "CCC": "gpst", "": "gpst"}


@dataclass
class _Header:
    version: str
    attrs: dict
    satellites: list[str] = field(default_factory=list)
    body_start: int = 0


def read_sp3(path, *, content: bytes | None = None, allow_truncated: bool = False,
             max_bytes: int | None = None) -> xr.Dataset:
    """Read one SP3 file (any compression ``read_bytes`` opens).

    A file without its ``EOF`` line that holds fewer epochs than its header declares (SP3-d
    line 1, columns 33-39), or whose last epoch lacks records, was cut: a ``FormatError`` naming
    the last complete epoch, or with ``allow_truncated`` the file up to that epoch and a note in
    ``attrs["warnings"]``. ``max_bytes``: decompressed-size limit (``compression.read_bytes``).
    """
    if content is None:
        content = read_bytes(path, max_bytes=max_bytes)
    lines = [line.rstrip(b"\r") for line in content.split(b"\n")]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise FormatError(path, None, "an SP3 file", "an empty file")
    header = _read_header(path, lines, first)
    epochs, positions, skipped, complete = _scan_body(path, lines, header.body_start)
    covered = _name_span_covered(path, lines, epochs, header.attrs["interval_s"])
    epochs, positions, warnings = _completeness(path, lines, header, epochs, positions, complete, allow_truncated,
                                                covered)
    times = _epoch_times(path, lines, epochs, header.attrs["time_system"])
    dataset = _positions(path, lines, positions, epochs, times)
    dataset.attrs.update(header.attrs, path=str(path), header_satellites=header.satellites,
                         skipped=dict(skipped), complete=complete, warnings=warnings)
    return dataset


# --- completeness --------------------------------------------------------------------------
_POSITION_RECORD_CHARS = 60  # SP3-d 2.3: 'P', satellite, x, y, z (3 x F14.6) and clock (F14.6) end at column 60


#: IGS long product names (IGS "Guidelines for product file names", v2.0, 2017): centre, campaign, type,
#: start yyyydddhhmm, period LEN and sampling SMP, e.g. ``WUM0MGXULT_20220010000_01H_05M_ORB.SP3``
_LONG_NAME = re.compile(r"_\d{11}_(\d\d)([MHDW])_\d\d[SMHD]_")
_UNIT_S = {"M": 60, "H": 3600, "D": 86400, "W": 604800}


def _name_span_covered(path, lines, epochs, interval_s) -> bool:
    """The file name declares a period (``_01H_``) and the epochs span it (a file trimmed on purpose)."""
    match = _LONG_NAME.search(Path(str(path)).name)
    if match is None or len(epochs) < 2:
        return False
    ends = [epoch_fields(path, Line(i + 1, lines[i].decode("latin-1")), lines[i].decode("latin-1")[1:31], "SP3 epoch")
            for i in (epochs[0], epochs[-1])]
    first, last = datetimes(np.array(ends, dtype=np.float64))
    period_s = int(match.group(1)) * _UNIT_S[match.group(2)]
    step_s = interval_s if interval_s == interval_s and interval_s > 0 else 0.0
    return (last - first) / np.timedelta64(1, "s") >= period_s - step_s


def epoch_text(fields: str) -> str:
    """``'2020  6 25  4 45  0.00000000'`` -> ``'2020-06-25 04:45:00'`` (as written if it does not parse)."""
    parts = fields.split()
    try:
        year, month, day, hour, minute = (int(p) for p in parts[:5])
        second = float(parts[5])
    except (ValueError, IndexError):
        return fields.strip()
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02.0f}"


def _completeness(path, lines, header: _Header, epochs, positions, complete: bool, allow: bool, covered: bool):
    """(epochs, positions, warnings) after the EOF / declared-epochs / last-epoch checks."""
    declared = header.attrs["header_epochs"]
    if complete or not epochs:
        short_of = f"declares {declared} epochs and holds {len(epochs)} before its EOF line"
        return epochs, positions, [] if len(epochs) == declared or not complete else [f"{path}: {short_of}"]
    counts = np.bincount(np.searchsorted(np.asarray(epochs), np.asarray(positions, dtype=np.int64)) - 1,
                         minlength=len(epochs)) if positions else np.zeros(len(epochs), int)
    last_cut = bool(positions) and len(lines[positions[-1]].rstrip()) < _POSITION_RECORD_CHARS
    last_whole = counts[-1] >= counts.max() and not last_cut
    if len(epochs) == declared and last_whole:
        return epochs, positions, [f"{path}: no EOF line after the {declared} declared epochs"]
    if covered and last_whole:
        return epochs, positions, [f"{path}: no EOF line; {len(epochs)} of the {declared} declared epochs, "
                                   "spanning the period in the file name"]
    keep = len(epochs) if last_whole else len(epochs) - 1
    last = epoch_text(lines[epochs[keep - 1]].decode("latin-1")[3:31]) if keep else "none"
    if not allow:
        raise FormatError(path, len(lines), f"the {declared} epochs the header declares and an 'EOF' line "
                          f"(the file is truncated: last complete epoch {last}; allow_truncated=True / "
                          "--allow-truncated uses it up to there)", f"{len(epochs)} epochs and no EOF")
    stop = epochs[keep] if keep < len(epochs) else len(lines)
    note = f"{path}: truncated after epoch {last} ({keep} of {declared} declared epochs used)"
    return epochs[:keep], [i for i in positions if i < stop], [note]


# --- header --------------------------------------------------------------------------------
def _read_header(path, lines: list[bytes], first: int) -> _Header:
    line1 = lines[first].decode("latin-1")
    if not line1.startswith("#") or line1[1:2] not in ("a", "b", "c", "d", " ") or line1[2:3] not in ("P", "V", " "):
        from .headers import refuse_other_kind  # e.g. a clock file given as orbits: say so

        refuse_other_kind(path, line1, "an SP3 orbit file", "sp3")
        raise FormatError(path, first + 1, "an SP3 first line '#aP', '#cP' or '#dP'", line1.rstrip())
    version = line1[1:2].strip() or "pre-a"
    line = Line(first + 1, line1)
    attrs = {
        "format": "SP3", "version": version,
        "header_epochs": _whole(path, line, 32, 39, "number of epochs"),
        "data_used": line1[40:45].strip(), "coordinate_system": line1[46:51].strip(),
        "orbit_type": line1[52:55].strip(), "agency": line1[56:60].strip(),
    }
    line2 = lines[first + 1].decode("latin-1") if first + 1 < len(lines) else ""
    if not line2.startswith("##"):
        raise FormatError(path, first + 2, "the SP3 second line '## week seconds interval'", line2.rstrip())
    attrs["interval_s"] = number(path, Line(first + 2, line2), 24, 38, "epoch interval")
    header = _Header(version, attrs)
    _header_records(path, lines, first + 2, header)
    return header


def _whole(path, line: Line, start: int, stop: int, what: str) -> int:
    value = number(path, line, start, stop, what)
    if value != value or value != int(value) or value < 0:
        raise FormatError(path, line.number, f"{what} (a whole number in columns {start + 1}-{stop})", line.text.rstrip())
    return int(value)


def _header_records(path, lines: list[bytes], start: int, header: _Header) -> None:
    """``+`` satellite lines, ``%c`` time system, comments; the body starts at the first ``*``."""
    header.attrs["time_system"] = "GPS"
    seen_c = False
    for index in range(start, len(lines)):
        text = lines[index].decode("latin-1")
        if text.startswith("* "):
            header.body_start = index
            return
        if text.startswith("+ "):
            header.satellites += _satellite_list(path, Line(index + 1, text))
        elif text.startswith("%c") and not seen_c:
            seen_c = True
            header.attrs["time_system"] = text[9:12].strip().upper() if header.version in "cd" else "GPS"
        elif text.startswith("/*") and "PCV:" in text and "antenna_model" not in header.attrs:
            # the IGS analysis centres' comment "/* PCV:IGS14_2108 OL/AL:FES2012 ..." names the antenna model
            # (ANTEX release) the orbits and clocks were made with
            model = text.split("PCV:", 1)[1].split()
            if model:
                header.attrs["antenna_model"] = model[0]
        elif not text.startswith(("++", "%", "/*")) and text.strip():
            raise FormatError(path, index + 1, "an SP3 header line (+, ++, %c, %f, %i, /*) or the first epoch '*'",
                              text.rstrip())
    raise FormatError(path, len(lines), "an SP3 epoch line '*  yyyy mm dd hh mm ss'", "end of file")


def _satellite_list(path, line: Line) -> list[str]:
    text = line.text.rstrip()
    ids = [text[i:i + 3] for i in range(9, len(text), 3)]
    return [sv for sv in (_sv_id(path, line, item) for item in ids) if sv is not None]


def _sv_id(path, line: Line, item: str) -> str | None:
    """``G01`` / SP3-a ``  1`` (GPS) -> ``G01``; ``  0`` / `` 00`` fill the list (None)."""
    system = item[0:1].strip() or "G"
    number_ = item[1:3].strip()
    if not number_.isdigit() or system not in SYSTEM_ORDER + "L":
        raise FormatError(path, line.number, "satellite IDs such as 'G01' or '  1'", line.text.rstrip())
    if int(number_) == 0:
        return None
    return f"{system}{int(number_):02d}"


# --- body ----------------------------------------------------------------------------------
def _scan_body(path, lines: list[bytes], start: int):
    """Indices of epoch lines and position lines; counts of what is not read."""
    epochs: list[int] = []
    positions: list[int] = []
    skipped: Counter = Counter()
    for index in range(start, len(lines)):
        head = lines[index][:2]
        if head[:1] == b"P":
            positions.append(index)
        elif head[:1] == b"*" and head != b"/*":
            epochs.append(index)
        elif head in (b"EP", b"EV"):
            skipped[f"{head.decode()} correlation records"] += 1
        elif head[:1] == b"V":
            skipped["V velocity records"] += 1
        elif lines[index][:3] == b"EOF":
            return epochs, positions, skipped, True
        elif head != b"/*" and lines[index].strip():
            raise FormatError(path, index + 1, "an SP3 record ('*' epoch, 'P', 'V', 'EP', 'EV', '/*' or 'EOF')",
                              lines[index].decode("latin-1").rstrip())
    return epochs, positions, skipped, False


def _epoch_times(path, lines: list[bytes], epochs: list[int], time_system: str) -> np.ndarray:
    fields = []
    for index in epochs:
        text = lines[index].decode("latin-1")
        fields.append(epoch_fields(path, Line(index + 1, text), text[1:31], "SP3 epoch"))
    scale = TIME_SYSTEM_SCALES.get(time_system)
    if scale is None:
        raise FormatError(path, None, f"an SP3 time system among {', '.join(sorted(TIME_SYSTEM_SCALES))}", time_system)
    times = Time.from_scale(datetimes(np.array(fields, dtype=np.float64)), scale).gpst
    backwards = np.flatnonzero(np.diff(times) <= np.timedelta64(0, "ns"))
    if backwards.size:
        index = epochs[backwards[0] + 1]
        raise FormatError(path, index + 1, "epochs in increasing time order", lines[index].decode("latin-1").rstrip())
    return times


def _positions(path, lines: list[bytes], positions: list[int], epochs: list[int], times: np.ndarray) -> xr.Dataset:
    index = np.asarray(positions, dtype=np.int64)
    epoch_of = np.searchsorted(np.asarray(epochs, dtype=np.int64), index) - 1
    if index.size and epoch_of[0] < 0:
        raise FormatError(path, int(index[0]) + 1, "an epoch line '*' before the first position record",
                          lines[index[0]].decode("latin-1").rstrip())
    texts = [lines[i] for i in positions]
    short = [i for i, text in zip(positions, texts) if len(text.rstrip()) < _POSITION_RECORD_CHARS]
    if short:
        raise FormatError(path, short[0] + 1, "a position record with x, y, z and clock in columns 5-60 "
                          "(a number cut short?)", lines[short[0]].decode("latin-1").rstrip())
    block = text_block(texts, 60) if texts else np.zeros((0, 60), dtype=np.uint8)
    numbers = {k: block_floats(path, block, a, b, index + 1, f"SP3 {k}")
               for k, a, b in (("x", 4, 18), ("y", 18, 32), ("z", 32, 46), ("clock", 46, 60))}
    sv_of, svs = _satellites(path, block, index)
    _refuse_duplicates(path, lines, index, epoch_of, sv_of, len(svs))
    return _dataset(times, svs, epoch_of, sv_of, numbers)


def _satellites(path, block: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, list[str]]:
    raw = np.ascontiguousarray(block[:, 1:4]).view("S3").ravel()
    unique, first_rows, inverse = np.unique(raw, return_index=True, return_inverse=True)
    names = []
    for code, row in zip(unique, first_rows):
        line = Line(int(index[row]) + 1, bytes(block[row]).decode("latin-1"))
        sv = _sv_id(path, line, code.decode("latin-1"))
        if sv is None:
            raise FormatError(path, line.number, "a satellite ID in columns 2-4", line.text.rstrip())
        names.append(sv)
    order = sorted(set(names), key=lambda sv: (SYSTEM_ORDER.index(sv[0]) if sv[0] in SYSTEM_ORDER else 99, sv))
    column = np.array([order.index(name) for name in names], dtype=np.int64)
    return column[inverse.ravel()], order


def _refuse_duplicates(path, lines, index, epoch_of, sv_of, n_sv) -> None:
    key = epoch_of * max(n_sv, 1) + sv_of
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    if (counts > 1).any():
        repeated = np.flatnonzero(np.isin(key, key[first[counts > 1]]))[1]
        raise FormatError(path, int(index[repeated]) + 1, "one position record per satellite and epoch",
                          lines[index[repeated]].decode("latin-1").rstrip())


def _dataset(times, svs, epoch_of, sv_of, numbers) -> xr.Dataset:
    shape = (len(times), len(svs))
    grids = {}
    missing = (numbers["x"] == 0) & (numbers["y"] == 0) & (numbers["z"] == 0)
    for axis in "xyz":
        grid = np.full(shape, np.nan)
        grid[epoch_of, sv_of] = np.where(missing, np.nan, numbers[axis] * 1000.0)  # km -> m
        grids[f"{axis}_m"] = grid
    clock = numbers["clock"]
    grid = np.full(shape, np.nan)
    grid[epoch_of, sv_of] = np.where(clock >= _BAD_CLOCK_US, np.nan, clock * 1e-6)  # us -> s
    grids["clock_s"] = grid
    units = {"x_m": "m", "y_m": "m", "z_m": "m", "clock_s": "s"}
    # built without xarray's dask probe (lodestar.xarray_build): ~0.4 s of imports per process
    return xr.Dataset(
        {name: variable(("time", "sv"), grid, {"units": units[name]}) for name, grid in grids.items()},
        coords=indexed_coords(time=np.asarray(times, dtype="datetime64[ns]"), sv=np.array(svs, dtype=object)),
    )


# --- merging -------------------------------------------------------------------------------
def merge_sp3(items) -> xr.Dataset:
    """Join SP3 files (datasets or paths) along time; an epoch present twice keeps the first file's."""
    datasets = [item if isinstance(item, xr.Dataset) else read_sp3(item) for item in items]
    if not datasets:
        raise LodestarError("merge_sp3 needs at least one SP3 file")
    datasets = sorted(datasets, key=lambda d: d["time"].values[0] if d.sizes["time"] else np.datetime64("NaT"))
    merged = xr.concat(datasets, dim="time", join="outer", combine_attrs="override", data_vars="all")
    keep = ~pd.Index(merged["time"].values).duplicated(keep="first")
    merged = merged.isel(time=np.flatnonzero(keep))
    order = sorted(merged["sv"].values, key=lambda sv: (SYSTEM_ORDER.index(sv[0]) if sv[0] in SYSTEM_ORDER else 99, sv))
    merged = merged.sel(sv=order)
    merged.attrs["path"] = " + ".join(d.attrs.get("path", "") for d in datasets)
    merged.attrs["header_epochs"] = sum(d.attrs.get("header_epochs", 0) for d in datasets)
    merged.attrs["warnings"] = [w for d in datasets for w in d.attrs.get("warnings", [])]
    return merged
