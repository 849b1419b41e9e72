"""Broadcast versus precise: orbit errors in radial / along-track / cross-track, clock, and SISRE.

>>> result = compare_broadcast_precise(broadcast, precise, times, svs)
>>> result["systems"]["R"]["sisre_m"]

Method (Montenbruck et al. 2015, GPS Solutions 19:321–333; Montenbruck et al. 2018, Adv. Space
Res. 61:3020–3038):
- both sources at the same GPST epochs; cells where both are valid;
- orbit difference broadcast − precise in the radial / along-track / cross-track frame of the
  precise state (cross = r × v, inertial velocity);
- clock difference ``c (dt_brd − dt_prec)`` with both clocks on the ionosphere-free reference of
  the precise product (broadcast group delays applied, see :func:`broadcast_clock_on_precise_reference`);
  the periodic relativistic term cancels (neither side contains it, GLONASS broadcast aside: there
  the broadcast's own term is taken off); ``clock_rms_m`` after removing the per-epoch mean over
  the system's satellites (the time-scale and datum offset);
- SISRE per sample ``sqrt(e² + w_ac² (A² + C²))`` with the range error ``e = w_r R − c dt`` from
  which the per-epoch mean of ``e`` over the system's satellites is removed (the common part a
  receiver clock absorbs: time scale, and the system-wide share of the antenna offset), with the
  global-average weights of Montenbruck et al. 2018 table 3: GPS 0.98 / 1/49, GLONASS 0.98 / 1/45,
  Galileo 0.98 / 1/61, BeiDou MEO 0.98 / 1/54, BeiDou IGSO/GEO 0.99 / 1/126.
- Antenna offsets: broadcast orbits refer to an antenna phase centre (all four systems on the
  ESBC data, docs/orbits.md), IGS SP3 to the centre of mass. With ``antenna=True`` (default) the
  precise CoM is moved to the phase centre of the ionosphere-free pair the clocks refer to
  (:data:`CLOCK_PAIRS`) with the offsets of the phase-centre layer
  (:class:`lodestar.models.phase_center.PhaseCentres`: ANTEX > SINEX > published table) and the
  nominal yaw-steering attitude of :mod:`lodestar.orbits.antenna`; ``result["pco"]["satellites"]``
  says which source each satellite's offset came from. Satellites without a known offset keep the
  raw comparison and are listed under ``result["pco"]["not_applied"]`` (``pco_applied`` false per
  satellite). ``pco_m`` (dict sv -> body-frame z offset, m, toward the Earth) overrides the layer
  with a purely radial offset for the satellites it names.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..constants import C_MPS, SYSTEM_CONSTANTS
from ..errors import LodestarError
from ..models.phase_center import PhaseCentres
from ..systems import parse_system_set
from ..time import Time
from .antenna import CLOCK_PAIRS, satellite_pco_ecef_m
from .bounds import set_aside_implausible
from .broadcast import is_beidou_geo
from .table import load_broadcast, load_precise

__all__ = ["SISRE_WEIGHTS", "CLOCK_PAIRS", "compare_broadcast_precise", "rac_frame",
           "broadcast_clock_on_precise_reference", "satellite_pco_ecef_m"]

#: (w_r, w_ac²) per class, Montenbruck et al. 2018 (Adv. Space Res. 61:3020) table 3.
SISRE_WEIGHTS = {"G": (0.98, 1 / 49), "R": (0.98, 1 / 45), "E": (0.98, 1 / 61), "J": (0.99, 1 / 126),
                 "C-MEO": (0.98, 1 / 54), "C-IGSO/GEO": (0.99, 1 / 126)}

# BeiDou B1I and B3I (BDS-SIS-ICD-B1I 3.0; B3I ICD 1.0), for the B1I/B3I ionosphere-free clock
_F_B1I, _F_B3I = 1561.098e6, 1268.52e6
_F_E1, _F_E5A, _F_E5B = 1575.42e6, 1176.45e6, 1207.14e6


def rac_frame(position_m, velocity_mps, omega_e=SYSTEM_CONSTANTS["G"].omega_e_radps):
    """Unit vectors (radial, along, cross), each ``(..., 3)``, from an ECEF state (inertial velocity)."""
    inertial_v = velocity_mps + np.cross([0.0, 0.0, omega_e], position_m)
    radial = position_m / np.linalg.norm(position_m, axis=-1, keepdims=True)
    cross = np.cross(position_m, inertial_v)
    cross /= np.linalg.norm(cross, axis=-1, keepdims=True)
    return radial, np.cross(cross, radial), cross


def broadcast_clock_on_precise_reference(states, svs, precise_clock_signals=None):
    """Broadcast clock (s) moved onto the ionosphere-free reference of IGS-type precise clocks.

    - GPS: af0 refers to L1/L2 P(Y) ionosphere-free already (IS-GPS-200N 20.3.3.3.3.2).
    - Galileo I/NAV: af0 refers to E1/E5b IF; precise clocks (GRG, IAC) to E1/E5a IF:
      ``dt(E1,E5a) = dt(E1,E5b) − BGD(E1,E5b) + BGD(E1,E5a)`` (OS SIS ICD 5.1.5).
    - BeiDou: af0 refers to B3I; ``dt(B1I,B3I IF) = dt − f1² TGD1 / (f1² − f3²)`` (B1I ICD 5.2.4.10).
    - GLONASS: τ_n refers to L1/L2 (ICD 5.1 §3.3.1.7); its built-in relativistic term is removed.
    """
    clock = states.clock_s.copy()
    letters = np.array([sv[0] for sv in svs])
    gd = states.group_delay_s
    e = letters == "E"
    if e.any() and "bgd_e5b_e1_s" in gd:
        clock[:, e] += -gd["bgd_e5b_e1_s"][:, e] + gd["bgd_e5a_e1_s"][:, e]
    c = letters == "C"
    if c.any() and "tgd1_s" in gd:
        clock[:, c] -= _F_B1I**2 / (_F_B1I**2 - _F_B3I**2) * gd["tgd1_s"][:, c]
    return clock


def orbit_class(sv: str, radius_m: float) -> str:
    """``G``, ``R``, ``E``, or a BeiDou class: ``C2-GEO``/``C2-IGSO``/``C2-MEO``/``C3-...`` by PRN and radius.

    BDS-2: C01–C18; BDS-3: C19 and above (C59–C63 are BDS-3 GEOs); IGSO vs MEO by orbit radius.
    """
    if sv[0] != "C":
        return sv[0]
    generation = "C2" if int(sv[1:]) <= 18 else "C3"
    if is_beidou_geo([sv])[0]:
        return f"{generation}-GEO"
    return f"{generation}-IGSO" if radius_m > 35e6 else f"{generation}-MEO"


def _orbit_radius_m(positions):
    """(S,) median orbit radius of each satellite (m); NaN for one without any precise position."""
    with warnings.catch_warnings():  # an all-NaN column is a satellite without positions: no numpy warning
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(np.linalg.norm(positions, axis=-1), axis=0)


def _weights(svs, radius):
    w_r = np.empty(len(svs))
    w_ac = np.empty(len(svs))
    for k, sv in enumerate(svs):
        key = sv[0]
        if key == "C":
            key = "C-IGSO/GEO" if (is_beidou_geo([sv])[0] or radius[k] > 35e6) else "C-MEO"
        w_r[k], w_ac[k] = SISRE_WEIGHTS.get(key, (0.98, 1 / 49))
    return w_r, w_ac


def _rms(values, axis=0):
    count = np.sum(np.isfinite(values), axis=axis)
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, np.sqrt(np.nansum(values**2, axis=axis) / np.maximum(count, 1)), np.nan)


def compare_broadcast_precise(broadcast, precise, times, svs=None, *, antenna: bool = True,
                              pco_m: dict | None = None, phase_centres=None) -> dict:
    """Per-system and per-satellite statistics (JSON-ready dict) of broadcast − precise.

    ``times`` GPST ``Time`` (T,); ``svs`` default: satellites present in both sources;
    ``antenna``: move the precise CoM to the antenna phase centre where the offset is known, with
    ``phase_centres`` (a PhaseCentres; default: the published table only).
    """
    if svs is None:
        svs = [sv for sv in precise.svs if sv in set(broadcast.svs)]
    svs = np.asarray(svs).astype(str)
    times = times if isinstance(times, Time) else Time(times)
    b, implausible = set_aside_implausible(broadcast.states(times, svs))
    p = precise.states(times, svs)
    ok = b.valid & p.valid
    radial, along, cross = rac_frame(p.position_m, p.velocity_mps)
    prec_pos, applied, provenance = _phase_centre(p.position_m, radial, svs, times, antenna, pco_m or {},
                                                  phase_centres)
    radial_shift = np.einsum("tsi,tsi->ts", np.nan_to_num(prec_pos - p.position_m), radial)
    diff = b.position_m - prec_pos
    r = np.where(ok, np.einsum("tsi,tsi->ts", diff, radial), np.nan)
    a = np.where(ok, np.einsum("tsi,tsi->ts", diff, along), np.nan)
    c = np.where(ok, np.einsum("tsi,tsi->ts", diff, cross), np.nan)
    brd_clock = broadcast_clock_on_precise_reference(b, svs) - np.where(
        np.char.startswith(svs, "R")[None, :], _glonass_relativity(b), 0.0)
    dclk_raw = np.where(ok, (brd_clock - p.clock_s) * C_MPS, np.nan)
    dclk = _remove_epoch_mean(dclk_raw, svs)
    radius = _orbit_radius_m(p.position_m)
    w_r, w_ac2 = _weights(svs, radius)
    # one receiver clock absorbs one common offset per system, so the system's satellites must share
    # one reference point: where some lack an antenna offset, SISRE uses the CoM for the whole system
    mixed = _systems_with_partial_pco(svs, applied, ok)
    r_sisre = np.where(np.isin([sv[0] for sv in svs], mixed)[None, :], r + radial_shift, r)
    range_error = _remove_epoch_mean(w_r * r_sisre - dclk_raw, svs)
    sisre = np.sqrt(range_error**2 + w_ac2 * (a**2 + c**2))
    # the same with the radial error of the raw centre of mass (no antenna offset): SISRE is free of
    # the offset only when it is the one the precise clocks were estimated with (see docs/orbits.md)
    range_error_com = _remove_epoch_mean(w_r * (r + radial_shift) - dclk_raw, svs)
    sisre_com = np.sqrt(range_error_com**2 + w_ac2 * (a**2 + c**2))
    result = _summarise(svs, r, a, c, dclk, sisre, ok, sisre_com, applied)
    # why cells were not compared, per side (an empty comparison's error names the main reason)
    result["not_compared"] = {"precise": p.summary()["reasons"], "broadcast": b.summary()["reasons"]}
    result["broadcast_warnings"] = implausible  # damaged navigation records, set aside
    result["classes"] = _class_summary(svs, r, a, c, dclk, sisre, ok, radius, sisre_com, applied)
    for k, sv in enumerate(svs):
        if str(sv) in result["satellites"]:
            result["satellites"][str(sv)]["pco_applied"] = bool(applied[k])
    compared = [str(sv) for sv in svs if str(sv) in result["satellites"]]
    for sv in compared:
        result["satellites"][sv]["pco_source"] = provenance.get(sv, {}).get("source", "not used")
    result["pco"] = {"enabled": bool(antenna or pco_m),
                     "applied": [sv for sv, on in zip(svs, applied) if on and sv in compared],
                     "not_applied": [sv for sv, on in zip(svs, applied) if not on and sv in compared],
                     "source": "phase-centre layer (lodestar.models.phase_center: ANTEX > SINEX > published), "
                               "ionosphere-free offset of the clock pair, nominal yaw steering",
                     "satellites": {sv: provenance[sv] for sv in compared if sv in provenance},
                     "sisre_com_systems": mixed}
    return result


def _systems_with_partial_pco(svs, applied, ok) -> list[str]:
    """System letters in which some but not all compared satellites have an antenna offset."""
    compared = ok.any(axis=0)
    out = []
    for letter in sorted(set(sv[0] for sv in svs)):
        cols = np.char.startswith(svs, letter) & compared
        if applied[cols].any() and not applied[cols].all():
            out.append(letter)
    return out


def _phase_centre(com_m, radial, svs, times, antenna, pco_m, phase_centres):
    """Precise positions moved CoM → phase centre, a per-satellite flag of where that was done, provenance."""
    provenance = {}
    offset = np.full_like(com_m, np.nan)
    if antenna:
        offset, sat = satellite_pco_ecef_m(svs, times, com_m, phase_centres)
        provenance = sat.provenance()
    for k, sv in enumerate(svs):
        if sv in pco_m:  # explicit radial override
            offset[:, k] = -radial[:, k] * pco_m[sv]
            provenance[str(sv)] = {"svn": "", "block": "", "source": "override", "note": "pco_m argument (radial)"}
    # NaN offsets: satellite without a PCO (or CoM itself NaN); those keep the raw comparison
    known = np.isfinite(offset).all(axis=2).any(axis=0)
    return com_m + np.where(np.isfinite(offset), offset, 0.0), known, provenance


def _glonass_relativity(b):
    """−2 r·v/c² of the broadcast state (GLONASS τ_n contains it; precise clocks do not)."""
    return -2.0 * np.einsum("tsi,tsi->ts", b.position_m, b.velocity_mps) / C_MPS**2


def _remove_epoch_mean(values, svs):
    """Subtract, per epoch and system, the mean over the system's satellites (NaN with fewer than 2)."""
    out = np.full_like(values, np.nan)
    for letter in sorted(set(sv[0] for sv in svs)):
        cols = np.char.startswith(svs, letter)
        block = values[:, cols]
        count = np.sum(np.isfinite(block), axis=1, keepdims=True)
        mean = np.nansum(block, axis=1, keepdims=True) / np.maximum(count, 1)
        out[:, cols] = np.where(count >= 2, block - mean, np.nan)
    return out


def _stats(r, a, c, dclk, sisre, n_epochs, sisre_com=None) -> dict:
    orbit = np.sqrt(r**2 + a**2 + c**2)
    extra = {} if sisre_com is None else {"sisre_com_m": float(_rms(sisre_com.ravel()))}
    return {**extra, 
        "epochs": int(n_epochs), "orbit_3d_rms_m": float(_rms(orbit.ravel())),
        "radial_rms_m": float(_rms(r.ravel())), "along_rms_m": float(_rms(a.ravel())),
        "cross_rms_m": float(_rms(c.ravel())), "radial_mean_m": float(np.nanmean(r)) if np.isfinite(r).any() else np.nan,
        "clock_rms_m": float(_rms(dclk.ravel())), "sisre_m": float(_rms(sisre.ravel())),
    }


def _class_summary(svs, r, a, c, dclk, sisre, ok, radius, sisre_com, applied) -> dict:
    classes = np.array([orbit_class(sv, rad) for sv, rad in zip(svs, radius)])
    out = {}
    for name in sorted(set(classes[ok.any(axis=0)])):
        cols = (classes == name) & ok.any(axis=0)
        entry = _stats(r[:, cols], a[:, cols], c[:, cols], dclk[:, cols], sisre[:, cols], 0, sisre_com[:, cols])
        entry.pop("epochs")
        out[str(name)] = {"sats": int(cols.sum()), "pco_sats": int((cols & applied).sum()), **entry}
    return out


def _summarise(svs, r, a, c, dclk, sisre, ok, sisre_com, applied) -> dict:
    satellites = {}
    for k, sv in enumerate(svs):
        if ok[:, k].any():
            satellites[str(sv)] = _stats(r[:, k], a[:, k], c[:, k], dclk[:, k], sisre[:, k], ok[:, k].sum(),
                                         sisre_com[:, k])
    systems = {}
    for letter in sorted(set(sv[0] for sv in svs), key="GRECJIS".index):
        cols = np.char.startswith(svs, letter) & ok.any(axis=0)
        if not cols.any():
            continue
        entry = _stats(r[:, cols], a[:, cols], c[:, cols], dclk[:, cols], sisre[:, cols], ok[:, cols].sum(),
                       sisre_com[:, cols])
        entry["sats"] = int(cols.sum())
        entry["pco_sats"] = int((cols & applied).sum())
        entry.pop("epochs")
        entry["samples"] = int(ok[:, cols].sum())
        systems[letter] = entry
    return {"systems": systems, "satellites": satellites}


def sisre_from_files(nav_paths, sp3_paths, clk_paths=(), *, systems="G+R+E+C", step_s: float = 300.0,
                     antenna: bool = True, antex=(), sinex=()) -> dict:
    """:func:`compare_broadcast_precise` over the whole span of the SP3 files, every ``step_s``.

    ``antex`` / ``sinex``: phase-centre sources (paths) in priority order; the published table after them.
    """
    letters = parse_system_set(systems)
    if not step_s or step_s <= 0:
        raise LodestarError(f"the comparison step must be a positive number of seconds, got {step_s}")
    broadcast = load_broadcast(nav_paths)
    precise = load_precise(sp3_paths, clk_paths, systems=letters)
    first, last = precise.times[0], precise.times[-1]
    step = np.timedelta64(int(round(step_s * 1e9)), "ns")
    times = Time(np.arange(first, last + step // 2, step))
    common = set(broadcast.svs)
    svs = [sv for sv in precise.svs if sv in common and sv[0] in letters]
    result = compare_broadcast_precise(broadcast, precise, times, svs, antenna=antenna,
                                       phase_centres=PhaseCentres(antex=antex, sinex=sinex))
    result["span"] = {"from": str(np.datetime_as_string(first, "s")), "to": str(np.datetime_as_string(last, "s")),
                      "step_s": step_s}
    result["warnings"] = list(precise.warnings)  # the products' own (screened clocks, centres apart, too short)
    result["unusable_centres"] = list(precise.unusable_centres.values())
    return result
