"""``lodestar ilrs``: when a lunar site sees the Earth, the Sun and the Queqiao-2 relay."""

from __future__ import annotations

import sys

from ._checks import check_output_files, check_suffix
from ._lunar_args import add_site_arguments, add_time_arguments, site_from_args, times_from_args

NAME = "ilrs"
HELP = "ILRS site analysis: Earth and Sun visibility and Queqiao-2 relay coverage from a lunar site"


def add_arguments(parser) -> None:
    add_site_arguments(parser)
    add_time_arguments(parser, default_step="30min")
    parser.add_argument("--horizon", metavar="FILE",
                        help="horizon mask: lines 'azimuth_deg, elevation_deg' (default: flat horizon)")
    parser.add_argument("--out", metavar="FILE", help="HTML report (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="figures as JSON ('-' = stdout)")


def run(args) -> int:
    from ..lunar.analysis.ilrs import analyse_site, read_horizon_csv
    from ..output import write_json

    check_output_files(out=args.out, json=args.json)
    check_suffix("out", args.out, (".html", ".htm"))
    start, end = times_from_args(args)
    horizon = read_horizon_csv(args.horizon) if args.horizon else None
    if getattr(args.step, "plain", False):
        print(f"note: --step {args.step:g} means {args.step:g} s (plain numbers are seconds in every command; "
              f"for minutes write --step {args.step / 60:g}min)", file=sys.stderr)
    result = analyse_site(site_from_args(args), start, end, step_s=float(args.step), horizon=horizon)
    summary = result.summary()
    write_json(summary, args.json)
    if args.json != "-":
        for key in ("earth_visible_fraction", "earth_longest_outage_h", "sun_lit_fraction",
                    "sun_longest_night_h", "relay_visible_fraction"):
            print(f"{key:28s} {summary[key]:10.3f}")
        print(f"horizon: {summary['horizon']}")
    if args.out:
        from ..report.lunar import ilrs_report

        ilrs_report(result, args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
