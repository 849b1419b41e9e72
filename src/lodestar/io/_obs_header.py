"""The header of a RINEX observation file (2.10/2.11, 3.0x, 4.00).

Column layouts follow the RINEX 2.11 (IGS/RTCM, 2012 update), 3.05 and 4.00 specifications,
Tables A1/A2 ("RINEX VERSION / TYPE" F9.2,11X,A1,19X,A1; labels in columns 61-80).
RINEX 2 observation types are renamed to RINEX 3 codes per system, following the
correspondence of RINEX 3.05 section 5.1 / Table 4 (e.g. GPS P1 -> C1W, GLONASS P2 -> C2P).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import FormatError
from ..systems import SYSTEM_ORDER

SUPPORTED_VERSIONS = "2.10, 2.11, 3.00-3.05, 4.00"

# RINEX 3 observation code: type (C code, L phase, D Doppler, S strength, X channel), band, attribute.
_RINEX3_CODE = re.compile(r"^[CLDSX][0-9][A-Z]$")
_RINEX2_CODE = re.compile(r"^[CLDSP][125678]$")
UNITS = {"C": "m", "L": "cycles", "D": "Hz", "S": "dB-Hz", "X": "1"}

# Tracking attribute of each RINEX 2 band per system (RINEX 3.05 Table 4 conventions; GPS
# P code is the encrypted P(Y) tracked as W, GLONASS P is the precise code P).
_RINEX2_ATTRIBUTE = {
    "G": {"1": "C", "2": "W", "5": "X"},
    "R": {"1": "C", "2": "P"},
    "E": {"1": "X", "5": "X", "6": "X", "7": "X", "8": "X"},
    "S": {"1": "C", "5": "X"},
    "J": {"1": "C", "2": "X", "5": "X", "6": "X"},
    "C": {"1": "X", "2": "X", "6": "X", "7": "X"},
    "I": {"5": "X", "9": "X"},
}
# Exceptions to the band rule: code types whose attribute differs from the band's phase.
_RINEX2_SPECIAL = {
    ("G", "C1"): "C1C", ("G", "P1"): "C1W", ("G", "C2"): "C2X", ("G", "P2"): "C2W",
    ("R", "C1"): "C1C", ("R", "P1"): "C1P", ("R", "C2"): "C2C", ("R", "P2"): "C2P",
}
TIME_SYSTEMS = ("GPS", "GLO", "GAL", "BDT", "QZS", "IRN", "UTC")
_DEFAULT_TIME_SYSTEM = {"G": "GPS", "R": "GLO", "E": "GAL", "C": "BDT", "J": "QZS", "I": "IRN", "S": "GPS", "M": "GPS"}


@dataclass
class ObsHeader:
    path: str
    version: float
    file_system: str
    lines: int = 0  # header lines, END OF HEADER included
    obs_codes: dict = field(default_factory=dict)  # system -> [RINEX 3 codes] (file order)
    rinex2_codes: list = field(default_factory=list)  # RINEX 2: original types, file order
    rinex2_names: dict = field(default_factory=dict)  # RINEX 3 code -> set of RINEX 2 names
    scale_factors: dict = field(default_factory=dict)  # (system, code) -> divisor
    scale_records: list = field(default_factory=list)  # SYS / SCALE FACTOR as read: [system, factor, codes]
    attrs: dict = field(default_factory=dict)


def _fail(path, line_no, expected, line):
    raise FormatError(path, line_no, expected, line.rstrip("\r\n"))


def _float(path, line_no, line, a, b, what):
    text = line[a:b].strip()
    try:
        return float(text.replace("D", "E")) if text else None
    except ValueError:
        _fail(path, line_no, f"{what} (a number in columns {a + 1}-{b})", line)


def _int(path, line_no, line, a, b, what):
    text = line[a:b].strip()
    try:
        return int(text) if text else None
    except ValueError:
        _fail(path, line_no, f"{what} (an integer in columns {a + 1}-{b})", line)


def _declared_time(attrs, label, line) -> None:
    """TIME OF FIRST/LAST OBS (5I6, F13.7; RINEX 3.05 Table A2) as ``[y, m, d, h, min, s]``, when readable.

    Only the epoch-order check uses them (``_obs_order``): an unreadable one is left out here and
    TIME OF FIRST OBS is still checked below, as before.
    """
    try:
        fields = [float(line[a:b]) for a, b in ((0, 6), (6, 12), (12, 18), (18, 24), (24, 30), (30, 43))]
    except ValueError:
        return
    attrs["first_obs" if label == "TIME OF FIRST OBS" else "last_obs"] = fields


def _three_floats(path, n, line, what):
    """3F14.4; some writers shift the columns by one, so blank-separated numbers are accepted too."""
    try:
        return [float(line[14 * k:14 * k + 14]) if line[14 * k:14 * k + 14].strip() else None for k in range(3)]
    except ValueError:
        parts = line[:60].split()
        try:
            if len(parts) == 3:
                return [float(p) for p in parts]
        except ValueError:
            pass
    _fail(path, n, what, line)


def parse_header(text_lines, path) -> ObsHeader:
    """Parse header lines (``text_lines``: decoded lines from the file start)."""
    if not text_lines or not text_lines[0].strip():
        raise FormatError(path, 1, "a RINEX observation file (RINEX VERSION / TYPE line)", "an empty line")
    first = text_lines[0]
    if "RINEX VERSION" not in first[60:] or first[20:21] != "O":  # another kind of file given as observations?
        from .headers import refuse_other_kind

        refuse_other_kind(path, first, "a RINEX observation file", "obs")
    if "RINEX VERSION" not in first[60:]:
        _fail(path, 1, "the RINEX VERSION / TYPE line", first)
    version = _float(path, 1, first, 0, 9, "the RINEX version")
    if version is None or not (2.0 <= version < 2.12 or 3.0 <= version < 3.06 or version == 4.0):
        _fail(path, 1, f"a RINEX observation version {SUPPORTED_VERSIONS}", first[:20])
    if first[20:21] != "O":
        _fail(path, 1, "file type O (observation data) in column 21", first)
    file_system = first[40:41].strip() or "G"
    header = ObsHeader(path=str(path), version=version, file_system=file_system)
    header.attrs["file_system"] = file_system
    pending = None  # multi-line records: (label, system, count, codes)
    for index, line in enumerate(text_lines[1:], start=2):
        label = line[60:80].strip()
        if label == "END OF HEADER":
            header.lines = index
            _finish(header, pending, index)
            return header
        if not label and (line.startswith(">") or line.strip()):
            _fail(path, index, "a header label in columns 61-80 (or END OF HEADER before the data)", line)
        pending = _header_line(header, label, line, index, pending)
    raise FormatError(path, len(text_lines), "an END OF HEADER line", "end of file")


def _header_line(header, label, line, n, pending):
    path = header.path
    attrs = header.attrs
    if pending is not None and label != pending[0]:
        _check_pending(header, pending, n)
        pending = None
    if label == "MARKER NAME":
        attrs["marker_name"] = line[:60].strip()
    elif label == "MARKER NUMBER":
        attrs["marker_number"] = line[:20].strip()
    elif label == "REC # / TYPE / VERS":
        attrs["receiver_number"] = line[:20].strip()
        attrs["receiver"] = line[20:40].strip()
        attrs["receiver_version"] = line[40:60].strip()
    elif label == "ANT # / TYPE":
        attrs["antenna_number"] = line[:20].strip()
        attrs["antenna"] = line[20:40].strip()
    elif label == "APPROX POSITION XYZ":
        xyz = _three_floats(path, n, line, "the approximate position X Y Z (3F14.4)")
        if None not in xyz:
            attrs["approx_position_m"] = xyz
    elif label == "ANTENNA: DELTA H/E/N":
        hen = _three_floats(path, n, line, "the antenna delta H E N (3F14.4)")
        attrs["antenna_delta_hen_m"] = [v or 0.0 for v in hen]
    elif label == "INTERVAL":
        attrs["interval_s"] = _float(path, n, line, 0, 10, "the interval in seconds")
    elif label == "TIME OF FIRST OBS":
        _int(path, n, line, 0, 6, "the year of the first observation")
        system = line[48:51].strip()
        if system and system not in TIME_SYSTEMS:
            _fail(path, n, f"a time system ({', '.join(TIME_SYSTEMS)}) in columns 49-51", line)
        attrs["time_system_header"] = system
        _declared_time(attrs, label, line)
    elif label == "TIME OF LAST OBS":
        _declared_time(attrs, label, line)
    elif label == "LEAP SECONDS":
        attrs["leap_seconds"] = _int(path, n, line, 0, 6, "leap seconds")
    elif label == "SIGNAL STRENGTH UNIT":
        attrs["signal_strength_unit"] = line[:20].strip()
    elif label == "GLONASS SLOT / FRQ #":
        _glonass_slots(header, line, n)
    elif label == "GLONASS COD/PHS/BIS":
        _glonass_biases(header, line, n)
    elif label == "SYS / SCALE FACTOR":
        pending = _scale_factor(header, line, n, pending)
    elif label == "SYS / # / OBS TYPES":
        pending = _obs_types_v3(header, line, n, pending)
    elif label == "# / TYPES OF OBSERV":
        pending = _obs_types_v2(header, line, n, pending)
    return pending


def _glonass_slots(header, line, n):
    channels = header.attrs.setdefault("glonass_channels", {})
    # Standard layout 8(A1,I2.2,1X,I2,1X); some writers pack entries tighter ("R11 -5R19 +3").
    for slot, number in re.findall(r"R\s?(\d{1,2})\s*([+-]?\d{1,2})", line[4:60]):
        channels[f"R{int(slot):02d}"] = int(number)
    if not re.fullmatch(r"[\sR0-9+-]*", line[:60]):
        _fail(header.path, n, "GLONASS slot / frequency entries like 'R01  1'", line)


def _glonass_biases(header, line, n):
    biases = header.attrs.setdefault("glonass_cod_phs_bis", {})
    for k in range(4):  # 4(1X,A3,1X,F8.3)
        code = line[13 * k + 1:13 * k + 4].strip()
        if code:
            value = _float(header.path, n, line, 13 * k + 5, 13 * k + 13, f"the {code} bias in metres")
            biases[code] = value if value is not None else float("nan")


def _obs_types_v3(header, line, n, pending):
    system = line[0:1]
    if system.strip():
        if system not in SYSTEM_ORDER:
            _fail(header.path, n, f"a system letter ({', '.join(SYSTEM_ORDER)}) in column 1", line)
        count = _int(header.path, n, line, 3, 6, "the number of observation types")
        if count is None or count < 0:
            _fail(header.path, n, "the number of observation types in columns 4-6", line)
        if pending is not None:
            _check_pending(header, pending, n)
        pending = ("SYS / # / OBS TYPES", system, count, [], n)
    elif pending is None:
        _fail(header.path, n, "a system letter starting the SYS / # / OBS TYPES record", line)
    # 13(1X,A3) from column 8
    fields = (line[7 + 4 * k:10 + 4 * k] for k in range(13))
    return _collect_codes(header, n, pending, fields, _RINEX3_CODE, "observation codes like C1C, L2P, D5Q, S7I")


def _obs_types_v2(header, line, n, pending):
    if pending is None:
        count = _int(header.path, n, line, 0, 6, "the number of observation types")
        if count is None or count < 0:
            _fail(header.path, n, "the number of observation types in columns 1-6", line)
        pending = ("# / TYPES OF OBSERV", "", count, [], n)
    # 9(4X,A2) from column 7
    fields = (line[10 + 6 * k:12 + 6 * k] for k in range(9))
    return _collect_codes(header, n, pending, fields, _RINEX2_CODE, "RINEX 2 observation types like L1, C1, P2, D1, S2")


def _collect_codes(header, n, pending, fields, pattern, expected):
    """Add one line's observation codes to the pending record; None once it holds its announced count."""
    codes = pending[3]
    for code in (text.strip() for text in fields):
        if code:
            if not pattern.match(code):
                _fail(header.path, n, expected, code)
            codes.append(code)
    if len(codes) >= pending[2]:
        _check_pending(header, pending, n)
        return None
    return pending


def _scale_factor(header, line, n, pending):
    system = line[0:1]
    factor = _int(header.path, n, line, 2, 6, "the scale factor")
    _int(header.path, n, line, 8, 10, "the number of scaled observation types")
    codes = [line[11 + 4 * k:14 + 4 * k].strip() for k in range(12)]
    codes = [c for c in codes if c]
    if system.strip():
        header.scale_records.append((system, factor, codes))
    elif header.scale_records:  # continuation line of the previous record
        header.scale_records[-1][2].extend(codes)
    return pending


def _check_pending(header, pending, n):
    label, system, count, codes, first_line = pending
    if len(codes) != count:
        raise FormatError(header.path, first_line, f"{count} observation types in the {label} record",
                          f"{len(codes)}")
    if label == "SYS / # / OBS TYPES":
        header.obs_codes[system] = codes
    else:
        header.rinex2_codes = codes


def _finish(header, pending, n):
    if pending is not None:
        _check_pending(header, pending, n)
    if header.version < 3:
        _rinex2_to_rinex3(header)
    if not header.obs_codes or not any(header.obs_codes.values()):
        label = "# / TYPES OF OBSERV" if header.version < 3 else "SYS / # / OBS TYPES"
        raise FormatError(header.path, n, f"observation types ({label}) before END OF HEADER", "none")
    for system, codes in header.obs_codes.items():
        if len(set(codes)) != len(codes):
            raise FormatError(header.path, n, f"distinct observation codes for system {system}", " ".join(codes))
    for system, factor, codes in header.scale_records:  # no codes listed: all of the system's
        for code in codes or header.obs_codes.get(system, []):
            if factor:
                header.scale_factors[(system, code)] = float(factor)
    system = header.attrs.get("time_system_header") or _DEFAULT_TIME_SYSTEM.get(header.file_system, "GPS")
    header.attrs["time_system"] = system


def _rinex2_to_rinex3(header):
    """RINEX 2 keeps one list of types for all systems; give each system its RINEX 3 names."""
    systems = ["G", "R", "E", "S", "J", "C", "I"] if header.file_system == "M" else [header.file_system]
    for system in systems:
        codes = []
        for code in header.rinex2_codes:
            new = rinex2_code_to_rinex3(system, code)
            codes.append(new)
            header.rinex2_names.setdefault(new, set()).add(code)
        header.obs_codes[system] = codes


def rinex2_code_to_rinex3(system: str, code: str) -> str:
    """RINEX 2 observation type -> RINEX 3 code for ``system`` (e.g. R P2 -> C2P)."""
    if (system, code) in _RINEX2_SPECIAL:
        return _RINEX2_SPECIAL[(system, code)]
    kind = "C" if code[0] == "P" else code[0]
    band = code[1]
    if code[0] == "P":  # P code outside GPS/GLONASS: keep it apart from the band's C code
        return f"C{band}P"
    attribute = _RINEX2_ATTRIBUTE.get(system, {}).get(band, "X")
    return f"{kind}{band}{attribute}"
