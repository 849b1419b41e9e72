"""RINEX navigation files (2.x, 3.0x, 4.00) as tables of named, SI-unit fields.

>>> nav = read_nav("ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
>>> nav.records["R"][["sv", "toc", "x_m", "freq_channel"]]

One table per system (``records["C"]``), one row per record, with ``sv``, ``toc`` (GPS time),
``message``, ``line`` and the fields named in :mod:`lodestar.io._nav_layouts`. Times are GPS
time: GLONASS epochs (UTC in RINEX) get the leap seconds, BeiDou epochs (BDT) +14 s.
Anything not read (e.g. RINEX 4 CNAV records) is counted in ``skipped``; nothing is dropped
silently. See docs/io-nav.md.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FormatError, LodestarError
from ..systems import SYSTEM_ORDER, parse_system_set
from ..time import Time
from ._columns import UNKNOWN_MARK, datetimes
from ._nav_header import read_header
from ._nav_layouts import KM_FIELDS, REQUIRED_FIELDS
from ._nav_records import Body, SystemRows, read_body, record_values
from .compression import read_bytes

__all__ = ["NavData", "read_nav", "merge_nav", "load_nav"]

#: Time scale of each system's record epochs (RINEX 3.05 section 6.1; GLONASS in UTC).
TIME_SCALE = {"G": "gpst", "J": "gpst", "I": "gpst", "S": "gpst", "E": "gst", "C": "bdt", "R": "utc"}
_ARCSEC_RAD = math.pi / (180 * 3600)
_DAY_S = 86400.0
_EOP_COLUMNS = ["sv", "time", "message", "line", "xp_rad", "xp_rate_radps", "xp_accel_radps2", "yp_rad",
                "yp_rate_radps", "yp_accel_radps2", "dut1_s", "dut1_rate_sps", "dut1_accel_sps2", "transmit_sow"]


@dataclass(frozen=True, repr=False)
class NavData:
    """The content of one (or several merged) navigation files."""

    path: str
    version: float
    records: dict[str, pd.DataFrame]
    iono: dict
    time_corrections: list
    leap_seconds: int | None
    skipped: dict[str, int]
    #: RINEX 4 ``> EOP`` records (empty for older files); angles in rad, rates per second.
    eop: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_EOP_COLUMNS))
    #: records set aside, each named by its file and line (an unreadable or out-of-range field): the others are
    #: read; a damaged record must not cost the file
    warnings: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Records per system, e.g. ``{"G": 263, "R": 510, ...}``."""
        return {system: len(table) for system, table in self.records.items()}

    def __repr__(self) -> str:  # the tables themselves would fill a notebook cell
        return (f"NavData({self.path!r}, version={self.version}, records={self.counts()}, "
                f"iono={sorted(self.iono)}, skipped={self.skipped})")


def read_nav(path, *, content: bytes | None = None, systems=None) -> NavData:
    """Read a RINEX 2, 3 or 4 navigation file (any compression ``read_bytes`` opens).

    ``systems``: keep only these systems' ephemeris records (``"R+C"`` or ``("R", "C")``); the
    others are skipped unread (faster: a multi-GNSS day is ~5000 records). The header (ionosphere,
    time corrections, leap seconds) and RINEX 4 ION/STO/EOP records are always read.
    """
    keep = None
    if systems is not None:
        keep = set(parse_system_set(systems if isinstance(systems, str) else "+".join(systems)))
    if content is None:
        content = read_bytes(path)
    if not content.strip():
        raise FormatError(path, None, "a RINEX navigation file", "an empty file")
    lines = [line.rstrip("\r") for line in content.decode("latin-1").split("\n")]
    header = read_header(path, lines)
    body = read_body(path, lines, header.body_start, header.version, header.system, keep)
    iono = _merge_v4_iono(header.iono, body.ion, body.skipped)
    notes: list = []  # (FormatError, sv) of the records left out
    records = _system_tables(path, body, notes)
    kept = sum(len(table) for table in records.values())
    if notes and len(notes) > kept:  # more records unreadable than readable: the file, not a record, is damaged
        raise notes[0][0]
    return NavData(
        path=str(path), version=header.version, records=records, iono=iono,
        time_corrections=header.time_corrections + [_sto_entry(entry) for entry in body.sto],
        leap_seconds=header.leap_seconds, skipped=dict(sorted(body.skipped.items())), eop=_eop_table(body),
        warnings=[f"{error}: the record of {sv} is left out" for error, sv in notes],
    )


# --- record tables -------------------------------------------------------------------------
def _system_tables(path, body: Body, notes: list) -> dict[str, pd.DataFrame]:
    """One table per system; messages of different layouts (BDS D1/D2 and CNAV) share it. Records with an
    unreadable or out-of-range field are left out, each named in ``notes``."""
    records = {}
    for system in sorted({system for system, _ in body.groups}, key=SYSTEM_ORDER.index):
        tables = [_table(path, system, rows, notes) for (letter, _), rows in body.groups.items() if letter == system]
        table = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
        records[system] = table.sort_values(["sv", "toc"], kind="stable").reset_index(drop=True)
    return records


def _table(path, system: str, rows: SystemRows, notes: list) -> pd.DataFrame:
    layout = rows.layout
    culprits: list = []
    table = pd.DataFrame(record_values(path, rows, culprits), columns=list(layout.names))
    for name in KM_FIELDS:
        if name in table:
            table[name] *= 1000.0  # RINEX km, km/s, km/s^2 -> SI
    if "delay_l1l2_s" in table:
        table.loc[table["delay_l1l2_s"] == UNKNOWN_MARK, "delay_l1l2_s"] = np.nan
    if system == "J":
        table["fit_interval_h"] = _qzss_fit_interval(table["fit_interval_h"].to_numpy())
    culprits += _check_required(path, table, rows)
    if culprits and layout.keplerian:  # the rows left out below must not feed the week/toe arithmetic NaN
        for name in ("week", "toe_sow"):
            if name in table:
                table.loc[sorted({row for row, _ in culprits}), name] = 0.0
    table.insert(0, "sv", rows.sv)
    table.insert(1, "toc", Time.from_scale(datetimes(np.array(rows.epoch)), TIME_SCALE[system]).gpst)
    table.insert(2, "message", rows.message)
    table.insert(3, "line", np.array(rows.line, dtype=np.int64))
    if layout.keplerian:
        if "week" not in table:  # BDS CNAV: toe in the BDT week of toc (moved by _add_toe if needed)
            table.insert(table.columns.get_loc("toe_sow") + 1, "week",
                         Time(table["toc"].to_numpy()).week_sow(TIME_SCALE[system])[0])
        _add_toe(table, TIME_SCALE[system])
    if culprits:
        bad = sorted({row for row, _ in culprits})
        first = {}
        for row, error in culprits:
            first.setdefault(row, error)
        notes += [(first[row], rows.sv[row]) for row in bad]
        table = table.drop(index=bad).reset_index(drop=True)
    return table


def _check_required(path, table: pd.DataFrame, rows: SystemRows) -> list:
    """Fields without which a record means nothing must be present and in range: ``(row, FormatError)`` of the
    records where they are not (those records are then left out; the table keeps them until then)."""
    culprits = []
    for name, (low, high, whole) in REQUIRED_FIELDS.items():
        if name not in table:
            continue
        column = table[name].to_numpy()
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(column) | (column < low) | (column > high)
            if whole:
                bad |= column != np.round(column)
        kind = "a whole number" if whole else "a number"
        for index in np.flatnonzero(bad):
            culprits.append((int(index), FormatError(path, rows.line[index], f"{kind} in [{low}, {high}] for {name} of "
                                                     f"{rows.sv[index]}", str(column[index]))))
        if whole:
            table[name] = np.where(bad, 0, column).astype(np.int64)
    return culprits


def _qzss_fit_interval(flag: np.ndarray) -> np.ndarray:
    """QZSS writes a flag (RINEX 3.05 Table A12): 0 = 2 hours, 1 = longer (unspecified -> NaN)."""
    hours = flag.copy()
    hours[flag == 0] = 2.0
    hours[flag == 1] = np.nan
    return hours


def _add_toe(table: pd.DataFrame, scale: str) -> None:
    """``toe`` from week + toe_sow in the system's time; the week is moved next to ``toc``.

    Writers differ on which week they give (transmission vs toe; GPS weeks modulo 1024), so
    like RTKLIB's ``adjweek`` the toe is taken within half a week of the clock epoch.
    """
    week = table["week"].to_numpy()
    toe = Time.from_week_sow(week, table["toe_sow"].to_numpy(), scale).gpst
    weeks_off = np.round((table["toc"].to_numpy() - toe) / np.timedelta64(604_800, "s"))
    weeks_off = np.where(np.isfinite(weeks_off), weeks_off, 0).astype(np.int64)
    table["week"] = week + weeks_off
    table["toe"] = toe + (weeks_off * 604_800 * 1_000_000_000).astype("timedelta64[ns]")


# --- RINEX 4 ION / STO / EOP -----------------------------------------------------------------
_KLOBUCHAR_KEYS = {("G", "LNAV"): ("GPSA", "GPSB"), ("J", "LNAV"): ("QZSA", "QZSB"), ("I", "LNAV"): ("IRNA", "IRNB")}


def _merge_v4_iono(iono: dict, ion_records: list[dict], skipped: Counter) -> dict:
    """RINEX 4 ``> ION`` records into the header layout (first set per key; BDS: every set)."""
    iono = dict(iono)
    for entry in ion_records:
        key = (entry["system"], entry["message"])
        values = entry["values"]
        time = _epoch_gpst(entry)
        if key in _KLOBUCHAR_KEYS and len(values) >= 8:
            alpha_key, beta_key = _KLOBUCHAR_KEYS[key]
            iono.setdefault(alpha_key, values[0:4])
            iono.setdefault(beta_key, values[4:8])
        elif key == ("C", "D1D2") and len(values) >= 8:
            # the header's time mark (RINEX 3.04 5.3): hour of transmission in BDT, A = 00-01 h
            mark = chr(ord("A") + int(entry["epoch"][3]) % 24)
            iono.setdefault("BDS", []).append(
                {"sv": entry["sv"], "time_mark": mark, "alpha": values[0:4], "beta": values[4:8], "time_gps": time})
        elif key == ("E", "IFNV") and len(values) >= 3:
            iono.setdefault("GAL", values[0:3])
        else:
            skipped[f"ION {entry['system']} {entry['message']}"] += 1
    return iono


def _epoch_gpst(entry: dict) -> str:
    local = datetimes(np.array([entry["epoch"]]))
    return str(Time.from_scale(local, TIME_SCALE[entry["system"]]).iso()[0])


def _sto_entry(entry: dict) -> dict:
    keys = ("type", "a0_s", "a1_sps", "a2_sps2", "transmit_sow", "source", "utc_id", "sv", "message", "line")
    return {"time_gps": _epoch_gpst(entry), "ref_sow": None, "ref_week": None, **{k: entry[k] for k in keys}}


def _eop_table(body: Body) -> pd.DataFrame:
    if not body.eop:
        return pd.DataFrame(columns=_EOP_COLUMNS)
    rows = []
    for entry in body.eop:
        xp, yp, dut1 = (np.array(entry[k]) for k in ("xp", "yp", "dut1"))
        per_day = np.array([1.0, 1 / _DAY_S, 1 / _DAY_S**2])
        rows.append([entry["sv"], None, entry["message"], entry["line"], *(xp * _ARCSEC_RAD * per_day),
                     *(yp * _ARCSEC_RAD * per_day), *(dut1 * per_day), entry["transmit_sow"]])
    table = pd.DataFrame(rows, columns=_EOP_COLUMNS)
    local = datetimes(np.array([entry["epoch"] for entry in body.eop]))
    scales = np.array([TIME_SCALE[entry["system"]] for entry in body.eop])
    times = local.copy()
    for scale in set(scales):
        times[scales == scale] = Time.from_scale(local[scales == scale], scale).gpst
    table["time"] = times
    return table


# --- merging -------------------------------------------------------------------------------
def load_nav(nav, systems=None) -> NavData:
    """One ``NavData`` from a ``NavData``, a path, or a list of either (merged).

    ``systems``: read only these systems' records from files (the others are skipped unread).
    """
    if isinstance(nav, NavData):
        return nav
    items = [nav] if isinstance(nav, (str, Path)) else list(nav)
    if not items:
        raise LodestarError("no navigation file given; pass --nav FILE")
    options = {} if systems is None else {"systems": tuple(systems)}
    navs = [item if isinstance(item, NavData) else read_nav(item, **options) for item in items]
    return navs[0] if len(navs) == 1 else merge_nav(navs)


def merge_nav(navs) -> NavData:
    """Join several navigation files (``NavData`` or paths), dropping records present twice.

    ``line`` stays the line in the record's own file; ``path`` lists the files joined by `` + ``.
    """
    navs = [nav if isinstance(nav, NavData) else read_nav(nav) for nav in navs]
    if not navs:
        raise LodestarError("merge_nav needs at least one navigation file")
    systems = sorted({s for nav in navs for s in nav.records}, key=SYSTEM_ORDER.index)
    records = {s: _merge_tables([nav.records[s] for nav in navs if s in nav.records]) for s in systems}
    iono: dict = {}
    for nav in navs:
        for key, value in nav.iono.items():
            if key == "BDS":
                iono.setdefault("BDS", []).extend(v for v in value if v not in iono.get("BDS", []))
            else:
                iono.setdefault(key, value)
    skipped: Counter = Counter()
    for nav in navs:
        skipped.update(nav.skipped)
    eops = [nav.eop for nav in navs if len(nav.eop)]
    return NavData(
        path=" + ".join(nav.path for nav in navs), version=min(nav.version for nav in navs),
        records=records, iono=iono, time_corrections=[c for nav in navs for c in nav.time_corrections],
        leap_seconds=next((nav.leap_seconds for nav in navs if nav.leap_seconds is not None), None),
        skipped=dict(sorted(skipped.items())),
        eop=pd.concat(eops, ignore_index=True) if eops else pd.DataFrame(columns=_EOP_COLUMNS),
        warnings=[w for nav in navs for w in nav.warnings],
    )


def _merge_tables(tables: list[pd.DataFrame]) -> pd.DataFrame:
    table = pd.concat(tables, ignore_index=True)
    content = [c for c in table.columns if c != "line"]
    table = table.drop_duplicates(subset=content, keep="first")
    return table.sort_values(["sv", "toc"], kind="stable").reset_index(drop=True)
