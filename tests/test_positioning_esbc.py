"""Single-point positioning on the real ESBC day against RTKLIB 2.4.3 (the issue's accuracy targets).

Truth: the ESBC header APPROX POSITION (the agreed reference for ESBC, data/README.md).
RTKLIB figures: recomputed here from the RTKLIB 2.4.3 b34 solutions shipped in
``esbc-2020-177/rtklib/`` (spp.conf: single, L1, 10°, broadcast, Klobuchar, Saastamoinen); the
issue quotes them as R 3.37 m, C 2.15 m, R+C 1.99 m, G+R+E+C 1.46 m (3D RMS, 2880 epochs).
The whole day takes ~10 s here (read + 4 solves), so it runs by default.
"""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.io.rinex_nav import read_nav
from lodestar.io.rinex_obs import read_obs
from lodestar.positioning import prepare, solve
from lodestar.positioning.output import accuracy

ESBC_TRUTH = np.array([3582105.2910, 532589.7313, 5232754.8054])  # header APPROX POSITION XYZ
RTKLIB_QUOTED_RMS_M = {"R": 3.37, "C": 2.15, "R+C": 1.99, "G+R+E+C": 1.46}  # issue #4
SETS = ("R", "C", "R+C", "G+R+E+C")


def _rtklib(esbc, system_set):
    xyz = np.loadtxt(esbc / "rtklib" / f"ESBC_2020177_spp_{system_set}.pos", comments="%", usecols=(2, 3, 4))
    return len(xyz), float(np.sqrt(np.mean(np.sum((xyz - ESBC_TRUTH) ** 2, axis=1))))


@pytest.fixture(scope="module")
def esbc_day(esbc):
    obs = read_obs(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
    nav = read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
    prep = prepare(obs, nav, systems="GREC")
    return {s: solve(prep, systems=s) for s in SETS}


@pytest.mark.parametrize("system_set", SETS)
def test_full_day_beats_rtklib(esbc, esbc_day, system_set):
    epochs, rtklib_rms = _rtklib(esbc, system_set)
    assert rtklib_rms == pytest.approx(RTKLIB_QUOTED_RMS_M[system_set], abs=0.01)
    ds = esbc_day[system_set]
    stats = accuracy(ds, ESBC_TRUTH)
    assert ds.sizes["time"] == 2880
    assert stats["solved"] >= epochs
    assert stats["rms_3d_m"] <= rtklib_rms


def test_glonass_plus_beidou_beats_each_alone(esbc_day):
    rms = {s: accuracy(esbc_day[s], ESBC_TRUTH)["rms_3d_m"] for s in ("R", "C", "R+C")}
    assert rms["R+C"] < min(rms["R"], rms["C"])


def test_every_epoch_keeps_its_row_with_valid_status(esbc_day):
    for ds in esbc_day.values():
        assert set(np.unique(ds["status"].values)) <= {"ok", "fde", "insufficient", "failed"}
        solved = np.isin(ds["status"].values, ("ok", "fde"))
        assert np.isfinite(ds["x_m"].values[solved]).all()
        assert np.isnan(ds["x_m"].values[~solved]).all()
        # one clock per system: PDOP of a multi-system solution is >= the single-clock value; sanity range here
        assert np.nanmax(ds["pdop"].values[solved]) < 30


def test_beidou_ionosphere_fallback_is_reported(esbc_day):
    # ESBC's navigation header has GPSA/GPSB but no BDSA/BDSB: BeiDou falls back to GPS Klobuchar.
    assert "no BeiDou coefficients" in esbc_day["C"].attrs["iono_models"]
