"""``--rtklib-conf FILE`` for ``solve`` and ``ppp``: the options an RTKLIB ``.conf`` stands for
(``lodestar.io.rtklib_conf``) fill those not given on the command line; the keys used and ignored
are listed on stderr and in the JSON summary."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["apply_rtklib_conf"]

#: Options that add to what the command line gives rather than replace it (both lists apply).
_LISTS = ("exclude", "antex")


def apply_rtklib_conf(args, command: str, defaults: dict):
    """Fill ``args`` from ``args.rtklib_conf`` (``command``: "solve" or "ppp"), then ``defaults``; the
    mapping (or None without a file)."""
    from ..io.rtklib_conf import ppp_options, read_rtklib_conf, solve_options

    conf = None
    path = getattr(args, "rtklib_conf", None)
    if path:
        conf = (ppp_options if command == "ppp" else solve_options)(read_rtklib_conf(path))
        given = {option for option in conf.options if option not in _LISTS and getattr(args, option, None) is not None}
        if _suffix_format(args.out) not in (None, "rtklib"):
            given.add("format")  # out-solformat is the format of RTKLIB's .pos file: a .kml/.csv... keeps its own
        conf.used = [(key, value, note + _overridden(conf.option_of.get(key), given, args.format))
                     for key, value, note in conf.used]
        for option, value in conf.options.items():
            if option in _LISTS:
                setattr(args, option, list(getattr(args, option, None) or []) + list(value))
            elif option not in given and getattr(args, option, None) is None:
                setattr(args, option, value)
        lines = [f"--rtklib-conf {path}: used {len(conf.used)} keys, ignored {len(conf.ignored)}"]
        lines += [f"  used    {key} = {value} -> {note}" for key, value, note in conf.used]
        lines += [f"  ignored {key} = {value}: {note.removeprefix(f'{value}: ')}" for key, value, note in conf.ignored]
        print("\n".join(lines), file=sys.stderr)
    for option, value in defaults.items():
        if getattr(args, option, None) is None:
            setattr(args, option, value)
    return conf


def _overridden(option, given, format_option) -> str:
    if option not in given:
        return ""
    if option == "format" and format_option is None:
        return " (overridden: the --out suffix chooses the format)"
    return " (overridden: the command line's option wins)"


def _suffix_format(path):
    """The format the suffix of ``path`` names, or None (unknown suffix)."""
    from ..formats import SUFFIX_FORMATS

    return SUFFIX_FORMATS.get(Path(path).suffix.lower())
