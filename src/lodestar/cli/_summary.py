"""What the commands print about a run beyond its table: why nothing was solved, and the warnings."""

from __future__ import annotations


def main_reason(ds) -> str:
    """The reason most unsolved epochs give (their CSV ``reason``), with how many give it."""
    from collections import Counter

    reasons = Counter(r for r in ds["reason"].values.astype(str) if r)
    if not reasons:
        return "no reason recorded"
    text, count = reasons.most_common(1)[0]
    return f"{count} of {ds.sizes['time']} epochs say '{text}'"


def print_warnings(warnings) -> None:
    """Each warning on stderr as ``warning: ...`` (every command; they are in its ``--json`` too, and stdout
    stays the summary, or the JSON alone with ``--json -``)."""
    import sys

    for warning in warnings or ():
        print(f"warning: {warning}", file=sys.stderr)
