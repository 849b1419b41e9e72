"""Satellite positions and clocks on a time grid as a table (the library side of ``lodestar orbits``).

>>> table, summary = orbit_table(nav_paths, start="2020-06-25T00:00:00", stop="2020-06-25T23:59:30",
...                              step_s=30, sp3_paths=[...], clk_paths=[...])

Rows: one per satellite and epoch with columns ``time_gps, sv, x_m, y_m, z_m, clock_s, source``.
With precise products a cell takes the precise state where valid and the broadcast one otherwise;
cells with neither are left out and counted, by reason, in ``summary``.
Precise positions are of the centre of mass; with ``phase_centres`` (a
:class:`~lodestar.models.phase_center.PhaseCentres`) they are moved to the antenna phase centre of the
clock pair (:data:`lodestar.orbits.antenna.CLOCK_PAIRS`), as broadcast positions are, and a column
``pco_source`` says where each precise row's offset came from (``summary["pco"]`` per satellite).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import LodestarError
from ..io.clk import read_clk
from ..io.rinex_nav import load_nav
from ..io.sp3 import read_sp3
from ..output import atomic_path
from ..systems import parse_system_set
from ..time import Time
from .antenna import satellite_pco_ecef_m
from .broadcast import BroadcastEphemeris
from .bounds import set_aside_implausible
from .precise import PreciseEphemeris, sp3_of_systems

__all__ = ["time_grid", "load_broadcast", "load_precise", "orbit_table", "write_orbit_csv"]


def time_grid(start: str, stop: str, step_s: float) -> Time:
    """GPST epochs from ``start`` to ``stop`` inclusive, every ``step_s`` seconds (ISO text, GPST)."""
    if not step_s or step_s <= 0:
        raise LodestarError(f"--step must be a positive number of seconds, got {step_s}")
    first, last = Time.from_iso([start, stop], scale="gpst").gpst
    if last < first:
        raise LodestarError(f"--to {stop} is before --from {start}")
    step_ns = int(round(step_s * 1e9))
    count = int((last - first).astype(np.int64) // step_ns) + 1
    return Time(first + (np.arange(count, dtype=np.int64) * step_ns).astype("timedelta64[ns]"))


def load_broadcast(nav_paths, **options) -> BroadcastEphemeris:
    return BroadcastEphemeris(load_nav(nav_paths), **options)


def load_precise(sp3_paths, clk_paths=(), systems=None) -> PreciseEphemeris:
    """Precise orbits from paths or Datasets (Datasets pass: --allow-truncated); ``systems`` (letters): the SP3
    tables cut to them, so another system's samples and notes (QZSS J07 in an R+C table) stay out."""
    sp3 = [p if hasattr(p, "attrs") else read_sp3(p) for p in sp3_paths]
    if systems:
        sp3 = sp3_of_systems(sp3, systems)
    clk = [p if hasattr(p, "attrs") else read_clk(p) for p in clk_paths] if clk_paths else None
    return PreciseEphemeris(sp3, clk)


def orbit_table(nav_paths, start, stop, step_s, *, sp3_paths=(), clk_paths=(), systems="G+R+E+C", svs=None,
                phase_centres=None):
    """(DataFrame of valid rows, summary dict) for every satellite of ``systems`` on the grid."""
    letters = parse_system_set(systems)
    if clk_paths and not sp3_paths:
        raise LodestarError("--clk gives precise clocks for SP3 orbits: add --sp3 (or drop --clk)")
    broadcast = load_broadcast(nav_paths)
    precise = load_precise(sp3_paths, clk_paths, systems=letters) if sp3_paths else None
    if svs is None:
        known = set(broadcast.svs) | (set(precise.svs) if precise is not None else set())
        svs = sorted((sv for sv in known if sv[0] in letters), key=lambda s: ("GRECJIS".index(s[0]), s))
    svs = np.asarray(svs, dtype=str)
    times = time_grid(start, stop, step_s)
    brd, implausible = set_aside_implausible(broadcast.states(times, svs))
    use_precise = np.zeros(brd.shape, dtype=bool)
    position, clock = brd.position_m.copy(), brd.clock_s.copy()
    reason = brd.reason.copy()
    pco_source = None
    if precise is not None:
        prc = precise.states(times, svs)
        precise_position, pco_source = _moved_to_phase_centre(prc.position_m, svs, times, phase_centres)
        # a satellite without a known offset cannot give a phase-centre position: broadcast serves it
        use_precise = prc.valid & np.isfinite(precise_position).all(axis=-1)
        position[use_precise] = precise_position[use_precise]
        clock[use_precise] = prc.clock_s[use_precise]
        reason = np.where(brd.valid, "", np.char.add(np.char.add(prc.reason.astype(str), "; broadcast: "), brd.reason.astype(str)))
    valid = brd.valid | use_precise
    rows, cols = np.nonzero(valid)
    table = pd.DataFrame({
        "time_gps": times.iso()[rows], "sv": svs[cols],
        "x_m": position[rows, cols, 0], "y_m": position[rows, cols, 1], "z_m": position[rows, cols, 2],
        "clock_s": clock[rows, cols], "source": np.where(use_precise[rows, cols], "precise", "broadcast"),
    })
    summary = _summary(times, svs, valid, use_precise, reason)
    summary["product_warnings"] = ((list(precise.warnings) if precise is not None else []) + implausible
                                   + list(getattr(broadcast.nav, "warnings", [])) + list(broadcast.warnings))
    summary["precise_reference"] = "centre of mass"
    if pco_source is not None:
        provenance, sources = pco_source
        table["pco_source"] = np.where(use_precise[rows, cols], sources[cols], "broadcast")
        summary["precise_reference"] = "antenna phase centre of the ionosphere-free clock pair"
        summary["pco"] = {sv: provenance[sv] for sv in svs[use_precise.any(axis=0)]}
    return table, summary


def _moved_to_phase_centre(com_m, svs, times, phase_centres):
    """Precise positions moved to the phase centre (NaN where no offset) and (provenance, source per sv)."""
    if phase_centres is None:
        return com_m, None
    offset, sat = satellite_pco_ecef_m(svs, times, com_m, phase_centres)
    return com_m + offset, (sat.provenance(), np.asarray(sat.source).astype(str))


def _summary(times, svs, valid, use_precise, reason) -> dict:
    missing, counts = np.unique(reason[~valid], return_counts=True)
    return {
        "epochs": int(len(times)), "satellites": int(len(svs)), "rows": int(valid.sum()),
        "precise_rows": int(use_precise.sum()), "broadcast_rows": int((valid & ~use_precise).sum()),
        "left_out": int((~valid).sum()),
        "left_out_by_reason": {str(r): int(c) for r, c in sorted(zip(missing, counts), key=lambda x: -x[1])},
        "left_out_by_satellite": {str(sv): int(n) for sv, n in zip(svs, (~valid).sum(axis=0)) if n},
    }


def write_orbit_csv(table: pd.DataFrame, target) -> None:
    """Write the table atomically; positions to 0.1 mm, clocks with 15 significant digits."""
    table = table.round({"x_m": 4, "y_m": 4, "z_m": 4})
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=False, float_format="%.15g")
