"""GPS C/A code moved onto the P(Y) code datum of precise clocks with the receiver's own P(Y) tracking.

Precise GPS clocks refer to the ionosphere-free combination of the P(Y) codes C1W/C2W (IGS
convention; GRG's CLK header: ``CC2NONCC P1C1.DCB``, i.e. C/A observations converted to P1 with
CODE's P1-C1 biases before the clocks were estimated). A receiver tracking C1C differs from C1W by
the satellite's P1-C1 code bias (decimetres to a metre, satellite-specific: Schaer & Steigenberger
2006, "Determination and use of GPS differential code bias values", IGS Workshop, Darmstadt; the IGS
converts C/A receivers' data with J. Ray's CC2NONCC) plus a receiver part common to every satellite
(taken up by the receiver clock). When the same receiver also tracks the reference code, the satellite part is measured
directly: per satellite, the session median of ``C1W - C1C`` (same carrier, same antenna: no
ionosphere, the same multipath to first order) is added to the C1C cells, so they meet the precise
clock's datum with C1C's lower noise. ``C2L``/``C2X`` cells (iono-free pairs without C2W) are moved
onto ``C2W`` alike. Without both codes the cell is left as it is (and said so in the metadata).

It replaces nothing the broadcast path does (LNAV users of C/A apply TGD only, IS-GPS-200 20.3.3.3.3.2)
and is not used with ``--bias``: a Bias-SINEX's OSBs define the code datum then (``osb.py``).
Measured on the ESBC day (docs/precise-products.md): C1W - C1C per satellite -0.27 ... -1.39 m.
"""

from __future__ import annotations

import numpy as np

from ..models.phase_center import if_coefficients

__all__ = ["MIN_SAMPLES", "REFERENCE_CODE", "observed_reference_shift"]

#: Code -> the precise clocks' reference code of the same band, measured on the same receiver.
REFERENCE_CODE = {"G": {"C1C": "C1W", "C2L": "C2W", "C2X": "C2W"}}
#: A satellite needs this many epochs with both codes for its median (10 min at 30 s).
MIN_SAMPLES = 20


def _median_difference(obs, svs, code, reference) -> np.ndarray:
    """(S,) session median of reference - code per satellite (NaN with too few common epochs)."""
    out = np.full(len(svs), np.nan)
    if code not in obs.data_vars or reference not in obs.data_vars:
        return out
    all_svs = list(np.asarray(obs["sv"].values).astype(str))
    cols = [all_svs.index(sv) for sv in svs]
    difference = obs[reference].values[:, cols] - obs[code].values[:, cols]
    enough = np.isfinite(difference).sum(axis=0) >= MIN_SAMPLES
    if enough.any():
        out[enough] = np.nanmedian(difference[:, enough], axis=0)
    return out


def observed_reference_shift(obs, svs, codes):
    """((T, S) metres to add to each cell's pseudorange, {code: {sv: shift_m}}, [svs left as they are]).

    ``codes``: (T, S) RINEX code per cell (``"C1C"``, ``"C1C+C2W"`` for iono-free cells).
    """
    svs = np.asarray(svs).astype(str)
    codes = np.asarray(codes).astype(str)
    shift = np.zeros(codes.shape)
    table, missing = {}, set()
    letters = np.array([sv[0] for sv in svs])
    for system, references in REFERENCE_CODE.items():
        cols = np.flatnonzero(letters == system)
        if cols.size == 0:
            continue
        medians = {code: _median_difference(obs, svs[cols], code, ref) for code, ref in references.items()}
        for code in set(np.unique(codes[:, cols])) - {""}:
            parts = code.split("+")
            values = [medians.get(part, np.zeros(cols.size)) for part in parts]  # a reference code: 0
            if len(parts) == 2:
                a1, a2 = if_coefficients(system, parts[0][1], parts[1][1])
                value = a1 * np.nan_to_num(values[0]) + a2 * np.nan_to_num(values[1])
                unknown = np.isnan(values[0]) | np.isnan(values[1])
            else:
                value, unknown = np.nan_to_num(values[0]), np.isnan(values[0])
            cells = codes[:, cols] == code
            shift[:, cols] = np.where(cells, value[None, :], shift[:, cols])
            used = cells.any(axis=0)
            for part in parts:
                if part in medians:
                    table.setdefault(part, {}).update(
                        {str(sv): round(float(m), 3) for sv, m, u in zip(svs[cols], medians[part], used)
                         if u and np.isfinite(m)})
            missing.update(str(sv) for sv in svs[cols][used & unknown])
    return shift, table, sorted(missing)
