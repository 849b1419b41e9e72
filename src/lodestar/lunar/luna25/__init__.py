"""Luna-25's failed pre-landing burn (19 August 2023), reconstructed from published facts.

API: ``reconstruct(data=None, degree=150, fit_degree=40, sensitivity=True) -> dict`` runs the
three parts and returns plain data (the ``lodestar luna25 --json`` content plus the series the
report plots); ``forward(assumptions, force)``, ``fit(...)``, ``counterfactual(...)`` are the parts.

- :mod:`.facts`: the published facts with their sources, and the assumptions they leave open;
- :mod:`.model`: geometry, burn, forward case, fit, counterfactual;
- :mod:`.sensitivity`: each assumption changed in turn, and the sampled tracks;
- :mod:`.reconstruct`: all of it in one call. The report is :mod:`lodestar.report.luna25`.
"""

from .facts import FACTS, Assumptions
from .model import (Geometry, counterfactual, delta_v_mps, design_geometry, design_thrust,
                    earth_elevation_at_crater, fit, fit_start, forward, ignition, min_altitude_km, run_burn)
from .reconstruct import reconstruct

__all__ = ["Assumptions", "Geometry", "FACTS", "forward", "fit", "counterfactual", "reconstruct",
           "design_geometry", "design_thrust", "run_burn", "fit_start", "min_altitude_km", "ignition",
           "earth_elevation_at_crater", "delta_v_mps"]
