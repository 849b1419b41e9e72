"""Kernels of single-point positioning: ionosphere, troposphere, estimator, DOPs.

Reference values come from RTKLIB 2.4.3 (``pyrtklib``, an independent implementation of the same
ICD formulas) where RTKLIB has the model, otherwise from the ICD formula evaluated by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.constants import C_MPS
from lodestar.models import geometry, ionosphere, troposphere
from lodestar.positioning import estimator

# ESBC navigation header (ESBC00DNK_R_20201770000_01D_MN.rnx, GPSA/GPSB lines).
ESBC_ALPHA = [4.6566e-09, 1.4901e-08, -5.9605e-08, -1.1921e-07]
ESBC_BETA = [8.1920e04, 9.8304e04, -6.5536e04, -5.2429e05]
ESBC_LAT, ESBC_LON, ESBC_H = 55.4913, 8.4570, 60.0


def _rtklib_array(values):
    pyrtklib = pytest.importorskip("pyrtklib")
    array = pyrtklib.Arr1Ddouble(len(values))
    for i, v in enumerate(values):
        array[i] = float(v)
    return array


@pytest.mark.parametrize("hour,az_deg,el_deg", [(0, 10, 15), (6, 135, 30), (13, 200, 60), (14, 300, 85), (20, 45, 10)])
def test_gps_klobuchar_matches_rtklib(hour, az_deg, el_deg):
    pyrtklib = pytest.importorskip("pyrtklib")
    t = pyrtklib.epoch2time(_rtklib_array([2020, 6, 25, hour, 0, 0]))
    ion = _rtklib_array(ESBC_ALPHA + ESBC_BETA)
    pos = _rtklib_array([np.radians(ESBC_LAT), np.radians(ESBC_LON), ESBC_H])
    azel = _rtklib_array([np.radians(az_deg), np.radians(el_deg)])
    expected = pyrtklib.ionmodel(t, ion, pos, azel)
    sow = 4 * 86400 + hour * 3600  # 2020-06-25 is day 4 of GPS week 2111
    ours = ionosphere.klobuchar_gps_m(np.radians(ESBC_LAT), np.radians(ESBC_LON), np.radians(az_deg),
                                      np.radians(el_deg), sow, ESBC_ALPHA, ESBC_BETA)
    assert ours == pytest.approx(expected, abs=1e-6)  # metres


def test_bds_klobuchar_follows_icd_formula():
    # With only alpha0 set, at the zenith and 14:00 local (BDS-SIS-ICD-B1I 3.0 §5.2.4.7):
    # Iz = 5 ns + alpha0 (cosine at its peak), slant factor 1 at 90° elevation.
    alpha = [20e-9, 0.0, 0.0, 0.0]
    beta = [100000.0, 0.0, 0.0, 0.0]
    lon = np.radians(15.0)  # local time = BDT + lon * 43200 / pi = BDT + 3600 s
    bdt_sow = 50400.0 - 3600.0
    got = ionosphere.klobuchar_bds_m(np.radians(45.0), lon, 0.0, np.pi / 2, bdt_sow, alpha, beta)
    assert got == pytest.approx(C_MPS * 25e-9, abs=1e-6)
    # Night (outside |t - 50400| < A4/4): the constant 5 ns only.
    night = ionosphere.klobuchar_bds_m(np.radians(45.0), lon, 0.0, np.pi / 2, 0.0, alpha, beta)
    assert night == pytest.approx(C_MPS * 5e-9, abs=1e-6)
    # Period clamped to 172 800 s: beta0 = 1e6 behaves like 172 800 (cos(2 pi 10800/172800)).
    clamped = ionosphere.klobuchar_bds_m(np.radians(45.0), lon, 0.0, np.pi / 2, bdt_sow + 10800.0, alpha,
                                         [1e6, 0, 0, 0])
    assert clamped == pytest.approx(C_MPS * (5e-9 + 20e-9 * np.cos(2 * np.pi * 10800 / 172800)), abs=1e-6)


def test_glonass_channel_scaling():
    # First-order delay scales as (f_ref/f)^2; GLONASS k = -7 at 1598.0625 MHz (ICD 5.1 §3.3.1.4).
    scaled = ionosphere.scale_to_frequency(10.0, ionosphere.GPS_L1_HZ, 1602.0e6 - 7 * 0.5625e6)
    assert scaled == pytest.approx(10.0 * (1575.42 / 1598.0625) ** 2, rel=1e-12)


def test_saastamoinen_zenith_matches_rtklib():
    pyrtklib = pytest.importorskip("pyrtklib")
    t = pyrtklib.epoch2time(_rtklib_array([2020, 6, 25, 0, 0, 0]))
    pos = _rtklib_array([np.radians(ESBC_LAT), np.radians(ESBC_LON), ESBC_H])
    azel = _rtklib_array([0.0, np.pi / 2])
    expected = pyrtklib.tropmodel(t, pos, azel, 0.7)
    hydro, wet = troposphere.saastamoinen_zenith_m(np.radians(ESBC_LAT), ESBC_H)
    assert hydro + wet == pytest.approx(expected, abs=1e-4)  # 0.1 mm
    assert 2.2 < hydro < 2.4 and 0.05 < wet < 0.25  # textbook sea-level magnitudes (Hofmann-Wellenhof)


def test_mapping_function_values():
    # Black & Eisner: ~1 at the zenith, 5.58 at 10° (Niell 1996 hydrostatic is 5.55 at 10°).
    assert troposphere.black_eisner_mapping(np.pi / 2) == pytest.approx(1.0, abs=1e-3)
    assert troposphere.black_eisner_mapping(np.radians(10)) == pytest.approx(5.58, abs=0.01)


def test_sagnac_rotation_magnitude():
    # A GPS satellite overhead of a mid-latitude receiver: Sagnac term omega/c (x_s y_r - y_s x_r) ~ up to 30 m.
    sat = np.array([[[15e6, 20e6, 10e6]]])
    rx = np.array([[4e6, 1e6, 4.8e6]])
    rng, _ = geometry.line_of_sight(rx, sat)
    plain = np.linalg.norm(sat[0, 0] - rx[0])
    sagnac = geometry.SAGNAC_OMEGA_RADPS / C_MPS * (sat[0, 0, 0] * rx[0, 1] - sat[0, 0, 1] * rx[0, 0])
    assert rng[0, 0] - plain == pytest.approx(sagnac, abs=1e-3)


def _synthetic_geometry(n_epochs=5, seed=1):
    """Random visible-sky geometry: 8 satellites of two systems around one receiver."""
    rng = np.random.default_rng(seed)
    rx = np.array([3582105.291, 532589.7313, 5232754.8054])
    up = rx / np.linalg.norm(rx)
    dirs = rng.normal(size=(n_epochs, 8, 3)) + 1.5 * up
    dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
    sat = rx + 2.2e7 * dirs
    system_index = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    return rx, sat, system_index


def test_batched_solver_recovers_position_and_clocks():
    rx, sat, system_index = _synthetic_geometry()
    clocks = np.array([1234.5, -876.0])
    pseudorange = np.linalg.norm(sat - rx, axis=-1) + clocks[system_index]
    x = np.tile(rx + [100.0, -50.0, 30.0], (sat.shape[0], 1))
    c = np.zeros((sat.shape[0], 2))
    for _ in range(6):
        diff = sat - x[:, None, :]
        rng_ = np.linalg.norm(diff, axis=-1)
        h = estimator.design_matrix(diff / rng_[..., None], system_index, 2)
        v = pseudorange - rng_ - c[:, system_index]
        sol = estimator.normal_solve(h, np.ones(v.shape), v)
        x += sol.delta[:, :3]
        c += sol.delta[:, 3:]
    np.testing.assert_allclose(x, np.tile(rx, (sat.shape[0], 1)), atol=1e-6)
    np.testing.assert_allclose(c, np.tile(clocks, (sat.shape[0], 1)), atol=1e-6)


def test_absent_system_is_pinned_not_singular():
    rx, sat, system_index = _synthetic_geometry(n_epochs=2)
    diff = sat - rx
    h = estimator.design_matrix(diff / np.linalg.norm(diff, axis=-1)[..., None], system_index, 2)
    weight = np.ones((2, 8))
    weight[1, :4] = 0.0  # epoch 1: system 0 absent, 4 satellites of system 1 remain
    sol = estimator.normal_solve(h, weight, np.zeros((2, 8)))
    assert np.isfinite(sol.delta).all()
    assert sol.present.tolist() == [[True, True], [False, True]]
    weight[1, 4] = 0.0  # 3 satellites left: not solvable, NaN rather than a wrong answer
    sol = estimator.normal_solve(h, weight, np.zeros((2, 8)))
    assert np.isnan(sol.delta[1]).all() and np.isfinite(sol.delta[0]).all()


def test_dops_one_clock_per_system_is_not_optimistic():
    rx, sat, system_index = _synthetic_geometry(n_epochs=3)
    diff = sat - rx
    los = diff / np.linalg.norm(diff, axis=-1)[..., None]
    used = np.ones((3, 8), bool)
    two = estimator.dops(estimator.design_matrix(los, system_index, 2), used, np.ones((3, 2), bool), ESBC_LAT, ESBC_LON)
    one = estimator.dops(estimator.design_matrix(los, np.zeros(8, int), 1), used, np.ones((3, 1), bool), ESBC_LAT, ESBC_LON)
    assert np.all(two[1] >= one[1] - 1e-12)  # PDOP with an extra clock unknown can only grow
    np.testing.assert_allclose(two[2] ** 2 + two[3] ** 2, two[1] ** 2, rtol=1e-10)  # HDOP^2 + VDOP^2 = PDOP^2


def test_chi2_threshold_matches_scipy():
    # our quantile (no scipy import in the product: it cost 0.13 s of start-up) vs scipy.stats.chi2.isf
    from scipy.stats import chi2

    from lodestar.positioning.raim import chi2_threshold

    dof = np.arange(1, 120)
    for pfa in (1e-2, 1e-3, 1e-5):
        np.testing.assert_allclose(chi2_threshold(dof, pfa), chi2.isf(pfa, dof), rtol=1e-9)


def test_klobuchar_coefficients_outside_the_broadcast_words_are_not_used(data, tmp_path, capsys):
    """IS-GPS-200N Table 20-X: alpha/beta are 8-bit words (alpha0 at most 127 x 2^-30 s = 1.18e-7 s). A header
    with alpha0 = 1e-6 s (or NaN) is not a broadcast one: before, it was used and ESBC's 12-13 h went 0.53 -> 576 m
    3D RMS without a word (bad-values sweep, 2026-12-08). Now no model, said on the terminal and in the notes."""
    from lodestar.cli import main
    from lodestar.io.compression import read_bytes

    from lodestar.io.rinex_nav import read_nav

    esbc = data / "esbc-2020-177"
    iono = read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz").iono  # the day's real broadcast coefficients
    assert ionosphere.klobuchar_outside(iono["GPSA"], iono["GPSB"]) is None
    assert "alpha0 = 1e-06" in ionosphere.klobuchar_outside([1e-6, 0, 0, 0], [8e4, 0, 0, 0])
    assert "beta3 = nan" in ionosphere.klobuchar_outside([1e-8, 0, 0, 0], [8e4, 0, 0, float("nan")])
    # the words' extremes as RINEX prints them (D12.4 rounds 127 x 2^11 = 260096 up to 2.6010E+05) are broadcast ones
    extremes = [float(f"{127 * s:.4E}") for s in (2.0**-30, 2.0**-27, 2.0**-24, 2.0**-24)], \
        [float(f"{127 * s:.4E}") for s in (2.0**11, 2.0**14, 2.0**16, 2.0**16)]
    assert extremes[1][0] > 127 * 2.0**11 and ionosphere.klobuchar_outside(*extremes) is None
    lines = read_bytes(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz").decode().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("GPSA"))
    lines[at] = lines[at][:5] + f"{1e-6:12.4E}" + lines[at][17:]
    nav = tmp_path / "damaged_MN.rnx"
    nav.write_text("".join(lines))
    code = main(["solve", str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"), "--nav", str(nav),
                 "--systems", "R+C", "--out", str(tmp_path / "x.csv"), "--json", str(tmp_path / "x.json")])
    assert code == 0
    assert "ionosphere for R, C: none (the GPS coefficients are outside the broadcast ranges: alpha0 = 1e-06" \
        in capsys.readouterr().err
