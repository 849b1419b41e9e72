"""NMEA 0183 RMC + GGA sentences (time in UTC, fix quality per status), a pair per epoch.

GGA fields (NMEA 0183 v4.11 §"GGA"): UTC hhmmss.ss, latitude ddmm.mmmmmmm N/S, longitude
dddmm.mmmmmmm E/W, quality (0 no fix, 1 autonomous GNSS fix; a PPP solution 3, the value RTKLIB writes
and reads for its PPP quality, solution.c ``solq_nmea``: 3 is "PPS fix" in NMEA 0183, which has no PPP
value), satellites used, HDOP, altitude
and geoid separation (m), DGPS age and station (empty: no differential corrections). Lodestar has
no geoid model: the separation is written 0.000, so the altitude field holds the ellipsoidal
height (altitude + separation = ellipsoidal height, as the standard defines). Each sentence ends
``*hh`` (XOR of the characters between ``$`` and ``*``) and CR LF. Epochs without a solution give
a GGA with quality 0 and empty position, as RTKLIB does. UTC = GPST - leap seconds
(``lodestar.time``).

Each GGA is preceded by an RMC (v2.3 layout: UTC, status A/V, position, empty speed and course
— a single-point solution has no velocity —, date ddmmyy, mode A autonomous / N none): GGA
carries no date, and RTKLIB's reader (``readsol``) takes the date from the RMC.
"""

from __future__ import annotations

import numpy as np

from ..statuses import PPP_SOLVED_STATUSES
from ..time import Time
from . import solved

__all__ = ["PPP_GGA_QUALITY", "checksum", "gga_sentences", "rmc_sentences", "talker_id", "nmea_text"]

#: GGA quality of a PPP epoch: RTKLIB 2.4.3 solution.c maps NMEA quality 3 to SOLQ_PPP both ways.
PPP_GGA_QUALITY = 3

_TALKERS = {"G": "GP", "R": "GL", "E": "GA", "C": "GB"}  # NMEA 0183 v4.11 talker identifiers


def checksum(body: str) -> str:
    """Two hex digits: XOR of every character of ``body`` (the text between ``$`` and ``*``)."""
    value = 0
    for char in body.encode("ascii"):
        value ^= char
    return f"{value:02X}"


def talker_id(systems: str) -> str:
    """``GP`` GPS, ``GL`` GLONASS, ``GA`` Galileo, ``GB`` BeiDou, ``GN`` any combination."""
    letters = [s for s in str(systems) if s.isalpha()]
    return _TALKERS.get(letters[0], "GN") if len(letters) == 1 else "GN"


def _dm(value_deg, degree_digits: int) -> str:
    """``ddmm.mmmmmmm`` / ``dddmm.mmmmmmm`` of ``|value_deg|`` (minutes rounded to 1e-7)."""
    minutes_e7 = int(round(abs(float(value_deg)) * 60.0 * 1e7))
    degrees, minutes = divmod(minutes_e7, 60 * 10**7)
    return f"{degrees:0{degree_digits}d}{minutes // 10**7:02d}.{minutes % 10**7:07d}"


def _utc_clock(utc) -> np.ndarray:
    """hhmmss.ss of datetime64 UTC values (rounded to 10 ms)."""
    cs = np.asarray(utc, "datetime64[ns]").astype(np.int64)
    cs = (cs + 5_000_000) // 10_000_000
    day_cs = cs % (86400 * 100)
    h, rest = divmod(day_cs, 360000)
    m, rest = divmod(rest, 6000)
    return np.array([f"{a:02d}{b:02d}{c // 100:02d}.{c % 100:02d}" for a, b, c in zip(h, m, rest)])


def _sentence(body: str) -> str:
    return f"${body}*{checksum(body)}"


def rmc_sentences(ds) -> list[str]:
    """One RMC sentence per epoch of ``ds`` (without the CR LF)."""
    talker = talker_id(ds.attrs.get("systems", ""))
    utc = Time(ds["time"].values).to("utc")
    clock = _utc_clock(utc)
    rounded = (utc.astype(np.int64) + 5_000_000) // 10_000_000 * 10_000_000  # the date of the clock field
    date = np.datetime_as_string(rounded.astype("datetime64[ns]"), unit="D")
    ok = solved(ds)
    lat, lon = ds["lat_deg"].values, ds["lon_deg"].values
    out = []
    for i in range(len(clock)):
        ddmmyy = date[i][8:10] + date[i][5:7] + date[i][2:4]
        if ok[i]:
            body = (f"{talker}RMC,{clock[i]},A,{_dm(lat[i], 2)},{'N' if lat[i] >= 0 else 'S'},"
                    f"{_dm(lon[i], 3)},{'E' if lon[i] >= 0 else 'W'},,,{ddmmyy},,,A")
        else:
            body = f"{talker}RMC,{clock[i]},V,,,,,,,{ddmmyy},,,N"
        out.append(_sentence(body))
    return out


def gga_sentences(ds) -> list[str]:
    """One GGA sentence per epoch of ``ds`` (without the CR LF)."""
    talker = talker_id(ds.attrs.get("systems", ""))
    clock = _utc_clock(Time(ds["time"].values).to("utc"))
    ok = solved(ds)
    lat, lon, h = (ds[k].values for k in ("lat_deg", "lon_deg", "height_m"))
    hdop = ds["hdop"].values if "hdop" in ds else np.full(ok.shape, np.nan)
    n_sats = ds["n_sats"].values
    quality = np.where(np.isin(ds["status"].values.astype(str), PPP_SOLVED_STATUSES), PPP_GGA_QUALITY, 1)
    out = []
    for i in range(len(clock)):
        if ok[i]:
            dop = f"{hdop[i]:.1f}" if np.isfinite(hdop[i]) else ""
            body = (f"{talker}GGA,{clock[i]},{_dm(lat[i], 2)},{'N' if lat[i] >= 0 else 'S'},"
                    f"{_dm(lon[i], 3)},{'E' if lon[i] >= 0 else 'W'},{quality[i]},{int(n_sats[i]):02d},{dop},"
                    f"{h[i]:.3f},M,0.000,M,,")
        else:
            body = f"{talker}GGA,{clock[i]},,,,,0,{int(n_sats[i]):02d},,,,,,,"
        out.append(_sentence(body))
    return out


def nmea_text(ds) -> str:
    """RMC then GGA for every epoch, CR LF after each sentence."""
    pairs = zip(rmc_sentences(ds), gga_sentences(ds))
    return "".join(f"{rmc}\r\n{gga}\r\n" for rmc, gga in pairs)
