"""GLONASS + BeiDou against each alone, on the epochs both solved (issue #15, docs/complementarity.md).

The rule: the pair's 3D RMS, over the epochs where the pair and the single system both have a
position, is not above the single system's over the same epochs; availability is counted apart.
Truth: ESBC ITRF2014 (tests/reference.py), WTZR/WTZZ/TLSE SINEX (``io.sinex.station_position``).
Both modes: post-processing (session biases, ISB, variance components over the file) and causal
(running estimates from past epochs only). Where the rule does not hold yet, the case is a strict
xfail with its figures (docs/complementarity.md): it turns red the day it starts to hold.
"""

from __future__ import annotations

import glob

import numpy as np
import pytest

from lodestar.analysis.compare import common_epoch_gains, solved_errors_by_epoch
from lodestar.io.sinex import station_position
from lodestar.positioning import prepare, solve
from reference import ESBC_ITRF2014_XYZ

ESBC_NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
HOURS = {  # obs, nav, SINEX epoch (None: ESBC, ITRF2014 truth)
    "ESBC": ("esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx", ESBC_NAV, None),
    "WTZR": ("esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx", ESBC_NAV, "2020-06-25T00:30:00"),
    "WTZZ": ("esbc-2020-177/WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx", ESBC_NAV, "2020-06-25T00:30:00"),
    "TLSE": ("tlse-2024-001/TLSE00FRA_R_20240011800_01H_30S_MO.crx.gz",
             "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz", "2024-01-01T18:30:00"),
}
MASKS = (10.0, 30.0)
#: (station, mode, mask, over) where the pair is still worse on the common epochs (3D RMS pair / alone):
NOT_YET = {
    # 95 % block-bootstrap interval of the RMS change in brackets (compare.common_epoch_gains): none significant
    ("ESBC", "post-processing", 10.0, "C"),  # 1.26 / 1.19 m [-2, +14] %: GLONASS under-rated by the residuals
    # 5.45 / 5.39 m [-3, +5] %: since BeiDou takes GPS's Klobuchar outside BDS-2's service area (C 5.81 -> 5.39,
    # the pair 5.75 -> 5.45 m); the pair loses in the first 20 minutes (6.23 against 5.70 m), before the running
    # persistent-fault test names GLONASS R10 (-9.9 m all hour), and wins after (3.86 against 4.05 m, last 10 min)
    ("TLSE", "causal", 10.0, "C"),
}
# One hour is one draw: over the 24 hours of the ESBC day the pair is worse than BeiDou alone in 10 (post-processing)
# and 8 (causal) hours (benchmarks/bench_spp_hours.py; docs/complementarity.md, "ESBC's first hour and 23 more").
# Held since the persistent-fault test (positioning/persistent.py) takes GLONASS R10 (-9.9 m all hour) out at
# TLSE: post-processing 30° over C 7.92 -> 4.11 m (C 6.65 m), causal 10° over C 5.90 -> 5.75 m (C 5.81 m).


def _gains(prep, truth, causal):
    solved = {(s, m): solved_errors_by_epoch(solve(prep, systems=s, mask_deg=m, causal=causal), truth)
              for s in ("R", "C", "R+C") for m in MASKS}
    gains = common_epoch_gains(solved, ("R", "C", "R+C"), MASKS)
    return gains[gains["set"] == "R+C"].set_index(["mask_deg", "over"])


def _hours(data):
    """(station, observation path, navigation path, truth) of each hour of :data:`HOURS`."""
    sinex = sorted(glob.glob(str(data / "sinex" / "*")))
    for name, (obs, nav, epoch) in HOURS.items():
        truth = np.array(ESBC_ITRF2014_XYZ) if epoch is None else station_position(sinex, name, epoch)
        yield name, data / obs, data / nav, truth


MODES = (("post-processing", False), ("causal", True))


@pytest.fixture(scope="module")
def hour_gains(data):
    out = {}
    for name, obs, nav, truth in _hours(data):
        prep = prepare(obs, nav, systems="RC")
        for mode, causal in MODES:
            out[(name, mode)] = _gains(prep, truth, causal)
    return out


def _cases():
    for name in HOURS:
        for mode in ("post-processing", "causal"):
            for mask in MASKS:
                for over in ("R", "C"):
                    marks = [pytest.mark.xfail(strict=True, reason="pair still worse here (docs/complementarity.md)")] \
                        if (name, mode, mask, over) in NOT_YET else []
                    yield pytest.param(name, mode, mask, over, marks=marks, id=f"{name}-{mode}-{mask:g}-over-{over}")


@pytest.mark.parametrize(("station", "mode", "mask", "over"), list(_cases()))
def test_pair_never_worse_on_common_epochs(hour_gains, station, mode, mask, over):
    g = hour_gains[(station, mode)].loc[(mask, over)]
    if g["common_epochs"] == 0:  # the system alone solved nothing: only availability to compare
        assert g["epochs_solved_set"] > 0
        return
    assert g["epochs_solved_set"] >= g["epochs_solved_over"]
    assert g["rms3d_common_set_m"] <= g["rms3d_common_over_m"]


#: The same rule on what ``compare`` prints by default. In post-processing that is ``calibrate=True``: each set's
#: code biases and ISB from its 10° run, applied as known at 30° (analysis.compare._solve_calibrated); at 10° it
#: is the test above. At 30° (pair / alone, m, 3D RMS on the common epochs, 2026-12-07) the calibration helps each
#: system alone more than the pair, whose BeiDou biases took part of GLONASS's errors at 10°
#: (docs/complementarity.md, "With the receiver calibration of compare"). A causal comparison calibrates only when
#: asked (the 10° run's end-of-run values would hand the 30° run the file's future): its figures are those of the
#: test above. Until 2026-12-07 it did, and the pair was worse at 30° causal at ESBC (2.18 / 1.59), WTZR
#: (5.13 / 2.99), WTZZ (2.40 / 2.32 over R, 2.59 / 2.00 over C). Tried and not kept: the pair given each system's
#: own calibration (causal cases pass, post-processing ones turn, TLSE 30° over R 4.82 -> 8.33 m).
NOT_YET_CALIBRATED = {
    ("ESBC", "post-processing", "R"),  # 1.82 / 1.68 on 33 epochs
}


@pytest.fixture(scope="module")
def compare_gains(data):
    """``compare``'s own gains table (its default calibration) per hour and mode, masks 10 and 30."""
    from lodestar.analysis.compare import compare

    out = {}
    for name, obs, nav, truth in _hours(data):
        for mode, causal in MODES:
            gains = compare(obs, nav, truth=truth, sets=("R", "C", "R+C"), masks=MASKS, causal=causal).gains
            out[(name, mode)] = gains[gains["set"] == "R+C"].set_index(["mask_deg", "over"])
    return out


def _calibrated_cases():
    for name in HOURS:
        for mode in ("post-processing", "causal"):
            for over in ("R", "C"):
                known = (name, mode, over) in NOT_YET_CALIBRATED
                marks = [pytest.mark.xfail(strict=True, reason="pair worse with compare's calibration here "
                                           "(docs/complementarity.md)")] if known else []
                yield pytest.param(name, mode, over, marks=marks, id=f"{name}-{mode}-30-over-{over}")


@pytest.mark.parametrize(("station", "mode", "over"), list(_calibrated_cases()))
def test_pair_never_worse_in_compare_at_30_degrees(compare_gains, hour_gains, station, mode, over):
    g = compare_gains[(station, mode)].loc[(30.0, over)]
    ten = compare_gains[(station, mode)].loc[(10.0, over)]
    own = hour_gains[(station, mode)].loc[(10.0, over)]
    assert ten["rms3d_common_set_m"] == pytest.approx(own["rms3d_common_set_m"], abs=1e-9)  # 10°: no calibration
    if g["common_epochs"] == 0:
        assert g["epochs_solved_set"] > 0
        return
    assert g["rms3d_common_set_m"] <= g["rms3d_common_over_m"]


@pytest.mark.slow
@pytest.mark.parametrize("causal", [False, True], ids=["post-processing", "causal"])
def test_esbc_day_pair_never_worse_on_common_epochs(esbc, causal):
    prep = prepare(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
                   systems="RC")
    gains = _gains(prep, np.array(ESBC_ITRF2014_XYZ), causal)
    for (mask, over), g in gains.iterrows():
        assert g["common_epochs"] > 0
        assert g["rms3d_common_set_m"] <= g["rms3d_common_over_m"], (mask, over)
