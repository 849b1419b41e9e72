"""Shared plumbing: system sets, compression sniffing, data folder, atomic outputs, the CLI shell."""

import gzip
import json
import subprocess
import sys

import pytest

from lodestar.data import data_dir
from lodestar.errors import DataNotFoundError, FormatError, LodestarError
from lodestar.io.compression import decompress_bytes, read_bytes
from lodestar.output import atomic_path, write_json
from lodestar.systems import format_system_set, parse_system_set


@pytest.mark.parametrize("text, expected", [("R", "R"), ("C,R", "R+C"), ("c+r", "R+C"), ("C+E+R+G", "G+R+E+C")])
def test_system_sets_are_written_in_g_r_e_c_order(text, expected):
    assert format_system_set(parse_system_set(text)) == expected


def test_unknown_system_letter_is_refused():
    with pytest.raises(LodestarError, match="unknown system letter"):
        parse_system_set("R+X")


@pytest.mark.parametrize(("text", "said"), [
    ("R C", "join the letters with +"),  # was "unknown system letter(s) R C" although both are letters
    ("GLO", "GLO is R"), ("GPS+BDS", "GPS is G, BDS is C"),
])
def test_a_set_written_otherwise_is_refused_with_how_to_write_it(text, said):
    with pytest.raises(LodestarError, match=said):
        parse_system_set(text)


def test_every_compression_reads_to_the_same_rinex_header(data):
    # the same kind of file through .Z, .zip, Hatanaka .d and gzip+Hatanaka
    for name in ["rinex2/ac660270.18o.Z", "rinex2/ab430140.18o.zip", "rinex2/barq071q.19d",
                 "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"]:
        first = read_bytes(data / name).split(b"\n", 1)[0]
        assert b"OBSERVATION DATA" in first and b"RINEX VERSION / TYPE" in first, name


def test_damaged_compression_is_a_format_error(data):
    raw = (data / "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz").read_bytes()
    with pytest.raises(FormatError, match="gzip"):
        decompress_bytes(raw[: len(raw) // 2], "cut.gz")
    assert gzip.decompress(raw)  # the original is untouched


def test_missing_data_folder_says_what_to_do(tmp_path):
    with pytest.raises(DataNotFoundError, match="LODESTAR_DATA"):
        data_dir(tmp_path / "nowhere")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    write_json({"a": float("nan")}, target)
    assert json.loads(target.read_text()) == {"a": None}


def test_cli_help_lists_commands():
    result = subprocess.run([sys.executable, "-m", "lodestar.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "COMMAND" in result.stdout


def test_front_door_names_all_resolve():
    import lodestar

    for name in lodestar.__all__:
        assert getattr(lodestar, name) is not None, name
    with pytest.raises(AttributeError):
        lodestar.no_such_name  # noqa: B018
