"""Precise products in single-point positioning: from the satellite's centre of mass to the antenna
phase centres of satellite and receiver.

SP3 orbits refer to the satellite's centre of mass, precise clocks and every measured range to the
antenna phase centres (IGS conventions; Montenbruck et al. 2015, ASR 56:1015). So, with SP3:
- the satellite moves by its phase-centre offset (PCO), body frame -> ECEF through the attitude of
  :mod:`lodestar.models.attitude`; the offset is that of the signal used (single frequency) or the
  ionosphere-free combination of the two signals (``--iono iflc``); nadir PCV where ANTEX has them;
- the range is reduced from the receiver antenna's phase centre to its reference point (ARP):
  rho_ARP = P + e . d - PCV(zenith, azimuth), with d the receiver PCO (north, east, up -> ECEF) and
  e the unit vector receiver -> satellite (the ANTEX convention, antex14.txt; RTKLIB ``antmodel``);
  the marker then follows from ANTENNA: DELTA H/E/N as for broadcast orbits.
Broadcast orbits and clocks already refer to the phase centre of the broadcast signals (each
system's ICD): only the receiver side applies to them (:func:`apply_receiver_antenna`).
Provenance of every offset (``antex``, ``sinex``, ``published``, ``none``) is returned for the
solution's metadata; ``none`` means a zero offset, said so.
"""

from __future__ import annotations

import numpy as np

from ..frames import ecef_to_geodetic, enu_matrix
from ..models.attitude import default_block, satellite_attitude
from ..models.phase_center import PhaseCentres, if_coefficients
from ..time import Time

__all__ = ["apply_phase_centres", "apply_receiver_antenna", "code_bands"]


def code_bands(code: str) -> tuple:
    """RINEX band digits of a code cell: ``"C1C"`` -> ``("1",)``, ``"C2I+C6I"`` -> ``("2", "6")``."""
    return tuple(part[1] for part in code.split("+") if len(part) >= 2)


def _per_code(codes, svs, table_of):
    """(T, S, ...) array whose cells take ``table_of(bands)`` (S, ...) at the column of their code."""
    out = None
    for code in np.unique(codes):
        bands = code_bands(str(code))
        if not bands:
            continue
        table = np.nan_to_num(table_of(bands))  # unknown (NaN) offsets: zero, with source "none"
        if out is None:
            out = np.zeros(codes.shape + table.shape[1:])
        rows, cols = np.nonzero(codes == code)
        out[rows, cols] = table[cols]
    return out


def _satellite_pco(sat, codes, svs):
    def table(bands):
        return sat.pco_body_m(bands[0]) if len(bands) == 1 else sat.pco_if_body_m(bands[0], bands[1])
    body = _per_code(codes, svs, table)
    return np.zeros(codes.shape + (3,)) if body is None else body


def _blocks(sat, svs, when):
    return {sv: (str(sat.block[k]) or default_block(sv, when) or "") for k, sv in enumerate(svs)}


def _by_system_and_code(codes, svs):
    """Yield (system, code, cells) for every system letter and code in use (no loop over satellites)."""
    letters = np.array([str(sv)[0] for sv in svs])
    for code in np.unique(codes):
        if not code:
            continue
        in_use = codes == code
        for system in np.unique(letters[in_use.any(axis=0)]):
            yield str(system), str(code), in_use & (letters == system)[None, :]


def _combined(system, bands, values):
    """One value per band -> the cell's value (the iono-free combination for two bands)."""
    if len(bands) == 2:
        a1, a2 = if_coefficients(system, *bands)
        return a1 * values[0] + a2 * values[1]
    return values[0]


def _receiver_offsets_enu(rcv, codes, svs):
    """(T, S, 3) receiver PCO (east, north, up) per cell, IF-combined for iono-free cells."""
    out = np.zeros(codes.shape + (3,))
    for system, code, cells in _by_system_and_code(codes, svs):
        bands = code_bands(code)
        neu = _combined(system, bands, [np.nan_to_num(rcv.pco_neu_m(system, b)) for b in bands])
        out[cells] = neu[[1, 0, 2]]  # north, east, up -> east, north, up
    return out


def _receiver_pcv(rcv, codes, svs, zenith, azimuth):
    out = np.zeros(codes.shape)
    if rcv.pattern is None:
        return out
    for system, code, cells in _by_system_and_code(codes, svs):
        bands = code_bands(code)
        out[cells] = _combined(system, bands, [rcv.pcv_m(system, b, zenith[cells], azimuth[cells]) for b in bands])
    return out


def apply_phase_centres(*, pseudorange_m, sat_xyz, velocity_mps, codes, svs, t_tx, approx_xyz, antenna,
                        antex=(), sinex=()):
    """(pseudorange_m, sat_xyz, info) with satellites at their phase centres and ranges at the ARP.

    ``sat_xyz``/``velocity_mps`` (T, S, 3) centre of mass at transmit time ``t_tx`` (T, S) datetime64;
    ``codes`` (T, S) RINEX code per cell (``"C1C"``, ``"C1C+C2C"``, ``""``); ``antenna`` the header's
    ``ANT # / TYPE`` (type and radome); ``approx_xyz`` (3,) or None (then no receiver correction).
    """
    centres = PhaseCentres(antex=list(antex or ()), sinex=list(sinex or ()))
    when = np.asarray(t_tx).reshape(-1)[0]
    sat = centres.satellites(list(svs), when)
    codes = np.asarray(codes).astype(str)
    body = _satellite_pco(sat, codes, svs)
    with np.errstate(invalid="ignore"):
        att = satellite_attitude(np.asarray(svs), Time(t_tx), sat_xyz, velocity_mps, blocks=_blocks(sat, svs, when),
                                 cells=codes != "")  # only the observed cells are ever used
    offset = att.x * body[..., 0:1] + att.y * body[..., 1:2] + att.z * body[..., 2:3]
    offset = np.where(np.isfinite(offset), offset, 0.0)  # NaN attitude (no orbit): cell unusable anyway
    sat_apc = sat_xyz + offset
    corrected = pseudorange_m.copy()
    info = {"satellites": sat.provenance(), "attitude_laws": dict(zip(map(str, svs), att.law))}
    if approx_xyz is None:
        info["receiver"] = {"source": "none", "note": "no APPROX POSITION XYZ in the header: receiver PCO not applied"}
        return corrected, sat_apc, info
    e = _unit_lines_of_sight(sat_apc, approx_xyz)
    if np.any(sat.source == "antex"):  # satellite PCV: only ANTEX has them
        nadir = np.arccos(np.clip(-np.einsum("tsk,tsk->ts", e, np.nan_to_num(att.z)), -1.0, 1.0))
        corrected -= _satellite_pcv(sat, codes, nadir)
    corrected, info["receiver"] = _receiver_correction(corrected, e, codes, svs, approx_xyz, antenna, centres)
    return corrected, sat_apc, info


def apply_receiver_antenna(*, pseudorange_m, sat_xyz, codes, svs, approx_xyz, antenna, antex=(), sinex=()):
    """(pseudorange_m, info): ranges reduced from the receiver antenna's phase centre to its ARP only.

    For broadcast orbits, whose satellite side already refers to the phase centre (each system's
    ICD): the receiver antenna is the same whichever orbits are used, and without this the solution
    is that of the receiver's phase centre (ESBC: 8.8 cm above the ARP on L1), not of the marker.
    """
    codes = np.asarray(codes).astype(str)
    if approx_xyz is None:
        return pseudorange_m, {"source": "none", "note": "no APPROX POSITION XYZ in the header: receiver PCO not applied"}
    centres = PhaseCentres(antex=list(antex or ()), sinex=list(sinex or ()))
    e = _unit_lines_of_sight(sat_xyz, approx_xyz)
    return _receiver_correction(pseudorange_m.copy(), e, codes, svs, approx_xyz, antenna, centres)


def _unit_lines_of_sight(sat_xyz, approx_xyz):
    los = sat_xyz - np.asarray(approx_xyz)[None, None, :]
    return los / np.linalg.norm(los, axis=-1)[..., None]


def _receiver_correction(corrected, e, codes, svs, approx_xyz, antenna, centres):
    """rho_ARP = P + e . d - PCV(zenith, azimuth) for the header's antenna (module docstring)."""
    if not antenna:
        return corrected, {"source": "none", "note": "no antenna type in the header: receiver PCO not applied"}
    rcv = centres.receiver(antenna, None)
    lat, lon, _ = ecef_to_geodetic(np.asarray(approx_xyz, dtype=float))
    rot = enu_matrix(lat, lon)  # rows east, north, up
    d_ecef = np.einsum("tsi,ij->tsj", _receiver_offsets_enu(rcv, codes, svs), rot)
    enu = np.einsum("ij,tsj->tsi", rot, e)
    zenith = np.arccos(np.clip(enu[..., 2], -1.0, 1.0))
    azimuth = np.arctan2(enu[..., 0], enu[..., 1])
    corrected = corrected + np.einsum("tsk,tsk->ts", e, d_ecef) - _receiver_pcv(rcv, codes, svs, zenith, azimuth)
    return corrected, {"antenna": antenna, "source": rcv.source, "note": rcv.note}


def _satellite_pcv(sat, codes, nadir):
    """(T, S) satellite nadir PCV of each cell's signal (IF combination for iono-free cells)."""
    out = np.zeros(codes.shape)
    letters = np.array([str(sv)[0] for sv in sat.sv])
    for code in np.unique(codes):
        bands = code_bands(str(code))
        if not bands:
            continue
        values = [sat.pcv_m(b, nadir) for b in bands]
        if len(values) == 2:
            combined = np.zeros(codes.shape)
            for letter in set(letters[(codes == code).any(axis=0)]):
                a1, a2 = if_coefficients(letter, *bands)
                combined[:, letters == letter] = (a1 * values[0] + a2 * values[1])[:, letters == letter]
            value = combined
        else:
            value = values[0]
        cells = codes == code
        out[cells] = np.nan_to_num(value[cells])
    return out
