"""Isolated bad samples in precise clock series (lodestar.orbits.clock_screen)."""

import numpy as np
import pytest

from lodestar.constants import C_MPS
from lodestar.orbits.clock_screen import FLOOR_M, isolated_outliers

TIMES = np.arange(np.datetime64("2020-06-25T00:00", "ns"), np.datetime64("2020-06-25T06:00", "ns"),
                  np.timedelta64(15, "m"))


def _series(rng, noise_m=0.03):
    """A rubidium-like clock at 15 min: offset, drift, a little curvature and random-walk noise (seconds)."""
    t = np.arange(TIMES.size) * 900.0
    metres = 1.2e3 + 0.05 * t + 1e-8 * t**2 + np.cumsum(rng.normal(0.0, noise_m, TIMES.size))
    return metres / C_MPS


def test_interior_spike_and_first_sample_are_found_and_nothing_else():
    rng = np.random.default_rng(7)
    clocks = np.stack([_series(rng) for _ in range(4)], axis=1)
    clocks[10, 0] += 1.0 / C_MPS  # a spike of 1 m
    clocks[0, 1] += 2.3 / C_MPS  # the first sample 2.3 m off (IAC's C07 on 2020-06-25)
    clocks[12:, 2] += 3.0 / C_MPS  # a clock jump of 3 m: not a bad sample
    bad = isolated_outliers(TIMES, clocks)
    assert set(zip(*np.nonzero(bad))) == {(10, 0), (0, 1)}


def test_spikes_below_the_floor_are_left_to_the_models():
    rng = np.random.default_rng(8)
    clock = _series(rng)[:, None].copy()
    clock[10, 0] += 0.6 * FLOOR_M / C_MPS
    assert not isolated_outliers(TIMES, clock).any()


def test_a_missing_epoch_breaks_the_run():
    rng = np.random.default_rng(9)
    clock = _series(rng)[:, None].copy()
    times = TIMES.copy()
    times[11:] += np.timedelta64(15, "m")  # one epoch missing: unequal steps around row 10/11
    clock[0, 0] = np.nan
    assert not isolated_outliers(times, clock).any()


def test_iac_first_samples_of_c07_and_c10_are_removed(esbc):
    """IAC's Sta21114.sp3 (2020-06-25) starts with C07 +2.3 m and C10 +1.2 m off its own series; CODE's
    5-min and GFZ's 5-min (GBM) clocks agree with each other and with IAC from 00:15 on to 0.1 m. GRG's
    30 s CLK and CODE's SP3 of the day have no such sample."""
    from lodestar.io.clk import read_clk
    from lodestar.io.sp3 import read_sp3
    from lodestar.orbits import PreciseEphemeris
    from lodestar.time import Time

    iac = PreciseEphemeris([read_sp3(esbc / "Sta21114.sp3.gz")])
    assert any("C07 at 2020-06-25T00:00:00" in w and "C10 at 2020-06-25T00:00:00" in w for w in iac.warnings)
    first = np.datetime64("2020-06-25T00:05:00", "ns")
    st = iac.states(Time(np.array([[first, first, first]])), ["C07", "C10", "C11"])
    assert list(st.valid[0]) == [False, False, True]  # the first interval is now a clock gap for C07, C10
    for path, reader in ((esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz", read_clk),
                         (esbc / "COD0MGXFIN_20201770000_01D_05M_ORB.SP3", read_sp3)):
        ds = reader(path)
        assert not isolated_outliers(ds["time"].values, ds["clock_s"].values).any(), path.name


@pytest.mark.parametrize("rows", [3, 2, 1])
def test_short_series_are_not_judged(rows):
    assert not isolated_outliers(TIMES[:rows], np.zeros((rows, 2))).any()


@pytest.mark.parametrize("row", [1, 2, -2, -3])
def test_second_and_third_samples_from_either_end_are_judged(row):
    """A sample next to the start or end of a series has only part of the (e, -2e, e) signature inside it:
    the second (third) sample of IAC's day, C20 +1 ms at 00:15 (00:30), once pulled a one-hour BeiDou PPP
    at Wettzell by 1.4 km (71.6 m) without a warning."""
    rng = np.random.default_rng(11)
    clocks = np.stack([_series(rng) for _ in range(3)], axis=1)
    clocks[row, 1] += 1e-3  # 1 ms, 300 km
    clocks[row, 2] += 1.0 / C_MPS  # 1 m
    bad = isolated_outliers(TIMES, clocks)
    row = row % TIMES.size
    assert set(zip(*np.nonzero(bad))) == {(row, 1), (row, 2)}


def test_a_jump_next_to_the_start_is_not_a_bad_sample():
    rng = np.random.default_rng(12)
    clock = _series(rng)[:, None].copy()
    clock[2:, 0] += 3.0 / C_MPS  # a 3-m jump between the second and third samples
    assert not isolated_outliers(TIMES, clock).any()
