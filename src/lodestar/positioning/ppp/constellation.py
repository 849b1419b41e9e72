"""BeiDou satellite types that the PPP models treat differently (CSNO constellation status, 2020).

BDS-2 IGSO and MEO carry the satellite-induced code bias (Wanninger & Beer 2015, Table 1; C13 and C16
IGSO launched later); GEO (BDS-2 C01-C05, BDS-3 C59-C63) are left out by default (docs/ppp.md).
"""

from __future__ import annotations

__all__ = ["BDS2_IGSO", "BDS2_MEO", "BDS_GEO"]

BDS2_IGSO = frozenset({"C06", "C07", "C08", "C09", "C10", "C13", "C16"})
BDS2_MEO = frozenset({"C11", "C12", "C14"})
BDS_GEO = frozenset({"C01", "C02", "C03", "C04", "C05", "C59", "C60", "C61", "C62", "C63"})
