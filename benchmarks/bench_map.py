"""Benchmark of ``lodestar map``'s kernel: the 1° grid over 24 h at 5-minute steps.

64,800 points x 288 epochs x every GLONASS + BeiDou satellite of the IGS merged navigation file
of 2024-01-01 (GEO and IGSO included), sets R, C and R+C, at the user mask and the 5° monitoring
mask, orbits included. Target (issue #8): under 30 s on the 2-core machine, bounded memory.
Beside it, the direct numpy formulation (design matrices + batched inverses) on a subset,
extrapolated to the full grid.

    python benchmarks/bench_map.py [--data DIR] [--subset-points 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from lodestar.analysis import _coverage_kernel as kernel
from lodestar.analysis import coverage as cv
from lodestar.data import data_dir
from lodestar.io.rinex_nav import read_nav

BRDC = "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def warm_up(nav) -> float:
    """Compile (or load from numba's cache) the kernels on a tiny problem; return the seconds."""
    start = time.perf_counter()
    cv.coverage_map(nav, date="2024-01-01", grid_deg=30, step_s=43200)
    return time.perf_counter() - start


def full_map(nav):
    start, cpu = time.perf_counter(), time.process_time()
    coverage = cv.coverage_map(nav, date="2024-01-01", mask_deg=10, grid_deg=1, step_s=300)
    return coverage, time.perf_counter() - start, time.process_time() - cpu


def numpy_subset(nav, n_points: int):
    """Direct numpy on ``n_points`` random grid points x 288 epochs, and the kernel on the same."""
    times = cv.day_times("2024-01-01", 300)
    position, valid, svs = cv.satellite_positions(nav, times, ("R", "C"))
    grid = cv.grid(1.0)
    pick = np.random.default_rng(1).choice(grid.points_m.shape[0], n_points, replace=False)
    system_of = cv._system_index(svs, ("R", "C"))
    bits = cv._set_codes(cv.MAP_SETS, ("R", "C"))
    start = time.perf_counter()
    cv.pdop_numpy(grid.points_m[pick], position, valid, system_of, 2, 10.0, bits)
    numpy_s = time.perf_counter() - start
    start = time.perf_counter()
    kernel.daily_sums(grid.points_m[pick], grid.ups[pick], position, valid, system_of, 2,
                      cv._sin_masks([10.0, cv.MONITOR_MASK_DEG]), bits, cv.MONITOR_PDOP_LIMIT)
    kernel_s = time.perf_counter() - start
    return numpy_s, kernel_s, len(svs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="sample-data folder")
    parser.add_argument("--subset-points", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()
    nav = read_nav(data_dir(args.data) / BRDC)
    read_s = time.perf_counter() - start
    compile_s = warm_up(nav)
    rss_before = peak_rss_mb()
    coverage, map_s, map_cpu_s = full_map(nav)
    rss_after = peak_rss_mb()
    numpy_s, kernel_s, n_sats = numpy_subset(nav, args.subset_points)
    full_points = 64_800
    print(f"navigation read           {read_s:7.2f} s   ({BRDC})")
    print(f"kernel compile/cache load {compile_s:7.2f} s")
    print(f"full map (orbits incl.)   {map_s:7.2f} s   64,800 points x 288 epochs x {n_sats} satellites, "
          "R, C, R+C at 10° and 5°   (target < 30 s)")
    print(f"                          {map_cpu_s:7.2f} s CPU over both cores (wall on an idle machine ~ CPU / 2; "
          f"load average now {os.getloadavg()[0]:.1f})")
    print(f"peak RSS                  {rss_after:7.0f} MB  (before the full map: {rss_before:.0f} MB)")
    print(f"subset {args.subset_points} points x 288 epochs: numpy {numpy_s:.2f} s, kernel {kernel_s:.3f} s "
          f"-> numpy full grid ~{numpy_s * full_points / args.subset_points:.0f} s "
          f"({numpy_s / kernel_s:.0f}x slower)")
    for name, stats in coverage.global_stats().items():
        print(f"  {name:4s} mean sats {stats['mean_sats']:5.2f}  mean PDOP {stats['mean_pdop']:5.2f}  "
              f"availability {100 * stats['availability']:6.2f} %  PDOP<=6 at 5° {100 * stats['pdop6_availability']:6.2f} %")


if __name__ == "__main__":
    main()
