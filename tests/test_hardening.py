"""Hardening across the package: every reader and ``compare`` (through the batch task) over the real
files in ../shared/data and mutated copies of them (truncated at random points, lines garbled,
headers removed, lines dropped or repeated).

What must hold, whatever the input: the outcome is a result or a ``LodestarError`` (for the batch
task: rows with status ok/skipped/failed and no ``internal`` error); never a hang (a deadline per
call), never an uncaught exception, never a partial output file, and the input files unchanged.
The default run is bounded; ``pytest -m slow`` runs the long campaign and the full-day files.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import signal
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lodestar.errors import LodestarError
from lodestar.io import read
from lodestar.io.compression import read_bytes

from sample_data import DATA_DIR, requires_data

pytestmark = requires_data
DATA = DATA_DIR if DATA_DIR is not None else Path("../shared/data")  # absent: every test here is skipped
_SKIP_DIRS = {"lunar", "rtklib"}
_SKIP_SUFFIXES = (".bia.gz", ".pos", ".conf", ".md")
SMALL_BYTES = 300 * 1024  # on disk; the default run reads these, `slow` reads everything
READ_DEADLINE_S = 30.0    # far above any small file's read time on this 2-core machine: beyond it is a hang
TASK_DEADLINE_S = 180.0


def _data_files() -> list[Path]:
    files = []
    if DATA_DIR is None:
        return files
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or _SKIP_DIRS & set(path.relative_to(DATA).parts):
            continue
        if path.name.lower().endswith(_SKIP_SUFFIXES):
            continue
        files.append(path)
    return files


ALL_FILES = _data_files()
SMALL_FILES = [p for p in ALL_FILES if p.stat().st_size <= SMALL_BYTES]


class Hang(Exception):
    """Raised by the deadline alarm: the call did not finish in time."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM; the tests run in the main thread).

    pytest-timeout also uses SIGALRM: its handler and remaining time are put back afterwards.
    """
    def _alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - start), 0.001), outer_interval)


def test_the_deadline_interrupts_a_hang():
    start = time.monotonic()
    with pytest.raises(Hang):
        with deadline(0.2):
            while True:  # a reader stuck in a loop
                pass
    assert time.monotonic() - start < 5


def fingerprint(paths) -> dict[str, tuple[int, int, str]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths}


@pytest.fixture(scope="module", autouse=True)
def inputs_unchanged():
    """Every data file has the same size, modification time and content after the module ran."""
    before = fingerprint(ALL_FILES)
    yield
    assert fingerprint(ALL_FILES) == before


def read_or_reject(path: Path):
    """The contract: a result or a LodestarError, within the deadline."""
    try:
        with deadline(READ_DEADLINE_S):
            return read(path)
    except LodestarError as exc:
        assert str(exc), "a Lodestar error must say what went wrong"
        return exc


@pytest.mark.parametrize("path", SMALL_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_small_file_reads_or_is_rejected_clearly(path):
    read_or_reject(path)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in ALL_FILES if p not in SMALL_FILES], ids=lambda p: str(p.relative_to(DATA)))
def test_every_large_file_reads_or_is_rejected_clearly(path):
    read_or_reject(path)


def _files_of_kind(kind: str, files, max_bytes: int) -> list[Path]:
    """The ``files`` of at most ``max_bytes`` on disk that Lodestar recognises as ``kind`` ("nav", "sp3")."""
    from lodestar.io.headers import read_head, sniff_format

    out = []
    for path in files:
        try:
            if path.stat().st_size <= max_bytes and sniff_format(read_head(path)) == kind:
                out.append(path)
        except LodestarError:
            continue
    return out


NAV_FILES = _files_of_kind("nav", SMALL_FILES, SMALL_BYTES)
SP3_FILES = _files_of_kind("sp3", ALL_FILES, 4 * SMALL_BYTES)  # the biggest SP3 here is ~1 MB


@pytest.mark.parametrize("path", NAV_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_navigation_file_gives_orbits_or_a_clear_refusal(path):
    """Reading is not enough: the orbit layer builds from every navigation file and evaluates every
    satellite over the file's span (a file of F/NAV-only Galileo records once raised TypeError there);
    each cell is valid or has a reason."""
    import numpy as np

    from lodestar.orbits import BroadcastEphemeris
    from lodestar.time import Time

    try:
        with deadline(READ_DEADLINE_S):
            eph = BroadcastEphemeris(read(path))
            if not len(eph.svs):
                return
            times = _span_grid(read(path))
            st = eph.states(Time(times), list(eph.svs))
    except LodestarError as exc:
        assert str(exc)
        return
    assert st.valid.shape == (times.size, len(eph.svs))
    assert (st.valid | (np.asarray(st.reason).astype(str) != "")).all()


@pytest.mark.parametrize("path", SP3_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_sp3_file_gives_states_or_a_clear_refusal(path):
    """Every SP3 file builds precise orbits that are evaluated over its span, its edges and a minute beyond
    (where the interpolation window cannot fit): each cell valid or with a reason, never an exception."""
    import numpy as np

    from lodestar.orbits import PreciseEphemeris
    from lodestar.time import Time

    try:
        with deadline(READ_DEADLINE_S):
            sp3 = read(path)
            eph = PreciseEphemeris(sp3)
            t = np.asarray(sp3["time"].values, "datetime64[ns]")
            minute = np.timedelta64(60, "s")
            times = np.concatenate([[t[0] - minute], np.linspace(t[0].astype(np.int64), t[-1].astype(np.int64), 12)
                                    .astype("datetime64[ns]"), [t[-1] + minute]])
            st = eph.states(Time(times), list(eph.svs))
    except LodestarError as exc:
        assert str(exc)
        return
    assert (st.valid | (np.asarray(st.reason).astype(str) != "")).all()
    assert not st.valid[[0, -1]].any()  # never extrapolated beyond the first/last node


def _span_grid(nav):
    """24 epochs over the records' reference times (GPS time), first to last."""
    import numpy as np

    tocs = np.concatenate([np.asarray(t["toc"].values, "datetime64[ns]") for t in nav.records.values() if len(t)])
    tocs = tocs[~np.isnat(tocs)]
    return np.linspace(tocs.min().astype(np.int64), tocs.max().astype(np.int64), 24).astype("datetime64[ns]")


# --- mutations ---------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def plain_content(path: Path) -> bytes:
    return read_bytes(path)


def _lines(content: bytes) -> list[bytes]:
    return content.split(b"\n")


def truncate(content: bytes, rng: random.Random) -> bytes:
    return content[: rng.randrange(0, max(len(content), 1))]


def garble_lines(content: bytes, rng: random.Random) -> bytes:
    lines = _lines(content)
    for _ in range(rng.randint(1, 5)):
        index = rng.randrange(len(lines))
        line = bytearray(lines[index] or b" ")
        start = rng.randrange(len(line))
        for k in range(start, min(len(line), start + rng.randint(1, 12))):
            line[k] = rng.choice(b"XZ#-.9 +eE\t\x00\xff")
        lines[index] = bytes(line)
    return b"\n".join(lines)


def remove_header(content: bytes, rng: random.Random) -> bytes:
    marker = content.find(b"END OF HEADER")
    if marker < 0:  # SP3 / SINEX: drop the first lines instead
        return b"\n".join(_lines(content)[rng.randint(1, 30):])
    return content[content.find(b"\n", marker) + 1:]


def drop_header_line(content: bytes, rng: random.Random) -> bytes:
    lines = _lines(content)
    end = next((i for i, line in enumerate(lines) if b"END OF HEADER" in line), min(len(lines), 30))
    if end:
        del lines[rng.randrange(end)]
    return b"\n".join(lines)


def drop_or_repeat_lines(content: bytes, rng: random.Random) -> bytes:
    lines = _lines(content)
    for _ in range(rng.randint(1, 4)):
        index = rng.randrange(len(lines))
        if rng.random() < 0.5:
            del lines[index]
        else:
            lines.insert(index, lines[index])
        if not lines:
            break
    return b"\n".join(lines)


def perturb_digits(content: bytes, rng: random.Random) -> bytes:
    """Digits changed in place: the file stays well-formed, its values become wrong (readers accept
    it; the solver downstream must cope with absurd pseudoranges or ephemerides)."""
    data = bytearray(content)
    digits = [i for i in rng.sample(range(len(data)), min(len(data), 4000)) if 48 <= data[i] <= 57]
    for i in digits[: rng.randint(1, 200)]:
        data[i] = rng.choice(b"0123456789")
    return bytes(data)


MUTATIONS = [truncate, garble_lines, remove_header, drop_header_line, drop_or_repeat_lines, perturb_digits]


def plain_name(path: Path) -> str:
    """The file's name without its compression suffix (the mutated copy is plain text)."""
    name = path.name
    for suffix in (".gz", ".Z", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def mutate_to(path: Path, folder: Path, mutation, seed: int) -> Path:
    target = folder / plain_name(path)
    target.write_bytes(mutation(plain_content(path), random.Random(seed)))
    return target


def _fuzz_reader(path: Path, mutation, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        read_or_reject(mutate_to(path, Path(folder), mutation, seed))


_FUZZ_FILES = [p for p in SMALL_FILES if p.stat().st_size <= 120 * 1024]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(path=st.sampled_from(_FUZZ_FILES), mutation=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_mutated_files_read_or_are_rejected(path, mutation, seed):
    _fuzz_reader(path, mutation, seed)


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(SMALL_FILES), mutation=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_mutated_files_read_or_are_rejected_long_campaign(path, mutation, seed):
    _fuzz_reader(path, mutation, seed)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(path=st.sampled_from([p for p in SMALL_FILES if p.name.endswith((".gz", ".Z", ".zip"))]),
       cut=st.floats(0.0, 0.999))
def test_truncated_compressed_files_are_rejected(path, cut):
    raw = path.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / path.name
        target.write_bytes(raw[: int(len(raw) * cut)])
        outcome = read_or_reject(target)
    if path.name.endswith((".gz", ".zip")):  # both carry a length/CRC check; Unix .Z (LZW) has none
        assert isinstance(outcome, LodestarError), "a cut compressed stream must be refused, not read in part"


# --- compare, through the batch task (what a network run meets) ----------------------------------

ESBC = DATA / "esbc-2020-177"
ESBC_HOUR = ESBC / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
ESBC_NAV = ESBC / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


def _real_station_days():
    """Every station-day in the data that has navigation of its day, as the batch pairs them."""
    from lodestar.batch.discover import discover

    return [day for day in discover([DATA], DATA).days if day.nav]


REAL_DAYS = _real_station_days()
SMALL_DAYS = [d for d in REAL_DAYS if Path(d.obs).stat().st_size <= 250 * 1024]


def _task_outcome(day, out: Path, sets=("R+C", "G+R+E+C")):
    """Run one batch task and check the contract; returns its rows."""
    from lodestar.batch.tasks import TaskOptions, run_station_day

    with deadline(TASK_DEADLINE_S):
        rows = run_station_day(day, TaskOptions(sets=sets, masks=(10.0,), sinex=(), out_dir=str(out)))
    assert rows and {row["status"] for row in rows} <= {"ok", "skipped", "failed"}
    internal = [row["error"] for row in rows if row["error_kind"] not in ("", "input")]
    assert not internal, f"an exception that is not a LodestarError escaped: {internal}"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "a partial output file was left"
    return rows


@pytest.mark.parametrize("day", SMALL_DAYS, ids=lambda d: d.key)
def test_compare_task_on_every_small_real_station_day(day, tmp_path):
    _task_outcome(day, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("day", [d for d in REAL_DAYS if d not in SMALL_DAYS], ids=lambda d: d.key)
def test_compare_task_on_every_large_real_station_day(day, tmp_path):
    _task_outcome(day, tmp_path)


def _task_over_mutation(which: str, mutation, seed: int) -> None:
    from lodestar.batch.discover import StationDay
    from lodestar.batch.summary import day_rows_path, day_solutions_path

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        obs = mutate_to(ESBC_HOUR, folder, mutation, seed) if which == "obs" else ESBC_HOUR
        nav = mutate_to(ESBC_NAV, folder, mutation, seed) if which == "nav" else ESBC_NAV
        day = StationDay("ESBC", "ESBC00DNK", "2020-06-25", str(obs), nav=(str(nav),))
        out = folder / "out"
        rows = _task_outcome(day, out, sets=("R+C",))
        assert day_rows_path(out, day.key).exists()
        if any(row["status"] == "failed" for row in rows):
            assert not day_solutions_path(out, day.key).exists()


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(["obs", "nav"]), mutation=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_compare_task_over_mutated_inputs(which, mutation, seed):
    _task_over_mutation(which, mutation, seed)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(["obs", "nav"]), mutation=st.sampled_from(MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_compare_task_over_mutated_inputs_long_campaign(which, mutation, seed):
    _task_over_mutation(which, mutation, seed)
