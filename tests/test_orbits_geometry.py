"""Light time and Sagnac (``lodestar.orbits.geometry``), and the Lagrange kernel of the SP3 interpolation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.constants import C_MPS, SYSTEM_CONSTANTS
from lodestar.io.rinex_nav import read_nav
from lodestar.orbits import BroadcastEphemeris, transmit_states
from lodestar.orbits.geometry import rotate_earth
from lodestar.orbits.precise import lagrange_weights
from lodestar.time import Time

# ESBC marker, header APPROX POSITION (data README: good to ~1 m, the agreed exception)
ESBC_M = np.array([3582105.2910, 532589.7313, 5232754.8054])


@pytest.fixture(scope="module")
def esbc_eph(esbc):
    return BroadcastEphemeris(read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))


def test_light_time_is_self_consistent_and_sagnac_matches_closed_form(esbc_eph):
    t_rx = Time(np.datetime64("2020-06-25T12:00:00", "ns") + np.arange(3) * np.timedelta64(30, "s"))
    svs = [sv for sv in esbc_eph.svs if sv[0] in "GREC"]
    geo = transmit_states(esbc_eph, t_rx, ESBC_M, svs)
    ok = geo.states.valid
    assert ok.sum() > 150
    # the transmit time and the range agree: c * tau = |rotated satellite - receiver| (< 1 mm)
    np.testing.assert_allclose(geo.travel_time_s[ok] * C_MPS, geo.range_m[ok], atol=1e-3)
    transmit = geo.states.time.gpst
    tau = (np.broadcast_to(t_rx.gpst[:, None], transmit.shape) - transmit).astype(np.int64) / 1e9
    np.testing.assert_allclose(tau[ok], geo.travel_time_s[ok], atol=2e-9)
    # all satellites, also below the horizon: MEO at zenith (19 100 km) to GEO behind the Earth (48 540 km)
    assert geo.travel_time_s[ok].min() > 0.0637 and geo.travel_time_s[ok].max() < 0.162
    # Sagnac: the rotation adds omega/c (x_s y_r - y_s x_r) to the range (IS-GPS-200N 20.3.3.4.3.3.2;
    # RTKLIB geodist uses the same first-order term); unrotated position = rotated back by -omega*tau
    omega = SYSTEM_CONSTANTS["G"].omega_e_radps
    unrotated = rotate_earth(geo.states.position_m, -omega * geo.travel_time_s)
    plain = np.linalg.norm(unrotated - ESBC_M, axis=-1)
    closed = omega / C_MPS * (unrotated[..., 0] * ESBC_M[1] - unrotated[..., 1] * ESBC_M[0])
    np.testing.assert_allclose((geo.range_m - plain)[ok], closed[ok], atol=2e-3)
    assert np.abs(closed[ok]).max() > 5.0  # tens of metres at most, metres typically


def test_pseudorange_driven_transmit_time(esbc_eph):
    t_rx = Time(np.array([np.datetime64("2020-06-25T12:00:00", "ns")]))
    svs = [sv for sv in esbc_eph.svs if sv[0] in "GREC"]
    geometric = transmit_states(esbc_eph, t_rx, ESBC_M, svs)
    # a pseudorange = range + a 1 ms receiver clock error - satellite clock: transmit time from the code
    ok = geometric.states.valid
    pseudorange = geometric.range_m + C_MPS * (1e-3 - geometric.states.clock_s)
    coded = transmit_states(esbc_eph, t_rx, ESBC_M, svs, pseudorange_m=np.where(ok, pseudorange, 7.0e7))
    shift = (geometric.states.time.gpst - coded.states.time.gpst).astype(np.int64) / 1e9
    np.testing.assert_allclose(shift[ok], 1e-3, atol=1e-8)  # the 1 ms receiver clock moves t_tx by 1 ms


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=10, max_size=10), st.floats(0.0, 1.0))
def test_lagrange_reproduces_polynomials_up_to_degree_nine(coefficients, x):
    offsets = np.arange(10) - 4
    weights, derivative = lagrange_weights(np.array([x]), offsets)
    poly = np.polynomial.Polynomial(np.array(coefficients) / 10.0 ** np.arange(10))
    assert abs(weights[0] @ poly(offsets) - poly(x)) < 1e-6 * (1 + np.abs(poly(offsets)).max())
    assert abs(derivative[0] @ poly(offsets) - poly.deriv()(x)) < 1e-6 * (1 + np.abs(poly(offsets)).max())
