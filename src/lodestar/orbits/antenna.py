"""Satellite antenna phase-centre offsets (PCO): centre of mass → antenna phase centre, in ECEF.

>>> offset = pco_ecef_m(svs, times, positions_m)        # (T, S, 3); NaN where no PCO is known
>>> apc = positions_m + offset                          # precise CoM orbit moved to the phase centre

Why: IGS/MGEX SP3 orbits refer to the satellite centre of mass; broadcast orbits (all four
systems, as the ESBC 2020-06-25 data show: docs/orbits.md) to an antenna phase centre. Comparing
them needs the offset, which is mostly radial (body z axis) and 0–2.4 m by block.

Values (metres, satellite body frame, z toward the Earth centre, y along the solar-panel axis,
x completing toward the Sun-lit side, IGS convention) are the *nominal per-block* offsets of
NRCan's GPSPACE PPP software (files ``gpsppp.svb_gps_yrly`` / ``_gln_`` / ``_gal_`` / ``_bei_``,
header ``NOMINAL ... ANTENNA OFFSETS PER BLK``, github.com/lahayef/GPSPACE); GPSPACE processes the
ionosphere-free combination of the frequencies the broadcast clocks refer to (GPS L1/L2, GLONASS
G1/G2, Galileo E1/E5a, BeiDou B1I/B3I), so one value per block serves the IF combination. The GPS
II/IIA and IIR values are also the IGS conventional offsets of 1998 (J. Ray, "Effect of satellite
antenna offsets on clocks", IGS/USNO mail, 31 Dec 1998: II/IIA 0.279/0/1.023, IIR 0/0/0).
The IGS ANTEX file (igs14.atx) holds per-satellite, per-frequency estimates; its text was not
available to this project, so these nominal block values stand in (see docs/orbits.md for how
well each block matches the broadcast reference point on the data).

Attitude: nominal yaw steering, now in lodestar.models.attitude (z toward the Earth centre, y = z × ŝ, the
Sun–satellite–Earth plane, x = y × z toward the Sun side). Noon/midnight turns and eclipse
seasons are not modelled: enough for a broadcast-orbit analysis, where only the 0.2–0.5 m x
offsets depend on yaw and the radial (z) part does not depend on it at all.
Sun: low-precision analytic series of Montenbruck & Gill (2000), Satellite Orbits §3.3.2
(~0.1°, 1 % in distance), mean equinox of date via the 1.3972°/century precession term, turned to
ECEF by GMST (IAU 1982, UT1 ≈ UTC: < 0.01°). The attitude needs ~1°.
"""

from __future__ import annotations

import numpy as np

from ..models.phase_center import PhaseCentres
from ..models.attitude import sun_position_ecef_m, yaw_steering_axes  # moved; re-exported here
from ..time import Time

__all__ = ["CLOCK_PAIRS", "satellite_pco_ecef_m", "PCO_BLOCKS_M", "SATELLITE_BLOCKS", "BLOCK_TABLE_VALID", "block_of", "pco_body_m",
           "sun_position_ecef_m", "yaw_steering_axes", "pco_ecef_m"]

# The nominal block table now lives in lodestar.models.published_pco (the phase-centre layer's last
# source before "none"); these names stay for callers of this module.
from ..models.published_pco import BLOCKS_JUNE_2020 as SATELLITE_BLOCKS
from ..models.published_pco import BLOCKS_JUNE_2020_VALID as BLOCK_TABLE_VALID
from ..models.published_pco import PUBLISHED_BAND_OFFSETS_M as _BANDS
from ..models.published_pco import PUBLISHED_BLOCK_OFFSETS_M as _PUBLISHED
from ..models.published_pco import block_if_offset_m as _if_offset

#: Nominal IF phase-centre offsets per block (x, y, z) in metres, with their source.
PCO_BLOCKS_M: dict[str, tuple[tuple[float, float, float], str]] = {
    block: (tuple(float(v) for v in _if_offset(block)[0]), _if_offset(block)[1]) for block in [*_PUBLISHED, *_BANDS]}


def block_of(sv: str, time: np.datetime64 | None = None) -> str | None:
    """Block of ``sv`` (e.g. ``"GLONASS-M"``), None when unknown or ``time`` is outside the table's period."""
    if time is not None and not (BLOCK_TABLE_VALID[0] <= np.datetime64(time, "ns") < BLOCK_TABLE_VALID[1]):
        return None
    return SATELLITE_BLOCKS.get(sv)


def pco_body_m(svs, times: Time | None = None) -> np.ndarray:
    """``(S, 3)`` body-frame offsets; NaN rows for satellites without a known PCO over ``times``."""
    out = np.full((len(svs), 3), np.nan)
    first = last = None
    if times is not None:
        gpst = np.asarray(times.gpst)
        first, last = gpst.min(), gpst.max()
    for k, sv in enumerate(svs):
        block = block_of(str(sv), first) if first is not None else block_of(str(sv))
        if block is not None and (last is None or block_of(str(sv), last) == block):
            out[k] = PCO_BLOCKS_M[block][0]
    return out


def pco_ecef_m(svs, times: Time, positions_m: np.ndarray) -> np.ndarray:
    """CoM → antenna phase centre vectors ``(T, S, 3)`` in ECEF for CoM ``positions_m`` ``(T, S, 3)``.

    ``times`` GPST (T,). Rows of satellites without a known PCO are NaN (see :func:`pco_body_m`).
    """
    times = times if isinstance(times, Time) else Time(times)
    body = pco_body_m(svs, times)
    sun = sun_position_ecef_m(times)[:, None, :]
    x, y, z = yaw_steering_axes(positions_m, sun)
    return x * body[None, :, 0:1] + y * body[None, :, 1:2] + z * body[None, :, 2:3]


#: Band pairs (RINEX band digits) of the ionosphere-free clocks of IGS/MGEX products: GPS L1/L2,
#: GLONASS G1/G2, Galileo E1/E5a, BeiDou B1I/B3I, QZSS L1/L2 (the SATELLITE_CLOCK_REFERENCE_OBSERVABLES
#: of the Bias-SINEX files here: G C1W/C2W, R C1P/C2P, E C1C/C5Q, C C2I/C6I, J C1X/C2X).
CLOCK_PAIRS = {"G": ("1", "2"), "R": ("1", "2"), "E": ("1", "5"), "C": ("2", "6"), "J": ("1", "2")}


def satellite_pco_ecef_m(svs, times: Time, com_m: np.ndarray, phase_centres=None):
    """CoM -> phase centre of the clock pair (``CLOCK_PAIRS``), ``(T, S, 3)`` ECEF, and the provenance.

    ``phase_centres``: a :class:`~lodestar.models.phase_center.PhaseCentres` (default: no files, i.e.
    the published table). Attitude: nominal yaw steering. NaN rows where no offset is known.
    """
    phase_centres = phase_centres if phase_centres is not None else PhaseCentres()
    sat = phase_centres.satellites(svs, times.gpst.ravel()[0])
    body = np.full((len(svs), 3), np.nan)
    for letter, (band1, band2) in CLOCK_PAIRS.items():
        cols = np.char.startswith(np.asarray(svs).astype(str), letter)
        if cols.any():
            body[cols] = sat.pco_if_body_m(band1, band2)[cols]
    sun = sun_position_ecef_m(times)[:, None, :]
    x, y, z = yaw_steering_axes(com_m, sun)
    return x * body[None, :, 0:1] + y * body[None, :, 1:2] + z * body[None, :, 2:3], sat
