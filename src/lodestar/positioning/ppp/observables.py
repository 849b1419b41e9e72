"""Dual-frequency code and phase per satellite, in metres, on the signals the precise clocks use.

Per satellite (not per epoch: one arc never mixes signals) the first code / phase of each band's
list that carries at least 80 % of the most-tracked candidate's observations is taken:

- GPS L1/L2: ``C1W`` (P(Y), the IGS clock reference) else ``C1C``; ``C2W`` else ``C2L``/``C2X``.
- GLONASS G1/G2 on each satellite's FDMA frequency: ``C1P``/``C1C``, ``C2P``/``C2C``.
- Galileo E1/E5a: ``C1C``/``C1X``, ``C5Q``/``C5X`` (the MGEX clock reference).
- BeiDou B1I/B3I for BDS-2 and BDS-3: ``C2I``, ``C6I`` (the MGEX/IGS clock reference).

Phases come from the same bands (a quarter-cycle difference between tracking modes is constant
over an arc and absorbed by the float ambiguity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...constants import C_MPS, frequency_hz
from ...errors import LodestarError
from ...io.bias import code_bias_s

__all__ = ["SIGNALS", "DualFrequency", "candidate_codes", "check_phase_present", "if_coefficients",
           "select_dual_frequency"]

#: (code list band 1, code list band 2) per system; phases use the same attribute letters (L...).
SIGNALS = {
    "G": (("C1W", "C1C", "C1X"), ("C2W", "C2L", "C2X")),
    "R": (("C1P", "C1C"), ("C2P", "C2C")),
    "E": (("C1C", "C1X"), ("C5Q", "C5X")),
    "C": (("C2I", "C1I"), ("C6I",)),
}
_PHASES = {
    "G": (("L1C", "L1W", "L1X"), ("L2W", "L2L", "L2X")),
    "R": (("L1C", "L1P"), ("L2P", "L2C")),
    "E": (("L1C", "L1X"), ("L5Q", "L5X")),
    "C": (("L2I", "L1I"), ("L6I",)),
}
_SHARE_OF_BEST = 0.8  # a preferred signal is kept if it has >= 80 % of the best candidate's data


@dataclass(frozen=True, eq=False)
class DualFrequency:
    """(T, S) arrays of one satellite set: codes and phases in metres, frequencies, LLI."""

    sv: np.ndarray
    p1_m: np.ndarray
    p2_m: np.ndarray
    l1_m: np.ndarray
    l2_m: np.ndarray
    f1_hz: np.ndarray  # (S,)
    f2_hz: np.ndarray  # (S,)
    lli: np.ndarray  # (T, S) bool: loss-of-lock indicator set on either phase
    signals: dict  # sv -> "C1W/C2W L1C/L2W"

    @property
    def usable(self) -> np.ndarray:
        return np.isfinite(self.p1_m) & np.isfinite(self.p2_m) & np.isfinite(self.l1_m) & np.isfinite(self.l2_m)


def if_coefficients(f1_hz, f2_hz):
    """(a1, a2) with IF = a1 X1 - a2 X2: a1 = f1^2 / (f1^2 - f2^2), a2 = f2^2 / (f1^2 - f2^2)."""
    g1, g2 = np.asarray(f1_hz) ** 2, np.asarray(f2_hz) ** 2
    return g1 / (g1 - g2), g2 / (g1 - g2)


def candidate_codes(systems: str) -> set[str]:
    """Every observation code :func:`select_dual_frequency` may take for ``systems`` (e.g. "RC")."""
    return {name for system in systems if system in SIGNALS
            for bands in (SIGNALS[system], _PHASES[system]) for band in bands for name in band}


def _pick(obs, column: int, names) -> str | None:
    """``obs``: {observation code: (T, all satellites) array} of the candidates present."""
    counts = [(name, int(np.isfinite(obs[name][:, column]).sum()) if name in obs else 0) for name in names]
    best = max(c for _, c in counts)
    if best == 0:
        return None
    return next(name for name, c in counts if c >= _SHARE_OF_BEST * best)


def select_dual_frequency(obs, svs, glonass_channels: dict) -> DualFrequency:
    """Codes and phases (m) of ``svs`` from a RINEX observation Dataset; NaN where not tracked."""
    all_svs = list(np.asarray(obs["sv"].values).astype(str))
    wanted = candidate_codes("".join({str(sv)[0] for sv in svs}))
    values = {name: obs[name].values for name in wanted if name in obs.data_vars}  # one xarray lookup each
    flags = {name: obs[f"{name}_lli"].values for name in wanted if f"{name}_lli" in obs.data_vars}
    n_t, n_s = obs.sizes["time"], len(svs)
    arrays = {k: np.full((n_t, n_s), np.nan) for k in ("p1", "p2", "l1", "l2")}
    lli = np.zeros((n_t, n_s), bool)
    f1, f2 = np.full(n_s, np.nan), np.full(n_s, np.nan)
    signals = {}
    for j, sv in enumerate(svs):
        system, col = sv[0], all_svs.index(sv)
        channel = glonass_channels.get(sv) if system == "R" else None
        if system == "R" and channel is None:
            continue  # FDMA frequency unknown: the satellite cannot be used
        names = [_pick(values, col, SIGNALS[system][0]), _pick(values, col, SIGNALS[system][1]),
                 _pick(values, col, _PHASES[system][0]), _pick(values, col, _PHASES[system][1])]
        if None in names:
            continue
        f1[j] = frequency_hz(system, names[0][1], channel)
        f2[j] = frequency_hz(system, names[1][1], channel)
        arrays["p1"][:, j] = values[names[0]][:, col]
        arrays["p2"][:, j] = values[names[1]][:, col]
        arrays["l1"][:, j] = values[names[2]][:, col] * C_MPS / f1[j]
        arrays["l2"][:, j] = values[names[3]][:, col] * C_MPS / f2[j]
        for name in names[2:]:
            flag = flags.get(name)
            if flag is not None:
                lli[:, j] |= (flag[:, col] > 0) & ((flag[:, col] & 1) == 1)
        signals[sv] = f"{names[0]}/{names[1]} {names[2]}/{names[3]}"
    return DualFrequency(np.asarray(svs), arrays["p1"], arrays["p2"], arrays["l1"], arrays["l2"], f1, f2, lli, signals)


def check_phase_present(obs, systems: str) -> None:
    """PPP needs carrier phase on two frequencies: say so clearly when the file has none."""
    codes = obs.attrs.get("obs_codes") or {}
    where = obs.attrs.get("path", "the observations")
    phases = {s: [c for c in codes.get(s, []) if c.startswith("L")] for s in systems}
    if not any(phases.values()):
        raise LodestarError(f"{where} has no carrier-phase observations for {'+'.join(systems)}: "
                            "PPP needs dual-frequency code and phase (use `lodestar solve` for code-only positioning)")
    bands = {s: {c[1] for c in p} for s, p in phases.items()}
    if all(len(b) < 2 for b in bands.values()):
        raise LodestarError(f"{where} tracks a single frequency ({', '.join(f'{s}: L{sorted(b)}' for s, b in bands.items() if b)}): "
                            "ionosphere-free PPP needs two frequencies per satellite")


#: The code pair each system's precise clocks refer to (IGS/MGEX convention) when the Bias-SINEX
#: file does not say (its BIAS/DESCRIPTION SATELLITE_CLOCK_REFERENCE_OBSERVABLES wins).
CLOCK_REFERENCE = {"G": ("C1W", "C2W"), "R": ("C1P", "C2P"), "E": ("C1C", "C5Q"), "C": ("C2I", "C6I")}


def code_bias_corrections_m(tables, dual, when) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-satellite corrections (m) to subtract from P1 and P2: OSB(used code) - OSB(clock reference
    code of the band), i.e. the differential bias that makes a C1C (or C2C, C1X...) code consistent
    with clocks made from C1W/C2W (C1P/C2P, ...). Bias-SINEX convention: corrected = observed - c OSB
    (Schaer 2016). Zero where a code is the reference or the file lacks a value ({sv: why} noted)."""
    n = len(dual.sv)
    d1, d2 = np.zeros(n), np.zeros(n)
    missing = {}
    for table in tables:
        reference = {**CLOCK_REFERENCE, **{k: tuple(v[:2]) for k, v in (table.attrs.get("clock_reference") or {}).items()
                                             if len(v) >= 2}}
        for band, out in ((0, d1), (1, d2)):
            used = np.array([dual.signals.get(sv, " / ").split()[0].split("/")[band] for sv in dual.sv])
            ref = np.array([reference.get(sv[0], ("", ""))[band] for sv in dual.sv])
            differ = used != ref
            if not differ.any():
                continue
            osb_used = code_bias_s(table, dual.sv, used, when)
            osb_ref = code_bias_s(table, dual.sv, ref, when)
            value = (osb_used - osb_ref) * C_MPS
            ok = differ & np.isfinite(value) & (out == 0.0)
            out[ok] = value[ok]
            for j in np.flatnonzero(differ & ~np.isfinite(value)):
                missing[str(dual.sv[j])] = f"no OSB valid at {str(when)[:19]} for {used[j]} or {ref[j]}"
    return d1, d2, missing
