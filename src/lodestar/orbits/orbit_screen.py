"""Isolated bad samples in a precise orbit series, found from the series itself.

A satellite orbit sampled every 5 or 15 minutes is smooth enough that each sample is predicted by
the polynomial through its ten neighbours (an 11-sample window, the sample itself left out; the
Lagrange interpolation the orbits are used with, as ``precise.lagrange_weights`` computes it). Measured on the
SP3 files of the sample data (GRG and IAC 15 min, CODE and GFZ 5 min, 2020-2023): the prediction
misses by 2 mm (median) with the sample in the window's middle, 1.4 cm with it third from an end,
6 cm second and 0.6 m at the end, and by up to 0.6 m even in the middle near the perigee of
Galileo's eccentric E14 and E18 (e = 0.16) at 15 min, where the error varies smoothly from sample
to sample.

One sample off by a vector ``e`` leaves a signature: its own residual is ``e`` and the residual of
each neighbour ``k`` whose window holds it is ``-w_k e`` (``w_k`` the weight of the bad sample in
``k``'s prediction: -0.83, +0.48, ... in the middle). A sample is judged bad when its residual
exceeds :data:`FLOOR_M` and the neighbours' residuals show that signature within
:data:`SIGNATURE_TOLERANCE` of its size: an orbit error that varies smoothly (E18) or a manoeuvre
does not. Only samples in the middle of their window are judged, and against neighbours in the
middle of theirs: every leave-one-out residual of one 11-sample window is the same tenth difference
times a constant, so within one window a bad sample cannot be told from its neighbours; the
signature lives in the windows sliding past it. The first and last five samples of a run of equally
spaced samples (of a product joined with the day before and after: its span's ends) are not judged.

Such samples are removed (their interpolation windows become an orbit gap: another centre may
serve it, or the satellite waits) and named in a warning. Found by the bad-values sweep of
2026-12-08: GRG's R11 10 m off at one epoch moved a one-hour GLONASS PPP at Wettzell by 9 m with
decimetre sigmas; where IAC also carried R11, the only message was that the two centres disagreed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FLOOR_M", "SIGNATURE_TOLERANCE", "isolated_orbit_outliers"]

#: Smallest offset (m) of a sample judged bad, mid-window: 500 x the median prediction error there, and
#: above the smooth 0.6 m of E14/E18 at perigee.
FLOOR_M = 1.0
#: The neighbours' residuals must match the signature within this fraction of the bad sample's offset. A bad
#: sample matches it to the orbit's noise (millimetres); a step (a manoeuvre, an arc change) leaves residuals
#: 16-19 % off a bad sample's signature at the samples either side of it, so the tolerance stays below that.
SIGNATURE_TOLERANCE = 0.10

_WINDOW = 11  # the sample and its ten neighbours
_MIDDLE = _WINDOW // 2  # samples are judged in the middle of their window only (module docstring)


def _leave_one_out_weights() -> np.ndarray:
    """(11, 11): row p, the Lagrange weights of the window's samples predicting its sample p from the other
    ten (0 for p itself): w_k = prod over m != k, p of (p - m) / (k - m)."""
    out = np.zeros((_WINDOW, _WINDOW))
    for p in range(_WINDOW):  # 11 x 10 x 9 products, once per call
        for k in range(_WINDOW):
            if k != p:
                out[p, k] = np.prod([(p - m) / (k - m) for m in range(_WINDOW) if m not in (k, p)])
    return out


def isolated_orbit_outliers(times, positions_m) -> np.ndarray:
    """(T, S) bool: samples of ``positions_m`` (T, S, 3; NaN = none) that are isolated outliers.

    ``times``: (T,) datetime64 of the table; only windows of equally spaced finite samples are used.
    """
    x = np.asarray(positions_m, dtype=float)
    n_t = x.shape[0]
    bad = np.zeros(x.shape[:2], dtype=bool)
    if n_t < _WINDOW:
        return bad
    weights = _leave_one_out_weights()
    start = np.clip(np.arange(n_t) - _WINDOW // 2, 0, n_t - _WINDOW)
    pos = np.arange(n_t) - start  # each sample's place in its window
    rows = start[:, None] + np.arange(_WINDOW)  # (T, 11)
    ticks = np.asarray(times, "datetime64[ns]").astype(np.int64)[rows]
    steps = np.diff(ticks, axis=1)
    regular = np.all(steps == steps[:, :1], axis=1) & (pos == _MIDDLE)
    values = x[rows]  # (T, 11, S, 3)
    complete = np.all(np.isfinite(values), axis=(1, 3))  # the sample itself included
    with np.errstate(invalid="ignore"):
        predicted = np.einsum("tk,tksc->tsc", weights[pos], np.nan_to_num(values))
    residual = np.where((regular[:, None] & complete)[..., None], x - predicted, np.nan)  # (T, S, 3)
    size = np.linalg.norm(residual, axis=-1)
    with np.errstate(invalid="ignore"):
        candidates = np.argwhere(size > FLOOR_M)
    for j, s in candidates:  # rare: only samples already off by more than the floor
        neighbours = [k for k in range(max(0, j - _WINDOW + 1), min(n_t, j + _WINDOW))
                      if k != j and start[k] <= j < start[k] + _WINDOW and np.isfinite(size[k, s])]
        if len(neighbours) < 2:
            continue
        signature = np.array([-weights[pos[k], j - start[k]] * residual[j, s] for k in neighbours])
        misfit = np.linalg.norm(residual[neighbours, s] - signature, axis=-1)
        if np.all(misfit < SIGNATURE_TOLERANCE * size[j, s]):
            bad[j, s] = True
    return bad
