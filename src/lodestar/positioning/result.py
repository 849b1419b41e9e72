"""The per-epoch solution table: statuses, DOPs, marker position, clocks, as an ``xarray.Dataset``.

Status per epoch (every epoch keeps its row; coordinates are NaN unless ``ok``/``fde``):
``ok`` solved and passed the RAIM test (or had no redundancy to test and a protection level
within the alert limit, ``integrity.py``), ``fde`` solved after excluding satellites,
``insufficient`` fewer satellites than unknowns, ``failed`` did not converge, failed the
integrity test after the allowed exclusions, GDOP above the limit, or (no redundancy) protection
level above the alert limit. The ``reason`` column names the cause.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import xarray as xr

from ..constants import C_MPS
from ..frames import ecef_to_geodetic, enu_matrix
from ..statuses import SOLVED_STATUSES, STATUSES
from ..systems import format_system_set
from ..xarray_build import indexed_coords, variable
from . import estimator, integrity
from .raim import raim_statistic

__all__ = ["build_result", "STATUSES", "SOLVED_STATUSES", "MAX_GDOP"]

MAX_GDOP = 30.0  # RTKLIB's default ``maxgdop``: beyond it a position is mostly geometry noise


def _marker(arp_xyz, antenna_hen_m):
    """Remove ANTENNA: DELTA H/E/N (RINEX 3.05 §5.2: ARP = marker + H up + E east + N north)."""
    lat, lon, _ = ecef_to_geodetic(arp_xyz)
    height, east, north = antenna_hen_m
    offset_enu = np.array([east, north, height])
    rot = enu_matrix(lat, lon)  # rows e, n, u in ECEF
    return arp_xyz - np.einsum("tij,i->tj", rot, offset_enu)


def _status(n_used, needed, converged, failed_test, gdop, excluded_any, protection_m=None, alert_m=np.inf):
    """(status, reason) per epoch; of several reasons the most basic one is given."""
    status = np.full(n_used.shape, "ok", dtype=object)
    status[excluded_any] = "fde"
    protection_m = np.zeros(n_used.shape) if protection_m is None else protection_m
    checks = (  # later entries win: the most basic cause is the one reported
        (~(protection_m <= alert_m), "protection level above alert limit"),
        (~(gdop <= MAX_GDOP), "gdop above limit"),
        (failed_test, "raim test failed"),
        (~converged, "not converged"),
    )
    reason = np.full(n_used.shape, "", dtype=object)
    for bad, text in checks:
        status[bad] = "failed"
        reason[bad] = text
    status[n_used < needed] = "insufficient"
    reason[n_used < needed] = "too few satellites"
    return status, reason


def _orbit_span_reason(sub, status, reason):
    """An epoch short of satellites because precise orbits do not reach it says so (prepare's
    ``outside_span``: observed cells outside every SP3 interpolation window), not "too few satellites"."""
    outside = sub.meta.get("outside_span") or {}
    rows = [outside[sv] for sv in sub.sv if sv in outside]
    if not rows:
        return reason
    span = np.any(rows, axis=0)
    reason = reason.copy()
    reason[(status == "insufficient") & span] = "outside precise orbit span"
    return reason


def _protection_level(sub, problem, it, cons, risk):
    sisre = integrity.broadcast_sisre_m([sv[0] for sv in sub.sv])
    # the estimator's weights already hold its (factor-scaled) broadcast SISRE term: count SISRE once
    factor = problem.factor[:, problem.system_index] if np.ndim(problem.factor) == 2 else \
        np.asarray(problem.factor)[problem.system_index]
    counted = np.broadcast_to(factor**2 * np.asarray(problem.sisre_m, float) ** 2, it.weight.shape)
    with np.errstate(invalid="ignore"):
        q = integrity.position_covariance(it.h, it.weight, sisre, it.covariance, cons.design, it.prior_weight,
                                          counted)
    return integrity.protection_level_m(q, risk)


def build_result(sub, problem, fde, info) -> xr.Dataset:
    it = fde.iterate
    used = it.weight > 0
    n_used = used.sum(axis=1)
    # a system clock tied to another by a session-ISB constraint (isb.py) is no unknown of its own
    needed = 3 + it.present.sum(axis=1) - (it.prior_weight > 0).sum(axis=1)
    xyz_arp = it.state[:, :3]
    with np.errstate(divide="ignore", invalid="ignore"):  # unsolved epochs sit at the geocentre
        lat_a, lon_a, _ = ecef_to_geodetic(np.nan_to_num(xyz_arp))
    cons = estimator.ClockConstraints(np.zeros(it.h.shape[:1] + (it.present.shape[1],) + it.h.shape[2:]),
                                      it.prior_weight, it.prior_residual)
    if problem.clock_prior is not None:
        tied = estimator.clock_constraints(it.present, it.state[:, 3:], *problem.clock_prior)
        cons = replace(cons, design=tied.design)
    gdop, pdop, hdop, vdop, tdop = estimator.dops(it.h, used, it.present, lat_a, lon_a, cons)
    protection = _protection_level(sub, problem, it, cons, info.get("integrity_risk", integrity.DEFAULT_RISK))
    alert = info.get("alert_limit_m", integrity.DEFAULT_ALERT_LIMIT_M)
    stat, dof = raim_statistic(it)
    # RAIM tests every epoch with redundancy; one without has only the predicted bound to go by
    gated = np.where(dof < 1, protection, 0.0) if info.get("gate", "untestable") == "untestable" else protection
    status, reason = _status(n_used, np.maximum(needed, 4), it.converged, fde.failed_test, gdop,
                             fde.excluded.any(axis=1), gated, np.inf if alert is None else alert)
    if it.note is not None:  # the estimator's own reason for an epoch it could not solve (estimator.normal_solve)
        reason = np.where((status == "failed") & (it.note != ""), it.note, reason)
    reason = _orbit_span_reason(sub, status, reason)
    good = np.isin(status, SOLVED_STATUSES)
    xyz = np.where(good[:, None], _marker(np.nan_to_num(xyz_arp), sub.antenna_hen_m), np.nan)
    lat, lon, height = ecef_to_geodetic(xyz)
    excluded = np.array([",".join(sub.sv[row]) for row in fde.excluded], dtype=object)
    rms = np.sqrt(np.where(used, np.nan_to_num(it.residual) ** 2, 0.0).sum(axis=1) / np.maximum(n_used, 1))
    data = {
        "x_m": xyz[:, 0], "y_m": xyz[:, 1], "z_m": xyz[:, 2],
        "lat_deg": lat, "lon_deg": lon, "height_m": height,
        "n_sats": n_used.astype(np.int64), "pdop": pdop, "gdop": gdop, "hdop": hdop, "vdop": vdop, "tdop": tdop,
        "status": status.astype(str), "excluded": excluded.astype(str),
        "residual_rms_m": np.where(good, rms, np.nan), "raim_statistic": np.where(good, stat, np.nan),
        "raim_dof": dof.astype(np.int64), "protection_level_m": protection, "reason": reason.astype(str),
    }
    # position covariance from the solver's own weights (estimator.position_sigmas); NaN unless solved
    data.update(estimator.position_sigmas(np.where(good[:, None, None], it.covariance, np.nan), lat, lon))
    systems = info["systems"]
    clocks = np.where(it.present & good[:, None], it.state[:, 3:], np.nan) / C_MPS
    data["clock_s"] = clocks[:, 0]
    for k, letter in enumerate(systems):
        data[f"n_{letter}"] = (used & (problem.system_index == k)).sum(axis=1).astype(np.int64)
        if k:
            data[f"isb_{letter}_s"] = clocks[:, k] - clocks[:, 0]
    # built without xarray's dask probe (lodestar.xarray_build): ~0.3 s of imports in a one-file run
    ds = xr.Dataset({name: variable("time", np.asarray(value)) for name, value in data.items()},
                    coords=indexed_coords(time=np.asarray(sub.time, dtype="datetime64[ns]")))
    ds["clock_s"].attrs["description"] = f"receiver clock of {systems[0]} (s)"
    ds.attrs.update(_attributes(sub, info, alert))
    return ds


def _attributes(sub, info, alert) -> dict:
    """What the solution was computed from and with: the Dataset's attributes."""
    systems = info["systems"]
    return {
        "systems": format_system_set(systems), "requested_systems": format_system_set(info["requested"]),
        "mask_deg": float(info["mask_deg"]), "iono": info["iono"], "orbits": sub.source,
        "iono_models": json.dumps(info["iono_models"]), "code_bias_m": json.dumps(info["code_bias_m"]),
        "noise_factor": json.dumps(info["noise_factor"]),
        "persistent_fault_epochs": json.dumps(info.get("persistent_fault_epochs", {})),  # persistent.py
        "session_isb_m": json.dumps(info.get("session_isb_m", {})),
        "calibration": info.get("calibration", ""), "calibrated": info.get("calibrated", "estimated"),
        "mode": info.get("mode", "post-processing"),  # or "causal": every epoch from the past only (causal.py)
        "alert_limit_m": float("nan") if alert is None else float(alert),
        "integrity_risk": float(info.get("integrity_risk", integrity.DEFAULT_RISK)),
        "position_of": "marker (ANTENNA: DELTA H/E/N removed)",
        "antenna_delta_hen_m": [float(v) for v in sub.antenna_hen_m],
        "marker_name": str(sub.meta.get("marker_name", "")), "obs_path": sub.meta.get("obs_path", ""),
        "nav_path": sub.meta.get("nav_path", ""),
        "input_notes": json.dumps(sub.meta.get("notes", {})),  # screened cells, epoch order (screening.py)
        # observed satellite-epochs without an orbit and why (prepare.py), e.g. the navigation file starts later
        "observed_without_orbit": json.dumps({"cells": int(sum(sub.meta.get("orbit_reasons", {}).values())),
                                              "of": int(sub.meta.get("observed_cells", 0)),
                                              "reasons": sub.meta.get("orbit_reasons", {})}),
        **_precise_attributes(sub.meta),
    }


def _precise_attributes(meta) -> dict:
    """Provenance of precise products (centres, phase-centre sources) and their warnings, as JSON text;
    with broadcast orbits, the receiver antenna's offsets when a source was given (``receiver_antenna``)."""
    if "receiver_antenna" in meta:
        return {"receiver_antenna": json.dumps(meta["receiver_antenna"], default=str)}
    if "precise_products" not in meta:
        return {}
    return {"precise_products": json.dumps(meta["precise_products"], default=str),
            "warnings": json.dumps(meta.get("warnings", []))}
