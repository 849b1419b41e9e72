"""``lodestar sisre``: broadcast versus precise orbits and clocks, per system and satellite."""

from __future__ import annotations

import sys

from ._checks import check_output_files
from ._duration import STEP_HELP, duration_s
from ._summary import print_warnings

NAME = "sisre"
HELP = "compare broadcast with precise orbits/clocks: radial/along/cross, clock and SISRE RMS"


def add_arguments(parser) -> None:
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV", help="RINEX navigation file(s)")
    parser.add_argument("--sp3", nargs="+", required=True, metavar="SP3", help="precise orbit file(s)")
    parser.add_argument("--clk", nargs="+", default=[], metavar="CLK", help="RINEX clock file(s) (else SP3 clocks)")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use a truncated SP3/clock file up to its last complete epoch (a warning in the JSON)")
    parser.add_argument("--systems", default="G+R+E+C", metavar="SET",
                        help="system set, letters joined by +: R, C, R+C ... (default G+R+E+C)")
    parser.add_argument("--step", type=duration_s, default="300s", metavar="STEP",
                        help=f"comparison step: {STEP_HELP} (default 300s)")
    parser.add_argument("--no-pco", action="store_true",
                        help="compare the precise centre of mass as is (default: moved to the antenna phase centre where an offset is known)")
    parser.add_argument("--antex", action="extend", nargs="+", default=[], metavar="FILE",
                        help="ANTEX file(s) with satellite antenna offsets (first priority)")
    parser.add_argument("--sinex", action="extend", nargs="+", default=[], metavar="FILE",
                        help="SINEX file(s) with SATELLITE/PHASE_CENTER offsets (after ANTEX; then the published table)")
    parser.add_argument("--json", metavar="FILE", help="results as JSON (- = stdout)")


def run(args) -> int:
    from ..errors import LodestarError
    from ..orbits.sisre import sisre_from_files
    from ..output import write_json

    check_output_files(json=args.json)
    from ..io.precise_files import read_precise_files  # products read here: --allow-truncated, and its notes

    sp3, clk, warnings = read_precise_files(args.sp3, args.clk, allow_truncated=args.allow_truncated)
    result = sisre_from_files(args.nav, sp3, clk or [], systems=args.systems, step_s=float(args.step),
                              antenna=not args.no_pco, antex=args.antex, sinex=args.sinex)
    result["warnings"] = warnings + result.get("warnings", []) + result.get("broadcast_warnings", [])
    if not result["systems"]:  # an empty table with exit 0 would pass for success in a script
        span = result.get("span", {})
        raise LodestarError(f"nothing to compare: no satellite of {args.systems} has both a broadcast and a precise "
                            f"state in the SP3 span {span.get('from')} .. {span.get('to')} ({_why_none(result)})")
    text = sys.stderr if args.json == "-" else sys.stdout  # stdout is then JSON only, for scripts
    print(format_table(result), file=text)
    if result["pco"]["enabled"]:
        print(format_sources(result), file=text)
    if result["pco"]["not_applied"] and result["pco"]["enabled"]:
        print("no antenna offset known (raw centre-of-mass comparison): " + " ".join(result["pco"]["not_applied"]),
              file=text)
    if result["pco"]["sisre_com_systems"]:
        print("SISRE from the centre of mass (offsets known for only part of the system): "
              + "+".join(result["pco"]["sisre_com_systems"]), file=text)
    print_warnings(result["warnings"])
    write_json(result, args.json)
    return 0


def _why_none(result) -> str:
    """The main reason of each side for an empty comparison (e.g. an SP3 too short to interpolate)."""
    parts = []
    for side, reasons in (result.get("not_compared") or {}).items():
        if reasons:
            main = max(reasons, key=reasons.get)
            parts.append(f"{side}: {main} ({reasons[main]} of {sum(reasons.values())} cells left out)")
    parts += result.get("unusable_centres", [])  # e.g. an SP3 too short to interpolate
    hint = "navigation file of another day, or a system the SP3 files do not carry?"
    return "; ".join(parts + [hint]) if parts else hint


def format_table(result) -> str:
    head = f"{'sys':4}{'sats':>5}{'3D':>8}{'radial':>8}{'along':>8}{'cross':>8}{'r.mean':>8}{'clock':>8}{'SISRE':>8}  (m, RMS)"
    lines = [head]
    for letter, s in result["systems"].items():
        lines.append(f"{letter:4}{s['sats']:5d}{s['orbit_3d_rms_m']:8.2f}{s['radial_rms_m']:8.2f}{s['along_rms_m']:8.2f}"
                     f"{s['cross_rms_m']:8.2f}{s['radial_mean_m']:8.2f}{s['clock_rms_m']:8.2f}{s['sisre_m']:8.2f}")
    return "\n".join(lines)


def format_sources(result) -> str:
    """Which source each satellite's antenna offset came from, per system (``sinex: R01 R02 ...``)."""
    lines = ["antenna offset sources (ANTEX > SINEX > published > none):"]
    by_system: dict[str, dict[str, list[str]]] = {}
    for sv, entry in result["pco"].get("satellites", {}).items():
        by_system.setdefault(sv[0], {}).setdefault(entry["source"], []).append(sv)
    for letter in sorted(by_system, key="GRECJIS".index):
        parts = [f"{source} {len(svs)} ({' '.join(svs)})" for source, svs in sorted(by_system[letter].items())]
        lines.append(f"  {letter}: " + "; ".join(parts))
    return "\n".join(lines)
