"""The mutation harness of issue 14, kept as a test: mutated real files through every command.

Real files of ../shared/data (observation, navigation, SP3, RINEX clock, ANTEX, Bias-SINEX) are
mutated in tmp (the mutations of ``test_hardening``, plus one value replaced by an absurd number of
the same width) and given to ``info``, ``solve``, ``compare``, the ``batch`` task and ``ppp`` (when
that command exists). What must hold: every run ends with exit status 0 or 1 (a ``LodestarError``
or statuses, failed rows for the batch), never an uncaught exception; the input files are
unchanged (content hash and modification time). ``test_hardening`` covers the readers alone over
every file; this harness covers the commands. The default run is a fixed subset (~30 s); the
campaign over every kind and mutation is ``pytest -m slow``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lodestar.cli import main
from lodestar.errors import LodestarError
from reference import ESBC_ITRF2014_TRUTH
from test_hardening import (MUTATIONS, deadline, garble_lines, mutate_to, perturb_digits, plain_content,
                            truncate)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ESBC = "esbc-2020-177"
REAL = {
    "obs": f"{ESBC}/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
    "nav": f"{ESBC}/ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
    "sp3": f"{ESBC}/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz",
    "clk": f"{ESBC}/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz",
    "antex": "antex/igs14_small.atx",
    "bias": "bias/WUM0MGXRAP_20200010000_01D_01D_ABS.BIA.gz",
}
SP3_DAY_BEFORE = f"{ESBC}/GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz"  # interpolation needs the evening before
COMMAND_DEADLINE_S = 240.0  # a 1-hour file takes a few seconds: beyond this it hangs
_NUMBER = re.compile(rb"-?\d*\.\d+(?:[EeDd][+-]?\d\d)?")


def absurd_value(content: bytes, rng: random.Random) -> bytes:
    """One number after the header replaced by an absurd one of the same width (e.g. 9999999999.999)."""
    start = content.find(b"END OF HEADER")
    start = content.find(b"\n", start) + 1 if start >= 0 else len(content) // 10
    for _ in range(50):
        at = rng.randrange(start, max(start + 1, len(content)))
        match = _NUMBER.search(content, at)
        if match and len(match.group()) >= 6:
            width = len(match.group())
            text = rng.choice([b"9" * (width - 4) + b".999", b"-" + b"9" * (width - 5) + b".999",
                               b"9.99E+99".rjust(width) if width >= 8 else b"9" * width])
            return content[:match.start()] + text[-width:] + content[match.end():]
    return content


ALL_MUTATIONS = [*MUTATIONS, absurd_value]


def _fingerprint(paths) -> dict:
    return {str(p): (hashlib.sha256(Path(p).read_bytes()).hexdigest(), Path(p).stat().st_mtime_ns) for p in paths}


def _reader(kind: str):
    """The reader of ANTEX / Bias-SINEX files, or a skip naming the module that is missing."""
    module = {"antex": "lodestar.io.antex", "bias": "lodestar.io.bias"}[kind]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not on this branch (helper 'products' writes it): {kind} mutations not run")
    loaded = importlib.import_module(module)
    return loaded.read_antex if kind == "antex" else loaded.read_bias


def _read_all(kind: str, path: Path) -> None:
    """Read a mutated ANTEX / Bias-SINEX file fully: a result or a LodestarError."""
    try:
        product = _reader(kind)(path)
        for index in range(len(getattr(product, "entries", ()))):  # ANTEX blocks are parsed on demand
            try:
                product.block(index)
            except LodestarError:
                pass
    except LodestarError:
        pass


def _files(kind: str, mutated: Path) -> dict:
    """The inputs of a run with ``kind`` replaced by ``mutated``."""
    files = {k: DATA / v for k, v in REAL.items()}
    files[kind] = mutated
    return files


def _commands(kind: str, f: dict, out: Path) -> list[list[str]]:
    obs, nav = str(f["obs"]), str(f["nav"])
    precise = ["--sp3", str(DATA / SP3_DAY_BEFORE), str(f["sp3"]), "--clk", str(f["clk"])]
    with_products = kind in ("sp3", "clk")
    runs = []
    if kind in ("obs", "nav", "sp3", "clk"):
        runs.append(["info", str(f[kind])])
        runs.append(["solve", obs, "--nav", nav, *(precise if with_products else []), "--systems", "R+C",
                     "--out", str(out / "solve.csv"), "--json", str(out / "solve.json")])
        runs.append(["compare", obs, "--nav", nav, *(precise if with_products else []), "--sets", "R+C",
                     "--masks", "10", "--truth", ESBC_ITRF2014_TRUTH, "--json", str(out / "compare.json"),
                     "--no-progress"])
    return runs


def _ppp_command(kind: str, f: dict, out: Path) -> list[str] | None:
    if importlib.util.find_spec("lodestar.cli.ppp") is None:
        return None
    extra = {"antex": ["--antex", str(f["antex"])], "bias": ["--bias", str(f["bias"])]}.get(kind, [])
    return ["ppp", str(f["obs"]), "--sp3", str(DATA / SP3_DAY_BEFORE), str(f["sp3"]), "--clk", str(f["clk"]),
            "--nav", str(f["nav"]), *extra, "--out", str(out / "ppp.csv"), "--json", str(out / "ppp.json")]


def _run_cli(argv, capsys) -> None:
    with deadline(COMMAND_DEADLINE_S):
        code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 1), (argv, code, err[-500:])
    assert "Traceback" not in err, err[-2000:]


def _batch_task(kind: str, f: dict, out: Path) -> None:
    from lodestar.batch.discover import StationDay
    from lodestar.batch.tasks import TaskOptions, run_station_day

    products = {"sp3": (str(DATA / SP3_DAY_BEFORE), str(f["sp3"])), "clk": (str(f["clk"]),)} \
        if kind in ("sp3", "clk") else {}
    day = StationDay("ESBC", "ESBC00DNK", "2020-06-25", str(f["obs"]), nav=(str(f["nav"]),), **products)
    with deadline(COMMAND_DEADLINE_S):
        rows = run_station_day(day, TaskOptions(sets=("R+C",), masks=(10.0,), sinex=(), out_dir=str(out)))
    assert rows and {row["status"] for row in rows} <= {"ok", "skipped", "failed"}
    internal = [row["error"] for row in rows if row["error_kind"] not in ("", "input")]
    assert not internal, f"an exception that is not a LodestarError escaped: {internal}"
    assert not [p for p in out.rglob("*.tmp")], "a partial output file was left"


def run_harness(kind: str, mutation, seed: int, capsys, ppp: bool = True) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        mutated = mutate_to(DATA / REAL[kind], folder, mutation, seed)
        out = folder / "out"
        out.mkdir()
        files = _files(kind, mutated)
        before = _fingerprint(files.values())
        if kind in ("antex", "bias"):
            _read_all(kind, mutated)
        for argv in _commands(kind, files, out):
            _run_cli(argv, capsys)
        if kind in ("obs", "nav", "sp3", "clk"):
            _batch_task(kind, files, out / "batch")
        if ppp and (argv := _ppp_command(kind, files, out)) is not None:
            _run_cli(argv, capsys)
        assert _fingerprint(files.values()) == before, "an input file was changed"


FAST_CASES = [
    ("obs", truncate, 1), ("obs", garble_lines, 2), ("obs", absurd_value, 3), ("obs", absurd_value, 4),
    ("nav", garble_lines, 5), ("nav", absurd_value, 6), ("nav", perturb_digits, 7),
    ("sp3", truncate, 8), ("sp3", absurd_value, 9),
    ("clk", truncate, 10), ("clk", absurd_value, 11),
    # antex seeds 3 and 6 put an absurd number in a VALID FROM epoch (was an OverflowError)
    ("antex", garble_lines, 12), ("antex", absurd_value, 3), ("antex", absurd_value, 6), ("bias", absurd_value, 13),
]


@pytest.mark.parametrize("kind, mutation, seed", FAST_CASES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_mutated_real_files_through_every_command(kind, mutation, seed, capsys):
    run_harness(kind, mutation, seed, capsys, ppp=False)


def test_ppp_over_mutated_inputs(capsys):
    if importlib.util.find_spec("lodestar.cli.ppp") is None:
        pytest.skip("no `lodestar ppp` command on this branch yet (lodestar.cli.ppp is missing)")
    for kind, mutation, seed in (("obs", absurd_value, 21), ("sp3", truncate, 22), ("antex", garble_lines, 23)):
        run_harness(kind, mutation, seed, capsys)


def test_absurd_value_mutation_changes_one_number():
    content = plain_content(DATA / REAL["obs"])
    mutated = absurd_value(content, random.Random(3))
    assert len(mutated) == len(content) and mutated != content
    changed = [i for i, (a, b) in enumerate(zip(content.split(b"\n"), mutated.split(b"\n"))) if a != b]
    assert len(changed) == 1


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(REAL)), mutation=st.sampled_from(ALL_MUTATIONS), seed=st.integers(0, 2**32 - 1))
def test_mutation_campaign(kind, mutation, seed, capsys):
    run_harness(kind, mutation, seed, capsys)
