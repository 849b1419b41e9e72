"""Where the sample data live: ``--data DIR``, ``$LODESTAR_DATA``, or ``../shared/data``."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataNotFoundError

__all__ = ["data_dir", "data_path"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The sample-data folder, from (in order) the argument, ``LODESTAR_DATA``, ``../shared/data``.

    The last is relative to the repository (beside it, as the project is laid out) and then to
    the current directory.
    """
    candidates: list[tuple[str, Path]] = []
    if explicit:
        candidates.append(("--data", Path(explicit)))
    elif os.environ.get("LODESTAR_DATA"):
        candidates.append(("LODESTAR_DATA", Path(os.environ["LODESTAR_DATA"])))
    else:
        candidates.append(("repository", _REPO_ROOT.parent / "shared" / "data"))
        candidates.append(("current directory", Path.cwd().parent / "shared" / "data"))
        candidates.append(("current directory", Path.cwd() / "shared" / "data"))
    for _, path in candidates:
        if path.is_dir():
            return path
    tried = ", ".join(f"{origin}: {path}" for origin, path in candidates)
    raise DataNotFoundError(
        f"no sample-data folder found (tried {tried})",
        "pass --data DIR, set LODESTAR_DATA=DIR, or place the data in ../shared/data beside the repository",
    )


def data_path(relative: str, explicit: str | os.PathLike | None = None) -> Path:
    """A file inside the sample-data folder, with a clear error when it is missing."""
    path = data_dir(explicit) / relative
    if not path.exists():
        raise DataNotFoundError(f"sample file {path} not found", "check the data folder's README")
    return path
