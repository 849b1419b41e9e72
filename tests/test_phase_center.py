"""The phase-centre interface: source priority, provenance, fallbacks, IF combination (real files)."""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.models.phase_center import PhaseCentres, if_coefficients

ESA = "sinex/ESA0OPSFIN_20241850000_01D_01D_SOL.SNX"
JAXA = "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX"
IGS20W = "sinex/igs20P2131_wocov.snx"
WETTZELL = "antex/igs20_wettzell_trim.atx"
SMALL = "antex/igs14_small.atx"
ESBC_DAY = np.datetime64("2020-06-25T00:00:00")


@pytest.fixture(scope="module")
def offline(data):
    return PhaseCentres(sinex=[data / ESA, data / JAXA])


def test_priority_antex_over_sinex(data):
    pc = PhaseCentres(antex=[data / WETTZELL], sinex=[data / ESA])
    sat = pc.satellites(["G08", "G04"], np.datetime64("2024-07-03T12:00"))
    assert list(sat.source) == ["antex", "sinex"]
    assert sat.svn[0] == "G072" and "igs20_wettzell_trim.atx:567" in sat.note[0]
    # G04 = SVN G074 (ESA SATELLITE/ID line 1257), L1/L2 offsets of line 1339 (z, x, y)
    np.testing.assert_allclose(sat.pco_body_m("1")[1], [-0.0599, 0.0175, 1.1798])
    np.testing.assert_allclose(sat.pco_body_m("2")[1], [-0.0593, 0.0156, 0.6878])


def test_ionosphere_free_offset(data):
    pc = PhaseCentres(sinex=[data / ESA])
    sat = pc.satellites(["G04"], np.datetime64("2024-07-03T12:00"))
    # IF = (f1² P1 − f2² P2)/(f1² − f2²), f1 = 1575.42, f2 = 1227.60 MHz: 2.546 P1 − 1.546 P2
    f1, f2 = 1575.42e6, 1227.60e6
    expected_z = (f1**2 * 1.1798 - f2**2 * 0.6878) / (f1**2 - f2**2)
    assert sat.pco_if_body_m("1", "2")[0, 2] == pytest.approx(expected_z, abs=1e-9)
    # ESA's own LC estimate, line 1795: SATA_Z G074 LC 1.94025; the F6.4 inputs are rounded to 0.05 mm,
    # times |a1| + |a2| = 4.1: 0.2 mm
    assert expected_z == pytest.approx(1.94025, abs=2e-4)
    a1, a2 = if_coefficients("R", "1", "2")
    assert a1 == pytest.approx(81 / 32) and a2 == pytest.approx(-49 / 32)  # f1/f2 = 9/7 (GLONASS ICD)


def test_esbc_day_offline_sources(offline):
    svs = ["G08", "G11", "R09", "R06", "E11", "E14", "C19", "C31"]
    sat = offline.satellites(svs, ESBC_DAY)
    source = dict(zip(svs, sat.source))
    # per-SVN ESA offsets through the published COSPAR table; JAXA PRN rows when the spacecraft is the same
    assert source["G08"] == "sinex" and "SVN by COSPAR ID 2015-033A" in sat.note[0]
    assert source["G11"] == "sinex" and "JAX0MGXFIN" in sat.note[1]
    assert source["R09"] == "sinex" and sat.svn[2] == "R802"  # GLONASS-K1, 2014-075A
    assert source["E11"] == "sinex" and sat.svn[4] == "E101"
    assert source["E14"] == "sinex" and "mean of the 22 GALILEO-2 SVNs" in sat.note[5]  # not in ESA's file
    assert source["C19"] == "published"
    assert source["C31"] == "none" and np.isnan(sat.pco_body_m("2")[7]).all()  # BDS-3S IGSO: no value
    # C19 (BDS-3 MEO, CAST): CSNO/TARC per-frequency values, B1I z 1.460 m, B3I z 1.180 m; their B1I/B3I
    # IF, 2.9437 * 1.460 - 1.9437 * 1.180 = 2.004 m, is GPSPACE's nominal BE3 row (0.5 mm apart)
    np.testing.assert_allclose(sat.pco_body_m("2")[6], [-0.200, 0.0, 1.460])
    np.testing.assert_allclose(sat.pco_body_m("6")[6], [-0.200, 0.0, 1.180])
    np.testing.assert_allclose(sat.pco_if_body_m("2", "6")[6], [-0.200, 0.0, 2.004], atol=5e-4)
    assert "per frequency" in sat.note[6]
    assert sat.pcv_m("1", np.zeros((2, len(svs)))).shape == (2, len(svs))
    # SINEX and published sources carry no PCV; GPS and GLONASS satellites with SINEX offsets take their
    # block's IGS nadir values (models/published_pcv.py): G08 BLOCK IIF 6.1 mm at nadir 0, G11 BLOCK IIR-A
    # -6.1 mm, R06 GLONASS-M 1.9 mm; R09 (GLONASS-K1: preliminary zeros in igs08) and the others none
    pcv = sat.pcv_m("1", np.zeros((2, len(svs))))
    np.testing.assert_allclose(pcv[0], [6.1e-3, -6.1e-3, 0.0, 1.9e-3, 0.0, 0.0, 0.0, 0.0], atol=1e-12)
    assert "nadir PCV: the IGS model's BLOCK IIF values" in sat.note[0]
    assert "nadir PCV: the IGS model's GLONASS-M values" in sat.note[3]
    assert sat.provenance()["R09"]["source"] == "sinex"


def test_jaxa_prn_rows_only_for_the_same_spacecraft(offline):
    # G14 was SVN41 (2000-071A) until 2020-07-09 (GPSPACE): JAXA's 2020-08-31 G14 row is another spacecraft
    sat = offline.satellites(["G14"], ESBC_DAY)
    assert sat.source[0] == "sinex" and "JAX0MGXFIN" not in sat.note[0] and "BLOCK IIR-A" in sat.note[0]
    on_file_day = offline.satellites(["G14"], np.datetime64("2020-08-31T12:00"))
    assert on_file_day.source[0] == "sinex" and "file's span" in on_file_day.note[0]


def test_satellite_pcv_from_antex(data):
    pc = PhaseCentres(antex=[data / WETTZELL])
    sat = pc.satellites(["G08", "G99"], ESBC_DAY)
    nadir = np.radians([[0.0, 0.0], [0.5, 0.5], [17.0, 3.0]])
    pcv = sat.pcv_m("1", nadir)
    # G08 NOAZI (line 576): 6.10 at 0 deg, 4.40 at 1 deg, 23.50 at 17 deg (mm)
    np.testing.assert_allclose(pcv[:, 0], [6.10e-3, 5.25e-3, 23.50e-3], atol=1e-9)
    assert list(pcv[:, 1]) == [0.0, 0.0, 0.0] and sat.source[1] == "none"
    np.testing.assert_allclose(sat.pcv_m("1", nadir[2]), pcv[2])  # one epoch: (S,)


def test_pcv_of_a_cell_without_geometry_is_nan_not_an_index_error(data):
    """A cell with no orbit (e.g. before a one-day SP3's first interpolation window) has a NaN nadir or
    zenith: its variation is NaN, the others are unchanged (a NaN cast to an index raised IndexError)."""
    sat = PhaseCentres(antex=[data / WETTZELL]).satellites(["G08"], ESBC_DAY)
    pcv = sat.pcv_m("1", np.radians([[np.nan], [0.5]]))
    assert np.isnan(pcv[0, 0]) and pcv[1, 0] == pytest.approx(5.25e-3, abs=1e-9)
    rcv = PhaseCentres(antex=[data / WETTZELL]).receiver("LEIAR25.R3", "LEIT")
    out = rcv.pcv_m("G", "1", np.radians([[5.0, np.nan, 7.5]]), np.radians([[0.0, 0.0, np.nan]]))
    assert out[0, 0] == pytest.approx(0.25e-3, abs=1e-9) and np.isnan(out[0, 1:]).all()


def test_cut_antex_block_is_skipped_with_a_note(data):
    pc = PhaseCentres(antex=[data / SMALL], sinex=[data / ESA])
    sat = pc.satellites(["E04"], ESBC_DAY)
    assert sat.source[0] == "sinex" and "igs14_small.atx, line 513" in sat.note[0]


def test_receiver_exact_and_radome_fallbacks(data):
    pc = PhaseCentres(antex=[data / WETTZELL], sinex=[data / ESA, data / IGS20W])
    leiar = pc.receiver("LEIAR25.R3      LEIT")  # the header's ANT # / TYPE text
    assert (leiar.source, leiar.matched_radome) == ("antex", "LEIT")
    np.testing.assert_allclose(leiar.pco_neu_m("G", "1"), [-0.05e-3, 0.95e-3, 160.96e-3])
    ash = pc.receiver("ASH701945E_M", "SCIS")  # ESBC's antenna: ESA line 739 (up 0.0884, north 0.0010, east -.0005)
    assert ash.source == "sinex" and "ESA0OPSFIN" in ash.note
    np.testing.assert_allclose(ash.pco_neu_m("G", "1"), [0.0010, -0.0005, 0.0884])
    # GLONASS and BeiDou have no calibration here: GPS L1 / L2 values, stated
    np.testing.assert_allclose(ash.pco_neu_m("R", "1"), ash.pco_neu_m("G", "1"))
    np.testing.assert_allclose(ash.pco_neu_m("C", "6"), ash.pco_neu_m("G", "2"))
    assert ash.frequency_used("C", "2") == ("G", "1") and "other frequencies take GPS" in ash.note
    nov = pc.receiver("NOV750.R4", "NONE")  # only NOVS is calibrated
    assert nov.matched_radome == "NOVS" and "radome NONE not calibrated for NOV750.R4: used the only one, NOVS" in nov.note
    trm = pc.receiver("TRM59800.00", "SCIT")  # NONE exists: used
    assert trm.matched_radome == "NONE" and "radome SCIT not calibrated" in trm.note


def test_receiver_found_nowhere(data):
    rcv = PhaseCentres(sinex=[data / ESA]).receiver("NOSUCH_ANT", "DOME")
    assert rcv.source == "none" and "in none of the ANTEX/SINEX files" in rcv.note
    assert list(rcv.pco_neu_m("G", "1")) == [0.0, 0.0, 0.0]
    assert rcv.pcv_m("G", "1", np.zeros((2, 3)), np.zeros((2, 3))).shape == (2, 3)


def test_receiver_pcv_grid(data):
    rcv = PhaseCentres(antex=[data / WETTZELL]).receiver("LEIAR25.R3", "LEIT")
    out = rcv.pcv_m("G", "1", np.radians([[5.0, 7.5]]), np.radians([[0.0, 2.5]]))
    np.testing.assert_allclose(out, [[0.25e-3, 0.615e-3]], atol=1e-9)  # rows 0/5 deg of lines 731-732


def test_sisre_and_orbits_commands_name_their_sources(data, tmp_path, capsys):
    import json

    from lodestar.cli import main

    esbc = data / "esbc-2020-177"
    nav, sp3 = esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz", esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
    out = tmp_path / "sisre.json"
    assert main(["sisre", "--nav", str(nav), "--sp3", str(sp3), "--systems", "R", "--step", "3600",
                 "--sinex", str(data / ESA), "--sinex", str(data / JAXA), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["satellites"]["R09"]["pco_source"] == "sinex"
    assert result["pco"]["satellites"]["R09"]["svn"] == "R802"
    assert "R: sinex" in capsys.readouterr().out
    csv = tmp_path / "orbits.csv"
    assert main(["orbits", "--nav", str(nav), "--sp3", str(sp3), "--from", "2020-06-25T12:00:00",
                 "--to", "2020-06-25T12:00:00", "--systems", "R", "--sinex", str(data / ESA), "--out", str(csv)]) == 0
    header, *rows = csv.read_text().splitlines()
    assert header.endswith(",source,pco_source")
    assert {row.split(",")[-1] for row in rows} <= {"sinex", "published", "broadcast"}
    assert "antenna phase centre" in capsys.readouterr().out


def test_gps_published_fallback_is_flagged_as_not_the_products_model(data):
    # Without a source of the products' offsets (igs20P2131 has only receiver offsets), GPS satellites take
    # the relative-era nominal block values (IIR-M G05: z = 0) and say that heights are biased by them;
    # with JAXA MGEX 2020-244 (igs14, the model of GRG's 2020 products) G05 is z = 0.7780 m (line 615).
    fallback = PhaseCentres(sinex=[data / IGS20W]).satellites(["G05", "R01"], ESBC_DAY)
    assert fallback.source[0] == "published" and "relative-PCV-era" in fallback.note[0]
    assert fallback.pco_if_body_m("1", "2")[0, 2] == 0.0
    assert "relative-PCV-era" not in fallback.note[1]  # the caveat is about GPS only
    igs14 = PhaseCentres(sinex=[data / JAXA, data / IGS20W]).satellites(["G05"], ESBC_DAY)
    assert igs14.source[0] == "sinex"
    np.testing.assert_allclose(igs14.pco_if_body_m("1", "2")[0], [-0.0033, -0.0003, 0.7780])


def test_esbc_antenna_pattern_from_the_igs08_block():
    # ESBC's ASH701945E_M SCIS (tests/fixtures: igs08.atx block, NGS 25-MAR-11): the pattern the data folder
    # lacks. IF combination of its G01/G02 NOAZI rows: -15.4 mm at 45 deg zenith (2.5457 x -9.81 - 1.5457 x -6.21)
    # and +4.8 mm at 80 deg (2.5457 x 3.37 - 1.5457 x 2.45): the shape ESBC's post-fit residuals showed without it.
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "igs08_1805_ASH701945E_M_SCIS.atx"
    rcv = PhaseCentres(antex=[fixture]).receiver("ASH701945E_M    SCIS")
    assert rcv.source == "antex" and rcv.matched_radome == "SCIS"
    np.testing.assert_allclose(rcv.pco_neu_m("G", "1"), [0.00048, 0.00013, 0.08965])
    np.testing.assert_allclose(rcv.pco_neu_m("R", "2"), [-0.00058, 0.00001, 0.11925])  # GLONASS G2 takes GPS L2
    a1, a2 = if_coefficients("G", "1", "2")
    zenith = np.radians([45.0, 80.0])
    pcv_if = a1 * rcv.pcv_m("G", "1", zenith) + a2 * rcv.pcv_m("G", "2", zenith)
    np.testing.assert_allclose(pcv_if, [-0.01538, 0.00479], atol=2e-5)


def test_a_satellite_missing_from_the_sinex_takes_its_blocks_mean(offline):
    """G14 (SVN41, IIR-A) and G23 (SVN60, IIR-B) flew on the ESBC day but are not in ESA's 2024 SINEX:
    they take the mean of the file's own IIR-A / IIR-B SVNs (IGS block-mean convention), not the
    published 1998 IIR value z = 0 (relative-model era), which left G14's precise range ~1 m off."""
    sat = offline.satellites(["G14", "G23", "E01"], ESBC_DAY)
    assert list(sat.source) == ["sinex", "sinex", "sinex"]
    # ESA 2024-185 SATELLITE/PHASE_CENTER lines 1348 1351 1355 1356 1357 (G043 G056 G051 G045 G044, IIR-A)
    # and 1337 1354 (G061 G059, IIR-B), L1 z: means 1.23304 and 0.70025 m
    assert sat.pco_body_m("1")[0, 2] == pytest.approx((1.2871 + 1.3892 + 1.2624 + 1.2903 + 0.9362) / 5, abs=1e-9)
    assert sat.pco_body_m("1")[1, 2] == pytest.approx((0.7186 + 0.6819) / 2, abs=1e-9)
    assert sat.block[0] == "BLOCK IIR-A" and sat.block[1] == "BLOCK IIR-B"
    # E01 (GSAT0210): the GALILEO-2 mean per frequency, E1 above E5a as for every FOC of the file
    assert sat.pco_body_m("1")[2, 2] > sat.pco_body_m("5")[2, 2] + 0.05
    assert PhaseCentres().satellites(["G14"], ESBC_DAY).source[0] == "published"  # no SINEX: the table
