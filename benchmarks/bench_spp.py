"""Single-point positioning: Lodestar vs RTKLIB 2.4.3 ``rnx2rtkp``, speed and accuracy.

    python benchmarks/bench_spp.py [--data DIR] [--repeat 3] [--no-speed] [--no-accuracy] [--readme]
        [--modes klobuchar nequick ...] [--no-complementarity]

Speed (issue #4): end to end on the decompressed full ESBC day (read obs + nav, orbits, solve
R+C for 2880 epochs, write the CSV) as two processes, ``lodestar solve`` and ``rnx2rtkp -k
spp.conf`` (Debian package ``rtklib``, 2.4.3 b34), run alternately ``--repeat`` times after one
warm-up run each: median wall time, the ratio, the median CPU time (user + system) and its ratio,
and each process's peak resident memory (``os.wait4`` rusage).

Accuracy: epochs solved, horizontal / vertical / 3D RMS and 95th percentile for every system set,
Lodestar (Klobuchar, NeQuick-G, iono-free, iono-free + Hatch) beside RTKLIB with the same settings, each row
with its mode: ``causal`` (every epoch from the past only: RTKLIB's forward solution, Lodestar
``solve --causal``) or ``post-processing`` (Lodestar's default: code biases, inter-system bias and
weights estimated over the whole file, then applied to every epoch):
- ESBC full day against its ITRF2014 marker position (data README: the header position is
  ETRS89, 0.77 m away); RTKLIB's figures from the solutions shipped in ``esbc-2020-177/rtklib/``;
- WTZR, WTZZ (2020-177, 1 h) and TLSE (2024-001 18:00, 1 h) against SINEX; RTKLIB run here with
  the same ``spp.conf`` (``rnx2rtkp`` if installed, else the same RTKLIB 2.4.3 through PyPI's
  ``pyrtklib`` ``postpos``).
RTKLIB's positions are of the antenna reference point: the header's ANTENNA: DELTA H/E/N is
removed from them (ESBC: 0.216 m) before comparing, as Lodestar does.
Complementarity: GLONASS + BeiDou against each alone on the epochs both solved (10° and 30°), in
both modes (``analysis.compare.common_epoch_gains``: the fairness rule of docs/complementarity.md).
``--readme`` writes the tables into README.md between ``<!-- bench_spp:start/end -->``.

What profiling the speed run taught (pyinstrument on ``lodestar solve``, one fresh process; rnx2rtkp
takes ~1.25 s here): of the first 2.0 s, more than half was start-up cost, not computing.
- xarray asks of every array given to ``Dataset``/``Variable`` whether it is a dask array; with dask
  installed (``lodestar batch``) the first question imports dask + dask.array + scipy.sparse/fft:
  ~0.3-0.5 s, once per process, wherever the first Dataset is built. ``lodestar/xarray_build.py`` builds
  Variables and indexed coordinates through public xarray API that skips the question (identical
  Datasets); every Dataset on the path must do so, or the cost just moves to the next one.
- numba: importing it (+ scipy.linalg) and loading the cached kernels cost ~0.35-0.5 s before the
  first observation was read; the numpy reader (``io/_obs_scan.py``) reads the R+C day in ~0.15 s.
- The CLI imported every command module to build its parser (``cli/orbits.py`` pulled pandas and
  xarray at start): heavy imports now live inside each command's ``run``.
- Work for nothing: all ~4900 navigation records were parsed for an R+C run (``read_nav(systems=)``
  now skips the others unread) and every (epoch, satellite) cell was propagated, observed or not
  (``BroadcastEphemeris.states(cells=)``: 39 % of the R+C grid is observed).
- What remains is mostly fixed: Python + numpy + pandas + xarray imports ~0.4 s, interpreter
  teardown ~0.1 s, the estimator ~0.35 s.

The second profile (the ratio had regressed from 0.96 to 1.05-1.18 as screening, RAIM/integrity,
phase centres and biases landed; ``python -X importtime`` and cProfile of ``python -m lodestar.cli
solve``; docs/positioning.md "Speed"): no new import was to blame, the work had grown.
- The reader parsed every field (24 R+C codes) for the 4 pseudorange codes a solution uses:
  ``read_obs(codes=prepare.observation_codes(...))`` reads 0.30 -> 0.11 s.
- Per Gauss-Newton iteration (12 per solve) the line of sight on (T, S, 3) arrays cost 10 ms and
  ``eigvalsh`` for every normal matrix ~5 ms: per-plane arithmetic (bit-identical), and the
  eigenvalues only where ``||N||_F ||N^-1||_F`` cannot rule out a condition above 1e12.
- The CSV went through pandas' Arrow strings: the ``csv`` module writes the same bytes in half the
  time; interpreter teardown (~0.1 s of freeing pandas' objects) is skipped after the exit handlers;
  glibc's page faults on re-allocated temporaries (55k -> 38k per run) through ``mallopt``.
- Measured with this script under load ~7.5: ratio 1.19 (CPU 1.09) before, 0.85 (CPU 0.86) after.
- This script ran Lodestar under ``PYTHONDONTWRITEBYTECODE`` (set in the workplace): ~90 modules
  recompiled per run, 0.1-0.3 s no installed package pays. The children now keep the bytecode cache.
- Under load, wall times of both programs stretch by 2-3x; the CPU-time ratio printed beside the
  wall-time ratio moves less with the other processes on the machine.
Every change keeps the CSV byte-identical (tests/test_solve_speed_paths.py).
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: ESBC marker, ITRF2014 at 2020-06-25 (data README "Reference coordinates": the header's ETRF2000
#: coordinate moved to ITRF2014 with the EUREF transformation; 1-2 cm). Not the header (ETRS89).
ESBC_TRUTH = np.array([3582104.768, 532590.174, 5232755.144])
ESBC_ANTENNA_HEN_M = (0.216, 0.0, 0.0)  # ESBC header ANTENNA: DELTA H/E/N (data README)
MODES = (  # (label, prepare variant, causal)
    ("klobuchar", "klobuchar", False), ("klobuchar", "klobuchar", True),
    ("klobuchar+hatch100", "klobuchar+hatch100", False), ("iflc", "iflc", False),
    ("iflc+hatch300", "iflc+hatch300", False), ("nequick", "nequick", False), ("nequick", "nequick", True))
NAVSYS = {"R": 4, "C": 32, "R+C": 36, "G+R+E+C": 45}  # RTKLIB pos1-navsys bit masks
SETS = ("R", "C", "R+C", "G+R+E+C")
STATIONS = [  # name, obs, nav, SINEX epoch
    ("WTZR", "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
     "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz", "2020-06-25T00:30:00"),
    ("WTZZ", "esbc-2020-177/WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
     "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz", "2020-06-25T00:30:00"),
    ("TLSE", "tlse-2024-001/TLSE00FRA_R_20240011800_01H_30S_MO.crx.gz",
     "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz", "2024-01-01T18:30:00"),
]


def _decompress(src: Path, dst: Path) -> Path:
    from lodestar.io.compression import read_bytes

    dst.write_bytes(read_bytes(src))
    return dst


def _conf(data: Path, tmp: Path, system_set: str) -> Path:
    text = (data / "esbc-2020-177/rtklib/spp.conf").read_text()
    lines = [f"pos1-navsys        ={NAVSYS[system_set]}" if line.startswith("pos1-navsys") else line
             for line in text.splitlines()]
    path = tmp / f"spp_{system_set.replace('+', '')}.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(command, env=None) -> tuple[float, float, float]:
    """Wall time (s), CPU time user + system (s) and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{command[0]} failed with status {status}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def _lodestar_env() -> dict:
    """This environment, minus PYTHONDONTWRITEBYTECODE: an installed package runs from compiled
    bytecode (pip compiles it; a source tree writes ``__pycache__`` on its first run). With the
    variable set, every run recompiled ~90 Lodestar modules: ~0.1-0.3 s that no user pays."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def speed(data: Path, tmp: Path, repeat: int) -> dict:
    obs = _decompress(data / "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", tmp / "esbc.obs")
    nav = _decompress(data / "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz", tmp / "esbc.nav")
    lodestar = [sys.executable, "-m", "lodestar.cli", "solve", str(obs), "--nav", str(nav), "--systems", "R+C",
                "--out", str(tmp / "lodestar.csv")]
    rtklib = ["rnx2rtkp", "-k", str(_conf(data, tmp, "R+C")), "-o", str(tmp / "rtklib.pos"), str(obs), str(nav)]
    env = {"lodestar": _lodestar_env(), "rtklib": None}
    _run(lodestar, env["lodestar"])  # warm the file cache and write the bytecode cache once
    _run(rtklib)
    times = {"lodestar": [], "rtklib": []}
    cpu = {"lodestar": [], "rtklib": []}
    memory = {"lodestar": 0.0, "rtklib": 0.0}
    for _ in range(repeat):
        for name, command in (("lodestar", lodestar), ("rtklib", rtklib)):
            elapsed, used, rss = _run(command, env[name])
            times[name].append(elapsed)
            cpu[name].append(used)
            memory[name] = max(memory[name], rss)
    result = {name: statistics.median(values) for name, values in times.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    print("\nSpeed: decompressed ESBC day, R+C, 2880 epochs, read + orbits + solve + write")
    for name in ("lodestar", "rtklib"):
        print(f"  {name:9s} median {result[name]:6.2f} s  (runs {', '.join(f'{t:.2f}' for t in times[name])})"
              f"  CPU {cpu_median[name]:5.2f} s  peak RSS {memory[name]:7.1f} MB")
    print(f"  ratio lodestar / rtklib = {result['lodestar'] / result['rtklib']:.2f}  (target <= 1, aim 0.5); "
          f"CPU time ratio {cpu_median['lodestar'] / cpu_median['rtklib']:.2f}")
    return {"times": times, "median": result, "cpu": cpu, "cpu_median": cpu_median, "peak_rss_mb": memory}


def _stats(xyz, truth, epochs):
    from lodestar.frames import ecef_to_enu, ecef_to_geodetic

    ok = np.isfinite(xyz).all(axis=1)
    lat, lon, _ = ecef_to_geodetic(truth)
    enu = ecef_to_enu(xyz[ok] - truth, lat, lon)
    h, v, d = np.hypot(enu[:, 0], enu[:, 1]), np.abs(enu[:, 2]), np.linalg.norm(enu, axis=1)

    def pair(e):
        return (float(np.sqrt(np.mean(e**2))), float(np.percentile(e, 95))) if e.size else (np.nan, np.nan)

    return {"epochs": epochs, "solved": int(ok.sum()), "h": pair(h), "v": pair(v), "3d": pair(d)}


def _rtklib_xyz(pos: Path, antenna_hen, epochs_total):
    from lodestar.frames import ecef_to_geodetic, enu_matrix

    xyz = np.loadtxt(pos, comments="%", usecols=(2, 3, 4), ndmin=2)
    if np.any(antenna_hen):
        lat, lon, _ = ecef_to_geodetic(xyz)
        offset = np.array([antenna_hen[1], antenna_hen[2], antenna_hen[0]])
        xyz = xyz - np.einsum("tij,i->tj", enu_matrix(lat, lon), offset)
    return xyz, epochs_total


def _mode_name(causal: bool) -> str:
    return "causal" if causal else "post-processing"


def _lodestar_rows(prep_by_mode, truth, modes=MODES):
    from lodestar.positioning import solve

    rows = {}
    for label, variant, causal in modes:
        for system_set in SETS:
            ds = solve(prep_by_mode[variant], systems=system_set, causal=causal)
            xyz = np.stack([ds["x_m"].values, ds["y_m"].values, ds["z_m"].values], axis=-1)
            rows[(label, causal, system_set)] = _stats(xyz, truth, ds.sizes["time"])
    return rows


def complementarity(prep, truth, masks=(10.0, 30.0)) -> list[dict]:
    """R+C over R and over C on the epochs both solved, per mask and mode (common_epoch_gains)."""
    from lodestar.analysis.compare import solved_errors_by_epoch, common_epoch_gains
    from lodestar.positioning import solve

    out = []
    for causal in (False, True):
        solved = {(s, m): solved_errors_by_epoch(solve(prep, systems=s, mask_deg=m, causal=causal), truth)
                  for s in ("R", "C", "R+C") for m in masks}
        gains = common_epoch_gains(solved, ("R", "C", "R+C"), masks)
        out += [{**row, "mode": _mode_name(causal)} for row in gains.to_dict("records") if row["set"] == "R+C"]
    return out


def _prepare_modes(obs, nav, variants=None):
    from lodestar.positioning import prepare

    options = {"klobuchar": {}, "iflc": {"iono": "iflc"}, "iflc+hatch300": {"iono": "iflc", "smoothing_s": 300},
               "klobuchar+hatch100": {"smoothing_s": 100}, "nequick": {"iono": "nequick"}}
    return {name: prepare(obs, nav, systems="GREC", **kwargs) for name, kwargs in options.items()
            if variants is None or name in variants or name == "klobuchar"}  # complementarity takes klobuchar


def accuracy(data: Path, tmp: Path, labels=None, complementarity_rows=True) -> tuple[list[str], list[str]]:
    from lodestar.io.rinex_nav import read_nav
    from lodestar.io.rinex_obs import read_obs
    from lodestar.io.sinex import station_position

    table = ["| station | set | solver | mode | epochs solved | H RMS / 95 % (m) | V RMS / 95 % (m) | 3D RMS / 95 % (m) |",
             "|---|---|---|---|---|---|---|---|"]
    pairs = ["| station | mode | mask | over | epochs solved R+C / alone | common epochs | 3D RMS R+C / alone "
             "on common (m) | gain | R+C never worse |", "|---|---|---|---|---|---|---|---|---|"]
    cases = [("ESBC (day)", "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz",
              "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz", None)] + STATIONS
    sinex = sorted(glob.glob(str(data / "sinex" / "*")))
    for name, obs_rel, nav_rel, epoch in cases:
        obs = read_obs(data / obs_rel)
        nav = read_nav(data / nav_rel)
        truth = ESBC_TRUTH if epoch is None else station_position(sinex, name, epoch)
        modes = [m for m in MODES if labels is None or m[0] in labels]
        preps = _prepare_modes(obs, nav, {variant for _, variant, _ in modes})
        ours = _lodestar_rows(preps, truth, modes)
        theirs = _rtklib_rows(data, tmp, name, obs_rel, nav_rel, obs, truth)
        for system_set in SETS:
            rows = [("RTKLIB 2.4.3", "causal", theirs.get(system_set))] + [
                (f"Lodestar {label}", _mode_name(causal), ours[(label, causal, system_set)])
                for label, _, causal in modes]
            for solver, mode, s in rows:
                if s is None:
                    continue
                table.append(f"| {name} | {system_set} | {solver} | {mode} | {s['solved']}/{s['epochs']} | "
                             f"{s['h'][0]:.2f} / {s['h'][1]:.2f} | {s['v'][0]:.2f} / {s['v'][1]:.2f} | "
                             f"{s['3d'][0]:.2f} / {s['3d'][1]:.2f} |")
        for g in (complementarity(preps["klobuchar"], truth) if complementarity_rows else []):
            if not g["common_epochs"]:  # the system alone solved nothing: availability only
                pairs.append(f"| {name} | {g['mode']} | {g['mask_deg']:g}° | {g['over']} | "
                             f"{g['epochs_solved_set']} / {g['epochs_solved_over']} | 0 | — | — | (no common epoch) |")
                continue
            better = g["rms3d_common_set_m"] <= g["rms3d_common_over_m"]
            pairs.append(f"| {name} | {g['mode']} | {g['mask_deg']:g}° | {g['over']} | "
                         f"{g['epochs_solved_set']} / {g['epochs_solved_over']} | {g['common_epochs']} | "
                         f"{g['rms3d_common_set_m']:.2f} / {g['rms3d_common_over_m']:.2f} | "
                         f"{g['gain_common_rms3d_pct']:+.0f} % | {'yes' if better else '**no**'} |")
    return table, pairs


def _rtklib_rows(data, tmp, name, obs_rel, nav_rel, obs, truth):
    epochs = obs.sizes["time"]
    if name.startswith("ESBC"):
        out = {}
        for system_set in SETS:
            pos = data / "esbc-2020-177/rtklib" / f"ESBC_2020177_spp_{system_set}.pos"
            xyz, _ = _rtklib_xyz(pos, ESBC_ANTENNA_HEN_M, epochs)  # antenna reference point -> marker
            out[system_set] = _stats(xyz, truth, epochs)
        return out
    obs_file = _decompress(data / obs_rel, tmp / f"{name}.obs")
    nav_file = _decompress(data / nav_rel, tmp / f"{name}.nav")
    hen = obs.attrs.get("antenna_delta_hen_m") or [0.0, 0.0, 0.0]
    out = {}
    for system_set in SETS:
        pos = tmp / f"{name}_{system_set}.pos"
        if not _run_rtklib(_conf(data, tmp, system_set), obs_file, nav_file, pos):
            return {}
        if pos.exists():
            xyz, _ = _rtklib_xyz(pos, hen, epochs)
            out[system_set] = _stats(xyz, truth, epochs)
    return out


def _run_rtklib(conf: Path, obs: Path, nav: Path, pos: Path) -> bool:
    """RTKLIB 2.4.3 single point with ``conf``: ``rnx2rtkp`` if installed, else ``pyrtklib.postpos``."""
    if shutil.which("rnx2rtkp") is not None:
        subprocess.run(["rnx2rtkp", "-k", str(conf), "-o", str(pos), str(obs), str(nav)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return True
    try:
        import pyrtklib as rtk
    except ImportError:
        print("neither rnx2rtkp (apt-get install rtklib) nor pyrtklib (pip) found: no RTKLIB rows for", obs.name)
        return False
    popt, sopt, fopt = rtk.prcopt_t(), rtk.solopt_t(), rtk.filopt_t()
    rtk.resetsysopts()
    rtk.loadopts(str(conf), rtk.sysopts[0])
    rtk.getsysopts(popt, sopt, fopt)
    out = rtk.Arr1Dchar(len(str(pos)) + 1)  # postpos takes the output path as a C char array
    for i, char in enumerate(str(pos) + "\0"):
        out[i] = char
    rtk.postpos(rtk.gtime_t(), rtk.gtime_t(), 0.0, 0.0, popt, sopt, fopt, [str(obs), str(nav)], 2, out, "", "")
    return True


def _write_readme(lines: list[str]) -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text()
    block = "<!-- bench_spp:start -->\n" + "\n".join(lines) + "\n<!-- bench_spp:end -->"
    if "<!-- bench_spp:start -->" in text:
        head, rest = text.split("<!-- bench_spp:start -->", 1)
        text = head + block + rest.split("<!-- bench_spp:end -->", 1)[1]
    else:
        text = text.rstrip() + "\n\n## Single-point positioning vs RTKLIB (benchmarks/bench_spp.py)\n\n" + block + "\n"
    readme.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="sample-data folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md")
    parser.add_argument("--modes", nargs="+", choices=sorted({label for label, _, _ in MODES}), default=None,
                        help="only these Lodestar rows (default: all), e.g. klobuchar nequick")
    parser.add_argument("--no-complementarity", action="store_true", help="skip the GLONASS + BeiDou table")
    args = parser.parse_args()
    from lodestar.data import data_dir

    data = data_dir(args.data)
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench_spp_") as name:
        tmp = Path(name)
        if not args.no_speed:
            if shutil.which("rnx2rtkp") is None:
                print("rnx2rtkp not found: apt-get install -y rtklib")
            else:
                result = speed(data, tmp, args.repeat)
                med, rss = result["median"], result["peak_rss_mb"]
                lines.append(f"Speed, ESBC day R+C end to end (median of {args.repeat}): Lodestar "
                             f"{med['lodestar']:.2f} s / {rss['lodestar']:.0f} MB, rnx2rtkp {med['rtklib']:.2f} s / "
                             f"{rss['rtklib']:.0f} MB, ratio {med['lodestar'] / med['rtklib']:.2f}.\n")
        if not args.no_accuracy:
            table, pairs = accuracy(data, tmp, args.modes, not args.no_complementarity)
            print("\nAccuracy (truth: ESBC ITRF2014; WTZR/WTZZ/TLSE SINEX; marker positions; 10° mask)")
            print("\n".join(table))
            if len(pairs) > 2:  # the header alone with --no-complementarity
                print("\nGLONASS + BeiDou against each alone, on the epochs both solved (Klobuchar)")
                print("\n".join(pairs))
            lines += table + ["", "GLONASS + BeiDou against each alone, on the epochs both solved:", ""] + pairs
    if args.readme and lines:
        _write_readme(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
