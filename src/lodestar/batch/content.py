"""What a file's content says when its name does not: marker and first day of an observation file,
and the day a navigation file covers.

Only the start of a file is read where that suffices (a RINEX header, also in Hatanaka files whose
header is plain text), so discovering a network does not decompress every full day.
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import re
import zlib
from pathlib import Path

from ..errors import FormatError, LodestarError
from ..io.compression import decompress_bytes

__all__ = ["read_head", "obs_header_identity", "nav_content_date", "nav_header_systems", "nav_content_systems",
           "sp3_start_date"]

# RINEX 2 navigation file types (RINEX 2.11 table A3 ff.): N GPS, G GLONASS, H SBAS; L/E Galileo
_RINEX2_NAV_SYSTEMS = {b"N": "G", b"G": "R", b"H": "S", b"L": "E", b"E": "E"}

_HEAD_BYTES = 256 * 1024
# RINEX 3/4 navigation record: "G01 2020 06 25 00 00 00"; RINEX 2: " 1 20  6 25  0  0  0.0".
_NAV3_EPOCH = re.compile(rb"^[GRECJIS][ 0-9]\d (\d{4}) (\d\d) (\d\d) ", re.MULTILINE)
_NAV3_RECORD_SYSTEM = re.compile(rb"^(?:> EPH )?([GRECJIS])[ 0-9]\d ", re.MULTILINE)
_NAV2_EPOCH = re.compile(rb"^[ \d]\d (\d\d) ([ \d]\d) ([ \d]\d) [ \d]\d [ \d]\d [ \d]\d\.\d", re.MULTILINE)


def read_head(path, size: int = _HEAD_BYTES) -> bytes:
    """The first ``size`` plain bytes of a file (gzip streamed; other compressions read whole)."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            magic = stream.read(2)
        if magic == b"\x1f\x8b":
            with gzip.open(path, "rb") as stream:
                return stream.read(size)
        if magic in (b"\x1f\x9d", b"PK"):
            return decompress_bytes(path.read_bytes(), path)[:size]
        with path.open("rb") as stream:
            return stream.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise FormatError(path, None, "a readable (possibly compressed) file", f"{type(exc).__name__}: {exc}") from None


def _header_lines(head: bytes):
    for line in head.split(b"\n"):
        label = line[60:80].strip()
        yield line[:60], label.decode("latin-1")
        if label == "END OF HEADER":
            return


def obs_header_identity(path) -> tuple[str, dt.date]:
    """(MARKER NAME, day of TIME OF FIRST OBS) from an observation file's header."""
    marker, first = "", None
    for value, label in _header_lines(read_head(path)):
        if label == "MARKER NAME":
            marker = value.decode("latin-1").strip()
        elif label == "TIME OF FIRST OBS":
            first = _first_obs_day(path, value)
    if not marker:
        raise FormatError(path, None, "a MARKER NAME header line (needed to name the station)", "none")
    if first is None:
        raise FormatError(path, None, "a TIME OF FIRST OBS header line (needed to date the file)", "none")
    return marker, first


def _first_obs_day(path, value: bytes) -> dt.date:
    fields = value.split()
    try:
        return dt.date(int(fields[0]), int(fields[1]), int(fields[2]))
    except (ValueError, IndexError):
        raise FormatError(path, None, "TIME OF FIRST OBS as 'YYYY MM DD ...'", value.decode("latin-1").strip()) from None


def nav_content_date(path) -> dt.date:
    """The day most of a navigation file's records belong to (records of the eve are common)."""
    try:
        text = decompress_bytes(Path(path).read_bytes(), path)
    except OSError as exc:
        raise LodestarError(f"cannot read {path}: {exc}") from None
    body = text.split(b"END OF HEADER", 1)[-1]
    days = collections.Counter()
    for year, month, day in _NAV3_EPOCH.findall(body):
        days[(int(year), int(month), int(day))] += 1
    if not days:
        for yy, month, day in _NAV2_EPOCH.findall(body):
            year = 1900 + int(yy) if int(yy) >= 80 else 2000 + int(yy)
            days[(year, int(month), int(day))] += 1
    for (year, month, day), _ in days.most_common():
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise FormatError(path, None, "navigation records with dated epochs", "none")


def sp3_start_date(path, head: bytes) -> dt.date:
    """The first epoch's day from an SP3 first line (``#dP2020  6 25  0  0  0.00000000``)."""
    fields = head.split(b"\n", 1)[0][3:14].split()
    try:
        return dt.date(int(fields[0]), int(fields[1]), int(fields[2]))
    except (ValueError, IndexError):
        raise FormatError(path, 1, "an SP3 first line with the start date", head[:60].decode("latin-1")) from None


def nav_header_systems(head: bytes) -> str:
    """The system a navigation file holds from its first line ("" = mixed or unknown).

    RINEX 3/4: column 41 of ``RINEX VERSION / TYPE`` is the satellite system (M = mixed);
    RINEX 2: column 21 is the file type.
    """
    try:
        version = float(head[:9])
    except ValueError:
        return ""
    if version >= 3:
        letter = head[40:41].decode("latin-1").upper()
        return letter if letter in "GRECJIS" and letter.strip() else ""
    return _RINEX2_NAV_SYSTEMS.get(head[20:21].upper(), "")


def nav_content_systems(path) -> str:
    """The systems a navigation file actually has records of, in G R E C J I S order.

    RINEX 3/4 records start with the satellite ID (``G01 2020 ...``, RINEX 4 ``> EPH G01 LNAV``);
    a RINEX 2 file holds one system, named by its header's file type.
    """
    try:
        text = decompress_bytes(Path(path).read_bytes(), path)
    except OSError as exc:
        raise LodestarError(f"cannot read {path}: {exc}") from None
    header, _, body = text.partition(b"END OF HEADER")
    found = {m.decode() for m in _NAV3_RECORD_SYSTEM.findall(body)}
    if not found and body.strip():
        found = set(nav_header_systems(header.lstrip(b"\r\n")))
    return "".join(s for s in "GRECJIS" if s in found)
