"""Truncated products, oversized input and non-regular files (issue 14, cases 2 and 3).

Truncations are made in tmp from real products of ../shared/data; the bombs are made in tmp.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lodestar.cli import main
from lodestar.errors import FormatError, LodestarError
from lodestar.io import read
from lodestar.io.clk import read_clk
from lodestar.io.compression import DEFAULT_MAX_BYTES, TooLargeError, max_bytes_limit, read_bytes
from lodestar.io.sp3 import read_sp3

ESBC = "esbc-2020-177"
OBS = f"{ESBC}/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = f"{ESBC}/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
SP3 = f"{ESBC}/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
SP3_BEFORE = f"{ESBC}/GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz"
CLK = f"{ESBC}/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"
SRC = str(Path(__file__).resolve().parents[1] / "src")


# --- SP3 ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sp3_text(data):
    return gzip.decompress((data / SP3).read_bytes())


@pytest.mark.parametrize("fraction", [0.1, 0.37, 0.5, 0.81, 0.999])
def test_truncated_sp3_names_its_last_complete_epoch(sp3_text, tmp_path, fraction):
    cut = sp3_text[: int(len(sp3_text) * fraction)]
    path = tmp_path / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3"
    path.write_bytes(cut)
    with pytest.raises(FormatError, match=r"truncated: last complete epoch 2020-06-25") as caught:
        read_sp3(path)
    assert str(path) in str(caught.value)
    partial = read_sp3(path, allow_truncated=True)
    full = read_sp3("full.sp3", content=sp3_text)
    n = partial.sizes["time"]
    assert 0 < n < 96 and "truncated after epoch" in partial.attrs["warnings"][0]
    # the epochs kept are whole and identical to the complete file's
    np.testing.assert_array_equal(partial.x_m.values, full.x_m.isel(time=slice(0, n)).sel(sv=partial.sv).values)


def test_sp3_cut_on_an_epoch_boundary_is_truncated(sp3_text, tmp_path):
    lines = sp3_text.split(b"\n")
    epochs = [i for i, line in enumerate(lines) if line.startswith(b"* ")]
    path = tmp_path / "cut.sp3"
    path.write_bytes(b"\n".join(lines[: epochs[40]]) + b"\n")  # 40 whole epochs, no EOF
    with pytest.raises(FormatError, match="last complete epoch 2020-06-25 09:45:00"):
        read_sp3(path)
    assert read_sp3(path, allow_truncated=True).sizes["time"] == 40


def test_real_trimmed_products_still_read(data):
    """Files trimmed on purpose (../shared/data README, precise-misc): an EOF line, or a span that
    covers the period in the IGS long name, or exactly the declared epochs: read, with a note."""
    trimmed = read_sp3(data / "precise-misc/COD0MGXFIN_20211180000_01D_05M_ORB.SP3")  # 73 of 289, EOF
    assert trimmed.sizes["time"] == 73 and "declares 289 epochs" in trimmed.attrs["warnings"][0]
    hour = read_sp3(data / "tlse-2022-001/WUM0MGXULT_20220010000_01H_05M_ORB.SP3")  # 13 of 576, '01H'
    assert hour.sizes["time"] == 13 and "spanning the period in the file name" in hour.attrs["warnings"][0]
    old = read_sp3(data / "precise-misc/sio06492.sp3")  # 1992, declared 148, no EOF
    assert old.sizes["time"] == 148 and "no EOF line" in old.attrs["warnings"][0]
    assert read_sp3(data / SP3).attrs["warnings"] == []


# --- CLK ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clk_text(data):
    return gzip.decompress((data / CLK).read_bytes())


def test_clock_cut_mid_number_is_refused_or_used_to_the_last_epoch(clk_text, tmp_path):
    # the reported case: a GRG value cut to '0.1224' by the end of the file
    line_start = clk_text.index(b"AS R09  2020  6 25  0 10  0")
    cut = clk_text[: line_start + 40] + b"0.1224"  # the bias field (columns 41-59) cut after 6 characters
    path = tmp_path / "cut.clk"
    path.write_bytes(cut)
    with pytest.raises(FormatError, match=r"truncated: last complete epoch 2020-06-25 00:09:30"):
        read_clk(path)
    partial = read_clk(path, allow_truncated=True)
    assert str(partial.time.values[-1])[:19] == "2020-06-25T00:09:30" and partial.attrs["warnings"]


def test_clock_value_cut_inside_the_file_is_a_format_error(clk_text, tmp_path):
    lines = clk_text.split(b"\n")
    i = next(k for k, line in enumerate(lines) if line.startswith(b"AS R09  2020  6 25  0 10  0"))
    lines[i] = lines[i][:46]
    with pytest.raises(FormatError, match=rf"line {i + 1}: expected clock values in their full columns"):
        read_clk("x.clk", content=b"\n".join(lines))


def test_clock_file_cut_on_a_line_boundary(clk_text):
    lines = clk_text.split(b"\n")
    last = max(k for k, line in enumerate(lines) if line.startswith(b"AS R01  2020  6 25 23 59 30"))
    with pytest.raises(FormatError, match="last complete epoch 2020-06-25 23:59:00"):
        read_clk("x.clk", content=b"\n".join(lines[: last + 3]) + b"\n")  # 3 of 75 records of 23:59:30
    assert read_clk("x.clk", content=clk_text).attrs["warnings"] == []


def test_solve_allow_truncated_carries_the_warning_to_the_json(data, sp3_text, tmp_path):
    lines = sp3_text.split(b"\n")
    epochs = [i for i, line in enumerate(lines) if line.startswith(b"* ")]
    cut = tmp_path / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3"
    cut.write_bytes(b"\n".join(lines[: epochs[20] + 30]))  # 20 whole epochs and part of the 21st
    args = ["solve", str(data / OBS), "--nav", str(data / NAV), "--systems", "R", "--sp3", str(data / SP3_BEFORE),
            str(cut), "--out", str(tmp_path / "o.csv"), "--json", str(tmp_path / "o.json")]
    assert main(args) == 1 and not (tmp_path / "o.csv").exists()
    assert main([*args, "--allow-truncated"]) == 0
    info = json.loads((tmp_path / "o.json").read_text())
    assert any("truncated after epoch 2020-06-25 04:45:00" in w for w in info["warnings"])
    assert info["solved"] >= 118


@pytest.mark.parametrize("command", ["solve", "compare", "sisre"])
def test_every_command_prints_the_truncation_warning_on_stderr(data, sp3_text, tmp_path, capsys, command):
    """The warning a run's --json carries is also printed, on stderr, by each command that reads precise files
    (``compare`` and ``sisre`` had it in the JSON only); stdout stays JSON alone with ``--json -``."""
    lines = sp3_text.split(b"\n")
    epochs = [i for i, line in enumerate(lines) if line.startswith(b"* ")]
    cut = tmp_path / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3"
    cut.write_bytes(b"\n".join(lines[: epochs[20] + 30]))
    products = ["--sp3", str(data / SP3_BEFORE), str(cut), "--allow-truncated", "--json", "-"]
    argv = {"solve": ["solve", str(data / OBS), "--nav", str(data / NAV), "--systems", "R", "--out", str(tmp_path / "o.csv")],
            "compare": ["compare", str(data / OBS), "--nav", str(data / NAV), "--sets", "R", "--masks", "10",
                        "--no-progress"],
            "sisre": ["sisre", "--nav", str(data / NAV), "--systems", "R"]}[command]
    assert main([*argv, *products]) == 0
    printed = capsys.readouterr()
    info = json.loads(printed.out)  # nothing but the JSON on stdout
    assert any("truncated after epoch 2020-06-25 04:45:00" in w for w in info["warnings"])
    assert "warning: " in printed.err and "truncated after epoch 2020-06-25 04:45:00" in printed.err


# --- size limit, non-regular files -------------------------------------------------------------

def test_limit_from_argument_environment_and_default(monkeypatch):
    monkeypatch.delenv("LODESTAR_MAX_BYTES", raising=False)
    assert max_bytes_limit() == DEFAULT_MAX_BYTES == 2_000_000_000
    monkeypatch.setenv("LODESTAR_MAX_BYTES", "5e6")
    assert max_bytes_limit() == 5_000_000 and max_bytes_limit(10) == 10
    monkeypatch.setenv("LODESTAR_MAX_BYTES", "lots")
    with pytest.raises(LodestarError, match="LODESTAR_MAX_BYTES"):
        max_bytes_limit()


@pytest.fixture(scope="module")
def bomb(data, tmp_path_factory):
    """A valid RINEX header, then 256 MiB of NULs: a ~0.3 MB gzip."""
    header = (data / OBS).read_bytes().split(b"END OF HEADER")[0] + b"END OF HEADER\n"
    path = tmp_path_factory.mktemp("bomb") / "BOMB00DNK_R_20201770000_01D_30S_MO.rnx.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(header)
        block = bytes(16 * 1024 * 1024)
        for _ in range(16):
            handle.write(block)
    return path


def _peak_rss_mb(code: str, env: dict) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its peak resident memory (MB) and its output.

    VmHWM of /proc/self/status (proc(5)), not ``ru_maxrss``: Linux carries ``ru_maxrss`` over
    ``execve`` from the forked parent (here pytest, hundreds of MB).
    """
    probe = code + ("\nfrom pathlib import Path\nhwm = [l for l in Path('/proc/self/status').read_text().splitlines()"
                    " if l.startswith('VmHWM')][0]\nprint('RSS', int(hwm.split()[1]) / 1024)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": SRC, **env})
    rss = float(done.stdout.rsplit("RSS", 1)[1])
    return rss, done.stdout + done.stderr


def test_gzip_bomb_stops_at_the_limit_quickly_and_small(bomb):
    start = time.monotonic()
    with pytest.raises(TooLargeError, match="exceeds the limit of 50,000,000 bytes"):
        read_bytes(bomb, max_bytes=50_000_000)
    assert time.monotonic() - start < 10.0
    code = f"""
from lodestar.io import read
try:
    read({str(bomb)!r})
except Exception as exc:
    print(type(exc).__name__, exc)"""
    rss, out = _peak_rss_mb(code, {"LODESTAR_MAX_BYTES": "50000000"})
    assert "TooLargeError" in out and rss < 4 * 50 + 150, (rss, out)  # the limit plus chunks and imports


def test_valid_header_then_nuls_fails_fast_with_little_memory(bomb):
    """Within the limit, 256 MiB of NULs: one scan finds them; peak memory ~ the content once."""
    code = f"""
from lodestar.io.rinex_obs import read_obs
try:
    read_obs({str(bomb)!r})
except Exception as exc:
    print(type(exc).__name__, exc)"""
    start = time.monotonic()
    rss, out = _peak_rss_mb(code, {})
    assert "FormatError" in out and "line 56" in out and "NUL byte" in out, out
    assert rss < 2.5 * 268 + 150, rss  # decompressed content 268 MB: within a small multiple
    assert time.monotonic() - start < 60.0


def test_zip_declaring_more_than_the_limit(tmp_path, data):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.rnx", (data / OBS).read_bytes())
    with pytest.raises(TooLargeError):
        read_bytes(path, max_bytes=1_000_000)
    assert read_bytes(path) == (data / OBS).read_bytes()


def test_empty_zip_says_it_is_empty(tmp_path, capsys):
    # a zip of no file was read as text and refused for "a NUL byte at offset 4"
    path = tmp_path / "empty.zip"
    zipfile.ZipFile(path, "w").close()
    with pytest.raises(FormatError, match=r"expected a zip archive holding exactly one file, found 'an empty zip archive"):
        read_bytes(path)
    assert main(["info", str(path)]) == 1
    captured = capsys.readouterr()
    assert "empty zip archive (no file)" in captured.out + captured.err


def test_hatanaka_output_is_bounded_too(data):
    crx = data / f"{ESBC}/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"  # 5.5 MB of gzip, 33 MB of RINEX
    with pytest.raises(TooLargeError):
        read_bytes(crx, max_bytes=20_000_000)


@pytest.fixture()
def fifo(tmp_path):
    path = tmp_path / "pipe.rnx"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("which", ["fifo", "/dev/zero", "bomb"])
def test_info_solve_and_read_end_with_a_clear_error_quickly(which, fifo, bomb, data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LODESTAR_MAX_BYTES", "50000000")
    path = {"fifo": str(fifo), "/dev/zero": "/dev/zero", "bomb": str(bomb)}[which]
    expected = {"fifo": "is a FIFO", "/dev/zero": "is a device", "bomb": "exceeds the limit"}[which]
    start = time.monotonic()
    with pytest.raises(LodestarError, match=expected):
        read(path)
    assert main(["info", path]) == 1
    assert main(["solve", path, "--nav", str(data / NAV), "--out", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert err.count(expected) == 2 and "Traceback" not in err
    assert time.monotonic() - start < 30.0 and not (tmp_path / "o.csv").exists()


def test_batch_task_refuses_a_truncated_product_unless_allowed(data, sp3_text, tmp_path):
    from lodestar.batch.discover import StationDay
    from lodestar.batch.tasks import TaskOptions, run_station_day

    lines = sp3_text.split(b"\n")
    epochs = [i for i, line in enumerate(lines) if line.startswith(b"* ")]
    cut = tmp_path / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3"
    cut.write_bytes(b"\n".join(lines[: epochs[20] + 30]))
    day = StationDay("ESBC", "ESBC00DNK", "2020-06-25", str(data / OBS), nav=(str(data / NAV),),
                     sp3=(str(data / SP3_BEFORE), str(cut)), clk=(str(data / CLK),))
    options = dict(sets=("R",), masks=(10.0,), sinex=())
    rows = run_station_day(day, TaskOptions(**options, out_dir=str(tmp_path / "a")))
    assert rows[0]["status"] == "failed" and "truncated: last complete epoch 2020-06-25 04:45:00" in rows[0]["error"]
    rows = run_station_day(day, TaskOptions(**options, out_dir=str(tmp_path / "b"), allow_truncated=True))
    assert rows[0]["status"] == "ok" and rows[0]["epochs_solved"] >= 118
    # the result says what it rests on: the row and the saved day table name the truncated file
    assert "truncated after epoch 2020-06-25 04:45:00" in rows[0]["warnings"] and cut.name in rows[0]["warnings"]
    from lodestar.batch.summary import read_day_rows

    saved = read_day_rows(tmp_path / "b")
    assert saved["warnings"].str.contains("truncated after epoch").all()
    # the PPP task reads its products under the same rule
    ppp_options = dict(options, out_dir=str(tmp_path / "c"), ppp=True)
    rows = run_station_day(day, TaskOptions(**ppp_options))
    assert rows[0]["status"] == "failed" and "truncated: last complete epoch" in rows[0]["error"]
    rows = run_station_day(day, TaskOptions(**dict(ppp_options, out_dir=str(tmp_path / "d")), allow_truncated=True))
    assert rows[0]["status"] == "ok" and "truncated after epoch" in rows[0]["warnings"]
    assert "no phase-centre calibration" in rows[0]["warnings"]  # no --sinex given: the PPP's own warning


def test_unix_z_is_streamed_with_the_limit(data, tmp_path):
    path = data / "rinex2/ac660270.18o.Z"
    plain = subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout  # independent decoder
    assert read_bytes(path) == plain
    with pytest.raises(TooLargeError):
        read_bytes(path, max_bytes=len(plain) // 2)
    cut = tmp_path / "cut.18o.Z"
    cut.write_bytes(path.read_bytes()[:5000])
    try:
        read_bytes(cut)
    except LodestarError:
        pass  # an LZW stream has no length check: a cut may also read as a shorter file
