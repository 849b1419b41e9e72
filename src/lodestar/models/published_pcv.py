"""Block-specific nadir phase-centre variations of GPS and GLONASS satellites, as the IGS absolute model gives them.

>>> block_nadir_pattern("BLOCK IIR-M")   # an AntennaPattern (G01, G02) or None

In the IGS absolute antenna models the GPS satellite PCVs are **block-specific**, purely
nadir-dependent, the same on L1 and L2 (set to the ionosphere-free result), 0-17 deg in 1 deg steps:
the header of ``igs14.atx`` (IGS Antenna Working Group; carried verbatim by ``antex/igs14_small.atx`` in
the data folder) and of ``igs20.atx`` (``antex/igs20_wettzell_trim.atx``) both say "phase center
variations: block-specific ... adopted from igs05.atx ... Block IIF: adopted from igs08.atx" with the
extension beyond 14 deg from LEO data (CODE, 2009). So the same values serve igs05-, igs08-, igs14- and
igs20-era products for blocks IIA, IIR-A, IIR-B, IIR-M and IIF.

A SINEX file carries satellite offsets but no variations; a satellite served by one therefore had no
PCV at all, which leaves an elevation signature in the residuals (ESBC 2020-177, GPS alone, phase
post-fit mean +9 mm above 85 deg elevation and -3 mm at 55-60 deg; +2.7 / -1.3 mm with these values:
docs/ppp.md, "GPS satellite PCVs"). :class:`lodestar.models.phase_center.PhaseCentres` attaches these values to
GPS satellites whose offsets come from a SINEX file.

Values (mm), read from the IGS ANTEX blocks in ``../shared/data/antex`` (checked against them in
``tests/test_published_pcv.py``): IIA from ``igs14_small.atx`` (G032, line 487), IIR-A from
``igs20_wettzell_trim.atx`` (G043, line 611), IIR-B from ``igs20_zim2_gps_trim.atx`` (G059, line 704),
IIR-M from ``igs20_wettzell_trim.atx`` (G050, line 559), IIF from ``igs20_wettzell_trim.atx`` (G072,
line 576). Not here: BLOCK IIIA (igs20's values are new estimates by ESA and CODE, not the igs14
ones, whose text this project does not have), GLONASS-K1 (preliminary zeros in igs08), Galileo and
BeiDou (satellite-type calibrations, not block means).

GLONASS: the igs14 and igs20 headers say "phase center variations: block-specific (common parameters for
GLONASS and GLONASS-M), satellite-specific values for R714 ... adopted from igs08.atx ... unweighted mean
of two ACs (CODE, ESOC)", 0-15 deg nadir. The values (mm) are those of igs08.atx's GLONASS-M blocks
(IGS08_1805; e.g. R08 / R729, `tests/fixtures/igs08_1805_GLONASS-M_R729.atx`, origin in its README); R714,
the one satellite with values of its own, was not flying in 2020 (the SINEX SATELLITE/ID rows here).
"""

from __future__ import annotations

import numpy as np

from ..io.antex import AntennaPattern, FrequencyPattern

__all__ = ["GLONASS_BLOCK_NADIR_PCV_MM", "GLONASS_NADIR_DEG", "GPS_BLOCK_NADIR_PCV_MM", "NADIR_DEG", "block_nadir_pattern"]

#: Nadir angles (deg) of the values below (ANTEX ZEN1 / ZEN2 / DZEN 0.0 17.0 1.0).
NADIR_DEG = np.arange(0.0, 18.0, 1.0)
_IIR_B_M_PCV_MM = (10.7, 10.1, 8.0, 4.6, 0.5, -3.8, -7.5, -9.7, -10.3, -9.5, -7.4, -4.1, 0.3, 6.0, 12.1, 22.0, 30.4,
                   40.6)
#: Block -> PCV (mm) at NADIR_DEG, the same on L1 (G01) and L2 (G02). Sources in the module docstring.
GPS_BLOCK_NADIR_PCV_MM: dict[str, tuple[float, ...]] = {
    "BLOCK IIA": (-0.8, -0.9, -0.9, -0.8, -0.4, 0.2, 0.8, 1.3, 1.4, 1.2, 0.7, 0.0, -0.4, -0.7, -0.9, -0.9,
                  -0.9, -0.9),
    "BLOCK IIR-A": (-6.1, -5.2, -3.3, -1.0, 1.4, 3.5, 4.7, 4.9, 4.1, 2.8, 0.8, -1.0, -2.1, -2.1, -1.4, -0.8,
                    2.0, 6.4),
    "BLOCK IIR-B": _IIR_B_M_PCV_MM,
    "BLOCK IIR-M": _IIR_B_M_PCV_MM,  # the same values as IIR-B in both IGS files
    "BLOCK IIF": (6.1, 4.4, 2.8, 1.3, -0.2, -1.4, -2.8, -3.9, -4.4, -4.4, -3.7, -2.3, -0.2, 3.0, 5.7, 12.4,
                  18.2, 23.5),
}


#: Nadir angles (deg) of the GLONASS values (ANTEX ZEN1 / ZEN2 / DZEN 0.0 15.0 1.0).
GLONASS_NADIR_DEG = np.arange(0.0, 16.0, 1.0)
_GLONASS_PCV_MM = (1.9, 1.5, 1.1, 0.8, 0.2, -0.2, -0.6, -1.1, -1.3, -1.6, -1.8, -1.6, -1.1, 0.0, 1.5, 2.2)
#: Block -> PCV (mm) at GLONASS_NADIR_DEG, the same on G1 (R01) and G2 (R02); one set for both blocks.
GLONASS_BLOCK_NADIR_PCV_MM: dict[str, tuple[float, ...]] = {"GLONASS": _GLONASS_PCV_MM, "GLONASS-M": _GLONASS_PCV_MM}


def block_nadir_pattern(block: str, serial: str = "", svn: str = "") -> AntennaPattern | None:
    """The block's nadir PCV as an :class:`AntennaPattern` (GPS G01/G02 or GLONASS R01/R02, zero offsets),
    None if not tabled."""
    if block in GPS_BLOCK_NADIR_PCV_MM:
        values, nadir, codes = GPS_BLOCK_NADIR_PCV_MM[block], NADIR_DEG, ("G01", "G02")
    elif block in GLONASS_BLOCK_NADIR_PCV_MM:
        values, nadir, codes = GLONASS_BLOCK_NADIR_PCV_MM[block], GLONASS_NADIR_DEG, ("R01", "R02")
    else:
        return None
    noazi = np.asarray(values, dtype=float) * 1e-3
    frequencies = {code: FrequencyPattern(code, np.zeros(3), noazi, None) for code in codes}
    nat = np.datetime64("NaT", "ns")
    return AntennaPattern(block, "", serial, svn, "", nat, nat, nadir.copy(), np.array([]), frequencies,
                          path=__name__, line=0)
