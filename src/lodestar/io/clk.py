"""RINEX clock files (2.00, 3.00-3.04) as ``xarray.Dataset``: satellite clocks (``AS`` records).

>>> clk = read_clk("GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")
>>> clk["clock_s"].sel(sv="G05")

Dims ``time`` (GPS time) and ``sv``; ``clock_s`` (clock bias) and ``clock_sigma_s`` (its
sigma, NaN when not given). Receiver/station clocks (``AR``) and the other record types
(``CR``, ``DR``, ``MS``) are not read: they are counted in ``attrs["skipped"]``.

Layout (RINEX Clock 3.04, Table A5): ``A2,1X,A4,1X,I4,4I3,F10.6,I3,2X,2(D19.12,1X)`` up to
3.02; 3.04 widens the name to 9 characters (``A9``), moving every later column 5 to the right.
The lines are cut into columns with numpy: a 30 s day (216 000 records) reads in ~0.3 s.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import xarray as xr

from ..constants import C_MPS
from ..errors import FormatError
from ..systems import SYSTEM_ORDER, parse_system_set
from ..time import Time
from ..xarray_build import indexed_coords, variable
from ._columns import Line, block_floats, datetimes, epoch_fields, number, text_block
from .compression import read_bytes
from .sp3 import TIME_SYSTEM_SCALES, epoch_text

__all__ = ["read_clk"]

_OTHER_RECORDS = (b"AR", b"CR", b"DR", b"MS")
_SPACE_BYTE = ord(" ")


def read_clk(path, *, content: bytes | None = None, allow_truncated: bool = False,
             max_bytes: int | None = None, systems: str | None = None) -> xr.Dataset:
    """Read one RINEX clock file (any compression ``read_bytes`` opens).

    ``systems``: the systems whose satellites are read (``"RC"``, ``"R+C"`` or ``("R", "C")``, as
    ``read_obs`` and ``read_nav`` take them); the others' records are skipped unparsed and counted in
    ``attrs["skipped"]`` (None: every system).

    RINEX clock files have no end marker: a file is taken as cut when its last line lacks its
    newline or a value field (fixed columns), or its last epoch holds fewer than half the
    median number of records. That is a ``FormatError`` naming the last complete epoch, or with
    ``allow_truncated`` the file up to that epoch and a note in ``attrs["warnings"]``. A value
    field cut short anywhere else is a ``FormatError``. ``max_bytes``: ``compression.read_bytes``.
    """
    if content is None:
        content = read_bytes(path, max_bytes=max_bytes)
    lines = content.split(b"\n")
    if b"\r" in content:  # CRLF line ends
        lines = [line.rstrip(b"\r") for line in lines]
    if not content.strip():
        raise FormatError(path, None, "a RINEX clock file", "an empty file")
    if systems is not None:  # "RC", "R+C", ("R", "C") alike; an unknown letter is refused, naming the letters
        systems = "".join(parse_system_set(systems if isinstance(systems, str) else "+".join(systems)))
    attrs, body_start = _read_header(path, lines)
    shift = 5 if attrs["version"] >= 3.04 else 0
    records, skipped = _scan_body(path, lines, body_start, systems)
    block = text_block([lines[i] for i in records], 80 + shift) if records else np.zeros((0, 80 + shift), np.uint8)
    records, block, warnings = _completeness(path, lines, records, block, shift, content.endswith(b"\n"),
                                             allow_truncated)
    dataset = _clock_dataset(path, block, records, shift, attrs["time_system"], skipped)
    dataset.attrs.update(attrs, path=str(path), skipped=dict(skipped), warnings=warnings)
    return dataset


# RINEX clock 3.04 Table A5: number of values in columns 35-37, bias D19.12 in 41-59, sigma in 61-79
# (5 columns further right from 3.04 on)
_COUNT, _BIAS_END, _SIGMA_END = (34, 37), 59, 79


def _cut_records(block, shift) -> np.ndarray:
    """Positions (rows of ``block``) of AS lines too short for the values they declare."""
    count = block[:, _COUNT[0] + shift:_COUNT[1] + shift]
    digits = (count >= ord("0")) & (count <= ord("9"))
    marked = count != _SPACE_BYTE
    only_one = (marked.sum(axis=1) == 1) & (count == ord("1")).any(axis=1)
    two = (digits | ~marked).all(axis=1) & ~only_one  # a blank count reads as 0: both fields needed
    # a line shorter than ``needed`` (trailing blanks stripped) has nothing from column needed - 1 on
    reaches_sigma = (block[:, _SIGMA_END + shift - 1:] != _SPACE_BYTE).any(axis=1)
    reaches_bias = reaches_sigma | (block[:, _BIAS_END + shift - 1:_SIGMA_END + shift - 1] != _SPACE_BYTE).any(axis=1)
    return np.flatnonzero(np.where(two, ~reaches_sigma, ~reaches_bias))


def _epoch_keys(block, shift) -> np.ndarray:
    return np.ascontiguousarray(block[:, 8 + shift:34 + shift]).view("S26").ravel()


def _completeness(path, lines, records, block, shift, newline_at_end: bool, allow: bool):
    """(records, block, warnings) once cut value fields and a cut last epoch are handled."""
    if not records:
        return records, block, []
    cut = _cut_records(block, shift)
    last_cut = (not newline_at_end and lines[-1].strip() != b"" and records[-1] == len(lines) - 1) or (
        cut.size and cut[-1] == len(records) - 1)
    inner = cut[cut < len(records) - 1] if last_cut else cut
    if inner.size:
        index = records[inner[0]]
        raise FormatError(path, index + 1, "clock values in their full columns (a number cut short?)",
                          lines[index].decode("latin-1").rstrip())
    keys = _epoch_keys(block, shift)
    starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
    sizes = np.diff(np.append(starts, len(keys)))
    short_last = len(sizes) > 2 and sizes[-1] < 0.5 * np.median(sizes[:-1])
    if not (last_cut or short_last):
        return records, block, []
    keep = int(starts[-1])  # the whole last epoch goes: it is the one the cut fell in
    last = epoch_text(keys[keep - 1].decode("latin-1")) if keep else "none"
    if not allow:
        raise FormatError(path, len(lines), "complete clock records to the end (the file is truncated: last "
                          f"complete epoch {last}; allow_truncated=True / --allow-truncated uses it up to there)",
                          lines[records[-1]].decode("latin-1").rstrip())
    return records[:keep], block[:keep], [f"{path}: truncated after epoch {last} (the cut last epoch is not used)"]


def _read_header(path, lines: list[bytes]) -> tuple[dict, int]:
    first = lines[0].decode("latin-1")
    if "RINEX VERSION" not in first[60:] or "C" not in (first[20:21], first[21:22]):
        from .headers import refuse_other_kind  # e.g. an SP3 given as clocks: say so

        refuse_other_kind(path, first, "a RINEX clock file", "clk")
        raise FormatError(path, 1, "a RINEX clock first line (type 'C', 'RINEX VERSION / TYPE')", first.rstrip())
    try:
        version = float(first[:21].split()[0])
    except (ValueError, IndexError):
        raise FormatError(path, 1, "the RINEX clock version in columns 1-9", first.rstrip()) from None
    attrs = {"format": "RINEX CLOCK", "version": version, "time_system": "GPS", "agency": "", "interval_s": np.nan}
    for index, raw in enumerate(lines[1:], start=1):
        text = raw.decode("latin-1")
        label = text[60:].strip()
        if label.startswith("END OF HEADER"):
            return attrs, index + 1
        if label.startswith("TIME SYSTEM ID"):
            attrs["time_system"] = text[3:6].strip().upper()
        elif label.startswith("ANALYSIS CENTER"):
            attrs["agency"] = text[0:3].strip()
        elif label.startswith("INTERVAL"):
            attrs["interval_s"] = number(path, Line(index + 1, text), 0, 10, "interval")
    raise FormatError(path, len(lines), "an 'END OF HEADER' line", "end of file")


def _scan_body(path, lines: list[bytes], start: int, systems=None) -> tuple[list[int], Counter]:
    """Line indices of the AS records (of ``systems``, all when None) and the counts of the others.

    Vectorized over the lines' first four bytes; a line that is none of AS, AR, CR, DR, MS, a
    continuation (leading blank) or blank is a FormatError.
    """
    skipped: Counter = Counter()
    if start >= len(lines):
        return [], skipped
    head = np.array(lines[start:], dtype="S4").view(np.uint8).reshape(-1, 4)  # NUL-padded
    blank_third = head[:, 2] == _SPACE_BYTE
    pair = np.ascontiguousarray(head[:, :2]).view("S2").ravel()
    is_as = (pair == b"AS") & blank_third
    other = np.isin(pair, _OTHER_RECORDS) & blank_third
    unknown = np.flatnonzero(~(is_as | other | (head[:, 0] == _SPACE_BYTE) | (head[:, 0] == 0)))
    for row in unknown:  # rare: a line starting with a tab or another character
        if lines[start + row].strip():
            raise FormatError(path, start + row + 1, "a clock record AS, AR, CR, DR or MS",
                              lines[start + row].decode("latin-1").rstrip())
    names, counts = np.unique(pair[other], return_counts=True)
    skipped.update({f"{name.decode()} records": int(n) for name, n in zip(names, counts)})
    if systems is not None:
        wanted = np.isin(head[:, 3], np.frombuffer(systems.encode(), np.uint8))
        if (is_as & ~wanted).any():
            skipped[f"AS records of other systems than {systems}"] += int((is_as & ~wanted).sum())
        is_as &= wanted
    return (np.flatnonzero(is_as) + start).tolist(), skipped


def _clock_dataset(path, block, records: list[int], shift: int, time_system: str, skipped: Counter) -> xr.Dataset:
    index = np.asarray(records, dtype=np.int64)
    times, time_of = _times(path, block, index, shift, time_system)
    svs, sv_of = _satellites(path, block, index, 3 + 4 + shift)
    count = block_floats(path, block, 34 + shift, 37 + shift, index + 1, "number of values")
    bad = ~np.isfinite(count) | (count < 1)
    if bad.any():
        row = int(np.argmax(bad))
        raise FormatError(path, int(index[row]) + 1, "a number of values >= 1 in the AS record",
                          bytes(block[row]).decode("latin-1").rstrip())
    bias = block_floats(path, block, 39 + shift, 59 + shift, index + 1, "clock bias")
    sigma = block_floats(path, block, 59 + shift, 79 + shift, index + 1, "clock bias sigma")
    sigma[count < 2] = np.nan
    keep = _first_of_duplicates(time_of, sv_of, len(svs), skipped)
    conflicts = _conflicts(path, keep, time_of, sv_of, len(svs), bias, index, times, svs)
    grids = {}
    for name, values in (("clock_s", bias), ("clock_sigma_s", sigma)):
        grid = np.full((len(times), len(svs)), np.nan)
        grid[time_of[keep], sv_of[keep]] = values[keep]
        grids[name] = variable(("time", "sv"), grid, {"units": "s"})
    # built without xarray's dask probe (lodestar.xarray_build)
    dataset = xr.Dataset(grids, coords=indexed_coords(time=np.asarray(times, dtype="datetime64[ns]"),
                                                      sv=np.array(svs, dtype=object)))
    if conflicts:
        dataset.attrs["conflicts"] = conflicts
    return dataset


#: Two records of one satellite and epoch that differ by more than this (s; 0.3 mm of range) conflict.
_CONFLICT_S = 1e-12


def _conflicts(path, keep, time_of, sv_of, n_sv, bias, index, times, svs) -> str | None:
    """One line naming the records that repeat a satellite's epoch with another value (the first is kept:
    which one is right the file does not say), or None."""
    if keep.all():
        return None
    key = time_of * max(n_sv, 1) + sv_of
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    first_of = first[inverse.ravel()]
    with np.errstate(invalid="ignore"):
        differ = ~keep & ~(np.abs(bias - bias[first_of]) <= _CONFLICT_S)
    rows = np.flatnonzero(differ)
    if not rows.size:
        return None
    named = "; ".join(f"{svs[sv_of[r]]} at {str(times[time_of[r]])[:19]} (lines {index[first_of[r]] + 1} and "
                      f"{index[r] + 1}: {(bias[r] - bias[first_of[r]]) * C_MPS:+.3f} m)" for r in rows[:3])
    more = f" and {rows.size - 3} more" if rows.size > 3 else ""
    verb = "records repeat" if rows.size > 1 else "record repeats"
    return f"{path}: {rows.size} clock {verb} a satellite's epoch with another value, the first kept: {named}{more}"


def _times(path, block, index, shift, time_system) -> tuple[np.ndarray, np.ndarray]:
    raw = np.ascontiguousarray(block[:, 8 + shift:34 + shift]).view(f"S{26}").ravel()
    unique, first_rows, inverse = np.unique(raw, return_index=True, return_inverse=True)
    fields = []
    for code, row in zip(unique, first_rows):
        line = Line(int(index[row]) + 1, bytes(block[row]).decode("latin-1"))
        fields.append(epoch_fields(path, line, code.decode("latin-1"), "clock epoch"))
    scale = TIME_SYSTEM_SCALES.get(time_system)
    if scale is None:
        raise FormatError(path, None, f"a TIME SYSTEM ID among {', '.join(sorted(TIME_SYSTEM_SCALES))}", time_system)
    times = Time.from_scale(datetimes(np.array(fields, dtype=np.float64)), scale).gpst
    order = np.argsort(times, kind="stable")  # byte order of the text is not time order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return times[order], rank[inverse.ravel()]


def _satellites(path, block, index, stop) -> tuple[list[str], np.ndarray]:
    raw = np.ascontiguousarray(block[:, 3:stop]).view(f"S{stop - 3}").ravel()
    unique, first_rows, inverse = np.unique(raw, return_index=True, return_inverse=True)
    names = []
    for code, row in zip(unique, first_rows):
        text = code.decode("latin-1").strip()
        if len(text) != 3 or text[0] not in SYSTEM_ORDER or not text[1:].strip().isdigit():
            raise FormatError(path, int(index[row]) + 1, "a satellite ID such as 'G01' in an AS record",
                              bytes(block[row]).decode("latin-1").rstrip())
        names.append(f"{text[0]}{int(text[1:]):02d}")
    order = sorted(set(names), key=lambda sv: (SYSTEM_ORDER.index(sv[0]), sv))
    column = np.array([order.index(name) for name in names], dtype=np.int64)
    return order, column[inverse.ravel()]


def _first_of_duplicates(time_of, sv_of, n_sv, skipped: Counter) -> np.ndarray:
    """Rows to keep: a satellite given twice at one epoch keeps its first record (counted)."""
    key = time_of * max(n_sv, 1) + sv_of
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(len(key), dtype=bool)
    keep[first] = True
    if (~keep).any():
        skipped["duplicate AS records"] += int((~keep).sum())
    return keep
