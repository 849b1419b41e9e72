"""ANTEX 1.4 antenna phase-centre models: satellite antennas per SVN, receiver antennas per type + radome.

>>> atx = read_antex("igs20.atx")                        # an index only: fast on a 40 MB file
>>> atx.satellite("G08", np.datetime64("2020-06-25"))    # AntennaPattern (PRN -> SVN by VALID FROM/UNTIL)
>>> atx.receiver("LEIAR25.R3", "LEIT").pco_m("G01")      # (3,) north, east, up in metres
>>> pattern.pcv_m("G01", zenith_rad, azimuth_rad)        # bilinear in (zenith, azimuth), metres

Format: ANTEX 1.4 (Rothacher & Schmid, 15 Sep 2010, files.igs.org/pub/station/general/antex14.txt).
- ``TYPE / SERIAL NO``: A20 antenna type (receiver: columns 17-20 are the radome code), A20 serial
  number (satellite: ``sNN`` = system + PRN), A10 SVN (``sNNN``), A10 COSPAR ID.
- ``DAZI`` 2X,F6.1; ``ZEN1 / ZEN2 / DZEN`` 2X,3F6.1 (receivers: zenith angle, satellites: nadir
  angle); ``VALID FROM`` / ``VALID UNTIL`` 5I6,F13.7 (GPS time).
- ``START OF FREQUENCY`` 3X,A1,I2: the frequency code, system letter + RINEX band number
  (``G01`` L1, ``R02`` G2, ``E05`` E5a, ``C02`` B1I, ``C06`` B3I, ``C07`` B2b, ...).
- ``NORTH / EAST / UP`` 3F10.2 in millimetres: receivers north/east/up from the antenna reference
  point; satellites x/y/z in the IGS body frame from the centre of mass (z toward the Earth, y along
  the solar-panel axis, x completing the right-handed frame; antex14 section 3).
- ``NOAZI`` 3X,A5,mF8.2 then, when ``DAZI`` > 0, one row per azimuth F8.1,mF8.2 (0..360 by DAZI),
  millimetres. Sign (antex14 section 3): observed distance = geometric distance to the mean phase
  centre + PCV. ``START/END OF FREQ RMS`` blocks are skipped.
Values are returned in metres. The file is scanned once for its ``TYPE / SERIAL NO`` lines (cached by
path, modification time and size); an antenna's block is parsed only when it is asked for.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataNotFoundError, FormatError
from .compression import read_bytes

__all__ = ["AntexFile", "AntennaPattern", "FrequencyPattern", "read_antex", "is_satellite_code"]

_MM = 1e-3  # ANTEX offsets and variations are in millimetres (antex14, NORTH / EAST / UP, NOAZI)
#: Largest |offset| per component accepted (m). Receiver antennas' mean phase centres lie within about 0.2 m
#: of their reference point, satellites' within about 3 m of the centre of mass (GPS Block IIA z 2.6 m;
#: igs20.atx); beyond these bounds the value is a unit or typing error (ten times a real one), not an antenna.
MAX_PCO_M = {"receiver": 1.0, "satellite": 6.0}
_NAT = np.datetime64("NaT", "ns")
_SYSTEMS = "GRECJSI"


def is_satellite_code(serial: str) -> bool:
    """ANTEX satellite serial numbers are ``sNN`` (system letter + PRN, antex14 TYPE / SERIAL NO)."""
    return len(serial) == 3 and serial[0] in _SYSTEMS and serial[1:].isdigit()


@dataclass(frozen=True)
class FrequencyPattern:
    """One frequency of one antenna: offset (3,) and variations, in metres."""

    code: str
    pco_m: np.ndarray
    noazi_m: np.ndarray           # (Z,) on the zenith/nadir grid
    grid_m: np.ndarray | None     # (A, Z) on the azimuth x zenith grid, None when DAZI = 0


@dataclass(frozen=True, eq=False)
class AntennaPattern:
    """One antenna block of an ANTEX file."""

    antenna_type: str
    radome: str
    serial: str
    svn: str
    cospar: str
    valid_from: np.datetime64
    valid_until: np.datetime64
    zenith_deg: np.ndarray        # (Z,) zenith (receiver) or nadir (satellite) angles of the grid
    azimuth_deg: np.ndarray       # (A,) empty when the file gives no azimuth dependence
    frequencies: dict = field(default_factory=dict)   # code "G01" -> FrequencyPattern
    path: str = ""
    line: int = 0
    sinex_code: str = ""          # the block's SINEX CODE (the model release, e.g. "IGS20_2417"); "" if none

    @property
    def is_satellite(self) -> bool:
        return is_satellite_code(self.serial)

    def pco_m(self, code: str) -> np.ndarray | None:
        """(3,) offset in metres for frequency ``code`` (``"G01"``), None when the block lacks it."""
        freq = self.frequencies.get(code)
        return None if freq is None else freq.pco_m.copy()

    def pcv_m(self, code: str, zenith_rad, azimuth_rad=None) -> np.ndarray | None:
        """Variation (m) at zenith/nadir angles (and azimuths), broadcast shapes; None without ``code``.

        Bilinear in (zenith, azimuth) where the block has an azimuth grid and ``azimuth_rad`` is
        given, else linear in zenith on the NOAZI row. Angles beyond the grid take its edge value.
        """
        freq = self.frequencies.get(code)
        if freq is None:
            return None
        zen = np.degrees(np.asarray(zenith_rad, dtype=float))
        if freq.grid_m is None or azimuth_rad is None:
            return np.interp(zen, self.zenith_deg, freq.noazi_m)
        azi = np.mod(np.degrees(np.asarray(azimuth_rad, dtype=float)), 360.0)
        return _bilinear(freq.grid_m, self.azimuth_deg, self.zenith_deg, *np.broadcast_arrays(azi, zen))


def _bilinear(grid, azimuths, zeniths, azi, zen):
    """Bilinear interpolation of ``grid`` (A, Z) on regular axes; edges clamped; NaN where an angle is
    NaN (a cell without geometry, e.g. no orbit: not an index, as a NaN cast to int would be)."""
    bad = ~(np.isfinite(azi) & np.isfinite(zen))

    def position(values, axis):
        step = axis[1] - axis[0] if axis.size > 1 else 1.0
        u = np.clip((np.where(bad, axis[0], values) - axis[0]) / step, 0.0, axis.size - 1)
        low = np.minimum(np.floor(u).astype(int), max(axis.size - 2, 0))
        return low, u - low
    ia, fa = position(azi, azimuths)
    iz, fz = position(zen, zeniths)
    ia1 = np.minimum(ia + 1, azimuths.size - 1)
    iz1 = np.minimum(iz + 1, zeniths.size - 1)
    value = ((1 - fa) * ((1 - fz) * grid[ia, iz] + fz * grid[ia, iz1])
             + fa * ((1 - fz) * grid[ia1, iz] + fz * grid[ia1, iz1]))
    return np.where(bad, np.nan, value)


@dataclass(frozen=True)
class _Entry:
    """Index row: what ``TYPE / SERIAL NO`` says, the block's byte span and first line."""

    antenna_type: str
    radome: str
    serial: str
    svn: str
    cospar: str
    start: int
    end: int
    valid_from: np.datetime64
    valid_until: np.datetime64
    line: int
    problem: str = ""   # why the block cannot be read (e.g. no END OF ANTENNA), "" when fine


@dataclass(frozen=True, eq=False)
class AntexFile:
    """The index of one ANTEX file; blocks are parsed on demand (and cached)."""

    path: str
    content: bytes
    entries: tuple

    def satellite(self, prn: str, time) -> AntennaPattern | None:
        """The satellite antenna flying as ``prn`` (``"G08"``) at ``time`` (GPST), None if none."""
        when = np.datetime64(time, "ns")
        for index, entry in enumerate(self.entries):
            if entry.serial == prn and _within(entry, when):
                return self.block(index)
        return None

    def satellite_by_svn(self, svn: str, time=None) -> AntennaPattern | None:
        """The satellite antenna with SVN ``svn`` (``"G072"``), valid at ``time`` when given."""
        when = None if time is None else np.datetime64(time, "ns")
        for index, entry in enumerate(self.entries):
            if entry.svn == svn and (when is None or _within(entry, when)):
                return self.block(index)
        return None

    def receiver(self, antenna_type: str, radome: str = "NONE") -> AntennaPattern | None:
        """The receiver antenna ``antenna_type`` + ``radome`` (type calibration), None if absent."""
        for index, entry in enumerate(self.entries):
            if entry.antenna_type == antenna_type and entry.radome == radome and not is_satellite_code(entry.serial):
                return self.block(index)
        return None

    def radomes(self, antenna_type: str) -> list[str]:
        """Radome codes calibrated for ``antenna_type`` in this file."""
        return sorted({e.radome for e in self.entries if e.antenna_type == antenna_type and not is_satellite_code(e.serial)})

    def prn_svn(self) -> list[tuple[str, str, np.datetime64, np.datetime64, str]]:
        """(PRN, SVN, valid from, valid until, antenna type) of every satellite block."""
        return [(e.serial, e.svn, e.valid_from, e.valid_until, e.antenna_type)
                for e in self.entries if is_satellite_code(e.serial)]

    def block(self, index: int) -> AntennaPattern:
        """The parsed block ``index``; FormatError (file, line) when the block is broken or cut."""
        entry = self.entries[index]
        if entry.problem:
            raise FormatError(self.path, entry.line, entry.problem, f"{entry.antenna_type} {entry.serial}".strip())
        return _parse_block(self, index)


def _within(entry: _Entry, when: np.datetime64) -> bool:
    after = np.isnat(entry.valid_from) or entry.valid_from <= when
    before = np.isnat(entry.valid_until) or when <= entry.valid_until
    return bool(after and before)


def read_antex(path) -> AntexFile:
    """Index of an ANTEX file (cached per path, modification time and size)."""
    path = Path(path)
    try:
        stat = os.stat(path)
    except OSError:
        raise DataNotFoundError(f"ANTEX file {path} not found", "give the path of an .atx file (--antex)") from None
    return _read_index(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read_index(path: str, mtime_ns: int, size: int) -> AntexFile:
    content = read_bytes(path)
    first = content[:80].decode("latin-1")
    if "ANTEX VERSION / SYST" not in first:
        raise FormatError(path, 1, "an ANTEX first line 'ANTEX VERSION / SYST'", first.rstrip() or "an empty file")
    return AntexFile(path, content, tuple(_scan(path, content)))


def _line_number(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _scan(path: str, content: bytes):
    """Index rows from the ``TYPE / SERIAL NO`` lines.

    A block that does not close (``END OF ANTENNA``) before the next one opens, or before the end of
    the file (a cut file), is indexed with its problem: asking for it raises a FormatError naming
    the file and line; the other antennas stay readable.
    """
    type_label, end_label = b"TYPE / SERIAL NO", b"END OF ANTENNA"
    position = content.find(type_label)
    line, counted_to = 1, 0   # line numbers counted incrementally: one pass over the file
    while position >= 0:
        line_start = content.rfind(b"\n", 0, position) + 1
        line += content.count(b"\n", counted_to, line_start)
        counted_to = line_start
        following = content.find(type_label, position + len(type_label))
        end = content.find(end_label, position)
        problem = ""
        if end < 0 or (0 <= following < end):
            problem = ("'END OF ANTENNA' closing this antenna block before the next 'TYPE / SERIAL NO'" if end >= 0
                       else "'END OF ANTENNA' closing this antenna block (the file ends inside it: cut?)")
            end = content.rfind(b"\n", 0, following) if following >= 0 else len(content)
        text = content[line_start:position].decode("latin-1")
        yield _entry(path, content, text, line_start, end, line, problem)
        position = following


def _entry(path, content, text, start, end, line, problem) -> _Entry:
    antenna = text[0:20]
    serial = text[20:40].strip()
    kind_sat = is_satellite_code(serial)
    valid_from = valid_until = _NAT
    if kind_sat:
        block = content[start:end]
        valid_from = _validity(path, line, block, b"VALID FROM")
        valid_until = _validity(path, line, block, b"VALID UNTIL")
        antenna_type, radome = antenna.strip(), ""
    else:
        antenna_type, radome = antenna[:16].strip(), antenna[16:20].strip() or "NONE"
    return _Entry(antenna_type, radome, serial, text[40:50].strip(), text[50:60].strip(), start, end, valid_from,
                  valid_until, line, problem)


def _validity(path, first_line: int, block: bytes, label: bytes) -> np.datetime64:
    at = block.find(label)
    if at < 0:
        return _NAT
    line_start = block.rfind(b"\n", 0, at) + 1
    return _epoch(path, first_line + block.count(b"\n", 0, line_start), block[line_start:at].decode("latin-1"))


def _epoch(path, line: int, text: str) -> np.datetime64:
    """5I6,F13.7 (antex14 VALID FROM / VALID UNTIL), GPS time."""
    try:
        year, month, day, hour, minute = (int(text[6 * k:6 * k + 6]) for k in range(5))
        seconds = float(text[30:43])
        if not 0.0 <= seconds < 61.0:  # a leap second at most (ANTEX 1.4: F13.7 seconds of the minute)
            raise ValueError(seconds)
        base = np.datetime64(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}", "ns")
    except (ValueError, OverflowError):  # OverflowError: a year far outside datetime64[ns]
        raise FormatError(path, line, "an epoch 5I6,F13.7 (year month day hour minute second)", text.rstrip()) from None
    return base + np.timedelta64(int(round(seconds * 1e9)), "ns")


@functools.lru_cache(maxsize=512)
def _parse_block(atx: AntexFile, index: int) -> AntennaPattern:
    entry = atx.entries[index]
    lines = atx.content[entry.start:entry.end].decode("latin-1").split("\n")
    return _Block(atx.path, entry.line, entry).parse(lines)


class _Block:
    """Parser of one antenna block (a short-lived helper: the parse state lives only here)."""

    def __init__(self, path, first_line, entry):
        self.path, self.first_line, self.entry = path, first_line, entry
        self.dazi = self.zen = self.declared = None
        self.frequencies = {}
        self.sinex_code = ""

    def error(self, k, expected, text):
        return FormatError(self.path, self.first_line + k, expected, text.rstrip())

    def parse(self, lines) -> AntennaPattern:
        current = None  # (code, pco, noazi, rows) of the frequency being read
        in_rms = False
        for k, raw in enumerate(lines):
            text = raw.rstrip("\r")
            label = text[60:80].strip()
            if label == "START OF FREQ RMS":
                in_rms = True
            elif label == "END OF FREQ RMS":
                in_rms = False
            elif in_rms:
                continue
            elif label == "SINEX CODE":
                self.sinex_code = text[:10].strip()
            elif label == "# OF FREQUENCIES":
                self.declared = int(self.number(k, text, 0, 6, "# OF FREQUENCIES I6"))
            elif label == "DAZI":
                self.dazi = self.number(k, text, 2, 8, "DAZI 2X,F6.1")
            elif label == "ZEN1 / ZEN2 / DZEN":
                self.zen = [self.number(k, text, 2 + 6 * i, 8 + 6 * i, "ZEN1 / ZEN2 / DZEN 2X,3F6.1") for i in range(3)]
            elif label == "START OF FREQUENCY":
                current = [text[3:6].replace(" ", "0"), None, None, []]
            elif label == "NORTH / EAST / UP":
                if current is None:
                    raise self.error(k, "'START OF FREQUENCY' before 'NORTH / EAST / UP'", text)
                current[1] = np.array([self.number(k, text, 10 * i, 10 * i + 10, "NORTH / EAST / UP 3F10.2")
                                       for i in range(3)]) * _MM
                limit = MAX_PCO_M["satellite" if is_satellite_code(self.entry.serial) else "receiver"]
                if np.any(np.abs(current[1]) > limit):
                    raise self.error(k, f"NORTH / EAST / UP offsets in millimetres, each within {limit * 1e3:.0f} mm",
                                     text)
            elif label == "END OF FREQUENCY":
                if current is None or current[1] is None or current[2] is None:
                    raise self.error(k, "a frequency block with NORTH / EAST / UP and NOAZI", text)
                self.frequencies[current[0]] = self.frequency(k, current)
                current = None
            elif current is not None and text[3:8] == "NOAZI":
                current[2] = self.values(k, text[8:], "NOAZI values (mF8.2)")
            elif current is not None and text.strip() and current[2] is not None:
                current[3].append((k, text))
        if self.zen is None or self.dazi is None:
            raise self.error(0, "'DAZI' and 'ZEN1 / ZEN2 / DZEN' records in the antenna block", lines[0])
        if current is not None or (self.declared is not None and self.declared != len(self.frequencies)):
            raise self.error(len(lines) - 1, f"{self.declared} complete frequency blocks (# OF FREQUENCIES)",
                             f"{len(self.frequencies)} complete")
        return self.pattern()

    def number(self, k, text, a, b, expected) -> float:
        try:
            value = float(text[a:b])
        except ValueError:
            raise self.error(k, expected, text) from None
        if not np.isfinite(value):  # float() reads "nan" and "inf"
            raise self.error(k, f"{expected}: a finite number", text)
        return value

    def values(self, k, text, expected) -> np.ndarray:
        try:
            out = np.array(text.split(), dtype=float) * _MM
        except ValueError:
            raise self.error(k, expected, text) from None
        if not np.all(np.isfinite(out)):
            raise self.error(k, f"{expected}: finite numbers", text)
        return out

    def zenith_axis(self):
        zen1, zen2, dzen = self.zen
        count = int(round((zen2 - zen1) / dzen)) + 1 if dzen > 0 else 1
        return zen1 + dzen * np.arange(count)

    def azimuth_axis(self):
        return np.arange(int(round(360.0 / self.dazi)) + 1) * self.dazi if self.dazi and self.dazi > 0 else np.array([])

    def frequency(self, k_end, current) -> FrequencyPattern:
        code, pco, noazi, rows = current
        zen, azi = self.zenith_axis(), self.azimuth_axis()
        if noazi.size != zen.size:
            raise self.error(k_end, f"{zen.size} NOAZI values for ZEN1..ZEN2 by DZEN (frequency {code})",
                             f"{noazi.size} values")
        grid = None
        if azi.size:
            if len(rows) != azi.size:
                raise self.error(k_end, f"{azi.size} azimuth rows (0..360 by DAZI) for frequency {code}",
                                 f"{len(rows)} rows")
            grid = np.empty((azi.size, zen.size))
            for i, (k, text) in enumerate(rows):
                row = self.values(k, text, "an azimuth row F8.1,mF8.2")
                if row.size != zen.size + 1 or abs(row[0] / _MM - azi[i]) > 1e-6:
                    raise self.error(k, f"azimuth {azi[i]:.1f} followed by {zen.size} values", text)
                grid[i] = row[1:]
        return FrequencyPattern(code, pco, noazi, grid)

    def pattern(self) -> AntennaPattern:
        e = self.entry
        return AntennaPattern(e.antenna_type, e.radome, e.serial, e.svn, e.cospar, e.valid_from, e.valid_until,
                              self.zenith_axis(), self.azimuth_axis(), self.frequencies, self.path, self.first_line,
                              self.sinex_code)
