"""The options shared by every command that can use precise products: phase centres and code biases."""

from __future__ import annotations

import json

__all__ = ["add_precise_arguments", "precise_options", "precise_summary"]


def add_precise_arguments(parser) -> None:
    """``--antex FILE...``, ``--sinex FILE...``, ``--bias FILE...`` (repeatable; used with ``--sp3``)."""
    parser.add_argument("--antex", action="extend", nargs="+", default=None, metavar="FILE",
                        help="ANTEX file(s): satellite and receiver antenna phase centres for --sp3 orbits")
    parser.add_argument("--sinex", action="extend", nargs="+", default=None, metavar="FILE",
                        help="SINEX file(s): phase-centre offsets (+SATELLITE/PHASE_CENTER, +SITE/GPS_PHASE_CENTER) "
                             "when no ANTEX covers them")
    parser.add_argument("--bias", action="extend", nargs="+", default=None, metavar="FILE",
                        help="Bias-SINEX file(s): observable-specific code biases (OSB) applied with --sp3")


def precise_options(args) -> dict:
    """Keyword arguments for ``solve``/``prepare``; refuses phase-centre options without --sp3."""
    from ..errors import LodestarError

    given = {k: getattr(args, k, None) for k in ("antex", "sinex", "bias")}
    if any(given.values()) and not getattr(args, "sp3", None):
        names = ", ".join(f"--{k}" for k, v in given.items() if v)
        raise LodestarError(f"{names} correct precise (SP3) orbits; broadcast orbits already refer to the "
                            "antenna phase centre: add --sp3 (or drop them)")
    return given


def precise_summary(ds) -> dict:
    """Provenance and warnings of precise products from a solution's attributes, for the JSON summary."""
    out = {}
    for name in ("precise_products", "warnings"):
        value = ds.attrs.get(name)
        if value:
            out[name] = json.loads(value)
    return out
