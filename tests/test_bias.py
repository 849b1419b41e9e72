"""Bias-SINEX reader: values quoted from the real WUM and CODE files (line numbers given)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.errors import FormatError
from lodestar.io import read
from lodestar.io.bias import code_bias_s, phase_bias_cycles, read_bias
from lodestar.io.info import file_info

WUM = "bias/WUM0MGXRAP_20200010000_01D_01D_ABS.BIA.gz"
COD = "short-obs/COD0OPSFIN_20261330000_01D_01D_OSB.BIA.gz"
NOON_2020 = np.datetime64("2020-01-01T12:00:00")


def test_wum_rows_and_units(data):
    table = read(data / WUM)  # dispatched on the '%=BIA' first line
    assert len(table) == 973 and set(table["kind"]) == {"OSB"}
    first = table.iloc[0]  # line 57: " OSB  G063 G01  C1C  2020:001:00000 2020:001:86400 ns  0.113146000000000E+02 .383000E-01"
    assert (first["svn"], first["sv"], first["obs1"], first["line"]) == ("G063", "G01", "C1C", 57)
    assert first["value_s"] == pytest.approx(11.3146e-9, abs=1e-16)
    assert first["sigma_s"] == pytest.approx(0.0383e-9, abs=1e-16)
    assert first["start"] == np.datetime64("2020-01-01") and first["end"] == np.datetime64("2020-01-02")
    assert table.attrs["clock_reference"]["C"] == ["C2I", "C6I"]  # BIAS/DESCRIPTION line 51
    assert table.attrs["clock_reference"]["R"] == ["C1P", "C2P"]


def test_code_bias_lookup(data):
    table = read_bias(data / WUM)
    svs = ["G01", "G01", "C19", "R99"]
    values = code_bias_s(table, svs, ["C1C", "C1W", "C2I", "C1C"], NOON_2020)
    # G01 C1C 11.3146 ns, C1W 12.2653 ns (lines 57-58)
    np.testing.assert_allclose(values[:2], [11.3146e-9, 12.2653e-9], atol=1e-15)
    assert np.isfinite(values[2]) and np.isnan(values[3])
    assert np.isnan(code_bias_s(table, ["G01"], "C1C", np.datetime64("2020-01-03"))).all()  # outside validity
    # the reference signals of the clocks: the OSB of G C1W and C2W are not zero in WUM's file; their IF is
    c1w, c2w = code_bias_s(table, ["G01", "G01"], ["C1W", "C2W"], NOON_2020)
    assert abs(c1w) > 1e-9 and abs(c2w) > 1e-9
    assert np.isnan(phase_bias_cycles(table, ["G01"], "L1C", NOON_2020)).all()  # phase biases given in ns here


def test_code_station_rows(data):
    table = read_bias(data / COD)
    stations = table[table["station"] != ""]
    assert stations["station"].nunique() == 324 and (stations["sv"] == "").any()  # receiver rows per system
    abmf = stations[(stations["station"] == "ABMF") & (stations["obs1"] == "C1C")].iloc[0]
    assert abmf["system"] == "E" and abmf["value_s"] == pytest.approx(-7.8324e-9, abs=1e-15)
    g01 = code_bias_s(table, ["G01"], ["C1C"], np.datetime64("2026-05-13T06:00"))
    assert g01[0] == pytest.approx(-6.0355e-9, abs=1e-15)  # line 67


def test_info_describes_bias_file(data):
    info = file_info(data / WUM)
    assert info["error"] is None and info["format"] == "Bias-SINEX"
    assert info["satellites"]["C"] == 35 and "C6I" in info["obs_codes"]["C"]


def _write(path, lines):
    with gzip.open(path, "wt", encoding="latin-1") as out:
        out.write("\n".join(lines) + "\n")


def test_malformed_line(tmp_path, data):
    with gzip.open(data / WUM, "rt", encoding="latin-1") as f:
        original = f.read().split("\n")
    lines = list(original)
    lines[59] = lines[59][:70] + "  0.18836x000000000E+02" + lines[59][92:]
    bad = tmp_path / "bad.BIA.gz"
    _write(bad, lines)
    with pytest.raises(FormatError, match=r"bad.BIA.gz, line 60: expected the estimated value"):
        read_bias(bad)
    lines = [text for text in original if not text.startswith("-BIAS/SOLUTION")]
    cut = tmp_path / "cut.BIA.gz"
    _write(cut, lines[:200])
    with pytest.raises(FormatError, match="the file is cut"):
        read_bias(cut)


def test_unknown_unit(tmp_path, data):
    with gzip.open(data / WUM, "rt", encoding="latin-1") as f:
        lines = f.read().split("\n")
    lines[56] = lines[56][:65] + "m   " + lines[56][69:]
    bad = tmp_path / "unit.BIA.gz"
    _write(bad, lines)
    with pytest.raises(FormatError, match="line 57: expected a BIAS/SOLUTION line"):
        read_bias(bad)


@settings(max_examples=40, deadline=None)
@given(st.floats(-999.0, 999.0), st.sampled_from(["ns", "cyc"]), st.integers(0, 86400))
def test_round_trip_line(tmp_path_factory, value, unit, seconds):
    line = (f" OSB  G063 G01           L1C       2020:001:{seconds:05d} 2020:002:00000 {unit:<4} "
            f"{value:21.13E} {0.5:11.6E}")
    path = tmp_path_factory.mktemp("bia") / "gen.BIA"
    path.write_text("%=BIA 1.00 TST 2020:001:00000 TST 2020:001:00000 2020:002:00000 A 00000001\n"
                    "+BIAS/SOLUTION\n" + line + "\n-BIAS/SOLUTION\n%=ENDBIA\n")
    row = read_bias(path).iloc[0]
    value = float(f"{value:21.13E}")  # what the line holds
    assert row["start"] == np.datetime64("2020-01-01") + np.timedelta64(seconds, "s")
    if unit == "ns":
        assert row["value_s"] == value * 1e-9 and np.isnan(row["value_cycles"])
    else:
        assert row["value_cycles"] == value and np.isnan(row["value_s"])


def test_station_and_differential_lookups(tmp_path, data):
    table = read_bias(data / COD)
    when = np.datetime64("2026-05-13T06:00")
    # station ABMF: per-system Galileo C1C -7.8324 ns (a receiver row, no satellite)
    abmf = code_bias_s(table, ["E01", "G01"], ["C1C", "C1W"], when, station="ABMF")
    assert abmf[0] == pytest.approx(-7.8324e-9, abs=1e-15) and abs(abmf[1]) < 1e-12
    assert np.isnan(code_bias_s(table, ["E01"], "C1C", when, station="NOPE")).all()
    dsb_line = (" DSB  G063 G01           C1C  C1W  2020:001:00000 2020:002:00000 ns   "
                "-0.951000000000000E+00 .100000E-01")
    path = tmp_path / "dsb.BIA"
    path.write_text("%=BIA 1.00 TST 2020:001:00000 TST 2020:001:00000 2020:002:00000 A 00000001\n"
                    "+BIAS/SOLUTION\n" + dsb_line + "\n-BIAS/SOLUTION\n%=ENDBIA\n")
    from lodestar.io.bias import differential_bias_s
    dsb = differential_bias_s(read_bias(path), ["G01", "G02"], "C1C", "C1W", NOON_2020)
    assert dsb[0] == pytest.approx(-0.951e-9, abs=1e-16) and np.isnan(dsb[1])
