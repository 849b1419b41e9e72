"""Per-epoch statuses from the filter's own sigmas (never from the truth).

- ``converged``: horizontal sigma <= 5 cm and 3D sigma <= 10 cm (so a 2-sigma error stays inside
  the issue's convergence bound, 10 cm horizontal / 20 cm 3D);
- ``converging``: solved, sigmas still above those;
- ``insufficient``: too few satellites for an update at this epoch (the static position is the
  prediction; kinematic positions are left empty);
- ``failed``: no position (no initial fix, or the filter could not be started).
"""

from __future__ import annotations

import numpy as np

__all__ = ["CONVERGED_3D_SIGMA_M", "CONVERGED_H_SIGMA_M", "STATUSES", "epoch_status"]

STATUSES = ("converged", "converging", "insufficient", "failed")
CONVERGED_H_SIGMA_M = 0.05
CONVERGED_3D_SIGMA_M = 0.10


def epoch_status(sde, sdn, sdu, updated, has_position, notes):
    """(status, reason) arrays (T,)."""
    sig_h = np.hypot(sde, sdn)
    sig_3d = np.sqrt(sde**2 + sdn**2 + sdu**2)
    good = (sig_h <= CONVERGED_H_SIGMA_M) & (sig_3d <= CONVERGED_3D_SIGMA_M)
    status = np.where(good, "converged", "converging").astype(object)
    reason = np.where(good, "", "filter sigmas above 5 cm horizontal / 10 cm 3D").astype(object)
    status[~updated] = "insufficient"
    reason[~updated] = notes[~updated]
    status[~has_position] = "failed"
    reason[~has_position] = np.where(notes[~has_position] != "", notes[~has_position], "no position")
    extra = updated & (notes != "")
    reason[extra] = np.array([f"{r}; {n}" if r else n for r, n in zip(reason[extra], notes[extra])], dtype=object)
    return status.astype(str), reason.astype(str)
