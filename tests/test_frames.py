"""Geodetic/ECEF/ENU conversions against skyfield's WGS-84 implementation and round trips."""

import numpy as np
from hypothesis import given, strategies as st

from lodestar.frames import azimuth_elevation, ecef_to_geodetic, geodetic_to_ecef


def test_against_skyfield_wgs84():
    from skyfield.api import wgs84

    for lat, lon, h in [(55.47, 8.45, 50.0), (-89.9, 123.4, 2000.0), (0.0, -179.5, -30.0)]:
        reference = wgs84.latlon(lat, lon, h).itrs_xyz.m
        np.testing.assert_allclose(geodetic_to_ecef(lat, lon, h), reference, atol=1e-4)


def test_esbc_header_position_is_in_esbjerg():
    # ESBC header APPROX POSITION (data README); Esbjerg, DK is at about 55.5 N, 8.4 E
    lat, lon, h = ecef_to_geodetic([3582105.2910, 532589.7313, 5232754.8054])
    assert 55.3 < lat < 55.6 and 8.3 < lon < 8.6 and 0 < h < 150


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-500, 4e7))
def test_round_trip_below_a_millimetre(lat, lon, h):
    back = ecef_to_geodetic(geodetic_to_ecef(lat, lon, h))
    again = geodetic_to_ecef(*back)
    np.testing.assert_allclose(again, geodetic_to_ecef(lat, lon, h), atol=1e-3)


def test_azimuth_elevation_of_points_straight_up_and_north():
    rx = geodetic_to_ecef(45.0, 10.0, 0.0)
    up = geodetic_to_ecef(45.0, 10.0, 20_000_000.0)
    north = geodetic_to_ecef(45.01, 10.0, 0.0)
    az, el = azimuth_elevation(rx, np.stack([up, north]))
    assert abs(el[0] - 90) < 1e-6
    assert abs(az[1]) < 0.01 or abs(az[1] - 360) < 0.01
    assert abs(el[1]) < 0.1
