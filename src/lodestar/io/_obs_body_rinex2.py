"""The data section of a RINEX 2.10/2.11 observation file.

Epoch line (RINEX 2.11 Table A2): 1X,I2.2 year, 4(1X,I2) month day hour minute, F11.7 second,
2X,I1 flag, I3 count, 12(A1,I2) satellites, F12.9 receiver clock offset; more than 12
satellites continue on lines of 32 blanks + 12(A1,I2). Each satellite's record is
5 observations (F14.3, LLI, strength) per line, continued on as many lines as needed.
Only the epoch lines are visited in Python (one per epoch); everything per satellite and per
observation is built with numpy.
"""

from __future__ import annotations

import numpy as np

from ..errors import FormatError
from ._obs_body_rinex3 import Body, _all_spaces, _check_event_lines, _parse_epoch_fields, _skipped_counts, _sv_codes, _text, _empty_body

_V2_COLS = ((0, 3, 0), (3, 6, 0), (6, 9, 0), (9, 12, 0), (12, 15, 0), (15, 26, 1), (26, 29, 0), (29, 32, 0), (68, 80, 1))
_V2_NAMES = ("year", "month", "day", "hour", "minute", "second", "flag", "count", "clock offset")
_FIELDS_PER_LINE = 5
_SATS_PER_LINE = 12


def _flag_and_count(buf, a, b, line_no, path):
    text = _text(buf, a, b)
    try:
        flag = int(text[26:29])
        count = int(text[29:32])
    except ValueError:
        raise FormatError(path, line_no, "an epoch line (yy mm dd hh mm ss.sssssss, flag in column 29, "
                          "satellite count in columns 30-32)", text) from None
    if not 0 <= flag <= 6 or count < 0:
        raise FormatError(path, line_no, "an epoch flag 0-6 and a satellite count", text)
    return flag, count


def _epoch_records(buf, starts, ends, lines, lines_per_sat, path):
    """Walk the epoch lines: (line index, flag, count) of every epoch record."""
    n = len(starts)
    records = []
    i = 0
    while i < n:
        if _all_spaces(buf, starts[i], ends[i]) and all(_all_spaces(buf, a, b) for a, b in zip(starts[i:], ends[i:])):
            break  # blank lines after the last record
        flag, count = _flag_and_count(buf, starts[i], ends[i], int(lines[i]), path)
        records.append((i, flag, count))
        if 2 <= flag <= 5:
            size = 1 + count
        else:
            size = max(1, -(-count // _SATS_PER_LINE)) + count * lines_per_sat
        missing = i + size - n
        if flag <= 1 and 0 < missing < lines_per_sat:
            # The file ends inside the last satellite's record: its remaining lines would hold
            # only blanks and were stripped (seen in real files); read them as blank, counted.
            return np.array(records, dtype=np.int64).reshape(-1, 3), missing
        if i + size > n:
            raise FormatError(path, int(lines[i]), f"{size - 1} lines after this epoch line "
                              f"({count} satellites, {lines_per_sat} line(s) each)", f"{n - i - 1} before the end of the file")
        i += size
    return np.array(records, dtype=np.int64).reshape(-1, 3), 0


def walk_v2(buf, starts, ends, first_line, path, n_obs: int) -> Body:
    lines = np.arange(len(starts), dtype=np.int64) + first_line
    if len(starts) == 0:
        return _empty_body(2)
    lines_per_sat = max(1, -(-n_obs // _FIELDS_PER_LINE))
    records, missing = _epoch_records(buf, starts, ends, lines, lines_per_sat, path)
    if missing:  # empty virtual lines at the end of the buffer
        starts = np.concatenate((starts, np.full(missing, len(buf))))
        ends = np.concatenate((ends, np.full(missing, len(buf))))
        lines = np.concatenate((lines, lines[-1] + 1 + np.arange(missing)))
    at, flag, count = records[:, 0], records[:, 1], records[:, 2]
    fields = _parse_epoch_fields(buf, starts[at], ends[at], lines[at], _V2_COLS, _V2_NAMES, path)
    events = (flag >= 2) & (flag <= 5)
    for i in np.flatnonzero(events & (flag == 4)):
        block = slice(at[i] + 1, at[i] + 1 + count[i])
        _check_event_lines(buf, starts[block], ends[block], lines[block], path)
    data = np.flatnonzero(flag <= 1)
    body = _segments(buf, starts, ends, lines, at[data], count[data], data, lines_per_sat, n_obs, path)
    body.epoch_line = lines[at]
    body.fields = fields
    body.skipped = _skipped_counts(flag, count)
    if missing:
        body.skipped["blank_record_lines_missing_at_end"] = missing
    return body


def _segments(buf, starts, ends, lines, epoch_at, count, epoch_index, lines_per_sat, n_obs, path) -> Body:
    """Satellite IDs and record-line segments of the data epochs, vectorized."""
    total = int(count.sum())
    sat_epoch = np.repeat(np.arange(len(count)), count)
    k = np.arange(total) - np.repeat(np.cumsum(count) - count, count)  # satellite index in its epoch
    id_line = epoch_at[sat_epoch] + k // _SATS_PER_LINE
    id_start = starts[id_line] + 32 + 3 * (k % _SATS_PER_LINE)
    id_end = np.maximum(np.minimum(ends[id_line], id_start + 3), id_start)
    sv = _sv_codes(buf, id_start, id_end, lines[id_line], path, blank_is_gps=True)
    id_lines = np.maximum(1, -(-count // _SATS_PER_LINE))
    first_record_line = epoch_at[sat_epoch] + id_lines[sat_epoch] + k * lines_per_sat
    part = np.tile(np.arange(lines_per_sat), total)
    seg_line_index = np.repeat(first_record_line, lines_per_sat) + part
    field0 = part * _FIELDS_PER_LINE
    nfields = np.minimum(_FIELDS_PER_LINE, n_obs - field0)
    return Body(epoch_line=None, fields=None, seg_start=starts[seg_line_index], seg_end=ends[seg_line_index],
                seg_line=lines[seg_line_index], seg_epoch=np.repeat(epoch_index[sat_epoch], lines_per_sat),
                seg_sv=np.repeat(sv, lines_per_sat), seg_field0=field0.astype(np.int64),
                seg_nfields=nfields.astype(np.int64), data_offset=0)
