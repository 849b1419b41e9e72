"""``lodestar info`` and :func:`lodestar.io.info.file_info` on the real files."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from lodestar.cli import main
from lodestar.io.compression import read_bytes
from lodestar.io.info import file_info

ESBC_DAY = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
ESBC_NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
KEYS = {"path", "format", "version", "station", "first_epoch", "last_epoch", "interval_s", "epochs", "gaps",
        "satellites", "obs_codes", "nav_records", "error"}


def test_esbc_day_summary(data):
    entry = file_info(data / ESBC_DAY)
    assert KEYS <= set(entry) and entry["error"] is None
    assert entry["format"] == "RINEX OBS" and entry["version"] == 3.05 and entry["station"] == "ESBC00DNK"
    assert entry["receiver"] == "SEPT POLARX5"
    assert (entry["first_epoch"], entry["last_epoch"]) == ("2020-06-25T00:00:00", "2020-06-25T23:59:30")
    assert entry["interval_s"] == 30.0 and entry["epochs"] == 2880 and entry["gaps"] == 0
    # data README: "G31 R23 E22 C29 J3 S5"; GLONASS and BeiDou listed first
    assert entry["satellites"] == {"R": 23, "C": 29, "G": 31, "E": 22, "J": 3, "S": 5}
    assert list(entry["satellites"])[:2] == ["R", "C"]
    # data README: "GLONASS C1C C1P C2C C2P C3Q; BeiDou C2I C6I C7I"
    assert [c for c in entry["obs_codes"]["R"] if c[0] == "C"] == ["C1C", "C1P", "C2C", "C2P", "C3Q"]
    assert [c for c in entry["obs_codes"]["C"] if c[0] == "C"] == ["C2I", "C6I", "C7I"]
    assert entry["nav_records"] == {}


def test_gaps_counted(data):
    # GANP: header "    30.000   INTERVAL" but 6 epochs 10 min apart (00:00 .. 00:50, a decimated
    # file): the interval is the header's, and each 10-minute step is a gap against it
    entry = file_info(data / "short-obs/GANP00SVK_R_20151890000_01H_10M_MO.crx.gz")
    assert entry["interval_s"] == 30.0 and entry["epochs"] == 6 and entry["gaps"] == 5
    # ACOR "01D" extract: 25 epochs at 30 s whose span shows whether epochs are missing
    acor = file_info(data / "full-day-obs/ACOR00ESP_R_20213550000_01D_30S_MO.rnx")
    text = read_bytes(data / "full-day-obs/ACOR00ESP_R_20213550000_01D_30S_MO.rnx").decode()
    epochs = [line for line in text.splitlines() if line.startswith("> ")]
    minutes = [int(e[13:15]) * 3600 + int(e[16:18]) * 60 + float(e[18:29]) for e in epochs]
    expected_gaps = sum(1 for a, b in zip(minutes, minutes[1:]) if b - a > 45)
    assert acor["epochs"] == len(epochs) and acor["gaps"] == expected_gaps


def test_nav_records_per_system(data):
    pytest.importorskip("lodestar.io.rinex_nav")
    entry = file_info(data / ESBC_NAV)
    assert entry["error"] is None and entry["format"] == "RINEX NAV"
    text = read_bytes(data / ESBC_NAV).decode()
    # the first line of every RINEX 3 record starts "R05 2020 06 25 ..." (system, PRN, epoch)
    expected = {}
    for line in text.split("END OF HEADER", 1)[1].splitlines():
        if re.match(r"^[GRECJIS]\d\d \d{4} \d\d \d\d", line):
            expected[line[0]] = expected.get(line[0], 0) + 1
    assert entry["nav_records"] == {s: expected[s] for s in "RCGEJS" if s in expected}
    assert entry["nav_records"]["R"] == 510


def test_cli_json_and_bad_files(data, tmp_path, capsys):
    bad = tmp_path / "empty.rnx"
    bad.write_bytes(b"")
    out = tmp_path / "info.json"
    status = main(["info", str(data / "rinex2/demo.10o"), str(bad), str(tmp_path / "missing.rnx"),
                   str(data / "phone/pixel6.23o"), "--json", str(out)])
    assert status == 1
    files = json.loads(out.read_text())["files"]
    assert [f["error"] is None for f in files] == [True, False, False, True]
    assert all(KEYS <= set(f) for f in files)
    assert "non-empty" in files[1]["error"] and "not found" in files[2]["error"]
    assert files[0]["satellites"] == {"R": 3, "G": 10, "S": 1}  # demo.10o: R11 R19 R23, 10 G, S24
    captured = capsys.readouterr()
    assert "MRKR" in captured.out and "pixel6" in captured.out and "error" in captured.err


def test_cli_json_to_stdout_is_pure_json(data, capsys):
    assert main(["info", str(data / "rinex2/demo.10o"), "--json", "-"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["files"][0]["station"] == "MRKR"


def test_unreadable_product_is_a_clean_error(data):
    entry = file_info(data / "esbc-2020-177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")
    if importlib.util.find_spec("lodestar.io.sp3") is None:  # written by another helper
        assert "not available" in entry["error"]
    else:
        assert entry["error"] is None and entry["format"] == "SP3"
        assert set(entry["satellites"]) <= {"G", "R", "E", "C", "J"} and entry["epochs"] == 96


def test_sp3_and_sinex_summaries_against_file_text(data):
    pytest.importorskip("lodestar.io.sp3")
    pytest.importorskip("lodestar.io.sinex")
    name = "esbc-2020-177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
    text = read_bytes(data / name).decode()
    # SP3 position records "PG01  x y z clock": a satellite counts when some X is non-zero (0 = bad)
    with_data = {line[1:4] for line in text.splitlines() if line.startswith("P") and float(line[4:18]) != 0.0}
    expected = {}
    for sv in with_data:
        expected[sv[0]] = expected.get(sv[0], 0) + 1
    entry = file_info(data / name)
    assert entry["format"] == "SP3" and entry["satellites"] == {s: expected[s] for s in "RCGEJ" if s in expected}
    assert entry["epochs"] == text.count("\n*  ") and entry["interval_s"] == 900.0
    snx = "sinex/igs20P2131_wocov.snx"
    snx_text = read_bytes(data / snx).decode("latin-1")
    block = snx_text.split("+SOLUTION/ESTIMATE", 1)[1].split("-SOLUTION/ESTIMATE", 1)[0]
    stations = {line[14:18] for line in block.splitlines() if line[7:11] == "STAX"}
    assert file_info(data / snx)["stations"] == len(stations)


def test_a_product_cut_short_is_said(data):
    """The SP3 reader's own notes reach the listing: GFZ's rapid extract declares 288 epochs and holds 3 (the
    reader knew, `info` showed a span and 3 epochs without a word)."""
    from lodestar.io.info import file_info

    entry = file_info(data / "precise-misc" / "GFZ0MGXRAP_20201380000_01D_05M_ORB.SP3")
    assert entry["epochs"] == 3 and entry["notes"] == ["declares 288 epochs and holds 3 before its EOF line"]
    assert file_info(data / "esbc-2020-177" / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")["notes"] == []


def test_versions_print_as_the_header_writes_them(data, capsys):
    # RINEX versions were printed from the float: "RINEX NAV 4.0", "RINEX OBS 2.1"; SP3 keeps its letter
    files = ["rinex4/KMS300DNK_R_20221591000_01H_30S_MO.crx", "esbc-2020-177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz",
             "esbc-2020-177/Sta21114.sp3.gz"]
    assert main(["info", *(str(data / f) for f in files)]) == 0
    out = capsys.readouterr().out
    assert "RINEX OBS 4.00" in out and "RINEX CLK 3.00" in out and "SP3 d" in out
