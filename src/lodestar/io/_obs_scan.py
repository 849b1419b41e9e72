"""Byte-level kernels of the RINEX observation reader (numba, compiled once and cached).

Why numba: a full day of 30 s multi-GNSS data is ~130 000 satellite lines and ~2.5 million
F14.3 fields. Converting them with ``float()`` per field takes seconds; a fixed-width numpy
character matrix needs several passes over a ~40 MB matrix. One compiled pass over the bytes
reads the day in a few tens of milliseconds (see ``benchmarks/bench_read.py``).

Numbers are read exactly as Python's ``float()`` would: the digits form an integer mantissa
(< 2**53 for any 14-character field) divided once by an exact power of ten, which IEEE 754
rounds correctly.

Status codes returned by :func:`parse_number`: ``EMPTY`` (all blanks), ``OK``, ``BAD``.
"""

from __future__ import annotations

import numba
import numpy as np

EMPTY, OK, BAD = 0, 1, 2
SPACE, MINUS, PLUS, DOT, ZERO, NINE = 32, 45, 43, 46, 48, 57
_POW10 = np.array([10.0**k for k in range(23)])  # exact in float64 up to 1e22


@numba.njit(cache=True, nogil=True)
def parse_number(buf, a, b, allow_dot):
    """The number written in ``buf[a:b]`` (blank padded) -> (value, status)."""
    p = a
    while p < b and buf[p] == SPACE:
        p += 1
    if p == b:
        return np.nan, EMPTY
    negative = False
    if buf[p] == MINUS or buf[p] == PLUS:
        negative = buf[p] == MINUS
        p += 1
    mantissa = 0
    decimals = 0
    digits = 0
    seen_dot = False
    while p < b:
        c = buf[p]
        if ZERO <= c <= NINE:
            mantissa = mantissa * 10 + (c - ZERO)
            digits += 1
            if seen_dot:
                decimals += 1
        elif c == DOT and allow_dot and not seen_dot:
            seen_dot = True
        else:
            break
        p += 1
    while p < b and buf[p] == SPACE:  # trailing blanks only
        p += 1
    if p != b or digits == 0 or digits > 17 or decimals > 22:
        return np.nan, BAD
    value = mantissa / _POW10[decimals]
    return (-value if negative else value), OK


@numba.njit(cache=True, nogil=True)
def parse_fixed_fields(buf, line_start, line_end, col_a, col_b, allow_dot):
    """Fixed-column numbers of many lines -> (values (n_lines, n_fields), bad_line, bad_field).

    A field beyond the end of its line or blank reads NaN; ``bad_line`` is -1 when all parsed.
    """
    n = line_start.shape[0]
    m = col_a.shape[0]
    out = np.full((n, m), np.nan)
    for i in range(n):
        s = line_start[i]
        e = line_end[i]
        for k in range(m):
            a = s + col_a[k]
            if a >= e:
                continue
            b = min(s + col_b[k], e)
            value, status = parse_number(buf, a, b, allow_dot[k])
            if status == BAD:
                return out, i, k
            out[i, k] = value
    return out, -1, -1


@numba.njit(cache=True, nogil=True)
def _flag_digit(c):
    """LLI / signal-strength character -> 0..9, -1 for blank, -2 for anything else."""
    if c == SPACE:
        return -1
    if ZERO <= c <= NINE:
        return c - ZERO
    return -2


@numba.njit(cache=True, nogil=True)
def fill_observations(buf, seg_start, seg_end, seg_row, seg_col, seg_sys, seg_field0, seg_nfields,
                      data_offset, field_var, values, lli, ssi, seen_lli, seen_ssi):
    """Read every observation field of every record segment into ``values``/``lli``/``ssi``.

    A segment is one line of satellite data: ``data_offset`` characters of satellite ID (3 in
    RINEX 3, 0 in RINEX 2) then ``seg_nfields`` fields of 16 characters (F14.3, LLI, SSI)
    holding observations ``seg_field0 ...`` of system ``seg_sys``; ``field_var[sys, field]``
    is the output variable; ``seen_lli``/``seen_ssi`` mark variables with any indicator. Outputs are (time, satellite, variable) so that the fields of one
    line land side by side in memory (variable-major writes cost 2x in page faults). Returns (-1, 0, 0) or (segment, column, what) of the first bad
    field (what: 0 number, 1 LLI, 2 signal strength, 3 extra characters after the last field).
    """
    for s in range(seg_start.shape[0]):
        start = seg_start[s]
        end = seg_end[s]
        row = seg_row[s]
        col = seg_col[s]
        system = seg_sys[s]
        field0 = seg_field0[s]
        p = start + data_offset
        for k in range(seg_nfields[s]):
            a = p + 16 * k
            if a >= end:
                break
            var = field_var[system, field0 + k]
            b = min(a + 14, end)
            value, status = parse_number(buf, a, b, True)
            if status == BAD or (status == OK and b < a + 14):  # F14.3 is right-aligned: a cut number
                return s, a - start, 0
            if status == OK:
                values[row, col, var] = value
            if a + 14 < end:
                flag = _flag_digit(buf[a + 14])
                if flag == -2:
                    return s, a + 14 - start, 1
                lli[row, col, var] = flag
                if flag >= 0:
                    seen_lli[var] = True
            if a + 15 < end:
                flag = _flag_digit(buf[a + 15])
                if flag == -2:
                    return s, a + 15 - start, 2
                ssi[row, col, var] = flag
                if flag >= 0:
                    seen_ssi[var] = True
        tail = p + 16 * seg_nfields[s]
        for q in range(tail, end):
            if buf[q] != SPACE:
                return s, q - start, 3
    return -1, 0, 0
