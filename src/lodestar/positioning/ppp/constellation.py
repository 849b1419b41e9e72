"""BeiDou satellite types that the PPP models treat differently (CSNO constellation status, 2020).

BDS-2 IGSO and MEO carry the satellite-induced code bias (Wanninger & Beer 2015, Table 1; C13 and C16
IGSO launched later); GEO (BDS-2 C01-C05, BDS-3 C59-C63) are left out by default (docs/ppp.md).
BDS-3 satellites fly PRN 19-63 (BDS-2: PRN 1-18; CSNO constellation status, mgex.igs.org BDS pages);
its MEO and IGSO transmit the B1C and B2a open signals besides B1I/B3I (BDS-SIS-ICD-B1C 1.0 §3,
BDS-SIS-ICD-B2a 1.0 §3), its GEO do not, BDS-2 satellites never.
"""

from __future__ import annotations

__all__ = ["BDS2_IGSO", "BDS2_MEO", "BDS_GEO", "is_bds3"]

BDS2_IGSO = frozenset({"C06", "C07", "C08", "C09", "C10", "C13", "C16"})
BDS2_MEO = frozenset({"C11", "C12", "C14"})
BDS_GEO = frozenset({"C01", "C02", "C03", "C04", "C05", "C59", "C60", "C61", "C62", "C63"})


def is_bds3(sv: str) -> bool:
    """True for a BeiDou-3 PRN (C19-C63), the satellites that may carry B1C/B2a (GEO excepted)."""
    return len(sv) == 3 and sv[0] == "C" and sv[1:].isdigit() and 19 <= int(sv[1:]) <= 63
