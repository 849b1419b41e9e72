"""Receiver calibration (``positioning.Calibration``): biases and ISBs estimated once, applied as known."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from lodestar.errors import LodestarError
from lodestar.io.rinex_nav import read_nav
from lodestar.io.rinex_obs import read_obs
from lodestar.positioning import Calibration, prepare, solve

HOUR_FILE = "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV_FILE = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


@pytest.fixture(scope="module")
def hour(esbc):
    obs, nav = read_obs(esbc / HOUR_FILE), read_nav(esbc / NAV_FILE)
    estimated = solve(prepare(obs, nav, systems="RC"), systems="R+C", mask_deg=10)
    return obs, nav, estimated, Calibration.from_solution(estimated)


def _xyz(ds):
    return np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)


def test_solution_carries_its_estimated_calibration(hour):
    _, _, estimated, cal = hour
    assert estimated.attrs["calibrated"] == "estimated"
    assert cal.reference == "R" and set(cal.isb_m) == {"R", "C"} and cal.isb_m["R"] == 0.0
    # the same session ISB the solver reports
    table = json.loads(estimated.attrs["session_isb_m"])["C-R"]
    assert cal.isb_m["C"] == pytest.approx(table["isb_m"], abs=1e-3)
    assert cal.isb_sigma_m["C"] == pytest.approx(table["sigma_m"], abs=1e-3)
    # on one hour every GLONASS/BeiDou satellite gets its group's bias (``auto``: arcs < 3 h)
    assert all(sv[0] in "RC" for sv in cal.code_bias_m)
    assert cal.code_bias_m["C05"] == cal.code_bias_m["C12"]  # both BDS-2
    assert Calibration.from_dict(json.loads(cal.to_json())) == cal
    assert "R+C at 10° mask" in cal.source


def test_own_calibration_reproduces_the_estimate(hour):
    """Applying the values a run estimated, as known, gives the same positions: only the noise
    factors are re-estimated, from a first pass that already has the biases (a few mm)."""
    obs, nav, estimated, cal = hour
    again = solve(obs, nav, systems="R+C", mask_deg=10, calibration=cal)
    assert again.attrs["calibrated"].startswith("given (R+C at 10° mask")
    assert (again["status"].values == estimated["status"].values).all()
    assert np.nanmax(np.abs(_xyz(again) - _xyz(estimated))) < 0.02
    assert json.loads(again.attrs["session_isb_m"]) == json.loads(estimated.attrs["session_isb_m"])


def test_calibrated_bias_is_removed_from_the_pseudoranges(hour):
    """A 3 m code offset on R02 with a calibration that names it gives the clean solution (mm):
    the calibration is applied as given, not re-estimated."""
    obs, nav, _, cal = hour
    shifted = obs.copy(deep=True)
    column = int(np.flatnonzero(shifted["sv"].values == "R02")[0])
    shifted["C1C"].values[:, column] += 3.0
    clean = solve(obs, nav, systems="R+C", calibration=cal)
    told = replace(cal, code_bias_m={**cal.code_bias_m, "R02": cal.code_bias_m["R02"] + 3.0})
    fixed = solve(shifted, nav, systems="R+C", calibration=told)
    assert np.nanmax(np.abs(_xyz(fixed) - _xyz(clean))) < 0.005
    untold = solve(shifted, nav, systems="R+C", calibration=cal)
    assert np.nanmax(np.abs(_xyz(untold) - _xyz(clean))) > 0.1


def test_calibration_ties_the_clocks_at_a_higher_mask(hour):
    """At 35° the session ISB is the calibration's, not one estimated from the 35° data."""
    obs, nav, _, cal = hour
    high = solve(obs, nav, systems="R+C", mask_deg=35, calibration=cal)
    table = json.loads(high.attrs["session_isb_m"])["C-R"]
    assert table == {"isb_m": round(cal.isb_m["C"], 3), "sigma_m": round(cal.isb_sigma_m["C"], 3)}
    # a single-system set uses the biases and has no ISB to tie
    alone = solve(obs, nav, systems="R", mask_deg=35, calibration=cal)
    assert json.loads(alone.attrs["session_isb_m"]) == {}
    assert set(json.loads(alone.attrs["code_bias_m"])) <= {sv for sv in cal.code_bias_m if sv[0] == "R"}


def test_bad_calibration_documents_are_refused(hour):
    _, _, estimated, _ = hour
    with pytest.raises(LodestarError, match="calibration"):
        Calibration.from_dict({"code_bias_m": {"R01": "a lot"}})
    with pytest.raises(LodestarError, match="calibration"):
        Calibration.from_solution(estimated.assign_attrs(calibration=""))
