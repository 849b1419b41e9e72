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

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtri  # inverse chi-square survival; scipy.stats costs 1 s to import

from . import estimator
from .iteration import Iterate, Problem, gauss_newton

__all__ = ["DEFAULT_PFA", "DEFAULT_MAX_EXCLUSIONS", "test_statistic", "fault_detection_exclusion", "FdeResult"]

DEFAULT_PFA = 1e-3
DEFAULT_MAX_EXCLUSIONS = 4


def test_statistic(it: Iterate):
    """(sum w v^2, degrees of freedom) per epoch."""
    used = it.weight > 0
    stat = np.where(used, it.weight * np.nan_to_num(it.residual) ** 2, 0.0).sum(axis=1)
    dof = used.sum(axis=1) - 3 - it.present.sum(axis=1)
    return stat, dof


def _fails(it: Iterate, pfa: float):
    stat, dof = test_statistic(it)
    threshold = chdtri(np.maximum(dof, 1), pfa)
    return (dof >= 1) & (stat > threshold)


@dataclass
class FdeResult:
    iterate: Iterate
    excluded: np.ndarray  # (T, S) bool
    failed_test: np.ndarray  # (T,) bool: still failing after the allowed exclusions


def _merge(full: Iterate, rows, part: Iterate):
    for name in ("state", "residual", "weight", "elevation", "h", "covariance", "present", "converged", "iono_m", "trop_m"):
        getattr(full, name)[rows] = getattr(part, name)


def fault_detection_exclusion(problem: Problem, it: Iterate, *, pfa=DEFAULT_PFA,
                              max_exclusions=DEFAULT_MAX_EXCLUSIONS, excluded=None) -> FdeResult:
    """Exclude satellites from failing epochs, one per round, re-solving only those epochs.

    ``excluded`` ``(T, S)``: satellites already excluded (``it`` must have been solved without them).
    """
    excluded = np.zeros(it.weight.shape, bool) if excluded is None else excluded.copy()
    failing = _fails(it, pfa)
    for _ in range(max_exclusions):
        _, dof = test_statistic(it)
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
