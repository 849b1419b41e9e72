"""How wrong are IAC's 15-minute BeiDou orbits and clocks between their nodes? The measurement behind
``positioning.ppp.api._CLOCK_STATE_SIGMA_BY_SYSTEM_M`` (the BeiDou clock-error state of PPP).

    python benchmarks/clock_error_iac.py [--data DIR]

What PPP's filter sees of a product error is the range error towards the station (orbit along the line
of sight minus c times the clock) less what the receiver clock takes (the part common to every
satellite at an epoch) and less what each ambiguity takes (a constant per pass). Those two are fitted
*together* (alternating means until they stop changing: a two-way layout with missing cells); removing
epoch means and then pass means once leaves the common part jumping whenever a satellite rises or sets.

1. IAC (``Sta21114.sp3.gz``, 15 min) against CODE's 5-min final (BDS-2 MEO/IGSO, the GEO left out) over the
   ESBC day, 7 deg mask at ESBC, 30 s: RMS of the residual (both centres' errors), per 2-hour sample, and
   its autocorrelation (the state's correlation time).
2. Three centres over the Wettzell hour (IAC, CODE, and GFZ's 5-min rapid product GBM, whose 2-hour
   extract is in the data folder), 00:20-01:40, every BDS-2 satellite (no mask: the same set at every
   epoch): the three-cornered hat gives each centre's own error; IAC against GBM on BDS-3 too.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ESBC_XYZ = np.array([3582104.768, 532590.174, 5232755.144])  # ITRF2014 truth (tests/reference.py)
WTZZ_XYZ = np.array([4075578.4, 931852.75, 4801569.98])  # WTZZ header position (metres suffice here)


def _ephemeris(path):
    from lodestar.io.sp3 import read_sp3
    from lodestar.orbits import PreciseEphemeris

    return PreciseEphemeris([read_sp3(path)])


def _range_error(eph_a, eph_b, times, svs, station):
    """(T, S) range towards ``station`` of a minus b: |r_sat - r_station| - c dt_sat."""
    from lodestar.constants import C_MPS
    from lodestar.time import Time

    def rng(eph):
        st = eph.states(Time(times), list(svs))
        return np.linalg.norm(st.position_m - station, axis=-1) - C_MPS * st.clock_s

    return rng(eph_a) - rng(eph_b)


def _passes(valid):
    """(T, S) int: an id per satellite pass (a run of valid epochs), -1 elsewhere."""
    ids = np.full(valid.shape, -1)
    n = 0
    for j in range(valid.shape[1]):  # a loop over satellites (a few)
        idx = np.flatnonzero(valid[:, j])
        if idx.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(idx) > 1)
        for start, end in zip(np.r_[idx[0], idx[breaks + 1]], np.r_[idx[breaks], idx[-1]]):
            ids[start:end + 1, j] = n
            n += 1
    return ids


def two_way_residual(diff):
    """``diff`` (T, S) with NaN for missing cells less the epoch-common part and a constant per pass,
    fitted together (alternating means, 100 rounds)."""
    ids = _passes(np.isfinite(diff))
    n_pass = ids.max() + 1
    e = diff.copy()
    for _ in range(100):
        e = e - np.nanmean(e, axis=1, keepdims=True)
        valid = ids >= 0
        sums = np.bincount(ids[valid], weights=e[valid], minlength=n_pass)
        counts = np.bincount(ids[valid], minlength=n_pass)
        e[valid] -= (sums / counts)[ids[valid]]
    return e, ids


def autocorrelation(e, ids, lag):
    num = den = 0.0
    for p in range(ids.max() + 1):
        rows, cols = np.nonzero(ids == p)
        s = e[rows, cols[0]] if rows.size else np.array([])
        if s.size > lag:
            num += float(np.sum(s[:-lag] * s[lag:]))
            den += float(np.sum(s[:-lag] ** 2))
    return num / den


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args(argv)
    from lodestar.frames import azimuth_elevation
    from lodestar.positioning.ppp.constellation import is_bds3
    from lodestar.positioning.ppp.corrections import BDS_GEO
    from lodestar.time import Time

    warnings.simplefilter("ignore")
    esbc = args.data / "esbc-2020-177"
    iac, cod = _ephemeris(esbc / "Sta21114.sp3.gz"), _ephemeris(esbc / "COD0MGXFIN_20201770000_01D_05M_ORB.SP3")
    gbm = _ephemeris(esbc / "GBM0MGXRAP_20201770000_01D_05M_ORB_120epoch.sp3")
    bds2 = [s for s in cod.svs if s.startswith("C") and s in set(iac.svs) and s not in BDS_GEO and not is_bds3(s)]

    day = np.arange(np.datetime64("2020-06-25T00:00"), np.datetime64("2020-06-25T23:55"),
                    np.timedelta64(30, "s")).astype("datetime64[ns]")
    diff = _range_error(iac, cod, day, bds2, ESBC_XYZ)
    _, el = azimuth_elevation(ESBC_XYZ, iac.states(Time(day), bds2).position_m)
    diff[el < 7.0] = np.nan
    e, ids = two_way_residual(diff)
    print(f"1. IAC - CODE, BDS-2 ({len(bds2)} satellites), ESBC day, epoch + pass constants fitted together:")
    print(f"   RMS {np.sqrt(np.nanmean(e ** 2)) * 100:.1f} cm; per 2-hour sample (cm):",
          " ".join(f"{np.sqrt(np.nanmean(e[k:k + 240] ** 2)) * 100:.1f}" for k in range(0, e.shape[0], 240)))
    print("   autocorrelation at 1 / 2.5 / 5 / 7.5 / 10 / 15 / 30 min:",
          " ".join(f"{autocorrelation(e, ids, lag):.2f}" for lag in (2, 5, 10, 15, 20, 30, 60)))

    hour = np.arange(np.datetime64("2020-06-25T00:20"), np.datetime64("2020-06-25T01:40"),
                     np.timedelta64(30, "s")).astype("datetime64[ns]")
    variances = {}
    for a, b, name in ((iac, gbm, "IAC-GBM"), (iac, cod, "IAC-CODE"), (gbm, cod, "GBM-CODE")):
        r, _ = two_way_residual(_range_error(a, b, hour, bds2, WTZZ_XYZ))
        variances[name] = float(np.nanmean(r ** 2))
    hat = {"IAC": (variances["IAC-GBM"] + variances["IAC-CODE"] - variances["GBM-CODE"]) / 2,
           "GBM": (variances["IAC-GBM"] + variances["GBM-CODE"] - variances["IAC-CODE"]) / 2,
           "CODE": (variances["IAC-CODE"] + variances["GBM-CODE"] - variances["IAC-GBM"]) / 2}
    print("2. Wettzell hour (00:20-01:40), BDS-2, pairwise RMS (cm):",
          ", ".join(f"{k} {np.sqrt(v) * 100:.1f}" for k, v in variances.items()))
    print("   three-cornered hat, each centre's own (cm):",
          ", ".join(f"{k} {np.sqrt(max(v, 0.0)) * 100:.1f}" for k, v in hat.items()))
    bds3 = [s for s in gbm.svs if s.startswith("C") and s in set(iac.svs) and is_bds3(s) and s not in BDS_GEO]
    r3, _ = two_way_residual(_range_error(iac, gbm, hour, bds3, WTZZ_XYZ))
    print(f"   IAC - GBM on BDS-3 ({len(bds3)} satellites): {np.sqrt(np.nanmean(r3 ** 2)) * 100:.1f} cm")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    raise SystemExit(main())
