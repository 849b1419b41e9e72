"""Session inter-system biases (ISB): estimated once over the session, then applied to every epoch.

The clock offset between two systems seen by one receiver (system time offset + receiver
hardware delays) changes slowly: on the ESBC day the GLONASS-BeiDou ISB has a median of
-4.95 m and its hourly medians stay within a few decimetres (docs/positioning.md). Estimating it
anew in every epoch costs one satellite; under a high elevation mask that satellite is often
the difference between a solution and none, and with few satellites the per-epoch ISB absorbs
geometry errors. So, as the positioning issue allows ("estimate over the day"):

1. per epoch, ISB_k = clock_k - clock_0 from the free solution (one clock per system);
2. the session value is the median over the well-determined epochs: redundant (RAIM dof >= 1),
   passing the chi-square test, and with a formal ISB variance in the better half of the epochs
   (robust to the weak-geometry tails);
3. its stability sigma is the robust spread (1.4826 MAD, Huber 1981) of those per-epoch values:
   it includes their estimation noise, so it is conservative, and it lets well-determined epochs
   follow a real drift;
4. each epoch gets the pseudo-observation ``clock_k - clock_0 = ISB_k`` with variance sigma^2
   (``estimator.clock_constraints``): one unknown fewer per extra system, one more RAIM degree of
   freedom, and a weak epoch can no longer move its ISB metres to fit a fault.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_EPOCHS", "MIN_HOURS", "session_isb"]

#: Fewer well-determined epochs than this: no session value, the system keeps a free clock.
MIN_EPOCHS = 20
#: Hours needed to measure the drift from hourly medians (fewer: per-epoch spread, conservative).
MIN_HOURS = 6
_MAD_TO_SIGMA = 1.4826  # Gaussian consistency factor of the median absolute deviation
_SIGMA_FLOOR_M = 0.05  # below the code noise of any epoch: keeps the weight finite


def session_isb(state, covariance, present, trusted, time=None):
    """``(isb_m (K,), sigma_m (K,))`` of clock_k - clock_0, NaN where it cannot be estimated.

    ``state`` ``(T, 3 + K)`` and ``covariance`` ``(T, M, M)`` of a free (unconstrained) solution;
    ``present`` ``(T, K)``; ``trusted`` ``(T,)`` epochs that are redundant and pass RAIM.
    Returns None for a single system.
    """
    n_sys = present.shape[1]
    if n_sys < 2:
        return None
    isb = np.full(n_sys, np.nan)
    sigma = np.full(n_sys, np.nan)
    isb[0], sigma[0] = 0.0, 0.0
    for k in range(1, n_sys):  # a loop over systems (<= 6)
        rows = trusted & present[:, 0] & present[:, k] & np.isfinite(state[:, 3 + k] - state[:, 3])
        if rows.sum() < MIN_EPOCHS:
            continue
        values = state[rows, 3 + k] - state[rows, 3]
        q = covariance[rows]
        variance = q[:, 3 + k, 3 + k] + q[:, 3, 3] - 2.0 * q[:, 3, 3 + k]
        best = variance <= np.median(variance)
        values = values[best]
        isb[k] = float(np.median(values))
        hours = None if time is None else np.asarray(time, "datetime64[h]")[rows][best]
        sigma[k] = max(_stability(values, isb[k], hours), _SIGMA_FLOOR_M)
    return isb, sigma


def _stability(values, centre, hours):
    """Robust spread of the ISB about its session value: of the hourly medians when the session
    has at least :data:`MIN_HOURS` hours with :data:`MIN_EPOCHS` values each (the per-epoch noise
    averages out and what remains is the drift), else of the per-epoch values (conservative)."""
    if hours is not None:
        labels, counts = np.unique(hours, return_counts=True)
        full = labels[counts >= MIN_EPOCHS]
        if len(full) >= MIN_HOURS:
            medians = np.array([np.median(values[hours == h]) for h in full])  # a loop over hours (<= 24)
            return _MAD_TO_SIGMA * float(np.median(np.abs(medians - centre)))
    return _MAD_TO_SIGMA * float(np.median(np.abs(values - centre)))
