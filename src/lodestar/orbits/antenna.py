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

from ..models.attitude import sun_position_ecef_m, yaw_steering_axes  # moved; re-exported here
from ..time import Time

__all__ = ["PCO_BLOCKS_M", "SATELLITE_BLOCKS", "BLOCK_TABLE_VALID", "block_of", "pco_body_m",
           "sun_position_ecef_m", "yaw_steering_axes", "pco_ecef_m"]

#: Nominal IF phase-centre offsets per block (x, y, z) in metres, with their source.
PCO_BLOCKS_M: dict[str, tuple[tuple[float, float, float], str]] = {
    "GPS-IIA": ((0.279, 0.0, 1.023), "GPSPACE gpsppp.svb_gps_yrly BLK IIA; IGS 1998 convention"),
    "GPS-IIR": ((0.0, 0.0, 0.0), "GPSPACE gpsppp.svb_gps_yrly BLK IIR; IGS 1998 convention"),
    "GPS-IIR-M": ((0.0, 0.0, 0.0), "GPSPACE gpsppp.svb_gps_yrly BLK IIRM"),
    "GPS-IIF": ((0.394, 0.0, 1.093), "GPSPACE gpsppp.svb_gps_yrly BLK IIF"),
    "GPS-IIIA": ((0.0, 0.0, 1.700), "GPSPACE gpsppp.svb_gps_yrly BLK IIIA"),
    "GLONASS-M": ((-0.545, 0.0, 2.400), "GPSPACE gpsppp.svb_gln_yrly BLK M"),
    "GLONASS-K1": ((0.0, 0.0, 2.100), "GPSPACE gpsppp.svb_gln_yrly BLK K"),
    "GALILEO-IOV": ((-0.200, 0.0, 0.600), "GPSPACE gpsppp.svb_gal_yrly BLK GA1"),
    "GALILEO-FOC": ((0.150, 0.0, 1.000), "GPSPACE gpsppp.svb_gal_yrly BLK GA2"),
    "BEIDOU-3M": ((-0.200, 0.0, 2.004), "GPSPACE gpsppp.svb_bei_yrly BLK BE3 65 (MEO; CAST row, used for all BDS-3 MEO)"),
}

#: Period (GPST) for which SATELLITE_BLOCKS is stated: the ESBC day and its neighbours.
BLOCK_TABLE_VALID = (np.datetime64("2020-06-01T00:00:00", "ns"), np.datetime64("2020-07-01T00:00:00", "ns"))

# Satellite → block in June 2020. GPS PRN/SVN/block and GLONASS/Galileo blocks from the same
# GPSPACE files (2020 rows: columns PRN SVN BL; GLONASS BL 22 = M, 23 = K; Galileo BL 41 = IOV
# E11 E12 E19 E20, 42 = FOC), cross-checked with mgex.igs.org/IGS_MGEX_Status_GAL.php (IOV: E11,
# E12, E19, E20). GPS: G01 SVN63 IIF, G02 SVN61 IIR, G03 SVN69 IIF, G04 SVN74 IIIA, G05 SVN50 IIR-M,
# G06 SVN67 IIF, G07 SVN48 IIR-M, G08 SVN72 IIF, G09 SVN68 IIF (read in GPSPACE); the others
# from the 2020 constellation (NGA/USCG status): IIR SVN41(G14) 43(G13) 44(G28) 45(G21) 46(G11)
# 47(G22) 51(G20) 56(G16) 59(G19) 60(G23); IIR-M G12 G15 G17 G29 G31; IIF G10 G24 G25 G26 G27
# G30 G32; IIIA G18 (SVN75). GLONASS-K1: R09 (SVN 702); all other active slots GLONASS-M.
_GPS = {
    "GPS-IIR": "G02 G11 G13 G14 G16 G19 G20 G21 G22 G23 G28",
    "GPS-IIR-M": "G05 G07 G12 G15 G17 G29 G31",
    "GPS-IIF": "G01 G03 G06 G08 G09 G10 G24 G25 G26 G27 G30 G32",
    "GPS-IIIA": "G04 G18",
}
_OTHERS = {
    "GLONASS-K1": "R09",
    "GLONASS-M": " ".join(f"R{n:02d}" for n in range(1, 25) if n != 9),
    "GALILEO-IOV": "E11 E12 E19 E20",
    "GALILEO-FOC": "E01 E02 E03 E04 E05 E07 E08 E09 E13 E14 E15 E18 E21 E24 E25 E26 E27 E30 E31 E33 E36",
    # BDS-3 MEO (CAST and SECM) C19–C30, C32–C37 (MGEX BDS status page); IGSO C38–C40 and GEO
    # C59/C60 have no nominal offset in the source and stay unknown.
    "BEIDOU-3M": " ".join(f"C{n:02d}" for n in [*range(19, 31), *range(32, 38)]),
}
SATELLITE_BLOCKS: dict[str, str] = {sv: block for block, svs in {**_GPS, **_OTHERS}.items() for sv in svs.split()}


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
