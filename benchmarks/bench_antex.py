"""ANTEX reading speed on an IGS-size file, side by side with cssrlib's ANTEX reader.

    python benchmarks/bench_antex.py [--data DIR] [--size-mb 40] [--repeat 3] [--no-cssrlib]

Full IGS ANTEX files (igs20.atx, ~40 MB: every satellite of every system and ~400 receiver
antennas with azimuth grids) are not in the offline data. This script builds one of that size in a
temporary folder from the real records of ``antex/igs20_wettzell_trim.atx``: its header, then its
antenna blocks repeated with renamed types (``LEIAR25.R3`` -> ``LEIAR25.R3K00001``...) and renamed
PRN/SVN until the size is reached. It times, in one run:
- Lodestar: ``read_antex`` (a cold read: the lru cache is cleared) + one receiver lookup
  (``LEIAR25.R3 LEIT``: parse of its 25-frequency, azimuth-dependent block) + 40 satellite lookups;
- cssrlib ``atxdec().readpcv`` (parses every block) on the same file, when installed.
Target (issue #12): parse + lookup under 1 s. Figures measured on a shared machine are "under load".
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from lodestar.data import data_dir
from lodestar.io import antex


def build_file(source: Path, target: Path, size_mb: float) -> int:
    """Write an IGS-size ANTEX at ``target`` from ``source``'s records; returns the number of blocks."""
    lines = source.read_text(encoding="latin-1").splitlines(keepends=True)
    end_header = next(i for i, line in enumerate(lines) if line[60:73] == "END OF HEADER")
    blocks, current = [], []
    for line in lines[end_header + 1:]:
        current.append(line)
        if line[60:74] == "END OF ANTENNA":
            blocks.append("".join(current))
            current = []
    head = "".join(lines[:end_header + 1])
    chunks = [head, *blocks]  # the original blocks keep their names
    size, copy = sum(len(c) for c in chunks), 0
    while size < size_mb * 1e6:
        copy += 1
        for block in blocks:
            renamed = _renamed(block, copy)
            chunks.append(renamed)
            size += len(renamed)
    target.write_text("".join(chunks), encoding="latin-1")
    return len(blocks) * (copy + 1)


def _renamed(block: str, copy: int) -> str:
    lines = block.split("\n")
    for k, line in enumerate(lines):
        if line[60:76] == "TYPE / SERIAL NO":
            if line[20:23].strip() and line[20] in "GRECJ" and line[21:23].isdigit():
                # satellite: a PRN that no real one has (system letter + 2 digits kept), SVN renamed
                lines[k] = f"{line[:20]}{line[20]}{50 + copy % 49:02d}{line[23:40]}{line[40]}{copy % 1000:03d}" \
                           f"{line[44:60]}{line[60:]}"
            else:
                name = f"{line[:10].strip()}K{copy:05d}"[:16]
                lines[k] = f"{name:<16}{line[16:]}"
    return "\n".join(lines)


def time_lodestar(path: Path) -> tuple[float, str]:
    antex._read_index.cache_clear()
    antex._parse_block.cache_clear()
    start = time.perf_counter()
    atx = antex.read_antex(path)
    leiar = atx.receiver("LEIAR25.R3", "LEIT")
    found = [atx.satellite(f"G{n:02d}", np.datetime64("2020-06-25")) for n in range(1, 41)]
    elapsed = time.perf_counter() - start
    return elapsed, (f"{len(atx.entries)} blocks indexed, LEIAR25.R3 G01 up {leiar.pco_m('G01')[2]:.5f} m, "
                     f"{sum(f is not None for f in found)} of 40 PRNs found")


def time_cssrlib(path: Path) -> float | None:
    try:
        from cssrlib.peph import atxdec
    except ImportError:
        return None
    start = time.perf_counter()
    atxdec().readpcv(str(path))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--size-mb", type=float, default=40.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cssrlib", action="store_true")
    args = parser.parse_args()
    source = data_dir(args.data) / "antex" / "igs20_wettzell_trim.atx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "igs_size.atx"
        blocks = build_file(source, path, args.size_mb)
        print(f"built {path.stat().st_size / 1e6:.1f} MB ANTEX, {blocks} antenna blocks, from {source.name}")
        runs = [time_lodestar(path) for _ in range(args.repeat)]
        best = min(r[0] for r in runs)
        print(f"lodestar read_antex + lookups: {best:.3f} s (best of {args.repeat}; target < 1 s)  [{runs[0][1]}]")
        if not args.no_cssrlib:
            peer = time_cssrlib(path)
            if peer is None:
                print("cssrlib: not installed")
            else:
                print(f"cssrlib atxdec.readpcv (parses every block): {peer:.3f} s  -> lodestar {peer / best:.0f}x faster")


if __name__ == "__main__":
    main()
