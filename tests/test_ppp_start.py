"""PPP without the header's APPROX POSITION XYZ (optional in RINEX 3 for moving receivers): the corrections
start from the first epochs' code position (``positioning/ppp/start.py``), and the solution is the one
the header's position gives."""

from __future__ import annotations

import json

import numpy as np
import pytest
from reference import wettzell_truth

from lodestar.errors import LodestarError
from lodestar.io.rinex_obs import read_obs
from lodestar.positioning.ppp import ppp

ESBC = "esbc-2020-177"
GRG = ["GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"]
CLK = "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"
WTZZ_HOUR = "WTZZ00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"


@pytest.fixture(scope="module")
def wtzz(data):
    obs = read_obs(data / ESBC / WTZZ_HOUR)
    kw = {"sp3": [data / ESBC / f for f in [*GRG, "Sta21114.sp3.gz"]], "clk": data / ESBC / CLK,
          "antex": data / "antex" / "igs20_wettzell_trim.atx", "sinex": [data / "sinex" / "igs20P2131_wocov.snx"],
          "systems": "R+C", "mode": "kinematic"}
    headless = obs.copy()
    headless.attrs = {k: v for k, v in obs.attrs.items() if k != "approx_position_m"}
    return obs, headless, kw


def test_a_file_without_approx_position_solves_as_with_it(wtzz, data):
    obs, headless, kw = wtzz
    with_header = ppp(obs, **kw)
    without = ppp(headless, **kw)
    notes = [w for w in json.loads(without.attrs["warnings"]) if "APPROX POSITION" in w]  # attrs keep lists as JSON
    assert len(notes) == 1 and "first epochs' codes" in notes[0]
    start = np.array([float(v) for v in notes[0].rsplit("(", 1)[1].split(" m)")[0].split(", ")])
    truth = wettzell_truth(data, "WTZZ")
    # ionosphere-free code of one epoch, no troposphere: tens of metres (measured 23 m); the corrections
    # need kilometres
    assert np.linalg.norm(start - truth) < 50.0
    xyz = lambda ds: np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=1)
    # elevations move by (23 m / 20 000 km) rad: the kinematic positions agree to well under a millimetre
    # (measured 0.5 um)
    assert np.nanmax(np.abs(xyz(with_header) - xyz(without))) < 1e-4


def test_too_few_satellites_for_a_start_position_is_a_clear_error(wtzz):
    _, headless, kw = wtzz
    few = headless.isel(sv=[i for i, sv in enumerate(headless["sv"].values) if str(sv) in ("R01", "R02", "C19")])
    with pytest.raises(LodestarError, match="no usable APPROX POSITION XYZ, and no epoch's codes gave one"):
        ppp(few, **kw)
