"""Lunar propagator: LRO against JPL Horizons, Kepler against the analytic solution, burns, events."""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.constants import MOON_RADIUS_M
from lodestar.errors import LodestarError
from lodestar.lunar.core import ephemeris as eph
from lodestar.lunar.core.gravity import lunar_field
from lodestar.lunar.core.twobody import elements_to_state, osculating_apsides
from lodestar.lunar.core.propagator import EphemerisTable, FiniteBurn, ForceModel, ImpulsiveBurn, propagate
from lodestar.lunar.core.validation import lro_validation
from lodestar.time import Time
from sample_data import requires_data


@pytest.fixture(scope="module")
def lro(data):
    """JPL Horizons LRO (-85) about the Moon (@301), ICRF, TDB, 2022-01-01 00:00–04:00 at 1 min, km, km/s."""
    table = np.loadtxt(data / "lunar" / "LRO_2022001_Moon_ICRF_4h.csv", delimiter=",", comments="#")
    t_s = np.round((table[:, 0] - table[0, 0]) * 86400.0, 3)
    return Time.from_iso("2022-01-01T00:00:00", "tdb"), t_s, table[:, 1:4] * 1e3, table[:, 4:7] * 1e3


def _lro_rms(lro, force):
    epoch, t_s, pos, vel = lro
    traj = propagate(epoch, pos[0], vel[0], t_s[-1], force, t_eval=t_s)
    return float(np.sqrt(np.mean(np.sum((traj.position_m - pos) ** 2, axis=1))))


def test_lro_four_hours_degree_100_and_150_under_100_m(lro):
    # issue 5: degree >= 100 must stay under 100 m over the 4 h Horizons arc
    for degree in (100, 150):
        assert _lro_rms(lro, ForceModel.lunar(degree)) < 100.0


def test_lro_low_degree_is_worse(lro):
    # the same test fails with a poor field: degree 2 is off by hundreds of metres, a point mass by km
    assert _lro_rms(lro, ForceModel.lunar(2)) > 300.0
    assert _lro_rms(lro, ForceModel.lunar(0)) > 1000.0


def test_lro_after_the_horizons_step_agrees_to_a_metre(data):
    """From minute 85 (after the 36 m step in the Horizons states at 77-78 min, see
    lodestar.lunar.core.validation) to the end, 2.6 h: sub-metre at degree 150, and the truncation of the
    field shows clearly (degree 50 is tens of metres off)."""
    rows = {row["degree"]: row for row in lro_validation(data, degrees=(50, 100, 150), start_min=85)}
    assert rows[150]["rms_m"] < 1.0 and rows[150]["max_m"] < 1.5
    assert rows[100]["rms_m"] < 3.0
    assert rows[50]["rms_m"] > 20.0


def test_each_force_term_is_needed(data):
    """Same 2.6 h arc at degree 150: dropping the tide (or flipping its sign), the Earth or the Sun
    each moves the orbit measurably away from Horizons (the full model is at 0.27 m RMS)."""
    rms = lambda **options: lro_validation(data, degrees=(150,), start_min=85, **options)[0]["rms_m"]  # noqa: E731
    assert rms(tide_k2=0.0) > 2.0
    assert rms(tide_k2=-0.02427) > 4.0
    assert rms(earth=False) > 100.0
    assert rms(sun=False) > 0.8


@requires_data  # the lunar gravity field file
def test_two_body_matches_kepler():
    """Point mass, no third bodies: the numerical orbit equals the analytic Kepler orbit (< 1 mm)."""
    gm = lunar_field().gm_m3ps2
    force = ForceModel(lunar_field(degree=0), earth=False, sun=False, tide_k2=0.0)
    a, e = MOON_RADIUS_M + 1e5, 0.05
    r0, v0 = elements_to_state(gm, a, e, 82.0, 30.0, 40.0, 0.0)
    n = np.sqrt(gm / a**3)
    t = 3 * 2 * np.pi / n + 1234.0
    traj = propagate(Time.from_iso("2023-08-19T11:10:00", "utc"), r0, v0, t, force, t_eval=[t])
    mean = n * t % (2 * np.pi)
    ecc = mean
    for _ in range(30):  # Kepler's equation by Newton
        ecc -= (ecc - e * np.sin(ecc) - mean) / (1 - e * np.cos(ecc))
    nu = np.degrees(2 * np.arctan2(np.sqrt(1 + e) * np.sin(ecc / 2), np.sqrt(1 - e) * np.cos(ecc / 2)))
    expected, _ = elements_to_state(gm, a, e, 82.0, 30.0, 40.0, nu)
    assert np.linalg.norm(traj.position_m[-1] - expected) < 1e-3


def test_ephemeris_table_interpolation():
    epoch = Time.from_iso("2023-08-19T11:10:00", "utc")
    table = EphemerisTable(epoch, 0.0, 7200.0)
    t = np.array([0.0, 1234.5, 7000.0])
    tdb = epoch.seconds_since_j2000("tdb") + t
    sample = table.sample(t)
    assert np.abs(sample[:, :3] - eph.earth_position_m(tdb)).max() < 1e-3  # m
    assert np.abs(sample[:, 3:6] - eph.sun_position_m(tdb)).max() < 1e-2  # m, at 1 au
    assert np.abs(table.icrf_to_pa(t) - eph.icrf_to_pa(tdb)).max() < 1e-11


@requires_data  # the lunar gravity field file
def test_short_finite_burn_equals_impulse_and_mass_flows():
    gm = lunar_field().gm_m3ps2
    force = ForceModel(lunar_field(degree=0), earth=False, sun=False, tide_k2=0.0)
    r0, v0 = elements_to_state(gm, MOON_RADIUS_M + 1e5, 0.0, 82.0, 0.0, 0.0, 0.0)
    epoch = Time.from_iso("2023-08-19T11:10:00", "utc")
    dv = 20.0
    impulse = propagate(epoch, r0, v0, 600.0, force, [ImpulsiveBurn(0.0, (-dv, 0.0, 0.0))], stop_at_impact=False)
    thrust, mass = 1000.0 * dv / 0.1, 1000.0  # 0.1 s burn
    finite = propagate(epoch, r0, v0, 600.0, force, [FiniteBurn(0.0, 0.1, thrust, 0.0)], mass, stop_at_impact=False)
    rp_i = osculating_apsides(gm, impulse.position_m[-1], impulse.velocity_mps[-1])[0]
    rp_f = osculating_apsides(gm, finite.position_m[-1], finite.velocity_mps[-1])[0]
    assert abs(rp_i - rp_f) < 1.0  # m
    # vis-viva from a circular orbit: the opposite apsis drops by ~4 a dv / v = 90 km
    assert 85e3 < (MOON_RADIUS_M + 1e5) - rp_i < 92e3
    flowing = propagate(epoch, r0, v0, 100.0, force, [FiniteBurn(10.0, 50.0, 300.0, 0.1)], 1300.0,
                        stop_at_impact=False)
    assert flowing.mass_kg[-1] == pytest.approx(1300.0 - 5.0, abs=1e-6)


@requires_data  # the lunar gravity field file
def test_impact_and_apsis_events():
    gm = lunar_field().gm_m3ps2
    force = ForceModel(lunar_field(degree=0), earth=False, sun=False, tide_k2=0.0)
    epoch = Time.from_iso("2023-08-19T11:10:00", "utc")
    a, e = MOON_RADIUS_M + 5e4, 0.02  # periselene 1737.4 + 50 - 35.8 km: above ground
    r0, v0 = elements_to_state(gm, a, e, 82.0, 0.0, 0.0, 180.0)
    traj = propagate(epoch, r0, v0, 8000.0, force)
    assert traj.impact is None
    assert traj.periselene[0].height_m == pytest.approx(a * (1 - e) - MOON_RADIUS_M, abs=1e-3)
    assert traj.aposelene[0].height_m == pytest.approx(a * (1 + e) - MOON_RADIUS_M, abs=1e-3)
    r0, v0 = elements_to_state(gm, MOON_RADIUS_M + 1e4, 0.05, 82.0, 0.0, 0.0, 180.0)  # periselene underground
    hit = propagate(epoch, r0, v0, 8000.0, force)
    assert hit.impact is not None and abs(hit.impact.height_m) < 1e-3
    assert hit.t_s[-1] == pytest.approx(hit.impact.t_s)
    # a local radius (callable on ME lat/lon) 5 km higher than the sphere is hit earlier
    local = propagate(epoch, r0, v0, 8000.0, force, surface_radius_m=lambda lat, lon: MOON_RADIUS_M + 5e3)
    assert local.impact.t_s < hit.impact.t_s


@requires_data  # the lunar gravity field file
def test_bad_requests():
    force = ForceModel.lunar(2)
    epoch = Time.from_iso("2023-08-19T11:10:00", "utc")
    r0, v0 = np.array([1.84e6, 0, 0]), np.array([0, 1630.0, 0])
    with pytest.raises(LodestarError):
        propagate(epoch, r0, v0, -5.0, force)
    with pytest.raises(LodestarError, match="overlap"):
        propagate(epoch, r0, v0, 100.0, force, [FiniteBurn(0, 50, 1, 0), FiniteBurn(20, 50, 1, 0)])
    with pytest.raises(LodestarError, match="propellant"):
        propagate(epoch, r0, v0, 100.0, force, [FiniteBurn(0, 50, 300, 30.0)], mass_kg=1000.0)
