"""SP3 and RINEX clock readers on the real products in ../shared/data.

Values are quoted from the file text (line numbers given). SP3 and 30 s clock files of the
same analysis centre (GRG) are cross-checked against each other.
"""

from __future__ import annotations

import glob

import numpy as np
import pytest

from lodestar.errors import FormatError, LodestarError
from lodestar.io import read
from lodestar.io.clk import read_clk
from lodestar.io.compression import read_bytes
from lodestar.io.sp3 import merge_sp3, read_sp3

GRG_SP3 = "esbc-2020-177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
GRG_SP3_DAY_BEFORE = "esbc-2020-177/GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz"
GRG_CLK = "esbc-2020-177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"
NOON = np.datetime64("2020-06-25T12:00:00", "ns")


@pytest.fixture(scope="module")
def grg(data):
    return read_sp3(data / GRG_SP3)


@pytest.fixture(scope="module")
def grg_clk(data):
    return read_clk(data / GRG_CLK)


def test_grg_sp3_values(grg):
    """GRG SP3 line 52 (00:00) 'PR05 -13712.332218  -1613.108674 -21437.844234     52.919562'."""
    assert grg.sizes == {"time": 96, "sv": 75}
    assert grg.attrs["version"] == "c" and grg.attrs["agency"] == "GRGS" and grg.attrs["interval_s"] == 900
    assert grg.attrs["time_system"] == "GPS" and grg.attrs["coordinate_system"] == "IGb14"
    r05 = grg.sel(sv="R05", time=np.datetime64("2020-06-25T00:00:00", "ns"))
    assert float(r05.x_m) == pytest.approx(-13712.332218e3, abs=1e-6)
    assert float(r05.y_m) == pytest.approx(-1613.108674e3, abs=1e-6)
    assert float(r05.z_m) == pytest.approx(-21437.844234e3, abs=1e-6)
    assert float(r05.clock_s) == pytest.approx(52.919562e-6, abs=1e-15)
    # epoch 12:00: 'PG05 -20632.475811   4434.893522  16106.178530    -15.353148'
    assert float(grg.x_m.sel(sv="G05", time=NOON)) == pytest.approx(-20632.475811e3, abs=1e-6)
    assert list(grg.sv.values[:3]) == ["G01", "G02", "G03"]  # order G R E C
    assert {sv[0] for sv in grg.sv.values} == {"G", "R", "E"}


def test_sp3_clock_agrees_with_clock_file(grg, grg_clk):
    """GRG 15 min SP3 clocks are the 30 s CLK values rounded to 1 ps (SP3 F14.6 in us)."""
    common = [sv for sv in grg.sv.values if sv in grg_clk.sv.values]
    assert len(common) >= 70
    sp3 = grg.clock_s.sel(sv=common)
    clk = grg_clk.clock_s.sel(sv=common, time=grg.time)
    both = np.isfinite(sp3.values) & np.isfinite(clk.values)
    assert both.sum() > 6000
    # half a unit of the last SP3 digit (1 ps), plus float64 rounding of the us -> s conversion
    assert np.abs(sp3.values[both] - clk.values[both]).max() <= 0.5e-12 + 1e-17


def test_grg_clock_values(grg_clk):
    """CLK text: 'AS R05  2020  6 25 12  0  0.000000  2    0.529462054892E-04  0.311995396895E-10'."""
    assert grg_clk.sizes["time"] == 2880 and grg_clk.attrs["version"] == 3.0
    r05 = grg_clk.sel(sv="R05", time=NOON)
    assert float(r05.clock_s) == 0.529462054892e-04
    assert float(r05.clock_sigma_s) == 0.311995396895e-10
    assert float(grg_clk.clock_s.sel(sv="G05", time=NOON)) == -0.153531481559e-04
    assert np.all(np.diff(grg_clk.time.values) == np.timedelta64(30, "s"))


def test_clock_304_wide_layout(data):
    """COD 3.04 line 307: 'AS C06       2021 04 28 19 30  0.000000  2    0.326868022879E-03  0.389...E-11'."""
    clk = read_clk(data / "precise-misc/COD0MGXFIN_20211180000_01D_30S_CLK.CLK")
    assert clk.attrs["version"] == 3.04
    c06 = clk.sel(sv="C06")
    assert float(c06.clock_s.sel(time=np.datetime64("2021-04-28T19:30:00", "ns"))) == 0.326868022879e-03
    assert float(c06.clock_sigma_s.sel(time=np.datetime64("2021-04-28T19:30:00", "ns"))) == 0.389807930822e-11
    # line 424: one value only -> no sigma
    later = c06.sel(time=np.datetime64("2021-04-28T19:30:30", "ns"))
    assert float(later.clock_s) == 0.326869268221e-03 and np.isnan(float(later.clock_sigma_s))
    text = read_bytes(data / "precise-misc/COD0MGXFIN_20211180000_01D_30S_CLK.CLK").decode()
    lines = text.splitlines()
    assert int(clk.clock_s.notnull().sum()) == sum(line.startswith("AS ") for line in lines)
    assert clk.attrs["skipped"] == {"AR records": sum(line.startswith("AR ") for line in lines)}


def test_clock_records_of_chosen_systems_only(data):
    """``systems=``: only those AS records are parsed; values equal to a full read's, AR still counted.

    COD 3.04 (GPS, GLONASS, Galileo, BeiDou, QZSS): the C and R columns of both reads agree exactly."""
    path = data / "precise-misc/COD0MGXFIN_20211180000_01D_30S_CLK.CLK"
    full, some = read_clk(path), read_clk(path, systems="RC")
    assert {sv[0] for sv in some.sv.values} == {"R", "C"}
    chosen = [sv for sv in full.sv.values if sv[0] in "RC"]
    assert list(some.sv.values) == chosen
    np.testing.assert_array_equal(some.clock_s.values, full.clock_s.sel(sv=chosen).values)
    text = read_bytes(path).decode().splitlines()
    others = sum(line.startswith("AS ") and line[3] not in "RC" for line in text)
    assert some.attrs["skipped"] == {**full.attrs["skipped"], "AS records of other systems than RC": others}
    assert int(some.clock_s.notnull().sum()) == sum(line.startswith(("AS R", "AS C")) for line in text)
    # the forms read_obs and read_nav take give the same read ("R+C", ("R", "C")); an unknown letter is refused
    for form in ("R+C", ("R", "C"), ("C", "R")):
        assert list(read_clk(path, systems=form).sv.values) == chosen
    with pytest.raises(LodestarError, match="unknown system letter"):
        read_clk(path, systems="RX")


@pytest.mark.parametrize("name", sorted(
    ["precise-misc/COD0OPSRAP_20230730000_01D_30S_CLK.CLK", "precise-misc/GFZ0MGXRAP_20201380000_01D_30S_CLK.CLK",
     "precise-misc/WUM0MGXFIN_20190730000_01D_30S_CLK.CLK", "short-obs/IGS0OPSFIN_20261330000_90M_30S_CLK.CLK"]))
def test_every_clock_file_reads_every_as_record(data, name):
    clk = read(data / name)  # through the content dispatcher
    text = read_bytes(data / name).decode()
    assert int(clk.clock_s.notnull().sum()) == sum(line.startswith("AS ") for line in text.splitlines())


def test_sp3_bad_and_missing_values(data):
    """COD 2023-050 line 27126: 'PC11 0.000000 0.000000 0.000000 999999.999999' -> all NaN."""
    sp3 = read_sp3(data / "precise-misc/COD0MGXFIN_20230500000_01D_05M_ORB.SP3.gz")
    c11 = sp3.sel(sv="C11")
    assert c11.x_m.isnull().any() and c11.clock_s.isnull().any()
    assert int(sp3.x_m.isnull().sum()) == int(sp3.y_m.isnull().sum())
    cod = read_sp3(data / "esbc-2020-177/COD0MGXFIN_20201770000_01D_05M_ORB.SP3")
    # line 26234, the last epoch: 'PG01 -11173.285844  19949.181455 -13447.672564 999999.999999'
    g01 = cod.sel(sv="G01").isel(time=-1)
    assert np.isnan(float(g01.clock_s)) and float(g01.x_m) == pytest.approx(-11173.285844e3, abs=1e-6)


def test_beidou_geo_in_iac_sp3(data):
    """IAC Sta21114 line 33: 'PC05  21892.326139  36001.717218  -1109.124143   -515.968934'."""
    sta = read_sp3(data / "esbc-2020-177/Sta21114.sp3.gz")
    c05 = sta.sel(sv="C05").isel(time=0)
    assert float(c05.y_m) == pytest.approx(36001.717218e3, abs=1e-6)
    radius = np.sqrt(c05.x_m**2 + c05.y_m**2 + c05.z_m**2)
    assert float(radius) == pytest.approx(42164e3, abs=30e3)  # geostationary radius (Kepler, sidereal day)


def test_sp3_variants(data):
    blank_first = read_sp3(data / "precise-misc/igs19362.sp3c")  # starts with an empty line
    assert blank_first.sizes["time"] == 96 and blank_first.attrs["header_epochs"] == 2
    sp3a = read_sp3(data / "precise-misc/emr08874.sp3")  # SP3-a: satellites written '  1'
    assert sp3a.attrs["version"] == "a" and sp3a.sv.values[0] == "G01"
    assert float(sp3a.x_m.sel(sv="G01").isel(time=0)) == pytest.approx(15216.987064e3, abs=1e-6)
    old = read_sp3(data / "precise-misc/sio06492.sp3")  # 1992, before SP3-a; no clocks, no EOF
    assert old.attrs["version"] == "pre-a" and not old.attrs["complete"]
    assert old.sizes["time"] == 148 and bool(old.clock_s.isnull().all())
    assert old.time.values[0] == np.datetime64("1992-06-15T08:37:29", "ns")
    trimmed = read_sp3(data / "precise-misc/COD0MGXFIN_20211180000_01D_05M_ORB.SP3")  # header: 289 epochs
    assert trimmed.sizes["time"] == 73 and trimmed.attrs["header_epochs"] == 289 and trimmed.attrs["complete"]


def test_sp3_with_a_sample_removed(data):
    full = read_sp3(data / "tlse-2022-001/WUM0MGXULT_20220010000_01H_05M_ORB.SP3")
    cut = read_sp3(data / "tlse-2022-001/WUM0MGXULT_20220010000_01H_05M_ORB_one_sample_removed.SP3")
    assert full.sizes["time"] == 13 and cut.sizes["time"] == 12
    missing = np.setdiff1d(full.time.values, cut.time.values)
    assert list(missing) == [np.datetime64("2021-12-31T00:30:00", "ns")]
    assert not full.attrs["complete"]  # the file ends without 'EOF'
    same = full.sel(time=cut.time.values)
    np.testing.assert_array_equal(same.x_m.values, cut.x_m.values)


@pytest.mark.parametrize("pattern", ["precise-misc/*.sp3*", "precise-misc/*.SP3*", "precise-misc/sp3d.txt",
                                     "esbc-2020-177/*.SP3*", "esbc-2020-177/*.sp3*", "short-obs/*.SP3",
                                     "tlse-2022-001/*.SP3", "tlse-2022-001/*.sp3"])
def test_every_sp3_file_reads(data, pattern):
    for path in sorted(glob.glob(str(data / pattern))):
        sp3 = read(path)
        text = read_bytes(path).decode("latin-1").splitlines()
        assert sp3.sizes["time"] == sum(line.startswith("* ") for line in text), path
        positions = sum(line.startswith("P") for line in text)
        assert positions == int(sp3.x_m.notnull().sum()) + _zero_positions(text), path


def _zero_positions(text: list[str]) -> int:
    return sum(line.startswith("P") and line[4:46].split() == ["0.000000"] * 3 for line in text)


def test_merge_consecutive_days(data, grg):
    merged = merge_sp3([data / GRG_SP3, data / GRG_SP3_DAY_BEFORE])  # any order
    assert merged.sizes["time"] == 192
    assert merged.time.values[0] == np.datetime64("2020-06-24T00:00", "ns")
    assert np.all(np.diff(merged.time.values) == np.timedelta64(900, "s"))
    np.testing.assert_array_equal(merged.x_m.sel(time=grg.time).values, grg.x_m.sel(sv=merged.sv).values)
    again = merge_sp3([merged, grg])  # overlapping epochs are kept once
    assert again.sizes["time"] == 192


def test_sp3_damage_is_refused(data, tmp_path):
    text = read_bytes(data / "precise-misc/sp3d.txt")
    lines = text.split(b"\n")
    cut = b"\n".join(lines[:-3]) + b"\n" + lines[-3][:30]  # last position line cut short
    with pytest.raises(FormatError, match=r"line 30: expected the 1 epochs .* truncated: last complete epoch none"):
        read_sp3("cut.sp3", content=cut)  # no EOF and a cut last epoch: truncated (issue 14)
    with pytest.raises(FormatError, match=r"line 30: expected a position record with x, y, z and clock"):
        read_sp3("cut.sp3", content=cut + b"\nEOF\n")
    garbled = text.replace(b"PE01 -15325.409333", b"PE01 -15325.4O9333")
    with pytest.raises(FormatError, match="line 27: expected SP3 x"):
        read_sp3("garbled.sp3", content=garbled)
    with pytest.raises(FormatError, match="empty"):
        read_sp3("empty.sp3", content=b"\n\n")
    with pytest.raises(FormatError, match="line 1: expected an SP3 first line"):
        read_sp3("obs.sp3", content=b"     3.02           OBSERVATION DATA\n")
    twice = text.replace(b"PE01", b"PC01")
    with pytest.raises(FormatError, match="one position record per satellite and epoch"):
        read_sp3("twice.sp3", content=twice)


def test_clock_damage_is_refused(data):
    text = read_bytes(data / "precise-misc/GFZ0MGXRAP_20201380000_01D_30S_CLK.CLK")
    with pytest.raises(FormatError, match="END OF HEADER"):
        read_clk("x.clk", content=text.replace(b"END OF HEADER", b"END OF HEAD"))
    with pytest.raises(FormatError, match="clock bias"):
        read_clk("x.clk", content=text.replace(b"-0.380964214970E-03", b"-0.380964214970X-03"))
    with pytest.raises(FormatError, match="a clock record"):
        read_clk("x.clk", content=text + b"garbage line\n")
    with pytest.raises(LodestarError):
        read_clk("x.clk", content=b"")


def test_clk_systems_filter_reads_only_those_satellites(data, grg_clk):
    """``systems=`` skips the other systems' records unparsed (counted); the kept values are the same."""
    only = read_clk(data / GRG_CLK, systems="R")
    assert {str(sv)[0] for sv in only.sv.values} == {"R"}
    full_r = grg_clk["clock_s"].sel(sv=only.sv.values)
    np.testing.assert_array_equal(only["clock_s"].values, full_r.values)
    assert only.attrs["skipped"]["AS records of other systems than R"] > 0


def test_a_satellite_epoch_given_twice_keeps_the_first_and_a_conflict_is_named(data):
    """Two AS records of one satellite and epoch: the first is kept (the rule), and when their values differ the
    reader says so, naming both lines (a 1-ms copy after the real one went unseen before: bad-values sweep of
    2026-12-08); an identical repeat is only counted. PreciseEphemeris passes the line on as a warning."""
    from lodestar.orbits import PreciseEphemeris

    path = data / "precise-misc/GFZ0MGXRAP_20201380000_01D_30S_CLK.CLK"
    lines = read_bytes(path).decode().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("AS G05"))
    value = float(lines[at][40:59])
    moved = lines[at][:40] + f"{value + 1e-3:19.12E}" + lines[at][59:]
    clk = read_clk("x.clk", content="".join(lines[:at + 1] + [moved, lines[at]] + lines[at + 1:]).encode())
    assert clk.attrs["skipped"]["duplicate AS records"] == 2
    when = str(clk.time.values[0])[:19]
    assert clk.attrs["conflicts"] == (f"x.clk: 1 clock record repeats a satellite's epoch with another value, the "
                                      f"first kept: G05 at {when} (lines {at + 1} and {at + 2}: +299792.458 m)")
    assert float(clk.clock_s.sel(sv="G05").values[0]) == value
    same = read_clk("y.clk", content="".join(lines[:at + 1] + [lines[at]] + lines[at + 1:]).encode())
    assert "conflicts" not in same.attrs
    sp3 = read_sp3(data / "precise-misc/GFZ0MGXRAP_20201380000_01D_05M_ORB.SP3")
    assert any(w == clk.attrs["conflicts"] for w in PreciseEphemeris([sp3], [clk]).warnings)
