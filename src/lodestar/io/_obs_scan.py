"""Byte-level kernels of the RINEX observation reader (vectorized numpy, no compiled code).

Why vectorized: a full day of 30 s multi-GNSS data is ~130 000 satellite lines and ~2.5 million
F14.3 fields. Converting them with ``float()`` in a Python loop takes seconds. Here the fields of
8192 lines at a time are cut out of the byte buffer as the rows of a ``(fields, 16)`` byte matrix
(one fancy index of a sliding-window view), blank fields are found by comparing 8-byte words, and
the others are converted by numpy's bytes -> float64 cast (C code, ``float()``'s grammar and
correct rounding) once a range check has ruled out what that grammar accepts beyond RINEX's.

Why not numba (used first): its kernels read the ESBC day in ~0.15 s against ~0.35 s here, but a
fresh process paid ~0.35-0.5 s to import numba and load its cache before the first field was read.
``lodestar solve`` / ``lodestar info`` read one file per process: the first read went from ~0.9 s
to ~0.35 s (benchmarks/bench_read.py, bench_spp.py).

Values are bit-identical to the numba kernels' (all files of the sample data, and 700 corrupted
variants with the same FormatError messages). :func:`_parse_general` states the grammar
explicitly: the digits form an integer mantissa (< 2**53 for any 14-character field) divided
once by an exact power of ten, which IEEE 754 rounds correctly, as ``float()`` does.

Status codes returned by :func:`parse_numbers`: ``EMPTY`` (all blanks), ``OK``, ``BAD``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

EMPTY, OK, BAD = 0, 1, 2
SPACE, MINUS, PLUS, DOT, ZERO = 32, 45, 43, 46, 48
_POW10 = np.array([10.0**k for k in range(23)])  # exact in float64 up to 1e22
_FIELD = 16  # RINEX observation field: F14.3, LLI (1 digit), signal strength (1 digit)
_CHUNK_SEGMENTS = 8192  # lines read at once (~150 000 fields): keeps the temporaries at a few MB
_FLAG_VALUE = np.full(256, -2, dtype=np.int8)  # LLI / signal strength: 0..9, -1 blank, -2 invalid
_FLAG_VALUE[SPACE] = -1
_FLAG_VALUE[ZERO:ZERO + 10] = np.arange(10)
_BLANK8 = np.frombuffer(b" " * 8, dtype="<u8")[0]


def windows(buf, start, width, end):
    """``(n, width)`` copy of ``buf[start:start + width]`` per row, bytes at or past ``end`` blank."""
    n = len(start)
    if n == 0 or len(buf) < width:
        out, over = np.full((n, width), SPACE, dtype=np.uint8), np.arange(n)
    else:
        safe = np.minimum(start, len(buf) - width)
        out = sliding_window_view(buf, width)[safe]  # fancy index: one contiguous copy
        over = np.flatnonzero(start != safe)  # the last bytes of the buffer: at most ``width`` rows
    for i in over:
        piece = buf[start[i]:start[i] + width]
        out[i] = SPACE
        out[i, :len(piece)] = piece
    short = np.flatnonzero(end - start < width)
    if len(short):
        out[short] = np.where(np.arange(width) >= (end - start)[short, None], np.uint8(SPACE), out[short])
    return out


def parse_numbers(chars, allow_dot=True, empty=None):
    """Blank-padded fixed-width numbers, one per row of ``chars`` -> (values, status).

    A number is optional blanks, an optional sign, digits with at most one decimal point (when
    ``allow_dot``), optional blanks; anything else, no digit, or more than 17 digits is ``BAD``.
    ``empty``: which rows are all blank, when the caller knows.

    Fast path: when every byte is between ' ' and '9', numpy's bytes -> float64 cast (C code,
    Python's ``float()`` grammar and correct rounding) converts the non-blank fields; restricted
    to those bytes, that grammar is ours, and at most 17 digits fit in a field this narrow. When
    it refuses a field, or a byte is outside that range, :func:`_parse_general` finds the bad ones.
    """
    n, width = chars.shape
    if width > 17:
        return _parse_general(chars, allow_dot)
    if empty is None:
        empty = ~(chars != SPACE).any(axis=1)
    numbers = np.flatnonzero(~empty)
    text = np.ascontiguousarray(chars[numbers])
    # bytes outside ' '..'9' include everything float() takes beyond our grammar (exponents,
    # inf/nan, '_', tabs); the others in that range (!"#$%&'()*,/) it refuses itself
    if text.size and (text.min() < SPACE or text.max() > ZERO + 9 or (not allow_dot and (text == DOT).any())):
        return _parse_general(chars, allow_dot)
    try:
        converted = text.view(f"S{width}").ravel().astype(np.float64)
    except ValueError:
        return _parse_general(chars, allow_dot)
    values = np.full(n, np.nan)
    values[numbers] = converted
    status = np.full(n, EMPTY, dtype=np.int64)
    status[numbers] = OK
    return values, status


def _parse_general(chars, allow_dot):
    """:func:`parse_numbers` by explicit rules (any input; slower): the status of every field."""
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
    n_sv, n_var = values.shape[1:]
    cell_of_segment = (seg_row * n_sv + seg_col) * n_var  # flat index of variable 0
    counts = np.maximum(seg_nfields, 0)
    for first in range(0, len(counts), _CHUNK_SEGMENTS):
        chunk = counts[first:first + _CHUNK_SEGMENTS]
        seg = np.repeat(np.arange(first, first + len(chunk)), chunk)  # every field slot: its segment ...
        k = np.arange(len(seg)) - np.repeat(np.cumsum(chunk) - chunk, chunk)  # ... and its index there
        start = seg_start[seg] + data_offset + _FIELD * k
        end = seg_end[seg]
        var = field_var[seg_sys[seg], seg_field0[seg] + k]
        present = (start < end) & (var >= 0)  # a line may stop before its last fields; -1: a code not read
        seg, k, start, end, var = seg[present], k[present], start[present], end[present], var[present]
        chars = windows(buf, start, _FIELD, end)
        words = chars.view("<u8")  # columns 0-7 and 8-15 of each field as two little-endian words
        empty = (words[:, 0] == _BLANK8) & (((words[:, 1] ^ _BLANK8) & np.uint64(0xFFFF_FFFF_FFFF)) == 0)
        value, status = parse_numbers(chars[:, :14], empty=empty)
        lli_flag, ssi_flag = _FLAG_VALUE[chars[:, 14]], _FLAG_VALUE[chars[:, 15]]
        bad = [(status == BAD) | ((status == OK) & (end - start < 14)), lli_flag == -2, ssi_flag == -2]
        for what, offset in ((0, 0), (1, 14), (2, 15)):
            i = np.flatnonzero(bad[what])
            if len(i):
                errors.append((int(seg[i[0]]), int(start[i[0]] + offset - seg_start[seg[i[0]]]), what))
        if len(errors) > 1 or errors[0] is not None:
            continue  # an error is certain: the caller raises, outputs are not used
        # every (epoch, satellite, variable) cell has at most one field (the caller checked that
        # each satellite appears once per epoch), so blanks may be written: NaN / -1 as before
        cell = cell_of_segment[seg] + var
        np.put(values, cell, value)
        for flag, out, seen in ((lli_flag, lli, seen_lli), (ssi_flag, ssi, seen_ssi)):
            np.put(out, cell, flag)
            seen[var[flag >= 0]] = True
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
