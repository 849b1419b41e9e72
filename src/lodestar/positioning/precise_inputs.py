"""Precise products for single-point positioning: reading them for the observations' days, and the
corrections they need (phase centres, code biases), with their provenance for the solution's metadata.

Kept apart from :mod:`.prepare` so the broadcast path stays untouched: ``prepare`` calls
:func:`precise_ephemeris` to build the orbit source and :func:`precise_corrections` once the
satellite states are known. See docs/precise-products.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.clk import read_clk
from ..io.sp3 import read_sp3
from ..orbits.precise import OUTSIDE_SPAN, PreciseEphemeris, check_product_days, sp3_of_systems
from .clock_datum import broadcast_clock_datum_shift
from .observed_biases import MIN_SAMPLES, observed_reference_shift
from .osb import apply_code_biases
from .phase_centres import apply_phase_centres

__all__ = ["precise_corrections", "precise_ephemeris"]


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, (str, Path)) or hasattr(value, "attrs") else list(value)


def precise_ephemeris(sp3, clk, obs, systems=None) -> PreciseEphemeris:
    """SP3 (and CLK) paths or Datasets -> :class:`PreciseEphemeris`, keeping the files of the
    observations' days (a file of another day is dropped with a warning naming it; none left: error).
    ``systems``: letters whose clocks are read from CLK paths (None: all)."""
    sp3_data = sp3_of_systems([read_sp3(p) if isinstance(p, (str, Path)) else p for p in _as_list(sp3)], systems)
    clk_data = [read_clk(p, systems=systems) if isinstance(p, (str, Path)) else p for p in _as_list(clk)]
    times = np.asarray(obs["time"].values, dtype="datetime64[ns]")
    start, end = times.min(), times.max()
    sp3_data, warnings = check_product_days(sp3_data, start, end, "SP3")
    # a CLK without clocks of the systems asked for (GRG's for a BeiDou run) is not one of another day: it has
    # nothing to serve, and the SP3 clocks do (PPP's rule too: api._load_products reads CLK per system)
    empty = [d for d in clk_data if not d["time"].size]
    warnings += [f"CLK {d.attrs.get('path', '?')} holds no clocks of {'+'.join(systems) if systems else 'any system'}: "
                 "not used (the SP3 clocks serve them)" for d in empty]
    clk_data = [d for d in clk_data if d["time"].size]
    if clk_data:
        clk_data, clk_warnings = check_product_days(clk_data, start, end, "CLK")
        warnings += clk_warnings
    eph = PreciseEphemeris(sp3_data, clk_data or None)
    eph.warnings[:0] = warnings
    return eph


def precise_corrections(eph, states, served, corrected, sat_xyz, code, svs, t_tx, obs, *, antex=None, sinex=None,
                        bias=None, group_s=None, nav=None, pseudorange_m=None):
    """(pseudorange, sat_xyz, meta) after the phase-centre (and code-bias) corrections of precise products.

    Without ``bias``: GPS C1C (C2L) cells are moved onto the clocks' C1W (C2W) datum measured by the
    same receiver (:mod:`.observed_biases`), and, with ``nav`` (and the raw ``pseudorange_m``), the
    GLONASS and BeiDou precise clocks are tied per satellite to the broadcast code datum (:mod:`.clock_datum`).
    """
    observed = np.asarray(code) != ""
    corrected, sat_xyz, centres = apply_phase_centres(
        pseudorange_m=corrected, sat_xyz=sat_xyz, velocity_mps=states.velocity_mps, codes=code, svs=svs,
        t_tx=t_tx, approx_xyz=_approx(obs), antenna=str(obs.attrs.get("antenna", "") or ""),
        antex=_as_list(antex), sinex=_as_list(sinex))
    warnings = list(eph.warnings)
    biases = {}
    if bias:
        group_s = np.zeros(corrected.shape) if group_s is None else group_s
        corrected, biases, bias_warnings = apply_code_biases(corrected, code, svs, t_tx, _as_list(bias), group_s)
        warnings += bias_warnings
    measured = {}
    if not bias:  # GPS C/A onto the clocks' P(Y) datum with the receiver's own C1W (observed_biases.py)
        shift, measured, unmatched = observed_reference_shift(obs, svs, code)
        corrected = corrected + shift
        if unmatched:
            warnings.append(f"GPS code of {', '.join(unmatched)} not moved onto the precise clocks' C1W/C2W "
                            f"datum: fewer than {MIN_SAMPLES} epochs with both codes")
    datum = {}
    if not bias and nav is not None and pseudorange_m is not None:
        usable = states.valid & np.isfinite(corrected) & np.all(np.isfinite(sat_xyz), axis=-1)
        shift, datum, datum_warnings = broadcast_clock_datum_shift(
            nav, svs, t_tx, pseudorange_m, corrected, sat_xyz, usable, code, _approx(obs))
        corrected = corrected + shift
        warnings += datum_warnings
    outside = (np.asarray(states.reason) == OUTSIDE_SPAN) & observed
    meta = {
        "precise_products": {**eph.provenance(list(svs), np.where(observed, served, "")),
                             "phase_centres": _summarise(centres), "code_biases": biases,
                             "observed_code_biases_m": measured,
                             "broadcast_clock_datum_m": datum},
        "warnings": warnings,
        "outside_span": {str(sv): outside[:, j] for j, sv in enumerate(svs) if outside[:, j].any()},
    }
    return corrected, sat_xyz, meta


def _approx(obs):
    value = obs.attrs.get("approx_position_m")
    if value is None:
        return None
    value = np.asarray(value, dtype=float).reshape(-1)
    return value if value.size == 3 and np.all(np.isfinite(value)) and np.linalg.norm(value) > 6e6 else None


def _summarise(centres: dict) -> dict:
    """Counts of satellites per offset source, the satellites per source, and the receiver's entry."""
    by_source: dict[str, list] = {}
    for sv, entry in centres["satellites"].items():
        by_source.setdefault(entry["source"], []).append(sv)
    return {"satellite_sources": {k: len(v) for k, v in by_source.items()},
            "satellites_by_source": by_source, "satellites": centres["satellites"],
            "attitude_laws": centres["attitude_laws"], "receiver": centres["receiver"]}
