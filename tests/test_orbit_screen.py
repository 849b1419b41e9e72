"""Isolated bad samples in precise orbit series (lodestar.orbits.orbit_screen), on real SP3 files."""

import numpy as np
import pytest

from lodestar.io.sp3 import read_sp3
from lodestar.orbits.orbit_screen import FLOOR_M, isolated_orbit_outliers
from lodestar.orbits.precise import join_products

GRG = ["GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"]


@pytest.fixture(scope="module")
def grg(esbc):
    ds = join_products([read_sp3(esbc / f) for f in GRG])
    return ds["time"].values, np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1), list(ds["sv"].values)


@pytest.mark.parametrize("name", GRG + ["Sta21114.sp3.gz", "COD0MGXFIN_20201770000_01D_05M_ORB.SP3"])
def test_real_orbits_have_no_isolated_outliers(esbc, name):
    """Nothing flagged in the products of 2020-06-25, Galileo's eccentric E14 and E18 included, whose
    leave-one-out prediction misses by up to 0.6 m near perigee at 15 min (a smooth error)."""
    ds = read_sp3(esbc / name)
    xyz = np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)
    assert not isolated_orbit_outliers(ds["time"].values, xyz).any()


def test_injected_samples_are_found_and_nothing_else(grg):
    """One sample off by 1 km, 10 m and 1.5 m on three satellites, E18 at its perigee (2020-06-25 00:30,
    where the smooth prediction error is largest) among them; GRG 2020-06-24 and -25 joined."""
    times, xyz, svs = grg
    xyz = xyz.copy()
    row = int(np.searchsorted(times, np.datetime64("2020-06-25T00:30", "ns")))
    cases = {("R11", row): (1e3, 0, 0), ("E18", row): (0, 10.0, 0), ("G05", row + 20): (0, 0, 1.5 * FLOOR_M)}
    for (sv, r), offset in cases.items():
        xyz[r, svs.index(sv)] += offset
    bad = isolated_orbit_outliers(times, xyz)
    assert {(svs[c], r) for r, c in zip(*np.nonzero(bad))} == set(cases)


def test_a_step_is_not_a_bad_sample(grg):
    """A manoeuvre or a product's arc change moves every later sample: not an isolated outlier."""
    times, xyz, svs = grg
    xyz = xyz.copy()
    xyz[120:, svs.index("R11")] += (50.0, 0.0, 0.0)
    assert not isolated_orbit_outliers(times, xyz).any()


def test_precise_ephemeris_sets_the_sample_aside_and_says_so(esbc):
    from lodestar.orbits import PreciseEphemeris

    products = [read_sp3(esbc / f) for f in GRG]
    day = products[1].copy(deep=True)
    day["x_m"].loc[dict(time=np.datetime64("2020-06-25T12:00", "ns"), sv="R11")] += 10.0
    eph = PreciseEphemeris([products[0], day])
    assert any("orbit samples off the smooth orbit" in w and "R11 at 2020-06-25T12:00:00" in w for w in eph.warnings)
    assert np.isnan(eph.positions[list(eph.times).index(np.datetime64("2020-06-25T12:00", "ns")),
                                  list(eph.sp3_svs).index("R11")]).all()


def test_leave_one_out_weights_are_the_interpolators():
    """The screen's own weights (written out, orbit_screen does not import precise) equal the Lagrange weights the
    orbits are interpolated with (precise.lagrange_weights, prefix/suffix products), for every place in the window."""
    from lodestar.orbits.orbit_screen import _leave_one_out_weights
    from lodestar.orbits.precise import lagrange_weights

    weights = _leave_one_out_weights()
    for place in range(11):
        nodes = np.array([k for k in range(11) if k != place])
        expected, _ = lagrange_weights(np.array([float(place)]), nodes)
        np.testing.assert_allclose(weights[place, nodes], expected[0], atol=1e-12)
        assert weights[place, place] == 0.0
