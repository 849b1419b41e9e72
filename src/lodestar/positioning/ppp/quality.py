"""Data screening before the filter: receiver clock jumps, cycle slips, data gaps -> arcs.

Every cell (epoch, satellite) gets an *arc number*; a new number means a new float ambiguity.
A new arc starts at:

- the loss-of-lock indicator (RINEX 3.05 §5.3, bit 0) on either phase;
- a Melbourne-Wübbena jump: the wide-lane combination departs from its running arc mean by more
  than max(4 sigma of the arc, ``MW_MIN_CYCLES`` wide-lane cycles) (Melbourne 1985, Wübbena 1985;
  Blewitt 1990 TurboEdit uses the same running statistics);
- a geometry-free jump: L1 - L2 (m) changes between epochs by more than the threshold
  ``GF_BASE_M + GF_RATE_MPS * dt`` (ionosphere changes by up to ~1 cm/min at mid latitude; RTKLIB's
  fixed 5 cm is this rule at 30 s), so 1-s data detect smaller slips than 30-s data;
- a gap longer than ``max_gap_s`` (default 2.5 x the sampling interval, at least 60 s);
- a receiver-wide slip: when at least half of the tracked satellites (>= 4) flag at one epoch, every
  arc restarts (the receiver lost lock as a whole, or its clock stepped).

Receiver clock jumps: receivers that keep their clock within 1 ms steer it in whole milliseconds
and step the code but not the phase (or the reverse). The jump shows as the same multiple of
c x 1 ms in P - L for every satellite at one epoch; it is detected (median over satellites) and
added to the phases from that epoch on, so arcs continue and the epoch is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...constants import C_MPS

__all__ = ["Arcs", "clock_jumps", "screen"]

MW_MIN_CYCLES = 2.0  # wide-lane cycles: floor of the MW threshold (noise of a 30-s MW ~0.3 cycle)
MW_SIGMAS = 4.0
GF_BASE_M = 0.03  # geometry-free jump threshold, constant part (m)
GF_RATE_MPS = 0.0007  # and its growth with the interval (m/s): 0.051 m at 30 s
_MS_M = C_MPS * 1e-3  # one millisecond of range
_RECEIVER_WIDE_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class Arcs:
    arc: np.ndarray  # (T, S) int64, -1 where unusable
    slip_reason: np.ndarray  # (T, S) object: why a new arc started ("" otherwise)
    epoch_note: np.ndarray  # (T,) object: receiver-wide slip / clock jump notes
    clock_jump_m: np.ndarray  # (T,) cumulative correction added to the phases (m)


def clock_jumps(p_if, l_if, usable):
    """Cumulative receiver clock-jump correction (T,) for the phases, in metres, and the epoch notes."""
    n_t = p_if.shape[0]
    diff = np.where(usable, p_if - l_if, np.nan)
    step = np.full(n_t, np.nan)
    both = usable[1:] & usable[:-1]
    delta = np.where(both, diff[1:] - diff[:-1], np.nan)
    enough = both.sum(axis=1) >= 2
    with np.errstate(all="ignore"):
        step[1:][enough] = np.nanmedian(delta[enough], axis=1)
    ms = np.round(np.nan_to_num(step) / _MS_M)
    jump = (ms != 0) & (np.abs(np.nan_to_num(step) - ms * _MS_M) < 0.1 * _MS_M)
    correction = np.cumsum(np.where(jump, ms * _MS_M, 0.0))
    notes = np.where(jump, [f"receiver clock jump {int(k):+d} ms corrected" for k in ms], "").astype(object)
    return correction, notes


def screen(dual, times_ns, *, max_gap_s: float | None = None) -> Arcs:
    """Arc numbers per cell from LLI, MW and GF tests, gaps and receiver-wide events."""
    usable = dual.usable
    f1, f2 = dual.f1_hz[None, :], dual.f2_hz[None, :]
    a1, a2 = f1**2 / (f1**2 - f2**2), f2**2 / (f1**2 - f2**2)
    p_if = a1 * dual.p1_m - a2 * dual.p2_m
    l_if = a1 * dual.l1_m - a2 * dual.l2_m
    jump_m, notes = clock_jumps(p_if, l_if, usable)
    l1 = dual.l1_m + jump_m[:, None]
    l2 = dual.l2_m + jump_m[:, None]
    wl_m = C_MPS / (f1 - f2)
    mw_cycles = ((f1 * l1 - f2 * l2) / (f1 - f2) - (f1 * dual.p1_m + f2 * dual.p2_m) / (f1 + f2)) / wl_m
    gf_m = l1 - l2
    seconds = (np.asarray(times_ns, "datetime64[ns]") - np.asarray(times_ns, "datetime64[ns]")[0]).astype(np.int64) / 1e9
    interval = float(np.median(np.diff(seconds))) if seconds.size > 1 else 30.0
    max_gap_s = max(2.5 * interval, 60.0) if max_gap_s is None else max_gap_s
    return _walk(usable, dual.lli, mw_cycles, gf_m, seconds, max_gap_s, notes, jump_m)


#: Why a new arc started, by code (0: it did not); _walk works on the codes, the strings come at the end.
_SLIP_REASONS = np.array(["", "new satellite", "data gap", "loss of lock (LLI)", "Melbourne-Wubbena jump",
                          "geometry-free jump", "receiver-wide slip"], dtype=object)
_NEW, _GAP, _LLI, _MW, _GF, _RECEIVER_WIDE = 1, 2, 3, 4, 5, 6


def _walk(usable, lli, mw, gf, seconds, max_gap_s, notes, jump_m) -> Arcs:
    """Epoch loop, vectorised over satellites: running MW statistics (Welford) per arc.

    The tests that look only at a satellite's previous usable epoch (new satellite, gap, LLI,
    geometry-free jump) are made for every cell before the loop; the loop keeps what depends on
    the arcs themselves (MW statistics since the last slip, receiver-wide slips)."""
    n_t, n_s = usable.shape
    first, gf_jump = _previous_epoch_tests(usable, lli, gf, seconds, max_gap_s)
    arc = np.full((n_t, n_s), -1, np.int64)
    reason = np.zeros((n_t, n_s), np.int8)
    current = np.full(n_s, -1, np.int64)
    next_id = 0
    count = np.zeros(n_s)
    mean = np.zeros(n_s)
    m2 = np.zeros(n_s)
    for t in range(n_t):
        ok = usable[t]
        why = first[t].copy()
        continuing = ok & (why != _NEW)
        sigma = np.sqrt(m2 / np.maximum(count - 1, 1))
        limit = np.maximum(MW_SIGMAS * np.where(count >= 5, sigma, 0.0), MW_MIN_CYCLES)
        mw_jump = continuing & (count > 0) & (np.abs(mw[t] - mean) > limit)
        why[mw_jump & (why == 0)] = _MW
        why[gf_jump[t] & (why == 0)] = _GF
        slip = ok & (why != 0)
        n_continuing = int(continuing.sum())
        if n_continuing >= 4 and (slip & continuing).sum() >= _RECEIVER_WIDE_SHARE * n_continuing:
            why[ok & (why == 0)] = _RECEIVER_WIDE
            slip = ok.copy()
            notes[t] = "; ".join(x for x in (notes[t], "receiver-wide slip: all ambiguities reset") if x)
        n_new = int(slip.sum())
        current[slip] = next_id + np.arange(n_new)
        next_id += n_new
        count[slip], mean[slip], m2[slip] = 0.0, 0.0, 0.0
        # Welford update of the MW statistics of the continuing/new arcs
        count[ok] += 1
        delta = mw[t, ok] - mean[ok]
        mean[ok] += delta / count[ok]
        m2[ok] += delta * (mw[t, ok] - mean[ok])
        arc[t, ok] = current[ok]
        reason[t, slip] = why[slip]
    return Arcs(arc, _SLIP_REASONS[reason], notes, jump_m)


def _previous_epoch_tests(usable, lli, gf, seconds, max_gap_s):
    """(T, S) first reason code among new satellite, data gap, LLI (0 none), and (T, S) geometry-free
    jumps: each cell against its satellite's previous usable epoch."""
    n_t, n_s = usable.shape
    rows = np.where(usable, np.arange(n_t)[:, None], -1)
    seen = np.maximum.accumulate(rows, axis=0)  # last usable row at or before t
    previous = np.vstack([np.full((1, n_s), -1), seen[:-1]])
    has_previous = previous >= 0
    before = np.maximum(previous, 0)
    dt = np.where(has_previous, seconds[:, None] - seconds[before], np.inf)
    new = usable & ~has_previous
    continuing = usable & has_previous
    first = np.where(new, _NEW, 0).astype(np.int8)
    first[continuing & (dt > max_gap_s)] = _GAP
    first[continuing & lli & (first == 0)] = _LLI
    last_gf = np.where(has_previous, np.take_along_axis(gf, before, axis=0), np.nan)
    gf_limit = GF_BASE_M + GF_RATE_MPS * np.where(np.isfinite(dt), dt, 0.0)
    with np.errstate(invalid="ignore"):
        gf_jump = continuing & (np.abs(gf - last_gf) > gf_limit)
    return first, gf_jump
