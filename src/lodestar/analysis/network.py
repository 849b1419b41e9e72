"""Network statistics over the batch summary table: the gain of R+C over each system alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["station_gains"]


def station_gains(table: pd.DataFrame) -> pd.DataFrame:
    """Per station-day, the gain of R+C over R and over C at the lowest mask, in percent.

    With truth for the three sets the metric is the 3D RMS error (positive = R+C more accurate);
    otherwise the median PDOP (positive = R+C geometry stronger). ``metric`` says which. Each gain is
    the one measured on the epochs both solved (``rc_gain_common_*_pct`` of the R and C rows, written
    by the batch task); rows without it (a run before these columns) give the ratio of the two sets'
    figures over the epochs each solved.
    """
    ok = table[(table["status"] == "ok") & table["systems"].isin(["R", "C", "R+C"])]
    if ok.empty:
        return pd.DataFrame(columns=["station", "date", "lat_deg", "lon_deg", "metric", "gain_over_R_pct", "gain_over_C_pct"])
    ok = ok[ok["mask_deg"] == ok.groupby(["station", "date"])["mask_deg"].transform("min")]
    records = []
    for (station, date), group in ok.groupby(["station", "date"]):
        by_set = group.set_index("systems")
        metric = "rms3d_m" if by_set["rms3d_m"].notna().all() and len(by_set) == 3 else "pdop_median"
        value = by_set[metric]
        common = by_set.get(_COMMON_GAIN[metric])
        records.append({
            "station": station, "date": date, "lat_deg": group["lat_deg"].iloc[0], "lon_deg": group["lon_deg"].iloc[0],
            "metric": metric,
            "gain_over_R_pct": _common_or_ratio(common, value, "R"),
            "gain_over_C_pct": _common_or_ratio(common, value, "C"),
        })
    return pd.DataFrame(records)


#: the batch rows' column holding R+C's gain over the row's set on the epochs both solved, per metric
_COMMON_GAIN = {"rms3d_m": "rc_gain_common_rms3d_pct", "pdop_median": "rc_gain_common_pdop_pct"}


def _common_or_ratio(common: pd.Series | None, value: pd.Series, alone: str) -> float:
    if common is not None and alone in common.index and np.isfinite(common[alone]):
        return float(common[alone])
    return _gain(value, alone)


def _gain(value: pd.Series, alone: str) -> float:
    if "R+C" not in value.index or alone not in value.index:
        return np.nan
    base, both = value[alone], value["R+C"]
    return float(100.0 * (base - both) / base) if np.isfinite(base) and base > 0 and np.isfinite(both) else np.nan
