"""Epoch order of an observation file: out-of-order, duplicate and far-off epochs (docs/io.md).

Rule (the reader applies it, and counts each case in ``attrs``):

* epochs more than ``SPAN_TOLERANCE`` (1 day) outside the declared span are dropped and counted
  (``epochs_outside_span``): the span is TIME OF FIRST OBS .. TIME OF LAST OBS, or, without a
  TIME OF LAST OBS, TIME OF FIRST OBS .. first + 2 x (median epoch - first) (the median is
  immune to a few stray dates; for a continuous file it is mid-span);
* the other epochs are put in time order (``epochs_out_of_order``: how many came after a later one);
* of epochs with the same time tag the first in the file is kept (``epochs_duplicate``: the others).

A well-ordered file costs two vector comparisons and no copy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["epoch_order", "epoch_order_note", "SPAN_TOLERANCE"]

SPAN_TOLERANCE = np.timedelta64(1, "D")


def _declared(fields) -> np.datetime64 | None:
    if not fields or len(fields) != 6 or not all(np.isfinite(fields)):
        return None
    year, month, day, hour, minute, second = fields
    if not (1980 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    date = np.datetime64(f"{int(year):04d}-{int(month):02d}", "M").astype("datetime64[D]") + int(day) - 1
    return date.astype("datetime64[ns]") + np.timedelta64(int(round((hour * 3600 + minute * 60 + second) * 1e9)), "ns")


def _outside(times, first_fields, last_fields) -> np.ndarray:
    first = _declared(first_fields)
    if first is None or times.size == 0:
        return np.zeros(times.shape, bool)
    last = _declared(last_fields)
    if last is None:
        median = np.sort(times)[times.size // 2]
        last = first + 2 * max(median - first, np.timedelta64(0, "ns"))
    return (times < first - SPAN_TOLERANCE) | (times > max(last, first) + SPAN_TOLERANCE)


def epoch_order(times, first_fields=None, last_fields=None):
    """``(rows, counts)``: the rows of ``times`` to keep, in time order, or None if all are in order.

    ``times`` ``datetime64[ns]`` in the file's own time system, as are ``first_fields`` and
    ``last_fields`` (``[y, m, d, h, min, s]`` of TIME OF FIRST/LAST OBS, or None).
    """
    times = np.asarray(times, dtype="datetime64[ns]")
    outside = _outside(times, first_fields, last_fields)
    increasing = times.size < 2 or bool(np.all(times[1:] > times[:-1]))
    counts = {"epochs_out_of_order": 0, "epochs_duplicate": 0, "epochs_outside_span": int(outside.sum())}
    if increasing and not outside.any():
        return None, counts
    kept = np.flatnonzero(~outside)
    t = times[kept]
    running_max = np.maximum.accumulate(t) if t.size else t
    counts["epochs_out_of_order"] = int(np.sum(t[1:] < running_max[:-1])) if t.size else 0
    order = np.argsort(t, kind="stable")  # stable: of equal times, file order
    sorted_t = t[order]
    first_of_time = np.ones(sorted_t.size, bool)
    first_of_time[1:] = sorted_t[1:] != sorted_t[:-1]
    counts["epochs_duplicate"] = int((~first_of_time).sum())
    return kept[order[first_of_time]], counts


def epoch_order_note(attrs, path=None) -> str | None:
    """One line on what :func:`epoch_order` did to a file (the ``epochs_*`` counts of ``attrs``), or None."""
    keys = ("epochs_out_of_order", "epochs_duplicate", "epochs_outside_span")
    counts = {key: int(attrs.get(key) or 0) for key in keys}
    parts = [text for key, text in (("epochs_out_of_order", "{} out of time order (sorted)"),
                                    ("epochs_duplicate", "{} with the time tag of an earlier one (the first kept)"),
                                    ("epochs_outside_span", "{} more than a day outside the file's span (dropped)"))
             if counts[key] for text in [text.format(counts[key])]]
    if not parts:
        return None
    return f"{path or attrs.get('path') or 'the observation file'}: epochs {'; '.join(parts)}"
