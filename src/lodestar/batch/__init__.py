"""Networks of stations on Dask: discover station-days, run ``compare`` on each, summarise.

``run_batch`` is the library behind ``lodestar batch``; ``discover`` shows what a run would do.
"""

from .discover import StationDay, discover
from .run import BatchResult, run_batch

__all__ = ["run_batch", "BatchResult", "discover", "StationDay"]
