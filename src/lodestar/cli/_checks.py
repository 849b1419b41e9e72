"""Checks of command-line values made before any work starts, so a typo costs no run time.

The ``argparse`` types here turn a bad value into argparse's own one-line
``lodestar CMD: error: argument --x: ...`` message (exit status 2); the ``check_*`` functions
raise :class:`~lodestar.errors.LodestarError`, reported by :func:`lodestar.cli.main`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..errors import LodestarError

# datetime64[ns] (Lodestar's time base) spans 1677-09-21 .. 2262-04-11: keep well inside it,
# since a later year wraps around silently instead of failing.
_FIRST_YEAR, _LAST_YEAR = 1900, 2200


def iso_time(text: str) -> str:
    """An ISO 8601 date or date-time without zone (checked here; returned as typed)."""
    clock = text.strip()[10:]
    if clock.endswith("Z") or "+" in clock or "-" in clock:
        raise argparse.ArgumentTypeError(f"{text!r} carries a time zone; give the time without one "
                                         "(the time scale is stated in the help)")
    if text.strip().lower() in ("now", "today"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a date, e.g. 2020-06-25T00:00:00")
    try:
        value = np.datetime64(text.strip(), "s")
    except ValueError as exc:
        reason = str(exc).split(" in datetime string")[0]
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time such as 2020-06-25 or 2020-06-25T00:00:00 ({reason})") from None
    if np.isnat(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time such as 2020-06-25T00:00:00")
    year = value.astype("datetime64[Y]").astype(int) + 1970
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise argparse.ArgumentTypeError(f"{text!r}: year {year} is outside {_FIRST_YEAR}..{_LAST_YEAR}")
    return text.strip()


def iso_date(text: str) -> str:
    """A day, YYYY-MM-DD."""
    checked = iso_time(text)
    if len(checked) != 10:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day YYYY-MM-DD (e.g. 2020-06-25)")
    return checked


def positive_float(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def non_negative_float(text: str) -> float:
    value = _number(text)
    if not value >= 0:  # also refuses NaN
        raise argparse.ArgumentTypeError(f"{text!r} must be zero or a positive number")
    return value


def elevation_deg(text: str) -> float:
    """An elevation mask: 0 <= value < 90 degrees."""
    value = _number(text)
    if not 0.0 <= value < 90.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an elevation mask in degrees (0 to below 90)")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def ecef_xyz(text: str, option: str = "--truth") -> list[float]:
    """``X,Y,Z`` in metres (ECEF) from an option's text; negative values are values (lodestar.cli's parser)."""
    try:
        values = [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 3 or not all(np.isfinite(v) and abs(v) < 1e8 for v in values):
        raise LodestarError(f"{option} {text!r}: give the marker's ECEF X,Y,Z in metres, e.g. "
                            "3582104.768,532590.174,5232755.144 (ESBC, ITRF2014)")
    return values


def check_time_order(start: str, end: str) -> None:
    if np.datetime64(end, "ns") <= np.datetime64(start, "ns"):
        raise LodestarError(f"--to {end} must be after --from {start}")


def check_output_files(*, inputs=(), **options) -> None:
    """Output files named on the command line must not be folders, nor one another, nor an input file
    (``inputs``: paths the command reads), checked before any work: the later writer would silently
    replace the earlier output, or the input itself.

    Keyword names are option names with ``_`` for ``-`` (``calibration_out=...``); ``None`` (not
    asked for) passes, and ``-`` (stdout) for ``json`` only: elsewhere it would make a file named ``-``.
    Devices (``/dev/null``) may be named more than once.
    """
    seen: dict = {str(Path(p).resolve()): "input" for p in _flat(inputs)}
    for name, path in options.items():
        if path is None or (path == "-" and name == "json"):
            continue
        option = f"--{name.replace('_', '-')}"
        if path == "-":
            raise LodestarError(f"{option} -: give a file name (only --json - writes to stdout)")
        if Path(path).is_dir():
            raise LodestarError(f"{option} {path}: is a folder; give a file name inside it")
        key = str(Path(path).resolve())
        if key in seen and not key.startswith("/dev/"):
            other = "an input file of the command" if seen[key] == "input" else f"the file of {seen[key]}"
            raise LodestarError(f"{option} {path}: is also {other}; give each output its own file")
        seen[key] = option


def _flat(paths):
    """Paths from a mix of None, single paths and lists of paths."""
    for item in paths:
        if item is None:
            continue
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def residuals_format(path) -> str:
    """``--residuals``'s format from its suffix, ``csv`` or ``parquet`` (``solve`` and ``ppp``); others refused."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise LodestarError(f"--residuals {path}: write .csv or .parquet")
    return suffix[1:]


def check_suffix(option: str, path, accepted: tuple[str, ...]) -> None:
    """``--out report.kml`` for an HTML-only output: refused naming the accepted suffixes (a device
    such as ``/dev/null`` passes)."""
    if path is None or str(path).startswith("/dev/"):
        return
    suffix = Path(path).suffix.lower()
    if suffix not in accepted:
        raise LodestarError(f"--{option} {path}: unknown output suffix {suffix or '(none)'!r}; "
                            f"this command writes {' '.join(accepted)}")


def check_output_folder(option: str, path) -> None:
    if Path(path).exists() and not Path(path).is_dir():
        raise LodestarError(f"--{option} {path}: is a file; give a folder (created if missing)")


def truth_xyz(text: str | None, obs=None) -> list[float] | None:
    """``X,Y,Z`` in metres (ECEF), ``header`` (the observation file's APPROX POSITION XYZ, as ``solve`` and
    ``compare`` take it), or None; negative values are values (Lodestar's parser, lodestar.cli)."""
    if not text:
        return None
    if text.strip().lower() == "header":
        from ..io.headers import obs_approx_position_m

        xyz = obs_approx_position_m(obs) if obs is not None else None
        if xyz is None:
            raise LodestarError(f"--truth header: {obs or 'the observation file'} has no APPROX POSITION XYZ in its "
                                "header; give --truth X,Y,Z or --sinex FILE")
        return list(xyz)
    return ecef_xyz(text, "--truth")


def truth_label(text: str | None) -> str | None:
    """Where a ``--truth`` came from, for the summary's ``truth_source``."""
    if not text:
        return None
    from ..io.headers import HEADER_TRUTH

    return HEADER_TRUTH if text.strip().lower() == "header" else "--truth"


def sinex_truth(obs, sinex) -> tuple[list[float] | None, str]:
    """The station's SINEX coordinate on the observation day and how it was obtained, or (None, "")
    when no file holds it."""
    from ..errors import DataNotFoundError
    from ..io.headers import obs_header_identity
    from ..io.sinex import locate_station

    marker, day = obs_header_identity(obs)
    try:
        position, how = locate_station(sinex, marker[:4], str(day))
    except DataNotFoundError:  # e.g. ESBC: in none of the SINEX files; they served the phase centres only
        return None, ""
    return [float(v) for v in position], how
