"""Lodestar: complementary GLONASS + BeiDou satellite navigation, with a lunar module.

Start here::

    import lodestar
    obs = lodestar.read("ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")   # xarray.Dataset, time x sv
    nav = lodestar.read("ESBC00DNK_R_20201770000_01D_MN.rnx.gz")       # NavData
    sol = lodestar.solve(obs, nav, systems="R+C")                      # xarray.Dataset per epoch
    res = lodestar.compare(obs, nav, truth=[3582104.768, 532590.174, 5232755.144])  # R, C, R+C, G+R+E+C
    # (ESBC's ITRF2014 marker: its header position is ETRS89, 0.77 m away; truth="header" takes it anyway)

The heavier entry points (``solve``, ``ppp``, ``compare``, ``coverage_map``, ``BroadcastEphemeris``,
``PreciseEphemeris``) are imported on first use, so ``import lodestar`` stays quick.
"""

from __future__ import annotations

import importlib

from .errors import DataNotFoundError, FormatError, LodestarError
from .io import read
from .systems import format_system_set, parse_system_set
from .time import Time

__version__ = "0.1.0"

_LAZY = {
    "solve": "lodestar.positioning",
    "ppp": "lodestar.positioning.ppp",
    "compare": "lodestar.analysis.compare",
    "coverage_map": "lodestar.analysis.coverage",
    "BroadcastEphemeris": "lodestar.orbits",
    "PreciseEphemeris": "lodestar.orbits",
}

__all__ = [
    "read",
    "solve",
    "ppp",
    "compare",
    "coverage_map",
    "BroadcastEphemeris",
    "PreciseEphemeris",
    "Time",
    "LodestarError",
    "FormatError",
    "DataNotFoundError",
    "parse_system_set",
    "format_system_set",
    "__version__",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lodestar' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
