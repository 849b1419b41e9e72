"""The body of a RINEX navigation file, cut into records and read into named numbers.

RINEX 2 and 3 records start with a satellite / epoch line and go on with indented lines;
RINEX 4 records start with a ``> EPH G01 LNAV`` line (``EPH``, ``ION``, ``STO``, ``EOP``).
The result is a :class:`Body`: numbers grouped per system, ready to become tables.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..errors import FormatError
from ._columns import Line, block_floats, epoch_fields, numbers, text_block
from ._nav_layouts import DEFAULT_MESSAGE, GEO_BEIDOU, Layout, layout_for

__all__ = ["Body", "SystemRows", "read_body", "record_values"]

_SYSTEMS = "GRECJIS"
_WIDTH = 19  # D19.12 in every RINEX navigation version


@dataclass
class SystemRows:
    """The records of one system, in file order, as fixed-width text (read by record_values)."""

    layout: Layout
    geometry: "_Geometry"
    sv: list[str] = field(default_factory=list)
    message: list[str] = field(default_factory=list)
    refine: list[bool] = field(default_factory=list)  # message still to be read from the numbers
    line: list[int] = field(default_factory=list)  # the satellite / epoch line
    epoch: list[tuple] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass
class Body:
    groups: dict[tuple[str, Layout], SystemRows] = field(default_factory=dict)  # by (system, layout)
    ion: list[dict] = field(default_factory=list)  # RINEX 4 > ION records
    sto: list[dict] = field(default_factory=list)  # RINEX 4 > STO records
    eop: list[dict] = field(default_factory=list)  # RINEX 4 > EOP records
    skipped: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class _Geometry:
    """Columns of a record: where the SV, the epoch and the numbers are."""

    prn: slice
    epoch: slice
    first_values: int
    indent: int

    @property
    def width(self) -> int:
        return self.indent + 4 * _WIDTH


_V2 = _Geometry(prn=slice(0, 2), epoch=slice(3, 22), first_values=22, indent=3)
_V3 = _Geometry(prn=slice(1, 3), epoch=slice(4, 23), first_values=23, indent=4)
_V2_START = re.compile(r"[ \d]\d ")  # RINEX 2: I2 PRN, 1X
_V3_START = re.compile(r"[A-Z][ \d]\d ")  # RINEX 3: A1 system, I2.2 PRN, 1X


def read_body(path, lines: list[str], start: int, version: float, file_system: str, keep=None) -> Body:
    """``keep``: system letters whose ephemeris records are read (None: all); the records of
    other systems are skipped unread (RINEX 4 ION/STO/EOP records are always read)."""
    body = Body()
    if version >= 4:
        _read_v4(path, lines, start, body, keep)
    elif version < 3 and keep is not None and file_system not in keep:
        pass  # a RINEX 2 file holds one system
    else:
        geometry = _V2 if version < 3 else _V3
        for record in _split_v23(path, lines, start, version, keep if version >= 3 else None):
            _add_ephemeris(path, record, geometry, file_system if version < 3 else None, None, body)
    return body


# --- RINEX 2 / 3 ---------------------------------------------------------------------------
def _split_v23(path, lines: list[str], start: int, version: float, keep=None):
    """Yield each record's lines; a record starts at a non-indented line.

    ``keep`` (RINEX 3): system letters of the records to yield; the lines of other records are
    passed over without being read. The start lines are found first in one pass (every start
    line is still checked, in file order, as each record is reached), so a skipped record costs
    no per-line work: an R+C run skips ~80 % of a multi-GNSS day's ~40 000 lines.
    """
    column = slice(1, 2) if version < 3 else slice(0, 1)
    pattern = _V2_START if version < 3 else _V3_START
    starts = [index for index in range(start, len(lines)) if lines[index][column].strip()]
    first = starts[0] if starts else len(lines)
    for index in range(start, first):  # indented lines before the first record
        if lines[index].strip():
            raise FormatError(path, index + 1, "a record starting with a satellite and its epoch", lines[index].rstrip())
    ends = starts[1:] + [len(lines)]
    pending = None  # a record is handed on once the next start line has passed its check
    for begin, end in zip(starts, ends):
        text = lines[begin]
        if not pattern.match(text):
            raise FormatError(path, begin + 1, "a satellite / epoch line or an indented orbit line", text.rstrip())
        if pending:
            yield pending
        pending = None
        if keep is None or text[0] in keep:
            pending = [Line(index + 1, lines[index]) for index in range(begin, end) if lines[index].strip()]
    if pending:
        yield pending


def _add_ephemeris(path, record: list[Line], geometry: _Geometry, v2_system, message, body: Body) -> None:
    """Take one ephemeris record (RINEX 2/3 record, or the body of a RINEX 4 ``> EPH``).

    Its lines are checked and kept as one fixed-width text; the numbers of all records of a
    system are read at once by :func:`record_values`.
    """
    first = record[0]
    system, sv = _satellite(path, first, geometry, v2_system)
    named = message is not None  # RINEX 4 names the message; RINEX 2/3 leave it to the record
    if not named:
        message = DEFAULT_MESSAGE.get(system)
    layout = layout_for(system, message) if message else None
    if layout is None:
        body.skipped[f"EPH {system} {message or '?'}"] += 1
        return
    text = _record_text(path, record, geometry, layout, sv)
    epoch = epoch_fields(path, first, first.text[geometry.epoch], f"{sv} epoch")
    rows = body.groups.setdefault((system, layout), SystemRows(layout, geometry))
    rows.sv.append(sv)
    rows.message.append(message if named or system != "C" else ("D2" if sv in GEO_BEIDOU else "D1"))
    rows.refine.append(not named and system == "E")
    rows.line.append(first.number)
    rows.epoch.append(epoch)
    rows.text.append(text)


def _satellite(path, line: Line, geometry: _Geometry, v2_system) -> tuple[str, str]:
    text = line.text
    system = v2_system or text[0:1]
    prn = text[geometry.prn].strip()
    if system not in _SYSTEMS or not prn.isdigit():
        raise FormatError(path, line.number, "a satellite ID (system letter G R E C J I S and number)", text.rstrip())
    return system, f"{system}{int(prn):02d}"


def _record_text(path, record: list[Line], geometry: _Geometry, layout: Layout, sv: str) -> str:
    """The record's lines cut to ``geometry.width`` and joined (missing last lines: blank)."""
    expected = len(layout.lines)
    if len(record) > expected:
        extra = record[expected]
        raise FormatError(path, extra.number, f"a new record after {expected} lines of {sv}", extra.text.rstrip())
    if len(record) < layout.min_lines:
        last = record[-1]
        raise FormatError(path, last.number, f"{layout.min_lines} lines for a record of {sv} "
                          f"(the record ends after {len(record)})", last.text.rstrip())
    width = geometry.width
    for index, line in enumerate(record):
        if line.text[width:].strip():
            raise FormatError(path, line.number, f"at most 4 numbers of {_WIDTH} columns on a line of {sv}",
                              line.text.rstrip())
        if index and line.text[: geometry.indent].strip():
            raise FormatError(path, line.number, f"{geometry.indent} blank columns before the numbers of {sv}",
                              line.text.rstrip())
    return "".join(line.text[:width].ljust(width) for line in record).ljust(width * expected)


def record_values(path, rows: SystemRows, culprits: list | None = None) -> np.ndarray:
    """All numbers of a system's records, (records, fields), read column by column. ``culprits``: unreadable
    fields are NaN and listed as ``(record, FormatError)`` instead of raising (``_columns.block_floats``)."""
    geometry, layout = rows.geometry, rows.layout
    block = text_block([text.encode("latin-1") for text in rows.text], geometry.width * len(layout.lines))
    first_lines = np.asarray(rows.line, dtype=np.int64)
    columns = []
    for index, names in enumerate(layout.lines):
        start = geometry.first_values if index == 0 else geometry.indent
        for slot, name in enumerate(names):
            if name is None:
                continue
            base = index * geometry.width
            left = base + start + slot * _WIDTH
            what = f"{name} ({'clock' if index == 0 else 'orbit'} line {index})"
            shown = (lambda row, base=base: rows.text[row][base:base + geometry.width])
            columns.append(block_floats(path, block, left, left + _WIDTH, first_lines + index, what, base, shown,
                                        culprits))
    values = np.column_stack(columns) if columns else np.zeros((len(rows.sv), 0))
    _refine_galileo(rows, values)
    return values


def _refine_galileo(rows: SystemRows, values: np.ndarray) -> None:
    """RINEX 2/3 do not name Galileo messages: data sources (RINEX 3.05 Table A8) bit 1 = F/NAV."""
    if not any(rows.refine):
        return
    sources = values[:, rows.layout.names.index("data_sources")]
    usable = np.isfinite(sources) & (np.abs(sources) < 2**31)  # a garbled field must not overflow the cast
    bits = np.where(usable, sources, 0.0).astype(np.int64)
    fnav = usable & ((bits & 2) != 0)
    for row in np.flatnonzero(rows.refine):
        rows.message[row] = "FNAV" if fnav[row] else "INAV"


# --- RINEX 4 -----------------------------------------------------------------------------
def _read_v4(path, lines: list[str], start: int, body: Body, keep=None) -> None:
    head: Line | None = None
    record: list[Line] = []
    for index in range(start, len(lines)):
        text = lines[index]
        if text.startswith(">"):
            if head is not None:
                _add_v4_record(path, head, record, body, keep)
            head, record = Line(index + 1, text), []
        elif not text.strip():
            continue
        elif head is None:
            raise FormatError(path, index + 1, "a record line starting with '>'", text.rstrip())
        else:
            record.append(Line(index + 1, text))
    if head is not None:
        _add_v4_record(path, head, record, body, keep)


def _add_v4_record(path, head: Line, record: list[Line], body: Body, keep=None) -> None:
    kind = head.text[2:5]
    sv = head.text[6:9].strip()
    message = head.text[10:].strip()
    system = sv[:1]
    if kind not in ("EPH", "ION", "STO", "EOP") or system not in _SYSTEMS:
        raise FormatError(path, head.number, "'> EPH|ION|STO|EOP' and a satellite ID", head.text.rstrip())
    if not record:
        raise FormatError(path, head.number + 1, f"the lines of the {kind} record", "nothing")
    if kind == "EPH":
        if keep is not None and system not in keep:
            return
        if record[0].text[0:1] != system:
            raise FormatError(path, record[0].number, f"the satellite line of {sv}", record[0].text.rstrip())
        _add_ephemeris(path, record, _V3, None, message, body)
        return
    reader = {"ION": _ion_v4, "STO": _sto_v4, "EOP": _eop_v4}[kind]
    entry = reader(path, record, f"{kind} {sv}")
    if entry is None:
        body.skipped[f"{kind} {system} {message}"] += 1
        return
    entry.update(sv=sv, system=system, message=message, line=head.number)
    getattr(body, kind.lower()).append(entry)


def _epoch_and_numbers(path, record: list[Line], what: str, first_is_text=False) -> tuple[tuple, list[float]]:
    """Epoch of the first line, then every number of the record (4X, 4D19.12 layout)."""
    first = record[0]
    epoch = epoch_fields(path, first, first.text[4:23], f"{what} epoch")
    values = [] if first_is_text else numbers(path, first, 23, 3, _WIDTH, what)
    for line in record[1:]:
        values.extend(numbers(path, line, 4, 4, _WIDTH, what))
    return epoch, values


def _ion_v4(path, record: list[Line], what: str) -> dict | None:
    epoch, values = _epoch_and_numbers(path, record, what)
    return {"epoch": epoch, "values": values}


def _sto_v4(path, record: list[Line], what: str) -> dict | None:
    """RINEX 4.00 Table A30: epoch, correction type, SBAS ID, UTC ID; t_tm, A0, A1, A2."""
    if len(record) != 2:
        raise FormatError(path, record[-1].number, f"2 lines for {what}", record[-1].text.rstrip())
    epoch, values = _epoch_and_numbers(path, record, what, first_is_text=True)
    names = record[0].text[24:].split()
    if not names:
        raise FormatError(path, record[0].number, f"{what}: a time-offset type such as GPUT", record[0].text.rstrip())
    return {"epoch": epoch, "type": names[0], "source": names[1] if len(names) > 2 else None,
            "utc_id": names[-1] if len(names) > 1 else None,
            "transmit_sow": values[0], "a0_s": values[1], "a1_sps": values[2], "a2_sps2": values[3]}


def _eop_v4(path, record: list[Line], what: str) -> dict | None:
    """RINEX 4.00 Table A31: xp, yp (arcsec, /day, /day^2); t_tm, dUT1 (s, /day, /day^2)."""
    if len(record) != 3:
        raise FormatError(path, record[-1].number, f"3 lines for {what}", record[-1].text.rstrip())
    epoch, values = _epoch_and_numbers(path, record, what)
    return {"epoch": epoch, "xp": values[0:3], "yp": values[4:7], "transmit_sow": values[7], "dut1": values[8:11]}
