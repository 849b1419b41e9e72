"""Gauss-Newton iteration of the pseudorange equations, all epochs at once.

Per iteration: range and line of sight with Earth rotation, elevation, troposphere and
ionosphere at the current position, weights from the error model, then the batched normal
equations (``estimator.normal_solve``). Rows are independent, so any subset of epochs (e.g. the
ones RAIM is re-solving) runs through the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..frames import ecef_to_geodetic, enu_matrix
from ..models import geometry
from ..models.troposphere import troposphere_delay_m
from . import estimator, weights

__all__ = ["Problem", "Iterate", "gauss_newton"]

_EARTH_RADIUS_M = 6_371_000.0  # mean Earth radius (IUGG), m: only to test "near the surface" within 200 km
_MAX_ITERATIONS = 10  # Gauss-Newton from the Earth's centre converges in 4-6 (RTKLIB MAXITR is 10)
_CONVERGED_M = 1e-3  # position step below 1 mm: converged
#: A receiver position beyond 1e8 m from the geocentre (~2.4 GEO radii) is no near-Earth receiver:
#: the iteration diverged (e.g. on an absurd observation that passed every check) and stops there.
_DIVERGED_M = 1e8


@dataclass(frozen=True)
class Problem:
    """The inputs of one estimation, already reduced to the chosen satellites."""

    pseudorange_m: np.ndarray  # (T, S) satellite-corrected
    sat_xyz: np.ndarray  # (T, S, 3) at transmit time
    candidate: np.ndarray  # (T, S) bool usable before mask/exclusions
    system_index: np.ndarray  # (S,)
    n_systems: int
    mask_rad: float
    factor: np.ndarray  # (K,) or (T, K) code-noise factor per system (per epoch: causal.py)
    bias_m: np.ndarray  # (S,) or (T, S) code bias subtracted from the pseudoranges
    iono: object  # callable(rows, lat, lon, az, el, height_m) -> (T, S) metres, or None
    troposphere: bool = True
    fixed_delays: tuple | None = None  # (trop (T, S), iono (T, S)) frozen after the first solution
    bias_variance_m2: object = 0.0  # (S,) or (T, S) variance of the code bias still unknown (causal.py), m^2
    clock_prior: tuple | None = None  # (isb_m, sigma_m) (K,) or (T, K) ISBs vs system 0 (isb.py, causal.py), NaN = free
    sisre_m: object = 0.0  # (S,) broadcast orbit + clock error along the line of sight, m (weights.BROADCAST_SISRE_M)


@dataclass
class Iterate:
    state: np.ndarray  # (T, 3 + K) position (m), receiver clock per system (m)
    residual: np.ndarray  # (T, S) post-fit
    weight: np.ndarray  # (T, S) 0 = unused
    elevation: np.ndarray  # (T, S) rad
    h: np.ndarray  # (T, S, M)
    covariance: np.ndarray  # (T, M, M)
    present: np.ndarray  # (T, K)
    converged: np.ndarray  # (T,)
    iono_m: np.ndarray  # (T, S)
    trop_m: np.ndarray  # (T, S)
    prior_residual: np.ndarray  # (T, K) post-fit residual of the clock pseudo-observations (m)
    prior_weight: np.ndarray  # (T, K) their weight, 0 = none
    note: np.ndarray | None = None  # (T,) why the normal equations of an epoch had no solution ("" = solved)


def _plausible(xyz):
    """A position near the Earth's surface: only then do the mask and the atmosphere apply."""
    return np.abs(np.linalg.norm(xyz, axis=-1) - _EARTH_RADIUS_M) < 200e3


def _az_el(xyz, los, azimuth=True):
    """Receiver lat/lon (rad), height, azimuth and elevation (rad); ``azimuth=False``: None for it
    (only the atmosphere uses it, and it is frozen after the first pass)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # the Earth's centre, first iteration without a header position
        lat, lon, height = ecef_to_geodetic(xyz)
    enu = np.matmul(los, np.swapaxes(enu_matrix(lat, lon), -1, -2))
    elevation = np.arcsin(np.clip(enu[..., 2], -1.0, 1.0))
    azimuth = np.arctan2(enu[..., 0], enu[..., 1]) if azimuth else None
    return np.radians(lat), np.radians(lon), height, azimuth, elevation


class _Atmosphere:
    """Troposphere + ionosphere delays per epoch, recomputed only when the position moved by > 30 m.

    Both vary by millimetres over tens of metres of receiver displacement, so after the first
    iteration they are constant: caching them makes later iterations cost only the geometry.
    """

    _MOVE_M = 30.0

    def __init__(self, p: Problem, rows):
        self.p, self.rows = p, rows
        shape = (len(rows), p.sat_xyz.shape[1])
        if p.fixed_delays is not None:
            self.trop_all, self.iono_all = p.fixed_delays[0][rows], p.fixed_delays[1][rows]
            self.xyz = np.zeros((len(rows), 3))
            self.fixed = True
        else:
            self.trop_all, self.iono_all = np.zeros(shape), np.zeros(shape)
            self.xyz = np.full((len(rows), 3), np.inf)
            self.fixed = False

    def view(self, subset):
        return _AtmosphereView(self, subset)


class _AtmosphereView:
    def __init__(self, parent: _Atmosphere, subset):
        self.parent, self.subset = parent, subset

    def delays(self, xyz, lat, lon, height, az, el):
        parent, subset = self.parent, self.subset
        if parent.fixed:
            return _take(parent.trop_all, subset), _take(parent.iono_all, subset)
        stale = np.any(np.abs(xyz - parent.xyz[subset]) >= parent._MOVE_M, axis=1)
        if stale.any():
            idx = subset[stale]
            up = _plausible(xyz[stale])[:, None] & (el[stale] > 0)
            trop = np.zeros(up.shape)
            iono = np.zeros(up.shape)
            if parent.p.troposphere:
                trop = np.where(up, troposphere_delay_m(lat[stale, None], height[stale, None], el[stale]), 0.0)
            if parent.p.iono is not None:
                iono = np.where(up, parent.p.iono(parent.rows[idx], lat[stale], lon[stale], az[stale], el[stale],
                                                    height[stale]), 0.0)
            parent.trop_all[idx], parent.iono_all[idx] = trop, iono
            parent.xyz[idx] = xyz[stale]
        return parent.trop_all[subset], parent.iono_all[subset]


def _take(array, rows):
    """``array[rows]`` read-only: the array itself when ``rows`` is every row in order (no copy;
    the first iteration of every pass runs on all epochs, and ``sat_xyz`` alone is ~4 MB)."""
    rows = np.asarray(rows)
    if rows.dtype != bool and len(rows) == len(array) and np.array_equal(rows, np.arange(len(array))):
        return array
    return array[rows]


def _linearize(p: Problem, rows, state, exclude, atmosphere: _AtmosphereView):
    xyz = state[:, :3]
    rng, los = geometry.line_of_sight(xyz, _take(p.sat_xyz, rows))
    lat, lon, height, az, el = _az_el(xyz, los, azimuth=not atmosphere.parent.fixed)
    ready = _plausible(xyz)[:, None]
    trop, iono = atmosphere.delays(xyz, lat, lon, height, az, el)
    bias = _take(p.bias_m, rows) if np.ndim(p.bias_m) == 2 else p.bias_m
    sys_idx = p.system_index
    misclosure = _take(p.pseudorange_m, rows) - bias - rng - state[:, 3:][:, sys_idx] - trop - iono
    use = _take(p.candidate, rows) & ~exclude & (~ready | (el >= p.mask_rad)) & np.isfinite(misclosure)
    factor = p.factor[rows][:, sys_idx] if np.ndim(p.factor) == 2 else p.factor[sys_idx]
    variance = weights.code_variance_m2(np.where(ready, el, np.pi / 2), factor, iono, p.sisre_m)
    variance = variance + (p.bias_variance_m2[rows] if np.ndim(p.bias_variance_m2) == 2 else p.bias_variance_m2)
    weight = np.where(use, 1.0 / variance, 0.0)
    h = estimator.design_matrix(los, sys_idx, p.n_systems)
    return np.where(use, misclosure, 0.0), weight, h, el, iono


def _constraints(p: Problem, rows, weight, clocks_m):
    """Clock pseudo-observations of the session ISBs for the systems with a used satellite."""
    if p.clock_prior is None:
        return None
    present = (weight > 0)[:, :, None] & (p.system_index[None, :, None] == np.arange(p.n_systems)[None, None, :])
    prior = [v[rows] if np.ndim(v) == 2 else v for v in p.clock_prior]
    return estimator.clock_constraints(present.any(axis=1), clocks_m, *prior)


def gauss_newton(p: Problem, rows, start_state, exclude=None) -> Iterate:
    """Iterate rows ``rows`` of ``p`` from ``start_state`` ``(R, 3 + K)``; ``exclude`` ``(R, S)`` bool.

    Converged epochs leave the working set, so one slow epoch does not keep the others iterating.
    Each epoch keeps the linearization of its last iteration: its post-fit residuals are
    ``v - H dx`` (exact for the linear model; the last step is below a millimetre).
    """
    rows = np.asarray(rows)
    n_rows, n_sv = len(rows), p.sat_xyz.shape[1]
    state = np.array(start_state, dtype=float)
    exclude = np.zeros((n_rows, n_sv), bool) if exclude is None else exclude
    converged = np.zeros(n_rows, bool)
    n_par = 3 + p.n_systems
    keep = {"v": np.zeros((n_rows, n_sv)), "w": np.zeros((n_rows, n_sv)), "h": np.zeros((n_rows, n_sv, n_par)),
            "el": np.zeros((n_rows, n_sv)), "iono": np.zeros((n_rows, n_sv)),
            "step": np.zeros((n_rows, n_par)), "cov": np.full((n_rows, n_par, n_par), np.nan),
            "present": np.zeros((n_rows, p.n_systems), bool),
            "pv": np.zeros((n_rows, p.n_systems)), "pw": np.zeros((n_rows, p.n_systems)),
            "pa": np.zeros((n_rows, p.n_systems, n_par)), "note": np.full(n_rows, "", dtype=object)}
    active = np.arange(n_rows)
    atmosphere = _Atmosphere(p, rows)
    for _ in range(_MAX_ITERATIONS):
        v, w, h, el, iono = _linearize(p, rows[active], state[active], exclude[active], atmosphere.view(active))
        cons = _constraints(p, rows[active], w, state[active, 3:])
        sol = estimator.normal_solve(h, w, v, cons)
        step = np.nan_to_num(sol.delta, nan=0.0, posinf=0.0, neginf=0.0)
        state[active] += step
        note = _diverged(state[active], sol.reason)
        state[active[note == "diverged (position beyond 1e8 m)"]] = np.nan  # callers restart these from a fallback
        everything = len(active) == n_rows  # the first iteration: a plain copy, not a scatter (~2 ms for h)
        for name, value in (("v", v), ("w", w), ("h", h), ("el", el), ("iono", iono), ("step", step),
                            ("cov", sol.covariance), ("present", sol.present), ("note", note)):
            if everything:
                keep[name][...] = value
            else:
                keep[name][active] = value
        if cons is not None:
            keep["pv"][active], keep["pw"][active], keep["pa"][active] = cons.misclosure, cons.weight, cons.design
        solvable = np.isfinite(sol.delta).all(axis=1) & (note == "")
        done = solvable & (np.linalg.norm(step[:, :3], axis=1) < _CONVERGED_M)
        converged[active[done]] = True
        active = active[~done & solvable]  # unsolvable epochs leave too, unconverged
        if active.size == 0:
            break
    residual = np.where(keep["w"] > 0, keep["v"] - np.einsum("tsi,ti->ts", keep["h"], keep["step"]), np.nan)
    prior_residual = np.where(keep["pw"] > 0, keep["pv"] - np.einsum("tki,ti->tk", keep["pa"], keep["step"]), 0.0)
    return Iterate(state, residual, keep["w"], keep["el"], keep["h"], keep["cov"], keep["present"], converged,
                   keep["iono"], atmosphere.trop_all, prior_residual, keep["pw"], keep["note"])


def _diverged(state, reason):
    """The estimator's reason per epoch, plus "diverged" for a position flung far from the Earth."""
    far = ~(np.linalg.norm(state[:, :3], axis=1) < _DIVERGED_M)
    return np.where(far & (reason == ""), "diverged (position beyond 1e8 m)", reason).astype(object)
