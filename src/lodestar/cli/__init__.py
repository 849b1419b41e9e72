"""The ``lodestar`` command: a thin shell over library functions.

Each command lives in its own module in this package and defines ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; they are found here by name, so commands
are added without touching this file's logic (only the list below).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import pkgutil
import re
import sys
import threading

from ..errors import LodestarError

__all__ = ["main", "console"]


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            yield module


class ExtendAction(argparse._ExtendAction):
    """``--nav A --nav B C`` = ``--nav A B C``: every use adds to the list.

    argparse's own ``extend`` appends to a list default (``--masks 5`` would give
    ``[10, 20, 30, 40, 5]``); here the first use on the command line replaces the default.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        items = getattr(namespace, self.dest, None)
        items = [] if items is None or items is self.default else list(items)
        items.extend(values)
        setattr(namespace, self.dest, items)


class StoreOnceAction(argparse._StoreAction):
    """An option with one value, given twice with two values (``--blq A --blq B``), is refused by name.

    argparse keeps the last one silently: the other file, folder or value would be lost without a word
    (``batch --nav-dir A --nav-dir B`` dropped A's days before it took several folders). The same value
    twice is accepted.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        given = getattr(namespace, "_given_once", None)
        if given is None:
            given = {}
            setattr(namespace, "_given_once", given)
        if self.dest in given and given[self.dest][1] != values:
            first, value = given[self.dest]
            parser.error(f"{option_string} given twice ({first} {value}, then {option_string} {values}): it takes one "
                         "value")
        given[self.dest] = (option_string, values)
        setattr(namespace, self.dest, values)


def _store_or_extend(**kwargs):
    """The default action: an option taking a list (``nargs`` ``+``/``*``) extends it on every use; an option
    taking one value refuses a second, different one."""
    if kwargs.get("option_strings") and kwargs.get("nargs") in ("+", "*"):
        return ExtendAction(**kwargs)
    if kwargs.get("option_strings"):
        return StoreOnceAction(**kwargs)
    return argparse._StoreAction(**kwargs)


# a negative number, or a comma-separated list of numbers starting with a negative one
# ("-1882182.840,-4464343.660,4136557.104", an ECEF position in the Americas): an option's value,
# never an option name (argparse's own pattern knows only single numbers)
_NUMBER = r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
_NEGATIVE_NUMBERS = re.compile(rf"^-{_NUMBER}(\s*,\s*[-+]?{_NUMBER})*$")


class _Parser(argparse.ArgumentParser):
    """Lodestar's parser: list options extend, negative coordinates are values (every command)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # registries are shared with argument groups, so options added to a group behave the same
        self.register("action", None, _store_or_extend)
        self.register("action", "store", _store_or_extend)
        self.register("action", "extend", ExtendAction)  # an explicit action="extend" behaves the same
        self._negative_number_matcher = _NEGATIVE_NUMBERS

    def error(self, message):
        if "required: OBS" in message:  # the observation file was swallowed by a list option before it
            message += f" (give it first: '{self.prog} OBS --nav NAV...'; files after --nav are all navigation)"
        elif "required: INPUT" in message:  # batch: the inputs were swallowed by --nav-dir / --sp3-dir
            message += (f" (give them first: '{self.prog} INPUT... --nav-dir DIR...'; every value after --nav-dir "
                        "or --sp3-dir is one of its folders)")
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lodestar",
        description="Complementary GLONASS + BeiDou navigation, and a lunar module.",
    )
    parser.add_argument("--data", metavar="DIR", help="sample-data folder (default: $LODESTAR_DATA or ../shared/data)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except LodestarError as exc:
        print(f"lodestar {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file the system refused (permissions, full disk): say which, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"lodestar {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def console() -> None:
    """The process entry point (``lodestar``, ``python -m lodestar[.cli]``): :func:`main`, then exit.

    When the command is done every output is written and closed (``output.atomic_path``); what
    the interpreter would still do is free every module's objects one by one: ~0.1 s for pandas
    alone, 7 % of a whole ``lodestar solve`` (docs/positioning.md "Speed"). So the exit handlers
    run (logging, ``weakref.finalize``, multiprocessing, coverage) and the process ends there; if a
    Python thread is still running, the normal exit (which waits for it) is kept.
    :func:`main` itself returns normally (tests and notebooks call it).
    """
    _keep_freed_memory()
    code = main()
    if threading.active_count() > 1:  # a thread still running is waited for by a normal exit only
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: let the interpreter report it as usual
        sys.exit(code)
    atexit._run_exitfuncs()
    os._exit(code)


#: glibc mallopt parameters (malloc.h): M_MMAP_THRESHOLD, its largest value on 64-bit (32 MiB), and
#: M_TRIM_THRESHOLD (free memory kept at the heap's top; setting either one stops glibc's own
#: adjustment of both, so both are set: the threshold alone tripled the faults)
_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_B = -3, 32 * 1024 * 1024
_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_B = -1, 1024 * 1024 * 1024


def _keep_freed_memory() -> None:
    """Let glibc serve array temporaries up to 32 MiB from memory the process already has.

    By default the allocator maps large blocks fresh from the kernel and unmaps them when numpy
    frees them, so (epochs x satellites x 3) temporaries of the estimator are page-faulted anew:
    ~55 000 minor faults per ``lodestar solve``; with the thresholds raised ~38 000 (~3 % of its CPU
    time, measured under load). Only the command-line process does this, and only with glibc.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_B)
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_B)
    except (OSError, AttributeError, TypeError):  # no C library handle, or no mallopt (not glibc)
        pass


if __name__ == "__main__":  # pragma: no cover
    console()
