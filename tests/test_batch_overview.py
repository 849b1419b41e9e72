"""The batch overview (report.network): one colour scale per quantity, co-located stations drawn
apart, integer columns as integers. Synthetic summary tables: no data folder needed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lodestar.analysis.network import station_gains
from lodestar.batch.summary import ROW_COLUMNS
from lodestar.report import network

WETTZELL = (49.144, 12.879)  # WTZR and WTZZ share the site


def _rows(station, lat, lon, rms=None):
    rows = []
    for systems, pdop in (("R", 2.0), ("C", 1.8), ("R+C", 1.3)):
        rows.append({"station": station, "marker": station + "00XXX", "date": "2020-06-25", "systems": systems,
                     "mask_deg": 10.0, "status": "ok", "epochs": 120.0, "epochs_solved": 120.0,
                     "pdop_median": pdop, "rms3d_m": None if rms is None else rms[systems], "lat_deg": lat,
                     "lon_deg": lon, "error": ""})
    return rows


def _table(with_truth_for=("WTZR",)):
    rms = {"R": 3.0, "C": 2.0, "R+C": 1.5}
    rows = (_rows("ESBC", 55.49, 8.46) + _rows("WTZR", *WETTZELL, rms if "WTZR" in with_truth_for else None)
            + _rows("WTZZ", *WETTZELL, rms if "WTZZ" in with_truth_for else None))
    return pd.DataFrame(rows).reindex(columns=ROW_COLUMNS)


def test_each_metric_gets_its_own_row_and_colour_scale():
    gains = station_gains(_table())
    assert set(gains["metric"]) == {"rms3d_m", "pdop_median"}
    fig = network._gain_map(gains)
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 2  # one per quantity, shared by the two panels of its row
    labels = sorted(bar.get_ylabel() for bar in colour_bars)
    assert "3D RMS" in labels[0] and "PDOP" in labels[1]


def test_co_located_stations_are_drawn_apart():
    extent = (0.0, 20.0, 40.0, 65.0)
    lon, lat = network._spread_apart([12.879, 12.879, 8.46], [49.144, 49.144, 55.49], extent)
    assert np.hypot(lon[0] - lon[1], lat[0] - lat[1]) > 0.5  # degrees: visibly apart on a 25° map
    assert (lon[2], lat[2]) == (8.46, 55.49)  # a lone station stays where it is
    assert abs(np.mean(lon[:2]) - 12.879) < 1e-9  # drawn around their shared place


def test_overview_writes_counts_as_integers(tmp_path):
    path = tmp_path / "overview.html"
    network.write_overview(path, _table(with_truth_for=("WTZR", "WTZZ")))
    html = path.read_text()
    assert "<td>120</td>" in html and "120.00" not in html
    assert "<td>10</td>" in html  # the mask as written
    assert "<th>error</th>" not in html  # no station-day failed: no empty error column
