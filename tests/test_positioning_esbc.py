"""Single-point positioning on the real ESBC day against RTKLIB 2.4.3 (the issue's accuracy targets).

Truth: ESBC's ITRF2014 marker position (``tests/reference.py``; its header APPROX POSITION is an
ETRS89 coordinate 0.77 m away, data/README.md). RTKLIB figures: recomputed here from the RTKLIB
2.4.3 b34 solutions shipped in ``esbc-2020-177/rtklib/`` (spp.conf: single, L1, 10°, broadcast,
Klobuchar, Saastamoinen), reduced from the antenna reference point to the marker (ANTENNA: DELTA
H 0.216 m); the data README quotes them as R 3.19 m, C 1.78 m, R+C 1.63 m, G+R+E+C 1.14 m (3D
RMS, 2880 epochs). Both modes are held to them: post-processing (session estimates over the
day) and causal (``solve(..., causal=True)``: every epoch uses only the past), which is the
mode comparable to RTKLIB's forward solution. The whole day takes ~15 s here (read + 8 solves).
"""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.frames import ecef_to_geodetic, enu_matrix
from lodestar.io.rinex_nav import read_nav
from lodestar.io.rinex_obs import read_obs
from lodestar.positioning import prepare, solve
from lodestar.positioning.output import accuracy
from lodestar.positioning.result import SOLVED_STATUSES, STATUSES
from reference import ESBC_ITRF2014_XYZ

ESBC_TRUTH = np.array(ESBC_ITRF2014_XYZ)
RTKLIB_QUOTED_RMS_M = {"R": 3.19, "C": 1.78, "R+C": 1.63, "G+R+E+C": 1.14}  # data README, marker vs ITRF2014
ANTENNA_HEIGHT_M = 0.216  # ESBC header ANTENNA: DELTA H (data README)
SETS = ("R", "C", "R+C", "G+R+E+C")


def _rtklib(esbc, system_set):
    """Epochs and 3D RMS (m) of RTKLIB's solution, reduced to the marker, against the ITRF2014 truth."""
    arp = np.loadtxt(esbc / "rtklib" / f"ESBC_2020177_spp_{system_set}.pos", comments="%", usecols=(2, 3, 4))
    lat, lon, _ = ecef_to_geodetic(arp)
    marker = arp - ANTENNA_HEIGHT_M * enu_matrix(lat, lon)[:, 2, :]  # row 2: local up in ECEF
    return len(marker), float(np.sqrt(np.mean(np.sum((marker - ESBC_TRUTH) ** 2, axis=1))))


@pytest.fixture(scope="module")
def esbc_prep(esbc):
    obs = read_obs(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
    nav = read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
    return prepare(obs, nav, systems="GREC")


@pytest.fixture(scope="module")
def esbc_day(esbc_prep):
    return {s: solve(esbc_prep, systems=s) for s in SETS}


@pytest.fixture(scope="module")
def esbc_causal(esbc_prep):
    return {s: solve(esbc_prep, systems=s, causal=True) for s in SETS}


@pytest.mark.parametrize("system_set", SETS)
def test_rtklib_reference_figures(esbc, system_set):
    _, rtklib_rms = _rtklib(esbc, system_set)
    assert rtklib_rms == pytest.approx(RTKLIB_QUOTED_RMS_M[system_set], abs=0.01)


@pytest.mark.parametrize("system_set", SETS)
def test_full_day_beats_rtklib(esbc, esbc_day, system_set):
    """Post-processing (session biases, ISB and weights over the day)."""
    epochs, rtklib_rms = _rtklib(esbc, system_set)
    ds = esbc_day[system_set]
    stats = accuracy(ds, ESBC_TRUTH)
    assert ds.sizes["time"] == 2880
    assert stats["solved"] >= epochs
    assert stats["rms_3d_m"] <= rtklib_rms


@pytest.mark.parametrize("system_set", SETS)
def test_causal_full_day_beats_rtklib(esbc, esbc_causal, system_set):
    """Forward mode, as RTKLIB's ``soltype=forward``: only past epochs shape each epoch's biases and weights."""
    epochs, rtklib_rms = _rtklib(esbc, system_set)
    ds = esbc_causal[system_set]
    stats = accuracy(ds, ESBC_TRUTH)
    assert ds.attrs["mode"] == "causal"
    assert stats["solved"] >= epochs
    assert stats["rms_3d_m"] <= rtklib_rms


def test_causal_without_biases_handles_glonass(esbc_prep, esbc):
    """Issue #15: with --biases off GLONASS was worse than RTKLIB (3.74 vs 3.37 m against the header);
    the causal mode estimates the biases it needs from the past and beats RTKLIB's 3.19 m."""
    _, rtklib_rms = _rtklib(esbc, "R")
    assert accuracy(solve(esbc_prep, systems="R", causal=True), ESBC_TRUTH)["rms_3d_m"] < rtklib_rms


def test_glonass_without_biases_reproduces_rtklib(esbc_prep, esbc):
    """Issue #15: with ``--biases off`` GLONASS alone was 3.59 m against RTKLIB's 3.19 m, the gap in
    10-14 h. Epoch by epoch over 12-14 h the two solvers used the same satellites and their residuals
    at the truth agreed per satellite within 0.1 m (RTKLIB ``$SAT`` residuals, docs/positioning.md):
    the difference was the weighting. RTKLIB adds the broadcast ephemeris error to every variance
    (``pntpos.c`` ``vare``), Lodestar had none, so GLONASS satellites at high elevation with +-3 m
    broadcast errors (R19, R20) took the weight. With the broadcast SISRE in the variance
    (``weights.BROADCAST_SISRE_M``) the day is 3.25 m and 12-14 h 3.99 m (was 5.30; RTKLIB 3.55)."""
    _, rtklib_rms = _rtklib(esbc, "R")
    ds = solve(esbc_prep, systems="R", biases_mode="off")
    assert accuracy(ds, ESBC_TRUTH)["rms_3d_m"] < rtklib_rms + 0.10
    afternoon = ds.isel(time=slice(12 * 120, 14 * 120))
    assert accuracy(afternoon, ESBC_TRUTH)["rms_3d_m"] < 4.5


def test_glonass_plus_beidou_beats_each_alone(esbc_day, esbc_causal):
    for solutions in (esbc_day, esbc_causal):
        rms = {s: accuracy(solutions[s], ESBC_TRUTH)["rms_3d_m"] for s in ("R", "C", "R+C")}
        assert rms["R+C"] < min(rms["R"], rms["C"])


def test_every_epoch_keeps_its_row_with_valid_status(esbc_day):
    for ds in esbc_day.values():
        assert set(np.unique(ds["status"].values)) <= set(STATUSES)
        solved = np.isin(ds["status"].values, SOLVED_STATUSES)
        assert np.isfinite(ds["x_m"].values[solved]).all()
        assert np.isnan(ds["x_m"].values[~solved]).all()
        # one clock per system: PDOP of a multi-system solution is >= the single-clock value; sanity range here
        assert np.nanmax(ds["pdop"].values[solved]) < 30


def test_beidou_ionosphere_fallback_is_reported(esbc_day):
    # ESBC's navigation header has GPSA/GPSB but no BDSA/BDSB: BeiDou falls back to GPS Klobuchar.
    assert "no BeiDou coefficients" in esbc_day["C"].attrs["iono_models"]
