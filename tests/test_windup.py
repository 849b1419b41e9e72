"""Carrier-phase wind-up (lodestar.models.windup, Wu et al. 1993) on a hand-computed geometry,
its continuity along time, and on real orbits."""

from pathlib import Path

import numpy as np

from lodestar.models.windup import (
    phase_windup_cycles,
    unwrap_cycles,
    windup_angle_cycles,
)

A = 6_378_137.0  # WGS-84 semi-major axis, m
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "esbc-2020-177"


def _overhead(alpha_rad):
    """Receiver on the equator at longitude 0 (up = +X, north = +Z, west = -Y), satellite at its zenith
    with body z down (-X) and body x turned by alpha from north toward east."""
    receiver = np.array([A, 0.0, 0.0])
    sat = np.array([A + 20_200_000.0, 0.0, 0.0])
    x_s = np.stack([np.zeros_like(alpha_rad), np.sin(alpha_rad), np.cos(alpha_rad)], axis=-1)
    y_s = np.cross([-1.0, 0.0, 0.0], x_s)  # y = z x x
    return receiver, sat, x_s, y_s


def test_hand_computed_zenith_geometry():
    """k = (-1, 0, 0); D_s = x_s - k(k.x_s) - k x y_s = (0, 2 sin a, 2 cos a); D_r = (0, 0, 2);
    cos(dphi) = cos a; k . (D_s x D_r) = -4 sin a < 0 for 0 < a < pi: wind-up = -a / 2 pi cycles."""
    receiver, sat, x_s, y_s = _overhead(np.radians(np.array([0.0, 60.0, 90.0, -45.0])))
    k = (receiver - sat) / np.linalg.norm(receiver - sat)
    north, west = np.array([0.0, 0.0, 1.0]), np.array([0.0, -1.0, 0.0])
    got = windup_angle_cycles(k, x_s, y_s, north, west)
    assert np.allclose(got, [0.0, -1 / 6, -0.25, 0.125], atol=1e-12)


def test_windup_is_continuous_through_full_turns():
    """The satellite yawing 2.5 turns: the wind-up changes by 2.5 cycles, never by a +-1 jump."""
    alpha = np.radians(np.linspace(0.0, 900.0, 181))
    receiver, sat, x_s, y_s = _overhead(alpha)
    sats = np.broadcast_to(sat, x_s.shape)
    cycles = phase_windup_cycles(receiver, sats[:, None, :], x_s[:, None, :], y_s[:, None, :])[:, 0]
    assert np.abs(np.diff(cycles)).max() < 0.02
    assert abs(cycles[-1] - cycles[0] + 2.5) < 1e-9


def test_unwrap_keeps_nan_and_bridges_gaps():
    raw = np.array([[0.45, np.nan], [-0.45, 0.1], [np.nan, 0.2], [-0.35, np.nan], [0.4, 0.4]])
    out = unwrap_cycles(raw)
    assert np.isnan(out[0, 1]) and np.isnan(out[2, 0]) and np.isnan(out[3, 1])
    assert np.allclose(out[[0, 1, 3, 4], 0], [0.45, 0.55, 0.65, 0.40])
    assert np.allclose(out[[1, 2, 4], 1], [0.1, 0.2, 0.4])


def test_windup_on_real_orbits_is_smooth_and_bounded():
    """GRG orbits seen from ESBC over 6 h at 30 s: the wind-up of a satellite in nominal yaw changes
    slowly (a few tenths of a cycle per pass, Wu et al. 1993 Fig. 3), without jumps."""
    from reference import ESBC_ITRF2014_XYZ

    from lodestar.io.sp3 import read_sp3
    from lodestar.models.attitude import satellite_attitude
    from lodestar.orbits import PreciseEphemeris
    from lodestar.time import Time

    eph = PreciseEphemeris(read_sp3(DATA / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"))
    svs = np.array(["G01", "R07", "E08"])
    times = Time(np.datetime64("2020-06-25T03:00:00", "ns") + np.arange(0, 6 * 3600, 30).astype("timedelta64[s]"))
    st = eph.states(times, svs)
    att = satellite_attitude(svs, times, st.position_m, st.velocity_mps)
    cycles = phase_windup_cycles(np.array(ESBC_ITRF2014_XYZ), st.position_m, att.x, att.y)
    assert np.isfinite(cycles).all()
    assert np.abs(np.diff(cycles, axis=0)).max() < 0.05
