"""Solution statistics against a truth position: one implementation for every report and JSON.

Errors are east/north/up of the solved epochs' marker positions against the truth (ECEF m, in the
truth's local frame): horizontal ``hypot(e, n)``, vertical ``|u|``, 3D ``|enu|``; RMS, 95th
percentile and maximum over the epochs. ``solve --json`` (``positioning.output``) has always
spelled them ``h_rms_m``/``rms_3d_m``..., ``compare`` (``analysis.compare``) ``rms_h_m``/``rms3d_m``...:
:func:`error_statistics` returns both spellings (docs/positioning.md lists them) so that every
JSON keeps its keys.
"""

from __future__ import annotations

import numpy as np

from ..frames import ecef_to_enu, ecef_to_geodetic
from .result import SOLVED_STATUSES

__all__ = ["error_enu", "error_statistics", "solved_mask", "STAT_KEYS"]

#: Every key :func:`error_statistics` returns, with the spelling each consumer has used.
STAT_KEYS = ("h_rms_m", "h95_m", "v_rms_m", "v95_m", "rms_3d_m", "p95_3d_m",  # solve --json (output.accuracy)
             "rms_h_m", "rms_v_m", "rms3d_m", "p95_h_m", "p95_v_m", "max_err_3d_m")  # compare rows


def solved_mask(solution) -> np.ndarray:
    """``(T,)`` epochs with a position (status ``ok`` or ``fde``)."""
    return np.isin(solution["status"].values.astype(str), SOLVED_STATUSES)


def error_enu(solution, truth) -> np.ndarray:
    """East/north/up error (T, 3) in metres of the solution's marker position against ``truth``."""
    truth = np.asarray(truth, float)
    xyz = np.stack([solution[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)
    lat, lon, _ = ecef_to_geodetic(truth)
    return ecef_to_enu(xyz - truth, lat, lon)


def _rms(x):
    return float(np.sqrt(np.mean(x**2))) if x.size else np.nan


def _p95(x):
    return float(np.percentile(x, 95)) if x.size else np.nan


def error_statistics(solution, truth, epochs=None) -> dict:
    """RMS / 95 % / max of the horizontal, vertical and 3D errors over the solved epochs (NaN if none).

    ``epochs`` ``(T,)`` bool: only these epochs (e.g. those two sets both solved: fair comparisons).
    ``solved`` in the result counts the epochs the statistics are over.
    """
    enu = error_enu(solution, truth)
    keep = solved_mask(solution) & np.isfinite(enu).all(axis=1)
    if epochs is not None:
        keep &= np.asarray(epochs, bool)
    enu = enu[keep]
    h, v, d3 = np.hypot(enu[:, 0], enu[:, 1]), np.abs(enu[:, 2]), np.linalg.norm(enu, axis=1)
    out = {"solved": int(keep.sum()), "h_rms_m": _rms(h), "h95_m": _p95(h), "v_rms_m": _rms(v), "v95_m": _p95(v),
           "rms_3d_m": _rms(d3), "p95_3d_m": _p95(d3), "max_err_3d_m": float(d3.max()) if d3.size else np.nan}
    out.update(rms_h_m=out["h_rms_m"], rms_v_m=out["v_rms_m"], rms3d_m=out["rms_3d_m"], p95_h_m=out["h95_m"],
               p95_v_m=out["v95_m"])
    return out
