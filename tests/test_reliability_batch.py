"""Batch lock, stale temporaries and SIGKILL at any moment (issue 14, cases 4 and 5, and "done when").

The kill tests run the real command in a subprocess (its own process group, so the Dask workers of
a batch die with it, as when a job is killed), kill it with SIGKILL after a random delay, rerun it
and check: no partial output, no temporary file, no lock left behind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lodestar.batch.lock import LOCK_NAME, BatchLockedError, batch_lock, read_lock
from lodestar.cli import main
from lodestar.output import atomic_path, remove_stale_temporaries

ESBC = "esbc-2020-177"
OBS = f"{ESBC}/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = f"{ESBC}/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _holder(pid, host=None):
    return {"pid": pid, "host": host or socket.gethostname(), "started": "2026-01-01T00:00:00+00:00",
            "start_ticks": None, "command": "sets R"}


# --- lock --------------------------------------------------------------------------------------

def test_second_run_into_a_locked_folder_stops_naming_the_first(tmp_path, data, capsys):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
sys.path.insert(0, {SRC!r})
from lodestar.batch.lock import batch_lock
with batch_lock({str(out)!r}, command="sets R+C"):
    print("locked", flush=True)
    time.sleep(60)
"""], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code = main(["batch", str(data / OBS), "--nav-dir", str(data / ESBC), "--out", str(out), "--sets", "R",
                     "--masks", "10", "--no-progress"])
        err = capsys.readouterr().err
        assert code == 1 and f"is in use by lodestar batch PID {holder.pid} on {socket.gethostname()}" in err
        assert "sets R+C" in err and not (out / "days").exists()
        with pytest.raises(BatchLockedError):  # --force never overrides a live run of this host
            with batch_lock(out, force=True):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_stale_lock_of_this_host_is_taken_over_and_said(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps(_holder(_dead_pid())))
    notes = []
    with batch_lock(tmp_path, notes=notes) as record:
        assert read_lock(tmp_path) == record and record["pid"] == os.getpid()
    assert "took over a stale lock of lodestar batch PID" in notes[0] and "no longer running" in notes[0]
    assert not (tmp_path / LOCK_NAME).exists()


def test_lock_aside_of_a_run_killed_while_taking_the_lock_is_removed(tmp_path):
    """A run killed between writing its lock record aside and linking it into place leaves the aside;
    the next run removes it (a dead writer of this host), and leaves a live process's alone."""
    from lodestar.output import temporary_prefix

    dead = tmp_path / temporary_prefix(tmp_path / LOCK_NAME).replace(f"~{os.getpid()}@", f"~{_dead_pid()}@")
    dead = dead.with_name(dead.name + "lock.tmp")
    live = tmp_path / (temporary_prefix(tmp_path / LOCK_NAME) + "other.tmp")
    for path in (dead, live):
        path.write_text(json.dumps(_holder(0)))
    with batch_lock(tmp_path):
        assert not dead.exists() and live.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([LOCK_NAME, live.name])


def test_lock_of_another_host_needs_force(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps(_holder(1, host="elsewhere.example")))
    with pytest.raises(BatchLockedError, match="on elsewhere.example .*rerun with --force"):
        with batch_lock(tmp_path):
            pass
    notes = []
    with batch_lock(tmp_path, force=True, notes=notes):
        pass
    assert "--force" in notes[0] and not (tmp_path / LOCK_NAME).exists()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_lock_released_on_exceptions(tmp_path, error):
    with pytest.raises(error):
        with batch_lock(tmp_path):
            assert (tmp_path / LOCK_NAME).exists()
            raise error()
    assert not (tmp_path / LOCK_NAME).exists()


# --- temporaries -------------------------------------------------------------------------------

def test_stale_temporaries_of_dead_writers_are_removed_on_the_next_write(tmp_path):
    target = tmp_path / "out.csv"
    host = socket.gethostname()
    stale = tmp_path / f".out.csv.~{_dead_pid()}@{host}~k3j_x.csv.tmp"
    live = tmp_path / f".out.csv.~{os.getpid()}@{host}~a8b2c.csv.tmp"
    foreign = tmp_path / f".out.csv.~{_dead_pid()}@elsewhere.example~zz.csv.tmp"
    other_output = tmp_path / f".other.csv.~{_dead_pid()}@{host}~qq.csv.tmp"
    for path in (stale, live, foreign, other_output):
        path.write_text("partial")
    with atomic_path(target) as tmp:
        assert tmp.name.startswith(f".out.csv.~{os.getpid()}@{host}~") and tmp.name.endswith(".csv.tmp")
        tmp.write_text("whole")
    assert target.read_text() == "whole" and not stale.exists()
    assert live.exists() and foreign.exists() and other_output.exists()
    assert remove_stale_temporaries(tmp_path / "other.csv") == [other_output]


def _temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.tmp"))


def _run(argv, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "lodestar", *argv], env={**os.environ, "PYTHONPATH": SRC},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, **kwargs)


def _kill_group(proc, delay_s):
    time.sleep(delay_s)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_during_solve_leaves_no_partial_output(data, tmp_path, seed):
    out, js = tmp_path / "sol.csv", tmp_path / "sol.json"
    argv = ["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(out), "--json", str(js)]
    reference = tmp_path / "ref"
    reference.mkdir()
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(reference / "sol.csv")]) == 0
    _kill_group(_run(argv), random.Random(seed).uniform(0.5, 4.0))
    if out.exists():  # killed after the rename: whole
        assert out.read_bytes() == (reference / "sol.csv").read_bytes()
    # a temporary may be left by the kill; the next run removes it
    done = _run(argv)
    assert done.wait(timeout=300) == 0, done.stderr.read()
    assert out.read_bytes() == (reference / "sol.csv").read_bytes()
    assert _temporaries(tmp_path) == []


def test_sigkill_during_ppp_leaves_no_partial_output(data, tmp_path):
    """Issue 14, done when: a SIGKILL during `lodestar ppp` leaves no partial output, and the next run
    writes the same file as an undisturbed run and leaves no temporary."""
    products = [str(data / f"{ESBC}/GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz"),
                str(data / f"{ESBC}/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")]
    argv_of = lambda out: ["ppp", str(data / OBS), "--sp3", *products,  # noqa: E731
                           "--clk", str(data / f"{ESBC}/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"),
                           "--nav", str(data / NAV), "--systems", "R", "--mode", "static", "--out", str(out)]
    reference = tmp_path / "ref"
    reference.mkdir()
    assert main(argv_of(reference / "ppp.csv")) == 0
    out = tmp_path / "ppp.csv"
    _kill_group(_run(argv_of(out)), random.Random(5).uniform(1.0, 6.0))
    if out.exists():  # killed after the rename: whole
        assert out.read_bytes() == (reference / "ppp.csv").read_bytes()
    done = _run(argv_of(out))
    assert done.wait(timeout=300) == 0, done.stderr.read()
    assert out.read_bytes() == (reference / "ppp.csv").read_bytes()
    assert _temporaries(tmp_path) == []


def test_a_killed_temporary_is_cleaned_by_the_next_solve(data, tmp_path):
    """Deterministic form of the kill: a temporary named by a dead writer, as SIGKILL leaves it."""
    out = tmp_path / "sol.csv"
    leftover = tmp_path / f".sol.csv.~{_dead_pid()}@{socket.gethostname()}~x1y2z3.csv.tmp"
    leftover.write_text("time_gps,x_m\n2020-06-25T00:0")
    assert main(["solve", str(data / OBS), "--nav", str(data / NAV), "--out", str(out)]) == 0
    assert not leftover.exists() and _temporaries(tmp_path) == []


# --- done when: a network with one corrupt and one absurd-valued file; killed, then rerun -------

def _absurd_copy(source: Path, target: Path) -> None:
    """One GLONASS C1C of epoch 10 set to 9999999999.999 (the reported value)."""
    lines = source.read_text().splitlines(True)
    start = next(i for i, line in enumerate(lines) if "END OF HEADER" in line) + 1
    seen = -1
    for i in range(start, len(lines)):
        seen += lines[i].startswith(">")
        if seen == 10 and lines[i].startswith("R"):
            lines[i] = lines[i][:3] + "9999999999.999" + lines[i][17:]
            break
    target.write_text("".join(lines).replace("ESBC00DNK", "ABSD00DNK").replace("ESBC ", "ABSD "))


def test_batch_killed_then_rerun_delivers_every_good_station_day(data, tmp_path):
    obs = tmp_path / "obs"
    obs.mkdir()
    for name, country in (("ESBC", "DNK"), ("WTZR", "DEU"), ("WTZZ", "DEU")):
        source = data / ESBC / f"{name}00{country}_R_20201770000_01D_30S_MO_120epoch.rnx"
        (obs / source.name).symlink_to(source)
    hour = (data / OBS).read_bytes()
    (obs / "BRKT00DNK_R_20201770000_01D_30S_MO.rnx").write_bytes(hour[: hour.index(b"\n", len(hour) // 2) + 20])
    _absurd_copy(data / OBS, obs / "ABSD00DNK_R_20201770000_01D_30S_MO.rnx")
    nav = tmp_path / "nav"
    nav.mkdir()
    (nav / Path(NAV).name).symlink_to(data / NAV)
    out = tmp_path / "out"
    argv = ["batch", str(obs), "--nav-dir", str(nav), "--out", str(out), "--sets", "R", "R+C", "--masks", "10",
            "--workers", "1", "--no-progress", "--json", str(tmp_path / "b.json")]
    _kill_group(_run(argv), random.Random(7).uniform(3.0, 12.0))
    done = _run(argv)
    assert done.wait(timeout=600) == 1, done.stderr.read()  # 1: a failed row (the corrupt file)
    summary = pd.read_csv(out / "summary.csv")
    status = summary.groupby("station")["status"].agg(set).to_dict()
    assert status == {"ESBC": {"ok"}, "WTZR": {"ok"}, "WTZZ": {"ok"}, "ABSD": {"ok"}, "BRKT": {"failed"}}
    absd = summary[summary["station"] == "ABSD"]
    assert (absd["epochs_solved"] >= 119).all()
    assert _temporaries(out) == [] and not (out / LOCK_NAME).exists()
