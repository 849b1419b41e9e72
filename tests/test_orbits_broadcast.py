"""Broadcast ephemerides through the RINEX navigation reader on real files.

- TLSE 2024-001 IGS merged navigation: BeiDou GEO and IGSO geometry over the whole day.
- ESBC 2020-177 navigation: selection, reasons, channels, (T, S) transmit times.
"""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.frames import ecef_to_geodetic
from lodestar.io.rinex_nav import read_nav
from lodestar.orbits import BroadcastEphemeris
from lodestar.time import Time

DAY_2024 = np.datetime64("2024-01-01T00:00:00", "ns") + np.arange(288) * np.timedelta64(300, "s")
DAY_2020 = np.datetime64("2020-06-25T00:00:00", "ns") + np.arange(2880) * np.timedelta64(30, "s")


@pytest.fixture(scope="module")
def tlse_eph(data):
    return BroadcastEphemeris(read_nav(data / "tlse-2024-001" / "BRDC00IGS_R_20240010000_01D_MN.rnx.gz"))


@pytest.fixture(scope="module")
def esbc_eph(esbc):
    return BroadcastEphemeris(read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))


# Nominal GEO longitudes, deg E: C02 (84°E after relocation), C03 110.5, C04 160, C05 58.75, C59 140,
# C60 80: China Satellite Navigation Office, BDS constellation status (www.csno-tarc.cn/en/system/
# constellation, 2024); C01 at 144.5°E (relocated from 140°E in 2023, ibid.).
GEO_LONGITUDE_DEG = {"C01": 144.5, "C02": 84.0, "C03": 110.5, "C04": 160.0, "C05": 58.75, "C59": 140.0, "C60": 80.0}


def test_beidou_geos_stay_in_a_small_box_all_day(tlse_eph):
    svs = list(GEO_LONGITUDE_DEG)
    st = tlse_eph.states(Time(DAY_2024), svs)
    assert st.valid.all()
    lat, lon, height = ecef_to_geodetic(st.position_m)
    # geostationary: height 35786 km (r = 42164 km); BDS GEO inclinations stay below ~2.5°
    assert np.abs(height / 1e3 - 35786.0).max() < 60.0
    assert np.abs(lat).max() < 2.5
    assert (lon.max(axis=0) - lon.min(axis=0)).max() < 0.3  # daily longitude drift box, deg
    np.testing.assert_allclose(lon.mean(axis=0), list(GEO_LONGITUDE_DEG.values()), atol=0.3)


def test_beidou_igso_traces_its_figure_eight(tlse_eph):
    svs = ["C06", "C07", "C08", "C09", "C10", "C13", "C16", "C38", "C39", "C40"]
    st = tlse_eph.states(Time(DAY_2024), svs)
    assert st.valid.all()
    lat, lon, _ = ecef_to_geodetic(st.position_m)
    radius_km = np.linalg.norm(st.position_m, axis=-1) / 1e3
    # IGSO: geosynchronous radius (42164 km, e < 0.01), inclination 55°, longitude swing < 45°
    assert np.abs(radius_km - 42164.0).max() < 500.0
    np.testing.assert_allclose(np.abs(lat).max(axis=0), 55.0, atol=7.0)
    assert ((lon.max(axis=0) - lon.min(axis=0)) < 45.0).all()


def test_unhealthy_beidou_geo_is_reported(tlse_eph):
    # C62 is broadcast with SatH1 = 1 on 2024-01-01 (navigation file text)
    st = tlse_eph.states(Time(DAY_2024[:3]), ["C62"])
    assert not st.valid.any()
    assert set(st.reason.ravel()) == {"unhealthy (health=1)"}
    assert np.isnan(st.position_m).all()


def test_glonass_channels_from_the_navigation_records(esbc_eph):
    # channel plan written in the records of the ESBC navigation file (fourth number of orbit line 2)
    expected = {"R01": 1, "R02": -4, "R03": 5, "R04": 6, "R05": 1, "R09": -2, "R11": 0, "R14": -7,
                "R17": 4, "R18": -3, "R19": 3, "R20": 2, "R21": 4, "R23": 3, "R24": 2}
    channels = esbc_eph.glonass_channels
    assert {sv: channels[sv] for sv in expected} == expected


def test_per_satellite_transmit_times(esbc_eph):
    t = Time(DAY_2020[480:482])  # 04:00:00 and 04:00:30
    everyone = esbc_eph.states(t, esbc_eph.svs)
    # one satellite of each system with a record at that time
    svs = [next(sv for sv, ok in zip(everyone.sv, everyone.valid.all(axis=0)) if ok and sv[0] == s) for s in "GREC"]
    together = esbc_eph.states(t, svs)
    travel = np.array([0.067, 0.071, 0.080, 0.075])  # different light times per satellite, s
    shifted = Time(t.gpst[:, None] - (travel * 1e9).astype("timedelta64[ns]"))
    per_sv = esbc_eph.states(shifted, svs)
    ok = together.valid & per_sv.valid
    assert ok.all()
    speed = np.linalg.norm(together.velocity_mps, axis=-1)
    moved = np.linalg.norm(together.position_m - per_sv.position_m, axis=-1)
    np.testing.assert_allclose(moved[ok], (speed * travel)[ok], rtol=1e-3)


def test_whole_day_every_cell_is_valid_or_has_a_reason(esbc_eph):
    svs = [sv for sv in esbc_eph.svs if sv[0] in "GREC"]
    st = esbc_eph.states(Time(DAY_2020[::10]), svs)
    assert (st.reason[st.valid] == "").all()
    assert (st.reason[~st.valid] != "").all()
    assert np.isfinite(st.position_m[st.valid]).all() and np.isnan(st.position_m[~st.valid]).all()
    radius = np.linalg.norm(st.position_m[st.valid], axis=-1)
    assert radius.min() > 25.4e6 and radius.max() < 42.6e6  # GLONASS (25 500 km) to GEO radius
    # Galileo E14/E18 are broadcast unhealthy (eccentric orbits, health bits 0x186)
    e14 = list(svs).index("E14")
    assert not st.valid[:, e14].any()


def test_a_file_whose_galileo_records_are_all_fnav(data):
    """nav-misc/BRDC00GOP_R_20210010000 holds one record each of R10, E03 (F/NAV only) and C01. Galileo's
    default message is I/NAV, so no Galileo record is selected; the empty selection's health masks were a
    float array and the bitwise health test raised TypeError (``lodestar map`` and ``solve`` crashed)."""
    eph = BroadcastEphemeris(read_nav(data / "nav-misc" / "BRDC00GOP_R_20210010000_01D_MN.rnx.gz"))
    assert set(eph.svs) == {"R10", "C01"}
    st = eph.states(Time(np.array(["2021-01-01T07:15:00"], dtype="datetime64[ns]")), ["R10", "E03"])  # R10's toc
    assert st.valid[0].tolist() == [True, False] and st.reason[0, 1] == "no navigation record"


def _damaged_nav(esbc, tmp_path, sv, edit):
    """ESBC's navigation file with the first record of ``sv`` edited by ``edit(lines, first_line_index)``."""
    from lodestar.io.compression import read_bytes

    lines = read_bytes(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz").decode().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{sv} "))
    edit(lines, at)
    path = tmp_path / f"{sv}_damaged_MN.rnx"
    path.write_text("".join(lines))
    return path, at + 1


@pytest.mark.parametrize(("sv", "field", "value", "reason"), [
    ("G13", (2, 61, 80), 1e6, "orbit radius outside the system's band"),  # sqrt(A) 1e6 sqrt(m): 1e12 m
    ("G13", (0, 23, 42), 0.5, "satellite clock offset beyond the ICD range"),  # af0 0.5 s
    ("G13", (2, 23, 42), 1.5, "gives no finite state"),  # e = 1.5: no ellipse
])
def test_orbit_tools_set_damaged_records_aside_naming_them(esbc, tmp_path, sv, field, value, reason):
    """A record that gives a state no satellite can have (bad-values sweep, 2026-12-08: `orbits` wrote positions
    1e12 m off and `sisre` a GPS RMS of 3e12 m, without a word) is left out of the orbit table and SISRE, and
    named with the record's line (RINEX 3.05 Table A6: af0 on the record's first line, e and sqrt(A) in
    broadcast orbit 2)."""
    from lodestar.orbits.table import orbit_table

    line_index, start, stop = field

    def edit(lines, at):
        row = lines[at + line_index]
        lines[at + line_index] = row[:start] + f"{value:19.12E}" + row[stop:]

    nav, line = _damaged_nav(esbc, tmp_path, sv, edit)
    table, summary = orbit_table([nav], "2020-06-25T00:00", "2020-06-25T01:00", 300.0, systems="G")
    assert np.all(np.abs(table[["x_m", "y_m", "z_m"]].to_numpy()) < 3e7)
    assert np.all(np.abs(table["clock_s"].to_numpy()) < 1e-3)
    left = summary["left_out_by_reason"]
    assert any(reason in r for r in left), left
    if "finite" not in reason:
        assert any(w.startswith(f"{sv}: ") and reason in w and f"line {line}" in w for w in summary["product_warnings"])


def test_a_record_with_a_field_that_is_no_number_costs_only_that_record(esbc, tmp_path, capsys):
    """"NaN" written in G13's M0 (bad-values sweep, 2026-12-08): the whole file was refused, and a batch failed every
    station-day of the day. The record is left out, named on the terminal, and the hour is solved."""
    from lodestar.cli import main

    def edit(lines, at):
        row = lines[at + 1]
        lines[at + 1] = row[:61] + f"{'NaN':>19}" + row[80:]

    nav, line = _damaged_nav(esbc, tmp_path, "G13", edit)
    code = main(["solve", str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"), "--nav", str(nav),
                 "--systems", "GREC", "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code == 0
    assert f"line {line + 1}: expected m0_rad (orbit line 1) (a number in columns 62-80)" in err
    assert "the record of G13 is left out" in err


def test_duplicate_records_that_differ_are_named(data, esbc, tmp_path):
    """Two records of one satellite for one reference time with different orbits or clocks: the first is used (as
    before) and the conflict is named with both lines (bad-values sweep, 2026-12-08: a copy of G13's record with af0
    + 1e-7 s, 30 m, went unsaid). Real merged files hold such pairs: IGS's BRDC of 2020-05-15 has two different
    E24 orbits for 00:00 (lines 147 and 155). An identical copy is only a duplicate."""
    nav = read_nav(data / "nav-misc" / "BRDC00IGS_R_20201360000_01D_MN.rnx")
    conflicts = BroadcastEphemeris(nav).warnings
    assert any(w.startswith("E24: two records for 2020-05-15T00:00:00 differ") and "lines 147 and 155" in w
               for w in conflicts)

    def copy_with_other_af0(lines, at):
        record = lines[at:at + 8]
        changed = record[0][:23] + f"{float(record[0][23:42]) + 1e-7:19.12e}" + record[0][42:]
        lines[at + 8:at + 8] = [changed] + record[1:]

    path, line = _damaged_nav(esbc, tmp_path, "G13", copy_with_other_af0)
    warned = BroadcastEphemeris(read_nav(path)).warnings
    assert [w for w in warned if w.startswith("G13:")] == [
        f"G13: two records for 2020-06-25T00:00:00 differ (af0_s, lines {line} and {line + 8}): the first is used"]

    def identical_copy(lines, at):
        lines[at + 8:at + 8] = lines[at:at + 8]

    path, _ = _damaged_nav(esbc, tmp_path, "G13", identical_copy)
    assert not [w for w in BroadcastEphemeris(read_nav(path)).warnings if w.startswith("G13:")]


def test_solve_names_the_record_of_an_impossible_state(esbc, tmp_path, capsys):
    """af0 = 0.5 s in G13's record: its cells are screened as before (beyond the ICD's +-0.977 ms) and the warning
    now names the record's line, not only the satellite (bad-values sweep, 2026-12-08)."""
    from lodestar.cli import main

    def edit(lines, at):
        lines[at] = lines[at][:23] + f"{0.5:19.12E}" + lines[at][42:]

    nav, line = _damaged_nav(esbc, tmp_path, "G13", edit)
    assert main(["solve", str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"), "--nav", str(nav),
                 "--systems", "GREC", "--out", str(tmp_path / "x.csv")]) == 0
    assert (f"e.g. G13 (navigation record at line {line}), 'satellite clock offset beyond the ICD range'"
            in capsys.readouterr().err)


def test_solve_names_a_record_that_gives_no_state(esbc, tmp_path, capsys):
    """e = 1.5 in G13's record: no ellipse, so no state; its cells were counted in the JSON only (below the 10 %
    'no orbit' warning). The record is named whatever the share; a healthy file says nothing of the kind."""
    from lodestar.cli import main

    def edit(lines, at):
        lines[at + 2] = lines[at + 2][:23] + f"{1.5:19.12E}" + lines[at + 2][42:]

    nav, line = _damaged_nav(esbc, tmp_path, "G13", edit)
    hour = str(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx")
    assert main(["solve", hour, "--nav", str(nav), "--systems", "GREC", "--out", str(tmp_path / "x.csv")]) == 0
    assert (f"observed satellite-epochs without orbit for a damaged navigation record: 'navigation record (line "
            f"{line}) gives no finite state' 120") in capsys.readouterr().err
    assert main(["solve", hour, "--nav", str(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"), "--systems", "GREC",
                 "--out", str(tmp_path / "y.csv")]) == 0
    assert "damaged navigation record" not in capsys.readouterr().err
