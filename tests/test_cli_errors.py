"""The command line on a user's mistakes: one ``lodestar CMD: error: ...`` line, non-zero exit,
no traceback, no output file left behind; and the outputs of good runs open in common tools."""

from __future__ import annotations

import json
import os
import stat

import pytest

from lodestar.cli import main
from lodestar.errors import LodestarError
from lodestar.output import atomic_path
from reference import ESBC_ITRF2014_TRUTH

OBS = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
SP3 = "esbc-2020-177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
OTHER_DAY_NAV = "nav-misc/BRDC00IGS_R_20201360000_01D_MN.rnx"  # 2020-05-15, not ESBC's 2020-06-25
HOUR = ["--from", "2020-06-25T00:00:00", "--to", "2020-06-25T01:00:00"]
ESBC_TRUTH = ESBC_ITRF2014_TRUTH  # ESBC's ITRF2014 marker position (tests/reference.py; the header is ETRS89)


def _fails(capsys, argv, *needles, status=None):
    """Run the CLI expecting failure; returns stderr after checking the message and exit status."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects a value: exit status 2
        code = exc.code
    err = capsys.readouterr().err
    assert code != 0 and (status is None or code == status)
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"lodestar {argv[0]}: error: "), err
    for needle in needles:
        assert needle in last, last
    return last


# --- times and numbers checked before any work (argparse: exit status 2) ------------------------

@pytest.mark.parametrize("bad, needle", [
    ("2020-13-01", "Month out of range"),
    ("2300-01-01", "year 2300"),  # would wrap around in datetime64[ns] to 1715
    ("2020-06-25T00:00:00Z", "time zone"),
])
def test_orbits_bad_from(data, tmp_path, capsys, bad, needle):
    out = tmp_path / "o.csv"
    _fails(capsys, ["orbits", "--nav", str(data / NAV), "--from", bad, "--to", "2020-06-25T01:00:00",
                    "--out", str(out)], "--from", needle, status=2)
    assert not out.exists()


def test_lunar_from_after_to_names_both(capsys):
    _fails(capsys, ["ilrs", "--site", "shackleton-rim", "--from", "2025-01-03", "--to", "2025-01-01"],
           "--to 2025-01-01 must be after --from 2025-01-03", status=1)


def test_sisre_step_zero(data, capsys):
    # was: a ValueError traceback from numpy.arange
    _fails(capsys, ["sisre", "--nav", str(data / NAV), "--sp3", str(data / SP3), "--step", "0"], "--step", status=2)


def test_sisre_library_refuses_step_zero(data):
    from lodestar.orbits.sisre import sisre_from_files

    with pytest.raises(LodestarError, match="positive"):
        sisre_from_files([data / NAV], [data / SP3], step_s=0)


@pytest.mark.parametrize("argv, needle", [
    (["--mask", "95"], "--mask"),
    (["--smooth", "-3"], "--smooth"),
])
def test_solve_bad_numbers(data, tmp_path, capsys, argv, needle):
    out = tmp_path / "s.csv"
    _fails(capsys, ["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(out), *argv], needle, status=2)
    assert not out.exists()


def test_map_bad_date(data, tmp_path, capsys):
    _fails(capsys, ["map", "--nav", str(data / NAV), "--date", "2020-13-01", "--out", str(tmp_path / "m.png")],
           "--date", status=2)


def test_compare_mask_out_of_range(data, capsys):
    _fails(capsys, ["compare", str(data / OBS), "--nav", str(data / NAV), "--masks", "100"], "--masks", status=2)


# --- user files: checked before the run; no partial output ------------------------------------

def test_solve_bad_truth_leaves_no_output(data, tmp_path, capsys):
    # was: the CSV was written, then --truth refused
    out = tmp_path / "s.csv"
    _fails(capsys, ["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(out), "--truth", "1,2"],
           "--truth", status=1)
    assert not out.exists()


def test_solve_calibration_is_a_folder(data, tmp_path, capsys):
    # was: IsADirectoryError traceback
    _fails(capsys, ["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                    "--calibration", str(tmp_path)], "--calibration", "folder", status=1)


def test_info_of_a_folder_says_what_to_give(data, capsys):
    # a folder where a file is expected: refused, with the way to pass its files (and batch for folders)
    _fails(capsys, ["info", str(data / "esbc-2020-177")], "is a folder, not a file", "DIR/*.rnx", "lodestar batch",
           status=1)


def test_solve_clk_without_sp3(data, tmp_path, capsys):
    # was: --clk silently ignored
    _fails(capsys, ["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                    "--clk", str(data / "esbc-2020-177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")], "--sp3")


@pytest.mark.parametrize("command", [
    ["solve", OBS, "--nav", NAV],
    ["orbits", "--nav", NAV, *HOUR],
])
def test_out_is_a_folder(data, tmp_path, capsys, command):
    # was: IsADirectoryError traceback from os.replace, and a stray temporary file left
    argv = [str(data / a) if a in (OBS, NAV) else a for a in command]
    _fails(capsys, [*argv, "--out", str(tmp_path)], "--out", "folder", status=1)
    assert list(tmp_path.iterdir()) == []


def test_batch_out_is_a_file(data, tmp_path, capsys):
    # was: FileExistsError traceback
    existing = tmp_path / "results"
    existing.write_text("x")
    _fails(capsys, ["batch", str(data / OBS), "--nav-dir", str(data / "esbc-2020-177"), "--out", str(existing)],
           "--out", "is a file", status=1)


def test_atomic_path_folder_target_and_mode(tmp_path):
    with pytest.raises(LodestarError, match="folder"):
        with atomic_path(tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "a.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("x")
    # was 0600 (mkstemp's private mode): others could not read a written report
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


# --- a navigation file of another day: an error, not an empty result with exit 0 ----------------

def test_orbits_other_day_nav(data, tmp_path, capsys):
    out = tmp_path / "o.csv"
    _fails(capsys, ["orbits", "--nav", str(data / OTHER_DAY_NAV), *HOUR, "--out", str(out)],
           "no satellite", "valid orbit", status=1)
    assert not out.exists()


def test_sisre_other_day_nav(data, capsys):
    _fails(capsys, ["sisre", "--nav", str(data / OTHER_DAY_NAV), "--sp3", str(data / SP3)],
           "nothing to compare", status=1)


def test_map_date_outside_nav(data, tmp_path, capsys):
    out = tmp_path / "m.png"
    _fails(capsys, ["map", "--nav", str(data / NAV), "--date", "2021-01-01", "--grid", "10", "--step", "3600",
                    "--no-progress", "--out", str(out)], "2021-01-01", status=1)
    assert not out.exists()


def test_observation_file_as_nav(data, tmp_path, capsys):
    _fails(capsys, ["orbits", "--nav", str(data / OBS), *HOUR, "--out", str(tmp_path / "o.csv")],
           OBS.split("/")[-1], "navigation", status=1)


# --- --json -: stdout is JSON only, errors still named on stderr ------------------------------

def test_info_json_stdout_with_bad_file(data, tmp_path, capsys):
    code = main(["info", "--json", "-", str(data / OBS), str(tmp_path / "missing.rnx")])
    captured = capsys.readouterr()
    files = json.loads(captured.out)["files"]
    assert code == 1 and files[0]["error"] is None and files[1]["error"]
    assert "lodestar info: error: " in captured.err and "missing.rnx" in captured.err


# --- good runs: outputs carry the documented columns and open in pandas -------------------------

def test_solve_outputs_open(data, tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    csv, pos = tmp_path / "s.csv", tmp_path / "s.pos"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(csv),
                 "--truth", ESBC_TRUTH, "--json", "-"]) == 0
    summary = json.loads(capsys.readouterr().out)  # stdout is the JSON alone
    assert summary["epochs"] == 120
    table = pd.read_csv(csv)
    assert list(table.columns[:11]) == ["time_gps", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "height_m",
                                        "n_sats", "pdop", "status", "excluded"]
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--format", "rtklib", "--out", str(pos)]) == 0
    lines = pos.read_text().splitlines()
    # header line of RTKLIB 2.4.3's own .pos (esbc-2020-177/rtklib/ESBC_2020177_spp_R+C.pos)
    reference = (data / "esbc-2020-177/rtklib/ESBC_2020177_spp_R+C.pos").read_text().splitlines()
    column_header = next(line for line in reference if line.startswith("%  GPST"))
    assert column_header in lines
    first = next(line for line in lines if not line.startswith("%")).split()
    assert first[:2] == ["2020/06/25", "00:00:00.000"] and len(first) == 15


def test_orbits_csv_columns(data, tmp_path, capsys):
    out = tmp_path / "o.csv"
    assert main(["orbits", "--nav", str(data / NAV), "--from", "2020-06-25T00:00:00", "--to",
                 "2020-06-25T00:10:00", "--systems", "R+C", "--out", str(out)]) == 0
    header, first = out.read_text().splitlines()[:2]
    assert header == "time_gps,sv,x_m,y_m,z_m,clock_s,source"
    assert first.split(",")[0] == "2020-06-25T00:00:00" and first.split(",")[1][0] in "RC"


def test_compare_other_day_nav(data, tmp_path, capsys):
    # was: every row 'skipped', exit 0 and a report of nothing
    out = tmp_path / "c.html"
    _fails(capsys, ["compare", str(data / OBS), "--nav", str(data / OTHER_DAY_NAV), "--masks", "10",
                    "--no-progress", "--out", str(out)], "skipped", "--nav", status=1)
    assert not out.exists()


def test_compare_clk_without_sp3(data, capsys):
    _fails(capsys, ["compare", str(data / OBS), "--nav", str(data / NAV), "--clk",
                    str(data / "esbc-2020-177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")], "--sp3", status=1)


def test_solve_format_from_out_suffix(data, tmp_path):
    # was: '--out run.pos' without --format wrote a CSV named .pos
    pos, parquet = tmp_path / "run.pos", tmp_path / "run.parquet"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(pos)]) == 0
    assert pos.read_text().startswith("% program")
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(parquet)]) == 0
    assert parquet.read_bytes()[:4] == b"PAR1"  # Parquet magic number (Apache Parquet format spec)


def test_devices_and_pipes_written_in_place(tmp_path):
    # was: os.replace of a temporary file onto the target: as root, '--out /dev/null' would have
    # replaced the device node itself; a named pipe would have been replaced and its reader starved
    import threading
    from pathlib import Path

    from lodestar.output import _written_in_place, atomic_write_bytes

    assert _written_in_place(Path("/dev/null")) and _written_in_place(Path("/dev/stdout"))
    assert not _written_in_place(tmp_path / "new.csv")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    atomic_write_bytes(pipe, b"payload")
    reader.join(timeout=10)
    assert received == [b"payload"] and stat.S_ISFIFO(pipe.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_obs_after_nav_list_explained(data, capsys):
    # 'lodestar solve --nav NAV OBS' puts OBS into the --nav list: argparse alone only says it is missing
    last = _fails(capsys, ["solve", "--nav", str(data / NAV), str(data / OBS), "--out", "x.csv"], "OBS", status=2)
    assert "'lodestar solve OBS --nav NAV...'" in last


def test_batch_inputs_after_a_folder_list_explained(data, tmp_path, capsys):
    # --nav-dir takes several folders: inputs written after it are taken as folders, and argparse only says
    # INPUT is missing
    last = _fails(capsys, ["batch", "--nav-dir", str(data / "esbc-2020-177"), str(data / OBS), "--out",
                           str(tmp_path / "net")], "INPUT", status=2)
    assert "'lodestar batch INPUT... --nav-dir DIR...'" in last


def test_info_json_into_folder_checked_first(data, tmp_path, capsys):
    _fails(capsys, ["info", str(data / OBS), "--json", str(tmp_path)], "--json", "folder", status=1)


def test_system_set_with_an_unknown_letter_hinted(data, tmp_path, capsys):
    # "RC" (letters run together) is a valid set since issue #15; an unknown letter is still refused
    _fails(capsys, ["orbits", "--nav", str(data / NAV), *HOUR, "--systems", "RX", "--out", str(tmp_path / "o.csv")],
           "RX", "joined by +", status=1)


def test_ppp_empty_system_set_refused_as_by_solve(data, tmp_path, capsys):
    """``--systems ""`` was taken for PPP's default R+C (``args.systems or "R+C"``); solve refuses it."""
    commands = (["solve", str(data / OBS), "--nav", str(data / NAV)], ["ppp", str(data / OBS), "--sp3", str(data / SP3)])
    for command in commands:
        assert main([*command, "--systems", "", "--out", str(tmp_path / "x.csv")]) == 1
        assert "empty system set ''" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_solve_says_why_no_epoch_was_solved(data, tmp_path, capsys):
    """A selection that leaves nothing (an SNR mask of 99 dB-Hz) ends in one line saying why, with the selection."""
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--systems", "R+C", "--snr-mask", "99",
                 "--out", str(tmp_path / "x.csv")]) == 0
    assert ("no epoch solved: 120 of 120 epochs say 'too few satellites' (observation selection: C/N0 >= 99 dB-Hz)"
            in capsys.readouterr().out)


def test_out_dash_refused(data, tmp_path, capsys, monkeypatch):
    # was: a file named '-' in the working folder
    monkeypatch.chdir(tmp_path)
    _fails(capsys, ["solve", str(data / OBS), "--nav", str(data / NAV), "--out", "-"], "--out -", status=1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text, seconds", [("30", 30.0), ("30s", 30.0), ("5min", 300.0), ("1h", 3600.0),
                                           ("1.5h", 5400.0), ("0.5s", 0.5)])
def test_step_reads_seconds_or_an_explicit_unit(text, seconds):
    from lodestar.cli._duration import duration_s

    value = duration_s(text)
    assert value == seconds and value.plain == text.replace(".", "").isdigit()


@pytest.mark.parametrize("text", ["0", "-5", "5 minutes", "5m", "abc", ""])
def test_step_refuses_what_is_not_a_duration(text):
    import argparse

    from lodestar.cli._duration import duration_s

    with pytest.raises(argparse.ArgumentTypeError):
        duration_s(text)


@pytest.mark.parametrize(("text", "hours_"), [("2", 2.0), ("0", 0.0), ("30min", 0.5), ("5400s", 1.5), ("1.5h", 1.5)])
def test_restart_reads_hours_or_an_explicit_unit(text, hours_):
    from lodestar.cli._duration import hours

    assert hours(text) == pytest.approx(hours_)


def test_restart_in_seconds_typed_for_hours_is_refused(data, capsys):
    # '--restart 1800' meant 30 minutes and was taken as 75 days (no restart at all), silently
    _fails(capsys, ["ppp", str(data / OBS), "--sp3", "x.sp3", "--out", "x.csv", "--restart", "1800"],
           "--restart", "more than a week", "30min", status=2)


def test_interval_reads_a_unit_as_step_does():
    from lodestar.cli import build_parser

    for command in ("solve", "ppp"):
        extra = ["--nav", "n"] if command == "solve" else ["--sp3", "s"]
        args = build_parser().parse_args([command, "o.rnx", *extra, "--out", "x.csv", "--interval", "5min"])
        assert args.interval == 300.0


def test_solve_that_solves_nothing_says_what_was_screened(data, tmp_path, capsys):
    # CEDA 2018-210, Galileo alone: every epoch 'too few satellites', because 4231 Galileo pseudoranges of
    # 38,000-47,000 km are screened as impossible; that cause was in the --json input_notes only
    obs = data / "short-obs" / "CEDA00USA_R_20182100000_23H_15S_MO.rnx.gz"
    nav = data / "nav-misc" / "CEDA00USA_R_20182100000_01D_MN.rnx.gz"
    assert main(["solve", str(obs), "--nav", str(nav), "--systems", "E", "--out", str(tmp_path / "s.csv"),
                 "--json", str(tmp_path / "s.json")]) == 0
    captured = capsys.readouterr()
    assert "0/4675 epochs solved" in captured.out and "no epoch solved: 4675 of 4675 epochs say" in captured.out
    assert "warning: 4231 observations set aside as physically impossible: e.g. E05, 'pseudorange outside the " \
           "geometric range from a near-Earth receiver' (input_notes in --json)" in captured.err
    assert any(w.startswith("4231 observations set aside") for w in json.loads((tmp_path / "s.json").read_text())["warnings"])


def test_solve_says_when_the_navigation_file_does_not_cover_the_observations(data, tmp_path, capsys):
    # A phone's ten minutes (GEOP092I, 2024-04-01 08:31-08:41) with CORD's navigation file, whose GLONASS records
    # start at 09:15: 0 of 599 epochs solved, 'too few satellites', and not a word on the orbits
    obs = data / "phone" / "GEOP092I.24o.gz"
    nav = data / "nav-misc" / "CORD00ARG_R_20240920000_01D_MN.rnx.gz"
    assert main(["solve", str(obs), "--nav", str(nav), "--systems", "R", "--out", str(tmp_path / "s.csv"),
                 "--json", str(tmp_path / "s.json")]) == 0
    assert "warning: 3578 of 4177 observed satellite-epochs (86 %) have no orbit ('no record within ±0.25 h' 3578)" \
        in capsys.readouterr().err
    info = json.loads((tmp_path / "s.json").read_text())
    assert info["observed_without_orbit"] == {"cells": 3578, "of": 4177, "reasons": {"no record within ±0.25 h": 3578}}
    # a station's own day: 13 of 116,190 cells without an orbit, no warning
    esbc = data / "esbc-2020-177"
    assert main(["solve", str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"), "--nav",
                 str(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"), "--out", str(tmp_path / "e.csv")]) == 0
    assert "no orbit" not in capsys.readouterr().err
