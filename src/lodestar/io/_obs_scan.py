"""Byte-level kernels of the RINEX observation reader (vectorized numpy, no compiled code).

Why vectorized: a full day of 30 s multi-GNSS data is ~130 000 satellite lines and ~2.5 million
F14.3 fields. Converting them with ``float()`` per field takes seconds. Here every field is cut
out of the byte buffer as one row of a small ``(fields, 16)`` byte matrix (a fancy index of a
sliding-window view: one copy, no per-field Python work) and all fields are converted at once,
column by column, in chunks that keep the temporaries to a few MB.

Why not numba (it was used first): the kernels ran in ~0.15 s, but a fresh process paid ~0.35 s
to import numba and load its cache before the first field was read — more than the numpy
version's whole conversion. ``lodestar solve`` and ``lodestar info`` read one file per process.

Numbers are read exactly as Python's ``float()`` would: the digits form an integer mantissa
(< 2**53 for any 14-character field) divided once by an exact power of ten, which IEEE 754
rounds correctly.

Status codes returned by :func:`parse_numbers`: ``EMPTY`` (all blanks), ``OK``, ``BAD``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

EMPTY, OK, BAD = 0, 1, 2
SPACE, MINUS, PLUS, DOT, ZERO = 32, 45, 43, 46, 48
_POW10 = np.array([10.0**k for k in range(23)])  # exact in float64 up to 1e22
_FIELD = 16  # RINEX observation field: F14.3, LLI (1 digit), signal strength (1 digit)
_CHUNK = 1 << 18  # fields converted at once: keeps the (chunk, 16) temporaries at a few MB


def windows(buf, start, width, end):
    """``(n, width)`` copy of ``buf[start:start + width]`` per row, bytes at or past ``end`` blank."""
    n = len(start)
    out = np.full((n, width), SPACE, dtype=np.uint8)
    if n == 0:
        return out
    if len(buf) >= width:
        safe = np.minimum(start, len(buf) - width)
        out[:] = sliding_window_view(buf, width)[safe]
    else:
        safe = np.full(n, -1)
    for i in np.flatnonzero(start != safe):  # the last bytes of the buffer: at most ``width`` rows
        piece = buf[start[i]:start[i] + width]
        out[i] = SPACE
        out[i, :len(piece)] = piece
    out[np.arange(width) >= (end - start)[:, None]] = SPACE
    return out


def parse_numbers(chars, allow_dot=True):
    """Blank-padded fixed-width numbers, one per row of ``chars`` -> (values, status).

    A number is optional blanks, an optional sign, digits with at most one decimal point (when
    ``allow_dot``), optional blanks; anything else, no digit, or more than 17 digits is ``BAD``.
    """
    n, width = chars.shape
    digit = chars - np.uint8(ZERO)  # wraps around for bytes below '0'
    is_digit = digit <= 9
    filled = chars != SPACE
    empty = ~filled.any(axis=1)
    first = filled.argmax(axis=1)
    last = width - 1 - filled[:, ::-1].argmax(axis=1)
    column = np.arange(width)
    inside = (column >= first[:, None]) & (column <= last[:, None])
    sign = (column == first[:, None]) & ((chars == MINUS) | (chars == PLUS))
    dot = (chars == DOT) if allow_dot else np.zeros_like(is_digit)
    n_digits = is_digit.sum(axis=1)
    bad = (inside & ~(is_digit | dot | sign)).any(axis=1) | (dot.sum(axis=1) > 1) | (n_digits == 0) | (n_digits > 17)
    mantissa = np.zeros(n, dtype=np.int64)
    decimals = np.zeros(n, dtype=np.int64)
    seen_dot = np.zeros(n, dtype=bool)
    for j in range(width):  # Horner over columns: exact integer mantissa
        d = is_digit[:, j]
        mantissa = np.where(d, mantissa * 10 + digit[:, j], mantissa)
        decimals += d & seen_dot
        seen_dot |= dot[:, j]
    values = mantissa / _POW10[np.minimum(decimals, len(_POW10) - 1)]
    negative = chars[np.arange(n), first] == MINUS
    values = np.where(negative, -values, values)
    status = np.where(empty, EMPTY, np.where(bad, BAD, OK))
    values[status != OK] = np.nan
    return values, status


def parse_fixed_fields(buf, line_start, line_end, col_a, col_b, allow_dot):
    """Fixed-column numbers of many lines -> (values (n_lines, n_fields), bad_line, bad_field).

    A field beyond the end of its line or blank reads NaN; ``bad_line`` is -1 when all parsed,
    else the first bad field in line order.
    """
    n, m = len(line_start), len(col_a)
    out = np.full((n, m), np.nan)
    first_bad = (n, m)
    for k in range(m):
        chars = windows(buf, line_start + col_a[k], int(col_b[k] - col_a[k]), line_end)
        out[:, k], status = parse_numbers(chars, bool(allow_dot[k]))
        bad = np.flatnonzero(status == BAD)
        if len(bad):
            first_bad = min(first_bad, (int(bad[0]), k))
    if first_bad[0] < n:
        return out, first_bad[0], first_bad[1]
    return out, -1, -1


def _flags(chars):
    """LLI / signal-strength characters -> 0..9, -1 for blank, -2 for anything else."""
    digit = chars - np.uint8(ZERO)  # wraps around for bytes below '0'
    return np.where(chars == SPACE, -1, np.where(digit <= 9, digit, -2)).astype(np.int8)


def fill_observations(buf, seg_start, seg_end, seg_row, seg_col, seg_sys, seg_field0, seg_nfields,
                      data_offset, field_var, values, lli, ssi, seen_lli, seen_ssi):
    """Read every observation field of every record segment into ``values``/``lli``/``ssi``.

    A segment is one line of satellite data: ``data_offset`` characters of satellite ID (3 in
    RINEX 3, 0 in RINEX 2) then ``seg_nfields`` fields of 16 characters (F14.3, LLI, SSI)
    holding observations ``seg_field0 ...`` of system ``seg_sys``; ``field_var[sys, field]``
    is the output variable; ``seen_lli``/``seen_ssi`` mark variables with any indicator. Outputs
    are (time, satellite, variable) so that the fields of one line land side by side in memory.
    Returns (-1, 0, 0) or (segment, column, what) of the first bad field in file order (what:
    0 number, 1 LLI, 2 signal strength, 3 extra characters after the last field).
    """
    errors = [_tail_error(buf, seg_start, seg_end, seg_nfields, data_offset)]
    counts = np.maximum(seg_nfields, 0)
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    for lo in range(0, total, _CHUNK):
        flat = np.arange(lo, min(lo + _CHUNK, total))
        seg = np.searchsorted(ends, flat, side="right")
        k = flat - (ends - counts)[seg]
        start = seg_start[seg] + data_offset + _FIELD * k
        end = seg_end[seg]
        present = start < end  # a line may stop before its last fields
        seg, k, start, end = seg[present], k[present], start[present], end[present]
        chars = windows(buf, start, _FIELD, end)
        value, status = parse_numbers(chars[:, :14])
        lli_flag, ssi_flag = _flags(chars[:, 14]), _flags(chars[:, 15])
        bad = [(status == BAD) | ((status == OK) & (end - start < 14)), lli_flag == -2, ssi_flag == -2]
        for what, offset in ((0, 0), (1, 14), (2, 15)):
            i = np.flatnonzero(bad[what])
            if len(i):
                errors.append((int(seg[i[0]]), int(start[i[0]] + offset - seg_start[seg[i[0]]]), what))
        if len(errors) > 1 or errors[0] is not None:
            continue  # an error is certain: the caller raises, outputs are not used
        var = field_var[seg_sys[seg], seg_field0[seg] + k]
        row, col = seg_row[seg], seg_col[seg]
        ok = status == OK
        values[row[ok], col[ok], var[ok]] = value[ok]
        for flag, out, seen in ((lli_flag, lli, seen_lli), (ssi_flag, ssi, seen_ssi)):
            set_ = flag >= 0
            out[row[set_], col[set_], var[set_]] = flag[set_]
            seen[var[set_]] = True
    errors = [e for e in errors if e is not None]
    return min(errors) if errors else (-1, 0, 0)


def _tail_error(buf, seg_start, seg_end, seg_nfields, data_offset):
    """First non-blank character after the last field of a line, as (segment, column, 3), or None."""
    tail = seg_start + data_offset + _FIELD * seg_nfields
    longer = np.flatnonzero(seg_end > tail)
    if not len(longer):
        return None
    lengths = seg_end[longer] - tail[longer]
    owner = np.repeat(np.arange(len(longer)), lengths)
    position = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths) + tail[longer][owner]
    blank = buf[position] == SPACE
    if blank.all():
        return None
    first = int(np.flatnonzero(~blank)[0])
    s = int(longer[owner[first]])
    return s, int(position[first] - seg_start[s]), 3
