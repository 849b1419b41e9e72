"""The compare report (issue 15): every mask's time series, system names, no empty note column,
RTKLIB's .pos solutions read (xyz and llh), reduced to the marker and drawn beside ours."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lodestar.analysis.rtklib import match_pos_files, rtklib_table
from lodestar.cli import main
from lodestar.errors import FormatError, LodestarError
from lodestar.frames import ecef_to_geodetic
from lodestar.io import read
from lodestar.io.rtklib_pos import read_rtklib_pos, reduce_to_marker
from reference import ESBC_ITRF2014_TRUTH, ESBC_ITRF2014_XYZ

HOUR = "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
POS = "rtklib/ESBC_2020177_spp_{}.pos"
ESBC_DELTA_HEN_M = (0.2160, 0.0, 0.0)  # ESBC header, ANTENNA: DELTA H/E/N


def _llh_copy(esbc, tmp_path):
    """The R+C file rewritten in RTKLIB's llh layout (outpos, solution.c: deg, ellipsoidal height)."""
    xyz = read_rtklib_pos(esbc / POS.format("R+C"))
    lat, lon, height = ecef_to_geodetic(np.stack([xyz[c].values for c in ("x_m", "y_m", "z_m")], axis=-1))
    stamps = np.datetime_as_string(xyz["time"].values, unit="ms")
    lines = ["% program   : RTKLIB ver.2.4.3",
             "%  GPST                  latitude(deg) longitude(deg)  height(m)   Q  ns   sdn(m)   sde(m)   sdu(m)"]
    for t, la, lo, h, ns in zip(stamps, lat, lon, height, xyz["n_sats"].values):
        lines.append(f"{t[:10].replace('-', '/')} {t[11:]}  {la:14.9f} {lo:14.9f} {h:10.4f}   5 {ns:3d}"
                     "   1.0000   1.0000   1.0000")
    path = tmp_path / "esbc_llh_R+C.pos"
    path.write_text("\n".join(lines) + "\n")
    return xyz, path


def test_rtklib_pos_reads_in_xyz_and_llh(esbc, tmp_path):
    xyz, path = _llh_copy(esbc, tmp_path)
    assert xyz.sizes["time"] == 2880 and xyz.attrs["layout"] == "xyz"
    # first line of the file: 2020/06/25 00:00:00.000 3582104.0707 532589.8660 5232754.9917 (R+C)
    llh = read(path)  # io.read knows the format
    assert llh.attrs["layout"] == "llh"
    np.testing.assert_array_equal(llh["time"].values, xyz["time"].values)
    gap = np.hypot(llh["x_m"].values - xyz["x_m"].values, llh["z_m"].values - xyz["z_m"].values)
    assert gap.max() < 1e-3  # 1e-9 deg and 0.1 mm of the llh text: sub-millimetre


def test_rtklib_pos_refuses_what_it_cannot_read(tmp_path):
    path = tmp_path / "x.pos"
    path.write_text("% program   : RTKLIB ver.2.4.3\n%  GPST   latitude(d'\") longitude(d'\") height(m)\n")
    with pytest.raises(FormatError, match="degrees"):
        read_rtklib_pos(path)
    path.write_text("% program   : RTKLIB ver.2.4.3\n%  GPST   x-ecef(m)  y-ecef(m)  z-ecef(m)  Q  ns\n2020/06/25 00:00:00.000 1 2\n")
    with pytest.raises(FormatError, match="line 3"):
        read_rtklib_pos(path)


def test_arp_is_moved_down_to_the_marker(esbc):
    arp = read_rtklib_pos(esbc / POS.format("C"))
    marker = reduce_to_marker(arp, ESBC_DELTA_HEN_M)
    xyz = lambda ds: np.stack([ds[c].values for c in ("x_m", "y_m", "z_m")], axis=-1)  # noqa: E731
    _, _, h_arp = ecef_to_geodetic(xyz(arp))
    _, _, h_marker = ecef_to_geodetic(xyz(marker))
    np.testing.assert_allclose(h_arp - h_marker, 0.2160, atol=1e-6)  # straight down by the antenna height
    assert np.linalg.norm(xyz(arp) - xyz(marker), axis=1).max() == pytest.approx(0.2160, abs=1e-6)


def test_pos_files_match_their_sets_by_name_or_by_prefix(esbc):
    sets = ("R", "C", "R+C", "G+R+E+C")
    files = [str(esbc / POS.format(s)) for s in ("R", "R+C", "G+R+E+C")]
    matched = match_pos_files(files + [f"C={esbc / 'rtklib' / 'any.pos'}"], sets)
    assert {k: v.name for k, v in matched.items()} == {
        "R": "ESBC_2020177_spp_R.pos", "R+C": "ESBC_2020177_spp_R+C.pos",
        "G+R+E+C": "ESBC_2020177_spp_G+R+E+C.pos", "C": "any.pos"}
    with pytest.raises(LodestarError, match="SET=FILE"):
        match_pos_files([str(esbc / "rtklib" / "spp.conf")], sets)
    with pytest.raises(LodestarError, match="two files"):
        match_pos_files(files[:1] * 2, sets)
    # rtklib/*.pos with fewer --sets: the file names a set, just not a compared one (the message said
    # "no system set in the file name")
    with pytest.raises(LodestarError, match=r"names the set G\+R\+E\+C, which is not compared .*--sets"):
        match_pos_files(files, ("R", "C", "R+C"))


@pytest.fixture(scope="module")
def report_run(esbc, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "esbc.html"
    code = main(["compare", str(esbc / HOUR), "--nav", str(esbc / NAV), "--truth", ESBC_ITRF2014_TRUTH,
                 "--no-progress", "--out", str(out), "--json", str(out.with_suffix(".json")),
                 "--rtklib-pos", str(esbc / POS.format("R+C")), f"C={esbc / POS.format('C')}"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def report_html(report_run):
    return report_run.read_text()


def test_rtklib_figures_are_in_the_json_too(esbc, report_run):
    """The "Beside RTKLIB" table was in the HTML only: --json has it (snake_case keys), the terminal prints it.
    Independent figure: RTKLIB's R+C over the hour read with numpy, ARP -> marker by 0.216 m up (as below)."""
    import json

    rows = {row["set"]: row for row in json.loads(report_run.with_suffix(".json").read_text())["rtklib"]}
    assert set(rows) == {"C", "R+C"} and rows["R+C"]["epochs_both_solved"] == 120
    xyz = np.loadtxt(esbc / POS.format("R+C"), comments="%", usecols=(2, 3, 4))[:120]
    up = np.array(ESBC_ITRF2014_XYZ) / np.linalg.norm(ESBC_ITRF2014_XYZ)
    rms = np.sqrt(np.mean(np.sum((xyz - 0.2160 * up - np.array(ESBC_ITRF2014_XYZ)) ** 2, axis=1)))
    assert rows["R+C"]["rtklib_rms_3d_m"] == pytest.approx(rms, abs=0.01)


def test_report_has_time_series_at_every_mask(report_html):
    for mask in (10, 20, 30, 40):
        assert re.search(rf"Over the [^<]* at a {mask}° mask", report_html)
    # the note column is there for the sets that solved nothing (GLONASS alone at 40° in this hour: why), never
    # empty (it was, when no set was skipped)
    assert ">note<" in report_html and "<td class=\"t\">no epoch solved: " in report_html
    # "120/120 (100.0 %)" may wrap in its narrow column, never between the figure and its unit
    assert re.search(r"<td>120/120 \(100\.0(\u00a0|&nbsp;|&#160;)%\)</td>", report_html)


def test_report_puts_rtklib_beside_ours_on_the_same_epochs_and_truth(esbc, report_html):
    assert "Beside RTKLIB" in report_html
    # independent figure: RTKLIB's R+C over the hour, read with numpy, ARP -> marker by 0.216 m up
    xyz = np.loadtxt(esbc / POS.format("R+C"), comments="%", usecols=(2, 3, 4))[:120]
    up = np.array(ESBC_ITRF2014_XYZ) / np.linalg.norm(ESBC_ITRF2014_XYZ)  # radial, not the ellipsoid normal: < 1 mm apart over 0.216 m
    error = xyz - 0.2160 * up - np.array(ESBC_ITRF2014_XYZ)
    rms = np.sqrt(np.mean(np.sum(error**2, axis=1)))
    row = re.search(r"<tr><td>R\+C</td><td>(\d+)</td><td>\d+</td>(?:<td>[\d.]+</td>){3}<td>([\d.]+)</td>",
                    report_html)
    assert row and int(row.group(1)) == 120
    assert float(row.group(2)) == pytest.approx(rms, abs=0.01)


def test_rtklib_option_needs_a_report_and_a_truth(esbc, capsys):
    assert main(["compare", str(esbc / HOUR), "--nav", str(esbc / NAV), "--truth", ESBC_ITRF2014_TRUTH,
                 "--rtklib-pos", str(esbc / POS.format("C"))]) != 0
    assert "--out" in capsys.readouterr().err


def test_rtklib_table_is_empty_without_common_sets():
    assert rtklib_table({}, {}, ESBC_ITRF2014_XYZ).empty


# --- the figures themselves (issue 15: span, legends, PDOP ticks) -------------------------------------

def _quarter_hour_at_noon():
    """A 15-minute 1 s file at 12:00 (like TLSE's), which used to be a sliver on a whole-day axis."""
    times = np.datetime64("2024-01-01T12:00:00", "ns") + np.arange(900) * np.timedelta64(1, "s")
    rng = np.random.default_rng(15)
    series = {name: (np.full(900, n, float), p + 0.05 * rng.random(900))
              for name, n, p in (("R", 8, 1.8), ("C", 10, 1.9), ("R+C", 18, 1.26))}
    errors = {name: tuple(rng.normal(0, 1, 900) for _ in range(3)) for name in series}
    return times, series, errors


def test_time_axis_spans_the_data_not_the_day():
    from matplotlib.dates import num2date

    from lodestar.report.plots import day_panels

    times, series, errors = _quarter_hour_at_noon()
    fig = day_panels(times, series, errors, "TLSE 15 min")
    left, right = (np.datetime64(num2date(v).replace(tzinfo=None), "ns") for v in fig.axes[-1].get_xlim())
    span = times[-1] - times[0]
    assert times[0] - span * 0.02 <= left <= times[0] and times[-1] <= right <= times[-1] + span * 0.02


def test_legends_name_the_systems():
    from lodestar.report.plots import day_panels, horizontal_scatter, set_label

    times, series, errors = _quarter_hour_at_noon()
    fig = day_panels(times, series, errors, "x")
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert labels == ["R (GLONASS)", "C (BeiDou)", "R+C (GLONASS + BeiDou)"]
    titles = [ax.get_title() for ax in horizontal_scatter(errors, "x").axes if ax.get_title()]
    assert titles == labels
    assert set_label("G+R+E+C") == "G+R+E+C (GPS + GLONASS + Galileo + BeiDou)"


@pytest.mark.parametrize("low, high", [(0.8, 1.4), (1.2, 2.5), (2.0, 60.0), (4.0, 3000.0)])
def test_pdop_ticks_are_few_plain_numbers_inside_the_data(low, high):
    from lodestar.report.figures import subplots
    from lodestar.report.plots import pdop_axis

    fig, ax = subplots(figsize=(4, 3))
    pdop_axis(ax, np.geomspace(low, high, 50))
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    labels = [ax.yaxis.get_major_formatter()(t, 0) for t in ticks]
    assert 2 <= len(ticks) <= 8
    assert all(re.fullmatch(r"\d+(\.\d)?", label) for label in labels), labels  # 1, 1.5, 2, 300: no 10^x
    assert ax.get_ylim()[0] <= low and ax.get_ylim()[1] >= high


def test_text_columns_read_from_the_left():
    # a note, an error read from the left (the note column was right-aligned, wrapped words ragged on the left);
    # figures, "never", a station and "120/120 (100.0 %)" stay right-aligned
    import pandas as pd

    from lodestar.report.html import HtmlReport

    frame = pd.DataFrame({"set": ["R", "C"], "solved": ["0/120 (0.0 %)", "120/120 (100.0 %)"], "rms": [float("nan"), 1.2],
                          "convergence": ["never", "29.2"], "station": ["WTZR", "ESBC"],
                          "note": ["no epoch solved: 112 of 120 epochs say 'too few satellites'", ""]})
    html = HtmlReport("t").table(frame).render()
    assert '<th class="t">note</th>' in html and '<td class="t">no epoch solved' in html
    assert "<th>solved</th>" in html and "<td>0/120 (0.0 %)</td>" in html and "<td>1.20</td>" in html
    assert "<td>never</td>" in html and "<td>WTZR</td>" in html
    assert "td.t,th.t{text-align:left}" in html
