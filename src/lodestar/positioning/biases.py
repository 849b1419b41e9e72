"""Code biases RTKLIB ignores, measured on the data: GLONASS per FDMA channel, BeiDou-2 vs BeiDou-3.

GLONASS FDMA signals of different frequencies pass the receiver's front end with different
group delays (inter-frequency biases, IFB): metre-level for some receivers (Wanninger 2012,
GPS Solutions 16:439; Yamada et al. 2010). Satellites sharing a channel (antipodal pairs) share
the receiver part of the bias. BeiDou-2 and BeiDou-3 B1I signals show a systematic offset of
decimetres to a metre in user receivers, from satellite and receiver hardware (Zhang et al.
2020, GPS Solutions 24:27 "BDS-2/BDS-3 ISB").

Estimation: each bias is the weighted mean post-fit residual of its group over the whole
session, minus the system's weighted mean (a bias common to a system is a receiver clock and
already estimated). The solver subtracts them and re-solves; two rounds converge (the residual
of the second round is a few cm).
"""

from __future__ import annotations

import numpy as np

__all__ = ["BDS2_MAX_PRN", "AUTO_MIN_ARC_S", "bias_groups", "estimate_group_biases", "arc_lengths_s"]

#: BeiDou-2 satellites are C01-C18 (BDS-2 constellation status, CSNO); BDS-3 from C19.
BDS2_MAX_PRN = 18


#: ``auto``: a satellite gets its own bias once its arc in the session spans this long; a shorter
#: arc cannot separate a constant bias from the position (ESBC 1-hour files: worse, see docs).
AUTO_MIN_ARC_S = 3 * 3600.0


def bias_groups(svs, glonass_channels, mode: str = "groups", arc_s=None):
    """Group label per satellite: ``R:k`` (FDMA channel), ``C:BDS-2`` / ``C:BDS-3``, ``""`` none.

    ``mode``: ``"groups"`` (the above), ``"satellite"`` (every satellite its own group: also takes
    up the session mean of broadcast clock errors), ``"auto"`` (GLONASS and BeiDou satellites
    with an arc of at least :data:`AUTO_MIN_ARC_S` on their own, the others by group; GPS and
    Galileo none: their broadcast group delays and clocks leave no bias worth a parameter),
    ``"off"``.
    """
    arc_s = np.zeros(len(svs)) if arc_s is None else np.asarray(arc_s, float)
    labels = []
    for sv, channel, arc in zip(svs, glonass_channels, arc_s):
        if mode == "off":
            labels.append("")
        elif mode == "satellite":
            labels.append(sv)
        elif mode == "auto" and sv[0] in "RC" and arc >= AUTO_MIN_ARC_S:
            labels.append(sv)
        elif sv[0] == "R":
            labels.append(f"R:{int(channel)}" if np.isfinite(channel) else "")
        elif sv[0] == "C":
            labels.append("C:BDS-2" if int(sv[1:]) <= BDS2_MAX_PRN else "C:BDS-3")
        else:
            labels.append("")
    return np.array(labels, dtype=object)


def estimate_group_biases(residual, weight, groups, system_index, outlier_sigma: float = 4.0):
    """Per-satellite bias (m) from session residuals; also returns ``{group: bias_m}``.

    Residuals whose standardized size exceeds ``outlier_sigma`` (in the current weights) are left
    out, so that a faulty satellite does not move a group's estimate.
    """
    used = (weight > 0) & np.isfinite(residual)
    used &= np.abs(np.nan_to_num(residual)) * np.sqrt(weight) < outlier_sigma
    w = np.where(used, weight, 0.0)
    wv = np.where(used, weight * np.nan_to_num(residual), 0.0)
    sum_w, sum_wv = w.sum(axis=0), wv.sum(axis=0)
    per_sv = np.zeros(len(groups))
    table = {}
    for label in sorted(set(groups) - {""}):
        cols = groups == label
        if sum_w[cols].sum() > 0:
            table[label] = float(sum_wv[cols].sum() / sum_w[cols].sum())
            per_sv[cols] = table[label]
    for k in np.unique(system_index):  # remove what the system clock absorbs
        cols = (system_index == k) & (groups != "") & (sum_w > 0)  # satellites never used keep 0
        if sum_w[cols].sum() > 0:
            mean = float((per_sv[cols] * sum_w[cols]).sum() / sum_w[cols].sum())
            per_sv[cols] -= mean
            for label in set(groups[cols]):
                if label in table:
                    table[label] -= mean
    return per_sv, table


def arc_lengths_s(used, time):
    """Per satellite, seconds between its first and last used epoch (0 if never used)."""
    used = np.asarray(used, bool)
    seconds = (np.asarray(time, dtype="datetime64[ns]") - np.asarray(time, dtype="datetime64[ns]")[0]).astype(
        np.int64) / 1e9
    first = np.where(used.any(axis=0), np.argmax(used, axis=0), 0)
    last = np.where(used.any(axis=0), used.shape[0] - 1 - np.argmax(used[::-1], axis=0), 0)
    return seconds[last] - seconds[first]
