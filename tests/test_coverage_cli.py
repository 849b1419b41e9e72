"""``lodestar map`` end to end on the IGS merged navigation file of 2024-01-01."""

from __future__ import annotations

import json

import xarray as xr

from lodestar.cli import main

BRDC = "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"


def test_map_png_json_netcdf(data, tmp_path, capsys):
    out, doc, cdf = tmp_path / "map.png", tmp_path / "map.json", tmp_path / "map.nc"
    out.write_bytes(b"old")
    code = main(["map", "--nav", str(data / BRDC), "--grid", "10", "--step", "3600", "--mask", "10",
                 "--out", str(out), "--json", str(doc), "--netcdf", str(cdf), "--no-progress"])
    assert code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads(doc.read_text())
    assert result["date"] == "2024-01-01" and result["mask_deg"] == 10
    assert set(result["sets"]) == {"R", "C", "R+C"}
    assert set(result["sets"]["R+C"]) == {"mean_sats", "mean_pdop", "availability", "pdop6_availability"}
    with xr.open_dataset(cdf) as maps:
        assert maps["availability"].dims == ("systems", "lat", "lon")
        assert list(maps["systems"].values) == ["R", "C", "R+C"]
        assert maps.sizes["lat"] == 18 and maps.sizes["lon"] == 36
    assert "R+C" in capsys.readouterr().out


def test_map_json_to_stdout_and_bad_output(data, tmp_path, capsys):
    code = main(["map", "--nav", str(data / BRDC), "--grid", "30", "--step", "21600",
                 "--out", str(tmp_path / "m.png"), "--json", "-", "--no-progress"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["sets"]["C"]["mean_sats"] > 0  # stdout holds only the JSON
    assert (tmp_path / "m.png").stat().st_size > 10_000
    code = main(["map", "--nav", str(data / BRDC), "--out", str(tmp_path / "m.pdf"), "--no-progress"])
    assert code == 1
    assert ".html" in capsys.readouterr().err
