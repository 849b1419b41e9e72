"""The options shared by every command that can use precise products: phase centres and code biases."""

from __future__ import annotations

import json

__all__ = ["add_precise_arguments", "precise_options", "precise_summary"]


def add_precise_arguments(parser, *, sinex: bool = True) -> None:
    """``--antex FILE...``, ``--bias FILE...`` (and ``--sinex FILE...`` unless the command already has
    one, e.g. for its truth: it then serves phase centres too), repeatable; used with ``--sp3``."""
    parser.add_argument("--antex", action="extend", nargs="+", default=None, metavar="FILE",
                        help="ANTEX file(s): satellite (with --sp3) and receiver antenna phase centres")
    if sinex:
        parser.add_argument("--sinex", action="extend", nargs="+", default=None, metavar="FILE",
                            help="SINEX file(s): phase-centre offsets (+SATELLITE/PHASE_CENTER, "
                                 "+SITE/GPS_PHASE_CENTER) when no ANTEX covers them")
    parser.add_argument("--bias", action="extend", nargs="+", default=None, metavar="FILE",
                        help="Bias-SINEX file(s): observable-specific code biases (OSB) applied with --sp3")


def precise_options(args) -> dict:
    """Keyword arguments for ``solve``/``prepare``. Without ``--sp3`` only the receiver antenna of
    ``--antex``/``--sinex`` applies (broadcast orbits already refer to the satellite's phase centre);
    ``--bias`` (OSBs belong to precise clocks) is then refused."""
    from ..errors import LodestarError

    if not getattr(args, "sp3", None):
        if getattr(args, "bias", None):
            raise LodestarError("--bias makes codes consistent with precise (SP3/CLK) clocks; broadcast clocks carry "
                                "their own group delays: add --sp3 (or drop --bias)")
        return {k: getattr(args, k, None) for k in ("antex", "sinex") if getattr(args, k, None)}
    return {k: getattr(args, k, None) for k in ("antex", "sinex", "bias")}


def precise_summary(ds) -> dict:
    """Provenance and warnings of precise products from a solution's attributes, for the JSON summary."""
    out = {}
    for name in ("precise_products", "receiver_antenna", "warnings"):
        value = ds.attrs.get(name)
        if value:
            out[name] = json.loads(value)
    return out
