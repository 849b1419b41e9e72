"""The overview of ``lodestar batch --ppp``: the network's daily coordinates, their time series and the ZTD.

Input: the tables :func:`lodestar.batch.tasks.write_ppp_series` writes (``ppp_coordinates``: one row
per station-day and set, ``ppp_ztd``: the zenith total delay per epoch). What a geodesist looks at
first: per station, the daily east / north / up position of each system set with its formal 1-sigma
(against the SINEX truth when there is one, else against the station's mean over its sets and days),
then the table, then each station's ZTD over the day per set. Plots are embedded PNGs
(``report.html``): nothing is fetched.
"""

from __future__ import annotations

import pandas as pd

from ..frames import ecef_to_enu
from .figures import subplots
from .html import HtmlReport
from .plots import set_colour, set_label, time_axis

__all__ = ["ppp_overview", "write_ppp_overview"]

_MM = 1000.0


def write_ppp_overview(path, coordinates: pd.DataFrame, ztd: pd.DataFrame | None = None) -> None:
    ppp_overview(coordinates, ztd).write(path)


def ppp_overview(coordinates: pd.DataFrame, ztd: pd.DataFrame | None = None) -> HtmlReport:
    """The HTML overview of a PPP batch (``coordinates``: ``ppp_coordinates`` rows; ``ztd``: ``ppp_ztd``)."""
    report = HtmlReport("Lodestar batch: static PPP over the network")
    ok = coordinates[coordinates["status"] == "ok"]
    days = coordinates[["station", "date"]].drop_duplicates()
    report.paragraph(f"{len(days)} station-days, {coordinates['station'].nunique()} stations, sets "
                     f"{', '.join(sorted(coordinates['systems'].unique(), key=_set_order))}: {len(ok)} daily "
                     f"coordinates, {int((coordinates['status'] != 'ok').sum())} failed. Static float PPP per "
                     "station-day; each coordinate is the marker at the day's last epoch with its formal sigma.")
    if len(ok):
        report.heading("Coordinate time series")
        report.figure(_series_figure(ok),
                      "East, north and up of the daily coordinates, mm, per station (rows) and set (colours): the "
                      "error against the SINEX truth where the station has one (titles say \"error\"), else the "
                      "offset from the station's mean over its sets and days (\"offset\"); bars: the formal "
                      "1-sigma. Sets of one day are drawn side by side.")
    report.heading("Daily coordinates")
    report.table(_display(coordinates), float_format="{:.1f}",
                 caption="Sigmas and errors in mm; height above the WGS-84 ellipsoid and ZTD in m. Every column, "
                         "in metres, is in ppp_coordinates.csv.")
    if ztd is not None and len(ztd):
        report.heading("Zenith total delay")
        report.figure(_ztd_figure(ztd), "Estimated zenith total delay per epoch, per station and set (static PPP).")
    return report


def _set_order(name: str) -> tuple:
    return (name.count("+"), name)


def _display(coordinates: pd.DataFrame) -> pd.DataFrame:
    """The table: counts as integers, sigmas and errors in mm, the height and ZTD to the millimetre."""
    rows = pd.DataFrame({"station": coordinates["station"],
                         "date": coordinates["date"].astype(str).str.replace("-", "\u2011"),  # no-break hyphens
                         "set": coordinates["systems"], "status": coordinates["status"],
                         "epochs solved": [None if pd.isna(v) else int(v) for v in coordinates["epochs_solved"]]})
    rows["height (m)"] = _to_mm_text(coordinates["height_m"])
    for axis in ("e", "n", "u"):
        rows[f"σ{axis.upper()} (mm)"] = _MM * pd.to_numeric(coordinates[f"sd{axis}_m"], errors="coerce")
    rows["ZTD mean (m)"] = _to_mm_text(coordinates["ztd_mean_m"])
    if coordinates["error_3d_m"].notna().any():
        for axis, name in (("e", "E"), ("n", "N"), ("u", "U"), ("3d", "3D")):
            rows[f"error {name} (mm)"] = _MM * pd.to_numeric(coordinates[f"error_{axis}_m"], errors="coerce")
    reasons = coordinates["reason"].fillna("").astype(str)
    if reasons.str.strip().any():
        rows["reason"] = reasons
    return rows.reset_index(drop=True)


def _to_mm_text(metres: pd.Series) -> list:
    """Metres written to the millimetre (the table's float format is for mm columns), None where missing."""
    return [None if pd.isna(v) else f"{float(v):.4f}" for v in metres]


def _offsets_mm(ok: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """E/N/U in mm per row, and per station whether they are errors against its truth (else offsets from the
    station's mean position over its sets and days)."""
    out = pd.DataFrame(index=ok.index, columns=["e", "n", "u"], dtype=float)
    with_truth = {}
    for station, rows in ok.groupby("station"):
        with_truth[station] = bool(rows["error_3d_m"].notna().all())
        if with_truth[station]:
            out.loc[rows.index] = _MM * rows[["error_e_m", "error_n_m", "error_u_m"]].to_numpy(float)
            continue
        xyz = rows[["x_m", "y_m", "z_m"]].to_numpy(float)
        enu = ecef_to_enu(xyz - xyz.mean(axis=0), rows["lat_deg"].mean(), rows["lon_deg"].mean())
        out.loc[rows.index] = _MM * enu
    return out, with_truth


def _series_figure(ok: pd.DataFrame):
    """Rows: stations; columns: east, north, up; one colour per set, x the day, error bars the 1-sigma."""
    import matplotlib.dates as mdates

    stations = sorted(ok["station"].unique())
    sets = sorted(ok["systems"].unique(), key=_set_order)
    offsets, with_truth = _offsets_mm(ok)
    dates = pd.to_datetime(ok["date"])
    span_days = max((dates.max() - dates.min()).days, 1)
    shift = {s: (k - (len(sets) - 1) / 2) * 0.08 * span_days for k, s in enumerate(sets)}  # sets side by side
    pad = pd.Timedelta(days=max(0.6, 0.05 * span_days))  # a single day still reads as a day, not as hours
    fig, axes = subplots(len(stations), 3, figsize=(11, 2.6 * len(stations) + 0.8), squeeze=False,
                         constrained_layout=True)
    for row, station in zip(axes, stations):
        here = ok["station"] == station
        for ax, axis, name in zip(row, ("e", "n", "u"), ("east", "north", "up")):
            for system_set in sets:
                pick = here & (ok["systems"] == system_set)
                if not pick.any():
                    continue
                x = dates[pick] + pd.to_timedelta(shift[system_set], unit="D")
                ax.errorbar(x, offsets.loc[pick, axis], yerr=_MM * ok.loc[pick, f"sd{axis}_m"].astype(float),
                            fmt="o", ms=4, capsize=3, color=set_colour(system_set), label=set_label(system_set))
            ax.axhline(0.0, color="0.5", lw=0.6)
            ax.set_title(f"{station}: {name} {'error' if with_truth[station] else 'offset'}", fontsize=10)
            ax.set_ylabel("mm")
            ax.grid(True, alpha=0.3)
            ax.set_xlim(dates.min() - pad, dates.max() + pad)
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=1, maxticks=6))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
            ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), fontsize=8, frameon=False)
    first, last = ok["date"].min(), ok["date"].max()
    fig.suptitle("Daily PPP coordinates, " + (first if first == last else f"{first} to {last}"))
    return fig


def _ztd_figure(ztd: pd.DataFrame):
    """One panel per station: ZTD (m) against GPS time, one line per set."""
    stations = sorted(ztd["station"].unique())
    fig, axes = subplots(len(stations), 1, figsize=(10, 2.6 * len(stations) + 0.6), squeeze=False,
                         constrained_layout=True)
    for (ax,), station in zip(axes, stations):
        here = ztd[ztd["station"] == station]
        for system_set in sorted(here["systems"].unique(), key=_set_order):
            rows = here[here["systems"] == system_set].sort_values("time_gps")
            ax.plot(rows["time_gps"].to_numpy("datetime64[ns]"), rows["ztd_m"], lw=1.0, color=set_colour(system_set),
                    label=set_label(system_set))
        time_axis(ax, here["time_gps"].to_numpy("datetime64[ns]"))
        ax.set_ylabel("ZTD (m)")
        ax.set_title(station, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return fig
