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
- BDS-3 MEO built by CAST: the per-frequency offsets published by CSNO/TARC, as carried by the IGS
  model igs14_2247.atx (record ``BEIDOU-3M-CAST C22 C205``, ``METH / BY / # / DATE``: ``CSNO/TARC
  28-MAY-19``; the record's text is reproduced in cssrlib's test data, src/cssrlib/data/test.atx).
  Their B1I/B3I ionosphere-free value, z = 2.004 m, is GPSPACE's BE3 65 row: the two sources agree.
- CAST or SECM per PRN: GPSPACE gpsppp.svb_bei_yrly header lines (``BEI19 MEO-1S CAST`` ...).
- Caveat, GPS (measured on ESBC 2020-177 with GRG's IGS14 products, docs/ppp.md "The height"): the
  GPS rows are nominal block values of the relative-PCV era (IIR z = 0), not the satellite-specific
  z-offsets of the absolute-PCV models the products since igs05.atx (2006) are made with (igs14:
  IIR 0.7-1.5 m, IIF 1.4-1.55 m). With them static GPS-alone PPP sits 3.3 cm higher than with the
  products' own igs14 offsets (-1.3 vs -4.7 cm against the ITRF2014 truth): a system-specific error
  that looks like accuracy. Give a SINEX/ANTEX with the products' offsets (JAXA MGEX 2020-244 carries
  igs14's) for centimetre work; the provenance of every satellite served from here says so.
What is not here: CSNO values for SECM-built MEO, BDS-3 IGSO and GEO, and the IGS MGEX conventional
BDS-2 values were not found as text by this project: SECM MEO, IGSO and GEO use GPSPACE's nominal IF
rows (BE3 65 labelled CAST, 66, 67); BDS-2 has no value (``None``): GPSPACE's BE2 rows disagree with
the data (below).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import frequency_hz

__all__ = ["PublishedOffset", "PUBLISHED_BLOCK_OFFSETS_M", "PUBLISHED_BAND_OFFSETS_M", "BLOCKS_JUNE_2020",
           "BLOCKS_JUNE_2020_VALID", "COSPAR_JUNE_2020", "published_offsets", "published_cospar", "block_if_offset_m",
           "igs_block_name"]

#: Said in the provenance of GPS satellites served from this table (see the module's caveat).
_GPS_CAVEAT = ("relative-PCV-era nominal value, not the products' absolute-PCV (igs05+/igs14) satellite-specific "
               "z-offset: heights biased by centimetres")
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
    "BEIDOU-3M-SECM": ((-0.200, 0.0, 2.004), ("2", "6"),
                       "GPSPACE gpsppp.svb_bei_yrly BLK BE3 65 MEO CAST (no SECM value found: the CAST row)"),
    "BEIDOU-3I": ((-0.200, 0.0, 2.004), ("2", "6"), "GPSPACE gpsppp.svb_bei_yrly BLK BE3 66 IGSO CAST"),
    "BEIDOU-3G": ((0.600, 0.0, 1.1), ("2", "6"), "GPSPACE gpsppp.svb_bei_yrly BLK BE3 67 GEO CAST"),
}
#: Per-frequency offsets (RINEX band -> x, y, z in metres), the clock pair, and their source.
PUBLISHED_BAND_OFFSETS_M: dict[str, tuple[dict[str, tuple[float, float, float]], tuple[str, str], str]] = {
    "BEIDOU-3M-CAST": ({"1": (-0.200, 0.0, 1.460),   # B1C  CSNO/TARC via igs14_2247.atx C22/C205 (C01)
                        "2": (-0.200, 0.0, 1.460),   # B1I  same record (C02)
                        "5": (-0.200, 0.0, 1.070),   # B2a  same record (C05)
                        "7": (-0.200, 0.0, 1.070),   # B2b  same record (C07)
                        "6": (-0.200, 0.0, 1.180)},  # B3I  same record (C06)
                       ("2", "6"), "CSNO/TARC 2019 per-frequency values (igs14_2247.atx BEIDOU-3M-CAST C205)"),
}

# Not used: GPSPACE BE2 61 MEO (0.560, 0.0, 2.470), 62 IGSO and 63 GEO (0.560, -0.019, 4.919). On the
# ESBC day broadcast minus IAC's centre of mass is -1.2..+1.0 m radially for every BDS-2 satellite
# (C05 GEO -0.91 m): with these rows C05's radial RMS went from 1.0 to 4.0 m and the BDS-2 IGSO/MEO
# SISRE grew (docs/antenna.md). BDS-2 therefore stays "none" until a source that fits is given.

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
    # BeiDou-3 types from GPSPACE gpsppp.svb_bei_yrly rows valid on 2020-06-25 (column BL: 65 BDS-3 MEO,
    # 66 BDS-3 IGSO, 67 BDS-3 GEO) and its header names (CAST / SECM)
    "BEIDOU-3M-CAST": "C19 C20 C21 C22 C23 C24 C32 C33 C36 C37 C41 C42 C45 C46",
    "BEIDOU-3M-SECM": "C25 C26 C27 C28 C29 C30 C34 C35 C43 C44",
    "BEIDOU-3I": "C38 C39 C40",
    "BEIDOU-3G": "C59 C60",
}
#: Satellite -> block in June 2020.
BLOCKS_JUNE_2020: dict[str, str] = {sv: block for block, svs in _BLOCK_MEMBERS.items() for sv in svs.split()}

#: The IGS block name (ANTEX ``TYPE / SERIAL NO``, SINEX ``SATELLITE/ID``) of each published block. GPS
#: IIR splits into IIR-A (SVN 41-46, 51, 54, 56) and IIR-B (SVN 47, 59-61) by the antenna panel the IGS
#: models give separate values (IGS satellite metadata; the ESA 2024-185 SINEX labels G13 G16 G20 G21 G28
#: IIR-A and G02 G19 IIR-B alike): in June 2020 G11 G13 G14 G16 G20 G21 G28 (SVN 46 43 41 56 51 45 44) and
#: G02 G19 G22 G23 (SVN 61 59 47 60).
_IGS_BLOCK_NAMES = {"GPS-IIA": "BLOCK IIA", "GPS-IIR-M": "BLOCK IIR-M", "GPS-IIF": "BLOCK IIF",
                    "GPS-IIIA": "BLOCK IIIA", "GLONASS-M": "GLONASS-M", "GLONASS-K1": "GLONASS-K1",
                    "GALILEO-IOV": "GALILEO-1", "GALILEO-FOC": "GALILEO-2"}
_IIR_B_JUNE_2020 = ("G02", "G19", "G22", "G23")


def igs_block_name(sv: str, time) -> str | None:
    """The IGS block name of ``sv`` at ``time`` per the published table (``"BLOCK IIR-A"``), or None."""
    when = np.datetime64(time, "ns")
    if not (BLOCKS_JUNE_2020_VALID[0] <= when < BLOCKS_JUNE_2020_VALID[1]):
        return None
    block = BLOCKS_JUNE_2020.get(sv)
    if block == "GPS-IIR":
        return "BLOCK IIR-B" if sv in _IIR_B_JUNE_2020 else "BLOCK IIR-A"
    return _IGS_BLOCK_NAMES.get(block)


# Satellite -> COSPAR ID (the spacecraft's identity) in June 2020, from GPSPACE's yearly rows
# (github.com/lahayef/GPSPACE, gpsppp.svb_gps_yrly / _gln_ / _gal_, column INT. ID, rows valid on
# 2020-06-25). With it the SVN of a SINEX SATELLITE/ID or ANTEX block of any date is found, and the
# per-SVN SINEX offsets apply, and a PRN-keyed SINEX row of another day serves when the same
# spacecraft flew the PRN on both days. Each entry's window is its GPSPACE row's. G23 is left out: GPSPACE moves PRN 23 to SVN76 (2020-041A) from
# 2020-06-10, but SVN76 was launched on 2020-06-30 and the IGS ANTEX (igs20, G23 G076) has it only
# from 2020-07-14. BeiDou is left out: no SINEX file here holds BeiDou offsets to look up.
_COSPAR_TEXT = (  # PRN:COSPAR:first day:last day (inclusive) of the GPSPACE row holding 2020-06-25
    "G01:2011-036A:20200101:20201231 G02:2004-045A:20200101:20201231 G03:2014-068A:20200101:20201231 "
    "G04:2018-109A:20191009:20201231 G05:2009-043A:20200101:20201231 G06:2014-026A:20200101:20201231 "
    "G07:2008-012A:20200101:20201231 G08:2015-033A:20200101:20201231 G09:2014-045A:20200101:20201231 "
    "G10:2015-062A:20200101:20201231 G11:1999-055A:20200101:20201110 G12:2006-052A:20200101:20201231 "
    "G13:1997-035A:20200101:20201231 G14:2000-071A:20200101:20200709 G15:2007-047A:20200101:20201231 "
    "G16:2003-005A:20200101:20201231 G17:2005-038A:20200101:20201231 G18:2019-056A:20200401:20201231 "
    "G19:2004-009A:20200101:20201231 G20:2000-025A:20200101:20201231 G21:2003-010A:20200101:20201231 "
    "G22:2003-058A:20200101:20201231 G24:2012-053A:20200101:20201231 G25:2010-022A:20200101:20201231 "
    "G26:2015-013A:20200101:20201231 G27:2013-023A:20200101:20201231 G28:2000-040A:20200101:20201231 "
    "G29:2007-062A:20200101:20201231 G30:2014-008A:20200101:20201231 G31:2006-042A:20200101:20201231 "
    "G32:2016-007A:20200101:20201231 R01:2009-070A:20200101:20201231 R02:2013-019A:20200101:20201231 "
    "R03:2011-064A:20200101:20201231 R04:2019-088A:20191211:20201231 R05:2018-053A:20200101:20201231 "
    "R06:2009-070B:20200101:20201231 R07:2011-064B:20200101:20201231 R08:2011-064C:20200101:20201231 "
    "R09:2014-075A:20200101:20210131 R10:2007-065C:20200213:20201231 R11:2016-032A:20200101:20201119 "
    "R12:2019-030A:20200101:20201231 R13:2007-065A:20200101:20201231 R14:2017-055A:20200101:20201231 "
    "R15:2018-086A:20200101:20201231 R16:2010-041C:20200101:20201231 R17:2016-008A:20200101:20201231 "
    "R18:2014-012A:20200101:20210228 R19:2007-052A:20200101:20210131 R20:2007-052B:20200101:20201231 "
    "R21:2014-032A:20200101:20201231 R23:2010-007C:20200101:20201231 R24:2020-018A:20200414:20201231 "
    "E01:2016-030B:20200101:20201231 E02:2016-030A:20200101:20201231 E03:2016-069B:20200101:20201231 "
    "E04:2016-069C:20200101:20201231 E05:2016-069D:20200101:20201231 E07:2016-069A:20200101:20201231 "
    "E08:2015-079B:20200101:20201231 E09:2015-079A:20200101:20201231 E11:2011-060A:20200101:20201231 "
    "E12:2011-060B:20200101:20201231 E13:2018-060D:20200101:20201231 E15:2018-060A:20200101:20201231 "
    "E19:2012-055A:20200101:20201231 E20:2012-055B:20121012:20240318 E21:2017-079A:20200101:20201231 "
    "E22:2015-017B:20150327:20400101 E24:2015-045A:20200101:20200831 E25:2017-079B:20200101:20201231 "
    "E26:2015-017A:20200101:20201231 E27:2017-079C:20200101:20201231 E30:2015-045B:20200101:20201231 "
    "E31:2017-079D:20200101:20201231 E33:2018-060B:20200101:20201231 E36:2018-060C:20200101:20201231")

#: Satellite -> (COSPAR ID, first, end) with end exclusive (GPSPACE, see above).
COSPAR_JUNE_2020: dict[str, tuple[str, np.datetime64, np.datetime64]] = {
    sv: (cospar, np.datetime64(f"{a[:4]}-{a[4:6]}-{a[6:]}", "ns"),
         np.datetime64(f"{b[:4]}-{b[4:6]}-{b[6:]}", "ns") + np.timedelta64(1, "D"))
    for sv, cospar, a, b in (item.split(":") for item in _COSPAR_TEXT.split())}


def published_cospar(sv: str, time) -> str | None:
    """COSPAR ID of the spacecraft flying as ``sv`` at ``time`` (GPST) per the published table, or None."""
    entry = COSPAR_JUNE_2020.get(sv)
    if entry is None or not (entry[1] <= np.datetime64(time, "ns") < entry[2]):
        return None
    return entry[0]


@dataclass(frozen=True)
class PublishedOffset:
    block: str
    offsets: dict             # RINEX band -> (3,) x, y, z body frame (m)
    bands: tuple[str, str]    # the clock pair
    source: str

    @property
    def offset_m(self) -> np.ndarray:
        """(3,) offset of the ionosphere-free combination of the clock pair."""
        return _if_offset(_system_of(self.block), self.offsets, self.bands)


def _system_of(block: str) -> str:
    return {"GPS": "G", "GLONASS": "R", "GALILEO": "E", "BEIDOU": "C"}[block.split("-")[0]]


def _if_offset(system: str, offsets: dict, bands) -> np.ndarray:
    """a1 PCO1 + a2 PCO2 with the IF weights f1²/(f1²-f2²), -f2²/(f1²-f2²) (GLONASS: nominal G1/G2)."""
    p1, p2 = np.asarray(offsets[bands[0]], dtype=float), np.asarray(offsets[bands[1]], dtype=float)
    if np.array_equal(p1, p2):
        return p1.copy()
    f1, f2 = (frequency_hz(system, band, 0) for band in bands)
    return (f1**2 * p1 - f2**2 * p2) / (f1**2 - f2**2)


def _entry(block: str) -> tuple[dict, tuple[str, str], str]:
    if block in PUBLISHED_BAND_OFFSETS_M:
        return PUBLISHED_BAND_OFFSETS_M[block]
    offset, bands, source = PUBLISHED_BLOCK_OFFSETS_M[block]
    return {band: offset for band in bands}, bands, source


def block_if_offset_m(block: str) -> tuple[np.ndarray, str]:
    """(IF offset of the clock pair (3,), source) of a block of the published table."""
    offsets, bands, source = _entry(block)
    return _if_offset(_system_of(block), offsets, bands), source


def published_offsets(sv: str, time) -> PublishedOffset | None:
    """The published offsets of ``sv`` at ``time`` (GPST), None when no published value applies."""
    when = np.datetime64(time, "ns")
    if not (BLOCKS_JUNE_2020_VALID[0] <= when < BLOCKS_JUNE_2020_VALID[1]):
        return None
    block = BLOCKS_JUNE_2020.get(sv)
    if block is None:
        return None
    offsets, bands, source = _entry(block)
    if block.startswith("GPS-"):
        source = f"{source} ({_GPS_CAVEAT})"
    return PublishedOffset(block, {band: np.array(v, dtype=float) for band, v in offsets.items()}, bands, source)
