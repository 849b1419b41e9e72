"""Persistent range faults (``positioning/persistent.py``): a satellite biased by metres all hour.

Synthetic cases: per-epoch least squares with a known constant fault on one satellite; the
estimator ``b = sum w v / sum w r`` recovers it and the test names it. Real data: TLSE 2024-01-01
18-19 h, where GLONASS R10 is -9.9 m off at the SINEX position over the whole hour while every other
GLONASS satellite is within +-2.2 m (docs/positioning.md, "Persistent range faults"); the 2020
stations (ESBC, WTZR, WTZZ) have no such satellite and nothing may be flagged there.
"""

from __future__ import annotations

import glob

import numpy as np
import pytest

from lodestar.io.sinex import station_position
from lodestar.positioning import persistent, prepare, solve
from lodestar.positioning.output import accuracy

EPOCHS, SATS, DT_S = 120, 8, 30.0
TLSE = ("tlse-2024-001/TLSE00FRA_R_20240011800_01H_30S_MO.crx.gz", "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz")
ESBC_NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


def _epochwise_lsq(fault_m, sigma_m=3.0, seed=5):
    """Residuals, weights, design and covariance of T independent 4-parameter solutions (S satellites),
    3 m noise: a TLSE-like a-priori sigma, so that a 10 m fault passes every epoch's own RAIM test."""
    rng = np.random.default_rng(seed)
    los = rng.normal(size=(EPOCHS, SATS, 3))
    los /= np.linalg.norm(los, axis=-1, keepdims=True)
    h = np.concatenate([-los, np.ones((EPOCHS, SATS, 1))], axis=-1)
    y = rng.normal(0.0, sigma_m, (EPOCHS, SATS)) + np.asarray(fault_m)[None, :]
    w = np.full((EPOCHS, SATS), 1.0 / sigma_m**2)
    n = np.einsum("tsi,ts,tsj->tij", h, w, h)
    q = np.linalg.inv(n)
    dx = np.einsum("tij,tsj,ts,ts->ti", q, h, w, y)
    v = y - np.einsum("tsi,ti->ts", h, dx)
    return v, w, h, q


def _test(v, w, h, q, causal=False, identifiable=None):
    return persistent.persistent_error_m(v, w, h, q, np.zeros(SATS, int), np.full(SATS, 2.0), DT_S, causal=causal,
                                        identifiable=identifiable)


def test_a_ten_metre_fault_is_estimated_and_named():
    fault = np.zeros(SATS)
    fault[3] = -10.0
    b, u, sigma_b = _test(*_epochwise_lsq(fault))
    assert b[3] == pytest.approx(-10.0, abs=3 * sigma_b[3])  # the least-squares estimate of the fault
    assert abs(u[3]) > persistent.THRESHOLD
    assert persistent.worst_fault(u).tolist() == [j == 3 for j in range(SATS)]


def test_no_fault_nothing_named():
    b, u, _ = _test(*_epochwise_lsq(np.zeros(SATS)))
    assert np.abs(b).max() < 2.0 and not persistent.worst_fault(u).any()


def test_epochs_without_identifiability_do_not_count():
    fault = np.zeros(SATS)
    fault[3] = -10.0
    v, w, h, q = _epochwise_lsq(fault)
    _, u, _ = _test(v, w, h, q, identifiable=np.zeros(EPOCHS, bool))
    assert (u == 0.0).all()


def test_causal_statistic_uses_only_the_past():
    fault = np.zeros(SATS)
    fault[3] = -10.0
    v, w, h, q = _epochwise_lsq(fault)
    _, u, _ = _test(v, w, h, q, causal=True)
    v2 = v.copy()
    v2[60:] += 50.0  # change everything from epoch 60 on
    _, u2, _ = _test(v2, w, h, q, causal=True)
    np.testing.assert_array_equal(u[:61], u2[:61])
    assert (u[: int(persistent.MIN_ARC_S / DT_S)] == 0.0).all()  # judged only after MIN_ARC_S of data
    assert abs(u[-1, 3]) > persistent.THRESHOLD


@pytest.fixture(scope="module")
def tlse(data):
    truth = station_position(sorted(glob.glob(str(data / "sinex" / "*"))), "TLSE", "2024-01-01T18:30:00")
    return prepare(data / TLSE[0], data / TLSE[1], systems="RC"), truth


def test_tlse_r10_is_taken_out_and_the_pair_at_30_degrees_recovers(tlse):
    """R+C at 30°, post-processing: 7.92 m with R10 (BeiDou alone 6.65 m); R10 out of every epoch that
    keeps two redundant observations without it: 4.11 m (4.11 m with its column removed by hand)."""
    prep, truth = tlse
    ds = solve(prep, systems="R+C", mask_deg=30.0)
    faults = eval_json(ds.attrs["persistent_fault_epochs"])
    assert set(faults) == {"R10"} and faults["R10"] > 60
    assert accuracy(ds, truth)["rms_3d_m"] < 4.5


def test_tlse_glonass_alone_cannot_name_r10(tlse):
    """GLONASS alone (6 satellites): R10's test is correlated 0.96 with R20's, 0.95 R18 with R16: the
    geometry cannot tell which satellite is off, so nothing is named (persistent.SEPARABILITY) and the
    figure stays 7.68 m (post-processing; RTKLIB 2.4.3 7.78 m). With R10 removed by hand it is 3.90 m;
    one-at-a-time exclusion without the separability check named R10 at 10° but R16 at 30° (15.4 m)."""
    prep, truth = tlse
    for causal in (False, True):
        ds = solve(prep, systems="R", causal=causal)
        assert eval_json(ds.attrs["persistent_fault_epochs"]) == {}
        assert accuracy(ds, truth)["rms_3d_m"] < 7.78  # RTKLIB 2.4.3, tests/test_causal.py


#: The one real persistent fault of the 2020 hours: GLONASS R08 at WTZR, +5.24 m at the SINEX position
#: over the whole hour (the other GLONASS satellites -2.7 .. +1.7 m), named by the causal GLONASS run.
KNOWN_2020 = {"WTZR": {"R08"}}


@pytest.mark.parametrize("station", ["ESBC", "WTZR", "WTZZ"])
def test_no_false_alarm_on_the_2020_hours(data, station):
    prep = prepare(data / f"esbc-2020-177/{station}00{'DNK' if station == 'ESBC' else 'DEU'}_R_20201770000_01D_30S_MO"
                   "_120epoch.rnx", data / ESBC_NAV, systems="GREC")
    for systems in ("R", "C", "R+C", "G+R+E+C"):
        for causal in (False, True):
            ds = solve(prep, systems=systems, causal=causal)
            named = set(eval_json(ds.attrs["persistent_fault_epochs"]))
            assert named <= KNOWN_2020.get(station, set()), (systems, causal)


def test_cli_solve_names_the_fault(data, tmp_path, capsys):
    from lodestar.cli import main

    out = tmp_path / "tlse.pos"
    assert main(["solve", str(data / TLSE[0]), "--nav", str(data / TLSE[1]), "--systems", "R+C", "--mask", "30",
                 "--out", str(out)]) == 0
    assert "persistent range fault: R10 out of" in capsys.readouterr().out


def eval_json(text):
    import json

    return json.loads(text)
