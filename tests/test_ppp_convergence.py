"""Convergence statistics on synthetic error series with a known answer (they test arithmetic).

The series are built so the right answer is known by construction: an error that decays as
a(t) = 1 m * exp(-t / 600 s) in east and up crosses the issue-#13 limits (horizontal < 0.10 m
and 3D < 0.20 m) at t = 600 s * ln(10) = 1381.55 s for the horizontal part and
t = 600 s * ln(1 / 0.1414..) for 3D; sampled at 30 s the first epoch inside is the next multiple.
"""

from pathlib import Path

import numpy as np
import pytest

from lodestar.analysis.ppp_convergence import (
    convergence_time_s,
    enu_errors_m,
    error_envelopes,
    format_table,
    restart_statistics,
    segment_convergence_s,
    segment_index,
    solution_summary,
)
from lodestar.frames import ecef_to_geodetic
from reference import ESBC_ITRF2014_XYZ, wettzell_truth

STEP_S = 30.0


def _decay(seconds, scale_m=1.0, tau_s=600.0):
    """East = up = scale * exp(-t / tau), north 0."""
    a = scale_m * np.exp(-seconds / tau_s)
    return np.stack([a, np.zeros_like(a), a], axis=-1)


def test_convergence_of_an_exponential_decay_is_the_first_epoch_inside_both_limits():
    t = np.arange(0, 7200, STEP_S)
    enu = _decay(t)
    # horizontal = a < 0.10 -> t > 600 ln 10 = 1381.6 s; 3D = a sqrt2 < 0.20 -> t > 600 ln(5 sqrt2) = 1173.5 s
    expected = np.ceil(600.0 * np.log(10.0) / STEP_S) * STEP_S  # 1410 s
    assert convergence_time_s(t, enu) == pytest.approx(expected, abs=1e-9)


def test_a_late_excursion_moves_convergence_after_it_and_a_final_one_means_never():
    t = np.arange(0, 7200, STEP_S)
    enu = np.full((t.size, 3), 0.01)
    enu[100] = [0.5, 0.0, 0.0]  # one bad epoch at 3000 s
    assert convergence_time_s(t, enu) == pytest.approx(t[101])
    enu[-1] = [0.0, 0.0, 0.3]  # 3D 0.30 m >= 0.20 m at the very end: never converged
    assert np.isnan(convergence_time_s(t, enu))


def test_unsolved_epochs_neither_break_nor_make_convergence():
    t = np.arange(0, 3600, STEP_S)
    enu = np.full((t.size, 3), 0.01)
    enu[:10] = 1.0
    enu[50:60] = np.nan  # a gap after convergence
    assert convergence_time_s(t, enu) == pytest.approx(t[10])
    assert np.isnan(convergence_time_s(t, np.full((t.size, 3), np.nan)))


def test_summary_rms_after_convergence_and_final_error():
    t = np.arange(0, 3600, STEP_S)
    enu = np.zeros((t.size, 3))
    enu[:20] = [1.0, 1.0, 1.0]
    enu[20:] = [0.03, -0.04, 0.0]  # 5 cm after convergence, exactly
    summary = solution_summary(t, enu)
    assert summary["convergence_s"] == pytest.approx(600.0)
    assert summary["rms_3d_m"] == pytest.approx(0.05, abs=1e-12)
    assert summary["rms_enu_m"] == pytest.approx([0.03, 0.04, 0.0], abs=1e-12)
    assert summary["final_error_enu_m"] == pytest.approx([0.03, -0.04, 0.0])
    assert summary["final_error_3d_m"] == pytest.approx(0.05)
    assert summary["epochs"] == t.size


def test_segments_restart_every_period_and_each_converges_on_its_own():
    t = np.arange(0, 86400, STEP_S)
    restart_s = 7200.0
    segments = segment_index(t, restart_s)
    assert segments.max() == 11 and np.all(np.bincount(segments) == 240)
    since = t - segments * restart_s
    scale = 1.0 + 0.1 * segments  # segment k starts at (1 + 0.1 k) m: convergence grows with k
    enu = _decay(since) * scale[:, None]
    times = segment_convergence_s(t, enu, restart_s)
    expected = np.ceil(600.0 * np.log(10.0 * (1.0 + 0.1 * np.arange(12))) / STEP_S) * STEP_S
    np.testing.assert_allclose(times, expected)
    stats = restart_statistics(t, enu, restart_s)
    assert stats["segments"] == 12 and stats["converged_segments"] == 12
    assert stats["median_convergence_s"] == pytest.approx(np.median(expected))
    # 95th percentile of 12 values, inverted CDF: the ceil(0.95 * 12) = 12th smallest
    assert stats["p95_convergence_s"] == pytest.approx(np.sort(expected)[11])


def test_a_segment_that_never_converges_raises_the_percentiles_not_the_rms():
    t = np.arange(0, 4 * 3600, STEP_S)
    restart_s = 3600.0
    enu = np.full((t.size, 3), 0.01)
    enu[segment_index(t, restart_s) == 3] = 0.5  # last hour never converges
    stats = restart_statistics(t, enu, restart_s)
    assert stats["converged_segments"] == 3
    assert np.isinf(stats["p95_convergence_s"])
    assert stats["median_convergence_s"] == pytest.approx(0.0)
    assert stats["rms_3d_after_m"] == pytest.approx(0.01 * np.sqrt(3))
    assert "never" in format_table({"R": stats})[2]
    # a further mask's median convergence has its column on the terminal too (it was in the JSON and HTML only)
    head, _, line = format_table({"R": {**stats, "median_convergence_s_mask30": 1800.0}})
    assert head.endswith("| median conv. at 30° (min) |") and line.endswith("| 30.0 |")


def test_short_last_segment_is_left_out():
    t = np.arange(0, 3 * 3600 + 600, STEP_S)  # 3 full hours + 10 min
    stats = restart_statistics(t, np.full((t.size, 3), 0.01), 3600.0)
    assert stats["segments"] == 3


def test_envelopes_are_per_time_since_restart():
    t = np.arange(0, 4 * 3600, STEP_S)
    restart_s = 3600.0
    since = t - segment_index(t, restart_s) * restart_s
    horizontal = 1.0 - since / 3600.0  # same straight line in every segment
    enu = np.stack([horizontal, np.zeros_like(t), np.zeros_like(t)], axis=-1)
    env = error_envelopes(t, enu, restart_s, bin_s=600.0)
    assert env["time_since_start_s"].tolist() == [0, 600, 1200, 1800, 2400, 3000]
    assert env["count"].tolist() == [80] * 6  # 20 epochs per bin x 4 segments
    # bin 0 holds since = 0..570 s: errors 1 - since/3600, median at since = 285 s
    assert env["h_median_m"][0] == pytest.approx(1.0 - 285.0 / 3600.0)
    np.testing.assert_allclose(env["d3_median_m"], env["h_median_m"])


def test_enu_errors_in_the_local_frame_of_the_truth():
    truth = np.array(ESBC_ITRF2014_XYZ)
    lat_deg, lon_deg, _ = ecef_to_geodetic(truth)
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    enu = enu_errors_m(truth + 0.05 * up, truth)
    assert enu[0, 2] == pytest.approx(0.05, abs=1e-4)
    assert np.hypot(enu[0, 0], enu[0, 1]) < 1e-4


# --- the CLI on a real 1-hour file, and its HTML report in a browser -----------------------------

WTZR = "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"


@pytest.fixture(scope="module")
def wtzr_compare(data, tmp_path_factory):
    """``lodestar ppp OBS --sets`` on WTZR's first hour, restarts every 30 min, R and G+R+E."""
    from lodestar.cli import main

    esbc = data / "esbc-2020-177"
    truth = wettzell_truth(data, "WTZR")
    out = tmp_path_factory.mktemp("ppp-compare")
    code = main(["ppp", str(esbc / WTZR),
                 "--sp3", str(esbc / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz"),
                 str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                 "--clk", str(esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"),
                 "--nav", str(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"),
                 "--sets", "R", "G+R+E", "--restart", "0.5", "--mask", "7",
                 "--truth", ",".join(f"{v:.4f}" for v in truth),
                 "--out", str(out / "ppp.html"), "--json", str(out / "ppp.json")])
    return {"code": code, "out": out}


def test_cli_sets_prints_and_writes_the_table(wtzr_compare, capsys):
    import json

    assert wtzr_compare["code"] == 0
    table = json.loads((wtzr_compare["out"] / "ppp.json").read_text())
    assert table["restart_s"] == 1800.0 and table["masks"] == [7.0, 30.0]
    assert set(table["sets"]) == {"R", "G+R+E"}
    for row in table["sets"].values():
        assert row["segments"] == 2  # one hour, restarted every 30 min
        assert len(row["convergence_s"]) == 2
        # every figure is a real number or an honest "never": no silent zero
        assert row["static_error_3d_m"] is not None and 0.0 < row["static_error_3d_m"] < 1.0
    # the runs' warnings (here: satellite offsets from the published table, not GRG's IGS14 model), each once for
    # the 6 runs; they were Python warnings printed by every worker process, 12 lines of them, and not in the JSON
    assert table["warnings"] and len(table["warnings"]) == len(set(table["warnings"]))
    assert any(w.startswith("satellite antenna offsets not of the products' model IGS14") for w in table["warnings"])


def test_ppp_report_says_where_and_when_and_gives_minutes_as_minutes(wtzr_compare):
    """The title names the marker and the day; convergence columns are minutes to 0.1 (they were printed with the
    metre columns' three decimals, "35.000"); the legends name the systems, in compare's colours."""
    import re

    from lodestar.report.ppp_report import ppp_report

    text = (wtzr_compare["out"] / "ppp.html").read_text()
    assert re.search(r"<h1>PPP convergence per system set — WTZR[^<]*, 2020-06-25</h1>", text)
    rows = {"R+C": {"segments": 12, "converged_segments": 12, "median_convergence_s": 1752.0,
                    "p95_convergence_s": float("inf"), "rms_3d_after_m": 0.078, "static_error_enu_m": [0.008, 0.002, -0.039],
                    "static_error_3d_m": 0.040, "median_convergence_s_mask30": None}}
    env = {"time_since_start_s": np.arange(4) * 300.0, **{k: np.array([1.0, 0.5, 0.1, 0.05])
                                                          for k in ("h_median_m", "h_p95_m", "d3_median_m", "d3_p95_m")}}
    html = ppp_report({"rows": rows, "envelopes": {("R+C", 7.0): env, ("R+C", 30.0): env}, "restart_s": 7200.0,
                       "masks": (7.0, 30.0), "mode": "kinematic"}, station="ESBC00DNK", date="2020-06-25").render()
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells[:5] == ["R+C", "12 (12)", "29.2", "never", "0.078"] and cells[-1] == "–"


@pytest.mark.browser
def test_ppp_report_renders_offline(wtzr_compare):
    from test_reports_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        assert_renders_offline,
        open_report,
    )

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is in the test extra")
    path = wtzr_compare["out"] / "ppp.html"
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(wtzr_compare["out"] / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            seen = open_report(context, path)
        finally:
            context.close()
    assert_renders_offline(seen, min_images=2)  # envelopes at 7 deg and at 30 deg
    assert "PPP convergence" in seen["title"]
    text = path.read_text()
    assert "G+R+E" in text and "median convergence" in text


def test_ppp_compare_refuses_bad_input_with_a_clear_error(data, tmp_path, capsys):
    from lodestar.cli import main

    esbc = data / "esbc-2020-177"
    code = main(["ppp-compare", str(esbc / WTZR), "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                 "--truth", "1,2", "--out", str(tmp_path / "x.html")])
    assert code == 1
    assert "--truth" in capsys.readouterr().err
    code = main(["ppp", str(esbc / WTZR), "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                 "--sets", "R", "--out", str(tmp_path / "x.html")])
    assert code == 1
    assert "--truth" in capsys.readouterr().err


# --- issue #13's convergence target on the real ESBC day ------------------------------------------


@pytest.mark.slow
def test_esbc_day_two_hour_restarts_r_plus_c_beats_r_and_c_and_four_systems_beat_r_plus_c(data):
    """Issue #13: with 2-hour restarts over the ESBC day, R+C's median convergence is shorter than R's
    and C's alone, and G+R+E+C's shorter still. The inputs of the issue's command: GRG (G/R/E, 30 s
    CLK), IAC's 15-min SP3 clocks for BeiDou, ESBC's antenna pattern, the products' satellite offsets.
    Measured 2026-12-06 (BeiDou code-bias states, api.CODE_BIAS_SYSTEMS = "RC"; Gauss-Markov clock-error
    states for 15-min clocks): medians R 27.5 min, C never (2 of 12 segments converge), R+C 25.2,
    G+R+E+C 4.5; before both, R+C was 27.8 min (> R) and G+R+E+C 6.8."""
    from lodestar.analysis.ppp_convergence import run_sets

    esbc = data / "esbc-2020-177"
    sinex = data / "sinex"
    result = run_sets(str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"), ["R", "C", "R+C", "G+R+E+C"],
                      truth_xyz_m=ESBC_ITRF2014_XYZ, restart_hours=2.0, masks=(7.0,), static=False, workers=2,
                      sp3=[str(esbc / n) for n in ("GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz",
                                                   "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz", "Sta21114.sp3.gz")],
                      clk=str(esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"),
                      antex=str(Path(__file__).parent / "fixtures" / "igs08_1805_ASH701945E_M_SCIS.atx"),
                      sinex=[str(sinex / n) for n in ("JAX0MGXFIN_20202440000_01D_000_SOL.SNX",
                                                      "ESA0OPSFIN_20241850000_01D_01D_SOL.SNX", "igs20P2131_wocov.snx")])
    rows = result["rows"]
    median = {s: rows[s]["median_convergence_s"] for s in rows}
    median = {s: np.inf if v is None else float(v) for s, v in median.items()}  # None: fewer than half converge
    assert all(rows[s]["segments"] == 12 for s in rows)
    assert np.isfinite(median["R+C"]) and median["R+C"] < median["R"]
    assert median["R+C"] < median["C"]
    assert median["G+R+E+C"] < median["R+C"]


@pytest.mark.parametrize("command", ["ppp", "ppp-compare"])
def test_cli_sets_hands_gradients_to_every_run(data, tmp_path, monkeypatch, capsys, command):
    """``ppp --sets --gradients`` and ``ppp-compare --gradients``: the option reaches the runs (it was ignored)."""
    import lodestar.analysis.ppp_convergence as convergence
    from lodestar.cli import main
    from lodestar.errors import LodestarError

    seen = {}

    def fake_run_sets(obs, sets, **kwargs):  # records what the runs would get, then stops the command
        seen.update(kwargs)
        raise LodestarError("stopped by the test")

    monkeypatch.setattr(convergence, "run_sets", fake_run_sets)
    esbc = data / "esbc-2020-177"
    code = main([command, str(esbc / WTZR), "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                 "--sets", "R", "--truth", "4075580.3,931853.9,4801568.2", "--gradients",
                 "--out", str(tmp_path / "t.html")])
    assert code == 1 and "stopped by the test" in capsys.readouterr().err
    assert seen.get("gradients") is True


@pytest.mark.parametrize("command", ["ppp", "ppp-compare"])
def test_cli_sets_takes_the_truth_from_sinex_as_a_single_run_does(data, tmp_path, monkeypatch, capsys, command):
    """Without --truth, the --sinex files' coordinate of the station on the day is the truth (the README's
    rule for ppp; --sets and ppp-compare refused it before), and a SINEX without the station says so."""
    import lodestar.analysis.ppp_convergence as convergence
    from lodestar.cli import main
    from lodestar.errors import LodestarError

    seen = {}

    def fake_run_sets(obs, sets, **kwargs):
        seen.update(kwargs)
        raise LodestarError("stopped by the test")

    monkeypatch.setattr(convergence, "run_sets", fake_run_sets)
    esbc = data / "esbc-2020-177"
    head = [command, str(esbc / WTZR), "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
            "--sets", "R", "--out", str(tmp_path / "t.html")]
    assert main(head + ["--sinex", str(data / "sinex" / "igs20P2131_wocov.snx")]) == 1
    assert "stopped by the test" in capsys.readouterr().err
    # the IGS weekly SINEX 2131 (2020-06-21 .. 27) holds WTZR: within its cm of the interpolated truth
    assert np.linalg.norm(np.asarray(seen["truth_xyz_m"]) - wettzell_truth(data, "WTZR")) < 0.05
    assert main(head + ["--sinex", str(data / "sinex" / "JAX0MGXFIN_20202440000_01D_000_SOL.SNX")]) == 1
    assert "do not hold the station" in capsys.readouterr().err


def test_cli_sets_refuses_the_pos_options(data, tmp_path, capsys):
    """--pos-format and --origin shape a .pos file; --sets writes an HTML report: refused, not ignored."""
    from lodestar.cli import main

    esbc = data / "esbc-2020-177"
    for extra in (["--pos-format", "enu"], ["--origin", "1,2,3"]):
        code = main(["ppp", str(esbc / WTZR), "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                     "--sets", "R", "--truth", "4075580.3,931853.9,4801568.2", "--out", str(tmp_path / "t.html"),
                     *extra])
        assert code == 1 and f"{extra[0]} does not apply to --sets" in capsys.readouterr().err
