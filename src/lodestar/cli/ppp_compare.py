"""``lodestar ppp-compare``: PPP convergence per system set with restarts, a table and an HTML report.

The issue's form is ``lodestar ppp OBS ... --sets R C R+C G+R+E+C [--restart HOURS]`` (``cli/ppp.py``
hands it here); this command is the same comparison with its own options (``--masks``, ``--workers``,
``--no-static``), over one library function: :func:`lodestar.analysis.ppp_convergence.run_sets`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ._checks import check_output_files, check_suffix, elevation_deg, sinex_truth, truth_xyz
from ._duration import hours
from ._summary import print_warnings

NAME = "ppp-compare"
HELP = "PPP convergence per system set (R, C, R+C, G+R+E+C) with filter restarts, table and HTML report"

__all__ = ["HELP", "NAME", "add_arguments", "add_compare_arguments", "run", "run_compare"]


def add_compare_arguments(parser, *, with_products: bool = True) -> None:
    """The options of the comparison (also usable by ``lodestar ppp --sets``)."""
    if with_products:
        parser.add_argument("obs", metavar="OBS", help="RINEX observation file (any compression)")
        parser.add_argument("--sp3", nargs="+", required=True, metavar="FILE", help="precise orbits (SP3)")
        parser.add_argument("--clk", nargs="+", metavar="FILE", help="precise clocks (RINEX clock)")
        parser.add_argument("--nav", nargs="+", metavar="FILE", help="navigation files (GLONASS channels)")
        parser.add_argument("--antex", nargs="+", metavar="FILE", help="ANTEX antenna models")
        parser.add_argument("--sinex", nargs="+", metavar="FILE", help="SINEX files (phase-centre offsets)")
        parser.add_argument("--bias", nargs="+", metavar="FILE", help="Bias-SINEX OSB files")
        parser.add_argument("--blq", metavar="FILE", help="ocean-loading coefficients (BLQ) holding the station")
        parser.add_argument("--truth", metavar="X,Y,Z|header",
                            help="marker ECEF X,Y,Z in metres, or 'header' (APPROX POSITION XYZ, approximate); "
                                 "without it, the station's coordinate in the --sinex files")
        parser.add_argument("--out", metavar="FILE", help="HTML report (overwritten)")
        parser.add_argument("--json", metavar="FILE", help="the table as JSON ('-' = stdout)")
    parser.add_argument("--sets", nargs="+", default=["R", "C", "R+C", "G+R+E+C"], metavar="SET",
                        help="system sets to compare (default: R C R+C G+R+E+C)")
    parser.add_argument("--restart", type=hours, default=2.0, metavar="HOURS",
                        help="restart the filter every HOURS to sample convergences (default 2; 0 = never; a unit "
                             "may be given: 30min)")
    parser.add_argument("--masks", nargs="+", type=elevation_deg, default=[7.0, 30.0], metavar="DEG",
                        help="elevation masks (default: 7 30; the first is the main one)")
    parser.add_argument("--mode", choices=("kinematic", "static"), default="kinematic",
                        help="filter mode of the restarted runs (default kinematic)")
    parser.add_argument("--workers", type=int, default=2, metavar="N", help="parallel runs (default 2)")
    parser.add_argument("--no-static", action="store_true", help="skip the static daily runs")
    if with_products:
        parser.add_argument("--gradients", action="store_true",
                            help="also estimate horizontal tropospheric gradients in every run (off by default)")


def add_arguments(parser) -> None:
    add_compare_arguments(parser)


def sets_truth(args) -> str:
    """The comparison's truth as ``--truth`` takes it: ``--truth`` itself, else the station's coordinate on the
    day from the ``--sinex`` files (as a single ``ppp`` run takes it), else an error saying what to give."""
    if args.truth:
        return args.truth
    if args.sinex:
        position, how = sinex_truth(args.obs, args.sinex)
        if position is not None:
            print(f"truth: the station's SINEX coordinate ({how})", file=sys.stderr)
            return ",".join(f"{v:.4f}" for v in position)
    from ..errors import LodestarError

    where = " (the --sinex files do not hold the station)" if args.sinex else ""
    raise LodestarError(f"--sets compares convergence against a truth{where}: give --truth X,Y,Z or --truth header, "
                        "or --sinex files that hold the station")


def run_compare(args) -> int:
    from ..analysis.ppp_convergence import format_table, run_sets
    from ..errors import LodestarError
    from ..output import write_json

    if args.out:  # the report is HTML: another suffix is refused before any work (it was written as is)
        check_suffix("out", args.out, (".html", ".htm"))
    check_output_files(out=args.out, json=args.json)
    if args.workers < 1:
        raise LodestarError(f"--workers {args.workers}: give at least 1")
    truth = truth_xyz(sets_truth(args), args.obs)
    products = {key: getattr(args, key) for key in ("sp3", "clk", "nav", "antex", "sinex", "bias", "blq", "gradients")
                if getattr(args, key, None)}
    start = time.perf_counter()
    result = run_sets(args.obs, args.sets, truth_xyz_m=truth, restart_hours=args.restart or None,
                      masks=tuple(args.masks), static=not args.no_static, workers=args.workers, mode=args.mode,
                      **products)
    text = sys.stderr if args.json == "-" else sys.stdout  # stdout is then JSON only, for scripts
    print("\n".join(format_table(result["rows"])), file=text)
    print(f"({len(args.sets)} sets, {args.mode}, restart every {args.restart:g} h, masks {', '.join(f'{m:g}' for m in args.masks)}"
          f" deg; {time.perf_counter() - start:.1f} s)", file=sys.stderr)
    if args.out:
        from ..report.ppp_report import write_ppp_report

        write_ppp_report(result, args.out, station=result["station"] or Path(args.obs).name[:4], date=result["date"])
    print_warnings(result["warnings"])
    if args.json:
        write_json({"restart_s": result["restart_s"], "mode": result["mode"], "masks": list(result["masks"]),
                    "sets": result["rows"], "warnings": result["warnings"]}, args.json)
    return 0


def run(args) -> int:
    return run_compare(args)
