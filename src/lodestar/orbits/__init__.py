"""Satellite orbits and clocks: one interface for broadcast and precise sources.

>>> from lodestar.orbits import BroadcastEphemeris, PreciseEphemeris
>>> eph = BroadcastEphemeris(nav)                 # NavData from lodestar.io.rinex_nav.read_nav
>>> eph = PreciseEphemeris(sp3, clk)              # xarray from read_sp3 / read_clk (clk optional)
>>> st = eph.states(time, ["R01", "C05"])         # time: Time of shape (T,) or (T, S), GPST
>>> st.position_m, st.velocity_mps                # (T, S, 3), ECEF of the product
>>> st.clock_s, st.relativity_s                   # (T, S): clock without / periodic relativistic term
>>> st.group_delay_s["tgd1_s"]                    # (T, S) group delays by navigation field name
>>> st.valid, st.reason                           # (T, S): False + a reason where no valid data
>>> eph.glonass_channels                          # {"R01": 1, ...}
>>> eph = load_broadcast([nav_path, ...])          # read + merge files; load_precise(sp3s, clks)

``lodestar.orbits.geometry`` applies light time and the Earth rotation during signal travel
(Sagnac) once, for every source. ``lodestar.orbits.sisre`` compares broadcast with precise.
"""

import importlib

from . import geometry
from .broadcast import BroadcastEphemeris, is_beidou_geo
from .geometry import SignalGeometry, transmit_states
from .selection import DEFAULT_WINDOWS_S
from .states import SatStates

#: Imported on first use (PEP 562): the precise-product side (xarray SP3/CLK readers, antenna
#: offsets, attitude, ANTEX) is not needed by a broadcast solution, whose process it would slow.
_LAZY = {"PreciseEphemeris": ".precise", "load_broadcast": ".table", "load_precise": ".table", "orbit_table": ".table"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BroadcastEphemeris", "PreciseEphemeris", "SatStates", "SignalGeometry", "transmit_states",
           "geometry", "is_beidou_geo", "DEFAULT_WINDOWS_S", "load_broadcast", "load_precise", "orbit_table"]
