"""Writing outputs: JSON for scripts, and atomic writes (temporary file + rename) for every file."""

from __future__ import annotations

import glob
import json
import math
import os
import re
import socket
import sys
import tempfile
from pathlib import Path

import numpy as np

from .errors import LodestarError

__all__ = ["write_json", "atomic_write_bytes", "atomic_path", "to_jsonable", "remove_stale_temporaries", "temporary_prefix"]

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
        remove_stale_temporaries(self.target)
        fd, name = tempfile.mkstemp(prefix=temporary_prefix(self.target), suffix=self.suffix + ".tmp",
                                    dir=self.target.parent)
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


def temporary_prefix(target: Path, pid: int | None = None) -> str:
    """``.<name>.~<pid>@<host>~``: a temporary is hidden, and says whose it is (for the clean-up)."""
    return f".{target.name}.~{os.getpid() if pid is None else pid}@{socket.gethostname()}~"


_TEMPORARY = re.compile(r"~(\d+)@(.+)~[^~]*\.tmp$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(target) -> list[Path]:
    """Remove the temporaries of ``target`` left by killed writers on this host; returns them.

    A writer killed between creating its temporary and renaming it (SIGKILL, power loss) leaves
    ``.<name>.~<pid>@<host>~XXXX.tmp``; one whose process no longer runs is removed when the same
    output is written again. Temporaries of live processes and of other hosts are left alone.
    """
    target = Path(target)
    removed = []
    host = socket.gethostname()
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.~*~*.tmp"):
        match = _TEMPORARY.search(leftover.name)
        if match and match.group(2) == host and not _pid_alive(int(match.group(1))):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _written_in_place(target: Path) -> bool:
    """``/dev/null``, ``/dev/stdout``, a named pipe: renaming a file onto them would replace the
    device itself (as root) or lose the output, so they are written directly."""
    if os.path.abspath(target).startswith(("/dev/", "/proc/")):
        return True
    return target.exists() and not target.is_file() and not target.is_dir()


def atomic_write_bytes(target, payload: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)
