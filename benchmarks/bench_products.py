"""Precise products in single-point positioning (issue #12): accuracy, coverage, speed, clock honesty.

    python benchmarks/bench_products.py [--data DIR] [--no-solve] [--no-speed] [--repeat 3] [--sets C R+C]
        [--iono klobuchar|nequick|iflc|observed ...] [--no-clock] [--diagnose]

1. Clock interpolation: GRG's 30 s CLK on 2020-06-25 decimated to 5 min and 15 min, linearly
   interpolated back to the 30 s epochs between the kept samples (what ``PreciseEphemeris`` does),
   compared with the 30 s values: RMS per system (and the worst satellite), in centimetres.
2. Accuracy on the ESBC day (2020-06-25, full day, 10 deg mask, Klobuchar (or ``--iono``), auto code biases)
   against ESBC's ITRF2014 truth (tests/reference.py), broadcast vs precise (and precise + WUM OSB
   code biases of 2020-001, the only Bias-SINEX with GLONASS/BeiDou here) **on the same epochs**:
   R with GRG SP3 (+ the day before) + 30 s CLK; C with IAC's SP3 (clocks inside); R+C and G+R+E+C
   with both at once; G, E and G+E with GRG when named in ``--sets``. Broadcast runs take the same
   SINEX files for the receiver antenna (same inputs); the last column is broadcast without it.
   Phase-centre offsets from the SINEX files of ``sinex/`` (ESA 2024-185, JAXA 2020-244, IGS 2020
   week 2131), else the published table (provenance printed). ``--iono observed``: Klobuchar replaced
   for GPS/Galileo by the carrier-levelled dual-frequency slant delay (a diagnostic); ``nequick``:
   Galileo's NeQuick-G (the header's ai0-ai2) for every system. Several ``--iono`` values: one table
   each, then the sets side by side (same epochs within each model's table).
3. Coverage: epochs solved by broadcast and by precise, and the per-epoch reasons of the others.
4. Speed: ``lodestar solve`` end to end (one process each, R+C, full day), broadcast vs precise,
   median of ``--repeat`` runs; the machine is shared: figures are "under load" unless it is quiet.
5. ``--diagnose``: per GPS/Galileo satellite, the mean residual at the truth with broadcast and with
   GRG's products; and the mean square 3D error with Klobuchar split into the ionosphere part, the
   products part and their cross term (docs/precise-products.md, "the asymmetry, measured").
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from reference import ESBC_ITRF2014_TRUTH, ESBC_ITRF2014_XYZ

DAY = "esbc-2020-177"
OBS = "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
NAV = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
GRG_SP3 = ("GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")
GRG_CLK = ("GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz",)
IAC_SP3 = ("Sta21114.sp3.gz",)
SINEX = ("ESA0OPSFIN_20241850000_01D_01D_SOL.SNX", "JAX0MGXFIN_20202440000_01D_000_SOL.SNX", "igs20P2131_wocov.snx")
BIAS = "bias/WUM0MGXRAP_20200010000_01D_01D_ABS.BIA.gz"  # WUM OSB of 2020-001: ~175 days before the data
C_MPS = 299_792_458.0
SETS = ("R", "C", "R+C", "G+R+E+C", "G", "E", "G+E")
EXTRA_SETS = ("G", "E", "G+E")  # run only when named with --sets (issue #12's targets are the first four)


def clock_interpolation(data: Path) -> dict:
    """{interval_s: {system: (rms_m, worst_sv, worst_rms_m)}} of linear interpolation vs 30 s CLK."""
    from lodestar.io.clk import read_clk

    clk = read_clk(data / DAY / GRG_CLK[0])
    seconds = (clk["time"].values - clk["time"].values[0]).astype("timedelta64[s]").astype(float)
    values = clk["clock_s"].values
    svs = clk["sv"].values.astype(str)
    out = {}
    for interval in (300, 900):
        kept = np.mod(seconds, interval) == 0
        interpolated = np.full(values.shape, np.nan)
        for j in range(len(svs)):  # per satellite column (benchmark only)
            good = kept & np.isfinite(values[:, j])
            if good.sum() >= 2:
                interpolated[:, j] = np.interp(seconds, seconds[good], values[good, j], left=np.nan, right=np.nan)
        error_m = (interpolated - values) * C_MPS
        error_m[kept] = np.nan
        per_sv = np.sqrt(np.nanmean(error_m**2, axis=0))
        table = {}
        for system in "GRE":
            cols = np.char.startswith(svs, system)
            rms = float(np.sqrt(np.nanmean(error_m[:, cols] ** 2)))
            worst = int(np.nanargmax(np.where(cols, per_sv, -1)))
            table[system] = (rms, svs[worst], float(per_sv[worst]))
        out[interval] = table
    return out


def _rms_3d(ds, rows) -> float:
    xyz = np.stack([ds["x_m"].values, ds["y_m"].values, ds["z_m"].values], axis=1)[rows]
    return float(np.sqrt(np.mean(np.sum((xyz - np.array(ESBC_ITRF2014_XYZ)) ** 2, axis=1))))


def accuracy(data: Path, sets=None, iono: str = "klobuchar") -> list:
    from lodestar.io.rinex_obs import read_obs
    from lodestar.positioning import solve

    folder = data / DAY
    obs = read_obs(folder / OBS, systems=tuple("GREC"))
    nav = str(folder / NAV)
    grg = [str(folder / f) for f in GRG_SP3]
    clk = [str(folder / f) for f in GRG_CLK]
    iac = [str(folder / f) for f in IAC_SP3]
    sinex = [str(data / "sinex" / f) for f in SINEX]
    runs = [("R", {"sp3": grg, "clk": clk}, "GRG SP3 x2 + CLK"), ("C", {"sp3": iac}, "IAC SP3"),
            ("R+C", {"sp3": grg + iac, "clk": clk}, "GRG + IAC"), ("G+R+E+C", {"sp3": grg + iac, "clk": clk}, "GRG + IAC"),
            ("G", {"sp3": grg, "clk": clk}, "GRG SP3 x2 + CLK"), ("E", {"sp3": grg, "clk": clk}, "GRG SP3 x2 + CLK"),
            ("G+E", {"sp3": grg, "clk": clk}, "GRG SP3 x2 + CLK")]
    rows = []
    for systems, products, label in runs:
        if (sets and systems not in sets) or (not sets and systems in EXTRA_SETS):
            continue
        phase_centre = solve(obs, nav, systems=systems, iono=iono if iono != "observed" else "klobuchar")
        broadcast = _solve(obs, nav, systems, iono, sinex=sinex)  # the receiver antenna as for precise: same inputs
        precise = _solve(obs, nav, systems, iono, sinex=sinex, **products)
        with_osb = _solve(obs, nav, systems, iono, sinex=sinex, bias=[str(data / BIAS)], **products)
        ok_b = np.isin(broadcast["status"].values, ("ok", "fde"))
        ok_p = np.isin(precise["status"].values, ("ok", "fde"))
        same = ok_b & ok_p & np.isin(with_osb["status"].values, ("ok", "fde"))
        same &= np.isin(phase_centre["status"].values, ("ok", "fde"))
        reasons = {}
        for reason in precise["reason"].values[~ok_p]:
            reasons[str(reason)] = reasons.get(str(reason), 0) + 1
        meta = json.loads(precise.attrs["precise_products"])
        rows.append({"set": systems, "products": label, "common": int(same.sum()),
                     "broadcast_3d_m": _rms_3d(broadcast, same), "precise_3d_m": _rms_3d(precise, same),
                     "broadcast_phase_centre_3d_m": _rms_3d(phase_centre, same),
                     "osb_3d_m": _rms_3d(with_osb, same),
                     "solved_broadcast": int(ok_b.sum()), "solved_precise": int(ok_p.sum()),
                     "first_hour_precise": int(ok_p[:120].sum()), "reasons": reasons,
                     "served": meta["served"], "pco_sources": meta["phase_centres"]["satellite_sources"],
                     "receiver": meta["phase_centres"]["receiver"].get("source"),
                     "warnings": json.loads(precise.attrs.get("warnings", "[]"))})
    return rows


def _solve(obs, nav, systems, iono, **options):
    """``solve`` with ``iono`` ``klobuchar``/``iflc``, or ``observed``: the single-frequency code with the
    carrier-levelled dual-frequency slant delay in place of Klobuchar for GPS and Galileo
    (analysis/observed_ionosphere.py; GLONASS and BeiDou keep Klobuchar)."""
    from lodestar.analysis.observed_ionosphere import (
        observed_slant_delay_m,
        with_observed_ionosphere,
    )
    from lodestar.io.rinex_nav import load_nav
    from lodestar.positioning import prepare, solve

    if iono != "observed":
        return solve(obs, nav, systems=systems, iono=iono, **options)
    navdata = load_nav(nav, systems="".join(s for s in "GREC" if s in systems))
    prep = prepare(obs, navdata, systems="".join(s for s in "GREC" if s in systems), **options)
    # GLONASS/BeiDou keep Klobuchar: their observed delays carry the receiver's per-channel and BDS-2/BDS-3
    # code biases (metres; docs/precise-products.md), which no broadcast group delay removes
    delay = observed_slant_delay_m(obs, prep, navdata)
    return solve(with_observed_ionosphere(prep, delay, broadcast_systems="RC"), systems=systems)


def _timed(args) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"),
                                                                            "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def speed(data: Path, repeat: int) -> dict:
    folder = data / DAY
    with tempfile.TemporaryDirectory() as tmp:
        base = [sys.executable, "-m", "lodestar", "solve", str(folder / OBS), "--nav", str(folder / NAV),
                "--systems", "R+C", "--out", str(Path(tmp) / "out.csv")]
        precise = base + ["--sp3", *[str(folder / f) for f in GRG_SP3 + IAC_SP3],
                          "--clk", *[str(folder / f) for f in GRG_CLK]]
        with_sinex = precise + ["--sinex", *[str(data / "sinex" / f) for f in SINEX]]
        times = {"broadcast": [], "precise": [], "precise + sinex": []}
        for _ in range(repeat):  # alternate, so load changes hit all alike
            times["broadcast"].append(_timed(base))
            times["precise"].append(_timed(precise))
            times["precise + sinex"].append(_timed(with_sinex))
    return {k: statistics.median(v) for k, v in times.items()}


def _residuals_at_truth(prep):
    """(T, S) pseudorange minus the modelled range from the truth's ARP (Earth rotation, troposphere,
    Klobuchar), each epoch's per-system median removed; NaN below 10 deg or unusable."""
    from lodestar.analysis.observed_ionosphere import broadcast_delay_at_header_m
    from lodestar.frames import ecef_to_geodetic, enu_matrix
    from lodestar.models.geometry import line_of_sight
    from lodestar.models.troposphere import troposphere_delay_m

    truth = np.array(ESBC_ITRF2014_XYZ)
    lat, lon, height = ecef_to_geodetic(truth[None])
    rot = enu_matrix(lat, lon)[0]
    h, e, n = prep.antenna_hen_m
    arp = truth + rot.T @ np.array([e, n, h])
    n_time = len(prep.time)
    rng, los = line_of_sight(np.broadcast_to(arp, (n_time, 3)), prep.sat_xyz)
    elevation = np.arcsin(np.clip((los @ rot.T)[..., 2], -1.0, 1.0))
    trop = troposphere_delay_m(np.full((n_time, 1), np.radians(lat[0])), np.full((n_time, 1), height[0]), elevation)
    residual = prep.pseudorange_m - rng - trop - broadcast_delay_at_header_m(prep)
    residual = np.where(prep.usable & (elevation > np.radians(10.0)), residual, np.nan)
    letters = np.array([sv[0] for sv in prep.sv])
    for system in set(letters):
        cols = letters == system
        if np.isfinite(residual[:, cols]).any():
            with np.errstate(all="ignore"):
                residual[:, cols] -= np.nanmedian(residual[:, cols], axis=1)[:, None]
    return residual


def satellite_residuals(data: Path) -> None:
    """Per GPS/Galileo satellite: mean residual at the truth, broadcast vs precise (GRG), same cells."""
    import warnings

    from lodestar.io.rinex_obs import read_obs
    from lodestar.positioning import prepare

    folder = data / DAY
    obs = read_obs(folder / OBS, systems=("G", "E"))
    sinex = [str(data / "sinex" / f) for f in SINEX]
    products = {"sp3": [str(folder / f) for f in GRG_SP3], "clk": [str(folder / f) for f in GRG_CLK]}
    broadcast = prepare(obs, str(folder / NAV), systems="GE", sinex=sinex)
    precise = prepare(obs, str(folder / NAV), systems="GE", sinex=sinex, **products)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN epochs of a system
        v_b, v_p = _residuals_at_truth(broadcast), _residuals_at_truth(precise)
    both = np.isfinite(v_b) & np.isfinite(v_p)
    v_b, v_p = np.where(both, v_b, np.nan), np.where(both, v_p, np.nan)
    print("\nResidual at the truth per satellite (Klobuchar, per-epoch system median removed), GRG vs broadcast, m")
    print(f"{'sv':>4} {'cells':>5} {'mean brdc':>9} {'mean prec':>9} {'RMS brdc':>8} {'RMS prec':>8} {'prec-brdc RMS':>13}")
    for j, sv in enumerate(broadcast.sv):
        cells = int(both[:, j].sum())
        if cells >= 50:
            diff = v_p[:, j] - v_b[:, j]
            print(f"{sv:>4} {cells:5d} {np.nanmean(v_b[:, j]):9.3f} {np.nanmean(v_p[:, j]):9.3f} "
                  f"{np.sqrt(np.nanmean(v_b[:, j] ** 2)):8.3f} {np.sqrt(np.nanmean(v_p[:, j] ** 2)):8.3f} "
                  f"{np.sqrt(np.nanmean(diff ** 2)):13.3f}")
    letters = np.array([sv[0] for sv in broadcast.sv])
    for system in "GE":
        cols = letters == system
        print(f"{system}: RMS broadcast {np.sqrt(np.nanmean(v_b[:, cols] ** 2)):.3f} m, precise "
              f"{np.sqrt(np.nanmean(v_p[:, cols] ** 2)):.3f} m")


def decomposition(data: Path, sets) -> None:
    """Error with Klobuchar = ionosphere part (Klobuchar run - observed run) + products part (observed run)."""
    from lodestar.io.rinex_obs import read_obs

    folder = data / DAY
    obs = read_obs(folder / OBS, systems=tuple("GREC"))
    nav = str(folder / NAV)
    sinex = [str(data / "sinex" / f) for f in SINEX]
    truth = np.array(ESBC_ITRF2014_XYZ)
    print("\nMean square 3D error with Klobuchar = ionosphere part + products part + cross term (m^2), same epochs")
    for systems in sets:
        products = {"sp3": [str(folder / f) for f in GRG_SP3] + ([str(folder / IAC_SP3[0])] if "C" in systems else []),
                    "clk": [str(folder / f) for f in GRG_CLK]}
        runs = {name: [_solve(obs, nav, systems, iono, sinex=sinex, **extra) for iono in ("klobuchar", "observed")]
                for name, extra in (("broadcast", {}), ("precise", products))}
        same = np.logical_and.reduce([np.isin(ds["status"].values, ("ok", "fde")) for pair in runs.values() for ds in pair])
        for name, (klobuchar, observed) in runs.items():
            e_k, e_o = (np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=1)[same] - truth
                        for ds in (klobuchar, observed))
            iono = e_k - e_o
            print(f"{systems:>8} {name:>9}: {np.mean(np.sum(e_k ** 2, 1)):.3f} = iono {np.mean(np.sum(iono ** 2, 1)):.3f}"
                  f" + products {np.mean(np.sum(e_o ** 2, 1)):.3f} + cross {2 * np.mean(np.sum(iono * e_o, 1)):+.3f}")


def _print_accuracy(data: Path, sets, iono: str) -> list:
    """Print the accuracy table of one ionosphere model; return its rows."""
    rows = []
    print(f"\nESBC 2020-06-25, 10 deg, {iono}; 3D RMS of the marker vs ITRF2014 truth {ESBC_ITRF2014_TRUTH}")
    print("(precise: SP3/CLK + satellite and receiver PCO; + OSB: also WUM's 2020-001 code biases, ~175 days old)")
    print("(broadcast: with the receiver antenna's PCO of the same SINEX, as precise; 'L1 PC': without it,")
    print(" the solution of the receiver's phase centre, as before 2026-12-07)")
    print(f"{'set':>8} {'products':>18} {'epochs':>6} {'broadcast m':>11} {'precise m':>9} {'+ OSB m':>8} "
          f"{'better':>6} {'solved b/p':>11} {'first hour':>10} {'brdc L1 PC':>10}")
    for row in accuracy(data, sets, iono):
        rows.append(row)
        best = min(row["precise_3d_m"], row["osb_3d_m"])
        better = "yes" if best < row["broadcast_3d_m"] else "NO"
        print(f"{row['set']:>8} {row['products']:>18} {row['common']:>6} {row['broadcast_3d_m']:11.3f} "
              f"{row['precise_3d_m']:9.3f} {row['osb_3d_m']:8.3f} {better:>6} "
              f"{row['solved_broadcast']:>5}/{row['solved_precise']:<5} {row['first_hour_precise']:>6}/120 "
              f"{row['broadcast_phase_centre_3d_m']:10.3f}")
        print(f"{'':>10}not solved: {row['reasons'] or '-'}; served {row['served']}; satellite PCO "
              f"{row['pco_sources']}; receiver PCO {row['receiver']}")
        for warning in row["warnings"]:
            print(f"{'':>10}warning: {warning}")
    return rows


def _print_side_by_side(tables: dict) -> None:
    """3D RMS (m) per set and model: broadcast / precise, and whether precise beats broadcast."""
    names = list(tables)
    print("\n3D RMS (m) per set, broadcast / precise / precise + OSB, and whether precise (alone) beats broadcast")
    print("(each model on its own common epochs)")
    print(f"{'set':>8} " + " ".join(f"{name:>32}" for name in names))
    for i, row in enumerate(tables[names[0]]):
        cells = []
        for name in names:
            r = tables[name][i]
            verdict = ("yes" if r["precise_3d_m"] < r["broadcast_3d_m"] - 5e-4 else
                       "tie" if r["precise_3d_m"] < r["broadcast_3d_m"] + 5e-4 else "NO")
            cells.append(f"{r['broadcast_3d_m']:6.3f} / {r['precise_3d_m']:6.3f} / {r['osb_3d_m']:6.3f} {verdict:>4}")
        print(f"{row['set']:>8} " + " ".join(f"{c:>32}" for c in cells))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--no-solve", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sets", nargs="+", choices=SETS, help="only these sets (G, E, G+E only when named)")
    parser.add_argument("--iono", choices=("klobuchar", "nequick", "iflc", "observed"), nargs="+",
                        default=["klobuchar"],
                        help="ionosphere of every run, one table per value (nequick: Galileo's NeQuick-G for "
                             "every system; iflc: dual-frequency ionosphere-free code; observed: "
                             "single-frequency code with the carrier-levelled dual-frequency slant delay for "
                             "GPS/Galileo, Klobuchar for GLONASS/BeiDou: a diagnostic of the broadcast model)")
    parser.add_argument("--no-clock", action="store_true", help="skip the clock-interpolation table")
    parser.add_argument("--diagnose", action="store_true",
                        help="also: per-satellite residuals at the truth (G, E: broadcast vs GRG) and the split of "
                             "the Klobuchar error into ionosphere, products and cross term (E, G+E, G+R+E+C)")
    args = parser.parse_args(argv)
    data = Path(args.data)

    if not args.no_clock:
        print("Clock interpolation error vs GRG 30 s CLK, ESBC day 2020-06-25 (linear, between kept samples)")
        print(f"{'interval':>9} {'system':>6} {'RMS cm':>8} {'worst satellite':>16}")
        for interval, table in clock_interpolation(data).items():
            for system, (rms, worst, worst_rms) in table.items():
                print(f"{interval // 60:>6} min {system:>6} {rms * 100:8.1f} {worst:>8} {worst_rms * 100:6.1f} cm")
    if not args.no_solve:
        tables = {}
        for iono in args.iono:
            tables[iono] = _print_accuracy(data, args.sets, iono)
        if len(tables) > 1:
            _print_side_by_side(tables)
    if args.diagnose:
        satellite_residuals(data)
        decomposition(data, args.sets or ("E", "G+E", "G+R+E+C"))
    if not args.no_speed:
        print(f"\nlodestar solve R+C, full ESBC day, end to end, median of {args.repeat} (under load if shared):")
        times = speed(data, args.repeat)
        for name, seconds in times.items():
            extra = (seconds / times["broadcast"] - 1) * 100
            print(f"  {name:<16} {seconds:6.2f} s  ({extra:+.0f} % vs broadcast)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
