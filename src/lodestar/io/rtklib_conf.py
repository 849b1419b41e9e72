"""RTKLIB configuration files (``.conf``, as written by RTKPOST / ``rnx2rtkp -k``) for ``solve``.

:func:`read_rtklib_conf` reads ``key = value  # comment`` lines; :func:`solve_options` maps the
keys that have a Lodestar equivalent to ``lodestar solve`` options and says, for every key of
the file, whether it was used (and as what) or ignored (and why). Option names and codes are
RTKLIB 2.4.3's (``options.c``: ``pos1-navsys`` is a bitmask of ``SYS_GPS`` 1, ``SYS_SBS`` 2,
``SYS_GLO`` 4, ``SYS_GAL`` 8, ``SYS_QZS`` 16, ``SYS_CMP`` 32, ``SYS_IRN`` 64, rtklib.h).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataNotFoundError, FormatError

__all__ = ["read_rtklib_conf", "solve_options", "ConfMapping", "NAVSYS_BITS"]

NAVSYS_BITS = {1: "G", 2: "S", 4: "R", 8: "E", 16: "J", 32: "C", 64: "I"}  # rtklib.h SYS_*
_SOLVED_SYSTEMS = "GREC"  # what lodestar solve positions with
_IONO = {"off": "off", "brdc": "klobuchar", "dual-freq": "iflc"}  # pos1-ionoopt -> --iono
_POS_FORMATS = {"xyz": "xyz", "llh": "llh", "enu": "enu"}


@dataclass
class ConfMapping:
    """``options``: solve option -> value; ``used``/``ignored``: (key, value, note) per file key;
    ``option_of``: file key -> the solve option it sets."""

    options: dict = field(default_factory=dict)
    option_of: dict = field(default_factory=dict)
    used: list = field(default_factory=list)
    ignored: list = field(default_factory=list)


def read_rtklib_conf(path) -> dict:
    """``{key: value}`` of an RTKLIB ``.conf`` (comments after ``#`` and blank lines skipped)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="latin-1")
    except FileNotFoundError:
        raise DataNotFoundError(f"RTKLIB configuration {path} not found") from None
    except IsADirectoryError:
        raise DataNotFoundError(f"{path} is a folder, not an RTKLIB .conf file") from None
    conf = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise FormatError(path, number, "an RTKLIB option 'key = value'", line[:60])
        key, value = (part.strip() for part in line.split("=", 1))
        conf[key] = value
    return conf


def _navsys(value: str):
    try:
        mask = int(value)
    except ValueError:
        return None, f"not a bitmask ({value!r})"
    letters = [letter for bit, letter in NAVSYS_BITS.items() if mask & bit]
    kept = [s for s in _SOLVED_SYSTEMS if s in letters]
    dropped = [s for s in letters if s not in _SOLVED_SYSTEMS]
    if not kept:
        return None, "no GPS, GLONASS, Galileo or BeiDou in the mask"
    note = f"--systems {'+'.join(kept)}" + (f" ({'+'.join(dropped)} not positioned: left out)" if dropped else "")
    return "+".join(kept), note


def _snr_mask(conf):
    """``pos1-snrmask_r = on`` with ``pos1-snrmask_L1`` constant over elevation -> one mask (dB-Hz)."""
    values = conf.get("pos1-snrmask_L1", "")
    try:
        levels = {float(v) for v in values.split(",") if v.strip()}
    except ValueError:
        return None, f"pos1-snrmask_L1 {values!r} is not a list of numbers"
    if len(levels) != 1:
        return None, "elevation-dependent masks have no equivalent (a single --snr-mask DBHZ does)"
    return levels.pop(), None


def _map_one(key, value, conf):
    """(option, option value, note) for a key with an equivalent, or (None, None, why ignored)."""
    if key == "pos1-elmask":
        return "mask", float(value), f"--mask {float(value):g}"
    if key == "pos1-navsys":
        systems, note = _navsys(value)
        return ("systems", systems, note) if systems else (None, None, note)
    if key == "pos1-ionoopt":
        if value in _IONO:
            return "iono", _IONO[value], f"--iono {_IONO[value]}"
        return None, None, f"{value}: no equivalent (klobuchar, iflc or off)"
    if key == "pos1-tropopt":
        if value == "saas":
            return "troposphere", "saastamoinen", "Saastamoinen: Lodestar's model (always on)"
        return None, None, f"{value}: Lodestar always applies Saastamoinen"
    if key == "pos1-exclsats":  # RTKLIB: "G01 R05"; a "+" prefix includes an unhealthy satellite instead
        excluded = [sv for sv in value.split() if not sv.startswith("+")]
        return ("exclude", excluded, f"--exclude {','.join(excluded)}") if excluded \
            else (None, None, "no satellite excluded ('+' entries force inclusion: no equivalent)")
    if key == "pos1-snrmask_r":
        if value != "on":
            return None, None, "no SNR mask (the default here too)"
        mask, why = _snr_mask(conf)
        return ("snr_mask", mask, f"--snr-mask {mask:g}") if why is None else (None, None, why)
    if key == "out-solformat":
        if value in _POS_FORMATS:
            return "pos_format", value, f"--pos-format {value} (for a .pos output)"
        if value == "nmea":
            return "format", "nmea", "--format nmea"
        return None, None, f"{value}: no equivalent"
    if key == "pos1-posmode":
        return (("posmode", "single", "single-point positioning: what solve does") if value == "single"
                else (None, None, f"{value}: lodestar solve is single-point positioning only"))
    if key == "pos1-sateph":
        return (("sateph", "brdc", "broadcast ephemerides (give --sp3/--clk for precise)") if value == "brdc"
                else (None, None, f"{value}: give precise products with --sp3/--clk"))
    return None, None, _IGNORED_NOTES.get(key, "no equivalent")


_IGNORED_NOTES = {
    "pos1-frequency": "single-frequency code is the default; --iono iflc uses two frequencies",
    # RTKLIB's single-point solution uses each epoch alone, whatever soltype says: --causal is the like-for-like
    "pos1-soltype": "solve estimates over the whole session (batch post-processing); --causal uses only past epochs",
    "pos1-dynamics": "no dynamics model in single-point positioning",
    "pos1-tidecorr": "no tides in single-point positioning",
    "out-outhead": "the .pos header is always written",
}


def solve_options(conf: dict) -> ConfMapping:
    """The ``lodestar solve`` options an RTKLIB configuration stands for (see the module doc)."""
    mapping = ConfMapping()
    for key, value in conf.items():
        option, option_value, note = _map_one(key, value, conf)
        if option is None:
            mapping.ignored.append((key, value, note))
            continue
        mapping.used.append((key, value, note))
        if option not in ("troposphere", "posmode", "sateph"):  # agreements, not options to set
            mapping.options[option] = option_value
            mapping.option_of[key] = option
    return mapping
