"""Satellite-side and site-side corrections of the ionosphere-free range model, on (T, S) arrays.

Everything here is computed once before the filter, from the satellites' precise states and an
approximate receiver position (a 100 m error moves any of these terms by well under 1 mm):

- satellite antenna phase centre: centre of mass + PCO (IF, body frame, :mod:`.antennas`) turned by
  the attitude (:mod:`lodestar.models.attitude`: yaw steering with the published noon, midnight and
  eclipse manoeuvres), and the satellite's and receiver's IF PCV where ANTEX gives them;
- satellite clock + periodic relativistic term (IS-GPS-200N 20.3.3.3.3.1; IERS 2010 eq. 10.17);
- Shapiro delay (IERS 2010 eq. 11.17, :mod:`lodestar.models.relativity`);
- phase wind-up (Wu et al. 1993, :mod:`lodestar.models.windup`) on the same attitude: the IF
  wind-up in metres is phi_cycles * c / (f1 + f2);
- solid Earth tide (IERS 2010 §7.1.1 Step 1, :mod:`lodestar.models.tides`);
- BeiDou-2 satellite-induced code bias (Wanninger & Beer 2015, GPS Solutions 19:639, Table 2:
  elevation-dependent values per 10° for IGSO and MEO, B1/B2/B3; GEO has no table). Added to the
  code as the paper prescribes, combined into the IF code with the IF coefficients.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ...constants import C_MPS
from ...frames import azimuth_elevation
from ...models.attitude import satellite_attitude, sun_position_ecef_m
from ...models.relativity import shapiro_delay_m
from ...models.tides import solid_earth_tide_m
from ...models.windup import phase_windup_cycles
from ...time import Time
from .antennas import receiver_pcv_if_m, satellite_pcv_if_m
from .constellation import BDS2_IGSO, BDS2_MEO, BDS_GEO
from .observables import if_coefficients

__all__ = [
    "BDS2_IGSO",
    "BDS2_MEO",
    "BDS_GEO",
    "SatelliteSide",
    "bds2_code_bias_m",
    "satellite_side",
]

# Wanninger & Beer (2015) Table 2, metres at elevations 0, 10, ..., 90 degrees; rows B1, B2, B3
_WB_IGSO = np.array([
    [-0.55, -0.40, -0.34, -0.23, -0.15, -0.04, 0.09, 0.19, 0.27, 0.35],
    [-0.71, -0.36, -0.33, -0.19, -0.14, -0.03, 0.08, 0.17, 0.24, 0.33],
    [-0.27, -0.23, -0.21, -0.15, -0.11, -0.04, 0.05, 0.14, 0.19, 0.32],
])
_WB_MEO = np.array([
    [-0.47, -0.38, -0.32, -0.23, -0.11, 0.06, 0.34, 0.69, 0.97, 1.05],
    [-0.40, -0.31, -0.26, -0.18, -0.06, 0.09, 0.28, 0.48, 0.64, 0.69],
    [-0.22, -0.15, -0.13, -0.10, -0.04, 0.05, 0.14, 0.27, 0.36, 0.47],
])
_WB_ROW = {"2": 0, "1": 0, "7": 1, "6": 2}  # RINEX band -> table row (B1I is band 2 in RINEX 3)


@dataclass(frozen=True, eq=False)
class SatelliteSide:
    sat_xyz: np.ndarray  # (T, S, 3) antenna phase centre at transmit time, ECEF of transmit time
    sat_clock_m: np.ndarray  # (T, S) c * (dts + relativity)
    valid: np.ndarray  # (T, S)
    reason: np.ndarray  # (T, S)
    code_m: np.ndarray  # (T, S) corrections added to the modelled code (Shapiro, -BDS-2 bias)
    phase_m: np.ndarray  # (T, S) corrections added to the modelled phase (Shapiro + wind-up)
    tide_m: np.ndarray  # (T, 3)
    elevation_rad: np.ndarray  # (T, S) from the approximate position
    azimuth_rad: np.ndarray
    served_by: np.ndarray  # (T, S) product centre serving each cell ("" none)
    window_shift: np.ndarray | None = None  # (T, S) nodes the SP3 Lagrange window sat off-centre (0 centred)


def bds2_code_bias_m(svs, band, elevation_rad) -> np.ndarray:
    """Wanninger & Beer (2015) correction (m) for ``band`` (RINEX band digit, one or one per satellite),
    (T, S); 0 for other bands and for every satellite that is not BDS-2 IGSO/MEO (BDS-3 never: the
    bias is a BDS-2 payload property, absent on BDS-3: Zhang et al. 2017, "Initial assessment of the
    COMPASS/BeiDou-3: new-generation navigation signals", J Geod 91:1225)."""
    elev_deg = np.clip(np.degrees(elevation_rad), 0.0, 90.0)
    nodes = np.arange(0.0, 91.0, 10.0)
    bands = np.broadcast_to(np.asarray(band, dtype=object), (len(svs),))
    out = np.zeros(np.shape(elevation_rad))
    for j, sv in enumerate(svs):  # a one-off setup over satellites, each a vectorised interpolation over epochs
        row = _WB_ROW.get(str(bands[j]))
        table = _WB_IGSO if sv in BDS2_IGSO else _WB_MEO if sv in BDS2_MEO else None
        if table is not None and row is not None:
            out[:, j] = np.interp(elev_deg[:, j], nodes, table[row])
    return out


def satellite_side(eph, times_ns, svs, p_if, f1_hz, f2_hz, approx_xyz, antennas, code_bands) -> SatelliteSide:
    """Precise states at transmit time moved to the antenna phase centre, and the other corrections.

    ``antennas``: (pco_body_if (S, 3) NaN = unknown -> satellite unused, SatelliteAntennas or None,
    ReceiverAntenna or None). ``code_bands``: (S, 2) RINEX band digits of each satellite's pair (the
    BDS-2 table, and the antenna offsets of the frequencies used), or one (band1, band2) for all.
    """
    pco_body_if_m, sat_pc, rcv_pc = antennas
    t_rx = np.asarray(times_ns, "datetime64[ns]")
    travel = np.where(np.isfinite(p_if), p_if / C_MPS, 0.075)
    t_tx = t_rx[:, None] - (travel * 1e9).astype("timedelta64[ns]")
    if hasattr(eph, "states_and_sources"):
        st, served, shift = eph.states_and_sources(Time(t_tx), list(svs), with_shift=True)
    else:
        st, served, shift = eph.states(Time(t_tx), list(svs)), np.full(p_if.shape, ""), np.zeros(p_if.shape, np.int8)
    clock_s = st.clock_s + np.nan_to_num(st.relativity_s)
    com = st.position_m - st.velocity_mps * clock_s[..., None]
    times = Time(t_rx)
    sun = sun_position_ecef_m(times)
    with warnings.catch_warnings():  # satellites without any orbit give all-NaN columns: NaN axes, no noise
        warnings.simplefilter("ignore", RuntimeWarning)
        att = satellite_attitude(svs, times, com, st.velocity_mps, sun_m=sun)
    pco = pco_body_if_m[None, :, :]
    sat_xyz = com + att.x * pco[..., 0:1] + att.y * pco[..., 1:2] + att.z * pco[..., 2:3]
    reason = np.asarray(st.reason).astype(object)
    no_pco = ~np.all(np.isfinite(pco_body_if_m), axis=1)
    reason[:, no_pco] = np.where(reason[:, no_pco] == "", "no satellite antenna offset known", reason[:, no_pco])
    valid = np.asarray(st.valid) & ~no_pco[None, :] & np.all(np.isfinite(sat_xyz), axis=-1)
    reason[np.asarray(st.valid) & ~no_pco[None, :] & ~valid] = "no attitude"
    approx = np.asarray(approx_xyz, float)
    az_deg, el_deg = azimuth_elevation(approx, sat_xyz)
    az, el = np.radians(az_deg), np.radians(el_deg)
    shapiro = shapiro_delay_m(sat_xyz, approx)
    windup = phase_windup_cycles(approx, np.where(valid[..., None], sat_xyz, np.nan), att.x, att.y)
    windup_m = windup * C_MPS / (f1_hz + f2_hz)[None, :]
    bands = np.broadcast_to(np.asarray(code_bands, dtype=object), (len(svs), 2))
    pcv = _pcv_if_m(sat_pc, rcv_pc, svs, sat_xyz, approx, el, az, f1_hz, f2_hz, bands)
    a1, a2 = if_coefficients(f1_hz, f2_hz)
    bds = np.array([sv[0] == "C" for sv in svs])
    code_bias = np.zeros(p_if.shape)
    if bds.any():
        b1 = bds2_code_bias_m(svs, bands[:, 0], el)
        b2 = bds2_code_bias_m(svs, bands[:, 1], el)
        code_bias = np.where(bds[None, :], a1[None, :] * b1 - a2[None, :] * b2, 0.0)
    tide = solid_earth_tide_m(approx, times)
    # the wind-up enters the observed phase: the modelled phase carries + wind-up (Kouba 2015 §5.1.2)
    return SatelliteSide(sat_xyz=sat_xyz, sat_clock_m=C_MPS * clock_s, valid=valid, reason=reason.astype(str),
                         code_m=shapiro + pcv - code_bias, phase_m=shapiro + pcv + np.nan_to_num(windup_m),
                         tide_m=tide, elevation_rad=el, azimuth_rad=az, served_by=np.asarray(served).astype(str),
                         window_shift=np.asarray(shift))


def _pcv_if_m(sat_pc, rcv_pc, svs, sat_xyz, approx, el, az, f1_hz, f2_hz, bands=None):
    """IF phase-centre variations (m) of satellite (by nadir) and receiver (by zenith/azimuth)."""
    total = np.zeros(el.shape)
    if sat_pc is not None:
        to_rx = approx[None, None, :] - sat_xyz
        cos_nadir = np.sum(to_rx * -sat_xyz, axis=-1) / (np.linalg.norm(to_rx, axis=-1) * np.linalg.norm(sat_xyz, axis=-1))
        nadir = np.arccos(np.clip(np.nan_to_num(cos_nadir, nan=1.0), -1.0, 1.0))
        total += satellite_pcv_if_m(sat_pc, svs, nadir, f1_hz, f2_hz, bands)
    if rcv_pc is not None:
        total += receiver_pcv_if_m(rcv_pc, svs, el, az, f1_hz, f2_hz, bands)
    return total
