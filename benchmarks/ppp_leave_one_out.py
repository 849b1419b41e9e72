"""How much one satellite decides a short PPP: the same run with each satellite left out in turn.

    python benchmarks/ppp_leave_one_out.py [--station WTZZ] [--set C] [--mode static]
        [--peers lodestar sidereon] [--data DIR]

For a one-hour, single-system static PPP (8 BeiDou satellites at WTZZ) the final error is one draw:
a peer closer to the truth on the full set may be its luck, not its model. This runs
``bench_ppp.py``'s workers (same files, same ionosphere-free observations and arcs for every peer)
once with every satellite and once without each satellite of the set, and prints the final
east/north/up error and 3D error of each run, per peer, and the mean and spread of the leave-one-out
3D errors. Figures in docs/ppp-benchmark.md ("One hour of BeiDou alone at WTZZ").
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


def _satellites(inputs: dict, system_set: str) -> list[str]:
    _, dual, _, _, _, arc = bench_ppp._if_observations(inputs, system_set)
    return [str(sv) for j, sv in enumerate(dual.sv) if (arc[:, j] >= 0).any()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--station", default="WTZZ", choices=sorted(bench_ppp.CASES))
    parser.add_argument("--set", default="C")
    parser.add_argument("--mode", default="static", choices=bench_ppp.MODES)
    parser.add_argument("--peers", nargs="+", default=["lodestar", "sidereon"])
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    args = parser.parse_args(argv)
    missing = bench_ppp.available_peers()
    with tempfile.TemporaryDirectory(prefix="ppp_loo_") as name:
        tmp = Path(name)
        inputs = bench_ppp.prepare_inputs(Path(args.data), tmp, bench_ppp.CASES[args.station])
        svs = _satellites(inputs, args.set)
        print(f"{args.station} {args.set} {args.mode}: satellites {' '.join(svs)}; final error east/north/up, 3D (m)")
        for peer in args.peers:
            if missing.get(peer):
                print(f"{peer}: {missing[peer]}")
                continue
            loo, full = [], None
            for left_out in [None] + svs:
                inputs_path = tmp / "inputs.json"
                inputs_path.write_text(json.dumps({**inputs, "exclude": [left_out] if left_out else []}))
                out = tmp / f"{peer}_{left_out}.npz"
                meta = bench_ppp.run_child(peer, inputs_path, args.set, args.mode, out)
                summary = bench_ppp.score(out, inputs["truth"], args.mode)
                if not summary:
                    print(f"{peer:9s} without {left_out or '-':4s} no solution ({meta.get('note', '')})")
                    continue
                enu = np.asarray(summary["final_error_enu_m"])
                if left_out is None:
                    full = enu
                elif full is not None and np.allclose(enu, full, atol=1e-6, rtol=0):
                    print(f"{peer:9s} without {left_out:4s} no effect (not used: below the mask or no arc)")
                    continue
                print(f"{peer:9s} without {left_out or '-':4s} {enu[0]:+.3f} / {enu[1]:+.3f} / {enu[2]:+.3f}  "
                      f"{summary['final_error_3d_m']:.3f}")
                if left_out:
                    loo.append(summary["final_error_3d_m"])
            if loo:
                print(f"{peer:9s} leave-one-out 3D: mean {np.mean(loo):.3f}, min {np.min(loo):.3f}, max {np.max(loo):.3f} "
                      f"({len(loo)} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
