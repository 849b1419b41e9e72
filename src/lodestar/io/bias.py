"""Bias-SINEX 1.00: observable-specific (OSB) and differential (DSB) code and phase biases.

>>> table = read_bias("COD0OPSFIN_20261330000_01D_01D_OSB.BIA.gz")
>>> code_bias_s(table, ["G01", "R05"], ["C1C", "C1P"], np.datetime64("2026-05-13T12:00"))   # (S,), NaN if none
>>> table.attrs["clock_reference"]       # {"G": ["C1W", "C2W"], ...} from BIAS/DESCRIPTION

Format: Bias-SINEX 1.00 (S. Schaer, "SINEX BIAS - Solution (Software/technique) INdependent
EXchange Format for GNSS Biases, Version 1.00", 7 Dec 2016). ``BIAS/SOLUTION`` lines:
``1X,A4 bias type (OSB/DSB/ISB), 1X,A4 SVN, 1X,A3 PRN, 1X,A9 station, 1X,A4 OBS1, 1X,A4 OBS2,
1X,A14 start, 1X,A14 end (YYYY:DDD:SSSSS), 1X,A4 unit, 1X,E21.15 value, 1X,E11.6 std. dev.,
[1X,E21.15 slope, 1X,E11.6 slope std. dev.]``. Units: ``ns`` (converted to seconds: ``value_s``,
``sigma_s``) or ``cyc`` for phase biases (kept in cycles: ``value_cycles``, ``sigma_cycles``); slopes
are per day (``slope_per_day``, in the value's unit: s or cycles). Sign: the bias is taken off the
measurement, corrected observation = observed - c * OSB (the convention of the IGS OSB products);
a DSB OBS1-OBS2 is the difference of the two OSBs. Times: the file's TIME_SYSTEM (G = GPS).
Satellite rows have ``sv`` (``"G01"``); station rows have ``station`` and ``system`` only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import FormatError
from .sinex import block_lines

__all__ = ["read_bias", "code_bias_s", "phase_bias_cycles", "differential_bias_s"]

_NS = 1e-9  # Bias-SINEX unit "ns"
_COLUMNS = ["kind", "svn", "sv", "system", "station", "obs1", "obs2", "start", "end", "unit", "value_s",
            "sigma_s", "value_cycles", "sigma_cycles", "slope_per_day", "line"]
_KINDS = ("OSB", "DSB", "ISB")


def read_bias(path, *, content: bytes | None = None) -> pd.DataFrame:
    """All ``BIAS/SOLUTION`` rows of a Bias-SINEX file (one row per bias)."""
    lines, start = block_lines(path, content, "%=BIA", "BIAS/SOLUTION")
    rows = []
    epochs: dict = {}  # the same few time tags repeat on every line: convert each once
    for index in range(start + 1, len(lines)):
        text = lines[index].rstrip("\r")
        if text.startswith("-BIAS/SOLUTION"):
            table = pd.DataFrame(rows, columns=_COLUMNS)
            table["start"] = table["start"].astype("datetime64[ns]")
            table["end"] = table["end"].astype("datetime64[ns]")
            table.attrs["clock_reference"] = _clock_reference(lines)
            table.attrs["path"] = str(path)
            return table
        if text.startswith("*") or not text.strip():
            continue
        rows.append(_row(path, index + 1, text, epochs))
    raise FormatError(path, len(lines), "the end of the block '-BIAS/SOLUTION' (the file is cut)", "end of file")


def _row(path, number: int, text: str, epochs: dict) -> dict:
    kind, unit = text[1:5].strip(), text[65:69].strip()
    if kind not in _KINDS or unit not in ("ns", "cyc"):
        raise FormatError(path, number, "a BIAS/SOLUTION line: OSB/DSB/ISB in columns 2-5 and unit ns or cyc "
                          "in columns 66-69", text.rstrip())
    try:
        value = float(text[70:91])
        sigma = float(text[92:103]) if text[92:103].strip() else np.nan
        slope = float(text[104:125]) if text[104:125].strip() else np.nan
    except ValueError:
        raise FormatError(path, number, "the estimated value (E21.15, columns 71-91) and its standard deviation "
                          "(E11.6, columns 93-103)", text.rstrip()) from None
    svn, prn, station = text[6:10].strip(), text[11:14].strip(), text[15:24].strip()
    scale = _NS if unit == "ns" else 1.0
    in_time = unit == "ns"
    return {"kind": kind, "svn": svn, "sv": prn if len(prn) == 3 else "", "system": (prn or svn)[:1],
            "station": station, "obs1": text[25:29].strip(), "obs2": text[30:34].strip(),
            "start": _cached_epoch(path, number, text[35:49], "the bias start", epochs),
            "end": _cached_epoch(path, number, text[50:64], "the bias end", epochs), "unit": unit,
            "value_s": value * scale if in_time else np.nan, "sigma_s": sigma * scale if in_time else np.nan,
            "value_cycles": np.nan if in_time else value, "sigma_cycles": np.nan if in_time else sigma,
            "slope_per_day": slope * scale, "line": number}


def _cached_epoch(path, number, text, what, epochs: dict) -> np.datetime64:
    value = epochs.get(text)
    if value is None:
        value = epochs[text] = _epoch(path, number, text, what)
    return value


def _epoch(path, number: int, text: str, what: str) -> np.datetime64:
    """``YYYY:DDD:SSSSS`` (Bias-SINEX 1.00; ``0000:000:00000`` = open) -> datetime64 (NaT when open)."""
    try:
        year, day, seconds = (int(part) for part in text.split(":"))
    except ValueError:
        raise FormatError(path, number, f"{what} as YYYY:DDD:SSSSS", text) from None
    if year == 0:
        return np.datetime64("NaT", "ns")
    if not (1 <= day <= 366 and 0 <= seconds <= 86400):
        raise FormatError(path, number, f"{what} as YYYY:DDD:SSSSS", text)
    return np.datetime64(f"{year:04d}-01-01", "ns") + np.timedelta64(day - 1, "D") + np.timedelta64(seconds, "s")


def _clock_reference(lines) -> dict:
    """``SATELLITE_CLOCK_REFERENCE_OBSERVABLES`` of BIAS/DESCRIPTION: system -> observation codes."""
    out = {}
    for text in lines:
        if text.startswith("-BIAS/DESCRIPTION"):
            break
        if text.startswith(" SATELLITE_CLOCK_REFERENCE_OBSERVABLES"):
            fields = text[40:].split()
            if fields:
                out.setdefault(fields[0], []).extend(fields[1:])
    return out


def _valid_rows(table, kind, when, value_column, station):
    rows = table[(table["kind"] == kind) & (table["station"] == (station or ""))]
    inside = (rows["start"].isna() | (rows["start"] <= when)) & (rows["end"].isna() | (when < rows["end"]))
    return rows[inside & rows[value_column].notna()]


def _lookup(table, svs, codes, time, value_column, station=None, kind="OSB", codes2=None) -> np.ndarray:
    """Values per satellite; for a station, its per-satellite row or else its per-system row."""
    svs = np.asarray(svs).astype(str)
    codes = np.broadcast_to(np.asarray(codes).astype(str), svs.shape)
    codes2 = np.broadcast_to(np.asarray("" if codes2 is None else codes2).astype(str), svs.shape)
    rows = _valid_rows(table, kind, np.datetime64(time, "ns"), value_column, station)
    found = dict(zip(zip(rows["sv"], rows["system"], rows["obs1"], rows["obs2"]), rows[value_column]))
    return np.array([found.get((sv, sv[:1], c1, c2), found.get(("", sv[:1], c1, c2), np.nan))
                     for sv, c1, c2 in zip(svs, codes, codes2)], dtype=float)


def code_bias_s(table: pd.DataFrame, svs, codes, time, *, station: str | None = None) -> np.ndarray:
    """(S,) OSB (s) of ``codes`` (one code, or one per satellite) valid at ``time``; NaN where none.

    Satellite biases by default; with ``station``, that receiver's biases (per satellite where the
    file gives them, else per system).
    """
    return _lookup(table, svs, codes, time, "value_s", station)


def phase_bias_cycles(table: pd.DataFrame, svs, codes, time, *, station: str | None = None) -> np.ndarray:
    """(S,) phase OSB in cycles (files giving ``cyc``); NaN where none (``ns`` files: use code_bias_s)."""
    return _lookup(table, svs, codes, time, "value_cycles", station)


def differential_bias_s(table: pd.DataFrame, svs, obs1, obs2, time, *, station: str | None = None) -> np.ndarray:
    """(S,) DSB OBS1-OBS2 (s) valid at ``time``; NaN where the file has none (OSB files: difference two OSBs)."""
    return _lookup(table, svs, obs1, time, "value_s", station, kind="DSB", codes2=obs2)
