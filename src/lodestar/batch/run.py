"""Orchestration: discover station-days, skip those already done, run the rest on Dask, summarise.

Dask gives the fault tolerance: a worker process that dies (killed, out of memory) has its task
rescheduled on another worker; after ``distributed.scheduler.allowed-failures`` deaths (default 3)
the task becomes a ``failed`` row ("worker died") and the batch goes on. Each task writes its own
results atomically, so whatever finished before an interruption is kept, and the next run resumes.

Workers write into ``out_dir`` and read the input paths as given: on a multi-machine cluster every
worker must see the data and the output folder at the same paths (a shared file system).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import LodestarError
from ..io.sinex import read_sinex
from ..output import atomic_path
from ..systems import DEFAULT_SETS, format_system_set
from .discover import Discovery, StationDay, discover, folders_text
from .lock import batch_lock
from .summary import day_rows_path, network_summary, read_day_rows, write_network_summary
from .tasks import TaskOptions, failed_rows, is_final, run_station_day, skipped_rows, write_ppp_series

__all__ = ["run_batch", "BatchResult", "DEFAULT_MASKS", "DEFAULT_MEMORY_LIMIT"]

DEFAULT_MASKS = (10, 20, 30, 40)
# Per worker process (one task at a time). One full-day task (ESBC, 2880 epochs, 4 sets x 4 masks)
# peaks at about 0.7 GiB (693-708 MiB, benchmarks/bench_batch.py --memory). Dask pauses a worker at 80 % of this and
# restarts it at 95 %, so a runaway task cannot take the machine down: it becomes a failed row.
DEFAULT_MEMORY_LIMIT = "2GiB"


@dataclass
class BatchResult:
    out_dir: Path
    summary: pd.DataFrame
    counts: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # e.g. a stale lock taken over (batch/lock.py)

    def to_json(self) -> dict:
        return {"out": str(self.out_dir), "counts": self.counts, "files": {k: str(v) for k, v in self.paths.items()},
                "notes": self.notes}


def run_batch(inputs, nav_dir, out_dir, *, sp3_dir=None, sinex=(), sets=DEFAULT_SETS, masks=DEFAULT_MASKS,
              workers: int = 2, scheduler: str | None = None, client=None, force: bool = False,
              progress: bool = True, memory_limit: str = DEFAULT_MEMORY_LIMIT,
              allow_truncated: bool = False, antex=(), bias=(), ppp: bool = False, blq=None,
              gradients: bool = False) -> BatchResult:
    """Process a network; returns the network summary (also written to ``out_dir``).

    ``nav_dir`` / ``sp3_dir``: a folder of daily products, or a list of folders.

    ``antex``/``bias`` (and ``sinex``, besides the truth): phase-centre and code-bias sources for the
    precise orbits of ``sp3_dir``.
    ``client``: an existing ``dask.distributed.Client`` (else one is made: ``scheduler`` address,
    or a ``LocalCluster`` of ``workers`` single-threaded processes with ``memory_limit`` each).
    ``allow_truncated``: use truncated SP3/clock files up to their last complete epoch.
    ``blq``: ocean-loading coefficients (BLQ file) for ``ppp``; ``gradients``: the PPP also estimates
    horizontal tropospheric gradients.
    ``ppp``: static PPP per station-day and set instead of compare (needs ``sp3_dir``); adds the
    daily coordinate and ZTD series (``ppp_coordinates.parquet/.csv``, ``ppp_ztd.parquet``).
    """
    out_dir = Path(out_dir)
    sets = tuple(format_system_set(s) for s in sets)
    notes: list[str] = []
    # one run per folder (batch/lock.py): a second one stops here, naming the first
    with batch_lock(out_dir, force=force, command=f"sets {' '.join(sets)}", notes=notes):
        result = _run_locked(inputs, nav_dir, out_dir, sp3_dir, sinex, sets, masks, workers, scheduler, client, force,
                             progress, memory_limit, allow_truncated, antex, bias, ppp, blq, gradients)
    result.notes = notes + result.notes  # the lock's, then discovery's (inputs left out)
    return result


def _run_locked(inputs, nav_dir, out_dir, sp3_dir, sinex, sets, masks, workers, scheduler, client, force, progress,
                memory_limit, allow_truncated, antex, bias, ppp, blq=None, gradients=False) -> BatchResult:
    found = discover(inputs, nav_dir, sp3_dir)
    products = {"antex": tuple(map(str, antex or ())), "sinex_paths": tuple(map(str, sinex or ())),
                "bias": tuple(map(str, bias or ()))}  # phase centres / code biases for precise orbits (and PPP)
    record = _options_record(masks, ppp, allow_truncated, gradients, blq, sinex, antex, bias)
    _check_options(out_dir, record, force)
    sinex = _read_sinex(sinex)
    todo, resumed = _plan(found.days, out_dir, sets, force)
    _write_options(out_dir, record)
    options = TaskOptions(sets=sets, masks=tuple(float(m) for m in masks), sinex=sinex, out_dir=str(out_dir),
                          allow_truncated=allow_truncated, ppp=ppp, blq=str(blq) if blq else None,
                          gradients=bool(gradients), **products)
    unsaved = _rows_not_run(found, sets) + [
        row for day in todo if not day.nav
        for row in skipped_rows(day, sets, f"no navigation file for {day.date} in {folders_text(nav_dir)}")]
    runnable = [day for day in todo if day.nav]
    # station-days run now (done / failed / skipped), already done earlier (resumed); then rows. Days
    # without a navigation file are skipped station-days too, and unreadable inputs failed ones (they
    # used to be in the rows only: "0 done, 0 failed, 6 skipped" for 28 station-days all skipped)
    counts = Counter(done=0, failed=len(found.unidentified), skipped=len(todo) - len(runnable), resumed=len(resumed))
    if runnable:
        with _client(client, scheduler, workers, memory_limit) as dask_client:
            unsaved += _run_tasks(dask_client, runnable, options, counts, progress)
    _remove_orphaned_temporaries(out_dir)
    table = network_summary(out_dir, unsaved)
    # with --ppp the overview is the PPP's (daily coordinates, their series, the ZTD); the rows' single-point
    # overview is written when there is none: no PPP run, or no station-day reached it (the rows say why)
    ppp_paths = write_ppp_series(out_dir) if ppp else {}
    paths = {**write_network_summary(out_dir, table, overview="html" not in ppp_paths), **ppp_paths}
    counts.update(_row_counts(table))
    return BatchResult(out_dir, table, dict(counts), paths, notes=list(found.left_out))


def _read_sinex(paths) -> tuple:
    """Every SINEX file read once, here: a bad one stops the batch before any work, with its error."""

    paths = [paths] if isinstance(paths, (str, Path)) else list(paths or ())
    return tuple(read_sinex(path) for path in paths)


def _remove_orphaned_temporaries(out_dir: Path) -> None:
    """A worker killed while writing leaves its temporary file (never the target): remove it once
    every task has finished, so no partial file stays behind."""
    for leftover in (out_dir / "days").glob(".*.tmp") if (out_dir / "days").is_dir() else ():
        leftover.unlink(missing_ok=True)


def _rows_not_run(found: Discovery, sets) -> list[dict]:
    """Inputs that never become tasks still appear in the summary: nothing is silently dropped."""
    rows = []
    for item in found.unidentified:
        day = StationDay(station="", marker="", date="", obs=item.path)
        rows += failed_rows(day, sets, item.reason, "input")
    for day in found.days:
        for duplicate in day.duplicates:
            twin = StationDay(day.station, day.marker, day.date, duplicate)
            rows += skipped_rows(twin, sets, f"same station-day as {day.obs}, which was processed instead")
    return rows


#: The options a station-day's results depend on, besides its files and sets (``_plan`` checks the sets):
#: written as ``options.json`` in the output folder; a re-run with others would mix results made two ways.
_OPTIONS_FILE = "options.json"


def _file_key(path) -> str:
    """A file as its name, size and the SHA-256 of its content (a corrected file under the same name is another)."""
    import hashlib

    data = Path(path).read_bytes() if Path(path).is_file() else b""
    return f"{Path(path).name} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]})"


def _options_record(masks, ppp, allow_truncated, gradients, blq, sinex, antex, bias) -> dict:
    return {"masks": sorted(float(m) for m in masks), "ppp": bool(ppp), "allow_truncated": bool(allow_truncated),
            "gradients": bool(gradients), "blq": _file_key(blq) if blq else None,
            "sinex": sorted(_file_key(p) for p in sinex or ()), "antex": sorted(_file_key(p) for p in antex or ()),
            "bias": sorted(_file_key(p) for p in bias or ())}


def _check_options(out_dir: Path, record: dict, force: bool) -> None:
    """Refuse, without --force, to add station-days to a folder made with other options (--blq, --sinex, ...):
    a re-run would keep the days done and quietly mix the two (a folder from before this record passes)."""
    path = Path(out_dir) / _OPTIONS_FILE
    if force or not path.exists():
        return
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    changed = [name for name in record if name in saved and saved[name] != record[name]]
    if changed:
        said = "; ".join(f"--{name.replace('_', '-')}: {saved[name]} then, {record[name]} now" for name in changed)
        raise LodestarError(f"{out_dir} holds results made with other options ({said}); batch outputs are never "
                            "mixed or overwritten without --force (which redoes every station-day), or choose another "
                            "--out")


def _write_options(out_dir: Path, record: dict) -> None:
    path = Path(out_dir) / _OPTIONS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1) + "\n")


def _plan(days: list[StationDay], out_dir: Path, sets, force: bool):
    """Split into (to do, already done); refuse to mix results of other system sets without --force."""
    if force:
        return _longest_first(days), []
    saved = read_day_rows(out_dir, columns=["station", "date", "systems"])
    sets_done = saved.groupby(saved["station"] + "_" + saved["date"])["systems"].agg(set).to_dict()
    todo, done, conflicts = [], [], []
    for day in days:
        if day.key not in sets_done or not day_rows_path(out_dir, day.key).exists():
            todo.append(day)
            continue
        (done if set(sets) <= sets_done[day.key] else conflicts).append(day)
    if conflicts:
        names = ", ".join(d.key for d in conflicts[:5]) + (" ..." if len(conflicts) > 5 else "")
        raise LodestarError(
            f"{out_dir} already holds results of {names} made with other system sets than {', '.join(sets)}; "
            "batch outputs are never overwritten without --force (or choose another --out)"
        )
    return _longest_first(todo), done


def _longest_first(days: list[StationDay]) -> list[StationDay]:
    """Biggest files first, so that the last tasks to finish are short ones (a shorter makespan)."""
    return sorted(days, key=lambda d: -Path(d.obs).stat().st_size)


@contextlib.contextmanager
def _client(client, scheduler, workers, memory_limit):
    if client is not None:
        yield client
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            made = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise LodestarError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
                                "`dask scheduler` and workers with `dask worker ADDRESS`, or omit --scheduler") from None
        with made:
            yield made
        return
    with LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True, memory_limit=memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as made:
        yield made


def _run_tasks(client, days, options, counts: Counter, progress: bool) -> list[dict]:
    """Submit one task per station-day; collect as they complete. Returns rows that no task saved."""
    from dask.distributed import as_completed

    futures = {client.submit(run_station_day, day, options, key=f"lodestar-batch-{day.key}-{time.time_ns()}",
                             pure=False): day for day in days}
    unsaved = []
    with _progress(len(days), progress) as advance:
        for future in as_completed(futures):
            day = futures[future]
            try:
                rows = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost scheduler: the station-day failed, the batch goes on
                rows = failed_rows(day, options.sets, f"worker failure: {type(exc).__name__}: {exc}", "worker")
            if not is_final(rows):
                unsaved += rows  # not saved per day, so the next run retries it
            counts[_day_status(rows)] += 1
            future.release()
            advance(counts)
    return unsaved


def _day_status(rows: list[dict]) -> str:
    statuses = {row["status"] for row in rows}
    return "failed" if "failed" in statuses else "done" if "ok" in statuses else "skipped"


@contextlib.contextmanager
def _progress(total: int, enabled: bool):

    columns = (TextColumn("station-days"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not enabled, transient=False) as bar:  # stdout: --json -
        task = bar.add_task("", total=total)

        def advance(counts: Counter) -> None:
            bar.update(task, advance=1, description=(
                f"done {counts['done']} · failed {counts['failed']} · skipped {counts['skipped']}"
                + (f" · already done {counts['resumed']}" if counts["resumed"] else "")))

        yield advance


def _row_counts(table: pd.DataFrame) -> dict:
    return {f"rows_{status}": int((table["status"] == status).sum()) for status in ("ok", "skipped", "failed")}
