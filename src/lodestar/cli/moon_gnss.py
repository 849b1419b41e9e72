"""``lodestar moon-gnss``: GLONASS, BeiDou, GPS and Galileo reception at the Moon."""

from __future__ import annotations

import sys

from ._checks import check_output_files, check_suffix
from ._lunar_args import add_site_arguments, add_time_arguments, orbit_from_args, site_from_args, times_from_args
from ._summary import print_warnings

NAME = "moon-gnss"
HELP = "GNSS reception at lunar distance: usable GLONASS/BeiDou/GPS/Galileo satellites, C/N0 and GDOP"


def add_arguments(parser) -> None:
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV", help="RINEX navigation file(s)")
    add_site_arguments(parser, orbit=True)
    add_time_arguments(parser, default_step="300s")
    parser.add_argument("--rx-gain-dbi", type=float, default=15.0, metavar="DBI",
                        help="receiver antenna gain, dBi (default 15)")
    parser.add_argument("--cn0-min", type=float, default=20.0, metavar="DBHZ",
                        help="usable C/N0 threshold, dB-Hz (default 20)")
    parser.add_argument("--out", metavar="FILE", help="HTML report (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="figures as JSON ('-' = stdout)")


def run(args) -> int:
    from ..lunar.analysis.link_budget import LinkParameters
    from ..lunar.analysis.moon_gnss import analyse_nav_files, flight_comparison
    from ..output import write_json

    check_output_files(out=args.out, json=args.json)
    check_suffix("out", args.out, (".html", ".htm"))
    start, end = times_from_args(args)
    receiver = orbit_from_args(args.orbit, start) if getattr(args, "orbit", None) else site_from_args(args)
    result = analyse_nav_files(args.nav, receiver, start, end, step_s=float(args.step),
                               link=LinkParameters(rx_gain_dbi=args.rx_gain_dbi), cn0_min_dbhz=args.cn0_min)
    summary = result.summary()
    comparison = flight_comparison(summary)
    write_json({**summary, "flight_comparison": comparison}, args.json)
    if args.json != "-":
        print(f"{'set':8s} {'>=4 usable':>10s} {'median':>7s} {'median GDOP':>12s}")
        for name in result.counts:
            gdop = summary["gdop_median"][name]
            print(f"{name:8s} {summary['fraction_ge4'][name]:10.3f} {summary['median_usable'][name]:7g} "
                  f"{'—' if gdop is None else f'{gdop:.0f}':>12s}")
        sys.stdout.flush()
    print_warnings(summary["warnings"])  # after the table (stderr), and in the JSON
    if args.out:
        from ..report.lunar import moon_gnss_report

        moon_gnss_report(result, args.out, comparison)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
