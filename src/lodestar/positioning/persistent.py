"""Persistent range faults: a satellite whose pseudoranges stay biased by metres for a long time.

RAIM (``raim.py``) tests each epoch on its own. A satellite whose range is off by a constant
10 m (a bad broadcast clock or orbit, a satellite code bias, long-period multipath) passes it
when every range already carries metres of a-priori uncertainty: at solar maximum Klobuchar's
50 % ionosphere error alone gives 3-5 m, so 10 m is 2 sigma in every epoch, and the fault moves
every position a little, all hour long (TLSE 2024-01-01: GLONASS R10, docs/positioning.md).

Over many epochs the fault is visible. With the position and clocks free in every epoch, the
least-squares estimate of a constant error ``b_j`` on satellite ``j`` from the post-fit residuals
``v`` of the solution without it is (the outlier-as-parameter form of Baarda's w-test, summed over
independent epochs; Teunissen 2006, "Testing theory", §4.3)::

    b_j = sum_t w_tj v_tj / sum_t w_tj r_tj          (r the redundancy numbers)

with formal variance ``f^2 / sum_t w_tj r_tj``. ``f^2`` is the variance factor of the satellite's
system measured on its *other* satellites as they would be with it left out (Cook & Weisberg 1982
deletion formulas; Koch 1999 §3.6): the fault must not raise the yardstick it is judged by. SPP
errors are correlated over minutes (ionosphere, multipath, broadcast orbits), so the formal
variance is inflated by the number of epochs in :data:`CORRELATION_S`. A healthy satellite carries a
persistent error of about its system's broadcast signal-in-space error
(``weights.BROADCAST_SISRE_M``: GLONASS 2 m, BeiDou 1 m, GPS 0.6 m, Galileo 0.2 m) and
:data:`LOCAL_ERROR_M` of multipath and ionosphere-model pattern, so the test statistic is::

    u_j = b_j / sqrt(s_SIS^2 + LOCAL_ERROR_M^2 + CORRELATION_EPOCHS f^2 / sum_t w_tj r_tj)

Only epochs with two or more redundant observations count, and a satellite is judged only when
its test is not correlated beyond :data:`SEPARABILITY` with another satellite's (the correlation of
two sums of ``w v`` is ``-sum w_i w_j A_ij / sqrt(sum w_i r_i sum w_j r_j)``): with GLONASS alone
at TLSE R10's test correlates 0.96 with R20's and the geometry cannot say which one is off.
``|u_j| > K`` (:data:`THRESHOLD`, 3: two-sided p = 0.0027) names the satellite; one per round (the
largest), then the test is repeated without it (:data:`MAX_FAULTS` rounds), as RAIM excludes.
A named satellite leaves every epoch that keeps two redundant observations with it (so one without
it: still testable), and in the others stays with its estimated error ``b_j^2`` added to its
variance (``spp._without_persistent_faults``). Post-processing sums over the session; the causal
mode over the past epochs only (exponential memory :data:`MEMORY_S`), so epoch ``t`` is judged
from epochs ``< t``.

The statistic is computed on the first solution (a-priori weights, no code biases, after the
first RAIM): once session biases exist, a GLONASS channel seen by a single satellite takes that
satellite's fault into its "channel" bias (TLSE: R10's channel -7 got -7.2 m), and the fault no
longer shows in the residuals. A channel bias measured on one satellite cannot be told from a
satellite fault; judging before the biases keeps the two apart.
"""

from __future__ import annotations

import numpy as np

from .causal import _past_sum

__all__ = [
    "CORRELATION_S",
    "LOCAL_ERROR_M",
    "MAX_FAULTS",
    "MEMORY_S",
    "MIN_ARC_S",
    "SEPARABILITY",
    "THRESHOLD",
    "persistent_error_m",
    "worst_fault",
]

#: |u| beyond this marks a persistent fault (two-sided Gaussian p = 0.0027).
THRESHOLD = 3.0
#: At most this many satellites named per epoch (post-processing: per session), one per round.
MAX_FAULTS = 2
#: SPP range errors are correlated over about this long (s): code multipath of a static antenna varies
#: over minutes (600 s, the compare gain blocks, names R10 at TLSE later in the causal hour: docs).
CORRELATION_S = 300.0
#: Persistent range error of a healthy satellite besides its broadcast SISRE (m): code multipath and
#: the satellite-specific part of the broadcast ionosphere's error, both lasting tens of minutes.
#: Klobuchar's misfit against the measured slant delay at TLSE is 1.5-1.7 m RMS, an elevation
#: pattern (-1.5 m at 10-20 deg, +1.5 m overhead: docs/positioning.md) that the receiver clock and
#: height partly absorb; geodetic code multipath is decimetres to a metre.
LOCAL_ERROR_M = 1.0
#: A fault is named only when no other satellite's test is correlated with its test beyond this: two
#: satellites whose faults the geometry cannot tell apart (|rho| 0.84 for R08/R12 in WTZR's GLONASS
#: alone, 0.95-0.99 in TLSE's) are not judged, as RAIM names no satellite with one redundancy.
SEPARABILITY = 0.8
#: Exponential memory of the causal sums (s): a broadcast clock or orbit error changes with the next record.
MEMORY_S = 3600.0
_OUTLIER_SIGMA = 4.0  # as causal._OUTLIER_SIGMA: standardized residuals beyond it stay out of the sums
#: A satellite is judged only after this much of its own data (s): a shorter arc is no "persistent" error.
MIN_ARC_S = 600.0


_CHUNK_EPOCHS = 256  # epochs per block of the (epochs x satellites x satellites) products: bounded memory


def _hat(design, covariance):
    """``(B, S, S)`` ``A = H Q H^T`` of a block of epochs (batched matrix products)."""
    return np.matmul(np.matmul(design, covariance), np.swapaxes(design, -1, -2))


def _others_wv2(residual, weight, r, a, system_index):
    """``(B, S)`` per cell ``sum w v^2`` over the other satellites of its system as they would be with
    this satellite left out.

    Deleting observation ``j`` from a least-squares solution changes the others' residuals by
    ``v_i(j) = v_i + A_ij w_j v_j / r_j`` with ``A = H Q H^T`` and ``r_j = 1 - w_j A_jj`` (Cook &
    Weisberg 1982, "Residuals and influence in regression", §2.2).
    """
    c = np.where(r > 1e-6, weight * residual / np.maximum(r, 1e-6), 0.0)  # w_j v_j / r_j
    diag = np.einsum("tss->ts", a)
    out = np.zeros(residual.shape)
    for k in np.unique(system_index):  # a loop over systems (<= 4), not over satellites
        in_k = (system_index == k).astype(float)
        wv, w = weight * residual * in_k, weight * in_k
        wv2 = (weight * residual**2 * in_k).sum(axis=1, keepdims=True) - weight * residual**2
        cross = np.einsum("ts,tsj->tj", wv, a) - weight * residual * diag
        square = np.einsum("ts,tsj->tj", w, a * a) - weight * diag**2
        out = np.where(in_k > 0, wv2 + 2.0 * c * cross + c**2 * square, out)
    return out


def _pair_sums(weight, a, columns):
    """``(B, S, C)`` covariance ``-w_i w_j A_ij`` of the ``w v`` of every satellite with those of
    ``columns`` (their variance is ``w r``): how far two faults can be told apart."""
    pair = -weight[:, :, None] * weight[:, None, columns] * a[:, :, columns]
    pair[:, columns, np.arange(len(columns))] = 0.0
    return pair


def _blocks(n_t):
    return [slice(k, min(k + _CHUNK_EPOCHS, n_t)) for k in range(0, n_t, _CHUNK_EPOCHS)]


def _largest_correlation(w, h, q, sum_wr, columns, causal, decay):
    """``(..., C)`` largest ``|rho|`` of the fault test of each of ``columns`` with another satellite's:
    the sums over epochs of :func:`_pair_sums` (past epochs only when ``causal``)."""
    scale = np.sqrt(np.maximum(sum_wr, 1e-30))
    carry = np.zeros((w.shape[1], len(columns)))  # the sums over the epochs before the block
    largest = np.zeros((w.shape[0], len(columns))) if causal else None
    for rows in _blocks(w.shape[0]):  # bounded (B, S, C) memory: a loop over blocks of epochs
        pair = _pair_sums(w[rows], _hat(h[rows], q[rows]), columns)
        if causal:
            past = _past_sum(pair, decay) + decay ** np.arange(pair.shape[0])[:, None, None] * carry
            rho = np.abs(past) / (scale[rows, :, None] * scale[rows][:, None, columns])
            largest[rows] = rho.max(axis=1)
            carry = past[-1] * decay + pair[-1]
        else:
            carry = carry + pair.sum(axis=0)
    if causal:
        return largest
    return (np.abs(carry) / (scale[:, None] * scale[None, columns])).max(axis=0)


def persistent_error_m(residual, weight, design, covariance, system_index, sisre_m, dt_s, causal=False,
                       identifiable=None):
    """``(b_m, u, sigma_b_m)``: estimated constant error per satellite, its test statistic and the
    standard deviation of the estimate (module docstring).

    ``residual``/``weight`` ``(T, S)``, ``design`` ``(T, S, M)`` and ``covariance`` ``(T, M, M)`` of one
    solution; ``sisre_m`` ``(S,)``. Post-processing: ``(S,)`` arrays over all epochs. ``causal``:
    ``(T, S)`` arrays from epochs ``< t`` only. ``u`` is 0 where the satellite has less than
    :data:`MIN_ARC_S` of data or its fault cannot be told from another's (:data:`SEPARABILITY`).
    ``identifiable`` ``(T,)``: the epochs that count, converged with at least two redundant
    observations (with one, every residual is the same multiple of the one misclosure and the
    faulty satellite cannot be named: raim.py).
    """
    used = (weight > 0) & np.isfinite(residual)
    # single blunders (beyond 4 sigma) are RAIM's; a persistent fault is the metres within the noise
    used &= np.abs(np.nan_to_num(residual)) * np.sqrt(np.abs(weight)) < _OUTLIER_SIGMA
    if identifiable is not None:
        used &= np.asarray(identifiable, bool)[:, None]
    w, v = np.where(used, weight, 0.0), np.where(used, residual, 0.0)
    h, q = np.nan_to_num(design), np.nan_to_num(covariance)
    system_index = np.asarray(system_index)
    r, others_wv2 = np.zeros(w.shape), np.zeros(w.shape)
    for rows in _blocks(w.shape[0]):  # bounded (B, S, S) memory: a loop over blocks of epochs
        a = _hat(h[rows], q[rows])
        r[rows] = np.where(used[rows], np.clip(1.0 - w[rows] * np.einsum("tss->ts", a), 0.0, 1.0), 0.0)
        others_wv2[rows] = _others_wv2(v[rows], w[rows], r[rows], a, system_index)
    same_system = (system_index[:, None] == system_index[None, :]).astype(float)
    others_r = np.where(used.any(axis=1)[:, None], r @ same_system - r, 0.0)
    decay = float(np.exp(-dt_s / MEMORY_S)) if causal else 1.0

    def total(x):
        return _past_sum(x, decay) if causal else x.sum(axis=0)

    sum_wv, sum_wr, count = total(w * v), total(w * r), total(used.astype(float))
    noise_wv2, noise_r = total(np.where(used.any(axis=1)[:, None], others_wv2, 0.0)), total(others_r)
    # the noise of the satellite's system measured on its other satellites with it left out: a fault
    # must not raise the yardstick it is judged by (variance component, Koch 1999 §3.6)
    f2 = np.where(noise_r > 1.0, noise_wv2 / np.maximum(noise_r, 1e-9), 1.0)
    epochs = max(1.0, CORRELATION_S / dt_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(sum_wr > 0, sum_wv / np.where(sum_wr > 0, sum_wr, 1.0), 0.0)
        estimate2 = epochs * f2 / np.where(sum_wr > 0, sum_wr, np.inf)
        sigma2 = np.asarray(sisre_m) ** 2 + LOCAL_ERROR_M**2 + estimate2
        judged = (count * dt_s >= MIN_ARC_S) & (sum_wr > 0) & (sigma2 > 0)
        u = np.nan_to_num(np.where(judged, b / np.sqrt(sigma2), 0.0))
    # separability only where it matters: the satellites over the threshold somewhere
    columns = np.flatnonzero((np.abs(u) > THRESHOLD).reshape(-1, u.shape[-1]).any(axis=0))
    if columns.size:
        largest = _largest_correlation(w, h, q, sum_wr, columns, causal, decay)
        u[..., columns] = np.where(largest <= SEPARABILITY, u[..., columns], 0.0)
    return b, u, np.sqrt(np.nan_to_num(estimate2, posinf=0.0))


def worst_fault(u, flagged=None):
    """``(T, S)`` or ``(S,)`` bool: the one satellite (per epoch, for ``(T, S)`` input) with the
    largest ``|u|`` beyond :data:`THRESHOLD` that is not ``flagged`` already.

    One satellite at a time, as RAIM's exclusion: a fault spreads into the other satellites'
    residuals, so the next largest is judged again once the first is out.
    """
    size = np.abs(u) if flagged is None else np.where(flagged, 0.0, np.abs(u))
    worst = np.argmax(size, axis=-1)
    return (np.arange(size.shape[-1]) == np.expand_dims(worst, -1)) & (size > THRESHOLD)
