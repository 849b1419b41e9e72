"""Accuracy and speed of the lunar module (issue 5).

Prints: the LRO 4 h validation against JPL Horizons per gravity degree (from the first state, and
from minute 85, after the step in the Horizons states); the field evaluation beside the peer
pyshtools (same .gfc, same points); the Luna-25 forward case, the low-degree fit and its
full-degree confirmation. Targets: degree >= 100 under 100 m; forward in seconds; fit ~1 minute.

    python benchmarks/bench_lunar.py [--data DIR]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lodestar.data import data_dir
from lodestar.lunar import luna25 as l25
from lodestar.lunar.core.gravity import lunar_field
from lodestar.lunar.core.propagator import EphemerisTable, ForceModel
from lodestar.lunar.core.validation import lro_validation


def _timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def bench_lro(data) -> None:
    print("LRO 2022-01-01 vs JPL Horizons (GRGM660PRIM + Earth + Sun + k2 tide, DOP853 rtol 1e-12)")
    print(f"{'degree':>6} {'4 h RMS m':>10} {'4 h max m':>10} {'from min 85 RMS m':>18} {'max m':>7} {'run s':>6}")
    whole = lro_validation(data, degrees=(0, 2, 50, 100, 150))
    later = lro_validation(data, degrees=(0, 2, 50, 100, 150), start_min=85)
    for a, b in zip(whole, later):
        print(f"{a['degree']:>6} {a['rms_m']:>10.1f} {a['max_m']:>10.1f} {b['rms_m']:>18.2f} {b['max_m']:>7.2f}"
              f" {a['seconds']:>6.2f}")
    for row in lro_validation(data, degrees=(150,), field="LP165P"):
        print(f"LP165P 150: 4 h RMS {row['rms_m']:.1f} m")


def bench_field(data) -> None:
    field = lunar_field(data=data)
    rng = np.random.default_rng(5)
    count = 2000
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, count)))
    lon = rng.uniform(-180, 180, count)
    r = rng.uniform(1.74e6, 1.90e6, count)
    la, lo = np.radians(lat), np.radians(lon)
    xyz = np.stack([r * np.cos(la) * np.cos(lo), r * np.cos(la) * np.sin(lo), r * np.sin(la)], -1)
    field.acceleration(xyz[:1])  # compile / load the cache
    acc, mine = _timed(lambda: field.acceleration(xyz))
    print(f"\nfield degree 150 at {count} points: lodestar {mine * 1e6 / count:.1f} µs/point", end="")
    try:
        import pyshtools
    except ImportError:
        print("  (pyshtools not installed: no peer)")
        return
    clm = pyshtools.SHGravCoeffs.from_file(str(data / "lunar" / "GRGM660PRIM_to150.gfc"), format="icgem")
    ref, peer = _timed(lambda: np.asarray(clm.expand(lat=lat, lon=lon, r=r, lmax=150, lmax_calc=150, omega=0.0)))
    e_r = xyz / r[:, None]
    e_t = np.stack([np.sin(la) * np.cos(lo), np.sin(la) * np.sin(lo), -np.cos(la)], -1)
    e_p = np.stack([-np.sin(lo), np.cos(lo), 0 * lo], -1)
    sph = np.stack([(acc * e).sum(1) for e in (e_r, e_t, e_p)], -1)
    print(f", pyshtools {peer * 1e6 / count:.1f} µs/point; max difference {np.abs(sph - ref).max():.2e} m/s²")


def bench_luna25(data) -> None:
    assume = l25.Assumptions()
    table = EphemerisTable(l25.ignition(), 0.0, 4 * 3600.0)
    full = ForceModel.lunar(150, data=data)
    fwd, seconds = _timed(lambda: l25.forward(assume, full, table=table))
    f = fwd["forward"]
    print(f"\nLuna-25 forward (degree 150, plan targeting + 127 s case): {seconds:.1f} s; impact {f['impact_utc']} "
          f"at {f['impact_lat_deg']:.2f}, {f['impact_lon_deg']:.2f}, {f['miss_km']:.0f} km from the crater")
    start = l25.fit_start(assume, l25.Geometry(**fwd["geometry"]))
    low, t_low = _timed(lambda: l25.fit(assume, ForceModel.lunar(40, data=data), start, fwd["thrust_n"], table))
    conf, t_full = _timed(lambda: l25.fit(assume, full, l25.Geometry(**low["geometry"]), low["thrust_n"], table,
                                          max_nfev=8))
    for name, res, sec in (("fit degree 40", low, t_low), ("confirm degree 150", conf, t_full)):
        print(f"{name}: {sec:.1f} s, {res['evaluations']} runs; dv {res['delta_v_mps']:.3f} ± "
              f"{res['delta_v_sigma_mps']:.3f} m/s, burn lat {res['burn_lat_deg']:.3f}°, "
              f"miss {res['miss_km'] * 1e3:.2f} m")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="sample-data folder")
    args = parser.parse_args()
    data = data_dir(args.data)
    bench_lro(data)
    bench_field(data)
    bench_luna25(data)


if __name__ == "__main__":
    main()
