"""Single-point positioning with GLONASS, BeiDou, GPS and Galileo (any combination).

>>> from lodestar.positioning import solve, solve_many, prepare
>>> ds = solve("ESBC.crx.gz", "ESBC_MN.rnx.gz", systems="R+C", mask_deg=10)
>>> prep = prepare(obs, nav, systems="GREC")          # read, orbits, satellite clocks: once
>>> solve(prep, systems="R"), solve(prep, systems="C", mask_deg=15)   # estimator only
>>> cal = Calibration.from_solution(solve(prep, systems="R+C", mask_deg=10))  # biases + ISB of the day
>>> solve(prep, systems="R+C", mask_deg=40, calibration=cal)        # applied as known
"""

from .calibration import Calibration
from .spp import Prepared, prepare, solve, solve_many

__all__ = ["solve", "solve_many", "prepare", "Prepared", "Calibration"]
