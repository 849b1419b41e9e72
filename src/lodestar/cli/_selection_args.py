"""Which observations a run uses, the options ``solve`` and ``ppp`` share: a time window, decimation,
an SNR mask and excluded satellites (``lodestar.positioning.selection.ObservationSelection``)."""

from __future__ import annotations

from ._checks import check_time_order, iso_time
from ._duration import duration_s

__all__ = ["add_selection_arguments", "selection_from_args"]


def add_selection_arguments(parser, *, rtklib_conf: bool = False) -> None:
    """``--from --to --interval --snr-mask --exclude`` (and ``--rtklib-conf`` for ``solve``)."""
    group = parser.add_argument_group("which observations (applied before solving)")
    group.add_argument("--from", dest="start", type=iso_time, metavar="ISO", help="first epoch, GPST (e.g. 2020-06-25T06:00:00)")
    group.add_argument("--to", dest="end", type=iso_time, metavar="ISO", help="last epoch, GPST (inclusive)")
    group.add_argument("--interval", type=duration_s, metavar="SECONDS",
                       help="decimate: keep epochs on multiples of SECONDS (GPS seconds of week); a unit may be "
                            "given: 30s, 5min")
    group.add_argument("--snr-mask", type=float, metavar="DBHZ",
                       help="drop observations whose own signal's C/N0 (S observation) is below DBHZ or missing "
                            "(solve: pseudoranges; ppp: pseudoranges and carrier phases)")
    group.add_argument("--exclude", nargs="+", metavar="SV", help="satellites left out: R05,C01 or R05 C01 (repeatable)")
    if rtklib_conf:
        group.add_argument("--rtklib-conf", metavar="FILE",
                           help="take the options an RTKLIB .conf stands for (pos1-posmode, pos1-elmask, pos1-navsys, "
                                "pos1-exclsats, pos1-snrmask_*, out-solformat, ...) from it (options given here win; "
                                "the keys used and ignored are listed)")


def selection_from_args(args):
    """The :class:`~lodestar.positioning.selection.ObservationSelection` the options name (the window's
    order checked)."""
    from ..positioning.selection import ObservationSelection, parse_satellites

    if args.start and args.end:
        check_time_order(args.start, args.end)
    exclude = parse_satellites(args.exclude) if args.exclude else ()
    return ObservationSelection(start=args.start, end=args.end, interval_s=args.interval,
                                snr_mask_dbhz=args.snr_mask, exclude=exclude)
