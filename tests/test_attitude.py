"""Satellite attitude (lodestar.models.attitude): angles against an independent computation, the
manoeuvres against their published properties, nominal yaw against the former orbits.antenna axes."""

from datetime import UTC
from pathlib import Path

import numpy as np
import pytest

from lodestar.models import attitude
from lodestar.models.attitude import (
    nominal_yaw_rad,
    satellite_attitude,
    sun_position_ecef_m,
    yaw_steering_axes,
)
from lodestar.time import Time

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "esbc-2020-177"
OMEGA_E = 7.2921151467e-5  # rad/s, IS-GPS-200 / WGS-84
GM = 3.986004418e14  # m^3/s^2, WGS-84


def _grg_states(svs, hours=24.0, step_s=300):
    from lodestar.io.sp3 import read_sp3
    from lodestar.orbits import PreciseEphemeris

    eph = PreciseEphemeris([read_sp3(DATA / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz"),
                            read_sp3(DATA / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")])
    start = np.datetime64("2020-06-25T00:00:00", "ns")
    times = Time(start + np.arange(0, int(hours * 3600), step_s).astype("timedelta64[s]"))
    return times, eph.states(times, svs)


def test_beta_and_orbit_angle_against_skyfield_de421():
    """beta from the Keplerian formula (i, Omega in GCRS by skyfield, Sun's ecliptic longitude from
    DE421): sin(beta) = cos(G) sin(O) sin(i) - sin(G) cos(e) cos(O) sin(i) + sin(G) sin(e) cos(i);
    the Sun-Earth-satellite angle obeys r^.s^ = -cos(beta) cos(mu) (mu from orbit midnight)."""
    import skyfield_data
    from skyfield.api import load, load_file
    from skyfield.framelib import ecliptic_J2000_frame, itrs

    times, st = _grg_states(["G01", "R07", "E08"], hours=6, step_s=1800)
    ts = load.timescale(builtin=True)
    utc = times.to("utc").astype("datetime64[us]").astype(object)
    t = ts.from_datetimes([d.replace(tzinfo=UTC) for d in utc])
    planets = load_file(str(Path(skyfield_data.__file__).parent / "data" / "de421.bsp"))
    sun_gcrs = planets["earth"].at(t).observe(planets["sun"]).position.m.T  # (T, 3), astrometric
    _, lon_sun, _ = planets["earth"].at(t).observe(planets["sun"]).frame_latlon(ecliptic_J2000_frame)
    gamma = lon_sun.radians
    rot = itrs.rotation_at(t)  # (3, 3, T) GCRS -> ITRS
    att = satellite_attitude(np.array(["G01", "R07", "E08"]), times, st.position_m, st.velocity_mps)
    eps = np.radians(23.4392911)  # mean obliquity J2000 (IAU 1980)
    for j in range(3):
        r_itrs, v_itrs = st.position_m[:, j], st.velocity_mps[:, j]
        v_in = v_itrs + np.cross([0, 0, OMEGA_E], r_itrs)
        r_g = np.einsum("jit,tj->ti", rot, r_itrs)
        v_g = np.einsum("jit,tj->ti", rot, v_in)
        h = np.cross(r_g, v_g)
        inc = np.arccos(h[:, 2] / np.linalg.norm(h, axis=1))
        raan = np.arctan2(h[:, 0], -h[:, 1])
        sin_beta = (np.cos(gamma) * np.sin(raan) * np.sin(inc) - np.sin(gamma) * np.cos(eps) * np.cos(raan)
                    * np.sin(inc) + np.sin(gamma) * np.sin(eps) * np.cos(inc))
        assert np.degrees(np.abs(np.arcsin(sin_beta) - att.beta_rad[:, j])).max() < 0.02  # deg
        cos_angle = np.einsum("ti,ti->t", r_g / np.linalg.norm(r_g, axis=1)[:, None],
                              sun_gcrs / np.linalg.norm(sun_gcrs, axis=1)[:, None])
        expected = -np.cos(att.beta_rad[:, j]) * np.cos(att.mu_rad[:, j])
        assert np.abs(cos_angle - expected).max() < 1e-3  # ~0.06 deg
        # mu advances along the motion at ~360 deg per orbit (GPS 11.97 h, GLONASS 11.26 h, Galileo 14.08 h)
        assert np.all(np.mod(np.diff(att.mu_rad[:, j]), 2 * np.pi) < np.pi)


def test_nominal_yaw_equals_former_yaw_steering_axes_away_from_manoeuvres():
    svs = ["G01", "G02", "R07", "E08", "E11"]
    times, st = _grg_states(svs)
    att = satellite_attitude(np.array(svs), times, st.position_m, st.velocity_mps)
    x, _y, z = yaw_steering_axes(st.position_m, sun_position_ecef_m(times)[:, None, :])
    nominal = att.mode == "nominal"
    assert nominal.mean() > 0.9
    angle = np.degrees(np.arccos(np.clip(np.einsum("tsk,tsk->ts", x, att.x), -1, 1)))
    assert np.nanmax(angle[nominal]) < 0.01  # deg: same axes (Earth-Sun vs satellite-Sun line: < 1e-3)
    assert np.nanmax(np.abs(np.einsum("tsk,tsk->ts", z, att.z) - 1)[nominal]) < 1e-12


def test_gps_iif_turns_on_the_esbc_day_are_continuous_at_the_hardware_rate():
    """G25/G26 (IIF) have |beta| < 4 deg on 2020-06-25: noon turns at 0.11 deg/s (Dilssner 2010) and
    shadow crossings at constant rate (Kuang et al. 2017); the yaw never jumps."""
    times, st = _grg_states(["G25", "G26"], step_s=30)
    att = satellite_attitude(np.array(["G25", "G26"]), times, st.position_m, st.velocity_mps)
    assert {"noon-turn", "shadow"} <= set(np.unique(att.mode))
    rate = np.degrees(np.abs(np.angle(np.exp(1j * np.diff(att.yaw_rad, axis=0))))) / 30.0
    noon = (att.mode[1:] == "noon-turn") & (att.mode[:-1] == "noon-turn")
    assert np.nanmax(rate) < 0.11 + 1e-3
    assert np.allclose(rate[noon], 0.11, atol=1e-3)


def _synthetic(beta_deg, radius_m, hours, step_s=10.0, start_deg=-200.0):
    """Circular orbit with the Sun fixed at elevation beta above its plane (inertial = ECEF here:
    velocity returned as ECEF, i.e. minus omega x r, since satellite_attitude adds it back)."""
    beta = np.radians(beta_deg)
    rate = np.sqrt(GM / radius_m ** 3)
    t = np.arange(0.0, hours * 3600.0, step_s)
    u = np.radians(start_deg) + rate * t  # angle from the noon direction (x axis)
    pos = radius_m * np.stack([np.cos(u), np.sin(u), np.zeros_like(u)], axis=-1)
    vel = radius_m * rate * np.stack([-np.sin(u), np.cos(u), np.zeros_like(u)], axis=-1)
    vel_ecef = vel - np.cross([0, 0, OMEGA_E], pos)
    sun = 1.496e11 * np.array([np.cos(beta), 0.0, np.sin(beta)])
    times = Time(np.datetime64("2020-06-25T00:00:00", "ns") + (t * 1e9).astype("timedelta64[ns]"))
    return times, pos[:, None, :], vel_ecef[:, None, :], np.broadcast_to(sun, (t.size, 1, 3)).copy()


def _yaw_rate_degps(att, step_s):
    return np.degrees(np.angle(np.exp(1j * np.diff(att.yaw_rad[:, 0])))) / step_s


def test_glonass_m_noon_turn_at_0_25_deg_per_s_centred_on_noon():
    """Dilssner et al. (2011), ASR 47:1: GLONASS-M noon turns at the maximum rate 0.25 deg/s,
    centred on noon (mu = 180 deg); outside the turn the nominal yaw."""
    times, pos, vel, sun = _synthetic(beta_deg=0.8, radius_m=25_508_000.0, hours=3, start_deg=-40.0)
    att = satellite_attitude(np.array(["R07"]), times, pos, vel, blocks={"R07": "GLONASS-M"}, sun_m=sun)
    rate = _yaw_rate_degps(att, 10.0)
    turn = att.mode[:, 0] == "noon-turn"
    assert turn.sum() > 50
    assert np.abs(rate).max() < 0.25 + 1e-6
    inner = turn[1:] & turn[:-1]
    assert np.allclose(np.abs(rate[inner]), 0.25, atol=1e-6)
    mu_turn = np.degrees(np.mod(att.mu_rad[turn, 0], 2 * np.pi))
    assert abs((mu_turn.min() + mu_turn.max()) / 2 - 180.0) < 0.1  # symmetric about noon
    assert np.allclose(att.yaw_rad[~turn, 0], att.nominal_yaw_rad[~turn, 0])


def test_noon_turn_yaw_is_continuous_for_every_law():
    for block, sv, radius, beta in (("GPS-IIR", "G02", 26_560_000.0, 1.0), ("GPS-IIF", "G01", 26_560_000.0, 1.0),
                                    ("GLONASS-M", "R01", 25_508_000.0, 0.5), ("GALILEO-IOV", "E11", 29_600_000.0, 0.7),
                                    ("GALILEO-FOC", "E01", 29_600_000.0, 0.7), ("BEIDOU-3M", "C20", 27_906_000.0, 1.0)):
        times, pos, vel, sun = _synthetic(beta_deg=beta, radius_m=radius, hours=16)
        att = satellite_attitude(np.array([sv]), times, pos, vel, blocks={sv: block}, sun_m=sun)
        rate = np.abs(_yaw_rate_degps(att, 10.0))
        modes = set(att.mode[:, 0])
        assert "noon-turn" in modes, block
        assert rate.max() < 0.3, (block, rate.max())  # the nominal law would need ~ mu'/tan(beta) > 0.4 deg/s


def test_nominal_yaw_at_small_beta_would_need_an_impossible_rate():
    """The reason for the manoeuvres: at beta = 0.5 deg, nominal yaw steering turns at ~1 deg/s at noon."""
    mu = np.radians(np.linspace(179.0, 181.0, 201))
    yaw = nominal_yaw_rad(np.radians(0.5), mu)
    rate = np.degrees(np.abs(np.angle(np.exp(1j * np.diff(yaw))))) / (np.radians(0.01) / 1.45e-4)
    assert rate.max() > 0.9


def test_beidou2_orbit_normal_below_4_deg_and_geo_always():
    """Guo et al. 2013 / Montenbruck et al. 2015: BDS-2 IGSO/MEO in orbit-normal mode (yaw 0, x along
    the velocity) when |beta| < 4 deg, nominal yaw above; GEO always orbit normal. On the ESBC day
    (IAC SP3) C07 and C10 have |beta| ~ 2 deg, GEO C01-C05 beta ~ 23 deg."""
    from lodestar.io.sp3 import read_sp3
    from lodestar.orbits import PreciseEphemeris

    eph = PreciseEphemeris(read_sp3(DATA / "Sta21114.sp3.gz"))
    svs = np.array(["C01", "C07", "C10", "C11", "C08"])
    times = Time(np.datetime64("2020-06-25T01:00:00", "ns") + np.arange(0, 20 * 3600, 600).astype("timedelta64[s]"))
    st = eph.states(times, svs)
    att = satellite_attitude(svs, times, st.position_m, st.velocity_mps)
    small = np.abs(np.degrees(att.beta_rad)) < 4.0
    normal = att.mode == "orbit-normal"
    assert normal[:, 0].all()  # GEO
    assert normal[:, 1:3].all() and small[:, 1:3].all()
    assert np.all(normal[:, 3:] == small[:, 3:])
    v_in = st.velocity_mps + np.cross([0, 0, OMEGA_E], st.position_m)
    along = v_in - np.einsum("tsk,tsk->ts", v_in, att.z)[..., None] * att.z
    along /= np.linalg.norm(along, axis=-1, keepdims=True)
    assert np.einsum("tsk,tsk->ts", along, att.x)[normal].min() > 0.9999


def test_galileo_iov_auxiliary_sun_law_stays_on_nominal_outside_its_region():
    times, pos, vel, sun = _synthetic(beta_deg=3.0, radius_m=29_600_000.0, hours=16)
    att = satellite_attitude(np.array(["E11"]), times, pos, vel, blocks={"E11": "GALILEO-1"}, sun_m=sun)
    assert set(att.mode[:, 0]) == {"nominal"}  # |beta| > 2 deg: no smoothing (GSA metadata)


def test_law_of_block_names():
    cases = {("BLOCK IIR-M", "G05"): "gps-iir", ("BLOCK IIF", "G01"): "gps-iif", ("GLO-K1", "R09"): "glonass-k",
             ("GLONASS-M", "R01"): "glonass-m", ("GALILEO-1", "E11"): "galileo-iov", ("GALILEO-2", "E01"): "galileo-foc",
             ("BEIDOU-2G", "C01"): "beidou"}
    for (block, sv), law in cases.items():
        assert attitude.law_of_block(block, sv) == law


@pytest.mark.parametrize("shape", [(4,), (4, 2)])
def test_attitude_accepts_time_grids(shape):
    svs = ["G01", "R07"]
    times, st = _grg_states(svs, hours=1, step_s=900)
    grid = times if len(shape) == 1 else Time(np.repeat(np.asarray(times.gpst)[:, None], 2, axis=1))
    att = satellite_attitude(np.array(svs), grid, st.position_m, st.velocity_mps)
    assert att.x.shape == (4, 2, 3) and np.isfinite(att.x).all()
