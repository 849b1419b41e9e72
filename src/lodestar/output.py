"""Writing outputs: JSON for scripts, and atomic writes (temporary file + rename) for every file."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["write_json", "atomic_write_bytes", "atomic_path", "to_jsonable"]


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
    """Context manager yielding a temporary path beside ``target``; renamed onto it on success."""

    def __init__(self, target, suffix: str = ""):
        self.target = Path(target)
        self.suffix = suffix or self.target.suffix

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=self.suffix + ".tmp", dir=self.target.parent)
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def atomic_write_bytes(target, payload: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)
