"""``lodestar info FILE...``: what is in each GNSS file (a thin shell over :mod:`lodestar.io.info`)."""

from __future__ import annotations

import sys

from ..output import write_json
from ..systems import SYSTEM_NAMES
from ._checks import check_output_files

NAME = "info"
HELP = "summarise observation, navigation, SP3, clock and SINEX files (format, span, satellites, codes)"


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="files to summarise (any compression)")
    parser.add_argument("--json", metavar="FILE", help="also write the summary as JSON ('-' = stdout only)")


def run(args) -> int:
    from ..io.info import files_info  # heavy (xarray, numba): only when run

    check_output_files(json=args.json)
    summary = files_info(args.files)
    if args.json != "-":
        _print(summary["files"])
    else:  # stdout is JSON only; a bad file is still named on stderr
        for entry in summary["files"]:
            if entry["error"]:
                print(f"lodestar info: error: {entry['error']}", file=sys.stderr)
    write_json(summary, args.json)
    return 1 if any(entry["error"] for entry in summary["files"]) else 0


def _print(entries) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = Console(highlight=False)
    if not out.is_terminal:  # piped or redirected: keep each system's codes on one line
        out.width = 200
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for entry in entries:
        if entry["error"]:
            err.print(f"lodestar info: [bold red]error[/]: {escape(entry['error'])}")
            continue
        out.print(f"[bold]{escape(entry['path'])}[/]  {entry['format']} {_version_text(entry['version'])}".rstrip())
        for label, text in _lines(entry):
            out.print(f"  {label:<10} {text}", markup=False)
        table = Table(show_edge=False, pad_edge=False, box=None)
        table.add_column("system")
        table.add_column("satellites", justify="right")
        table.add_column("nav records", justify="right")
        table.add_column("observation codes")
        systems = list(dict.fromkeys([*entry["satellites"], *entry["nav_records"]]))
        for system in systems:
            table.add_row(f"{system} {SYSTEM_NAMES.get(system, '')}", str(entry["satellites"].get(system, "")),
                          str(entry["nav_records"].get(system, "")), " ".join(entry["obs_codes"].get(system, [])))
        if systems:
            out.print(table)
        out.print()
    sys.stdout.flush()


def _lines(entry):
    if entry["station"]:
        yield "station", entry["station"]
    if entry["receiver"] or entry["antenna"]:
        yield "receiver", f"{entry['receiver'] or '?'}   antenna {entry['antenna'] or '?'}"
    if entry["first_epoch"]:
        interval = f", every {entry['interval_s']:g} s" if entry["interval_s"] else ""
        yield "span", f"{entry['first_epoch']} .. {entry['last_epoch']} GPST{interval}"
    if entry["epochs"] is not None:
        gaps = f", {entry['gaps']} gap(s)" if entry["gaps"] is not None else ""
        yield "epochs", f"{entry['epochs']}{gaps}"
    if entry["stations"] is not None:  # an ANTEX file's "stations" are its receiver antenna types
        yield ("antennas" if entry["format"] == "ANTEX" else "stations"), str(entry["stations"])
    if entry["skipped"]:
        yield "skipped", ", ".join(f"{k} {v}" for k, v in entry["skipped"].items())
    for record in entry.get("skipped_records") or []:  # each skipped record with its line, when the reader knows it
        yield "", record
    for k, note in enumerate(entry.get("notes") or []):
        yield ("note" if k == 0 else ""), note


def _version_text(version) -> str:
    """A RINEX version as its header writes it (2.10, 3.05, 4.00: the float read back printed 2.1, 4.0); SP3's
    letter as it is."""
    if isinstance(version, float):
        return f"{version:.2f}"
    return "" if version is None else str(version)
