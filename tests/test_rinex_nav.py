"""RINEX navigation reader on the real files in ../shared/data.

Reference values are quoted from the file text (line numbers given); record counts are
recomputed from the raw text with regular expressions, independently of the reader.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from lodestar.io.compression import read_bytes
from lodestar.io.rinex_nav import merge_nav, read_nav

ESBC_MN = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
ESBC_RN = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_RN.rnx"
TLSE_MN = "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"
BRD4 = "rinex4/BRD400DLR_S_20230710000_01D_MN.rnx.gz"


def _text(path) -> str:
    return read_bytes(path).decode("latin-1")


def _v3_counts(text: str) -> dict[str, int]:
    """Records per system: lines 'G01 2020 06 25 ...' after END OF HEADER (RINEX 3 record start)."""
    body = text.split("END OF HEADER", 1)[1]
    counts: dict[str, int] = {}
    for match in re.finditer(r"^([GRECJIS])[ \d]\d \d{4} \d\d ", body, flags=re.M):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


@pytest.fixture(scope="module")
def esbc_mn(data):
    return read_nav(data / ESBC_MN)


@pytest.fixture(scope="module")
def tlse_mn(data):
    return read_nav(data / TLSE_MN)


@pytest.fixture(scope="module")
def brd4(data):
    return read_nav(data / BRD4)


@pytest.mark.parametrize("name", [ESBC_MN, ESBC_RN, TLSE_MN, "nav-misc/BRDM00DLR_S_20230730000_01D_MN.rnx",
                                  "nav-misc/Example_Mixed_Rinex305.n", "nav-misc/BRDM00DLR_R_20130010000_01D_MN.rnx"])
def test_v3_record_counts_match_the_text(data, name):
    nav = read_nav(data / name)
    assert nav.counts() == _v3_counts(_text(data / name))
    assert nav.skipped == {}


def test_esbc_mixed_header(esbc_mn):
    nav = esbc_mn
    assert nav.version == 3.05 and nav.leap_seconds == 18
    assert set(nav.records) == set("GRECJS")
    # header lines 4-6: GAL / GPSA / GPSB IONOSPHERIC CORR
    assert nav.iono["GAL"] == [28.25, 7.8125e-03, 1.0071e-02]
    assert nav.iono["GPSA"] == [4.6566e-09, 1.4901e-08, -5.9605e-08, -1.1921e-07]
    assert nav.iono["GPSB"] == [8.1920e04, 9.8304e04, -6.5536e04, -5.2429e05]
    assert "BDS" not in nav.iono  # ESBC has no BeiDou coefficients (data README)
    gagp = nav.time_corrections[0]
    assert gagp["type"] == "GAGP" and gagp["a0_s"] == 2.3574102670e-09 and gagp["ref_week"] == 2111


def test_esbc_record_tables_have_the_contract_columns(esbc_mn):
    for system, table in esbc_mn.records.items():
        assert list(table.columns[:4]) == ["sv", "toc", "message", "line"]
        assert table["toc"].dtype == np.dtype("datetime64[ns]")
        assert table["sv"].str.startswith(system).all()
        if system in "GECJ":
            assert table["toe"].dtype == np.dtype("datetime64[ns]")
    # B_STK comment lines of the ESBC header: BeiDou D1 102 and D2 255 epochs (C05 is GEO -> D2 here)
    messages = esbc_mn.records["C"]["message"].value_counts().to_dict()
    assert messages["D1"] + messages["D2"] == 357
    assert set(esbc_mn.records["C"].query("message == 'D2'")["sv"]) == {"C05"}


def test_esbc_galileo_inav_fnav_from_data_sources(esbc_mn):
    gal = esbc_mn.records["E"]
    sources = gal["data_sources"].astype(int)
    assert ((sources & 2 != 0) == (gal["message"] == "FNAV")).all()
    assert set(gal["message"]) == {"INAV", "FNAV"}


def test_esbc_glonass_rn_fourth_orbit_line(data):
    """ESBC _RN.rnx line 208-212: R01 2020 06 24 23 15 00, 3.05 record with a 4th orbit line."""
    nav = read_nav(data / ESBC_RN)
    r01 = nav.records["R"].iloc[0]
    assert r01["sv"] == "R01" and r01["line"] == 208
    # RINEX writes GLONASS epochs in UTC; GPST - UTC = 18 s in 2020 (IERS Bulletin C)
    assert r01["toc"] == np.datetime64("2020-06-24T23:15:18")
    assert r01["tau_n_s"] == 6.355904042721e-05
    assert r01["x_m"] == pytest.approx(1.090894238281e04 * 1000, abs=1e-6)
    assert r01["vy_mps"] == pytest.approx(2.795855522156 * 1000, abs=1e-9)
    assert r01["az_mps2"] == pytest.approx(-2.793967723846e-09 * 1000, abs=1e-15)
    assert r01["freq_channel"] == 1
    # line 212: status flags blank, delay .999999999999e+09 (= unknown), URAI 15, health flags blank
    assert np.isnan(r01["status_flags"]) and np.isnan(r01["delay_l1l2_s"]) and np.isnan(r01["health_flags"])
    assert r01["urai"] == 15
    assert nav.records["R"]["freq_channel"].between(-7, 6).all()


def test_glonass_channels_agree_per_satellite(esbc_mn):
    channels = esbc_mn.records["R"].groupby("sv")["freq_channel"].nunique()
    assert (channels == 1).all()


def test_tlse_beidou_geo_record(tlse_mn):
    """TLSE 2024 nav, lines 97-104: C01 2024 01 01 00 00 00 (BDT), a GEO satellite -> D2."""
    c01 = tlse_mn.records["C"].query("sv == 'C01'").iloc[0]
    assert c01["line"] == 97 and c01["message"] == "D2"
    assert c01["toc"] == np.datetime64("2024-01-01T00:00:14")  # BDT + 14 s = GPST
    assert c01["af0_s"] == 8.813514141370e-04
    assert c01["sqrt_a_sqrtm"] == 6.493366928100e03
    assert c01["week"] == 939 and c01["toe_sow"] == 86400.0  # BDT week 939, sow 86400
    assert c01["toe"] == np.datetime64("2024-01-01T00:00:14")
    assert c01["tgd1_s"] == -5.400000002710e-09 and c01["tgd2_s"] == -9.8e-09
    geo = set(tlse_mn.records["C"].query("message == 'D2'")["sv"])
    assert geo == {"C01", "C02", "C03", "C04", "C05", "C59", "C60", "C62"}  # data README


def test_tlse_bds_ionosphere_lines(data, tlse_mn):
    text = _text(data / TLSE_MN)
    bdsa = [line for line in text.splitlines() if line.startswith("BDSA") and "IONOSPHERIC CORR" in line]
    sets = tlse_mn.iono["BDS"]
    assert len(sets) == len(bdsa) == 40
    # header line 4: BDSA 3.1665E-08 9.6858E-08 -1.1325E-06 1.7285E-06 A 02; its BDSB: line 44
    c02 = sets[0]
    assert c02["sv"] == "C02" and c02["time_mark"] == "A"
    assert c02["alpha"] == [3.1665e-08, 9.6858e-08, -1.1325e-06, 1.7285e-06]
    assert c02["beta"] == [1.3107e05, -2.1299e05, 1.3107e05, 5.8982e05]
    c60 = [s for s in sets if s["sv"] == "C60"]
    assert len(c60) == 1 and c60[0]["beta"] == [1.3926e05, -3.9322e05, 9.8304e05, 6.5536e04]
    assert all(s["beta"] is not None for s in sets)
    assert tlse_mn.iono["QZSA"][0] == 1.0245e-08


def test_rinex4_record_types(data, brd4):
    text = _text(data / BRD4)
    heads = re.findall(r"^> (EPH|ION|STO|EOP) ([GRECJIS])\S* *(\S+)", text, flags=re.M)
    eph = {}
    for kind, system, message in heads:
        if kind == "EPH":
            eph[(system, message)] = eph.get((system, message), 0) + 1
    read = {"G": ["LNAV"], "R": ["FDMA"], "E": ["INAV", "FNAV"], "C": ["D1", "D2", "CNV1", "CNV2"], "J": ["LNAV"],
            "I": ["LNAV"], "S": ["SBAS"]}
    for system, messages in read.items():
        table = brd4.records[system]
        assert len(table) == sum(eph[(system, m)] for m in messages)
        for message in messages:
            assert (table["message"] == message).sum() == eph[(system, message)]
    # CNAV / CNV1-3 are counted, not dropped
    for key in [("G", "CNAV"), ("J", "CNAV"), ("J", "CNV2")]:
        assert brd4.skipped[f"EPH {key[0]} {key[1]}"] == eph[key]
    assert sum(v for k, v in brd4.skipped.items() if k.startswith("EPH")) == 334 + 98 + 98
    n_sto = sum(1 for kind, _, _ in heads if kind == "STO")
    assert len(brd4.time_corrections) == n_sto == 126
    assert len(brd4.eop) == sum(1 for kind, _, _ in heads if kind == "EOP") == 32
    n_ion = sum(1 for kind, _, _ in heads if kind == "ION")
    used_bds = len(brd4.iono["BDS"])
    assert used_bds == sum(1 for k, s, m in heads if k == "ION" and (s, m) == ("C", "D1D2")) == 15
    counted = sum(v for k, v in brd4.skipped.items() if k.startswith("ION"))
    assert counted == sum(1 for k, s, m in heads if k == "ION" and m == "CNVX")
    assert n_ion == 130  # 12+15+2+2+3+2+47+47 from the uniq -c of the "> ION" lines


def test_rinex4_glonass_and_ion_values(brd4):
    """BRD400DLR lines after '> EPH R01 FDMA': R01 2023 03 12 00 15 00 (UTC), 5 lines."""
    r01 = brd4.records["R"].iloc[0]
    assert r01["sv"] == "R01" and r01["toc"] == np.datetime64("2023-03-12T00:15:18")
    assert r01["x_m"] == pytest.approx(1.422012255859e07, abs=1e-6)
    assert (r01["status_flags"], r01["delay_l1l2_s"], r01["urai"], r01["health_flags"]) == (
        179.0, 8.381903171539e-09, 2.0, 3.0)
    # '> ION C05 D1D2' 2023 03 12 00 00 00 (BDT): alpha0 4.190951585770e-08, beta3 8.323072e+06
    bds = brd4.iono["BDS"][0]
    assert bds["sv"] == "C05" and bds["alpha"][0] == 4.190951585770e-08 and bds["beta"][3] == 8.323072e06
    assert bds["time_gps"] == "2023-03-12T00:00:14" and bds["time_mark"] == "A"  # 00 h BDT
    assert brd4.iono["BDS"][1]["time_mark"] == "B"  # '> ION C02 D1D2' 2023 03 12 01 59 30
    # '> ION G12 LNAV' is the first GPS set
    assert brd4.iono["GPSA"][0] == 3.259629011154e-08 and brd4.iono["GPSB"][0] == 1.351680e05
    eop = brd4.eop.iloc[0]  # '> EOP G27 CNVX': xp -4.024982452393e-02 arcsec, dUT1 -1.940387487411e-02 s
    assert eop["xp_rad"] == pytest.approx(-4.024982452393e-02 * np.pi / 648000, rel=1e-12)
    assert eop["dut1_s"] == -1.940387487411e-02


def test_rinex4_beidou_cnav(data, brd4):
    """'> EPH C19 CNV1': C19 2023 03 12 00 00 00 -8.956108940765e-04, ADOT -2.287387847900e-03 m/s,
    line 6 '1.100045821324e-10 3.232818114092e-14 3.0 0.0', line 8 ISC_B1Cd -8.731149137020e-10."""
    bds = brd4.records["C"]
    cnv1 = bds.query("sv == 'C19' and message == 'CNV1'").iloc[0]
    assert cnv1["toc"] == np.datetime64("2023-03-12T00:00:14")
    assert cnv1["af0_s"] == -8.956108940765e-04 and cnv1["adot_mps"] == -2.287387847900e-03
    assert cnv1["delta_n_dot_radps2"] == 3.232818114092e-14 and cnv1["sat_type"] == 3  # 3 = MEO
    assert cnv1["isc_b1cd_s"] == -8.731149137020e-10 and cnv1["tgd_b1cp_s"] == 9.487848728895e-09
    assert cnv1["week"] == 897 and cnv1["toe"] == cnv1["toc"]  # no week in CNAV: BDT week of toc
    cnv2 = bds.query("sv == 'C19' and message == 'CNV2'").iloc[0]
    assert cnv2["isc_b2ad_s"] == -2.735760062933e-09 and np.isnan(cnv2["isc_b1cd_s"])
    assert bds.query("message in ['D1', 'D2']")["adot_mps"].isna().all()
    # RINEX 4 example, lines 92-101: '> EPH C19 CNV3', line 100 '15 0 0 -5.064066499472e-09'
    example = read_nav(data / "rinex4/Example_Beidou_Rinex400.n")
    cnv3 = example.records["C"].query("message == 'CNV3'").iloc[0]
    assert cnv3["line"] == 93 and cnv3["sismai"] == 15 and cnv3["tgd_b2bi_s"] == -5.064066499472e-09
    assert cnv3["toe"] == np.datetime64("2022-10-05T00:00:14")  # toe 259200 s = Wednesday 00 h BDT
    assert example.skipped == {}


def test_rinex2_glonass(data):
    """brdc0130.22g line 8: ' 1 22  1 13  0 15  0.0 0.718235969543D-05...' (UTC)."""
    nav = read_nav(data / "rinex2/brdc0130.22g")
    text = _text(data / "rinex2/brdc0130.22g").split("END OF HEADER", 1)[1]
    assert len(nav.records["R"]) == len(re.findall(r"^[ \d]\d \d\d [ \d]\d [ \d]\d", text, flags=re.M)) == 1104
    r01 = nav.records["R"].query("line == 8").iloc[0]
    assert r01["sv"] == "R01" and r01["toc"] == np.datetime64("2022-01-13T00:15:18")
    assert r01["tau_n_s"] == 0.718235969543e-05
    assert r01["x_m"] == pytest.approx(-0.157661396484e05 * 1000, abs=1e-6)
    assert r01["freq_channel"] == 1
    assert np.isnan(r01["urai"])  # RINEX 2 has no fourth orbit line
    assert nav.time_corrections[0]["type"] == "GLUT" and nav.time_corrections[0]["a0_s"] == -0.186264514923e-08


def test_rinex2_gps(data):
    nav = read_nav(data / "rinex2/brdc0130.22n")
    g01 = nav.records["G"].iloc[0]
    # line 9-16: ' 1 22  1 13  0  0  0.0 0.458852853626D-03', toe 0.345600000000D+06
    assert g01["sv"] == "G01" and g01["toc"] == np.datetime64("2022-01-13T00:00:00")
    assert g01["af0_s"] == 0.458852853626e-03 and g01["iode"] == 22.0
    assert g01["toe"] == np.datetime64("2022-01-13T00:00:00")  # 345600 s = Thursday 00:00
    assert nav.iono["GPSA"] == [0.1118e-07, -0.7451e-08, -0.5960e-07, 0.1192e-06]


def test_merge_nav_drops_duplicates(data):
    one = read_nav(data / ESBC_RN)
    merged = merge_nav([one, data / ESBC_RN])
    assert len(merged.records["R"]) == len(one.records["R"])
    days = merge_nav([data / "full-day-obs/NYA100NOR_S_20241270000_01D_GN.rnx.gz",
                      data / "full-day-obs/NYA100NOR_S_20241280000_01D_GN.rnx.gz"])
    assert days.records["G"]["toc"].is_monotonic_increasing is False  # sorted by sv, then toc
    assert (days.records["G"].groupby("sv")["toc"].apply(lambda t: t.is_monotonic_increasing)).all()
    # day of year 127/128 of 2024 = 6/7 May
    assert days.records["G"]["toc"].min() < np.datetime64("2024-05-06T03:00")
    assert days.records["G"]["toc"].max() > np.datetime64("2024-05-07T19:00")
    singles = [read_nav(data / f"full-day-obs/NYA100NOR_S_2024{d}0000_01D_GN.rnx.gz") for d in (127, 128)]
    assert max(len(s.records["G"]) for s in singles) < len(days.records["G"]) <= sum(len(s.records["G"]) for s in singles)


# --- independent reader: georinex (test-only dependency) -------------------------------------------
_GEORINEX = {  # our name -> georinex name (georinex also converts GLONASS km to m)
    "R": {"tau_n_s": "SVclockBias", "gamma_n": "SVrelFreqBias", "x_m": "X", "vx_mps": "dX", "ax_mps2": "dX2",
          "y_m": "Y", "z_m": "Z", "vz_mps": "dZ", "freq_channel": "FreqNum", "age_days": "AgeOpInfo"},
    "G": {"af0_s": "SVclockBias", "af1_sps": "SVclockDrift", "crs_m": "Crs", "m0_rad": "M0", "e": "Eccentricity",
          "sqrt_a_sqrtm": "sqrtA", "toe_sow": "Toe", "omega_rad": "omega", "idot_radps": "IDOT", "tgd_s": "TGD",
          "iodc": "IODC", "week": "GPSWeek"},
    "E": {"af0_s": "SVclockBias", "iode": "IODnav", "data_sources": "DataSrc", "week": "GALWeek",
          "sv_accuracy_m": "SISA", "bgd_e5a_e1_s": "BGDe5a", "bgd_e5b_e1_s": "BGDe5b", "cis_rad": "Cis"},
    "C": {"af0_s": "SVclockBias", "iode": "AODE", "week": "BDTWeek", "tgd1_s": "TGD1", "tgd2_s": "TGD2",
          "health": "SatH1", "aodc": "AODC", "omega_dot_radps": "OmegaDot", "sqrt_a_sqrtm": "sqrtA"},
    "S": {"af0_s": "SVclockBias", "x_m": "X", "vy_mps": "dY", "az_mps2": "dZ2", "iodn": "IODN"},
}
#: georinex keeps record epochs as written: GLONASS in UTC (18 s behind GPST here), BeiDou in BDT
_WRITTEN_OFFSET_S = {"R": 18, "C": 14, "G": 0, "E": 0, "S": 0}


@pytest.mark.parametrize(("name", "systems"), [
    ("rinex2/p1462100.18g", "R"), ("rinex2/brdc0130.22n", "G"),
    # georinex 1.16 leaves the Galileo records of this file empty (NaN): G, R, C, S compared here
    ("nav-misc/BRDM00DLR_S_20230730000_01D_MN.rnx", "GRCS"),
    ("nav-misc/CEDA00USA_R_20182100000_01D_MN.rnx.gz", "E"), ("nav-misc/CBW100NLD_R_20210010000_01D_MN.rnx", "GEC"),
])
def test_against_georinex(data, name, systems):
    georinex = pytest.importorskip("georinex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = georinex.load(data / name)
    nav = read_nav(data / name)
    compared = 0
    for system in systems:
        table = nav.records[system]
        # georinex keeps one record per (sv, epoch): Galileo I/NAV + F/NAV pairs are left out
        for _, row in table[~table.duplicated(["sv", "toc"], keep=False)].iterrows():
            written = row["toc"] - np.timedelta64(_WRITTEN_OFFSET_S[system], "s")
            for ours, theirs in _GEORINEX[system].items():
                value = float(reference[theirs].sel(sv=row["sv"], time=written))
                assert row[ours] == pytest.approx(value, rel=1e-12, abs=1e-300), (row["sv"], ours)
                compared += 1
    assert compared >= 16 * len(systems)  # at least two records of each system


# --- every navigation file of the sample data -------------------------------------------------------
def _nav_files(data) -> list[str]:
    """Navigation files by their names (RINEX 3/4 ``_xN.rnx``, RINEX 2 ``.yyn/g/e/h``, ``.n``)."""
    pattern = re.compile(r"(_[A-Z]N(_trim)?\.rnx(\.gz)?|_MN\.zip|\.\d\d[ngeh](\.gz)?|\.n)$")
    return sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file() and pattern.search(p.name))


def _records_in_text(text: str, version: float) -> int:
    body = text.split("END OF HEADER", 1)[1]
    if version >= 4:
        return len(re.findall(r"^> EPH ", body, flags=re.M))
    if version >= 3:
        return len(re.findall(r"^[GRECJIS][ \d]\d \d{4} ", body, flags=re.M))
    return len(re.findall(r"^[ \d]\d [ \d]\d [ \d]\d [ \d]\d [ \d]\d [ \d]\d ", body, flags=re.M))


def test_every_small_navigation_file_reads(data):
    names = [name for name in _nav_files(data) if (data / name).stat().st_size < 150_000]
    assert len(names) >= 20
    _check_files(data, names)


@pytest.mark.slow
def test_every_navigation_file_reads(data):
    names = _nav_files(data)
    assert len(names) >= 45
    _check_files(data, names)


def _check_files(data, names: list[str]) -> None:
    from lodestar.io import read

    for name in names:
        nav = read(data / name)
        eph_skipped = sum(v for k, v in nav.skipped.items() if k.startswith("EPH"))
        assert sum(nav.counts().values()) + eph_skipped == _records_in_text(_text(data / name), nav.version), name
        for system, table in nav.records.items():
            assert table["toc"].notna().all(), name
            if "toe" in table:  # toe within the validity span of an ephemeris around toc
                assert (abs(table["toe"] - table["toc"]) <= np.timedelta64(7, "D")).all(), name


def test_orbit_sizes_are_physical(esbc_mn, tlse_mn):
    """Units check: semi-major axes and GLONASS radii against the nominal constellation orbits
    (GPS 26 560 km, Galileo 29 600 km, BDS MEO 27 906 km, GEO/IGSO 42 164 km, GLONASS 25 510 km)."""
    for nav in (esbc_mn, tlse_mn):
        glonass = nav.records["R"]
        position = glonass[["x_m", "y_m", "z_m"]].to_numpy()
        radius = np.linalg.norm(position, axis=1)
        # RINEX velocities are Earth-fixed (PZ-90): add omega x r (GLONASS ICD 2008, omega_E
        # 7.292115e-5 rad/s) for the inertial speed sqrt(GM/a) = 3.95 km/s of a circular orbit
        rotation = 7.292115e-5 * np.column_stack([-position[:, 1], position[:, 0], np.zeros(len(position))])
        speed = np.linalg.norm(glonass[["vx_mps", "vy_mps", "vz_mps"]].to_numpy() + rotation, axis=1)
        assert np.all(np.abs(radius - 25.51e6) < 0.1e6) and np.all(np.abs(speed - 3953) < 20)
        semi_major = {s: nav.records[s]["sqrt_a_sqrtm"].to_numpy() ** 2 for s in "GEC"}
        assert np.all(np.abs(semi_major["G"] - 26.56e6) < 0.05e6)
        eccentric = nav.records["E"]["sv"].isin(["E14", "E18"]).to_numpy()  # 2014 launch anomaly: a = 27 977 km
        assert np.all(np.abs(semi_major["E"][~eccentric] - 29.60e6) < 0.05e6)
        assert np.all(np.abs(semi_major["E"][eccentric] - 27.977e6) < 0.05e6)
        beidou = nav.records["C"]
        meo = beidou["sv"].isin([f"C{n:02d}" for n in (11, 12, 14)] + [f"C{n}" for n in range(19, 38)]
                                + [f"C{n}" for n in range(41, 47)])
        assert np.all(np.abs(semi_major["C"][meo] - 27.906e6) < 0.05e6)
        assert np.all(np.abs(semi_major["C"][~meo] - 42.164e6) < 0.05e6)
