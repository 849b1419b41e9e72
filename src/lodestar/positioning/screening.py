"""Range checks on every observation and product value before estimation.

A value no satellite and no receiver near the Earth can produce (a pseudorange of 1e10 m, a
broadcast clock of 0.12 s, an orbit inside the Earth) is flagged per cell with a reason and
left out; the epoch goes on with the other satellites. The estimator never sees it.

Bounds, per cell (``T`` epochs x ``S`` satellites):

* satellite clock offset: the range of the broadcast clock-bias field of the system's ICD (a
  precise clock tracks the broadcast one within nanoseconds, so the same bound holds);
* orbit radius: the system's nominal semi-major axes and largest eccentricity, plus a margin;
* pseudorange, satellite clock applied (``P + c dts``): the geometric range from a receiver at
  most ``MAX_RECEIVER_HEIGHT_M`` above the ellipsoid to a satellite at the cell's radius ``r``
  that is above the receiver's horizon, plus the receiver clock offset (RINEX receivers keep
  their clock within +-1 ms by millisecond jumps, RINEX 3.05 §5.7 "receiver clock offset"), plus
  the atmosphere. Geometry, with ``b`` the Earth's polar radius and ``R`` the receiver radius::

        shortest range  (satellite at the zenith):      r - R
        longest range   (line of sight grazing Earth):  sqrt(r^2 - b^2) + sqrt(R^2 - b^2)

  e.g. GPS (r ~ 26 560 km) seen from the ground (R = 6 378 km): 20 180 ... 26 310 km; a GEO
  (42 164 km): 35 786 ... 42 200 km. A receiver 100 km up, the receiver clock (+-300 km, c x 1 ms)
  and 1 km of atmosphere widen the GPS band to 19 780 ... 27 340 km.
"""

from __future__ import annotations

import numpy as np

from ..constants import C_MPS
from ..orbits.bounds import CLOCK_LIMIT_S, EQUATOR_RADIUS_M, ORBIT_RADIUS_M  # noqa: F401 (re-exported)

__all__ = ["screen", "pseudorange_outside_range", "examples", "CLOCK_LIMIT_S", "ORBIT_RADIUS_M",
           "RECEIVER_CLOCK_LIMIT_S", "MAX_RECEIVER_HEIGHT_M"]

RECEIVER_CLOCK_LIMIT_S = 1e-3  # receivers steer their clock within +-1 ms (RINEX 3.05 §5.7)
MAX_RECEIVER_HEIGHT_M = 100e3  # ground, aircraft and balloons: below the Karman line
_POLAR_RADIUS_M = 6_356_752.3  # WGS-84 semi-minor axis b, m: the sphere every line of sight clears
_ATMOSPHERE_M = 1e3  # slant troposphere (< 30 m) + ionosphere (< 300 m at L-band) + group delays, rounded up


def _orbit_reason(letters, radius_m):
    bands = np.array([ORBIT_RADIUS_M.get(s, (0.0, np.inf)) for s in letters])
    bad = ~((radius_m >= bands[None, :, 0]) & (radius_m <= bands[None, :, 1]))
    return bad, "orbit radius outside the system's band"


def _clock_reason(letters, clock_s):
    limit = np.array([CLOCK_LIMIT_S.get(s, 2.0**-10) for s in letters])
    bad = ~(np.abs(clock_s) <= limit[None, :])
    return bad, "satellite clock offset beyond the ICD range"


_RANGE_REASON = "pseudorange outside the geometric range from a near-Earth receiver"


def _range_reason(corrected_m, radius_m):
    receiver_max = EQUATOR_RADIUS_M + MAX_RECEIVER_HEIGHT_M
    slack = C_MPS * RECEIVER_CLOCK_LIMIT_S + _ATMOSPHERE_M
    with np.errstate(invalid="ignore"):
        shortest = radius_m - receiver_max - slack
        longest = (np.sqrt(radius_m**2 - _POLAR_RADIUS_M**2) + np.sqrt(receiver_max**2 - _POLAR_RADIUS_M**2)
                   + slack)
    bad = ~((corrected_m >= shortest) & (corrected_m <= longest))
    return bad, _RANGE_REASON


def pseudorange_outside_range(corrected_m, sat_xyz_m):
    """``(T, S)`` True where a pseudorange with the satellite clock applied (``P + c dts``) lies outside
    the band a near-Earth receiver can observe from a satellite at ``sat_xyz_m`` (module docstring);
    cells without a satellite position are not judged (False)."""
    with np.errstate(invalid="ignore", over="ignore"):
        radius_m = np.linalg.norm(sat_xyz_m, axis=-1)
    bad, _ = _range_reason(corrected_m, radius_m)
    return bad & np.isfinite(radius_m) & np.isfinite(corrected_m)


def screen(svs, time, corrected_m, sat_xyz, sat_clock_s, usable, obs=None, record_line=None):
    """``(usable, notes)``: ``usable`` without the absurd cells, and what was flagged, for the JSON.

    ``corrected_m`` ``(T, S)`` pseudoranges with the satellite clock applied, ``sat_xyz``
    ``(T, S, 3)``, ``sat_clock_s`` ``(T, S)``; only cells that were usable are judged (a cell
    without an orbit has its own reason already). ``obs``: the observation Dataset, whose
    epoch-order counts (``rinex_obs``) join the notes.
    """
    letters = [str(sv)[0] for sv in svs]
    with np.errstate(invalid="ignore", over="ignore"):
        radius_m = np.linalg.norm(np.where(usable[..., None], sat_xyz, 0.0), axis=-1)
    reason = np.full(usable.shape, "", dtype=object)
    # later checks win: the most basic cause (a broken product value) is the one reported
    for bad, text in (_range_reason(corrected_m, radius_m), _clock_reason(letters, sat_clock_s),
                      _orbit_reason(letters, radius_m)):
        reason[usable & bad] = text
    flagged = reason != ""
    if record_line is not None:  # the record's line says something only of a state's fault, not of a range's
        record_line = np.where(np.isin(reason, ("", _RANGE_REASON)), -1, record_line)
    notes = {"screened_cells": int(flagged.sum()),
             "screened": examples(reason, flagged, svs, time, record_line=record_line)}
    if obs is not None:
        notes.update({k: v for k, v in obs.attrs.items() if k.startswith("epochs_")})
    return usable & ~flagged, notes


def examples(reason, flagged, svs, time, limit: int = 20, record_line=None) -> list:
    """The first ``limit`` flagged cells as ``{"time", "sv", "reason"}`` (the JSON stays small), with
    ``record_line`` ``(T, S)`` the navigation record's line (``"line"``) where it is known (> 0)."""
    rows, cols = np.nonzero(flagged)
    times = np.asarray(time, dtype="datetime64[s]")
    line = record_line if record_line is not None else np.full(flagged.shape, -1)
    return [{"time": str(times[t]), "sv": str(svs[s]), "reason": str(reason[t, s]),
             **({"line": int(line[t, s])} if line[t, s] > 0 else {})}
            for t, s in zip(rows[:limit], cols[:limit])]
