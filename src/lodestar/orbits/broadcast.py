"""Broadcast ephemerides of GPS, GLONASS, Galileo, BeiDou (and QZSS) from navigation records.

>>> eph = BroadcastEphemeris(read_nav(path))
>>> st = eph.states(times, ["R01", "C05", "G12"])   # times: Time (T,) or (T, S), GPST

Per satellite and epoch the nearest valid record inside the system's window is used
(``selection.py``); everything else is NaN with a reason. Each system uses its own constants
(``lodestar.constants``): GPS/QZSS WGS-84 values, Galileo, BeiDou CGCS2000, GLONASS PZ-90.11.
Times: the reader gives ``toc``/``toe`` in GPST (BDT + 14 s, GLONASS UTC(SU) + leap seconds), so
``t − toe`` is taken directly; the ICD's ``Ω0 − ω_e toe`` term uses ``toe_sow`` in the system's own
week (BDT for BeiDou, GST for Galileo).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..constants import C_MPS, SYSTEM_CONSTANTS
from .glonass import DEFAULT_STEP_S, GLONASS_FIELDS, glonass_clock_s, integrate_glonass
from .kepler import KEPLER_FIELDS, kepler_position_velocity
from .selection import DEFAULT_WINDOWS_S, select_records
from .states import SatStates, as_time_grid

__all__ = ["BroadcastEphemeris", "is_beidou_geo", "GROUP_DELAY_FIELDS"]

KEPLER_SYSTEMS = ("G", "E", "C", "J")
#: Message types used per system (Galileo: I/NAV by default, its clock refers to E1/E5b).
DEFAULT_MESSAGES = {"G": ("LNAV",), "J": ("LNAV",), "E": ("INAV",), "C": ("D1", "D2"), "R": ("FDMA",)}
#: Group-delay fields carried through per system (names of the navigation tables).
GROUP_DELAY_FIELDS = {"G": ("tgd_s",), "J": ("tgd_s",), "E": ("bgd_e5a_e1_s", "bgd_e5b_e1_s"),
                      "C": ("tgd1_s", "tgd2_s"), "R": ("delay_l1l2_s",)}
#: Galileo SV health bits (RINEX 3.05 table A8): I/NAV E1-B and E5b DVS+HS, F/NAV E5a DVS+HS.
_GALILEO_HEALTH_MASK = {"INAV": 0b111000111, "FNAV": 0b000111000}
_CLOCK_FIELDS = ("af0_s", "af1_sps", "af2_sps2")


def is_beidou_geo(svs) -> np.ndarray:
    """BeiDou GEO by PRN: C01–C05 and C59–C63 (BDS-SIS-ICD-B1I 3.0 §5.2.4.12; BDS-3 GEOs C59–C63)."""
    svs = np.asarray(svs).astype(str)
    unique, inverse = np.unique(svs, return_inverse=True)
    prn = np.array([int(s[1:]) if s[:1] == "C" and s[1:].isdigit() else 0 for s in unique])[inverse]
    return ((prn >= 1) & (prn <= 5)) | ((prn >= 59) & (prn <= 63))


def _column(table: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name in table.columns:
        return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
    return np.full(n, np.nan)


class _SystemRecords:
    """One system's usable navigation records as plain arrays, with a reason for each unusable one."""

    def __init__(self, letter: str, table: pd.DataFrame, messages, window_s: float):
        if "message" in table.columns:
            table = table[table["message"].isin(messages)]
        table = table.reset_index(drop=True)
        n = len(table)
        self.letter = letter
        self.sv = table["sv"].to_numpy().astype(str)
        self.line = table["line"].to_numpy(dtype=np.int64) if "line" in table.columns else np.full(n, -1)
        self.toc = table["toc"].to_numpy(dtype="datetime64[ns]")
        fields = GLONASS_FIELDS if letter == "R" else KEPLER_FIELDS + _CLOCK_FIELDS
        self.values = {name: _column(table, name, n) for name in fields + GROUP_DELAY_FIELDS.get(letter, ())}
        self.values["health"] = _column(table, "health", n)
        if letter == "R":
            self.ref = self.toc
            self.values["freq_channel"] = _column(table, "freq_channel", n)
        else:
            self.ref = table["toe"].to_numpy(dtype="datetime64[ns]") if "toe" in table.columns else self.toc
        self.geo = is_beidou_geo(self.sv) if letter == "C" else np.zeros(n, dtype=bool)
        self.window_s = self._windows(table, window_s)
        self.reason = self._record_reasons(table, fields)
        self.ok = self.reason == ""

    def _windows(self, table, window_s):
        """(N, 2) seconds allowed before and after each record's reference time."""
        before, after = (window_s, window_s) if np.ndim(window_s) == 0 else window_s
        windows = np.tile([float(before), float(after)], (len(self.sv), 1))
        if self.letter in ("G", "J") and "fit_interval_h" in table.columns:
            fit = _column(table, "fit_interval_h", len(self.sv))
            # IS-GPS-200N 20.3.4.4: toe mid-fit; a fit interval of 0 in RINEX means the nominal 4 h
            half = np.where(np.isfinite(fit) & (fit > 0), fit * 1800.0, windows[:, 0])
            windows = np.stack([half, half], axis=1)
        return windows

    def _record_reasons(self, table, fields):
        reason = np.full(len(self.sv), "", dtype=object)
        health = self.values["health"]
        bad_health = self._unhealthy(table, health)
        reason[bad_health] = [f"unhealthy (health={h:g})" for h in health[bad_health]]
        missing = np.zeros(len(self.sv), dtype=bool)
        for name in fields:
            gap = ~np.isfinite(self.values[name]) & ~missing
            reason[gap & (reason == "")] = f"navigation record lacks {name}"
            missing |= gap
        reason[np.isnat(self.ref) | np.isnat(self.toc)] = "navigation record lacks its reference time"
        # an identical (sv, reference time) seen earlier: keep the first, name the copy; a copy whose orbit or
        # clock differs is a conflict the file does not settle (which one is right?): named in ``conflicts``
        key = pd.Series(self.sv).str.cat(pd.Series(self.ref.astype(np.int64).astype(str)), sep="@")
        duplicate = key.duplicated(keep="first").to_numpy()
        reason[duplicate & (reason == "")] = "duplicate record"
        self.conflicts = self._conflicts(key, duplicate, fields)
        return reason.astype(str)

    def _conflicts(self, key, duplicate, fields) -> list[str]:
        """Duplicates (same satellite and reference time) whose orbit or clock fields differ from the first's."""
        if not duplicate.any():
            return []
        first = pd.Series(np.arange(len(key))).groupby(key.to_numpy()).transform("min").to_numpy()
        values = np.column_stack([self.values[name] for name in fields])
        with np.errstate(invalid="ignore"):
            differ = ~((values == values[first]) | (np.isnan(values) & np.isnan(values[first]))).all(axis=1)
        rows = np.flatnonzero(duplicate & differ)
        out = []
        for row in rows:
            names = [name for k, name in enumerate(fields) if not (values[row, k] == values[first[row], k]
                     or (np.isnan(values[row, k]) and np.isnan(values[first[row], k])))]
            out.append(f"{self.sv[row]}: two records for {str(self.ref[row])[:19]} differ ({', '.join(names[:4])}"
                       f"{', ...' if len(names) > 4 else ''}, lines {self.line[first[row]]} and {self.line[row]}): "
                       "the first is used")
        return out

    def _unhealthy(self, table, health):
        if self.letter == "E":
            messages = table["message"].to_numpy().astype(str) if "message" in table.columns else np.full(len(health), "INAV")
            masks = np.array([_GALILEO_HEALTH_MASK.get(m, 0b111111111) for m in messages], dtype=np.int64)  # none: int
            h = np.where(np.isfinite(health), health, 0).astype(np.int64)
            return np.isfinite(health) & ((h & masks) != 0)
        return np.isfinite(health) & (health != 0)


class BroadcastEphemeris:
    """Satellite states from broadcast navigation records (``NavData`` from ``read_nav``/``merge_nav``).

    ``windows_s`` overrides the per-system validity windows, ``{"E": (before_s, after_s)}`` or a
    half-width (``selection.DEFAULT_WINDOWS_S``);
    ``messages`` the message types used per system; ``glonass_step_s`` the RK4 step;
    ``glonass_channels`` fills channels of slots without a record (observation header).
    """

    source = "broadcast"

    def __init__(self, nav, *, windows_s: dict | None = None, messages: dict | None = None,
                 glonass_step_s: float = DEFAULT_STEP_S, glonass_channels: dict | None = None):
        windows = {**DEFAULT_WINDOWS_S, **(windows_s or {})}
        messages = {**DEFAULT_MESSAGES, **(messages or {})}
        self.nav = nav
        self.glonass_step_s = glonass_step_s
        self._extra_channels = dict(glonass_channels or {})
        self.systems = {
            letter: _SystemRecords(letter, table, messages[letter], windows[letter])
            for letter, table in nav.records.items()
            if letter in messages and len(table)
        }
        #: what the records leave unsettled (duplicates that differ), for the commands to say
        self.warnings = [w for records in self.systems.values() for w in records.conflicts]

    @property
    def svs(self) -> np.ndarray:
        """Every satellite with at least one record of a supported system, in file order of systems."""
        found = set()
        for records in self.systems.values():
            found.update(records.sv.tolist())
        order = "GRECJIS"
        return np.array(sorted(found, key=lambda s: (order.index(s[0]), s)))

    @property
    def glonass_channels(self) -> dict:
        """Frequency channel ``k`` of each GLONASS slot (``{"R01": 1, ...}``).

        From each slot's latest navigation record; slots without a record take the channels given
        as ``glonass_channels=`` (e.g. an observation header's GLONASS SLOT / FRQ #).
        """
        records = self.systems.get("R")
        channels = dict(self._extra_channels)
        if records is None:
            return dict(sorted(channels.items()))
        for sv, k, ref in sorted(zip(records.sv, records.values["freq_channel"], records.ref), key=lambda x: x[2]):
            if np.isfinite(k):
                channels[str(sv)] = int(k)
        return dict(sorted(channels.items()))

    def states(self, time, svs=None, cells=None) -> SatStates:
        """States of ``svs`` (default: all) at GPST ``time`` of shape (T,) or (T, S).

        ``cells``: optional ``(T, S)`` bool, the cells to compute (e.g. the observed ones: about
        40 % of a day's grid, which saves most of the GLONASS integration). The others come back
        invalid (NaN), with the reason the record selection gave ("" where a record was available).
        """
        svs = self.svs if svs is None else np.asarray(svs).astype(str).reshape(-1)
        grid = as_time_grid(time, len(svs))
        shape = grid.shape
        if cells is not None:
            cells = np.broadcast_to(np.asarray(cells, dtype=bool), shape)
        out = _empty(shape)
        for letter in sorted(set(s[:1] for s in svs)):
            columns = np.flatnonzero(np.char.startswith(svs, letter))
            records = self.systems.get(letter)
            if records is None:
                out["reason"][:, columns] = f"no {letter} navigation records" if letter in DEFAULT_MESSAGES else f"system {letter} not supported"
                continue
            # a damaged record (e >= 1, sqrt(A) = 0, a GLONASS position at the Earth's centre) gives NaN, not noise
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                self._fill_system(records, grid.gpst[:, columns], svs[columns], columns, out,
                                  None if cells is None else cells[:, columns])
        # a state without a finite position or clock is no state: invalid, with the record's line
        unfinite = out["valid"] & ~(np.isfinite(out["position_m"]).all(axis=-1) & np.isfinite(out["clock_s"]))
        if unfinite.any():
            out["valid"][unfinite] = False
            out["reason"][unfinite] = [f"navigation record (line {line}) gives no finite state"
                                       for line in out["record_line"][unfinite]]
        # reasons stay a (T, S) object array of str: converting ~300k cells to a numpy str array
        # costs ~0.1 s per call, and nearly every cell is "" (valid)
        return SatStates(sv=svs, time=grid, source=self.source, **out)

    def _fill_system(self, records, query, svs, columns, out, wanted=None):
        index, reason = select_records(records.ref, records.sv, records.ok, records.reason,
                                       records.window_s, query, svs)
        rows, cols = np.nonzero((index >= 0) if wanted is None else (index >= 0) & wanted)
        rec = index[rows, cols]
        target = (rows, columns[cols])
        out["reason"][:, columns] = reason
        if rec.size == 0:
            return
        t = query[rows, cols]
        dt_toc = (t - records.toc[rec]).astype(np.int64) / 1e9
        v = {name: values[rec] for name, values in records.values.items()}
        if records.letter == "R":
            pos, vel, clock, rel = self._glonass(v, dt_toc)
        else:
            dt_toe = (t - records.ref[rec]).astype(np.int64) / 1e9
            pos, vel, clock, rel = _kepler(records.letter, v, dt_toe, dt_toc, records.geo[rec])
        out["position_m"][target] = pos
        out["velocity_mps"][target] = vel
        out["clock_s"][target] = clock
        out["relativity_s"][target] = rel
        out["valid"][target] = True
        out["record_line"][target] = records.line[rec]
        for name in GROUP_DELAY_FIELDS.get(records.letter, ()):
            out["group_delay_s"].setdefault(name, np.full(out["valid"].shape, np.nan))[target] = v[name]

    def _glonass(self, v, dt):
        pos0 = np.stack([v["x_m"], v["y_m"], v["z_m"]], axis=-1)
        vel0 = np.stack([v["vx_mps"], v["vy_mps"], v["vz_mps"]], axis=-1)
        acc = np.stack([v["ax_mps2"], v["ay_mps2"], v["az_mps2"]], axis=-1)
        pos, vel = integrate_glonass(pos0, vel0, acc, dt, self.glonass_step_s)
        # GLONASS broadcast clocks already contain the periodic relativistic term (docs/orbits.md)
        return pos, vel, glonass_clock_s(v["tau_n_s"], v["gamma_n"], dt), np.zeros(dt.shape)


def _kepler(letter, v, dt_toe, dt_toc, geo):
    constants = SYSTEM_CONSTANTS[letter]
    pos, vel = kepler_position_velocity(v, dt_toe, constants.gm_m3ps2, constants.omega_e_radps, geo)
    clock = v["af0_s"] + v["af1_sps"] * dt_toc + v["af2_sps2"] * dt_toc**2
    return pos, vel, clock, relativity_s(pos, vel)


def relativity_s(pos, vel):
    """Periodic relativistic clock term ``−2 r·v / c²`` (IS-GPS-200N 20.3.3.3.3.1, IERS 2010 eq. 10.17)."""
    return -2.0 * np.einsum("...i,...i->...", pos, vel) / C_MPS**2


def _empty(shape):
    return {
        "position_m": np.full(shape + (3,), np.nan),
        "velocity_mps": np.full(shape + (3,), np.nan),
        "clock_s": np.full(shape, np.nan),
        "relativity_s": np.full(shape, np.nan),
        "valid": np.zeros(shape, dtype=bool),
        "reason": np.full(shape, "", dtype=object),
        "record_line": np.full(shape, -1, dtype=np.int64),
        "group_delay_s": {},
    }
