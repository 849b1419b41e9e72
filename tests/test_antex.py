"""ANTEX 1.4 reader: values quoted from the trimmed IGS files in ../shared/data/antex (line numbers given)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.errors import FormatError
from lodestar.io.antex import read_antex

WETTZELL = "antex/igs20_wettzell_trim.atx"
SMALL = "antex/igs14_small.atx"
ZIM2 = "antex/igs20_zim2_gps_trim.atx"
MM = 1e-3


def test_receiver_leiar25_offsets_and_grid(data):
    atx = read_antex(data / WETTZELL)
    leiar = atx.receiver("LEIAR25.R3", "LEIT")
    assert leiar.line == 711 and not leiar.is_satellite
    # line 729: "     -0.05      0.95    160.96   NORTH / EAST / UP" (G01), mm -> m
    np.testing.assert_allclose(leiar.pco_m("G01"), [-0.05 * MM, 0.95 * MM, 160.96 * MM], atol=1e-9)
    assert len(leiar.frequencies) == 25  # "# OF FREQUENCIES 25" (line 715)
    assert leiar.zenith_deg[-1] == 90.0 and leiar.azimuth_deg[1] == 5.0
    # NOAZI (line 730) at zenith 0 and 5 deg: 0.00, 0.26 mm; azimuth row 0.0 (line 731): 0.00 0.25
    np.testing.assert_allclose(leiar.pcv_m("G01", np.radians([0.0, 5.0])), [0.0, 0.26 * MM], atol=1e-12)
    np.testing.assert_allclose(leiar.pcv_m("G01", np.radians(5.0), np.radians(0.0)), 0.25 * MM, atol=1e-12)


def test_receiver_bilinear_between_nodes(data):
    leiar = read_antex(data / WETTZELL).receiver("LEIAR25.R3", "LEIT")
    # azimuth rows 0.0 and 5.0 (lines 731-732), zenith 5 and 10 deg: 0.25 0.98 / 0.25 0.98 mm
    mid = leiar.pcv_m("G01", np.radians(7.5), np.radians(2.5))
    assert mid == pytest.approx((0.25 + 0.98 + 0.25 + 0.98) / 4 * MM, abs=1e-12)
    # azimuth 360 wraps to 0; broadcast (T, S) shapes
    out = leiar.pcv_m("G01", np.radians(np.full((3, 4), 5.0)), np.radians(np.full((3, 4), 360.0)))
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, 0.25 * MM, atol=1e-12)


def test_satellite_prn_to_svn_by_date(data):
    atx = read_antex(data / SMALL)
    # lines 477 and 495: G01 was SVN G032 (1992-11-22 .. 2008-10-16) then G037 (2008-10-23 .. 2009-01-06)
    assert atx.satellite("G01", np.datetime64("2000-01-01")).svn == "G032"
    assert atx.satellite("G01", np.datetime64("2008-12-01")).svn == "G037"
    assert atx.satellite("G01", np.datetime64("2008-10-20")) is None  # between the two windows
    g08 = read_antex(data / WETTZELL).satellite("G08", np.datetime64("2020-06-25"))
    assert (g08.svn, g08.antenna_type, g08.cospar) == ("G072", "BLOCK IIF", "2015-033A")
    # line 575: "394.00 0.00 1427.68" (x, y, z body frame, mm); NOAZI nadir 0 deg = 6.10 mm (line 576)
    np.testing.assert_allclose(g08.pco_m("G01"), [0.394, 0.0, 1.42768], atol=1e-9)
    assert g08.pcv_m("G01", 0.0) == pytest.approx(6.10 * MM)
    assert g08.pcv_m("G01", np.radians(30.0)) == pytest.approx(23.50 * MM)  # beyond 17 deg: edge value


def test_zim2_future_svn_windows(data):
    atx = read_antex(data / ZIM2)
    # G23: SVN G076 from 2020-07-14 (line 752); nothing for G23 before in this trimmed file
    assert atx.satellite("G23", np.datetime64("2020-08-01")).svn == "G076"
    assert atx.satellite("G23", np.datetime64("2020-06-25")) is None
    assert atx.radomes("TRM59800.00") == ["NONE"]


def test_cut_block_in_real_file_is_named(data):
    """igs14_small.atx: the GALILEO-2 E04 block (line 513) has no END OF ANTENNA: asking for it says so."""
    atx = read_antex(data / SMALL)
    with pytest.raises(FormatError) as err:
        atx.satellite("E04", np.datetime64("2020-06-25"))
    assert err.value.line == 513 and "END OF ANTENNA" in str(err.value) and "igs14_small.atx" in str(err.value)
    # the antennas after it are still read
    assert atx.receiver("JPSLEGANT_E").pco_m("G01")[2] == pytest.approx(35.44 * MM)


def test_truncated_file(tmp_path, data):
    lines = (data / WETTZELL).read_text().splitlines(keepends=True)
    cut = tmp_path / "cut.atx"
    cut.write_text("".join(lines[:760]))  # inside the LEIAR25.R3 block, which starts at line 710
    atx = read_antex(cut)
    assert atx.satellite("G08", np.datetime64("2020-06-25")).svn == "G072"
    with pytest.raises(FormatError, match=r"cut.atx, line 711: expected 'END OF ANTENNA'.*file ends inside"):
        atx.receiver("LEIAR25.R3", "LEIT")


def test_missing_frequency_blocks(tmp_path, data):
    lines = (data / WETTZELL).read_text().splitlines(keepends=True)
    end = next(i for i, t in enumerate(lines) if i > 711 and "END OF ANTENNA" in t)
    start_last = max(i for i in range(711, end) if "START OF FREQUENCY" in lines[i])
    bad = tmp_path / "short.atx"
    bad.write_text("".join(lines[:start_last] + lines[end:]))  # drop the last frequency block
    with pytest.raises(FormatError, match="25 complete frequency blocks"):
        read_antex(bad).receiver("LEIAR25.R3", "LEIT")


@pytest.mark.parametrize(("line", "expected"), [
    ("     -0.05      0.95   1609.60                              NORTH / EAST / UP\n", "within 1000 mm"),
    ("     -0.05      0.95       nan                              NORTH / EAST / UP\n", "a finite number"),
    ("   NOAZI    0.00    0.26     nan\n", "finite numbers"),
])
def test_implausible_or_missing_values_are_named(tmp_path, data, line, expected):
    """LEIAR25.R3's G01 up offset (line 729: 160.96 mm) ten times too large, or NaN (float() reads "nan"), or
    a NaN variation: before, PPP ran on them, 3.5 m off in height with the antenna's source said to be the
    ANTEX file, or 0.2 m off without a word (bad-values sweep, 2026-12-08)."""
    lines = (data / WETTZELL).read_text().splitlines(keepends=True)
    index = 728 if "NORTH" in line else 729
    bad = tmp_path / "bad.atx"
    bad.write_text("".join(lines[:index] + [line] + lines[index + 1:]))
    with pytest.raises(FormatError, match=f"bad.atx, line {index + 1}: expected .*{expected}"):
        read_antex(bad).receiver("LEIAR25.R3", "LEIT")


def test_not_antex(tmp_path):
    other = tmp_path / "x.atx"
    other.write_text("hello\n")
    with pytest.raises(FormatError, match="ANTEX VERSION"):
        read_antex(other)


def _receiver_block(neu_mm, noazi_mm) -> str:
    head = "     1.4            M                                       ANTEX VERSION / SYST\n"
    head += "                                                            END OF HEADER       \n"
    rows = [f"{'':60}START OF ANTENNA    ", f"{'TEST_ANT        NONE':<60}TYPE / SERIAL NO    ",
            f"{'     0.0':<60}DAZI                ", f"{'     0.0  10.0   5.0':<60}ZEN1 / ZEN2 / DZEN  ",
            f"{'     1':<60}# OF FREQUENCIES    ", f"{'   G01':<60}START OF FREQUENCY  ",
            f"{''.join(f'{v:10.2f}' for v in neu_mm):<60}NORTH / EAST / UP   ",
            "   NOAZI" + "".join(f"{v:8.2f}" for v in noazi_mm),
            f"{'   G01':<60}END OF FREQUENCY    ", f"{'':60}END OF ANTENNA      "]
    return head + "\n".join(rows) + "\n"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-999.99, 999.99), min_size=3, max_size=3),  # receivers: within MAX_PCO_M (1 m)
       st.lists(st.floats(-99.99, 99.99), min_size=3, max_size=3))
def test_round_trip_receiver_block(tmp_path_factory, neu, noazi):
    path = tmp_path_factory.mktemp("atx") / "gen.atx"
    path.write_text(_receiver_block(neu, noazi))
    block = read_antex(path).receiver("TEST_ANT")
    # the values as written in the file (Python's formatting rounds the binary value: 0.025 -> "0.03",
    # while np.round(0.025, 2) gives 0.02): the reader must give back exactly the text
    written = lambda values: np.array([float(f"{v:.2f}") for v in values])  # noqa: E731
    np.testing.assert_allclose(block.pco_m("G01"), written(neu) * MM, atol=1e-9)
    np.testing.assert_allclose(block.pcv_m("G01", np.radians([0.0, 5.0, 10.0])), written(noazi) * MM, atol=1e-9)


def test_read_dispatch_and_info(data):
    from lodestar.io import read
    from lodestar.io.info import file_info

    atx = read(data / WETTZELL)  # sniffed on 'ANTEX VERSION / SYST'
    assert atx.receiver("LEIAR25.R3", "LEIT") is not None
    info = file_info(data / SMALL)
    assert info["format"] == "ANTEX" and info["error"] is None
    assert info["satellites"] == {"G": 2, "E": 1}  # antenna blocks: G01 twice (two SVNs), E04
    assert info["stations"] == 3 and info["skipped"] == {"unreadable antenna blocks": 2}
    # which blocks, at which line, and what was expected (the trimmed file lost two 'END OF ANTENNA' lines:
    # GALILEO-2 E04 starts at line 513, EML_REACH_RS2 at 680, each runs into the next block)
    assert info["skipped_records"] == [
        f"line {n}: {name}: expected 'END OF ANTENNA' closing this antenna block before the next 'TYPE / SERIAL NO'"
        for n, name in ((513, "GALILEO-2 E04"), (680, "EML_REACH_RS2"))]
