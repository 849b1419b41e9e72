"""Dual-frequency code and phase per satellite, in metres, on the signals the precise clocks use.

Per satellite (not per epoch: one arc never mixes signals) the first code / phase of each band's
list that carries at least 80 % of the most-tracked candidate's observations is taken:

- GPS L1/L2: ``C1W`` (P(Y), the IGS clock reference) else ``C1C``; ``C2W`` else ``C2L``/``C2X``.
- GLONASS G1/G2 on each satellite's FDMA frequency: ``C1P``/``C1C``, ``C2P``/``C2C``.
- Galileo E1/E5a: ``C1C``/``C1X``, ``C5Q``/``C5X`` (the MGEX clock reference).
- BeiDou B1I/B3I for BDS-2 and BDS-3: ``C2I``, ``C6I`` (the MGEX/IGS clock reference). As an option
  (``bds3_signals="b1c-b2a"``) BDS-3 MEO/IGSO take B1C (1575.42 MHz, ``C1X``/``C1P``/``C1D``) and
  B2a (1176.45 MHz, ``C5X``/``C5P``/``C5D``) where tracked (BDS-SIS-ICD-B1C 1.0, -B2a 1.0; RINEX 3.05
  table 13); BDS-2 and satellites without both signals stay on B1I/B3I. The clocks still refer to
  B1I/B3I: the B1C/B2a IF code is off each satellite's clock by its differential code bias (Bias-SINEX
  OSB: :func:`code_bias_corrections_m`; else the filter's per-satellite code-bias states) and off the
  receiver's B1I/B3I code by a receiver inter-signal bias (a filter state, :mod:`.filter`).
- RINEX 3.02 wrote B1I as ``C1I``/``L1I`` (band 1; renamed ``C2I`` in RINEX 3.03, section 5.12):
  those codes are B1I, 1561.098 MHz, never B1C.

Phases come from the same bands (a quarter-cycle difference between tracking modes is constant
over an arc and absorbed by the float ambiguity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...constants import C_MPS, frequency_hz
from ...errors import LodestarError
from ...io.bias import code_bias_s
from .constellation import is_bds3

__all__ = ["BDS3_SIGNAL_OPTIONS", "CLOCK_REFERENCE", "SIGNALS", "SIGNALS_BDS3_B1C_B2A", "DualFrequency",
           "candidate_codes", "check_phase_present", "code_bias_corrections_m", "if_coefficients",
           "select_dual_frequency", "signal_band"]

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
#: BDS-3 B1C (band 1) and B2a (band 5), RINEX 3.05 table 13: X = data + pilot, P = pilot, D = data.
SIGNALS_BDS3_B1C_B2A = (("C1X", "C1P", "C1D"), ("C5X", "C5P", "C5D"))
_PHASES_BDS3_B1C_B2A = (("L1X", "L1P", "L1D"), ("L5X", "L5P", "L5D"))
#: ``bds3_signals`` values: the BDS-3 pair in the IF combination.
BDS3_SIGNAL_OPTIONS = ("b1i-b3i", "b1c-b2a")
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
    def codes(self) -> np.ndarray:
        """(S, 2) the code observed on each band ("" for a satellite not used)."""
        return np.array([self.signals.get(str(sv), " / ").split()[0].split("/") for sv in self.sv]).reshape(-1, 2)

    @property
    def bands(self) -> np.ndarray:
        """(S, 2) RINEX band digits of the frequencies used (BeiDou ``C1I`` -> "2"); "" unused."""
        return _bands_of(self.sv, self.codes)

    @property
    def usable(self) -> np.ndarray:
        return np.isfinite(self.p1_m) & np.isfinite(self.p2_m) & np.isfinite(self.l1_m) & np.isfinite(self.l2_m)


def if_coefficients(f1_hz, f2_hz):
    """(a1, a2) with IF = a1 X1 - a2 X2: a1 = f1^2 / (f1^2 - f2^2), a2 = f2^2 / (f1^2 - f2^2)."""
    g1, g2 = np.asarray(f1_hz) ** 2, np.asarray(f2_hz) ** 2
    return g1 / (g1 - g2), g2 / (g1 - g2)


def _bands_of(svs, codes) -> np.ndarray:
    """(S, 2) :func:`signal_band` of each satellite's two codes ("" where there is none)."""
    return np.array([[signal_band(str(sv)[0], c) if c else "" for c in pair] for sv, pair in zip(svs, codes)],
                    dtype=object).reshape(len(svs), 2)


def signal_band(system: str, code: str) -> str:
    """RINEX band digit of the carrier an observation code is on: BeiDou ``C1I``/``L1I`` (RINEX 3.02's B1I)
    are band "2" (1561.098 MHz); every other code its own digit."""
    return "2" if system == "C" and code[1:3] == "1I" else code[1]


def candidate_codes(systems: str, bds3_signals: str = "b1i-b3i") -> set[str]:
    """Every observation code :func:`select_dual_frequency` may take for ``systems`` (e.g. "RC")."""
    tables = [(SIGNALS[s], _PHASES[s]) for s in systems if s in SIGNALS]
    if "C" in systems and bds3_signals == "b1c-b2a":
        tables.append((SIGNALS_BDS3_B1C_B2A, _PHASES_BDS3_B1C_B2A))
    return {name for pair in tables for bands in pair for band in bands for name in band}


def _signal_lists(sv: str, bds3_signals: str):
    """[(code lists, phase lists)] to try in order for ``sv``: BDS-3 on B1C/B2a first when asked."""
    default = (SIGNALS[sv[0]], _PHASES[sv[0]])
    if bds3_signals == "b1c-b2a" and is_bds3(sv):
        return [(SIGNALS_BDS3_B1C_B2A, _PHASES_BDS3_B1C_B2A), default]
    return [default]


def _pick(obs, column: int, names) -> str | None:
    """``obs``: {observation code: (T, all satellites) array} of the candidates present."""
    counts = [(name, int(np.isfinite(obs[name][:, column]).sum()) if name in obs else 0) for name in names]
    best = max(c for _, c in counts)
    if best == 0:
        return None
    return next(name for name, c in counts if c >= _SHARE_OF_BEST * best)


def _choose(values, column: int, options) -> list[str] | None:
    """[code 1, code 2, phase 1, phase 2] of the first option (signal pair) whose four series are all there
    at >= 80 % of the epochs the best option has (a BDS-3 satellite tracked on B1C/B2a for a few minutes
    only stays on B1I/B3I); None if no option has all four."""
    found = []
    for codes, phases in options:
        names = [_pick(values, column, codes[0]), _pick(values, column, codes[1]),
                 _pick(values, column, phases[0]), _pick(values, column, phases[1])]
        if None not in names:
            joint = np.logical_and.reduce([np.isfinite(values[name][:, column]) for name in names])
            found.append((names, int(joint.sum())))
    if not found:
        return None
    best = max(count for _, count in found)
    return next(names for names, count in found if count >= _SHARE_OF_BEST * best)


def select_dual_frequency(obs, svs, glonass_channels: dict, bds3_signals: str = "b1i-b3i") -> DualFrequency:
    """Codes and phases (m) of ``svs`` from a RINEX observation Dataset; NaN where not tracked.

    ``bds3_signals``: "b1i-b3i" (default) or "b1c-b2a" (BDS-3 satellites tracking both B1C and B2a code
    and phase use them; the others stay on B1I/B3I)."""
    if bds3_signals not in BDS3_SIGNAL_OPTIONS:
        raise LodestarError(f"bds3_signals must be one of {', '.join(BDS3_SIGNAL_OPTIONS)}, not {bds3_signals!r}")
    all_svs = list(np.asarray(obs["sv"].values).astype(str))
    wanted = candidate_codes("".join({str(sv)[0] for sv in svs}), bds3_signals)
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
        names = _choose(values, col, _signal_lists(sv, bds3_signals))
        if names is None:
            continue
        f1[j] = frequency_hz(system, signal_band(system, names[0]), channel)
        f2[j] = frequency_hz(system, signal_band(system, names[1]), channel)
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
        tracked = ", ".join(f"{s}: {'/'.join('L' + band for band in sorted(b))} only" for s, b in bands.items() if b)
        raise LodestarError(f"{where} tracks a single frequency ({tracked}): "
                            "ionosphere-free PPP needs two frequencies per satellite")


#: The code pair each system's precise clocks refer to (IGS/MGEX convention) when the Bias-SINEX
#: file does not say (its BIAS/DESCRIPTION SATELLITE_CLOCK_REFERENCE_OBSERVABLES wins).
CLOCK_REFERENCE = {"G": ("C1W", "C2W"), "R": ("C1P", "C2P"), "E": ("C1C", "C5Q"), "C": ("C2I", "C6I")}


def code_bias_corrections_m(tables, dual, when) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-satellite corrections (m) to subtract from P1 and P2 so that the IF code of the pair used is
    consistent with clocks made from the reference pair (Bias-SINEX convention: corrected = observed -
    c OSB, Schaer 2016). ``when``: one lookup time, or one per table (a file's nearest covered instant).

    - Each band on its reference's frequency (C1C for C1W, C2C for C2P, C1I for C2I ...): the band's
      differential bias OSB(used) - OSB(reference code of the band).
    - Another frequency pair (BDS-3 B1C/B2a against B1I/B3I clocks): OSB(used_k) - OSB_IF(reference)
      on each band k; since a1 - a2 = 1 the IF code then carries a1 OSB(u1) - a2 OSB(u2) - OSB_IF(ref),
      the satellite's IF differential code bias (OSB_IF(ref) = a1 OSB(r1) - a2 OSB(r2), ~0 by the file's
      own clock-reference convention).

    Zero where a code is the reference or the file lacks a value ({sv: why} noted)."""
    n = len(dual.sv)
    d1, d2 = np.zeros(n), np.zeros(n)
    done = np.zeros(n, bool)
    missing = {}
    times = list(when) if isinstance(when, (list, tuple)) else [when] * len(tables)
    used = dual.codes
    used_band = _bands_of(dual.sv, used)
    for table, at in zip(tables, times):
        reference = {**CLOCK_REFERENCE, **{k: tuple(v[:2]) for k, v in (table.attrs.get("clock_reference") or {}).items()
                                             if len(v) >= 2}}
        ref = np.array([reference.get(str(sv)[0], ("", "")) for sv in dual.sv]).reshape(n, 2)
        ref_band = _bands_of(dual.sv, ref)
        same_freq = np.all(used_band == ref_band, axis=1)
        todo = ~done & np.any(used != ref, axis=1) & np.all(ref != "", axis=1)
        if not todo.any():
            continue
        osb = {key: code_bias_s(table, dual.sv, codes, at) * C_MPS
               for key, codes in (("u1", used[:, 0]), ("u2", used[:, 1]), ("r1", ref[:, 0]), ("r2", ref[:, 1]))}
        ref_if = _reference_if_m(dual.sv, ref_band, osb["r1"], osb["r2"])
        c1 = np.where(same_freq, np.where(used[:, 0] == ref[:, 0], 0.0, osb["u1"] - osb["r1"]), osb["u1"] - ref_if)
        c2 = np.where(same_freq, np.where(used[:, 1] == ref[:, 1], 0.0, osb["u2"] - osb["r2"]), osb["u2"] - ref_if)
        ok = todo & np.isfinite(c1) & np.isfinite(c2)
        d1[ok], d2[ok] = c1[ok], c2[ok]
        done |= ok
        for j in np.flatnonzero(todo & ~ok):
            missing[str(dual.sv[j])] = (f"no OSB valid at {str(at)[:19]} for one of {used[j, 0]} {used[j, 1]} "
                                        f"{ref[j, 0]} {ref[j, 1]}")
    for sv in dual.sv[done]:
        missing.pop(str(sv), None)  # a later file served it
    return d1, d2, missing


def _reference_if_m(svs, ref_band, osb1_m, osb2_m) -> np.ndarray:
    """(S,) IF combination a1 OSB(r1) - a2 OSB(r2) of each satellite's clock-reference pair (m); NaN for
    GLONASS (FDMA: never needed, its pairs stay on their reference frequencies)."""
    def freq(band_column):
        return np.array([frequency_hz(str(sv)[0], b) if b and str(sv)[0] != "R" else np.nan
                         for sv, b in zip(svs, band_column)])
    a1, a2 = if_coefficients(freq(ref_band[:, 0]), freq(ref_band[:, 1]))
    return a1 * osb1_m - a2 * osb2_m
