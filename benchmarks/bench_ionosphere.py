"""Broadcast ionosphere models against the observed slant delay: Klobuchar vs NeQuick-G, ESBC day.

    python benchmarks/bench_ionosphere.py [--data DIR] [--no-first-hour]

ESBC 2020-06-25 (solar minimum; the header's GAL ai0 = 28.25 sfu), GPS and Galileo cells above
10 deg: each model's L1/E1 delay at ESBC's ITRF2014 position (tests/reference.py) minus the
carrier-levelled dual-frequency slant delay (``analysis/observed_ionosphere.py``: GPS C1W/C2W with
TGD, Galileo E1/E5a with BGD). The observed delay keeps the receiver's own P1-P2 bias, one
constant per system that a single-frequency solution's receiver clock absorbs too; so per system
and model the day's median of (model - observed) is removed (it holds that bias and the model's
own day-mean error, which cannot be told apart here). What is left is what positions feel: how
the model's error changes across satellites and hours. Printed per 3-hour UT bin (local time =
UT + 0.6 h): the mean and RMS of that remainder, and the removed medians.

Then (unless ``--no-first-hour``) the first hour of ESBC, WTZR and WTZZ (2020-06-25 00-01 UT):
single-system solutions (C, G, E) with no ionosphere model, Klobuchar, NeQuick-G and the
dual-frequency iono-free code (``iflc``: the ionosphere removed by observation, whatever its
size): 3D RMS and mean up error against the truth (ESBC ITRF2014, WTZR/WTZZ SINEX). Where
NeQuick-G's up error is close to iflc's, the ionosphere is modelled and what remains is not the
ionosphere (broadcast orbits/clocks, code biases); Klobuchar's night-time excess then offsets it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from reference import ESBC_ITRF2014_XYZ

DAY = "esbc-2020-177"
OBS = "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
NAV = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


def model_delays(prep):
    """(elevation rad, Klobuchar m, NeQuick-G m) per cell at the truth, (T, S) each."""
    from lodestar.analysis.observed_ionosphere import model_delays_m

    return model_delays_m(prep, ESBC_ITRF2014_XYZ, nequick=True, nequick_mask_rad=np.radians(9.0))


def first_hour_heights(data: Path) -> None:
    """Per station, system and ionosphere option: 3D RMS and mean up error (m), first hour."""
    import glob

    from lodestar.frames import ecef_to_enu, ecef_to_geodetic
    from lodestar.io.sinex import station_position
    from lodestar.positioning import prepare, solve

    nav = str(data / DAY / NAV)
    sinex = sorted(glob.glob(str(data / "sinex" / "*")))
    print("\nFirst hour 2020-06-25 00-01 UT, one system at a time: 3D RMS / mean up error (m)")
    print(f"{'station':>7} {'iono':>9} " + " ".join(f"{s:>15}" for s in "CGE"))
    for station, country in (("ESBC", "DNK"), ("WTZR", "DEU"), ("WTZZ", "DEU")):
        obs = str(data / DAY / f"{station}00{country}_R_20201770000_01D_30S_MO_120epoch.rnx")
        truth = (np.asarray(ESBC_ITRF2014_XYZ, float) if station == "ESBC"
                 else station_position(sinex, station, "2020-06-25T00:30:00"))
        lat, lon, _ = ecef_to_geodetic(truth)
        for iono in ("off", "klobuchar", "nequick", "iflc"):
            prep = prepare(obs, nav, systems="GREC", iono=iono)
            cells = []
            for system in "CGE":
                ds = solve(prep, systems=system)
                xyz = np.column_stack([ds[k].values for k in ("x_m", "y_m", "z_m")])
                enu = ecef_to_enu(xyz[np.isfinite(xyz).all(axis=1)] - truth, lat, lon)
                cells.append(f"{np.sqrt(np.mean(np.sum(enu ** 2, axis=1))):5.2f} / {enu[:, 2].mean():+5.2f}")
            print(f"{station:>7} {iono:>9} " + " ".join(f"{c:>15}" for c in cells))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--no-first-hour", action="store_true", help="skip the first-hour station table")
    args = parser.parse_args(argv)
    from lodestar.analysis.observed_ionosphere import observed_slant_delay_m
    from lodestar.io.rinex_nav import load_nav
    from lodestar.io.rinex_obs import read_obs
    from lodestar.positioning import prepare

    folder = Path(args.data) / DAY
    obs = read_obs(folder / OBS, systems=("G", "E"))
    nav = load_nav(str(folder / NAV), systems="GE")
    prep = prepare(obs, nav, systems="GE")
    observed = observed_slant_delay_m(obs, prep, nav)
    el, klobuchar, nequick = model_delays(prep)
    letters = np.array([sv[0] for sv in prep.sv])
    hours = (prep.time - prep.time[0].astype("datetime64[D]")) / np.timedelta64(1, "h")
    cells = prep.usable & (el > np.radians(10.0)) & np.isfinite(observed)
    print(f"ESBC 2020-06-25, GPS + Galileo above 10 deg, {cells.sum()} cells: model - observed slant delay on "
          "L1/E1 (m), per system the day's median removed")
    remainders = {}
    for name, model in (("Klobuchar", klobuchar), ("NeQuick-G", nequick)):
        diff = np.where(cells, model - observed, np.nan)
        medians = {s: float(np.nanmedian(diff[:, letters == s])) for s in "GE"}
        for s, m in medians.items():
            diff[:, letters == s] -= m
        remainders[name] = diff
        print(f"  {name}: removed medians G {medians['G']:+.2f} m, E {medians['E']:+.2f} m; "
              f"model mean delay {np.nanmean(np.where(cells, model, np.nan)):.2f} m, "
              f"observed {np.nanmean(np.where(cells, observed, np.nan)):.2f} m")
    print(f"{'UT h':>7} {'cells':>6} " + " ".join(f"{n + ' mean / RMS':>22}" for n in remainders))
    for start in range(0, 24, 3):
        rows = (hours >= start) & (hours < start + 3)
        cells_bin = int(np.sum(cells[rows]))
        parts = [f"{np.nanmean(d[rows]):+9.2f} / {np.sqrt(np.nanmean(d[rows] ** 2)):5.2f}" for d in remainders.values()]
        print(f"{start:>3}-{start + 3:<3} {cells_bin:>6} " + " ".join(f"{p:>22}" for p in parts))
    parts = [f"{np.nanmean(d):+9.2f} / {np.sqrt(np.nanmean(d ** 2)):5.2f}" for d in remainders.values()]
    print(f"{'day':>7} {int(cells.sum()):>6} " + " ".join(f"{p:>22}" for p in parts))
    if not args.no_first_hour:
        first_hour_heights(Path(args.data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
