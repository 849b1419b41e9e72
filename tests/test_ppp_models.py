"""Models added for PPP: Niell mapping, solid Earth tide, Moon position, Shapiro delay, BDS-2 code bias."""

from __future__ import annotations

import numpy as np

from lodestar.models.mapping import niell_mapping
from lodestar.models.relativity import shapiro_delay_m
from lodestar.frames import ecef_to_geodetic, enu_matrix
from lodestar.models.tides import moon_position_ecef_m, solid_earth_tide_m, step2_displacement_m
from lodestar.models.troposphere import black_eisner_mapping
from lodestar.positioning.ppp.corrections import bds2_code_bias_m
from lodestar.time import Time


def test_niell_is_one_at_zenith_and_agrees_with_black_eisner():
    # Niell (1996) mapping is normalised to 1 at 90 deg; the independent Black & Eisner model
    # (RTCA DO-229 A.4.2.4) agrees within ~2 % above 10 deg (Niell 1996 Fig. 4: differences of
    # mapping functions at 10 deg are ~1-2 %).
    elev = np.radians([90.0, 60.0, 30.0, 15.0, 10.0])
    hydro, wet = niell_mapping(np.radians(55.5), 20.0, 177, elev)
    assert abs(hydro[0] - 1.0) < 1e-9 and abs(wet[0] - 1.0) < 1e-9
    reference = black_eisner_mapping(elev)
    assert np.all(np.abs(hydro / reference - 1.0) < 0.02)
    assert np.all(np.abs(wet / reference - 1.0) < 0.02)
    assert hydro[-1] < wet[-1]  # the wet atmosphere is thinner: steeper mapping (Niell 1996)


def test_solid_tide_matches_iers_dehanttideinel_test_case():
    # IERS Conventions 2010 software DEHANTTIDEINEL.F, test case 1 (2009-04-13 0h UTC, station
    # 4075578.385 931852.890 4801570.154, Sun and Moon ECEF given): expected displacement
    # 0.07700420357108126, 0.06304056321824968, 0.05516568152597247 m (Steps 1 + 2). What is not
    # modelled (Step 1's out-of-phase and l^(1) terms) is below 1 mm; until Step 2 was (2026-12-08)
    # the tolerance was 8 mm (got - expected was -4.1 / -1.4 / -5.5 mm, now +0.3 / -0.7 / +0.6 mm).
    station = [4075578.385, 931852.890, 4801570.154]
    sun = [[137859926952.015, 54228127881.4350, 23509422341.6960]]
    moon = [[-179996231.920342, -312468450.131567, -169288918.592160]]
    when = np.array(["2009-04-13T00:00:15"], dtype="datetime64[ns]")  # UTC 0h = GPST 0h 0m 15 s
    got = solid_earth_tide_m(station, when, sun_m=sun, moon_m=moon)[0]
    expected = np.array([0.07700420357108126, 0.06304056321824968, 0.05516568152597247])
    assert np.all(np.abs(got - expected) < 0.001), got - expected


def test_step2_matches_the_iers_routines_test_cases():
    # IERS Conventions 2010 software, routines STEP2DIU and STEP2LON (DEHANTTIDEINEL.F), their test
    # case: station 4075578.385 931852.890 4801570.154 m, T = 0.1059411362080767 Julian centuries,
    # FHR = 0 h. Expected: diurnal band (4.193085327321285e-3, 1.456681241014607e-3,
    # 5.123366597450317e-3) m, long-period band (-9.780962849562108e-5, -2.236349699932734e-5,
    # 3.561945821351566e-4) m; step2_displacement_m returns their sum, or one band.
    diurnal = np.array([4.193085327321285e-3, 1.456681241014607e-3, 5.123366597450317e-3])
    long_period = np.array([-9.780962849562108e-5, -2.236349699932734e-5, 3.561945821351566e-4])
    station, t = [4075578.385, 931852.890, 4801570.154], [0.1059411362080767]
    np.testing.assert_allclose(step2_displacement_m(station, t, [0.0])[0], diurnal + long_period, rtol=0, atol=1e-9)
    np.testing.assert_allclose(step2_displacement_m(station, t, [0.0], bands=("diurnal",))[0], diurnal, rtol=0, atol=1e-9)
    np.testing.assert_allclose(step2_displacement_m(station, t, [0.0], bands=("long-period",))[0], long_period,
                               rtol=0, atol=1e-9)


def test_solid_tide_at_esbc_matches_pysolid_over_the_day():
    # An independent tool: pysolid 0.3.4 (PyPI; a wrapper of D. Milbert's ``solid``, IERS 2010 Steps
    # 1 and 2), ESBC at geodetic 55.49356784 N 8.45682953 E, 2020-06-25 every 4 h from 00:00 GPST
    # (its input in UTC, 18 s earlier): east / north / up in mm. Step 1 alone differed by up to 13 mm
    # in height (9.3 mm RMS over the day, the K1 resonance); with Step 2 by < 1 mm per axis (0.4 mm RMS).
    pysolid_enu_mm = np.array([[7.94, -16.83, -138.62], [-2.23, -21.12, -130.13], [27.44, -1.72, -109.22],
                               [38.81, -39.47, 48.56], [-30.42, -49.77, 74.84], [-38.90, -5.62, -94.99]])
    station = np.array([3582104.768, 532590.174, 5232755.144])
    times = Time(np.datetime64("2020-06-25T00:00", "ns") + np.arange(6) * np.timedelta64(4, "h"))
    lat, lon, _ = ecef_to_geodetic(station)
    enu_mm = 1e3 * solid_earth_tide_m(station, times) @ enu_matrix(lat, lon).T
    np.testing.assert_allclose(enu_mm, pysolid_enu_mm, rtol=0, atol=1.0)


def test_moon_distance_and_tide_amplitude_on_the_esbc_day():
    # Moon distance on 2020-06-25: 375,000-376,000 km (perigee 2020-06-30 at 368,959 km, apogee
    # 2020-06-15 at 404,597 km: USNO/JPL phase tables); ESBC's radial tide stays within +-30 cm.
    times = Time(np.arange(np.datetime64("2020-06-25T00:00", "ns"), np.datetime64("2020-06-26T00:00", "ns"),
                           np.timedelta64(1800, "s")))
    distance_km = np.linalg.norm(moon_position_ecef_m(times), axis=-1) / 1e3
    assert np.all((distance_km > 370_000) & (distance_km < 381_000))
    station = np.array([3582104.768, 532590.174, 5232755.144])
    radial = solid_earth_tide_m(station, times) @ (station / np.linalg.norm(station))
    assert radial.max() - radial.min() > 0.15 and np.all(np.abs(radial) < 0.30)


def test_shapiro_delay_for_a_gps_satellite_at_zenith():
    # IERS 2010 eq. 11.17 by hand: 2 GM/c^2 = 8.870 mm; r_s = 26,560 km, r_r = 6,371 km,
    # rho = 20,189 km -> ln(53,120 / 12,742) = 1.4276 -> 12.66 mm.
    receiver = np.array([6_371_000.0, 0.0, 0.0])
    satellite = np.array([26_560_000.0, 0.0, 0.0])
    assert abs(shapiro_delay_m(satellite, receiver) - 0.012663) < 0.0001


def test_bds2_code_bias_table_nodes():
    # Wanninger & Beer (2015) Table 2: MEO B1 at 90 deg +1.05 m, IGSO B3 at 0 deg -0.27 m,
    # interpolated linearly between 10-deg nodes; BDS-3 (C19) gets none.
    elev = np.radians(np.array([[90.0, 0.0, 45.0]]))
    b1 = bds2_code_bias_m(["C11", "C06", "C19"], "2", elev)
    b3 = bds2_code_bias_m(["C11", "C06", "C19"], "6", elev)
    assert abs(b1[0, 0] - 1.05) < 1e-12 and abs(b3[0, 1] + 0.27) < 1e-12 and b1[0, 2] == 0.0
