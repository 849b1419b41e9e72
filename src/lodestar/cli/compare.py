"""``lodestar compare``: GLONASS, BeiDou, the pair and all four systems at one station, with a report."""

from __future__ import annotations

import sys
import time

from ._checks import check_output_files, check_suffix, ecef_xyz, elevation_deg
from ._summary import print_warnings

NAME = "compare"
HELP = "compare R, C, R+C and G+R+E+C positioning at a station under several elevation masks"


def add_arguments(parser) -> None:
    parser.add_argument("obs", metavar="OBS", help="RINEX observation file (any compression)")
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV", help="navigation file(s)")
    truth = parser.add_mutually_exclusive_group()
    truth.add_argument("--truth", metavar="X,Y,Z|header",
                       help="reference marker position: ECEF X,Y,Z in metres, or 'header' (approximate position)")
    truth.add_argument("--sinex", action="extend", nargs="+", metavar="FILE",
                       help="SINEX file(s): the reference position, and phase-centre offsets with --sp3")
    parser.add_argument("--sets", nargs="+", default=None, metavar="SET",
                        help="system sets (default: R C R+C G+R+E+C)")
    parser.add_argument("--masks", nargs="+", type=elevation_deg, default=None, metavar="DEG",
                        help="elevation masks in degrees (default: 10 20 30 40)")
    parser.add_argument("--sp3", nargs="+", metavar="FILE", help="precise orbits instead of broadcast")
    parser.add_argument("--clk", nargs="+", metavar="FILE", help="precise clocks")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use a truncated SP3/clock file up to its last complete epoch (a warning in the JSON)")
    parser.add_argument("--antex", action="extend", nargs="+", default=None, metavar="FILE",
                        help="ANTEX file(s): antenna phase centres for --sp3 orbits")
    parser.add_argument("--bias", action="extend", nargs="+", default=None, metavar="FILE",
                        help="Bias-SINEX file(s): OSB code biases applied with --sp3")
    parser.add_argument("--out", metavar="FILE", help="HTML report (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="the table as JSON ('-' = stdout)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--causal", action="store_true",
                        help="solve every set in forward mode (only past epochs: see lodestar solve --causal)")
    parser.add_argument("--rtklib-pos", nargs="+", action="extend", metavar="[SET=]FILE",
                        help="RTKLIB .pos solutions (xyz or llh) drawn beside ours in the report; the set is "
                             "SET= or read from the file name (e.g. ESBC_spp_R+C.pos); needs --out and a truth")


def _truth(args):
    """The truth spec for analysis.compare: SINEX files, 'header', X,Y,Z, or None."""
    if args.sinex:
        return ("sinex", args.sinex)
    if args.truth is None or args.truth == "header":
        return args.truth
    return ecef_xyz(args.truth, "--truth")


def _rtklib(args):
    """RTKLIB solutions for the report, read and matched to their sets before any work."""
    if not args.rtklib_pos:
        return None
    from ..analysis.rtklib import load_rtklib_solutions
    from ..errors import LodestarError
    from ..systems import DEFAULT_SETS

    if not args.out:
        raise LodestarError("--rtklib-pos draws RTKLIB's errors into the report: add --out FILE.html")
    if args.truth is None and not args.sinex:
        raise LodestarError("--rtklib-pos compares errors: give a truth (--truth X,Y,Z, --truth header or --sinex)")
    return load_rtklib_solutions(args.rtklib_pos, tuple(args.sets or DEFAULT_SETS), args.obs)


def run(args) -> int:
    from ..analysis.compare import DEFAULT_MASKS, compare, print_table
    from ..analysis.rtklib import rtklib_table
    from ..output import write_json
    from ..report.compare_report import write_compare_report
    from ..systems import DEFAULT_SETS

    from ..errors import LodestarError

    check_output_files(out=args.out, json=args.json)
    check_suffix("out", args.out, (".html", ".htm"))
    if args.clk and not args.sp3:
        raise LodestarError("--clk gives precise clocks for SP3 orbits: add --sp3 (or drop --clk)")
    rtklib = _rtklib(args)
    if args.bias and not args.sp3:
        raise LodestarError("--bias makes codes consistent with precise (SP3/CLK) clocks; broadcast clocks carry "
                            "their own group delays: add --sp3 (or drop --bias)")
    start = time.perf_counter()
    from ..io.precise_files import read_precise_files  # products read here: --allow-truncated, and its notes

    sp3, clk, warnings = read_precise_files(args.sp3, args.clk, allow_truncated=args.allow_truncated)
    result = compare(args.obs, args.nav, truth=_truth(args), sets=tuple(args.sets or DEFAULT_SETS),
                     masks=tuple(args.masks or DEFAULT_MASKS), sp3=sp3, clk=clk,
                     progress=not args.no_progress, causal=args.causal, antex=args.antex, sinex=args.sinex,
                     bias=args.bias)
    if args.json != "-":
        print_table(result)
        sys.stdout.flush()
    if (result.rows["status"] == "skipped").all():  # nothing could even be tried: a failure, and no report
        reasons = "; ".join(list(dict.fromkeys(str(r) for r in result.rows["reason"] if r))[:2])
        raise LodestarError(f"every system set was skipped for {args.obs}: {reasons} ... "
                            "(are the --nav files of the observation day?)")
    # the report's "Beside RTKLIB" table, on the terminal and in --json too (sets at the first mask)
    beside = rtklib_table(result.solutions, rtklib, result.truth).to_dict("records") \
        if rtklib and result.truth is not None else []
    if beside and args.json != "-":
        print(f"beside RTKLIB (its .pos moved to the marker; the same truth; at {result.masks[0]:g}°, on the epochs "
              "both solved):")
        for row in beside:
            print(f"  {row['set']:8s} Lodestar 3D RMS {row['lodestar_rms_3d_m']:.2f} m, RTKLIB "
                  f"{row['rtklib_rms_3d_m']:.2f} m on {row['epochs_both_solved']} epochs")
    warnings = list(dict.fromkeys(warnings + _solution_warnings(result, args.obs)))
    print_warnings(warnings)
    write_json({**result.to_json(), "warnings": warnings, **({"rtklib": beside} if rtklib else {})}, args.json)
    if args.out:
        write_compare_report(result, args.out, rtklib=rtklib)
        print(f"wrote {args.out}", file=sys.stderr)
    print(f"compare took {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


def _solution_warnings(result, obs_path) -> list[str]:
    """``solve``'s warnings of each set's solution at the first mask (cli.solve.solution_warnings), each once;
    a line naming a set's own satellite (RAIM's exclusions) says which set."""
    from ..positioning.notes import solution_warnings
    from ..positioning.output import summary

    out = []
    for name, ds in result.solutions.items():
        for line in solution_warnings(ds, summary(ds), obs_path):
            out.append(f"{name}: {line}" if line.startswith("RAIM excluded") else line)
    return out
