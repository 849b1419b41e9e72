"""``lodestar ppp``: precise point positioning of the marker (float ionosphere-free), one row per epoch."""

from __future__ import annotations

import warnings

from ..errors import LodestarError
from ._checks import (check_output_files, ecef_xyz, elevation_deg, non_negative_float, residuals_format, sinex_truth,
                      truth_label, truth_xyz)
from ._duration import hours
from ._rtklib_conf_args import apply_rtklib_conf
from ._summary import main_reason, print_warnings
from ._selection_args import add_selection_arguments, selection_from_args

NAME = "ppp"
HELP = ("precise point positioning (GLONASS, BeiDou, GPS, Galileo; static or kinematic) with SP3/CLK products; "
        "written as CSV, RTKLIB .pos, Parquet, KML, GeoJSON or NMEA")


def add_arguments(parser) -> None:
    ext = dict(action="extend", nargs="+")
    parser.add_argument("obs", metavar="OBS", help="RINEX observation file (any compression), dual-frequency code + phase")
    parser.add_argument("--sp3", **ext, required=True, metavar="F", help="precise orbits (several centres/days allowed)")
    parser.add_argument("--clk", **ext, default=None, metavar="F", help="precise clocks (RINEX CLK); else SP3 clocks")
    parser.add_argument("--nav", **ext, default=None, metavar="NAV", help="navigation files (GLONASS channels only)")
    parser.add_argument("--antex", **ext, default=None, metavar="F", help="ANTEX phase-centre files")
    parser.add_argument("--sinex", **ext, default=None, metavar="F", help="SINEX files with phase-centre blocks")
    parser.add_argument("--bias", **ext, default=None, metavar="F", help="Bias-SINEX: OSB code biases make each code consistent with the clocks' reference signals")
    parser.add_argument("--blq", default=None, metavar="F",
                        help="ocean-loading coefficients (BLQ, Onsala service) holding the station: IERS 2010 7.1.2")
    parser.add_argument("--systems", default=None, metavar="SET", help="system set: R, C, R+C, G+R+E+C ... (default R+C)")
    parser.add_argument("--mode", choices=("kinematic", "static"), default=None, help="default kinematic")
    parser.add_argument("--mask", type=elevation_deg, default=None, metavar="DEG", help="elevation mask (default 7)")
    parser.add_argument("--direction", choices=("forward", "combined"), default=None,
                        help="forward (causal, default) or combined forward + backward (post-processing)")
    parser.add_argument("--restart", type=hours, default=None, metavar="HOURS",
                        help="re-initialise the filter every HOURS (convergence statistics); a unit may be given: 30min")
    parser.add_argument("--include-geo", action="store_true", help="use BeiDou GEO satellites (off by default)")
    parser.add_argument("--bds3-signals", choices=("b1i-b3i", "b1c-b2a"), default="b1i-b3i",
                        help="BDS-3 pair in the IF combination: b1i-b3i (default, the clocks' pair) or b1c-b2a "
                             "(where tracked; BDS-2 stays on B1I/B3I; give --bias for the satellites' B1C/B2a OSBs)")
    parser.add_argument("--gradients", action="store_true", default=None,
                        help="also estimate horizontal tropospheric gradients (Chen & Herring 1997 mapping; off by default)")
    parser.add_argument("--ztd-psd", type=non_negative_float, default=None, metavar="M2_PER_H",
                        help="random walk of the zenith wet delay, m^2/h (default 1e-4: 1 cm/sqrt(h))")
    parser.add_argument("--ambiguity-psd", type=non_negative_float, default=None, metavar="M2_PER_H",
                        help="random walk of the float ambiguities, m^2/h (default 0: constant per arc; RTKLIB's "
                             "stats-prnbias 1e-4 m/sqrt(s) is 3.6e-5)")
    add_selection_arguments(parser, rtklib_conf=True)
    parser.add_argument("--pos-format", choices=("xyz", "llh", "enu"), default=None,
                        help="RTKLIB .pos columns: xyz (ECEF, default), llh (lat/lon/height), enu (from --origin, "
                             "else the truth, else the first solved epoch)")
    parser.add_argument("--origin", metavar="X,Y,Z", help="origin of --pos-format enu, ECEF metres")
    parser.add_argument("--format", choices=("csv", "rtklib", "parquet", "kml", "geojson", "nmea"), default=None,
                        help="output format regardless of the suffix (default from --out: .csv .pos .parquet "
                             ".kml .geojson .nmea; another suffix is refused)")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="use truncated SP3/CLK files up to their last complete epoch (said in a warning)")
    parser.add_argument("--out", required=True, metavar="FILE", help="solution file (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="run summary as JSON (- = stdout)")
    parser.add_argument("--truth", default=None, metavar="X,Y,Z|header",
                        help="reference marker position (ECEF m), or 'header' (APPROX POSITION XYZ, approximate): "
                             "errors, RMS after convergence, convergence time")
    parser.add_argument("--residuals", metavar="FILE", help="per-satellite residuals (.csv or .parquet)")
    parser.add_argument("--sets", nargs="+", default=None, metavar="SET",
                        help="compare system sets (e.g. R C R+C G+R+E+C) with restarts every --restart HOURS "
                             "(default 2), at --mask and 30 deg; needs --truth; --out is then the HTML report "
                             "(same as `lodestar ppp-compare`)")


#: What an option not given (nor set by --rtklib-conf) is.
_DEFAULTS = {"mode": "kinematic", "mask": 7.0, "direction": "forward", "pos_format": "xyz", "gradients": False,
             "ztd_psd": 1e-4, "ambiguity_psd": 0.0}


def run(args) -> int:
    explicit_pos_format = args.pos_format is not None  # typed, not set by --rtklib-conf's out-solformat
    conf = apply_rtklib_conf(args, "ppp", _DEFAULTS)
    if args.systems is not None:  # given (an empty one is refused as by solve, not taken for the default R+C)
        from ..systems import parse_system_set

        parse_system_set(args.systems)
    if args.sets:
        return _run_sets(args, explicit_pos_format)
    from ..output import write_json
    from ..positioning.ppp.output import summary, write_residuals, write_solution

    fmt = args.format or _format_from_suffix(args.out)  # before any work: an unknown suffix is refused
    if explicit_pos_format and args.pos_format != "xyz" and fmt != "rtklib":
        raise LodestarError(f"--pos-format {args.pos_format} is for a .pos output, not {fmt}")
    origin = ecef_xyz(args.origin, "--origin") if args.origin else None
    residuals_fmt = residuals_format(args.residuals) if args.residuals else None
    selection_from_args(args)  # and a reversed window or a malformed satellite
    check_output_files(out=args.out, json=args.json, residuals=args.residuals,
                       inputs=[args.obs, args.sp3, args.clk, args.nav, args.antex, args.sinex, args.bias, args.blq])
    truth = truth_xyz(args.truth, args.obs)
    truth_source = truth_label(args.truth)
    if truth is None and args.sinex:  # a SINEX given also serves the station's coordinates as truth (issue #12)
        truth, how = sinex_truth(args.obs, args.sinex)
        truth_source = f"SINEX (the station's coordinate on the day, from --sinex: {how})" if truth is not None else None
    with warnings.catch_warnings():  # printed below, once, from the summary
        warnings.simplefilter("ignore", UserWarning)
        ds, product_notes = _solve(args, truth)
    inputs = [str(p) for p in [args.obs, *(args.sp3 or []), *(args.clk or [])]]
    write_solution(ds, args.out, fmt, pos_format=args.pos_format, inputs=inputs,
                   origin_xyz=origin if origin is not None else truth)
    if args.residuals:
        write_residuals(ds, args.residuals, residuals_fmt)
    info = summary(ds, truth)
    info["truth_source"] = truth_source  # where the errors' truth came from (None: no truth, no error keys)
    if conf is not None:
        info["rtklib_conf"] = {"used": conf.used, "ignored": conf.ignored}
    if args.json != "-":
        counts = ", ".join(f"{k} {v}" for k, v in info["status_counts"].items() if v)
        used = info.get("systems_used") or info["systems"]
        systems = info["systems"] if used == info["systems"] else f"{info['systems']} (used: {used})"
        line = f"{systems} {info['mode']}: {info['solved']}/{info['epochs']} epochs solved ({counts}) -> {args.out}"
        if truth is not None and info.get("final_error_3d_m") is not None:
            conv = info["convergence_s"]
            line += (f"; final 3D error {info['final_error_3d_m']:.3f} m, convergence "
                     f"{'never' if conv is None else f'{conv:.0f} s'} (truth: {_short_source(truth_source)})")
        print(line)
        if info["final_position_m"] is not None:
            print(_final_position_line(info))
        if not info["solved"]:
            print(f"no epoch solved: {main_reason(ds)}")
    info["warnings"] = list(dict.fromkeys([*product_notes, *(info["warnings"] or [])]))
    print_warnings(info["warnings"])
    write_json(info, args.json)
    return 0


def _final_position_line(info) -> str:
    """The last solved epoch's marker coordinate, as a geodesist copies it: ECEF, geodetic, 1-sigma, ZTD."""
    from ..frames import ecef_to_geodetic

    x, y, z = info["final_position_m"]
    lat, lon, height = (float(v) for v in ecef_to_geodetic([x, y, z]))
    e, n, u = (100.0 * s for s in info["final_sigma_enu_m"])
    ztd = f", ZTD {info['final_ztd_m']:.4f} m" if info.get("final_ztd_m") is not None else ""
    return (f"final position (marker): X {x:.4f} Y {y:.4f} Z {z:.4f} m; lat {lat:.9f} lon {lon:.9f} deg, "
            f"h {height:.4f} m; 1-sigma E/N/U {e:.1f}/{n:.1f}/{u:.1f} cm{ztd}")


def _short_source(source: str) -> str:
    """``--truth`` or ``SINEX``, with the SINEX position's provenance when it was not simply read on the day."""
    head, _, detail = source.partition(" (")
    how = detail.rpartition(": ")[2].rstrip(")")
    return f"{head}, {how}" if how.startswith(("extrapolated", "the nearest")) else head


def _run_sets(args, explicit_pos_format: bool = False) -> int:
    """``--sets``: the convergence comparison of ``lodestar.cli.ppp_compare`` (analysis.ppp_convergence)."""
    import argparse

    from .ppp_compare import run_compare, sets_truth

    truth = sets_truth(args)
    if getattr(args, "bds3_signals", "b1i-b3i") != "b1i-b3i":
        raise LodestarError("--sets runs BeiDou on B1I/B3I only: drop --bds3-signals, or run single solutions with it")
    ignored = [option for option, given in (("--systems", args.systems), ("--residuals", args.residuals),
                                            ("--format", args.format), ("--include-geo", args.include_geo),
                                            ("--direction combined", args.direction == "combined"),
                                            ("--from", args.start), ("--to", args.end), ("--interval", args.interval),
                                            ("--snr-mask", args.snr_mask is not None), ("--exclude", args.exclude),
                                            ("--ztd-psd (or stats-prnztd)", args.ztd_psd != _DEFAULTS["ztd_psd"]),
                                            ("--ambiguity-psd (or stats-prnbias)", bool(args.ambiguity_psd)),
                                            ("--allow-truncated", args.allow_truncated),
                                            ("--pos-format", explicit_pos_format), ("--origin", args.origin))
               if given]
    if ignored:  # the comparison's runs are forward, without GEO, and write one HTML report: say so, never ignore
        raise LodestarError(f"{' and '.join(ignored)} {'does' if len(ignored) == 1 else 'do'} not apply to --sets (its "
                            "runs are forward, without BeiDou GEO, on the sets it names; --out is its HTML report): "
                            "drop it, or run single solutions with it")
    compare = argparse.Namespace(obs=args.obs, sp3=args.sp3, clk=args.clk, nav=args.nav, antex=args.antex,
                                 sinex=args.sinex, bias=args.bias, blq=args.blq, gradients=args.gradients,
                                 truth=truth, out=args.out, json=args.json,
                                 sets=args.sets, restart=args.restart or 2.0,
                                 masks=[args.mask] + ([30.0] if args.mask != 30.0 else []),
                                 workers=2, no_static=False, mode=args.mode)
    return run_compare(compare)


def _solve(args, truth):
    """(solution, warnings of the products read here): with --allow-truncated the SP3/CLK files are read first,
    each up to its last complete epoch; otherwise ppp reads them (only the clock records of the systems asked)."""
    from ..positioning.ppp import ppp

    sp3, clk, notes = args.sp3, args.clk, []
    if args.allow_truncated:
        from ..io.precise_files import read_precise_files

        from ..systems import parse_system_set

        sp3, clk, notes = read_precise_files(args.sp3, args.clk, allow_truncated=True,
                                             systems="".join(parse_system_set(args.systems or "R+C")))
    return ppp(args.obs, sp3=sp3, clk=clk, nav=args.nav, antex=args.antex, sinex=args.sinex, bias=args.bias,
               systems=args.systems or "R+C", mode=args.mode, mask_deg=args.mask, direction=args.direction, truth=truth,
               restart_s=args.restart * 3600.0 if args.restart else None, include_geo=args.include_geo, blq=args.blq,
               gradients=args.gradients, bds3_signals=getattr(args, "bds3_signals", "b1i-b3i"),
               selection=selection_from_args(args), ztd_psd_m2_per_h=args.ztd_psd,
               ambiguity_psd_m2_per_h=args.ambiguity_psd), notes


def _format_from_suffix(path) -> str:
    """The format ``--out``'s suffix names (``lodestar.formats.format_for_path``: unknown suffixes refused)."""
    from ..formats import format_for_path

    return format_for_path(path)
