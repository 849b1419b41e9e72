"""What the commands print about a run beyond its table: why nothing was solved, and the warnings."""

from __future__ import annotations


def main_reason(ds) -> str:
    """:func:`lodestar.positioning.output.main_reason` (imported when needed: the CLI starts without numpy)."""
    from ..positioning.output import main_reason as reason

    return reason(ds)


def print_warnings(warnings) -> None:
    """Each warning on stderr as ``warning: ...`` (every command; they are in its ``--json`` too, and stdout
    stays the summary, or the JSON alone with ``--json -``)."""
    import sys

    for warning in warnings or ():
        print(f"warning: {warning}", file=sys.stderr)
