"""One time type for the whole package.

:class:`Time` holds instants as ``numpy.datetime64[ns]`` in **GPS time** (GPST), vectorized.
Build it from any scale, read it back in any scale:

>>> t = Time.from_iso("2020-06-25T12:00:00", scale="utc")
>>> t.to("gpst")  # 18 leap seconds ahead of UTC in 2020
numpy.datetime64('2020-06-25T12:00:18.000000000')

Scales (all relations are exact except TDB, whose periodic term is modelled to ~30 µs):

- ``gpst``: GPS time; TAI − 19 s (IS-GPS-200, 3.3.4).
- ``gst``: Galileo system time, steered to GPST (Galileo OS SIS ICD 5.1.2); treated as equal.
- ``bdt``: BeiDou time = GPST − 14 s (BDS-SIS-ICD-B1I 3.0, §4.2: BDT started 2006-01-01 UTC,
  when TAI − UTC was 33 s).
- ``utc``: from the leap-second table below (IERS Bulletin C).
- ``glonasst``: UTC(SU) + 3 h (GLONASS ICD 5.1, §3.3.3).
- ``tai``, ``tt`` = TAI + 32.184 s, ``tdb`` = TT + periodic term (USNO Circular 179, eq. 2.6).

Precision: integer nanoseconds, ±292 years around 1970, enough for every use here.
Naive strings and datetimes are refused without an explicit ``scale=`` (skyfield's habit).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np

from .errors import LodestarError

__all__ = ["Time", "SCALES", "leap_seconds_gpst_utc", "GPS_EPOCH", "BDT_EPOCH"]

NS = np.int64(1_000_000_000)
GPS_EPOCH = np.datetime64("1980-01-06T00:00:00", "ns")
BDT_EPOCH = np.datetime64("2006-01-01T00:00:00", "ns")  # in BDT; week 0 of BDT
J2000_TT = np.datetime64("2000-01-01T12:00:00", "ns")  # in TT (JD 2451545.0)

#: TAI − UTC from IERS Bulletin C, as (UTC date the value starts, seconds). GPST − UTC = TAI − UTC − 19.
_LEAPS_UTC = (
    ("1972-01-01", 10), ("1972-07-01", 11), ("1973-01-01", 12), ("1974-01-01", 13),
    ("1975-01-01", 14), ("1976-01-01", 15), ("1977-01-01", 16), ("1978-01-01", 17),
    ("1979-01-01", 18), ("1980-01-01", 19), ("1981-07-01", 20), ("1982-07-01", 21),
    ("1983-07-01", 22), ("1985-07-01", 23), ("1988-01-01", 24), ("1990-01-01", 25),
    ("1991-01-01", 26), ("1992-07-01", 27), ("1993-07-01", 28), ("1994-07-01", 29),
    ("1996-01-01", 30), ("1997-07-01", 31), ("1999-01-01", 32), ("2006-01-01", 33),
    ("2009-01-01", 34), ("2012-07-01", 35), ("2015-07-01", 36), ("2017-01-01", 37),
)
_LEAP_UTC_START = np.array([np.datetime64(d, "ns") for d, _ in _LEAPS_UTC])
_LEAP_TAI_UTC = np.array([s for _, s in _LEAPS_UTC], dtype=np.int64)
# The same change moments expressed in GPST (for the GPST -> UTC direction).
_LEAP_GPST_START = _LEAP_UTC_START + ((_LEAP_TAI_UTC - 19) * NS).astype("timedelta64[ns]")

# Fixed offsets of each scale from GPST, in ns (scale = GPST + offset); UTC-based ones are special.
_FIXED_OFFSET_NS = {
    "gpst": 0,
    "gst": 0,
    "bdt": -14 * NS,
    "tai": 19 * NS,
    "tt": 19 * NS + 32_184_000_000,
}
SCALES = ("gpst", "gst", "bdt", "utc", "glonasst", "tai", "tt", "tdb")
_THREE_HOURS = np.timedelta64(3 * 3600, "s").astype("timedelta64[ns]")


def leap_seconds_gpst_utc(gpst) -> np.ndarray:
    """GPST − UTC in whole seconds at GPST instants (0 before 1980 is clamped to the table)."""
    gpst = np.asarray(gpst, dtype="datetime64[ns]")
    index = np.searchsorted(_LEAP_GPST_START, gpst, side="right") - 1
    return _LEAP_TAI_UTC[np.clip(index, 0, None)] - 19


def _leap_from_utc(utc: np.ndarray) -> np.ndarray:
    index = np.searchsorted(_LEAP_UTC_START, utc, side="right") - 1
    return _LEAP_TAI_UTC[np.clip(index, 0, None)] - 19


def _tdb_minus_tt_s(tt: np.ndarray) -> np.ndarray:
    """TDB − TT in seconds, USNO Circular 179 eq. 2.6 (accurate to ~10 µs, 1600–2200)."""
    days = (tt - J2000_TT) / np.timedelta64(1, "D")
    g = np.radians(357.53 + 0.98560028 * days)
    return 0.001657 * np.sin(g) + 0.000014 * np.sin(2 * g)


def _check_scale(scale: str) -> str:
    scale = scale.lower()
    if scale not in SCALES:
        raise LodestarError(f"unknown time scale {scale!r}; use one of {', '.join(SCALES)}")
    return scale


def _to_datetime64(values) -> np.ndarray:
    if isinstance(values, _dt.datetime):
        if values.tzinfo is not None:
            if values.utcoffset() != _dt.timedelta(0):
                raise LodestarError(
                    f"{values!r} has a non-UTC zone; convert it to UTC or pass a naive time with scale="
                )
            values = values.replace(tzinfo=None)
        values = np.datetime64(values, "ns")
    array = np.asarray(values)
    if array.dtype.kind in "UO":
        try:
            array = array.astype("datetime64[ns]")
        except ValueError as exc:
            raise LodestarError(f"cannot read {values!r} as ISO 8601 times: {exc}") from None
    if array.dtype.kind != "M":
        raise LodestarError(
            f"expected datetime64 values or ISO 8601 strings, got dtype {array.dtype}; "
            "for week/second-of-week use Time.from_week_sow"
        )
    return array.astype("datetime64[ns]")


@dataclass(frozen=True, eq=False)
class Time:
    """Instants in GPS time (``datetime64[ns]``), scalar or any array shape."""

    gpst: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "gpst", np.asarray(self.gpst, dtype="datetime64[ns]"))

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_scale(cls, values, scale: str) -> "Time":
        """Times given as datetime64 / ISO strings / datetimes *in* ``scale``."""
        scale = _check_scale(scale)
        local = _to_datetime64(values)
        if scale in _FIXED_OFFSET_NS:
            return cls(local - np.timedelta64(int(_FIXED_OFFSET_NS[scale]), "ns"))
        if scale == "glonasst":
            local = local - _THREE_HOURS
            scale = "utc"
        if scale == "utc":
            return cls(local + (_leap_from_utc(local) * NS).astype("timedelta64[ns]"))
        # tdb: invert TT -> TDB by one fixed-point step (the periodic term varies slowly)
        tt = local - (_tdb_minus_tt_s(local) * 1e9).astype("timedelta64[ns]")
        return cls.from_scale(tt, "tt")

    @classmethod
    def from_iso(cls, values, scale: str) -> "Time":
        """ISO 8601 text (``2023-01-01T00:15:00``) in ``scale``; a zone suffix is refused."""
        array = np.asarray(values, dtype=object)
        for item in array.ravel():
            text = str(item)
            if text.endswith("Z") or "+" in text[10:] or text[10:].count("-") > 0:
                raise LodestarError(
                    f"time {text!r} carries a zone; give it without one and say scale= "
                    "(e.g. scale='utc' or scale='gpst')"
                )
        return cls.from_scale(np.asarray(values, dtype=str), scale)

    @classmethod
    def from_week_sow(cls, week, sow, scale: str = "gpst") -> "Time":
        """Week number and seconds of week of GPST, GST (weeks counted as GPS) or BDT."""
        scale = _check_scale(scale)
        epoch = {"gpst": GPS_EPOCH, "gst": GPS_EPOCH, "bdt": BDT_EPOCH}.get(scale)
        if epoch is None:
            raise LodestarError(f"week/seconds-of-week exist for gpst, gst and bdt, not {scale}")
        week = np.asarray(week, dtype=np.int64)
        sow = np.asarray(sow, dtype=np.float64)
        whole = np.floor(sow)
        ns = week * 604_800 * NS + whole.astype(np.int64) * NS + np.round((sow - whole) * 1e9).astype(np.int64)
        return cls.from_scale(epoch + ns.astype("timedelta64[ns]"), scale)

    @classmethod
    def now(cls) -> "Time":
        return cls.from_scale(np.datetime64(_dt.datetime.now(_dt.UTC).replace(tzinfo=None), "ns"), "utc")

    # --- reading back -------------------------------------------------------------------
    def to(self, scale: str) -> np.ndarray:
        """The same instants as ``datetime64[ns]`` read on the clock of ``scale``."""
        scale = _check_scale(scale)
        if scale in _FIXED_OFFSET_NS:
            return self.gpst + np.timedelta64(int(_FIXED_OFFSET_NS[scale]), "ns")
        if scale in ("utc", "glonasst"):
            utc = self.gpst - (leap_seconds_gpst_utc(self.gpst) * NS).astype("timedelta64[ns]")
            return utc + _THREE_HOURS if scale == "glonasst" else utc
        tt = self.to("tt")
        return tt + (_tdb_minus_tt_s(tt) * 1e9).astype("timedelta64[ns]")

    def week_sow(self, scale: str = "gpst") -> tuple[np.ndarray, np.ndarray]:
        """(week, seconds of week) on the clock of ``gpst``/``gst``/``bdt``."""
        scale = _check_scale(scale)
        epoch = {"gpst": GPS_EPOCH, "gst": GPS_EPOCH, "bdt": BDT_EPOCH}.get(scale)
        if epoch is None:
            raise LodestarError(f"week/seconds-of-week exist for gpst, gst and bdt, not {scale}")
        ns = (self.to(scale) - epoch).astype(np.int64)
        week = ns // (604_800 * NS)
        return week, (ns - week * 604_800 * NS) / 1e9

    def seconds_since(self, other: "Time | np.ndarray") -> np.ndarray:
        """Elapsed seconds ``self − other`` (float64; exact to 1 ns)."""
        other_gpst = other.gpst if isinstance(other, Time) else np.asarray(other, dtype="datetime64[ns]")
        return (self.gpst - other_gpst).astype(np.int64) / 1e9

    def seconds_since_j2000(self, scale: str = "tdb") -> np.ndarray:
        """Seconds since J2000.0 (2000-01-01T12:00:00) read on ``scale`` — the TDB argument of JPL kernels."""
        return (self.to(scale) - J2000_TT).astype(np.int64) / 1e9

    def jd(self, scale: str) -> tuple[np.ndarray, np.ndarray]:
        """Two-part Julian date (whole days at noon, fraction) on ``scale``."""
        days = self.seconds_since_j2000(scale) / 86400.0
        whole = np.floor(days)
        return 2451545.0 + whole, days - whole

    def iso(self, scale: str = "gpst", timespec: str = "s") -> np.ndarray:
        """ISO 8601 strings without zone, e.g. ``2023-01-01T00:15:00`` (``timespec``: s or ms)."""
        unit = {"s": "s", "ms": "ms", "us": "us", "ns": "ns"}[timespec]
        return np.datetime_as_string(self.to(scale), unit=unit)

    # --- array behaviour ----------------------------------------------------------------
    @property
    def shape(self):
        return self.gpst.shape

    def __len__(self):
        return len(self.gpst)

    def __getitem__(self, item) -> "Time":
        return Time(self.gpst[item])

    def __add__(self, seconds) -> "Time":
        return Time(self.gpst + (np.asarray(seconds, dtype=np.float64) * 1e9).astype("timedelta64[ns]"))

    def __sub__(self, other):
        if isinstance(other, Time):
            return self.seconds_since(other)
        return self + (-np.asarray(other, dtype=np.float64))

    def __eq__(self, other):
        return isinstance(other, Time) and np.array_equal(self.gpst, other.gpst)

    def __repr__(self):
        return f"Time({np.datetime_as_string(self.gpst, unit='ms')!r}, scale='gpst')"
