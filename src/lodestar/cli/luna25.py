"""``lodestar luna25``: reconstruct Luna-25's failed pre-landing burn (issue 5)."""

from __future__ import annotations

import sys
import time

from ..output import write_json
from ._checks import check_output_files, check_suffix

NAME = "luna25"
HELP = "reconstruct Luna-25's failed pre-landing burn of 19 Aug 2023 (forward, fit, counterfactual)"


def add_arguments(parser) -> None:
    parser.add_argument("--out", metavar="HTML", help="write the HTML report here (overwritten)")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON (- = stdout)")
    parser.add_argument("--degree", type=int, default=150, metavar="N",
                        help="gravity degree/order of the full model (default 150)")
    parser.add_argument("--fit-degree", type=int, default=40, metavar="N",
                        help="degree/order of the first, fast fit (default 40)")
    parser.add_argument("--field", default="GRGM660PRIM", choices=("GRGM660PRIM", "LP165P"),
                        help="lunar gravity field (default GRGM660PRIM)")
    parser.add_argument("--no-sensitivity", action="store_true", help="skip the assumption-sensitivity table")


def run(args) -> int:
    from ..lunar.luna25 import reconstruct
    from ..report.luna25 import json_view, summary, write_report

    check_output_files(out=args.out, json=args.json)
    check_suffix("out", args.out, (".html", ".htm"))
    started = time.perf_counter()

    def progress(stage: str) -> None:  # stderr: stdout may be the JSON
        print(f"luna25 [{time.perf_counter() - started:5.1f} s] {stage} ...", file=sys.stderr, flush=True)

    result = reconstruct(args.data, degree=args.degree, fit_degree=args.fit_degree,
                         sensitivity_degree=min(args.fit_degree, args.degree),
                         with_sensitivity=not args.no_sensitivity, field=args.field, progress=progress)
    if args.json != "-":
        print(summary(result))
    if args.out:
        write_report(result, args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    write_json(json_view(result), args.json)
    if args.json and args.json != "-":
        print(f"wrote {args.json}", file=sys.stderr)
    print(f"luna25 done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
