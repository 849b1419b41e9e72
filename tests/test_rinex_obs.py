"""RINEX observation reader on the real files of ../shared/data.

Reference values are copied from the file text (the line is quoted next to each check), from the
data README (satellite counts), or from georinex 1.16 (an independent reader) value for value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lodestar.errors import FormatError
from lodestar.io import read
from lodestar.io.compression import read_bytes
from lodestar.io.rinex_obs import glonass_channels, obs_codes, read_obs

# Every observation file in the data folder (nav, SP3, CLK, SINEX, lunar/ are not observations).
# All are read: none has to be rejected (tests/test_obs_fuzz.py covers refused input).
OBS_FILES = [
    "rinex2/14601736.18o", "rinex2/AJAC3550.21D", "rinex2/AJAC3550.21O", "rinex2/KOSG0010.95O",
    "rinex2/ab430140.18o.zip", "rinex2/ac660270.18o.Z", "rinex2/aopr0010.17o", "rinex2/barq071q.19d",
    "rinex2/barq071q.19o", "rinex2/delf0010.21d", "rinex2/delf0010.21o", "rinex2/demo.10o",
    "rinex2/demo3.10o", "rinex2/eijs0010.21d", "rinex2/npaz3550.21d", "rinex2/npaz3550.21o",
    "rinex2/pdel0010.21o", "rinex2/rovn0010.21o", "rinex2/wsra0010.21d", "rinex2/wsra0010.21o",
    "rinex2/york0440.15d", "rinex2/york0440.zip", "rinex2/zegv0010.21d", "rinex2/zegv0010.21o",
    "rinex4/KMS300DNK_R_20221591000_01H_30S_MO.crx",
    "short-obs/AGGO00ARG_S_20190250000_15M_01S_MO.crx",
    "short-obs/CEDA00USA_R_20182100000_23H_15S_MO.rnx.gz",
    "short-obs/GANP00SVK_R_20151890000_01H_10M_MO.crx.gz",
    "short-obs/GRAS00FRA_R_20223151700_15M_01S_MO.crx.gz",
    "short-obs/LAMA00POL_S_20261881407_04E_01S_MO.rnx",
    "short-obs/P43300USA_R_20190012056_17M_15S_MO.crx",
    "short-obs/PASA00ESP_R_20261201000_02H_30S_MO.rnx",
    "short-obs/SCOA00FRA_R_20261201000_02H_30S_MO.rnx",
    "short-obs/VILL00ESP_R_20160440000_01D_30S_MO.crx.gz",
    "short-obs/YEBE00ESP_R_20230891800_01H_30S_MO.crx.gz",
    "short-obs/ZIM200CHE_R_20261330000_01H_30S_MO_120epoch.rnx",
    "phone/GEOP092I.24o.gz", "phone/pixel6.23o", "phone/rinex_obs_mixed_types.20o",
    "phone/rinex_obs_single_type_only.22o", "phone/z_tracking.rnx",
    "full-day-obs/ACOR00ESP_R_20213550000_01D_30S_MO.crx",
    "full-day-obs/ACOR00ESP_R_20213550000_01D_30S_MO.rnx",
    "full-day-obs/ALAC00ESP_R_20220090000_01D_30S_MO.rnx",
    "full-day-obs/BME100HUN_R_20213550000_01D_30S_MO.crx",
    "full-day-obs/DOUR00BEL_R_20200130000_01D_30S_MO.crx",
    "full-day-obs/OB712480.23O.gz", "full-day-obs/OB713520.23O.gz", "full-day-obs/flrs0010.12o",
    "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
    "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
    "esbc-2020-177/WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
    "tlse-2022-001/TLSE00FRA_R_20220010000_01D_30S_GO.zip",
    "tlse-2022-001/TLSE00FRA_R_20220010000_01D_30S_MO.rnx_slice_0.24h.rnx",
    "tlse-2022-001/TLSE00FRA_R_20220010000_01D_30S_MO.rnx_slice_0.24h.rnx.gz",
    "tlse-2022-001/TLSE00FRA_R_20220010000_01H_30S_MO.rnx.gz",
    "tlse-2024-001/TLSE00FRA_R_20240011200_15M_01S_MO.crx.gz",
    "tlse-2024-001/TLSE00FRA_R_20240011800_01H_30S_MO.crx.gz",
    "nav-misc/ABMF00GLP_R_20181330000_01D_30S_MO.zip",
]
# Whole days behind Hatanaka + gzip (~0.5 s each to decompress): read in the slow run.
FULL_DAYS = [
    "full-day-obs/AJAC00FRA_R_20242090000_01D_30S_MO.crx.gz",
    "full-day-obs/AJAC00FRA_R_20242100000_01D_30S_MO.crx.gz",
    "full-day-obs/CEBR00ESP_R_20182000000_01D_30S_MO.crx.gz",
    "full-day-obs/NYA100NOR_S_20241270000_01D_30S_MO.crx.gz",
    "full-day-obs/NYA100NOR_S_20241280000_01D_30S_MO.crx.gz",
]
ESBC_HOUR = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
ESBC_DAY = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"


def _check_structure(ds):
    assert ds.attrs["format"] == "RINEX OBS"
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert ds.sizes["time"] > 0 and ds.sizes["sv"] > 0
    order = "GRECJIS"
    keys = [(order.index(s[0]), int(s[1:])) for s in ds["sv"].values]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    codes = [v for v in ds.data_vars if len(v) == 3]
    assert codes and all(ds[c].dtype == np.float64 for c in codes)
    for name in ds.data_vars:
        if name.endswith(("_lli", "_ssi")):
            assert ds[name].dtype == np.int8 and name[:3] in ds
    observed = sum(int(np.isfinite(ds[c].values).sum()) for c in codes)
    assert observed > 0


@pytest.mark.parametrize("name", OBS_FILES)
def test_every_observation_file_reads(data, name):
    ds = read_obs(data / name)
    _check_structure(ds)
    assert np.all(np.diff(ds["time"].values) > np.timedelta64(0))


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_DAYS)
def test_full_days_read(data, name):
    ds = read_obs(data / name)
    _check_structure(ds)
    assert ds.sizes["time"] == 2880  # data README: "Full day" = 2880 epochs at 30 s


def test_read_dispatches_to_read_obs_with_content(data):
    path = data / ESBC_HOUR
    via_read = read(path)
    direct = read_obs(path, content=read_bytes(path))
    assert via_read.identical(direct)


def test_esbc_full_day_epochs_and_satellites(data):
    ds = read_obs(data / ESBC_DAY)
    assert ds.sizes["time"] == 2880
    per_system = {}
    for sv in ds["sv"].values:
        per_system[sv[0]] = per_system.get(sv[0], 0) + 1
    # data README: "full day, G31 R23 E22 C29 J3 S5"
    assert per_system == {"G": 31, "R": 23, "E": 22, "C": 29, "J": 3, "S": 5}
    assert ds["time"].values[0] == np.datetime64("2020-06-25T00:00:00")
    assert ds["time"].values[-1] == np.datetime64("2020-06-25T23:59:30")
    assert ds.attrs["antenna_delta_hen_m"] == [0.2160, 0.0, 0.0]
    assert ds.attrs["skipped"]["event_records"] == 0


def test_esbc_header_attributes(data):
    ds = read_obs(data / ESBC_HOUR)
    a = ds.attrs
    assert a["version"] == 3.05 and a["marker_name"] == "ESBC00DNK" and a["marker_number"] == "10118M001"
    assert a["receiver"] == "SEPT POLARX5"  # "3047937             SEPT POLARX5        5.2.0"
    assert a["antenna"] == "ASH701945E_M    SCIS"
    assert a["approx_position_m"] == [3582105.2910, 532589.7313, 5232754.8054]
    assert a["interval_s"] == 30.0 and a["time_system"] == "GPS"
    codes = obs_codes(ds)
    # "R   20 C1C C1P C2C C2P C3Q D1C D1P D2C D2P D3Q L1C L1P L2C" + "L2P L3Q S1C S1P S2C S2P S3Q"
    assert codes["R"][:5] == ["C1C", "C1P", "C2C", "C2P", "C3Q"] and len(codes["R"]) == 20
    assert codes["C"] == ["C2I", "C6I", "C7I", "D2I", "D6I", "D7I", "L2I", "L6I", "L7I", "S2I", "S6I", "S7I"]
    # " 23 R01  1 R02 -4 R03  5 R04  6 R05  1 R06 -4 R07  5 R08  6 GLONASS SLOT / FRQ #"
    # "    R09 -2 R10 -7 R11  0 ..."  "    R17  4 R18 -3 R19  3 R20  2 R21  4 R23  3 R24  2"
    channels = glonass_channels(ds)
    assert len(channels) == 23
    assert channels["R01"] == 1 and channels["R02"] == -4 and channels["R10"] == -7 and channels["R24"] == 2
    assert "R22" not in channels
    assert ds["C1C"].attrs["units"] == "m" and ds["L1C"].attrs["units"] == "cycles"
    assert ds["D1C"].attrs["units"] == "Hz" and ds["S1C"].attrs["units"] == "dB-Hz"


def test_esbc_values_against_file_text(data):
    ds = read_obs(data / ESBC_HOUR)
    first = ds.isel(time=0)
    # line 62, epoch "> 2020 06 25 00 00 00.0000000  0 43":
    # "C05  40715949.461 5                  40715946.882 6        -2.196 5     ...
    #  ... 212018673.07105                 163946288.27506        34.500                          38.000"
    c05 = first.sel(sv="C05")
    assert c05["C2I"].item() == 40715949.461 and c05["C2I_ssi"].item() == 5
    assert "C2I_lli" not in ds  # no code observation of the file carries an LLI
    assert np.isnan(c05["C6I"].item())
    assert c05["C7I"].item() == 40715946.882 and c05["C7I_ssi"].item() == 6
    assert c05["D2I"].item() == -2.196
    assert c05["L2I"].item() == 212018673.071 and c05["L2I_lli"].item() == 0 and c05["L2I_ssi"].item() == 5
    assert c05["S2I"].item() == 34.5 and c05["S7I"].item() == 38.0
    # line 2756, epoch "> 2020 06 25 00 30 00.0000000  0 44":
    # "R01  19683264.649 7  19683264.514 7  19683272.710 7  19683273.553 7  ...
    #  ... -1761.100 7 ... 105218366.54207 105218362.54707  81836543.44307  81836550.45507 ...46.500"
    r01 = ds.sel(time=np.datetime64("2020-06-25T00:30:00"), sv="R01")
    assert r01["C1C"].item() == 19683264.649 and r01["C1P"].item() == 19683264.514
    assert r01["C2C"].item() == 19683272.710 and r01["C2P"].item() == 19683273.553
    assert np.isnan(r01["C3Q"].item())
    assert r01["D1C"].item() == -1761.100
    assert r01["L1C"].item() == 105218366.542 and r01["L1C_lli"].item() == 0 and r01["L1C_ssi"].item() == 7
    assert r01["L2P"].item() == 81836550.455
    assert r01["S1C"].item() == 46.5
    assert int(ds["epoch_flag"].max()) == 0 and "rx_clock_offset_s" not in ds


def test_rinex2_mapping_and_values(data):
    ds = read_obs(data / "rinex2/demo.10o")
    # "     7    L1    L2    P1    P2    C1    S1    S2            # / TYPES OF OBSERV"
    assert obs_codes(ds)["G"] == ["L1C", "L2W", "C1W", "C2W", "C1C", "S1C", "S2W"]
    assert obs_codes(ds)["R"] == ["L1C", "L2P", "C1P", "C2P", "C1C", "S1C", "S2P"]
    assert ds["C1W"].attrs["rinex2_code"] == "P1" and ds["C1P"].attrs["rinex2_code"] == "P1"
    # " 10  3  5  0  0  0.0000000  0 14G13R19G32G 7R23G31G20R11G12G26G 9G21    -0.12345"
    # "                                G15S24"
    assert ds["time"].values[0] == np.datetime64("2010-03-05T00:00:00")
    assert ds["rx_clock_offset_s"].values[0] == -0.12345
    first = ds.isel(time=0)
    # G13: " 121367582.20508  94572134.49208  23095489.677 9  23095481.949 9  23095483.463 7"
    #      "        42.000          40.000"
    g13 = first.sel(sv="G13")
    assert g13["L1C"].item() == 121367582.205 and g13["L1C_lli"].item() == 0 and g13["L1C_ssi"].item() == 8
    assert g13["L2W"].item() == 94572134.492 and g13["C1W"].item() == 23095489.677
    assert g13["C2W"].item() == 23095481.949 and g13["C1C"].item() == 23095483.463 and g13["C1C_ssi"].item() == 7
    assert g13["S1C"].item() == 42.0 and g13["S2W"].item() == 40.0
    # R19: " 134357446.85408                                                  23095483.463 7" / "        51.000"
    r19 = first.sel(sv="R19")
    assert r19["L1C"].item() == 134357446.854 and np.isnan(r19["L2P"].item())
    assert r19["C1C"].item() == 23095483.463 and r19["S1C"].item() == 51.0
    assert "G07" in ds["sv"].values  # written "G 7" on the epoch line
    assert "S24" in ds["sv"].values  # on the continuation line


def test_rinex2_event_records_counted(data):
    # line 37: "                            2  1" (antenna moving, 1 record), then a COMMENT line
    ds = read_obs(data / "rinex2/14601736.18o")
    assert ds.attrs["skipped"]["event_records"] == 3 and ds.attrs["skipped"]["event_lines"] == 7
    # york0440: 23 x " 15  2 13  1  0  0.0000000  4  1" + "0000.000      (antenna height)   COMMENT"
    york = read_obs(data / "rinex2/york0440.zip")
    assert york.attrs["skipped"]["event_records"] == 23 and york.sizes["time"] == 2880


def test_rinex3_event_record_and_trailer_counted(data):
    # GEOP092I.24o: "> 2024  4  1  8 31 16.4427602  2  0" before the first data epoch
    ds = read_obs(data / "phone/GEOP092I.24o.gz")
    assert ds.attrs["skipped"]["event_records"] == 1
    assert ds["time"].values[0] == np.datetime64("2024-04-01T08:31:16.442760200")
    # LAMA ends with a non-RINEX "END OF FILE" line: read, and counted
    lama = read_obs(data / "short-obs/LAMA00POL_S_20261881407_04E_01S_MO.rnx")
    assert lama.attrs["skipped"]["end_of_file_trailer_lines"] == 1 and lama.sizes["time"] == 4


def test_missing_blank_record_lines_at_end_counted(data):
    # rovn0010.21o: 11 types = 3 lines per satellite; the last satellite's third line (S5 only,
    # blank) is absent from the file.
    ds = read_obs(data / "rinex2/rovn0010.21o")
    assert ds.attrs["skipped"]["blank_record_lines_missing_at_end"] == 1


def test_glonass_cod_phs_bis(data):
    # " C1C  -71.940 C1P  -71.940 C2C  -71.940 C2P  -71.940        GLONASS COD/PHS/BIS"
    ds = read_obs(data / "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx")
    assert ds.attrs["glonass_cod_phs_bis"] == {"C1C": -71.94, "C1P": -71.94, "C2C": -71.94, "C2P": -71.94}
    # demo3.10o packs its slots: "  3 R11 -5R19 +3R23 -6   GLONASS SLOT / FRQ #"
    demo3 = read_obs(data / "rinex2/demo3.10o")
    assert glonass_channels(demo3) == {"R11": -5, "R19": 3, "R23": -6}


def test_systems_filter(data):
    ds = read_obs(data / ESBC_HOUR, systems="C,R")
    assert {sv[0] for sv in ds["sv"].values} == {"R", "C"}
    full = read_obs(data / ESBC_HOUR)
    np.testing.assert_array_equal(ds["C2I"].values, full["C2I"].sel(sv=ds["sv"].values).values)


def test_codes_filter_reads_the_same_values(data):
    # codes=: only those variables, each identical to the full read (RINEX 3 and RINEX 2 files)
    for name, codes in ((ESBC_HOUR, {"C1C", "C2I", "L2I"}), ("rinex2/rovn0010.21o", {"C1C", "S2W"})):
        part, full = read_obs(data / name, codes=codes), read_obs(data / name)
        assert {v for v in part.data_vars if len(v) == 3} == codes
        np.testing.assert_array_equal(part["sv"].values, full["sv"].values)
        np.testing.assert_array_equal(part["time"].values, full["time"].values)
        for v in part.data_vars:
            np.testing.assert_array_equal(part[v].values, full[v].values)
        assert part.attrs == full.attrs


def test_codes_filter_skips_unread_fields_unchecked(data, tmp_path):
    # WTZR's first G05 line: "G05  20746298.836    20746297.947 ... 109022563.58108 ..." (C1C ... L1C);
    # L1C made bad: a read that skips L1C does not look at it, a read of L1C still names it
    def edit(text):
        return text.replace("109022563.58108", "109022563.5x108", 1)

    path = _mutated(tmp_path, data, "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx", edit)
    assert np.isfinite(read_obs(path, codes={"C1C"})["C1C"].sel(sv="G05").values[0])
    with pytest.raises(FormatError, match="L1C"):
        read_obs(path, codes={"C1C", "L1C"})


def test_codes_filter_reads_only_those_fields(data, tmp_path):
    """``codes=``: only those observation codes are converted (what PPP reads); their values, LLI and
    strength equal a full read's; the header's code lists stay whole; an unread field is not checked."""
    codes = {"C2I", "C6I", "L2I", "L6I"}
    some = read_obs(data / ESBC_HOUR, systems="C", codes=codes)
    full = read_obs(data / ESBC_HOUR, systems="C")
    assert {v for v in some.data_vars if v[:3] not in codes} == {"epoch_flag"}
    assert {v for v in full.data_vars if v[0] == "D"}  # the full read has the Doppler fields
    for name in some.data_vars:
        np.testing.assert_array_equal(some[name].values, full[name].values)
    assert some.attrs["obs_codes"] == full.attrs["obs_codes"]
    # line 57: 'C05  40715949.461 5                  40715946.882 6        -2.196 5 ...' (D2I -2.196)
    line = "C05  40715949.461 5                  40715946.882 6        -2.196"
    bad = _mutated(tmp_path, data, ESBC_HOUR, lambda text: text.replace(line, line[:-6] + "-2.1x6", 1))
    assert np.array_equal(read_obs(bad, systems="C", codes=codes)["L2I"].values, some["L2I"].values, equal_nan=True)
    with pytest.raises(FormatError, match="D2I"):
        read_obs(bad, systems="C")


def _mutated(tmp_path, data, name, edit, suffix=".rnx"):
    text = read_bytes(data / name).decode("latin-1")
    out = tmp_path / f"mutated{suffix}"
    out.write_bytes(edit(text).encode("latin-1"))
    return out


def test_glonass_time_system_is_converted_to_gpst(data, tmp_path):
    # The same file declared in GLO time (RINEX: GLO observation epochs are UTC): 2010-03-05
    # UTC + 15 s = GPST (IERS Bulletin C: GPST - UTC = 15 s from 2009-01-01 to 2012-07-01).
    path = _mutated(tmp_path, data, "rinex2/demo.10o",
                    lambda t: t.replace("0.0000000    GPS         TIME OF FIRST OBS", "0.0000000    GLO         TIME OF FIRST OBS"))
    ds = read_obs(path)
    assert ds.attrs["time_system"] == "GLO"
    assert ds["time"].values[0] == np.datetime64("2010-03-05T00:00:15")


def test_power_failure_kept_and_cycle_slips_counted(data, tmp_path):
    def edit(text):
        text = text.replace("> 2020 06 25 00 00 30.0000000  0", "> 2020 06 25 00 00 30.0000000  1", 1)
        return text.replace("> 2020 06 25 00 01 00.0000000  0", "> 2020 06 25 00 01 00.0000000  6", 1)
    ds = read_obs(_mutated(tmp_path, data, ESBC_HOUR, edit))
    assert ds.sizes["time"] == 119
    assert ds["epoch_flag"].sel(time=np.datetime64("2020-06-25T00:00:30")).item() == 1
    assert np.isfinite(ds["C1C"].sel(time=np.datetime64("2020-06-25T00:00:30")).values).sum() > 20
    assert ds.attrs["skipped"]["cycle_slip_records"] == 1 and ds.attrs["skipped"]["cycle_slip_lines"] > 30


GEORINEX_FILES = [
    "rinex2/demo.10o", "rinex2/aopr0010.17o", "rinex2/KOSG0010.95O", "rinex2/14601736.18o",
    "rinex2/wsra0010.21o", "rinex2/demo3.10o", "phone/rinex_obs_mixed_types.20o",
    "short-obs/LAMA00POL_S_20261881407_04E_01S_MO.rnx", "full-day-obs/ALAC00ESP_R_20220090000_01D_30S_MO.rnx",
]


@pytest.mark.parametrize("name", GEORINEX_FILES)
def test_values_match_georinex(data, name):
    """Every value georinex (independent reader) finds, we find identically, and nothing more."""
    georinex = pytest.importorskip("georinex")
    from lodestar.io._obs_header import rinex2_code_to_rinex3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = georinex.load(data / name, useindicators=True)
    ds = read_obs(data / name)
    # georinex keeps microseconds only (python datetime)
    assert np.all(np.abs(ref["time"].values - ds["time"].values) < np.timedelta64(1, "us"))
    compared = 0
    for code in ref.data_vars:
        if code.endswith(("lli", "ssi")):
            _compare_indicator(ref, ds, code, rinex2_code_to_rinex3)
            continue
        for sv in ref["sv"].values:
            ours = rinex2_code_to_rinex3(sv[0], code) if ds.attrs["version"] < 3 else code
            expected = ref[code].sel(sv=sv).values
            if not np.isfinite(expected).any():
                continue
            np.testing.assert_array_equal(ds[ours].sel(sv=sv).values, expected, err_msg=f"{code} {sv}")
            compared += int(np.isfinite(expected).sum())
    ours_total = sum(int(np.isfinite(ds[c].values).sum()) for c in ds.data_vars if len(c) == 3)
    assert compared == ours_total > 0


def _compare_indicator(ref, ds, name, rinex2_code_to_rinex3):
    """georinex ``L1Clli`` (NaN = blank) against our ``L1C_lli`` (-1 = blank)."""
    code, kind = name[:-3], name[-3:]
    for sv in ref["sv"].values:
        ours = rinex2_code_to_rinex3(sv[0], code) if ds.attrs["version"] < 3 else code
        expected = ref[name].sel(sv=sv).values
        column = f"{ours}_{kind}"
        got = ds[column].sel(sv=sv).values.astype(float) if column in ds else np.full(len(expected), -1.0)
        np.testing.assert_array_equal(np.where(got < 0, np.nan, got), expected, err_msg=f"{name} {sv}")


def test_rinex2_multiline_types_and_last_record(data):
    ds = read_obs(data / "rinex2/rovn0010.21o")
    # "    11    C1    C2    C5    L1    L2    L5    P1    P2    S1# / TYPES OF OBSERV" + "          S2    S5"
    assert obs_codes(ds)["G"] == ["C1C", "C2X", "C5X", "L1C", "L2W", "L5X", "C1W", "C2W", "S1C", "S2W", "S5X"]
    # the file's last two lines (the third, S5-only line of this record is absent):
    # "  23299483.435 5  23299488.941 6                 124592794.93505  96905534.33106"
    # "                                                        33.826          38.444"
    last = ds.isel(time=-1)
    sv = last["sv"].values[last["C1C"].values == 23299483.435]
    assert list(sv) == ["R20"]  # GLONASS: C2 -> C2C, L2 -> L2P, S2 -> S2P
    rec = last.sel(sv="R20")
    assert rec["C1C_ssi"].item() == 5 and rec["C2C"].item() == 23299488.941 and np.isnan(rec["C5X"].item())
    assert rec["L1C"].item() == 124592794.935 and rec["L1C_ssi"].item() == 5 and rec["L2P"].item() == 96905534.331
    assert rec["S1C"].item() == 33.826 and rec["S2P"].item() == 38.444 and np.isnan(rec["S5X"].item())


def test_scale_factor_divides_values(data, tmp_path):
    # demo3.10o: "G 0001  12 L1C S1C L2P S2D C1P S1P C2P S2P C1C S1C D1C D2P  SYS / SCALE FACTOR";
    # RINEX 3.05 Table A2: stored = value x factor. The same file with factor 10:
    path = _mutated(tmp_path, data, "rinex2/demo3.10o", lambda t: t.replace("G 0001  12 L1C", "G 0010  12 L1C", 1))
    scaled, plain = read_obs(path), read_obs(data / "rinex2/demo3.10o")
    gps = [sv for sv in plain["sv"].values if sv[0] == "G"]
    np.testing.assert_array_equal(scaled["L1C"].sel(sv=gps).values, plain["L1C"].sel(sv=gps).values / 10)
    np.testing.assert_array_equal(scaled["C2P"].sel(sv=gps).values, plain["C2P"].sel(sv=gps).values / 10)
    np.testing.assert_array_equal(scaled["L1C"].sel(sv="R11").values, plain["L1C"].sel(sv="R11").values)
