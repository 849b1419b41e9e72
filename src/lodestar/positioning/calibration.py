"""Receiver calibration: the session code biases and inter-system biases, estimated once, applied as known.

The code biases (GLONASS FDMA per channel or per satellite, BDS-2/BDS-3 and per-satellite BeiDou,
``biases.py``) and the inter-system bias between system clocks (``isb.py``) are hardware
properties of the receiver, its antenna cable and the satellites' signal paths over a station-day:
they do not depend on which satellites an obstruction hides. They are best estimated from all the
data (the lowest elevation mask: long arcs separate a satellite's constant bias from the
position, many redundant epochs give a tight ISB), and then applied as known corrections to a
solution of the same receiver and day with fewer satellites, as a user applies a receiver
calibration. Estimated from a 40° mask alone, a GLONASS satellite's arc is too short for its own
bias and the ISB's stability is four times worse (docs/positioning.md).

A :class:`Calibration` comes from a solution (``Calibration.from_solution(ds)``: every
``solve`` result carries the values it estimated or used in its ``calibration`` attribute) and
goes into ``solve(..., calibration=cal)``. Satellites it does not name get no code bias; systems
without an ISB in it keep a free clock per epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ..errors import LodestarError

__all__ = ["Calibration"]


@dataclass(frozen=True)
class Calibration:
    """Code bias per satellite and clock offset per system of one receiver-day.

    ``code_bias_m``: metres subtracted from each satellite's pseudorange (relative to its system's
    mean at estimation: a bias common to a system is part of that system's receiver clock).
    ``isb_m`` / ``isb_sigma_m``: receiver clock of each system minus that of ``reference`` and
    the ISB's stability (1 sigma), both consistent with ``code_bias_m``. ``source`` says where the
    values came from (e.g. ``"R+C at 10° mask, ESBC00DNK 2020-06-25"``).
    """

    code_bias_m: dict = field(default_factory=dict)
    isb_m: dict = field(default_factory=dict)
    isb_sigma_m: dict = field(default_factory=dict)
    reference: str = ""
    source: str = ""

    def to_dict(self) -> dict:
        return {"code_bias_m": self.code_bias_m, "isb_m": self.isb_m, "isb_sigma_m": self.isb_sigma_m,
                "reference": self.reference, "source": self.source}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, doc: dict) -> "Calibration":
        try:
            return cls({str(k): float(v) for k, v in doc.get("code_bias_m", {}).items()},
                       {str(k): float(v) for k, v in doc.get("isb_m", {}).items()},
                       {str(k): float(v) for k, v in doc.get("isb_sigma_m", {}).items()},
                       str(doc.get("reference", "")), str(doc.get("source", "")))
        except (AttributeError, TypeError, ValueError) as exc:
            raise LodestarError(f"not a calibration document ({exc}): expected code_bias_m, isb_m, "
                                "isb_sigma_m, reference") from exc

    @classmethod
    def from_solution(cls, solution) -> "Calibration":
        """The calibration a ``solve`` result estimated (or was given): its ``calibration`` attribute."""
        text = solution.attrs.get("calibration")
        if not text:
            raise LodestarError("this solution carries no 'calibration' attribute (made by an older solve?)")
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise LodestarError(f"the solution's 'calibration' attribute is not JSON ({exc}); "
                                "re-run solve to get one") from None
        return cls.from_dict(doc)

    @classmethod
    def from_estimate(cls, svs, bias_m, systems, clock_prior, source: str = "") -> "Calibration":
        """From the solver's per-satellite biases ``bias_m`` ``(S,)`` and session ISBs ``clock_prior``
        (``(isb_m (K,), sigma_m (K,))`` relative to ``systems[0]``, or None)."""
        biases = {str(sv): round(float(b), 4) for sv, b in zip(svs, np.asarray(bias_m, float)) if b != 0.0}
        isb, sigma = {}, {}
        if clock_prior is not None:
            for letter, value, spread in zip(systems, *clock_prior):
                if np.isfinite(value) and np.isfinite(spread):
                    isb[letter], sigma[letter] = round(float(value), 4), round(float(spread), 4)
        return cls(biases, isb, sigma, systems[0] if isb else "", source)

    def satellite_biases(self, svs) -> np.ndarray:
        """``(S,)`` code bias of each satellite in ``svs`` (0 for satellites not calibrated)."""
        return np.array([self.code_bias_m.get(str(sv), 0.0) for sv in svs], dtype=float)

    def clock_prior(self, systems):
        """``(isb_m (K,), sigma_m (K,))`` for the estimator's systems, NaN where not calibrated;
        None when fewer than two of them are (nothing to tie)."""
        value = np.array([self.isb_m.get(s, np.nan) for s in systems], dtype=float)
        sigma = np.array([self.isb_sigma_m.get(s, np.nan) for s in systems], dtype=float)
        known = np.isfinite(value) & np.isfinite(sigma)
        if known.sum() < 2:
            return None
        return np.where(known, value, np.nan), np.where(known, sigma, np.nan)
