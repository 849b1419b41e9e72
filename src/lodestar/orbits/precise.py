"""Precise orbits and clocks: SP3 positions by Lagrange interpolation, RINEX CLK clocks.

>>> eph = PreciseEphemeris(read_sp3(path), read_clk(clk_path))   # or lists of consecutive files
>>> st = eph.states(times, ["R01", "C05"])

- Positions: Lagrange polynomial through ``n_points`` consecutive SP3 epochs centred on the interval
  holding the time (10 points, degree 9, by default: at 15 min sampling it reproduces GNSS orbits
  to the millimetre level, Schenewerk 2003, GPS Solutions 7:46). Velocity is the polynomial's
  derivative. NaN with a reason when the window leaves the data (file ends), when a node is missing
  (a gap, a missing satellite), or when the nodes are not equally spaced (a missing epoch).
  Consecutive files are joined first, so the window crosses midnight.
- Clocks: linear interpolation between neighbouring CLK samples (30 s; clocks are random walks, a
  higher order would not help), NaN across a gap longer than the file's interval. Without CLK the
  SP3 clock column is interpolated the same way.
- SP3 orbits refer to the centre of mass; clocks to the ionosphere-free combination of the
  product's observables, without the periodic relativistic term (given in ``relativity_s``).
- A cell is ``valid`` only with both orbit and clock; ``position_m`` is kept wherever the orbit
  exists (``reason`` says "no precise clock ..." then), so orbit-only comparisons can use it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .broadcast import relativity_s
from .states import SatStates, as_time_grid

__all__ = ["PreciseEphemeris", "lagrange_weights", "join_products"]


def join_products(datasets) -> xr.Dataset:
    """Consecutive SP3 (or CLK) datasets as one, sorted in time; a repeated epoch keeps the first file's."""
    if isinstance(datasets, xr.Dataset):
        return datasets
    datasets = sorted(datasets, key=lambda d: d["time"].values[0] if d.sizes["time"] else np.datetime64("NaT"))
    if len(datasets) == 1:
        return datasets[0]
    joined = xr.concat(datasets, dim="time", join="outer", data_vars="minimal", coords="minimal",
                       compat="override", combine_attrs="override")
    _, first = np.unique(joined["time"].values, return_index=True)
    return joined.isel(time=np.sort(first))


def lagrange_weights(x, offsets):
    """Lagrange basis values and derivatives ``(M, n)`` at ``x`` ``(M,)`` for integer node ``offsets`` ``(n,)``.

    Prefix/suffix products carry (value, derivative) pairs, so the cost is O(n) per point and a
    point on a node needs no division by zero. Repeated ``x`` (a regular time grid) are computed once.
    """
    x = np.asarray(x, dtype=float)
    unique, inverse = np.unique(x, return_inverse=True)
    offsets = np.asarray(offsets, dtype=float)
    n = offsets.size
    d = unique[None, :] - offsets[:, None]  # (n, U): rows contiguous
    prefix = np.ones((n + 1, unique.size))
    prefix_d = np.zeros((n + 1, unique.size))
    suffix = np.ones((n + 1, unique.size))
    suffix_d = np.zeros((n + 1, unique.size))
    for k in range(n):  # loops over the polynomial's nodes, not over epochs
        prefix[k + 1] = prefix[k] * d[k]
        prefix_d[k + 1] = prefix_d[k] * d[k] + prefix[k]
        j = n - 1 - k
        suffix[j] = suffix[j + 1] * d[j]
        suffix_d[j] = suffix_d[j + 1] * d[j] + suffix[j + 1]
    denominator = np.array([np.prod([offsets[k] - offsets[m] for m in range(n) if m != k]) for k in range(n)])
    weights = prefix[:n] * suffix[1:] / denominator[:, None]
    derivative = (prefix_d[:n] * suffix[1:] + prefix[:n] * suffix_d[1:]) / denominator[:, None]
    return weights.T[inverse], derivative.T[inverse]


def _interval_s(times) -> float:
    if times.size < 2:
        return np.nan
    return float(np.median(np.diff(times.astype(np.int64)))) / 1e9


class PreciseEphemeris:
    """Satellite states from SP3 orbits (and, optionally, RINEX CLK clocks)."""

    source = "precise"

    def __init__(self, sp3, clk=None, *, n_points: int = 10):
        sp3 = join_products(sp3)
        self.n_points = n_points
        self.times = sp3["time"].values.astype("datetime64[ns]")
        self.sp3_svs = sp3["sv"].values.astype(str)
        self.positions = np.stack([sp3[k].values for k in ("x_m", "y_m", "z_m")], axis=-1).astype(float)
        self.interval_s = _interval_s(self.times)
        if clk is not None:
            clk = join_products(clk)
            self.clock_source = "clk"
        else:
            clk = sp3
            self.clock_source = "sp3"
        self.clock_times = clk["time"].values.astype("datetime64[ns]")
        self.clock_svs = clk["sv"].values.astype(str)
        self.clocks = clk["clock_s"].values.astype(float)
        self.clock_interval_s = _interval_s(self.clock_times)

    @property
    def svs(self) -> np.ndarray:
        return self.sp3_svs

    @property
    def glonass_channels(self) -> dict:
        """SP3 and CLK carry no GLONASS channels; take them from navigation or observation headers."""
        return {}

    def states(self, time, svs=None) -> SatStates:
        """States of ``svs`` (default: every SP3 satellite) at GPST ``time`` of shape (T,) or (T, S)."""
        svs = self.svs if svs is None else np.asarray(svs).astype(str).reshape(-1)
        grid = as_time_grid(time, len(svs))
        pos, vel, orbit_reason = self._orbits(grid.gpst, svs)
        clock, clock_reason = self._clocks(grid.gpst, svs)
        orbit_ok = orbit_reason == ""
        reason = np.where(orbit_ok, clock_reason, orbit_reason)
        valid = orbit_ok & (clock_reason == "")
        return SatStates(
            sv=svs, time=grid, position_m=pos, velocity_mps=vel, clock_s=np.where(orbit_ok, clock, np.nan),
            relativity_s=relativity_s(pos, vel), valid=valid, reason=reason.astype(str), source=self.source,
            group_delay_s={},
        )

    def _orbits(self, query, svs):
        shape = query.shape
        pos = np.full(shape + (3,), np.nan)
        vel = np.full(shape + (3,), np.nan)
        column = _columns(self.sp3_svs, svs)
        reason = np.where(column[None, :] < 0, "satellite not in SP3", "").astype(object)
        reason = np.broadcast_to(reason, shape).copy()
        half = self.n_points // 2
        offsets = np.arange(self.n_points) - (half - 1)
        n_epochs = self.times.size
        q = query.astype("datetime64[ns]")
        left = np.searchsorted(self.times, q, side="right") - 1
        start = left - (half - 1)
        inside = (start >= 0) & (start + self.n_points - 1 < n_epochs)
        reason[(reason == "") & ~inside] = "outside the SP3 interpolation span"
        ok = reason == ""
        rows, cols = np.nonzero(ok)
        s0 = start[rows, cols]
        col = column[cols]
        nodes = s0[:, None] + np.arange(self.n_points)[None, :]
        node_times = self.times[nodes].astype(np.int64)
        regular = np.all(np.diff(node_times, axis=1) == round(self.interval_s * 1e9), axis=1)
        values = self.positions[nodes, col[:, None]]  # (M, n, 3)
        complete = np.all(np.isfinite(values), axis=(1, 2))
        bad = ~(regular & complete)
        reason[rows[~regular], cols[~regular]] = "missing SP3 epoch in the interpolation window"
        gap = regular & ~complete
        reason[rows[gap], cols[gap]] = "gap in the SP3 orbit of this satellite"
        rows, cols, nodes, values = rows[~bad], cols[~bad], nodes[~bad], values[~bad]
        x = (q[rows, cols] - self.times[nodes[:, half - 1]]).astype(np.int64) / (self.interval_s * 1e9)
        weights, derivative = lagrange_weights(x, offsets)
        pos[rows, cols] = np.einsum("mk,mkc->mc", weights, values)
        vel[rows, cols] = np.einsum("mk,mkc->mc", derivative, values) / self.interval_s
        return pos, vel, reason.astype(str)

    def _clocks(self, query, svs):
        shape = query.shape
        column = _columns(self.clock_svs, svs)
        clock = np.full(shape, np.nan)
        reason = np.broadcast_to(np.where(column[None, :] < 0, f"satellite not in {self.clock_source.upper()}", ""), shape).astype(object)
        n = self.clock_times.size
        left = np.searchsorted(self.clock_times, query, side="right") - 1
        inside = (left >= 0) & (left < n)
        reason[(reason == "") & ~inside] = f"outside the {self.clock_source.upper()} clock span"
        rows, cols = np.nonzero(reason == "")
        j = left[rows, cols]
        c = column[cols]
        t = query[rows, cols]
        on_node = t == self.clock_times[j]
        j1 = np.minimum(j + 1, n - 1)
        span = (self.clock_times[j1] - self.clock_times[j]).astype(np.int64) / 1e9
        c0, c1 = self.clocks[j, c], self.clocks[j1, c]
        frac = np.where(span > 0, (t - self.clock_times[j]).astype(np.int64) / 1e9 / np.where(span > 0, span, 1), 0.0)
        value = np.where(on_node, c0, c0 + (c1 - c0) * frac)
        usable = np.isfinite(value) & (on_node | ((j + 1 < n) & (span <= 1.01 * self.clock_interval_s)))
        clock[rows[usable], cols[usable]] = value[usable]
        reason[rows[~usable], cols[~usable]] = f"no precise clock ({self.clock_source.upper()} gap)"
        return clock, reason.astype(str)


def _columns(product_svs, svs) -> np.ndarray:
    lookup = {sv: i for i, sv in enumerate(product_svs)}
    return np.array([lookup.get(sv, -1) for sv in svs], dtype=np.int64)
