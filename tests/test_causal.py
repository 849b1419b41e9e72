"""Forward (causal) single-point positioning: every epoch uses only the past (``positioning/causal.py``).

Reference figures: RTKLIB 2.4.3 b34 (``rnx2rtkp`` with ``esbc-2020-177/rtklib/spp.conf``: single,
L1 code, 10° mask, broadcast, Klobuchar, Saastamoinen; a forward filter-free solution), 3D RMS of
the marker (header ANTENNA: DELTA H/E/N removed) against SINEX, from ``benchmarks/bench_spp.py``
as recorded in the README: WTZR R 3.37, C 1.94, R+C 2.02, G+R+E+C 1.87 m; WTZZ 2.49, 1.83, 1.86,
1.91 m; TLSE 7.78, 5.65, 6.29, 4.95 m (1 h each, 120 epochs).
"""

from __future__ import annotations

import glob
import json
from dataclasses import replace

import numpy as np
import pytest

from lodestar.cli import main
from lodestar.io.sinex import station_position
from lodestar.positioning import Calibration, causal, prepare, solve
from lodestar.positioning.output import accuracy
from reference import ESBC_ITRF2014_TRUTH, ESBC_ITRF2014_XYZ

HOUR_OBS = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
ESBC_NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
STATIONS = {  # obs, nav, SINEX epoch, RTKLIB 3D RMS (m) for R, C, R+C, G+R+E+C (module docstring)
    "WTZR": ("esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx", ESBC_NAV, "2020-06-25T00:30:00",
             (3.37, 1.94, 2.02, 1.87)),
    "WTZZ": ("esbc-2020-177/WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx", ESBC_NAV, "2020-06-25T00:30:00",
             (2.49, 1.83, 1.86, 1.91)),
    "TLSE": ("tlse-2024-001/TLSE00FRA_R_20240011800_01H_30S_MO.crx.gz",
             "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz", "2024-01-01T18:30:00", (7.78, 5.65, 6.29, 4.95)),
}
SETS = ("R", "C", "R+C", "G+R+E+C")
#: Where the causal mode does not (yet) beat RTKLIB on one hour (figures in docs/positioning.md, "third look":
#: WTZR's BDS-2 GEO/IGSO range errors of ~1 m that precise orbits confirm are not SISRE). Over the 24 hours of the
#: ESBC day BeiDou alone beats RTKLIB in 20 (bench_spp_hours.py). TLSE C left this set when BeiDou took GPS's
#: Klobuchar coefficients outside BDS-2's service area (models/ionosphere.py): causal 5.81 -> 5.39 m.
CAUSAL_SHORT = {("WTZR", "C")}


def _head(prep, n):
    """The first ``n`` epochs of a Prepared: what a real-time receiver has at epoch n - 1."""
    return replace(prep, time=prep.time[:n], pseudorange_m=prep.pseudorange_m[:n], sat_xyz=prep.sat_xyz[:n],
                   usable=prep.usable[:n], frequency_hz=prep.frequency_hz[:n], code=prep.code[:n])


def _xyz(ds):
    return np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)


@pytest.fixture(scope="module")
def esbc_hour(data):
    return prepare(data / HOUR_OBS, data / ESBC_NAV, systems="GREC")


def test_past_sum_excludes_the_current_epoch():
    values = np.arange(1.0, 6.0)
    assert causal._past_sum(values).tolist() == [0.0, 1.0, 3.0, 6.0, 10.0]
    decayed = causal._past_sum(values, 0.5)
    assert decayed.tolist() == pytest.approx([0.0, 1.0, 2.5, 4.25, 6.125])


def test_running_isb_follows_a_constant_and_ignores_an_outlier():
    """A constant -5 m ISB with 0.3 m noise and one 40 m blunder: known after MIN_ISB_EPOCHS, within
    a few centimetres at the end, and the blunder gated out."""
    rng = np.random.default_rng(1)
    n = 200
    state = np.zeros((n, 5))
    state[:, 4] = -5.0 + rng.normal(0.0, 0.3, n)
    state[100, 4] = 35.0
    covariance = np.zeros((n, 5, 5))
    covariance[:, 4, 4] = 0.3**2 / causal._ISB_CORRELATION_EPOCHS
    isb, sigma = causal.running_isb(state, covariance, np.ones((n, 2), bool), np.ones(n, bool), 30.0)
    assert np.isnan(isb[: causal.MIN_ISB_EPOCHS, 1]).all()
    assert isb[-1, 1] == pytest.approx(-5.0, abs=0.1)
    assert abs(isb[101, 1] - isb[100, 1]) < 0.05  # the blunder did not move it
    assert (isb[:, 0] == 0.0).all() and (sigma[-1, 1] >= causal._ISB_SIGMA_FLOOR_M)


@pytest.mark.parametrize("system_set", ["R+C", "G+R+E+C"])
def test_causal_epochs_use_only_the_past(esbc_hour, system_set):
    """Solving the first 60 epochs alone gives the same 60 rows as solving the hour: nothing after an
    epoch shapes it (1 mm: the Gauss-Newton start point may differ, the converged solution not)."""
    full = solve(esbc_hour, systems=system_set, causal=True)
    head = solve(_head(esbc_hour, 60), systems=system_set, causal=True)
    assert (head["status"].values == full["status"].values[:60]).all()
    np.testing.assert_allclose(_xyz(head), _xyz(full)[:60], atol=1e-3)


def test_post_processing_uses_the_future(esbc_hour):
    """The check above can fail: the day-wide mode's first epochs move when later data are added."""
    full = solve(esbc_hour, systems="R+C")
    head = solve(_head(esbc_hour, 60), systems="R+C")
    assert np.nanmax(np.linalg.norm(_xyz(head) - _xyz(full)[:60], axis=1)) > 0.01


def test_causal_attributes_and_end_of_run_calibration(esbc_hour):
    ds = solve(esbc_hour, systems="R+C", causal=True)
    assert ds.attrs["mode"] == "causal" and "causal" in ds.attrs["calibrated"]
    cal = Calibration.from_solution(ds)
    assert "causal" in cal.source and set(cal.isb_m) == {"R", "C"}
    assert any(sv.startswith("R") for sv in cal.code_bias_m)
    factors = json.loads(ds.attrs["noise_factor"])
    assert set(factors) == {"R", "C"} and all(0.1 < f < 5.0 for f in factors.values())


def test_calibration_is_a_starting_value(esbc_hour):
    """A calibration (prior information: here the session values of a post-processing run) starts the
    running estimates: GLONASS's first ten minutes then match the post-processed ones (within 0.1 m),
    where the cold start, from zero biases, is worse until it has learnt them: over the first five
    minutes 1.96 m against 1.76 m (post-processing 1.70 m). Since the post-processed hour weighs the
    broadcast SISRE (weights.BROADCAST_SISRE_M) its start is 0.3 m worse than before (first ten
    minutes 1.32 -> 1.63 m) and the cold start's ten-minute margin shrank from 0.39 to 0.10 m."""
    day = solve(esbc_hour, systems="R")
    cold = solve(esbc_hour, systems="R", causal=True)
    warm = solve(esbc_hour, systems="R", causal=True, calibration=Calibration.from_solution(day))
    assert "given" in warm.attrs["calibrated"]
    truth = np.array(ESBC_ITRF2014_XYZ)

    def first(ds, epochs):
        return accuracy(ds.isel(time=slice(0, epochs)), truth)["rms_3d_m"]

    assert abs(first(warm, 20) - first(day, 20)) < 0.1
    assert first(cold, 10) - first(warm, 10) > 0.15


def test_cli_solve_causal(data, tmp_path, capsys):
    out, cal = tmp_path / "c.pos", tmp_path / "cal.json"
    assert main(["solve", str(data / HOUR_OBS), "--nav", str(data / ESBC_NAV), "--systems", "R+C", "--causal",
                 "--out", str(out), "--calibration-out", str(cal), "--truth", ESBC_ITRF2014_TRUTH,
                 "--json", "-"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["solved"] == 120 and summary["accuracy"]["rms_3d_m"] < 2.0
    assert "causal" in json.loads(cal.read_text())["source"]


def _cases():
    for station, (_, _, _, rtklib) in STATIONS.items():
        for system_set, rtklib_rms in zip(SETS, rtklib):
            marks = [pytest.mark.xfail(strict=True, reason="causal mode short of RTKLIB here (docs/positioning.md)")] \
                if (station, system_set) in CAUSAL_SHORT else []
            yield pytest.param(station, system_set, rtklib_rms, marks=marks, id=f"{station}-{system_set}")


@pytest.fixture(scope="module")
def hour_preps(data):
    sinex = sorted(glob.glob(str(data / "sinex" / "*")))
    return {name: (prepare(data / obs, data / nav, systems="GREC"), station_position(sinex, name, epoch))
            for name, (obs, nav, epoch, _) in STATIONS.items()}


@pytest.mark.parametrize(("station", "system_set", "rtklib_rms"), list(_cases()))
def test_causal_hour_against_rtklib(hour_preps, station, system_set, rtklib_rms):
    prep, truth = hour_preps[station]
    stats = accuracy(solve(prep, systems=system_set, causal=True), truth)
    assert stats["solved"] == 120
    assert stats["rms_3d_m"] < rtklib_rms


@pytest.mark.parametrize("decay, epochs", [(0.9958, 2880), (0.5, 500), (0.9999, 86400), (0.0, 10), (1.0, 50)])
def test_first_order_recursion_matches_scipy_lfilter(decay, epochs):
    """The running sums' recursion y[t] = x[t] + d y[t-1], written without scipy.signal (whose import
    costs ~1.4 s per process), against scipy.signal.lfilter (an independent implementation)."""
    from scipy.signal import lfilter

    from lodestar.positioning.causal import first_order_recursion

    x = np.random.default_rng(3).normal(size=(epochs, 5))
    reference = lfilter([1.0], [1.0, -decay], x, axis=0)
    # rounding of the recursion itself: a few eps times the largest partial sum (here <= ~300)
    np.testing.assert_allclose(first_order_recursion(x, decay), reference, rtol=0, atol=1e-11)
