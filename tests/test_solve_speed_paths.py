"""The shortcuts that make ``lodestar solve`` fast change no result (docs/positioning.md "Speed").

``observation_codes`` decides which RINEX codes the reader parses for a solution; a prepare on
that partial read must equal one on the full read, value for value, in every mode it serves.
"""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.io.rinex_obs import read_obs
from lodestar.positioning import prepare
from lodestar.positioning.prepare import observation_codes
from lodestar.positioning.selection import ObservationSelection

WTZR = "esbc-2020-177/WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


def test_observation_codes_follow_the_options():
    # DEFAULT_PRIORITY: R C1C, C1P; C C2I, C2X, C6I, C7I
    assert observation_codes("RC") == {"C1C", "C1P", "C2I", "C2X", "C6I", "C7I"}
    assert observation_codes("R", priority={"R": ("C1P",)}) == {"C1P"}
    assert observation_codes("R", smoothing_s=100) == {"C1C", "C1P", "L1C", "L1P"}
    iflc = observation_codes("C", iono="iflc")
    assert {"C2I", "C6I", "C1C", "C2C"} <= iflc and not any(c[0] == "L" for c in iflc)
    # an SNR mask looks at every code's own C/N0: everything is read
    assert observation_codes("RC", selection=ObservationSelection(snr_mask_dbhz=35.0)) is None


@pytest.mark.parametrize("options", [
    {"systems": "GREC"},
    {"systems": "RC", "iono": "iflc", "smoothing_s": 300},
    {"systems": "GRC", "smoothing_s": 100, "priority": {"G": ("C1W", "C1C")}},
])
def test_prepare_on_the_partial_read_equals_the_full_read(data, options):
    full = prepare(read_obs(data / WTZR), [data / NAV], **options)
    part = prepare(data / WTZR, [data / NAV], **options)  # reads observation_codes(...) only
    for name in ("time", "sv", "pseudorange_m", "sat_xyz", "usable", "frequency_hz", "code"):
        np.testing.assert_array_equal(getattr(part, name), getattr(full, name), err_msg=name)
    assert part.meta["notes"] == full.meta["notes"]


def _reference_line_of_sight(receiver_xyz, sat_xyz):
    """The former (T, S, 3) form of geometry.line_of_sight: norm, rotate, einsum."""
    from lodestar.constants import C_MPS
    from lodestar.models.geometry import rotate_for_earth_rotation

    rng = np.linalg.norm(sat_xyz - receiver_xyz[:, None, :], axis=-1)
    diff = rotate_for_earth_rotation(sat_xyz, rng / C_MPS) - receiver_xyz[:, None, :]
    rng = np.sqrt(np.einsum("tsi,tsi->ts", diff, diff))
    return rng, diff / rng[..., None]


def test_line_of_sight_planes_are_bit_identical(data):
    from lodestar.models.geometry import line_of_sight

    prep = prepare(data / WTZR, [data / NAV], systems="GREC")
    receiver = np.broadcast_to(prep.approx_xyz, (len(prep.time), 3)) + np.linspace(-50.0, 50.0, len(prep.time))[:, None]
    new, old = line_of_sight(receiver, prep.sat_xyz), _reference_line_of_sight(receiver, prep.sat_xyz)
    assert np.isfinite(new[0]).sum() > 1000
    for a, b in zip(new, old):
        np.testing.assert_array_equal(a, b)  # exact, NaN where no satellite


def test_condition_shortcut_keeps_every_decision():
    from lodestar.positioning.estimator import MAX_CONDITION, _regular

    rng = np.random.default_rng(7)
    a = rng.normal(size=(400, 5, 5))
    normal = a @ np.swapaxes(a, 1, 2) + 0.1 * np.eye(5)
    normal[10] = np.diag([1.0, 1.0, 1.0, 1.0, 1e-13])  # condition 1e13: ill-conditioned
    normal[11] = np.diag([1.0, 1.0, 1.0, 1.0, 0.0])  # exactly singular
    normal[12, 0, 0] = np.nan
    with np.errstate(divide="ignore"):
        eig = np.abs(np.linalg.eigvalsh(np.nan_to_num(normal)))
        expected = (eig.max(axis=1) / eig.min(axis=1) < MAX_CONDITION) & np.isfinite(normal).all(axis=(1, 2))
    # with the exactly singular matrix (the batch inverse fails: every epoch is checked), and without it
    for candidate in (np.ones(400, bool), np.arange(400) != 11):
        reason = np.full(400, "", dtype=object)
        ok, inverse = _regular(normal, np.zeros((400, 5)), candidate.copy(), reason)
        np.testing.assert_array_equal(ok, expected & candidate)
        assert reason[10] == "singular or ill-conditioned geometry" and reason[12] == "non-finite normal equations"
        np.testing.assert_array_equal(inverse[ok], np.linalg.inv(normal[ok]))  # each matrix inverted on its own
        assert np.isnan(inverse[~ok]).all()


def test_csv_writer_writes_what_pandas_wrote(data, tmp_path):
    """The csv-module writer gives the bytes of the former ``frame.to_csv(path, index=False, na_rep="")``."""
    import math

    from lodestar.positioning import solve
    from lodestar.positioning.output import _CSV_FORMATS, _write_csv, to_dataframe

    ds = solve(prepare(data / WTZR, [data / NAV], systems="RC"), systems="R", mask_deg=35.0)
    assert set(ds["status"].values) - {"ok", "fde"}  # unsolved rows: empty coordinates
    ds["reason"].values[:3] = ["a, b", 'said "x"', "two\nlines"]  # text the csv dialect must quote
    frame = to_dataframe(ds)
    for column in frame.columns:
        if column in _CSV_FORMATS:
            frame[column] = ["" if not math.isfinite(v) else _CSV_FORMATS[column] % v for v in frame[column]]
        elif frame[column].dtype.kind == "f":
            frame[column] = ["" if v != v else "%.6g" % v for v in frame[column]]
    frame.to_csv(tmp_path / "pandas.csv", index=False, na_rep="")
    _write_csv(ds, tmp_path / "ours.csv")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_process_exit_skips_only_the_teardown(data, tmp_path):
    """``python -m lodestar.cli`` ends with os._exit after main(): outputs complete, stdout flushed, codes kept."""
    import json
    import subprocess
    import sys

    from lodestar.cli import main

    args = ["solve", str(data / WTZR), "--nav", str(data / NAV), "--systems", "R+C"]
    done = subprocess.run([sys.executable, "-m", "lodestar.cli", *args, "--out", str(tmp_path / "a.csv"), "--json", "-"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["epochs"] == 120  # the whole JSON reached the pipe
    assert main([*args, "--out", str(tmp_path / "b.csv")]) == 0  # in-process: main() returns as before
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    failed = subprocess.run([sys.executable, "-m", "lodestar", "solve", str(tmp_path / "none.rnx"), "--nav",
                             str(data / NAV), "--out", str(tmp_path / "c.csv")], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1 and "error" in failed.stderr
