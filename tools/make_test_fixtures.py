"""Cut the small test fixture set (tests/fixtures/) from the sample data in ../shared/data.

Usage: python tools/make_test_fixtures.py [DATA_DIR]

Writes, each gzip-compressed and cut only at record boundaries (headers kept whole):
- ESBC00DNK_R_20201770000_10EP_30S_MO.rnx.gz: the first 10 epochs (00:00:00-00:04:30 GPST) of
  esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx;
- ESBC00DNK_R_20201770000_02H_MN.rnx.gz: the navigation records of
  esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz with epochs 2020-06-24 22:00 to 2020-06-25 02:00;
- GRG0MGXFIN_20201770000_03H_15M_ORB.SP3.gz: the first 12 epochs (00:00-02:45 GPST) of
  esbc-2020-177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz (the epoch count of line 1 set to 12).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lodestar.data import data_dir  # noqa: E402  (tools/ runs without the package installed)
from lodestar.io.compression import read_bytes  # noqa: E402

OUT = ROOT / "tests" / "fixtures"
OBS_EPOCHS = 10
SP3_EPOCHS = 12
NAV_FROM, NAV_TO = "2020 06 24 22 00 00", "2020 06 25 02 00 00"


def _split_header(lines: list[bytes]) -> int:
    return next(i for i, line in enumerate(lines) if b"END OF HEADER" in line[60:]) + 1


def cut_obs(source: Path) -> bytes:
    lines = read_bytes(source).split(b"\n")
    body = _split_header(lines)
    starts = [i for i in range(body, len(lines)) if lines[i].startswith(b">")]
    return b"\n".join(lines[: starts[OBS_EPOCHS]]) + b"\n"


def cut_nav(source: Path) -> bytes:
    lines = read_bytes(source).split(b"\n")
    body = _split_header(lines)
    keep = lines[:body]
    taking = False
    for line in lines[body:]:
        if line[:1].strip():  # a record's first line: "G01 2020 06 25 00 00 00 ..."
            taking = NAV_FROM <= line[4:23].decode() <= NAV_TO
        if taking:
            keep.append(line)
    return b"\n".join(keep).rstrip(b"\n") + b"\n"


def cut_sp3(source: Path) -> bytes:
    lines = read_bytes(source).split(b"\n")
    epochs = [i for i, line in enumerate(lines) if line.startswith(b"*")]
    first = lines[0]
    lines[0] = first[:32] + f"{SP3_EPOCHS:7d}".encode() + first[39:]
    return b"\n".join(lines[: epochs[SP3_EPOCHS]] + [b"EOF"]) + b"\n"


def main(argv: list[str]) -> int:
    esbc = data_dir(argv[0] if argv else None) / "esbc-2020-177"
    OUT.mkdir(parents=True, exist_ok=True)
    outputs = {
        "ESBC00DNK_R_20201770000_10EP_30S_MO.rnx.gz": cut_obs(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"),
        "ESBC00DNK_R_20201770000_02H_MN.rnx.gz": cut_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"),
        "GRG0MGXFIN_20201770000_03H_15M_ORB.SP3.gz": cut_sp3(esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
    }
    for name, content in outputs.items():
        # mtime=0: the same input gives the same bytes
        (OUT / name).write_bytes(gzip.compress(content, compresslevel=9, mtime=0))
        print(f"wrote {OUT / name} ({(OUT / name).stat().st_size / 1024:.1f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
