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
