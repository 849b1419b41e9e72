"""The one header reader: what a file is, and what its first lines say, without reading it all.

Used by :func:`lodestar.io.read`, ``lodestar info`` (:mod:`lodestar.io.info`) and the batch's
discovery of a network (``lodestar.batch.discover``).

- :data:`FORMATS` is the **one place a format is registered**: its ``kind``, its label, the rule
  that recognises its first line, and the function that reads it. :func:`sniff_format` tries the
  rules in order (the first match wins).
- :func:`read_head` gives a file's first plain bytes (gzip streamed; Hatanaka's two ``CRINEX``
  lines dropped, so the RINEX header follows as in a plain file).
- :func:`obs_header_identity`, :func:`nav_header_systems`, :func:`nav_content_date`,
  :func:`nav_content_systems`, :func:`sp3_start_date`: a file's station, day and systems.
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import importlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import FormatError, LodestarError
from .compression import decompress_bytes, read_bytes

__all__ = ["Format", "FORMATS", "RINEX2_NAV_SYSTEMS", "sniff_format", "sniff_content", "format_of", "reader_for",
           "read_content", "refuse_other_kind",
           "read_head", "obs_header_identity", "obs_antenna_delta_hen_m", "obs_header_systems", "nav_header_systems", "nav_content_date", "nav_content_systems",
           "sp3_start_date"]

#: RINEX 2 navigation file type (column 21 of the first line) -> the one system such a file holds
#: (RINEX 2.11 §6.4 and tables A3, A10, A14; 2.12 J QZSS, C BeiDou; L Galileo as written by some tools).
RINEX2_NAV_SYSTEMS = {"N": "G", "G": "R", "H": "S", "E": "E", "L": "E", "J": "J", "C": "C"}
#: Column-21 letters of a navigation file: the RINEX 2 types above, RINEX 3/4 "N", and "B" (SBAS, 2.10).
_NAV_TYPES = frozenset(RINEX2_NAV_SYSTEMS) | {"N", "B"}

_HEAD_BYTES = 256 * 1024
_SNIFF_BYTES = 400


def _rinex_label(first: bytes) -> bool:
    label = first[60:80]
    return b"RINEX VERSION" in label or b"CRINEX" in label


def _is_sp3(first: bytes) -> bool:
    # SP3-a/b/c/d first line: "#a".."#d" (version), P/V flag, then the start year in columns 4-7 (SP3-d
    # §2.1, line 1); "#  1992" (no version, no flag) seen in old files. The year keeps any other text
    # that starts with "# " (a Markdown heading, a comment) from passing for an SP3 file.
    return first.startswith(b"#") and first[1:2] in (b"a", b"b", b"c", b"d", b" ") and first[3:7].isdigit()


def _is_clock(first: bytes) -> bool:
    # RINEX clock: type C in column 21 (3.04: column 22, version in columns 1-4); or "CLOCK" written out
    kind = first[20:21]
    if b"RINEX VERSION" in first[60:] and b"C" in (kind, first[21:22]) and first[22:23] in (b" ", b"L"):
        return True
    return _rinex_label(first) and kind != b"O" and b"CLOCK" in first[20:40]


def _is_obs(first: bytes) -> bool:
    return _rinex_label(first) and first[20:21] == b"O"


def _is_nav(first: bytes) -> bool:
    return _rinex_label(first) and first[20:21].decode("latin-1") in _NAV_TYPES and b"CLOCK" not in first[20:40]


@dataclass(frozen=True)
class Format:
    """A file format Lodestar recognises: ``sniff(first_line)`` says whether a file is one."""

    kind: str
    label: str
    sniff: Callable[[bytes], bool]
    reader: str = ""  # "module:function" inside lodestar.io; "" = recognised but not read yet
    takes_content: bool = True  # the reader accepts the file's plain bytes (``content=``)


#: Every recognised format, tried in this order (clock before navigation: both may have C in column 21).
#: To add a format, add one line here (and its reader module).
FORMATS: tuple[Format, ...] = (
    Format("antex", "ANTEX", lambda first: b"ANTEX VERSION / SYST" in first[60:], "antex:read_antex",
           takes_content=False),
    Format("sp3", "SP3", _is_sp3, "sp3:read_sp3"),
    Format("sinex", "SINEX", lambda first: first.startswith(b"%=SNX"), "sinex:read_sinex"),
    Format("bias-sinex", "Bias-SINEX", lambda first: first.startswith(b"%=BIA"), "bias:read_bias"),
    Format("clk", "RINEX CLK", _is_clock, "clk:read_clk"),
    Format("obs", "RINEX OBS", _is_obs, "rinex_obs:read_obs"),
    Format("nav", "RINEX NAV", _is_nav, "rinex_nav:read_nav"),
    # RTKLIB solution files (also Lodestar's own, lodestar.formats.rtklib_pos): "% program   : ..." first
    Format("rtklib-pos", "RTKLIB POS", lambda first: first.startswith((b"% program   :", b"%  GPST", b"%  UTC")),
           "rtklib_pos:read_rtklib_pos"),
)


def sniff_format(head: bytes) -> str:
    """The ``kind`` of :data:`FORMATS` (``"obs"``, ``"nav"``, ``"sp3"``, ...) from a file's first bytes."""
    first = head.split(b"\n", 1)[0]
    for fmt in FORMATS:
        if fmt.sniff(first):
            return fmt.kind
    labels = [fmt.label for fmt in FORMATS]
    raise FormatError(None, 1, f"the first line of one of: {', '.join(labels)}", first.decode("latin-1").rstrip())


#: Where a file of each kind goes on the command line, said when one is given in another's place.
_WHERE = {"obs": "give it as the observation file (OBS)", "nav": "give it with --nav", "clk": "give it with --clk",
          "sp3": "give it with --sp3", "sinex": "give it with --sinex", "bias-sinex": "give it with --bias",
          "antex": "give it with --antex", "rtklib-pos": "a solution file, not an input here"}


def refuse_other_kind(path, first_line, expected: str, kind: str) -> None:
    """A file whose first line is another recognised format than ``kind`` (e.g. an observation file given as
    navigation data): a :class:`FormatError` saying what it is and where it goes. Nothing when the line is not
    recognised, or is of ``kind``: the caller's own check then speaks."""
    first = first_line.encode("latin-1", "replace") if isinstance(first_line, str) else bytes(first_line)
    try:
        other = sniff_format(first)
    except FormatError:
        return
    if other != kind:
        label = format_of(other).label
        raise FormatError(path, 1, f"{expected}; this file is {label}: {_WHERE.get(other, 'not an input here')}",
                          first.decode("latin-1").rstrip()[:80])


def sniff_content(content: bytes, path) -> str:
    """:func:`sniff_format` of a whole plain content, with ``path`` in the error (empty files refused)."""
    if not content or content.isspace():
        raise FormatError(path, None, "a non-empty file", "no data")
    head = content[:_SNIFF_BYTES].lstrip(b"\r\n") if content[:1] in (b"\n", b"\r") else content[:_SNIFF_BYTES]
    try:
        return sniff_format(head)
    except FormatError as exc:
        raise FormatError(path, exc.line, exc.expected, exc.found) from None


def format_of(kind: str) -> Format:
    return next(fmt for fmt in FORMATS if fmt.kind == kind)


def reader_for(kind: str, path) -> Callable:
    """The function reading a ``kind`` of file (imported on first use: ``import lodestar`` stays quick)."""
    fmt = format_of(kind)
    if not fmt.reader:
        raise FormatError(path, 1, "an observation, navigation, SP3, clock, SINEX or Bias-SINEX file",
                          f"a {kind} file (not read yet)")
    module, function = fmt.reader.split(":")
    return getattr(importlib.import_module(f"lodestar.io.{module}"), function)


def read_content(kind: str, path, content: bytes, **options):
    """Read a file of ``kind`` whose plain ``content`` is already in memory (``path`` names it)."""
    reader = reader_for(kind, path)
    if format_of(kind).takes_content:
        return reader(path, content=content, **options)
    return reader(path, **options)


# --- what the first lines say ---------------------------------------------------------------------

# RINEX 3/4 navigation record: "G01 2020 06 25 00 00 00"; RINEX 2: " 1 20  6 25  0  0  0.0".
_NAV3_EPOCH = re.compile(rb"^[GRECJIS][ 0-9]\d (\d{4}) (\d\d) (\d\d) ", re.MULTILINE)
_NAV3_RECORD_SYSTEM = re.compile(rb"^(?:> EPH )?([GRECJIS])[ 0-9]\d ", re.MULTILINE)
_NAV2_EPOCH = re.compile(rb"^[ \d]\d (\d\d) ([ \d]\d) ([ \d]\d) [ \d]\d [ \d]\d [ \d]\d\.\d", re.MULTILINE)


def read_head(path, size: int = _HEAD_BYTES) -> bytes:
    """The first ``size`` plain bytes of a file (gzip streamed; other compressions read whole).

    A Hatanaka (CRINEX) file's header is plain text after its two ``CRINEX`` lines; those are
    dropped, so the head starts with ``RINEX VERSION / TYPE`` as in the plain file.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            magic = stream.read(2)
        if magic == b"\x1f\x8b":
            with gzip.open(path, "rb") as stream:
                head = stream.read(size)
        elif magic in (b"\x1f\x9d", b"PK"):
            head = decompress_bytes(path.read_bytes(), path)[:size]
        else:
            with path.open("rb") as stream:
                head = stream.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise FormatError(path, None, "a readable (possibly compressed) file", f"{type(exc).__name__}: {exc}") from None
    for _ in range(2):  # CRINEX VERS / TYPE, CRINEX PROG / DATE (Hatanaka 1996, CRINEX 1.0 and 3.0)
        first, _, rest = head.partition(b"\n")
        if b"CRINEX" not in first[60:80]:
            break
        head = rest
    return head


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


def obs_first_day(path) -> dt.date | None:
    """Day of an observation file's TIME OF FIRST OBS, or None when the header has none or cannot be read."""
    try:
        for value, label in _header_lines(read_head(path)):
            if label == "TIME OF FIRST OBS":
                return _first_obs_day(path, value)
    except LodestarError:
        return None
    return None


def obs_header_systems(path) -> str:
    """System letters an observation file's header declares, in G R E C J I S order ("" = unknown).

    RINEX 3/4: the systems of its ``SYS / # / OBS TYPES`` lines; RINEX 2: the file's satellite system
    (column 41 of ``RINEX VERSION / TYPE``; blank = GPS, M = mixed, which the header does not break down:
    "" then). For error messages that say what a file holds; a file may declare a system it never observes.
    """
    found, version, system = [], 0.0, ""
    for value, label in _header_lines(read_head(path)):
        if label == "RINEX VERSION / TYPE":
            try:
                version = float(value[:9])
            except ValueError:
                return ""
            system = value[40:41].decode("latin-1").upper().strip() or "G"
        elif label == "SYS / # / OBS TYPES" and value[:1].strip():
            found.append(value[:1].decode("latin-1").upper())
    if version < 3:
        found = [system] if system in "GRECJS" else []
    return "".join(s for s in "GRECJIS" if s in found)


def obs_antenna_delta_hen_m(path) -> tuple[float, float, float]:
    """``ANTENNA: DELTA H/E/N`` of an observation file's header (metres; zeros when absent)."""
    for value, label in _header_lines(read_head(path)):
        if label == "ANTENNA: DELTA H/E/N":
            try:
                height, east, north = (float(v) for v in value.split()[:3])
            except ValueError:
                raise FormatError(path, None, "ANTENNA: DELTA H/E/N as three numbers",
                                  value.decode("latin-1").strip()) from None
            return height, east, north
    return 0.0, 0.0, 0.0


#: How a truth taken from the header is named (``truth_source``, summaries): it is metre-level at best.
HEADER_TRUTH = "header APPROX POSITION XYZ (approximate, about 1 m)"


def obs_approx_position_m(path) -> tuple[float, float, float] | None:
    """``APPROX POSITION XYZ`` of an observation file's header (ECEF metres; None when absent or all zero,
    as RINEX 3 allows for moving receivers)."""
    for value, label in _header_lines(read_head(path)):
        if label == "APPROX POSITION XYZ":
            try:
                xyz = tuple(float(v) for v in value.split()[:3])
            except ValueError:
                raise FormatError(path, None, "APPROX POSITION XYZ as three numbers",
                                  value.decode("latin-1").strip()) from None
            return xyz if len(xyz) == 3 and any(xyz) else None
    return None


def _first_obs_day(path, value: bytes) -> dt.date:
    fields = value.split()
    try:
        return dt.date(int(fields[0]), int(fields[1]), int(fields[2]))
    except (ValueError, IndexError):
        raise FormatError(path, None, "TIME OF FIRST OBS as 'YYYY MM DD ...'", value.decode("latin-1").strip()) from None


def nav_content_date(path) -> dt.date:
    """The day most of a navigation file's records belong to (records of the eve are common)."""
    body = read_bytes(path).split(b"END OF HEADER", 1)[-1]
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


def sp3_header_systems(head: bytes) -> str:
    """System letters of the satellites an SP3 header lists (its ``+`` lines, columns 10-60: 17 IDs of
    3 characters each; SP3-c/d, Hilla 2010/2016 §2), in G, R, E, C, J, I, S order; "" when the head
    holds none (a head too short, or not an SP3 file)."""
    ids = b"".join(line[9:60] for line in head.splitlines() if line.startswith(b"+ ") and not line.startswith(b"++"))
    letters = {ids[i:i + 1].decode("latin-1") for i in range(0, len(ids), 3)}
    return "".join(s for s in "GRECJIS" if s in letters)


def nav_header_systems(head: bytes) -> str:
    """The system a navigation file holds from its first line ("" = mixed or unknown).

    RINEX 3/4: column 41 of ``RINEX VERSION / TYPE`` is the satellite system (M = mixed);
    RINEX 2: column 21 is the file type (:data:`RINEX2_NAV_SYSTEMS`).
    """
    try:
        version = float(head[:9])
    except ValueError:
        return ""
    if version >= 3:
        letter = head[40:41].decode("latin-1").upper()
        return letter if letter in "GRECJIS" and letter.strip() else ""
    return RINEX2_NAV_SYSTEMS.get(head[20:21].decode("latin-1").upper(), "")


def nav_content_systems(path) -> str:
    """The systems a navigation file actually has records of, in G R E C J I S order.

    RINEX 3/4 records start with the satellite ID (``G01 2020 ...``, RINEX 4 ``> EPH G01 LNAV``);
    a RINEX 2 file holds one system, named by its header's file type.
    """
    header, _, body = read_bytes(path).partition(b"END OF HEADER")
    found = {m.decode() for m in _NAV3_RECORD_SYSTEM.findall(body)}
    if not found and body.strip():
        found = set(nav_header_systems(header.lstrip(b"\r\n")))
    return "".join(s for s in "GRECJIS" if s in found)
