"""``lodestar batch``: compare system sets over a network of station-days on Dask."""

from __future__ import annotations

import sys

from ..output import write_json
from ..systems import DEFAULT_SETS
from ._checks import check_output_files, check_output_folder, elevation_deg

NAME = "batch"
HELP = "run compare over many station-days on Dask (resumable; bad files become failed rows)"


def add_arguments(parser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="observation files, folders or quoted globs (RINEX 2/3/4, compressed or not)")
    parser.add_argument("--nav-dir", required=True, nargs="+", metavar="DIR",
                        help="folder(s) of daily navigation files (paired by day)")
    parser.add_argument("--sp3-dir", nargs="+", metavar="DIR",
                        help="folder(s) of precise orbits/clocks (SP3, RINEX clock), paired by day")
    parser.add_argument("--sinex", nargs="+", default=[], metavar="FILE",
                        help="SINEX file(s): station truth coordinates (--sinex A B or --sinex A --sinex B), and "
                             "phase-centre offsets with --sp3-dir")
    parser.add_argument("--antex", nargs="+", default=[], metavar="FILE",
                        help="ANTEX file(s): antenna phase centres for the precise orbits of --sp3-dir")
    parser.add_argument("--bias", nargs="+", default=[], metavar="FILE",
                        help="Bias-SINEX file(s): OSB code biases applied with --sp3-dir")
    parser.add_argument("--blq", default=None, metavar="FILE",
                        help="ocean-loading coefficients (BLQ) of the stations, for --ppp (a station not in it: "
                             "without, and said in the row's warnings)")
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), metavar="SET",
                        help="system sets (default: R C R+C G+R+E+C)")
    parser.add_argument("--masks", nargs="+", type=elevation_deg, default=None, metavar="DEG",
                        help="elevation masks (deg; default 10 20 30 40; with --ppp the lowest is used, default 7)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="an existing Dask scheduler (see README: multi-machine)")
    where.add_argument("--workers", type=int, default=2, metavar="N", help="local worker processes (default 2)")
    parser.add_argument("--memory-limit", default=None, metavar="SIZE",
                        help="per local worker process (default 2GiB; one full-day task peaks near 0.7 GiB)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (resumed if it holds results)")
    parser.add_argument("--force", action="store_true", help="redo station-days already done in --out (and take "
                        "over a batch lock left by another host: see docs/batch.md)")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use truncated SP3/clock files up to their last complete epoch")
    parser.add_argument("--ppp", action="store_true",
                        help="static PPP per station-day and set (needs --sp3-dir): daily coordinates, sigmas, ZTD")
    parser.add_argument("--gradients", action="store_true",
                        help="with --ppp: also estimate horizontal tropospheric gradients (off by default)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", metavar="FILE", help="counts and output paths as JSON (- = stdout)")


def run(args) -> int:
    from ..batch.run import DEFAULT_MEMORY_LIMIT, run_batch

    check_output_folder("out", args.out)
    check_output_files(json=args.json)
    if args.ppp and not args.sp3_dir:
        from ..errors import LodestarError

        raise LodestarError("--ppp needs precise orbits and clocks: give --sp3-dir DIR")
    if args.gradients and not args.ppp:
        from ..errors import LodestarError

        raise LodestarError("--gradients is a PPP option: give --ppp (and --sp3-dir) with it")
    result = run_batch(
        args.inputs, args.nav_dir, args.out, sp3_dir=args.sp3_dir, sinex=args.sinex, sets=args.sets,
        antex=args.antex, bias=args.bias, blq=args.blq, allow_truncated=args.allow_truncated,
        masks=args.masks or ([7.0] if args.ppp else [10, 20, 30, 40]), workers=args.workers, scheduler=args.scheduler, force=args.force,
        progress=not args.no_progress, memory_limit=args.memory_limit or DEFAULT_MEMORY_LIMIT, ppp=args.ppp,
        gradients=args.gradients,
    )
    counts = result.counts
    for note in result.notes:  # e.g. a stale lock of a killed run taken over
        print(f"lodestar batch: {note}", file=sys.stderr)
    if args.json != "-":
        print(f"station-days: {counts['done']} done, {counts['failed']} failed, {counts['skipped']} skipped, "
              f"{counts['resumed']} already done; rows: {counts['rows_ok']} ok, {counts['rows_skipped']} skipped, "
              f"{counts['rows_failed']} failed")
        for kind, path in result.paths.items():
            print(f"{kind}: {path}")
    write_json(result.to_json(), args.json)
    return 1 if counts["rows_failed"] else 0
