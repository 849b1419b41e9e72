"""Speed of the orbit layer: every G/R/E/C satellite every 30 s over the full ESBC day.

Prints the time of one vectorized call (2880 epochs x all satellites at once) beside a naive loop
that calls the same code once per epoch, and the precise (SP3 + CLK) equivalent when the readers
are available. Target (issue #3): under 1 s for the broadcast day.

    python benchmarks/bench_orbits.py [--data DIR]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lodestar.data import data_dir
from lodestar.io.rinex_nav import read_nav
from lodestar.orbits import BroadcastEphemeris
from lodestar.time import Time


def _best_of(function, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="sample-data folder")
    args = parser.parse_args()
    esbc = data_dir(args.data) / "esbc-2020-177"
    eph = BroadcastEphemeris(read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
    svs = [sv for sv in eph.svs if sv[0] in "GREC"]
    times = Time(np.datetime64("2020-06-25T00:00:00", "ns") + np.arange(2880) * np.timedelta64(30, "s"))

    vectorized = _best_of(lambda: eph.states(times, svs))
    naive = _best_of(lambda: [eph.states(times[i:i + 1], svs) for i in range(len(times))], repeat=1)
    st = eph.states(times, svs)
    print(f"broadcast, {len(times)} epochs x {len(svs)} satellites (G R E C), {st.valid.sum()} valid states:")
    print(f"  vectorized  {vectorized:8.3f} s   (target < 1 s)")
    print(f"  per-epoch   {naive:8.3f} s   ({naive / vectorized:.0f}x slower)")
    glonass = [sv for sv in svs if sv[0] == "R"]
    print(f"  GLONASS only (RK4, 60 s step): {_best_of(lambda: eph.states(times, glonass)):.3f} s")
    try:
        from lodestar.orbits.table import load_precise
    except ImportError:
        return
    try:
        precise = load_precise([esbc / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz",
                                esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
                               [esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"])
    except ImportError as exc:
        print(f"precise: skipped ({exc})")
        return
    psvs = list(precise.svs)
    print(f"precise (GRG SP3 10-point Lagrange + 30 s CLK), {len(times)} x {len(psvs)}: "
          f"{_best_of(lambda: precise.states(times, psvs)):.3f} s")


if __name__ == "__main__":
    main()
