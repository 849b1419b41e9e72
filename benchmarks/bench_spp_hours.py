"""Single-point positioning hour by hour: 24 one-hour runs cut from the ESBC day, beside RTKLIB 2.4.3.

    python benchmarks/bench_spp_hours.py [--data DIR] [--sets R,C,R+C,G+R+E+C] [--hours 0-23]

Why: the one-hour figures of ``bench_spp.py`` and of the tests (WTZR, WTZZ, TLSE, ESBC's first
hour) are single draws. With 6-11 satellites a system's one-hour error is set by a few satellites'
metre-level range errors (docs/positioning.md, "BeiDou alone at WTZR and TLSE: third look"), so
a change of model moves them by +-0.2 m either way. Cutting the ESBC day (2020-177, 2880 epochs
at 30 s) into 24 independent hours gives 24 draws of the same question, on one receiver.

Each hour is solved on its own, as a one-hour file would be: ``post-processing`` (code biases,
inter-system bias and weights from that hour only) and ``causal`` (cold start at the hour's first
epoch). RTKLIB's figures are its forward solution over the same epochs, from the day solutions
shipped in ``esbc-2020-177/rtklib/`` (``rnx2rtkp -k spp.conf``: single, L1 code, Klobuchar,
Saastamoinen, 10° mask; filter-free, so an hour of the day is exactly a one-hour run), reduced
from the antenna reference point to the marker (0.216 m). Truth: ESBC's ITRF2014 marker position
(data README; the header position is ETRS89, 0.77 m away).

Printed per set and mode: the mean over the hours of the hourly 3D RMS (m), beside RTKLIB's, and in
how many hours Lodestar's is the lower; then the pair rule of docs/complementarity.md per hour:
in how many hours GLONASS + BeiDou is worse than BeiDou alone (or GLONASS alone) on the epochs
both solved (``analysis.compare.common_epoch_gains``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ESBC_TRUTH = np.array([3582104.768, 532590.174, 5232755.144])  # ITRF2014 marker, data README
ESBC_ANTENNA_HEN_M = (0.216, 0.0, 0.0)  # ESBC header ANTENNA: DELTA H/E/N (data README)
OBS = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
EPOCHS_PER_HOUR = 120  # 30 s sampling
MODES = (("post-processing", False), ("causal", True))


def _hours(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def _rtklib_errors(data: Path, system_set: str):
    """``(seconds of day (N,), 3D error of the marker (N,) m)`` of RTKLIB's day solution."""
    from lodestar.frames import ecef_to_geodetic, enu_matrix

    path = data / "esbc-2020-177/rtklib" / f"ESBC_2020177_spp_{system_set}.pos"
    rows = [line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("%")]
    seconds = np.array([sum(float(x) * f for x, f in zip(r[1].split(":"), (3600, 60, 1))) for r in rows])
    xyz = np.array([[float(v) for v in r[2:5]] for r in rows])
    lat, lon, _ = ecef_to_geodetic(xyz)
    east_north_up = np.array([ESBC_ANTENNA_HEN_M[1], ESBC_ANTENNA_HEN_M[2], ESBC_ANTENNA_HEN_M[0]])
    marker = xyz - np.einsum("tij,i->tj", enu_matrix(lat, lon), east_north_up)
    return seconds, np.linalg.norm(marker - ESBC_TRUTH, axis=1)


def _hour_of(prep, hour: int):
    """The epochs of one hour of a day's Prepared, as a one-hour file would give them."""
    rows = slice(EPOCHS_PER_HOUR * hour, EPOCHS_PER_HOUR * (hour + 1))
    return replace(prep, time=prep.time[rows], pseudorange_m=prep.pseudorange_m[rows], sat_xyz=prep.sat_xyz[rows],
                   usable=prep.usable[rows], frequency_hz=prep.frequency_hz[rows], code=prep.code[rows])


def _rms_m(errors) -> float:
    errors = np.asarray(errors, float)
    return float(np.sqrt(np.mean(errors**2))) if errors.size else float("nan")


def _solved_rms_m(ds) -> float:
    from lodestar.positioning.accuracy import error_statistics

    return float(error_statistics(ds, ESBC_TRUTH)["rms_3d_m"])


def _pair_worse(solutions) -> dict:
    """``{"C": bool, "R": bool}``: R+C above the system alone on their common epochs (3D RMS)."""
    from lodestar.analysis.compare import common_epoch_gains, solved_errors_by_epoch

    solved = {(s, 10.0): solved_errors_by_epoch(solutions[s], ESBC_TRUTH) for s in ("R", "C", "R+C")}
    gains = common_epoch_gains(solved, ("R", "C", "R+C"), (10.0,))
    pair = gains[gains["set"] == "R+C"].set_index("over")
    return {over: bool(pair.loc[over, "rms3d_common_set_m"] > pair.loc[over, "rms3d_common_over_m"])
            for over in ("R", "C") if np.isfinite(pair.loc[over, "rms3d_common_over_m"])}


def run(data: Path, sets, hours) -> dict:
    """Hourly 3D RMS per (mode, set), RTKLIB's per set, and the pair rule per (mode, hour)."""
    from lodestar.positioning import prepare, solve

    prep = prepare(data / OBS, data / NAV, systems="GREC")
    rtklib = {s: _rtklib_errors(data, s) for s in sets}
    ours = {(mode, s): [] for mode, _ in MODES for s in sets}
    theirs = {s: [] for s in sets}
    pair = {mode: [] for mode, _ in MODES}
    for hour in hours:
        part = _hour_of(prep, hour)
        for s in sets:
            seconds, errors = rtklib[s]
            theirs[s].append(_rms_m(errors[(seconds >= 3600 * hour) & (seconds < 3600 * (hour + 1))]))
        for mode, causal in MODES:
            solutions = {s: solve(part, systems=s, causal=causal) for s in set(sets) | {"R", "C", "R+C"}}
            for s in sets:
                ours[(mode, s)].append(_solved_rms_m(solutions[s]))
            pair[mode].append(_pair_worse(solutions))
    return {"ours": ours, "rtklib": theirs, "pair": pair, "hours": list(hours)}


def report(result, sets) -> str:
    n = len(result["hours"])
    lines = [(f"ESBC 2020-177, {n} one-hour runs (3D RMS of the marker vs ITRF2014, mean over the hours, m; "
              "in brackets: hours where Lodestar is below RTKLIB)"),
             "| set | RTKLIB 2.4.3 (forward) | Lodestar post-processing | Lodestar causal |", "|---|---|---|---|"]
    for s in sets:
        rtk = np.array(result["rtklib"][s])
        cells = []
        for mode, _ in MODES:
            mine = np.array(result["ours"][(mode, s)])
            cells.append(f"{np.mean(mine):.2f} ({int(np.sum(mine < rtk))}/{n})")
        lines.append(f"| {s} | {np.mean(rtk):.2f} | " + " | ".join(cells) + " |")
    lines += ["", "GLONASS + BeiDou worse than one system alone on the epochs both solved (10° mask), hours:",
              "| mode | over C | over R | hours |", "|---|---|---|---|"]
    for mode, _ in MODES:
        flags = result["pair"][mode]
        worse_c = [h for h, f in zip(result["hours"], flags) if f.get("C")]
        worse_r = [h for h, f in zip(result["hours"], flags) if f.get("R")]
        lines.append(f"| {mode} | {len(worse_c)}/{n} | {len(worse_r)}/{n} | over C: "
                     f"{', '.join(f'{h:02d} h' for h in worse_c) or '-'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="sample-data folder")
    parser.add_argument("--sets", default="R,C,R+C,G+R+E+C", help="comma-separated system sets")
    parser.add_argument("--hours", default="0-23", help="hours of the day, e.g. 0-23 or 5")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from lodestar.data import data_dir

    sets = tuple(s.strip() for s in args.sets.split(",") if s.strip())
    print(report(run(data_dir(args.data), sets, _hours(args.hours)), sets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
