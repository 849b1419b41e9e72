"""Observable-specific code biases (Bias-SINEX OSB) applied to pseudoranges with precise clocks.

Precise clocks refer to the ionosphere-free combination of each system's reference signals
(Bias-SINEX ``SATELLITE_CLOCK_REFERENCE_OBSERVABLES``; IGS: G C1W/C2W, R C1P/C2P, E C1C/C5Q,
C C2I/C6I), whose OSB combination is zero by construction. Any code X is made consistent with them
by the satellite OSB: corrected P_X = P_X - c OSB_X (Bias-SINEX 1.00 sign convention, Schaer
2016; Villiger et al. 2019, J Geod 93:1487); an iono-free pair takes a1 OSB_1 + a2 OSB_2. The OSB
is taken relative to the clocks' reference pair (minus that pair's iono-free OSB, ~0 when the bias
file uses the same reference), so a file with another reference still fits the clocks. Where
an OSB is given it replaces the broadcast-group-delay conversion that :mod:`.prepare` applies
otherwise (``group_s``: the delay of the cell's code behind the precise clock's reference, in s).

A file whose validity does not cover the observations is still used, with a warning that names it
and the distance in days (satellite code biases drift by ~0.1 ns per month: Montenbruck &
Hauschild 2013 report day-to-day repeatability of 0.1-0.2 ns for GPS/Galileo/BeiDou DCBs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..constants import C_MPS
from ..errors import LodestarError
from ..io.bias import code_bias_s, read_bias
from ..models.phase_center import if_coefficients

__all__ = ["apply_code_biases", "osb_lookup_time"]


def _read(paths):
    tables = []
    for path in paths:
        if not Path(path).exists():
            raise LodestarError(f"--bias {path}: file not found")
        tables.append(read_bias(path))
    return tables


def osb_lookup_time(table, time, warnings):
    """The time to look biases up at: ``time`` if covered, else the nearest covered instant (warned)."""
    osb = table[table["kind"] == "OSB"]
    if osb.empty:
        raise LodestarError(f"{table.attrs.get('path')}: no OSB rows (a DSB-only file cannot correct single codes)")
    start, end = osb["start"].min(), osb["end"].max()
    if start <= time < end:
        return time
    nearest = start if time < start else end - np.timedelta64(1, "s")
    days = abs((time - nearest) / np.timedelta64(1, "D"))
    warnings.append(f"{table.attrs.get('path')} is valid {str(start)[:10]} to {str(end)[:10]}, not on the "
                    f"observation day: its satellite code biases are used {days:.0f} days away")
    return nearest


def _osb(tables, svs, code, when):
    """(S,) OSB (s) of one code for every satellite: the first file that has it."""
    out = np.full(len(svs), np.nan)
    for table, at in zip(tables, when):
        missing = np.isnan(out)
        if missing.any():
            out[missing] = code_bias_s(table, np.asarray(svs)[missing], code, at)
    return out


#: The signals precise clocks refer to (IGS conventions; the IAC SP3 header and Bias-SINEX
#: SATELLITE_CLOCK_REFERENCE_OBSERVABLES of WUM/CODE say the same): OSBs are taken relative to them.
CLOCK_REFERENCE = {"G": ("C1W", "C2W"), "R": ("C1P", "C2P"), "E": ("C1C", "C5Q"), "C": ("C2I", "C6I")}


def _reference_osb(tables, svs, when):
    """(S,) OSB of each satellite's clock-reference iono-free combination (0 when the file uses the
    same reference; NaN where the file lacks one of the two)."""
    out = np.zeros(len(svs))
    for system, (r1, r2) in CLOCK_REFERENCE.items():
        cols = np.array([str(sv)[0] == system for sv in svs])
        if not cols.any():
            continue
        a1, a2 = if_coefficients(system, r1[1], r2[1])
        b1 = _osb(tables, np.asarray(svs)[cols], r1, when)
        b2 = _osb(tables, np.asarray(svs)[cols], r2, when)
        out[cols] = np.where(np.isfinite(b1) & np.isfinite(b2), a1 * b1 + a2 * b2, 0.0)
    return out


def apply_code_biases(corrected, codes, svs, t_tx, paths, group_s):
    """(pseudorange, info, warnings): OSB-corrected where every code of a cell has an OSB."""
    tables = _read(paths)
    time = np.datetime64(np.asarray(t_tx).reshape(-1)[len(np.asarray(t_tx).reshape(-1)) // 2], "ns")
    warnings = []
    when = [osb_lookup_time(table, time, warnings) for table in tables]
    corrected = corrected.copy()
    codes = np.asarray(codes).astype(str)
    applied, missing = {}, {}
    reference = _reference_osb(tables, svs, when)
    known = np.array([str(sv)[0] in CLOCK_REFERENCE for sv in svs])
    for code in np.unique(codes):
        if not code:
            continue
        parts = code.split("+")
        values = [_osb(tables, svs, part, when) for part in parts]
        in_use = codes == code
        osb = np.full(len(svs), np.nan)
        letters = np.array([str(sv)[0] for sv in svs])
        for system in np.unique(letters[in_use.any(axis=0)]):  # per system: the iono-free weights
            cols = letters == system
            if len(parts) == 2:
                a1, a2 = if_coefficients(str(system), parts[0][1], parts[1][1])
                osb[cols] = a1 * values[0][cols] + a2 * values[1][cols]
            else:
                osb[cols] = values[0][cols]
        osb = np.where(known, osb - reference, osb)
        ok = np.isfinite(osb)
        cells = in_use & ok[None, :]
        # replace the broadcast-TGD conversion (already in ``corrected``) by the OSB
        corrected = np.where(cells, corrected + C_MPS * group_s - C_MPS * osb[None, :], corrected)
        used = in_use.any(axis=0)
        if (used & ok).any():
            applied[str(code)] = [str(sv) for sv in np.asarray(svs)[used & ok]]
        if (used & ~ok).any():
            missing[str(code)] = [str(sv) for sv in np.asarray(svs)[used & ~ok]]
    if missing:
        warnings.append("no OSB for " + "; ".join(f"{code}: {' '.join(svs_)}" for code, svs_ in missing.items())
                        + " (broadcast group delays used for them)")
    info = {"files": [str(p) for p in paths], "applied": applied, "missing": missing,
            "clock_reference": tables[0].attrs.get("clock_reference", {}) if tables else {}}
    return corrected, info, warnings
