"""Lodestar: complementary GLONASS + BeiDou satellite navigation, with a lunar module.

Start here::

    import lodestar
    obs = lodestar.read("ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")   # xarray.Dataset
"""

from __future__ import annotations

from .errors import DataNotFoundError, FormatError, LodestarError
from .io import read
from .systems import format_system_set, parse_system_set
from .time import Time

__version__ = "0.1.0"

__all__ = [
    "read",
    "Time",
    "LodestarError",
    "FormatError",
    "DataNotFoundError",
    "parse_system_set",
    "format_system_set",
    "__version__",
]
