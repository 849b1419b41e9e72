"""Integrity gate: a predicted bound on each epoch's 3D position error, refused above an alert limit.

RAIM (``raim.py``) tests what the residuals can see. An epoch with no redundancy (as many
observations as unknowns) has no residuals, and a weak geometry (few satellites, high DOP) turns
errors the residuals cannot see (broadcast orbit and clock errors, multipath, ionosphere model
error) into tens of metres of position error that still pass the chi-square test. So every solved
epoch also gets a protection level from the error model alone, not from the truth:

* per observation, variance = the estimator's error model (``models.code_variance_m2`` with the
  per-system factors estimated on the data) + the broadcast signal-in-space range error of its
  system, which the residuals do not show (``weights.BROADCAST_SISRE_M``, the one table, with its
  sources; 2.0 m for a system it lacks);
* the session-ISB pseudo-observations (``isb.py``) with their own variance;
* the covariance of the weighted least-squares estimate under those variances (the "sandwich"
  ``G C G^T`` with the estimator's gain ``G``: its weights need not be the true ones);
* the protection level ``PL = K sqrt(lambda_max(Q_xyz))`` with ``K^2`` the chi-square(3)
  quantile for the integrity risk: the 3D error of a Gaussian with covariance ``Q`` exceeds PL
  with probability at most ``risk`` (|e|^2 <= lambda_max e^T Q^-1 e).

An epoch whose PL exceeds the alert limit is ``failed`` (reason in the ``integrity`` column).
The default alert limit, 50 m, is the positioning requirement of issue #8 ("no epoch with status
ok or fde more than 50 m off"); the default risk, 1e-3, is RAIM's false-alarm probability.
This is a fault-free bound: a fault on an epoch without redundancy cannot be detected by anyone.
"""

from __future__ import annotations

import numpy as np

from .raim import chi2_threshold
from .weights import BROADCAST_SISRE_M

__all__ = ["DEFAULT_ALERT_LIMIT_M", "DEFAULT_RISK", "UNKNOWN_SISRE_M", "broadcast_sisre_m", "position_covariance",
           "protection_level_m"]

#: SISRE (m) assumed for a system the broadcast table (``weights.BROADCAST_SISRE_M``) lacks.
UNKNOWN_SISRE_M = 2.0


def broadcast_sisre_m(system_letters):
    """``(S,)`` broadcast SISRE (m) per satellite for the bound (``weights.BROADCAST_SISRE_M``)."""
    return np.array([BROADCAST_SISRE_M.get(letter, UNKNOWN_SISRE_M) for letter in system_letters], float)


DEFAULT_ALERT_LIMIT_M = 50.0
DEFAULT_RISK = 1e-3


def position_covariance(h, weight, sisre_m, covariance, prior_design=None, prior_weight=None, counted_m2=0.0):
    """``(T, 3, 3)`` covariance of the estimated position under model noise + SISRE.

    ``h`` ``(T, S, M)``, ``weight`` ``(T, S)`` the estimator's weights (0 = unused), ``sisre_m``
    ``(S,)``, ``covariance`` ``(T, M, M)`` the estimator's inverse normal matrix. ``counted_m2``
    ``(T, S)``: the share of ``1 / weight`` that already is broadcast orbit and clock error (the
    estimator's own SISRE term, ``weights.code_variance_m2``): replaced by ``sisre_m``, not added to it.
    """
    used = weight > 0
    hw = np.where(used[..., None], h, 0.0) * weight[..., None]
    gain = np.matmul(covariance, np.swapaxes(hw, 1, 2))  # (T, M, S)
    noise = 1.0 / np.where(used, weight, 1.0) - np.asarray(counted_m2)
    variance = np.where(used, noise + np.asarray(sisre_m)[None, :] ** 2, 0.0)
    q = np.einsum("tis,ts,tjs->tij", gain, variance, gain)
    if prior_design is not None and prior_weight is not None:
        pg = np.matmul(covariance, np.swapaxes(prior_design * prior_weight[..., None], 1, 2))  # (T, M, K)
        pvar = np.where(prior_weight > 0, 1.0 / np.where(prior_weight > 0, prior_weight, 1.0), 0.0)
        q = q + np.einsum("tik,tk,tjk->tij", pg, pvar, pg)
    return q[:, :3, :3]


def protection_level_m(q_xyz, risk: float = DEFAULT_RISK):
    """``K sqrt(lambda_max)`` per epoch (NaN where the covariance is not finite)."""
    finite = np.isfinite(q_xyz).all(axis=(1, 2))
    lam = np.full(q_xyz.shape[0], np.nan)
    if finite.any():
        lam[finite] = np.linalg.eigvalsh(q_xyz[finite])[:, -1]
    k = np.sqrt(float(chi2_threshold(np.array([3]), risk)[0]))
    return k * np.sqrt(np.maximum(lam, 0.0))
