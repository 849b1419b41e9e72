"""SINEX station coordinates: values quoted from the SOLUTION/ESTIMATE text (line numbers given)."""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.errors import DataNotFoundError, FormatError
from lodestar.io import read
from lodestar.io.compression import read_bytes
from lodestar.io.sinex import read_sinex, station_position

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
    before = station_position(paths, "TLSE", "2019-01-01T00:00:00")  # outside: the nearest solution
    np.testing.assert_array_equal(before, start)


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
