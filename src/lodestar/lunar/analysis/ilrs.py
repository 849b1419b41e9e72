"""ILRS site analysis: when a lunar site sees the Earth, the Sun and the Queqiao-2 relay.

Geometry: DE421 Earth and Sun relative to the Moon (ICRF), rotated into the Moon's ME frame
(DE421 PA + the fixed PA→ME rotation, :mod:`lodestar.lunar.core.ephemeris`); the site is a point on
the 1737.4 km sphere (plus its height) and its horizon is the plane normal to its radius.

**Horizon**: flat (a smooth sphere) unless a mask is given. Real south-polar horizons are raised
by crater rims and massifs by up to several degrees and change lighting and Earth visibility a
lot; computing them needs a lunar DEM (LOLA), which Lodestar does not ship. The hook: pass
``horizon=`` a function ``azimuth_deg -> horizon elevation_deg`` (e.g. :func:`horizon_from_profile`
of a profile computed elsewhere, or :func:`read_horizon_csv`; ``lodestar ilrs --horizon FILE``),
and every "above the horizon" test uses it.

Definitions: Earth is *up* (visible) when the centre of its disc is above the horizon; the site is
*lit* when the Sun's centre is above it (the Sun's disc is 0.27° in radius, the Earth's ~0.95°;
upper limbs would add a little to both fractions). Durations come from the sampled series: a gap is
counted in whole steps, so longest outages are good to one step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ...errors import FormatError, LodestarError
from ...io.compression import read_bytes
from ...time import Time
from ..core import ephemeris
from .relay import QUEQIAO2, KeplerElements, kepler_positions
from .sites import Site

__all__ = [
    "HorizonMask", "flat_horizon", "horizon_from_profile", "read_horizon_csv", "time_grid",
    "check_ephemeris_span", "site_enu_basis", "az_el_from_site", "az_el_of_direction",
    "longest_run_s", "passes", "relay_positions_me", "IlrsResult", "analyse_site",
]

HorizonMask = Callable[[np.ndarray], np.ndarray]


def flat_horizon(azimuth_deg: np.ndarray) -> np.ndarray:
    """The smooth-sphere horizon: 0° at every azimuth."""
    return np.zeros_like(np.asarray(azimuth_deg, dtype=float))


def horizon_from_profile(azimuth_deg, elevation_deg) -> HorizonMask:
    """A mask interpolating a horizon profile (azimuths in degrees, wrapped at 360°)."""
    az = np.asarray(azimuth_deg, dtype=float) % 360.0
    el = np.asarray(elevation_deg, dtype=float)
    if az.size < 2 or az.shape != el.shape or not np.isfinite(el).all():
        raise LodestarError("a horizon profile needs at least two (azimuth, elevation) pairs of finite numbers")
    order = np.argsort(az)
    az, el = az[order], el[order]
    return lambda query: np.interp(np.asarray(query, dtype=float) % 360.0, az, el, period=360.0)


def read_horizon_csv(path) -> HorizonMask:
    """A horizon mask from a text file of ``azimuth_deg, elevation_deg`` lines (``#`` comments)."""

    pairs = []
    for number, line in enumerate(read_bytes(path).decode("utf-8", "replace").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text or text.lower().startswith("azimuth"):
            continue
        fields = text.replace(",", " ").split()
        try:
            pairs.append((float(fields[0]), float(fields[1])))
        except (ValueError, IndexError):
            raise FormatError(path, number, "two numbers: azimuth_deg, elevation_deg", line) from None
    if len(pairs) < 2:
        raise FormatError(path, None, "at least two azimuth_deg, elevation_deg lines")
    az, el = np.array(pairs).T
    return horizon_from_profile(az, el)


def time_grid(start: Time, end: Time, step_s: float) -> Time:
    """Epochs from ``start`` to ``end`` inclusive every ``step_s`` seconds."""
    span = float(end.seconds_since(start))
    if span <= 0:
        raise LodestarError(f"the end time {end.iso()} must be after the start time {start.iso()}")
    if step_s <= 0:
        raise LodestarError(f"the step must be positive, got {step_s} s")
    count = int(np.floor(span / step_s + 1e-9)) + 1
    if count > 2_000_000:
        raise LodestarError(f"{count} epochs is too many; use a larger step")
    return start + np.arange(count) * float(step_s)


def check_ephemeris_span(time: Time) -> None:
    """Refuse epochs outside the DE421 SPK and lunar PCK coverage (1900-01-01 … 2051-01-01 TDB), before any work."""
    ephemeris.check_span(time)


def site_enu_basis(site_me: np.ndarray) -> np.ndarray:
    """Rows east, north, up (unit vectors in ME) at a point on the sphere, ``(3, 3)``."""
    up = site_me / np.linalg.norm(site_me)
    east = np.cross([0.0, 0.0, 1.0], up)
    if np.linalg.norm(east) < 1e-12:  # at a pole: the limit along the 0° meridian (east = +y)
        east = np.array([0.0, 1.0, 0.0])
    east = east / np.linalg.norm(east)
    north = np.cross(up, east)
    return np.stack([east, north, up])


def az_el_from_site(site_me: np.ndarray, target_me: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth (deg from north, clockwise) and elevation (deg) of ME targets ``(..., 3)`` from a site."""
    return az_el_of_direction(site_me, np.asarray(target_me, dtype=float) - site_me)


def az_el_of_direction(site_me: np.ndarray, direction_me: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth (deg from north, clockwise) and elevation (deg) of ME direction vectors ``(..., 3)`` at a site."""
    enu = direction_me @ site_enu_basis(site_me).T
    azimuth = np.degrees(np.arctan2(enu[..., 0], enu[..., 1])) % 360.0
    elevation = np.degrees(np.arctan2(enu[..., 2], np.hypot(enu[..., 0], enu[..., 1])))
    return azimuth, elevation


def longest_run_s(flags: np.ndarray, step_s: float) -> float:
    """Longest stretch of consecutive True samples, in seconds (runs × step)."""
    flags = np.asarray(flags, dtype=bool)
    if not flags.any():
        return 0.0
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return float((edges[1::2] - edges[::2]).max() * step_s)


def passes(flags: np.ndarray, time: Time) -> list[tuple[str, str]]:
    """Start and end (ISO GPST) of each stretch where ``flags`` is True."""
    padded = np.concatenate([[False], np.asarray(flags, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    iso = time.iso()
    return [(str(iso[a]), str(iso[b - 1])) for a, b in zip(edges[::2], edges[1::2])]


def relay_positions_me(elements: KeplerElements, time: Time, icrf_to_me_t: np.ndarray) -> np.ndarray:
    """Relay positions ``(T, 3)`` in the rotating ME frame: frozen-ME-at-epoch axes -> ICRF -> ME(t)."""
    inertial = kepler_positions(elements, time)
    to_icrf = ephemeris.icrf_to_me(elements.epoch).T  # frozen ME at epoch -> ICRF
    return np.einsum("tij,jk,tk->ti", icrf_to_me_t, to_icrf, inertial)


@dataclass(frozen=True, eq=False)
class IlrsResult:
    """Series and figures of one site over one span (see :func:`analyse_site`)."""

    site: Site
    time: Time
    step_s: float
    earth_az_deg: np.ndarray
    earth_el_deg: np.ndarray
    sun_az_deg: np.ndarray
    sun_el_deg: np.ndarray
    relay_az_deg: np.ndarray
    relay_el_deg: np.ndarray
    earth_up: np.ndarray
    sun_up: np.ndarray
    relay_up: np.ndarray
    horizon: str
    relay: KeplerElements
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "site": {"name": self.site.name, "lat_deg": self.site.lat_deg, "lon_deg": self.site.lon_deg,
                     "height_m": self.site.height_m, "source": self.site.source},
            "from_gpst": str(self.time.iso()[0]), "to_gpst": str(self.time.iso()[-1]),
            "step_s": float(self.step_s), "epochs": len(self.time), "horizon": self.horizon,
            "earth_visible_fraction": float(self.earth_up.mean()),
            "earth_longest_outage_h": longest_run_s(~self.earth_up, self.step_s) / 3600.0,
            "earth_elev_min_deg": float(self.earth_el_deg.min()),
            "earth_elev_max_deg": float(self.earth_el_deg.max()),
            "sun_lit_fraction": float(self.sun_up.mean()),
            "sun_longest_night_h": longest_run_s(~self.sun_up, self.step_s) / 3600.0,
            "sun_elev_min_deg": float(self.sun_el_deg.min()),
            "sun_elev_max_deg": float(self.sun_el_deg.max()),
            "relay_visible_fraction": float(self.relay_up.mean()),
            "relay_longest_gap_h": longest_run_s(~self.relay_up, self.step_s) / 3600.0,
            "relay_passes": len(passes(self.relay_up, self.time)),
            "relay_elements": self.relay.describe(),
            "relay_source": self.relay.source,
            "relay_assumptions": list(self.relay.assumptions),
            "notes": self.notes,
        }


def analyse_site(site: Site, start: Time, end: Time, step_s: float = 1800.0,
                 horizon: HorizonMask | None = None, relay: KeplerElements = QUEQIAO2) -> IlrsResult:
    """Earth, Sun and relay visibility from ``site`` between ``start`` and ``end`` every ``step_s``."""
    time = time_grid(start, end, step_s)
    check_ephemeris_span(time)
    mask = horizon or flat_horizon
    site_me = ephemeris.latlon_to_me(site.lat_deg, site.lon_deg, site.height_m)
    to_me = ephemeris.icrf_to_me(time)  # (T, 3, 3)
    earth_me = np.einsum("tij,tj->ti", to_me, ephemeris.earth_position_m(time))
    sun_me = np.einsum("tij,tj->ti", to_me, ephemeris.sun_position_m(time))
    relay_me = relay_positions_me(relay, time, to_me)
    earth_az, earth_el = az_el_from_site(site_me, earth_me)
    sun_az, sun_el = az_el_from_site(site_me, sun_me)
    relay_az, relay_el = az_el_from_site(site_me, relay_me)
    notes = [
        "flat horizon (smooth sphere): terrain is not modelled" if horizon is None
        else "horizon from the given mask",
        "Earth up / Sun up: centre of the disc above the horizon",
        f"relay: {relay.describe()}; assumptions: {'; '.join(relay.assumptions)}",
    ]
    return IlrsResult(
        site=site, time=time, step_s=float(step_s),
        earth_az_deg=earth_az, earth_el_deg=earth_el, sun_az_deg=sun_az, sun_el_deg=sun_el,
        relay_az_deg=relay_az, relay_el_deg=relay_el,
        earth_up=earth_el > mask(earth_az), sun_up=sun_el > mask(sun_az), relay_up=relay_el > mask(relay_az),
        horizon="flat (no terrain)" if horizon is None else "mask", relay=relay, notes=notes,
    )
