"""Per-epoch statuses of a single-point solution, spelled once for every layer that reads them.

``ok`` and ``fde`` (solved after fault detection and exclusion) carry a position; ``insufficient``
and ``failed`` do not, and say why in the ``reason`` column (positioning.result). PPP solutions
have their own statuses (``converged``, ``converging``, ...: positioning.ppp.status).
"""

__all__ = ["STATUSES", "SOLVED_STATUSES"]

STATUSES = ("ok", "fde", "insufficient", "failed")
#: The statuses of an epoch with a position: every "solved" count and statistic uses these.
SOLVED_STATUSES = ("ok", "fde")
