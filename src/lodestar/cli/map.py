"""``lodestar map``: global maps of GLONASS, BeiDou and combined coverage from broadcast ephemerides."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ._checks import check_output_files, elevation_deg, iso_date, positive_float
from ._duration import STEP_HELP, duration_s
from ._summary import print_warnings

NAME = "map"
HELP = "global maps of satellites in view, availability and PDOP for R, C and R+C over one day"


def add_arguments(parser) -> None:
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV",
                        help="navigation file(s); a merged multi-station file (e.g. IGS BRDC) covers the globe")
    parser.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD",
                        help="day to map, in GPS time (default: the day of most records)")
    parser.add_argument("--mask", type=elevation_deg, default=10.0, metavar="DEG",
                        help="elevation mask in degrees (default 10)")
    parser.add_argument("--grid", type=positive_float, default=1.0, metavar="DEG",
                        help="grid step in degrees, dividing 180 (default 1)")
    parser.add_argument("--step", type=duration_s, default="300s", metavar="STEP",
                        help=f"time step: {STEP_HELP} (default 300s)")
    parser.add_argument("--out", required=True, metavar="FILE", help="map.png (main maps) or map.html (full report)")
    parser.add_argument("--json", metavar="FILE", help="global area-weighted figures as JSON ('-' = stdout)")
    parser.add_argument("--netcdf", metavar="FILE",
                        help="maps as NetCDF: mean_sats, mean_pdop, median_pdop, availability, pdop6_availability")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..analysis.compare import load_nav, progress_bar
    from ..analysis.coverage import coverage_map
    from ..errors import LodestarError
    from ..output import write_json
    from ..report.map_report import write_map_output

    if Path(args.out).suffix.lower() not in (".png", ".html"):
        raise LodestarError(f"--out {args.out}: write .html (report) or .png (maps)")
    check_output_files(out=args.out, json=args.json, netcdf=args.netcdf)
    start = time.perf_counter()
    nav = load_nav(args.nav)
    with progress_bar("mapping coverage", enabled=not args.no_progress) as advance:
        coverage = coverage_map(nav, date=args.date, mask_deg=args.mask, grid_deg=args.grid,
                                step_s=float(args.step), progress=advance)
    _check_not_empty(coverage, args.date)
    write_map_output(coverage, args.out, [Path(p).name for p in args.nav])
    if args.netcdf:
        coverage.to_netcdf(args.netcdf)
    write_json(coverage.to_json(), args.json)
    if args.json != "-":
        _print_summary(coverage, args.out, time.perf_counter() - start)
    print_warnings(coverage.warnings())  # on stderr, and in the JSON
    return 0


def _check_not_empty(coverage, date) -> None:
    """No ephemeris valid on the day (``--date`` outside the files): an error, not an empty map."""
    import json

    from ..errors import LodestarError

    satellites = json.loads(coverage.dataset.attrs["satellites"])
    if not any(info["valid_fraction"] > 0 for info in satellites.values()):
        raise LodestarError(f"no navigation record is valid on {coverage.dataset.attrs['date']} GPST "
                            f"({'--date ' + date if date else 'the day of most records'}): "
                            "give --date a day the --nav files cover, or navigation files of that day")


def _print_summary(coverage, out, seconds) -> None:
    for letter, info in coverage.ephemeris_coverage().items():
        print(f"{letter}: {info['satellites']} satellites, ephemerides valid {100 * info['valid_fraction']:.0f} % "
              "of the day")
    print(f"{'set':8s} {'mean sats':>10s} {'mean PDOP':>10s} {'avail %':>8s} {'PDOP<=6@5° %':>13s}")
    for name, stats in coverage.global_stats().items():
        print(f"{name:8s} {stats['mean_sats']:10.2f} {stats['mean_pdop']:10.2f} "
              f"{100 * stats['availability']:8.2f} {100 * stats['pdop6_availability']:13.2f}")
    sys.stdout.flush()
    print(f"wrote {out} in {seconds:.1f} s", file=sys.stderr)
