"""Light time and Earth rotation during signal travel (Sagnac), done once here for every source.

>>> geo = transmit_states(eph, receive_time, receiver_m, svs)              # geometric light time
>>> geo = transmit_states(eph, receive_time, receiver_m, svs, pseudorange_m=C1)   # from the code
>>> geo.states.position_m      # (T, S, 3) at transmit time, in the ECEF frame of the reception time
>>> geo.range_m, geo.travel_time_s, geo.los_unit

Transmit time:
- with pseudoranges ``P``: ``t_tx = t_rx − P/c − dt_sv`` (IS-GPS-200N 20.3.3.3.3.1; the receiver
  clock error is then inside ``P`` and cancels in the solution), one clock step;
- without: the geometric light time ``τ = |R_z(ω τ) r_sat(t_rx − τ) − r_rx| / c`` iterated (each
  step shrinks the error by ``v/c ≈ 1e-5``; three steps reach picoseconds even from the Moon).
The satellite position at ``t_tx`` is in the Earth-fixed frame of ``t_tx``; rotating it about z by
``ω_e τ`` expresses it in the frame of ``t_rx`` (IS-GPS-200N 20.3.3.4.3.3.2; about 30 m at GNSS
range). ``ω_e`` is each system's own (``lodestar.constants``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..constants import C_MPS, SYSTEM_CONSTANTS
from ..time import Time
from .states import SatStates

__all__ = ["SignalGeometry", "transmit_states", "rotate_earth", "system_omega"]


@dataclass(frozen=True, eq=False)
class SignalGeometry:
    """States at transmit time in the reception-time frame, with the range and line of sight."""

    states: SatStates
    receive_time: Time
    travel_time_s: np.ndarray  # (T, S)
    range_m: np.ndarray  # (T, S) geometric distance, receiver to rotated satellite
    los_unit: np.ndarray  # (T, S, 3) receiver -> satellite unit vectors


def system_omega(svs) -> np.ndarray:
    """Earth rotation rate (rad/s) of each satellite's system, ``(S,)``."""
    default = SYSTEM_CONSTANTS["G"].omega_e_radps
    return np.array([getattr(SYSTEM_CONSTANTS.get(str(sv)[:1]), "omega_e_radps", default) for sv in svs])


def rotate_earth(vectors, angle_rad):
    """Rotate ``(..., 3)`` vectors about z by ``angle_rad`` (``...``): Earth-fixed at t_tx -> at t_tx + τ."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    x, y = vectors[..., 0], vectors[..., 1]
    return np.stack([c * x + s * y, -s * x + c * y, vectors[..., 2]], axis=-1)


def transmit_states(eph, receive_time, receiver_m, svs, *, pseudorange_m=None, iterations: int = 3) -> SignalGeometry:
    """States of ``svs`` at their transmit times for signals received at ``receive_time`` (T,) GPST.

    ``receiver_m`` ``(3,)`` or ``(T, 3)`` ECEF; ``eph`` any source with ``states(time (T, S), svs)``.
    """
    svs = np.asarray(svs).astype(str).reshape(-1)
    receive_time = receive_time if isinstance(receive_time, Time) else Time(receive_time)
    t_rx = np.broadcast_to(receive_time.gpst.reshape(-1)[:, None], (receive_time.gpst.size, svs.size))
    receiver = np.broadcast_to(np.asarray(receiver_m, dtype=float).reshape(-1, 1, 3) if np.ndim(receiver_m) == 2
                               else np.asarray(receiver_m, dtype=float).reshape(1, 1, 3), t_rx.shape + (3,))
    omega = system_omega(svs)[None, :]
    if pseudorange_m is not None:
        tau = np.asarray(pseudorange_m, dtype=float) / C_MPS
        approx = eph.states(Time(_shift(t_rx, tau)), svs)
        clock = np.where(np.isfinite(approx.clock_s), approx.clock_s, 0.0)
        st = eph.states(Time(_shift(t_rx, tau + clock)), svs)
        travel, rng, pos = _range(st, receiver, omega)
    else:
        travel = np.full(t_rx.shape, 0.075)  # GNSS mean travel time, s: a starting guess only
        for _ in range(iterations):
            st = eph.states(Time(_shift(t_rx, np.where(np.isfinite(travel), travel, 0.075))), svs)
            travel, rng, pos = _range(st, receiver, omega)
    angle = omega * np.where(np.isfinite(travel), travel, 0.0)
    rotated = replace(st, position_m=pos, velocity_mps=rotate_earth(st.velocity_mps, angle))
    los = (pos - receiver) / rng[..., None]
    return SignalGeometry(rotated, receive_time, travel, rng, los)


def _shift(t_rx, seconds):
    return t_rx - np.round(np.asarray(seconds) * 1e9).astype("timedelta64[ns]")


def _range(st, receiver, omega):
    """Geometric travel time after rotating the satellite into the reception frame (one fixed-point step)."""
    pos = st.position_m
    first = np.linalg.norm(pos - receiver, axis=-1) / C_MPS
    rotated = rotate_earth(pos, omega * np.where(np.isfinite(first), first, 0.0))
    rng = np.linalg.norm(rotated - receiver, axis=-1)
    return rng / C_MPS, rng, rotated
