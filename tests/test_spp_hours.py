"""The ESBC day as 24 one-hour runs beside RTKLIB 2.4.3 (``benchmarks/bench_spp_hours.py``, issue #15).

Reference: RTKLIB 2.4.3 b34's forward single-point solutions of the day shipped in
``esbc-2020-177/rtklib/`` (``rnx2rtkp -k spp.conf``: an independent tool's output), reduced to the
marker; truth ESBC's ITRF2014 position (tests/reference.py). Figures in docs/positioning.md
("third look") and docs/complementarity.md ("ESBC's first hour and 23 more").
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from lodestar.positioning import prepare, solve

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_spp_hours.py"
HOUR_FILE = "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"  # the day's first hour, same receiver


def _bench():
    spec = importlib.util.spec_from_file_location("bench_spp_hours", _BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def day(esbc):
    return prepare(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
                   systems="GREC")


def _xyz(ds):
    return np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)


@pytest.mark.slow
@pytest.mark.parametrize("causal", [False, True], ids=["post-processing", "causal"])
def test_an_hour_cut_from_the_day_is_the_one_hour_file(esbc, day, causal):
    """The benchmark's method: the day's first 120 epochs solve exactly as the 120-epoch file (1 mm)."""
    hour = prepare(esbc / HOUR_FILE, esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz", systems="GREC")
    cut = _bench()._hour_of(day, 0)
    for system_set in ("C", "R+C"):
        a, b = solve(cut, systems=system_set, causal=causal), solve(hour, systems=system_set, causal=causal)
        assert (a["status"].values == b["status"].values).all()
        np.testing.assert_allclose(_xyz(a), _xyz(b), atol=1e-3)


@pytest.mark.slow
def test_every_set_beats_rtklib_over_the_24_hours(data):
    """Mean of the 24 hourly 3D RMS, both modes, below RTKLIB's for every set (measured: RTKLIB R 3.07,
    C 1.63, R+C 1.51, G+R+E+C 1.09 m; post-processing 2.65 / 1.56 / 1.41 / 0.76, causal 2.93 / 1.50 /
    1.42 / 0.84 m). Hour by hour it is not so (WTZR's and TLSE's BeiDou hours are xfails in
    test_causal.py): the pair rule is reported, not asserted, here."""
    bench = _bench()
    sets = ("R", "C", "R+C", "G+R+E+C")
    result = bench.run(data, sets, range(24))
    for s in sets:
        rtklib = np.mean(result["rtklib"][s])
        for mode, _ in bench.MODES:
            assert np.mean(result["ours"][(mode, s)]) < rtklib, (mode, s)
