"""Horizontal tropospheric gradients in PPP (``gradients=True``): the Chen & Herring mapping, a known
gradient injected into real observations and recovered, and the option on WTZR's real hour.

Model: slant delay m_g(E) (G_N cos a + G_E sin a), m_g(E) = 1 / (sin E tan E + 0.0032) (Chen & Herring
1997, J. Geophys. Res. 102(B9):20489; IERS Conventions 2010 §9.2 eq. 9.12-9.13).
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import wettzell_truth

from lodestar.frames import ecef_to_enu, ecef_to_geodetic, enu_matrix
from lodestar.models.mapping import gradient_mapping, niell_mapping
from lodestar.positioning.ppp import accuracy_summary, api, ppp

GRG = ["GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"]
CLK = "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"
WTZR_HOUR = "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"


def test_chen_herring_mapping_hand_values():
    # m_g = 1 / (sin E tan E + 0.0032), evaluated by hand (IERS Conventions 2010 eq. 9.13):
    # 90 deg: tan -> inf, m_g -> 0; 30 deg: 0.5 x 0.577350 = 0.288675 -> 1 / 0.291875 = 3.42612;
    # 10 deg: 0.173648 x 0.176327 = 0.030619 -> 1 / 0.033819 = 29.5693;
    # 7 deg: 0.121869 x 0.122785 = 0.014964 -> 1 / 0.018164 = 55.055; 0 deg: 1 / 0.0032 = 312.5
    got = gradient_mapping(np.radians([90.0, 30.0, 10.0, 7.0, 0.0]))
    assert abs(got[0]) < 1e-12
    np.testing.assert_allclose(got[1:], [3.42612, 29.5693, 55.055, 312.5], rtol=2e-5)
    # symmetric in E (sin E tan E = sin^2 E / cos E): finite below the horizon too, no division by zero
    np.testing.assert_allclose(gradient_mapping(np.radians(-5.0)), gradient_mapping(np.radians(5.0)))


def test_chen_herring_agrees_with_the_macmillan_form_above_15_deg():
    # An independent gradient mapping: MacMillan (1995, Geophys. Res. Lett. 22(9):1041), m_w(E) cot E
    # (RTKLIB's and PRIDE PPP-AR's form), with Niell's wet mapping at Wettzell (49.1 N, 660 m, day 177).
    # Chen & Herring (1997) differ from it mostly below 10 deg (their C bends the low-elevation rise);
    # above 30 deg within 1 %, at 15 deg within 4 % (the C term is 0.0032 / sin E tan E = 4.7 % there).
    elev = np.radians([60.0, 45.0, 30.0, 15.0])
    _, wet = niell_mapping(np.radians(49.1), 660.0, 177, elev)
    ratio = wet / np.tan(elev) / gradient_mapping(elev)
    assert np.all(np.abs(ratio[:3] - 1.0) < 0.01) and abs(ratio[3] - 1.0) < 0.04
    assert ratio[3] > 1.0  # the C term lowers m_g


def _wettzell(data, truth_station="WTZR"):

    esbc = data / "esbc-2020-177"
    truth = wettzell_truth(data, truth_station)
    kw = {"sp3": [esbc / f for f in GRG], "clk": esbc / CLK, "antex": data / "antex" / "igs20_wettzell_trim.atx",
          "sinex": [data / "sinex" / "igs20P2131_wocov.snx"], "systems": "G+R+E", "mode": "static"}
    return esbc / WTZR_HOUR, kw, np.asarray(truth, float)


def _slant_gradient_m(inp, truth, grad_ne_m):
    """(T, S) slant delay of a gradient (G_N, G_E) seen from the truth position (independent of the
    filter's geometry): elevation and azimuth from the ECEF line of sight, the Chen & Herring mapping."""
    lat, lon, _ = ecef_to_geodetic(truth)
    enu = (inp.sat_xyz - truth) @ enu_matrix(lat, lon).T
    el = np.arcsin(enu[..., 2] / np.linalg.norm(enu, axis=-1))
    az = np.arctan2(enu[..., 0], enu[..., 1])
    return gradient_mapping(el) * (grad_ne_m[0] * np.cos(az) + grad_ne_m[1] * np.sin(az))


def _run_injected(monkeypatch, obs, kw, truth, grad_ne_m, gradients):
    """PPP of the real hour with a gradient delay added to every code and phase (it is non-dispersive:
    the same metres in the ionosphere-free combination) just before the filter."""
    original = api.run_filter

    def injected(inp, cfg):
        from dataclasses import replace

        delay = np.nan_to_num(_slant_gradient_m(inp, truth, grad_ne_m))
        return original(replace(inp, p_if=inp.p_if + delay, l_if=inp.l_if + delay), cfg)

    monkeypatch.setattr(api, "run_filter", injected)
    try:
        return ppp(obs, gradients=gradients, **kw)
    finally:
        monkeypatch.setattr(api, "run_filter", original)


def _final_enu(ds, truth):
    lat, lon, _ = ecef_to_geodetic(truth)
    xyz = np.array([ds[k].values[-1] for k in ("x_m", "y_m", "z_m")])
    return ecef_to_enu(xyz - truth, lat, lon)


@pytest.fixture(scope="module")
def wtzr_plain(data):
    obs, kw, _ = _wettzell(data)
    return ppp(obs, gradients=False, **kw), ppp(obs, gradients=True, **kw)


def test_injected_gradient_is_recovered_and_keeps_the_position(data, monkeypatch, wtzr_plain):
    # A strong, real-world-sized gradient (a few mm at weather fronts; Chen & Herring 1997, Bar-Sever
    # et al. 1998): G_N = +3 mm, G_E = -2 mm, i.e. up to 20 cm of slant delay at 7 deg.
    obs, kw, truth = _wettzell(data)
    grad = np.array([0.003, -0.002])
    plain_off, plain_on = wtzr_plain
    with_states = _run_injected(monkeypatch, obs, kw, truth, grad, gradients=True)
    without = _run_injected(monkeypatch, obs, kw, truth, grad, gradients=False)
    # the filter is linear in the injected delay: estimate(injected) - estimate(real) = the gradient,
    # up to the prior's pull (sigma_post^2 / sigma_prior^2 ~ (0.4 / 5)^2 ~ 1 %: 0.02 mm) and re-weighting
    # by rejections (measured 2026-12-07: +2.994 / -1.993 mm)
    got = np.array([with_states[k].values[-1] - plain_on[k].values[-1] for k in ("grad_n_m", "grad_e_m")])
    sigma = np.array([with_states[k].values[-1] for k in ("grad_n_sigma_m", "grad_e_sigma_m")])
    assert np.all(np.abs(got - grad) < 0.0001), got  # within 0.1 mm of 3 / -2 mm
    assert np.all(sigma < 0.002)  # one hour of G+R+E determines each gradient to better than 2 mm (2x formal)
    # the position barely notices a gradient it estimates, and moves by centimetres when it does not
    # (measured: 0.13 mm and 36 mm)
    moved_on = np.linalg.norm(_final_enu(with_states, truth) - _final_enu(plain_on, truth))
    moved_off = np.linalg.norm(_final_enu(without, truth) - _final_enu(plain_off, truth))
    assert moved_on < 0.001, moved_on
    assert moved_off > 0.01, moved_off


def test_gradients_on_the_real_wtzr_hour(wtzr_plain, data):
    _, _, truth = _wettzell(data)
    off, on = wtzr_plain
    assert "grad_n_m" not in off and "grad_n_m" in on and on.attrs["gradients"] and not off.attrs["gradients"]
    g = np.stack([on["grad_n_m"].values, on["grad_e_m"].values], axis=-1)
    s = np.stack([on["grad_n_sigma_m"].values, on["grad_e_sigma_m"].values], axis=-1)
    solved = np.isfinite(g).all(axis=1)
    assert solved.sum() >= 110
    # physically plausible: typical gradients are 0.5-1 mm, a few mm at fronts (Bar-Sever et al. 1998,
    # J. Geophys. Res. 103(B3):5019); a quiet summer night at Wettzell: |G| < 3 mm all hour
    assert np.all(np.abs(g[solved]) < 0.003)
    # the hour determines them: the final sigma well below the 5 mm prior, and the estimate within 3 sigma of 0
    assert np.all(s[-1] < 0.002) and np.all(np.abs(g[-1]) < 3 * s[-1])
    # two more states must not move the static solution beyond its own uncertainty: the final positions
    # with and without differ by less than the run's reported 1-sigma per component (E, N, U)
    diff = _final_enu(on, truth) - _final_enu(off, truth)
    sig = np.array([off[k].values[-1] for k in ("sde_m", "sdn_m", "sdu_m")])
    assert np.all(np.abs(diff) < sig), (diff, sig)
    info_off, info_on = accuracy_summary(off, truth), accuracy_summary(on, truth)
    assert info_on["final_error_3d_m"] < 0.10 and abs(info_on["final_error_3d_m"] - info_off["final_error_3d_m"]) < 0.01


def test_cli_gradients_flag_adds_columns_and_keeps_the_json_keys(data, tmp_path):
    import csv
    import json
    import subprocess
    import sys

    obs, kw, _ = _wettzell(data)
    out, js = tmp_path / "g.csv", tmp_path / "g.json"
    cmd = [sys.executable, "-m", "lodestar", "ppp", str(obs), "--sp3", *map(str, kw["sp3"]), "--clk", str(kw["clk"]),
           "--antex", str(kw["antex"]), "--sinex", *map(str, kw["sinex"]), "--systems", "G+R+E", "--mode", "static",
           "--gradients", "--out", str(out), "--json", str(js)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    info = json.loads(js.read_text())
    # WTZR is in the SINEX given: it serves as truth (issue #12), so the accuracy keys are there too
    for key in ("systems", "mode", "epochs", "solved", "final_position_m", "final_error_enu_m", "final_error_3d_m",
                "rms_enu_m", "rms_3d_m", "convergence_s"):
        assert key in info
    assert info["gradients"] is True and len(info["final_gradient_ne_m"]) == 2
    with open(out) as handle:
        header = next(csv.reader(handle))
    first = ["time_gps", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "height_m", "sde_m", "sdn_m", "sdu_m", "ztd_m",
             "n_sats", "status"]
    assert header[:13] == first and {"grad_n_m", "grad_e_m", "grad_n_sigma_m", "grad_e_sigma_m"} <= set(header)


def test_combined_direction_combines_the_gradients(data, wtzr_plain):
    # forward + backward: the first epoch's gradients carry the whole hour (the backward pass ends there),
    # so their sigma drops from the prior's (5 mm, reported x2 = 10 mm) to the hour's (~1 mm)
    obs, kw, _ = _wettzell(data)
    _, forward = wtzr_plain
    combined = ppp(obs, gradients=True, direction="combined", **kw)
    first_fwd = forward["grad_n_sigma_m"].values[1]
    first_comb = combined["grad_n_sigma_m"].values[1]
    assert first_fwd > 0.005 and first_comb < 0.002, (first_fwd, first_comb)
    assert np.all(np.isfinite(combined["grad_e_m"].values[1:]))
