"""The slant ionospheric delay a dual-frequency receiver observes: a stand-in for the true ionosphere.

Used to tell product errors from ionosphere-model errors (docs/precise-products.md): the same
single-frequency solution is run with the broadcast model (Klobuchar) and with this observed delay,
for broadcast and for precise orbits and clocks alike.

Per satellite and epoch, on the first signal's frequency f1 (gamma = f1^2 / f2^2):
- code:  I_code  = (P2 - P1 - c (d2 - d1)) / (gamma - 1), d the satellites' broadcast group delays
  of the two signals (GPS TGD, Galileo BGD, BeiDou TGD1; GLONASS none: its satellite's P1-P2 bias
  stays, a per-satellite constant, unless a Bias-SINEX gives the satellites' OSBs);
- phase: I_phase = (Phi1 - Phi2) / (gamma - 1) + a, the carrier (metres) levelled to the code by
  one constant a per continuous arc (mean of I_code - I_phase over the arc): the code's noise and
  multipath averaged out, the phase's precision kept (the "carrier-levelled" delay of GIM
  processing, e.g. Ciraolo et al. 2007, J Geod 81:111).
The receiver's own P1-P2 bias is left in: one constant per system (per FDMA channel for GLONASS)
that the receiver clock of the system absorbs. An arc ends at a gap or where the geometry-free phase
jumps by more than :data:`SLIP_M` in one epoch (a cycle slip); arcs shorter than :data:`MIN_ARC`
epochs give NaN.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..constants import C_MPS
from ..positioning import observables
from ..positioning.prepare import Prepared

__all__ = [
    "MIN_ARC",
    "OBSERVED_PAIRS",
    "SLIP_M",
    "broadcast_delay_at_header_m",
    "model_delays_m",
    "observed_slant_delay_m",
    "with_observed_ionosphere",
]

#: (code 1, phase 1, code 2, phase 2) per system, in order of preference: GPS P(Y) on both carriers
#: (TGD is the P1-P2 group delay, IS-GPS-200N 20.3.3.3.3.2), Galileo E1/E5a (BGD E1/E5a, OS SIS ICD
#: 5.1.5), BeiDou B1I/B3I (TGD1, BDS-SIS-ICD-B1I 3.0 5.2.4.10), GLONASS L1/L2 C/A or P.
OBSERVED_PAIRS = {
    "G": (("C1W", "L1C", "C2W", "L2W"), ("C1C", "L1C", "C2L", "L2L")),
    "E": (("C1C", "L1C", "C5Q", "L5Q"), ("C1X", "L1X", "C5X", "L5X")),
    "C": (("C2I", "L2I", "C6I", "L6I"),),
    "R": (("C1C", "L1C", "C2C", "L2C"), ("C1P", "L1P", "C2P", "L2P")),
}
SLIP_M = 0.15  # m of I on f1 in one epoch: a 1-cycle L1 slip is >= 0.29 m (GPS), the quiet ionosphere moves mm
MIN_ARC = 10  # epochs: shorter arcs are not levelled (NaN)


def _pair_arrays(obs, svs, channels):
    """(T, S) code 1, code 2, phase 1, phase 2 (metres), f1, f2 and the codes used per column."""
    shape = (obs.sizes["time"], len(svs))
    out = {k: np.full(shape, np.nan) for k in ("p1", "p2", "l1", "l2")}
    f1, f2 = np.full(len(svs), np.nan), np.full(len(svs), np.nan)
    used = [None] * len(svs)
    index = {sv: k for k, sv in enumerate(obs["sv"].values.astype(str))}
    for j, sv in enumerate(svs):  # per column: which of two code sets this satellite has (diagnostic, once)
        channel = channels[j] if sv[0] == "R" else None
        if sv[0] == "R" and not np.isfinite(channel):
            continue
        for c1, l1, c2, l2 in OBSERVED_PAIRS.get(sv[0], ()):
            if not all(name in obs.data_vars for name in (c1, l1, c2, l2)):
                continue
            col = index[sv]
            values = [obs[name].values[:, col] for name in (c1, c2, l1, l2)]
            if not np.isfinite(values[0] + values[1] + values[2] + values[3]).any():
                continue
            f1[j] = observables.code_frequency_hz(c1, sv[0], channel)
            f2[j] = observables.code_frequency_hz(c2, sv[0], channel)
            out["p1"][:, j], out["p2"][:, j] = values[0], values[1]
            out["l1"][:, j] = values[2] * C_MPS / f1[j]
            out["l2"][:, j] = values[3] * C_MPS / f2[j]
            used[j] = (c1, c2)
            break
    return out, f1, f2, used


def _satellite_dcb_m(svs, used, group_delay, n_time):
    """(T, S) c (d2 - d1): the satellites' part of P2 - P1 from the broadcast group delays."""
    out = np.zeros((n_time, len(svs)))
    for j, sv in enumerate(svs):
        if used[j] is None:
            continue
        column = {k: v[:, j] for k, v in group_delay.items()}
        d1 = observables.signal_group_delay_s(sv[0], used[j][0], column, n_time)
        d2 = observables.signal_group_delay_s(sv[0], used[j][1], column, n_time)
        out[:, j] = C_MPS * (d2 - d1)
    return out


def _arc_ids(phase_iono_m):
    """(T, S) integer arc label per cell (-1 where no data): new arc at a gap or a jump > SLIP_M."""
    ok = np.isfinite(phase_iono_m)
    step = np.abs(np.diff(phase_iono_m, axis=0, prepend=np.nan))
    start = ok & ~(np.isfinite(step) & (step <= SLIP_M))
    n_time, n_sv = ok.shape
    label = np.cumsum(start.T.reshape(-1)).reshape(n_sv, n_time).T - 1  # arcs counted column after column
    return np.where(ok, label, -1)


def _levelled(code_iono_m, phase_iono_m):
    """Phase delay levelled to the code by its mean offset over each arc; NaN on short arcs."""
    label = _arc_ids(np.where(np.isfinite(code_iono_m), phase_iono_m, np.nan))
    cells = label >= 0
    n_arcs = int(label.max()) + 1 if cells.any() else 0
    offset = np.zeros(n_arcs)
    count = np.zeros(n_arcs)
    np.add.at(offset, label[cells], (code_iono_m - phase_iono_m)[cells])
    np.add.at(count, label[cells], 1.0)
    mean = offset / np.maximum(count, 1.0)
    long_enough = count >= MIN_ARC
    out = np.full(phase_iono_m.shape, np.nan)
    keep = cells.copy()
    keep[cells] = long_enough[label[cells]]
    out[keep] = phase_iono_m[keep] + mean[label[keep]]
    return out


def _osb_dcb_m(svs, used, bias, when):
    """(S,) c (OSB2 - OSB1) of each satellite's two codes from a Bias-SINEX table (NaN where none)."""
    from ..io.bias import code_bias_s

    first = np.array([u[0] if u else "" for u in used])
    second = np.array([u[1] if u else "" for u in used])
    return C_MPS * (code_bias_s(bias, svs, second, when) - code_bias_s(bias, svs, first, when))


def observed_slant_delay_m(obs, prep: Prepared, nav=None, bias=None) -> np.ndarray:
    """(T, S) observed slant delay (m) on each cell's frequency of ``prep`` (NaN where none).

    ``obs``: the observation Dataset ``prep`` was made from (same epochs), read with the phases of
    :data:`OBSERVED_PAIRS`; ``nav``: NavData for the satellites' group delays (None: zero);
    ``bias``: a Bias-SINEX table (``lodestar.io.bias.read_bias``) whose OSBs give the satellites'
    P1 - P2 bias where it has both codes (GLONASS has no broadcast one), else the broadcast delays.
    """
    from ..positioning.prepare import _nav_group_delays

    svs = np.asarray(prep.sv).astype(str)
    channels = np.array([prep.meta.get("glonass_channels", {}).get(sv, np.nan) for sv in svs], float)
    arrays, f1, f2, used = _pair_arrays(obs, svs, channels)
    n_time = len(prep.time)
    dcb_m = _satellite_dcb_m(svs, used, _nav_group_delays(nav, svs, n_time), n_time)
    if bias is not None:
        from ..positioning.osb import _when

        # a file of another day: its biases at its nearest instant (satellite P1-P2 biases drift by ~0.1 ns a month)
        osb_m = _osb_dcb_m(svs, used, bias, _when(bias, np.asarray(prep.time)[n_time // 2], []))
        dcb_m = np.where(np.isfinite(osb_m), osb_m, dcb_m)
    gamma_minus_1 = (f1 / f2) ** 2 - 1.0
    code_iono = (arrays["p2"] - arrays["p1"] - dcb_m) / gamma_minus_1
    phase_iono = (arrays["l1"] - arrays["l2"]) / gamma_minus_1
    iono_f1 = _levelled(code_iono, phase_iono)
    return iono_f1 * (f1 / prep.frequency_hz) ** 2  # first-order delay scales with 1/f^2


def model_delays_m(prep: Prepared, xyz_m=None, *, nequick: bool = False, nequick_mask_rad: float = 0.0):
    """((T, S) elevation rad, (T, S) broadcast Klobuchar delay m (BeiDou's own for BeiDou), (T, S) NeQuick-G
    delay m or None) of every cell seen from one fixed receiver position ``xyz_m`` (default: the header's).
    NeQuick-G (``nequick=True``) is computed above ``nequick_mask_rad`` only (0 m below)."""
    from ..frames import ecef_to_geodetic, enu_matrix
    from ..models.geometry import line_of_sight
    from ..models.ionosphere import BroadcastIonosphere

    xyz = prep.approx_xyz if xyz_m is None else xyz_m
    if xyz is None:
        raise ValueError("no APPROX POSITION XYZ in the header: the broadcast delay needs a receiver position")
    n_time = len(prep.time)
    _, los = line_of_sight(np.broadcast_to(np.asarray(xyz, float), (n_time, 3)), prep.sat_xyz)
    lat, lon, height = ecef_to_geodetic(np.asarray(xyz, float)[None])
    enu = los @ enu_matrix(lat, lon)[0].T
    elevation = np.arcsin(np.clip(enu[..., 2], -1.0, 1.0))
    azimuth = np.arctan2(enu[..., 0], enu[..., 1])
    letters = np.array([sv[0] for sv in prep.sv])
    args = (np.arange(n_time), np.full(n_time, np.radians(lat[0])), np.full(n_time, np.radians(lon[0])), azimuth,
            elevation)
    klobuchar = BroadcastIonosphere(prep.time, prep.frequency_hz, prep.iono, letters)(*args)
    if not nequick:
        return elevation, klobuchar, None
    from ..models.nequick import NeQuickIonosphere

    model = NeQuickIonosphere(prep.time, prep.frequency_hz, prep.iono, letters, prep.sat_xyz,
                              min_elevation_rad=nequick_mask_rad)
    return elevation, klobuchar, model(*args, np.full(n_time, height[0]))


def broadcast_delay_at_header_m(prep: Prepared) -> np.ndarray:
    """(T, S) broadcast-model delay (Klobuchar; BeiDou's own for BeiDou) at the header position: the
    model the solver applies, for the columns a diagnostic keeps on it (it varies by millimetres over
    the metres between the header and the solution)."""
    elevation, delay, _ = model_delays_m(prep)
    return np.where(elevation > 0, delay, np.nan)


def with_observed_ionosphere(prep: Prepared, delay_m, broadcast_systems: str = "") -> Prepared:
    """``prep`` with the observed delay taken off its pseudoranges (cells without one: unusable),
    for ``solve(..., )`` with no further ionosphere model (``iono_mode`` ``"off"``).
    ``broadcast_systems``: letters whose columns keep the broadcast model instead
    (:func:`broadcast_delay_at_header_m`), e.g. ``"RC"``: GLONASS and BeiDou, whose observed delays
    carry the receiver's per-channel and BDS-2/BDS-3 code biases."""
    if prep.iono_mode != "klobuchar":
        raise ValueError("the observed ionosphere replaces a single-frequency model: prepare with iono='klobuchar'")
    keep = np.array([sv[0] in broadcast_systems for sv in prep.sv])
    if keep.any():
        delay_m = np.where(keep[None, :], broadcast_delay_at_header_m(prep), delay_m)
    usable = prep.usable & np.isfinite(delay_m)
    return replace(prep, pseudorange_m=prep.pseudorange_m - np.nan_to_num(delay_m), usable=usable, iono_mode="off",
                   meta={**prep.meta, "ionosphere": "observed (carrier-levelled dual-frequency slant delay)"})
