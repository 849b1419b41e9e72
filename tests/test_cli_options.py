"""The command line keeps what the user gave (issue #15): list options extend on every use,
negative coordinates are values, an unknown output suffix is refused naming the accepted ones,
``--systems GRC``; and ``solve``'s options: truth and accuracy, time window, decimation, SNR mask,
exclusions, residuals, RTKLIB .conf. Real data: ESBC 2020-06-25, first hour (esbc-2020-177)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest
from reference import ESBC_HEADER_XYZ, ESBC_ITRF2014_TRUTH

from lodestar.cli import ExtendAction, StoreOnceAction, build_parser, main
from lodestar.errors import LodestarError
from lodestar.frames import azimuth_elevation
from lodestar.io.rinex_obs import read_obs
from lodestar.positioning import prepare, solve
from lodestar.positioning.selection import ObservationSelection, parse_satellites
from lodestar.systems import parse_system_set

OBS = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
CONF = "esbc-2020-177/rtklib/spp.conf"
#: CEDA (Cedar City, Utah), the issue's example of a station with a negative first coordinate
CEDA_XYZ = "-1882182.840,-4464343.660,4136557.104"


# --- every list option extends, in every command (found automatically) ----------------------------

def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


_COMMANDS = _commands()  # one parser for collection and tests (actions are compared by identity)


def _list_options():
    for name, command in _COMMANDS.items():
        for action in command._actions:
            if action.option_strings and action.nargs in ("+", "*"):
                yield pytest.param(name, action, id=f"{name}{action.option_strings[0]}")


def _value(action, k: int) -> str:
    """A valid value for ``action``: a choice, a number for numeric types, a date, else a name."""
    if action.choices:
        return list(action.choices)[k % len(action.choices)]
    kind = getattr(action.type, "__name__", "")
    if kind in ("iso_time", "iso_date"):
        return f"2020-06-2{k + 1}"
    if kind in ("elevation_deg", "positive_float", "non_negative_float", "float", "int"):
        return str(10 + 5 * k)
    if kind == "duration_s":
        return f"{30 + 30 * k}s"
    if kind == "hours":
        return f"{1 + k}"
    return f"v{k}"


def _required(command, skip):
    """The positionals and required options of ``command`` (other than ``skip``), with valid values."""
    positionals, options = [], []
    for action in command._actions:
        if action is skip or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            positionals.append(_value(action, 0))
        elif action.required:
            options += [action.option_strings[0], _value(action, 0)]
    groups = [g for g in command._mutually_exclusive_groups if g.required]
    for group in groups:  # one member of a required group (e.g. the lunar --site/--lat)
        if skip not in group._group_actions:
            options += [group._group_actions[0].option_strings[0], _value(group._group_actions[0], 0)]
    return positionals, options


@pytest.mark.parametrize("command_name, action", list(_list_options()))
def test_list_option_extends_both_ways(command_name, action):
    command = _COMMANDS[command_name]
    assert isinstance(action, ExtendAction)
    positionals, options = _required(command, action)
    flag = action.option_strings[0]
    a, b, c = (_value(action, k) for k in range(3))
    repeated = command.parse_args(positionals + options + [flag, a, flag, b, flag, c])
    together = command.parse_args(positionals + options + [flag, a, b, c])
    mixed = command.parse_args(positionals + options + [flag, a, b, flag, c])
    expected = [action.type(v) if callable(action.type) else v for v in (a, b, c)]
    assert getattr(repeated, action.dest) == getattr(together, action.dest) == getattr(mixed, action.dest) == expected
    # one use replaces a list default instead of adding to it (argparse's own 'extend' would add)
    once = command.parse_args(positionals + options + [flag, a])
    assert getattr(once, action.dest) == expected[:1]


def _single_options():
    for name, command in _COMMANDS.items():
        for action in command._actions:
            if action.option_strings and isinstance(action, argparse._StoreAction) and action.nargs is None:
                yield pytest.param(name, action, id=f"{name}{action.option_strings[0]}")


@pytest.mark.parametrize("command_name, action", list(_single_options()))
def test_single_value_option_given_twice_is_refused_not_dropped(command_name, action, capsys):
    """``--blq A --blq B``: argparse kept B and dropped A without a word; now the second, different value is an
    error naming both (the same value twice is accepted)."""
    command = _COMMANDS[command_name]
    assert isinstance(action, StoreOnceAction)
    positionals, options = _required(command, action)
    flag = action.option_strings[0]
    a, b = _value(action, 0), _value(action, 1)
    if action.required:  # _required gave it once already: its value is a
        options = [v for k, v in enumerate(options) if not (v == flag or (k and options[k - 1] == flag))]
    twice = command.parse_args(positionals + options + [flag, a, flag, a])
    assert getattr(twice, action.dest) == (action.type(a) if callable(action.type) else a)
    if a == b:  # one choice only: nothing else to give
        return
    with pytest.raises(SystemExit):
        command.parse_args(positionals + options + [flag, a, flag, b])
    assert f"{flag} given twice" in capsys.readouterr().err


def test_every_command_has_single_options_covered():
    found = {p.values[0] + p.values[1].option_strings[0] for p in _single_options()}
    assert {"ppp--blq", "ppp--mask", "solve--calibration", "solve--out", "batch--out", "map--mask"} <= found


def test_the_issue_nav_example_keeps_every_file():
    args = build_parser().parse_args(["solve", "obs", "--nav", "A", "--nav", "B", "--nav", "C", "--out", "x.csv"])
    assert args.nav == ["A", "B", "C"]


def test_every_command_has_list_options_covered():
    found = {name for name, *_ in (p.values for p in _list_options())}
    assert {"solve", "compare", "batch", "map", "orbits", "sisre", "moon-gnss"} <= found


# --- negative coordinates -------------------------------------------------------------------------

def _coordinate_options():
    for name, command in _COMMANDS.items():
        for action in command._actions:
            if action.option_strings and action.metavar and "X,Y,Z" in str(action.metavar):
                yield pytest.param(name, action, id=f"{name}{action.option_strings[0]}")


@pytest.mark.parametrize("command_name, action", list(_coordinate_options()))
def test_negative_coordinates_are_values(command_name, action):
    command = _COMMANDS[command_name]
    positionals, options = _required(command, action)
    flag = action.option_strings[0]
    for form in ([flag, CEDA_XYZ], [f"{flag}={CEDA_XYZ}"], [flag, "-1882182.84, -4464343.66, 4136557.1"],
                 [flag, "-1.8821828e6,-4.46434366e6,4.136557104e6"]):
        assert getattr(command.parse_args(positionals + options + form), action.dest) == form[-1].split("=", 1)[-1]
    assert any(True for _ in _coordinate_options())


def test_coordinate_options_exist_in_solve_and_compare():
    names = {p.values[0] + p.values[1].option_strings[0] for p in _coordinate_options()}
    assert {"solve--truth", "solve--origin", "compare--truth"} <= names


def test_a_real_option_after_a_coordinate_still_parses():
    args = build_parser().parse_args(["solve", "obs", "--nav", "n", "--truth", CEDA_XYZ, "--mask", "15", "--out", "x.pos"])
    assert args.truth == CEDA_XYZ and args.mask == 15.0


def test_solve_runs_with_cedas_negative_truth(data, tmp_path, capsys):
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--truth", CEDA_XYZ, "--json", str(report)]) == 0
    info = json.loads(report.read_text())
    assert info["truth_xyz_m"] == [-1882182.840, -4464343.660, 4136557.104]
    assert info["accuracy"]["rms_3d_m"] > 1e6  # Utah is thousands of km from Esbjerg: the value was used
    err = capsys.readouterr().err  # and the user is told the truth cannot be this station's
    assert "warning: the truth is 7,485.3 km from the solutions" in err, err


def test_a_truth_near_the_station_gives_no_warning(data, tmp_path, capsys):
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--truth", "3582104.768,532590.174,5232755.144"]) == 0  # ESBC's ITRF2014 truth
    assert "warning: the truth" not in capsys.readouterr().err


# --- unknown output suffixes ----------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".xyz", ".txt", ".kmz", ""])
def test_solve_refuses_unknown_suffix_before_work(data, tmp_path, capsys, suffix):
    out = tmp_path / f"x{suffix}"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "unknown output suffix" in err and ".csv .pos .parquet .pq .kml .geojson .nmea" in err
    assert not out.exists()


def test_map_refuses_unknown_suffix(data, tmp_path, capsys):
    out = tmp_path / "x.kml"
    assert main(["map", "--nav", str(data / NAV), "--out", str(out)]) == 1
    assert ".html" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("suffix", [".kml", ".geojson", ".nmea", ".pos", ".csv", ".parquet"])
def test_solve_writes_every_accepted_suffix(data, tmp_path, capsys, suffix):
    out = tmp_path / f"x{suffix}"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(out), "--to",
                 "2020-06-25T00:05:00"]) == 0
    assert out.stat().st_size > 0


def test_pos_format_only_for_pos(data, tmp_path, capsys):
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "x.kml"),
                 "--pos-format", "llh"]) == 1
    assert "--pos-format llh is for a .pos output" in capsys.readouterr().err


# --- systems written as letters run together -------------------------------------------------------

@pytest.mark.parametrize("text, expected", [("GRC", ("G", "R", "C")), ("GREC", ("G", "R", "E", "C")),
                                            ("G+R+E+C", ("G", "R", "E", "C")), ("cr", ("R", "C")),
                                            ("R,C", ("R", "C")), ("G+RC", ("G", "R", "C"))])
def test_system_sets_in_every_spelling(text, expected):
    assert parse_system_set(text) == expected


def test_unknown_letters_still_refused():
    with pytest.raises(LodestarError, match="GRX"):
        parse_system_set("GRX")


def test_solve_accepts_grc(data, tmp_path, capsys):
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--systems", "GRC", "--out",
                 str(tmp_path / "s.csv"), "--json", str(report), "--to", "2020-06-25T00:05:00"]) == 0
    assert json.loads(report.read_text())["systems"] == "G+R+C"


# --- solve: truth, accuracy on the terminal -------------------------------------------------------

def test_truth_header_prints_accuracy(data, tmp_path, capsys):
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.pos"),
                 "--truth", "header", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    info = json.loads(report.read_text())
    assert info["truth_xyz_m"] == list(ESBC_HEADER_XYZ) and "header" in info["truth_source"]
    acc = info["accuracy"]
    assert f"3D RMS {acc['rms_3d_m']:.2f} m" in out and f"H RMS {acc['h_rms_m']:.2f} m" in out
    assert f"{acc['solved']} epochs" in out and "95 %" in out


def test_truth_and_sinex_together_take_the_truth_and_the_antenna(data, tmp_path):
    # ESBC is in none of the SINEX files as a station, but its antenna type is: --truth gives the truth and the
    # SINEX file the receiver antenna's offsets (the two options were mutually exclusive, so it could not have both)
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--truth", ESBC_ITRF2014_TRUTH, "--sinex", str(data / "sinex" / "igs20P2131_wocov.snx"),
                 "--json", str(report)]) == 0
    info = json.loads(report.read_text())
    assert info["truth_source"].startswith("given") and info["accuracy"]["solved"] == 120
    assert info["receiver_antenna"]["source"] == "sinex"


def test_sinex_truth_for_wtzr(data, tmp_path, capsys):
    obs = data / "esbc-2020-177" / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
    sinex = sorted((data / "sinex").glob("igs20P2131*"))
    report = tmp_path / "s.json"
    assert main(["solve", str(obs), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"), "--sinex",
                 *map(str, sinex), "--json", str(report)]) == 0
    info = json.loads(report.read_text())
    assert "SINEX" in info["truth_source"]
    # SPP with broadcast orbits and Klobuchar: metre level (RTKLIB 2.4.3 gives 1-3 m on these sets)
    assert 0.2 < info["accuracy"]["rms_3d_m"] < 10.0
    assert "accuracy vs SINEX" in capsys.readouterr().out


def test_sinex_truth_names_only_the_files_that_hold_the_station(data, tmp_path):
    # WTZR is in IGS's weekly solution of 2020 and ESA's of 2024, not in JAXA's: the truth line names the file
    # whose solution was moved to the day (the nearest in time), not every file given
    obs = data / "esbc-2020-177" / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
    sinex = [data / "sinex" / n for n in ("JAX0MGXFIN_20202440000_01D_000_SOL.SNX", "igs20P2131_wocov.snx",
                                          "ESA0OPSFIN_20241850000_01D_01D_SOL.SNX")]
    report = tmp_path / "s.json"
    assert main(["solve", str(obs), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"), "--sinex",
                 *map(str, sinex), "--json", str(report), "--to", "2020-06-25T00:05:00"]) == 0
    # both holding files are later than the day (2020-11-11, 2024-07-03; 3.6 years apart): extrapolated back
    source = json.loads(report.read_text())["truth_source"]
    assert source == ("SINEX (igs20P2131_wocov.snx; extrapolated 0.4 years away from the solutions of "
                      "2020-11-11 and 2024-07-03)"), source


def test_sinex_without_the_station_says_there_is_no_accuracy(data, tmp_path, capsys):
    """ESBC is in no SINEX file: the files still serve the receiver antenna (issue #12), and the
    terminal says why no accuracy line follows (it said nothing: a truth asked for, silently absent)."""
    sinex = data / "sinex" / "igs20P2131_wocov.snx"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--to", "2020-06-25T00:05:00", "--sinex", str(sinex)]) == 0
    out = capsys.readouterr().out
    assert "no accuracy: truth none (station ESBC is in none of the --sinex files" in out and "3D RMS" not in out


# --- solve: which observations ---------------------------------------------------------------------

def test_time_window_and_interval(data, tmp_path):
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--from", "2020-06-25T00:10:00", "--to", "2020-06-25T00:40:00", "--interval", "120",
                 "--json", str(report)]) == 0
    frame = pd.read_csv(tmp_path / "s.csv")
    assert frame["time_gps"].iloc[0] == "2020-06-25T00:10:00.000" and frame["time_gps"].iloc[-1] == "2020-06-25T00:40:00.000"
    assert len(frame) == 16  # 00:10 .. 00:40 every 2 min, both ends included
    assert json.loads(report.read_text())["epochs"] == 16


def test_interval_keeps_multiples_of_gps_seconds():
    time = np.datetime64("2020-06-25T00:00:00", "ns") + np.arange(10) * np.timedelta64(30, "s")
    time[3] += np.timedelta64(20, "ms")  # within RTKLIB's DTTOL = 25 ms of a minute: kept
    keep = ObservationSelection(interval_s=60)._epochs(time)
    assert keep.tolist() == [True, False, True, False, True, False, True, False, True, False]


def test_from_after_to_is_refused(data, tmp_path, capsys):
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--from", "2020-06-25T00:40:00", "--to", "2020-06-25T00:10:00"]) == 1
    assert "must be after --from" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--exclude", "R05,C01", "--exclude", "G01"], ["--exclude", "R05", "C01", "G1"]])
def test_exclude_both_ways(data, tmp_path, argv):
    report = tmp_path / "s.json"
    residuals = tmp_path / "r.csv"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--systems", "GRC", "--out", str(tmp_path / "s.csv"),
                 "--residuals", str(residuals), "--json", str(report), *argv]) == 0
    used = set(pd.read_csv(residuals)["sv"])
    assert not used & {"R05", "C01", "G01"} and {"R", "C", "G"} == {sv[0] for sv in used}
    assert "without R05,C01,G01" in json.loads(report.read_text())["selection"]


def test_bad_satellite_names_refused():
    with pytest.raises(LodestarError, match="R5x"):
        parse_satellites(["R5x"])
    assert parse_satellites("r5, C1 C01") == ("R05", "C01")


def test_snr_mask_every_used_code_passes(data):
    obs = read_obs(data / OBS, systems=("R", "C"))
    mask = 42.0
    prep = prepare(obs, data / NAV, systems="RC", selection=ObservationSelection(snr_mask_dbhz=mask))
    full = prepare(obs, data / NAV, systems="RC")
    used = prep.usable
    assert used.sum() < full.usable.sum()  # the mask removed something ...
    sv_all = list(obs["sv"].values)
    for j, sv in enumerate(prep.sv):
        for code in set(prep.code[used[:, j], j]):
            rows = used[:, j] & (prep.code[:, j] == code)
            snr = obs["S" + code[1:]].values[rows, sv_all.index(sv)]
            assert (snr >= mask).all(), (sv, code)  # ... and every code kept has C/N0 >= the mask
    weak = full.usable & ~used
    assert weak.any()


def test_snr_mask_without_s_observations_is_refused(data):
    obs = read_obs(data / OBS, systems=("R",))
    obs = obs.drop_vars([v for v in obs.data_vars if v.startswith("S")])
    with pytest.raises(LodestarError, match="no C/N0"):
        ObservationSelection(snr_mask_dbhz=30).apply(obs)


# --- solve: residuals ------------------------------------------------------------------------------

def test_residuals_agree_with_the_solution(data):
    prep = prepare(data / OBS, data / NAV, systems="RC")
    ds, table = solve(prep, systems="R+C", residuals=True)
    assert list(table.columns) == ["time_gps", "sv", "azimuth_deg", "elevation_deg", "residual_m", "sigma_m",
                                   "used", "excluded"]
    used = table[table["used"]]
    rms = used.groupby("time_gps")["residual_m"].apply(lambda r: np.sqrt(np.mean(r**2)))
    solved = np.isin(ds["status"].values, ("ok", "fde"))
    # the solution's own per-epoch residual RMS (result.py) from the same post-fit residuals (1 mm)
    assert np.allclose(rms.to_numpy(), ds["residual_rms_m"].values[solved], atol=1e-3)
    assert (table["elevation_deg"] >= 10.0).all() and table["azimuth_deg"].between(0, 360).all()
    # azimuth/elevation against lodestar.frames from the marker and the transmit-time satellite
    # positions (Earth rotation during the ~70 ms travel moves the direction by < 0.01 deg)
    i = int(np.flatnonzero(solved)[0])
    epoch = used[used["time_gps"] == np.datetime_as_string(prep.time[i], unit="ms")]
    columns = [list(prep.sv).index(sv) for sv in epoch["sv"]]
    receiver = np.array([ds[k].values[i] for k in ("x_m", "y_m", "z_m")])
    az, el = azimuth_elevation(receiver, prep.sat_xyz[i, columns])
    assert len(epoch) >= 10
    assert np.allclose(el, epoch["elevation_deg"], atol=0.02)
    assert np.allclose(az, epoch["azimuth_deg"], atol=0.02)


def test_residuals_not_computed_by_default(data):
    prep = prepare(data / OBS, data / NAV, systems="C")
    assert not isinstance(solve(prep, systems="C"), tuple)


def test_residuals_file_suffix_checked(data, tmp_path, capsys):
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.csv"),
                 "--residuals", str(tmp_path / "r.txt")]) == 1
    assert "--residuals" in capsys.readouterr().err


# --- solve: RTKLIB configuration ---------------------------------------------------------------------

def test_rtklib_conf_used_and_ignored(data, tmp_path, capsys):
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.pos"),
                 "--rtklib-conf", str(data / CONF), "--json", str(report)]) == 0
    err = capsys.readouterr().err
    info = json.loads(report.read_text())
    assert info["systems"] == "R+C" and info["mask_deg"] == 10.0 and info["iono"] == "klobuchar"  # navsys 36
    used = {key for key, *_ in info["rtklib_conf"]["used"]}
    ignored = {key for key, *_ in info["rtklib_conf"]["ignored"]}
    assert {"pos1-elmask", "pos1-navsys", "pos1-ionoopt", "pos1-tropopt", "out-solformat"} <= used
    assert {"pos1-soltype", "pos1-dynamics", "pos1-snrmask_r"} <= ignored
    assert "used    pos1-navsys = 36 -> --systems R+C" in err and "ignored pos1-soltype = forward" in err
    assert "--causal uses only past epochs" in err  # the forward-only mode an RTKLIB user looks for


def test_command_line_wins_over_conf(data, tmp_path, capsys):
    conf = tmp_path / "c.conf"
    conf.write_text("pos1-elmask =15\npos1-navsys =4 # GLONASS\npos1-exclsats =R05 R07\n"
                    "pos1-snrmask_r =on\npos1-snrmask_L1 =30,30,30,30,30,30,30,30,30\nout-solformat =llh\n")
    report = tmp_path / "s.json"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(tmp_path / "s.pos"),
                 "--rtklib-conf", str(conf), "--mask", "20", "--json", str(report)]) == 0
    info = json.loads(report.read_text())
    assert info["mask_deg"] == 20.0 and info["systems"] == "R"
    assert "without R05,R07" in info["selection"] and "C/N0 >= 30" in info["selection"]
    assert "overridden" in capsys.readouterr().err
    assert "latitude(deg)" in (tmp_path / "s.pos").read_text()  # out-solformat llh


@pytest.mark.parametrize("suffix, first", [(".kml", "<?xml"), (".csv", "time_gps"), (".pos", "$GNRMC")])
def test_conf_nmea_format_never_overrides_the_suffix_the_user_named(data, tmp_path, capsys, suffix, first):
    """``out-solformat = nmea`` is the format of RTKLIB's solution file: it applies to ``--out x.pos``
    (as rnx2rtkp -o x.pos does), never to a .kml or .csv the user named (it wrote NMEA into them)."""
    conf = tmp_path / "c.conf"
    conf.write_text("pos1-elmask =10\nout-solformat =nmea\n")
    out = tmp_path / f"track{suffix}"
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--to", "2020-06-25T00:02:00",
                 "--rtklib-conf", str(conf), "--out", str(out)]) == 0
    assert out.read_text().startswith(first)
    err = capsys.readouterr().err
    assert ("overridden" in err) == (suffix != ".pos")


def test_conf_elevation_dependent_snr_mask_is_ignored_with_reason(tmp_path):
    from lodestar.io.rtklib_conf import read_rtklib_conf, solve_options

    conf = tmp_path / "c.conf"
    conf.write_text("pos1-snrmask_r =on\npos1-snrmask_L1 =20,25,30,35,35,35,35,35,35\npos1-navsys =2\n")
    mapping = solve_options(read_rtklib_conf(conf))
    notes = {key: note for key, _, note in mapping.ignored}
    assert "elevation-dependent" in notes["pos1-snrmask_r"] and "pos1-navsys" in notes
    assert mapping.options == {}


def test_broken_conf_line_names_file_and_line(tmp_path):
    from lodestar.io.rtklib_conf import read_rtklib_conf

    conf = tmp_path / "c.conf"
    conf.write_text("pos1-elmask =10\nthis is not an option\n")
    with pytest.raises(LodestarError, match=r"c\.conf.*2"):
        read_rtklib_conf(conf)


# --- .Z through ncompress (hatanaka's dependency), unlzw3 dropped -------------------------------------

def test_unix_compress_file_reads_like_gzip_says(data):
    import gzip
    import shutil
    import subprocess

    from lodestar.io.compression import read_bytes

    path = data / "rinex2" / "ac660270.18o.Z"
    ours = read_bytes(path)
    assert ours.splitlines()[0].rstrip().endswith(b"RINEX VERSION / TYPE")
    if shutil.which("gzip"):  # gzip -d reads Unix compress too: an independent decoder
        assert subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout == ours
    assert gzip.decompress(gzip.compress(ours)) == ours


def test_one_lzw_dependency():
    import tomllib
    from pathlib import Path

    deps = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps]
    assert "unlzw3" not in names and "ncompress" in names and "hatanaka" in names


# --- every command with a fixed output type refuses another suffix (before any work) ----------------

_FIXED_OUTPUTS = [
    ("compare", [OBS, "--nav", NAV], ".html"),
    ("orbits", ["--nav", NAV, "--from", "2020-06-25T00:00:00", "--to", "2020-06-25T01:00:00"], ".csv"),
    ("ilrs", ["--site", "shackleton-rim", "--from", "2025-01-01", "--to", "2025-01-02"], ".html"),
    ("moon-gnss", ["--nav", NAV, "--site", "shackleton-rim", "--from", "2020-06-25", "--to", "2020-06-26"], ".html"),
    ("luna25", [], ".html"),
]


@pytest.mark.parametrize("command, argv, accepted", _FIXED_OUTPUTS, ids=[c for c, *_ in _FIXED_OUTPUTS])
def test_fixed_output_commands_refuse_other_suffixes(data, tmp_path, capsys, command, argv, accepted):
    out = tmp_path / "x.kml"
    argv = [str(data / a) if a in (OBS, NAV) else a for a in argv]
    assert main([command, *argv, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"lodestar {command}: error: --out {out}: unknown output suffix '.kml'" in err and accepted in err
    assert not out.exists()


def test_conf_exclsats_plus_entries_are_not_exclusions(tmp_path):
    from lodestar.io.rtklib_conf import read_rtklib_conf, solve_options

    conf = tmp_path / "c.conf"
    conf.write_text("pos1-exclsats =R05 +G10 C01   # RTKLIB: '+' forces a satellite in\n")
    assert solve_options(read_rtklib_conf(conf)).options == {"exclude": ["R05", "C01"]}


def test_conf_of_a_ppp_run_given_to_solve_points_to_ppp():
    # benchmarks/rtklib/ppp-static.conf given to solve: its posmode is ignored with the command that runs it
    from pathlib import Path

    from lodestar.io.rtklib_conf import ppp_options, read_rtklib_conf, solve_options

    conf = read_rtklib_conf(Path(__file__).parents[1] / "benchmarks" / "rtklib" / "ppp-static.conf")
    notes = {key: note for key, _, note in solve_options(conf).ignored}
    assert notes["pos1-posmode"].endswith("run this configuration with lodestar ppp --rtklib-conf")
    assert ppp_options(conf).options["mode"] == "static"
