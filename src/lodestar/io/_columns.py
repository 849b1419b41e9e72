"""Fixed-column numbers of RINEX, SP3, clock and SINEX text (Fortran ``D`` exponents, blanks = NaN).

:func:`number` reads one field; :func:`text_block` and :func:`block_floats` read a whole
column of many lines at once with numpy (SP3 and clock files have up to ~10^5 lines).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import FormatError

__all__ = ["Line", "number", "numbers", "epoch_fields", "datetimes", "text_block", "block_floats"]

NAN = math.nan
#: RINEX 3.05 Table A10: "L1/L2 group delay difference ... .999999999999E+09 if not known".
UNKNOWN_MARK = 0.999999999999e9


@dataclass(frozen=True)
class Line:
    """One line of the file with its 1-based number (kept for error messages and ``line``)."""

    number: int
    text: str


def number(path, line: Line, start: int, stop: int, what: str) -> float:
    """The number in columns ``[start, stop)``; NaN when blank."""
    field = line.text[start:stop].strip()
    if not field:
        return NAN
    try:
        return float(field.replace("D", "E").replace("d", "e"))
    except ValueError:
        raise FormatError(
            path, line.number, f"{what} (a number in columns {start + 1}-{stop})", line.text.rstrip()
        ) from None


def numbers(path, line: Line, start: int, count: int, width: int, what: str) -> list[float]:
    """``count`` numbers of ``width`` columns from ``start``; text past them must be blank."""
    stop = start + count * width
    if line.text[stop:].strip():
        raise FormatError(path, line.number, f"{what}: at most {count} numbers of {width} columns", line.text.rstrip())
    return [number(path, line, start + i * width, start + (i + 1) * width, what) for i in range(count)]


def epoch_fields(path, line: Line, text: str, what: str) -> tuple[int, int, int, int, int, float]:
    """``yyyy mm dd hh mm ss`` (RINEX 3/4) or ``yy mm dd hh mm ss.s`` (RINEX 2) as numbers."""
    parts = text.split()
    try:
        if len(parts) != 6:
            raise ValueError
        year, month, day, hour, minute = (int(p) for p in parts[:5])
        second = float(parts[5])
    except ValueError:
        raise FormatError(path, line.number, f"{what}: an epoch 'year month day hour minute second'", line.text.rstrip()) from None
    if year < 100:  # RINEX 2 two-digit years: 80-99 -> 19xx, 00-79 -> 20xx
        year += 1900 if year >= 80 else 2000
    valid = 1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= second < 61
    if not valid or not 1980 <= year <= 2200:
        raise FormatError(path, line.number, f"{what}: a valid calendar epoch", line.text.rstrip())
    return year, month, day, hour, minute, second


def datetimes(fields: np.ndarray) -> np.ndarray:
    """``datetime64[ns]`` from an (N, 6) array of year, month, day, hour, minute, second."""
    fields = np.asarray(fields, dtype=np.float64).reshape(-1, 6)
    year, month, day, hour, minute, second = fields.T
    months = ((year - 1970) * 12 + (month - 1)).astype(np.int64)
    dates = months.astype("datetime64[M]").astype("datetime64[ns]")
    ns = ((day - 1) * 86400 + hour * 3600 + minute * 60).astype(np.int64) * 1_000_000_000
    ns += np.round(second * 1e9).astype(np.int64)
    return dates + ns.astype("timedelta64[ns]")


# Bytes allowed inside a numeric field: digits, blank, sign, point and exponent letters.
_NUMERIC = np.zeros(256, dtype=bool)
_NUMERIC[[ord(c) for c in "0123456789 +-.EeDd"]] = True
_SPACE, _NUL = ord(" "), 0


def text_block(lines: list[bytes], width: int) -> np.ndarray:
    """Lines as an (N, width) ``uint8`` matrix, blank-padded (longer lines are cut)."""
    block = np.array(lines, dtype=f"S{width}").view(np.uint8).reshape(len(lines), width).copy()
    block[block == _NUL] = _SPACE
    return block


def block_floats(path, block: np.ndarray, start: int, stop: int, line_numbers, what: str,
                 base: int = 0, shown=None, culprits: list | None = None) -> np.ndarray:
    """The numbers in columns ``[start, stop)`` of every row of ``block``; blank -> NaN.

    Errors name columns counted from ``base`` and show ``shown(row)`` (default: the row's text).
    ``culprits``: instead of raising at the first unreadable field, every such row is NaN and appended as
    ``(row, FormatError)`` (a reader that can set one record aside and go on).
    """
    field = np.ascontiguousarray(block[:, start:stop])
    field[(field == ord("D")) | (field == ord("d"))] = ord("E")
    blank = (field == _SPACE).all(axis=1)
    bad_char = ~_NUMERIC[field].all(axis=1)
    strings = field.view(f"S{stop - start}").ravel().copy()
    strings[blank] = b"nan"
    values = np.full(len(strings), np.nan)
    good = ~bad_char
    vectorised = True
    try:
        values[good] = strings[good].astype(np.float64)
        if not bad_char.any():
            return values
    except ValueError:
        vectorised = False
    for row, text in enumerate(strings):  # find the first culprit for the message
        if bad_char[row] or not _is_float(text):
            text = shown(row) if shown else bytes(block[row]).decode("latin-1")
            error = FormatError(path, int(line_numbers[row]),
                                f"{what} (a number in columns {start - base + 1}-{stop - base})", text.rstrip())
            if culprits is None:
                raise error
            culprits.append((row, error))
            values[row] = np.nan
        elif not vectorised:
            values[row] = float(text)
    return values


def _is_float(text: bytes) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
