"""Which antenna phase-centre offsets the PPP uses, and where each came from.

Satellites: the ionosphere-free PCO in the body frame. Until a per-satellite source (ANTEX /
SINEX, the products layer) is given, the nominal per-block IF values of
:mod:`lodestar.orbits.antenna` (GPSPACE nominal offsets) are used; satellites without any value
are not used (never a silent zero). Receiver: the north/east/up offsets of the antenna's two
calibrated frequencies, combined into the IF offset with each satellite's IF coefficients; when no
calibration is known the run goes on without one, warns, and says so in its attributes (the IF
offset of a geodetic antenna is ~4-20 cm up: the height is biased by that much).
"""

from __future__ import annotations

import numpy as np

from ...orbits import antenna as nominal
from .observables import if_coefficients

__all__ = ["satellite_pco_if_body_m", "receiver_offsets_enu_m"]


def satellite_pco_if_body_m(svs, times) -> tuple[np.ndarray, dict]:
    """(S, 3) body-frame IF offsets (NaN unknown) and {sv: source}."""
    pco = nominal.pco_body_m(list(svs), times)
    source = {sv: ("nominal block (orbits.antenna)" if np.all(np.isfinite(pco[j])) else "none")
              for j, sv in enumerate(svs)}
    return pco, source


def receiver_offsets_enu_m(svs, f1_hz, f2_hz, delta_hen_m, receiver_pco_neu_m) -> tuple[np.ndarray, str]:
    """(S, 3) marker -> IF phase centre in east/north/up: antenna delta + IF receiver PCO.

    ``receiver_pco_neu_m``: None, or {"1": (n, e, u), "2": (n, e, u)} (frequency 1 / 2 of every
    system), or {system: {"1": ..., "2": ...}} per system.
    """
    delta = np.array([delta_hen_m[1], delta_hen_m[2], delta_hen_m[0]], float)  # H/E/N -> E/N/U
    out = np.tile(delta, (len(svs), 1))
    if not receiver_pco_neu_m:
        return out, "none"
    a1, a2 = if_coefficients(f1_hz, f2_hz)
    for j, sv in enumerate(svs):
        table = receiver_pco_neu_m.get(sv[0], receiver_pco_neu_m)
        if "1" not in table or "2" not in table:
            continue
        n1, e1, u1 = table["1"]
        n2, e2, u2 = table["2"]
        pco_if = np.array([a1[j] * e1 - a2[j] * e2, a1[j] * n1 - a2[j] * n2, a1[j] * u1 - a2[j] * u2])
        if np.all(np.isfinite(pco_if)):
            out[j] = delta + pco_if
    return out, "user"
