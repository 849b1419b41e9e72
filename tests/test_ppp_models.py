"""Models added for PPP: Niell mapping, solid Earth tide, Moon position, Shapiro delay, BDS-2 code bias."""

from __future__ import annotations

import numpy as np

from lodestar.models.mapping import niell_mapping
from lodestar.models.relativity import shapiro_delay_m
from lodestar.models.tides import moon_position_ecef_m, solid_earth_tide_m
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
    # 0.07700420357108126, 0.06304056321824968, 0.05516568152597247 m (Steps 1 + 2). Step 2 is
    # not modelled here; its K1 term alone reaches 13 mm radial (IERS 2010 Table 7.3a), so the
    # Step-1 value must agree within 8 mm per axis.
    station = [4075578.385, 931852.890, 4801570.154]
    sun = [[137859926952.015, 54228127881.4350, 23509422341.6960]]
    moon = [[-179996231.920342, -312468450.131567, -169288918.592160]]
    when = np.array(["2009-04-13T00:00:15"], dtype="datetime64[ns]")  # UTC 0h = GPST 0h 0m 15 s
    got = solid_earth_tide_m(station, when, sun_m=sun, moon_m=moon)[0]
    expected = np.array([0.07700420357108126, 0.06304056321824968, 0.05516568152597247])
    assert np.all(np.abs(got - expected) < 0.008), got - expected


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
