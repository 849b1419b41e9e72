"""RAIM FDE and bad input: a faulty satellite is excluded, bad files give errors or statuses, never a wrong ``ok``."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from lodestar.cli import main
from lodestar.errors import LodestarError, NoEphemerisError
from lodestar.io.rinex_nav import read_nav
from lodestar.io.rinex_obs import read_obs
from lodestar.positioning import solve
from lodestar.positioning.output import accuracy
from reference import ESBC_ITRF2014_XYZ

ESBC_TRUTH = np.array(ESBC_ITRF2014_XYZ)  # ITRF2014 marker (tests/reference.py; the header is ETRS89)
HOUR_FILE = "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV_FILE = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


@pytest.fixture(scope="module")
def hour(esbc):
    return read_obs(esbc / HOUR_FILE), read_nav(esbc / NAV_FILE)


def _with_offset(obs, sv, code, metres):
    faulty = obs.copy(deep=True)
    column = int(np.flatnonzero(faulty["sv"].values == sv)[0])
    faulty[code].values[:, column] += metres
    return faulty


def test_raim_excludes_a_100_m_fault(hour):
    obs, nav = hour
    faulty = solve(_with_offset(obs, "C10", "C2I", 100.0), nav, systems="R+C")
    observed = np.isfinite(obs["C2I"].sel(sv="C10").values)
    assert observed.sum() > 100
    excluded = np.array(["C10" in e.split(",") for e in faulty["excluded"].values])
    assert excluded[observed].all()
    assert set(faulty["status"].values[observed]) == {"fde"}
    # after exclusion the positions are those of the hour without C10 (1.76 m; the clean hour's 1.26 m has
    # C10's geometry): within 5 cm of that, not 100 m off. Until 2026-12-08 this compared with the clean hour
    # + 0.5 m, which the hour without C10 itself only just met (1.761 < 1.764)
    without = solve(obs.sel(sv=[sv for sv in obs["sv"].values if sv != "C10"]), nav, systems="R+C")
    assert abs(accuracy(faulty, ESBC_TRUTH)["rms_3d_m"] - accuracy(without, ESBC_TRUTH)["rms_3d_m"]) < 0.05


def test_raim_excludes_two_faulty_satellites(hour):
    obs, nav = hour
    faulty = _with_offset(_with_offset(obs, "C10", "C2I", 100.0), "R02", "C1C", -60.0)
    ds = solve(faulty, nav, systems="R+C")
    both = np.isfinite(obs["C2I"].sel(sv="C10").values) & np.isfinite(obs["C1C"].sel(sv="R02").values)
    excluded = [set(e.split(",")) for e in ds["excluded"].values[both]]
    assert all({"C10", "R02"} <= e for e in excluded)
    solved = np.isin(ds["status"].values, ("ok", "fde"))
    assert accuracy(ds, ESBC_TRUTH)["rms_3d_m"] < 3.0 and solved.sum() == 120


def test_navigation_for_another_day_is_a_clear_error(hour, data):
    obs, _ = hour
    other_day = read_nav(data / "tlse-2024-001" / "BRDC00IGS_R_20240010000_01D_MN.rnx.gz")
    with pytest.raises(NoEphemerisError, match="GLONASS|BeiDou") as refused:
        solve(obs, other_day, systems="R+C")
    # both spans are named, so the user sees the day mismatch (2024-01-01 navigation, 2020-06-25 observations)
    assert re.search(r"records \(\d+ satellites\) run 202(3-12-31|4-01-01)", str(refused.value))
    assert "the observations run 2020-06-25 00:00:00 to 2020-06-25 00:59:30 GPST" in str(refused.value)


def test_missing_system_navigation_is_a_clear_error(hour, esbc):
    obs, _ = hour
    glonass_only = read_nav(esbc / "ESBC00DNK_R_20201770000_01D_RN.rnx")
    with pytest.raises(NoEphemerisError, match="the navigation data hold no BeiDou records"):
        solve(obs, glonass_only, systems="R+C")


def test_observations_without_the_asked_systems_say_what_the_file_declares(data):
    # RINEX 2 GPS-only file (rinex2/aopr0010.17o): the refusal names the file and the set it could solve
    path = data / "rinex2" / "aopr0010.17o"
    with pytest.raises(LodestarError, match=r"aopr0010.17o has no GLONASS, BeiDou satellites "
                                            r"\(its header declares GPS: try --systems G\)"):
        solve(read_obs(path, systems=("R", "C")), read_nav(data / "esbc-2020-177" / NAV_FILE), systems="R+C")
    # RINEX 3: the letters of its SYS / # / OBS TYPES lines (the ESBC hour: C E G J R S), in G R E C J I S order
    from lodestar.io.headers import obs_header_systems

    assert obs_header_systems(data / "esbc-2020-177" / HOUR_FILE) == "GRECJS"


def test_without_approx_position_solves_from_earth_centre(hour):
    obs, nav = hour
    reference = solve(obs, nav, systems="C")
    bare = obs.copy()
    bare.attrs = {k: v for k, v in obs.attrs.items() if k != "approx_position_m"}
    ds = solve(bare, nav, systems="C")
    assert (ds["status"].values == reference["status"].values).all()
    np.testing.assert_allclose(ds["x_m"].values, reference["x_m"].values, atol=0.01)  # 1 cm


def test_three_satellite_epochs_and_nan_observations(hour):
    obs, nav = hour
    thin = obs.copy(deep=True)
    beidou = [sv for sv in thin["sv"].values if sv.startswith("C")]
    visible = [sv for sv in beidou if np.isfinite(thin["C2I"].sel(sv=sv).values[:10]).all()]
    keep = visible[:3]
    for sv in beidou:
        if sv not in keep:
            column = int(np.flatnonzero(thin["sv"].values == sv)[0])
            for code in ("C2I", "C6I", "C7I"):  # every BeiDou code the priority list could fall back to
                thin[code].values[:10, column] = np.nan  # NaN observations: epochs 0-9 keep 3 satellites
    ds = solve(thin, nav, systems="C")
    assert set(ds["status"].values[:10]) == {"insufficient"}
    assert np.isnan(ds["x_m"].values[:10]).all()
    assert set(ds["status"].values[10:]) <= {"ok", "fde"}


def test_rinex2_file_solves_or_fails_clearly(data):
    obs_path = data / "rinex2" / "14601736.18o"
    nav_path = data / "rinex2" / "14601736.18n"
    ds = solve(obs_path, nav_path, systems="G")
    solved = np.isin(ds["status"].values, ("ok", "fde"))
    approx = np.asarray(read_obs(obs_path).attrs["approx_position_m"])
    xyz = np.stack([ds["x_m"].values, ds["y_m"].values, ds["z_m"].values], axis=-1)[solved]
    # every solved epoch is near the receiver (header position: a sanity bound, not a truth)
    assert (np.linalg.norm(xyz - approx, axis=1) < 100.0).all()


def test_unknown_system_letter_is_refused(hour):
    obs, nav = hour
    with pytest.raises(LodestarError):
        solve(obs, nav, systems="R+X")


def test_cli_writes_csv_pos_parquet_and_json(esbc, tmp_path):
    csv, pos, parquet, summary = (tmp_path / n for n in ("out.csv", "out.pos", "out.parquet", "run.json"))
    base = ["solve", str(esbc / HOUR_FILE), "--nav", str(esbc / NAV_FILE), "--systems", "C,R"]
    assert main(base + ["--out", str(csv), "--json", str(summary)]) == 0
    frame = pd.read_csv(csv)
    assert list(frame.columns[:11]) == ["time_gps", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "height_m",
                                        "n_sats", "pdop", "status", "excluded"]
    assert len(frame) == 120 and frame["time_gps"].iloc[0] == "2020-06-25T00:00:00.000"
    info = json.loads(summary.read_text())
    assert info["epochs"] == 120 and info["solved"] == 120 and info["systems"] == "R+C"
    assert main(base + ["--format", "rtklib", "--out", str(pos)]) == 0
    rows = [line for line in pos.read_text().splitlines() if not line.startswith("%")]
    assert len(rows) == 120 and rows[0].startswith("2020/06/25 00:00:00.000")
    xyz = np.array([float(v) for v in rows[0].split()[2:5]])
    assert np.linalg.norm(xyz - ESBC_TRUTH) < 10.0
    assert main(base + ["--format", "parquet", "--out", str(parquet)]) == 0
    assert len(pd.read_parquet(parquet)) == 120


def test_cli_json_summary_with_truth(esbc, tmp_path):
    summary = tmp_path / "run.json"
    args = ["solve", str(esbc / HOUR_FILE), "--nav", str(esbc / NAV_FILE), "--systems", "C", "--out",
            str(tmp_path / "c.csv"), "--json", str(summary), "--truth", ",".join(str(v) for v in ESBC_TRUTH)]
    assert main(args) == 0
    info = json.loads(summary.read_text())
    assert info["iono_models"]["C"].startswith("gps-klobuchar")
    assert info["accuracy"]["solved"] == 120 and info["accuracy"]["rms_3d_m"] < 3.0
    assert main(args[:-1] + ["1,2"]) == 1  # a malformed --truth is a clear error, not a traceback


# --- session inter-system bias and the integrity gate (issue #8: refuse bad geometry honestly) ---


def test_clock_constraint_solves_a_two_system_epoch_with_four_satellites():
    from lodestar.positioning import estimator

    rng = np.random.default_rng(7)
    dirs = rng.normal(size=(1, 4, 3))
    dirs[..., 2] = np.abs(dirs[..., 2]) + 0.5  # above the horizon (roughly)
    los = dirs / np.linalg.norm(dirs, axis=-1, keepdims=True)
    system_index = np.array([0, 0, 0, 1])  # three satellites of system 0, one of system 1
    h = estimator.design_matrix(los, system_index, 2)
    clocks, offset = np.array([100.0, 95.0]), np.array([3.0, -2.0, 1.5])  # ISB -5 m; position offset (m)
    v = (h[0, :, :3] @ offset + clocks[system_index])[None, :]  # misclosures at rx - offset, clocks 0
    weight = np.ones((1, 4))
    assert np.isnan(estimator.normal_solve(h, weight, v).delta).all()  # 5 unknowns, 4 observations
    cons = estimator.clock_constraints(np.array([[True, True]]), np.zeros((1, 2)), np.array([0.0, -5.0]),
                                       np.array([0.0, 0.01]))
    sol = estimator.normal_solve(h, weight, v, cons)
    np.testing.assert_allclose(sol.delta[0, :3], offset, atol=1e-3)
    np.testing.assert_allclose(sol.delta[0, 3:], clocks, atol=1e-3)


def test_session_isb_is_the_median_of_the_free_epochs(hour):
    obs, nav = hour
    free = solve(obs, nav, systems="R+C", session_isb=False)
    tied = solve(obs, nav, systems="R+C")
    table = json.loads(tied.attrs["session_isb_m"])["C-R"]
    per_epoch = free["isb_C_s"].values * 299_792_458.0
    # the session value lies within the per-epoch spread of the free solution; sigma is realistic (dm, not m)
    assert abs(table["isb_m"] - np.nanmedian(per_epoch)) < 0.3
    assert 0.05 <= table["sigma_m"] < 1.0
    assert json.loads(free.attrs["session_isb_m"]) == {}
    tied_isb = tied["isb_C_s"].values * 299_792_458.0
    assert np.nanmax(np.abs(tied_isb - table["isb_m"])) < 4 * table["sigma_m"]


def test_epochs_without_redundancy_are_gated_by_the_protection_level(hour):
    """GLONASS alone at 30° on the ESBC hour: 4-satellite epochs (RAIM cannot test them) solve
    without the gate; with the default 50 m alert limit those whose bound exceeds it are refused."""
    obs, nav = hour
    open_ = solve(obs, nav, systems="R", mask_deg=30, alert_limit_m=None)
    gated = solve(obs, nav, systems="R", mask_deg=30)
    untestable = (open_["raim_dof"].values == 0) & np.isin(open_["status"].values, ("ok", "fde"))
    assert untestable.sum() > 20
    refused = gated["reason"].values == "protection level above alert limit"
    assert refused.any() and (gated["status"].values[refused] == "failed").all()
    assert (gated["protection_level_m"].values[refused] > 50.0).all()
    assert (gated["raim_dof"].values[refused] == 0).all()  # redundant epochs are RAIM's to judge
    assert np.isnan(gated["x_m"].values[refused]).all()


@pytest.mark.parametrize("system_set,mask", [("R", 10), ("C", 30), ("R+C", 30), ("R+C", 40)])
def test_protection_level_bounds_the_error(hour, system_set, mask):
    obs, nav = hour
    ds = solve(obs, nav, systems=system_set, mask_deg=mask, alert_limit_m=None)
    solved = np.isin(ds["status"].values, ("ok", "fde"))
    xyz = np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)[solved]
    error = np.linalg.norm(xyz - ESBC_TRUTH, axis=1)
    assert solved.sum() > 50
    assert (error <= ds["protection_level_m"].values[solved]).all()


def test_protection_level_constant():
    from lodestar.positioning import integrity

    # 3D bound: sqrt(chi2_3 upper 1e-3 quantile) = sqrt(16.266) (chi-square tables; scipy.stats.chi2.isf)
    q = np.diag([4.0, 1.0, 1.0])[None]
    assert integrity.protection_level_m(q, 1e-3)[0] == pytest.approx(np.sqrt(16.2662) * 2.0, rel=1e-4)


def test_broadcast_sisre_counted_once_in_the_protection_level():
    """When the estimator's weights already hold the SISRE (1/w = noise + s^2) and the bound's SISRE
    is the same s, the sandwich G C G^T with C = 1/w is the estimator's own covariance (HᵀWH)^-1
    (weighted least squares, Koch 1999 §3.2); adding s^2 on top of 1/w (the double count that
    refused every GLONASS epoch at 40°) gives a larger bound."""
    from lodestar.positioning import integrity

    rng = np.random.default_rng(7)
    los = rng.normal(size=(1, 6, 3))
    h = np.concatenate([-los / np.linalg.norm(los, axis=-1, keepdims=True), np.ones((1, 6, 1))], axis=-1)
    noise_m2, sisre_m = rng.uniform(0.1, 1.0, (1, 6)), np.full(6, 2.0)
    weight = 1.0 / (noise_m2 + sisre_m**2)
    covariance = np.linalg.inv(np.einsum("tsi,ts,tsj->tij", h, weight, h))
    once = integrity.position_covariance(h, weight, sisre_m, covariance, counted_m2=sisre_m[None, :] ** 2)
    np.testing.assert_allclose(once, covariance[:, :3, :3], rtol=1e-10)
    twice = integrity.position_covariance(h, weight, sisre_m, covariance)
    assert np.trace(twice[0]) > 1.5 * np.trace(once[0])


@pytest.mark.slow
def test_glonass_alone_at_40_deg_solves_within_its_bound(esbc):
    """ESBC day, GLONASS alone at 40°: the 4-satellite epochs whose bound (SISRE counted once) stays
    under the 50 m alert limit solve (50 epochs; 0 while the bound counted the SISRE twice), and the
    bound holds on every one of them (largest error / bound 0.24)."""
    ds = solve(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", esbc / NAV_FILE, systems="R", mask_deg=40)
    solved = np.isin(ds["status"].values, ("ok", "fde"))
    xyz = np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)[solved]
    error = np.linalg.norm(xyz - ESBC_TRUTH, axis=1)
    assert solved.sum() >= 20
    assert (error <= ds["protection_level_m"].values[solved]).all() and error.max() < 50.0
