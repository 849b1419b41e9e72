"""Arguments shared by the lunar commands (``ilrs``, ``moon-gnss``): site choice and times."""

from __future__ import annotations

from ..errors import LodestarError
from ._checks import check_time_order, iso_time
from ._duration import STEP_HELP, duration_s


def add_site_arguments(parser, orbit: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--site", metavar="NAME", help="built-in site (shackleton-rim, leibnitz-beta, amundsen, "
                       "cabeus, shackleton-de-gerlache-ridge, boguslawsky, south-pole, change-4)")
    group.add_argument("--lat", type=float, metavar="DEG", help="site latitude, deg (ME frame; with --lon)")
    if orbit:
        group.add_argument("--orbit", metavar="ALT_KM,INC_DEG[,RAAN_DEG]",
                           help="a circular lunar orbit instead of a surface site")
    parser.add_argument("--lon", type=float, metavar="DEG", help="site east longitude, deg (ME frame)")
    parser.add_argument("--height", type=float, default=0.0, metavar="M",
                        help="site height above the 1737.4 km sphere, m (default 0)")


def add_time_arguments(parser, default_step: str) -> None:
    parser.add_argument("--from", dest="start", required=True, type=iso_time, metavar="DATE",
                        help="start, ISO 8601 without zone (e.g. 2025-01-01 or 2024-01-01T00:00:00)")
    parser.add_argument("--to", dest="end", required=True, type=iso_time, metavar="DATE",
                        help="end, ISO 8601 without zone")
    parser.add_argument("--step", type=duration_s, default=default_step, metavar="STEP",
                        help=f"time step: {STEP_HELP} (default {default_step})")
    parser.add_argument("--time-scale", default="utc", choices=("utc", "gpst", "tt", "tdb"),
                        help="time scale of --from/--to (default utc)")


def site_from_args(args):
    from ..lunar.analysis.sites import Site, site_by_name

    if args.site:
        return site_by_name(args.site)
    if args.lat is None or args.lon is None:
        raise LodestarError("give --site NAME, or both --lat DEG and --lon DEG")
    return Site(f"{args.lat:g}°, {args.lon:g}°E", args.lat, args.lon, args.height, "user-given point")


def orbit_from_args(text: str, epoch):
    from ..lunar.analysis.relay import circular_orbit

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (2, 3) or values[0] <= 0:
        raise LodestarError(f"--orbit {text!r}: give ALT_KM,INC_DEG[,RAAN_DEG], e.g. 100,90 or 500,60,30")
    return circular_orbit(values[0], values[1], values[2] if len(values) == 3 else 0.0, epoch)


def times_from_args(args):
    from ..time import Time

    check_time_order(args.start, args.end)
    return Time.from_iso(args.start, scale=args.time_scale), Time.from_iso(args.end, scale=args.time_scale)
