"""Causal (forward) estimation of the receiver calibration: every epoch uses only the past.

Post-processing (``spp._refine``) estimates the code biases, the per-system noise factors
(variance components) and the inter-system bias (ISB) once over the whole session, and applies
them to every epoch, the first ones included: they use the future. A real-time receiver cannot.
Here the same three quantities are running estimates: the value applied at epoch ``t`` is
computed from epochs ``0 .. t-1`` only, so the solution of epoch ``t`` depends on observations up
to ``t`` and on nothing later (tests/test_causal.py truncates the data and checks it).

Initialisation: zero code biases, the a-priori noise factors (``weights.APRIORI_FACTOR``), no ISB
(a free clock per system) until :data:`MIN_ISB_EPOCHS` epochs have measured it; or the values of
a given :class:`~lodestar.positioning.Calibration` (prior information, not the future).

Estimators (each a weighted sum over the past, with a prior worth a fixed time of data):

- code bias of a satellite: weighted mean of ``bias_used + post-fit residual`` over its past
  epochs, shrunk towards its group (GLONASS FDMA channel, BDS-2 / BDS-3) with the weight of
  :data:`SATELLITE_PRIOR_S` seconds of its own data; the group value is shrunk towards zero (or
  the calibration) likewise, with :data:`GROUP_PRIOR_S`. The system's weighted mean is removed
  (a bias common to a system is its receiver clock). Biases are hardware constants over a day
  (biases.py), so the sums keep all the past (no forgetting).
- noise factor of a system: Koch's variance components, ``f^2 = sum w1 v^2 / sum r`` over the
  past (``w1`` the weight with factor 1, ``r`` the redundancy numbers), with a prior of
  :data:`FACTOR_PRIOR_REDUNDANCY` redundancy at the a-priori factor; forgetting time
  :data:`FACTOR_MEMORY_S` (the noise follows the satellites' changing geometry).
- ISB: a scalar Kalman filter per system (random walk, :data:`ISB_DRIFT_M_PER_SQRT_H`) over the
  per-epoch ISBs of the free solutions that pass RAIM, with a 4-sigma innovation gate.

The recursion runs over epochs, never over satellites: the running sums are prefix sums over the
epoch axis (``_past_sum``), the Kalman filter a loop over epochs on ``(K,)`` vectors.
"""

from __future__ import annotations

import numpy as np

from . import weights

__all__ = ["BIAS_MEMORY_S", "BIAS_SETTLE_S", "BIAS_SIGMA_M", "SATELLITE_PRIOR_S", "GROUP_PRIOR_S", "FACTOR_PRIOR_REDUNDANCY", "FACTOR_MEMORY_S", "MIN_ISB_EPOCHS",
           "ISB_DRIFT_M_PER_SQRT_H", "running_biases", "running_factors", "running_isb", "epoch_spacing_s",
           "apriori_factors"]

#: A satellite's own bias outweighs its group's after this much of its own data (s): shorter arcs
#: cannot separate a constant bias from the position (biases.AUTO_MIN_ARC_S: 3 h day-wide).
SATELLITE_PRIOR_S = {"R": 1800.0, "C": 1800.0}
_DEFAULT_SATELLITE_PRIOR_S = 1800.0
#: A group (channel, BDS-2/BDS-3) bias outweighs the zero (or calibrated) prior after this much (s).
GROUP_PRIOR_S = 600.0
#: Forgetting time of the satellite biases (s): what a GLONASS/BeiDou "bias" takes up is partly the
#: satellite's broadcast clock and orbit error, which changes from pass to pass: recent data count more.
BIAS_MEMORY_S = 2 * 3600.0
#: Prior of the variance components: this much redundancy at the a-priori factor.
FACTOR_PRIOR_REDUNDANCY = 200.0
#: Forgetting time of the variance components (s): exponential weighting of the past.
FACTOR_MEMORY_S = 4 * 3600.0
#: The ISB constrains the clocks once this many epochs have measured it (isb.MIN_EPOCHS day-wide).
MIN_ISB_EPOCHS = 20
#: Random-walk drift of an ISB, m per sqrt(hour): its hourly medians on the ESBC day stay within
#: a few decimetres (docs/positioning.md, isb.py).
ISB_DRIFT_M_PER_SQRT_H = 0.1
_ISB_SIGMA_FLOOR_M = 0.05  # as isb._SIGMA_FLOOR_M: keeps the constraint weight finite
_ISB_CORRELATION_EPOCHS = 20.0  # per-epoch ISBs are correlated over ~10 min (multipath): inflate their variance
#: A-priori spread (1 sigma, m) of the satellite code biases of a system before any data. GLONASS
#: inter-frequency biases are metre-level (Wanninger 2012, GPS Solut. 16:439) and GLONASS broadcast
#: orbit and clock errors add metres more; BDS-2/BDS-3 offsets are decimetres to a metre (Zhang et
#: al. 2020, GPS Solut. 24:27). GLONASS's 10 m is deliberately conservative: a GLONASS satellite
#: then counts in a combination only as its bias is learnt. With 3 m, R+C was worse than BeiDou
#: alone over the first hour at ESBC, WTZR and WTZZ (docs/positioning.md, "Causal mode").
BIAS_SIGMA_M = {"R": 10.0, "C": 0.5}
#: A satellite's bias counts as known (no extra variance) after about this much of its own data (s):
#: as biases.AUTO_MIN_ARC_S, shorter arcs do not separate a constant bias from the position.
BIAS_SETTLE_S = 3 * 3600.0
_SPREAD_PRIOR_SATS = 3.0  # the a-priori spread counts as this many satellites' worth of estimates
_APRIORI_W = 1.0 / float(weights.code_variance_m2(np.radians(45.0), 1.0))  # m^-2: before any data
_OUTLIER_SIGMA = 4.0  # standardized residuals beyond this stay out of every running estimate


def epoch_spacing_s(time) -> float:
    """Median spacing of the epochs (s); 30 s for a single epoch."""
    t = np.asarray(time, dtype="datetime64[ns]").astype(np.int64) / 1e9
    return float(np.median(np.diff(t))) if t.size > 1 else 30.0


def _past_sum(values, decay: float = 1.0):
    """``out[t] = sum_{s < t} decay^(t-1-s) values[s]`` along axis 0: what is known before epoch t."""
    values = np.nan_to_num(np.asarray(values, float))
    out = np.zeros_like(values)
    if decay >= 1.0:
        out[1:] = np.cumsum(values[:-1], axis=0)
        return out
    out[1:] = first_order_recursion(values[:-1], decay)
    return out


def first_order_recursion(values, decay: float):
    """``y[t] = values[t] + decay * y[t-1]`` along axis 0 (``y[-1] = 0``), vectorized.

    Within a block of epochs ``y[t] = d^t * cumsum(values / d^k)``; blocks are short enough that
    ``d^-B`` stays far inside float64 (``d^B >= 1e-100``), and each block starts from the last
    one's ``y``. The rounding error is that of the plain recursion (about eps times
    ``sum d^(t-k) |values[k]|``). Replaces scipy.signal.lfilter, whose import alone costs ~1.4 s.
    """
    values = np.asarray(values, float)
    out = np.empty_like(values)
    if decay <= 0.0 or values.shape[0] == 0:
        out[...] = values
        return out
    block = max(1, int(-100.0 * np.log(10.0) / np.log(decay))) if decay < 1.0 else values.shape[0]
    carry = np.zeros(values.shape[1:])
    for start in range(0, values.shape[0], block):  # a handful of blocks per day, not one per epoch
        chunk = values[start:start + block]
        powers = decay ** np.arange(1, chunk.shape[0] + 1, dtype=float)
        shape = (-1,) + (1,) * (values.ndim - 1)
        scaled = np.cumsum(chunk / (powers / decay).reshape(shape), axis=0)
        out[start:start + block] = (powers / decay).reshape(shape) * scaled + powers.reshape(shape) * carry
        carry = out[start + chunk.shape[0] - 1]
    return out


def _usable(it):
    """(T, S) observations that feed the running estimates: used and not outlying."""
    used = (it.weight > 0) & np.isfinite(it.residual)
    return used & (np.abs(np.nan_to_num(it.residual)) * np.sqrt(it.weight) < _OUTLIER_SIGMA)


def running_biases(it, bias_used, groups, system_index, dt_s, prior_m=None, include_current=False,
                   prior_sigma_m=None, system_letters=None):
    """``(bias (T, S), variance (T, S))``: code bias per epoch and satellite from the past epochs of
    iterate ``it``, and the variance (m^2) of what of it is still unknown.

    ``bias_used`` ``(T, S)`` or ``(S,)``: the biases ``it`` was solved with (its residuals are
    relative to them); ``groups`` ``(S,)`` labels (``biases.bias_groups(..., "groups")``, ``""`` =
    no bias); ``prior_m`` ``(S,)`` calibration (default 0); ``prior_sigma_m`` ``(S,)`` a-priori
    spread of the satellite biases (default :data:`BIAS_SIGMA_M` of each satellite's system).
    ``include_current``: the estimate after the last epoch as well (row ``T``), for the
    calibration the run hands on.

    The variance is the spread of the system's satellite biases (measured on the past estimates,
    starting from the a-priori spread) times the share of the prior in each satellite's estimate:
    a satellite not yet seen carries its whole bias as extra noise, one with hours of data none.
    """
    n_t, n_s = it.weight.shape
    use = _usable(it)
    w = np.where(use, it.weight, 0.0) * dt_s
    z = np.broadcast_to(bias_used, (n_t, n_s)) + np.nan_to_num(it.residual)
    if include_current:
        w, z = np.vstack([w, np.zeros((1, n_s))]), np.vstack([z, np.zeros((1, n_s))])
    decay = float(np.exp(-dt_s / BIAS_MEMORY_S))
    sum_w, sum_wz = _past_sum(w, decay), _past_sum(w * z, decay)
    prior = np.zeros(n_s) if prior_m is None else np.asarray(prior_m, float)
    # the priors are worth a time of data at the mean weight of the past observations (causal too)
    n_past = _past_sum((w > 0).sum(axis=1), decay)
    typical_w = np.where(n_past > 0, _past_sum(w.sum(axis=1) / dt_s, decay) / np.maximum(n_past, 1), _APRIORI_W)
    # a satellite's prior: its group's running value plus its own calibrated offset within the group
    satellite_prior = np.broadcast_to(prior, sum_w.shape).copy()
    for label in sorted(set(groups) - {""}):  # a loop over groups (<= ~30), not over epochs or observations
        cols = groups == label
        gw, gz = sum_w[:, cols].sum(axis=1), sum_wz[:, cols].sum(axis=1)
        prior_g = prior[cols].mean()
        group = (gz + GROUP_PRIOR_S * typical_w * prior_g) / (gw + GROUP_PRIOR_S * typical_w)
        satellite_prior[:, cols] = group[:, None] + (prior[cols] - prior_g)[None, :]
    letters = np.asarray(system_letters) if system_letters is not None else np.full(n_s, "")
    prior_s = np.array([SATELLITE_PRIOR_S.get(letter, _DEFAULT_SATELLITE_PRIOR_S) for letter in letters])
    w0 = prior_s[None, :] * typical_w[:, None]
    bias = (sum_wz + w0 * satellite_prior) / (sum_w + w0)
    has_bias = groups != ""
    bias = np.where(has_bias, bias, 0.0)
    # 0: prior only, 1: known; slower than the estimate's own shrinkage: a few minutes of a satellite's
    # residuals also hold the position error of those minutes
    settle = BIAS_SETTLE_S * typical_w[:, None]
    confidence = np.where(has_bias, sum_w / (sum_w + settle), 0.0)
    spread2 = np.zeros(bias.shape)
    sigma0 = np.asarray(prior_sigma_m if prior_sigma_m is not None else [0.0] * n_s, float)
    for k in np.unique(system_index):  # remove what the system clock absorbs (a loop over systems)
        cols = (system_index == k) & has_bias
        weight_k = sum_w[:, cols]
        total = weight_k.sum(axis=1)
        mean = np.where(total > 0, (bias[:, cols] * weight_k).sum(axis=1) / np.maximum(total, 1e-30), 0.0)
        bias[:, cols] -= mean[:, None]
        # spread of the system's satellite biases: the known ones (by their confidence) and the prior
        c, s0 = confidence[:, cols], sigma0[cols].mean() if cols.any() else 0.0
        spread2[:, cols] = ((c * bias[:, cols] ** 2).sum(axis=1) + _SPREAD_PRIOR_SATS * s0**2)[:, None] / (
            c.sum(axis=1) + _SPREAD_PRIOR_SATS)[:, None]
    variance = np.where(has_bias, spread2 * (1.0 - confidence), 0.0)
    return bias, variance


def running_factors(it, redundancy_number, system_index, n_systems, apriori, dt_s, sisre_m=0.0):
    """``(T, K)`` noise factor per epoch and system from the past epochs' variance components.

    Koch's estimator on the noise part of the error model (``weights.code_variance_m2`` with
    factor 1, broadcast SISRE ``sisre_m`` included): the unknown-bias variance of
    :func:`running_biases` is no noise of the receiver.
    """
    use = _usable(it)
    w1 = 1.0 / weights.code_variance_m2(it.elevation, 1.0, it.iono_m, sisre_m)
    w1v2 = np.where(use, w1 * np.nan_to_num(it.residual) ** 2, 0.0)
    r = np.where(use, redundancy_number, 0.0)
    onehot = (np.asarray(system_index)[:, None] == np.arange(n_systems)[None, :]).astype(float)  # (S, K)
    decay = float(np.exp(-dt_s / FACTOR_MEMORY_S))
    num, den = _past_sum(w1v2 @ onehot, decay), _past_sum(r @ onehot, decay)
    prior = np.asarray(apriori, float)
    return np.sqrt((num + FACTOR_PRIOR_REDUNDANCY * prior**2) / (den + FACTOR_PRIOR_REDUNDANCY))


def running_isb(state, covariance, present, trusted, dt_s, prior=None):
    """``(isb_m (T, K), sigma_m (T, K))`` clock_k - clock_0 known before each epoch (NaN = free).

    ``state``/``covariance``/``present`` of a free solution (one clock per system); ``trusted``
    ``(T,)`` epochs that pass RAIM with redundancy. ``prior``: ``(isb_m (K,), sigma_m (K,))`` from a
    calibration (starts the filter), else the first trusted epochs start it.
    """
    n_t, n_k = present.shape
    obs = state[:, 3:] - state[:, 3:4]
    var = (covariance[:, np.arange(3, 3 + n_k), np.arange(3, 3 + n_k)] + covariance[:, 3, 3][:, None]
           - 2.0 * covariance[:, 3, 3:]) * _ISB_CORRELATION_EPOCHS
    ok = trusted[:, None] & present & present[:, :1] & np.isfinite(obs) & np.isfinite(var)
    q = ISB_DRIFT_M_PER_SQRT_H**2 * dt_s / 3600.0
    x = np.zeros(n_k) if prior is None else np.nan_to_num(np.asarray(prior[0], float))
    p = np.full(n_k, np.inf) if prior is None else np.where(np.isfinite(prior[1]), np.asarray(prior[1]) ** 2, np.inf)
    count = np.where(np.isfinite(p), MIN_ISB_EPOCHS, 0)
    out_x, out_s = np.full((n_t, n_k), np.nan), np.full((n_t, n_k), np.nan)
    for t in range(n_t):  # the recursion over epochs; every step works on (K,) vectors
        ready = count >= MIN_ISB_EPOCHS
        out_x[t] = np.where(ready, x, np.nan)
        out_s[t] = np.where(ready, np.maximum(np.sqrt(p), _ISB_SIGMA_FLOOR_M), np.nan)
        p = p + q
        y, r = obs[t], var[t]
        fresh = ok[t] & ~np.isfinite(p)
        gate = ok[t] & np.isfinite(p) & ((y - x) ** 2 <= _OUTLIER_SIGMA**2 * (p + r))
        gain = np.where(gate, p / np.where(gate, p + r, 1.0), 0.0)
        x = np.where(fresh, y, x + gain * np.where(gate, y - x, 0.0))
        p = np.where(fresh, r, (1.0 - gain) * p)
        count = count + (fresh | gate)
    out_x[:, 0], out_s[:, 0] = 0.0, 0.0  # system 0 is the reference
    return out_x, out_s


def apriori_factors(systems) -> np.ndarray:
    """``(K,)`` a-priori noise factors of the systems (weights.APRIORI_FACTOR)."""
    return np.array([weights.APRIORI_FACTOR.get(s, 1.0) for s in systems])
