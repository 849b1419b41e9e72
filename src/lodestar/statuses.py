"""Per-epoch statuses of a single-point solution, spelled once for every layer that reads them.

``ok`` and ``fde`` (solved after fault detection and exclusion) carry a position; ``insufficient``
and ``failed`` do not, and say why in the ``reason`` column (positioning.result). PPP solutions
have their own statuses (``converged``, ``converging``, ...: positioning.ppp.status).
"""

__all__ = ["STATUSES", "SOLVED_STATUSES", "PPP_SOLVED_STATUSES", "TRACK_STATUSES"]

STATUSES = ("ok", "fde", "insufficient", "failed")
#: The statuses of an epoch with a position: every "solved" count and statistic uses these.
SOLVED_STATUSES = ("ok", "fde")
#: PPP's statuses with a position (positioning.ppp.status): what its tracks and NMEA carry.
PPP_SOLVED_STATUSES = ("converged", "converging")
#: Every status a written track point may have (single-point and PPP solutions alike).
TRACK_STATUSES = SOLVED_STATUSES + PPP_SOLVED_STATUSES
