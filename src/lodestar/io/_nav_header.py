"""The header of a RINEX navigation file: version, ionosphere, time corrections, leap seconds."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import FormatError
from .headers import refuse_other_kind
from ._columns import Line, number

__all__ = ["NavHeader", "read_header"]

#: RINEX 2 file-type letter (column 21) -> the one system such a file holds.
_V2_SYSTEM = {"N": "G", "G": "R", "H": "S", "E": "E", "J": "J", "C": "C", "L": "E"}


@dataclass
class NavHeader:
    version: float
    system: str  # "M" for mixed files, else the system letter
    iono: dict = field(default_factory=dict)
    time_corrections: list = field(default_factory=list)
    leap_seconds: int | None = None
    body_start: int = 0  # index (0-based) of the first line after END OF HEADER
    _bds_beta: dict = field(default_factory=dict)


def read_header(path, lines: list[str]) -> NavHeader:
    """Parse everything up to END OF HEADER (refused when absent)."""
    header = _first_line(path, lines)
    for index, text in enumerate(lines[1:], start=1):
        label = text[60:80].strip()
        line = Line(index + 1, text)
        if label == "END OF HEADER":
            header.body_start = index + 1
            _pair_bds(header)
            return header
        reader = _LABELS.get(label)
        if reader is not None:
            reader(path, line, header)
    raise FormatError(path, len(lines), "an 'END OF HEADER' line", "end of file")


def _first_line(path, lines: list[str]) -> NavHeader:
    text = lines[0] if lines else ""
    if "RINEX VERSION / TYPE" not in text[60:] or text[20:21] not in (*_V2_SYSTEM, "N"):  # another kind of file?
        refuse_other_kind(path, text, "a RINEX navigation file", "nav")
    if "RINEX VERSION / TYPE" not in text[60:]:
        raise FormatError(path, 1, "'RINEX VERSION / TYPE' in columns 61-80", text.rstrip() or "an empty file")
    version = number(path, Line(1, text), 0, 9, "RINEX version")
    kind = text[20:21]
    if not 2.0 <= version < 5.0 or version != version:
        raise FormatError(path, 1, "a RINEX navigation version 2, 3 or 4", text.rstrip())
    if version < 3:
        system = _V2_SYSTEM.get(kind)
        if system is None:
            raise FormatError(path, 1, "a RINEX 2 navigation type N, G, H or E in column 21", text.rstrip())
        return NavHeader(version, system)
    if kind != "N":
        raise FormatError(path, 1, "navigation type 'N' in column 21", text.rstrip())
    system = text[40:41].strip() or "M"
    return NavHeader(version, system)


def _ionospheric_corr(path, line: Line, header: NavHeader) -> None:
    """RINEX 3 ``IONOSPHERIC CORR``: A4,1X,4D12.4,1X,A1,1X,I2 (time mark, SV: 3.04+, BDS)."""
    kind = line.text[0:4].strip()
    values = [number(path, line, 5 + 12 * i, 17 + 12 * i, f"{kind} coefficient") for i in range(4)]
    mark = line.text[54:55].strip() or None
    prn = line.text[55:58].strip()
    if kind == "GAL":
        header.iono.setdefault("GAL", values[:3])
    elif kind in ("BDSA", "BDSB"):
        sv = f"C{int(prn):02d}" if prn.isdigit() else None
        entry = {"sv": sv, "time_mark": mark}
        if kind == "BDSA":
            header.iono.setdefault("BDS", []).append({**entry, "alpha": values, "beta": None})
        else:
            header._bds_beta[(sv, mark)] = values
    elif kind in ("GPSA", "GPSB", "QZSA", "QZSB", "IRNA", "IRNB"):
        header.iono.setdefault(kind, values)  # several sets (time marks): the first one is kept


def _pair_bds(header: NavHeader) -> None:
    """Each BDSA set gets the BDSB set of the same satellite and time mark (RINEX 3.04 5.3)."""
    for entry in header.iono.get("BDS", []):
        entry["beta"] = header._bds_beta.pop((entry["sv"], entry["time_mark"]), None)
    for (sv, mark), beta in header._bds_beta.items():  # a BDSB without its BDSA is still kept
        header.iono.setdefault("BDS", []).append({"sv": sv, "time_mark": mark, "alpha": None, "beta": beta})
    header._bds_beta.clear()


def _time_system_corr(path, line: Line, header: NavHeader) -> None:
    """RINEX 3 ``TIME SYSTEM CORR``: A4,1X,D17.10,D16.9,1X,I6,1X,I4,1X,A5,1X,I2."""
    header.time_corrections.append({
        "type": line.text[0:4].strip(),
        "a0_s": number(path, line, 5, 22, "a0"),
        "a1_sps": number(path, line, 22, 38, "a1"),
        "ref_sow": number(path, line, 38, 45, "reference time"),
        "ref_week": number(path, line, 45, 50, "reference week"),
        "source": line.text[51:56].strip() or None,
        "utc_id": line.text[57:59].strip() or None,
    })


def _leap_seconds(path, line: Line, header: NavHeader) -> None:
    value = number(path, line, 0, 6, "leap seconds")
    if value != value:
        raise FormatError(path, line.number, "the number of leap seconds in columns 1-6", line.text.rstrip())
    # RINEX 3.02+ columns 25-27: time system of the value; BDS counts BDT - UTC = (GPST - UTC) - 14 s
    header.leap_seconds = int(value) + (14 if line.text[24:27] == "BDS" else 0)


def _ion_alpha_beta(path, line: Line, header: NavHeader) -> None:
    """RINEX 2 ``ION ALPHA`` / ``ION BETA``: 2X,4D12.4 (Galileo 2.12 files: 3 ``ai`` values)."""
    values = [number(path, line, 2 + 12 * i, 14 + 12 * i, "ionosphere coefficient") for i in range(4)]
    if header.system == "E":
        header.iono.setdefault("GAL", values[:3])
    else:
        header.iono["GPSA" if "ALPHA" in line.text[60:] else "GPSB"] = values


def _delta_utc(path, line: Line, header: NavHeader) -> None:
    """RINEX 2 ``DELTA-UTC: A0,A1,T,W``: 3X,2D19.12,2I9."""
    a0, a1 = number(path, line, 3, 22, "A0"), number(path, line, 22, 41, "A1")
    header.time_corrections.append({
        "type": "GAUT" if header.system == "E" else "GPUT",
        "a0_s": a0, "a1_sps": a1,
        "ref_sow": number(path, line, 41, 50, "reference time"),
        "ref_week": number(path, line, 50, 59, "reference week"),
        "source": None, "utc_id": None,
    })


def _corr_to_system_time(path, line: Line, header: NavHeader) -> None:
    """RINEX 2 GLONASS ``CORR TO SYSTEM TIME``: 3I6,3X,D19.12 = reference date and -TauC."""
    header.time_corrections.append({
        "type": "GLUT",
        "a0_s": number(path, line, 21, 40, "-TauC"), "a1_sps": 0.0,
        "ref_sow": None, "ref_week": None,
        "ref_date": " ".join(line.text[0:18].split()),
        "source": None, "utc_id": None,
    })


_LABELS = {
    "IONOSPHERIC CORR": _ionospheric_corr,
    "TIME SYSTEM CORR": _time_system_corr,
    "LEAP SECONDS": _leap_seconds,
    "ION ALPHA": _ion_alpha_beta,
    "ION BETA": _ion_alpha_beta,
    "DELTA-UTC: A0,A1,T,W": _delta_utc,
    "CORR TO SYSTEM TIME": _corr_to_system_time,
}
