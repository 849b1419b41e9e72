"""The one time type: scales, weeks, leap seconds, TDB — against published definitions and skyfield."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, strategies as st

from lodestar.errors import LodestarError
from lodestar.time import Time, leap_seconds_gpst_utc


def test_gps_week_and_seconds_of_week():
    # ESBC day 2020-177 = GPS week 2111, day 4 (data README); 00:00 -> sow 4 * 86400 = 345600
    t = Time.from_week_sow(2111, 345600.0)
    assert t.to("gpst") == np.datetime64("2020-06-25T00:00:00")
    week, sow = t.week_sow()
    assert (week, sow) == (2111, 345600.0)


def test_utc_offset_2020_is_18_s():
    # IERS Bulletin C: TAI-UTC = 37 s since 2017-01-01, so GPST-UTC = 18 s
    t = Time.from_iso("2020-06-25T12:00:00", scale="utc")
    assert t.to("gpst") == np.datetime64("2020-06-25T12:00:18")
    assert leap_seconds_gpst_utc(t.gpst) == 18


def test_leap_second_boundary_2017():
    # The leap second inserted at the end of 2016-12-31 (IERS Bulletin C 52)
    before = Time.from_scale(np.datetime64("2017-01-01T00:00:16"), "gpst")
    after = Time.from_scale(np.datetime64("2017-01-01T00:00:18"), "gpst")
    assert before.to("utc") == np.datetime64("2016-12-31T23:59:59")
    assert after.to("utc") == np.datetime64("2017-01-01T00:00:00")


def test_glonass_time_is_utc_plus_three_hours():
    # GLONASS ICD 5.1 §3.3.3: GLONASST = UTC(SU) + 03 h 00 min
    t = Time.from_scale(np.datetime64("2020-06-25T03:00:00"), "glonasst")
    assert t.to("utc") == np.datetime64("2020-06-25T00:00:00")
    assert t.to("gpst") == np.datetime64("2020-06-25T00:00:18")


def test_bdt_is_gpst_minus_14_s_and_its_weeks_start_2006():
    # BDS-SIS-ICD-B1I 3.0 §4.2: BDT week 0 began 2006-01-01 00:00:00 UTC (= BDT); GPST-BDT = 14 s
    t = Time.from_week_sow(0, 0.0, scale="bdt")
    assert t.to("gpst") == np.datetime64("2006-01-01T00:00:14")
    gps_week, _ = t.week_sow("gpst")
    assert gps_week == 1356
    week, sow = Time.from_week_sow(2111, 345600.0).week_sow("bdt")
    assert week == 2111 - 1356 and sow == 345600.0 - 14.0


def test_tt_and_tdb_against_skyfield():
    # skyfield (an independent implementation) gives TT and TDB for the same UTC instants
    from skyfield.api import load

    ts = load.timescale(builtin=True)
    utc = [dt.datetime(2022, 1, 1, h, tzinfo=dt.timezone.utc) for h in (0, 6, 12)] + [
        dt.datetime(2023, 8, 19, 11, 10, tzinfo=dt.timezone.utc)
    ]
    sky = ts.from_datetimes(utc)
    ours = Time.from_scale(np.array([u.replace(tzinfo=None) for u in utc], dtype="datetime64[ns]"), "utc")
    jd_tt = np.add(*ours.jd("tt"))
    jd_tdb = np.add(*ours.jd("tdb"))
    np.testing.assert_allclose((jd_tt - sky.tt) * 86400, 0, atol=1e-5)  # 10 µs
    np.testing.assert_allclose((jd_tdb - sky.tdb) * 86400, 0, atol=5e-5)  # 50 µs (USNO C179 eq 2.6)


@given(st.integers(min_value=0, max_value=3_000_000_000), st.sampled_from(["utc", "glonasst", "bdt", "tt", "tdb", "gst"]))
def test_every_scale_round_trips(offset_s, scale):
    t = Time(np.datetime64("1985-01-01T00:00:00", "ns") + np.timedelta64(offset_s, "s"))
    back = Time.from_scale(t.to(scale), scale)
    # exact for all scales; TDB's inverse is iterated once: 1 µs
    assert abs(int((back.gpst - t.gpst).astype(np.int64))) <= (1000 if scale == "tdb" else 0)


def test_vectorized_and_iso_output():
    t = Time.from_iso(["2023-01-01T00:15:00", "2023-01-01T00:15:30"], scale="gpst")
    assert list(t.iso()) == ["2023-01-01T00:15:00", "2023-01-01T00:15:30"]
    assert t[1].seconds_since(t[0]) == 30.0


def test_zones_and_unknown_scales_are_refused_with_a_fix():
    with pytest.raises(LodestarError, match="scale="):
        Time.from_iso("2023-01-01T00:15:00Z", scale="utc")
    with pytest.raises(LodestarError, match="unknown time scale"):
        Time.from_iso("2023-01-01T00:15:00", scale="local")
