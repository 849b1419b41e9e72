"""What a GNSS file's name says: station, marker, day, and kind (observation, navigation, orbit, clock).

Two naming conventions cover the files of permanent networks:

- RINEX 3/4 long names (RINEX 3.04 section 4, "File naming convention"):
  ``SSSSMRCCC_S_YYYYDDDHHMM_PPU[_FFU]_DT.FMT[.cmp]``, e.g. ``ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz``
  (marker ESBC00DNK, 2020 day 177; data type ``MO`` = mixed observations, ``RN`` = GLONASS
  navigation). IGS products use the same pattern: ``GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz``.
- RINEX 2 short names (RINEX 2.11 section 4): ``ssssdddf.yyt`` (``flrs0010.12o``: FLRS, day 001
  of 2012, type ``o`` observations; ``d`` Hatanaka observations; ``n``/``g``/``l``/``p``/``c``
  navigation), and the old IGS product names ``cccwwwwd.sp3`` / ``.clk`` (GPS week and day).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NameInfo", "parse_name", "strip_compression", "COMPRESSION_SUFFIXES"]

COMPRESSION_SUFFIXES = (".gz", ".z", ".zip", ".bz2")

_LONG = re.compile(
    r"^(?P<marker>[A-Z0-9]{4}[0-9A-Z]{2}[A-Z]{3})_(?P<source>[A-Z])_"
    r"(?P<year>\d{4})(?P<doy>\d{3})(?P<hh>\d{2})(?P<mm>\d{2})_(?P<period>\d{2}[MHDYU])"
    r"(?:_(?P<rate>\d{2}[CZSMHDU]))?_(?P<type>[A-Z]{2})(?P<rest>[._].*)?$",
    re.IGNORECASE,
)
# IGS long product names: AAAVPPPTTT_YYYYDDDHHMM_LEN_SMP_CNT.FMT (IGS "long product filenames").
_PRODUCT = re.compile(
    r"^(?P<agency>[A-Z0-9]{3})[0-9](?P<project>[A-Z0-9]{3})(?P<ptype>[A-Z]{3})_"
    r"(?P<year>\d{4})(?P<doy>\d{3})(?P<hh>\d{2})(?P<mm>\d{2})_(?P<period>\d{2}[MHDYU])_"
    r"(?P<rate>\d{2}[CZSMHDU])_(?P<content>[A-Z]{3})(?P<rest>[._].*)?$",
    re.IGNORECASE,
)
_SHORT = re.compile(r"^(?P<station>[a-z0-9]{4})(?P<doy>\d{3})(?P<session>[a-x0-9])\.(?P<yy>\d{2})(?P<type>[a-z])$", re.IGNORECASE)
_GPS_WEEK_PRODUCT = re.compile(r"^(?P<agency>[a-z]{3})(?P<week>\d{4})(?P<dow>[0-7])\.(?P<kind>sp3|clk|clk_30s)$", re.IGNORECASE)

_GPS_EPOCH = dt.date(1980, 1, 6)
_SHORT_KINDS = {"o": "obs", "d": "obs", "n": "nav", "g": "nav", "l": "nav", "p": "nav", "c": "nav",
                "q": "nav", "h": "nav", "f": "nav", "e": "nav"}
# RINEX 2.11 section 4 file types: n GPS, g GLONASS, h SBAS; l Galileo and c BeiDou (RINEX 2.12 use)
_SHORT_NAV_SYSTEMS = {"n": "G", "g": "R", "h": "S", "l": "E", "e": "E", "c": "C", "q": "J"}
_PERIOD_UNIT_S = {"M": 60, "H": 3600, "D": 86400, "Y": 365 * 86400, "U": 0}


@dataclass(frozen=True)
class NameInfo:
    """What a file name tells. ``kind``: ``obs``, ``nav``, ``sp3``, ``clk`` or ``""`` (unknown)."""

    kind: str
    station: str = ""      # 4-character ID, upper case ("" for products)
    marker: str = ""       # 9-character RINEX 3 name where the name has it, else the 4-character ID
    date: dt.date | None = None
    period_s: int = 0      # the file's nominal span (0 = unknown)
    exact: bool = True     # False when the name carries extra text after the convention's pattern
    systems: str = ""      # navigation files: system letters the name promises ("" = all / unknown)


def strip_compression(name: str) -> str:
    """``X.crx.gz`` -> ``X.crx`` (one compression layer; Hatanaka is a format, kept)."""
    lower = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def parse_name(path) -> NameInfo:
    """Station, day and kind from a file name; ``NameInfo("")`` when the name follows no convention."""
    name = strip_compression(Path(path).name)
    for parser in (_parse_long, _parse_product, _parse_short, _parse_week_product):
        info = parser(name)
        if info is not None:
            return info
    return NameInfo("")


def _day(year: int, doy: int) -> dt.date | None:
    try:
        return dt.date(year, 1, 1) + dt.timedelta(days=doy - 1) if 1 <= doy <= 366 else None
    except (ValueError, OverflowError):
        return None


def _period_s(text: str | None) -> int:
    return int(text[:2]) * _PERIOD_UNIT_S[text[2].upper()] if text else 0


def _parse_long(name: str) -> NameInfo | None:
    match = _LONG.match(name)
    if not match:
        return None
    data_type = match["type"].upper()
    kind = {"O": "obs", "N": "nav"}.get(data_type[1], "")
    if kind == "" or data_type[0] not in "GRECJISM":
        return None
    rest = match["rest"] or ""
    marker = match["marker"].upper()
    systems = "" if kind == "obs" or data_type[0] == "M" else data_type[0]  # RN: GLONASS, MN: mixed
    return NameInfo(kind, marker[:4], marker, _day(int(match["year"]), int(match["doy"])),
                    _period_s(match["period"]), exact=rest == "" or bool(re.fullmatch(r"\.[A-Za-z0-9]{3}", rest)),
                    systems=systems)


def _parse_product(name: str) -> NameInfo | None:
    match = _PRODUCT.match(name)
    if not match:
        return None
    kind = {"ORB": "sp3", "CLK": "clk"}.get(match["content"].upper(), "")
    if not kind:
        return None
    return NameInfo(kind, date=_day(int(match["year"]), int(match["doy"])), period_s=_period_s(match["period"]))


def _parse_short(name: str) -> NameInfo | None:
    match = _SHORT.match(name)
    if not match:
        return None
    kind = _SHORT_KINDS.get(match["type"].lower(), "")
    if not kind:
        return None
    yy = int(match["yy"])
    year = 1900 + yy if yy >= 80 else 2000 + yy  # RINEX 2: two-digit years 80-99 are 1980-1999
    station = match["station"].upper()
    systems = _SHORT_NAV_SYSTEMS.get(match["type"].lower(), "") if kind == "nav" else ""
    return NameInfo(kind, station, station, _day(year, int(match["doy"])), 86400 if match["session"] == "0" else 3600,
                    systems=systems)


def _parse_week_product(name: str) -> NameInfo | None:
    match = _GPS_WEEK_PRODUCT.match(name)
    if not match:
        return None
    dow = int(match["dow"])
    date = _GPS_EPOCH + dt.timedelta(weeks=int(match["week"]), days=min(dow, 6))
    kind = "sp3" if match["kind"].lower() == "sp3" else "clk"
    return NameInfo(kind, date=date, period_s=7 * 86400 if dow == 7 else 86400)
