"""The one result type of every ephemeris source: satellite states on an epochs × satellites grid.

:class:`SatStates` is what ``BroadcastEphemeris.states`` and ``PreciseEphemeris.states`` return.
Arrays are ``(T, S)`` (``(T, S, 3)`` for vectors); an invalid cell holds NaN and a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import LodestarError
from ..time import Time

__all__ = ["SatStates", "as_time_grid"]


@dataclass(frozen=True, eq=False)
class SatStates:
    """Positions, velocities and clocks of satellites ``sv`` at times ``time``.

    - ``position_m`` / ``velocity_mps`` ``(T, S, 3)``: ECEF of the product (PZ-90.11, CGCS2000,
      WGS-84, ITRF: all within centimetres of each other) at the given (transmit) times.
    - ``clock_s`` ``(T, S)``: satellite clock offset (polynomial or precise), without the periodic
      relativistic term and without group delays.
    - ``relativity_s`` ``(T, S)``: the periodic relativistic term ``-2 r·v / c²`` the user must add
      (0 for GLONASS broadcast clocks, which already contain it; see ``docs/orbits.md``).
    - ``group_delay_s``: dict of ``(T, S)`` arrays by nav field name (``tgd_s``, ``tgd1_s``,
      ``tgd2_s``, ``bgd_e5a_e1_s``, ``bgd_e5b_e1_s``, ``delay_l1l2_s``); NaN where not applicable.
    - ``valid`` ``(T, S)`` bool, ``reason`` ``(T, S)`` str (an object array for the broadcast source; ``""`` when valid).
    - ``record_line`` ``(T, S)`` int: 1-based line of the navigation record used (-1 for none / precise).
    """

    sv: np.ndarray
    time: Time
    position_m: np.ndarray
    velocity_mps: np.ndarray
    clock_s: np.ndarray
    relativity_s: np.ndarray
    valid: np.ndarray
    reason: np.ndarray
    source: str
    group_delay_s: dict = field(default_factory=dict)
    record_line: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.valid.shape

    def summary(self) -> dict:
        """Counts of valid cells and of each reason (for command-line summaries)."""
        reasons, counts = np.unique(self.reason[~self.valid], return_counts=True)
        return {"valid": int(self.valid.sum()), "invalid": int((~self.valid).sum()),
                "reasons": {str(r): int(c) for r, c in zip(reasons, counts)}}


def as_time_grid(time, n_sv: int) -> Time:
    """``time`` of shape (T,) or (T, S) (or a scalar) as a ``Time`` of shape (T, S)."""
    if not isinstance(time, Time):
        time = Time(time)
    gpst = time.gpst
    if gpst.ndim == 0:
        gpst = gpst.reshape(1)
    if gpst.ndim == 1:
        gpst = np.broadcast_to(gpst[:, None], (gpst.shape[0], n_sv))
    elif gpst.ndim != 2 or gpst.shape[1] != n_sv:
        raise LodestarError(f"time must have shape (T,) or (T, {n_sv}), got {gpst.shape}")
    return Time(np.ascontiguousarray(gpst))
