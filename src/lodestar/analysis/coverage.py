"""Global coverage of GLONASS, BeiDou and the pair, from broadcast ephemerides.

For every point of a latitude/longitude grid and every time step of a day: the satellites above
the elevation mask and the PDOP of each system set, then daily maps of the mean satellites in
view, the fraction of time with a solution (>= 4 satellites for one system, >= 5 for two systems
with an inter-system bias, non-singular geometry) and the mean PDOP over solved epochs. Beside
ours, the convention of the GLONASS (IAC) and BeiDou (test and assessment) monitoring centres:
the fraction of time with PDOP <= 6 at a 5° mask.

Geometry: satellite positions at the epoch (no light time, < 0.001° of elevation), each grid point
on the WGS-84 ellipsoid (height 0), elevation from the ellipsoidal up (as ``frames``).
The kernel is :mod:`._coverage_kernel` (numba); :func:`pdop_numpy` is the direct numpy
formulation kept to cross-check it and for the benchmark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import LodestarError, NoEphemerisError
from ..frames import ecef_to_geodetic, enu_matrix, geodetic_to_ecef
from ..orbits import BroadcastEphemeris
from ..output import atomic_path
from ..systems import SYSTEM_NAMES, SYSTEM_ORDER, format_system_set, parse_system_set
from ..time import Time
from . import _coverage_kernel as kernel

__all__ = [
    "CoverageMap", "coverage_map", "grid", "day_times", "satellite_positions",
    "point_series", "pdop_numpy", "MAP_SETS", "MONITOR_MASK_DEG", "MONITOR_PDOP_LIMIT",
    "STRONG_PDOP_LIMIT", "MANY_SATS", "EPHEMERIS_WARN_FRACTION", "ephemeris_coverage_warnings",
]

MAP_SETS = ("R", "C", "R+C")
#: IAC (GLONASS) and BeiDou monitoring-centre convention for "availability": PDOP <= 6 at 5°.
MONITOR_MASK_DEG = 5.0
MONITOR_PDOP_LIMIT = 6.0
#: Stricter figures mapped where a solution is available all day everywhere (issue 15): strong
#: geometry (PDOP <= 2) and many satellites (>= 10) at the map's mask.
STRONG_PDOP_LIMIT = 2.0
MANY_SATS = 10
#: Below this fraction of the day with a valid ephemeris, a system's maps undercount (said in warnings)
EPHEMERIS_WARN_FRACTION = 0.9


def ephemeris_coverage_warnings(fractions: dict, of_what: str, consequence: str) -> list[str]:
    """One warning naming the systems (``{letter: fraction}``) whose ephemerides serve under
    :data:`EPHEMERIS_WARN_FRACTION` (a single station's navigation file carries only what it tracked), or []."""
    short = {k: f for k, f in fractions.items() if f < EPHEMERIS_WARN_FRACTION}
    if not short:
        return []
    return ["ephemerides valid " + ", ".join(f"{100 * f:.0f} % {of_what} ({SYSTEM_NAMES[k]})" for k, f in short.items())
            + f": a single station's navigation file carries only the satellites it tracked, when it tracked them, "
              f"so {consequence}; use a merged multi-station file (e.g. IGS BRDC)"]


@dataclass(frozen=True)
class Grid:
    """Cell centres of a regular latitude/longitude grid, ECEF points and up vectors."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    points_m: np.ndarray  # (N, 3), N = lat x lon, latitude-major
    ups: np.ndarray  # (N, 3)

    @property
    def shape(self) -> tuple[int, int]:
        return self.lat_deg.size, self.lon_deg.size


def grid(step_deg: float = 1.0) -> Grid:
    """Cell centres every ``step_deg`` (1° -> 180 x 360 = 64,800 points) on the ellipsoid."""
    if not 0.05 <= step_deg <= 30 or abs(180 / step_deg - round(180 / step_deg)) > 1e-9:
        raise LodestarError(f"grid step {step_deg}° must divide 180° and lie in 0.05°..30°")
    lat = np.arange(-90 + step_deg / 2, 90, step_deg)
    lon = np.arange(-180 + step_deg / 2, 180, step_deg)
    return grid_at(lat, lon)


def grid_at(lat_deg, lon_deg) -> Grid:
    """A grid through the given latitudes and longitudes (degrees)."""
    lat, lon = np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float)
    lat2, lon2 = (a.ravel() for a in np.meshgrid(lat, lon, indexing="ij"))
    return Grid(lat, lon, *_surface_points(lat2, lon2))


def _surface_points(lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
    """ECEF points (N, 3) on the ellipsoid (height 0) and their ellipsoidal up vectors (N, 3), contiguous."""
    points = geodetic_to_ecef(lat_deg, lon_deg, 0.0)
    ups = enu_matrix(lat_deg, lon_deg)[:, 2, :]
    return np.ascontiguousarray(points), np.ascontiguousarray(ups)


def day_times(date: str, step_s: float = 300.0) -> Time:
    """Epochs of one GPS-time day from 00:00 every ``step_s`` seconds."""
    if not 1 <= step_s <= 86400:
        raise LodestarError(f"time step {step_s} s must lie in 1..86400 s")
    try:
        start = np.datetime64(date, "D").astype("datetime64[ns]")
    except ValueError:
        raise LodestarError(f"date {date!r} is not YYYY-MM-DD") from None
    offsets = np.arange(0, 86400, step_s) * 1e9
    return Time(start + offsets.astype("timedelta64[ns]"))


def nav_date(nav) -> str:
    """The day (GPST) holding most navigation records: the natural default ``--date``."""
    tocs = np.concatenate([table["toc"].to_numpy() for table in nav.records.values() if len(table)])
    if tocs.size == 0:
        raise NoEphemerisError(f"{nav.path}: no navigation records, so no day to map")
    days, counts = np.unique(tocs.astype("datetime64[D]"), return_counts=True)
    return str(days[np.argmax(counts)])


def satellite_positions(nav, times: Time, systems=("R", "C"), ephemeris=None):
    """ECEF positions (T, S, 3), valid (T, S) and sv names (S,) of every satellite of ``systems``."""

    svs = sorted(
        {str(sv) for letter in systems for sv in nav.records.get(letter, pd.DataFrame({"sv": []}))["sv"]},
        key=lambda sv: (SYSTEM_ORDER.index(sv[0]), sv),
    )
    if not svs:
        raise NoEphemerisError(f"{nav.path}: no navigation records for {format_system_set(systems)}")
    eph = ephemeris or BroadcastEphemeris(nav)
    states = eph.states(times, np.array(svs))
    position = np.ascontiguousarray(states.position_m, dtype=float)
    valid = np.ascontiguousarray(states.valid & np.isfinite(position).all(axis=-1))
    return np.nan_to_num(position), valid, np.array(svs)


def _set_codes(sets, letters):
    bits = []
    for name in sets:
        members = parse_system_set(name)
        missing = [m for m in members if m not in letters]
        if missing:
            raise LodestarError(f"set {name} uses {','.join(missing)}, not among mapped systems {letters}")
        bits.append(sum(1 << letters.index(m) for m in members))
    return np.array(bits, dtype=np.int64)


def _system_index(svs, letters):
    return np.array([letters.index(sv[0]) if sv[0] in letters else -1 for sv in svs], dtype=np.int64)


def _sin_masks(masks_deg):
    return np.sin(np.radians(np.asarray(masks_deg, dtype=float)))


@dataclass(frozen=True)
class CoverageMap:
    """Daily coverage maps: ``dataset`` has dims (systems, lat, lon) and the variables
    ``mean_sats``, ``mean_pdop``, ``median_pdop``, ``availability``, ``pdop6_availability``
    (monitoring convention)."""

    dataset: xr.Dataset

    @property
    def sets(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.dataset["systems"].values)

    def global_stats(self) -> dict:
        """Area-weighted global means per set (cell area is proportional to cos(latitude))."""
        ds = self.dataset
        weight = np.cos(np.radians(ds["lat"])) * xr.ones_like(ds["lon"])
        stats = {}
        for name in self.sets:
            cell = ds.sel(systems=name)
            solved = cell["solved_epochs"]
            stats[name] = {
                "mean_sats": float(cell["mean_sats"].weighted(weight).mean()),
                # PDOP averaged over every solved point-epoch, each weighted by its cell's area
                "mean_pdop": float((cell["mean_pdop"].fillna(0) * solved * weight).sum()
                                   / (solved * weight).sum()),
                "availability": float(cell["availability"].weighted(weight).mean()),
                "pdop6_availability": float(cell["pdop6_availability"].weighted(weight).mean()),
            }
        return stats

    def ephemeris_coverage(self) -> dict:
        """``{system: {"satellites": n, "valid_fraction": f}}``: how much of the day the ephemerides serve."""
        return json.loads(self.dataset.attrs.get("satellites", "{}"))

    def warnings(self) -> list[str]:
        """What makes the maps undercount: ephemerides valid for less than :data:`EPHEMERIS_WARN_FRACTION` of
        the day (a single station's navigation file carries only what it tracked, when it tracked it)."""
        fractions = {k: v["valid_fraction"] for k, v in self.ephemeris_coverage().items()}
        return ephemeris_coverage_warnings(fractions, "of the day", "the maps undercount")

    def to_json(self) -> dict:
        attrs = self.dataset.attrs
        return {"date": attrs["date"], "mask_deg": attrs["mask_deg"], "grid_deg": attrs["grid_deg"],
                "step_s": attrs["step_s"], "sets": self.global_stats(),
                "ephemeris_coverage": self.ephemeris_coverage(), "warnings": self.warnings()}

    def to_netcdf(self, path) -> None:
        ds = self.dataset.drop_vars("solved_epochs")  # mean_sats, mean_pdop, median_pdop, availability, ...
        ds = ds.assign_coords(systems=ds["systems"].astype(str))
        with atomic_path(path) as tmp:
            ds.to_netcdf(tmp)


def coverage_map(nav, *, date: str | None = None, mask_deg: float = 10.0, grid_deg: float = 1.0,
                 step_s: float = 300.0, sets=MAP_SETS, chunk_points: int = 8100, progress=None,
                 ephemeris=None) -> CoverageMap:
    """Daily coverage maps of ``sets`` from navigation data ``nav`` (a ``NavData``).

    ``progress``: optional callable ``progress(done_points, total_points)`` for a progress bar.
    Memory stays bounded: the orbits of the day are small ((T, S, 3) floats, 0.5 MB at 5 min) and
    are computed once; the grid is processed ``chunk_points`` points at a time, each point's day
    in one pass (so its median PDOP is exact), and only per-point daily figures are kept.
    """
    if not 0 <= mask_deg < 90:
        raise LodestarError(f"elevation mask {mask_deg}° must lie in 0..90°")
    sets = tuple(format_system_set(s) for s in sets)
    letters = parse_system_set("+".join(sets))  # every system of the sets, in canonical order
    date = date or nav_date(nav)
    times, cells = day_times(date, step_s), grid(grid_deg)
    set_bits, masks = _set_codes(sets, letters), _sin_masks([mask_deg, MONITOR_MASK_DEG])
    n_epochs, n_points = times.gpst.size, cells.points_m.shape[0]
    position, valid, svs = satellite_positions(nav, times, letters, ephemeris)
    system_of = _system_index(svs, letters)
    parts = []
    for start in range(0, n_points, chunk_points):
        chunk = slice(start, start + chunk_points)
        parts.append(kernel.daily_sums(cells.points_m[chunk], cells.ups[chunk], position, valid, system_of,
                                       len(letters), masks, set_bits, MONITOR_PDOP_LIMIT, STRONG_PDOP_LIMIT,
                                       MANY_SATS))
        if progress:
            progress(min(start + chunk_points, n_points), n_points)
    sums = [np.concatenate(arrays, axis=-1) for arrays in zip(*parts)]
    ds = _maps_dataset(sums, n_epochs, cells, sets, date, mask_deg, grid_deg, step_s)
    ds.attrs["satellites"] = json.dumps(_ephemeris_coverage(valid, svs, letters))
    return CoverageMap(ds)


def _ephemeris_coverage(valid, svs, letters) -> dict:
    """Per system: satellites with records, and the fraction of the day their ephemerides are valid."""
    out = {}
    for letter in letters:
        columns = np.array([sv[0] == letter for sv in svs])
        out[letter] = {"satellites": int(columns.sum()),
                       "valid_fraction": float(valid[:, columns].mean()) if columns.any() else 0.0}
    return out


def _maps_dataset(sums, n_epochs, cells, sets, date, mask_deg, grid_deg, step_s) -> xr.Dataset:
    sats_sum, solved, pdop_sum, pdop_ok, median_pdop, strong, many = sums
    shape = (len(sets), *cells.shape)

    def as_map(values):
        return (("systems", "lat", "lon"), values.reshape(shape))

    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pdop = np.where(solved[0] > 0, pdop_sum[0] / solved[0], np.nan)
    ds = xr.Dataset(
        {
            "mean_sats": as_map(sats_sum[0] / n_epochs),
            "mean_pdop": as_map(mean_pdop),
            "median_pdop": as_map(median_pdop),
            "availability": as_map(solved[0] / n_epochs),
            "pdop6_availability": as_map(pdop_ok[1] / n_epochs),
            "strong_pdop_fraction": as_map(strong / n_epochs),
            "many_sats_fraction": as_map(many / n_epochs),
            "solved_epochs": as_map(solved[0]),
        },
        coords={"systems": list(sets), "lat": cells.lat_deg, "lon": cells.lon_deg},
        attrs={"date": date, "mask_deg": float(mask_deg), "grid_deg": float(grid_deg), "step_s": float(step_s),
               "epochs": int(n_epochs), "monitor_mask_deg": MONITOR_MASK_DEG,
               "monitor_pdop_limit": MONITOR_PDOP_LIMIT, "time_scale": "GPST"},
    )
    ds["mean_sats"].attrs = {"units": "1", "long_name": f"mean satellites above {mask_deg:g}°"}
    ds["mean_pdop"].attrs = {"units": "1", "long_name": "mean PDOP over epochs with a solution"}
    ds["median_pdop"].attrs = {"units": "1", "long_name": "median PDOP over epochs with a solution"}
    ds["availability"].attrs = {"units": "1", "long_name": "fraction of epochs with a solution"}
    ds["pdop6_availability"].attrs = {
        "units": "1", "long_name": f"fraction of epochs with PDOP <= {MONITOR_PDOP_LIMIT:g} at {MONITOR_MASK_DEG:g}°"}
    ds["strong_pdop_fraction"].attrs = {
        "units": "1", "long_name": f"fraction of epochs with PDOP <= {STRONG_PDOP_LIMIT:g} at {mask_deg:g}°"}
    ds["many_sats_fraction"].attrs = {
        "units": "1", "long_name": f"fraction of epochs with >= {MANY_SATS} satellites above {mask_deg:g}°"}
    ds["lat"].attrs = {"units": "degrees_north"}
    ds["lon"].attrs = {"units": "degrees_east"}
    return ds


def point_series(nav, lat_deg, lon_deg, times: Time, *, mask_deg: float = 10.0, sets=MAP_SETS,
                 ephemeris=None) -> xr.Dataset:
    """Satellites above the mask and PDOP per epoch at single points (the map's own kernel).

    Returns ``n_sats`` and ``pdop`` with dims (time, point, systems).
    """
    sets = tuple(format_system_set(s) for s in sets)
    letters = parse_system_set("+".join(sets))  # every system of the sets, in canonical order
    lat, lon = np.atleast_1d(lat_deg).astype(float), np.atleast_1d(lon_deg).astype(float)
    points, ups = _surface_points(lat, lon)
    position, valid, svs = satellite_positions(nav, times, letters, ephemeris)
    counts, pdops = kernel.epoch_series(points, ups, position, valid,
                                        _system_index(svs, letters), len(letters),
                                        _sin_masks([mask_deg]), _set_codes(sets, letters))
    dims = ("time", "point", "systems")
    return xr.Dataset({"n_sats": (dims, counts[:, :, 0, :]), "pdop": (dims, pdops[:, :, 0, :])},
                      coords={"time": times.gpst, "systems": list(sets), "lat": ("point", lat),
                              "lon": ("point", lon)})


def pdop_numpy(points, sat, valid, system_of, n_systems, mask_deg, set_bits):
    """Direct numpy PDOP and counts, (T, N, Q): per epoch, design matrices and batched inverses.

    The straightforward formulation (about 20x slower than the kernel); an independent check.
    """
    points = np.asarray(points, dtype=float)
    lat, lon, _ = ecef_to_geodetic(points)
    lat_up = enu_matrix(lat, lon)[:, 2, :]
    n_epochs, n_points, n_sets = sat.shape[0], points.shape[0], len(set_bits)
    pdop = np.full((n_epochs, n_points, n_sets), np.nan)
    counts = np.zeros((n_epochs, n_points, n_sets), dtype=int)
    sin_mask = np.sin(np.radians(mask_deg))
    for t in range(n_epochs):
        los = sat[t][None, :, :] - points[:, None, :]  # (N, S, 3)
        unit = los / np.linalg.norm(los, axis=-1, keepdims=True)
        above = (np.einsum("nsk,nk->ns", unit, lat_up) >= sin_mask) & valid[t][None, :] & (system_of >= 0)
        for q, bits in enumerate(set_bits):
            members = [k for k in range(n_systems) if (bits >> k) & 1]
            use = above & np.isin(system_of, members)[None, :]
            counts[t, :, q] = use.sum(axis=1)
            pdop[t, :, q] = _pdop_from_design(unit, use, system_of, members)
    return pdop, counts


def _pdop_from_design(unit, use, system_of, members):
    """PDOP from full normal matrices [u, one clock column per system in view] (N, S, 3+m)."""
    in_view = np.stack([(use & (system_of == k)[None, :]).any(axis=1) for k in members], axis=1)
    clocks = np.stack([(system_of == k).astype(float) for k in members], axis=1)  # (S, m)
    design = np.concatenate([unit, np.broadcast_to(clocks, unit.shape[:2] + clocks.shape[1:])], axis=2)
    design = design * use[:, :, None]
    normal = np.einsum("nsi,nsj->nij", design, design)
    # a system with no satellite in view has no clock unknown: pin it with an identity row
    idx = np.arange(len(members)) + 3
    normal[:, idx, idx] += ~in_view
    need = 3 + in_view.sum(axis=1)
    ok = (use.sum(axis=1) >= need) & (np.linalg.det(normal) > 1e-10)
    result = np.full(unit.shape[0], np.nan)
    if ok.any():
        cov = np.linalg.inv(normal[ok])
        result[ok] = np.sqrt(np.trace(cov[:, :3, :3], axis1=1, axis2=2))
    return result
