"""What the commands print about a solution beyond its table (shared by ``solve`` and ``ppp``)."""

from __future__ import annotations


def main_reason(ds) -> str:
    """The reason most unsolved epochs give (their CSV ``reason``), with how many give it."""
    from collections import Counter

    reasons = Counter(r for r in ds["reason"].values.astype(str) if r)
    if not reasons:
        return "no reason recorded"
    text, count = reasons.most_common(1)[0]
    return f"{count} of {ds.sizes['time']} epochs say '{text}'"
