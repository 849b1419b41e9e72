"""Ocean tide loading: the BLQ reader, the displacement model against RTKLIB, and its use in PPP."""

import json
from pathlib import Path

import numpy as np
import pytest

from lodestar.errors import FormatError
from lodestar.io.blq import StationNotInFile, blq_site, read_blq
from lodestar.models.ocean_loading import (
    nodal_modulation,
    ocean_loading_ecef_m,
    ocean_loading_enu_m,
)
from lodestar.time import Time

# WTZR and TLSE blocks of PRIDE-PPPAR's table/oceanload (Scherneck's service, FES2004): tests/fixtures/README.md
BLQ = Path(__file__).parent / "fixtures" / "oceanload_wtzr_tlse.blq"
WTZR_XYZ = (4075580.3, 931854.0, 4801568.2)
TLSE_XYZ = (4627851.8, 119640.1, 4372993.6)
HOURS = np.arange(np.datetime64("2020-06-25T00:00", "ns"), np.datetime64("2020-06-27T00:00", "ns"),
                  np.timedelta64(30, "m"))


def test_blq_blocks_are_read_with_their_sites():
    sites = read_blq(BLQ)
    assert list(sites) == ["WTZR", "TLSE"]
    wtzr = sites["WTZR"][0]
    assert wtzr.amplitude_m.shape == wtzr.phase_deg.shape == (3, 11)
    assert wtzr.amplitude_m[0, 0] == pytest.approx(0.00504)  # M2 radial (file line 36)
    assert wtzr.phase_deg[2, 10] == pytest.approx(-8.6)  # Ssa north-south phase
    assert wtzr.lon_lat_deg == pytest.approx((12.8789, 49.1442))


@pytest.mark.parametrize(("station", "xyz"), [("WTZR", WTZR_XYZ), ("TLSE", TLSE_XYZ)])
def test_displacement_matches_rtklib_tidedisp(station, xyz):
    """RTKLIB 2.4.3's tidedisp (opt 2: ocean loading; pyrtklib) evaluates the same eleven tides without the
    nodal modulation: the same within 0.1 mm over two days (measured 0.02 mm WTZR, 0.05 mm TLSE; RTKLIB's
    arguments are the IERS 1996 ARG polynomials, ours the IERS 2010 fundamental arguments)."""
    rtk = pytest.importorskip("pyrtklib")
    coefficients = rtk.Arr1Ddouble(66)
    assert rtk.readblq(str(BLQ), station, coefficients) == 1
    position = rtk.Arr1Ddouble(3)
    for i in range(3):
        position[i] = xyz[i]
    expected = []
    for when in HOURS:
        text = str(when)[:19]
        epoch = rtk.Arr1Ddouble(6)
        for i, value in enumerate((text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])):
            epoch[i] = float(value)
        out = rtk.Arr1Ddouble(3)
        rtk.tidedisp(rtk.epoch2time(epoch), position, 2, rtk.erp_t(), coefficients, out)
        expected.append([out[0], out[1], out[2]])
    ours = ocean_loading_ecef_m(blq_site(BLQ, station), np.array(xyz), Time.from_scale(HOURS, "utc"), nodal=False)
    assert np.abs(np.array(expected)).max() > 0.005  # a real signal: 6 mm at WTZR, 14 mm at TLSE
    assert np.abs(ours - np.array(expected)).max() < 1e-4


def test_nodal_modulation_stays_within_the_published_ranges():
    """Over a node cycle (18.6 years) the factors span the published ranges (Pugh 1987 Table 4.3:
    M2 0.963-1.037, K1 0.882-1.113, O1 0.806-1.183, Mf 0.629-1.457; solar tides none)."""
    days = np.arange(np.datetime64("2010-01-01", "ns"), np.datetime64("2028-09-01", "ns"), np.timedelta64(5, "D"))
    f, u = nodal_modulation(Time.from_scale(days, "utc"))
    for column, (low, high) in {0: (0.963, 1.037), 4: (0.882, 1.113), 5: (0.806, 1.183), 8: (0.629, 1.457)}.items():
        assert f[:, column].min() == pytest.approx(low, abs=0.002) and f[:, column].max() == pytest.approx(high, abs=0.002)
    assert np.all(f[:, [1, 6, 10]] == 1.0) and np.all(u[:, [1, 6, 10]] == 0.0)


def test_nodal_modulation_is_a_millimetre_level_change_at_tlse():
    """Bound from TLSE's radial amplitudes and the factors' extremes (|f - 1| + |sin u|): M2 11.4 mm x 0.07,
    K2 1.0 x 0.59, N2 2.5 x 0.07, K1 2.5 x 0.26, O1 0.7 x 0.37, Q1/Mf/Mm < 0.3: at most 2.0 mm in 2020
    (measured 1.25 mm up, 0.31 mm east)."""
    site = blq_site(BLQ, "TLSE")
    times = Time.from_scale(HOURS, "utc")
    with_nodal, without = ocean_loading_enu_m(site, times), ocean_loading_enu_m(site, times, nodal=False)
    assert 1e-4 < np.abs(with_nodal - without).max() < 2e-3


def test_a_nearby_station_takes_the_nearest_block_and_a_far_one_is_refused():
    wtzz = (4075579.0, 931853.4, 4801569.3)  # WTZZ's header position, ~50 m from WTZR
    assert blq_site(BLQ, "WTZZ", near_xyz_m=wtzz).name == "WTZR"
    with pytest.raises(StationNotInFile, match="ESBC"):
        blq_site(BLQ, "ESBC", near_xyz_m=(3582104.8, 532590.2, 5232755.1))


@pytest.mark.parametrize(("edit", "where"), [
    (lambda lines: lines[:38], "six lines of coefficients of station WTZR"),
    (lambda lines: lines[:36] + ["  .00196 .00049 .00044 .00013 .00038 .00028"] + lines[37:], "line 2 of 6"),
    (lambda lines: lines[:35] + ["  -.00504 .00174 .00109 .00044 .00199 .00097 .00066 .00009 .00051 .00028 .00023"]
     + lines[36:], "line 1 of 6 of station WTZR: amplitudes in metres, from 0 to 0.5 m"),
    # a NaN (before: accepted, and every PPP epoch then had "too few satellites (0)"; batch rows were `ok`
    # with 9 m errors) and an amplitude in millimetres (before: a 4.5 m height error without a word)
    (lambda lines: lines[:35] + ["  nan .00174 .00109 .00044 .00199 .00097 .00066 .00009 .00051 .00028 .00023"]
     + lines[36:], "line 1 of 6 of station WTZR: 11 finite numbers"),
    (lambda lines: lines[:35] + ["  5.04 .00174 .00109 .00044 .00199 .00097 .00066 .00009 .00051 .00028 .00023"]
     + lines[36:], "amplitudes in metres, from 0 to 0.5 m"),
    (lambda lines: lines[:38] + ["  -1400.1 -114.6 -33.7 -125.0 -116.9 -164.8 -121.9 -151.8 -1.7 -2.8 -0.8"]
     + lines[39:], "line 4 of 6 of station WTZR: phases in degrees within"),
])
def test_a_malformed_blq_names_the_file_and_line(tmp_path, edit, where):
    bad = tmp_path / "bad.blq"
    bad.write_text("\n".join(edit(BLQ.read_text().splitlines())) + "\n")
    with pytest.raises(FormatError, match=where) as info:
        read_blq(bad)
    assert str(bad) in str(info.value)


def test_ppp_applies_ocean_loading_and_says_so(data):
    from lodestar.positioning.ppp import ppp

    esbc = data / "esbc-2020-177"
    kw = {"sp3": [esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"], "clk": esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz",
              "systems": "R", "mode": "static"}
    wtzr = esbc / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
    plain, loaded = ppp(wtzr, **kw), ppp(wtzr, blq=BLQ, **kw)
    assert "not modelled" in plain.attrs["ocean_loading"]
    assert loaded.attrs["ocean_loading"].startswith("WTZR from oceanload_wtzr_tlse.blq")
    moved = np.hypot(*(float(loaded[k][-1] - plain[k][-1]) for k in ("x_m", "y_m")))
    assert 0.0 < moved < 0.01  # loading is millimetres at Wettzell (up to 3 mm in this hour)
    with pytest.warns(UserWarning, match="no ocean-loading coefficients for station ESBC"):
        ds = ppp(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx", blq=BLQ, **kw)
    assert "not applied" in ds.attrs["ocean_loading"]


def test_cli_ppp_takes_blq(data, tmp_path, capsys):
    from lodestar.cli import main

    esbc = data / "esbc-2020-177"
    assert main(["ppp", str(esbc / "WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"),
                 "--sp3", str(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
                 "--clk", str(esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"), "--systems", "R",
                 "--blq", str(BLQ), "--out", str(tmp_path / "w.csv"), "--json", "-"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert "WTZR's coefficients for WTZZ (nearby)" in info["ocean_loading"]
