"""Horizontal tropospheric gradients in Lodestar's PPP: the same runs with and without them.

    python benchmarks/ppp_gradients.py [--data DIR] [--cases ESBC:R:static ESBC:R+C:kinematic:2 WTZR:C:static ...]
                                       [--consistency ESBC:R:G+E]

Default cases (issue #13's sets): ESBC 2020-177 full day R, R+C, G+R+E+C static and R+C kinematic; the
WTZR / WTZZ hour R+C, G+R+E+C, C static. Inputs and truths are ``bench_ppp.py``'s (``CASES``: GRG SP3 +
30 s CLK, IAC SP3 for BeiDou, the SINEX offsets, the receiver antenna from ANTEX; ESBC's ITRF2014 truth,
SINEX truth at Wettzell), forward (causal) filter, 7 deg mask. Printed per run, with and without
(``gradients=True``): final E/N/U and 3D error, 3D RMS after convergence, convergence time (horizontal
< 0.10 m and 3D < 0.20 m to the end), within-3-sigma fraction, the range of G_N / G_E and the wall time.
A fourth field (``ESBC:R+C:kinematic:2``) restarts the filter every so many hours and prints the
median / 95th-percentile convergence over the segments and the 3D RMS after convergence
(``lodestar.analysis.ppp_convergence.restart_statistics``, as ``lodestar ppp --sets``).
``--consistency STATION:SET1:SET2``: the gradients estimated by two runs on disjoint satellite sets
(static, the whole day, the first 2 h left out): a common atmosphere (or site) signal correlates, noise
does not.
This is an ablation of one option, not a comparison with a peer (bench_ppp.py does that).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_ppp import CASES, _truth, solve_case  # the benchmark's inputs and truths, one definition

DEFAULT_CASES = ("ESBC:R:static", "ESBC:R+C:static", "ESBC:G+R+E+C:static", "ESBC:R+C:kinematic",
                 "WTZR:R+C:static", "WTZR:G+R+E+C:static", "WTZR:C:static",
                 "WTZZ:R+C:static", "WTZZ:G+R+E+C:static", "WTZZ:C:static")


def _solve(data: Path, station: str, system_set: str, mode: str, gradients: bool, restart_s=None):
    return solve_case(data, station, system_set, mode, gradients=gradients, restart_s=restart_s)


def run_case(data: Path, station: str, system_set: str, mode: str, gradients: bool) -> dict:
    from lodestar.positioning.ppp import accuracy_summary

    ds, wall = _solve(data, station, system_set, mode, gradients)
    info = accuracy_summary(ds, _truth(data, CASES[station]))
    row = {"case": f"{station} {system_set} {mode}", "gradients": gradients, "wall_s": wall, **info}
    if gradients:
        g = np.stack([ds["grad_n_m"].values, ds["grad_e_m"].values], axis=-1)
        row["grad_range_mm"] = (np.nanmin(g, axis=0) * 1e3, np.nanmax(g, axis=0) * 1e3)
        row["grad_final_mm"] = g[np.isfinite(g).all(axis=1)][-1] * 1e3
    return row


def run_restarts(data: Path, station: str, system_set: str, mode: str, hours: float, gradients: bool) -> str:
    from lodestar.analysis.ppp_convergence import dataset_errors, restart_statistics

    ds, wall = _solve(data, station, system_set, mode, gradients, restart_s=hours * 3600.0)
    stats = restart_statistics(*dataset_errors(ds, _truth(data, CASES[station])), hours * 3600.0)
    return (f"{station} {system_set} {mode}, {hours:g}-h restarts  {'on ' if gradients else 'off'} "
            f"median {stats['median_convergence_s'] / 60:5.1f} min  p95 {stats['p95_convergence_s'] / 60:5.1f} min  "
            f"converged {stats['converged_segments']}/{stats['segments']}  RMS3D after {stats['rms_3d_after_m'] * 1e3:5.1f} mm"
            f"  {wall:5.1f} s")


def consistency(data: Path, station: str, set_a: str, set_b: str) -> str:
    """Correlation of the gradients of two static runs on disjoint satellite sets (first 2 h left out)."""
    runs = [_solve(data, station, s, "static", True)[0] for s in (set_a, set_b)]
    since = runs[0]["since_start_s"].values
    keep = since > 7200.0
    lines = []
    for name in ("grad_n_m", "grad_e_m"):
        a, b = (r[name].values for r in runs)
        ok = keep & np.isfinite(a) & np.isfinite(b)
        r = np.corrcoef(a[ok], b[ok])[0, 1]
        lines.append(f"{name}: r = {r:+.2f}, RMS {set_a} {np.std(a[ok]) * 1e3:.2f} mm, {set_b} {np.std(b[ok]) * 1e3:.2f} mm, "
                     f"RMS difference {np.sqrt(np.mean((a[ok] - b[ok]) ** 2)) * 1e3:.2f} mm ({ok.sum()} epochs)")
    return f"{station} static {set_a} vs {set_b} (gradients on, after 2 h): " + "; ".join(lines)


def _fmt(row: dict) -> str:
    enu = row["final_error_enu_m"]
    conv, rms = row["convergence_s"], row["rms_3d_m"]
    rms_text = "   -   " if rms is None else f"{rms * 1e3:7.1f}"
    conv_text = "never" if conv is None else f"{conv / 60:6.1f} min"
    text = (f"{row['case']:<26} {'on ' if row['gradients'] else 'off'} "
            f"E/N/U {enu[0] * 1e3:+7.1f} {enu[1] * 1e3:+7.1f} {enu[2] * 1e3:+7.1f} mm  3D {row['final_error_3d_m'] * 1e3:7.1f} mm  "
            f"RMS3D {rms_text} mm  conv {conv_text}  "
            f"3sig {row.get('within_3sigma_fraction', float('nan')):.3f}  {row['wall_s']:5.1f} s")
    if "grad_range_mm" in row:
        lo, hi = row["grad_range_mm"]
        fin = row["grad_final_mm"]
        text += (f"  G_N {lo[0]:+.1f}..{hi[0]:+.1f} (final {fin[0]:+.2f}) G_E {lo[1]:+.1f}..{hi[1]:+.1f} "
                 f"(final {fin[1]:+.2f}) mm")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), metavar="STATION:SET:MODE[:HOURS]")
    parser.add_argument("--consistency", nargs="*", default=[], metavar="STATION:SET1:SET2")
    args = parser.parse_args(argv)
    print("Horizontal gradients on/off (forward filter, 7 deg mask; under load: wall times indicative only)")
    for spec in args.cases:
        station, system_set, mode, *hours = spec.split(":")
        for gradients in (False, True):
            if hours:
                print(run_restarts(args.data, station, system_set, mode, float(hours[0]), gradients), flush=True)
            else:
                print(_fmt(run_case(args.data, station, system_set, mode, gradients)), flush=True)
    for spec in args.consistency:
        print(consistency(args.data, *spec.split(":")), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
