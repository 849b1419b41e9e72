"""Receiver autonomous integrity monitoring with fault detection and exclusion (RAIM FDE).

Detection: the weighted sum of squared post-fit residuals follows a chi-square law with
``n - m`` degrees of freedom when the weights are the inverse variances (Brown 1992; Kaplan &
Hegarty 2017 §11.6); an epoch fails when it exceeds the ``1 - p_fa`` quantile.
Exclusion: the satellite with the largest standardized residual ``|v| sqrt(w / r)`` (Baarda's
w-test, r the redundancy number) is removed and the epoch re-solved; repeated, one satellite
at a time, while the test fails and at least two redundant observations remain (with one, the
faulty satellite cannot be identified). RTKLIB excludes at most one satellite, and only when
its solution is rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import estimator
from .iteration import Iterate, Problem, gauss_newton

__all__ = [
    "DEFAULT_PFA", "DEFAULT_MAX_EXCLUSIONS", "chi2_threshold", "raim_statistic", "fault_detection_exclusion", "FdeResult",
]

DEFAULT_PFA = 1e-3
DEFAULT_MAX_EXCLUSIONS = 4


def _upper_gamma_regularized(a: float, x: float) -> float:
    """Q(a, x) = Gamma(a, x) / Gamma(a): series for x < a + 1, Lentz continued fraction above
    (Abramowitz & Stegun 6.5.29 and 6.5.31)."""
    if x <= 0.0:
        return 1.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        n = a
        while abs(term) > 1e-15 * abs(total):
            n += 1.0
            term *= x / n
            total += term
        return 1.0 - total * math.exp(log_front)
    b, c, d = x + 1.0 - a, 1e300, 1.0 / (x + 1.0 - a)
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return math.exp(log_front) * h


@lru_cache(maxsize=256)  # a run asks for the same few (dof, pfa) pairs at every epoch batch
def _chi2_upper_quantile(dof: int, p: float) -> float:
    """x with P(chi2_dof > x) = p: Wilson-Hilferty start (1931), then Newton on the exact tail."""
    z = math.sqrt(2.0) * _erfc_inverse(2.0 * p)
    k = float(dof)
    x = max(k * (1.0 - 2.0 / (9.0 * k) + z * math.sqrt(2.0 / (9.0 * k))) ** 3, 1e-3)
    for _ in range(50):
        tail = _upper_gamma_regularized(k / 2.0, x / 2.0)
        density = math.exp((k / 2.0 - 1.0) * math.log(x) - x / 2.0 - (k / 2.0) * math.log(2.0) - math.lgamma(k / 2.0))
        step = (tail - p) / density
        x = max(x + step, x / 10.0)
        if abs(step) < 1e-10 * x:
            break
    return x


def _erfc_inverse(y: float) -> float:
    """Inverse complementary error function by bisection on math.erfc (used once per degree of freedom)."""
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if math.erfc(mid) > y else (lo, mid)
    return 0.5 * (lo + hi)


def chi2_threshold(dof, pfa: float):
    """Chi-square upper quantile for each degree of freedom in ``dof`` (one solve per distinct value)."""
    dof = np.asarray(dof, dtype=np.int64)
    distinct = np.unique(dof)
    lookup = np.array([_chi2_upper_quantile(int(k), float(pfa)) for k in distinct])
    return lookup[np.searchsorted(distinct, dof)]


def raim_statistic(it: Iterate):
    """(sum w v^2, degrees of freedom) per epoch; clock pseudo-observations count like observations."""
    used = it.weight > 0
    stat = np.where(used, it.weight * np.nan_to_num(it.residual) ** 2, 0.0).sum(axis=1)
    stat = stat + (it.prior_weight * it.prior_residual**2).sum(axis=1)
    dof = used.sum(axis=1) + (it.prior_weight > 0).sum(axis=1) - 3 - it.present.sum(axis=1)
    return stat, dof


def _fails(it: Iterate, pfa: float):
    stat, dof = raim_statistic(it)
    threshold = chi2_threshold(np.maximum(dof, 1), pfa)
    return (dof >= 1) & (stat > threshold)


@dataclass
class FdeResult:
    iterate: Iterate
    excluded: np.ndarray  # (T, S) bool
    failed_test: np.ndarray  # (T,) bool: still failing after the allowed exclusions


def _merge(full: Iterate, rows, part: Iterate):
    for name in ("state", "residual", "weight", "elevation", "h", "covariance", "present", "converged", "iono_m",
                 "trop_m", "prior_residual", "prior_weight", "note"):
        getattr(full, name)[rows] = getattr(part, name)


def fault_detection_exclusion(problem: Problem, it: Iterate, *, pfa=DEFAULT_PFA,
                              max_exclusions=DEFAULT_MAX_EXCLUSIONS, excluded=None) -> FdeResult:
    """Exclude satellites from failing epochs, one per round, re-solving only those epochs.

    ``excluded`` ``(T, S)``: satellites already excluded (``it`` must have been solved without them).
    """
    excluded = np.zeros(it.weight.shape, bool) if excluded is None else excluded.copy()
    failing = _fails(it, pfa)
    for _ in range(max_exclusions):
        _, dof = raim_statistic(it)
        rows = np.flatnonzero(failing & (dof >= 2))
        if rows.size == 0:
            break
        r = estimator.redundancy(it.h[rows], it.weight[rows], it.covariance[rows])
        standardized = np.abs(np.nan_to_num(it.residual[rows])) * np.sqrt(
            it.weight[rows] / np.maximum(r, 1e-9))
        standardized[it.weight[rows] <= 0] = -1.0
        worst = np.argmax(standardized, axis=1)
        excluded[rows, worst] = True
        part = gauss_newton(problem, rows, it.state[rows], exclude=excluded[rows])
        _merge(it, rows, part)
        failing[rows] = _fails(part, pfa)
    return FdeResult(it, excluded, failing)
