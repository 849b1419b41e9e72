"""``lodestar solve``: single-point positions of the marker, one row per epoch.

Batch post-processing: the whole file is read and the session quantities (code biases, the
inter-system bias, per-system noise) are estimated from the day before the positions are final.
The same steps in a notebook: ``read_obs`` -> ``analysis.truth.resolve_truth`` ->
``positioning.prepare(..., selection=ObservationSelection(...))`` ->
``positioning.solve(prep, ..., residuals=True)`` -> ``positioning.output.write_solution`` /
``accuracy`` (see docs/cli.md).
"""

from __future__ import annotations

import sys

from ..errors import DataNotFoundError, LodestarError
from ._checks import (
    check_output_files,
    check_time_order,
    ecef_xyz,
    elevation_deg,
    positive_float,
    residuals_format,
)
from ._precise_args import add_precise_arguments, precise_options, precise_summary
from ._rtklib_conf_args import apply_rtklib_conf
from ._selection_args import add_selection_arguments, selection_from_args
from ..positioning.notes import (NO_ORBIT_WARN_FRACTION, _excluded_warning, _no_orbit_warning,  # noqa: F401
                                 _screened_warning, solution_warnings)
from ._summary import main_reason, print_warnings

NAME = "solve"
HELP = ("single-point positioning with GLONASS, BeiDou, GPS, Galileo (any set), batch post-processing "
        "(--causal: forward, every epoch from the past only); "
        "written as CSV, RTKLIB .pos, Parquet, KML, GeoJSON or NMEA")

_DEFAULTS = {"systems": "R+C", "mask": 10.0, "iono": "klobuchar", "pos_format": "xyz"}
_FORMATS = ("csv", "rtklib", "parquet", "kml", "geojson", "nmea")


def add_arguments(parser) -> None:
    parser.add_argument("obs", metavar="OBS", help="RINEX observation file (any compression)")
    parser.add_argument("--nav", nargs="+", required=True, metavar="NAV", help="RINEX navigation file(s): --nav A B or --nav A --nav B")
    parser.add_argument("--sp3", nargs="+", default=None, metavar="SP3", help="precise orbits (replace broadcast)")
    parser.add_argument("--clk", nargs="+", default=None, metavar="CLK", help="precise clocks, with --sp3")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use a truncated SP3/clock file up to its last complete epoch (a warning in the JSON)")
    add_precise_arguments(parser, sinex=False)  # --sinex (truth group) also serves phase centres with --sp3
    parser.add_argument("--systems", default=None, metavar="SET",
                        help="system set: R, C, R+C, GREC, G+R+E+C ... (default R+C)")
    parser.add_argument("--mask", type=elevation_deg, default=None, metavar="DEG", help="elevation mask, degrees (default 10)")
    parser.add_argument("--iono", choices=("klobuchar", "nequick", "iflc", "off"), default=None,
                        help="broadcast Klobuchar (default), Galileo's NeQuick-G for every system (the "
                             "navigation header's GAL coefficients), dual-frequency iono-free, or none")
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
    mode = parser.add_argument_group("processing mode")
    mode.add_argument("--causal", action="store_true",
                      help="forward (real-time-like) mode: every epoch uses only the past; code biases, weights and "
                           "inter-system biases are running estimates (--calibration gives their start). Default: "
                           "post-processing, estimated over the whole file")
    add_selection_arguments(parser, rtklib_conf=True)
    _add_truth_arguments(parser)
    _add_output_arguments(parser)


def _add_truth_arguments(parser) -> None:
    group = parser.add_argument_group("reference position (adds H/V/3D RMS and 95 % to the terminal and --json)")
    group.add_argument("--truth", metavar="X,Y,Z|header",
                       help="marker position, ECEF X,Y,Z in metres (negative values fine: --truth -1882182.84,...), "
                            "or 'header' (APPROX POSITION XYZ, approximate)")
    group.add_argument("--sinex", nargs="+", metavar="FILE",
                       help="SINEX file(s): the receiver antenna's phase-centre offsets (with --sp3 also the "
                            "satellites'), and the marker position unless --truth is given")


def _add_output_arguments(parser) -> None:
    group = parser.add_argument_group("outputs")
    group.add_argument("--out", required=True, metavar="FILE",
                       help="output file (overwritten); the suffix chooses the format: .csv .pos .parquet .kml .geojson .nmea")
    group.add_argument("--format", choices=_FORMATS, default=None,
                       help="output format regardless of the suffix: csv, rtklib (.pos), parquet, kml, geojson, nmea")
    group.add_argument("--pos-format", choices=("xyz", "llh", "enu"), default=None,
                       help="RTKLIB .pos columns: xyz (ECEF, default), llh (lat/lon/height), enu (from --origin, "
                            "else the truth, else the first solved epoch)")
    group.add_argument("--origin", metavar="X,Y,Z", help="origin of --pos-format enu, ECEF metres")
    group.add_argument("--residuals", metavar="FILE",
                       help="per epoch and satellite: azimuth, elevation, residual, sigma, used/excluded (.csv or .parquet)")
    group.add_argument("--json", metavar="FILE", help="run summary as JSON (- = stdout)")


def run(args) -> int:
    from ..positioning.output import summary

    # every option is checked before the solve, so a typo never leaves an output behind
    check_output_files(out=args.out, json=args.json, calibration_out=args.calibration_out, residuals=args.residuals)
    explicit_pos_format = args.pos_format is not None
    conf = apply_rtklib_conf(args, "solve", _DEFAULTS)
    fmt = _output_format(args, explicit_pos_format)
    if args.residuals:
        residuals_format(args.residuals)
    if args.clk and not args.sp3:
        raise LodestarError("--clk gives precise clocks for SP3 orbits: add --sp3 (or drop --clk)")
    precise_options(args)  # refuses --antex/--bias without --sp3 before any work
    if args.start and args.end:
        check_time_order(args.start, args.end)
    # --truth wins; SINEX files without it also give the station's coordinate (README: "serves everything it holds")
    truth_spec = _truth_spec(args.truth) if args.truth else (("sinex", args.sinex) if args.sinex else None)
    origin = ecef_xyz(args.origin, "--origin") if args.origin else None
    selection = selection_from_args(args)
    calibration = _calibration(args.calibration)
    from ..io.precise_files import (
        read_precise_files,  # products read here: --allow-truncated, and its notes
    )
    from ..systems import parse_system_set

    args.sp3, args.clk, warnings = read_precise_files(args.sp3, args.clk, allow_truncated=args.allow_truncated,
                                                      systems="".join(parse_system_set(args.systems)))
    ds, residuals, truth, truth_source = _solve(args, truth_spec, selection, calibration)
    _write_outputs(args, ds, residuals, fmt, origin if origin is not None else truth)
    info = summary(ds, truth)
    info.update(precise_summary(ds))
    info.update(truth_source=truth_source, truth_xyz_m=None if truth is None else [float(v) for v in truth],
                selection=selection.describe(),
                mode="causal" if args.causal else "batch post-processing",
                warnings=list(dict.fromkeys(list(warnings) + list(info.get("warnings") or []))))
    # CEDA's Galileo day: 0 of 4675 epochs solved, the cause (4231 screened ranges) was in the JSON only
    info["warnings"] += solution_warnings(ds, info, args.obs)
    if conf is not None:
        info["rtklib_conf"] = {"used": conf.used, "ignored": conf.ignored}
    if args.json != "-":
        _print_summary(ds, info, args.out)
    print_warnings(info["warnings"])  # what the run set aside or could not do (also in --json)
    from ..output import write_json

    write_json(info, args.json)
    return 0


def _solve(args, truth_spec, selection, calibration):
    """Read, resolve the truth, prepare (with the selection) and solve: (ds, residuals, truth, source)."""
    from ..analysis.truth import resolve_truth, station_names
    from ..io.rinex_obs import read_obs
    from ..positioning import prepare, solve
    from ..positioning.prepare import observation_codes
    from ..systems import parse_system_set

    letters = "".join(parse_system_set(args.systems))
    # only the codes the solution can use are read (~3x faster on a multi-frequency file)
    codes = observation_codes(letters, args.iono, smoothing_s=args.smooth, selection=selection)
    obs = read_obs(args.obs, systems=tuple(letters), codes=codes)
    try:
        truth, source = resolve_truth(truth_spec, obs, station_names(obs)[0])
    except DataNotFoundError:
        if not args.sinex or args.truth:
            raise
        # the SINEX files also serve the phase centres (receiver, and satellites with --sp3): a station they
        # lack just has no truth
        truth, source = None, (f"none (station {station_names(obs)[0]} is in none of the --sinex files; they served "
                               "the antenna phase centres)")
    prep = prepare(obs, args.nav, systems=letters, iono=args.iono, sp3=args.sp3, clk=args.clk,
                   smoothing_s=args.smooth, selection=selection, **precise_options(args))
    out = solve(prep, systems=args.systems, mask_deg=args.mask, biases_mode=args.biases,
                alert_limit_m=args.alert_limit or None, integrity_gate=args.integrity_gate,
                calibration=calibration, residuals=bool(args.residuals), causal=args.causal)
    ds, residuals = out if args.residuals else (out, None)
    return ds, residuals, truth, source


def _write_outputs(args, ds, residuals, fmt, origin) -> None:
    from ..positioning.output import write_solution

    if args.calibration_out:
        from ..output import atomic_write_bytes
        from ..positioning import Calibration

        atomic_write_bytes(args.calibration_out, Calibration.from_solution(ds).to_json().encode())
    write_solution(ds, args.out, fmt, pos_format=args.pos_format, origin_xyz=origin)
    if residuals is not None:
        from ..output import atomic_path

        with atomic_path(args.residuals) as tmp:
            if residuals_format(args.residuals) == "parquet":
                residuals.to_parquet(tmp, index=False)
            else:
                residuals.to_csv(tmp, index=False)


#: A single-point solution is off by metres, by tens of metres when it fails: a truth a kilometre away
#: is another station's coordinate, or not ECEF metres (geodetic degrees, kilometres).
_TRUTH_SUSPECT_M = 1000.0


def _print_summary(ds, info, out) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in info["status_counts"].items() if v)
    print(f"{ds.attrs['systems']} at {info['mask_deg']:g}° ({info['mode']}): {info['solved']}/{info['epochs']} epochs "
          f"solved ({counts}) -> {out}")
    if not info["solved"]:  # why, in one line (the CSV's reason column has it per epoch)
        selection = info.get("selection") or "all observations"
        print(f"no epoch solved: {main_reason(ds)}"
              + (f" (observation selection: {selection})" if selection != "all observations" else ""))
    faults = info.get("persistent_fault_epochs") or {}
    if faults:  # satellites whose range stayed biased by metres (positioning/persistent.py)
        print("persistent range fault: " + ", ".join(f"{sv} out of {n} epochs" for sv, n in faults.items()))
    accuracy = info.get("accuracy")
    if info["truth_source"].startswith("none ("):  # a truth was asked for (--sinex) and not found: say so
        print(f"no accuracy: truth {info['truth_source']}")
    if accuracy and accuracy["solved"]:
        print(f"accuracy vs {info['truth_source']}, {accuracy['solved']} epochs: "
              f"H RMS {accuracy['h_rms_m']:.2f} m (95 % {accuracy['h95_m']:.2f}), "
              f"V RMS {accuracy['v_rms_m']:.2f} m (95 % {accuracy['v95_m']:.2f}), "
              f"3D RMS {accuracy['rms_3d_m']:.2f} m (95 % {accuracy['p95_3d_m']:.2f})")
        if accuracy["rms_3d_m"] > _TRUTH_SUSPECT_M:
            print(f"warning: the truth is {accuracy['rms_3d_m'] / 1e3:,.1f} km from the solutions: is it this "
                  f"station's coordinate (and ECEF metres)?", file=sys.stderr)
    sys.stdout.flush()


def _output_format(args, explicit_pos_format: bool) -> str:
    """The output format: --format, else the suffix of --out (an unknown suffix is refused)."""
    from ..formats import format_for_path

    fmt = args.format or format_for_path(args.out)
    if explicit_pos_format and args.pos_format != "xyz" and fmt != "rtklib":
        raise LodestarError(f"--pos-format {args.pos_format} is for a .pos output, not {fmt}")
    return fmt


def _truth_spec(text):
    if text is None or text.strip().lower() == "header":
        return None if text is None else "header"
    return ecef_xyz(text, "--truth")


def _calibration(path):
    if not path:
        return None
    import json

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
