"""Batched weighted least squares for single-point positioning, vectorized over epochs.

Unknowns per epoch: ECEF position (3) and one receiver clock per system of the set (metres).
One clock per system is the same model as "one clock + one inter-system bias per extra system"
(the ISB is the difference of two clocks) but stays regular when any system, the first one
included, has no satellite in an epoch: that system's clock column is pinned (a unit diagonal
with a zero right-hand side), so the other unknowns solve exactly as if it were dropped.

Shapes: ``T`` epochs, ``S`` satellites, ``K`` systems, ``M = 3 + K`` unknowns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..frames import enu_matrix

__all__ = ["design_matrix", "normal_solve", "NormalSolution", "redundancy", "dops"]


def design_matrix(unit_los, system_index, n_systems: int):
    """``(T, S, 3 + K)`` partials of the pseudorange: ``-e`` for position, 1 on the own clock.

    ``unit_los`` ``(T, S, 3)`` unit vectors receiver -> satellite; ``system_index`` ``(S,)`` ints.
    """
    t, s, _ = unit_los.shape
    h = np.zeros((t, s, 3 + n_systems))
    h[..., :3] = -unit_los
    h[:, np.arange(s), 3 + np.asarray(system_index)] = 1.0
    return h


@dataclass(frozen=True)
class NormalSolution:
    delta: np.ndarray  # (T, M) correction to the unknowns
    covariance: np.ndarray  # (T, M, M) inverse of the weighted normal matrix (a-priori units)
    present: np.ndarray  # (T, K) bool: system has at least one used satellite
    n_used: np.ndarray  # (T,) satellites used


def normal_solve(h, weight, misclosure) -> NormalSolution:
    """Solve ``(H^T W H) dx = H^T W v`` for every epoch at once (zero weight = not used).

    Epochs with fewer observations than unknowns give a singular system: their ``delta`` is NaN.
    """
    n_sys = h.shape[-1] - 3
    used = weight > 0
    h = np.where(used[..., None], h, 0.0)  # unused satellites may have NaN geometry
    wh = h * weight[..., None]
    normal = np.matmul(np.swapaxes(wh, 1, 2), h)
    rhs = np.matmul(np.swapaxes(wh, 1, 2), np.where(used, misclosure, 0.0)[..., None])[..., 0]
    sys_count = np.matmul(np.swapaxes(h[..., 3:], 1, 2), used[..., None].astype(float))[..., 0]
    present = sys_count > 0
    absent_diag = np.where(present, 0.0, 1.0)
    idx = 3 + np.arange(n_sys)
    normal[:, idx, idx] += absent_diag
    n_used = used.sum(axis=1)
    solvable = n_used >= 3 + present.sum(axis=1)
    normal[~solvable] = np.eye(h.shape[-1])
    covariance = np.linalg.inv(normal)
    delta = np.matmul(covariance, rhs[..., None])[..., 0]
    delta[~solvable] = np.nan
    covariance[~solvable] = np.nan
    return NormalSolution(delta, covariance, present, n_used)


def redundancy(h, weight, covariance):
    """Redundancy numbers ``r_i = 1 - w_i h_i Q h_i^T`` (0 for unused satellites)."""
    h = np.where((weight > 0)[..., None], h, 0.0)
    leverage = np.einsum("tsi,tij,tsj->ts", h, covariance, h) * weight
    return np.where(weight > 0, 1.0 - leverage, 0.0)


def dops(h, used, present, lat_deg, lon_deg):
    """GDOP, PDOP, HDOP, VDOP, TDOP ``(T,)`` each from the unweighted geometry, one clock per system.

    TDOP is that of the first present system's clock. Epochs without a solution give NaN.
    """
    hu = np.where(used[..., None], h, 0.0)
    normal = np.matmul(np.swapaxes(hu, 1, 2), hu)
    idx = 3 + np.arange(h.shape[-1] - 3)
    normal[:, idx, idx] += np.where(present, 0.0, 1.0)
    ok = used.sum(axis=1) >= 3 + present.sum(axis=1)
    normal[~ok] = np.eye(h.shape[-1])
    q = np.linalg.inv(normal)
    q[~ok] = np.nan
    rot = np.broadcast_to(enu_matrix(lat_deg, lon_deg), (h.shape[0], 3, 3))
    q_enu = np.einsum("tij,tjk,tlk->til", rot, q[:, :3, :3], rot)
    clock_var = np.where(present, np.diagonal(q, axis1=1, axis2=2)[:, 3:], 0.0)
    first = np.argmax(present, axis=1)
    tdop = np.sqrt(np.take_along_axis(clock_var, first[:, None], axis=1)[:, 0])
    pdop = np.sqrt(np.trace(q[:, :3, :3], axis1=1, axis2=2))
    gdop = np.sqrt(pdop**2 + clock_var.sum(axis=1))
    hdop = np.sqrt(q_enu[:, 0, 0] + q_enu[:, 1, 1])
    vdop = np.sqrt(q_enu[:, 2, 2])
    return gdop, pdop, hdop, vdop, tdop
