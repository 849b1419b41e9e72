"""`lodestar solve --calibration-out / --calibration`: a calibration written by one run is applied by another."""

import json

from lodestar.cli import main


def test_calibration_round_trip_through_files(esbc, tmp_path, capsys):
    obs = str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx")
    nav = str(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
    cal = tmp_path / "cal.json"
    assert main(["solve", obs, "--nav", nav, "--systems", "R+C", "--calibration-out", str(cal),
                 "--out", str(tmp_path / "a.csv")]) == 0
    written = json.loads(cal.read_text())
    assert any(sv.startswith("R") for sv in written["code_bias_m"])
    assert main(["solve", obs, "--nav", nav, "--systems", "R+C", "--mask", "30", "--calibration", str(cal),
                 "--out", str(tmp_path / "b.csv"), "--json", str(tmp_path / "b.json")]) == 0
    summary = json.loads((tmp_path / "b.json").read_text())
    # the applied biases are the calibration's, to the rounding of the JSON (1 mm)
    for sv, bias in summary["code_bias_m"].items():
        if sv in written["code_bias_m"]:
            assert abs(bias - written["code_bias_m"][sv]) <= 1e-3, sv


def test_a_broken_calibration_file_is_a_clear_error(esbc, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code = main(["solve", str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"), "--nav",
                 str(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"), "--calibration", str(bad),
                 "--out", str(tmp_path / "c.csv")])
    assert code == 1
    assert "not a Lodestar calibration JSON" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()
