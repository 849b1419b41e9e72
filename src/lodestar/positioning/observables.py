"""Which code observation each satellite contributes, and the ionosphere-free combination.

Per epoch and satellite the first available code of the system's priority list is taken (codes
are never mixed *within* one satellite's value; a satellite switching codes is rare and costs at
most the decimetre-level code-to-code bias). Defaults (override with ``priority=``):

- GPS ``C1C`` (L1 C/A, the signal the broadcast TGD refers users to), then ``C1W``, ``C1X``.
- GLONASS ``C1C`` then ``C1P``: L1 on the satellite's own FDMA frequency 1602 + 0.5625 k MHz.
- Galileo ``C1C`` then ``C1X`` (E1).
- BeiDou ``C2I`` then ``C2X`` (B1I, 1561.098 MHz: the only open signal of BDS-2 *and* BDS-3 and
  the reference of the broadcast Klobuchar model), then ``C6I`` (B3I) and ``C7I`` (B2I).

Dual-frequency ionosphere-free pairs (``IFLC_PAIRS``): GPS L1/L2, GLONASS L1/L2 (FDMA, each
satellite's own channel), Galileo E1/E5a, BeiDou B1I/B3I.
"""

from __future__ import annotations

import numpy as np

from ..constants import frequency_hz

__all__ = [
    "DEFAULT_PRIORITY", "IFLC_PAIRS", "select_codes", "iono_free", "code_frequency_hz", "signal_group_delay_s",
]

DEFAULT_PRIORITY = {
    "G": ("C1C", "C1W", "C1X"),
    "R": ("C1C", "C1P"),
    "E": ("C1C", "C1X"),
    "C": ("C2I", "C2X", "C6I", "C7I"),
    "J": ("C1C", "C1X"),
}
IFLC_PAIRS = {
    "G": (("C1C", "C1W"), ("C2W", "C2L", "C2X")),
    "R": (("C1C", "C1P"), ("C2C", "C2P")),
    "E": (("C1C", "C1X"), ("C5Q", "C5X")),
    "C": (("C2I", "C2X"), ("C6I", "C6X", "C7I")),  # B3I; B2I where a receiver tracks no B3I
}


def select_codes(obs, svs, priority_by_system):
    """``(T, S)`` pseudoranges and ``(T, S)`` carrier frequencies (Hz) for ``svs`` (whole arrays, no per-epoch loop)."""
    n_time = obs.sizes["time"]
    sv_all = list(obs["sv"].values)
    columns = np.array([sv_all.index(sv) for sv in svs])
    values = np.full((n_time, len(svs)), np.nan)
    code_name = np.full((n_time, len(svs)), "", dtype=object)
    by_system = {}
    for j, sv in enumerate(svs):
        by_system.setdefault(sv[0], []).append(j)
    for system, cols in by_system.items():
        cols = np.array(cols)
        for code in priority_by_system.get(system, ()):
            if code not in obs.data_vars:
                continue
            candidate = obs[code].values[:, columns[cols]]
            take = np.isnan(values[:, cols]) & np.isfinite(candidate)
            block = values[:, cols]
            block[take] = candidate[take]
            values[:, cols] = block
            names = code_name[:, cols]
            names[take] = code
            code_name[:, cols] = names
    return values, code_name


def iono_free(p1, p2, f1, f2):
    """(f1^2 P1 - f2^2 P2) / (f1^2 - f2^2): first-order ionosphere removed, noise x ~3."""
    g1, g2 = np.asarray(f1) ** 2, np.asarray(f2) ** 2
    return (g1 * p1 - g2 * p2) / (g1 - g2)


def code_frequency_hz(code: str, system: str, glonass_channel=None):
    """Carrier frequency of a RINEX 3 code (``C1C`` -> band ``1``)."""
    return frequency_hz(system, code[1], glonass_channel)


def signal_group_delay_s(system: str, code: str, group_delay: dict, shape):
    """Delay ``d`` of a signal behind the broadcast clock's reference: ``dts_signal = dts - d``.

    GPS (IS-GPS-200N 20.3.3.3.3.2): L1 TGD, L2 gamma TGD, gamma = (77/60)^2.
    BeiDou (BDS-SIS-ICD-B1I 3.0 §5.2.4.10, clock referenced to B3I): B1I TGD1, B2I TGD2, B3I 0.
    Galileo (OS SIS ICD §5.1.5), clocks from I/NAV as the orbit layer selects them.
    GLONASS: no broadcast group delay for L1 C/A in the FDMA message used here: 0.
    """
    zero = np.zeros(shape)
    band = code[1]
    if system in ("G", "J"):
        tgd = np.nan_to_num(group_delay.get("tgd_s", zero))
        return {"1": tgd, "2": (77.0 / 60.0) ** 2 * tgd, "5": zero}.get(band, zero)
    if system == "C":
        if band == "2":
            return np.nan_to_num(group_delay.get("tgd1_s", zero))
        if band == "7":
            return np.nan_to_num(group_delay.get("tgd2_s", zero))
        return zero
    if system == "E":
        # I/NAV clocks (E1/E5b reference): E1 = BGD_b; E5a = BGD_b - BGD_a + (f1/f5a)^2 BGD_a,
        # from dts_F/NAV = dts_I/NAV - BGD_b + BGD_a (both give the same E1 clock).
        bgd_a = np.nan_to_num(group_delay.get("bgd_e5a_e1_s", zero))
        bgd_b = np.nan_to_num(group_delay.get("bgd_e5b_e1_s", zero))
        return {"1": bgd_b, "5": bgd_b - bgd_a + (1575.42 / 1176.45) ** 2 * bgd_a}.get(band, zero)
    return zero
