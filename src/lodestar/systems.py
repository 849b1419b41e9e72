"""System letters and system sets, written the same way in every output.

A system set is its letters joined by ``+`` in the order G, R, E, C (then J, I, S):
``R``, ``C``, ``R+C``, ``G+R+E+C``. Users may type ``C,R``, ``r+c`` or ``RC`` (letters run
together, as RTKLIB users and the docs' ``GREC`` write them); it reads back as ``R+C``.
"""

from __future__ import annotations

from .errors import LodestarError

__all__ = ["SYSTEM_ORDER", "SYSTEM_NAMES", "parse_system_set", "format_system_set", "DEFAULT_SETS"]

SYSTEM_ORDER = "GRECJIS"
SYSTEM_NAMES = {
    "G": "GPS", "R": "GLONASS", "E": "Galileo", "C": "BeiDou",
    "J": "QZSS", "I": "NavIC", "S": "SBAS",
}
DEFAULT_SETS = ("R", "C", "R+C", "G+R+E+C")


#: Names and RINEX/RTKLIB abbreviations a user may type for a system letter (said in the error, not accepted:
#: the letters are the one spelling of a set in file names, JSON keys and report columns)
_NAMES = {"GPS": "G", "GLO": "R", "GLONASS": "R", "GAL": "E", "GALILEO": "E", "BDS": "C", "BEIDOU": "C",
          "CMP": "C", "QZS": "J", "QZSS": "J", "IRN": "I", "IRNSS": "I", "NAVIC": "I", "SBS": "S", "SBAS": "S"}


def parse_system_set(text: str) -> tuple[str, ...]:
    """``"R+C"`` / ``"C,R"`` / ``"RC"`` -> ``("R", "C")`` in canonical order; unknown letters are refused.

    A part without separators is read letter by letter (``"GREC"``, ``"G+RC"``); a part that is
    not all system letters is kept whole, so the error names it as typed.
    """
    if len(text.strip().split()) > 1:  # "R C": one set of two systems, or two sets? say how to write either
        raise LodestarError(f"{text!r} is not a system set: join the letters with + (e.g. R+C); several sets to "
                            "compare are separate arguments (--sets R C R+C)")
    parts = [part.strip().upper() for part in text.replace(",", "+").split("+") if part.strip()]
    letters = []
    for part in parts:
        letters.extend(part if all(letter in SYSTEM_NAMES for letter in part) else [part])
    if not letters:
        raise LodestarError(f"empty system set {text!r}; write e.g. R, C, R+C or G+R+E+C")
    unknown = [letter for letter in letters if letter not in SYSTEM_NAMES]
    if unknown:
        named = [f"{part} is {_NAMES[part]}" for part in unknown if part in _NAMES]
        raise LodestarError(
            f"unknown system letter(s) {', '.join(unknown)} in {text!r}"
            f"{' (' + ', '.join(named) + ')' if named else ''}; "
            f"use {', '.join(f'{k} {v}' for k, v in SYSTEM_NAMES.items())}, joined by + (e.g. R+C)"
        )
    return tuple(sorted(set(letters), key=SYSTEM_ORDER.index))


def format_system_set(systems) -> str:
    """``("C", "R")`` or ``"C,R"`` -> ``"R+C"``."""
    if isinstance(systems, str):
        systems = parse_system_set(systems)
    return "+".join(sorted(set(systems), key=SYSTEM_ORDER.index))
