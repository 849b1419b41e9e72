"""``lodestar.ppp``: precise point positioning, float ionosphere-free, static or kinematic.

>>> ds = ppp(obs_path, sp3=[sp3_prev, sp3_day], clk=clk_day, systems="R", mode="static")
>>> ds["x_m"], ds["status"], ds["sde_m"]                          # one row per epoch

Pipeline: read -> dual-frequency signals (:mod:`.observables`) -> precise satellite states and
corrections (:mod:`.corrections`) -> arcs (:mod:`.quality`) -> EKF (:mod:`.filter`), forward, or
forward + backward combined -> Dataset (:mod:`.result`).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from ...errors import LodestarError
from ...io.bias import read_bias
from ...io.blq import StationNotInFile, blq_site
from ...io._obs_order import epoch_order_note
from ...io.clk import read_clk
from ...io.rinex_nav import load_nav
from ...io.rinex_obs import read_obs
from ...io.sp3 import read_sp3
from ...models.ocean_loading import ocean_loading_ecef_m
from ...models.phase_center import ReceiverAntenna
from ...orbits import BroadcastEphemeris, PreciseEphemeris
from ...orbits.precise import BRIDGED_SHIFT, sp3_of_systems
from ...systems import SYSTEM_NAMES, SYSTEM_ORDER, parse_system_set
from ...time import Time
from ..osb import osb_lookup_time
from ..prepare import no_satellites_message
from ..screening import examples, pseudorange_outside_range
from .antennas import (
    BANDS,
    antenna_model_mismatch,
    phase_centres,
    receiver_model_mismatch,
    receiver_offsets_enu_m,
    satellite_offsets,
)
from .constellation import is_bds3
from .corrections import BDS_GEO, satellite_side
from .filter import FilterConfig, FilterInput, run_filter
from .observables import (
    BDS3_SIGNAL_OPTIONS,
    candidate_codes,
    check_phase_present,
    code_bias_corrections_m,
    if_coefficients,
    select_dual_frequency,
)
from .quality import screen
from .result import build_dataset, combine
from .start import code_start_position

__all__ = ["CODE_BIAS_SYSTEMS", "DIRECTIONS", "MODES", "PPP_SYSTEMS", "ppp"]

MODES = ("kinematic", "static")
DIRECTIONS = ("forward", "combined")
PPP_SYSTEMS = "GREC"
#: Extra white range sigma for products whose clocks are interpolated, by clock interval (s -> m),
#: applied to code and phase. 15 min: 2 cm, the white floor of linear interpolation (GRG's 30 s CLK
#: decimated to 15 min: 2 cm RMS 30 s from a node, docs/precise-products.md); the correlated part is
#: the clock-error state below. (Before that state: 10 cm white, set so BeiDou-only statuses stayed honest.)
_CLOCK_INTERPOLATION_SIGMA_M = {30.0: 0.005, 300.0: 0.04, 900.0: 0.02}
#: Correlated clock error of 15-min clocks: one first-order Gauss-Markov state per satellite (filter.py),
#: correlation time 10 min, sigma by system. BeiDou (IAC's 15-min orbits and clocks, the only 15-min
#: product served here), measured 2026-12-07 as range error towards the station with the epoch's common
#: part and each pass's constant fitted together (what the receiver clock and the ambiguities take):
#: IAC against CODE's 5-min BDS-2, the whole ESBC day: 1.3 cm RMS (both centres' errors), 1.1-1.7 cm in
#: every 2-hour sample, autocorrelation 0.54 at 5 min, 0.19 at 10 min, 0.09 at 15 min; three centres
#: over the Wettzell hour (IAC, CODE, GBM's 5-min product): IAC's own 1.5 cm (BDS-2); IAC against GBM
#: on BDS-3 0.5 cm (benchmarks/clock_error_iac.py). So 1.5 cm. (Until then 6 cm, from a day-wide
#: measurement that removed epoch and pass means one after the other, so the common part jumped whenever
#: a satellite rose or set, and that still had IAC's two bad first samples: docs/ppp.md, "BeiDou code
#: biases, and what the 15-min clocks cost".)
#: Other systems on a 15-min clock keep 6 cm: GRG's 30 s GPS/GLONASS clocks decimated to 15 min and
#: interpolated back err by 4.0-4.6 cm RMS, 4.5-5.2 cm mid-interval.
_CLOCK_STATE_SIGMA_M = {30.0: 0.0, 300.0: 0.0, 900.0: 0.06}
_CLOCK_STATE_SIGMA_BY_SYSTEM_M = {900.0: {"C": 0.015}}
_CLOCK_STATE_TAU_S = 600.0
#: Extra range sigma (m) of a cell whose SP3 position came from a Lagrange window moved off-centre
#: by |shift| nodes at a product's first/last epochs. Measured on ESBC 2020-177 (GRG, IAC 15 min;
#: CODE 5 min; off-centre vs centred windows of the same file cut at 12:00, docs/precise-products.md):
#: |shift| <= 2: <= 0.7 mm RMS (G/R/C); 3: <= 1.8 mm RMS, 8 mm max; 4 (the last/first interval):
#: 3-8 mm RMS, up to 41 mm (GPS), 95 mm (Galileo); the largest of those as sigma.
_WINDOW_SHIFT_SIGMA_M = (0.0, 0.0, 0.0, 0.01, 0.04, 0.0)  # by |shift|; 5 = exactly on the last node
#: Orbit bridged past a centre's last node by another centre's, moved onto it (orbits.precise BRIDGE_S):
#: measured 3-4.5 mm RMS, <= 24 mm max over 15 min (GRG cut at 06/12/18 h, bridged by IAC or CODE).
_BRIDGED_SIGMA_M = 0.02
#: Systems whose satellites get a constant code-bias state by default. GLONASS: FDMA inter-frequency
#: biases (metres on ESBC's receiver). BeiDou: IAC's clocks leave metre-level per-satellite code
#: offsets (ESBC code residuals C13 -5 m, C09 +2 m; docs/precise-products.md: -10 ... +1.8 m) that a
#: white 10 cm clock sigma cannot absorb: they pulled BeiDou's position and zenith delay (C kinematic
#: ZTD 1.68-2.83 m over the ESBC day; 77 % of epochs within 3 sigma). With the states: 2.34-2.53 m, 95 %
#: (docs/ppp.md, "BeiDou code biases").
CODE_BIAS_SYSTEMS = "RC"


def _read_obs(obs, systems, bds3_signals="b1i-b3i", snr=False):
    """Only the codes and phases PPP may use are converted (and their C/N0 for an SNR mask)."""
    if isinstance(obs, (str, Path)):
        codes = candidate_codes(systems, bds3_signals)
        return read_obs(obs, systems=tuple(systems), codes=codes | ({"S" + c[1:] for c in codes} if snr else set()))
    return obs


def _channels(obs, nav):
    channels = dict(obs.attrs.get("glonass_channels") or {})
    if nav is not None:
        channels.update(BroadcastEphemeris(load_nav(nav, systems="R")).glonass_channels or {})
    return channels


def _load_products(sp3, clk, letters):
    """Orbits and clocks of one or several centres and days (:class:`lodestar.orbits.PreciseEphemeris`);
    clock records of systems other than ``letters`` are not parsed."""
    as_list = lambda v: [] if v is None else ([v] if isinstance(v, (str, Path)) else list(v))
    sp3_items = [read_sp3(p) if isinstance(p, (str, Path)) else p for p in as_list(sp3)]
    if not sp3_items:
        raise LodestarError("PPP needs precise orbits: give sp3= (and clk=, or SP3 files with clocks)")
    clk_items = [read_clk(p, systems=letters) if isinstance(p, (str, Path)) else p for p in as_list(clk)]
    return PreciseEphemeris(sp3_of_systems(sp3_items, letters), clk_items or None)


def _read_inputs(obs, letters, bds3_signals, sp3, clk, snr=False):
    """(observations, products): the observation file is read on a second thread while the products
    load (its Hatanaka and gzip layers run outside the GIL: ESBC's day 0.58 s beside the products'
    0.35 s, benchmarks/bench_ppp.py). Errors come in the order of a serial read: the observation
    file's first, then the products'."""
    if not isinstance(obs, (str, Path)):
        return _checked_obs(obs, letters), _load_products(sp3, clk, letters)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_read_obs, obs, letters, bds3_signals, snr)
        try:
            eph, product_error = _load_products(sp3, clk, letters), None
        except LodestarError as exc:
            eph, product_error = None, exc
        obs = _checked_obs(pending.result(), letters)
    if product_error is not None:
        raise product_error
    return obs, eph


def _checked_obs(obs, letters):
    if obs.attrs.get("format", "RINEX OBS") != "RINEX OBS":
        raise LodestarError(f"{obs.attrs.get('path', 'input')} is not an observation file")
    check_phase_present(obs, letters)
    return obs


def _by_interval(table: dict, interval_s: float) -> float:
    """The entry of a {clock interval (s): value} table nearest to ``interval_s``."""
    return table[min(table, key=lambda k: abs(k - interval_s))]


def _per_served_cell(eph, served_by, table: dict) -> np.ndarray:
    """(T, S) the table's value for the clock interval of each cell's serving centre (0: not served)."""
    values = np.zeros(served_by.shape)
    for src in eph.sources:  # a loop over centres (a few)
        values = np.where(served_by == src.name, _by_interval(table, src.clock.interval_s), values)
    return values


def _cell_clock_var(eph, served_by, svs):
    """(T, S) extra variance (m^2) of cells served by a centre whose clocks are coarser than the
    system's best-ranked centre's (e.g. IAC's 15-min SP3 clocks after GRG's 30 s CLK ends)."""
    letters = np.array([str(sv)[0] for sv in svs])
    base = _clock_sigma(eph, "".join(dict.fromkeys(letters)))
    base_var = np.array([base[s] ** 2 for s in letters])[None, :]
    return np.maximum(_per_served_cell(eph, served_by, _CLOCK_INTERPOLATION_SIGMA_M) ** 2 - base_var, 0.0)


def _cell_clock_state_sigma(eph, served_by, svs):
    """(T, S) sigma (m) of the Gauss-Markov clock-error state of each cell: the serving centre's clock
    interval's entry of _CLOCK_STATE_SIGMA_M, or of _CLOCK_STATE_SIGMA_BY_SYSTEM_M for the satellite's
    system (0: no state)."""
    sigma = _per_served_cell(eph, served_by, _CLOCK_STATE_SIGMA_M)
    letters = np.array([str(sv)[0] for sv in svs])
    for src in eph.sources:  # a loop over centres (a few)
        interval = min(_CLOCK_STATE_SIGMA_M, key=lambda k: abs(k - src.clock.interval_s))  # as _by_interval
        own = _CLOCK_STATE_SIGMA_BY_SYSTEM_M.get(interval, {})
        for system, value in own.items():
            cells = (served_by == src.name) & (letters == system)[None, :]
            sigma = np.where(cells, value, sigma)
    return sigma


def _clock_sigma(eph, systems):
    """Product-error sigma per system from the clock interval of the system's best-ranked centre."""
    out = {}
    for s in systems:
        ranked = eph.ranking(s)
        out[s] = _by_interval(_CLOCK_INTERPOLATION_SIGMA_M, ranked[0].clock.interval_s if ranked else 900.0)
    return out


def ppp(obs, sp3=None, clk=None, nav=None, *, antex=None, sinex=None, bias=None, systems="R+C",
        mode="kinematic", mask_deg=7.0, direction="forward", truth=None, restart_s=None,
        include_geo=False, ztd_psd_m2_per_h=1e-4, receiver_pco_neu_m=None,
        code_bias_systems=CODE_BIAS_SYSTEMS, blq=None, gradients=False, bds3_signals="b1i-b3i",
        code_sigma_m=0.3, phase_sigma_m=0.003, selection=None, ambiguity_psd_m2_per_h=0.0):
    """Precise point positioning of the marker; an ``xarray.Dataset`` with one row per epoch.

    ``obs``: RINEX path or Dataset; ``sp3``/``clk``: one or several files (consecutive days,
    e.g. the day before for the first interpolation window); ``nav``: navigation files, only for
    GLONASS frequency channels when the observation header has none. ``systems``: "R", "C",
    "R+C", "G+R+E+C", ... ``mode``: "kinematic" (default) or "static". ``direction``: "forward"
    (causal) or "combined" (forward + backward, post-processing). ``restart_s``: re-initialise the
    filter every so many seconds (convergence statistics). ``antex``/``sinex``: phase-centre sources
    (satellite and receiver offsets, PCV from ANTEX; :class:`lodestar.models.phase_center.PhaseCentres`);
    without them the published satellite offsets are used and the receiver antenna is uncalibrated.
    ``receiver_pco_neu_m``: {"1": (n, e, u), "2": (n, e, u)} receiver offsets given by the user
    (GPS L1/L2, used for every system), overriding antex/sinex for the receiver.
    ``code_bias_systems``: systems whose satellites get a constant code-bias state (default "RC":
    GLONASS FDMA inter-frequency biases, BeiDou per-satellite code offsets left by the clocks).
    ``include_geo``: use BeiDou GEO satellites (off by default: see docs/ppp.md).
    ``blq``: a BLQ file (ocean tide loading service) holding the station (the header's MARKER NAME): its
    ocean-loading displacement joins the solid tide (:mod:`lodestar.models.ocean_loading`); a station
    the file does not hold runs without it, with a warning.
    ``gradients``: also estimate horizontal tropospheric gradients G_N, G_E (Chen & Herring 1997
    mapping; :mod:`.filter`); the Dataset then has ``grad_n_m, grad_e_m`` (+ sigmas). Off by default
    (docs/ppp.md, "Tropospheric gradients": what they change on the data here).
    ``bds3_signals``: "b1i-b3i" (default: BDS-2 and BDS-3 on the clocks' B1I/B3I) or "b1c-b2a" (BDS-3
    MEO/IGSO on B1C/B2a where tracked, BDS-2 on B1I/B3I; their receiver inter-signal code bias is a
    filter state, each satellite's differential code bias to the B1I/B3I clocks is taken off with
    ``bias`` OSBs or else absorbed by the BeiDou code-bias states).
    ``code_sigma_m``, ``phase_sigma_m``: a raw code's and phase's sigma a in sigma^2 = a^2 + a^2 / sin^2 E,
    times the IF noise factor (:mod:`.filter`); by default RTKLIB's (``stats-errphase`` 3 mm, code 100
    times that: ``stats-eratio1``). docs/ppp.md, "No uncombined model", measures what a heavier code weight does.
    ``ztd_psd_m2_per_h``: the zenith wet delay's random walk (default 1e-4 m^2/h = 1 cm/sqrt(h)).
    ``ambiguity_psd_m2_per_h``: a random walk of every float ambiguity (default 0: constant over its arc,
    which is what an ambiguity is). RTKLIB's ``stats-prnbias`` 1e-4 m/sqrt(s) is 3.6e-5 m^2/h: it lets the
    ambiguities follow slow elevation-dependent errors (an imperfect antenna calibration), at the cost of
    the phase's strength where the models are good (docs/ppp.md, "Why RTKLIB's ESBC heights are higher").
    ``truth``: marker ECEF (m), kept in the attributes for the summary.
    ``selection``: a :class:`lodestar.positioning.selection.ObservationSelection` (time window, decimation,
    excluded satellites, SNR mask on code and phase), applied to the observations before anything else.
    """
    if not (code_sigma_m > 0 and phase_sigma_m > 0):
        raise LodestarError(f"code_sigma_m and phase_sigma_m must be positive, not {code_sigma_m!r}, {phase_sigma_m!r}")
    if not (ztd_psd_m2_per_h >= 0 and ambiguity_psd_m2_per_h >= 0):  # also refuses NaN
        raise LodestarError("ztd_psd_m2_per_h and ambiguity_psd_m2_per_h must be zero or positive, not "
                            f"{ztd_psd_m2_per_h!r}, {ambiguity_psd_m2_per_h!r}")
    if bds3_signals not in BDS3_SIGNAL_OPTIONS:
        raise LodestarError(f"bds3_signals must be one of {', '.join(BDS3_SIGNAL_OPTIONS)}, not {bds3_signals!r}")
    if mode not in MODES:
        raise LodestarError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if direction not in DIRECTIONS:
        raise LodestarError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if direction == "combined" and restart_s:
        raise LodestarError("restarts sample convergence of the causal filter: use direction='forward' with restart_s")
    letters = "".join(s for s in SYSTEM_ORDER if s in parse_system_set(systems))
    unsupported = [s for s in letters if s not in PPP_SYSTEMS]
    if unsupported:
        raise LodestarError(f"PPP supports G, R, E, C; not {', '.join(unsupported)}")
    snr = selection is not None and selection.snr_mask_dbhz is not None
    obs, eph = _read_inputs(obs, letters, bds3_signals, sp3, clk, snr)
    if selection is not None:
        obs = selection.apply(obs, phases=True)
    warn = list(eph.warnings)
    prep = _prepare(obs, eph, nav, letters, include_geo, phase_centres(antex, sinex), warn, receiver_pco_neu_m, bias,
                    code_bias_systems, blq, bds3_signals)
    cfg = FilterConfig(kinematic=mode == "kinematic", mask_rad=np.radians(mask_deg),
                       ztd_psd_m2_per_s=ztd_psd_m2_per_h / 3600.0, restart_s=restart_s,
                       product_sigma_m=_clock_sigma(eph, prep.systems), clock_state_tau_s=_CLOCK_STATE_TAU_S,
                       gradients=bool(gradients), code_sigma_m=float(code_sigma_m),
                       phase_sigma_m=float(phase_sigma_m), ambiguity_psd_m2_per_s=float(ambiguity_psd_m2_per_h) / 3600.0)
    forward = run_filter(prep, cfg)
    warn += _usage_warnings(prep, forward, cfg.mask_rad)
    backward = None
    if direction == "combined":
        backward = _reverse_output(run_filter(_reversed(prep), cfg))
    result = combine(forward, backward) if backward is not None else forward
    attrs = {"inter_signal_bias_m": _final_isb(forward, prep.meta.get("inter_signal_bias_groups") or []),
             "systems": "+".join(letters), "mode": mode, "direction": direction, "mask_deg": float(mask_deg),
             "obs_path": str(obs.attrs.get("path", "")), "marker_name": str(obs.attrs.get("marker_name", "") or ""),
             "warnings": list(warn), "truth_xyz_m": truth,
             "restart_s": restart_s, "gradients": bool(gradients), "code_sigma_m": float(code_sigma_m),
             "phase_sigma_m": float(phase_sigma_m), "ztd_psd_m2_per_h": float(ztd_psd_m2_per_h),
             "ambiguity_psd_m2_per_h": float(ambiguity_psd_m2_per_h),
             "selection": selection.describe() if selection is not None else "all observations", **prep.meta}
    return build_dataset(prep, result, attrs)


def _prepare(obs, eph, nav, letters, include_geo, pc, warn, receiver_pco_neu_m=None, bias=None,
             code_bias_systems=CODE_BIAS_SYSTEMS, blq=None, bds3_signals="b1i-b3i"):
    """The filter's input: signals and their ionosphere-free combinations, antennas, satellite-side
    corrections, arcs and weights, and the notes of what was left out (``warn`` gets the warnings)."""
    times = np.asarray(obs["time"].values, "datetime64[ns]")
    dual, no_channel = _signals(obs, nav, letters, include_geo, bds3_signals, warn)
    order = epoch_order_note(obs.attrs)
    if order:
        warn.append(order)
    svs = dual.sv
    bias_note = _apply_code_biases(dual, bias, times[times.size // 2], warn)
    a1, a2 = if_coefficients(dual.f1_hz, dual.f2_hz)
    p_if = a1 * dual.p1_m - a2 * dual.p2_m
    bands = dual.bands  # (S, 2) the frequencies of each satellite's pair (BDS-3 B1C/B2a or the clock pair)
    pco_body, sat_pc, sat_source, rcv = _antennas(obs, eph, pc, svs, times, bands, receiver_pco_neu_m, warn)
    approx = _approx_position(obs, eph, times, svs, p_if, warn)
    side = satellite_side(eph, times, svs, p_if, dual.f1_hz, dual.f2_hz, approx, (pco_body, sat_pc, rcv), bands)
    _check_products(side, obs, eph)
    dual, screened = _screen_codes(dual, side, times, warn)
    if screened["screened_cells"]:
        p_if = a1 * dual.p1_m - a2 * dual.p2_m
    ocean_m, ocean_note = _ocean_loading(blq, obs, approx, times, warn)
    arcs = screen(dual, times)
    l_if = a1 * dual.l1_m - a2 * dual.l2_m + arcs.clock_jump_m[:, None]
    usable = side.valid & (arcs.arc >= 0)
    arc = np.where(usable, _split_at_centre_changes(arcs.arc, side.served_by), -1)
    handover = _handovers(side.served_by, usable)
    shift = np.abs(side.window_shift if side.window_shift is not None else np.zeros(arc.shape, int))
    sigma = np.asarray(_WINDOW_SHIFT_SIGMA_M)[np.minimum(shift, len(_WINDOW_SHIFT_SIGMA_M) - 1)]
    orbit_var = np.where(shift == BRIDGED_SHIFT, _BRIDGED_SIGMA_M, sigma) ** 2
    ant_enu = receiver_offsets_enu_m(rcv, svs, dual.f1_hz, dual.f2_hz,
                                     obs.attrs.get("antenna_delta_hen_m") or (0.0, 0.0, 0.0), bands)
    _note_uncalibrated_receiver(str(obs.attrs.get("antenna", "") or ""), rcv, warn)
    unused = np.where(dual.usable & ~side.valid, side.reason, "")  # (T, S) why observed cells are not used
    systems = _systems_used(letters, svs, usable, side, unused, dual, no_channel, include_geo, warn)
    sys_index = np.array([systems.index(sv[0]) if sv[0] in systems else 0 for sv in svs])
    arc[:, np.array([sv[0] not in systems for sv in svs])] = -1
    doy = (times.astype("datetime64[D]") - times.astype("datetime64[Y]")).astype(int) + 1
    isb_group, isb_names = _inter_signal_groups(svs, bands, set((bias_note or {}).get("missing", {})) if bias else set())
    rx_source = rcv.source if rcv is not None else "none"
    return FilterInput(
        times_ns=times, systems=systems, sys_index=sys_index, p_if=p_if, l_if=l_if, arc=arc,
        if_factor=np.sqrt(a1**2 + a2**2), sat_xyz=np.where(usable[..., None], side.sat_xyz, np.nan),
        sat_clock_m=side.sat_clock_m, code_corr_m=side.code_m, phase_corr_m=side.phase_m,
        tide_m=side.tide_m + ocean_m, antenna_enu_m=ant_enu, approx_xyz=approx, day_of_year=doy, svs=svs,
        code_bias_sat=np.array([sv[0] in code_bias_systems for sv in svs]), isb_group=isb_group,
        orbit_var_m2=orbit_var + _cell_clock_var(eph, side.served_by, svs), handover=handover,
        clock_state_sigma_m=_cell_clock_state_sigma(eph, side.served_by, svs), meta={
            "satellite_antennas": sat_source, "receiver_antenna_source": rx_source,
            "receiver_antenna": str(obs.attrs.get("antenna", "") or "").strip(),
            "receiver_antenna_note": rcv.note if rcv is not None else "no antenna in header", "signals": dual.signals,
            "slip_reasons": _count(arcs.slip_reason), "epoch_notes": _with_antenna_note(arcs.epoch_note, rx_source),
            "unused_reasons": _count(unused), "screened_codes": screened,
            "code_bias_corrections": bias_note, "ocean_loading": ocean_note, "bds3_signals": bds3_signals,
            "inter_signal_bias_groups": isb_names,
            "offcentre_orbit_cells": int(((shift > 0) & (shift != BRIDGED_SHIFT) & usable).sum()),
            "bridged_orbit_cells": int(((shift == BRIDGED_SHIFT) & usable).sum()),
            "centre_handovers": int(handover.sum()),
            "epoch_unused": _dominant_reason(unused),
            "precise_products": eph.provenance(list(svs), np.where(usable, side.served_by, "")),
            "product_sigma_m": _clock_sigma(eph, letters), "geo_included": bool(include_geo),
            "systems_used": "+".join(systems)})


def _signals(obs, nav, letters, include_geo, bds3_signals, warn):
    """The satellites of ``letters`` with dual-frequency code and phase on the PPP signals: (their
    ``DualFrequency`` selection, whether GLONASS channels were missing)."""
    svs = np.array([sv for sv in np.asarray(obs["sv"].values).astype(str) if sv[0] in letters])
    if not include_geo:
        svs = np.array([sv for sv in svs if sv not in BDS_GEO])
    if svs.size == 0:
        raise LodestarError(no_satellites_message(obs, letters) + (" (BeiDou GEO left out: --include-geo)"
                                                                    if "C" in letters and not include_geo else ""))
    channels = _channels(obs, nav) if "R" in letters else {}
    dual = select_dual_frequency(obs, svs, channels, bds3_signals)
    no_channel = _note_missing_channels(svs, channels, obs, warn)
    keep = np.isfinite(dual.f1_hz) & dual.usable.any(axis=0)
    if not keep.any():
        raise LodestarError("no satellite has dual-frequency code and phase on the PPP signals "
                            f"({', '.join(letters)}): PPP needs two frequencies"
                            + (f"; {_NO_CHANNEL}" if no_channel else ""))
    dual = _subset(dual, keep)
    if bds3_signals == "b1c-b2a":
        _note_bds3_fallback(dual, obs, warn)
    return dual, no_channel


def _antennas(obs, eph, pc, svs, times, bands, receiver_pco_neu_m, warn):
    """(satellite body-frame offsets, satellite phase centres, their sources, receiver antenna or None); warns
    when either side is not of the products' antenna model."""
    pco_body, sat_pc, sat_source = satellite_offsets(pc, svs, times[times.size // 2], bands)
    antenna = str(obs.attrs.get("antenna", "") or "")
    rcv = pc.receiver(antenna) if antenna.strip() else None
    if receiver_pco_neu_m:
        rcv = _user_receiver(antenna, receiver_pco_neu_m)
    for mismatch in (antenna_model_mismatch(sat_pc, pco_body, eph.antenna_models),
                     receiver_model_mismatch(rcv, eph.antenna_models)):
        if mismatch:
            warn.append(mismatch)
            warnings.warn(mismatch, stacklevel=4)
    return pco_body, sat_pc, sat_source, rcv


def _note_uncalibrated_receiver(antenna: str, rcv, warn) -> None:
    if rcv is not None and rcv.source != "none" and rcv.pattern is None:  # SINEX: offsets only
        warn.append(f"receiver antenna {antenna.strip()!r}: phase-centre offsets from {rcv.source.upper()}"
                    f"{f' ({rcv.model})' if rcv.model else ''} without variations (PCV): heights can be biased by the "
                    "pattern left out (ESBC's choke ring: 3 cm; docs/ppp.md \"The height\"); give --antex with "
                    "its calibration")
        warnings.warn(warn[-1], stacklevel=4)
    if rcv is None or rcv.source == "none":
        warn.append(f"no phase-centre calibration for receiver antenna {antenna.strip() or '(none in header)'!r} in the "
                    "ANTEX/SINEX files given: run without it (heights biased by the antenna's IF offset, typically "
                    "4-20 cm); give --antex or --sinex with its calibration")
        warnings.warn(warn[-1], stacklevel=4)


def _systems_used(letters, svs, usable, side, unused, dual, no_channel, include_geo, warn) -> str:
    """The systems with a usable satellite (an error when none has one), with the notes on what was left out."""
    systems = "".join(s for s in letters if any(sv[0] == s for sv in svs[usable.any(axis=0)]))
    if not systems:
        reasons = sorted(set(side.reason[~side.valid].ravel()) - {""})
        raise LodestarError(f"no usable satellite: {'; '.join(reasons[:3]) or 'no dual-frequency data'}")
    _note_dropped_systems(letters, systems, svs, unused, warn, {"R": _NO_CHANNEL} if no_channel else {})
    _note_unused_satellites(svs, dual.usable, side.valid, side.reason, systems, warn)
    if include_geo and "C" in letters:
        _note_unused_geo(svs, usable, unused, warn)
    return systems


_NO_CHANNEL = ("GLONASS frequency channels unknown (no GLONASS SLOT / FRQ # in the header): give --nav with a "
               "navigation file of the day")


def _note_missing_channels(svs, channels, obs, warn) -> bool:
    """Warn when GLONASS satellites cannot be used for want of their FDMA frequency channel; True if any."""
    missing = [str(sv) for sv in svs if str(sv)[0] == "R" and str(sv) not in channels]
    if missing:
        warn.append(f"{obs.attrs.get('path', 'the observations')}: {len(missing)} GLONASS satellite(s) not used "
                    f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}): {_NO_CHANNEL}")
        warnings.warn(warn[-1], stacklevel=5)
    return bool(missing)


#: Said on every epoch's reason when the receiver antenna has no calibration: the statuses come from the
#: filter's sigmas, which know nothing of the antenna's IF offset (4-20 cm, mostly height; WTZZ's
#: LEIAR25.R3 without it: G+R+E+C "converged" epochs 15-19 cm high after an hour).
UNCALIBRATED_ANTENNA_NOTE = "receiver antenna uncalibrated: height biased by its phase-centre offset (see warnings)"


def _with_antenna_note(epoch_note, rx_source):
    """(T,) epoch notes, each with :data:`UNCALIBRATED_ANTENNA_NOTE` when no receiver calibration was found."""
    if rx_source != "none":
        return epoch_note
    return np.array(["; ".join(x for x in (str(n), UNCALIBRATED_ANTENNA_NOTE) if x) for n in epoch_note], dtype=object)


def _note_unused_geo(svs, usable, unused, warn) -> None:
    """``include_geo`` asked for and no BeiDou GEO usable: say why (e.g. no satellite antenna offset is known
    for BDS-2 GEO without an ANTEX that has them), rather than let the option pass for one that did something."""
    geo = np.array([str(sv) in BDS_GEO for sv in svs], dtype=bool)
    if geo.any() and usable[:, geo].any():
        return
    reasons = _count(unused[:, geo]) if geo.any() else {}
    why = max(reasons, key=reasons.get) if reasons else "no GEO tracked with dual-frequency code and phase"
    warn.append(f"include_geo: no BeiDou GEO satellite used ({why})")
    warnings.warn(warn[-1], stacklevel=5)


def _note_dropped_systems(letters, systems, svs, unused, warn, why_absent=None) -> None:
    """Warn for every system asked for that has no usable satellite (the solution runs without it), with
    the most frequent reason of its observed cells (``why_absent[letter]`` when none is left to look at);
    a run asked for as R+C must not pass for one."""
    for letter in (s for s in letters if s not in systems):
        columns = np.array([str(sv)[0] == letter for sv in svs], dtype=bool)
        reasons = _count(unused[:, columns]) if columns.any() else {}
        why = max(reasons, key=reasons.get) if reasons else (why_absent or {}).get(
            letter, "no dual-frequency code and phase on the PPP signals")
        warn.append(f"no usable {SYSTEM_NAMES[letter]} satellite ({why}): the solution is {'+'.join(systems)} alone, "
                    f"not {'+'.join(letters)}")
        warnings.warn(warn[-1], stacklevel=5)


def _note_unused_satellites(svs, observed, valid, reason, systems, warn) -> None:
    """Warn for satellites of the systems in use that were observed on both frequencies but never usable,
    grouped by their most frequent reason (e.g. an ANTEX without their offsets: TLSE 2022-001 with the trimmed
    ANTEX files here leaves 20 of 31 GPS satellites out): a run on a third of the sky must not pass silently."""
    never = observed.any(axis=0) & ~(observed & valid).any(axis=0)
    never &= np.array([str(sv)[0] in systems for sv in svs], dtype=bool)
    by_reason: dict[str, list[str]] = {}
    for j in np.flatnonzero(never):  # a loop over the satellites left out (a few)
        counts = _count(np.where(observed[:, j], reason[:, j], ""))
        why = max(counts, key=counts.get) if counts else "no usable orbit or clock"
        by_reason.setdefault(why, []).append(str(svs[j]))
    for why, names in by_reason.items():
        hint = _UNUSABLE_HINTS.get(why)
        warn.append(f"{len(names)} satellite(s) observed on both frequencies but never used ({why}): {', '.join(names)}"
                    + (f"; {hint}" if hint else ""))
        warnings.warn(warn[-1], stacklevel=5)


def _note_bds3_fallback(dual, obs, warn) -> None:
    """Warn when B1C/B2a were asked for and no BDS-3 satellite has them (all stay on B1I/B3I)."""
    bds3 = [str(sv) for sv in dual.sv if is_bds3(str(sv))]
    if bds3 and not any(dual.signals[sv].startswith("C1") for sv in bds3):
        warn.append(f"{obs.attrs.get('path', 'the observations')}: no BDS-3 satellite has B1C and B2a code and phase "
                    "(C1X/C1P/C1D and C5X/C5P/C5D): every BeiDou satellite stays on B1I/B3I")
        warnings.warn(warn[-1], stacklevel=5)


def _inter_signal_groups(svs, bands, no_osb=frozenset()):
    """((S,) group index, -1 none; group names): satellites whose code pair is not their system's clock
    pair (BDS-3 on B1C/B2a) share one receiver inter-signal code bias per (system, pair) (filter.py).
    With OSBs given, the satellites the file has none for (``no_osb``) form their own group: their codes
    still carry the satellites' differential biases (metres), the corrected ones only the receiver's."""
    pair = np.array([f"{str(sv)[0]} {b[0]}/{b[1]}" for sv, b in zip(svs, bands)])
    other = pair != np.array([f"{str(sv)[0]} {'/'.join(BANDS[str(sv)[0]])}" for sv in svs])
    keys = np.array([f"{p} no OSB" if str(sv) in no_osb else p for sv, p in zip(svs, pair)])
    names = sorted(set(keys[other]))
    group = np.array([names.index(k) if o else -1 for k, o in zip(keys, other)], dtype=int)
    return group, names


def _final_isb(out, names) -> dict | None:
    """{group: last estimate (m)} of the receiver inter-signal code biases, None without any."""
    if not names or out.isb_m is None:
        return None
    values = {}
    for k, name in enumerate(names):
        finite = out.isb_m[:, k][np.isfinite(out.isb_m[:, k])]
        values[name] = round(float(finite[-1]), 4) if finite.size else None
    return values


def _ocean_loading(blq, obs, approx, times, warn):
    """((T, 3) ECEF ocean-loading displacement (m), note) of the station from a BLQ file (0 without)."""
    if not blq:
        return 0.0, "not modelled (no BLQ file given)"
    station = str(obs.attrs.get("marker_name", "") or "").strip()[:4] or Path(str(obs.attrs.get("path", ""))).name[:4]
    try:
        site = blq_site(blq, station, near_xyz_m=approx)
    except StationNotInFile as exc:
        warn.append(f"{exc}: ocean loading not applied")
        warnings.warn(warn[-1], stacklevel=4)
        return 0.0, "not applied (station not in the BLQ file)"
    ocean = ocean_loading_ecef_m(site, approx, Time(times))
    whose = site.name if site.name == station.upper() else f"{site.name}'s coefficients for {station.upper()} (nearby)"
    return ocean, (f"{whose} from {Path(site.path).name} (line {site.line}), IERS 2010 7.1.2, 11 tides with "
                   f"nodal modulation; up to {1e3 * float(np.abs(ocean).max()):.1f} mm over the data")


def _handovers(served_by, usable):
    """(T, S) bool: the cell's centre differs from the one that served the satellite's previous usable
    cell (a real handover; gaps and unusable cells in between do not count)."""
    _, code = np.unique(served_by, return_inverse=True)
    code = np.where(usable, code.reshape(served_by.shape), -1)
    rows = np.where(code >= 0, np.arange(code.shape[0])[:, None], -1)
    last_row = np.maximum.accumulate(rows, axis=0)  # forward fill of the last usable cell per satellite
    previous = np.vstack([np.full((1, code.shape[1]), -1), last_row[:-1]])
    before = np.where(previous >= 0, np.take_along_axis(code, np.maximum(previous, 0), axis=0), -1)
    return (code >= 0) & (before >= 0) & (code != before)


def _split_at_centre_changes(arc, served_by):
    """A satellite handed from one analysis centre to another (product ends) starts a new arc: the
    centres' orbits and clocks differ by centimetres to decimetres, which a kept ambiguity would absorb
    into the position."""
    names, code = np.unique(served_by, return_inverse=True)
    code = code.reshape(served_by.shape)
    return np.where(arc >= 0, arc * (len(names) + 1) + code, -1)


def _user_receiver(antenna, offsets):
    table = {("G", str(band)): np.asarray(neu, float) for band, neu in offsets.items()}
    return ReceiverAntenna(antenna, "", antenna, "", "user", "offsets given by the caller (GPS bands, all systems)", table)


def _apply_code_biases(dual, bias, when, warn) -> dict:
    """Bias-SINEX OSB: codes other than the clock reference pair made consistent with it (in place).

    A file whose validity does not cover the observations is used at its nearest covered instant, with a
    warning naming it and the distance in days, and ``stale`` in the note (the SPP's rule,
    :func:`lodestar.positioning.osb.osb_lookup_time`): satellite code biases are stable to a few tenths of
    a ns over months (Montenbruck, Hauschild & Steigenberger 2014, Navigation 61:191, as cited there), while
    leaving a B1C/B2a code uncorrected leaves metres (WTZZ: the IF DCB is -20 ns, -6 m, on C19)."""
    if not bias:
        return {}
    items = [bias] if isinstance(bias, (str, Path)) else list(bias)
    tables = [read_bias(b) if isinstance(b, (str, Path)) else b for b in items]
    stale_warnings: list = []
    at = [osb_lookup_time(table, np.datetime64(when, "ns"), stale_warnings) for table in tables]
    for text in stale_warnings:
        warn.append(f"Bias-SINEX {text}")
        warnings.warn(warn[-1], stacklevel=4)
    d1, d2, missing = code_bias_corrections_m(tables, dual, at)
    dual.p1_m[:] -= d1[None, :]
    dual.p2_m[:] -= d2[None, :]
    if missing:
        warn.append(f"Bias-SINEX has no value for {len(missing)} satellite code(s) (e.g. "
                    f"{next(iter(missing.items()))[0]}: {next(iter(missing.values()))}): those codes left as observed")
    return {"applied_m": {str(sv): [round(float(a), 4), round(float(b), 4)] for sv, a, b in zip(dual.sv, d1, d2)
                          if a or b}, "missing": missing, "stale": stale_warnings,
            "looked_up_at": [str(t)[:19] for t in at]}


def _dominant_reason(reasons) -> np.ndarray:
    """(T,) the most frequent reason why observed satellites are unusable at each epoch ("" none)."""
    out = np.full(reasons.shape[0], "", dtype=object)
    rows = np.flatnonzero((reasons != "").any(axis=1))
    for t in rows:  # only epochs with unusable satellites (few): a per-epoch tally of strings
        names, counts = np.unique(reasons[t][reasons[t] != ""], return_counts=True)
        out[t] = f"{counts.max()} satellite(s): {names[np.argmax(counts)]}"
    return out


def _count(values) -> dict:
    values = np.asarray(values)
    values = values[values != ""]  # most cells have no reason: sort only the others
    names, counts = np.unique(values.astype(str), return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts) if n}


def _subset(dual, keep):
    return replace(dual, sv=dual.sv[keep], p1_m=dual.p1_m[:, keep], p2_m=dual.p2_m[:, keep], l1_m=dual.l1_m[:, keep],
                   l2_m=dual.l2_m[:, keep], f1_hz=dual.f1_hz[keep], f2_hz=dual.f2_hz[keep], lli=dual.lli[:, keep],
                   signals={sv: dual.signals[sv] for sv in dual.sv[keep]})


#: A satellite whose code the filter refused at more than this share of the epochs it was offered (usable,
#: above the mask; at least _MIN_EPOCHS of them) is named: its code and the products disagree by more than the
#: 30-m gate or the post-fit test for good (a clock or orbit step in the products, a receiver's bad code
#: channel). A healthy satellite's code is refused at a few epochs at most.
_REFUSED_CODE_SHARE = 0.2
_MIN_EPOCHS = 10
#: Share of the used satellite-epochs that start a new arc above which the run says that the carrier phase
#: hardly counts (loss of lock or slips flagged everywhere): the solution is then close to code-only.
_NEW_ARC_SHARE = 0.5


def _usage_warnings(prep, out, mask_rad: float) -> list[str]:
    """What the filter could not use, said after the (forward) run: satellites whose code was refused at most
    epochs, and a run whose phases restart their arcs at most epochs."""
    notes = []
    # offered: in an arc (so with orbit, clock and both codes: arc >= 0 implies side.valid), above the mask, at an
    # updated epoch; a NaN post-fit code there is a code the filter refused (gate or post-fit test)
    offered = (prep.arc >= 0) & out.updated[:, None] & (out.elevation_rad >= mask_rad)
    code_refused = offered & ~np.isfinite(out.code_res)
    used = offered.sum(axis=0)
    refused = code_refused.sum(axis=0)
    bad = (used >= _MIN_EPOCHS) & (refused > _REFUSED_CODE_SHARE * used)
    if bad.any():
        times = np.asarray(prep.times_ns, "datetime64[s]")
        named = ", ".join(f"{prep.svs[j]} at {refused[j]} of {used[j]} epochs, from "
                          f"{times[np.argmax(code_refused[:, j])]}" for j in np.flatnonzero(bad))
        notes.append(f"code refused by the filter (more than 30 m off the model, or the post-fit test, and its phase "
                     f"too where a restart could not bring it in line): {named} (a clock or orbit step in the "
                     "products, or a bad code channel?)")
    arc = prep.arc
    starts = np.zeros(arc.shape, bool)
    starts[0] = arc[0] >= 0
    starts[1:] = (arc[1:] >= 0) & (arc[1:] != arc[:-1])
    cells = int((arc >= 0).sum())
    if cells and starts.sum() > _NEW_ARC_SHARE * cells:
        notes.append(f"{100 * starts.sum() / cells:.0f} % of the usable satellite-epochs start a new phase arc (loss "
                     "of lock flags, cycle slips, gaps): the carrier phase adds little, the solution is close to "
                     "code-only")
    return notes


def _screen_codes(dual, side, times, warn):
    """Codes no satellite and no near-Earth receiver can produce (0, negative, 1e9 m; the bounds of
    ``positioning/screening.py``, as ``solve`` uses them), band by band, set aside before the arcs: such a
    cell has no ionosphere-free code, so it neither starts an arc from a wrong ambiguity nor moves a
    position. Returns the observations without them and ``{"screened_cells", "screened"}`` (examples)."""
    bad = np.zeros(dual.p1_m.shape, bool)
    for code in (dual.p1_m, dual.p2_m):
        bad |= pseudorange_outside_range(code + side.sat_clock_m, side.sat_xyz)
    bad &= dual.usable
    if not bad.any():
        return dual, {"screened_cells": 0, "screened": []}
    why = "pseudorange outside the geometric range from a near-Earth receiver"
    listed = examples(np.where(bad, why, "").astype(object), bad, dual.sv, times)
    satellites = [str(dual.sv[j]) for j in np.flatnonzero(bad.any(axis=0))]
    more = f" and {len(satellites) - 8} more" if len(satellites) > 8 else ""
    count = int(bad.sum())
    warn.append(f"{count} code observation{'s' if count > 1 else ''} set aside as physically impossible ({why}): "
                f"{', '.join(satellites[:8])}{more}, the first {listed[0]['sv']} at {listed[0]['time']}")
    dual = replace(dual, p1_m=np.where(bad, np.nan, dual.p1_m), p2_m=np.where(bad, np.nan, dual.p2_m))
    return dual, {"screened_cells": int(bad.sum()), "screened": listed}


def _approx_position(obs, eph, times, svs, p_if, warn):
    """The header's APPROX POSITION XYZ; without a usable one (RINEX 3 makes it optional for moving
    receivers), a position from the first epochs' codes and the precise orbits (:mod:`.start`), said in
    the warnings."""
    value = obs.attrs.get("approx_position_m")
    if value is not None:
        value = np.asarray(value, float).reshape(-1)
        if value.size == 3 and np.all(np.isfinite(value)) and 6.0e6 < np.linalg.norm(value) < 6.5e6:
            return value
    path = obs.attrs.get('path', 'the observations')
    start = code_start_position(eph, times, svs, p_if)
    if start is None:
        raise LodestarError(f"{path} has no usable APPROX POSITION XYZ, and no epoch's codes gave one (5 or more "
                            "satellites with orbits and clocks, a fit within 50 m): PPP needs an approximate "
                            "position (within a few km) for its corrections")
    warn.append(f"{path} has no usable APPROX POSITION XYZ: the corrections start from the position of the first "
                f"epochs' codes and precise orbits ({start[0]:.1f}, {start[1]:.1f}, {start[2]:.1f} m)")
    return start


#: What to give when no satellite is usable for a reason other than the products' span.
_UNUSABLE_HINTS = {"no satellite antenna offset known": "give --antex (or --sinex) with the satellites' phase-centre "
                                                        "offsets (the built-in table holds the PRNs of 2020-06-25)"}


def _check_products(side, obs, eph):
    """No usable cell at all: a clear error naming the most frequent reasons (cell counts) and what to give."""
    if side.valid.any():
        return
    reasons = _count(side.reason)
    where = obs.attrs.get("path", "the observations")
    if set(reasons) <= {"satellite not in SP3", "satellite not in any SP3"}:
        raise LodestarError(f"the SP3 files hold none of the satellites asked for in {where}: give a product with "
                            "them (e.g. IAC or CODE MGEX for BeiDou)")
    ranked = sorted(reasons, key=lambda r: -reasons[r])
    listed = "; ".join(f"{r} ({reasons[r]} cells)" for r in ranked[:3])
    if ranked and ranked[0] in _UNUSABLE_HINTS:
        raise LodestarError(f"no satellite of {where} is usable: {listed}: {_UNUSABLE_HINTS[ranked[0]]}")
    raise LodestarError(f"the precise products do not cover {where}: {listed} ({_spans(eph, obs)})")


def _spans(eph, obs) -> str:
    """Each centre's orbit span beside the observations', for the error above (e.g. an SP3 of the eve)."""
    sources = getattr(eph, "sources", None) or []
    fmt = lambda t: str(np.datetime64(t, "s")).replace("T", " ")
    parts = [f"{src.name} orbits run {fmt(src.orbit.times[0])} to {fmt(src.orbit.times[-1])}"
             for src in sources if len(src.orbit.times)]
    times = obs["time"].values
    if not parts or not len(times):
        return "orbit/clock files of another day?"
    return f"{'; '.join(parts)}; the observations run {fmt(times[0])} to {fmt(times[-1])}"


def _reversed(inp):
    rev = replace(inp, times_ns=inp.times_ns[::-1], p_if=inp.p_if[::-1], l_if=inp.l_if[::-1], arc=inp.arc[::-1],
                  sat_xyz=inp.sat_xyz[::-1], sat_clock_m=inp.sat_clock_m[::-1], code_corr_m=inp.code_corr_m[::-1],
                  phase_corr_m=inp.phase_corr_m[::-1], tide_m=inp.tide_m[::-1], day_of_year=inp.day_of_year[::-1],
                  orbit_var_m2=None if inp.orbit_var_m2 is None else inp.orbit_var_m2[::-1],
                  handover=None if inp.handover is None else _handovers_reversed(inp),
                  clock_state_sigma_m=None if inp.clock_state_sigma_m is None else inp.clock_state_sigma_m[::-1])
    return rev


def _handovers_reversed(inp):
    """Handovers seen backwards: a cell whose next usable cell of the satellite was a forward handover."""
    h = inp.handover
    usable = inp.arc >= 0
    rows = np.where(usable, np.arange(h.shape[0])[:, None], h.shape[0])
    next_row = np.minimum.accumulate(rows[::-1], axis=0)[::-1]  # first usable row at or after t
    after = np.vstack([next_row[1:], np.full((1, h.shape[1]), h.shape[0])])
    padded = np.vstack([h, np.zeros((1, h.shape[1]), bool)])
    return (usable & np.take_along_axis(padded, after, axis=0))[::-1]


def _reverse_output(out):
    for name, value in vars(out).items():
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            setattr(out, name, value[::-1].copy())
    return out
