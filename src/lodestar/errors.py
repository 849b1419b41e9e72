"""The one family of exceptions Lodestar raises.

Every error a user can cause (a bad file, a missing product, an ambiguous request) is a
:class:`LodestarError`, so a batch can catch exactly these and go on. Errors about files name
the file, the line (1-based) and what was expected, so the message alone tells how to fix it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LodestarError", "FormatError", "DataNotFoundError", "NoEphemerisError"]


class LodestarError(Exception):
    """Base class of every error Lodestar raises on purpose."""


class FormatError(LodestarError):
    """A file does not follow its format.

    ``line`` is 1-based (``None`` when the problem is the file as a whole, e.g. it is empty).
    """

    def __init__(self, path, line: int | None, expected: str, found: str | None = None):
        self.path = str(path) if path is not None else "<memory>"
        self.line = line
        self.expected = expected
        self.found = found
        where = self.path if line is None else f"{self.path}, line {line}"
        message = f"{where}: expected {expected}"
        if found is not None:
            shown = found if len(found) <= 80 else found[:77] + "..."
            message += f", found {shown!r}"
        super().__init__(message)

    def __reduce__(self):  # picklable across Dask workers
        return (type(self), (self.path, self.line, self.expected, self.found))


class DataNotFoundError(LodestarError):
    """A data file or folder the user (or a default) pointed to does not exist."""

    def __init__(self, what: str, hint: str = ""):
        self.what = what
        self.hint = hint
        super().__init__(what + (f"\n  {hint}" if hint else ""))

    def __reduce__(self):
        return (type(self), (self.what, self.hint))


class NoEphemerisError(LodestarError):
    """A request needs navigation data that the given files do not contain, or a requested system cannot
    be used at all for another reason of the same kind (``iono="iflc"`` and no satellite of it has the
    dual-frequency pair).

    ``system`` is the system letter concerned, when one is (callers may then go on without it).
    """

    def __init__(self, message: str, system: str | None = None):
        self.system = system
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (str(self), self.system))


def describe_path(path) -> str:
    """A path as users typed it (kept short in messages)."""
    return str(Path(path))
