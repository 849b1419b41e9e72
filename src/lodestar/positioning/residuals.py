"""Per-satellite residuals of a finished solution: one row per epoch and satellite above the mask.

Computed only when asked (``solve(..., residuals=True)``): one more linearization of the final
problem at the final positions (:func:`iteration._linearize`, with the frozen atmosphere and the
session biases), so the default path costs nothing. For a satellite used in the epoch the value
is the post-fit residual (to within the last Gauss-Newton step, < 1 mm); for one RAIM excluded it
is its misclosure against the solution computed without it — the size of the fault.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..frames import ecef_to_geodetic, enu_matrix
from ..time import Time
from .iteration import _Atmosphere, _linearize

__all__ = ["residual_table", "RESIDUAL_COLUMNS"]

RESIDUAL_COLUMNS = ("time_gps", "sv", "azimuth_deg", "elevation_deg", "residual_m", "sigma_m", "used", "excluded")


def residual_table(sub, problem, fde) -> pd.DataFrame:
    """``RESIDUAL_COLUMNS`` for every epoch with a position and every satellite above the mask.

    ``sigma_m``: the a-priori standard deviation the estimator weighted the pseudorange with
    (elevation model times the system's estimated noise factor); ``used``: in the final solution;
    ``excluded``: taken out by RAIM fault detection and exclusion.
    """
    it = fde.iterate
    rows = np.flatnonzero(np.isfinite(it.state).all(axis=1))
    n_sv = problem.sat_xyz.shape[1]
    if rows.size == 0:
        return pd.DataFrame({name: [] for name in RESIDUAL_COLUMNS})
    state = it.state[rows]
    atmosphere = _Atmosphere(problem, rows)
    misclosure, weight, h, elevation, _ = _linearize(problem, rows, state, np.zeros((rows.size, n_sv), bool),
                                                     atmosphere.view(np.arange(rows.size)))
    lat, lon, _ = ecef_to_geodetic(state[:, :3])
    enu = np.einsum("tsk,tjk->tsj", -h[..., :3], enu_matrix(lat, lon))  # line of sight in e/n/u
    azimuth = np.degrees(np.arctan2(enu[..., 0], enu[..., 1])) % 360.0
    t_idx, s_idx = np.nonzero(weight > 0)
    when = Time(np.asarray(sub.time)[rows][t_idx]).iso("gpst", "ms")
    return pd.DataFrame({
        "time_gps": when, "sv": np.asarray(sub.sv).astype(str)[s_idx],
        "azimuth_deg": np.round(azimuth[t_idx, s_idx], 3),
        "elevation_deg": np.round(np.degrees(elevation[t_idx, s_idx]), 3),
        "residual_m": np.round(misclosure[t_idx, s_idx], 4),
        "sigma_m": np.round(1.0 / np.sqrt(weight[t_idx, s_idx]), 4),
        "used": it.weight[rows][t_idx, s_idx] > 0,
        "excluded": fde.excluded[rows][t_idx, s_idx],
    })
