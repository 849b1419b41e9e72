"""The one header reader (lodestar.io.headers): sniffing, RINEX 2 navigation types, Hatanaka heads."""

from __future__ import annotations

import gzip

import pytest

from lodestar.errors import FormatError
from lodestar.io import read, sniff_format
from lodestar.io.headers import (FORMATS, RINEX2_NAV_SYSTEMS, nav_header_systems, obs_header_identity, read_head,
                                 reader_for)
from lodestar.io.rinex_nav import read_nav


def _first_line(version: str, kind: str, text: str, label: str = "RINEX VERSION / TYPE") -> bytes:
    """A first header line laid out as RINEX 2.11 table A1: F9.2,11X, A1 type at column 21, label at 61."""
    return f"{version:>9}{'':11}{kind:<20}{text:<20}{label:<20}".encode()


@pytest.mark.parametrize("kind, system", sorted(RINEX2_NAV_SYSTEMS.items()))
def test_every_rinex2_navigation_type_is_sniffed_and_named(kind, system):
    """RINEX 2.11 §6.4 (N G H), 2.12 (J QZSS, C BeiDou), L/E Galileo: the batch map lacked J and C."""
    head = _first_line("2.11", kind, "")
    # "C" in column 21 is also RINEX clock 2.00's type; the clock reading wins in the sniffer (as before),
    # a file known to be navigation (by its name or its reader) is BeiDou
    assert sniff_format(head) == ("clk" if kind == "C" else "nav")
    assert nav_header_systems(head) == system


def test_rinex3_and_clock_and_products_are_told_apart():
    assert sniff_format(_first_line("3.04", "N: GNSS NAV DATA", "M: MIXED")) == "nav"
    assert nav_header_systems(_first_line("3.04", "N: GNSS NAV DATA", "C: BDS")) == "C"
    assert sniff_format(_first_line("3.05", "OBSERVATION DATA", "M")) == "obs"
    assert sniff_format(_first_line("2.00", "C", "")) == "clk"  # RINEX clock 2: C in column 21
    assert sniff_format(b"#dP2020  6 25  0  0  0.00000000      96 ORBIT IGS14 HLM  IGS") == "sp3"
    assert sniff_format(b"%=SNX 2.01 IGS 20:177:00000") == "sinex"
    with pytest.raises(FormatError) as refused:
        sniff_format(b"hello world")
    for label in ("ANTEX", "SP3", "SINEX", "Bias-SINEX", "RINEX CLK", "RINEX OBS", "RINEX NAV", "RTKLIB POS"):
        assert label in str(refused.value)  # the refusal names every format Lodestar reads, not three of them


@pytest.mark.parametrize("first", [b"#cP2022  1  1  0  0  0.00000000      96 ORBIT IGb14 HLM  IGS",
                                   b"#  1992  6 14  0  0  0.00000000      96 ORBIT ITR91 FIT  SIO",  # sio06492.sp3
                                   b"#dV2020  1 20  0  0  0.00000000       2 ORBIT IGS14 FIT  TEST"])
def test_sp3_first_lines_are_sniffed(first):
    assert sniff_format(first) == "sp3"


@pytest.mark.parametrize("first", [b"# Real GNSS data for Lodestar", b"#", b"# 2020 notes", b"#cP20xx"])
def test_other_text_starting_with_a_hash_is_not_sp3(first):
    """A Markdown heading (the data folder's README) was taken for an SP3 file and refused as a bad one."""
    with pytest.raises(FormatError, match="the first line of one of: ANTEX, SP3"):
        sniff_format(first)


def test_the_registry_reads_what_it_recognises():
    kinds = [fmt.kind for fmt in FORMATS]
    assert len(kinds) == len(set(kinds))
    for fmt in FORMATS:
        if fmt.reader:
            assert callable(reader_for(fmt.kind, "x"))
    assert reader_for("nav", "x") is read_nav


def test_rinex2_qzss_navigation_file_reads_through_read(tmp_path):
    """A RINEX 2 'J' navigation header is sniffed as navigation (the sniffer lacked J) and read."""
    path = tmp_path / "brdc1770.20j"
    path.write_bytes(_first_line("2.12", "J", "") + b"\n" + f"{'':60}{'END OF HEADER':<20}\n".encode())
    nav = read(path)
    assert nav.version == pytest.approx(2.12)
    assert sum(len(t) for t in nav.records.values()) == 0


def test_hatanaka_head_starts_with_the_rinex_header(esbc, tmp_path):
    head = read_head(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", 4000)
    assert b"RINEX VERSION / TYPE" in head.split(b"\n", 1)[0]
    assert sniff_format(head) == "obs"
    marker, day = obs_header_identity(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
    assert (marker, day.isoformat()) == ("ESBC00DNK", "2020-06-25")
    plain = tmp_path / "x.rnx.gz"
    plain.write_bytes(gzip.compress(head))
    assert read_head(plain, 100) == head[:100]


@pytest.mark.parametrize("reader, given, expected, where", [
    ("lodestar.io.rinex_nav:read_nav", "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
     "a RINEX navigation file; this file is RINEX OBS", "as the observation file"),
    ("lodestar.io.rinex_obs:read_obs", "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
     "a RINEX observation file; this file is RINEX NAV", "--nav"),
    ("lodestar.io.sp3:read_sp3", "esbc-2020-177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz",
     "an SP3 orbit file; this file is RINEX CLK", "--clk"),
    ("lodestar.io.clk:read_clk", "esbc-2020-177/Sta21114.sp3.gz", "a RINEX clock file; this file is SP3", "--sp3"),
])
def test_a_file_in_another_files_place_is_named(data, reader, given, expected, where):
    # an observation file given as --nav, an SP3 as --clk ...: the error says what the file is and where it goes
    # (it said "expected navigation type 'N' in column 21")
    import importlib

    module, name = reader.split(":")
    with pytest.raises(FormatError) as refused:
        getattr(importlib.import_module(module), name)(data / given)
    assert expected in str(refused.value) and where in str(refused.value)
