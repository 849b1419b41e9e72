"""Everything of a single-point solution that does not depend on the system set or the mask.

:func:`prepare` reads the files (or takes pre-read objects), picks a code per satellite, computes
each satellite's state at its transmit time and applies the satellite clock, the relativistic
term and the signal's group delay once. :func:`lodestar.positioning.solve` can then be called
many times on the result (every system set, every elevation mask) at the cost of the estimator
alone: this is the cache ``lodestar compare`` relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..constants import C_MPS
from ..errors import LodestarError, NoEphemerisError
from ..io.rinex_nav import load_nav
from ..io.rinex_obs import read_obs
from ..orbits import BroadcastEphemeris
from ..systems import SYSTEM_NAMES, SYSTEM_ORDER
from ..time import Time
from . import observables, screening
from .smoothing import hatch_smooth_prepared

__all__ = ["Prepared", "prepare", "observation_codes", "SUPPORTED_SYSTEMS"]

SUPPORTED_SYSTEMS = "GREC"
IONO_MODES = ("klobuchar", "nequick", "iflc", "off")
_NOMINAL_TRAVEL_S = 0.075  # placeholder transmit offset for cells without a pseudorange (never used)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Satellite-side corrected pseudoranges and positions on the epochs x satellites grid."""

    time: np.ndarray  # (T,) datetime64[ns] GPST, receiver epochs
    sv: np.ndarray  # (S,)
    pseudorange_m: np.ndarray  # (T, S) code (or iono-free) + c * (dts + relativity - group delay)
    sat_xyz: np.ndarray  # (T, S, 3) ECEF at transmit time (Earth rotation not yet applied)
    usable: np.ndarray  # (T, S) bool: observed, and the orbit layer gave a valid state
    frequency_hz: np.ndarray  # (T, S) carrier frequency of the code (NaN for iono-free)
    code: np.ndarray  # (T, S) RINEX code used ("C1C", "C2I+C6I" for iono-free, "" none)
    iono_mode: str
    iono: dict  # broadcast coefficients from the navigation header(s)
    approx_xyz: np.ndarray | None  # (3,) header APPROX POSITION XYZ or None
    antenna_hen_m: np.ndarray  # (3,) ANTENNA: DELTA H/E/N
    source: str  # "broadcast" or "precise"
    meta: dict = field(default_factory=dict)

    def subset(self, columns) -> "Prepared":
        columns = np.asarray(columns)
        return replace(self, sv=self.sv[columns], pseudorange_m=self.pseudorange_m[:, columns],
                       sat_xyz=self.sat_xyz[:, columns], usable=self.usable[:, columns],
                       frequency_hz=self.frequency_hz[:, columns], code=self.code[:, columns])


def observation_codes(systems, iono="klobuchar", priority=None, smoothing_s=None, selection=None):
    """The RINEX codes :func:`prepare` can use for these options (``read_obs(codes=...)``), or None = all.

    Pseudoranges of the priority lists (or the iono-free pairs), the matching carrier phases when
    smoothing; every code under an SNR mask (it looks at each code's own C/N0). Reading only
    these is ~3x faster than reading every field of a multi-frequency file (bench_spp.py).
    """
    if selection is not None and selection.snr_mask_dbhz is not None:
        return None
    if iono == "iflc":
        lists = [first + second for first, second in observables.IFLC_PAIRS.values()]
    else:
        merged = dict(observables.DEFAULT_PRIORITY)
        merged.update(priority or {})
        lists = [merged.get(s, ()) for s in systems]
    codes = {code for group in lists for code in group}
    if smoothing_s:
        codes |= {"L" + code[1:] for code in codes}
    return codes


def _read_inputs(obs, nav, sp3, clk, systems, codes=None):
    """Paths / lists of paths -> Dataset, NavData, ephemeris object."""
    if isinstance(obs, (str, Path)):
        obs = read_obs(obs, systems=tuple(systems), codes=codes)  # only what is asked for: less memory, faster
    if sp3 is not None:
        from .precise_inputs import precise_ephemeris  # precise-product modules only when asked for

        return obs, _read_nav(nav, systems), precise_ephemeris(sp3, clk, obs, systems), "precise"
    nav = _read_nav(nav, systems)
    if nav is None:
        raise NoEphemerisError("single-point positioning needs navigation data: give --nav FILE (or sp3=)")
    return obs, nav, BroadcastEphemeris(nav), "broadcast"


def _read_nav(nav, systems):
    if nav is None:
        return None
    # only the systems asked for: the records of the others are skipped unread (faster)
    return load_nav(nav, systems=systems)


def _header_vector(obs, name):
    value = obs.attrs.get(name)
    if value is None:
        return None
    value = np.asarray(value, dtype=float).reshape(-1)
    return value if value.size == 3 and np.all(np.isfinite(value)) else None


def _glonass_channels(obs, eph, svs):
    channels = {}
    channels.update(dict(obs.attrs.get("glonass_channels") or {}))
    channels.update(getattr(eph, "glonass_channels", {}) or {})  # the broadcast record wins
    return np.array([channels.get(sv, np.nan) if sv[0] == "R" else np.nan for sv in svs], dtype=float)


def _choose_svs(obs, systems):
    svs = np.asarray(obs["sv"].values).astype(str)
    return svs[np.array([sv[0] in systems for sv in svs], dtype=bool)]


def prepare(obs, nav=None, *, systems=SUPPORTED_SYSTEMS, iono="klobuchar", sp3=None, clk=None,
            priority=None, smoothing_s=None, selection=None, antex=None, sinex=None, bias=None) -> Prepared:
    """Read and pre-correct the observations of ``systems`` (letters) for :func:`solve`.

    ``obs``: path or Dataset (``lodestar.io.rinex_obs.read_obs``); ``nav``: path(s) or NavData;
    ``sp3``/``clk``: precise products (path(s) or Datasets) replacing broadcast orbits and clocks.
    ``priority``: ``{"R": ("C1P", "C1C"), ...}`` overrides :data:`observables.DEFAULT_PRIORITY`.
    ``smoothing_s``: Hatch carrier-smoothing window in seconds (None = raw code).
    ``selection``: an :class:`~lodestar.positioning.selection.ObservationSelection` (time window,
    decimation, SNR mask, excluded satellites), applied to the observations before anything else.
    ``antex``/``sinex``: phase-centre sources for precise orbits (:mod:`.precise_inputs`; the
    published values when none); with broadcast orbits they serve the receiver antenna alone (its
    PCO/PCV; the broadcast satellite positions are phase centres already); ``bias``: Bias-SINEX file(s) whose OSB code biases are applied.
    """
    if iono not in IONO_MODES:
        raise LodestarError(f"iono must be one of {', '.join(IONO_MODES)}, not {iono!r}")
    systems = "".join(s for s in SYSTEM_ORDER if s in systems and s in SUPPORTED_SYSTEMS)
    codes = observation_codes(systems, iono, priority, smoothing_s, selection)
    obs, nav, eph, source = _read_inputs(obs, nav, sp3, clk, systems, codes)
    obs = _selected(obs, selection)
    if obs.attrs.get("format", "RINEX OBS") != "RINEX OBS":
        raise LodestarError(f"{obs.attrs.get('path', 'input')} is not an observation file")
    svs = _choose_svs(obs, systems)
    if svs.size == 0:
        raise LodestarError(no_satellites_message(obs, systems))
    channels = _glonass_channels(obs, eph, svs)
    merged_priority = dict(observables.DEFAULT_PRIORITY)
    merged_priority.update(priority or {})
    if iono == "iflc":
        pseudorange, code, freq, delays = _iono_free_codes(obs, svs, channels)
        _check_iono_free_pairs(systems, svs, code, obs)
    else:
        pseudorange, code, freq, delays = _single_codes(obs, svs, channels, merged_priority)
    if smoothing_s:
        pseudorange = hatch_smooth_prepared(obs, svs, channels, pseudorange, code, smoothing_s, iono)
    t_rx = np.asarray(obs["time"].values, dtype="datetime64[ns]")
    st, corrected, sat_xyz, precise_meta = _satellite_side(
        obs, nav, eph, source, svs, channels, t_rx, pseudorange, code, delays, antex=antex, sinex=sinex, bias=bias)
    usable = st.valid & np.isfinite(corrected) & np.all(np.isfinite(sat_xyz), axis=-1)
    _check_navigation(systems, svs, st, code != "", usable, sp3 if source == "precise" else nav, obs)
    if iono == "nequick":  # every system takes Galileo's NeQuick-G: its coefficients must be there
        _nequick_coefficients(nav, getattr(nav, "iono", None))
    meta = {"obs_path": str(obs.attrs.get("path", "")), "nav_path": str(getattr(nav, "path", "") or ""),
            "marker_name": obs.attrs.get("marker_name", ""),
            "orbit_reasons": _observed_without_orbit(st, pseudorange),
            "observed_cells": int(np.isfinite(pseudorange).sum()),
            "smoothing_s": smoothing_s or 0, "systems": systems,
            "glonass_channels": {sv: float(k) for sv, k in zip(svs, channels) if np.isfinite(k)}, **precise_meta}
    # absurd values out
    usable, meta["notes"] = screening.screen(svs, t_rx, corrected, sat_xyz, st.clock_s, usable, obs,
                                             record_line=getattr(st, "record_line", None))
    if getattr(nav, "warnings", None):  # navigation records set aside by the reader (io/rinex_nav.py)
        meta["notes"]["navigation_records_left_out"] = list(nav.warnings)
    if source == "broadcast" and getattr(eph, "warnings", None):  # duplicates that differ (orbits/broadcast.py)
        meta["notes"]["navigation_conflicts"] = list(eph.warnings)
    return Prepared(time=t_rx, sv=svs, pseudorange_m=corrected, sat_xyz=sat_xyz, usable=usable,
                    frequency_hz=freq, code=code, iono_mode=iono, iono=dict(getattr(nav, "iono", {}) or {}),
                    approx_xyz=_header_vector(obs, "approx_position_m"),
                    antenna_hen_m=_header_vector(obs, "antenna_delta_hen_m") if _header_vector(
                        obs, "antenna_delta_hen_m") is not None else np.zeros(3),
                    source=source, meta=meta)


def _satellite_side(obs, nav, eph, source, svs, channels, t_rx, pseudorange, code, delays, *, antex, sinex, bias):
    """Satellite states at transmit time and the pseudoranges corrected for the satellite clock, relativity and
    group delay (and, with precise products, phase centres and code biases): (states, corrected pseudoranges,
    satellite positions at the true transmit time, precise-product notes)."""
    travel = np.where(np.abs(pseudorange) < C_MPS, pseudorange / C_MPS, _NOMINAL_TRAVEL_S)  # absurd: screening.py
    t_tx = t_rx[:, None] - (travel * 1e9).astype("timedelta64[ns]")
    # only the observed cells are computed (the others are never used)
    cells = {"cells": np.isfinite(pseudorange)}
    st, served = (eph.states_and_sources(Time(t_tx), list(svs), **cells) if source == "precise"
                  else (eph.states(Time(t_tx), list(svs), **cells), None))
    clock_total = st.clock_s + np.nan_to_num(st.relativity_s)
    group_delay = st.group_delay_s
    if source == "precise":
        group_delay = _nav_group_delays(nav, svs, pseudorange.shape[0])
    group = delays(group_delay, pseudorange.shape)
    if source == "precise":
        group = group - _precise_reference_delay(svs, channels, group_delay, pseudorange.shape)
    corrected = pseudorange + C_MPS * (clock_total - group)
    # move each satellite from t_rx - P/c to the true transmit time (P/c already contains -dts)
    sat_xyz = st.position_m - st.velocity_mps * clock_total[..., None]
    precise_meta = {}
    if source == "precise":
        from .precise_inputs import precise_corrections

        corrected, sat_xyz, precise_meta = precise_corrections(
            eph, st, served, corrected, sat_xyz, code, svs, t_tx, obs, antex=antex, sinex=sinex, bias=bias,
            group_s=group, nav=nav, pseudorange_m=pseudorange)
    elif antex or sinex:  # broadcast: the satellite side is at the phase centre already, the receiver's is not
        corrected, precise_meta = _broadcast_receiver_antenna(corrected, sat_xyz, code, svs, obs, antex, sinex)
    return st, corrected, sat_xyz, precise_meta


def _nequick_coefficients(nav, iono):
    from ..models.nequick import galileo_coefficients

    where = f"navigation header of {nav.path}" if getattr(nav, "path", None) else "navigation data (none given)"
    return galileo_coefficients(iono or {}, where)


def _broadcast_receiver_antenna(corrected, sat_xyz, code, svs, obs, antex, sinex):
    """Broadcast orbits with ``antex``/``sinex``: the receiver antenna's PCO/PCV (phase_centres.py)."""
    from .phase_centres import apply_receiver_antenna
    from .precise_inputs import _approx, _as_list

    corrected, receiver = apply_receiver_antenna(
        pseudorange_m=corrected, sat_xyz=sat_xyz, codes=code, svs=svs, approx_xyz=_approx(obs),
        antenna=str(obs.attrs.get("antenna", "") or ""), antex=_as_list(antex), sinex=_as_list(sinex))
    return corrected, {"receiver_antenna": receiver}


def _selected(obs, selection):
    """The observations a :class:`~lodestar.positioning.selection.ObservationSelection` keeps (all if None)."""
    return obs if selection is None else selection.apply(obs)


def _frequencies(code_name, svs, channels):
    """(T, S) carrier frequency of each chosen code (NaN where none)."""
    freq = np.full(code_name.shape, np.nan)
    for j, sv in enumerate(svs):
        names = code_name[:, j]
        for name in set(names) - {""}:
            channel = channels[j] if sv[0] == "R" else None
            if sv[0] == "R" and not np.isfinite(channel) and name[1] in "12":
                continue  # FDMA channel unknown: frequency unknown, the cell stays unusable
            freq[names == name, j] = observables.code_frequency_hz(name, sv[0], channel)
    return freq


def _single_codes(obs, svs, channels, priority):
    pseudorange, code_name = observables.select_codes(obs, svs, priority)
    freq = _frequencies(code_name, svs, channels)
    pseudorange = np.where(np.isfinite(freq), pseudorange, np.nan)

    def delays(group_delay, shape):
        out = np.zeros(shape)
        for j, sv in enumerate(svs):
            names = code_name[:, j]
            for name in set(names) - {""}:
                rows = names == name
                column = {k: v[:, j] for k, v in group_delay.items()}
                out[rows, j] = observables.signal_group_delay_s(sv[0], name, column, shape[0])[rows]
        return out

    return pseudorange, code_name.astype(str), freq, delays


def _iono_free_codes(obs, svs, channels):
    p1, name1 = observables.select_codes(obs, svs, {k: v[0] for k, v in observables.IFLC_PAIRS.items()})
    p2, name2 = observables.select_codes(obs, svs, {k: v[1] for k, v in observables.IFLC_PAIRS.items()})
    f1 = _frequencies(name1, svs, channels)
    f2 = _frequencies(name2, svs, channels)
    pseudorange = observables.iono_free(p1, p2, f1, f2)
    code = np.where((name1 != "") & (name2 != ""), name1.astype(str) + "+" + name2.astype(str), "")

    def delays(group_delay, shape):
        out = np.zeros(shape)
        for j, sv in enumerate(svs):
            column = {k: v[:, j] for k, v in group_delay.items()}
            pairs = set(zip(name1[:, j], name2[:, j]))
            for a, b in pairs:
                if not a or not b:
                    continue
                rows = (name1[:, j] == a) & (name2[:, j] == b)
                d1 = observables.signal_group_delay_s(sv[0], a, column, shape[0])
                d2 = observables.signal_group_delay_s(sv[0], b, column, shape[0])
                out[rows, j] = observables.iono_free(d1, d2, f1[:, j], f2[:, j])[rows]
        return out

    return pseudorange, code, np.full(pseudorange.shape, np.nan), delays


def _check_iono_free_pairs(systems, svs, code, obs):
    """``iono="iflc"``: a requested system none of whose satellites has the pair of ``IFLC_PAIRS`` is a clear
    user error naming the pair and the codes the file has (a GPS L1/L5 smartphone: C1C C5Q, no L2), not a
    run of "insufficient" epochs."""
    letters = np.array([str(sv)[0] for sv in svs])
    for system in systems:
        cols = letters == system
        if not cols.any() or (code[:, cols] != "").any():
            continue
        first, second = observables.IFLC_PAIRS[system]
        have = [c for c in (obs.attrs.get("obs_codes") or {}).get(system, []) if c.startswith("C")]
        name = SYSTEM_NAMES[system]
        raise NoEphemerisError(
            f"--iono iflc: no {name} satellite of {obs.attrs.get('path', 'the observations')} has the "
            f"ionosphere-free pair ({' or '.join(first)} with {' or '.join(second)}); its {name} codes are "
            f"{' '.join(have) or 'none'}: drop {system} from the systems, or use --iono klobuchar or nequick",
            system=system)


def _check_navigation(systems, svs, st, observed, usable, orbit_source, obs):
    """A requested system that is observed but never usable is a clear user error, with the reason."""
    letters = np.array([sv[0] for sv in svs])
    for system in systems:
        cols = letters == system
        if not cols.any() or not observed[:, cols].any() or usable[:, cols].any():
            continue
        name = SYSTEM_NAMES[system]
        where = obs.attrs.get("path", "the observations")
        if np.asarray(st.valid)[:, cols].any():  # orbits exist: the signal frequency is what is missing
            raise NoEphemerisError(
                f"{name} is observed in {where} but no satellite's FDMA frequency channel is known: give "
                "navigation data with GLONASS records (or a header with GLONASS SLOT / FRQ #)", system=system)
        reasons = sorted(set(np.asarray(st.reason)[:, cols].ravel()) - {""})
        raise NoEphemerisError(
            f"no usable {name} orbit for any epoch of {where} from {_describe(orbit_source)}: "
            f"{'; '.join(reasons[:3]) or 'unknown'} ({_coverage(orbit_source, system, obs)})",
            system=system,
        )


def _span_text(times) -> str:
    times = np.asarray(times, "datetime64[s]")
    return f"{times.min()} to {times.max()}".replace("T", " ")


def _coverage(orbit_source, system, obs) -> str:
    """What the navigation data hold of ``system`` against the observations' span, for the error above."""
    records = getattr(orbit_source, "records", None)
    name = SYSTEM_NAMES[system]
    observed = f"the observations run {_span_text(obs['time'].values)} GPST" if obs.sizes.get("time") else ""
    if records is None:  # precise products or several sources: their spans are in their own errors
        return "orbit data for another day, or without this system?"
    table = records.get(system)
    if table is None or len(table) == 0 or "toc" not in table.columns:
        return f"the navigation data hold no {name} records; {observed}".rstrip("; ")
    count = table["sv"].nunique() if "sv" in table.columns else None
    held = f" ({count} satellite{'s' * (count != 1)})" if count is not None else ""
    return f"its {name} records{held} run {_span_text(table['toc'].to_numpy())}; {observed}".rstrip("; ")


def no_satellites_message(obs, systems) -> str:
    """The observations hold none of the systems asked for: which file, what it declares, what to ask for."""
    from ..io.headers import obs_header_systems

    path = obs.attrs.get("path", "")
    asked = ", ".join(SYSTEM_NAMES[s] for s in systems)
    try:
        declared = obs_header_systems(path) if path else ""
    except LodestarError:
        declared = ""
    message = f"{path or 'the observations'} has no {asked} satellites"
    if declared:
        names = ", ".join(SYSTEM_NAMES.get(s, s) for s in declared)
        # the systems solve and ppp position with, but not those just found missing
        usable = "+".join(s for s in declared if s in "GREC" and s not in systems)
        message += f" (its header declares {names}" + (f": try --systems {usable})" if usable else ")")
    return message


def _observed_without_orbit(st, pseudorange) -> dict:
    """Why observed cells have no orbit: {reason: count} (only over observed cells, which is cheap)."""
    cells = np.isfinite(pseudorange) & ~st.valid
    reasons, counts = np.unique(np.asarray(st.reason)[cells].astype(str), return_counts=True)
    return {str(r): int(c) for r, c in zip(reasons, counts)}


#: The code pair each precise clock product refers to (IGS convention: the iono-free combination
#: of the analysis signals; GPS P1/P2, Galileo E1/E5a, BeiDou B1I/B3I).
PRECISE_CLOCK_REFERENCE = {"G": ("C1W", "C2W"), "E": ("C1C", "C5Q"), "C": ("C2I", "C6I"), "J": ("C1C", "C2L")}


def _nav_group_delays(nav, svs, n_time) -> dict:
    """Per-satellite broadcast group delays (median over the file), as (T, S) arrays; NaN where none."""
    fields = ("tgd_s", "tgd1_s", "tgd2_s", "bgd_e5a_e1_s", "bgd_e5b_e1_s")
    out = {name: np.full((n_time, len(svs)), np.nan) for name in fields}
    records = getattr(nav, "records", {}) if nav is not None else {}
    for system in sorted({sv[0] for sv in svs}):  # one grouped median per system, not per satellite
        table = records.get(system)
        present = [name for name in fields if table is not None and name in table.columns]
        if not present:
            continue
        medians = table.groupby("sv")[present].median()  # NaN-skipping, as np.nanmedian
        for j, sv in enumerate(svs):
            if sv in medians.index:
                for name in present:
                    out[name][:, j] = float(medians.at[sv, name])
    return out


def _precise_reference_delay(svs, channels, group_delay, shape):
    """Delay of the precise clock's reference combination, in the broadcast convention (s)."""
    out = np.zeros(shape)
    for j, sv in enumerate(svs):
        pair = PRECISE_CLOCK_REFERENCE.get(sv[0])
        if pair is None:
            continue
        column = {k: v[:, j] for k, v in group_delay.items()}
        d1 = observables.signal_group_delay_s(sv[0], pair[0], column, shape[0])
        d2 = observables.signal_group_delay_s(sv[0], pair[1], column, shape[0])
        f1 = observables.code_frequency_hz(pair[0], sv[0])
        f2 = observables.code_frequency_hz(pair[1], sv[0])
        out[:, j] = observables.iono_free(d1, d2, f1, f2)
    return out


def _describe(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (list, tuple)):
        return ", ".join(_describe(item) for item in source)
    path = getattr(source, "path", None) or getattr(source, "attrs", {}).get("path")
    return str(path) if path else "the orbit data"
