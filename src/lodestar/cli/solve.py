"""``lodestar solve``: single-point positions of the marker, one row per epoch."""

from __future__ import annotations

from ._checks import check_output_files, elevation_deg, positive_float
from ._precise_args import add_precise_arguments, precise_options, precise_summary

NAME = "solve"
HELP = "single-point positioning with GLONASS, BeiDou, GPS, Galileo (any set), written as CSV/.pos/Parquet"


def add_arguments(parser) -> None:
    parser.add_argument("obs", metavar="OBS", help="RINEX observation file (any compression)")
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV", help="RINEX navigation file(s)")
    parser.add_argument("--sp3", nargs="+", default=None, metavar="SP3", help="precise orbits (replace broadcast)")
    parser.add_argument("--clk", nargs="+", default=None, metavar="CLK", help="precise clocks, with --sp3")
    add_precise_arguments(parser)
    parser.add_argument("--systems", default="R+C", metavar="SET",
                        help="system set, letters joined by +: R, C, R+C, G+R+E+C ... (default R+C)")
    parser.add_argument("--mask", type=elevation_deg, default=10.0, metavar="DEG", help="elevation mask, degrees (default 10)")
    parser.add_argument("--iono", choices=("klobuchar", "iflc", "off"), default="klobuchar",
                        help="broadcast Klobuchar (default), dual-frequency iono-free, or none")
    parser.add_argument("--biases", choices=("auto", "satellite", "groups", "off"), default="auto",
                        help="session code biases: auto (default: per GLONASS/BeiDou satellite with a >= 3 h arc, "
                             "else per GLONASS channel / BDS-2 / BDS-3), per satellite, groups only, none")
    parser.add_argument("--smooth", type=positive_float, default=None, metavar="SECONDS",
                        help="Hatch carrier-smoothing window (default: raw code)")
    parser.add_argument("--alert-limit", type=float, default=50.0, metavar="M",
                        help="integrity: epochs whose protection level exceeds this are 'failed' (default 50 m; 0 = off)")
    parser.add_argument("--integrity-gate", choices=("untestable", "all"), default="untestable",
                        help="apply the protection-level gate to epochs RAIM cannot test (default) or to all")
    parser.add_argument("--calibration", metavar="FILE",
                        help="apply receiver code biases and the inter-system bias from a JSON file "
                             "(written by --calibration-out on an open-sky run of the same receiver and day)")
    parser.add_argument("--calibration-out", metavar="FILE", help="write the biases this run estimated, as JSON")
    parser.add_argument("--format", choices=("csv", "rtklib", "parquet"), default=None,
                        help="output format: csv, rtklib (.pos, x/y/z-ecef) or parquet (default: from the --out "
                             "suffix: .pos rtklib, .parquet parquet, else csv)")
    parser.add_argument("--out", required=True, metavar="FILE", help="output file (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="run summary as JSON (- = stdout)")
    parser.add_argument("--truth", metavar="X,Y,Z", help="reference marker position (ECEF m): adds H/V/3D RMS and 95 %% to the summary")


def run(args) -> int:
    from ..output import write_json
    from ..positioning import solve
    from ..positioning.output import summary, write_solution

    from ..errors import LodestarError

    # every option is checked before the solve, so a typo never leaves an output behind
    check_output_files(out=args.out, json=args.json, calibration_out=args.calibration_out)
    if args.clk and not args.sp3:
        raise LodestarError("--clk gives precise clocks for SP3 orbits: add --sp3 (or drop --clk)")
    truth = _truth(args.truth)
    calibration = _calibration(args.calibration)
    ds = solve(args.obs, args.nav, systems=args.systems, mask_deg=args.mask, iono=args.iono, sp3=args.sp3,
               clk=args.clk, biases_mode=args.biases, smoothing_s=args.smooth,
               alert_limit_m=args.alert_limit or None, integrity_gate=args.integrity_gate,
               calibration=calibration, **precise_options(args))
    if args.calibration_out:
        from ..output import atomic_write_bytes
        from ..positioning import Calibration

        atomic_write_bytes(args.calibration_out, Calibration.from_solution(ds).to_json().encode())
    write_solution(ds, args.out, args.format or _format_from_suffix(args.out))
    info = summary(ds, truth)
    info.update(precise_summary(ds))
    counts = ", ".join(f"{k} {v}" for k, v in info["status_counts"].items() if v)
    if args.json != "-":
        print(f"{ds.attrs['systems']}: {info['solved']}/{info['epochs']} epochs solved ({counts}) -> {args.out}")
    write_json(info, args.json)
    return 0


def _format_from_suffix(path) -> str:
    """``--out x.pos`` means RTKLIB and ``x.parquet`` Parquet: a CSV under those names would mislead."""
    from pathlib import Path

    return {".pos": "rtklib", ".parquet": "parquet", ".pq": "parquet"}.get(Path(path).suffix.lower(), "csv")


def _truth(text):
    if not text:
        return None
    from ..errors import LodestarError

    try:
        values = [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 3:
        raise LodestarError(f"--truth expects X,Y,Z in metres (ECEF), got {text!r}")
    return values


def _calibration(path):
    if not path:
        return None
    import json

    from ..errors import LodestarError
    from ..positioning import Calibration

    try:
        return Calibration.from_dict(json.loads(open(path, encoding="utf-8").read()))
    except FileNotFoundError:
        raise LodestarError(f"--calibration file {path} not found") from None
    except IsADirectoryError:
        raise LodestarError(f"--calibration {path}: is a folder; give the JSON file") from None
    except UnicodeDecodeError:
        raise LodestarError(f"{path}: not a Lodestar calibration JSON (not text)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise LodestarError(f"{path}: not a Lodestar calibration JSON ({exc})") from None
