"""Numerical orbit propagation about the Moon (Moon-centred ICRF, SI units).

API:

- ``ForceModel(field, earth=True, sun=True, tide_k2=0.02427)``: lunar spherical-harmonic gravity
  (evaluated in the DE421 PA frame), Earth and Sun as third bodies from DE421 (with the indirect
  term: the Moon's own acceleration toward them is removed), and the Moon's degree-2 solid tide
  raised by the Earth (Love number k2; GRGM660PRIM is a tide-free field whose header gives
  k2 = 0.02427). ``ForceModel.lunar(degree, name="GRGM660PRIM", data=None, ...)`` builds one from
  the sample data.
- ``FiniteBurn(start_s, duration_s, thrust_n, mass_flow_kgps, direction_vnc=(-1, 0, 0))``:
  constant thrust along a direction fixed in the local VNC frame (V = velocity, N = orbit normal,
  C = V × N); ``(-1, 0, 0)`` is a retrograde (braking) burn. ``ImpulsiveBurn(time_s, delta_v_vnc)``.
- ``propagate(epoch, position_m, velocity_mps, duration_s, force, burns=(), mass_kg=1000.0,
  t_eval=None, stop_at_impact=True, surface_radius_m=MOON_RADIUS_M, rtol=1e-12, atol=1e-6)``
  -> :class:`Trajectory`: samples (``t_s``, ``position_m``, ``velocity_mps``, ``mass_kg``),
  ``impact`` (:class:`Event` or None), ``periselene`` / ``aposelene`` (lists of :class:`Event`),
  ``time`` (a :class:`~lodestar.time.Time`), ``me_latlon()``, ``altitude_m()``, ``state_at(t_s)``.
  ``surface_radius_m`` is a number (a sphere, 1737.4 km by default) or a callable
  ``f(lat_deg, lon_deg) -> radius_m`` on ME coordinates for a local surface.

Integration: scipy's DOP853 (Hairer, Nørsett & Wanner), tight tolerances, split at every burn
boundary so that no step straddles a thrust discontinuity. The ephemerides are sampled once per
run on a 300 s grid and interpolated with cubic Hermite polynomials (position and velocity from
DE421, PA Euler angles and rates from the PCK): the interpolation error is ~0.1 mm for the Earth,
~1 mm for the Sun and 1e-12 rad for the orientation, far below any force-model effect,
and the force evaluation stays inside one compiled (numba) function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numba
import numpy as np
from scipy.integrate import solve_ivp

from ...constants import MOON_RADIUS_M
from ...errors import LodestarError
from ...time import Time
from . import ephemeris as eph
from .gravity import GravityField, _pines, lunar_field

__all__ = ["ForceModel", "FiniteBurn", "ImpulsiveBurn", "Event", "Trajectory", "propagate",
           "EphemerisTable", "GRGM660PRIM_K2"]

#: Aggregate lunar Love number k2 estimated with GRGM660PRIM (header of the .gfc file, Lemoine et
#: al. 2013): 0.02427 ± 0.00026.
GRGM660PRIM_K2 = 0.02427
_TABLE_STEP_S = 300.0


@dataclass(frozen=True)
class ForceModel:
    """What pulls the spacecraft: lunar field (truncated as given), third bodies, solid tide."""

    field: GravityField
    earth: bool = True
    sun: bool = True
    tide_k2: float = GRGM660PRIM_K2

    @classmethod
    def lunar(cls, degree: int, name: str = "GRGM660PRIM", data=None, **options) -> "ForceModel":
        return cls(lunar_field(name, data, degree), **options)

    def describe(self) -> str:
        bodies = [b for b, on in (("Earth", self.earth), ("Sun", self.sun)) if on]
        tide = f", solid tide k2={self.tide_k2}" if self.tide_k2 else ""
        return f"{self.field.name} {self.field.degree}x{self.field.order}" + (
            f" + {' + '.join(bodies)} (DE421)" if bodies else "") + tide


@dataclass(frozen=True)
class FiniteBurn:
    """Constant thrust from ``start_s`` (seconds after the epoch) for ``duration_s``."""

    start_s: float
    duration_s: float
    thrust_n: float
    mass_flow_kgps: float = 0.0
    direction_vnc: tuple = (-1.0, 0.0, 0.0)
    attitude: str = "vnc"  # "vnc": held in the VNC frame; "inertial": the ignition VNC direction kept fixed

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class ImpulsiveBurn:
    """An instantaneous velocity change (m/s) in the VNC frame at ``time_s``."""

    time_s: float
    delta_v_vnc: tuple


@dataclass(frozen=True)
class Event:
    """A detected event: seconds after the epoch, Moon-centred ICRF state, ME place and height."""

    kind: str
    t_s: float
    position_m: np.ndarray
    velocity_mps: np.ndarray
    time: Time
    lat_deg: float
    lon_deg: float
    height_m: float


@dataclass(frozen=True, eq=False)
class Trajectory:
    epoch: Time
    t_s: np.ndarray
    position_m: np.ndarray
    velocity_mps: np.ndarray
    mass_kg: np.ndarray
    impact: Event | None
    periselene: list
    aposelene: list
    force: ForceModel
    table: "EphemerisTable" = field(repr=False)
    _segments: list = field(repr=False, default_factory=list)

    @property
    def time(self) -> Time:
        return self.epoch + self.t_s

    def me_latlon(self, surface_radius_m: float = MOON_RADIUS_M):
        """ME (lat_deg, lon_deg, height_m above the sphere) of every sample."""
        me = np.einsum("nij,nj->ni", self.table.icrf_to_me(self.t_s), self.position_m)
        return eph.me_to_latlon(me, surface_radius_m)

    def altitude_m(self, surface_radius_m: float = MOON_RADIUS_M) -> np.ndarray:
        return np.linalg.norm(self.position_m, axis=1) - surface_radius_m

    def state_at(self, t_s) -> np.ndarray:
        """Dense-output state ``(..., 7)`` (r, v, mass) at seconds after the epoch inside the run."""
        t_s = np.atleast_1d(np.asarray(t_s, dtype=float))
        out = np.full(t_s.shape + (7,), np.nan)
        for start, end, solution in self._segments:
            inside = (t_s >= start - 1e-9) & (t_s <= end + 1e-9)
            if np.any(inside):
                out[inside] = solution(t_s[inside]).T
        return out


class EphemerisTable:
    """DE421 Earth/Sun positions and PA Euler angles sampled for one run, Hermite-interpolated."""

    def __init__(self, epoch: Time, start_s: float, end_s: float, step_s: float = _TABLE_STEP_S):
        self.epoch = epoch
        self.step_s = step_s
        self.t0_s = start_s - 2 * step_s
        count = int(np.ceil((end_s - self.t0_s) / step_s)) + 3
        nodes = self.t0_s + step_s * np.arange(count)
        tdb = float(epoch.seconds_since_j2000("tdb")) + nodes
        k = eph.kernels()
        earth_p, earth_v = eph.earth_state(tdb)
        sun_p = eph.sun_position_m(tdb)
        sun_v = _sun_velocity(tdb)
        zeros = np.zeros_like(tdb)
        angles, rates = k.pa_segment.compute(zeros + 2451545.0, tdb / 86400.0, True)
        self.values = np.ascontiguousarray(np.concatenate([earth_p, sun_p, np.asarray(angles).T], axis=1))
        self.rates = np.ascontiguousarray(np.concatenate([earth_v, sun_v, np.asarray(rates).T], axis=1))

    def sample(self, t_s) -> np.ndarray:
        """Interpolated ``(..., 9)``: Earth xyz, Sun xyz (m, ICRF from the Moon), PA Euler angles."""
        t_s = np.asarray(t_s, dtype=float)
        x = (t_s.reshape(-1) - self.t0_s) / self.step_s
        k = np.clip(np.floor(x).astype(np.int64), 0, self.values.shape[0] - 2)  # as _hermite, vectorized
        tau = (x - k)[:, None]
        h00 = (1 + 2 * tau) * (1 - tau) ** 2
        h10 = tau * (1 - tau) ** 2
        h01 = tau * tau * (3 - 2 * tau)
        h11 = tau * tau * (tau - 1)
        flat = (h00 * self.values[k] + h10 * self.step_s * self.rates[k] + h01 * self.values[k + 1]
                + h11 * self.step_s * self.rates[k + 1])
        return flat.reshape(t_s.shape + (9,))

    def icrf_to_pa(self, t_s) -> np.ndarray:
        angles = self.sample(t_s)[..., 6:9]
        return eph._euler_matrix(angles[..., 0], angles[..., 1], angles[..., 2])

    def icrf_to_me(self, t_s) -> np.ndarray:
        return eph.PA_TO_ME @ self.icrf_to_pa(t_s)


def _sun_velocity(tdb: np.ndarray) -> np.ndarray:
    k = eph.kernels()
    _, v_sun = k._segment_state(0, 10, tdb)
    _, v_emb = k._segment_state(0, 3, tdb)
    _, v_moon = k._segment_state(3, 301, tdb)
    return ((v_sun - v_emb - v_moon).T * 1000.0)


@numba.njit(cache=True)
def _hermite(t, t0, step, values, rates):
    x = (t - t0) / step
    k = min(max(int(np.floor(x)), 0), values.shape[0] - 2)
    tau = x - k
    h00 = (1 + 2 * tau) * (1 - tau) ** 2
    h10 = tau * (1 - tau) ** 2
    h01 = tau * tau * (3 - 2 * tau)
    h11 = tau * tau * (tau - 1)
    return h00 * values[k] + h10 * step * rates[k] + h01 * values[k + 1] + h11 * step * rates[k + 1]


@numba.njit(cache=True)
def _euler_to_matrix(phi, theta, psi):
    # r_pa = R3(psi) R1(theta) R3(phi) r_icrf with frame rotations R (NAIF PCK Euler 3-1-3)
    cph, sph, cth, sth, cps, sps = np.cos(phi), np.sin(phi), np.cos(theta), np.sin(theta), np.cos(psi), np.sin(psi)
    m = np.empty((3, 3))
    m[0, 0] = cps * cph - sps * cth * sph
    m[0, 1] = cps * sph + sps * cth * cph
    m[0, 2] = sps * sth
    m[1, 0] = -sps * cph - cps * cth * sph
    m[1, 1] = -sps * sph + cps * cth * cph
    m[1, 2] = cps * sth
    m[2, 0] = sth * sph
    m[2, 1] = -sth * cph
    m[2, 2] = cth
    return m


@numba.njit(cache=True)
def _third_body(r, body, gm):
    d = body - r
    dn = np.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)
    bn = np.sqrt(body[0] ** 2 + body[1] ** 2 + body[2] ** 2)
    return gm * (d / dn**3 - body / bn**3)


@numba.njit(cache=True)
def _tide(r, body, gm_body, radius, k2):
    # Love-number response of the Moon to the body's degree-2 tide: V = k2 GM R^5 P2(cos psi)/(d^3 r^3)
    rn = np.sqrt(r[0] ** 2 + r[1] ** 2 + r[2] ** 2)
    dn = np.sqrt(body[0] ** 2 + body[1] ** 2 + body[2] ** 2)
    dh = body / dn
    proj = r[0] * dh[0] + r[1] * dh[1] + r[2] * dh[2]
    scale = k2 * gm_body * radius**5 / (2.0 * dn**3 * rn**5)
    return scale * (6.0 * proj * dh - 15.0 * proj * proj * r / (rn * rn) + 3.0 * r)


@numba.njit(cache=True)
def _derivative(t, y, t0, step, values, rates, gm, radius, c, s, nmax, mmax, rec_a, rec_b, ratio, diag,
                use_earth, use_sun, gm_earth, gm_sun, k2, thrust, mdot, dir_vnc, inertial):
    r = y[0:3]
    v = y[3:6]
    eph_now = _hermite(t, t0, step, values, rates)
    rot = _euler_to_matrix(eph_now[6], eph_now[7], eph_now[8])
    r_pa = rot @ r
    acc_pa, _ = _pines(r_pa.reshape(1, 3), gm, radius, c, s, nmax, mmax, rec_a, rec_b, ratio, diag, True)
    acc = rot.T @ acc_pa[0]
    earth = eph_now[0:3]
    if use_earth:
        acc += _third_body(r, earth, gm_earth)
    if use_sun:
        acc += _third_body(r, eph_now[3:6], gm_sun)
    if k2 != 0.0:
        acc += _tide(r, earth, gm_earth, radius, k2)
    out = np.empty(7)
    out[0:3] = v
    out[6] = 0.0
    if thrust != 0.0 and inertial:
        acc += (thrust / y[6]) * dir_vnc
        out[6] = -mdot
    elif thrust != 0.0:
        vhat = v / np.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
        h = np.cross(r, v)
        nhat = h / np.sqrt(h[0] ** 2 + h[1] ** 2 + h[2] ** 2)
        chat = np.cross(vhat, nhat)
        acc += (thrust / y[6]) * (dir_vnc[0] * vhat + dir_vnc[1] * nhat + dir_vnc[2] * chat)
        out[6] = -mdot
    out[3:6] = acc
    return out


def vnc_to_icrf(position_m, velocity_mps, vector_vnc) -> np.ndarray:
    """A vector given in the VNC frame of a state, expressed in ICRF."""
    vhat = velocity_mps / np.linalg.norm(velocity_mps)
    nhat = np.cross(position_m, velocity_mps)
    nhat /= np.linalg.norm(nhat)
    chat = np.cross(vhat, nhat)
    return vector_vnc[0] * vhat + vector_vnc[1] * nhat + vector_vnc[2] * chat


def _segments(duration_s: float, burns: Sequence) -> list[tuple[float, float, object]]:
    """Cut [0, duration] at every burn boundary; each piece carries the finite burn active in it."""
    cuts = {0.0, float(duration_s)}
    for burn in burns:
        if isinstance(burn, FiniteBurn):
            cuts.update({burn.start_s, burn.end_s})
        else:
            cuts.add(float(burn.time_s))
    edges = sorted(c for c in cuts if 0.0 <= c <= duration_s)
    pieces = []
    for start, end in zip(edges[:-1], edges[1:]):
        active = [b for b in burns if isinstance(b, FiniteBurn) and b.start_s <= start and end <= b.end_s]
        if len(active) > 1:
            raise LodestarError("two finite burns overlap; give them one after the other")
        pieces.append((start, end, active[0] if active else None))
    return pieces


def _burn_parameters(burn: FiniteBurn | None, y: np.ndarray) -> tuple[float, float, np.ndarray, bool]:
    """Thrust (N), mass flow (kg/s), unit direction and ``inertial`` flag of the burn of one piece.

    An inertial burn keeps the VNC direction of ignition (state ``y``), expressed in ICRF.
    """
    if burn is None:
        return 0.0, 0.0, np.zeros(3), False
    if burn.attitude not in ("vnc", "inertial"):
        raise LodestarError(f"burn attitude must be 'vnc' or 'inertial', not {burn.attitude!r}")
    direction = np.asarray(burn.direction_vnc, float)
    direction = direction / np.linalg.norm(direction)
    inertial = burn.attitude == "inertial"
    if inertial:
        direction = vnc_to_icrf(y[:3], y[3:6], direction)
    return burn.thrust_n, burn.mass_flow_kgps, direction, inertial


def propagate(epoch: Time, position_m, velocity_mps, duration_s: float, force: ForceModel,
              burns: Sequence = (), mass_kg: float = 1000.0, t_eval=None, stop_at_impact: bool = True,
              surface_radius_m: float | Callable = MOON_RADIUS_M, rtol: float = 1e-12,
              atol: float = 1e-6, table: EphemerisTable | None = None) -> Trajectory:
    """Propagate a Moon-centred ICRF state from ``epoch`` for ``duration_s`` seconds (see module doc)."""
    if duration_s <= 0:
        raise LodestarError(f"duration must be positive, got {duration_s} s")
    burnt = sum(b.mass_flow_kgps * b.duration_s for b in burns if isinstance(b, FiniteBurn))
    if burnt >= mass_kg:
        raise LodestarError(f"the burns use {burnt:.1f} kg of propellant but the spacecraft has {mass_kg} kg")
    if table is None or not (table.epoch == epoch and table.t0_s <= 0.0
                             and duration_s <= table.t0_s + table.step_s * (len(table.values) - 2)):
        table = EphemerisTable(epoch, 0.0, duration_s)
    fld = force.field
    static = (table.t0_s, table.step_s, table.values, table.rates, fld.gm_m3ps2, fld.radius_m, fld.c,
              fld.s, fld.degree, fld.order, *fld._tables, force.earth, force.sun, eph.GM_EARTH_M3PS2,
              eph.GM_SUN_M3PS2, float(force.tide_k2 or 0.0))
    events = _event_functions(table, surface_radius_m, stop_at_impact)
    y = np.concatenate([np.asarray(position_m, float), np.asarray(velocity_mps, float), [float(mass_kg)]])
    impulses = sorted((b for b in burns if isinstance(b, ImpulsiveBurn)), key=lambda b: b.time_s)
    t_eval = None if t_eval is None else np.asarray(t_eval, dtype=float)
    ts, ys, found, dense = [], [], {"impact": [], "peri": [], "apo": []}, []
    for start, end, burn in _segments(duration_s, burns):
        for impulse in impulses:
            if abs(impulse.time_s - start) < 1e-9:
                y = y.copy()
                y[3:6] += vnc_to_icrf(y[:3], y[3:6], impulse.delta_v_vnc)
        thrust, mdot, direction, inertial = _burn_parameters(burn, y)

        def rhs(t, state, thrust=thrust, mdot=mdot, direction=direction, inertial=inertial):
            return _derivative(t, state, *static, thrust, mdot, direction, inertial)

        piece_eval = None
        if t_eval is not None:
            piece_eval = t_eval[(t_eval >= start) & (t_eval <= end)]
        sol = solve_ivp(rhs, (start, end), y, method="DOP853", rtol=rtol, atol=atol, dense_output=True,
                        events=events, t_eval=piece_eval)
        if sol.status == -1:
            raise LodestarError(f"lunar propagation failed at t={sol.t[-1]:.1f} s: {sol.message}")
        # with t_eval, sol.t ends at the last requested sample, not at the segment's end
        t_stop = float(sol.t_events[0][-1]) if sol.status == 1 else end
        dense.append((start, t_stop, sol.sol))
        ts.append(sol.t)
        ys.append(sol.y)
        for name, times, states in zip(("impact", "peri", "apo"), sol.t_events, sol.y_events):
            found[name].extend(zip(times, states))
        y = sol.y_events[0][-1] if sol.status == 1 else sol.sol(end)
        if sol.status == 1 and stop_at_impact:
            if t_eval is not None:  # keep the impact instant as the last sample
                ts.append(np.array([sol.t_events[0][-1]]))
                ys.append(sol.y_events[0][-1][:, None])
            break
    t_all = np.concatenate(ts)
    y_all = np.concatenate(ys, axis=1)
    keep = np.concatenate([[True], np.diff(t_all) > 0])
    make = lambda kind, pair: _event(kind, pair, epoch, table, surface_radius_m)  # noqa: E731
    impact = make("impact", found["impact"][0]) if found["impact"] else None
    return Trajectory(epoch, t_all[keep], y_all[:3, keep].T, y_all[3:6, keep].T, y_all[6, keep], impact,
                      [make("periselene", p) for p in found["peri"]],
                      [make("aposelene", p) for p in found["apo"]], force, table, dense)


def _surface_radius(table: EphemerisTable, surface_radius_m, t: float, r: np.ndarray) -> float:
    if not callable(surface_radius_m):
        return float(surface_radius_m)
    lat, lon, _ = eph.me_to_latlon(table.icrf_to_me(t) @ r)
    return float(surface_radius_m(lat, lon))


def _event_functions(table: EphemerisTable, surface_radius_m, stop_at_impact: bool):
    def impact(t, y):
        return np.linalg.norm(y[:3]) - _surface_radius(table, surface_radius_m, t, y[:3])

    def periselene(t, y):
        return float(np.dot(y[:3], y[3:6]))

    def aposelene(t, y):
        return float(np.dot(y[:3], y[3:6]))

    impact.terminal, impact.direction = stop_at_impact, -1
    periselene.terminal, periselene.direction = False, 1  # r.v crosses zero upward at the minimum
    aposelene.terminal, aposelene.direction = False, -1
    return [impact, periselene, aposelene]


def _event(kind: str, pair, epoch: Time, table: EphemerisTable, surface_radius_m) -> Event:
    t, state = pair
    me = table.icrf_to_me(float(t)) @ state[:3]
    lat, lon, _ = eph.me_to_latlon(me)
    height = np.linalg.norm(state[:3]) - _surface_radius(table, surface_radius_m, float(t), state[:3])
    return Event(kind, float(t), state[:3].copy(), state[3:6].copy(), epoch + float(t), float(lat), float(lon),
                 float(height))
