"""Orbit kernels on navigation records written by hand from the ESBC 2020-177 file text.

Records: ``esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz`` (lines quoted below).
References: the precise orbit lines quoted from GRG (``GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz``,
centre of mass, IGb14) and IAC (``Sta21114.sp3.gz``) SP3 files of the same day, km.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from lodestar.lunar.analysis.relay import QUEQIAO2
from lodestar.orbits import BroadcastEphemeris
from lodestar.orbits.kepler import eccentric_anomaly
from lodestar.orbits.glonass import integrate_glonass
from lodestar.time import Time

G01_1400 = """\
G01 2020 06 25 14 00 00 1.630047336221e-05 6.934897101019e-12 0.000000000000e+00
     1.200000000000e+02-2.159375000000e+01 4.441613582462e-09-3.985887737938e-01
    -1.113861799240e-06 1.000312622637e-02 2.162531018257e-06 5.153706020355e+03
     3.960000000000e+05-5.774199962616e-08 2.572544842213e+00 1.396983861923e-07
     9.806491829690e-01 3.446250000000e+02 7.945669424796e-01-8.468567035523e-09
    -1.650068731986e-10 1.000000000000e+00 2.111000000000e+03 0.000000000000e+00
     2.000000000000e+00 0.000000000000e+00 5.122274160385e-09 1.200000000000e+02
     3.935580000000e+05 4.000000000000e+00"""
C05_1200 = """\
C05 2020 06 25 12 00 00-5.188415525481e-04-6.705658250894e-11 0.000000000000e+00
     1.000000000000e+00-7.423281250000e+02 6.364907981108e-09 2.546968722968e+00
    -2.396851778030e-05 3.758134553209e-04 6.952323019505e-06 6.493356378555e+03
     3.888000000000e+05 1.001171767712e-07 2.662878535580e-01 6.984919309616e-08
     6.499528221725e-02-2.130312500000e+02 1.431258377153e+00-5.347722754118e-09
    -6.732423289596e-10 0.000000000000e+00 7.550000000000e+02 0.000000000000e+00
     2.000000000000e+00 0.000000000000e+00 1.000000000000e-10-9.300000000000e-09
     3.888276000000e+05 0.000000000000e+00"""
C30_0700 = """\
C30 2020 06 25 07 00 00 3.370256163180e-04 5.597300400950e-12 0.000000000000e+00
     1.000000000000e+00 1.100625000000e+02 3.645866150674e-09 9.384582700738e-01
     5.496665835381e-06 4.359143786132e-04 3.785360604525e-06 5.282618921280e+03
     3.708000000000e+05-7.636845111847e-08 1.841962157803e+00-3.213062882423e-08
     9.649995846318e-01 2.875468750000e+02 4.048803309481e-01-6.999577274775e-09
     2.185805333280e-10 0.000000000000e+00 7.550000000000e+02 0.000000000000e+00
     2.000000000000e+00 0.000000000000e+00-9.600000000000e-09-9.600000000000e-09
     3.708180000000e+05 1.000000000000e+00"""
R01_0915 = """\
R01 2020 06 25 09 15 00 6.358139216900e-05 0.000000000000e+00 3.780000000000e+05
    -9.843280273438e+03 2.192020416260e-01 9.313225746155e-10 0.000000000000e+00
     1.419497558594e+04-2.560054779053e+00 3.725290298462e-09 1.000000000000e+00
     1.876793359375e+04 2.053466796875e+00-0.000000000000e+00 0.000000000000e+00"""

_KEPLER_ORDER = ["iode", "crs_m", "delta_n_radps", "m0_rad", "cuc_rad", "e", "cus_rad", "sqrt_a_sqrtm",
                 "toe_sow", "cic_rad", "omega0_rad", "cis_rad", "i0_rad", "crc_m", "omega_rad",
                 "omega_dot_radps", "idot_radps", "spare1", "week", "spare2", "sv_accuracy_m", "health"]
_GLONASS_ORDER = ["x_m", "vx_mps", "ax_mps2", "health", "y_m", "vy_mps", "ay_mps2", "freq_channel",
                  "z_m", "vz_mps", "az_mps2", "age_days"]


def _numbers(text: str):
    """RINEX 3 navigation record text -> (sv, epoch text, header values, orbit values)."""
    lines = text.splitlines()
    head = [float(lines[0][23 + 19 * i: 42 + 19 * i]) for i in range(3)]
    orbit = [float(line[4 + 19 * i: 23 + 19 * i]) for line in lines[1:] for i in range(4)
             if line[4 + 19 * i: 23 + 19 * i].strip()]
    return lines[0][:3], lines[0][4:23], head, orbit


def kepler_record(text: str, scale: str, message: str) -> dict:
    sv, epoch, head, orbit = _numbers(text)
    rec = dict(zip(_KEPLER_ORDER, orbit))
    rec.update(sv=sv, message=message, line=1, af0_s=head[0], af1_sps=head[1], af2_sps2=head[2])
    rec["toc"] = Time.from_scale(np.datetime64(epoch.replace(" ", "-", 2).replace(" ", "T", 1).replace(" ", ":")), scale).gpst
    rec["toe"] = Time.from_week_sow(rec["week"], rec["toe_sow"], scale).gpst
    return rec


def glonass_record(text: str) -> dict:
    sv, epoch, head, orbit = _numbers(text)
    rec = dict(zip(_GLONASS_ORDER, orbit))
    rec = {k: v * 1000.0 if k[0] in "xyzv" or k.startswith("a") and k != "age_days" else v for k, v in rec.items()}
    rec.update(sv=sv, message="FDMA", line=1, tau_n_s=head[0], gamma_n=head[1], frame_time_s=head[2])
    rec["toc"] = Time.from_scale(np.datetime64(epoch.replace(" ", "-", 2).replace(" ", "T", 1).replace(" ", ":")), "utc").gpst
    return rec


def nav_of(*records_by_system) -> SimpleNamespace:
    """A stand-in with the ``records`` mapping of ``NavData`` (architecture.md)."""
    tables = {}
    for letter, records in records_by_system:
        tables[letter] = pd.DataFrame(records)
    return SimpleNamespace(records=tables)


def _gpst(text):
    return Time.from_iso([text], scale="gpst")


def test_glonass_state_at_reference_time_is_the_record():
    rec = glonass_record(R01_0915)
    eph = BroadcastEphemeris(nav_of(("R", [rec])))
    st = eph.states(Time(np.array([rec["toc"]])), ["R01"])
    assert st.valid.all()
    expected = [rec["x_m"], rec["y_m"], rec["z_m"]]
    np.testing.assert_allclose(st.position_m[0, 0], expected, atol=1e-9)
    np.testing.assert_allclose(st.velocity_mps[0, 0], [rec["vx_mps"], rec["vy_mps"], rec["vz_mps"]], atol=1e-12)
    assert st.clock_s[0, 0] == rec["tau_n_s"]
    assert eph.glonass_channels == {"R01": 1}


def test_glonass_60s_step_agrees_with_1s_step_over_15_minutes():
    rec = glonass_record(R01_0915)
    pos0 = np.array([[rec["x_m"], rec["y_m"], rec["z_m"]]] * 2)
    vel0 = np.array([[rec["vx_mps"], rec["vy_mps"], rec["vz_mps"]]] * 2)
    acc = np.array([[rec["ax_mps2"], rec["ay_mps2"], rec["az_mps2"]]] * 2)
    dt = np.array([900.0, -900.0])
    coarse, coarse_v = integrate_glonass(pos0, vel0, acc, dt, max_step_s=60.0)
    fine, fine_v = integrate_glonass(pos0, vel0, acc, dt, max_step_s=1.0)
    assert np.abs(coarse - fine).max() < 1e-3  # 1 mm
    assert np.abs(coarse_v - fine_v).max() < 1e-6  # 1 µm/s


def test_glonass_broadcast_matches_grg_precise_orbit():
    # GRG SP3 at 2020-06-25 09:15:00 GPST: "PR01  -9847.256958  14241.009832  18730.899634"
    # the record's t_b is 09:15:00 UTC(SU)-3h = 09:15:18 GPST, so this also checks the time scale
    rec = glonass_record(R01_0915)
    st = BroadcastEphemeris(nav_of(("R", [rec]))).states(_gpst("2020-06-25T09:15:00"), ["R01"])
    precise = np.array([-9847.256958, 14241.009832, 18730.899634]) * 1e3
    assert np.linalg.norm(st.position_m[0, 0] - precise) < 5.0  # GLONASS broadcast: a few metres


def test_gps_broadcast_matches_grg_precise_orbit():
    # GRG SP3 at 2020-06-25 14:00:00 GPST: "PG01  14576.603363 -20288.020946   8274.960644"
    st = BroadcastEphemeris(nav_of(("G", [kepler_record(G01_1400, "gpst", "LNAV")]))).states(
        _gpst("2020-06-25T14:00:00"), ["G01"])
    precise = np.array([14576.603363, -20288.020946, 8274.960644]) * 1e3
    assert np.linalg.norm(st.position_m[0, 0] - precise) < 3.0  # GPS broadcast ~1 m, + APC offset
    # GRG clock column 16.301652 µs. IGS clocks, like the broadcast polynomial, leave out the periodic
    # relativistic term (IGS SP3-d §2), so the two compare directly (ns level, GRG datum ~ GPST)
    assert abs(st.clock_s[0, 0] - 16.301652e-6) < 5e-9
    assert abs(st.relativity_s[0, 0]) < 4.44e-10 * 0.0101 * 5153.7  # |F e sqrt(A)| bound


def test_beidou_geo_and_meo_match_iac_precise_orbit():
    # IAC Sta21114.sp3 2020-06-25 12:00:00: "PC05  21871.938479  36044.489311   1111.200443"
    #                        07:00:00: "PC30   7291.878204  15040.475866  22337.127073"
    nav = nav_of(("C", [kepler_record(C05_1200, "bdt", "D2"), kepler_record(C30_0700, "bdt", "D1")]))
    eph = BroadcastEphemeris(nav)
    times = Time.from_iso(["2020-06-25T12:00:00", "2020-06-25T07:00:00"], scale="gpst")
    st = eph.states(Time(np.array([[times.gpst[0], times.gpst[1]]])), ["C05", "C30"])
    assert st.valid.all()
    geo = np.array([21871.938479, 36044.489311, 1111.200443]) * 1e3
    meo = np.array([7291.878204, 15040.475866, 22337.127073]) * 1e3
    # BDS GEO: several metres, mostly along-track (where GEO precise orbits are weakest too);
    # the radial part is well determined: the GEO rotation done wrong would give kilometres
    delta = st.position_m[0, 0] - geo
    assert np.linalg.norm(delta) < 20.0
    assert abs(delta @ geo / np.linalg.norm(geo)) < 2.0
    assert np.linalg.norm(st.position_m[0, 1] - meo) < 3.0  # BDS-3 MEO: about a metre (+ APC)


def test_kepler_velocity_is_the_derivative_of_position():
    nav = nav_of(("C", [kepler_record(C05_1200, "bdt", "D2"), kepler_record(C30_0700, "bdt", "D1")]),
                 ("G", [kepler_record(G01_1400, "gpst", "LNAV")]))
    eph = BroadcastEphemeris(nav)
    t = Time.from_iso(["2020-06-25T12:20:00", "2020-06-25T07:20:00", "2020-06-25T14:20:00"], scale="gpst").gpst
    grid = Time(np.array([t, t + np.timedelta64(1, "s"), t - np.timedelta64(1, "s")]))
    st = eph.states(grid, ["C05", "C30", "G01"])
    numeric = (st.position_m[1] - st.position_m[2]) / 2.0
    np.testing.assert_allclose(st.velocity_mps[0], numeric, atol=1e-3)  # 1 mm/s


def test_no_record_gives_nan_and_reason_never_extrapolation():
    rec = glonass_record(R01_0915)
    unhealthy = dict(rec, sv="R02", health=1.0)
    missing = dict(rec, sv="R03", x_m=np.nan)
    eph = BroadcastEphemeris(nav_of(("R", [rec, unhealthy, missing])))
    t = Time(np.array([rec["toc"], rec["toc"] + np.timedelta64(16, "m")]))
    st = eph.states(t, ["R01", "R02", "R03", "R04", "C01"])
    assert st.valid.tolist() == [[True, False, False, False, False], [False] * 5]
    assert st.reason[0, 1].startswith("unhealthy")
    assert st.reason[0, 2] == "navigation record lacks x_m"
    assert st.reason[0, 3] == "no navigation record"
    assert st.reason[1, 0] == "no record within ±0.25 h"
    assert np.isnan(st.position_m[1]).all() and np.isnan(st.clock_s[0, 1:]).all()


def test_duplicated_record_is_named_and_the_first_copy_used():
    rec = glonass_record(R01_0915)
    copy = dict(rec, line=2, x_m=rec["x_m"] + 1000.0)  # same slot and t_b, different content
    eph = BroadcastEphemeris(nav_of(("R", [rec, copy])), glonass_channels={"R05": 1})
    records = eph.systems["R"]
    assert records.reason.tolist() == ["", "duplicate record"]
    st = eph.states(Time(np.array([rec["toc"]])), ["R01"])
    assert st.record_line[0, 0] == 1 and st.position_m[0, 0, 0] == rec["x_m"]
    assert eph.glonass_channels == {"R01": 1, "R05": 1}


def test_one_kepler_solver_for_gnss_and_the_lunar_relay():
    """orbits.kepler.eccentric_anomaly is the only solver; it agrees with bisection for e up to 0.8.

    Reference: Kepler's equation solved independently by scipy's brentq on [M - e, M + e]
    (the root lies there since |E - M| = |e sin E| <= e).
    """
    m = np.linspace(-7.0, 40.0, 301)  # GNSS passes M0 + n tk unreduced
    for e in (0.0, 0.003, 0.02, 0.3, QUEQIAO2.e):
        ecc = eccentric_anomaly(m, e)
        ref = np.array([brentq(lambda x, mi=mi: x - e * np.sin(x) - mi, mi - e - 1e-9, mi + e + 1e-9, xtol=1e-15)
                        for mi in m])
        assert np.abs(ecc - ref).max() < 1e-11  # rad; 1e-11 rad x 26,600 km = 0.3 mm on a GPS orbit
    assert 0.79 < QUEQIAO2.e < 0.81
