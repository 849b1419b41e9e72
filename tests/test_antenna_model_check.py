"""The satellite antennas' model against the products' (SP3 header "PCV:"), on the data folder's files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lodestar.io.antex import read_antex
from lodestar.io.sp3 import read_sp3
from lodestar.positioning.ppp.antennas import antenna_model_mismatch, phase_centres, satellite_offsets

WHEN = np.datetime64("2020-06-25T00:30", "ns")
JAXA = "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX"


def test_sp3_headers_name_their_antenna_model(data):
    # "/* PCV:IGS14_2108 OL/AL:FES2012 ..." (GRG, IAC), "/* PCV:IGS14      OL/AL:FES2014b" (CODE)
    esbc = data / "esbc-2020-177"
    assert read_sp3(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz").attrs["antenna_model"] == "IGS14_2108"
    assert read_sp3(esbc / "Sta21114.sp3.gz").attrs["antenna_model"] == "IGS14_2108"
    assert read_sp3(esbc / "COD0MGXFIN_20201770000_01D_05M_ORB.SP3").attrs["antenna_model"] == "IGS14"
    assert read_sp3(data / "precise-misc" / "minimal.sp3d").attrs["antenna_model"] == "IGS14_2080"
    assert "antenna_model" not in read_sp3(data / "precise-misc" / "sio06492.sp3").attrs  # empty comments


def test_antex_blocks_keep_their_sinex_code(data):
    atx = read_antex(data / "antex" / "igs20_wettzell_trim.atx")
    assert atx.satellite("G08", WHEN).sinex_code == "IGS20_2417"  # line 573
    assert read_antex(data / "antex" / "igs14_small.atx").block(0).sinex_code.startswith("IGS14_")


def test_offsets_of_another_model_are_named(data):
    products = {"GRG.SP3": "IGS14_2108"}
    svs = np.array(["G08", "G11", "R09"])
    # igs20 ANTEX blocks (G08) and the published table (G11, R09: no SINEX given) with IGS14 products
    pco, sat, _ = satellite_offsets(phase_centres(data / "antex/igs20_wettzell_trim.atx", []), svs, WHEN)
    text = antenna_model_mismatch(sat, pco, products)
    assert "G08 from IGS20 (IGS20_2417)" in text and "G11, R09 from the published nominal table" in text
    assert "IGS14" in text and "igs14.atx" in text
    # JAXA's igs14 offsets: the products' model, nothing to say; nor when the products name no model
    pco, sat, _ = satellite_offsets(phase_centres(None, [data / JAXA]), svs, WHEN)
    assert list(sat.model) == ["igs14_%Y%m"] * 3 and antenna_model_mismatch(sat, pco, products) is None
    assert antenna_model_mismatch(sat, pco, {}) is None


def test_receiver_calibration_of_another_model_is_named(data):
    from lodestar.positioning.ppp.antennas import receiver_model_mismatch

    products = {"GRG.SP3": "IGS14_2108"}
    # igs20's LEIAR25.R3 LEIT (SINEX CODE IGS20_2417) with IGS14 products; the igs08 block of ESBC's antenna
    wettzell = phase_centres(data / "antex/igs20_wettzell_trim.atx", []).receiver("LEIAR25.R3", "LEIT")
    assert wettzell.model == "IGS20_2417"
    text = receiver_model_mismatch(wettzell, products)
    assert "LEIAR25.R3 LEIT calibrated in IGS20_2417 while the products are IGS14" in text
    esbc = phase_centres(Path(__file__).parent / "fixtures" / "igs08_1805_ASH701945E_M_SCIS.atx", []).receiver(
        "ASH701945E_M", "SCIS")
    assert esbc.model == "IGS08_1805" and "IGS08_1805" in receiver_model_mismatch(esbc, products)
    # the SINEX offsets of the IGS week 2131 (model IGS14_2132): the products' family, nothing to say
    sinex = phase_centres(None, [data / "sinex/igs20P2131_wocov.snx"]).receiver("ASH701945E_M", "SCIS")
    assert sinex.model.startswith("IGS14") and receiver_model_mismatch(sinex, products) is None
    assert receiver_model_mismatch(None, products) is None and receiver_model_mismatch(esbc, {}) is None
