"""One batch at a time per output folder: a lock file holding PID, host and start time.

Rule (docs/batch.md, "Reliability"):

* the lock ``<out>/.lodestar-batch.lock`` is created atomically (written aside, then hard-linked
  into place: it never exists half-written) and removed when the run ends, also on an exception
  or Ctrl-C;
* a lock of a live process on this host stops the second run, naming the first (``--force``
  does not override a run that is certainly alive);
* a lock of this host whose process is gone (killed, machine rebooted; or its PID now belongs to
  a process started later) is stale: it is taken over, and the result says so;
* a lock of another host cannot be checked from here: refused unless ``force`` (``--force``),
  for the user who knows that run is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from ..errors import LodestarError
from ..output import remove_stale_temporaries, temporary_prefix

__all__ = ["LOCK_NAME", "batch_lock", "BatchLockedError", "read_lock"]

LOCK_NAME = ".lodestar-batch.lock"


class BatchLockedError(LodestarError):
    """Another batch holds the output folder."""


def _process_start_ticks(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (/proc/PID/stat field 22, proc(5)); None off Linux."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text.rsplit(")", 1)[1].split()[19])


def _alive(pid: int, start_ticks: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    now = _process_start_ticks(pid)
    return start_ticks is None or now is None or now == start_ticks  # same PID, later process: not ours


def _holder_text(holder: dict) -> str:
    return (f"lodestar batch PID {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"
            f" ({holder.get('command', '')})").replace(" ()", "")


def read_lock(out_dir) -> dict | None:
    """The lock's content (``pid``, ``host``, ``started``, ``command``), ``{}`` if unreadable, None if absent."""
    path = Path(out_dir) / LOCK_NAME
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _create(path: Path, record: dict) -> bool:
    """Atomically create ``path`` holding ``record``; False if it already exists.

    The record is written aside under the outputs' temporary name (``output.temporary_prefix``:
    hidden, with PID and host), so an aside left by a run killed while writing it is removed by the
    next run, as the outputs' temporaries are (``output.remove_stale_temporaries``)."""
    remove_stale_temporaries(path)
    aside = path.with_name(f"{temporary_prefix(path)}lock.tmp")
    aside.write_text(json.dumps(record))
    try:
        os.link(aside, path)
        return True
    except FileExistsError:
        return False
    finally:
        aside.unlink(missing_ok=True)


def _stale_reason(holder: dict, host: str, force: bool) -> str | None:
    """Why the existing lock may be taken over, or None to refuse (raises for another host)."""
    if not holder:
        return "an unreadable lock file"
    if holder.get("host") == host:
        pid = int(holder.get("pid", -1))
        if pid > 0 and _alive(pid, holder.get("start_ticks")):
            return None
        return f"a stale lock of {_holder_text(holder)}, no longer running"
    if force:
        return f"a lock of {_holder_text(holder)} (--force: that run is taken to be gone)"
    return None


@contextlib.contextmanager
def batch_lock(out_dir, *, force: bool = False, command: str = "", notes: list | None = None):
    """Hold ``out_dir``'s batch lock for the ``with`` block; ``notes`` receives a takeover message."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    host = socket.gethostname()
    record = {"pid": os.getpid(), "host": host, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "start_ticks": _process_start_ticks(os.getpid()), "command": command}
    for _ in range(3):  # two processes may take over the same stale lock: one wins, the other re-checks
        if _create(path, record):
            break
        holder = read_lock(out_dir)
        if holder is None:
            continue
        reason = _stale_reason(holder, host, force)
        if reason is None:
            hint = ("wait for it to finish" if holder.get("host") == host else
                    "if that run is gone, rerun with --force to take the lock over")
            raise BatchLockedError(f"{out_dir} is in use by {_holder_text(holder)}: {hint}, or choose another --out")
        if read_lock(out_dir) == holder:  # not replaced meanwhile by a run that took it over first
            path.unlink(missing_ok=True)
        if notes is not None:
            notes.append(f"took over {reason} in {out_dir}")
    else:
        raise BatchLockedError(f"{out_dir}: could not take the batch lock {path} (another run keeps taking it)")
    try:
        yield record
    finally:
        if read_lock(out_dir) == record:
            path.unlink(missing_ok=True)
