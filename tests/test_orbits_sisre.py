"""Broadcast versus IGS/MGEX precise orbits and clocks on 2020-06-25 (ESBC navigation file).

Literature (issue #3; Montenbruck et al. 2015 GPS Solut. 19:321, 2018 Adv. Space Res. 61:3020):
GLONASS broadcast orbits a few metres 3D RMS, BDS-3 MEO about a metre, BDS GEO several metres
(along-track the weak direction), SISRE about 0.6 m GPS, 0.2–0.3 m Galileo, 1.5–2 m GLONASS.
Measured values are in docs/orbits.md (tools/orbits_table.py writes that table).
Broadcast GPS/Galileo/BeiDou orbits refer to the antenna phase centre, SP3 to the centre of mass:
the 0–2 m radial offset stays in the orbit RMS (no antenna table applied, docs/orbits.md).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lodestar.cli import main
from lodestar.orbits.sisre import sisre_from_files

NAV = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


@pytest.fixture(scope="module")
def grg_result(esbc):
    return sisre_from_files([esbc / NAV], [esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
                            [esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"], step_s=900)


@pytest.fixture(scope="module")
def iac_result(esbc):
    return sisre_from_files([esbc / NAV], [esbc / "Sta21114.sp3.gz"], systems="R+C", step_s=900)


def test_glonass_gps_galileo_against_grg(grg_result):
    s = grg_result["systems"]
    assert s["R"]["sats"] >= 20 and s["G"]["sats"] >= 29 and s["E"]["sats"] >= 20
    assert 1.0 < s["R"]["orbit_3d_rms_m"] < 5.0  # GLONASS: a few metres
    assert s["R"]["sisre_m"] < 2.5  # 1.5–2 m in the literature
    assert s["G"]["orbit_3d_rms_m"] < 2.0 and s["G"]["sisre_m"] < 1.0
    assert s["E"]["orbit_3d_rms_m"] < 1.5 and s["E"]["sisre_m"] < 0.5
    # Galileo I/NAV clocks moved to E1/E5a with the BGDs agree with GRG to decimetres
    assert s["E"]["clock_rms_m"] < 0.3


def test_beidou_against_iac(iac_result):
    classes = iac_result["classes"]
    meo = classes["C3-MEO"]
    assert meo["sats"] >= 15
    assert meo["orbit_3d_rms_m"] < 2.0  # about a metre, plus the ~1.2 m phase-centre offset
    assert meo["along_rms_m"] < 1.0 and meo["cross_rms_m"] < 1.0
    geo = iac_result["satellites"]["C05"]  # the GEO with a precise orbit (IAC)
    assert geo["radial_rms_m"] < 2.0
    # along-track is the weak direction for GEOs in broadcast and precise orbits alike: the
    # measured 15.6 m RMS is confirmed by GBM's independent rapid orbit (−12.6 m over 00–02 h)
    assert geo["orbit_3d_rms_m"] < 20.0
    assert iac_result["systems"]["R"]["sisre_m"] < 2.5


def test_sisre_command_writes_the_issue_keys(esbc, tmp_path, capsys):
    out = tmp_path / "sisre.json"
    code = main(["sisre", "--nav", str(esbc / NAV), "--sp3", str(esbc / "Sta21114.sp3.gz"),
                 "--systems", "C", "--step", "1800", "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    keys = {"sats", "orbit_3d_rms_m", "radial_rms_m", "along_rms_m", "cross_rms_m", "clock_rms_m", "sisre_m"}
    assert keys <= set(result["systems"]["C"])
    assert "C30" in result["satellites"] and "R01" not in result["satellites"]
    assert "SISRE" in capsys.readouterr().out


def test_orbits_command_csv(esbc, tmp_path, capsys):
    out = tmp_path / "orbits.csv"
    code = main(["orbits", "--nav", str(esbc / NAV), "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                 "--clk", str(esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"),
                 "--from", "2020-06-25T12:00:00", "--to", "2020-06-25T12:15:00", "--step", "300", "--out", str(out)])
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "time_gps,sv,x_m,y_m,z_m,clock_s,source"
    rows = [line.split(",") for line in lines[1:]]
    assert {r[0] for r in rows} == {"2020-06-25T12:00:00", "2020-06-25T12:05:00", "2020-06-25T12:10:00", "2020-06-25T12:15:00"}
    sources = {r[1]: r[6] for r in rows}
    assert sources["G01"] == "precise" and sources["R01"] == "precise"
    beidou = {source for sv, source in sources.items() if sv[0] == "C"}
    assert beidou == {"broadcast"}  # GRG has no BeiDou
    radius = np.array([np.linalg.norm([float(r[2]), float(r[3]), float(r[4])]) for r in rows])
    assert radius.min() > 25.4e6 and radius.max() < 42.6e6
    printed = capsys.readouterr().out
    assert "left out (no valid ephemeris)" in printed


def test_an_sp3_too_short_to_interpolate_is_named(data, tmp_path, capsys):
    """precise-misc/COD0OPSRAP_20230730000 is a 3-epoch extract (00:00-00:10 at 5 min; its header declares 289):
    no 10-node Lagrange window fits, so no precise position exists. ``sisre`` and ``orbits`` say that, not only
    "outside precise orbit span" or "navigation file of another day" (BRDM00DLR_S_20230730000 is the same day)."""
    nav = str(data / "nav-misc" / "BRDM00DLR_S_20230730000_01D_MN.rnx")
    sp3 = str(data / "precise-misc" / "COD0OPSRAP_20230730000_01D_05M_ORB.SP3")
    too_short = ("COD's SP3 orbits hold 3 epochs (2023-03-14T00:00:00 to 2023-03-14T00:10:00), fewer than the 10 "
                 "nodes of the interpolation window: none of its positions can be used")
    assert main(["sisre", "--nav", nav, "--sp3", sp3]) == 1
    err = capsys.readouterr().err
    assert too_short in err and "precise: outside precise orbit span (18 of 18 cells left out)" in err
    assert "RuntimeWarning" not in err  # no numpy warning about the satellites without a position
    assert main(["orbits", "--nav", nav, "--sp3", sp3, "--from", "2023-03-14T00:00:00", "--to", "2023-03-14T00:10:00",
                 "--step", "60s", "--out", str(tmp_path / "orbits.csv")]) == 0  # broadcast rows only
    assert f"warning: {too_short}" in capsys.readouterr().err
