"""The observation sigmas of PPP (``ppp(code_sigma_m=..., phase_sigma_m=...)``): validated, handed to the
filter, recorded in the result. docs/ppp.md "No uncombined model" uses them (benchmarks/ppp_code_weight.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.errors import LodestarError
from lodestar.positioning.ppp import api, ppp

GRG = ["GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"]
CLK = "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"
WTZR_HOUR = "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx"


@pytest.mark.parametrize("kw", [{"code_sigma_m": 0.0}, {"phase_sigma_m": -0.003}, {"code_sigma_m": float("nan")}])
def test_non_positive_sigmas_are_refused_before_any_file_is_read(kw):
    with pytest.raises(LodestarError, match="must be positive"):
        ppp("no-such-file.rnx", sp3="no-such.sp3", **kw)


def _wtzr(data):
    esbc = data / "esbc-2020-177"
    return esbc / WTZR_HOUR, {"sp3": [esbc / f for f in GRG], "clk": esbc / CLK, "systems": "G+R+E", "mode": "static"}


class _Seen(Exception):
    pass


def test_sigmas_reach_the_filter_and_the_result(data, monkeypatch):
    obs, kw = _wtzr(data)
    seen = []
    original = api.run_filter

    def spy(inp, cfg):
        seen.append((cfg.code_sigma_m, cfg.phase_sigma_m))
        if len(seen) == 3:
            raise _Seen  # the third call only shows that the code sigma arrives
        return original(inp, cfg)

    monkeypatch.setattr(api, "run_filter", spy)
    default = ppp(obs, **kw)
    noisier = ppp(obs, phase_sigma_m=0.005, **kw)
    with pytest.raises(_Seen):
        ppp(obs, code_sigma_m=0.1, **kw)
    assert seen == [(0.3, 0.003), (0.3, 0.005), (0.1, 0.003)]  # RTKLIB's defaults (stats-errphase 3 mm, eratio 100)
    assert (noisier.attrs["code_sigma_m"], noisier.attrs["phase_sigma_m"]) == (0.3, 0.005)
    assert (default.attrs["code_sigma_m"], default.attrs["phase_sigma_m"]) == (0.3, 0.003)
    # the formal sigma follows the phase sigma: 5 mm of raw phase noise instead of 3 mm cannot shrink it
    sd = lambda ds: np.array([float(ds[k].values[-1]) for k in ("sde_m", "sdn_m", "sdu_m")])
    assert np.all(sd(noisier) > sd(default))


def test_errors_come_in_the_order_of_a_serial_read(data, tmp_path):
    """The observation file is read on a thread while the products load (api._read_inputs): a bad
    observation file is named first, as before; good observations with bad products name the products."""
    obs, kw = _wtzr(data)
    missing_sp3 = tmp_path / "missing.sp3"
    with pytest.raises(LodestarError, match="no-such-obs.rnx"):
        ppp(tmp_path / "no-such-obs.rnx", sp3=missing_sp3)
    with pytest.raises(LodestarError, match="missing.sp3"):
        ppp(obs, sp3=missing_sp3, systems="R")
