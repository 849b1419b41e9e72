"""The data section of a RINEX 3 observation file (and the pieces the RINEX 2 walker shares): epochs, event records and satellite lines.

The walk produces flat arrays (no per-observation Python work): one row per epoch record and
one "segment" per line of satellite data, which :func:`._obs_scan.fill_observations` then reads.

Epoch flags (RINEX 3.05 Table A3; same meaning in 2.11): 0 OK, 1 power failure since the previous
epoch (data kept), 2 start moving antenna, 3 new site occupation, 4 header information follows,
5 external event (2-5: the "satellite count" is the number of special records that follow; they
are skipped and counted), 6 cycle-slip records follow (same layout as observations; counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import FormatError
from ..systems import SYSTEM_ORDER
from . import _obs_scan

_SYSTEM_INDEX = np.full(256, -1, dtype=np.int64)
for _i, _letter in enumerate(SYSTEM_ORDER):
    _SYSTEM_INDEX[ord(_letter)] = _i
_SPACE, _DIGIT0 = 32, 48

# RINEX 3/4 epoch line: '>',1X,I4,4(1X,I2.2),F11.7,2X,I1,I3,6X,F15.12 (0-based [a, b) columns).
_V3_COLS = ((2, 6, 0), (6, 9, 0), (9, 12, 0), (12, 15, 0), (15, 18, 0), (18, 29, 1), (29, 32, 0), (32, 35, 0), (35, 56, 1))
_V3_NAMES = ("year", "month", "day", "hour", "minute", "second", "flag", "count", "clock offset")


@dataclass
class Body:
    """Epoch records (all flags) and the satellite-data segments of flag 0/1 epochs."""

    epoch_line: np.ndarray  # file line number (1-based) of each epoch record
    fields: np.ndarray  # (n_epochs, 9): year month day hour minute second flag count clock_s
    seg_start: np.ndarray
    seg_end: np.ndarray
    seg_line: np.ndarray  # file line number of each segment
    seg_epoch: np.ndarray  # index into the epoch records
    seg_sv: np.ndarray  # system index * 100 + PRN
    seg_field0: np.ndarray
    seg_nfields: np.ndarray
    data_offset: int  # columns of satellite ID before the first field (3 in RINEX 3, 0 in RINEX 2)
    skipped: dict = field(default_factory=dict)


def line_bounds(buf: np.ndarray, offset: int):
    """Start and end (without CR/LF) of every line from byte ``offset``."""
    newlines = np.flatnonzero(buf[offset:] == 10) + offset
    starts = np.concatenate(([offset], newlines + 1))
    ends = np.concatenate((newlines, [len(buf)]))
    if starts[-1] >= len(buf):
        starts, ends = starts[:-1], ends[:-1]
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - has_cr


def trim_trailer(buf, starts, ends, keep_blank_records: bool):
    """Drop trailing blank lines (unless they may be blank RINEX 2 record lines) and an
    ``END OF FILE`` trailer line some loggers append (not RINEX; counted in ``skipped``)."""
    last = len(starts)
    trailer = 0
    if last and _text(buf, starts[last - 1], ends[last - 1]).strip() == "END OF FILE":
        last -= 1
        trailer = 1
    if not keep_blank_records:
        while last > 0 and _all_spaces(buf, starts[last - 1], ends[last - 1]):
            last -= 1
    return starts[:last], ends[:last], trailer


def _all_spaces(buf, a, b) -> bool:
    return bool(np.all(buf[a:b] == _SPACE))


def _text(buf, a, b) -> str:
    return bytes(buf[a:b]).decode("latin-1")


def _sv_codes(buf, starts, ends, lines, path, blank_is_gps):
    """Satellite IDs ('G01', 'R 5' ...) at ``starts`` -> system*100 + PRN (vectorized)."""
    short = np.flatnonzero(ends - starts < 3)
    safe = np.minimum(starts[:, None] + np.arange(3), len(buf) - 1)
    chars = buf[safe].astype(np.int64)
    letter = chars[:, 0]
    if blank_is_gps:  # RINEX 2: a blank system letter means GPS
        letter = np.where(letter == _SPACE, ord("G"), letter)
    system = _SYSTEM_INDEX[letter]
    tens, units = chars[:, 1], chars[:, 2]
    tens_ok = (tens == _SPACE) | ((tens >= _DIGIT0) & (tens <= _DIGIT0 + 9))
    units_ok = (units >= _DIGIT0) & (units <= _DIGIT0 + 9)
    bad = (system < 0) | ~tens_ok | ~units_ok
    bad[short] = True
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FormatError(path, int(lines[i]), f"a satellite ID ({'/'.join(SYSTEM_ORDER)} and 2 digits, e.g. G01)",
                          _text(buf, starts[i], ends[i]))
    prn = np.where(tens == _SPACE, 0, tens - _DIGIT0) * 10 + units - _DIGIT0
    return system * 100 + prn


def _parse_epoch_fields(buf, starts, ends, lines, cols, names, path):
    col_a = np.array([c[0] for c in cols], dtype=np.int64)
    col_b = np.array([c[1] for c in cols], dtype=np.int64)
    allow_dot = np.array([bool(c[2]) for c in cols])
    values, bad_line, bad_field = _obs_scan.parse_fixed_fields(buf, starts, ends, col_a, col_b, allow_dot)
    if bad_line >= 0:
        a, b = col_a[bad_field], col_b[bad_field]
        raise FormatError(path, int(lines[bad_line]), f"the epoch {names[bad_field]} in columns {a + 1}-{b}",
                          _text(buf, starts[bad_line], ends[bad_line]))
    return values


def _check_event_lines(buf, starts, ends, lines, path):
    """Header lines inside the body may not redefine the observation types (not supported)."""
    for a, b, n in zip(starts, ends, lines):
        label = _text(buf, a, b)[60:80]
        if "OBS TYPES" in label or "TYPES OF OBSERV" in label:
            raise FormatError(path, int(n), "no change of observation types inside the data section "
                              "(split the file at this line)", label.strip())


def walk_v3(buf, starts, ends, first_line, path) -> Body:
    """RINEX 3/4: epochs start with '>'; each is followed by exactly its announced lines."""
    n_lines = len(starts)
    lines = np.arange(n_lines, dtype=np.int64) + first_line
    if n_lines == 0:
        return _empty_body(3)
    first_chars = buf[np.minimum(starts, len(buf) - 1)]
    is_epoch = (ends > starts) & (first_chars == ord(">"))
    epochs = np.flatnonzero(is_epoch)
    if len(epochs) == 0 or epochs[0] != 0:
        raise FormatError(path, int(lines[0]), "an epoch line starting with '>'", _text(buf, starts[0], ends[0]))
    fields = _parse_epoch_fields(buf, starts[epochs], ends[epochs], lines[epochs], _V3_COLS, _V3_NAMES, path)
    _require(fields, (6, 7), buf, starts[epochs], ends[epochs], lines[epochs], path)
    flag = fields[:, 6].astype(np.int64)
    count = fields[:, 7].astype(np.int64)
    _check_flags(flag, count, buf, starts[epochs], ends[epochs], lines[epochs], path)
    announced_end = epochs + 1 + count
    next_epoch = np.concatenate((epochs[1:], [n_lines]))
    mismatch = np.flatnonzero(announced_end != next_epoch)
    if len(mismatch):
        _count_mismatch(buf, starts, ends, lines, epochs, count, next_epoch, int(mismatch[0]), path)
    owner = np.repeat(np.arange(len(epochs)), count)
    record_lines = np.flatnonzero(~is_epoch)
    line_flag = flag[owner]
    events = (line_flag >= 2) & (line_flag <= 5)
    _check_event_lines(buf, starts[record_lines[events]], ends[record_lines[events]], lines[record_lines[events]], path)
    data = record_lines[line_flag <= 1]
    sv = _sv_codes(buf, starts[data], ends[data], lines[data], path, blank_is_gps=False)
    skipped = _skipped_counts(flag, count)
    return Body(epoch_line=lines[epochs], fields=fields, seg_start=starts[data], seg_end=ends[data],
                seg_line=lines[data], seg_epoch=owner[line_flag <= 1], seg_sv=sv,
                seg_field0=np.zeros(len(data), dtype=np.int64), seg_nfields=np.full(len(data), -1, dtype=np.int64),
                data_offset=3, skipped=skipped)


def _require(fields, columns, buf, starts, ends, lines, path):
    for k in columns:
        missing = np.flatnonzero(np.isnan(fields[:, k]))
        if len(missing):
            i = int(missing[0])
            raise FormatError(path, int(lines[i]), f"the epoch {_V3_NAMES[k]}", _text(buf, starts[i], ends[i]))


def _check_flags(flag, count, buf, starts, ends, lines, path):
    bad = np.flatnonzero((flag < 0) | (flag > 6) | (count < 0))
    if len(bad):
        i = int(bad[0])
        raise FormatError(path, int(lines[i]), "an epoch flag 0-6 and a record count >= 0",
                          _text(buf, starts[i], ends[i]))


def _count_mismatch(buf, starts, ends, lines, epochs, count, next_epoch, i, path):
    epoch_line = int(lines[epochs[i]])
    announced = int(count[i])
    present = int(next_epoch[i] - epochs[i] - 1)
    if present < announced:
        if next_epoch[i] >= len(starts):
            raise FormatError(path, epoch_line, f"{announced} record lines after this epoch line",
                              f"{present} before the end of the file")
        at = int(next_epoch[i])
        raise FormatError(path, int(lines[at]),
                          f"record line {present + 1} of {announced} announced by the epoch at line {epoch_line}",
                          _text(buf, starts[at], ends[at]))
    at = int(epochs[i] + 1 + announced)
    raise FormatError(path, int(lines[at]),
                      f"an epoch line starting with '>' (the epoch at line {epoch_line} announced {announced} lines)",
                      _text(buf, starts[at], ends[at]))


def _skipped_counts(flag, count) -> dict:
    events = (flag >= 2) & (flag <= 5)
    slips = flag == 6
    return {
        "event_records": int(events.sum()),
        "event_lines": int(count[events].sum()),
        "cycle_slip_records": int(slips.sum()),
        "cycle_slip_lines": int(count[slips].sum()),
    }


def _empty_body(version_major):
    empty = np.zeros(0, dtype=np.int64)
    return Body(epoch_line=empty, fields=np.zeros((0, 9)), seg_start=empty, seg_end=empty, seg_line=empty,
                seg_epoch=empty, seg_sv=empty, seg_field0=empty, seg_nfields=empty,
                data_offset=3 if version_major >= 3 else 0, skipped=_skipped_counts(empty, empty))
