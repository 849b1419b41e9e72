"""Antenna phase centres for the ionosphere-free PPP model, from :mod:`lodestar.models.phase_center`.

Satellites: IF offset in the body frame (per system's band pair) and the IF nadir-dependent PCV
(ANTEX only). Satellites with no offset from any source are not used (never a silent zero).
Receiver: north/east/up offsets of the two bands per system (GPS fallback for frequencies the
calibration lacks, as IGS processing does), combined with each satellite's own IF coefficients
(GLONASS FDMA), plus the IF PCV by elevation/azimuth. No calibration found: the run goes on with
the antenna delta only, warns, and says so (heights are then biased by the IF PCO, ~4-20 cm).
"""

from __future__ import annotations

import re

import numpy as np

from ...models.phase_center import PhaseCentres
from .constellation import BDS2_IGSO, BDS2_MEO
from .observables import if_coefficients

__all__ = [
    "BANDS",
    "antenna_model_mismatch",
    "receiver_model_mismatch",
    "phase_centres",
    "receiver_offsets_enu_m",
    "receiver_pcv_if_m",
    "satellite_offsets",
    "satellite_pcv_if_m",
]

#: MGEX conventional BeiDou-2 IGSO/MEO offset (x, y, z) m, the same on B1/B2/B3 (Montenbruck et al.
#: 2017, "The Multi-GNSS Experiment (MGEX) of the IGS", Adv. Space Res. 59:1671, conventional
#: satellite PCOs; igs14.atx BEIDOU-2I/2M entries). Used only where no ANTEX/SINEX/published value
#: exists, and said in the provenance. A z error moves the range by dz cos(nadir) (nadir <= 14 deg):
#: ~97 % of it goes into the receiver clock. Not yet checked against a text of the paper or of an igs14.atx
#: BEIDOU-2I/2M block (IGSMAIL-7308/7361 say BDS-2 satellites entered igs08.atx "with conventional MGEX
#: phase center offset values" without quoting them), so it stays here rather than in models/published_pco.py.
BDS2_CONVENTIONAL_PCO_M = (0.600, 0.000, 1.100)
#: RINEX band digits of the IF pair per system (the signals of the precise clocks); a satellite on
#: another pair (BDS-3 B1C/B2a) is given its own bands, (S, 2), by the caller.
BANDS = {"G": ("1", "2"), "R": ("1", "2"), "E": ("1", "5"), "C": ("2", "6")}


def _bands(svs, bands=None) -> np.ndarray:
    """(S, 2) band digits per satellite: ``bands`` where given (non-empty), else the system's pair."""
    default = np.array([BANDS[str(sv)[0]] for sv in svs], dtype=object).reshape(len(svs), 2)
    if bands is None:
        return default
    given = np.asarray(bands, dtype=object).reshape(len(svs), 2)
    return np.where(given == "", default, given)


def _groups(pairs):
    """[((b1, b2), column mask)] for each distinct band pair (a few)."""
    keys = sorted({tuple(p) for p in pairs})
    return [(key, np.all(pairs == np.array(key, dtype=object), axis=1)) for key in keys]


def phase_centres(antex, sinex) -> PhaseCentres:
    as_list = lambda v: [] if v is None else ([v] if isinstance(v, (str, bytes)) or hasattr(v, "__fspath__") else list(v))
    return PhaseCentres(antex=as_list(antex), sinex=as_list(sinex))


def satellite_offsets(pc, svs, when, bands=None):
    """(S, 3) IF body-frame offsets (NaN unknown), the SatelliteAntennas object, {sv: provenance}.

    ``bands``: (S, 2) band digits per satellite (default: the system's clock pair). A satellite on
    another pair whose source has no offsets for those bands (e.g. a published IF value of B1I/B3I only)
    takes the clock pair's IF offset, said in its provenance: for BDS-3 CAST MEO, whose per-frequency CSNO
    values exist, the two IF offsets differ by 5 cm in z (B1C/B2a 1.952 m, B1I/B3I 2.004 m), ~97 % of
    which a receiver clock absorbs (nadir <= 14 deg)."""
    sat = pc.satellites(list(svs), when)
    pairs = _bands(svs, bands)
    out = np.full((len(svs), 3), np.nan)
    for (b1, b2), cols in _groups(pairs):
        out[cols] = sat.pco_if_body_m(b1, b2)[cols]
    provenance = sat.provenance()
    clock_pair = _bands(svs)
    fallback = ~np.all(np.isfinite(out), axis=1) & np.any(pairs != clock_pair, axis=1)
    for (b1, b2), cols in _groups(clock_pair[fallback]):
        index = np.flatnonzero(fallback)[cols]
        out[index] = sat.pco_if_body_m(b1, b2)[index]
        for j in index[np.all(np.isfinite(out[index]), axis=1)]:
            sv = str(svs[j])
            provenance[sv] = {**provenance.get(sv, {}), "note": f"{provenance.get(sv, {}).get('note', '')}; no offsets "
                              f"for bands {'/'.join(pairs[j])}: the {b1}/{b2} IF offset used for them"}
    for j, sv in enumerate(svs):
        if sv in BDS2_IGSO | BDS2_MEO and not np.all(np.isfinite(out[j])):
            out[j] = BDS2_CONVENTIONAL_PCO_M
            provenance[sv] = {**provenance.get(sv, {}), "source": "mgex-conventional",
                              "note": "MGEX conventional BeiDou-2 offset (0.6, 0, 1.1) m (Montenbruck et al. 2017)"}
    return out, sat, provenance


def satellite_pcv_if_m(sat, svs, nadir_rad, f1_hz, f2_hz, bands=None):
    """(T, S) IF satellite PCV (m; zero where the source has none)."""
    a1, a2 = if_coefficients(f1_hz, f2_hz)
    out = np.zeros(np.shape(nadir_rad))
    for (b1, b2), cols in _groups(_bands(svs, bands)):
        v1, v2 = sat.pcv_m(b1, nadir_rad), sat.pcv_m(b2, nadir_rad)
        out[:, cols] = (a1 * v1 - a2 * v2)[:, cols]
    return np.nan_to_num(out)


def receiver_offsets_enu_m(rcv, svs, f1_hz, f2_hz, delta_hen_m, bands=None):
    """(S, 3) marker -> IF phase centre in east/north/up: antenna delta H/E/N + IF receiver PCO."""
    delta = np.array([delta_hen_m[1], delta_hen_m[2], delta_hen_m[0]], float)  # H/E/N -> E/N/U
    out = np.tile(delta, (len(svs), 1))
    if rcv is None or rcv.source == "none":
        return out
    a1, a2 = if_coefficients(f1_hz, f2_hz)
    pairs = _bands(svs, bands)
    for j, sv in enumerate(svs):
        b1, b2 = pairs[j]
        n1, e1, u1 = rcv.pco_neu_m(sv[0], b1)
        n2, e2, u2 = rcv.pco_neu_m(sv[0], b2)
        pco_if = np.array([a1[j] * e1 - a2[j] * e2, a1[j] * n1 - a2[j] * n2, a1[j] * u1 - a2[j] * u2])
        out[j] = delta + np.nan_to_num(pco_if)
    return out


def receiver_pcv_if_m(rcv, svs, elevation_rad, azimuth_rad, f1_hz, f2_hz, bands=None):
    """(T, S) IF receiver PCV (m) by zenith and azimuth; zero without a pattern."""
    out = np.zeros(np.shape(elevation_rad))
    if rcv is None or rcv.pattern is None:
        return out
    a1, a2 = if_coefficients(f1_hz, f2_hz)
    zenith = np.pi / 2 - np.clip(np.nan_to_num(elevation_rad), 0.0, np.pi / 2)
    pairs = _bands(svs, bands)
    for j, sv in enumerate(svs):
        b1, b2 = pairs[j]
        v1 = rcv.pcv_m(sv[0], b1, zenith[:, j], np.nan_to_num(azimuth_rad[:, j]))
        v2 = rcv.pcv_m(sv[0], b2, zenith[:, j], np.nan_to_num(azimuth_rad[:, j]))
        out[:, j] = a1[j] * v1 - a2[j] * v2
    return np.nan_to_num(out)


def _model_family(text: str) -> str:
    """The IGS model family a release name belongs to ("IGS14" for IGS14_2108, igs14_%Y%m, IGS14); "" if none."""
    found = re.search(r"igs(\d\d)", str(text), re.IGNORECASE)
    return f"IGS{found.group(1)}" if found else ""


def _product_family(product_models: dict) -> str:
    """The one model family the SP3 headers name ("IGS14"), "" when none or several."""
    families = {_model_family(m) for m in product_models.values()} - {""}
    return families.pop() if len(families) == 1 else ""


def antenna_model_mismatch(sat, pco_body_if_m, product_models: dict) -> str | None:
    """A warning when satellites' offsets are not of the antenna model the orbits and clocks were made with.

    Satellite PCOs are estimated together with the products' clocks and scale: another model's offsets
    (e.g. igs20's with IGS14 products) or the relative-era nominal table move heights by centimetres
    (docs/ppp.md, "The height"). ``product_models``: {SP3 path: the ``PCV:`` model of its header}; the
    model family is compared (IGS14 against IGS20), not the release week. None when all agree or unknown.
    """
    want = _product_family(product_models)
    if not want:
        return None
    models = np.asarray(sat.model).astype(str)
    known = np.all(np.isfinite(pco_body_if_m), axis=1)
    other = {}
    for j, sv in enumerate(np.asarray(sat.sv).astype(str)):
        if not known[j]:
            continue
        family = _model_family(models[j])
        if sat.source[j] == "published":
            other.setdefault("the published nominal table", []).append(sv)
        elif family and family != want:
            other.setdefault(f"{family} ({models[j]})", []).append(sv)
    if not other:
        return None
    which = "; ".join(f"{', '.join(svs)} from {what}" for what, svs in sorted(other.items()))
    names = ", ".join(sorted({m for m in product_models.values()}))
    return (f"satellite antenna offsets not of the products' model {want} (SP3 header PCV: {names}): {which}; "
            f"heights can be biased by centimetres: give the ANTEX or SINEX of {want} (e.g. {want.lower()}.atx)")


def receiver_model_mismatch(rcv, product_models: dict) -> str | None:
    """A note when the receiver antenna's calibration is of another model family than the products'.

    A type calibration can change between IGS models (robot calibrations replacing converted relative
    ones, e.g. ASH701945E_M SCIS in igs08 against igs14); the products' own model is the consistent one.
    None when they agree, or when either is unknown."""
    want = _product_family(product_models)
    if rcv is None or not want:
        return None
    have = _model_family(getattr(rcv, "model", ""))
    if not have or have == want:
        return None
    return (f"receiver antenna {rcv.matched_type} {rcv.matched_radome} calibrated in {rcv.model} while the products "
            f"are {want}: a type calibration can differ between models by millimetres to a centimetre in height; "
            f"the {want} calibration is the consistent one")
