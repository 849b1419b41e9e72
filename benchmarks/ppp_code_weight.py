"""What a heavier code weight would buy Lodestar's PPP: the upper bound of an uncombined model's gain.

    python benchmarks/ppp_code_weight.py [--data DIR] [--sigmas 0.3 0.1] [--cases ESBC:R+C:kinematic:2 ...]

An uncombined model (slant ionosphere per satellite as a state) differs from the ionosphere-free one
only through what it assumes of the ionosphere: with the slant delays free every epoch it is the IF
model rewritten, with the same position (eliminating a free delay per satellite and epoch from the two
code and two phase rows leaves the IF rows); with the delays tied in time (a random walk, or an external model) the codes enter with nearly their
raw noise instead of the IF combination's factor of 3 (GPS L1/L2 2.98, BeiDou B1I/B3I 3.53, GLONASS
G1/G2 2.96). So the most it can gain is what the IF code would gain from a sigma three times smaller:
this script runs the same cases with the code sigma ``a`` (``ppp(code_sigma_m=...)``, RTKLIB's 0.3 m
by default) at each value of ``--sigmas`` and prints convergence (2-hour restarts: median and 95th
percentile over the segments, 3D RMS after convergence) or the static final error and formal sigma.
Inputs and truths are ``bench_ppp.py``'s (``CASES``), forward (causal) filter, 7 deg mask. An
ablation of one parameter, not a comparison with a peer (bench_ppp.py does that).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_ppp import CASES, _truth, solve_case  # the benchmark's inputs and truths, one definition

DEFAULT_CASES = ("ESBC:R+C:kinematic:2", "ESBC:G+R+E+C:kinematic:2", "WTZZ:C:static", "WTZR:R+C:static")


def run(data: Path, spec: str, code_sigma_m: float) -> str:
    from lodestar.analysis.ppp_convergence import dataset_errors, restart_statistics
    from lodestar.positioning.ppp import accuracy_summary

    station, system_set, mode, *hours = spec.split(":")
    label = f"{station} {system_set} {mode:<9} code {code_sigma_m:4.2f} m"
    truth = _truth(data, CASES[station])
    if hours:
        restart_s = float(hours[0]) * 3600.0
        ds, wall = solve_case(data, station, system_set, mode, code_sigma_m=code_sigma_m, restart_s=restart_s)
        stats = restart_statistics(*dataset_errors(ds, truth), restart_s)
        return (f"{label}  {hours[0]}-h restarts: median {stats['median_convergence_s'] / 60:5.1f} min  "
                f"p95 {stats['p95_convergence_s'] / 60:5.1f} min  converged {stats['converged_segments']}/"
                f"{stats['segments']}  RMS3D after {stats['rms_3d_after_m'] * 1e3:5.1f} mm  {wall:5.1f} s")
    ds, wall = solve_case(data, station, system_set, mode, code_sigma_m=code_sigma_m)
    info = accuracy_summary(ds, truth)
    enu = np.asarray(info["final_error_enu_m"]) * 1e3
    sig = np.array([float(ds[k].values[-1]) for k in ("sde_m", "sdn_m", "sdu_m")]) * 1e3
    return (f"{label}  final E/N/U {enu[0]:+7.1f} {enu[1]:+7.1f} {enu[2]:+7.1f} mm  "
            f"3D {info['final_error_3d_m'] * 1e3:6.1f} mm  sigma E/N/U {sig[0]:6.1f} {sig[1]:6.1f} {sig[2]:6.1f} mm"
            f"  {wall:5.1f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), metavar="STATION:SET:MODE[:HOURS]")
    parser.add_argument("--sigmas", nargs="+", type=float, default=[0.3, 0.1], metavar="M")
    args = parser.parse_args(argv)
    print("Code sigma a (m) of sigma^2 = a^2 + a^2 / sin^2 E, times the IF factor (forward filter, 7 deg mask)")
    for spec in args.cases:
        for sigma in args.sigmas:
            print(run(args.data, spec, sigma), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
