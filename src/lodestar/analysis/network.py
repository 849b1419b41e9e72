"""Network statistics over the batch summary table: the gain of R+C over each system alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["station_gains"]


def station_gains(table: pd.DataFrame) -> pd.DataFrame:
    """Per station-day, the gain of R+C over R and over C at the lowest mask, in percent.

    With truth for the three sets the metric is the 3D RMS error (positive = R+C more accurate);
    otherwise the median PDOP (positive = R+C geometry stronger). ``metric`` says which.
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
        records.append({
            "station": station, "date": date, "lat_deg": group["lat_deg"].iloc[0], "lon_deg": group["lon_deg"].iloc[0],
            "metric": metric,
            "gain_over_R_pct": _gain(value, "R"), "gain_over_C_pct": _gain(value, "C"),
        })
    return pd.DataFrame(records)


def _gain(value: pd.Series, alone: str) -> float:
    if "R+C" not in value.index or alone not in value.index:
        return np.nan
    base, both = value[alone], value["R+C"]
    return float(100.0 * (base - both) / base) if np.isfinite(base) and base > 0 and np.isfinite(both) else np.nan
