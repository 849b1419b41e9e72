"""SP3 and RINEX clock files read once for a command, with the truncation option and its notes.

The commands that take ``--sp3``/``--clk`` (solve, compare, orbits, sisre) read the products here
when ``--allow-truncated`` is given, then hand the Datasets on: the notes of what was cut
(``attrs["warnings"]``) go into the command's JSON as ``warnings``.
"""

from __future__ import annotations

from .clk import read_clk
from .sp3 import read_sp3

__all__ = ["read_precise_files", "product_warnings"]


def read_precise_files(sp3_paths, clk_paths=None, *, allow_truncated: bool = False, systems: str | None = None):
    """``(sp3 Datasets or None, clk Datasets or None, warnings)`` for lists of paths.

    ``systems``: letters whose clocks are read from the CLK files (None: all; a 30 s CLK of four
    systems is most of a precise solve's reading time).
    """
    sp3 = [read_sp3(p, allow_truncated=allow_truncated) for p in sp3_paths] if sp3_paths else None
    clk = [read_clk(p, allow_truncated=allow_truncated, systems=systems) for p in clk_paths] if clk_paths else None
    return sp3, clk, product_warnings(*(sp3 or []), *(clk or []))


def product_warnings(*datasets) -> list[str]:
    """Every ``attrs["warnings"]`` note of the datasets, in order, once each."""
    notes = [note for ds in datasets for note in (ds.attrs.get("warnings") or [])]
    return list(dict.fromkeys(notes))
