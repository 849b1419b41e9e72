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

__all__ = ["design_matrix", "normal_solve", "NormalSolution", "redundancy", "dops", "clock_constraints",
           "ClockConstraints", "position_sigmas", "signed_sqrt", "SIGMA_COLUMNS", "MAX_CONDITION"]


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
    reason: np.ndarray | None = None  # (T,) why an epoch has no solution ("" = solved)


@dataclass(frozen=True)
class ClockConstraints:
    """Pseudo-observations ``clock_k - clock_ref = isb_k - isb_ref`` (one row per system, zero weight = none).

    They carry a session inter-system bias into each epoch (see ``isb.py``): an epoch then needs
    one satellite fewer per constrained system, and RAIM gains one degree of freedom per row.
    """

    design: np.ndarray  # (T, K, M)
    weight: np.ndarray  # (T, K) 1 / variance (m^-2), 0 = no constraint
    misclosure: np.ndarray  # (T, K) prior minus current clock difference (m)

    @property
    def count(self):
        return (self.weight > 0).sum(axis=1)


def clock_constraints(present, clocks_m, isb_m, sigma_m) -> ClockConstraints:
    """Constraints for the systems present in each epoch that have a session ISB.

    ``present`` ``(T, K)``; ``clocks_m`` ``(T, K)`` current clocks; ``isb_m``/``sigma_m`` ``(K,)`` or ``(T, K)``
    clock of system k minus that of the first system and its 1-sigma stability (NaN = unknown;
    system 0 has 0). The reference of an epoch is its first present system with a known ISB, so
    the constraints hold also when system 0 has no satellite.
    """
    t, k = present.shape
    isb_m = np.broadcast_to(np.asarray(isb_m, float), (t, k))  # (K,) session or (T, K) per epoch (causal)
    sigma_m = np.broadcast_to(np.asarray(sigma_m, float), (t, k))
    known = np.isfinite(isb_m) & np.isfinite(sigma_m)
    usable = present & known
    ref = np.argmax(usable, axis=1)
    rows = usable & (np.arange(k)[None, :] != ref[:, None]) & usable.any(axis=1)[:, None]
    isb = np.nan_to_num(isb_m)
    sigma = np.nan_to_num(sigma_m)
    isb_ref = np.take_along_axis(isb, ref[:, None], axis=1)
    variance = sigma**2 + np.take_along_axis(sigma, ref[:, None], axis=1) ** 2
    weight = np.where(rows, 1.0 / np.maximum(variance, 1e-6), 0.0)
    design = np.zeros((t, k, 3 + k))
    design[:, np.arange(k), 3 + np.arange(k)] = 1.0
    design[np.arange(t)[:, None], np.arange(k)[None, :], 3 + ref[:, None]] -= 1.0
    design = np.where(rows[..., None], design, 0.0)
    clock_ref = np.take_along_axis(clocks_m, ref[:, None], axis=1)
    misclosure = np.where(rows, (isb - isb_ref) - (clocks_m - clock_ref), 0.0)
    return ClockConstraints(design, weight, misclosure)


def normal_solve(h, weight, misclosure, constraints: ClockConstraints | None = None) -> NormalSolution:
    """Solve ``(H^T W H) dx = H^T W v`` for every epoch at once (zero weight = not used).

    ``constraints`` adds clock pseudo-observations (rows of zero weight add nothing).
    Epochs with fewer observations than unknowns give a singular system: their ``delta`` is NaN.
    """
    n_sys = h.shape[-1] - 3
    used = weight > 0
    h = np.where(used[..., None], h, 0.0)  # unused satellites may have NaN geometry
    wh = h * weight[..., None]
    with np.errstate(invalid="ignore", over="ignore"):  # a non-finite epoch is caught in _regular
        normal = np.matmul(np.swapaxes(wh, 1, 2), h)
        rhs = np.matmul(np.swapaxes(wh, 1, 2), np.where(used, misclosure, 0.0)[..., None])[..., 0]
    sys_count = np.matmul(np.swapaxes(h[..., 3:], 1, 2), used[..., None].astype(float))[..., 0]
    present = sys_count > 0
    absent_diag = np.where(present, 0.0, 1.0)
    idx = 3 + np.arange(n_sys)
    normal[:, idx, idx] += absent_diag
    n_used = used.sum(axis=1)
    n_pseudo = 0
    if constraints is not None:
        wa = constraints.design * constraints.weight[..., None]
        normal += np.matmul(np.swapaxes(wa, 1, 2), constraints.design)
        rhs += np.matmul(np.swapaxes(wa, 1, 2), constraints.misclosure[..., None])[..., 0]
        n_pseudo = constraints.count
    # a constrained system clock is no unknown of its own: n satellites solve 3 + (systems - constraints)
    enough = n_used + n_pseudo >= 3 + present.sum(axis=1)
    reason = np.where(enough, "", "fewer observations than unknowns").astype(object)
    solvable, covariance = _regular(normal, rhs, enough, reason)
    rhs[~solvable] = 0.0
    delta = np.matmul(covariance, rhs[..., None])[..., 0]
    delta[~solvable] = np.nan
    covariance[~solvable] = np.nan
    return NormalSolution(delta, covariance, present, n_used, reason)


#: Largest condition number (2-norm) of a normal matrix worth inverting: beyond ~1e12 the
#: solution keeps fewer than 4 of float64's ~16 significant digits (Golub & Van Loan 2013, §2.7).
MAX_CONDITION = 1e12


#: Below this bound on the condition number, ``||N||_F ||N^-1||_F`` (>= the 2-norm condition), an
#: epoch is well conditioned without an eigen-decomposition: 4 orders of magnitude below
#: ``MAX_CONDITION`` leave room for the rounding of the computed inverse. Only the others (none in
#: a normal ESBC day) pay ``eigvalsh``, which took ~10 % of the estimator's time.
_SURELY_REGULAR = 1e8


def _regular(normal, rhs, candidate, reason):
    """``candidate`` epochs whose normal equations are finite and well conditioned, and their inverses.

    Returns ``(ok, inverse)``: ``inverse`` is ``inv(normal)`` where ``ok``, NaN elsewhere (each
    matrix is inverted on its own, so the values do not depend on the other epochs).
    Rank-deficient geometry (satellites on one line of sight, a clock column without data that
    the pinning missed) or non-finite inputs become a per-epoch reason, never a ``LinAlgError``.
    """
    finite = np.isfinite(normal).all(axis=(1, 2)) & np.isfinite(rhs).all(axis=1)
    bad_input = candidate & ~finite
    reason[bad_input] = "non-finite normal equations"
    ok = candidate & finite
    inverse = np.full(normal.shape, np.nan)
    if not ok.any():
        return ok, inverse
    rows = np.flatnonzero(ok)
    inverse_ok, sure = _inverse_where_regular(normal[rows])
    check = rows[~sure]
    if len(check):
        with np.errstate(all="ignore"):  # symmetric: eigenvalues give the 2-norm condition, cheaper than an SVD
            eig = np.abs(np.linalg.eigvalsh(normal[check]))
            condition = eig.max(axis=1) / eig.min(axis=1)
        well = np.isfinite(condition) & (condition < MAX_CONDITION)
        reason[check[~well]] = "singular or ill-conditioned geometry"
        ok[check[~well]] = False
        if inverse_ok is None:  # a singular matrix stopped the batch: invert the regular ones now
            inverse_ok = np.full(normal[rows].shape, np.nan)
            inverse_ok[ok[rows]] = np.linalg.inv(normal[ok])
    inverse[ok] = inverse_ok[ok[rows]]
    return ok, inverse


def _inverse_where_regular(normal):
    """``(inv(normal) or None if one is exactly singular, sure)``: ``sure`` where the condition bound is small."""
    try:
        with np.errstate(all="ignore"):
            inverse = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        return None, np.zeros(len(normal), bool)
    with np.errstate(all="ignore"):
        bound = np.sqrt((normal * normal).sum(axis=(1, 2)) * (inverse * inverse).sum(axis=(1, 2)))
    return inverse, np.isfinite(bound) & (bound < _SURELY_REGULAR)


def redundancy(h, weight, covariance):
    """Redundancy numbers ``r_i = 1 - w_i h_i Q h_i^T`` (0 for unused satellites)."""
    h = np.where((weight > 0)[..., None], h, 0.0)
    leverage = np.einsum("tsi,tij,tsj->ts", h, covariance, h) * weight
    return np.where(weight > 0, 1.0 - leverage, 0.0)


#: Weight of a session-ISB constraint in the unweighted DOP geometry: the ISB's stability (dm) is
#: far below the code noise (m), so a constrained clock counts as tied to its reference.
_TIED_WEIGHT = 1e6


def dops(h, used, present, lat_deg, lon_deg, constraints: ClockConstraints | None = None):
    """GDOP, PDOP, HDOP, VDOP, TDOP ``(T,)`` each from the unweighted geometry, one clock per system.

    TDOP is that of the first present system's clock. Epochs without a solution give NaN.
    ``constraints`` (session ISBs): a constrained system's clock is tied to its reference's, as in
    the estimator; without them every system keeps its own clock column.
    """
    hu = np.where(used[..., None], h, 0.0)
    normal = np.matmul(np.swapaxes(hu, 1, 2), hu)
    idx = 3 + np.arange(h.shape[-1] - 3)
    normal[:, idx, idx] += np.where(present, 0.0, 1.0)
    n_pseudo = 0
    if constraints is not None:
        tied = constraints.design * (constraints.weight > 0)[..., None]
        normal += _TIED_WEIGHT * np.matmul(np.swapaxes(tied, 1, 2), tied)
        n_pseudo = constraints.count
    ok = used.sum(axis=1) + n_pseudo >= 3 + present.sum(axis=1)
    ok, q = _regular(normal, np.zeros(normal.shape[:2]), ok, np.full(ok.shape, "", dtype=object))
    rot = np.broadcast_to(enu_matrix(lat_deg, lon_deg), (h.shape[0], 3, 3))
    q_enu = np.einsum("tij,tjk,tlk->til", rot, q[:, :3, :3], rot)
    # a clock tied to its reference is the same unknown: GDOP counts it once
    own_clock = present if constraints is None else present & ~(constraints.weight > 0)
    clock_var = np.where(own_clock, np.diagonal(q, axis1=1, axis2=2)[:, 3:], 0.0)
    first = np.argmax(present, axis=1)
    tdop = np.sqrt(np.take_along_axis(clock_var, first[:, None], axis=1)[:, 0])
    pdop = np.sqrt(np.trace(q[:, :3, :3], axis1=1, axis2=2))
    gdop = np.sqrt(pdop**2 + clock_var.sum(axis=1))
    hdop = np.sqrt(q_enu[:, 0, 0] + q_enu[:, 1, 1])
    vdop = np.sqrt(q_enu[:, 2, 2])
    return gdop, pdop, hdop, vdop, tdop


#: Position standard deviations of the solution table, m: RTKLIB's .pos ``sdx..sdzx`` and local e/n/u.
SIGMA_COLUMNS = ("sdx_m", "sdy_m", "sdz_m", "sdxy_m", "sdyz_m", "sdzx_m", "sde_m", "sdn_m", "sdu_m")


def signed_sqrt(value):
    """RTKLIB's ``sqvar``: ``sign(q) sqrt(|q|)``, a covariance written in metres (solution.c)."""
    return np.sign(value) * np.sqrt(np.abs(value))


def position_sigmas(covariance, lat_deg, lon_deg) -> dict:
    """Standard deviations (m) of the position from the ``(T, M, M)`` inverse normal matrix.

    The (X, Y, Z) block of ``(H^T W H)^-1`` with the estimator's own weights (its a-priori
    variances, ``models.code_variance_m2`` with the per-system factors, and the session-ISB
    pseudo-observations): the same error model the solution was weighted with. Off-diagonal
    terms follow RTKLIB's ``outecef``: ``sdxy = sign(Qxy) sqrt(|Qxy|)``. ``sde/sdn/sdu`` are the
    square roots of the diagonal of ``R Q R^T`` with ``R`` the local east/north/up rotation.
    """
    q = np.asarray(covariance)[:, :3, :3]
    rot = np.broadcast_to(enu_matrix(lat_deg, lon_deg), q.shape)
    q_enu = np.einsum("tij,tjk,tlk->til", rot, q, rot)
    with np.errstate(invalid="ignore"):  # unsolved epochs: NaN covariance, NaN sigmas
        diag = np.sqrt(np.diagonal(q, axis1=1, axis2=2))
        diag_enu = np.sqrt(np.diagonal(q_enu, axis1=1, axis2=2))
    off = signed_sqrt(np.stack([q[:, 0, 1], q[:, 1, 2], q[:, 2, 0]], axis=1))
    return dict(zip(SIGMA_COLUMNS, (*diag.T, *off.T, *diag_enu.T)))
