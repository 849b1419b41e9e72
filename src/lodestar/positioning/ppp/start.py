"""An approximate receiver position from the codes and the precise orbits, for files without one.

PPP evaluates its corrections (elevations, tides, phase-centre variations, wind-up) at an approximate
position known before the filter runs: the RINEX header's ``APPROX POSITION XYZ``. RINEX 3 makes that
record optional for moving receivers (RINEX 3.05 §5.2, table A2), so a kinematic file may have none.
Then one epoch's ionosphere-free codes give it: least squares for the position and one clock per system,
started at the Earth's centre (linearised ranges converge from there in a few iterations for satellites
20 000 km away), with the satellites at transmit time and the Earth's rotation during the signal's
flight (IS-GPS-200 20.3.3.4.3.4). No troposphere: its 2-20 m are far inside the kilometres the
corrections tolerate, and the filter's first epoch solves again with it.
"""

from __future__ import annotations

import numpy as np

from ...constants import C_MPS
from ...models.geometry import rotate_for_earth_rotation
from ...time import Time

__all__ = ["code_start_position"]

#: an epoch's fit is kept when its code residuals' RMS is below this (m): ionosphere-free code noise
#: (~1-3 m) and the unmodelled troposphere (up to ~20 m at 5 deg) stay below it, a wrong satellite does not
_FIT_RMS_M = 50.0
#: epochs tried (the first ones with enough satellites) and fits kept: the median of a few fits is robust
#: to one epoch's bad code
_TRIES, _KEEP = 20, 5
_EARTH_RADIUS_BOUNDS_M = (6.0e6, 6.5e6)  # the same plausibility as the header's value (api._approx_position)


def code_start_position(eph, times, svs, p_if) -> np.ndarray | None:
    """ECEF (m): the median of up to 5 single-epoch code fits of the first epochs with enough satellites;
    None when no epoch gives a plausible fit. ``times`` (T,) GPST datetime64, ``svs`` (S,), ``p_if`` (T, S)
    ionosphere-free codes (m)."""
    letters = np.array([str(sv)[0] for sv in svs])
    n_clock = len(set(letters))
    candidates = np.flatnonzero(np.isfinite(p_if).sum(axis=1) >= 4 + n_clock)[:_TRIES]
    fits = []
    for t in candidates:  # a few epochs, each vectorised over its satellites
        fit = _epoch_fit(eph, times[t], np.asarray(svs), letters, p_if[t])
        if fit is not None:
            fits.append(fit)
            if len(fits) == _KEEP:
                break
    return np.median(np.array(fits), axis=0) if fits else None


def _epoch_fit(eph, time, svs, letters, p):
    seen = np.isfinite(p)
    t_tx = (np.datetime64(time, "ns") - (p[seen] / C_MPS * 1e9).astype("timedelta64[ns]"))[None, :]
    states = eph.states(Time(t_tx), list(svs[seen]))
    sat = states.position_m[0]
    clock_m = C_MPS * (states.clock_s[0] + np.nan_to_num(states.relativity_s[0]))
    ok = np.all(np.isfinite(sat), axis=1) & np.isfinite(clock_m)
    systems = sorted(set(letters[seen][ok]))
    if ok.sum() < 4 + len(systems):
        return None
    sat, clock_m, code = sat[ok], clock_m[ok], p[seen][ok]
    column = np.array([systems.index(s) for s in letters[seen][ok]])
    x = np.zeros(3 + len(systems))
    for _ in range(10):
        rng = np.linalg.norm(sat - x[:3], axis=1)
        rotated = rotate_for_earth_rotation(sat, rng / C_MPS)
        diff = rotated - x[:3]
        rng = np.linalg.norm(diff, axis=1)
        resid = code - (rng - clock_m + x[3 + column])
        H = np.zeros((code.size, x.size))
        H[:, :3] = -diff / rng[:, None]
        H[np.arange(code.size), 3 + column] = 1.0
        dx = np.linalg.lstsq(H, resid, rcond=None)[0]
        x += dx
        if np.linalg.norm(dx[:3]) < 1e-3:
            break
    rng = np.linalg.norm(rotate_for_earth_rotation(sat, np.linalg.norm(sat - x[:3], axis=1) / C_MPS) - x[:3], axis=1)
    rms = float(np.sqrt(np.mean((code - (rng - clock_m + x[3 + column])) ** 2)))
    radius = float(np.linalg.norm(x[:3]))
    if rms > _FIT_RMS_M or not _EARTH_RADIUS_BOUNDS_M[0] < radius < _EARTH_RADIUS_BOUNDS_M[1]:
        return None
    return x[:3]
