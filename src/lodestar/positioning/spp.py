"""Single-point positioning: the front door (:func:`solve`, :func:`solve_many`).

Pipeline per call: choose the satellites of the system set -> Gauss-Newton over all epochs with
a-priori weights -> re-estimate the per-system code noise (variance components) and the code
biases (GLONASS FDMA channel, BDS-2/BDS-3) over the session -> re-solve -> RAIM FDE -> status,
DOPs, marker position. See ``docs/positioning.md`` for the models and the evidence.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import LodestarError
from ..models.ionosphere import BroadcastIonosphere
from ..systems import SYSTEM_NAMES, format_system_set, parse_system_set
from . import biases, causal, integrity, isb, persistent, raim, weights
from .calibration import Calibration
from .estimator import redundancy
from .iteration import Problem, gauss_newton
from .prepare import SUPPORTED_SYSTEMS, Prepared, prepare
from .residuals import residual_table
from .result import MAX_GDOP, build_result

__all__ = ["Calibration", "Prepared", "prepare", "solve", "solve_many"]

_VCE_ROUNDS = 3  # with the SISRE term the factors need a third round: own calibration reproduces to 1 cm (2.7 cm after two)
_CAUSAL_ROUNDS = 2  # as _VCE_ROUNDS: the second round's biases move the solution by centimetres
BIAS_MODES = ("auto", "satellite", "groups", "off")


def _initial_state(prep: Prepared, n_epochs: int, n_systems: int):
    state = np.zeros((n_epochs, 3 + n_systems))
    if prep.approx_xyz is not None and np.linalg.norm(prep.approx_xyz) > 6.0e6:
        state[:, :3] = prep.approx_xyz
    return state


def _problem_for(prep: Prepared, systems, mask_deg, iono_mode, channels):
    letters = np.array([sv[0] for sv in prep.sv])
    cols = np.flatnonzero(np.isin(letters, list(systems)))
    sub = prep.subset(cols)
    sys_letters = letters[cols]
    system_index = np.array([systems.index(s) for s in sys_letters], dtype=int)
    factor = np.array([weights.APRIORI_FACTOR.get(s, 1.0) for s in systems])
    iono_model = _iono_model(sub, sys_letters, iono_mode, mask_deg)
    # broadcast orbit and clock errors weigh on every elevation alike (weights.BROADCAST_SISRE_M)
    sisre = weights.broadcast_sisre_m(sys_letters) if prep.source == "broadcast" else 0.0
    problem = Problem(sub.pseudorange_m, sub.sat_xyz, sub.usable, system_index, len(systems),
                      np.radians(mask_deg), factor, np.zeros(len(cols)), iono_model, sisre_m=sisre)
    return sub, problem, iono_model, channels[cols]


def _iono_model(sub: Prepared, sys_letters, iono_mode, mask_deg):
    """The single-frequency ionosphere model of ``iono_mode`` (None: iflc, off)."""
    if iono_mode == "klobuchar":
        return BroadcastIonosphere(sub.time, sub.frequency_hz, sub.iono, sys_letters)
    if iono_mode == "nequick":  # below the mask less 1 deg no delay is computed: those cells are never used
        from ..models.nequick import (
            NeQuickIonosphere,  # here: its numba kernel costs 0.2 s of imports
        )

        return NeQuickIonosphere(sub.time, sub.frequency_hz, sub.iono, sys_letters, sub.sat_xyz,
                                 min_elevation_rad=np.radians(mask_deg - 1.0))
    return None


def _first_solution(problem: Problem, prep: Prepared):
    """Without a header position, first solve from the Earth's centre without mask or atmosphere."""
    state = _initial_state(prep, problem.pseudorange_m.shape[0], problem.n_systems)
    rows = np.arange(problem.pseudorange_m.shape[0])
    if prep.approx_xyz is None or np.linalg.norm(prep.approx_xyz) < 6.0e6:
        rough = replace(problem, iono=None, troposphere=False, mask_rad=-np.pi)
        state = gauss_newton(rough, rows, state).state
        state = np.where(np.isfinite(state), state, 0.0)
    return gauss_newton(problem, rows, state)


def _refine(problem: Problem, it, groups, bias_mode, excluded):
    """Variance components per system and session code biases, ``_VCE_ROUNDS`` times."""
    rows = np.arange(problem.pseudorange_m.shape[0])
    bias_table = {}
    for _ in range(_VCE_ROUNDS):
        r = redundancy(it.h, it.weight, np.nan_to_num(it.covariance))
        good = np.abs(np.nan_to_num(it.residual)) * np.sqrt(it.weight) < 4.0  # outliers kept out
        sigma2 = weights.variance_factors(it.residual, it.weight * good, r, problem.system_index, problem.n_systems)
        factor = problem.factor * np.sqrt(np.where(np.isfinite(sigma2), sigma2, 1.0))
        bias = problem.bias_m
        if bias_mode != "off":
            step, _ = biases.estimate_group_biases(it.residual, it.weight, groups, problem.system_index)
            bias = bias + step
        problem = replace(problem, factor=factor, bias_m=bias)
        start = np.where(np.isfinite(it.state), it.state, _fallback_state(it.state))
        it = gauss_newton(problem, rows, start, exclude=excluded)
    if bias_mode != "off":
        used = (it.weight > 0).any(axis=0)
        for label in sorted(set(groups[used]) - {""}):
            cols = groups == label
            bias_table[label] = float(problem.bias_m[cols][0])
    return problem, it, bias_table


def _fallback_state(state):
    finite = np.isfinite(state).all(axis=1)
    fill = np.nanmedian(state[finite], axis=0) if finite.any() else np.zeros(state.shape[1])
    return np.broadcast_to(fill, state.shape)


def _isb_table(problem: Problem, systems):
    """``{"C-R": {"isb_m": ..., "sigma_m": ...}}`` for the session ISBs in use (vs the first system)."""
    if problem.clock_prior is None:
        return {}
    value, sigma = (np.asarray(v)[-1] if np.ndim(v) == 2 else v for v in problem.clock_prior)  # causal: the last
    if not np.isfinite(value[0]):  # a calibration without the first system: nothing to refer to
        return {}
    return {f"{systems[k]}-{systems[0]}": {"isb_m": round(float(value[k] - value[0]), 3),
                                           "sigma_m": round(float(np.hypot(sigma[k], sigma[0])), 3)}
            for k in range(1, len(systems)) if np.isfinite(value[k])}


def _estimate(problem: Problem, prep: Prepared, sub, channels, biases_mode, pfa, max_exclusions, session_isb=True):
    """First solution -> RAIM with a-priori weights -> session refinement -> final RAIM."""
    it = _first_solution(problem, prep)
    arcs = biases.arc_lengths_s(it.weight > 0, sub.time)
    groups = biases.bias_groups(sub.sv, channels, biases_mode, arcs)
    # faults found with the (conservative) a-priori weights stay out of the session estimates
    first = raim.fault_detection_exclusion(problem, it, pfa=pfa, max_exclusions=max_exclusions)
    # the atmosphere changes by millimetres over the metres the later passes move: freeze it, at the position
    # solved without the faults (a satellite 1 km off for the hour put the first position 260 m off, and its
    # troposphere, frozen there, polluted every later pass: 3D RMS 1.3 -> 6.8 m on ESBC's hour)
    problem = replace(problem, fixed_delays=(first.iterate.trop_m, first.iterate.iono_m))
    # a satellite with a session bias of its own (auto: arc >= 3 h) has its constant error estimated there
    own_bias = groups == np.asarray(sub.sv).astype(str)
    it, problem = _without_persistent_faults(problem, first, sub, prep, causal_mode=False, judged=~own_bias)
    problem, it, bias_table = _refine(problem, it, groups, biases_mode, first.excluded)
    if session_isb:
        problem = _with_session_isb(problem, it, pfa, sub.time)
    # the final test starts afresh: a first-pass exclusion may have been a bias now estimated
    if first.excluded.any() or problem.clock_prior is not None:
        start = np.where(np.isfinite(it.state), it.state, _fallback_state(it.state))
        it = gauss_newton(problem, np.arange(problem.pseudorange_m.shape[0]), start)
    fde = raim.fault_detection_exclusion(problem, it, pfa=pfa, max_exclusions=max_exclusions)
    return problem, fde, bias_table


def _estimate_causal(problem: Problem, prep: Prepared, sub, channels, biases_mode, pfa, max_exclusions,
                     session_isb=True, calibration: Calibration | None = None, systems=()):
    """Forward mode: biases, noise factors and ISB known before each epoch from the past only (causal.py).

    Every step is per epoch or a prefix over earlier epochs: the first solution and its RAIM
    (a-priori weights, zero or calibrated biases), ``_CAUSAL_ROUNDS`` re-solutions with the
    running biases and factors of the previous round, then the running ISB and the final RAIM.
    Returns the problem, the FDE result, the bias table and the end-of-run calibration.
    """
    rows = np.arange(problem.pseudorange_m.shape[0])
    it = _first_solution(problem, prep)
    problem = replace(problem, clock_prior=None)
    first = raim.fault_detection_exclusion(problem, it, pfa=pfa, max_exclusions=max_exclusions)
    problem = replace(problem, fixed_delays=(first.iterate.trop_m, first.iterate.iono_m))  # as in _estimate
    prior_bias = np.array(problem.bias_m, float)  # zero or the calibration's
    it, problem = _without_persistent_faults(problem, first, sub, prep, causal_mode=True)
    excluded, fault_var = first.excluded, problem.bias_variance_m2
    groups = biases.bias_groups(sub.sv, channels, "off" if biases_mode == "off" else "groups")
    dt_s, apriori = causal.epoch_spacing_s(sub.time), problem.factor
    letters = np.array([sv[0] for sv in sub.sv])
    sigma0 = np.array([causal.BIAS_SIGMA_M.get(s, 0.0) for s in letters]) * (calibration is None)
    for _ in range(_CAUSAL_ROUNDS):
        r = redundancy(it.h, it.weight, np.nan_to_num(it.covariance))
        factor = causal.running_factors(it, r, problem.system_index, problem.n_systems, apriori, dt_s,
                                        problem.sisre_m)
        bias, bias_var = causal.running_biases(it, problem.bias_m, groups, problem.system_index, dt_s, prior_bias,
                                               prior_sigma_m=sigma0, system_letters=letters)
        problem = replace(problem, factor=factor, bias_m=bias, bias_variance_m2=bias_var + fault_var)
        it = gauss_newton(problem, rows, np.where(np.isfinite(it.state), it.state, _fallback_state(it.state)),
                          exclude=excluded)
    final_bias = causal.running_biases(it, problem.bias_m, groups, problem.system_index, dt_s, prior_bias,
                                       include_current=True, prior_sigma_m=sigma0, system_letters=letters)[0][-1]
    isb_end = None
    if session_isb and problem.n_systems > 1:
        stat, dof = raim.raim_statistic(it)
        trusted = it.converged & (dof >= 1) & (stat <= raim.chi2_threshold(np.maximum(dof, 1), pfa))
        prior = calibration.clock_prior(systems) if calibration is not None else None
        isb_m, sigma_m = causal.running_isb(it.state, it.covariance, it.present, trusted, dt_s, prior)
        problem = replace(problem, clock_prior=(isb_m, sigma_m))
        isb_end = (isb_m[-1], sigma_m[-1])
    start = np.where(np.isfinite(it.state), it.state, _fallback_state(it.state))
    it = gauss_newton(problem, rows, start)
    fde = raim.fault_detection_exclusion(problem, it, pfa=pfa, max_exclusions=max_exclusions)
    table = {sv: round(float(b), 3) for sv, b in zip(sub.sv, final_bias) if b != 0.0}
    return problem, fde, table, (final_bias, isb_end)


def _without_persistent_faults(problem: Problem, first, sub, prep: Prepared, causal_mode: bool, judged=None):
    """Satellites with a persistent range error (persistent.py), one per round: excluded from the
    epochs that keep redundancy without them, their error's size added to their variance in the
    others; re-solved. ``judged`` ``(S,)``: the satellites tested (default all). Returns the iterate
    and the problem (its ``candidate`` and variance changed)."""
    it, rows = first.iterate, np.arange(problem.pseudorange_m.shape[0])
    sisre = weights.broadcast_sisre_m([sv[0] for sv in sub.sv]) if prep.source == "broadcast" else np.zeros(len(sub.sv))
    flagged, extra, candidate = None, 0.0, problem.candidate
    for _ in range(persistent.MAX_FAULTS):
        testable = it.converged & (raim.raim_statistic(it)[1] >= 2)
        b, u, _ = persistent.persistent_error_m(it.residual, it.weight, it.h, it.covariance, problem.system_index,
                                                sisre, causal.epoch_spacing_s(sub.time), causal=causal_mode,
                                                identifiable=testable)
        faulty = persistent.worst_fault(u if judged is None else np.where(judged, u, 0.0), flagged)
        if not faulty.any():
            break
        flagged = faulty if flagged is None else flagged | faulty
        cells = np.broadcast_to(faulty, candidate.shape)
        candidate = candidate & ~(cells & testable[:, None])  # out where the rest can still be tested
        extra = extra + np.where(cells & ~testable[:, None], np.broadcast_to(b, candidate.shape) ** 2, 0.0)
        problem = replace(problem, candidate=candidate, bias_variance_m2=extra)
        start = np.where(np.isfinite(it.state), it.state, _fallback_state(it.state))
        it = gauss_newton(problem, rows, start, exclude=first.excluded)
    return it, problem


def _solve_causal(problem, prep, sub, channels, biases_mode, pfa, max_exclusions, session_isb, calibration, systems,
                  mask_deg):
    """:func:`_estimate_causal` with a calibration as starting values; its end-of-run calibration."""
    if calibration is not None:
        problem = replace(problem, bias_m=calibration.satellite_biases(sub.sv))
    problem, fde, table, (bias_end, isb_end) = _estimate_causal(problem, prep, sub, channels, biases_mode, pfa,
                                                               max_exclusions, session_isb, calibration, systems)
    source = (f"{format_system_set(systems)} at {mask_deg:g}° mask, causal (after the last epoch), "
              f"{sub.meta.get('marker_name', '')} {str(np.asarray(sub.time)[0])[:10]}")
    return problem, fde, table, Calibration.from_estimate(sub.sv, bias_end, systems, isb_end, source)


def _with_session_isb(problem: Problem, it, pfa, time=None):
    """Tie the system clocks together with session ISBs estimated from the trusted epochs (isb.py)."""
    if problem.n_systems < 2:
        return problem
    stat, dof = raim.raim_statistic(it)
    trusted = it.converged & (dof >= 1) & (stat <= raim.chi2_threshold(np.maximum(dof, 1), pfa))
    prior = isb.session_isb(it.state, it.covariance, it.present, trusted, time)
    return problem if prior is None else replace(problem, clock_prior=prior)


def _estimated_calibration(sub, problem: Problem, systems, mask_deg) -> Calibration:
    """The biases and ISBs this run estimated, for ``solve(..., calibration=...)`` elsewhere."""
    source = (f"{format_system_set(systems)} at {mask_deg:g}° mask, "
              f"{sub.meta.get('marker_name', '')} {str(np.asarray(sub.time)[0])[:10]}")
    return Calibration.from_estimate(sub.sv, problem.bias_m, systems, problem.clock_prior, source)


def _fault_epochs(svs, dropped) -> dict:
    """``{sv: epochs}`` a persistent range fault took the satellite out of (persistent.py)."""
    counts = np.asarray(dropped).sum(axis=0)
    return {str(sv): int(n) for sv, n in zip(svs, counts) if n > 0}


def _checked_options(systems, integrity_gate: str, biases_mode: str) -> tuple[str, ...]:
    """The requested systems in canonical order, once every option is known to be valid."""
    if integrity_gate not in ("untestable", "all"):
        raise LodestarError(f"integrity_gate must be 'untestable' or 'all', not {integrity_gate!r}")
    if biases_mode not in BIAS_MODES:
        raise LodestarError(f"biases_mode must be one of {', '.join(BIAS_MODES)}, not {biases_mode!r}")
    system_tuple = parse_system_set(systems) if isinstance(systems, str) else parse_system_set("+".join(systems))
    unsupported = [s for s in system_tuple if s not in SUPPORTED_SYSTEMS]
    if unsupported:
        raise LodestarError(f"positioning supports {', '.join(SYSTEM_NAMES[s] for s in SUPPORTED_SYSTEMS)}; "
                            f"not {', '.join(unsupported)}")
    return system_tuple


def solve(obs, nav=None, systems="R+C", mask_deg: float = 10.0, iono: str = "klobuchar", sp3=None, clk=None, *,
          biases_mode: str = "auto", raim_pfa: float = raim.DEFAULT_PFA,
          max_exclusions: int = raim.DEFAULT_MAX_EXCLUSIONS, priority=None, smoothing_s=None,
          session_isb: bool = True, alert_limit_m: float | None = integrity.DEFAULT_ALERT_LIMIT_M,
          integrity_risk: float = integrity.DEFAULT_RISK, integrity_gate: str = "untestable",
          calibration: Calibration | None = None, residuals: bool = False, causal: bool = False,
          antex=None, sinex=None, bias=None):
    """Single-point positions of the marker, one row per epoch (``xarray.Dataset``).

    ``obs``: observation path, Dataset, or a :class:`Prepared` (from :func:`prepare`, to reuse
    orbits and corrections across calls; ``nav``/``iono``/``sp3``/``clk``/``priority``/``smoothing_s``
    are then taken from it). ``systems``: ``"R"``, ``"C"``, ``"R+C"``, ``"G+R+E+C"``...
    ``iono``: ``klobuchar`` (broadcast model: GPS's, BeiDou's own for BeiDou), ``nequick`` (Galileo's
    NeQuick-G with the navigation header's ai0-ai2, for every system), ``iflc`` (dual-frequency
    iono-free), ``off``.
    ``biases_mode``: session code biases: ``auto`` (default: GLONASS/BeiDou satellites with >= 3 h
    arcs on their own, the rest per GLONASS channel / BDS-2 / BDS-3), ``satellite`` (every
    satellite), ``groups`` (channel and BDS-2/BDS-3 only), ``off``.
    ``session_isb``: estimate each inter-system bias once over the session and tie the system
    clocks to it in every epoch (``isb.py``); False keeps a free clock per system and epoch.
    ``alert_limit_m`` / ``integrity_risk``: an epoch whose protection level (``integrity.py``)
    exceeds the alert limit is ``failed``; None disables the gate. ``integrity_gate``:
    ``"untestable"`` (default) applies it to epochs RAIM cannot test (no redundancy), ``"all"`` to
    every epoch (conservative: see docs/positioning.md).
    ``antex``/``sinex``/``bias``: phase-centre and code-bias sources for ``sp3`` (see :func:`prepare`).
    ``calibration``: a :class:`Calibration` (code biases per satellite, session ISBs) of the same
    receiver and day, e.g. ``Calibration.from_solution(solve(prep, mask_deg=10))``: applied as
    known, instead of estimating biases and ISBs from this run's data (``biases_mode`` and
    ``session_isb`` are then not used). Every result carries the calibration it estimated or
    used in ``attrs["calibration"]`` (JSON).
    ``causal``: forward mode (``causal.py``): every epoch uses only the past; code biases, noise
    factors and ISBs are running estimates (a given ``calibration`` is their starting value), and
    ``attrs["calibration"]`` holds their values after the last epoch. Default: post-processing,
    session estimates over the whole input.
    """
    system_tuple = _checked_options(systems, integrity_gate, biases_mode)
    prep = obs if isinstance(obs, Prepared) else prepare(
        obs, nav, systems="".join(system_tuple), iono=iono, sp3=sp3, clk=clk, priority=priority,
        smoothing_s=smoothing_s, antex=antex, sinex=sinex, bias=bias)
    prepared = set(prep.meta.get("systems", "".join(sorted({sv[0] for sv in prep.sv}))))
    if isinstance(obs, Prepared) and not set(system_tuple) <= prepared:
        missing = ", ".join(SYSTEM_NAMES[s] for s in system_tuple if s not in prepared)
        raise LodestarError(f"this Prepared was made without {missing}: call prepare(obs, nav, systems=...) "
                            "with every system the sets need (e.g. systems='GREC')")
    present_systems = tuple(s for s in system_tuple if any(sv[0] == s for sv in prep.sv))
    if not present_systems:
        raise LodestarError(f"no {'/'.join(SYSTEM_NAMES[s] for s in system_tuple)} satellites in the observations")
    channels = np.array([prep.meta.get("glonass_channels", {}).get(sv, np.nan) for sv in prep.sv], dtype=float)
    sub, problem, iono_model, sub_channels = _problem_for(prep, present_systems, mask_deg, prep.iono_mode, channels)
    candidate = problem.candidate
    if causal:
        if biases_mode != "off":  # the running biases' own variance carries the satellite error not yet learnt
            problem = replace(problem, sisre_m=0.0)
        problem, fde, bias_table, used_calibration = _solve_causal(problem, prep, sub, sub_channels, biases_mode,
                                                                   raim_pfa, max_exclusions, session_isb,
                                                                   calibration, present_systems, mask_deg)
    else:
        if calibration is not None:  # known biases: only the noise factors are estimated from this run
            problem = replace(problem, bias_m=calibration.satellite_biases(sub.sv),
                              clock_prior=calibration.clock_prior(present_systems))
            biases_mode, session_isb = "off", False
        problem, fde, bias_table = _estimate(problem, prep, sub, sub_channels, biases_mode, raim_pfa, max_exclusions,
                                             session_isb)
        used_calibration = calibration or _estimated_calibration(sub, problem, present_systems, mask_deg)
        if calibration is not None:
            bias_table = {sv: round(float(b), 3) for sv, b in zip(sub.sv, problem.bias_m) if b != 0.0}
    factor_now = problem.factor[-1] if np.ndim(problem.factor) == 2 else problem.factor
    info = {"systems": present_systems, "requested": system_tuple, "mask_deg": mask_deg, "iono": prep.iono_mode,
            "alert_limit_m": alert_limit_m, "integrity_risk": integrity_risk, "gate": integrity_gate,
            "raim_pfa": raim_pfa, "session_isb_m": _isb_table(problem, present_systems),
            "mode": "causal" if causal else "post-processing",
            "iono_models": iono_model.note if iono_model else {}, "code_bias_m": bias_table,
            "persistent_fault_epochs": _fault_epochs(sub.sv, candidate & ~problem.candidate),
            "noise_factor": dict(zip(present_systems, np.asarray(factor_now).tolist())), "max_gdop": MAX_GDOP,
            "calibration": used_calibration.to_json(),
            "calibrated": ("estimated" if calibration is None else f"given ({calibration.source or 'no source'})")
            + (", causal: running estimates from past epochs only" if causal else "")}
    result = build_result(sub, problem, fde, info)
    if residuals:
        return result, residual_table(sub, problem, fde)
    return result


def solve_many(obs, nav=None, sets=("R", "C", "R+C", "G+R+E+C"), masks=(10.0,), iono="klobuchar", **kwargs):
    """``{(set_text, mask_deg): Dataset}`` for every set and mask, reading and preparing once."""
    letters = "".join(sorted({s for text in sets for s in parse_system_set(text)}))
    prep_keys = ("sp3", "clk", "priority", "smoothing_s", "antex", "sinex", "bias")
    prep_args = {k: kwargs.pop(k) for k in prep_keys if k in kwargs}
    prep = obs if isinstance(obs, Prepared) else prepare(obs, nav, systems=letters, iono=iono, **prep_args)
    results = {}
    for text in sets:
        for mask in masks:
            key = ("+".join(parse_system_set(text)), float(mask))
            results[key] = solve(prep, systems=text, mask_deg=mask, **kwargs)
    return results
