"""Numba kernels for global coverage: satellites above the mask and PDOP per point and epoch.

The normal matrix of a single-point solution is a sum of per-satellite terms
``[u; 1][u; 1]^T`` (``u`` the unit line of sight). Per system we accumulate
``G = sum u u^T`` (6 numbers), ``g = sum u`` (3) and ``n`` (the count). Eliminating each
system's clock (a Schur complement, Strang & Borre 1997, "Linear Algebra, Geodesy and GPS",
§14.3) leaves the 3x3 position block ``M_s = G_s - g_s g_s^T / n_s``; a set of systems, each
with its own clock (the inter-system bias), has the position cofactor ``(sum_s M_s)^-1`` and
``PDOP = sqrt(trace((sum_s M_s)^-1))``. A system with no satellite in view adds neither a row
nor an unknown, so a set needs ``3 + (systems in view)`` satellites: 4 for one system, 5 for
two (the explicit treatment of an unobserved system, as RTKLIB's pntpos.c does).

Sets are encoded by a bit mask over system indices (bit 0 = first system, ...).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

#: A set whose position block has det(M) below this (unit vectors, so M is O(n)) is singular.
_DET_MIN = 1e-10
_N_ACC = 10  # xx xy xz yy yz zz gx gy gz n


@njit(cache=True, inline="always")
def _accumulate(acc, k, system, ux, uy, uz):
    a = acc[k, system]
    a[0] += ux * ux
    a[1] += ux * uy
    a[2] += ux * uz
    a[3] += uy * uy
    a[4] += uy * uz
    a[5] += uz * uz
    a[6] += ux
    a[7] += uy
    a[8] += uz
    a[9] += 1.0


@njit(cache=True)
def _set_pdop(acc, k, set_bits, n_systems):
    """(satellites, PDOP) of one system set from the accumulated sums (PDOP NaN when unsolvable)."""
    m0 = m1 = m2 = m3 = m4 = m5 = 0.0
    count = 0.0
    in_view = 0
    for system in range(n_systems):
        if not (set_bits >> system) & 1:
            continue
        a = acc[k, system]
        n = a[9]
        if n == 0.0:
            continue
        in_view += 1
        count += n
        m0 += a[0] - a[6] * a[6] / n
        m1 += a[1] - a[6] * a[7] / n
        m2 += a[2] - a[6] * a[8] / n
        m3 += a[3] - a[7] * a[7] / n
        m4 += a[4] - a[7] * a[8] / n
        m5 += a[5] - a[8] * a[8] / n
    if in_view == 0 or count < 3 + in_view:
        return count, math.nan
    # cofactors of the symmetric 3x3 [[m0 m1 m2] [m1 m3 m4] [m2 m4 m5]]
    c00 = m3 * m5 - m4 * m4
    c11 = m0 * m5 - m2 * m2
    c22 = m0 * m3 - m1 * m1
    det = m0 * c00 - m1 * (m1 * m5 - m4 * m2) + m2 * (m1 * m4 - m3 * m2)
    if det <= _DET_MIN:
        return count, math.nan
    return count, math.sqrt((c00 + c11 + c22) / det)


@njit(cache=True, inline="always")
def _point_epoch(acc, px, py, pz, ex, ey, ez, sat, valid, system_of, t, sin_masks):
    """Fill ``acc[k, system]`` with the sums of satellites above mask ``k`` at one point and epoch."""
    acc[:] = 0.0
    n_masks = sin_masks.shape[0]
    lowest = sin_masks.min()
    for s in range(sat.shape[1]):
        system = system_of[s]
        if system < 0 or not valid[t, s]:
            continue
        dx = sat[t, s, 0] - px
        dy = sat[t, s, 1] - py
        dz = sat[t, s, 2] - pz
        up = dx * ex + dy * ey + dz * ez
        if up <= 0.0:
            continue  # below the horizon: the common case, settled without a square root
        inv_rho = 1.0 / math.sqrt(dx * dx + dy * dy + dz * dz)
        sin_el = up * inv_rho
        if sin_el < lowest:
            continue
        ux, uy, uz = dx * inv_rho, dy * inv_rho, dz * inv_rho
        for k in range(n_masks):
            if sin_el >= sin_masks[k]:
                _accumulate(acc, k, system, ux, uy, uz)


@njit(cache=True, parallel=True)
def daily_sums(points, ups, sat, valid, system_of, n_systems, sin_masks, set_bits, pdop_limit,
               strong_pdop=2.0, many_sats=10):
    """Per point, mask and set: sums over epochs of satellites, solved epochs, PDOP, PDOP <= limit.

    ``points``/``ups`` (N, 3): ECEF positions and ellipsoidal up vectors; ``sat`` (T, S, 3) ECEF;
    ``valid`` (T, S); ``system_of`` (S,) system index or -1 (ignored); ``sin_masks`` (K,);
    ``set_bits`` (Q,). Returns four (K, Q, N) arrays: sats_sum, solved, pdop_sum, pdop_ok, and
    the median PDOP over solved epochs (Q, N) at the first mask (NaN when never solved); then,
    at the first mask, the epochs with PDOP <= ``strong_pdop`` and with >= ``many_sats`` satellites
    (Q, N) (the maps to show where availability is 100 % everywhere).
    """
    n_points, n_epochs = points.shape[0], sat.shape[0]
    n_masks, n_sets = sin_masks.shape[0], set_bits.shape[0]
    sats_sum = np.zeros((n_masks, n_sets, n_points))
    solved = np.zeros((n_masks, n_sets, n_points), dtype=np.int32)
    pdop_sum = np.zeros((n_masks, n_sets, n_points))
    pdop_ok = np.zeros((n_masks, n_sets, n_points), dtype=np.int32)
    median = np.full((n_sets, n_points), np.nan)
    strong = np.zeros((n_sets, n_points), dtype=np.int32)
    many = np.zeros((n_sets, n_points), dtype=np.int32)
    for i in prange(n_points):
        acc = np.empty((n_masks, n_systems, _N_ACC))
        day = np.empty((n_sets, n_epochs))  # PDOP of the solved epochs at the first mask
        px, py, pz = points[i, 0], points[i, 1], points[i, 2]
        ex, ey, ez = ups[i, 0], ups[i, 1], ups[i, 2]
        for t in range(n_epochs):
            _point_epoch(acc, px, py, pz, ex, ey, ez, sat, valid, system_of, t, sin_masks)
            for k in range(n_masks):
                for q in range(n_sets):
                    count, pdop = _set_pdop(acc, k, set_bits[q], n_systems)
                    sats_sum[k, q, i] += count
                    if k == 0 and count >= many_sats:
                        many[q, i] += 1
                    if pdop == pdop:
                        solved[k, q, i] += 1
                        pdop_sum[k, q, i] += pdop
                        if pdop <= pdop_limit:
                            pdop_ok[k, q, i] += 1
                        if k == 0:
                            day[q, solved[0, q, i] - 1] = pdop
                            if pdop <= strong_pdop:
                                strong[q, i] += 1
        for q in range(n_sets):
            if solved[0, q, i] > 0:
                median[q, i] = np.median(day[q, :solved[0, q, i]])
    return sats_sum, solved, pdop_sum, pdop_ok, median, strong, many


@njit(cache=True)
def epoch_series(points, ups, sat, valid, system_of, n_systems, sin_masks, set_bits):
    """Per epoch, point, mask and set: satellites above the mask and PDOP, shape (T, N, K, Q)."""
    n_points, n_epochs = points.shape[0], sat.shape[0]
    n_masks, n_sets = sin_masks.shape[0], set_bits.shape[0]
    counts = np.zeros((n_epochs, n_points, n_masks, n_sets), dtype=np.int32)
    pdops = np.full((n_epochs, n_points, n_masks, n_sets), np.nan)
    acc = np.empty((n_masks, n_systems, _N_ACC))
    for i in range(n_points):
        for t in range(n_epochs):
            _point_epoch(acc, points[i, 0], points[i, 1], points[i, 2], ups[i, 0], ups[i, 1], ups[i, 2],
                         sat, valid, system_of, t, sin_masks)
            for k in range(n_masks):
                for q in range(n_sets):
                    count, pdop = _set_pdop(acc, k, set_bits[q], n_systems)
                    counts[t, i, k, q] = int(count)
                    pdops[t, i, k, q] = pdop
    return counts, pdops
