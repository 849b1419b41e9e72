"""SINEX: station coordinates (``SOLUTION/ESTIMATE``), a station's position at any epoch, and the
phase-centre blocks (``SATELLITE/ID``, ``SATELLITE/PHASE_CENTER``, ``SITE/GPS_PHASE_CENTER``,
``SITE/GAL_PHASE_CENTER``; IGS metadata ``SATELLITE/IDENTIFIER`` + ``SATELLITE/PRN``).

>>> table = read_sinex("igs20P2131_wocov.snx")
>>> station_position(["igs20P2131_wocov.snx"], "WTZR", "2020-06-25T12:00:00")

One row per station, point code and solution: ``station, point, solution, epoch`` (reference
epoch, ``datetime64[ns]``), ``x_m, y_m, z_m`` with ``sigma_x_m..``, and ``vx_mps, vy_mps,
vz_mps`` (SINEX m/y -> m/s) where the file has ``VELX/VELY/VELZ`` (else NaN). Coordinates are
of the marker. Format: SINEX 2.02 (IERS, 2006), section SOLUTION/ESTIMATE:
``1X,I5,1X,A6,1X,A4,1X,A2,1X,A4,1X,A12,1X,A4,1X,A1,1X,E21.15,1X,E11.6``.
SINEX epochs (``YY:DDD:SSSSS``) are taken as GPS time: a few seconds do not move a station.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataNotFoundError, FormatError, LodestarError
from ..time import Time
from ._columns import Line, number
from .compression import read_bytes

__all__ = ["read_sinex", "station_position", "locate_station", "MIN_VELOCITY_SPAN_S", "sinex_span", "read_satellite_ids", "read_satellite_phase_centers",
           "read_receiver_phase_centers"]

_YEAR_S = 365.25 * 86400.0  # SINEX velocities are per (Julian) year
_COLUMNS = ["station", "point", "solution", "epoch", "x_m", "y_m", "z_m", "sigma_x_m", "sigma_y_m",
            "sigma_z_m", "vx_mps", "vy_mps", "vz_mps", "line"]
_PARAMETERS = {"STAX": "x_m", "STAY": "y_m", "STAZ": "z_m", "VELX": "vx_mps", "VELY": "vy_mps", "VELZ": "vz_mps"}


def read_sinex(path, *, content: bytes | None = None) -> pd.DataFrame:
    """Station coordinates (and velocities) of a SINEX file's SOLUTION/ESTIMATE block."""
    lines, start = block_lines(path, content, "%=SNX", "SOLUTION/ESTIMATE")
    rows: dict[tuple, dict] = {}
    for index in range(start + 1, len(lines)):
        text = lines[index].rstrip("\r")
        if text.startswith("-SOLUTION/ESTIMATE"):
            return _table(rows)
        if text.startswith("*") or not text.strip():
            continue
        _estimate(path, Line(index + 1, text), rows)
    raise FormatError(path, len(lines), "the end of the block '-SOLUTION/ESTIMATE'", "end of file")



def block_lines(path, content: bytes | None, first: str, block: str) -> tuple[list[str], int]:
    """The lines of a SINEX-family file (SINEX, Bias-SINEX) and the index of its ``+block`` line.

    ``first``: the first line's required start (``%=SNX``, ``%=BIA``; SINEX 2.02 and Bias-SINEX
    1.00 §2: the header line). A wrong first line or a missing block is a :class:`FormatError`.
    """
    if content is None:
        content = read_bytes(path)
    lines = content.decode("latin-1").split("\n")
    if not lines[0].startswith(first):
        kind = "Bias-SINEX" if first == "%=BIA" else "SINEX"
        raise FormatError(path, 1, f"a {kind} first line '{first}'", lines[0].rstrip() or "an empty file")
    start = next((i for i, text in enumerate(lines) if text.startswith(f"+{block}")), None)
    if start is None:
        raise FormatError(path, None, f"a +{block} block", "none")
    return lines, start

def _estimate(path, line: Line, rows: dict) -> None:
    text = line.text
    kind = text[7:13].strip()
    if kind not in _PARAMETERS:
        return  # Earth orientation, satellite or bias parameters: not station coordinates
    station, point, solution = text[14:18].strip(), text[19:21].strip(), text[22:26].strip()
    unit = text[40:44].strip()
    value = number(path, line, 47, 68, f"{kind} estimate")
    sigma = number(path, line, 69, 80, f"{kind} standard deviation")
    aligned = text[46:47] == " " and text[68:69] in (" ", "")  # a shifted line would be misread
    if value != value or not station or not aligned:
        raise FormatError(path, line.number, f"a station code and {kind} value in a SOLUTION/ESTIMATE line",
                          text.rstrip())
    expected_unit = "m" if kind.startswith("STA") else "m/y"
    if unit != expected_unit:
        raise FormatError(path, line.number, f"unit {expected_unit!r} for {kind}", unit)
    row = rows.setdefault((station, point, solution), {"station": station, "point": point, "solution": solution,
                                                      "epoch": _epoch(path, line), "line": line.number})
    name = _PARAMETERS[kind]
    if kind.startswith("VEL"):
        row[name] = value / _YEAR_S
    else:
        row[name] = value
        row["sigma_" + name] = sigma


def _epoch(path, line: Line) -> np.datetime64:
    """``YY:DDD:SSSSS`` (SINEX 2.02 1.3: YY <= 50 -> 20YY, else 19YY)."""
    text = line.text[27:39]
    try:
        year, day, seconds = (int(part) for part in text.split(":"))
        if not (0 <= year <= 99 and 1 <= day <= 366 and 0 <= seconds <= 86400):
            raise ValueError
    except ValueError:
        raise FormatError(path, line.number, "a reference epoch YY:DDD:SSSSS in columns 28-39", text) from None
    year += 2000 if year <= 50 else 1900
    start = np.datetime64(f"{year:04d}-01-01", "ns")
    return start + np.timedelta64(day - 1, "D") + np.timedelta64(seconds, "s")


def _table(rows: dict) -> pd.DataFrame:
    table = pd.DataFrame(list(rows.values()), columns=_COLUMNS)
    table["epoch"] = table["epoch"].astype("datetime64[ns]")
    table = table.dropna(subset=["x_m", "y_m", "z_m"], how="any")  # velocity-only rows are not positions
    return table.sort_values(["station", "point", "solution"], kind="stable").reset_index(drop=True)


#: Shortest span between two solutions whose difference is taken as a velocity to extrapolate with: annual
#: signals (mm to cm, vertical the largest) bias a velocity from a shorter span (Blewitt & Lavallée 2002,
#: J. Geophys. Res. 107(B7) 2145: spans of 2.5 years or more).
MIN_VELOCITY_SPAN_S = 2.5 * _YEAR_S


def station_position(paths, station: str, epoch) -> np.ndarray:
    """The marker's ECEF position (m, (3,)) at ``epoch`` from one or several SINEX files.

    With velocities: the solution nearest in time is moved to ``epoch``. Without: linear
    interpolation between the two solutions around ``epoch``; outside their span, linear
    extrapolation from the two solutions nearest in time when they are at least
    :data:`MIN_VELOCITY_SPAN_S` apart; else the nearest solution. :func:`locate_station` also
    says which of these it did. ``epoch``: a :class:`~lodestar.time.Time`, ``datetime64`` or ISO
    text (GPS time). ``paths`` may also hold tables already returned by :func:`read_sinex`.
    """
    return locate_station(paths, station, epoch)[0]


def locate_station(paths, station: str, epoch) -> tuple[np.ndarray, str]:
    """(:func:`station_position`, how it was obtained: the solutions' days, and any extrapolation)."""
    if isinstance(paths, (str, bytes, pd.DataFrame)) or not hasattr(paths, "__iter__"):
        paths = [paths]
    when = epoch.gpst if isinstance(epoch, Time) else np.datetime64(epoch, "ns")
    table = pd.concat([p if isinstance(p, pd.DataFrame) else read_sinex(p) for p in paths], ignore_index=True)
    rows = table[table["station"] == station.upper()]
    if rows.empty:
        names = ", ".join("<table>" if isinstance(p, pd.DataFrame) else str(p) for p in paths)
        raise DataNotFoundError(f"station {station} is in none of {names}",
                                "name another SINEX file or check the 4-character station code")
    rows = rows[rows["point"] == rows["point"].iloc[0]]
    epochs = rows["epoch"].to_numpy()
    seconds = (epochs - np.datetime64(when, "ns")) / np.timedelta64(1, "s")
    xyz = rows[["x_m", "y_m", "z_m"]].to_numpy()
    velocity = rows[["vx_mps", "vy_mps", "vz_mps"]].to_numpy()
    nearest = int(np.argmin(np.abs(seconds)))
    day = lambda i: str(epochs[i].astype("datetime64[D]"))
    if np.isfinite(velocity[nearest]).all():
        return xyz[nearest] - velocity[nearest] * seconds[nearest], f"the solution of {day(nearest)} moved with its velocity"
    return _interpolate(seconds, xyz, nearest, day)


def _interpolate(seconds: np.ndarray, xyz: np.ndarray, nearest: int, day) -> tuple[np.ndarray, str]:
    before = np.flatnonzero(seconds <= 0)
    after = np.flatnonzero(seconds > 0)
    if before.size and seconds[before].max() == 0:
        i = before[np.argmax(seconds[before])]
        return xyz[i], f"the solution of {day(i)}"
    if before.size == 0 or after.size == 0:  # outside the solutions' span: the two nearest in time
        side = after if before.size == 0 else before
        order = side[np.argsort(np.abs(seconds[side]))]
        distinct = [k for k in order if seconds[k] != seconds[order[0]]]
        away = f"{abs(seconds[nearest]) / _YEAR_S:.1f} years away"
        if not distinct or abs(seconds[distinct[0]] - seconds[order[0]]) < MIN_VELOCITY_SPAN_S:
            return xyz[nearest], f"the nearest solution, of {day(nearest)}, {away}"
        i, j = order[0], distinct[0]
        velocity = (xyz[i] - xyz[j]) / (seconds[i] - seconds[j])
        first, last = sorted((i, j), key=lambda k: seconds[k])
        return xyz[i] - velocity * seconds[i], f"extrapolated {away} from the solutions of {day(first)} and {day(last)}"
    i = before[np.argmax(seconds[before])]
    j = after[np.argmin(seconds[after])]
    if seconds[j] - seconds[i] <= 0:
        raise LodestarError("two solutions with the same epoch cannot be interpolated")
    weight = -seconds[i] / (seconds[j] - seconds[i])
    return xyz[i] + weight * (xyz[j] - xyz[i]), f"interpolated between the solutions of {day(i)} and {day(j)}"


# --- phase-centre blocks -------------------------------------------------------------------------
# SINEX 2.02 (IERS, 2006) appendix I; blocks added in SINEX 2.01 (IGSMAIL-5131, Rothacher & Schmid 2005):
# SATELLITE/ID:  1X,A4 SVN, 1X,A2 PRN, 1X,A9 COSPAR ID, 1X,A1 obs code, 1X,A12 valid from,
#                1X,A12 valid until (00:000:00000 = open), 1X,A20 antenna (block) type
# SATELLITE/PHASE_CENTER: 1X,A4 SVN, 1X,A1 frequency code, 3(1X,F6.4) offset z, x, y (m, body frame
#                from the centre of mass), 1X,A1 second frequency code, 3(1X,F6.4), 1X,A10 calibration
#                model, 1X,A1 PCV type (A absolute, R relative), 1X,A1 model application (F full, E elevation).
#                The frequency code is the RINEX band number of the satellite's system (1 = L1/E1/G1,
#                2 = L2/G2, 5 = L5/E5a, 6, 7, 8). Some files (JAXA MGEX) give the PRN (sNN) instead of
#                the SVN: those rows are tied to the file's solution span.
# SITE/GPS_PHASE_CENTER: 1X,A20 antenna type + radome, 1X,A5 serial, 6(1X,F6.4) L1 up, north, east,
#                L2 up, north, east (m, from the antenna reference point), 1X,A10 calibration model.
# SITE/GAL_PHASE_CENTER: the same, three lines per antenna: E1 and E5a (5), E6 (6) and E5b (7), E5 (8).
# IGS metadata (igs_satellite_metadata.snx): SATELLITE/IDENTIFIER  1X,A4 SVN, 1X,A9 COSPAR, 2X,A5 SatCat,
#                1X,A15 block; SATELLITE/PRN  1X,A4 SVN, 1X,A14 valid from YYYY:DDD:SSSSS, 1X,A14 valid to
#                (0000:000:00000 open), 1X,A3 PRN (layout as in the file's own column header lines).

_NAT = np.datetime64("NaT", "ns")


def _sinex_lines(path, content: bytes | None) -> list[str]:
    if content is None:
        content = read_bytes(path)
    lines = content.decode("latin-1").split("\n")
    if not lines[0].startswith("%=SNX"):
        raise FormatError(path, 1, "a SINEX first line '%=SNX'", lines[0].rstrip() or "an empty file")
    return lines


def _block(path, lines: list[str], name: str) -> list[Line]:
    """Data lines of block ``name`` (comments skipped); [] when absent; FormatError when not closed."""
    start = next((i for i, text in enumerate(lines) if text.startswith("+" + name) and
                  text[1:].split()[0] == name), None)
    if start is None:
        return []
    out = []
    for index in range(start + 1, len(lines)):
        text = lines[index].rstrip("\r")
        if text.startswith("-" + name):
            return out
        if text.startswith("+") or text.startswith("%ENDSNX"):
            raise FormatError(path, index + 1, f"the end of the block '-{name}' (the block is cut)", text)
        if text.startswith("*") or not text.strip():
            continue
        out.append(Line(index + 1, text))
    raise FormatError(path, len(lines), f"the end of the block '-{name}' (the block is cut)", "end of file")


def _sinex_epoch(path, line: Line, text: str, what: str) -> np.datetime64:
    """``YY:DDD:SSSSS`` or ``YYYY:DDD:SSSSS``; ``00:000:00000`` -> NaT (open)."""
    try:
        year, day, seconds = (int(part) for part in text.strip().split(":"))
    except ValueError:
        raise FormatError(path, line.number, f"{what} as YY:DDD:SSSSS", text) from None
    if year == 0 and day == 0 and seconds == 0:
        return _NAT
    if year < 100:
        year += 2000 if year <= 50 else 1900
    if not 1 <= day <= 366 or not 0 <= seconds <= 86400:
        raise FormatError(path, line.number, f"{what} as YY:DDD:SSSSS", text)
    return np.datetime64(f"{year:04d}-01-01", "ns") + np.timedelta64(day - 1, "D") + np.timedelta64(seconds, "s")


def sinex_span(path, *, content: bytes | None = None) -> tuple[np.datetime64, np.datetime64]:
    """Start and end of the file's solution (header line, columns 33-44 and 46-57)."""
    lines = _sinex_lines(path, content)
    head = Line(1, lines[0])
    return (_sinex_epoch(path, head, lines[0][32:44], "the solution start"),
            _sinex_epoch(path, head, lines[0][45:57], "the solution end"))


def read_satellite_ids(path, *, content: bytes | None = None) -> pd.DataFrame:
    """PRN <-> SVN with validity: ``svn, prn, cospar, valid_from, valid_until, block, line``.

    From ``SATELLITE/ID`` (SINEX 2.02) and from the IGS metadata blocks ``SATELLITE/IDENTIFIER`` +
    ``SATELLITE/PRN`` when the file has them. ``valid_until`` NaT: open.
    """
    lines = _sinex_lines(path, content)
    rows = []
    for line in _block(path, lines, "SATELLITE/ID"):
        t = line.text
        svn, prn = t[1:5].strip(), t[6:8].strip()
        if len(svn) != 4 or not prn.isdigit():
            raise FormatError(path, line.number, "an SVN (sNNN) and a PRN (NN) in a SATELLITE/ID line", t.rstrip())
        rows.append({"svn": svn, "prn": f"{svn[0]}{int(prn):02d}", "cospar": t[9:18].strip(),
                     "valid_from": _sinex_epoch(path, line, t[21:33], "the validity start"),
                     "valid_until": _sinex_epoch(path, line, t[34:46], "the validity end"),
                     "block": t[47:67].strip(), "line": line.number})
    identity = {line.text[1:5].strip(): (line.text[6:15].strip(), line.text[23:38].strip())
                for line in _block(path, lines, "SATELLITE/IDENTIFIER")}
    for line in _block(path, lines, "SATELLITE/PRN"):
        t = line.text
        svn, prn = t[1:5].strip(), t[36:39].strip()
        cospar, block = identity.get(svn, ("", ""))
        rows.append({"svn": svn, "prn": prn, "cospar": cospar,
                     "valid_from": _sinex_epoch(path, line, t[6:20], "the validity start"),
                     "valid_until": _sinex_epoch(path, line, t[21:35], "the validity end"),
                     "block": block, "line": line.number})
    columns = ["svn", "prn", "cospar", "valid_from", "valid_until", "block", "line"]
    table = pd.DataFrame(rows, columns=columns)
    for name in ("valid_from", "valid_until"):
        table[name] = table[name].astype("datetime64[ns]")
    return table


def read_satellite_phase_centers(path, *, content: bytes | None = None) -> pd.DataFrame:
    """``SATELLITE/PHASE_CENTER``: one row per satellite and frequency.

    Columns ``key`` (SVN ``G074`` or, in files that write it, PRN ``G01``), ``key_is_prn``, ``system``,
    ``band`` (RINEX band digit), ``x_m, y_m, z_m`` (body frame, from the centre of mass), ``model``,
    ``pcv_type``, ``line``.
    """
    lines = _sinex_lines(path, content)
    rows = []
    for line in _block(path, lines, "SATELLITE/PHASE_CENTER"):
        t = line.text
        key = t[1:5].strip()
        if not key or key[0] not in "GRECJIS" or not key[1:].isdigit():
            raise FormatError(path, line.number, "a satellite code (SVN sNNN or PRN sNN) in columns 2-5", t.rstrip())
        model = t[52:62].strip()
        for start in (6, 29):
            band = t[start:start + 1].strip()
            if not band:
                continue
            z, x, y = (number(path, line, start + 2 + 7 * k, start + 8 + 7 * k, "a phase-centre offset (F6.4, m)")
                       for k in range(3))
            if not band.isdigit() or not np.isfinite([x, y, z]).all():
                raise FormatError(path, line.number, "a frequency code and three offsets (z, x, y)", t.rstrip())
            rows.append({"key": key, "key_is_prn": len(key) == 3, "system": key[0], "band": band,
                         "x_m": x, "y_m": y, "z_m": z, "model": model, "pcv_type": t[63:64].strip(),
                         "line": line.number})
    columns = ["key", "key_is_prn", "system", "band", "x_m", "y_m", "z_m", "model", "pcv_type", "line"]
    return pd.DataFrame(rows, columns=columns)


#: Bands of the lines of SITE/GAL_PHASE_CENTER, in order (SINEX 2.02 section SITE/GAL_PHASE_CENTER)
_GAL_LINES = (("1", "5"), ("6", "7"), ("8", None))


def read_receiver_phase_centers(path, *, content: bytes | None = None) -> pd.DataFrame:
    """``SITE/GPS_PHASE_CENTER`` and ``SITE/GAL_PHASE_CENTER``: one row per antenna and frequency.

    Columns ``antenna_type, radome, serial, system`` (``G`` or ``E``), ``band``, ``north_m, east_m,
    up_m`` (from the antenna reference point), ``model``, ``line``. Duplicate rows are kept once.
    """
    lines = _sinex_lines(path, content)
    rows = []
    for line in _block(path, lines, "SITE/GPS_PHASE_CENTER"):
        rows += _receiver_rows(path, line, "G", ("1", "2"))
    gal = _block(path, lines, "SITE/GAL_PHASE_CENTER")
    for k, line in enumerate(gal):
        rows += _receiver_rows(path, line, "E", _GAL_LINES[k % 3])
    columns = ["antenna_type", "radome", "serial", "system", "band", "north_m", "east_m", "up_m", "model", "line"]
    table = pd.DataFrame(rows, columns=columns)
    return table.drop_duplicates(subset=["antenna_type", "radome", "system", "band", "north_m", "east_m", "up_m"])


def _receiver_rows(path, line: Line, system: str, bands) -> list[dict]:
    t = line.text
    antenna, radome = t[1:17].strip(), t[17:21].strip() or "NONE"
    if not antenna:
        raise FormatError(path, line.number, "an antenna type in columns 2-17", t.rstrip())
    rows = []
    for k, band in enumerate(bands):
        if band is None:
            continue
        start = 28 + 21 * k
        up, north, east = (number(path, line, start + 7 * i, start + 6 + 7 * i, "a phase-centre offset (F6.4, m)")
                           for i in range(3))
        if not np.isfinite([up, north, east]).all():
            if k == 1 and not t[start:start + 20].strip():
                continue  # a line with one frequency (E5 on the third GAL line)
            raise FormatError(path, line.number, "three offsets up, north, east (F6.4, m)", t.rstrip())
        rows.append({"antenna_type": antenna, "radome": radome, "serial": t[22:27].strip(), "system": system,
                     "band": band, "north_m": north, "east_m": east, "up_m": up,
                     "model": t[70:80].strip(), "line": line.number})
    return rows
