"""Hatch carrier smoothing of code pseudoranges (Hatch 1982; RTCA DO-229 / DO-316 100 s filter).

    P_s(t) = P(t) / n + (n - 1) / n * (P_s(t - 1) + Phi(t) - Phi(t - 1)),   n = min(n + 1, N)

with Phi the carrier phase in metres of the same signal (or the same iono-free combination: then
the code and carrier ionosphere cancel and the filter has no divergence). The filter restarts on
a loss-of-lock indicator (LLI bit 0), a gap in the data, a change of code, or a code-minus-
predicted jump above 20 m (an undetected cycle slip). Loops over epochs only; satellites are
vectorized.
"""

from __future__ import annotations

import numpy as np

from ..constants import C_MPS
from . import observables

__all__ = ["hatch_filter", "hatch_smooth_prepared", "carrier_metres"]

_SLIP_M = 20.0


def hatch_filter(code_m, phase_m, reset, window: int):
    """Smooth ``code_m`` ``(T, S)`` with ``phase_m`` ``(T, S)``; ``reset`` ``(T, S)`` bool restarts a cell."""
    out = np.full(code_m.shape, np.nan)
    count = np.zeros(code_m.shape[1])
    previous_s = np.full(code_m.shape[1], np.nan)
    previous_phase = np.full(code_m.shape[1], np.nan)
    for t in range(code_m.shape[0]):  # the filter is recursive in time
        code, phase = code_m[t], phase_m[t]
        predicted = previous_s + (phase - previous_phase)
        restart = reset[t] | ~np.isfinite(predicted) | (np.abs(code - predicted) > _SLIP_M)
        count = np.where(restart, 1.0, np.minimum(count + 1.0, window))
        smoothed = np.where(restart, code, code / count + (count - 1.0) / count * predicted)
        usable = np.isfinite(code)
        out[t] = np.where(usable, np.where(np.isfinite(phase), smoothed, code), np.nan)
        previous_s = np.where(usable & np.isfinite(phase), smoothed, np.nan)
        previous_phase = np.where(usable, phase, np.nan)
    return out


def carrier_metres(obs, sv_column: int, code: str, frequency_hz):
    """Carrier phase (m) and loss-of-lock flag of the phase matching ``code`` (``C1C`` -> ``L1C``)."""
    name = "L" + code[1:]
    n_time = obs.sizes["time"]
    if name not in obs.data_vars or not np.isfinite(frequency_hz).any():
        return np.full(n_time, np.nan), np.zeros(n_time, bool)
    phase = obs[name].values[:, sv_column] * (C_MPS / frequency_hz)
    lli_name = f"{name}_lli"
    lli = obs[lli_name].values[:, sv_column] if lli_name in obs.data_vars else np.zeros(n_time, np.int8)
    return phase, (np.asarray(lli) > 0) & ((np.asarray(lli) & 1) == 1)


def hatch_smooth_prepared(obs, svs, channels, pseudorange, code, window_s: float, iono_mode: str):
    """Smooth the chosen code (or iono-free code) of every satellite with its own carrier."""
    interval = float(obs.attrs.get("interval_s") or np.median(np.diff(obs["time"].values).astype(np.int64)) / 1e9)
    window = max(int(round(window_s / interval)), 1)
    sv_all = list(obs["sv"].values)
    phase_m = np.full(pseudorange.shape, np.nan)
    reset = np.zeros(pseudorange.shape, bool)
    for j, sv in enumerate(svs):
        column = sv_all.index(sv)
        channel = channels[j] if sv[0] == "R" else None
        for name in set(code[:, j]) - {""}:
            rows = code[:, j] == name
            phase, slip = _phase_for(obs, column, sv[0], name, channel)
            phase_m[rows, j] = phase[rows]
            reset[rows, j] = slip[rows]
        changed = np.r_[True, code[1:, j] != code[:-1, j]]
        reset[:, j] |= changed
    gap = np.r_[True, np.diff(obs["time"].values).astype(np.int64) / 1e9 > 1.5 * interval]
    reset |= gap[:, None]
    return hatch_filter(pseudorange, phase_m, reset, window)


def _phase_for(obs, column, system, name, channel):
    if "+" not in name:
        f = observables.code_frequency_hz(name, system, channel)
        return carrier_metres(obs, column, name, f)
    first, second = name.split("+")
    f1 = observables.code_frequency_hz(first, system, channel)
    f2 = observables.code_frequency_hz(second, system, channel)
    p1, s1 = carrier_metres(obs, column, first, f1)
    p2, s2 = carrier_metres(obs, column, second, f2)
    return observables.iono_free(p1, p2, f1, f2), s1 | s2
