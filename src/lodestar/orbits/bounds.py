"""Physical bounds of satellite states: orbit radius per system and satellite clock offset per system.

A broadcast or precise state outside them is not a satellite's (a damaged record, a unit error), whatever
the file's syntax says. Used by ``positioning.screening`` (single-point: every cell before estimation) and
by the orbit tools (``orbits.table``, ``orbits.sisre``), which set such states aside with a reason.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CLOCK_LIMIT_S", "EQUATOR_RADIUS_M", "ORBIT_RADIUS_M", "implausible_states", "set_aside_implausible"]

#: Largest |satellite clock offset| per system, s: the range of the broadcast clock-bias field.
CLOCK_LIMIT_S = {
    "G": 2.0**-10,  # af0: 22 bits, scale 2^-31 s (IS-GPS-200N Table 20-III) -> +-0.977 ms
    "J": 2.0**-10,  # af0 as GPS (IS-QZSS-PNT-005 Table 4.1.2-4)
    "C": 2.0**-10,  # a0: 24 bits, scale 2^-33 s (BDS-SIS-ICD-B1I-3.0 Table 5-7) -> +-0.977 ms
    "R": 2.0**-9,   # tau_n: 22 bits, scale 2^-30 s (GLONASS ICD 5.1 Table 4.5) -> +-1.953 ms
    "E": 2.0**-4,   # af0: 31 bits, scale 2^-34 s (Galileo OS SIS ICD 2.0 Table 60) -> +-62.5 ms; 6.8 ms seen in 2018
    "I": 2.0**-10,  # af0: 22 bits, scale 2^-31 s (IRNSS SIS ICD 1.1 Table 11)
    "S": 2.0**-10,  # SBAS aGf0 is +-2^-20 s (RTCA DO-229E); the GPS bound is ample
}

_GEO_A_M = 42_164_170.0  # geostationary semi-major axis, m (GM / omega^2)^(1/3)
#: (smallest semi-major axis m, largest m, largest eccentricity) per system, nominal constellations
_ORBITS = {
    "G": (26_559_700.0, 26_559_700.0, 0.03),  # IS-GPS-200N §3.3.1.1 / 20.3.3.4.1 (e < 0.03 in use)
    "R": (25_508_200.0, 25_508_200.0, 0.01),  # GLONASS ICD 5.1 §3.5: 19 100 km altitude, e <= 0.01
    "E": (27_977_600.0, 29_599_800.0, 0.17),  # Galileo: 29 600 km; E14/E18 eccentric (a 27 978 km, e 0.16)
    "C": (27_906_100.0, _GEO_A_M, 0.01),      # BDS-SIS-ICD-B1I-3.0 §3: MEO 21 528 km altitude, IGSO/GEO
    "J": (_GEO_A_M, _GEO_A_M, 0.09),          # IS-QZSS: QZO e = 0.075 +- 0.015, and GEO
    "I": (_GEO_A_M, _GEO_A_M, 0.01),          # NavIC GEO / IGSO
    "S": (_GEO_A_M, _GEO_A_M, 0.01),          # SBAS GEO
}
_ORBIT_MARGIN = 0.02  # 2 % of the radius beyond the nominal band: manoeuvres, extrapolated orbits
#: (smallest, largest) orbit radius per system, m
ORBIT_RADIUS_M = {s: (a_min * (1 - e) * (1 - _ORBIT_MARGIN), a_max * (1 + e) * (1 + _ORBIT_MARGIN))
                  for s, (a_min, a_max, e) in _ORBITS.items()}

EQUATOR_RADIUS_M = 6_378_137.0  # WGS-84 a, m


def implausible_states(states) -> tuple[np.ndarray, np.ndarray]:
    """``(bad, reason)`` ``(T, S)``: valid cells of ``states`` (a SatStates) whose orbit radius is outside
    the system's band or whose clock offset is beyond the ICD range (``reason`` "" elsewhere)."""
    letters = [str(sv)[0] for sv in states.sv]
    with np.errstate(invalid="ignore", over="ignore"):
        radius = np.linalg.norm(states.position_m, axis=-1)
    band = np.array([ORBIT_RADIUS_M.get(s, (0.0, np.inf)) for s in letters])
    limit = np.array([CLOCK_LIMIT_S.get(s, 2.0**-10) for s in letters])
    with np.errstate(invalid="ignore"):
        orbit_bad = ~((radius >= band[None, :, 0]) & (radius <= band[None, :, 1]))
        clock_bad = ~(np.abs(states.clock_s) <= limit[None, :])
    valid = np.asarray(states.valid, bool)
    reason = np.full(valid.shape, "", dtype=object)
    reason[valid & clock_bad] = "satellite clock offset beyond the ICD range"
    reason[valid & orbit_bad] = "orbit radius outside the system's band"
    return valid & (orbit_bad | clock_bad), reason


def set_aside_implausible(states):
    """``(states, warnings)``: ``states`` with its implausible cells (:func:`implausible_states`) invalid, their
    reason given, and one warning per satellite naming the navigation record's line (broadcast) and the reason."""
    from dataclasses import replace

    bad, reason = implausible_states(states)
    if not bad.any():
        return states, []
    lines = states.record_line if states.record_line is not None else np.full(bad.shape, -1)
    warnings = []
    for k in np.flatnonzero(bad.any(axis=0)):
        rows = np.flatnonzero(bad[:, k])
        where = sorted({int(x) for x in lines[rows, k] if x > 0})
        record = f" (navigation record at line {', '.join(map(str, where))})" if where else ""
        warnings.append(f"{states.sv[k]}: {rows.size} state(s) set aside, {reason[rows[0], k]}{record}")
    new_reason = np.asarray(states.reason, dtype=object).copy()
    new_reason[bad] = reason[bad]
    nan3 = np.where(bad[..., None], np.nan, states.position_m)
    return replace(states, valid=np.asarray(states.valid) & ~bad, reason=new_reason, position_m=nan3,
                   clock_s=np.where(bad, np.nan, states.clock_s)), warnings
