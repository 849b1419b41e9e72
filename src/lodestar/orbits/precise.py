"""Precise orbits and clocks: SP3 positions by Lagrange interpolation, RINEX CLK clocks.

>>> eph = PreciseEphemeris(read_sp3(path), read_clk(clk_path))   # or lists of files
>>> eph = PreciseEphemeris([grg_day1, grg_day2, iac], [grg_clk])  # several centres and days
>>> st = eph.states(times, ["R01", "C05"])
>>> eph.sources, eph.warnings, eph.provenance(st)                 # who served what

Several centres and days (docs/precise-products.md):
- files are grouped by analysis centre (the IGS long file name's first three letters, else the SP3
  agency); a centre's consecutive days are joined, so interpolation windows cross midnight;
- a CLK file belongs to the centre of the same name (else to the first centre, with a warning);
  a centre without CLK uses its SP3 clock column, and so does a centre with CLK before and after
  its CLK files (e.g. the previous day's SP3 serves the first seconds of the day);
- per system, centres are ranked by the user's order, then by the finer SP3 interval; each cell
  (epoch, satellite) is served by the best-ranked centre with a valid orbit and clock there; a
  lower-ranked centre's clock is moved onto the system's first centre's datum by the median clock
  difference over the satellites both carry (the clock datum is a per-system constant);
- two centres whose orbits of one satellite differ by more than ``DISAGREE_M`` on common epochs: a
  warning names both and the satellite; the better-ranked one is kept.

- Positions: Lagrange polynomial through ``n_points`` consecutive SP3 epochs centred on the interval
  holding the time (10 points, degree 9, by default: at 15 min sampling it reproduces GNSS orbits
  to the millimetre level, Schenewerk 2003, GPS Solutions 7:46). Velocity is the polynomial's
  derivative. At a product's first/last epochs the window slides inwards (same points, off-centre,
  up to ``max_shift`` nodes; never extrapolating beyond the first/last node, as RTKLIB's
  ``pephpos`` does); the shift of each cell is returned by ``states_and_sources(..., with_shift=True)``.
  NaN with a reason outside the product, when a node is missing (a gap, a missing satellite), or
  when the nodes are not equally spaced (a missing epoch). Consecutive files are joined first, so
  the window crosses midnight centred.
- Clocks: linear interpolation between neighbouring CLK samples (30 s; clocks are random walks, a
  higher order would not help), NaN across a gap longer than the file's interval. Without CLK the
  SP3 clock column is interpolated the same way. Isolated bad samples (off the smooth series by more
  than 0.5 m, :mod:`.clock_screen`) are removed first, with a warning naming them; so are isolated
  bad orbit samples (off the polynomial through their neighbours by more than 1 m, :mod:`.orbit_screen`).
- SP3 orbits refer to the centre of mass; clocks to the ionosphere-free combination of the
  product's observables, without the periodic relativistic term (given in ``relativity_s``).
- A cell is ``valid`` only with both orbit and clock; ``position_m`` is kept wherever the orbit
  exists (``reason`` says "no precise clock ..." then), so orbit-only comparisons can use it.
"""

from __future__ import annotations

import re
import warnings as _warnings  # the module's own `warnings` are lists of messages
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import LodestarError
from .broadcast import relativity_s
from .clock_screen import FLOOR_M, isolated_outliers
from .orbit_screen import FLOOR_M as ORBIT_FLOOR_M
from .orbit_screen import isolated_orbit_outliers
from .states import SatStates, as_time_grid

__all__ = [
    "BRIDGED_SHIFT",
    "BRIDGE_S",
    "DISAGREE_M",
    "MAX_WINDOW_SHIFT",
    "OUTSIDE_SPAN",
    "PreciseEphemeris",
    "sp3_of_systems",
    "centre_of",
    "check_product_days",
    "join_products",
    "lagrange_weights",
]

#: Reason for epochs outside every centre's interpolation span.
OUTSIDE_SPAN = "outside precise orbit span"
#: Reasons of invalid cells, by code (0 = valid): integer codes inside, strings in the result.
_REASONS = ("", "satellite not in SP3", OUTSIDE_SPAN, "missing SP3 epoch in the interpolation window",
            "gap in the SP3 orbit of this satellite",
            "satellite not in SP3 clocks", "outside the SP3 clock span", "no precise clock (SP3 gap)",
            "satellite not in CLK", "outside the CLK clock span", "no precise clock (CLK gap)")
_NOT_IN_SP3, _OUTSIDE, _MISSING_EPOCH, _GAP = 1, 2, 3, 4
_CLOCK_CODES = {"SP3": (5, 6, 7), "CLK": (8, 9, 10)}
#: Nodes by which the 10-point Lagrange window may slide off-centre at a product's first/last epochs
#: (the time always stays between the first and last node: no extrapolation). 5 = the whole span.
#: Measured on ESBC 2020-177 against centred windows of the same file cut at 12:00 (docs/precise-products.md):
#: 15-min GRG/IAC, |shift| <= 3: <= 1.5 mm RMS, <= 8 mm max for G/R/C; |shift| 4 (the product's
#: first/last interval): 3-8 mm RMS, <= 41 mm max (GPS), Galileo E18 (eccentric) 0.7 m; 5-min CODE:
#: <= 8 mm RMS, <= 15 mm max. Flagged per cell (``states_and_sources(..., with_shift=True)``).
MAX_WINDOW_SHIFT = 5
#: Seconds past a centre's first/last SP3 node over which its orbit is bridged by another centre's,
#: moved onto it at that node (so its clocks, 15 min longer in GRG's CLK, keep serving): one 15-min interval.
BRIDGE_S = 900.0
#: Shift value (signed) of cells whose orbit was bridged from another centre.
BRIDGED_SHIFT = 99
#: Orbit difference (m) between two centres beyond which a warning is given (centres agree to a few cm
#: for GPS/Galileo/GLONASS and 0.1-0.5 m for BDS MEO/IGSO: Montenbruck et al. 2017, ASR 59:1671).
DISAGREE_M = 1.0


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


_LONG_NAME = re.compile(r"^([A-Z0-9]{3})[0-9][A-Z0-9]{3}[A-Z]{3}_[0-9]{11}_")


def centre_of(dataset) -> str:
    """Analysis centre of an SP3/CLK dataset: the long file name's first three letters, else the agency."""
    name = Path(str(dataset.attrs.get("path", "")).split(" + ")[0]).name.upper()
    match = _LONG_NAME.match(name)
    if match:
        return match.group(1)
    agency = str(dataset.attrs.get("agency", "")).strip().upper()
    return agency[:3] or name[:3] or "?"


def _span(dataset):
    times = dataset["time"].values
    return (times[0], times[-1]) if times.size else (None, None)


def check_product_days(datasets, start, end, kind="SP3"):
    """Keep the products overlapping [start - 1 day, end + 1 day]; (kept, warnings).

    A file from another day is dropped with a warning naming it; none left: a LodestarError naming them.
    """
    day = np.timedelta64(1, "D")
    kept, warnings = [], []
    for dataset in datasets:
        first, last = _span(dataset)
        path = dataset.attrs.get("path", "?")
        if first is None or last < start - day or first > end + day:
            warnings.append(f"{kind} {path} ({first} to {last}) is not from the observation days "
                            f"({str(start)[:10]} to {str(end)[:10]}): not used")
        else:
            kept.append(dataset)
    if not kept:
        raise LodestarError(f"no {kind} file covers the observations ({str(start)[:19]} to {str(end)[:19]}): "
                            + "; ".join(warnings))
    return kept, warnings


@dataclass(frozen=True)
class _Table:
    """One centre's samples: times (N,), svs (S,), values (N, S[, 3]), interval (s)."""

    times: np.ndarray
    svs: np.ndarray
    values: np.ndarray
    interval_s: float
    kind: str  # "SP3" or "CLK"

    @classmethod
    def orbits(cls, datasets):
        return cls._joined(datasets, lambda d: np.stack([d[k].values for k in ("x_m", "y_m", "z_m")], axis=-1), "SP3")

    @classmethod
    def clocks(cls, datasets, kind):
        return cls._joined(datasets, lambda d: d["clock_s"].values, kind)

    @classmethod
    def _joined(cls, datasets, values_of, kind):
        """Consecutive files of one centre as one table (numpy: no xarray concat); a repeated epoch
        keeps the first file's samples (the join_products rule)."""
        datasets = _as_list(datasets)
        svs = list(dict.fromkeys(sv for d in datasets for sv in d["sv"].values.astype(str)))
        times = np.concatenate([d["time"].values.astype("datetime64[ns]") for d in datasets])
        unique, first = np.unique(times, return_index=True)
        sample = values_of(datasets[0])
        out = np.full((unique.size, len(svs)) + sample.shape[2:], np.nan)
        taken = np.zeros(unique.size, dtype=bool)
        start = 0
        for d in datasets:  # a few files per centre
            n = d.sizes["time"]
            rows = np.searchsorted(unique, d["time"].values.astype("datetime64[ns]"))
            mine = np.isin(np.arange(start, start + n), first) & ~taken[rows]
            cols = _columns(svs, d["sv"].values.astype(str))
            block = values_of(d).astype(float)
            out[np.ix_(rows[mine], cols)] = block[mine]
            taken[rows[mine]] = True
            start += n
        return cls(unique, np.array(svs, dtype=str), out, _interval_s(unique), kind)


@dataclass(frozen=True)
class _Source:
    name: str
    rank: int
    orbit: _Table
    clock: _Table
    paths: tuple
    sp3_clock: _Table | None = None  # the SP3 clock column where CLK files do not reach (same centre)

    def systems(self) -> set:
        return {sv[0] for sv in self.orbit.svs}


def _group(datasets):
    """{centre: [datasets]} in order of first appearance."""
    groups: dict[str, list] = {}
    for dataset in datasets:
        groups.setdefault(centre_of(dataset), []).append(dataset)
    return groups


def _as_list(products):
    if products is None:
        return []
    return [products] if isinstance(products, xr.Dataset) else list(products)


def _build_sources(sp3, clk):
    """Sources in the user's order, and the warnings about clocks paired with another centre's orbits."""
    orbit_groups = _group(_as_list(sp3))
    clock_groups = _group(_as_list(clk))
    warnings = []
    names = list(orbit_groups)
    for name in list(clock_groups):  # a copy: the loop adds the orphan clocks to the first centre's group
        if name not in orbit_groups:
            warnings.append(f"CLK of {name} has no SP3 of the same centre: used with the orbits of {names[0]}")
            clock_groups.setdefault(names[0], []).extend(clock_groups[name])
    warnings += _clocks_off_the_orbits(orbit_groups, clock_groups)
    warnings += [d.attrs["conflicts"] for group in clock_groups.values() for d in group if d.attrs.get("conflicts")]
    sources = []
    for rank, name in enumerate(names):
        sp3_clocks = _screened(_Table.clocks(orbit_groups[name], "SP3"), name, warnings)
        clocks = _screened(_Table.clocks(clock_groups[name], "CLK"), name, warnings) if name in clock_groups \
            else sp3_clocks
        # e.g. SIO's 1992 orbits (a table cut to no satellite, another system's file: sp3_of_systems, says nothing)
        if clocks is sp3_clocks and sp3_clocks.values.size and not np.isfinite(sp3_clocks.values).any():
            files = ", ".join(str(d.attrs.get("path") or name) for d in orbit_groups[name])
            warnings.append(f"{files}: no clock values (every one 999999.999999, the SP3 'no value'): its satellites "
                            f"have no precise clock; give the centre's CLK file (--clk)")
        paths = tuple(str(d.attrs.get("path", "")) for d in orbit_groups[name] + clock_groups.get(name, []))
        orbits = _orbits_screened(_Table.orbits(orbit_groups[name]), name, warnings)
        sources.append(_Source(name, rank, orbits, clocks, paths, sp3_clocks if clocks is not sp3_clocks else None))
    return sources, warnings


def _span(dataset) -> tuple[np.datetime64, np.datetime64] | None:
    times = np.asarray(dataset["time"].values, "datetime64[ns]") if "time" in dataset.coords else np.array([])
    return (times.min(), times.max()) if times.size else None


def _clocks_off_the_orbits(orbit_groups: dict, clock_groups: dict) -> list[str]:
    """CLK files whose span meets none of the orbits they are paired with (another day) would only take
    satellites out ("not in CLK") and serve nothing. Beside a CLK file that does meet them (a glob of
    neighbouring days) they are dropped from ``clock_groups``, each named in the returned warnings; a group whose
    CLK files all miss the orbits is an error naming both spans."""
    text = lambda a, b: f"{str(a)[:19]} to {str(b)[:19]}"
    warnings = []
    for name, clocks in clock_groups.items():
        spans = [span for d in orbit_groups.get(name, []) if (span := _span(d)) is not None]
        if not spans:
            continue
        meets = lambda d: (span := _span(d)) is None or any(span[0] <= end and span[1] >= start for start, end in spans)
        off = [d for d in clocks if not meets(d)]
        if not off:
            continue
        orbits = ", ".join(text(*sp) for sp in spans)
        if len(off) == len(clocks):
            first = off[0]
            raise LodestarError(f"{first.attrs.get('path') or 'a CLK dataset'}: clocks from {text(*_span(first))} meet "
                                f"none of the orbits they go with ({orbits}): give the clock file of the orbits' day(s)")
        clocks[:] = [d for d in clocks if meets(d)]
        warnings += [f"{d.attrs.get('path') or 'a CLK dataset'}: clocks from {text(*_span(d))} meet none of the orbits "
                     f"({orbits}): not used" for d in off]
    return warnings


def _screened(table: _Table, centre: str, warnings: list) -> _Table:
    """The table without its isolated bad clock samples (:mod:`.clock_screen`), each named in ``warnings``."""
    return _set_aside(table, isolated_outliers(table.times, table.values), warnings,
                      f"{centre} {table.kind} clock samples off the smooth series by more than {FLOOR_M:g} m, not used")


def _orbits_screened(table: _Table, centre: str, warnings: list) -> _Table:
    """The table without its isolated bad orbit samples (:mod:`.orbit_screen`), each named in ``warnings``."""
    return _set_aside(table, isolated_orbit_outliers(table.times, table.values), warnings,
                      f"{centre} SP3 orbit samples off the smooth orbit by more than {ORBIT_FLOOR_M:g} m, not used "
                      "(an orbit gap around each)")


def _set_aside(table: _Table, bad, warnings: list, what: str) -> _Table:
    """``table`` with the (T, S) ``bad`` samples NaN, and ``what: SV at TIME, ...`` in ``warnings``."""
    if not bad.any():
        return table
    rows, cols = np.nonzero(bad)
    named = ", ".join(f"{table.svs[c]} at {str(table.times[r])[:19]}" for r, c in zip(rows, cols))
    warnings.append(f"{what}: {named}")
    mask = bad if table.values.ndim == 2 else bad[..., None]
    return _Table(table.times, table.svs, np.where(mask, np.nan, table.values), table.interval_s, table.kind)


class PreciseEphemeris:
    """Satellite states from SP3 orbits (and, optionally, RINEX CLK clocks) of one or several centres."""

    source = "precise"

    def __init__(self, sp3, clk=None, *, n_points: int = 10, max_shift: int = MAX_WINDOW_SHIFT,
                 bridge_s: float = BRIDGE_S):
        self.n_points = n_points
        self.max_shift = int(max_shift)
        self.bridge_s = float(bridge_s)
        self.sources, self.warnings = _build_sources(sp3, clk)
        if not self.sources:
            raise LodestarError("precise orbits need at least one SP3 file")
        #: {SP3 path: antenna model its header names ("IGS14_2108")}, for the satellite-antenna consistency check
        self.antenna_models = {str(d.attrs.get("path", "")): str(d.attrs["antenna_model"])
                               for d in _as_list(sp3) if getattr(d, "attrs", {}).get("antenna_model")}
        self.warnings += _disagreements(self.sources)
        #: {centre: why it can never serve a position} (also in ``warnings``): not "outside its span" only
        self.unusable_centres = {}
        for src in self.sources:
            if 0 < src.orbit.times.size < n_points:
                span = " to ".join(str(t)[:19] for t in src.orbit.times[[0, -1]])
                self.unusable_centres[src.name] = (
                    f"{src.name}'s SP3 orbits hold {src.orbit.times.size} epochs ({span}), fewer than the {n_points} "
                    "nodes of the interpolation window: none of its positions can be used")
        self.warnings += list(self.unusable_centres.values())
        first = self.sources[0]
        # single-source attributes kept for callers of the one-centre API
        self.times, self.sp3_svs, self.positions = first.orbit.times, first.orbit.svs, first.orbit.values
        self.interval_s = first.orbit.interval_s
        self.clock_source = first.clock.kind.lower()
        self.clock_times, self.clock_svs, self.clocks = first.clock.times, first.clock.svs, first.clock.values
        self.clock_interval_s = first.clock.interval_s

    @property
    def svs(self) -> np.ndarray:
        seen = dict.fromkeys(sv for source in self.sources for sv in source.orbit.svs)
        return np.array(list(seen), dtype=str)

    @property
    def glonass_channels(self) -> dict:
        """SP3 and CLK carry no GLONASS channels; take them from navigation or observation headers."""
        return {}

    def ranking(self, system: str) -> list:
        """Sources carrying ``system``, best first: the user's order, then the finer SP3 interval."""
        mine = [s for s in self.sources if system in s.systems()]
        return sorted(mine, key=lambda s: (s.rank, s.orbit.interval_s))

    def states(self, time, svs=None) -> SatStates:
        """States of ``svs`` (default: every SP3 satellite) at GPST ``time`` of shape (T,) or (T, S)."""
        return self.states_and_sources(time, svs)[0]

    def states_and_sources(self, time, svs=None, *, with_shift=False, cells=None):
        """(states, served_by): ``served_by`` (T, S) names the centre of each valid cell ("" none).

        ``with_shift``: also return (T, S) int8, the nodes by which the serving centre's Lagrange
        window was moved off-centre at its product's ends (0: centred). ``cells``: (T, S) bool, the
        cells wanted (e.g. the observed ones); the others are left invalid, uncomputed."""
        svs = self.svs if svs is None else np.asarray(svs).astype(str).reshape(-1)
        grid = as_time_grid(time, len(svs))
        query = grid.gpst
        shape = query.shape
        pos = np.full(shape + (3,), np.nan)
        vel = np.full(shape + (3,), np.nan)
        clock = np.full(shape, np.nan)
        reason = np.full(shape, _NOT_IN_SP3, dtype=np.int8)
        served = np.full(shape, -1, dtype=np.int16)  # index into self.sources
        shift = np.zeros(shape, dtype=np.int8)
        letters = np.array([sv[0] for sv in svs])
        for system in dict.fromkeys(letters):
            ranked = self.ranking(system)
            for k, src in enumerate(ranked):
                open_cells = (served < 0) & (letters == system)[None, :]
                if cells is not None:
                    open_cells &= cells
                if not open_cells.any():
                    break
                rows = np.nonzero(open_cells.any(axis=1))[0]  # only the cells still open are computed
                cols = np.nonzero(open_cells.any(axis=0))[0]
                block = np.ix_(rows, cols)
                p, v, o_reason, o_shift = _orbits(src.orbit, query[block], svs[cols], self.n_points, self.max_shift)
                if self.bridge_s > 0:
                    p, v, o_reason, o_shift = self._bridge(src, ranked, query[block], svs[cols], p, v, o_reason, o_shift)
                c, c_reason = _clocks(src.clock, query[block], svs[cols])
                if src.sp3_clock is not None:  # before / after the CLK files: the same centre's SP3 clocks
                    edge = c_reason == _CLOCK_CODES["CLK"][1]
                    if edge.any():
                        c2, r2 = _clocks(src.sp3_clock, query[block], svs[cols])
                        c, c_reason = np.where(edge, c2, c), np.where(edge, r2, c_reason)
                if k:
                    c = c + _datum_shift(ranked[0], src, svs[cols])[None, :]
                still_open = open_cells[block]
                take = still_open & (o_reason == 0) & (c_reason == 0)
                first = still_open & (reason[block] == _NOT_IN_SP3) & (o_reason != _NOT_IN_SP3)
                # cells nobody serves keep the best-ranked centre's reason (and its orbit, if any)
                note = first & ~take
                keep = take | (note & (o_reason == 0))
                pos[block] = np.where(keep[..., None], p, pos[block])
                vel[block] = np.where(keep[..., None], v, vel[block])
                clock[block] = np.where(take, c, clock[block])
                served[block] = np.where(take, src.rank, served[block])
                shift[block] = np.where(take, o_shift, shift[block])
                reason[block] = np.where(note, np.where(o_reason == 0, c_reason, o_reason), reason[block])
        valid = served >= 0
        reason[valid] = 0
        states = SatStates(
            sv=svs, time=grid, position_m=pos, velocity_mps=vel, clock_s=np.where(valid, clock, np.nan),
            relativity_s=relativity_s(pos, vel), valid=valid, reason=np.array(_REASONS)[reason], source=self.source,
            group_delay_s={})
        names = np.array([src.name for src in self.sources] + [""])
        if with_shift:
            return states, names[served], shift
        return states, names[served]

    def _bridge(self, src, ranked, query, svs, p, v, reason, shift):
        """Cells just past ``src``'s first/last SP3 node (its clocks may go on: GRG's CLK runs 15 min past
        its last SP3 epoch) take another centre's orbit moved onto ``src``'s at that node: the centres'
        orbit difference is a slowly varying vector (once per revolution), so the clock, its datum and
        the ambiguities stay ``src``'s. Marked ``BRIDGED_SHIFT`` (signed) in the shift array."""
        times = src.orbit.times
        if times.size == 0:
            return p, v, reason, shift
        column = _columns(src.orbit.svs, svs)
        limit = np.timedelta64(int(self.bridge_s * 1e9), "ns")
        q = query.astype("datetime64[ns]")
        for edge_index, side, sign in ((-1, q > times[-1], -1), (0, q < times[0], 1)):
            edge = times[edge_index]
            open_cells = (reason == _OUTSIDE) & side & (np.abs(q - edge) <= limit) & (column >= 0)[None, :]
            if not open_cells.any():
                continue
            edge_m = np.where((column >= 0)[:, None], src.orbit.values[edge_index, np.maximum(column, 0)], np.nan)
            for other in ranked:
                if other is src or not open_cells.any():
                    continue
                at_edge, _, r_edge, _ = _orbits(other.orbit, np.full((1, len(svs)), edge), svs, self.n_points, self.max_shift)
                offset = np.where((r_edge[0] == 0)[:, None], edge_m - at_edge[0], np.nan)  # (S, 3)
                p2, v2, r2, _ = _orbits(other.orbit, q, svs, self.n_points, self.max_shift)
                take = open_cells & (r2 == 0) & np.all(np.isfinite(offset), axis=1)[None, :]
                p = np.where(take[..., None], p2 + offset[None], p)
                v = np.where(take[..., None], v2, v)
                reason = np.where(take, 0, reason).astype(np.int8)
                shift = np.where(take, sign * BRIDGED_SHIFT, shift).astype(np.int8)
                open_cells &= ~take
        return p, v, reason, shift

    def provenance(self, svs=(), served=None) -> dict:
        """Centres (files, interval, clocks), warnings and, given ``served`` (T, S) for ``svs``,
        ``{system: {centre: n_cells}}``."""
        out = {"centres": {s.name: {"files": list(s.paths), "interval_s": s.orbit.interval_s,
                                    "clocks": s.clock.kind} for s in self.sources},
               "served": {}, "warnings": list(self.warnings)}
        if served is None:
            return out
        letters = np.array([sv[0] for sv in svs])
        for system in dict.fromkeys(letters):
            names, counts = np.unique(served[:, letters == system], return_counts=True)
            out["served"][system] = {str(n): int(c) for n, c in zip(names, counts) if n}
        return out


def _orbits(table: _Table, query, svs, n_points, max_shift=0):
    """(position, velocity, reason, shift) on the (T, S) query grid from one centre's SP3 samples.

    The window of ``n_points`` nodes is centred on the interval holding the time; at the table's
    ends it slides inwards by up to ``max_shift`` nodes (never extrapolating: the time stays between
    the first and last node). ``shift`` (T, S) int8: nodes the window was moved (0 centred; > 0
    at the start, < 0 at the end)."""
    shape = query.shape
    pos = np.full(shape + (3,), np.nan)
    vel = np.full(shape + (3,), np.nan)
    shift = np.zeros(shape, dtype=np.int8)
    column = _columns(table.svs, svs)
    reason = np.broadcast_to(np.where(column[None, :] < 0, _NOT_IN_SP3, 0), shape).astype(np.int8)
    half = n_points // 2
    offsets = np.arange(n_points) - (half - 1)
    q = query.astype("datetime64[ns]")
    n_times = table.times.size
    left = np.searchsorted(table.times, q, side="right") - 1
    centred = left - (half - 1)
    start = np.clip(centred, 0, max(n_times - n_points, 0))
    moved = start - centred
    within = (left >= 0) & ((left < n_times - 1) | (q == table.times[-1])) if n_times else np.zeros(shape, bool)
    inside = within & (np.abs(moved) <= max_shift) & (n_times >= n_points)
    reason[(reason == 0) & ~inside] = _OUTSIDE
    rows, cols = np.nonzero(reason == 0)
    if not rows.size:  # nothing to interpolate (e.g. a one-epoch SP3, whose interval is NaN)
        return pos, vel, reason, shift
    nodes = start[rows, cols][:, None] + np.arange(n_points)[None, :]
    node_times = table.times[nodes].astype(np.int64)
    regular = np.all(np.diff(node_times, axis=1) == round(table.interval_s * 1e9), axis=1)
    values = table.values[nodes, column[cols][:, None]]  # (M, n, 3)
    complete = np.all(np.isfinite(values), axis=(1, 2))
    reason[rows[~regular], cols[~regular]] = _MISSING_EPOCH
    gap = regular & ~complete
    reason[rows[gap], cols[gap]] = _GAP
    good = regular & complete
    rows, cols, nodes, values = rows[good], cols[good], nodes[good], values[good]
    # time in intervals from the window's node (half - 1): in [0, 1) centred, beyond at the ends
    x = (q[rows, cols] - table.times[nodes[:, half - 1]]).astype(np.int64) / (table.interval_s * 1e9)
    weights, derivative = lagrange_weights(x, offsets)
    pos[rows, cols] = np.einsum("mk,mkc->mc", weights, values)
    vel[rows, cols] = np.einsum("mk,mkc->mc", derivative, values) / table.interval_s
    shift[rows, cols] = moved[rows, cols]
    return pos, vel, reason, shift


def _clocks(table: _Table, query, svs):
    """(clock, reason): linear interpolation between neighbouring samples, NaN across a gap."""
    shape = query.shape
    column = _columns(table.svs, svs)
    clock = np.full(shape, np.nan)
    not_in, outside, gap = _CLOCK_CODES[table.kind]
    reason = np.broadcast_to(np.where(column[None, :] < 0, not_in, 0), shape).astype(np.int8)
    n = table.times.size
    left = np.searchsorted(table.times, query, side="right") - 1
    inside = (left >= 0) & (left < n)
    reason[(reason == 0) & ~inside] = outside
    rows, cols = np.nonzero(reason == 0)
    j = left[rows, cols]
    c = column[cols]
    t = query[rows, cols]
    on_node = t == table.times[j]
    j1 = np.minimum(j + 1, n - 1)
    span = (table.times[j1] - table.times[j]).astype(np.int64) / 1e9
    c0, c1 = table.values[j, c], table.values[j1, c]
    frac = np.where(span > 0, (t - table.times[j]).astype(np.int64) / 1e9 / np.where(span > 0, span, 1), 0.0)
    value = np.where(on_node, c0, c0 + (c1 - c0) * frac)
    usable = np.isfinite(value) & (on_node | ((j + 1 < n) & (span <= 1.01 * table.interval_s)))
    clock[rows[usable], cols[usable]] = value[usable]
    reason[rows[~usable], cols[~usable]] = gap
    return clock, reason


def _datum_shift(primary: _Source, other: _Source, svs) -> np.ndarray:
    """(S,) seconds added to ``other``'s clocks of ``svs`` to put them on ``primary``'s datum: the median,
    over the satellites of the same system both carry and their common epochs, of the difference."""
    out = np.zeros(len(svs))
    for system in dict.fromkeys(sv[0] for sv in svs):
        common = sorted({sv for sv in primary.clock.svs if sv[0] == system} & set(other.clock.svs))
        times = np.intersect1d(primary.clock.times, other.clock.times)
        if not common or times.size == 0:
            continue
        a = primary.clock.values[np.searchsorted(primary.clock.times, times)][:, _columns(primary.clock.svs, common)]
        b = other.clock.values[np.searchsorted(other.clock.times, times)][:, _columns(other.clock.svs, common)]
        diff = (a - b)[np.isfinite(a - b)]
        if diff.size:
            out[np.array([sv[0] == system for sv in svs])] = float(np.median(diff))
    return out


def _disagreements(sources) -> list:
    """Warnings for satellites whose orbits differ by more than DISAGREE_M between two centres."""
    warnings = []
    for i, better in enumerate(sources):
        for worse in sources[i + 1:]:
            common = sorted(set(better.orbit.svs) & set(worse.orbit.svs))
            times = np.intersect1d(better.orbit.times, worse.orbit.times)
            if not common or times.size == 0:
                continue
            a = better.orbit.values[np.searchsorted(better.orbit.times, times)][:, _columns(better.orbit.svs, common)]
            b = worse.orbit.values[np.searchsorted(worse.orbit.times, times)][:, _columns(worse.orbit.svs, common)]
            with np.errstate(invalid="ignore"), _warnings.catch_warnings():
                _warnings.simplefilter("ignore", RuntimeWarning)  # a satellite without records: all-NaN, no warning
                worst = np.nanmax(np.linalg.norm(a - b, axis=-1), axis=0)
            for sv, metres in zip(common, worst):
                if np.isfinite(metres) and metres > DISAGREE_M:
                    warnings.append(f"{better.name} and {worse.name} disagree by {metres:.1f} m on {sv} "
                                    f"(largest difference on common epochs): {better.name} kept (ranked first)")
    return warnings


def _columns(product_svs, svs) -> np.ndarray:
    lookup = {sv: i for i, sv in enumerate(product_svs)}
    return np.array([lookup.get(sv, -1) for sv in svs], dtype=np.int64)


def sp3_of_systems(sp3_items, letters):
    """The SP3 tables cut to the satellites of ``letters``: another system's samples are never used, and their
    clock-screen warnings (e.g. QZSS J07 in an R+C run, IAC's BeiDou samples in a GLONASS run) only misled. A
    file holding none of them keeps no satellite (its centre stays, with the CLK files paired to it), unless no
    file holds any: then all are kept whole, so the "holds none of the satellites" error still names them."""
    if not letters:
        return list(sp3_items)
    keeps = [[i for i, sv in enumerate(item["sv"].values) if str(sv)[0] in letters] for item in sp3_items]
    if not any(keeps):
        return list(sp3_items)
    return [item.isel(sv=keep) for item, keep in zip(sp3_items, keeps)]
