"""SINEX station coordinates: values quoted from the SOLUTION/ESTIMATE text (line numbers given)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.errors import DataNotFoundError, FormatError
from lodestar.io import read
from lodestar.io.compression import read_bytes
from lodestar.io.sinex import (
    locate_station,
    read_receiver_phase_centers,
    read_satellite_ids,
    read_satellite_phase_centers,
    read_sinex,
    sinex_span,
    station_position,
)

IGS_2020 = "sinex/igs20P2131_wocov.snx"  # IGS weekly, reference epoch 2020-11-11 12:00
IGS_2010 = "sinex/igs10P1565_wocov.snx"
IGS_2024 = "sinex/IGS0OPSSNX_20240350000_01D_01D_CRD.SNX"
ESA_2024 = "sinex/ESA0OPSFIN_20241850000_01D_01D_SOL.SNX"
ALL = [IGS_2010, IGS_2020, IGS_2024, ESA_2024, "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX"]


def test_wtzr_and_tlse_estimates(data):
    table = read(data / IGS_2020)  # dispatched on content
    wtzr = table.query("station == 'WTZR'").iloc[0]
    # lines 6203-6205 (the ESTIMATE block, not the APRIORI one at lines 4514-4516)
    assert wtzr["x_m"] == 4.07558028839302e06
    assert wtzr["epoch"] == np.datetime64("2020-11-11T12:00:00")  # 20:316:43200
    assert wtzr["point"] == "A" and wtzr["solution"] == "3"
    assert wtzr["sigma_x_m"] == 3.90521e-04
    tlse = table.query("station == 'TLSE'").iloc[0]
    assert (tlse["x_m"], tlse["y_m"], tlse["z_m"]) == (4.62785163575970e06, 1.19640322558409e05, 4.37299373316399e06)
    assert np.isnan(tlse["vx_mps"])  # these files carry no velocities (data README)


def test_every_sinex_file_counts_its_stations(data):
    for name in ALL:
        table = read_sinex(data / name)
        text = read_bytes(data / name).decode("latin-1").split("+SOLUTION/ESTIMATE", 1)[1]
        text = text.split("-SOLUTION/ESTIMATE", 1)[0]
        stax = sum(1 for line in text.splitlines() if line[7:13] == "STAX  ")
        assert len(table) == stax > 100, name
        assert table[["x_m", "y_m", "z_m"]].notna().all().all()
        radius = np.linalg.norm(table[["x_m", "y_m", "z_m"]].to_numpy(), axis=1)
        assert ((radius > 6.35e6) & (radius < 6.39e6)).all(), name  # on the Earth's surface


def test_old_sinex_number_format(data):
    """igs10P1565 line 4487: ' 1039 STAX   WTZR  A    3 10:006:43190 m    2 .40755804715464306E+7'."""
    wtzr = read_sinex(data / IGS_2010).query("station == 'WTZR'").iloc[0]
    assert wtzr["x_m"] == pytest.approx(4075580.4715464306, abs=1e-9)
    assert wtzr["epoch"] == np.datetime64("2010-01-06T11:59:50")


def test_station_position_at_a_solution_epoch(data):
    position = station_position([data / IGS_2024], "TLSE", "2024-02-04T12:00:00")
    # IGS0OPSSNX lines 5271-5273
    np.testing.assert_array_equal(position, [4.62785159853315e06, 1.19640385731151e05, 4.37299377001461e06])


def test_station_position_interpolates_between_solutions(data):
    paths = [data / IGS_2020, data / IGS_2024]
    start = station_position(paths, "TLSE", "2020-11-11T12:00:00")
    end = station_position(paths, "TLSE", "2024-02-04T12:00:00")
    middle_epoch = np.datetime64("2020-11-11T12:00:00") + (np.datetime64("2024-02-04T12:00:00")
                                                             - np.datetime64("2020-11-11T12:00:00")) / 2
    np.testing.assert_allclose(station_position(paths, "tlse", middle_epoch), (start + end) / 2, atol=1e-6)
    # TLSE moves with Eurasia, ~2.5 cm/yr (ITRF2014 plate motion model): 3.2 years -> < 10 cm
    assert 0.01 < np.linalg.norm(end - start) < 0.10
    # outside the span: extrapolated with the two solutions' velocity (3.2 years apart, >= 2.5 years:
    # Blewitt & Lavallee 2002), on the same straight line
    before, how = locate_station(paths, "TLSE", "2019-01-01T00:00:00")
    years = lambda a, b: (np.datetime64(b) - np.datetime64(a)) / np.timedelta64(int(365.25 * 86400), "s")
    np.testing.assert_allclose((start - before) / years("2019-01-01", "2020-11-11T12:00"),
                               (end - start) / years("2020-11-11T12:00", "2024-02-04T12:00"), atol=1e-4)  # m/yr
    assert how.startswith("extrapolated 1.9 years away from the solutions of 2020-11-")
    assert "interpolated between" in locate_station(paths, "TLSE", middle_epoch)[1]


def test_solutions_closer_than_the_velocity_span_give_the_nearest(data):
    # IGS 2024-035 and ESA 2024-185 are 5 months apart: a velocity from them would carry the annual signal
    paths = [data / IGS_2024, data / ESA_2024]
    position, how = locate_station(paths, "WTZR", "2026-05-13T00:00:00")
    np.testing.assert_array_equal(position, station_position([data / ESA_2024], "WTZR", "2024-07-03T12:00:00"))
    assert how == "the nearest solution, of 2024-07-03, 1.9 years away"


@pytest.mark.parametrize("station", ["WTZR", "WTZZ"])
def test_wettzell_truth_of_the_2020_day_by_two_routes(data, station):
    # The PPP tests' and benchmark's Wettzell truth (tests/reference.py): interpolated between IGS's weekly
    # solutions of 2010-01 and 2020-11. An independent route, extrapolated back from 2020-11 and IGS's daily
    # solution of 2024-02 (other frames, IGS05/IGS14/IGS20, and a receiver change between), lands within
    # 2 mm, while the 2020-11 solution alone is ~1 cm away (0.4 years of Eurasian plate motion).
    from reference import wettzell_truth

    day = "2020-06-25T00:30:00"
    truth, how = locate_station([data / IGS_2020, data / IGS_2010], station, day)
    assert how.startswith("interpolated between the solutions of 2010-01-")
    np.testing.assert_array_equal(wettzell_truth(data, station), truth)
    other, how = locate_station([data / IGS_2020, data / IGS_2024], station, day)
    assert how.startswith("extrapolated 0.4 years away")
    assert np.linalg.norm(other - truth) < 0.002
    assert 0.008 < np.linalg.norm(station_position([data / IGS_2020], station, day) - truth) < 0.015


def test_two_analysis_centres_agree(data):
    igs = station_position([data / IGS_2024], "WTZR", "2024-02-04T12:00:00")
    esa = station_position([data / ESA_2024], "WTZR", "2024-07-03T12:00:00")
    assert np.linalg.norm(igs - esa) < 0.03  # 5 months of motion + AC differences: cm level


def test_station_position_with_velocities(data):
    """The files carry no velocities: add VELX/Y/Z lines for WTZR (EUREF-like values) to real text."""
    text = read_bytes(data / ESA_2024).decode("latin-1")
    velocity_m_per_year = (-0.0157, 0.0172, 0.0104)
    # SINEX 2.02 layout: 1X,I5,1X,A6,1X,A4,1X,A2,1X,A4,1X,A12,1X,A4,1X,A1,1X,E21.15,1X,E11.6
    added = "".join(f" {9999:5d} {'VEL' + axis:6s} WTZR  A {1:4d} 24:185:43182 {'m/y':4s} 2 {v:21.14E} {1e-4:11.5E}\n"
                    for axis, v in zip("XYZ", velocity_m_per_year))
    content = text.replace("-SOLUTION/ESTIMATE", added + "-SOLUTION/ESTIMATE").encode("latin-1")
    table = read_sinex("esa+vel.snx", content=content)
    wtzr = table.query("station == 'WTZR'").iloc[0]
    assert wtzr["vx_mps"] == pytest.approx(-0.0157 / (365.25 * 86400), rel=1e-12)
    one_year_later = wtzr["epoch"] + np.timedelta64(int(365.25 * 86400), "s")
    moved = station_position([table], "WTZR", one_year_later)
    np.testing.assert_allclose(moved - wtzr[["x_m", "y_m", "z_m"]].to_numpy(dtype=float), velocity_m_per_year,
                               atol=1e-9)


def test_unknown_station_and_bad_files(data):
    with pytest.raises(DataNotFoundError, match="ESBC"):
        station_position([data / IGS_2020], "ESBC", "2020-06-25T00:00:00")  # ESBC is in no SINEX file
    text = read_bytes(data / ESA_2024)
    with pytest.raises(FormatError, match="-SOLUTION/ESTIMATE"):
        read_sinex("cut.snx", content=text[: text.index(b"-SOLUTION/ESTIMATE")])
    with pytest.raises(FormatError, match="line 2243: expected STAY estimate"):
        read_sinex("bad.snx", content=text.replace(b"0.931854132760423E+06", b"0.931854132760423X+06"))
    with pytest.raises(FormatError, match="line 1: expected a SINEX first line"):
        read_sinex("empty.snx", content=b"")


# --- phase-centre blocks (values quoted from the files, line numbers given) ------------------------

JAXA_2020 = "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX"


def test_satellite_id_block(data):
    ids = read_satellite_ids(data / ESA_2024)
    g074 = ids[ids["svn"] == "G074"].iloc[0]  # line 1257: " G074 04 2018-109A P 24:184:86382 24:185:86382 BLOCK IIIA"
    assert (g074["prn"], g074["cospar"], g074["block"], g074["line"]) == ("G04", "2018-109A", "BLOCK IIIA", 1257)
    assert g074["valid_from"] == np.datetime64("2024-07-02T23:59:42")
    assert set(ids["svn"].str[0]) == {"G", "R", "E"}
    assert read_satellite_ids(data / JAXA_2020).empty  # JAXA writes no SATELLITE/ID


def test_satellite_phase_center_block(data):
    pcs = read_satellite_phase_centers(data / ESA_2024)
    # line 1339: " G074 1 1.1798 -.0599 0.0175 2 0.6878 -.0593 0.0156 IGS20_2317 A F" (z, x, y per frequency)
    g074 = pcs[pcs["key"] == "G074"].set_index("band")
    assert (g074.loc["1", "z_m"], g074.loc["1", "x_m"], g074.loc["1", "y_m"]) == (1.1798, -0.0599, 0.0175)
    assert (g074.loc["2", "z_m"], g074.loc["2", "x_m"]) == (0.6878, -0.0593)
    assert g074.loc["1", "model"] == "IGS20_2317" and g074.loc["1", "pcv_type"] == "A"
    # Galileo rows give E1 (1) and E5a (5): line 1370 " E213 1 0.7348 0.1224 -.0097 5 0.6042 ..."
    e213 = pcs[pcs["key"] == "E213"].set_index("band")
    assert list(e213.index) == ["1", "5"] and e213.loc["5", "z_m"] == 0.6042
    jaxa = read_satellite_phase_centers(data / JAXA_2020)
    j01 = jaxa[jaxa["key"] == "J01"].set_index("band")  # line 665: PRN-keyed
    assert bool(j01["key_is_prn"].all()) and (j01.loc["1", "z_m"], j01.loc["2", "z_m"]) == (3.1993, 2.9943)
    assert sinex_span(data / JAXA_2020) == (np.datetime64("2020-08-31T00:00:00"), np.datetime64("2020-08-31T23:55:00"))


def test_receiver_phase_center_blocks(data):
    table = read_receiver_phase_centers(data / ESA_2024)
    ash = table[(table["antenna_type"] == "ASH701945E_M") & (table["radome"] == "SCIS")].set_index(["system", "band"])
    # line 739: L1 up/north/east 0.0884 0.0010 -.0005, L2 0.1184 -.0002 0.0002 (GPS block)
    assert tuple(ash.loc[("G", "1"), ["up_m", "north_m", "east_m"]]) == (0.0884, 0.0010, -0.0005)
    assert ash.loc[("G", "2"), "up_m"] == 0.1184
    # lines 1103-1105 (GAL block): E1 0.0884, E5a 0.1267, E6 0.1127, E5b 0.1209, E5 0.1238 (up)
    assert [ash.loc[("E", b), "up_m"] for b in "15678"] == [0.0884, 0.1267, 0.1127, 0.1209, 0.1238]
    igs = read_receiver_phase_centers(data / IGS_2020)
    nov = igs[igs["antenna_type"] == "NOV750.R4"]  # line 1781: only radome NOVS is calibrated
    assert set(nov["radome"]) == {"NOVS"} and nov[nov["band"] == "1"]["up_m"].iloc[0] == 0.1694


def test_phase_center_block_cut(tmp_path, data):
    lines = (data / ESA_2024).read_text(encoding="latin-1").splitlines(keepends=True)
    cut = tmp_path / "cut.snx"
    cut.write_text("".join(lines[:1350] + lines[1405:]))  # drop the rest of SATELLITE/PHASE_CENTER and its end: the next block opens at line 1352
    with pytest.raises(FormatError, match=r"cut.snx, line 1352: expected the end of the block '-SATELLITE/PHASE_CENTER'"):
        read_satellite_phase_centers(cut)
    assert len(read_receiver_phase_centers(cut)) > 100  # the other blocks are still readable


def test_phase_center_bad_number(tmp_path, data):
    lines = (data / ESA_2024).read_text(encoding="latin-1").splitlines(keepends=True)
    lines[1338] = lines[1338].replace("1.1798", "1.1x98")
    bad = tmp_path / "bad.snx"
    bad.write_text("".join(lines))
    with pytest.raises(FormatError, match="line 1339"):
        read_satellite_phase_centers(bad)


def test_igs_metadata_blocks(tmp_path):
    # the layout of igs_satellite_metadata.snx (IGS): its first GPS rows (NAVSTAR 1, launched 1978-02-22)
    text = ("%=SNX 2.02 IGS 21:001:00000 IGS 78:001:00000 21:001:00000 P 00000 0\n"
            "+SATELLITE/IDENTIFIER\n"
            "*SVN_ COSPAR ID SatCat Block__________ Comment__________________________________\n"
            " G001 1978-020A  10684 GPS-I           Launched 1978-02-22; NAVSTAR 1\n"
            "-SATELLITE/IDENTIFIER\n"
            "+SATELLITE/PRN\n"
            "*SVN_ Valid_From____ Valid_To______ PRN Comment_________________________________\n"
            " G001 1978:053:00000 1985:199:00000 G04\n"
            " G074 2018:357:00000 0000:000:00000 G04\n"
            "-SATELLITE/PRN\n%ENDSNX\n")
    path = tmp_path / "meta.snx"
    path.write_text(text)
    ids = read_satellite_ids(path).set_index("svn")
    assert ids.loc["G001", "prn"] == "G04" and ids.loc["G001", "cospar"] == "1978-020A"
    assert ids.loc["G001", "block"] == "GPS-I"
    assert ids.loc["G001", "valid_until"] == np.datetime64("1985-07-18")  # day 199 of 1985
    assert pd.isna(ids.loc["G074", "valid_until"])  # still flying

_OFFSET = st.floats(-0.9999, 9.9999).map(lambda v: round(v, 4))  # F6.4 holds -.9999 .. 9.9999


def _f64(value: float) -> str:
    """F6.4 as the files write it (leading zero dropped when needed: '-.5450')."""
    text = f"{value:6.4f}"
    return text if len(text) == 6 else text.replace("0.", ".", 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(_OFFSET, min_size=6, max_size=6), st.sampled_from(["2", "5", "7"]))
def test_round_trip_satellite_phase_center_line(tmp_path_factory, values, band2):
    z1, x1, y1, z2, x2, y2 = values
    line = (f" E213 1 {_f64(z1)} {_f64(x1)} {_f64(y1)} {band2} {_f64(z2)} {_f64(x2)} {_f64(y2)} "
            f" TGVF_2187 A F")
    path = tmp_path_factory.mktemp("snx") / "pc.snx"
    path.write_text("%=SNX 2.02 TST 24:001:00000 TST 24:001:00000 24:001:86370 P 00000 0\n"
                    "+SATELLITE/PHASE_CENTER\n" + line + "\n-SATELLITE/PHASE_CENTER\n%ENDSNX\n")
    rows = read_satellite_phase_centers(path).set_index("band")
    assert tuple(rows.loc["1", ["z_m", "x_m", "y_m"]]) == (z1, x1, y1)
    assert tuple(rows.loc[band2, ["z_m", "x_m", "y_m"]]) == (z2, x2, y2)
