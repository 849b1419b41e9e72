"""Reading speed of Lodestar's RINEX observation reader, side by side with georinex.

    python benchmarks/bench_read.py [--data DIR] [--repeat 3] [--no-georinex]

Prints, for the full-day ESBC file (33 MB of RINEX 3.05 once decompressed, 2880 epochs, 6
systems) read from ``.crx.gz`` and from plain RINEX (decompressed into a temporary folder, never
into the repository), for the other full days of ``full-day-obs``, and for the 1-hour
``_120epoch.rnx`` files next to georinex: wall time (best of ``--repeat``), peak memory
(tracemalloc: Python + numpy heap, measured in a separate, untimed call) and the speed ratio.

Targets (issue #2): plain ESBC day < 1 s, from ``.crx.gz`` < 2 s, >= 100x georinex.

What profiling taught (cProfile on the ESBC day; the structure decided everything):
- A per-line Python parser spends ~10 s on the 2.5 million F14.3 fields; ``float()`` per field
  is the cost, not I/O. georinex takes ~15 s for one hour for that reason.
- Only epoch lines ("> ..." in RINEX 3) need finding: ``np.flatnonzero(buf == 10)`` gives every
  line, the first byte of each tells epochs apart, and "announced satellite count == lines until
  the next epoch" checks the whole file's structure in one vectorized comparison.
- The fields are then cut out of the byte buffer by vectorized numpy (``io/_obs_scan.py``) and
  written straight into the output array; numbers are built as integer mantissa / 10**decimals
  (correctly rounded, identical to ``float()``): ~0.35 s for 33 MB. A numba kernel did it in
  ~0.15 s, but a fresh process paid ~0.35-0.5 s to import numba and load its cache first, so
  one-file runs (``lodestar solve``) are faster with numpy.
- The output array, not parsing, then dominates: one float64 (time, sv) array per code is
  ~60 codes x 2880 x 113 x 8 B = 156 MB to allocate (np.full ~0.06 s). Writing it variable-major
  (var, time, sv) cost ~0.1 s more in page/TLB misses than (time, sv, var), where the fields of
  one line land side by side; each variable is then a strided view (no copy).
- Hatanaka decompression (C code in the ``hatanaka`` package) is ~0.4-0.7 s of the .crx.gz time.
- The first read in a process pays the imports (numpy, pandas, xarray: printed separately).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

ESBC = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
FULL_DAYS = [
    "full-day-obs/AJAC00FRA_R_20242090000_01D_30S_MO.crx.gz",
    "full-day-obs/AJAC00FRA_R_20242100000_01D_30S_MO.crx.gz",
    "full-day-obs/CEBR00ESP_R_20182000000_01D_30S_MO.crx.gz",
    "full-day-obs/NYA100NOR_S_20241270000_01D_30S_MO.crx.gz",
    "full-day-obs/NYA100NOR_S_20241280000_01D_30S_MO.crx.gz",
    "full-day-obs/OB712480.23O.gz",
    "full-day-obs/OB713520.23O.gz",
]
HOUR_FILES = [
    "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
    "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
    "esbc-2020-177/WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
    "short-obs/ZIM200CHE_R_20261330000_01H_30S_MO_120epoch.rnx",
]


def _best_time(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        del result
    return best


def _peak_mb(function) -> float:
    tracemalloc.start()
    try:
        result = function()
        del result
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _row(label, seconds, peak, epochs, satellites, extra=""):
    print(f"{label:<58} {seconds:8.3f} s {peak:8.0f} MB {epochs:6d} ep {satellites:4d} sv  {extra}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", help="sample-data folder (default: $LODESTAR_DATA or ../shared/data)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-georinex", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    from lodestar.data import data_dir
    from lodestar.io.compression import read_bytes
    from lodestar.io.rinex_obs import read_obs

    data = data_dir(args.data)
    read_obs(data / "rinex2/demo.10o")
    print(f"python {sys.version.split()[0]}; first read in this process (imports): "
          f"{time.perf_counter() - start:.2f} s\n")

    print("== lodestar read_obs: wall time (best of %d), peak memory (tracemalloc)" % args.repeat)
    esbc = data / ESBC
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-") as folder:
        plain = Path(folder) / "ESBC00DNK_R_20201770000_01D_30S_MO.rnx"
        plain.write_bytes(read_bytes(esbc))
        ds = read_obs(plain)
        size = plain.stat().st_size / 1e6
        _row(f"ESBC day, plain RINEX ({size:.0f} MB)", _best_time(lambda: read_obs(plain), args.repeat),
             _peak_mb(lambda: read_obs(plain)), ds.sizes["time"], ds.sizes["sv"], "target < 1 s")
    _row("ESBC day, .crx.gz (Hatanaka + gzip)", _best_time(lambda: read_obs(esbc), args.repeat),
         _peak_mb(lambda: read_obs(esbc)), ds.sizes["time"], ds.sizes["sv"], "target < 2 s")
    decompress = _best_time(lambda: read_bytes(esbc), args.repeat)
    print(f"{'  of which decompression (read_bytes)':<58} {decompress:8.3f} s\n")

    for name in FULL_DAYS:
        path = data / name
        seconds = _best_time(lambda: read_obs(path), 1)
        ds = read_obs(path)
        unpacked = _best_time(lambda: read_bytes(path), 1)
        _row(Path(name).name, seconds, _peak_mb(lambda: read_obs(path)), ds.sizes["time"], ds.sizes["sv"],
             f"(decompression {unpacked:.2f} s)")

    print("\n== 1-hour files: lodestar vs georinex (georinex run once per file)")
    for name in HOUR_FILES:
        path = data / name
        ours = _best_time(lambda: read_obs(path), max(args.repeat, 5))
        ds = read_obs(path)
        extra = ""
        if not args.no_georinex:
            theirs = _georinex_seconds(path)
            extra = f"georinex {theirs:7.2f} s   ratio {theirs / ours:6.0f}x"
        _row(Path(name).name, ours, _peak_mb(lambda: read_obs(path)), ds.sizes["time"], ds.sizes["sv"], extra)

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"\nprocess peak resident memory: {maxrss:.0f} MB")
    return 0


def _georinex_seconds(path) -> float:
    import georinex

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        georinex.load(path)
        return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
