"""Precise point positioning: float ionosphere-free code and phase, GLONASS, BeiDou, GPS, Galileo.

>>> from lodestar.positioning.ppp import ppp
>>> ds = ppp("ESBC.crx.gz", sp3=["GRG_176.SP3.gz", "GRG_177.SP3.gz"], clk="GRG_177.CLK.gz", systems="R", mode="static")
"""

from .api import DIRECTIONS, MODES, ppp
from .result import accuracy_summary

__all__ = ["DIRECTIONS", "MODES", "accuracy_summary", "ppp"]
