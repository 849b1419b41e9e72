"""One-hour static PPP, hour after hour of a day: many draws instead of one.

    python benchmarks/ppp_hours.py [--station ESBC] [--sets C] [--mode static] [--hours 0-23]
        [--peers lodestar sidereon rtklib] [--data DIR]

A one-hour, single-system static PPP ends on one draw of the hour's errors: the Wettzell hour of
BeiDou alone on IAC's 15-minute clocks (docs/ppp-benchmark.md) cannot say which solver is better.
The ESBC day has the same products (IAC's 15-minute BeiDou orbits and clocks, GRG's for the other
systems), so this cuts it into one-hour windows, solves each on its own with every peer (the
workers of ``bench_ppp.py``: the same files, the same ionosphere-free observations and arcs, each
window cut before the cycle-slip screening) and prints each window's final 3D error per peer, then
per peer the median, mean and 95th percentile over the windows and in how many windows each peer
is the closer one, and how often its final error lies within its own 1 and 3 sigma (every component;
each worker saves its sigma: Lodestar the last epoch's, sidereon its most conservative covariance, RTKLIB
its solution's sdx..sdzx turned to east/north/up). RTKLIB 2.4.3 reads the whole files and processes the
window's time span (``postpos`` start and end; its GLONASS-only and BeiDou sets give no solution here).
Post-processing of each hour on its own (static: one position for the hour);
figures in docs/ppp-benchmark.md ("The ESBC day hour by hour").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_ppp  # noqa: E402  (the workers and inputs of the PPP benchmark)

EPOCHS_PER_HOUR = 120  # 30-s sampling of every station-day here


def _hours(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def summarise(finals: dict[str, list[float]], ratios: dict[str, list[float]] | None = None) -> list[str]:
    """Per peer: median / mean / 95th percentile of the windows' final 3D errors, and wins.

    ``finals`` maps a peer to one final 3D error per window (NaN where it gave no solution); only
    windows every peer solved are compared, so the figures stand on the same hours. ``ratios`` (optional)
    maps a peer to each window's largest |error| / own 1-sigma over east, north and up: how often the
    solver's own sigma covers its error (1 and 3 sigma; NaN where it reports none)."""
    peers = list(finals)
    table = np.array([finals[p] for p in peers], dtype=float)
    both = np.all(np.isfinite(table), axis=0)
    lines = [f"windows solved by every peer: {int(both.sum())} of {table.shape[1]}"]
    if not both.any():
        return lines
    best = np.argmin(table[:, both], axis=0)
    for i, peer in enumerate(peers):
        values = table[i, both]
        line = (f"{peer:9s} median {np.median(values):.3f}  mean {np.mean(values):.3f}  "
                f"p95 {np.percentile(values, 95):.3f} m; closer in {int((best == i).sum())} of {int(both.sum())}")
        ratio = np.array((ratios or {}).get(peer, [np.nan] * table.shape[1]), dtype=float)[both]
        if np.isfinite(ratio).all():
            line += (f"; final error within its own 1 / 3 sigma (every component) in {int((ratio <= 1).sum())} / "
                     f"{int((ratio <= 3).sum())} of {ratio.size} (largest ratio {ratio.max():.1f})")
        lines.append(line)
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--station", default="ESBC", choices=sorted(bench_ppp.CASES))
    parser.add_argument("--sets", nargs="+", default=["C"])
    parser.add_argument("--mode", default="static", choices=bench_ppp.MODES)
    parser.add_argument("--hours", default="0-23", help="first-last hour of the day (UTC), e.g. 0-23 or 5")
    parser.add_argument("--peers", nargs="+", default=["lodestar", "sidereon"])
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    args = parser.parse_args(argv)
    missing = bench_ppp.available_peers()
    peers = [p for p in args.peers if not missing.get(p)]
    for peer in set(args.peers) - set(peers):
        print(f"{peer}: {missing[peer]}")
    with tempfile.TemporaryDirectory(prefix="ppp_hours_") as name:
        tmp = Path(name)
        inputs = bench_ppp.prepare_inputs(Path(args.data), tmp, bench_ppp.CASES[args.station])
        for system_set in args.sets:
            print(f"{args.station} {system_set} {args.mode}, one-hour windows; final error east/north/up, 3D (m)")
            finals: dict[str, list[float]] = {p: [] for p in peers}
            ratios: dict[str, list[float]] = {p: [] for p in peers}
            for hour in _hours(args.hours):
                window = [hour * EPOCHS_PER_HOUR, (hour + 1) * EPOCHS_PER_HOUR]
                inputs_path = tmp / "inputs.json"
                inputs_path.write_text(json.dumps({**inputs, "window": window}))
                cells = []
                for peer in peers:
                    out = tmp / f"{peer}_{hour:02d}.npz"
                    meta = bench_ppp.run_child(peer, inputs_path, system_set, args.mode, out)
                    summary = bench_ppp.score(out, inputs["truth"], args.mode)
                    if not summary or summary["final_error_enu_m"] is None:
                        finals[peer].append(float("nan"))
                        ratios[peer].append(float("nan"))
                        cells.append(f"{peer} no solution ({meta.get('note', '')[:80]})")
                        continue
                    enu = summary["final_error_enu_m"]
                    finals[peer].append(summary["final_error_3d_m"])
                    sigma = summary.get("final_sigma_enu_m")
                    ratios[peer].append(float(np.max(np.abs(enu) / np.asarray(sigma))) if sigma else float("nan"))
                    cells.append(f"{peer} {enu[0]:+.3f}/{enu[1]:+.3f}/{enu[2]:+.3f} {summary['final_error_3d_m']:.3f}"
                                 + (f" (1σ {sigma[0]:.3f}/{sigma[1]:.3f}/{sigma[2]:.3f})" if sigma else ""))
                print(f"{hour:02d} h  " + "   ".join(cells), flush=True)
            for line in summarise(finals, ratios):
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
