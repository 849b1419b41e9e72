"""Writing outputs: JSON for scripts, and atomic writes (temporary file + rename) for every file."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from .errors import LodestarError

__all__ = ["write_json", "atomic_write_bytes", "atomic_path", "to_jsonable"]

# the process umask, read once at import (os.umask can only be read by setting it)
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def to_jsonable(value):
    """numpy scalars/arrays, NaN (-> null) and paths, made JSON-friendly."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(data, target: str | None) -> None:
    """Write ``data`` as JSON to ``target`` (``-`` = stdout), atomically for files."""
    if target is None:
        return
    text = json.dumps(to_jsonable(data), indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    atomic_write_bytes(target, text.encode())


class atomic_path:
    """Context manager yielding a temporary path beside ``target``; renamed onto it on success.

    A device or pipe (``/dev/null``, ``/dev/stdout``) is yielded itself and written in place.
    """

    def __init__(self, target, suffix: str = ""):
        self.target = Path(target)
        self.suffix = suffix or self.target.suffix

    def __enter__(self) -> Path:
        self.tmp = None
        if _written_in_place(self.target):
            return self.target
        if self.target.is_dir():
            raise LodestarError(f"{self.target} is a folder; give a file name for the output")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=self.suffix + ".tmp", dir=self.target.parent)
        os.close(fd)
        self.tmp = Path(name)
        # mkstemp makes the file private (0600); an output should get the user's usual mode
        os.chmod(self.tmp, 0o666 & ~_UMASK)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if self.tmp is None:
            return False
        if exc_type is None:
            try:
                os.replace(self.tmp, self.target)
            except BaseException:
                self.tmp.unlink(missing_ok=True)
                raise
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def _written_in_place(target: Path) -> bool:
    """``/dev/null``, ``/dev/stdout``, a named pipe: renaming a file onto them would replace the
    device itself (as root) or lose the output, so they are written directly."""
    if os.path.abspath(target).startswith(("/dev/", "/proc/")):
        return True
    return target.exists() and not target.is_file() and not target.is_dir()


def atomic_write_bytes(target, payload: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)
