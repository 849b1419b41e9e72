"""RTKLIB configuration files (``.conf``, as written by RTKPOST / ``rnx2rtkp -k``) for ``solve`` and ``ppp``.

:func:`read_rtklib_conf` reads ``key = value  # comment`` lines; :func:`solve_options` and
:func:`ppp_options` map the keys that have a Lodestar equivalent to ``lodestar solve`` /
``lodestar ppp`` options and say, for every key of the file, whether it was used (and as what)
or ignored (and why). Option names and codes are
RTKLIB 2.4.3's (``options.c``: ``pos1-navsys`` is a bitmask of ``SYS_GPS`` 1, ``SYS_SBS`` 2,
``SYS_GLO`` 4, ``SYS_GAL`` 8, ``SYS_QZS`` 16, ``SYS_CMP`` 32, ``SYS_IRN`` 64, rtklib.h).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataNotFoundError, FormatError

__all__ = ["read_rtklib_conf", "solve_options", "ppp_options", "ConfMapping", "NAVSYS_BITS"]

NAVSYS_BITS = {1: "G", 2: "S", 4: "R", 8: "E", 16: "J", 32: "C", 64: "I"}  # rtklib.h SYS_*
_SOLVED_SYSTEMS = "GREC"  # what lodestar solve positions with
_IONO = {"off": "off", "brdc": "klobuchar", "dual-freq": "iflc"}  # pos1-ionoopt -> --iono
_POS_FORMATS = {"xyz": "xyz", "llh": "llh", "enu": "enu"}
#: Agreements: keys whose value is what Lodestar does anyway (listed as used, nothing to set).
_AGREEMENT = "agreement"


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


def _map_shared(key, value, conf):
    """The keys ``solve`` and ``ppp`` read alike: (option, value, note), or None for another key."""
    if key == "pos1-elmask":
        return "mask", float(value), f"--mask {float(value):g}"
    if key == "pos1-navsys":
        systems, note = _navsys(value)
        return ("systems", systems, note) if systems else (None, None, note)
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
    return None


def _map_one(key, value, conf):
    """(option, option value, note) for a key with an equivalent, or (None, None, why ignored)."""
    shared = _map_shared(key, value, conf)
    if shared is not None:
        return shared
    if key == "pos1-ionoopt":
        if value in _IONO:
            return "iono", _IONO[value], f"--iono {_IONO[value]}"
        return None, None, f"{value}: no equivalent (klobuchar, iflc or off)"
    if key == "pos1-tropopt":
        if value == "saas":
            return _AGREEMENT, None, "Saastamoinen: Lodestar's model (always on)"
        return None, None, f"{value}: Lodestar always applies Saastamoinen"
    if key == "pos1-posmode":
        return ((_AGREEMENT, None, "single-point positioning: what solve does") if value == "single"
                else (None, None, f"{value}: lodestar solve is single-point positioning only"
                      + ("; run this configuration with lodestar ppp --rtklib-conf" if value in _PPP_MODES else "")))
    if key == "pos1-sateph":
        return ((_AGREEMENT, None, "broadcast ephemerides (give --sp3/--clk for precise)") if value == "brdc"
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
    return _mapping(conf, _map_one)


_PPP_MODES = {"ppp-static": "static", "ppp-kine": "kinematic"}  # options.c pos1-posmode
_PPP_DIRECTIONS = {"forward": "forward", "combined": "combined"}  # options.c pos1-soltype


def _map_ppp(key, value, conf):
    """``lodestar ppp``'s reading of one key: (option, value, note) or (None, None, why ignored)."""
    shared = _map_shared(key, value, conf)
    if shared is not None:
        return shared
    if key == "pos1-posmode":
        if value in _PPP_MODES:
            return "mode", _PPP_MODES[value], f"--mode {_PPP_MODES[value]}"
        return None, None, f"{value}: lodestar ppp runs ppp-static or ppp-kine (ppp-fixed, RTK and single have no equivalent here)"
    if key == "pos1-soltype":
        if value in _PPP_DIRECTIONS:
            return "direction", _PPP_DIRECTIONS[value], f"--direction {_PPP_DIRECTIONS[value]}"
        return None, None, f"{value}: no equivalent (forward or combined)"
    if key == "pos1-ionoopt":
        return ((_AGREEMENT, None, "ionosphere-free combination: what ppp does") if value == "dual-freq"
                else (None, None, f"{value}: lodestar ppp uses the ionosphere-free combination (dual-freq)"))
    if key == "pos1-tropopt":
        if value == "est-ztd":
            return _AGREEMENT, None, "zenith delay estimated: what ppp does"
        if value == "est-ztdgrad":
            return "gradients", True, "--gradients"
        return None, None, f"{value}: lodestar ppp estimates the zenith delay (est-ztd, or est-ztdgrad: --gradients)"
    if key == "pos1-sateph":
        return ((_AGREEMENT, None, "precise orbits and clocks (--sp3/--clk)") if value == "precise"
                else (None, None, f"{value}: lodestar ppp takes precise products (--sp3/--clk)"))
    if key == "pos1-tidecorr":  # options.c: off, on (solid), otl (solid + ocean loading + pole)
        if value == "on":
            return _AGREEMENT, None, "solid Earth tide: always applied"
        if value == "otl":
            return _AGREEMENT, None, "solid Earth tide always applied; ocean loading with --blq (file-blqfile)"
        return None, None, "off: the solid Earth tide is always applied"
    if key in ("file-satantfile", "file-rcvantfile"):
        return ("antex", [value], f"--antex {value}") if value else (None, None, "no file named")
    if key == "file-blqfile":
        return ("blq", value, f"--blq {value}") if value else (None, None, "no file named")
    if key == "pos2-armode":
        return ((_AGREEMENT, None, "float ambiguities: what ppp does") if value == "off"
                else (None, None, f"{value}: lodestar ppp keeps float ambiguities (no ambiguity resolution)"))
    if key in ("stats-prnztd", "stats-prnbias"):
        # RTKLIB's process noises are sigmas in m/sqrt(s), added as prn^2 |dt| (ppp.c udtrop, udbias): m^2/h
        option = "ztd_psd" if key == "stats-prnztd" else "ambiguity_psd"
        try:
            psd = float(value) ** 2 * 3600.0
        except ValueError:
            return None, None, f"{value}: not a number (m/sqrt(s))"
        return option, psd, f"--{option.replace('_', '-')} {psd:.3g} (m^2/h = ({value} m/sqrt(s))^2 x 3600 s/h)"
    if key in _PPP_ALWAYS:  # RTKLIB's posopt1-3: corrections Lodestar's PPP always applies (docs/ppp.md)
        return ((_AGREEMENT, None, f"{_PPP_ALWAYS[key]}: always applied") if value == "on"
                else (None, None, f"off: {_PPP_ALWAYS[key]} is always applied"))
    if key == "ant1-anttype":
        return ((_AGREEMENT, None, "the receiver antenna of the RINEX header") if value in ("*", "")
                else (None, None, f"{value}: the RINEX header's ANT # / TYPE is used"))
    if key in ("ant1-antdele", "ant1-antdeln", "ant1-antdelu"):
        return ((_AGREEMENT, None, "no extra antenna delta") if _is_zero(value)
                else (None, None, "the RINEX header's ANTENNA: DELTA H/E/N is used"))
    return None, None, _PPP_IGNORED.get(key, "no equivalent")


def _is_zero(value: str) -> bool:
    try:
        return float(value) == 0.0
    except ValueError:
        return False


_PPP_ALWAYS = {"pos1-posopt1": "satellite antenna PCV (from --antex)", "pos1-posopt2": "receiver antenna PCV (from --antex)",
               "pos1-posopt3": "phase wind-up"}
_PPP_IGNORED = {
    "pos1-posopt4": "eclipsing satellites are kept (their yaw from the attitude models)",
    "pos1-posopt5": "RAIM FDE: post-fit residual outlier rejection instead",
    "pos2-slipthres": "cycle slips: Melbourne-Wubbena and geometry-free tests scaled to the interval",
    "pos1-frequency": "the ionosphere-free pair the clocks refer to is used (dual frequency)",
    "pos1-dynamics": "kinematic positions are white noise (no velocity model)",
    "stats-errphase": "phase sigma: the API's phase_sigma_m (default 3 mm, RTKLIB's)",
    "stats-eratio1": "code/phase ratio: the API's code_sigma_m (default 100 x 3 mm, RTKLIB's)",
    "out-outhead": "the .pos header is always written",
    "file-dcbfile": "CODE DCB files are not read: give Bias-SINEX OSBs with --bias",
}


def ppp_options(conf: dict) -> ConfMapping:
    """The ``lodestar ppp`` options an RTKLIB PPP configuration stands for (see the module doc)."""
    return _mapping(conf, _map_ppp)


def _mapping(conf: dict, map_key) -> ConfMapping:
    mapping = ConfMapping()
    for key, value in conf.items():
        option, option_value, note = map_key(key, value, conf)
        if option is None:
            mapping.ignored.append((key, value, note))
            continue
        mapping.used.append((key, value, note))
        if option != _AGREEMENT:  # an agreement is listed as used; it sets nothing
            if option == "antex" and "antex" in mapping.options:  # satellite and receiver files: both read
                option_value = [*mapping.options["antex"], *option_value]
            mapping.options[option] = option_value
            mapping.option_of[key] = option
    return mapping
