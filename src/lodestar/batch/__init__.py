"""Networks of stations on Dask: discover station-days, run ``compare`` on each, summarise.

Start from :func:`lodestar.batch.run.run_batch` (the library behind ``lodestar batch``).
"""
