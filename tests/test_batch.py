"""``lodestar batch`` on a real Dask LocalCluster (2 worker processes) over real station-days.

The default network is short: the 1-hour ESBC / WTZR / WTZZ files of 2020-177 (ESBC's own
navigation has GLONASS and BeiDou), the first hour of NYA1 2024-127 and of AJAC 2024-209 (their
days have GPS + Galileo, resp. Galileo, navigation only, so R, C and R+C are ``skipped``), and
deliberately broken copies (truncated, garbled, header removed, a cut gzip) that must become
``failed`` rows. One worker process is killed while it runs a task: Dask reschedules it and the
batch completes. The full-day network is the ``slow`` test at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from lodestar.batch.discover import discover
from lodestar.batch.names import parse_name
from lodestar.batch.run import run_batch
from lodestar.batch.summary import day_rows_path, day_solutions_path
from lodestar.cli import main
from lodestar.errors import DataNotFoundError, LodestarError
from lodestar.io.compression import read_bytes

pytest.importorskip("dask.distributed")

SETS = ("R", "C", "R+C", "G+R+E+C")
MASKS = (10, 30)
REQUIRED_COLUMNS = ["station", "marker", "date", "systems", "status", "epochs", "epochs_solved", "rms3d_m", "error"]
BROKEN = {"BRKT": "truncated mid-line", "BRKG": "epoch line garbled", "BRKH": "header removed", "BRKZ": "gzip cut"}


# --- names and discovery -------------------------------------------------------------------------

def test_names_follow_the_rinex_conventions():
    esbc = parse_name("ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
    assert (esbc.kind, esbc.station, esbc.marker, esbc.date) == ("obs", "ESBC", "ESBC00DNK", dt.date(2020, 6, 25))
    short = parse_name("flrs0010.12o")  # RINEX 2.11 section 4: ssssdddf.yyt
    assert (short.kind, short.station, short.date) == ("obs", "FLRS", dt.date(2012, 1, 1))
    assert parse_name("OB712480.23O.gz").date == dt.date(2023, 9, 5)      # 2023 day 248
    assert (parse_name("brdc0130.22g").kind, parse_name("brdc0130.22g").systems) == ("nav", "R")
    assert parse_name("ESBC00DNK_R_20201770000_01D_RN.rnx").systems == "R"
    # IAC's Sta21114.sp3: GPS week 2111 day 4 = 2020-06-25 (the data README gives the same day)
    assert parse_name("Sta21114.sp3.gz").date == dt.date(2020, 6, 25)
    assert parse_name("GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz").kind == "clk"
    assert parse_name("README.md").kind == ""


def first_hour_copy(source: Path, target: Path, epochs: int = 120) -> Path:
    """The first ``epochs`` epochs of a real RINEX 3 observation file, as plain text."""
    text = read_bytes(source)
    starts = _epoch_starts(text)
    target.write_bytes(text[: starts[epochs]] if len(starts) > epochs else text)
    return target


def _epoch_starts(text: bytes) -> list[int]:
    body = text.index(b"END OF HEADER")
    positions, index = [], text.find(b"\n> ", body)
    while index >= 0:
        positions.append(index + 1)
        index = text.find(b"\n> ", index + 1)
    return positions


def broken_copies(esbc: Path, folder: Path) -> None:
    """Deliberately damaged copies of real ESBC data, each under its own station name."""
    hour = (esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx").read_bytes()
    name = "{}00DNK_R_20201770000_01D_30S_MO.rnx"
    cut = hour.index(b"\n", len(hour) * 3 // 5) + 20  # 20 characters into a data line
    (folder / name.format("BRKT")).write_bytes(hour[:cut])
    tenth = _epoch_starts(hour)[9]
    (folder / name.format("BRKG")).write_bytes(hour[:tenth] + b"> 20X0" + hour[tenth + 6:])
    (folder / name.format("BRKH")).write_bytes(hour[hour.index(b"\n", hour.index(b"END OF HEADER")) + 1:])
    full = (esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz").read_bytes()
    (folder / "BRKZ00DNK_R_20201770000_01D_30S_MO.crx.gz").write_bytes(full[: len(full) // 3])


def nav_folder(data: Path, folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for relative in names:
        (folder / Path(relative).name).symlink_to(data / relative)
    return folder


NAV_FILES = [
    "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
    "esbc-2020-177/ESBC00DNK_R_20201770000_01D_RN.rnx",
    "full-day-obs/NYA100NOR_S_20241270000_01D_GN.rnx.gz",
    "full-day-obs/NYA100NOR_S_20241270000_01D_EN.rnx.gz",
    "full-day-obs/GRAS00FRA_R_20242090000_01D_EN.rnx.gz",
]


@pytest.fixture(scope="module")
def inputs(data, tmp_path_factory):
    root = tmp_path_factory.mktemp("network")
    obs = root / "obs"
    obs.mkdir()
    for name in ("ESBC", "WTZR", "WTZZ"):
        country = "DNK" if name == "ESBC" else "DEU"
        source = data / "esbc-2020-177" / f"{name}00{country}_R_20201770000_01D_30S_MO_120epoch.rnx"
        (obs / source.name).symlink_to(source)
    first_hour_copy(data / "full-day-obs/NYA100NOR_S_20241270000_01D_30S_MO.crx.gz",
                    obs / "NYA100NOR_S_20241270000_01D_30S_MO_120epoch.rnx")
    first_hour_copy(data / "full-day-obs/AJAC00FRA_R_20242090000_01D_30S_MO.crx.gz",
                    obs / "AJAC00FRA_R_20242090000_01D_30S_MO_120epoch.rnx")
    broken_copies(data / "esbc-2020-177", obs)
    nav = nav_folder(data, root / "nav", NAV_FILES)
    sinex = [str(data / "sinex/igs20P2131_wocov.snx"), str(data / "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX")]
    return {"root": root, "obs": obs, "nav": nav, "sinex": sinex}


def test_discovery_pairs_each_station_day_with_the_navigation_of_its_day(inputs, data, tmp_path):
    found = discover([inputs["obs"]], inputs["nav"])
    days = {d.key: d for d in found.days}
    assert set(days) == {"ESBC_2020-06-25", "WTZR_2020-06-25", "WTZZ_2020-06-25", "NYA1_2024-05-06",
                         "AJAC_2024-07-27", *(f"{s}_2020-06-25" for s in BROKEN)}
    # ESBC's own mixed file covers every system (its GLONASS-only RN file adds none); WTZR has no
    # file of its own: the mixed file of another station of the day; NYA1 needs its GN and EN files.
    assert [Path(p).name for p in days["ESBC_2020-06-25"].nav] == ["ESBC00DNK_R_20201770000_01D_MN.rnx.gz"]
    assert [Path(p).name for p in days["WTZR_2020-06-25"].nav] == ["ESBC00DNK_R_20201770000_01D_MN.rnx.gz"]
    assert sorted(Path(p).name for p in days["NYA1_2024-05-06"].nav) == ["NYA100NOR_S_20241270000_01D_EN.rnx.gz",
                                                                         "NYA100NOR_S_20241270000_01D_GN.rnx.gz"]
    assert [Path(p).name for p in days["AJAC_2024-07-27"].nav] == ["GRAS00FRA_R_20242090000_01D_EN.rnx.gz"]
    # A name outside the conventions: identified by its header (MARKER NAME, TIME OF FIRST OBS)
    odd = tmp_path / "mystation.obs"
    odd.symlink_to(data / "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx")
    # ... and a navigation file named outside the conventions: dated by its records' epochs
    nav = nav_folder(data, tmp_path / "nav", ["nav-misc/Example_Mixed_Rinex304.n", NAV_FILES[0]])
    (day,) = discover([odd], nav).days
    assert (day.station, day.marker, day.date) == ("ESBC", "ESBC00DNK", "2020-06-25")
    assert [Path(p).name for p in day.nav] == ["ESBC00DNK_R_20201770000_01D_MN.rnx.gz"]
    with pytest.raises(DataNotFoundError):
        discover([tmp_path / "nothing-here*.rnx"], nav)


def test_navigation_files_are_chosen_by_what_they_hold(data):
    # BRDC00GOP 2021-001 is a merged file by name (MN) but holds one record each of R, E, C and S
    # and none of GPS; AMEL's mixed file holds R, E, C only, CBW1's also G (file text): CBW1's is
    # added for GPS, AMEL's adds nothing.
    (day,) = discover([data / "rinex2/delf0010.21o"], data / "nav-misc").days
    assert [Path(p).name for p in day.nav] == ["BRDC00GOP_R_20210010000_01D_MN.rnx.gz", "CBW100NLD_R_20210010000_01D_MN.rnx"]


def test_precise_products_pair_by_day_and_product_line(data):
    esbc = data / "esbc-2020-177"
    (day,) = discover([esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"], esbc, sp3_dir=esbc).days
    # GRG final has its own clock file (COD's has none here); the eve's orbit file is added for
    # interpolation across midnight, and clocks never come from another analysis centre.
    assert [Path(p).name for p in day.sp3] == ["GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz",
                                               "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"]
    assert [Path(p).name for p in day.clk] == ["GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"]


def test_other_product_lines_serve_the_systems_the_best_one_lacks(data):
    """GRG (G, R, E) is the day's best line; BeiDou comes only from the other lines, best first: CODE's final
    (BDS-2), GFZ's rapid 2-hour extract, then the two files named outside the conventions (IAC's Sta21114
    and a GBM extract, dated by content), none with its own clock file here."""
    esbc = data / "esbc-2020-177"
    (day,) = discover([esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"], esbc, sp3_dir=esbc).days
    assert [Path(p).name for p in day.sp3_more] == ["COD0MGXFIN_20201770000_01D_05M_ORB.SP3",
                                                    "GBM0MGXRAP_20201770000_01D_05M_ORB_120epoch.sp3",
                                                    "GBM_BDS_C21_C08_trim.sp3", "Sta21114.sp3.gz"]
    assert day.clk_more == ()


def test_a_folder_of_grg_and_iac_gives_iac_for_beidou_only(data, tmp_path):
    esbc = data / "esbc-2020-177"
    for name in ("GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz",
                 "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz", "Sta21114.sp3.gz"):
        (tmp_path / name).symlink_to(esbc / name)
    (day,) = discover([esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"], esbc, sp3_dir=tmp_path).days
    assert [Path(p).name for p in day.sp3_more] == ["Sta21114.sp3.gz"]
    # a folder whose best line carries every system needs no other line
    only_iac = tmp_path / "iac"
    only_iac.mkdir()
    (only_iac / "Sta21114.sp3.gz").symlink_to(esbc / "Sta21114.sp3.gz")
    (day,) = discover([esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"], esbc, sp3_dir=only_iac).days
    assert [Path(p).name for p in day.sp3] == ["Sta21114.sp3.gz"] and day.sp3_more == ()


def test_sp3_header_systems_reads_the_satellite_lines(data):
    from lodestar.io.headers import read_head, sp3_header_systems

    esbc = data / "esbc-2020-177"
    assert sp3_header_systems(read_head(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz", 81 * 20)) == "GRE"
    assert sp3_header_systems(read_head(esbc / "Sta21114.sp3.gz", 81 * 20)) == "GRECJ"  # 121 satellites, 8 lines
    assert sp3_header_systems(b"not an SP3 head") == ""


def test_duplicates_of_a_station_day_are_listed_not_dropped(data, tmp_path):
    esbc = data / "esbc-2020-177"
    found = discover([esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz",
                      esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"], esbc)
    (day,) = found.days
    assert Path(day.obs).name == "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"   # the full day wins
    assert [Path(p).name for p in day.duplicates] == ["ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"]


def test_station_days_without_navigation_are_counted_as_skipped(data, tmp_path):
    # two station-days, neither with a navigation file of its day: both are "skipped" in the counts the CLI
    # prints, not only in the rows (it printed "0 done, 0 failed, 0 skipped"), and no Dask cluster starts

    nav = nav_folder(data, tmp_path / "nav", ["tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"])
    obs = [data / "esbc-2020-177" / f"{s}00DEU_R_20201770000_01D_30S_MO_120epoch.rnx" for s in ("WTZR", "WTZZ")]
    result = run_batch(obs, nav, tmp_path / "out", sets=("C",), masks=(10,), progress=False)
    assert result.counts["skipped"] == 2 and result.counts["done"] == 0 and result.counts["failed"] == 0
    assert result.counts["rows_skipped"] == 2


def test_navigation_from_several_folders(data, tmp_path, capsys):
    # `--nav-dir A --nav-dir B` (and `--nav-dir A B`): each day takes its navigation from whichever folder has it;
    # the option was single-valued and kept the last folder silently, skipping the other days
    esbc_nav = nav_folder(data, tmp_path / "nav2020", ["esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"])
    tlse_nav = nav_folder(data, tmp_path / "nav2024", ["tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"])
    obs = [data / "esbc-2020-177" / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
           data / "tlse-2024-001" / "TLSE00FRA_R_20240011800_01H_30S_MO.crx.gz"]
    found = discover(obs, [esbc_nav, tlse_nav, esbc_nav])  # a folder given twice counts once
    assert [(d.station, [Path(p).parent.name for p in d.nav]) for d in found.days] == \
        [("WTZR", ["nav2020"]), ("TLSE", ["nav2024"])]
    for spelling in (["--nav-dir", str(esbc_nav), "--nav-dir", str(tlse_nav)], ["--nav-dir", str(tlse_nav), str(esbc_nav)]):
        out = tmp_path / f"out{len(spelling)}"
        assert main(["batch", *map(str, obs), *spelling, "--sets", "C", "--masks", "10", "--workers", "1",
                     "--no-progress", "--out", str(out)]) == 0
        assert "2 done, 0 failed, 0 skipped" in capsys.readouterr().out
    only_one = discover(obs, tlse_nav)
    assert [d.nav for d in only_one.days][0] == ()  # WTZR's day is not in it: skipped, as before


# --- the network on a LocalCluster, with a worker killed mid-run ---------------------------------

@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="3GiB",
                      dashboard_address=None) as local, Client(local) as client:
        yield client


def kill_a_busy_worker(client, record: dict) -> threading.Thread:
    """Once a worker is running a task, SIGKILL its process (as the OOM killer or a crash would)."""
    pids = client.run(os.getpid)

    def killer():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = [worker for worker, keys in client.processing().items() if keys]
            if busy:
                time.sleep(1.0)  # let the task get well into its work ...
                keys = client.processing().get(busy[0], ())
                if keys:  # ... and kill only while the worker still holds it
                    record.update(pid=pids[busy[0]], keys=list(keys))
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def batch(inputs, cluster, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch-out")
    killed: dict = {}
    thread = kill_a_busy_worker(cluster, killed)
    result = run_batch([inputs["obs"]], inputs["nav"], out, sinex=inputs["sinex"], sets=SETS, masks=MASKS,
                       client=cluster, progress=False)
    thread.join(5)
    return {"result": result, "out": out, "killed": killed}


def test_killed_worker_does_not_lose_the_batch(batch):
    killed = batch["killed"]
    assert killed, "the test must have killed a worker process mid-run"
    with pytest.raises(ProcessLookupError):
        os.kill(killed["pid"], 0)
    table = batch["result"].summary
    assert not (table["error_kind"] == "worker").any()
    for key in killed["keys"]:  # the tasks the killed worker held were rerun to completion
        station, date = key.removeprefix("lodestar-batch-").rsplit("-", 1)[0].split("_")
        rows = table[(table["station"] == station) & (table["date"] == date)]
        assert len(rows) > 0 and set(rows["error_kind"]) <= {"", "input"}


def test_outputs_have_every_station_day_and_the_required_columns(batch):
    out = batch["out"]
    summary = pd.read_parquet(out / "summary.parquet")
    csv = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert set(REQUIRED_COLUMNS) <= set(summary.columns)
    assert set(REQUIRED_COLUMNS) <= set(csv.columns) and len(csv) == len(summary)
    assert set(summary["status"]) <= {"ok", "failed", "skipped"}
    assert summary["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (summary["station"].str.len() == 4).all()
    assert set(summary.loc[summary["station"] == "ESBC", "marker"]) == {"ESBC00DNK"}
    html = (out / "overview.html").read_text()
    assert "<img" in html and "ESBC" in html and "NYA1" in html
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    # counts are integers beside the blanks of skipped and failed rows (the CSV had "120.0000")
    assert str(summary["epochs"].dtype) == "Int64" and summary["epochs"].isna().any()
    lines = (out / "summary.csv").read_text().splitlines()
    header = lines[0].split(",")
    esbc = next(line.split(",") for line in lines if line.startswith("ESBC,") and ",ok," in line)
    assert esbc[header.index("epochs")] == "120" and esbc[header.index("epochs_solved")].isdigit()
    assert len(esbc[header.index("lat_deg")].split(".")[1]) == 9  # 1e-9 deg, 0.1 mm (4 decimals were 11 m)


def test_real_station_days_are_solved_and_missing_systems_skipped(batch):
    table = batch["result"].summary
    esbc = table[table["station"] == "ESBC"].set_index(["systems", "mask_deg"])
    for systems in SETS:
        row = esbc.loc[(systems, 10.0)]
        assert row["status"] == "ok" and row["epochs"] == 120  # the file holds 120 epochs (its name and text)
        assert row["epochs_solved"] >= 100
    assert esbc["rms3d_m"].isna().all(), "ESBC is in no SINEX file: error columns must stay empty"
    # WTZR is in IGS's 2020-11 solution only (0.4 years after the day): the truth source says so
    wtzr = table[table["station"] == "WTZR"]
    assert set(wtzr["truth_source"]) == {"sinex (the nearest solution, of 2020-11-11, 0.4 years away)"}
    for station in ("NYA1", "AJAC"):
        rows = table[table["station"] == station].set_index(["systems", "mask_deg"])
        for systems in SETS:  # compare skips a set when any of its systems lacks navigation data
            assert rows.loc[(systems, 10.0), "status"] == "skipped"
            assert rows.loc[(systems, 10.0), "error"].startswith("no navigation data for")
    # WTZR is in the SINEX files: single-point errors of a few metres (RTKLIB on ESBC: 1.5-3.4 m 3D RMS)
    wtzr = table[(table["station"] == "WTZR") & (table["mask_deg"] == 10.0)].set_index("systems")
    assert (wtzr["rms3d_m"] > 0.3).all() and (wtzr["rms3d_m"] < 15).all()
    solutions = pd.read_parquet(day_solutions_path(batch["out"], "ESBC_2020-06-25"))
    assert set(solutions["systems"]) == set(SETS) and "time_gps" in solutions.columns
    # a set that ran and solved nothing is ok with the reason in its error column (it was blank)
    ran = table[table["status"] == "ok"]
    unsolved = ran[ran["epochs_solved"] == 0]
    assert len(unsolved) and unsolved["error"].str.startswith("no epoch solved: ").all(), ran[["station", "systems", "mask_deg", "epochs_solved"]]
    assert (ran.loc[ran["epochs_solved"] > 0, "error"] == "").all()


def test_broken_files_become_failed_rows_naming_file_and_reason(batch):
    table = batch["result"].summary
    for station, damage in BROKEN.items():
        rows = table[table["station"] == station]
        assert len(rows) == len(SETS), damage
        assert (rows["status"] == "failed").all(), damage
        assert (rows["error_kind"] == "input").all(), f"{damage}: {rows['error'].iloc[0]}"
        assert rows["file"].str.contains(station).all()
        assert rows["error"].str.len().gt(0).all()


def test_resume_skips_done_station_days_and_never_overwrites(batch, inputs):
    out = batch["out"]
    stamps = {p: p.stat().st_mtime_ns for p in (out / "days").iterdir()}
    again = run_batch([inputs["obs"]], inputs["nav"], out, sinex=inputs["sinex"], sets=SETS, masks=MASKS,
                      workers=1, progress=False)  # nothing to do: no cluster is even started
    assert again.counts["resumed"] == 9
    assert {p: p.stat().st_mtime_ns for p in (out / "days").iterdir()} == stamps
    before = batch["result"].summary.drop(columns="elapsed_s")
    pd.testing.assert_frame_equal(again.summary.drop(columns="elapsed_s"), before)
    with pytest.raises(LodestarError, match="--force"):
        run_batch([inputs["obs"]], inputs["nav"], out, sets=("G",), progress=False)


def test_force_redoes_and_cli_reaches_an_existing_scheduler(batch, inputs, cluster, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)  # the other tests keep the original
    wtzr = inputs["obs"] / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
    rows_file = day_rows_path(out, "WTZR_2020-06-25")
    stamp = rows_file.stat().st_mtime_ns
    report = tmp_path / "batch.json"
    status = main(["batch", str(wtzr), str(inputs["obs"] / "BRKH00DNK_R_20201770000_01D_30S_MO.rnx"),
                   "--nav-dir", str(inputs["nav"]), "--sinex", inputs["sinex"][0], "--sinex", inputs["sinex"][1],
                   "--sets", "R+C", "--masks", "10", "--force", "--no-progress",
                   "--scheduler", cluster.scheduler.address, "--out", str(out), "--json", str(report)])
    assert status == 1  # a failed row (the broken file) makes the exit status non-zero
    assert rows_file.stat().st_mtime_ns > stamp
    summary = json.loads(report.read_text())
    assert summary["counts"]["rows_failed"] >= 1 and Path(summary["files"]["csv"]).exists()
    redone = pd.read_parquet(rows_file)
    assert list(redone["systems"]) == ["R+C"] and redone["rms3d_m"].iloc[0] < 15  # SINEX truth via the CLI


def test_an_interrupted_run_loses_nothing_and_resumes(inputs, cluster, tmp_path):
    """Kill the whole batch (client, scheduler, workers) once a first station-day is saved; rerun."""
    out = tmp_path / "out"
    hours = sorted(str(p) for p in inputs["obs"].glob("*_120epoch.rnx"))
    command = [sys.executable, "-m", "lodestar.cli", "batch", *hours, "--nav-dir", str(inputs["nav"]),
               "--masks", "10", "--workers", "1", "--no-progress", "--out", str(out)]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not list((out / "days").glob("*.rows.parquet")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the batch's own process group: client, cluster, workers
        process.wait()
    saved = {p.name: p.stat().st_mtime_ns for p in (out / "days").glob("*.rows.parquet")}
    assert saved, "the first station-day must have been written before the kill"
    result = run_batch(hours, inputs["nav"], out, masks=(10,), client=cluster, progress=False)
    assert result.counts["resumed"] == len(saved)
    assert {name: (out / "days" / name).stat().st_mtime_ns for name in saved} == saved  # kept, not redone
    assert result.summary[["station", "date"]].drop_duplicates().shape[0] == len(hours)
    assert (result.summary["status"] != "failed").all()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_a_task_over_the_memory_limit_becomes_a_failed_row(data, tmp_path):
    """A worker limited to 400 MiB cannot hold a full ESBC day (peak ~0.7 GiB, see bench_batch.py
    --memory): Dask's nanny restarts it at 95 % of the limit, the task is retried, then reported."""
    from dask.distributed import Client, LocalCluster

    esbc = data / "esbc-2020-177"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, memory_limit="400MiB",
                      dashboard_address=None) as local, Client(local) as client:
        result = run_batch([esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"], esbc, tmp_path / "out", sets=("R+C",),
                           masks=(10,), client=client, progress=False)
    rows = result.summary
    assert list(rows["status"]) == ["failed"] and list(rows["error_kind"]) == ["worker"]
    assert "KilledWorker" in rows["error"].iloc[0]
    assert not day_rows_path(tmp_path / "out", "ESBC_2020-06-25").exists()  # not final: a rerun retries it


# --- the full-day network (slow) -----------------------------------------------------------------

@pytest.mark.slow
def test_full_day_network(data, tmp_path):
    obs = [data / "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz",
           *sorted((data / "full-day-obs").glob("NYA100NOR_S_2024127*_MO.crx.gz")),
           *sorted((data / "full-day-obs").glob("NYA100NOR_S_2024128*_MO.crx.gz")),
           *sorted((data / "full-day-obs").glob("AJAC00FRA_R_202420*_MO.crx.gz")),
           *sorted((data / "full-day-obs").glob("AJAC00FRA_R_202421*_MO.crx.gz"))]
    nav = nav_folder(data, tmp_path / "nav", NAV_FILES[:2] + [
        f"full-day-obs/{p.name}" for p in sorted((data / "full-day-obs").glob("*_[GE]N.rnx.gz"))])
    result = run_batch(obs, nav, tmp_path / "out", sets=SETS, workers=2, progress=False)
    table = result.summary
    assert table[["station", "date"]].drop_duplicates().shape[0] == 5
    esbc = table[(table["station"] == "ESBC") & (table["mask_deg"] == 10.0)].set_index("systems")
    assert (esbc["status"] == "ok").all() and (esbc["epochs"] == 2880).all()  # full day at 30 s
    others = table[table["station"].isin(["NYA1", "AJAC"]) & table["systems"].isin(["R", "C", "R+C"])]
    assert (others["status"] == "skipped").all()
    assert not (table["status"] == "failed").any()


def test_inputs_named_that_are_no_observation_file_become_failed_rows(data, tmp_path, capsys):
    # An empty or damaged file named like observation data (".rnx") was dropped without a row (the guide: nothing
    # the user gave is lost): now a failed row with the reason. A text file (a README a shell glob brings) is
    # said in a note, a navigation file is left out as before, and a folder without any observation file is an
    # error naming it (it ended in a traceback, no overview)
    nav = nav_folder(data, tmp_path / "nav", ["esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"])
    (tmp_path / "empty.rnx").write_bytes(b"")
    (tmp_path / "junk.rnx").write_text("station notes\n")
    (tmp_path / "notes.txt").write_text("station notes\n")
    navigation = data / "esbc-2020-177" / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
    found = discover([tmp_path / "empty.rnx", tmp_path / "junk.rnx", tmp_path / "notes.txt", navigation], nav)
    assert found.days == []
    reasons = {Path(u.path).name: u.reason for u in found.unidentified}
    assert set(reasons) == {"empty.rnx", "junk.rnx"}
    assert "empty file, expected a RINEX observation file" in reasons["empty.rnx"]
    assert "junk.rnx, line 1: expected a RINEX observation file" in reasons["junk.rnx"]
    assert "'station notes'" in reasons["junk.rnx"]
    assert found.left_out == [f"{tmp_path / 'notes.txt'}: left out, not an observation file"]
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "empty.rnx"), str(tmp_path / "junk.rnx"), str(tmp_path / "notes.txt"),
                 "--nav-dir", str(nav), "--sets", "R", "--masks", "10", "--no-progress", "--out", str(out)]) == 1
    assert "notes.txt: left out, not an observation file" in capsys.readouterr().err
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 and (summary["status"] == "failed").all() and (out / "overview.html").exists()
    (tmp_path / "none").mkdir()
    assert main(["batch", str(tmp_path / "none"), "--nav-dir", str(nav), "--out", str(tmp_path / "out2"),
                 "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"no observation file found in {tmp_path / 'none'}" in err and "Traceback" not in err


def test_an_unreadable_navigation_file_is_set_aside_for_a_good_one(data, tmp_path):
    # A damaged merged file (BRDC..., a NUL byte on line 2) beside a good one of the same day (MOJN's): the
    # damaged one counted as covering every system, so the good one was never taken and WTZR's day failed
    nav = nav_folder(data, tmp_path / "nav", ["esbc-2020-177/MOJN00DNK_R_20201770000_01D_MN.rnx.gz"])
    (nav / "BRDC00IGS_R_20201770000_01D_MN.rnx").write_bytes(b"     3.04           N: GNSS NAV DATA    M: MIXED"
                                                              b"            RINEX VERSION / TYPE\n\x00\x01\x02garbage\n")
    obs = data / "esbc-2020-177" / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
    (day,) = discover([obs], nav).days
    assert [Path(p).name for p in day.nav] == ["MOJN00DNK_R_20201770000_01D_MN.rnx.gz"]
    assert len(day.notes) == 1 and day.notes[0].startswith("navigation file set aside: ") \
        and "BRDC00IGS_R_20201770000_01D_MN.rnx" in day.notes[0]
    result = run_batch([obs], nav, tmp_path / "out", sets=("C",), masks=(10,), workers=1, progress=False)
    (row,) = result.summary.to_dict("records")
    assert row["status"] == "ok" and row["epochs_solved"] > 100 and "set aside" in row["warnings"]
    # alone, the damaged file is still the day's, and the task names its error
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "BRDC00IGS_R_20201770000_01D_MN.rnx").write_bytes((nav / "BRDC00IGS_R_20201770000_01D_MN.rnx").read_bytes())
    (day,) = discover([obs], alone).days
    assert [Path(p).name for p in day.nav] == ["BRDC00IGS_R_20201770000_01D_MN.rnx"] and day.notes == ()


def test_a_file_whose_name_and_header_disagree_on_the_day_takes_the_header(data, tmp_path):
    # flrs0010.12o: its name says 2012-001, its header's TIME OF FIRST OBS 2021-01-01 (the data folder: a short
    # extract); it was paired with 2012's products and skipped ("no navigation file for 2012-01-01")
    nav = tmp_path / "nav"
    nav.mkdir()
    found = discover([data / "full-day-obs" / "flrs0010.12o",
                      data / "esbc-2020-177" / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"], nav)
    days = {d.station: d for d in found.days}
    assert days["FLRS"].date == "2021-01-01" and days["ESBC"].date == "2020-06-25" and days["ESBC"].notes == ()
    assert days["FLRS"].notes == (f"{data / 'full-day-obs' / 'flrs0010.12o'}: its name dates it 2012-01-01, its "
                                  "header's TIME OF FIRST OBS 2021-01-01: the header's day is used",)
    rows = run_batch([data / "full-day-obs" / "flrs0010.12o"], nav, tmp_path / "out", sets=("R",), masks=(10,),
                     progress=False).summary
    assert rows["error"].iloc[0] == f"no navigation file for 2021-01-01 in {nav}"
    assert "its name dates it 2012-01-01" in rows["warnings"].iloc[0]


def test_an_observation_file_starting_with_a_blank_line_is_an_input(data, tmp_path):
    # the readers allow a blank first line (precise-misc has such files); discovery read line 1 as it was and
    # left the file out: "no observation file found in <file>"
    path = tmp_path / "wettzell-hour.rnx"  # a name outside the conventions: the first line decides
    path.write_bytes(b"\n" + (data / "esbc-2020-177" / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx").read_bytes())
    nav = tmp_path / "nav"
    nav.mkdir()
    (day,) = discover([path], nav).days
    assert day.station == "WTZR" and day.date == "2020-06-25"


def test_a_navigation_file_without_records_is_named_when_set_aside(data, tmp_path):
    # a header and no record beside a good file of the day: it served nothing, silently
    nav = nav_folder(data, tmp_path / "nav", ["esbc-2020-177/MOJN00DNK_R_20201770000_01D_MN.rnx.gz"])
    (nav / "BRDC00IGS_R_20201770000_01D_MN.rnx").write_text(
        "     3.04           N: GNSS NAV DATA    M: MIXED            RINEX VERSION / TYPE\n"
        "                                                            END OF HEADER\n")
    obs = data / "esbc-2020-177" / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
    (day,) = discover([obs], nav).days
    assert [Path(p).name for p in day.nav] == ["MOJN00DNK_R_20201770000_01D_MN.rnx.gz"]
    assert day.notes == (f"navigation file set aside: {nav / 'BRDC00IGS_R_20201770000_01D_MN.rnx'}: no navigation "
                         "record after its header",)
