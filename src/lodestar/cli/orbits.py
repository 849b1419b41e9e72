"""``lodestar orbits``: satellite positions and clocks on a time grid, written as CSV."""

from __future__ import annotations

import sys

from ._checks import check_output_files, check_suffix, iso_time
from ._duration import STEP_HELP, duration_s
from ._summary import print_warnings

NAME = "orbits"
HELP = "satellite positions and clocks (broadcast, or precise SP3/CLK) every STEP seconds, as CSV"


def add_arguments(parser) -> None:
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV", help="RINEX navigation file(s)")
    parser.add_argument("--sp3", nargs="+", default=[], metavar="SP3", help="precise orbit file(s), consecutive days joined")
    parser.add_argument("--clk", nargs="+", default=[], metavar="CLK", help="RINEX clock file(s) for the precise clocks")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use a truncated SP3/clock file up to its last complete epoch (a warning in the JSON)")
    parser.add_argument("--from", dest="start", required=True, type=iso_time, metavar="ISO",
                        help="first epoch, GPS time, ISO 8601 without zone (e.g. 2020-06-25T00:00:00)")
    parser.add_argument("--to", dest="stop", required=True, type=iso_time, metavar="ISO",
                        help="last epoch (inclusive), GPS time")
    parser.add_argument("--step", type=duration_s, default="30s", metavar="STEP",
                        help=f"grid step: {STEP_HELP} (default 30s)")
    parser.add_argument("--systems", default="G+R+E+C", metavar="SET",
                        help="system set, letters joined by +: R, C, R+C ... (default G+R+E+C)")
    parser.add_argument("--apc", action="store_true",
                        help="move precise positions (centre of mass) to the antenna phase centre, as broadcast "
                             "positions are (implied by --antex/--sinex; else the published offsets)")
    parser.add_argument("--antex", action="extend", nargs="+", default=[], metavar="FILE",
                        help="ANTEX file(s) with satellite antenna offsets (first priority)")
    parser.add_argument("--sinex", action="extend", nargs="+", default=[], metavar="FILE",
                        help="SINEX file(s) with SATELLITE/PHASE_CENTER offsets (after ANTEX; then the published table)")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="output CSV (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="summary as JSON (- = stdout)")


def run(args) -> int:
    from ..errors import LodestarError
    from ..orbits.table import orbit_table, write_orbit_csv  # heavy (pandas, xarray): only when run
    from ..output import write_json

    check_output_files(out=args.out, json=args.json)
    check_suffix("out", args.out, (".csv",))
    phase_centres = None
    if args.apc or args.antex or args.sinex:
        from ..models.phase_center import PhaseCentres

        phase_centres = PhaseCentres(antex=args.antex, sinex=args.sinex)
    from ..io.precise_files import read_precise_files  # products read here: --allow-truncated, and its notes

    sp3, clk, warnings = read_precise_files(args.sp3, args.clk, allow_truncated=args.allow_truncated)
    table, summary = orbit_table(args.nav, args.start, args.stop, float(args.step), sp3_paths=sp3 or [],
                                 clk_paths=clk or [], systems=args.systems, phase_centres=phase_centres)
    summary["warnings"] = warnings + summary.pop("product_warnings", [])
    if not summary["rows"]:  # e.g. a navigation file of another day: say so rather than write an empty CSV
        reasons = "; ".join(f"{n} x {r}" for r, n in list(summary["left_out_by_reason"].items())[:3])
        raise LodestarError(f"no satellite of {args.systems} has a valid orbit between --from {args.start} and "
                            f"--to {args.stop} (are the --nav/--sp3 files of that day?): {reasons or 'no satellites'}")
    write_orbit_csv(table, args.out)
    text = sys.stderr if args.json == "-" else sys.stdout  # stdout is then JSON only, for scripts
    print(f"{summary['rows']} rows ({summary['precise_rows']} precise, {summary['broadcast_rows']} broadcast) "
          f"for {summary['satellites']} satellites x {summary['epochs']} epochs -> {args.out}", file=text)
    if args.sp3:
        print(f"precise positions: {summary['precise_reference']}", file=text)
    if "pco" in summary:
        counts: dict[str, list[str]] = {}
        for sv, entry in summary["pco"].items():
            counts.setdefault(entry["source"], []).append(sv)
        print("antenna offset sources: " + "; ".join(f"{source} {len(svs)} ({' '.join(svs)})"
                                                     for source, svs in sorted(counts.items())), file=text)
    print(f"left out (no valid ephemeris): {summary['left_out']}", file=text)
    for reason, count in summary["left_out_by_reason"].items():
        print(f"  {count:8d}  {reason}", file=text)
    print_warnings(summary["warnings"])
    write_json(summary, args.json)
    return 0
