"""The Moon's place and orientation: JPL DE421 bodies and the DE421 lunar frames.

API (every function is vectorized over a :class:`lodestar.time.Time` of any shape, or over an
array of TDB seconds since J2000 — ``Time.seconds_since_j2000("tdb")`` — for speed in hot loops):

- ``earth_position_m(t)`` / ``sun_position_m(t)`` -> ``(..., 3)`` metres: the body relative to
  the Moon's centre in ICRF (DE421, geometric, no light time). ``earth_state(t)`` also returns the
  velocity in m/s.
- ``icrf_to_pa(t)`` -> ``(..., 3, 3)``: ``r_pa = M @ r_icrf`` (lunar principal axes of DE421, from
  the binary PCK ``moon_pa_de421_1900-2050.bpc``; the frame of the GRAIL / LP gravity fields).
  ``icrf_to_pa_with_rate(t)`` also returns ``dM/dt`` (1/s) for velocities.
- ``icrf_to_me(t)``: the same for the mean-Earth/polar-axis (ME) frame of surface coordinates (the
  LRO / IAU convention). ``PA_TO_ME``: the fixed ``r_me = PA_TO_ME @ r_pa`` rotation.
- ``me_to_latlon(xyz_m)`` -> ``(lat_deg, lon_deg, height_m)`` and ``latlon_to_me(lat_deg, lon_deg,
  height_m)`` -> ``(..., 3)`` m: Moon-fixed ME vectors <-> planetocentric latitude, east longitude
  and height above the 1737.4 km reference sphere (IAU WGCCRE mean radius,
  :data:`lodestar.constants.MOON_RADIUS_M`).
- ``kernels()``: the opened :class:`LunarKernels` (paths, SPK and PCK readers), loaded once.
- ``GM_EARTH_M3PS2``, ``GM_SUN_M3PS2``: DE421 values of the third bodies.

Data come from PyPI packages and work offline: ``skyfield-data`` (``de421.bsp``) and ``lunarsky``
(``moon_pa_de421_1900-2050.bpc``). A missing package or file raises
:class:`lodestar.errors.DataNotFoundError` naming it. PA and ME differ by ~875 m on the surface;
never mix them: gravity fields live in PA, maps and landing sites in ME.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from jplephem.pck import PCK
from jplephem.spk import SPK

from ...constants import MOON_RADIUS_M
from ...errors import DataNotFoundError, LodestarError
from ...time import Time

__all__ = [
    "LunarKernels", "kernels", "earth_position_m", "earth_state", "sun_position_m",
    "icrf_to_pa", "icrf_to_pa_with_rate", "icrf_to_me", "PA_TO_ME", "PA_TO_ME_ANGLES_ARCSEC",
    "me_to_latlon", "latlon_to_me", "great_circle_km", "tdb_seconds", "check_span", "GM_EARTH_M3PS2", "GM_SUN_M3PS2",
]

#: DE421 GM of the Earth and of the Sun, m^3/s^2 (Folkner et al. 2008, JPL IOM 343R-08-003,
#: table 3: GM_Earth = 398600.436233 km^3/s^2, GM_Sun = k^2 = 132712440040.944 km^3/s^2).
GM_EARTH_M3PS2 = 398_600.436233e9
GM_SUN_M3PS2 = 132_712_440_040.944e9

#: PA -> ME rotation of DE421: frame kernel moon_080317.tf, TKFRAME_31007 (MOON_ME_DE421 relative
#: to MOON_PA_DE421), ANGLES = (67.92, 78.56, 0.30) arcsec about AXES (3, 2, 1); from Williams,
#: Boggs & Folkner 2008, "DE421 Lunar Orbit, Physical Librations, and Surface Coordinates",
#: JPL IOM 335-JW,DB,WF-20080314-001. About 875 m on the surface.
PA_TO_ME_ANGLES_ARCSEC = ((67.92, 3), (78.56, 2), (0.30, 1))

_SPK_PACKAGE, _SPK_FILE = "skyfield_data", "data/de421.bsp"
_PCK_PACKAGE, _PCK_FILE = "lunarsky", "data/pck/moon_pa_de421_1900-2050.bpc"
_MOON_PA_FRAME_ID = 31006  # the DE421 PA body/frame code in the binary PCK
_DAY_S = 86400.0
_JD_J2000 = 2451545.0
J2000_TDB = np.datetime64("2000-01-01T12:00:00", "ns")  # JD 2451545.0 on the TDB clock


def _axis_rotation(angle_rad, axis: int) -> np.ndarray:
    """Counter-clockwise rotation of *vectors* by ``angle`` about axis 1, 2 or 3, ``(..., 3, 3)``."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    one, zero = np.ones_like(c), np.zeros_like(c)
    i, j = {1: (1, 2), 2: (2, 0), 3: (0, 1)}[axis]
    k = 3 - i - j
    m = np.empty(np.shape(c) + (3, 3))
    m[..., k, k], m[..., k, i], m[..., k, j], m[..., i, k], m[..., j, k] = one, zero, zero, zero, zero
    m[..., i, i], m[..., i, j], m[..., j, i], m[..., j, j] = c, -s, s, c
    return m


def _pa_to_me_matrix() -> np.ndarray:
    # SPICE TK "ANGLES" frames: r_tk = [a3]_ax3 [a2]_ax2 [a1]_ax1 r_relative, where [a]_k rotates the
    # frame by a (NAIF Frames Required Reading); checked in the tests against NAIF's own example
    # output printed in moon_080317.tf (Earth seen from the Moon in MOON_PA and MOON_ME).
    matrix = np.eye(3)
    for arcsec, axis in PA_TO_ME_ANGLES_ARCSEC:
        matrix = _axis_rotation(np.radians(arcsec / 3600.0), axis) @ matrix
    return matrix


#: ``r_me = PA_TO_ME @ r_pa`` (fixed in time).
PA_TO_ME = _pa_to_me_matrix()


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataNotFoundError(
            f"the Python package {package!r} (which ships {Path(relative).name}) is not installed",
            f"install it: pip install {package.replace('_', '-')}  (it is a dependency of lodestar)",
        )
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise DataNotFoundError(
            f"{path.name} not found inside the {package!r} package (looked for {path})",
            f"reinstall it: pip install --force-reinstall {package.replace('_', '-')}",
        )
    return path


@dataclass(frozen=True)
class LunarKernels:
    """The opened DE421 SPK and lunar PA binary PCK (read-only)."""

    spk_path: Path
    pck_path: Path
    spk: object
    pa_segment: object

    @classmethod
    def open(cls, spk_path=None, pck_path=None) -> "LunarKernels":
        spk_path = Path(spk_path) if spk_path else _package_file(_SPK_PACKAGE, _SPK_FILE)
        pck_path = Path(pck_path) if pck_path else _package_file(_PCK_PACKAGE, _PCK_FILE)
        for path in (spk_path, pck_path):
            if not path.is_file():
                raise DataNotFoundError(f"lunar kernel {path} not found")
        spk = SPK.open(str(spk_path))
        segments = [s for s in PCK.open(str(pck_path)).segments if s.body == _MOON_PA_FRAME_ID]
        if not segments:
            raise DataNotFoundError(f"{pck_path} has no Moon PA segment (body {_MOON_PA_FRAME_ID})")
        return cls(spk_path, pck_path, spk, segments[0])

    def _segment_position_km(self, center: int, target: int, tdb_s: np.ndarray) -> np.ndarray:
        whole = np.full_like(tdb_s, _JD_J2000)
        return np.asarray(self.spk[center, target].compute(whole, tdb_s / _DAY_S))

    def _segment_state(self, center: int, target: int, tdb_s: np.ndarray):
        whole = np.full_like(tdb_s, _JD_J2000)
        pos, vel_per_day = self.spk[center, target].compute_and_differentiate(whole, tdb_s / _DAY_S)
        return np.asarray(pos), np.asarray(vel_per_day) / _DAY_S


@functools.lru_cache(maxsize=1)
def kernels() -> LunarKernels:
    """The default kernels from the ``skyfield-data`` and ``lunarsky`` packages (opened once)."""
    return LunarKernels.open()


def tdb_seconds(t) -> np.ndarray:
    """TDB seconds since J2000 of a :class:`Time`, or the float array itself."""
    if isinstance(t, Time):
        return np.asarray(t.seconds_since_j2000("tdb"), dtype=float)
    return np.asarray(t, dtype=float)


def _flat(t):
    tdb = tdb_seconds(t)
    check_span(tdb)
    return tdb.reshape(-1), tdb.shape


def check_span(t) -> None:
    """Refuse instants outside the lunar kernels' coverage instead of jplephem's bare ValueError.

    The lunar orientation kernel (1900-01-01 to 2051-01-01 TDB) is the binding one: DE421's SPK
    spans 1899-07-29 to 2053-10-09. ``t``: a :class:`Time` or TDB seconds since J2000.
    """
    tdb = tdb_seconds(t)
    if tdb.size == 0:
        return
    segment = kernels().pa_segment
    low, high = segment.initial_second, segment.final_second
    if np.nanmin(tdb) < low or np.nanmax(tdb) > high:
        def utc(seconds):
            return Time.from_scale(J2000_TDB + np.timedelta64(int(seconds), "s"), "tdb").iso("utc")

        if isinstance(t, Time):
            iso = [str(v) for v in np.ravel(t.iso("utc"))]
            span = f"{min(iso)} – {max(iso)} UTC"
        else:  # raw seconds may lie beyond what datetime64[ns] can show
            span = f"{np.nanmin(tdb):.0f} – {np.nanmax(tdb):.0f} s TDB after J2000"
        raise LodestarError(
            f"the span {span} leaves the lunar kernels' coverage "
            f"({utc(low)} to {utc(high)} UTC); {kernels().pck_path.name} covers no other dates"
        )


def earth_position_m(t) -> np.ndarray:
    """Earth's centre relative to the Moon's centre, ICRF, metres, ``(..., 3)``."""
    tdb, shape = _flat(t)
    k = kernels()
    km = k._segment_position_km(3, 399, tdb) - k._segment_position_km(3, 301, tdb)
    return (km.T * 1000.0).reshape(shape + (3,))


def earth_state(t) -> tuple[np.ndarray, np.ndarray]:
    """Earth relative to the Moon, ICRF: position (m) and velocity (m/s), each ``(..., 3)``."""
    tdb, shape = _flat(t)
    k = kernels()
    pe, ve = k._segment_state(3, 399, tdb)
    pm, vm = k._segment_state(3, 301, tdb)
    return ((pe - pm).T * 1000.0).reshape(shape + (3,)), ((ve - vm).T * 1000.0).reshape(shape + (3,))


def sun_position_m(t) -> np.ndarray:
    """Sun's centre relative to the Moon's centre, ICRF, metres, ``(..., 3)``."""
    tdb, shape = _flat(t)
    k = kernels()
    moon = k._segment_position_km(0, 3, tdb) + k._segment_position_km(3, 301, tdb)
    km = k._segment_position_km(0, 10, tdb) - moon
    return (km.T * 1000.0).reshape(shape + (3,))


def _euler_matrix(phi, theta, psi) -> np.ndarray:
    # Binary PCK Euler angles (3-1-3): r_body = [psi]_3 [theta]_1 [phi]_3 r_icrf, frame rotations
    # (NAIF PCK Required Reading, "Orientation models using Euler angles").
    return _axis_rotation(-psi, 3) @ _axis_rotation(-theta, 1) @ _axis_rotation(-phi, 3)


def icrf_to_pa(t) -> np.ndarray:
    """Rotation ICRF -> Moon PA (DE421), ``(..., 3, 3)``: ``r_pa = M @ r_icrf``."""
    tdb, shape = _flat(t)
    phi, theta, psi = kernels().pa_segment.compute(np.full_like(tdb, _JD_J2000), tdb / _DAY_S, False)
    return _euler_matrix(phi, theta, psi).reshape(shape + (3, 3))


def icrf_to_pa_with_rate(t) -> tuple[np.ndarray, np.ndarray]:
    """``(M, dM/dt)`` of :func:`icrf_to_pa`; ``dM/dt`` in 1/s (for Moon-fixed velocities)."""
    tdb, shape = _flat(t)
    angles, rates = kernels().pa_segment.compute(np.full_like(tdb, _JD_J2000), tdb / _DAY_S, True)
    rates = np.asarray(rates)  # jplephem's PCK rates are already per second (Chebyshev interval in s)
    phi, theta, psi = angles
    r3psi, r1th, r3phi = _axis_rotation(-psi, 3), _axis_rotation(-theta, 1), _axis_rotation(-phi, 3)
    # d/da of the frame rotation [a]_k = -(d/dx rot_k)(-a); rot_k'(x) = rot_k(x) @ K_k (K skew).
    k1 = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    k3 = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    d3psi, d1th, d3phi = -(r3psi @ k3), -(r1th @ k1), -(r3phi @ k3)
    matrix = r3psi @ r1th @ r3phi
    rate = (rates[2][:, None, None] * (d3psi @ r1th @ r3phi)
            + rates[1][:, None, None] * (r3psi @ d1th @ r3phi)
            + rates[0][:, None, None] * (r3psi @ r1th @ d3phi))
    return matrix.reshape(shape + (3, 3)), rate.reshape(shape + (3, 3))


def icrf_to_me(t) -> np.ndarray:
    """Rotation ICRF -> Moon ME (DE421 mean Earth/polar axis), ``(..., 3, 3)``."""
    return PA_TO_ME @ icrf_to_pa(t)


def me_to_latlon(xyz_m, radius_m: float = MOON_RADIUS_M):
    """Moon-fixed ME vectors (m) -> planetocentric latitude, east longitude (deg, −180…180] and height (m)."""
    xyz = np.asarray(xyz_m, dtype=float)
    r = np.linalg.norm(xyz, axis=-1)
    lat = np.degrees(np.arcsin(np.clip(xyz[..., 2] / r, -1.0, 1.0)))
    lon = np.degrees(np.arctan2(xyz[..., 1], xyz[..., 0]))
    return lat, lon, r - radius_m


def latlon_to_me(lat_deg, lon_deg, height_m=0.0, radius_m: float = MOON_RADIUS_M) -> np.ndarray:
    """Planetocentric latitude, east longitude (deg) and height (m) -> Moon-fixed ME vector (m)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    r = radius_m + np.asarray(height_m, dtype=float)
    xyz = (r * np.cos(lat) * np.cos(lon), r * np.cos(lat) * np.sin(lon), r * np.sin(lat))
    return np.stack(np.broadcast_arrays(*xyz), axis=-1)


def great_circle_km(a_lat_lon_deg, b_lat_lon_deg) -> float:
    """Distance (km) between two (latitude, east longitude) points on the 1737.4 km lunar sphere."""
    a, b = latlon_to_me(*a_lat_lon_deg), latlon_to_me(*b_lat_lon_deg)
    return float(MOON_RADIUS_M / 1e3 * np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))
