"""The carrier-levelled dual-frequency slant delay (lodestar.analysis.observed_ionosphere): levelling,
arcs and slips on synthetic series with known answers; its use on the ESBC day is in
tests/test_precise_products.py (slow)."""

import numpy as np
import pytest

from lodestar.analysis.observed_ionosphere import MIN_ARC, SLIP_M, _levelled


def _series(n=600, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    truth_m = 2.0 + 0.8 * np.sin(t / 90.0)  # slant delay on f1, m (night-time size at mid latitude)
    code_m = truth_m + rng.normal(0.0, 0.3, n)  # 0.3 m: GPS P-code noise scaled by 1/(gamma - 1), order of magnitude
    phase_m = truth_m - 7.3  # one ambiguity per arc
    return truth_m, code_m[:, None], phase_m[:, None]


def test_levelled_phase_recovers_the_delay_to_the_code_noise_over_the_arc():
    truth_m, code_m, phase_m = _series()
    got = _levelled(code_m, phase_m)[:, 0]
    # one constant from 600 samples of 0.3 m noise: 0.3 / sqrt(600) = 1.2 cm (1 sigma); 5 cm is 4 sigma
    assert np.max(np.abs(got - truth_m)) < 0.05


def test_a_cycle_slip_starts_a_new_arc_levelled_on_its_own():
    truth_m, code_m, phase_m = _series()
    phase_m[300:] += 0.5  # a jump well above SLIP_M: slip
    assert 0.5 > SLIP_M
    got = _levelled(code_m, phase_m)[:, 0]
    assert np.max(np.abs(got - truth_m)) < 0.06  # 300 samples per arc: 1.7 cm 1 sigma


def test_gaps_split_arcs_and_short_arcs_give_nan():
    truth_m, code_m, phase_m = _series()
    phase_m[100] = np.nan  # gap: two arcs
    phase_m[200:200 + MIN_ARC + 1] = np.nan
    phase_m[205] = -5.0  # a lone sample inside the gap: an arc of 1 epoch
    got = _levelled(code_m, phase_m)[:, 0]
    assert np.isnan(got[100]) and np.isnan(got[205])
    ok = np.isfinite(got)
    assert ok.sum() == 600 - 1 - (MIN_ARC + 1)
    assert np.max(np.abs(got[ok] - truth_m[ok])) < 0.06


def test_columns_are_independent():
    _, code_m, phase_m = _series()
    other = _series(seed=2)
    got = _levelled(np.hstack([code_m, other[1]]), np.hstack([phase_m, other[2] + 3.0]))
    assert got.shape == (600, 2)
    assert np.max(np.abs(got[:, 1] - other[0])) < 0.05


def test_only_a_single_frequency_prepared_takes_the_observed_delay():
    from dataclasses import replace

    from lodestar.analysis.observed_ionosphere import with_observed_ionosphere
    from lodestar.positioning.prepare import Prepared

    prep = Prepared(time=np.zeros(1, "datetime64[ns]"), sv=np.array(["G01"]), pseudorange_m=np.zeros((1, 1)),
                    sat_xyz=np.zeros((1, 1, 3)), usable=np.ones((1, 1), bool), frequency_hz=np.full((1, 1), 1575.42e6),
                    code=np.array([["C1C"]]), iono_mode="iflc", iono={}, approx_xyz=None, antenna_hen_m=np.zeros(3),
                    source="broadcast")
    with pytest.raises(ValueError, match="single-frequency"):
        with_observed_ionosphere(prep, np.zeros((1, 1)))
    out = with_observed_ionosphere(replace(prep, iono_mode="klobuchar"), np.array([[np.nan]]))
    assert out.iono_mode == "off" and not out.usable.any()
