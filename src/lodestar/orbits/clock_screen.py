"""Isolated bad samples in a precise clock series, found from the series itself.

A satellite clock sampled every 30 s, 5 min or 15 min is smooth: its second differences
x[j-1] - 2 x[j] + x[j+1] are millimetres at 30 s and a decimetre or two at 15 min (IAC's
15-min BeiDou clocks on 2020-06-25: 0.02-0.15 m, the same as CODE's 5-min clocks sampled
alike). One sample off by e leaves the signature (e, -2e, e) in three consecutive second
differences; at the first (last) sample of a series only e in the first (last) one, and at the
second and third only the part of the signature inside the series. A clock
jump, by contrast, leaves (e, -e) and is not a bad sample.

Measured (docs/precise-products.md, "Bad clock samples"): IAC's ``Sta21114.sp3`` starts the day
with C07 2.3 m and C10 1.2 m off (against CODE's and GFZ's 5-min clocks of the same satellites,
which agree with each other and with IAC's later samples to 0.1 m); interpolated over the first
15 minutes, that pulled a one-hour BeiDou PPP at Wettzell by a metre. Such samples are removed
(the interval around them becomes a clock gap: another centre may serve it, or the satellite
waits for the next good sample) and named in a warning; nothing else is changed.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..constants import C_MPS

__all__ = ["FLOOR_M", "SCATTER_FACTOR", "SIGNATURE_TOLERANCE", "isolated_outliers"]

#: Smallest offset (m) of a sample judged bad: clocks are used by code ranging at the metre level and
#: by PPP through a clock-error state of a few cm (positioning/ppp/api.py), so spikes of 0.2-0.4 m in
#: ultra-rapid GLONASS clocks (ESA ULT 2023-232: R03, R16, R20) are left to those models; the bad samples
#: found are 1-2 m (above).
FLOOR_M = 0.5
#: The rest of the signature must match within this fraction of the large second difference.
SIGNATURE_TOLERANCE = 0.25
#: ...and the offset must also exceed this many robust standard deviations of the series' second differences.
SCATTER_FACTOR = 8.0


def isolated_outliers(times, clock_s) -> np.ndarray:
    """(T, S) bool: samples of ``clock_s`` (T, S; NaN = none) that are isolated outliers.

    ``times``: (T,) datetime64 of an equally spaced table (rows with missing epochs break the
    second differences there: only runs of consecutive equally spaced finite samples are judged).
    """
    x = np.asarray(clock_s, dtype=float) * C_MPS
    n_t = x.shape[0]
    bad = np.zeros(x.shape, dtype=bool)
    if n_t < 4:
        return bad
    step = np.diff(np.asarray(times, "datetime64[ns]").astype(np.int64))
    regular = np.concatenate([[False], step[1:] == step[:-1], [False]])  # row j has equal steps each side
    d2 = np.full(x.shape, np.nan)
    d2[1:-1] = x[:-2] - 2.0 * x[1:-1] + x[2:]
    d2[~regular] = np.nan
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: satellites without a series
        scatter = 1.4826 * np.nanmedian(np.abs(d2 - np.nanmedian(d2, axis=0)), axis=0)
    limit = np.maximum(FLOOR_M, SCATTER_FACTOR * np.nan_to_num(scatter))[None, :]
    size = np.abs(np.nan_to_num(d2))
    big = 0.5 * size > limit  # an interior sample off by e leaves -2e
    tol = SIGNATURE_TOLERANCE * size  # (T, S) how closely the rest of the signature must match

    def shifted(k):  # row j holds d2[j + k] (NaN past the ends: never "quiet")
        out = np.full(d2.shape, np.nan)
        if k > 0:
            out[:-k] = d2[k:]
        else:
            out[-k:] = d2[:k]
        return out

    finite = np.isfinite(x)

    def present(k):  # row j holds whether sample j + k exists (False past the ends)
        out = np.zeros(finite.shape, bool)
        if k > 0:
            out[:-k] = finite[k:]
        else:
            out[-k:] = finite[:k]
        return out

    with np.errstate(invalid="ignore"):
        # interior sample j: d2[j] = -2e, d2[j-1] = d2[j+1] = e, d2[j-2] = d2[j+2] = 0. Near the start
        # (end) of a run the outer differences do not exist: the second and third samples of a series
        # are judged on the side that exists (sample j - 2 missing: no d2[j-1] nor d2[j-2]; j - 3
        # missing: no d2[j-2]), provided one side is whole; a difference that is missing for another
        # reason (unequal steps) still fails the test.
        half = -0.5 * d2
        sides = []
        for sign in (-1, 1):
            edge1, edge2 = ~present(2 * sign), ~present(3 * sign)
            near = (np.abs(shifted(sign) - half) < tol) | edge1
            far = (np.abs(shifted(2 * sign)) < tol) | edge1 | edge2
            sides.append((near & far, ~edge1 & ~edge2))
        (left_ok, left_whole), (right_ok, right_whole) = sides
        spike = big & left_ok & right_ok & (left_whole | right_whole)
        bad[spike] = True
        # first (last) sample of a run: its only second difference is the next (previous) row's, and the
        # two after (before) it are quiet
        prev_missing = np.vstack([np.ones((1, x.shape[1]), bool), ~np.isfinite(x[:-1])])
        next_missing = np.vstack([~np.isfinite(x[1:]), np.ones((1, x.shape[1]), bool)])
        lead_size, tail_size = np.abs(np.nan_to_num(shifted(1))), np.abs(np.nan_to_num(shifted(-1)))
        lead = np.isfinite(x) & prev_missing & (lead_size > limit) \
            & (np.abs(shifted(2)) < SIGNATURE_TOLERANCE * lead_size) & (np.abs(shifted(3)) < SIGNATURE_TOLERANCE * lead_size)
        tail = np.isfinite(x) & next_missing & (tail_size > limit) \
            & (np.abs(shifted(-2)) < SIGNATURE_TOLERANCE * tail_size) & (np.abs(shifted(-3)) < SIGNATURE_TOLERANCE * tail_size)
    return bad | lead | tail

