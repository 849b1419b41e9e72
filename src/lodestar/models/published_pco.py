"""Published satellite antenna offsets for satellites that no ANTEX or SINEX file given covers.

>>> published_offsets("C19", np.datetime64("2020-06-25"))   # PublishedOffset or None

Each value carries its source on its line. Offsets are satellite body-frame x, y, z in metres
(IGS axes: z toward the Earth, y along the solar-panel axis; antex14 section 3), from the centre of
mass to the phase centre of the ionosphere-free combination named in ``bands`` (the pair the
broadcast and IGS-type clocks refer to); the same vector is returned for both bands of the pair,
so the IF combination of the pair gives it back unchanged.

Sources:
- NRCan GPSPACE PPP (github.com/lahayef/GPSPACE), files ``gpsppp.svb_gps_yrly`` / ``_gln_`` /
  ``_gal_`` / ``_bei_``, header ``NOMINAL ... ANTENNA OFFSETS PER BLK``: nominal values per block,
  used by GPSPACE for the IF combination of the clock reference pair. GPS II/IIA and IIR are also
  the IGS conventional offsets of 1998 (J. Ray, IGS mail, 31 Dec 1998: II/IIA 0.279/0/1.023, IIR 0/0/0).
- Satellite -> block for June 2020 (the ESBC day and its neighbours): GPSPACE's PRN/SVN/block
  columns, the NGA/USCG GPS status of 2020, mgex.igs.org BDS/GAL status pages (IOV: E11 E12 E19 E20;
  BDS-3 MEO C19-C30, C32-C37, IGSO C38-C40).
What is not here: CSNO's per-type BDS-3 values (beidou.gov.cn satellite information release,
2019-12) were not available to this project as text: BDS-3 MEO uses GPSPACE's single BE3 MEO row;
BDS-3 IGSO and GEO and BDS-2 stay unknown (``None``) rather than be guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PublishedOffset", "PUBLISHED_BLOCK_OFFSETS_M", "BLOCKS_JUNE_2020", "BLOCKS_JUNE_2020_VALID",
           "published_offsets"]

#: Nominal IF offsets per block (x, y, z) in metres, the band pair they serve, and their source.
PUBLISHED_BLOCK_OFFSETS_M: dict[str, tuple[tuple[float, float, float], tuple[str, str], str]] = {
    "GPS-IIA": ((0.279, 0.0, 1.023), ("1", "2"), "GPSPACE gpsppp.svb_gps_yrly BLK IIA; IGS 1998 convention"),
    "GPS-IIR": ((0.0, 0.0, 0.0), ("1", "2"), "GPSPACE gpsppp.svb_gps_yrly BLK IIR; IGS 1998 convention"),
    "GPS-IIR-M": ((0.0, 0.0, 0.0), ("1", "2"), "GPSPACE gpsppp.svb_gps_yrly BLK IIRM"),
    "GPS-IIF": ((0.394, 0.0, 1.093), ("1", "2"), "GPSPACE gpsppp.svb_gps_yrly BLK IIF"),
    "GPS-IIIA": ((0.0, 0.0, 1.700), ("1", "2"), "GPSPACE gpsppp.svb_gps_yrly BLK IIIA"),
    "GLONASS-M": ((-0.545, 0.0, 2.400), ("1", "2"), "GPSPACE gpsppp.svb_gln_yrly BLK M"),
    "GLONASS-K1": ((0.0, 0.0, 2.100), ("1", "2"), "GPSPACE gpsppp.svb_gln_yrly BLK K"),
    "GALILEO-IOV": ((-0.200, 0.0, 0.600), ("1", "5"), "GPSPACE gpsppp.svb_gal_yrly BLK GA1"),
    "GALILEO-FOC": ((0.150, 0.0, 1.000), ("1", "5"), "GPSPACE gpsppp.svb_gal_yrly BLK GA2"),
    "BEIDOU-3M": ((-0.200, 0.0, 2.004), ("2", "6"), "GPSPACE gpsppp.svb_bei_yrly BLK BE3 65 MEO CAST (used for all BDS-3 MEO)"),
}

#: Period (GPST) for which BLOCKS_JUNE_2020 is stated.
BLOCKS_JUNE_2020_VALID = (np.datetime64("2020-06-01T00:00:00", "ns"), np.datetime64("2020-07-01T00:00:00", "ns"))

# GPS PRN -> block in June 2020 (GPSPACE rows PRN SVN BL; NGA/USCG status): G01 SVN63 IIF, G02 SVN61
# IIR, G03 SVN69 IIF, G04 SVN74 IIIA, G05 SVN50 IIR-M, G06 SVN67 IIF, G07 SVN48 IIR-M, G08 SVN72 IIF,
# G09 SVN68 IIF; IIR SVN41(G14) 43(G13) 44(G28) 45(G21) 46(G11) 47(G22) 51(G20) 56(G16) 59(G19)
# 60(G23); IIR-M G12 G15 G17 G29 G31; IIF G10 G24 G25 G26 G27 G30 G32; IIIA G18 (SVN75).
# GLONASS-K1: R09 (SVN 702); other active slots GLONASS-M (GPSPACE gpsppp.svb_gln_yrly, BL 22/23).
_BLOCK_MEMBERS = {
    "GPS-IIR": "G02 G11 G13 G14 G16 G19 G20 G21 G22 G23 G28",
    "GPS-IIR-M": "G05 G07 G12 G15 G17 G29 G31",
    "GPS-IIF": "G01 G03 G06 G08 G09 G10 G24 G25 G26 G27 G30 G32",
    "GPS-IIIA": "G04 G18",
    "GLONASS-K1": "R09",
    "GLONASS-M": " ".join(f"R{n:02d}" for n in range(1, 25) if n != 9),
    "GALILEO-IOV": "E11 E12 E19 E20",
    "GALILEO-FOC": "E01 E02 E03 E04 E05 E07 E08 E09 E13 E14 E15 E18 E21 E24 E25 E26 E27 E30 E31 E33 E36",
    "BEIDOU-3M": " ".join(f"C{n:02d}" for n in [*range(19, 31), *range(32, 38)]),
}
#: Satellite -> block in June 2020.
BLOCKS_JUNE_2020: dict[str, str] = {sv: block for block, svs in _BLOCK_MEMBERS.items() for sv in svs.split()}


@dataclass(frozen=True)
class PublishedOffset:
    block: str
    offset_m: np.ndarray      # (3,) x, y, z body frame
    bands: tuple[str, str]    # the IF pair the value serves
    source: str


def published_offsets(sv: str, time) -> PublishedOffset | None:
    """The published offset of ``sv`` at ``time`` (GPST), None when no published value applies."""
    when = np.datetime64(time, "ns")
    if not (BLOCKS_JUNE_2020_VALID[0] <= when < BLOCKS_JUNE_2020_VALID[1]):
        return None
    block = BLOCKS_JUNE_2020.get(sv)
    if block is None:
        return None
    offset, bands, source = PUBLISHED_BLOCK_OFFSETS_M[block]
    return PublishedOffset(block, np.array(offset, dtype=float), bands, source)
