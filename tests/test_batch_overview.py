"""The batch overview (report.network): one colour scale per quantity, co-located stations drawn
apart, integer columns as integers, gains on the epochs both solved. Synthetic summary tables, and
the batch task's rows from ESBC's first hour (esbc-2020-177)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def test_gains_use_the_epochs_both_solved_when_the_rows_carry_them():
    """Issue 15's fairness rule in the overview: the gain of R+C over R or C is the one measured on
    the epochs both solved (``rc_gain_common_*_pct`` of the R and C rows, written by the batch task),
    not a ratio of RMS (or median PDOP) over different epochs; rows without it (an older run) fall back."""
    table = _table(with_truth_for=("WTZR", "WTZZ"))
    table["rc_gain_common_rms3d_pct"] = np.nan
    table["rc_gain_common_pdop_pct"] = np.nan
    wtzr = (table["station"] == "WTZR") & table["systems"].isin(["R", "C"])
    table.loc[wtzr & (table["systems"] == "R"), "rc_gain_common_rms3d_pct"] = 41.0
    table.loc[wtzr & (table["systems"] == "C"), "rc_gain_common_rms3d_pct"] = -3.0
    esbc_c = (table["station"] == "ESBC") & (table["systems"] == "C")
    table.loc[esbc_c, "rc_gain_common_pdop_pct"] = 33.0
    gains = station_gains(table).set_index("station")
    assert gains.loc["WTZR", ["gain_over_R_pct", "gain_over_C_pct"]].tolist() == [41.0, -3.0]
    assert gains.loc["WTZZ", "gain_over_C_pct"] == 25.0  # fallback: (2.0 - 1.5) / 2.0 over different epochs
    assert gains.loc["ESBC", "metric"] == "pdop_median" and gains.loc["ESBC", "gain_over_C_pct"] == 33.0


def test_batch_rows_carry_the_common_epoch_gains(data):
    """The batch task's rows of R and C carry R+C's gain over them on the epochs both solved (compare's
    ``gains``), the figures ``lodestar compare`` prints; the R+C row itself has none."""
    from lodestar.analysis.compare import compare, improvement_table
    from lodestar.batch.discover import StationDay
    from lodestar.batch.tasks import _rows_from_result

    esbc = data / "esbc-2020-177"
    result = compare(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
                     esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz", truth=[3582104.768, 532590.174, 5232755.144], sets=("R", "C", "R+C"), masks=(10, 30))
    day = StationDay(station="ESBC", marker="ESBC00DNK", date="2020-06-25", obs="x", nav=())
    rows = pd.DataFrame(_rows_from_result(day, result.rows, "given", (55.5, 8.5), result.gains))
    table = improvement_table(result.rows, gains=result.gains).set_index(["mask_deg", "over"])
    for _, row in rows.iterrows():
        if row["systems"] == "R+C":
            assert np.isnan(row["rc_gain_common_rms3d_pct"]) and np.isnan(row["rc_gain_common_pdop_pct"])
            continue
        expected = table.loc[(row["mask_deg"], row["systems"])]
        assert row["rc_gain_common_rms3d_pct"] == pytest.approx(-expected["rms3d_change_pct"], nan_ok=True)
        assert row["rc_gain_common_pdop_pct"] == pytest.approx(-expected["pdop_median_change_pct"], nan_ok=True)
    assert np.isfinite(rows["rc_gain_common_rms3d_pct"]).sum() >= 2
