"""Epoch order (issue 14, case 5): swapped, duplicated and far-off epochs of a real file.

Rule (io/_obs_order.py, docs/io.md): epochs more than a day outside the declared span are dropped,
the rest sorted; of equal time tags the first in the file is kept; each case is counted in the
Dataset's attrs, in ``lodestar info`` (skipped) and in the solve/compare JSON (``input_notes``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lodestar.cli import main
from lodestar.io._obs_order import epoch_order
from lodestar.io.rinex_obs import read_obs

OBS = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"
NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"


def _split(text: str):
    head, body = text.split("END OF HEADER\n", 1)
    epochs = ("\n" + body).split("\n>")[1:]
    return head + "END OF HEADER\n", [">" + e.rstrip("\n") + "\n" for e in epochs]


@pytest.fixture(scope="module")
def shuffled(data, tmp_path_factory):
    """Epochs 5 and 6 swapped, epoch 10 twice (the copy with R01 C1C + 1000 m), epoch 20 dated 2099."""
    head, epochs = _split((data / OBS).read_text())
    copy = epochs[10].replace("\nR01  19", "\nR01  20", 1)  # +1 000 000 m in R01's C1C: a different record
    assert copy != epochs[10]
    epochs[5], epochs[6] = epochs[6], epochs[5]
    epochs.insert(11, copy)
    epochs[21] = epochs[21].replace("> 2020 06 25", "> 2099 06 25", 1)
    path = tmp_path_factory.mktemp("order") / "ESBC00DNK_R_20201770000_01D_30S_MO.rnx"
    path.write_text(head + "".join(epochs))
    return path, head, epochs


def test_reader_sorts_keeps_the_first_duplicate_and_drops_2099(data, shuffled):
    clean = read_obs(data / OBS)
    ds = read_obs(shuffled[0])
    assert (ds.attrs["epochs_out_of_order"], ds.attrs["epochs_duplicate"], ds.attrs["epochs_outside_span"]) == (1, 1, 1)
    times = ds["time"].values
    assert np.all(np.diff(times) > np.timedelta64(0, "ns")) and times.size == 119
    expected = np.delete(clean["time"].values, 20)  # epoch 20 (00:10:00) was moved to 2099
    np.testing.assert_array_equal(times, expected)
    # the first occurrence of 00:05:00 is kept, the altered copy is not
    np.testing.assert_array_equal(ds["C1C"].sel(time=times[10]).values, clean["C1C"].isel(time=10).values)
    assert read_obs(data / OBS).attrs["epochs_out_of_order"] == 0


def test_without_time_of_last_obs_the_median_bounds_the_span(shuffled, tmp_path):
    path, head, epochs = shuffled
    head = "".join(line + "\n" for line in head.splitlines() if "TIME OF LAST OBS" not in line)
    other = tmp_path / "nolast.rnx"
    other.write_text(head + "".join(epochs))
    assert read_obs(other).attrs["epochs_outside_span"] == 1


def test_epoch_order_kernel_cases():
    t = np.array(["2020-06-25T00:00", "2020-06-25T00:01", "2020-06-25T00:02"], dtype="datetime64[ns]")
    first = [2020, 6, 25, 0, 0, 0.0]
    assert epoch_order(t, first, None)[0] is None  # in order: nothing to do, no copy
    rows, counts = epoch_order(t[[2, 0, 1, 1]], first, None)
    assert list(rows) == [1, 2, 0] and counts["epochs_duplicate"] == 1 and counts["epochs_out_of_order"] == 3
    early = np.array(["2020-06-23T00:00"], dtype="datetime64[ns]")
    rows, counts = epoch_order(np.concatenate([t, early]), first, [2020, 6, 25, 0, 2, 0.0])
    assert list(rows) == [0, 1, 2] and counts["epochs_outside_span"] == 1


def test_info_and_solve_report_the_counts(data, shuffled, tmp_path, capsys):
    assert main(["info", str(shuffled[0])]) == 0
    out = capsys.readouterr().out
    assert "epochs_duplicate 1" in out and "epochs_outside_span 1" in out and "epochs_out_of_order 1" in out
    js, csv = tmp_path / "s.json", tmp_path / "s.csv"
    assert main(["solve", str(shuffled[0]), "--nav", str(data / NAV), "--out", str(csv), "--json", str(js)]) == 0
    notes = json.loads(js.read_text())["input_notes"]
    assert (notes["epochs_out_of_order"], notes["epochs_duplicate"], notes["epochs_outside_span"]) == (1, 1, 1)
    times = [line.split(",")[0] for line in csv.read_text().splitlines()[1:]]
    assert times == sorted(set(times)) and len(times) == 119
    # and said on the terminal and in the warnings (the JSON's counts alone went unseen)
    said = ("epochs 1 out of time order (sorted); 1 with the time tag of an earlier one (the first kept); "
            "1 more than a day outside the file's span (dropped)")
    assert said in capsys.readouterr().err
    assert any(said in w for w in json.loads(js.read_text())["warnings"])


def test_ppp_says_what_the_order_rule_did(data, shuffled):
    from lodestar.positioning.ppp import ppp
    from lodestar.positioning.ppp.output import summary

    esbc = data / "esbc-2020-177"
    ds = ppp(shuffled[0], sp3=[esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
             clk=esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz", systems="R", mode="static")
    assert ds.sizes["time"] == 119
    assert any("epochs 1 out of time order" in w and str(shuffled[0].name) in w for w in summary(ds)["warnings"])
