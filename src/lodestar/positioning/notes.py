"""What a single-point solution set aside or could not do, as one-line warnings (``solution_warnings``).

``solve`` and ``compare`` print them, ``batch`` puts them in its rows' ``warnings``: the epoch-order rule,
observations screened as impossible (with the navigation record's line where a state was at fault), epochs
without orbit, satellites RAIM kept out at most epochs, the ionosphere model, navigation records left out or
in conflict. Inputs: the solution Dataset and its ``positioning.output.summary``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..io._obs_order import epoch_order_note

__all__ = ["NO_ORBIT_WARN_FRACTION", "solution_warnings"]


#: A satellite RAIM excluded at this share of the epochs (at least ``_MIN_EXCLUDED`` of them) is named: a range
#: fault that lasts (its orbit, clock or code), not an epoch's outlier
_EXCLUDED_SHARE = 0.5
_MIN_EXCLUDED = 10


def solution_warnings(ds, info: dict, obs_path) -> list[str]:
    """What a single-point solution set aside or could not do, one line each (``info``: its ``summary``):
    the epoch-order rule, screened observations, epochs without orbit, satellites RAIM kept out, the
    ionosphere model, navigation records left out or in conflict. ``solve`` and ``compare`` print them."""
    notes = info.get("input_notes") or {}
    lines = (epoch_order_note(notes, obs_path), _screened_warning(notes),
             _no_orbit_warning(info["observed_without_orbit"]), _damaged_record_warning(info["observed_without_orbit"]),
             _excluded_warning(ds), *_iono_warnings(info.get("iono_models") or {}),
             *notes.get("navigation_records_left_out", []), *notes.get("navigation_conflicts", []))
    return [line for line in lines if line]


def _iono_warnings(models: dict) -> list[str]:
    """The ionosphere model notes that say coefficients were refused (``models.ionosphere``), once each."""
    notes = dict.fromkeys(str(text) for text in models.values() if "outside the broadcast ranges" in str(text))
    return [f"ionosphere for {', '.join(s for s, t in models.items() if t == text)}: {text} (give another navigation "
            "file, or --iono iflc)" for text in notes]


def _excluded_warning(ds) -> str | None:
    """One line naming the satellites RAIM excluded at most epochs (``excluded`` per epoch), or None."""
    if "excluded" not in ds:
        return None
    solved = int(np.isin(ds["status"].values, ("ok", "fde")).sum())
    counts = Counter(sv for text in ds["excluded"].values for sv in str(text).split(",") if sv)
    named = [f"{sv} at {n} of {solved} epochs" for sv, n in sorted(counts.items())
             if n >= _MIN_EXCLUDED and n >= _EXCLUDED_SHARE * solved]
    if not named:
        return None
    return (f"RAIM excluded {', '.join(named)}: a lasting fault of its range (orbit, clock or code), not an "
            "epoch's outlier, and its epochs are solved without it")


def _screened_warning(notes: dict) -> str | None:
    """One line on the observations screened out as physically impossible (``input_notes``), or None."""
    count = int(notes.get("screened_cells") or 0)
    if not count:
        return None
    listed = notes.get("screened") or []  # the first examples (positioning/screening.py), not all of them
    reason = Counter(item.get("reason", "") for item in listed).most_common(1)
    satellites = list(dict.fromkeys(item.get("sv", "") + (f" (navigation record at line {item['line']})"
                                                          if item.get("line") else "") for item in listed))[:5]
    example = f": e.g. {', '.join(satellites)}, '{reason[0][0]}'" if reason else ""
    return f"{count} observations set aside as physically impossible{example} (input_notes in --json)"


#: Share of observed satellite-epochs without an orbit above which solve says why (a navigation file of another
#: part of the day, a single station's file that lacks satellites)
NO_ORBIT_WARN_FRACTION = 0.1


def _damaged_record_warning(counts: dict) -> str | None:
    """One line when observed satellite-epochs lost their orbit to a damaged navigation record (no finite state,
    a model field missing: ``orbits.broadcast``), whatever their share: each names the record or the field."""
    damaged = {r: n for r, n in (counts.get("reasons") or {}).items()
               if r.startswith("navigation record (line") or r.startswith("navigation record lacks")}
    if not damaged:
        return None
    return "observed satellite-epochs without orbit for a damaged navigation record: " + ", ".join(
        f"'{reason}' {n}" for reason, n in sorted(damaged.items(), key=lambda kv: -kv[1])[:3])


def _no_orbit_warning(counts: dict) -> str | None:
    """One line when many observed satellite-epochs had no orbit (``observed_without_orbit``), or None."""
    cells, observed = int(counts.get("cells") or 0), int(counts.get("of") or 0)
    if not observed or cells <= NO_ORBIT_WARN_FRACTION * observed:
        return None
    reasons = sorted((counts.get("reasons") or {}).items(), key=lambda kv: -kv[1])
    why = "; ".join(f"'{reason}' {n}" for reason, n in reasons[:3])
    return (f"{cells} of {observed} observed satellite-epochs ({100 * cells / observed:.0f} %) have no orbit ({why}): "
            "do the navigation (or SP3) files cover the observations' time and satellites?")
