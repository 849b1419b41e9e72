"""GLONASS and BeiDou precise clocks tied, satellite by satellite, to the broadcast code datum.

A precise clock refers to the ionosphere-free combination of the analysis centre's signals
(B1I/B3I for BeiDou) *in the analysis centre's code-bias datum*: the constant part of each
satellite's clock is not separable from the satellite's code biases, and an analysis centre
fixes it with its own conventions (its receiver-bias constraints, its datum per constellation;
SINEX BIAS format 1.00, Schaer 2016: OSBs are consistent only with the clocks of the centre that
estimated them; Montenbruck et al. 2017, ASR 59:1671, on MGEX clock and bias products). A user of the precise clock therefore needs the *same* centre's
observable-specific biases (OSB) to reach a given code; without them the broadcast TGD1 alone
does not reach the B1I code the receiver tracks.

Measured on the ESBC day (docs/precise-products.md, "Why BeiDou ..."): IAC's BeiDou clocks carry
per-satellite constants relative to the broadcast B1I datum (BDS-2 +1 ... +9.5 m, BDS-3 -2.2 ...
+0.4 m in modelled range), stable over the day (0.1 - 0.9 m scatter), and no Bias-SINEX of the
day consistent with them is available. The broadcast navigation message is the system
operator's own B1I realisation (clock af0 on B3I plus TGD1, BDS ICD B1I 5.2.4.10) and is the
datum the receiver's code actually meets, so the constant part is taken from it and the
variation within the day from the precise clock:

    shift_j = median_t[ (|x_prec - r| - P_prec) - (|x_brdc - r| - P_brdc) ]

(``P_*``: the pseudorange corrected by each ephemeris' clock, group delay and, for precise, phase
centres; ``r``: the header's approximate position; metre errors in ``r`` change the difference of
two ranges to the same satellite by millimetres). No truth coordinate enters. It applies only when
no Bias-SINEX is given (a given OSB defines the datum instead), and only to the systems whose
code datum is satellite-specific and not carried by the broadcast group delays:
- BeiDou (above);
- GLONASS: FDMA code inter-frequency biases are satellite (channel) specific and each analysis
  centre fixes them by its own convention (Wanninger 2012, GPS Solut 16:439); GRG's GLONASS clocks
  sit -2.9 ... +3.9 m per satellite from the broadcast L1 C/A datum on the ESBC day.
GPS and Galileo are left alone: their precise clocks refer to the same signal pairs as the
broadcast group delays (P1/P2 with TGD, IS-GPS-200 20.3.3.3.3.2; E1/E5a with BGD, Galileo OS SIS
ICD 5.1.5), and tying them would import the broadcast clocks' day-mean errors (measured: GPS
shifts -1.3 ... +1.7 m, and G+R+E+C worse, 0.883 vs 0.875 m).
"""

from __future__ import annotations

import numpy as np

from ..constants import C_MPS
from ..orbits import BroadcastEphemeris
from ..time import Time
from .observables import code_frequency_hz, iono_free, signal_group_delay_s

__all__ = ["ALIGNED_SYSTEMS", "MIN_CELLS", "ROW_STEP", "broadcast_clock_datum_shift"]

#: Systems whose precise clocks are tied to the broadcast code datum (see the module docstring).
ALIGNED_SYSTEMS = "RC"
#: Every ROW_STEP-th epoch enters the medians (5 min at 30 s: the GLONASS broadcast integration on
#: every observed cell would cost ~40 % of a solve; the median of a day-constant needs no more) in a file
#: of ROWS_FOR_FULL_STEP epochs or more; a shorter file samples more densely (every epoch of a one-hour file),
#: so a satellite seen for part of the hour still gets its tie (with every 10th epoch of a 120-epoch file, the
#: GLONASS satellites seen under 100 minutes kept GRG's -2.9 ... +3.9 m datum: ESBC's first hour, R, 2.02 m
#: with broadcast orbits and 4.82 m with GRG's).
ROW_STEP = 10
ROWS_FOR_FULL_STEP = 1200
#: A satellite needs this many sampled cells with both ephemerides for its median.
MIN_CELLS = 10


def broadcast_clock_datum_shift(nav, svs, t_tx, pseudorange_m, corrected_m, sat_xyz, usable, codes, approx_xyz):
    """((T, S) shift to add to the precise-corrected pseudoranges (m), {sv: shift_m}, warnings).

    ``corrected_m`` / ``sat_xyz``: precise-corrected pseudoranges and positions at transmit time;
    ``codes``: (T, S) RINEX code of each cell (``"C2I"``, ``"C2I+C6I"`` for iono-free cells).
    """
    svs = np.asarray(svs).astype(str)
    shift = np.zeros(np.shape(corrected_m))
    cols = np.flatnonzero(np.array([sv[0] in ALIGNED_SYSTEMS for sv in svs], dtype=bool))
    if cols.size == 0 or nav is None:
        return shift, {}, []
    if approx_xyz is None:
        return shift, {}, ["GLONASS/BeiDou precise clocks not tied to the broadcast datum: no approximate position in the header"]
    n_rows = np.shape(corrected_m)[0]
    step = int(np.clip(ROW_STEP * n_rows // ROWS_FOR_FULL_STEP, 1, ROW_STEP))  # a day-constant needs no 30 s sampling
    rows = np.arange(0, n_rows, step)
    grid = np.ix_(rows, cols)
    cells = np.asarray(usable)[grid] & np.isfinite(np.asarray(pseudorange_m)[grid])
    st = BroadcastEphemeris(nav).states(Time(np.asarray(t_tx)[grid]), list(svs[cols]), cells=cells)
    clock_b = st.clock_s + np.nan_to_num(st.relativity_s)
    group_b = _broadcast_group_delay_s(svs[cols], np.asarray(codes).astype(str)[grid], st.group_delay_s)
    corrected_b = np.asarray(pseudorange_m)[grid] + C_MPS * (clock_b - group_b)
    xyz_b = st.position_m - st.velocity_mps * clock_b[..., None]
    rx = np.asarray(approx_xyz, dtype=float)
    model_p = np.linalg.norm(np.asarray(sat_xyz)[grid] - rx, axis=-1) - np.asarray(corrected_m)[grid]
    model_b = np.linalg.norm(xyz_b - rx, axis=-1) - corrected_b
    difference = np.where(cells & st.valid, model_p - model_b, np.nan)
    count = np.isfinite(difference).sum(axis=0)
    with np.errstate(all="ignore"):
        median = np.where(count >= MIN_CELLS, np.nanmedian(np.where(count >= MIN_CELLS, difference, 0.0), axis=0),
                          0.0)
    shift[:, cols] = median[None, :]
    table = {str(sv): round(float(m), 3) for sv, m, n in zip(svs[cols], median, count) if n >= MIN_CELLS}
    short = [str(sv) for sv, n in zip(svs[cols], count) if 0 < n < MIN_CELLS]
    warnings = [(f"precise clock of {', '.join(short)} not tied to the broadcast datum: fewer than "
                 f"{MIN_CELLS} sampled epochs with both ephemerides")] if short else []
    return shift, table, warnings


def _broadcast_group_delay_s(svs, codes, group_delay):
    """(T, S) delay of each cell's code behind the broadcast clock, from the records the broadcast
    orbit layer selected (the same TGD/BGD the broadcast solution uses; a per-satellite median over
    the navigation file would mix Galileo F/NAV records, whose E5b/E1 BGD field is 0, with I/NAV)."""
    out = np.zeros(codes.shape)
    letters = np.array([sv[0] for sv in svs])
    for system in set(letters) - {"R"}:  # GLONASS FDMA: no broadcast group delay on L1/L2 C/A here
        for code in set(np.unique(codes[:, letters == system])) - {""}:
            cells = (codes == code) & (letters == system)[None, :]
            parts = code.split("+")
            delays = [signal_group_delay_s(system, c, group_delay, codes.shape) for c in parts]
            value = delays[0] if len(parts) == 1 else iono_free(
                delays[0], delays[1], code_frequency_hz(parts[0], system), code_frequency_hz(parts[1], system))
            out = np.where(cells, value, out)
    return out
