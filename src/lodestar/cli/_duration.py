"""``--step`` in one unit everywhere: seconds, or a number with an explicit unit (``30s``, ``5min``, ``1h``).

Every command's ``--step`` (``ilrs``, ``moon-gnss``, ``orbits``, ``map``) reads a plain number as
seconds. Before issue 15, ``ilrs`` read minutes: it prints a one-line note when given a plain number.
"""

from __future__ import annotations

import argparse
import re

__all__ = ["Duration", "duration_s", "hours", "STEP_HELP"]

_UNITS_S = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")

STEP_HELP = "seconds, or with a unit: 30s, 5min, 1h"


class Duration(float):
    """Seconds (a float) that remember whether they were typed as a plain number."""

    plain: bool = False


def duration_s(text: str) -> Duration:
    """Parse ``30``, ``30s``, ``5min``, ``1.5h`` into seconds (> 0)."""
    match = _PATTERN.match(str(text))
    unit = match.group(2).lower() if match else ""
    if not match or (unit and unit not in _UNITS_S):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: give seconds (30) or a number with "
                                         f"a unit ({', '.join('30' + u for u in ('s', 'min', 'h'))})")
    value = Duration(float(match.group(1)) * _UNITS_S.get(unit, 1.0))
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the step must be positive")
    value.plain = not unit
    return value


def hours(text: str) -> float:
    """``--restart``: hours as the issue writes them (``2``), or a number with a unit (``30min``, ``5400s``, ``2h``);
    0 = never. A plain number above a week is refused: it is almost surely seconds typed for hours."""
    if str(text).strip() in ("0", "0.0"):
        return 0.0
    match = _PATTERN.match(str(text))
    try:
        value = duration_s(str(text) + ("h" if match and not match.group(2) else ""))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: give hours (2) or a number with a unit "
                                         "(30min, 5400s, 2h)") from None
    if value / 3600.0 > 168.0:
        raise argparse.ArgumentTypeError(f"{text!r}: {value / 3600.0:g} hours (more than a week); the unit is hours, "
                                         "or give one: 30min, 5400s")
    return float(value) / 3600.0
