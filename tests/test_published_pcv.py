"""The GPS block nadir PCVs of models/published_pcv.py against the IGS ANTEX blocks in the data folder."""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.io.antex import read_antex
from lodestar.models.phase_center import PhaseCentres
from lodestar.models.published_pcv import (
    GLONASS_BLOCK_NADIR_PCV_MM,
    GLONASS_NADIR_DEG,
    GPS_BLOCK_NADIR_PCV_MM,
    NADIR_DEG,
    block_nadir_pattern,
)

# igs14_small.atx holds BLOCK IIA (G032, G037), the igs20 trims IIR-A/IIR-B/IIR-M/IIF: every tabled block
FILES = ("antex/igs14_small.atx", "antex/igs20_wettzell_trim.atx", "antex/igs20_zim2_gps_trim.atx")


def test_table_equals_every_igs_block_of_its_type(data):
    seen = set()
    for name in FILES:
        atx = read_antex(data / name)
        for k, entry in enumerate(atx.entries):
            if entry.antenna_type not in GPS_BLOCK_NADIR_PCV_MM:
                continue
            pattern = atx.block(k)
            for code in ("G01", "G02"):  # the same values on both frequencies (the IF result, ANTEX header)
                np.testing.assert_allclose(pattern.pcv_m(code, np.radians(NADIR_DEG)),
                                           np.array(GPS_BLOCK_NADIR_PCV_MM[entry.antenna_type]) * 1e-3, atol=1e-12,
                                           err_msg=f"{name}:{pattern.line} {entry.antenna_type} {code}")
            seen.add(entry.antenna_type)
    assert seen == set(GPS_BLOCK_NADIR_PCV_MM)  # every row checked against at least one IGS block


def test_pattern_and_its_absence():
    pattern = block_nadir_pattern("BLOCK IIR-M", "G05", "G050")
    assert pattern.pcv_m("G02", np.radians(17.0)) == pytest.approx(40.6e-3)
    assert pattern.pcv_m("G01", np.radians(0.5)) == pytest.approx(10.4e-3)  # linear between 10.7 and 10.1 mm
    assert not pattern.pco_m("G01").any()  # variations only: the offsets stay the SINEX file's
    assert block_nadir_pattern("BLOCK IIIA") is None and block_nadir_pattern("GLONASS-K1") is None


def test_sinex_gps_satellites_take_their_block_values_and_antex_wins(data):
    sinex = [data / "sinex/ESA0OPSFIN_20241850000_01D_01D_SOL.SNX", data / "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX"]
    when = np.datetime64("2020-06-25T00:30")
    sat = PhaseCentres(sinex=sinex).satellites(["G05", "G19", "G04", "E11"], when)
    nadir = np.radians(np.full((1, 4), 17.0))
    # IIR-M and IIR-B 40.6 mm at 17 deg; G04 (IIIA) and Galileo: none
    np.testing.assert_allclose(sat.pcv_m("1", nadir)[0], [40.6e-3, 40.6e-3, 0.0, 0.0], atol=1e-12)
    assert list(sat.source) == ["sinex"] * 4
    # with an ANTEX block for the satellite, its own pattern and offsets serve (igs20 G05: the same PCV)
    with_antex = PhaseCentres(antex=[data / "antex/igs20_wettzell_trim.atx"], sinex=sinex).satellites(["G05"], when)
    assert with_antex.source[0] == "antex"


def test_glonass_values_equal_the_igs08_block():
    # one GLONASS-M block of igs08.atx verbatim (tests/fixtures/README.md); igs14/igs20 adopt these values
    # for GLONASS and GLONASS-M alike (their headers, antex/igs14_small.atx and antex/igs20_wettzell_trim.atx)
    from pathlib import Path

    atx = read_antex(Path(__file__).parent / "fixtures" / "igs08_1805_GLONASS-M_R729.atx")
    block = atx.block(0)
    assert (block.antenna_type, block.svn, block.sinex_code) == ("GLONASS-M", "R729", "IGS08_1805")
    for name in ("GLONASS", "GLONASS-M"):
        pattern = block_nadir_pattern(name)
        for code in ("R01", "R02"):
            np.testing.assert_allclose(pattern.pcv_m(code, np.radians(GLONASS_NADIR_DEG)),
                                       block.pcv_m(code, np.radians(GLONASS_NADIR_DEG)), atol=1e-12)
            np.testing.assert_allclose(block.pcv_m(code, np.radians(GLONASS_NADIR_DEG)),
                                       np.array(GLONASS_BLOCK_NADIR_PCV_MM[name]) * 1e-3, atol=1e-12)
