"""Precise orbits and clocks from several centres at once, per satellite.

SP3 files are grouped by centre (the files' satellite lists: consecutive days of one centre
carry the same systems) in the order given; each satellite is served by the first group that has
it, with the clocks of the CLK files when they hold it (else the SP3 clock column). This is what
lets GRG's G/R/E orbits and 30-s clocks and IAC's BeiDou orbits+clocks work in one run (a plain
time merge keeps one file per epoch and drops the other centre's satellites).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import LodestarError
from ...orbits import PreciseEphemeris
from ...orbits.states import SatStates, as_time_grid

__all__ = ["MultiCentreEphemeris", "load_products"]


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, (str, Path)) else list(value)


def load_products(sp3, clk):
    from ...io.clk import read_clk
    from ...io.sp3 import merge_sp3, read_sp3

    sp3_items = [read_sp3(p) if isinstance(p, (str, Path)) else p for p in _as_list(sp3)]
    if not sp3_items:
        raise LodestarError("PPP needs precise orbits: give sp3= (and clk=, or SP3 files with clocks)")
    clk_items = [read_clk(p) if isinstance(p, (str, Path)) else p for p in _as_list(clk)]
    groups: list[list] = []
    for item in sp3_items:
        systems = frozenset(str(s)[0] for s in item["sv"].values)
        for group in groups:
            if frozenset(str(s)[0] for s in group[0]["sv"].values) == systems:
                group.append(item)
                break
        else:
            groups.append([item])
    return MultiCentreEphemeris([merge_sp3(g) for g in groups], clk_items or None)


class MultiCentreEphemeris:
    """Routes each satellite to the first SP3 group holding it (CLK clocks where the CLK has it)."""

    source = "precise"

    def __init__(self, sp3_groups, clk_items=None):
        self.with_clk = [PreciseEphemeris(g, clk_items) if clk_items else None for g in sp3_groups]
        self.sp3_only = [PreciseEphemeris(g, None) for g in sp3_groups]
        clk_svs = set()
        for item in clk_items or []:
            clk_svs |= {str(s) for s in item["sv"].values}
        self.clk_svs = clk_svs
        self.glonass_channels = {}
        first = self.with_clk[0] or self.sp3_only[0]
        self.interval_s = first.interval_s
        self.clock_interval_s = first.clock_interval_s
        self.clock_source = "clk" if clk_items else "sp3"

    def route(self, sv: str):
        """(ephemeris, label) serving ``sv``; None when no group has it."""
        for k, eph in enumerate(self.sp3_only):
            column = np.flatnonzero(eph.sp3_svs == sv)
            if column.size and np.isfinite(eph.positions[:, column[0], 0]).any():
                if sv in self.clk_svs and self.with_clk[k] is not None:
                    return self.with_clk[k], f"sp3 group {k + 1} + clk"
                return eph, f"sp3 group {k + 1} (sp3 clocks, {eph.clock_interval_s:.0f} s)"
        return None, "none"

    def clock_interval_s_for(self, sv: str) -> float:
        eph, _ = self.route(sv)
        return np.nan if eph is None else eph.clock_interval_s

    def states(self, time, svs) -> SatStates:
        svs = list(svs)
        time = as_time_grid(time, len(svs))
        routes = [self.route(sv)[0] for sv in svs]
        first = None
        parts = {}
        for eph in {id(e): e for e in routes if e is not None}.values():
            cols = [j for j, e in enumerate(routes) if e is eph]
            parts[id(eph)] = (cols, eph.states(time[:, cols], [svs[j] for j in cols]))
            first = parts[id(eph)][1]
        if first is None:
            raise LodestarError(f"no precise orbit for any of {', '.join(svs[:5])}...")
        shape = time.shape
        out = {name: np.full(shape + (3,), np.nan) for name in ("position_m", "velocity_mps")}
        clock, rel = np.full(shape, np.nan), np.full(shape, np.nan)
        valid = np.zeros(shape, bool)
        reason = np.full(shape, "satellite not in any SP3", dtype=object)
        for cols, st in parts.values():
            out["position_m"][:, cols] = st.position_m
            out["velocity_mps"][:, cols] = st.velocity_mps
            clock[:, cols], rel[:, cols], valid[:, cols] = st.clock_s, st.relativity_s, st.valid
            reason[:, cols] = st.reason
        return SatStates(sv=np.asarray(svs), time=time, position_m=out["position_m"],
                         velocity_mps=out["velocity_mps"], clock_s=clock, relativity_s=rel, valid=valid,
                         reason=reason.astype(str), source="precise", group_delay_s={})
