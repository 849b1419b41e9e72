"""BeiDou alone, one hour at a time: the ESBC day as 24 one-hour static PPP runs on IAC's 15-min clocks.

One hour of one system is one draw (the Wettzell hour: docs/ppp-benchmark.md). The ESBC day with the
same products gives 24. Reference: sidereon 3.0.4 (PyPI), an independent PPP engine, on the same files,
antenna and ionosphere-free observations, each hour solved on its own (`python benchmarks/ppp_hours.py
--sets C`, 2026-12-07, with its own tide, wind-up and antenna corrections): median final 3D error 0.430 m
over the 23 hours it solves (Lodestar 0.152 m; 0.426 m with sidereon's earlier configuration, no corrections).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from reference import ESBC_ITRF2014_XYZ

from lodestar.io.rinex_obs import read_obs
from lodestar.positioning.ppp import accuracy_summary, ppp

SIDEREON_MEDIAN_C_M = 0.430  # sidereon 3.0.4, benchmarks/ppp_hours.py --sets C (above)
GRG = ["GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"]
SINEX = ["igs20P2131_wocov.snx", "JAX0MGXFIN_20202440000_01D_000_SOL.SNX", "ESA0OPSFIN_20241850000_01D_01D_SOL.SNX"]
# ESBC's antenna with its pattern, as every solver of the benchmark gets it (origin: tests/fixtures/README.md)
ANTEX = Path(__file__).parent / "fixtures" / "igs08_1805_ASH701945E_M_SCIS.atx"


def test_beidou_hours_of_the_esbc_day_beat_the_independent_engine(data):
    esbc = data / "esbc-2020-177"
    obs = read_obs(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", systems=("C",))
    products = dict(sp3=[esbc / f for f in GRG] + [esbc / "Sta21114.sp3.gz"],
                    clk=[esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"],
                    nav=esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz", sinex=[data / "sinex" / f for f in SINEX],
                    antex=ANTEX)
    finals, ratios = {}, {}
    for hour in range(24):
        ds = ppp(obs.isel(time=slice(hour * 120, (hour + 1) * 120)), systems="C", mode="static", mask_deg=7.0,
                 **products)
        solved = np.isin(ds["status"].values, ("converged", "converging"))
        if not solved.any():
            # 08 h: B3I on two non-GEO satellites only (C08, C13); said, not guessed
            assert hour == 8 and set(ds["status"].values) == {"failed"}
            assert "too few satellites" in str(ds["reason"].values[0])
            continue
        last = np.flatnonzero(solved)[-1]
        summary = accuracy_summary(ds.isel(time=slice(0, last + 1)), ESBC_ITRF2014_XYZ)
        finals[hour] = summary["final_error_3d_m"]
        sigma = np.array([ds[k].values[last] for k in ("sde_m", "sdn_m", "sdu_m")])
        ratios[hour] = float(np.max(np.abs(summary["final_error_enu_m"]) / sigma))
    assert len(finals) == 23
    assert np.median(list(finals.values())) < SIDEREON_MEDIAN_C_M
    # Its own sigma covers its error: for Gaussian errors with honest sigmas 99 % of hours have all three
    # components within 3 sigma. Measured: every hour within 1 sigma (largest ratio 0.94; sidereon's most
    # conservative covariance covers 5 of the 23 hours within 3 sigma, largest ratio 9.8: docs/ppp-benchmark.md).
    assert max(ratios.values()) < 3.0
