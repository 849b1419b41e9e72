"""PPP with BDS-3 on B1C/B2a (``bds3_signals="b1c-b2a"``, ``lodestar ppp --bds3-signals b1c-b2a``).

Real data: WTZZ (Wettzell, Javad TRE_3 DELTA, LEIAR25.R3 LEIT), 2020-06-25 00:00-01:00 at 30 s, which
tracks BDS-3 C1X/C5X beside C2I/C6I; GRG SP3 + 30 s CLK, IAC SP3 (15 min, with clocks) for BeiDou, the
LEIAR25.R3 calibration from antex/igs20_wettzell_trim.atx, SINEX truth (IGS weekly 2010 and 2020, interpolated:
tests/reference.py). Bias-SINEX: WUM's
OSB file of 2020-001 (C1X C5X C2I C6I of BDS-3 C19-C30; C32-C37 have C1P but no C1X; C40 none).
Frequencies: B1C 1575.42 MHz = 154 x 10.23 MHz, B2a 1176.45 MHz = 115 x 10.23 MHz (BDS-SIS-ICD-B1C 1.0
§4.2, -B2a 1.0 §4.2); B1I 1561.098 MHz = 1526 x 1.023 MHz, B3I 1268.52 MHz = 1240 x 1.023 MHz
(BDS-SIS-ICD-B1I 3.0 §4.2, -B3I 1.0 §4.2).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from reference import wettzell_truth

from lodestar.positioning.ppp import accuracy_summary, ppp
from lodestar.positioning.ppp.observables import (
    code_bias_corrections_m,
    if_coefficients,
    select_dual_frequency,
    signal_band,
)

OBS = "esbc-2020-177/WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
BIAS = "bias/WUM0MGXRAP_20200010000_01D_01D_ABS.BIA.gz"
BDS3 = ["C19", "C20", "C23", "C32", "C34", "C37", "C40"]  # BDS-3 MEO/IGSO WTZZ tracks on C1X/C5X all hour
BDS2 = ["C07", "C10", "C11", "C12"]  # BDS-2 IGSO/MEO (GEO C02, C05 are out by default)
B1C_B2A = (23716 / 10491, 13225 / 10491)  # 154^2 / (154^2 - 115^2), 115^2 / (154^2 - 115^2)
B1I_B3I = (582169 / 197769, 384400 / 197769)  # 1526^2 / (1526^2 - 1240^2), 1240^2 / (...)


def _products(data):
    esbc = data / "esbc-2020-177"
    return {"sp3": [esbc / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz",
                    esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz", esbc / "Sta21114.sp3.gz"],
            "clk": [esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"],
            "antex": data / "antex" / "igs20_wettzell_trim.atx", "sinex": [data / "sinex" / "igs20P2131_wocov.snx"]}


def _truth(data):

    return wettzell_truth(data, "WTZZ")


@pytest.fixture(scope="module")
def wtzz_obs(data):
    from lodestar.io.rinex_obs import read_obs

    return read_obs(data / OBS, systems=("C",))


def _dual(obs, option):
    svs = [sv for sv in obs["sv"].values.astype(str) if sv in BDS3 + BDS2]
    return select_dual_frequency(obs, svs, {}, option)


def test_if_coefficients_of_b1c_b2a_and_b1i_b3i_are_the_hand_values():
    a1, a2 = if_coefficients(1575.42e6, 1176.45e6)
    assert a1 == pytest.approx(B1C_B2A[0], rel=1e-12) and a2 == pytest.approx(B1C_B2A[1], rel=1e-12)
    assert a1 - a2 == pytest.approx(1.0, abs=1e-12)  # a clock (or any common delay) passes the IF unchanged
    b1, b2 = if_coefficients(1561.098e6, 1268.52e6)
    assert b1 == pytest.approx(B1I_B3I[0], rel=1e-12) and b2 == pytest.approx(B1I_B3I[1], rel=1e-12)
    # the IF noise factor sqrt(a1^2 + a2^2): 2.588 on B1C/B2a against 3.527 on B1I/B3I (27 % less)
    assert np.hypot(a1, a2) == pytest.approx(2.588, abs=1e-3) and np.hypot(b1, b2) == pytest.approx(3.527, abs=1e-3)


def test_band_of_beidou_codes_rinex_302_c1i_is_b1i():
    # RINEX 3.02 wrote B1I as C1I (band 1); RINEX 3.03 renamed it C2I (section 5.12): never B1C
    assert signal_band("C", "C1I") == "2" and signal_band("C", "L1I") == "2"
    assert signal_band("C", "C1X") == "1" and signal_band("C", "C5X") == "5" and signal_band("G", "C1C") == "1"


def test_signal_selection_on_wtzz(wtzz_obs):
    dual = _dual(wtzz_obs, "b1c-b2a")
    for sv in BDS3:
        assert dual.signals[sv] == "C1X/C5X L1X/L5X"
        j = list(dual.sv).index(sv)
        assert (dual.f1_hz[j], dual.f2_hz[j]) == (1575.42e6, 1176.45e6) and tuple(dual.bands[j]) == ("1", "5")
    for sv in BDS2:  # BDS-2 satellites do not transmit B1C/B2a: they stay on the clocks' pair
        assert dual.signals[sv] == "C2I/C6I L2I/L6I" and tuple(dual.bands[list(dual.sv).index(sv)]) == ("2", "6")
    default = _dual(wtzz_obs, "b1i-b3i")
    assert all(default.signals[sv] == "C2I/C6I L2I/L6I" for sv in BDS3 + BDS2)


def test_bds2_code_bias_table_never_touches_bds3():
    from lodestar.positioning.ppp.corrections import bds2_code_bias_m

    el = np.radians(np.full((3, 3), 60.0))
    out = bds2_code_bias_m(["C11", "C19", "C34"], np.array(["2", "1", "5"], dtype=object), el)
    assert out[0, 0] == pytest.approx(0.34)  # Wanninger & Beer (2015) Table 2, MEO B1 at 60 deg
    assert np.all(out[:, 1:] == 0.0)


def test_satellite_offsets_of_the_b1c_b2a_pair(data):
    # C19 (BDS-3 CAST MEO): CSNO per-frequency z 1.46 m (B1C), 1.07 m (B2a): IF z = (23716 * 1.46 -
    # 13225 * 1.07) / 10491 = 1.9516 m. C34 (SECM) has only the published B1I/B3I IF value (2.004 m):
    # used for B1C/B2a too, and said so.
    from lodestar.positioning.ppp.antennas import phase_centres, satellite_offsets

    pc = phase_centres(data / "antex" / "igs20_wettzell_trim.atx", None)
    bands = np.array([["1", "5"], ["1", "5"]], dtype=object)
    offsets, _, provenance = satellite_offsets(pc, np.array(["C19", "C34"]), np.datetime64("2020-06-25T00:30"), bands)
    assert offsets[0, 2] == pytest.approx(1.9516, abs=1e-4) and offsets[1, 2] == pytest.approx(2.004, abs=1e-4)
    assert "no offsets for bands 1/5" in provenance["C34"]["note"]
    receiver = pc.receiver("LEIAR25.R3      LEIT")
    assert receiver.frequency_used("C", "1") == ("C", "1") and receiver.frequency_used("C", "5") == ("C", "5")


def test_osb_correction_of_the_b1c_b2a_pair_is_the_satellite_if_dcb(data, wtzz_obs):
    # WUM 2020-001 rows of C19 (lines 837-841): OSB C1X -18.0218, C5X -16.3857, C2I -15.2424, C6I -23.0844 ns.
    # IF(C1X, C5X) = 2.2606 * -18.0218 - 1.2606 * -16.3857 = -20.0843 ns; IF(C2I, C6I) = -0.00005 ns (the
    # file's clock reference: zero by construction); difference -20.0842 ns = -6.0211 m.
    from lodestar.io.bias import read_bias

    dual = _dual(wtzz_obs, "b1c-b2a")
    d1, d2, missing = code_bias_corrections_m([read_bias(data / BIAS)], dual, np.datetime64("2020-01-01T12:00"))
    j = list(dual.sv).index("C19")
    assert B1C_B2A[0] * d1[j] - B1C_B2A[1] * d2[j] == pytest.approx(-6.0211, abs=2e-4)
    assert set(missing) == {"C32", "C34", "C37", "C40"}  # no C1X OSB in the file: left as observed, noted
    assert all(d1[list(dual.sv).index(sv)] == 0.0 for sv in BDS2)  # the reference pair is untouched


def test_osb_sign_agrees_with_the_receivers_own_code_difference(data, wtzz_obs):
    # The geometry-, clock- and ionosphere-free difference IF(C1X, C5X) - IF(C2I, C6I) of one satellite
    # is its IF differential code bias plus the receiver's (common to all satellites). Removing WUM's DCB
    # with the Bias-SINEX sign (corrected = observed - c OSB) must leave a receiver constant: over C19,
    # C20, C23 the spread drops to 1.6 m (WUM's own sigma of the IF DCB: ~1.8 m), with the opposite sign
    # it grows to 3.9 m.
    from lodestar.io.bias import read_bias

    dual = _dual(wtzz_obs, "b1c-b2a")
    d1, d2, _ = code_bias_corrections_m([read_bias(data / BIAS)], dual, np.datetime64("2020-01-01T12:00"))
    observed, dcb = [], []
    for sv in ("C19", "C20", "C23"):
        s = wtzz_obs.sel(sv=sv)
        diff = (B1C_B2A[0] * s["C1X"].values - B1C_B2A[1] * s["C5X"].values
                - (B1I_B3I[0] * s["C2I"].values - B1I_B3I[1] * s["C6I"].values))
        observed.append(np.nanmean(diff))
        j = list(dual.sv).index(sv)
        dcb.append(B1C_B2A[0] * d1[j] - B1C_B2A[1] * d2[j])
    observed, dcb = np.array(observed), np.array(dcb)
    spread = np.ptp(observed - dcb)
    assert spread < 2.0 and spread < 0.6 * np.ptp(observed + dcb)


@pytest.fixture(scope="module")
def rc_kinematic(data):
    return ppp(data / OBS, systems="R+C", mode="kinematic", bds3_signals="b1c-b2a", **_products(data))


def test_wtzz_rc_kinematic_on_b1c_b2a_converges(data, rc_kinematic):
    # Issue #13's kinematic R+C bound (3D RMS after convergence <= 10 cm) on WTZZ's hour, converged within
    # the 20-35 min that float PPP takes to 10 cm horizontal (issue #13's anchors). Measured 2026-12-07
    # with BeiDou's clock-error state at IAC's measured 1.5 cm (api._CLOCK_STATE_SIGMA_BY_SYSTEM_M):
    # 7.5 cm RMS, 3.7 cm final, converged after 1290 s (b1i-b3i: 8.5 cm, 3.5 cm, 1200 s); with the
    # earlier 6 cm state 7.3 cm, 5.3 cm, 750 s.
    ds = rc_kinematic
    info = accuracy_summary(ds, _truth(data))
    assert info["convergence_s"] is not None and info["convergence_s"] <= 35 * 60
    assert info["rms_3d_m"] <= 0.10 and info["final_error_3d_m"] <= 0.10
    signals = json.loads(ds.attrs["signals"])
    assert all(signals[sv].startswith("C1X/C5X") for sv in BDS3 if sv in signals)
    assert np.all(np.isfinite(ds["code_residual_m"].sel(sv="C19").values[-60:]))  # B1C/B2a codes were used


def test_inter_signal_bias_matches_the_observed_code_difference(data, wtzz_obs):
    # With no per-satellite BeiDou code-bias states, the receiver B1C/B2a inter-signal bias alone carries
    # the BDS-3 codes' offset from the B1I/B3I clocks: it must equal the mean observed IF(C1X, C5X) -
    # IF(C2I, C6I) of the 7 BDS-3 satellites (-10.4 m; per satellite -4.6 ... -17.6 m) within 2 m, and the
    # BDS-2 codes stay unbiased (without the state: BDS-2 code residuals +7.4 m on average).
    ds = ppp(data / OBS, systems="C", mode="static", bds3_signals="b1c-b2a", code_bias_systems="R", **_products(data))
    s = wtzz_obs.sel(sv=BDS3)
    diff = (B1C_B2A[0] * s["C1X"].values - B1C_B2A[1] * s["C5X"].values
            - (B1I_B3I[0] * s["C2I"].values - B1I_B3I[1] * s["C6I"].values))
    observed = float(np.mean(np.nanmean(diff, axis=0)))
    isb = json.loads(ds.attrs["inter_signal_bias_m"])["C 1/5"]
    assert observed == pytest.approx(-10.4, abs=0.1)
    assert abs(isb - observed) < 2.0
    assert abs(np.nanmean(ds["code_residual_m"].sel(sv=BDS2).values)) < 1.0


def test_stale_bias_file_is_used_with_a_warning(data):
    # WUM's file is of 2020-001, the data of 2020-177: used at its last valid instant, warned, in the JSON;
    # the satellites it has no C1X/C5X OSB for get their own inter-signal bias (their codes keep their DCBs)
    with pytest.warns(UserWarning, match="175 days away"):
        ds = ppp(data / OBS, systems="C", mode="static", bds3_signals="b1c-b2a", bias=data / BIAS, **_products(data))
    warnings = json.loads(ds.attrs["warnings"])
    assert any("WUM0MGXRAP_20200010000_01D_01D_ABS.BIA.gz is valid 2020-01-01 to 2020-01-02" in w
               and "175 days away" in w for w in warnings)
    note = json.loads(ds.attrs["code_bias_corrections"])
    assert note["stale"] and set(note["applied_m"]) == {"C19", "C20", "C23"}
    assert set(json.loads(ds.attrs["inter_signal_bias_m"])) == {"C 1/5", "C 1/5 no OSB"}
    assert json.loads(ds.attrs["inter_signal_bias_groups"]) == ["C 1/5", "C 1/5 no OSB"]


def test_bad_option_is_refused(data):
    from lodestar.errors import LodestarError

    with pytest.raises(LodestarError, match="bds3_signals must be one of b1i-b3i, b1c-b2a"):
        ppp(data / OBS, systems="C", bds3_signals="b2b", **_products(data))


def test_cli_option(data, tmp_path):
    import subprocess
    import sys

    out, summary = tmp_path / "c.csv", tmp_path / "c.json"
    products = _products(data)
    cmd = [sys.executable, "-m", "lodestar", "ppp", str(data / OBS), "--sp3", *map(str, products["sp3"]),
           "--clk", *map(str, products["clk"]), "--antex", str(products["antex"]), "--sinex", *map(str, products["sinex"]),
           "--systems", "C", "--mode", "static", "--bds3-signals", "b1c-b2a", "--out", str(out), "--json", str(summary)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    info = json.loads(summary.read_text())
    assert info["bds3_signals"] == "b1c-b2a" and "C 1/5" in info["inter_signal_bias_m"]
    assert info["signals"]["C19"] == "C1X/C5X L1X/L5X" and info["signals"]["C07"] == "C2I/C6I L2I/L6I"
    assert info["final_error_3d_m"] < 0.5  # BeiDou alone, one hour, 15-min clocks: 0.24 m (b1i-b3i 0.31 m)


def test_receiver_without_b1c_b2a_stays_on_b1i_b3i_and_says_so(data):
    # ESBC (Septentrio POLARX5, 2020) tracks BeiDou C2I C6I C7I only: the option changes nothing but a warning
    products = {**_products(data), "antex": None}  # igs20P2131 holds ESBC's ASH701945E_M offsets
    with pytest.warns(UserWarning, match="no BDS-3 satellite has B1C and B2a"):
        ds = ppp(data / "esbc-2020-177" / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx", systems="C",
                 mode="static", bds3_signals="b1c-b2a", **products)
    signals = json.loads(ds.attrs["signals"])
    assert signals and all(s == "C2I/C6I L2I/L6I" for s in signals.values())
    assert json.loads(ds.attrs["inter_signal_bias_groups"]) == []


def test_sets_refuse_the_option_rather_than_ignore_it(data, tmp_path):
    import argparse

    from lodestar.cli import ppp as cli
    from lodestar.errors import LodestarError

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args([str(data / OBS), "--sp3", "x.sp3", "--out", str(tmp_path / "r.html"), "--sets", "C",
                              "--truth", "1,2,3", "--bds3-signals", "b1c-b2a"])
    with pytest.raises(LodestarError, match="--sets runs BeiDou on B1I/B3I only"):
        cli.run(args)


def test_b1c_b2a_if_code_is_quieter_than_b1i_b3i_on_wtzz(wtzz_obs):
    # IF code minus IF phase per satellite (noise + multipath; geometry, clocks, troposphere and first-order
    # ionosphere cancel only with the right frequencies): measured 2026-12-07, sd 0.32-0.43 m on B1C/B2a
    # against 0.56-0.83 m on B1I/B3I (IF noise factor 2.59 vs 3.53, and the wider B1C signal)
    def scatter(option):
        dual = _dual(wtzz_obs, option)
        a1, a2 = if_coefficients(dual.f1_hz, dual.f2_hz)
        cmc = (a1 * dual.p1_m - a2 * dual.p2_m) - (a1 * dual.l1_m - a2 * dual.l2_m)
        return {sv: float(np.nanstd(cmc[:, j])) for j, sv in enumerate(dual.sv)}

    b1c, b1i = scatter("b1c-b2a"), scatter("b1i-b3i")
    for sv in ("C19", "C20", "C23", "C37", "C40"):  # whole-hour arcs (C32 and C34 have slips/gaps)
        assert b1c[sv] < 0.5 and b1c[sv] < 0.75 * b1i[sv]


def test_b1c_b2a_tracked_briefly_stays_on_b1i_b3i(wtzz_obs):
    # C19's B1C code kept for the first 10 of 120 epochs only (the rest blanked): below 80 % of what
    # B1I/B3I offers, so C19 stays on B1I/B3I instead of losing 110 epochs; C20 untouched keeps B1C/B2a
    obs = wtzz_obs.copy(deep=True)
    obs["C1X"].loc[{"sv": "C19"}] = np.where(np.arange(obs.sizes["time"]) < 10, obs["C1X"].sel(sv="C19").values, np.nan)
    dual = _dual(obs, "b1c-b2a")
    assert dual.signals["C19"] == "C2I/C6I L2I/L6I" and dual.signals["C20"] == "C1X/C5X L1X/L5X"
