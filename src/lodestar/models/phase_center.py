"""Antenna phase centres of satellites and receivers from ANTEX, SINEX and published values: one interface.

>>> pc = PhaseCentres(antex=["igs20.atx"], sinex=["ESA0OPSFIN_...SOL.SNX"])
>>> sat = pc.satellites(["G08", "R09", "C19"], np.datetime64("2020-06-25T00:00"))
>>> sat.pco_body_m("1")                # (S, 3) x, y, z body frame, metres; NaN rows where unknown
>>> sat.pco_if_body_m("1", "2")        # (S, 3) of the ionosphere-free combination
>>> sat.source, sat.note               # (S,) "antex" | "sinex" | "published" | "none", and why
>>> rcv = pc.receiver("ASH701945E_M", "SCIS")
>>> rcv.pco_neu_m("R", "1"), rcv.note  # (3,) north, east, up from the ARP; the fallback used is stated

Priority per satellite: the ANTEX files (in the order given) > the SINEX files > the mean of the
satellite's block in a SINEX file (source ``sinex``, said in ``note``) > the published table
(:mod:`lodestar.models.published_pco`) > none. GPS and GLONASS satellites served by a SINEX file
take the block-specific nadir PCV of the IGS model (:mod:`lodestar.models.published_pcv`). Bands are RINEX
band digits of the satellite's system (GLONASS ``"1"``, ``"2"``; BeiDou ``"2"`` B1I, ``"6"`` B3I,
``"7"``, ``"1"``, ``"5"``), mapped to ANTEX frequency codes ``G01``, ``C06``... (antex14 section 4) and to
SINEX frequency codes (the band digit).

Satellite -> SVN on a date: from the ANTEX satellite blocks (VALID FROM / UNTIL) and the SINEX
``SATELLITE/ID`` (or IGS metadata ``SATELLITE/PRN``) rows valid at that time. SINEX offsets keyed by
SVN serve that SVN at any time; rows keyed by PRN (JAXA MGEX files) serve only the file's own span.

Receivers: exact type + radome -> same type with radome NONE -> the only radome calibrated for the
type, first in the ANTEX files, then in the SINEX files; always stated in ``note``. Frequencies a
calibration lacks take the GPS values (``G01`` for the upper L-band: L1/E1/B1I/B1C/G1, ``G02`` for the rest),
the convention of IGS processing when no system-specific calibration exists; ``note`` lists the
calibrated codes. An antenna found nowhere: ``source == "none"``, zero offsets and a note saying so.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from ..constants import GLONASS_FDMA, frequency_hz
from ..errors import DataNotFoundError, LodestarError
from ..io.antex import AntennaPattern, read_antex
from ..io.compression import read_bytes
from ..io.sinex import (
    read_receiver_phase_centers,
    read_satellite_ids,
    read_satellite_phase_centers,
    sinex_span,
)
from .published_pco import igs_block_name, published_cospar, published_offsets
from .published_pcv import block_nadir_pattern

__all__ = ["PhaseCentres", "SatelliteAntennas", "ReceiverAntenna", "frequency_code", "if_coefficients"]

_SOURCES = ("antex", "sinex", "published", "none")
#: A SINEX block mean needs at least this many SVNs of the block in the file.
MIN_BLOCK_MEMBERS = 2
#: Common nadir grid (deg) for vectorized satellite PCV; 0.1 deg holds every ANTEX grid node (DZEN 0.5, 1).
_NADIR_GRID_DEG = np.round(np.arange(0.0, 20.05, 0.1), 1)


def frequency_code(system: str, band: str) -> str:
    """ANTEX frequency code (antex14 section 4): system letter + two-digit RINEX band, ``"C06"``."""
    return f"{system}{int(band):02d}"


def if_coefficients(system: str, band1: str, band2: str) -> tuple[float, float]:
    """(a1, a2) of the ionosphere-free combination a1 X1 + a2 X2, a1 = f1²/(f1²-f2²), a2 = -f2²/(f1²-f2²).

    (e.g. Hofmann-Wellenhof et al. 2008, GNSS, eq. 7.34; the same weights combine phase-centre offsets,
    Schmid et al. 2007, J Geod 81:781, and IGS ANTEX practice). GLONASS FDMA: the nominal channel-0
    frequencies, whose ratio 9/7 holds for every channel (ICD 5.1 §3.3.1.4: f1/f2 = 9/7 by design).
    """
    def f(band):
        if system == "R" and band in GLONASS_FDMA:
            return GLONASS_FDMA[band][0]
        return frequency_hz(system, band)
    f1, f2 = f(band1), f(band2)
    return f1**2 / (f1**2 - f2**2), -(f2**2) / (f1**2 - f2**2)


# ------------------------------------------------------------------------------------------ satellites
@dataclass(frozen=True)
class _SatelliteEntry:
    svn: str
    block: str
    source: str
    note: str
    offsets: dict            # band digit -> (3,) x, y, z body frame (m)
    pattern: AntennaPattern | None = None
    model: str = ""          # the antenna model release of the offsets ("IGS14_2108", "igs14_%Y%m"); "" unknown


@dataclass(frozen=True)
class SatelliteAntennas:
    """Offsets and variations of satellites ``sv`` at ``time``, with their provenance."""

    sv: np.ndarray
    time: np.datetime64
    svn: np.ndarray
    block: np.ndarray
    source: np.ndarray
    note: np.ndarray
    entries: tuple

    def pco_body_m(self, band: str) -> np.ndarray:
        """(S, 3) body-frame offset (m) at RINEX band ``band`` of each satellite's system; NaN if unknown."""
        out = np.full((len(self.sv), 3), np.nan)
        for k, entry in enumerate(self.entries):
            value = entry.offsets.get(str(band))
            if value is not None:
                out[k] = value
        return out

    def pco_if_body_m(self, band1: str, band2: str) -> np.ndarray:
        """(S, 3) offset of the ionosphere-free combination of ``band1`` and ``band2`` (per system)."""
        p1, p2 = self.pco_body_m(band1), self.pco_body_m(band2)
        out = np.full_like(p1, np.nan)
        for letter in sorted({sv[0] for sv in self.sv}):
            cols = np.char.startswith(self.sv, letter)
            try:
                a1, a2 = if_coefficients(letter, str(band1), str(band2))
            except KeyError:
                continue  # a band the system does not have: NaN
            out[cols] = a1 * p1[cols] + a2 * p2[cols]
        return out

    def pcv_m(self, band: str, nadir_rad) -> np.ndarray:
        """(T, S) nadir-dependent variation (m) for ``nadir_rad`` (T, S) (or (S,)); 0 where the source has none.

        ANTEX gives satellite PCV; a GPS or GLONASS satellite with SINEX offsets takes its block's values
        (:func:`_with_block_pcv`); the others have none (0, noted in ``note``).
        """
        nadir_deg = np.degrees(np.asarray(nadir_rad, dtype=float))
        table = self._pcv_table(str(band))
        bad = ~np.isfinite(nadir_deg)  # a cell without geometry (no orbit): NaN, not a NaN cast to an index
        u = np.clip(np.where(bad, 0.0, nadir_deg) / 0.1, 0, _NADIR_GRID_DEG.size - 1)
        low = np.minimum(np.floor(u).astype(int), _NADIR_GRID_DEG.size - 2)
        frac = u - low
        cols = np.broadcast_to(np.arange(len(self.sv)), nadir_deg.shape)  # (S,) or (T, S)
        return np.where(bad, np.nan, (1 - frac) * table[cols, low] + frac * table[cols, low + 1])

    def _pcv_table(self, band: str) -> np.ndarray:
        """(S, N) variations on the common nadir grid (edge values beyond each pattern's grid)."""
        table = np.zeros((len(self.sv), _NADIR_GRID_DEG.size))
        for k, entry in enumerate(self.entries):
            if entry.pattern is not None:
                values = entry.pattern.pcv_m(frequency_code(self.sv[k][0], band), np.radians(_NADIR_GRID_DEG))
                if values is not None:
                    table[k] = values
        return table

    @property
    def model(self) -> np.ndarray:
        """(S,) antenna model release of each satellite's offsets (ANTEX SINEX CODE, SINEX model; "" unknown)."""
        return np.array([e.model for e in self.entries], dtype=object).astype(str)

    def provenance(self) -> dict:
        """JSON-ready ``{sv: {"svn", "block", "source", "note", "model"}}``."""
        return {str(sv): {"svn": str(self.svn[k]), "block": str(self.block[k]), "source": str(self.source[k]),
                          "note": str(self.note[k]), "model": self.entries[k].model} for k, sv in enumerate(self.sv)}


# ------------------------------------------------------------------------------------------- receivers
@dataclass(frozen=True)
class ReceiverAntenna:
    """A receiver antenna's offsets and variations, with how it was matched."""

    antenna_type: str
    radome: str
    matched_type: str
    matched_radome: str
    source: str
    note: str
    offsets: dict                          # (system, band) -> (3,) north, east, up (m)
    pattern: AntennaPattern | None = None
    model: str = ""                        # the calibration's model release (ANTEX SINEX CODE, SINEX model)

    def frequency_used(self, system: str, band: str) -> tuple[str, str]:
        """(system, band) whose calibration serves ``system``/``band``: itself, else the GPS fallback."""
        if (system, str(band)) in self.offsets:
            return system, str(band)
        fallback = ("G", "1") if _upper_l_band(system, str(band)) else ("G", "2")
        return fallback if fallback in self.offsets else (system, str(band))

    def pco_neu_m(self, system: str, band: str) -> np.ndarray:
        """(3,) north, east, up (m) from the antenna reference point; zeros only when ``source == "none"``."""
        key = self.frequency_used(system, band)
        if key in self.offsets:
            return np.array(self.offsets[key], dtype=float)
        if self.source == "none":
            return np.zeros(3)
        return np.full(3, np.nan)

    def pcv_m(self, system: str, band: str, zenith_rad, azimuth_rad=None) -> np.ndarray:
        """Variation (m), broadcast over ``zenith_rad`` and ``azimuth_rad`` (e.g. (T, S)); 0 without PCV."""
        shape = np.broadcast(np.asarray(zenith_rad), np.asarray(0.0 if azimuth_rad is None else azimuth_rad)).shape
        if self.pattern is None:
            return np.zeros(shape)
        used = self.frequency_used(system, band)
        values = self.pattern.pcv_m(frequency_code(*used), zenith_rad, azimuth_rad)
        return np.zeros(shape) if values is None else np.broadcast_to(values, shape).copy()


# -------------------------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class _SinexIndex:
    """One SINEX file's phase-centre content as look-up tables (built once per file version)."""

    path: str
    span: tuple
    by_prn: dict         # PRN -> [(valid_from, valid_until, svn, block)] (SATELLITE/ID, SATELLITE/PRN)
    by_cospar: dict      # (system, COSPAR) -> (svn, block)
    block_of: dict       # SVN -> block
    svn_offsets: dict    # SVN -> (offsets {band: (3,)}, line, model)
    prn_offsets: dict    # PRN -> (offsets, line, model) for PRN-keyed files
    receivers: dict      # antenna type -> {radome: (offsets {(system, band): (3,)}, line, model)}


@functools.lru_cache(maxsize=16)
def _sinex_index(path: str, mtime_ns: int, size: int) -> _SinexIndex:
    content = read_bytes(path)
    ids = read_satellite_ids(path, content=content)
    by_prn, by_cospar, block_of = {}, {}, {}
    for row in ids.itertuples():
        by_prn.setdefault(row.prn, []).append((row.valid_from, row.valid_until, row.svn, row.block))
        if row.cospar:
            by_cospar.setdefault((row.svn[0], row.cospar), (row.svn, row.block))
        block_of.setdefault(row.svn, row.block)
    svn_offsets, prn_offsets = {}, {}
    for row in read_satellite_phase_centers(path, content=content).itertuples():
        target = prn_offsets if row.key_is_prn else svn_offsets
        entry = target.setdefault(row.key, ({}, row.line, row.model))
        entry[0][row.band] = np.array([row.x_m, row.y_m, row.z_m])
    receivers = {}
    for row in read_receiver_phase_centers(path, content=content).itertuples():
        entry = receivers.setdefault(row.antenna_type, {}).setdefault(row.radome, ({}, row.line, row.model))
        entry[0].setdefault((row.system, row.band), np.array([row.north_m, row.east_m, row.up_m]))
    return _SinexIndex(path, sinex_span(path, content=content), by_prn, by_cospar, block_of, svn_offsets,
                       prn_offsets, receivers)


def _stat_key(path) -> tuple[str, int, int]:
    try:
        stat = os.stat(path)
    except OSError:
        raise DataNotFoundError(f"SINEX file {path} not found", "give the path of a .snx file (--sinex)") from None
    return str(path), stat.st_mtime_ns, stat.st_size


class PhaseCentres:
    """Phase-centre sources in priority order: ANTEX files, SINEX files, published values."""

    def __init__(self, antex=(), sinex=()):
        self.antex_paths = tuple(str(p) for p in (antex or ()))
        self.sinex_paths = tuple(str(p) for p in (sinex or ()))
        self._antex = tuple(read_antex(p) for p in self.antex_paths)
        self._sinex = tuple(_sinex_index(*_stat_key(p)) for p in self.sinex_paths)
        self._antex_ids = tuple(_antex_identities(atx) for atx in self._antex)

    # -- satellites
    def satellites(self, svs, time) -> SatelliteAntennas:
        """Offsets of ``svs`` (S,) at ``time`` (datetime64, GPST; the span's start for a span)."""
        when = _one_time(time)
        svs = np.asarray(svs).astype(str)
        entries = tuple(self._satellite(sv, when) for sv in svs)
        return SatelliteAntennas(svs, when, np.array([e.svn for e in entries]), np.array([e.block for e in entries]),
                                 np.array([e.source for e in entries]), np.array([e.note for e in entries]), entries)

    def _satellite(self, sv: str, when) -> _SatelliteEntry:
        problems = []
        for atx in self._antex:
            try:
                pattern = atx.satellite(sv, when)
            except LodestarError as exc:  # a cut block: say so, try the next source
                problems.append(str(exc))
                continue
            if pattern is not None:
                offsets = {code[1:].lstrip("0"): value.pco_m for code, value in pattern.frequencies.items()
                           if code[0] == sv[0]}
                return _SatelliteEntry(pattern.svn, pattern.antenna_type, "antex",
                                       f"{atx.path}:{pattern.line} (PCO and PCV)", offsets, pattern,
                                       pattern.sinex_code)
        svn = self._svn(sv, when)
        for entry in (self._sinex_satellite(sv, svn, when), self._sinex_block_mean(sv, svn, when),
                      self._published(sv, when, svn)):
            if entry is not None:
                return _with_problems(_with_block_pcv(entry, sv, when), problems)
        return _with_problems(_SatelliteEntry(svn[0] if svn else "", "", "none",
                                              "no offset in the ANTEX/SINEX files given nor in the published table",
                                              {}), problems)

    def _svn(self, sv: str, when):
        """(SVN, block, how) of ``sv`` at ``when`` from ANTEX and SINEX identities; None when unknown.

        Last resort: the spacecraft's COSPAR ID from the published PRN table, looked up in the SINEX
        SATELLITE/ID rows (of any date: an SVN names one spacecraft for life).
        """
        for ids in self._antex_ids:
            for start, end, svn, block in ids.get(sv, ()):
                if _inside(when, start, end):
                    return svn, block, "SVN from ANTEX"
        for index in self._sinex:
            for start, end, svn, block in index.by_prn.get(sv, ()):
                if _inside(when, start, end):
                    return svn, block, "SVN from SINEX SATELLITE/ID"
        cospar = published_cospar(sv, when)
        for index in self._sinex:
            found = index.by_cospar.get((sv[0], cospar))
            if found is not None:
                return (*found, f"SVN by COSPAR ID {cospar} (published PRN table, GPSPACE)")
        return None

    def _sinex_satellite(self, sv, svn, when) -> _SatelliteEntry | None:
        for index in self._sinex:
            if svn is not None and svn[0] in index.svn_offsets:
                return _sinex_entry(index, index.svn_offsets[svn[0]], svn[0],
                                    svn[1] or index.block_of.get(svn[0], ""), svn[2])
            found = index.prn_offsets.get(sv)
            if found is None:
                continue
            start, end = index.span
            svn_text, block = (svn[0], svn[1]) if svn else ("", "")
            if _inside(when, start, end):
                return _sinex_entry(index, found, svn_text, block, "by PRN in the file's span")
            cospar = published_cospar(sv, when)
            if cospar is not None and cospar == published_cospar(sv, start):
                return _sinex_entry(index, found, svn_text, block,
                                    f"by PRN; the same spacecraft {cospar} on the file's day (published PRN table)")
        return None

    def _sinex_block_mean(self, sv, svn, when) -> _SatelliteEntry | None:
        """A satellite a SINEX file does not hold, but whose block it does: the mean of that block's SVNs.

        The IGS model gives a satellite without an estimate of its own the mean of its block (Schmid et
        al. 2016, J Geod 90:343, on igs08.atx's values for new satellites); the block mean of the file
        that serves the other satellites keeps their convention (frame scale, per-frequency values),
        which a nominal value of another era does not (the published GPS IIR z = 0 is the 1998
        relative-model convention: on the ESBC day G14's precise range then sat ~1 m from broadcast).
        """
        block = (svn[1] if svn and svn[1] else None) or igs_block_name(sv, when)
        if not block:
            return None
        for index in self._sinex:
            members = sorted(k for k in index.svn_offsets if k[0] == sv[0] and index.block_of.get(k) == block)
            if len(members) < MIN_BLOCK_MEMBERS:
                continue
            bands = set.intersection(*(set(index.svn_offsets[k][0]) for k in members))
            offsets = {band: np.mean([index.svn_offsets[k][0][band] for k in members], axis=0) for band in bands}
            note = (f"{index.path}: mean of the {len(members)} {block} SVNs it holds ({' '.join(members)}), "
                    f"{sv} itself absent (block-mean convention, Schmid et al. 2016); no PCV")
            return _SatelliteEntry(svn[0] if svn else "", block, "sinex", note, offsets,
                                   model=str(index.svn_offsets[members[0]][2]))
        return None

    @staticmethod
    def _published(sv, when, svn) -> _SatelliteEntry | None:
        value = published_offsets(sv, when)
        if value is None:
            return None
        kind = "per frequency" if len(value.offsets) > 2 else f"IF value for bands {'/'.join(value.bands)}"
        return _SatelliteEntry(svn[0] if svn else "", value.block, "published",
                               f"{value.source}; {kind}; no PCV", dict(value.offsets))

    # -- receivers
    def receiver(self, antenna_type: str, radome: str | None = None) -> ReceiverAntenna:
        """The receiver antenna ``antenna_type`` (+ ``radome``; both may come as the header's one text)."""
        antenna_type, radome = _split_antenna(antenna_type, radome)
        for atx in self._antex:
            found = _match_radome(antenna_type, radome, atx.radomes(antenna_type))
            if found is not None:
                pattern = atx.receiver(antenna_type, found[0])
                offsets = {(code[0], code[1:].lstrip("0")): f.pco_m for code, f in pattern.frequencies.items()}
                return ReceiverAntenna(antenna_type, radome, antenna_type, found[0], "antex",
                                       _receiver_note(found[1], f"{atx.path}:{pattern.line}", offsets), offsets, pattern,
                                       pattern.sinex_code)
        for index in self._sinex:
            radomes = index.receivers.get(antenna_type, {})
            found = _match_radome(antenna_type, radome, sorted(radomes))
            if found is not None:
                offsets, line, model = radomes[found[0]]
                where = f"{index.path}:{line} ({model}; no PCV)"
                return ReceiverAntenna(antenna_type, radome, antenna_type, found[0], "sinex",
                                       _receiver_note(found[1], where, offsets), dict(offsets), model=str(model))
        return ReceiverAntenna(antenna_type, radome, "", "", "none",
                               f"antenna {antenna_type} {radome} is in none of the ANTEX/SINEX files given: "
                               "zero offset and no PCV used", {})


def _upper_l_band(system: str, band: str) -> bool:
    """True for the 1559-1610 MHz bands (L1, E1, B1I, B1C, G1, G1a), served by GPS L1 when uncalibrated."""
    try:
        f = GLONASS_FDMA[band][0] if system == "R" and band in GLONASS_FDMA else frequency_hz(system, band)
    except KeyError:
        return band == "1"
    return f > 1.5e9


def _one_time(time) -> np.datetime64:
    values = np.atleast_1d(np.asarray(getattr(time, "gpst", time))).astype("datetime64[ns]")
    return values.ravel()[0]


def _inside(when, start, end) -> bool:
    start, end = np.datetime64(start, "ns"), np.datetime64(end, "ns")
    return bool((np.isnat(start) or start <= when) and (np.isnat(end) or when <= end))


def _antex_identities(atx) -> dict:
    """PRN -> [(valid from, valid until, SVN, antenna type)] of an ANTEX file's satellite blocks."""
    out = {}
    for prn, svn, start, end, block in atx.prn_svn():
        out.setdefault(prn, []).append((start, end, svn, block))
    return out


def _sinex_entry(index, found, svn, block, keyed) -> _SatelliteEntry:
    offsets, line, model = found
    return _SatelliteEntry(svn, block, "sinex", f"{index.path}:{line} ({model}; {keyed}; no PCV)", dict(offsets),
                           model=str(model))


def _with_block_pcv(entry: _SatelliteEntry, sv: str, when) -> _SatelliteEntry:
    """A GPS or GLONASS satellite served by SINEX offsets (which carry no variations) with its block's nadir PCV.

    The IGS absolute models give GPS and GLONASS satellites block-specific PCVs, unchanged from igs05/igs08
    to igs14 and igs20 (:mod:`lodestar.models.published_pcv`), so the SINEX offsets of any of those models go
    with them. Published (relative-era nominal) offsets are left without: mixing conventions.
    """
    if entry.source != "sinex" or entry.pattern is not None or not sv.startswith(("G", "R")):
        return entry
    block = entry.block or igs_block_name(sv, when) or ""
    pattern = block_nadir_pattern(block, sv, entry.svn)
    if pattern is None:
        return entry
    note = entry.note.replace("; no PCV", "") + (f"; nadir PCV: the IGS model's {block} values "
                                                 "(block-specific in igs05/igs08-igs20; lodestar.models.published_pcv)")
    return _SatelliteEntry(entry.svn, entry.block or block, entry.source, note, entry.offsets, pattern, entry.model)


def _with_problems(entry: _SatelliteEntry, problems) -> _SatelliteEntry:
    if not problems:
        return entry
    return _SatelliteEntry(entry.svn, entry.block, entry.source, entry.note + "; skipped: " + "; ".join(problems),
                           entry.offsets, entry.pattern, entry.model)


def _split_antenna(antenna_type: str, radome: str | None) -> tuple[str, str]:
    """``"ASH701945E_M    SCIS"`` (RINEX ``ANT # / TYPE`` columns 21-40) -> type and radome."""
    text = (antenna_type or "").strip()
    if radome is None:
        parts = text.split()
        text, radome = (parts[0], parts[1]) if len(parts) >= 2 else (text, "NONE")
    radome = (radome or "").strip() or "NONE"
    return text, radome


def _match_radome(antenna_type, radome, calibrated) -> tuple[str, str] | None:
    """(radome used, how) by the fallback order exact -> NONE -> the only calibrated radome."""
    if radome in calibrated:
        return radome, f"{antenna_type} {radome}"
    if "NONE" in calibrated:
        return "NONE", f"radome {radome} not calibrated for {antenna_type}: used NONE"
    if len(calibrated) == 1:
        return calibrated[0], f"radome {radome} not calibrated for {antenna_type}: used the only one, {calibrated[0]}"
    return None


def _receiver_note(how: str, where: str, offsets: dict) -> str:
    codes = " ".join(sorted(frequency_code(s, b) for s, b in offsets))
    return f"{how}; {where}; calibrated {codes}; other frequencies take GPS G01 (upper L band) or G02 (lower)"
