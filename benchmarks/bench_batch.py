"""Batch throughput: station-days per minute with 1 and 2 Dask workers, and one task's peak memory.

    python benchmarks/bench_batch.py              # 1-hour station-days (ESBC, WTZR, WTZZ x copies)
    python benchmarks/bench_batch.py --full-day --rounds 1   # 4 full ESBC days (slow: ~30-60 s each)
    python benchmarks/bench_batch.py --memory     # peak RSS of one full-day ESBC task, in a fresh process

Each copy is a symlink to a real file under another station name, so every station-day is real
data and a distinct task. Clusters are started and warmed (numba caches, imports) before timing:
the figure is the steady-state rate a long network run sees. The machine's other load shows in the
figures; run it on an idle machine for numbers to quote.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lodestar.data import data_dir

HOUR_FILES = ["ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx", "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
              "WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"]
FULL_DAY = "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
NAV = ["ESBC00DNK_R_20201770000_01D_MN.rnx.gz", "ESBC00DNK_R_20201770000_01D_RN.rnx"]


def make_network(root: Path, sources: list[Path], copies: int) -> tuple[Path, Path]:
    obs, nav = root / "obs", root / "nav"
    obs.mkdir()
    nav.mkdir()
    for i in range(copies):
        for j, source in enumerate(sources):
            name = f"B{i:02d}{j}" + source.name[4:].replace("_120epoch", "")
            (obs / name).symlink_to(source)
    esbc = data_dir() / "esbc-2020-177"
    for name in NAV:
        (nav / name).symlink_to(esbc / name)
    return obs, nav


def rates(workers: int, obs: Path, nav: Path, root: Path, rounds: int, warm: int) -> list[tuple[float, int, float]]:
    """(station-days per minute, station-days, seconds) for each round on one warmed cluster."""
    from dask.distributed import Client, LocalCluster

    from lodestar.batch.run import run_batch

    figures = []
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit="3GiB",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # warm the workers (imports, numba caches) before timing
        run_batch(sorted(obs.iterdir())[: warm * workers], nav, root / f"warm-{workers}", client=client, progress=False)
        for round_ in range(rounds):
            start = time.perf_counter()
            result = run_batch([obs], nav, root / f"out-{workers}-{round_}", client=client, progress=False)
            elapsed = time.perf_counter() - start
            days = result.summary[["station", "date"]].drop_duplicates().shape[0]
            figures.append((days / elapsed * 60.0, days, elapsed))
    return figures


def peak_memory_of_one_task() -> tuple[float, float]:
    """Peak RSS (MiB) of a fresh process running one full-day ESBC task, and of one only importing."""
    esbc = data_dir() / "esbc-2020-177"
    with tempfile.TemporaryDirectory() as out:
        task = (
            "from lodestar.batch.discover import StationDay\n"
            "from lodestar.batch.tasks import TaskOptions, run_station_day\n"
            f"day = StationDay('ESBC', 'ESBC00DNK', '2020-06-25', {str(esbc / FULL_DAY)!r},"
            f" nav=({str(esbc / NAV[0])!r}, {str(esbc / NAV[1])!r}))\n"
            f"rows = run_station_day(day, TaskOptions(('R', 'C', 'R+C', 'G+R+E+C'), (10, 20, 30, 40), (), {out!r}))\n"
            "assert all(r['status'] == 'ok' for r in rows), rows\n"
        )
        baseline = "import lodestar.batch.tasks, lodestar.analysis.compare, lodestar.positioning\n"
        return _child_peak_mib(baseline), _child_peak_mib(task)


def _child_peak_mib(code: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024.0  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-day", action="store_true", help="full ESBC days instead of 1-hour files")
    parser.add_argument("--copies", type=int, default=None, help="copies of each file (default 4)")
    parser.add_argument("--memory", action="store_true", help="measure one full-day task's peak memory instead")
    parser.add_argument("--rounds", type=int, default=2, help="timed runs per worker count (best is kept)")
    args = parser.parse_args()
    if args.memory:
        baseline, task = peak_memory_of_one_task()
        print(f"peak RSS: imports only {baseline:.0f} MiB; one full-day ESBC task (4 sets x 4 masks) {task:.0f} MiB")
        return
    esbc = data_dir() / "esbc-2020-177"
    sources = [esbc / FULL_DAY] if args.full_day else [esbc / name for name in HOUR_FILES]
    copies = args.copies or 4
    with tempfile.TemporaryDirectory() as tmp:
        obs, nav = make_network(Path(tmp), sources, copies)
        warm = 1 if args.full_day else len(sources)
        figures = {workers: rates(workers, obs, nav, Path(tmp), args.rounds, warm) for workers in (1, 2)}
    kind = "full-day" if args.full_day else "1-hour"
    for workers, runs in figures.items():
        shown = ", ".join(f"{elapsed:.1f} s" for _, _, elapsed in runs)
        per_minute, days, _ = max(runs)
        print(f"{workers} worker(s): {days} {kind} station-days in {shown} -> best {per_minute:6.1f} station-days/min")
    ratio = max(figures[2])[0] / max(figures[1])[0]
    print(f"scaling 2 vs 1 workers: x{ratio:.2f} (ideal x2.00 on 2 idle cores); "
          f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
