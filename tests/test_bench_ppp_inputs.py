"""What the PPP benchmark gives its peers is what Lodestar uses (benchmarks/bench_ppp.py).

cssrlib reads satellite antennas from ANTEX and clocks from one RINEX clock file; the benchmark writes
both from the case's files (docs/ppp-benchmark.md, "cssrlib 1.2.1"). These tests read the written files
back with Lodestar's own readers and compare them with the values Lodestar computes from the sources:
a peer given different offsets, patterns or clocks would be compared unfairly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from reference import wettzell_truth

from lodestar.io.antex import read_antex
from lodestar.io.sp3 import read_sp3
from lodestar.positioning.ppp.antennas import phase_centres, satellite_offsets, satellite_pcv_if_m

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_ppp  # noqa: E402

WHEN = np.datetime64("2020-06-25T00:30", "ns")


def test_satellite_antex_holds_lodestars_if_offsets_and_patterns(data, tmp_path):
    inputs = {"sinex": [str(data / p) for p in bench_ppp.ESBC["sinex"]], "antex_lodestar": bench_ppp.ESBC["antex"]}
    svs = np.array(["G08", "R09", "E01", "C19", "C10", "C05"])
    path, unknown = bench_ppp.write_satellite_antex(tmp_path / "sat.atx", inputs, svs, WHEN)
    pco, sat, _ = satellite_offsets(phase_centres(inputs["antex_lodestar"], inputs["sinex"]), svs, WHEN)
    nadir = np.radians(np.repeat(np.arange(0.0, 18.0)[:, None], svs.size, axis=1))
    f1 = np.array([bench_ppp.IF_PAIRS_HZ[sv[0]][0] for sv in svs])
    f2 = np.array([bench_ppp.IF_PAIRS_HZ[sv[0]][1] for sv in svs])
    pcv = satellite_pcv_if_m(sat, svs, nadir, f1, f2)
    atx = read_antex(path)
    assert unknown == ["C05"]  # the BDS-2 GEO: no offset in any source here, and Lodestar leaves it out
    for j, sv in enumerate(svs):
        block = atx.satellite(sv, WHEN)
        if sv in unknown:
            assert block is None
            continue
        for code in bench_ppp.ANTEX_PAIRS[sv[0]]:  # both frequencies carry the IF values: written in 0.01 mm
            np.testing.assert_allclose(block.pco_m(code), pco[j], rtol=0, atol=6e-6)
            np.testing.assert_allclose(block.frequencies[code].noazi_m, pcv[:, j], rtol=0, atol=6e-6)
    assert np.abs(pco[:, 2][np.isfinite(pco[:, 2])]).max() > 0.5  # real offsets (metres in z), not zeros


@pytest.fixture(scope="module")
def wtzz_inputs(data, tmp_path_factory):
    return bench_ppp.prepare_inputs(data, tmp_path_factory.mktemp("bench"), bench_ppp.CASES["WTZZ"])


def test_cssrlib_clock_file_has_beidou_interpolated_at_every_clk_epoch(wtzz_inputs, tmp_path):
    sp3_path, clk_path = bench_ppp._cssrlib_products(wtzz_inputs, "RC", tmp_path / "x.npz")
    records: dict[str, dict[str, float]] = {}
    keys = []
    for text in Path(clk_path).read_text().splitlines():
        if text.startswith("AS "):
            key = text[8:34]
            if not keys or keys[-1] != key:
                keys.append(key)
            records.setdefault(text[3:6], {})[key] = float(text[40:59])
    assert len(keys) == len(set(keys))  # each epoch's records together: cssrlib starts a new epoch on a change
    iac = read_sp3(wtzz_inputs["sp3_bds"][0])
    c19 = iac["clock_s"].sel(sv="C19").values
    node, middle = "2020  6 25  0 15  0.000000", "2020  6 25  0  7 30.000000"
    assert records["C19"][node] == pytest.approx(c19[1], abs=1e-15)  # a node: the SP3 sample itself
    assert records["C19"][middle] == pytest.approx((c19[0] + c19[1]) / 2, abs=1e-15)  # linear between
    assert len(records["C19"]) == len(keys)  # every 30-s epoch of the CLK
    original = sum(1 for t in Path(wtzz_inputs["clk"][0]).read_text().splitlines() if t.startswith("AS R"))
    assert sum(len(v) for sv, v in records.items() if sv[0] == "R") == original  # GLONASS untouched
    # the SP3: every epoch lists every satellite; none with zero positions (cssrlib interpolates through them)
    lines = Path(sp3_path).read_text().splitlines()
    count = int(lines[2][3:6])
    per_epoch = np.diff([i for i, t in enumerate(lines) if t.startswith("*")] + [len(lines) - 1]) - 1
    assert (per_epoch == count).all()
    assert not any(t.startswith("P") and t[4:46].split() == ["0.000000"] * 3 for t in lines)


def test_every_solver_is_also_scored_at_the_last_epoch_all_of_them_solved(tmp_path):
    truth = np.array(bench_ppp.ESBC_ITRF2014_XYZ)
    t = np.arange(0.0, 300.0, 30.0)
    up = truth / np.linalg.norm(truth)
    # "early" ends at t = 240 s (as RTKLIB's day ends at 22:45 without the next day's SP3); "full" is 1 cm
    # up there and 5 cm up at its own last epoch; a one-row batch solution takes part at any epoch
    full = truth + np.outer(np.where(t < 270, 0.01, 0.05), up)
    early = truth + np.outer(np.full(t.size, 0.02), up)
    early[t > 240] = np.nan
    for name, xyz, times in (("full", full, t), ("early", early, t), ("batch", (truth + 0.03 * up)[None], t[-1:])):
        np.savez(tmp_path / f"{name}.npz", time_gps_s=times, xyz_m=xyz)
    outs = {name: tmp_path / f"{name}.npz" for name in ("full", "early", "batch", "absent")}
    common = bench_ppp.score_at_common_last_epoch(outs, truth)
    assert set(common) == {"full", "early", "batch"} and common["full"]["common_last_epoch_s"] == 240.0
    assert [round(common[k]["final_common_3d_m"], 6) for k in ("full", "early", "batch")] == [0.01, 0.02, 0.03]


def test_wettzell_receiver_block_alone_and_satellites_from_the_products_model(data, wtzz_inputs):
    # the LEIAR25.R3 LEIT block copied verbatim (igs20_wettzell_trim.atx), none of the file's igs20 GPS blocks
    atx = read_antex(wtzz_inputs["antex"])
    assert [e.antenna_type for e in atx.entries] == ["LEIAR25.R3"]
    source = read_antex(data / "antex/igs20_wettzell_trim.atx")
    ours, theirs = atx.receiver("LEIAR25.R3", "LEIT"), source.receiver("LEIAR25.R3", "LEIT")
    for code, freq in theirs.frequencies.items():
        np.testing.assert_array_equal(ours.pco_m(code), freq.pco_m)
        np.testing.assert_array_equal(ours.frequencies[code].noazi_m, freq.noazi_m)
    # G08 has an igs20 block in that file; here it takes JAXA's igs14 offset and its block's nadir PCV
    pc = phase_centres(wtzz_inputs["antex_lodestar"], wtzz_inputs["sinex"])
    _, sat, provenance = satellite_offsets(pc, np.array(["G08", "R09"]), WHEN)
    assert [provenance[sv]["source"] for sv in ("G08", "R09")] == ["sinex", "sinex"]
    assert "BLOCK IIF" in provenance["G08"]["note"] and sat.pcv_m("1", np.zeros(2))[0] == pytest.approx(6.1e-3)
    # the truth from the IGS SINEX solutions of the station (2010 and 2020, interpolated to the day), not from
    # the satellite SINEX files
    expected = wettzell_truth(data, "WTZZ")
    np.testing.assert_allclose(wtzz_inputs["truth"], expected, atol=1e-6)


def test_rtklib_solution_sigmas_turned_to_east_north_up():
    # RTKLIB's xyz rows carry sdx sdy sdz sdxy sdyz sdzx, the off-diagonals as sign(cov) sqrt(|cov|)
    # (RTKLIB 2.4.3 manual, app. B). A 2 cm error purely along the local vertical at ESBC gives east and
    # north 0 and up 2 cm; an isotropic 1 cm stays 1 cm in every direction.
    from lodestar.frames import ecef_to_geodetic, enu_matrix

    xyz = np.array(bench_ppp.ESBC_ITRF2014_XYZ)

    lat, lon, _ = ecef_to_geodetic(xyz)
    up = enu_matrix(lat, lon)[2]
    cov = 0.02**2 * np.outer(up, up)
    signed = lambda c: np.sign(c) * np.sqrt(abs(c))
    row = ["2111", "0.0", *map(str, xyz), "6", "10", *(f"{np.sqrt(cov[i, i]):.9f}" for i in range(3)),
           *(f"{signed(cov[i, j]):.9f}" for i, j in ((0, 1), (1, 2), (2, 0))), "0.0", "0.0"]
    # 10 µm: the written sdx..sdzx carry 9 decimals (1 nm), a variance of zero comes back as ~1e-11 m²
    np.testing.assert_allclose(bench_ppp._rtklib_sigma_enu_m([row], xyz[None]), [[0.0, 0.0, 0.02]], atol=1e-5)
    iso = ["2111", "0.0", *map(str, xyz), "6", "10", "0.01", "0.01", "0.01", "0", "0", "0", "0.0", "0.0"]
    np.testing.assert_allclose(bench_ppp._rtklib_sigma_enu_m([iso], xyz[None]), [[0.01, 0.01, 0.01]], atol=1e-12)


def test_timed_children_run_from_compiled_bytecode(monkeypatch):
    # This machine sets PYTHONDONTWRITEBYTECODE; a timed Lodestar child that inherited it recompiled ~80
    # modules per run (0.15-0.25 s, docs/ppp-benchmark.md "Speed"), a cost no installed package pays.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = bench_ppp.child_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPATH"].split(bench_ppp.os.pathsep)[0] == str(Path(bench_ppp.__file__).resolve().parents[1] / "src")
