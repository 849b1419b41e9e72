"""Queqiao-2, the ILRS relay, propagated from published mean elements (Kepler + lunar J2 secular rates).

Published (CNSA, April 2024; orbit figures as compiled in the Queqiao-2 Wikipedia article from
CNSA releases): Queqiao-2 entered its 24-hour elliptical frozen mission orbit on **2 April 2024**;
perilune altitude **200 km**, apolune altitude **16,000 km**, inclination **62.4°**, period 24 h.

Not published, so assumed here (and stated in every report):
- the reference plane is the lunar equator (ME frame) frozen at the epoch;
- argument of perilune ω = 90°: perilune over the north, apolune over the south, which is what a
  south-pole relay is for (Zhang Lihua 2021, Space: Science & Technology, describes the long dwell
  over the south polar region);
- RAAN = 0° and perilune passage at the epoch 2024-04-02T00:00:00 UTC (the hour is not published).

With 200 × 16,000 km the Kepler period is 24.3 h (24 h is the rounded figure). The phase of the
relay on any later day is therefore a model, not a prediction: fractions of time the relay is
visible are meaningful over many orbits, the clock times of single passes are not. The secular J2
rates are tiny near i = 62.4° (close to the critical inclination 63.4°, which is why the orbit is
frozen); third-body perturbations by the Earth are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...constants import MOON_GM_M3PS2, MOON_RADIUS_M
from ...orbits.kepler import eccentric_anomaly
from ...time import Time

__all__ = ["KeplerElements", "QUEQIAO2", "kepler_positions", "circular_orbit"]

#: Lunar J2 = −√5 · C̄20 with C̄20 = −9.0880e-5 (GRGM660PRIM, Lemoine et al. 2013, normalized).
MOON_J2 = 2.03213e-4


@dataclass(frozen=True)
class KeplerElements:
    """Mean elements of a lunar orbit in the ME-equator frame frozen at ``epoch``."""

    name: str
    epoch: Time
    a_m: float
    e: float
    i_deg: float
    raan_deg: float
    argp_deg: float
    m0_deg: float
    source: str = ""
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def period_s(self) -> float:
        return 2 * np.pi * np.sqrt(self.a_m**3 / MOON_GM_M3PS2)

    def describe(self) -> str:
        return (
            f"{self.name}: epoch {self.epoch.iso('utc')} UTC, a = {self.a_m / 1e3:.1f} km, e = {self.e:.4f}, "
            f"i = {self.i_deg:.1f}°, RAAN = {self.raan_deg:.1f}°, ω = {self.argp_deg:.1f}°, "
            f"M0 = {self.m0_deg:.1f}° (period {self.period_s / 3600:.2f} h)"
        )


def _from_altitudes(perilune_alt_m: float, apolune_alt_m: float) -> tuple[float, float]:
    rp, ra = MOON_RADIUS_M + perilune_alt_m, MOON_RADIUS_M + apolune_alt_m
    return (rp + ra) / 2, (ra - rp) / (ra + rp)


_A, _E = _from_altitudes(200e3, 16_000e3)

#: Queqiao-2 mean elements used by ``lodestar ilrs`` (see the module text for sources and assumptions).
QUEQIAO2 = KeplerElements(
    name="Queqiao-2",
    epoch=Time.from_iso("2024-04-02T00:00:00", scale="utc"),
    a_m=_A, e=_E, i_deg=62.4, raan_deg=0.0, argp_deg=90.0, m0_deg=0.0,
    source="CNSA (2 April 2024: 24 h elliptical frozen orbit); 200 × 16,000 km, i = 62.4° "
    "(Queqiao-2 article, Wikipedia, citing CNSA)",
    assumptions=(
        "reference plane: lunar ME equator frozen at the epoch",
        "ω = 90° (apolune over the south pole)",
        "RAAN = 0° and perilune passage at 2024-04-02T00:00 UTC (not published)",
    ),
)


def _secular_rates(el: KeplerElements, j2: bool) -> tuple[float, float, float]:
    """(dRAAN/dt, dω/dt, dM/dt) in rad/s: mean motion plus first-order J2 secular terms (Vallado 9-41)."""
    n = 2 * np.pi / el.period_s
    if not j2:
        return 0.0, 0.0, n
    p = el.a_m * (1 - el.e**2)
    k = 1.5 * n * MOON_J2 * (MOON_RADIUS_M / p) ** 2
    ci = np.cos(np.radians(el.i_deg))
    raan_dot = -k * ci
    argp_dot = 0.5 * k * (5 * ci**2 - 1)
    m_dot = n + 0.5 * k * np.sqrt(1 - el.e**2) * (3 * ci**2 - 1)
    return raan_dot, argp_dot, m_dot


def kepler_positions(el: KeplerElements, time: Time, j2: bool = True) -> np.ndarray:
    """Positions ``(T, 3)`` in metres, Moon-centred, axes of the ME frame frozen at ``el.epoch``."""
    dt = np.asarray(time.seconds_since(el.epoch), dtype=float)
    raan_dot, argp_dot, m_dot = _secular_rates(el, j2)
    raan = np.radians(el.raan_deg) + raan_dot * dt
    argp = np.radians(el.argp_deg) + argp_dot * dt
    ecc = eccentric_anomaly(np.radians(el.m0_deg) + m_dot * dt, el.e)
    # perifocal coordinates (Vallado, Fundamentals of Astrodynamics, 4th ed., eq. 2-57 family)
    x_p = el.a_m * (np.cos(ecc) - el.e)
    y_p = el.a_m * np.sqrt(1 - el.e**2) * np.sin(ecc)
    return _perifocal_to_frame(x_p, y_p, raan, argp, np.radians(el.i_deg))


def _perifocal_to_frame(x_p, y_p, raan, argp, inc) -> np.ndarray:
    cr, sr, cw, sw, ci, si = np.cos(raan), np.sin(raan), np.cos(argp), np.sin(argp), np.cos(inc), np.sin(inc)
    x = (cr * cw - sr * sw * ci) * x_p + (-cr * sw - sr * cw * ci) * y_p
    y = (sr * cw + cr * sw * ci) * x_p + (-sr * sw + cr * cw * ci) * y_p
    z = (sw * si) * x_p + (cw * si) * y_p
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def circular_orbit(altitude_km: float, inc_deg: float, raan_deg: float, epoch: Time) -> KeplerElements:
    """A circular lunar orbit (the ``--orbit ALT_KM,INC_DEG[,RAAN_DEG]`` receiver of ``moon-gnss``)."""
    return KeplerElements(
        name=f"circular {altitude_km:g} km, i = {inc_deg:g}°",
        epoch=epoch, a_m=MOON_RADIUS_M + altitude_km * 1e3, e=0.0,
        i_deg=inc_deg, raan_deg=raan_deg, argp_deg=0.0, m0_deg=0.0,
        source="user-given circular orbit",
        assumptions=("reference plane: lunar ME equator frozen at the start time", "in-orbit phase 0 at the start"),
    )
