"""Find a network's station-days: observation files from globs and folders, each paired with the
navigation (and optional precise orbit/clock) files of its day.

A station-day is one station (4-character ID) on one UTC day. Several files of the same
station-day (``.crx`` and ``.rnx`` of the same data, an hour extract beside the full day) are
processed once: the longest, best-named one; the others are listed as duplicates so nothing is
silently dropped. A file that cannot even be identified becomes an :class:`Unidentified` entry,
reported as a ``failed`` row.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataNotFoundError, LodestarError
from ..io.headers import (nav_content_date, nav_content_systems, nav_header_systems, obs_first_day, obs_header_identity,
                          read_head, sniff_format, sp3_header_systems, sp3_start_date)
from .names import NameInfo, parse_name

__all__ = ["StationDay", "Unidentified", "Discovery", "discover", "find_observation_files", "ProductIndex"]

_GLOB_CHARS = set("*?[")
#: enough of an SP3 header for its satellite list: the first 20 lines (81 bytes each) hold the "+" lines of
#: up to 17 x 18 = 306 satellites (SP3-d, Hilla 2016 §2: 17 IDs per line after 2 lines)
_SP3_HEAD_BYTES = 81 * 20


@dataclass(frozen=True)
class StationDay:
    """One unit of batch work: one observation file and the products of its day."""

    station: str
    marker: str
    date: str                      # ISO YYYY-MM-DD
    obs: str
    nav: tuple[str, ...] = ()
    sp3: tuple[str, ...] = ()
    clk: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    #: other product lines of the day for systems ``sp3``'s line lacks (PPP only; ProductIndex.others_for)
    sp3_more: tuple[str, ...] = ()
    clk_more: tuple[str, ...] = ()
    #: warnings on the day's inputs found while pairing them (e.g. an unreadable navigation file set aside)
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """File-name-safe identity, stable across runs (resume relies on it)."""
        return f"{self.station}_{self.date}"


@dataclass(frozen=True)
class Unidentified:
    """An input that could not be identified as a dated observation file."""

    path: str
    reason: str


@dataclass
class Discovery:
    days: list[StationDay] = field(default_factory=list)
    unidentified: list[Unidentified] = field(default_factory=list)
    #: files named as inputs that are neither data nor named like it (a README a shell glob brought): said, not rows
    left_out: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _ObsFile:
    path: Path
    station: str
    marker: str
    date: dt.date
    name: NameInfo
    note: str = ""  # e.g. the name's day and the header's disagree


def find_observation_files(inputs, refused: list | None = None, left_out: list | None = None) -> list[Path]:
    """Expand globs and folders (recursively) into observation files, in a stable order.

    Files that are not observation files by name (RINEX conventions) nor by first line are left
    out, as the navigation files a shell glob like ``data/NYA1*`` also matches. A file named on its own
    that is no recognised product either (empty, damaged, another format) is not dropped: named like
    observation data (``.rnx``, ``.crx``, ``.obs``, ``.YYo``, ``.YYd``, compressed or not) it goes in ``refused``
    as an :class:`Unidentified` with the reason (a ``failed`` row of the batch), otherwise (``notes.txt``) in
    ``left_out`` (a note)."""
    found: dict[Path, None] = {}
    for item in inputs:
        text = str(item)
        if any(ch in text for ch in _GLOB_CHARS):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            if not matches:
                raise DataNotFoundError(f"no file matches {text!r}", "check the pattern (quote it so the shell does not expand it)")
            candidates = [p for p in matches if p.is_file() and _looks_like_obs(p)]
        elif Path(text).is_dir():
            candidates = [p for p in sorted(Path(text).rglob("*")) if p.is_file() and _looks_like_obs(p)]
        elif Path(text).is_file():  # e.g. a glob the shell expanded: navigation files among them are not inputs
            candidates = [Path(text)] if _looks_like_obs(Path(text)) else []
            why = None if candidates else _not_a_product(Path(text))
            if why and _DATA_NAME.search(Path(text).name) and refused is not None:
                refused.append(Unidentified(text, why))
            elif why and left_out is not None:
                left_out.append(f"{text}: left out, not an observation file")
        else:
            raise DataNotFoundError(f"input {text!r} does not exist", "give observation files, folders or quoted globs")
        for path in candidates:
            found.setdefault(path, None)
    return list(found)


def _looks_like_obs(path: Path) -> bool:
    kind = parse_name(path).kind
    if kind:
        return kind == "obs"
    if path.name.startswith("."):  # temporary and hidden files (ours are ".name.tmp")
        return False
    try:
        first = read_head(path, 256).lstrip(b"\r\n").split(b"\n", 1)[0]  # a leading blank line, as the readers allow
    except LodestarError:
        return False
    return b"COMPACT RINEX" in first or (b"RINEX VERSION" in first[60:80] and first[20:21] == b"O")


#: Names of observation data (RINEX 3/4 ``.rnx``, Hatanaka ``.crx``, RINEX 2 ``.YYo``/``.YYd``, ``.obs``), compressed or not
_DATA_NAME = re.compile(r"\.(rnx|crx|obs|\d\d[od])(\.(gz|z|zip|bz2))?$", re.IGNORECASE)


def _not_a_product(path: Path) -> str | None:
    """Why a file named as an input is neither an observation file nor another recognised product (None if it
    is one: a navigation or SP3 file a shell glob brought along)."""
    if parse_name(path).kind:
        return None
    try:
        head = read_head(path, 256)
    except LodestarError as exc:
        return str(exc)
    if not head.strip():
        return f"{path}: empty file, expected a RINEX observation file"
    head = head.lstrip(b"\r\n")
    try:
        sniff_format(head)
    except LodestarError:
        first = head.split(b"\n", 1)[0].decode("latin-1").rstrip()[:60]
        return (f"{path}, line 1: expected a RINEX observation file ('RINEX VERSION / TYPE' of type O, or "
                f"'COMPACT RINEX'), found {first!r}")
    return None


def _identify(path: Path) -> _ObsFile | Unidentified:
    info = parse_name(path)
    if info.kind == "obs" and info.date is not None:
        # the content dates the data: a renamed file (flrs0010.12o holds 2021-01-01, its name says 2012) was paired
        # with another day's products; a day's slack keeps files that start just before midnight on their name's day
        # (.Z and .zip heads cannot be streamed: reading one decompresses the whole file, so their names are trusted)
        header_day = None if path.suffix.lower() in (".z", ".zip") else obs_first_day(path)
        if header_day is not None and abs((header_day - info.date).days) > 1:
            return _ObsFile(path, info.station, info.marker, header_day, info,
                            f"{path}: its name dates it {info.date}, its header's TIME OF FIRST OBS {header_day}: "
                            "the header's day is used")
        return _ObsFile(path, info.station, info.marker, info.date, info)
    try:
        marker, date = obs_header_identity(path)
    except LodestarError as exc:
        return Unidentified(str(path), str(exc))
    station = marker[:4].upper()
    if len(station) < 4 or not station.isalnum():
        return Unidentified(str(path), f"MARKER NAME {marker!r} does not start with a 4-character station ID")
    return _ObsFile(path, station, marker.upper(), date, info)


def _preference(obs: _ObsFile):
    """Best first: the longest nominal span, a name that follows the convention exactly, the largest file."""
    size = obs.path.stat().st_size
    return (-obs.name.period_s, not obs.name.exact, -size, str(obs.path))


def folder_list(folders) -> list[Path]:
    """One folder (str or Path) or several, as a list of Paths."""
    return [Path(folders)] if isinstance(folders, (str, Path)) else [Path(f) for f in folders]


def folders_text(folders) -> str:
    """The folders as a user gave them, for messages: ``a``, or ``a, b``."""
    return ", ".join(str(f) for f in folder_list(folders))


class ProductIndex:
    """Navigation / SP3 / clock files of one folder or several, by day (from the name, else from the content)."""

    def __init__(self, folders, kinds: tuple[str, ...]):
        self.folders = folder_list(folders)
        for folder in self.folders:
            if not folder.is_dir():
                raise DataNotFoundError(f"folder {folder} not found", "pass an existing folder of daily products")
        self.by_day: dict[tuple[str, dt.date], list[tuple[Path, NameInfo]]] = defaultdict(list)
        self._systems: dict[Path, str] = {}
        self.unreadable: dict[Path, str] = {}
        seen = set()
        for folder in self.folders:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith(".") and path.resolve() not in seen:
                    seen.add(path.resolve())  # a folder given twice, or inside another, counts once
                    self._add(path, kinds)

    def _add(self, path: Path, kinds) -> None:
        info = parse_name(path)
        if not info.kind:
            info = self._sniff(path)
        if info.kind in kinds and info.date is not None:
            self.by_day[(info.kind, info.date)].append((path, info))

    @staticmethod
    def _sniff(path: Path) -> NameInfo:
        """Kind, day and systems from content, for names outside the conventions."""
        try:
            head = read_head(path, 400).lstrip(b"\r\n")
            kind = sniff_format(head)
            if kind == "nav":
                return NameInfo("nav", date=nav_content_date(path), systems=nav_header_systems(head))
            if kind == "sp3":
                return NameInfo("sp3", date=sp3_start_date(path, head))
        except LodestarError:
            pass  # unreadable: not a product
        return NameInfo("")

    def navigation_for(self, station: str, date: dt.date) -> tuple[str, ...]:
        """The day's navigation files covering every system present that day.

        Broadcast ephemerides are the same whichever receiver decoded them, so files of other
        stations serve too. Preference: the station's own files, then merged broadcast files
        (``BRDC``/``BRDM``...), then other stations'; a file is added only when its records add a
        system not yet covered. Which systems a file holds is read from its content when the day
        has several files (names promise, e.g. ``MN`` mixed, but a file may hold few records).
        """
        files = self.by_day.get(("nav", date), [])
        ranked = sorted(files, key=lambda f: (f[1].station != station, not f[1].station.startswith("BRD"),
                                              f[1].systems != "", str(f[0])))
        chosen, covered = [], set()
        for path, info in ranked:
            systems = set(self._systems_of(path, info) if len(files) > 1 else "GRECJIS")
            if systems - covered:
                chosen.append(path)
                covered |= systems
        if not chosen and files:  # every file of the day unreadable: the task reads one and reports its error
            chosen = [ranked[0][0]]
        return tuple(str(p) for p in chosen)

    def set_aside(self, date: dt.date, chosen: tuple[str, ...]) -> tuple[str, ...]:
        """Warnings on the day's navigation files left out of ``chosen`` (:meth:`navigation_for`) because they cannot
        be read (a damaged file beside a good one used to stand for every system and shut the good one out)."""
        return tuple(f"navigation file set aside: {self.unreadable[path]}"
                     for path, _ in self.by_day.get(("nav", date), [])
                     if path in self.unreadable and str(path) not in chosen)

    def _systems_of(self, path: Path, info: NameInfo) -> str:
        if path not in self._systems:
            try:
                self._systems[path] = nav_content_systems(path)
                if not self._systems[path]:  # a header and no record (or no END OF HEADER): nothing to serve
                    self.unreadable[path] = f"{path}: no navigation record after its header"
            except LodestarError as exc:  # unreadable: it covers nothing (set aside, said in the day's rows)
                self._systems[path] = ""
                self.unreadable[path] = str(exc)
        return self._systems[path]

    def precise_for(self, date: dt.date) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The day's best orbit product (with its neighbours) and the clock file of the same product line.

        Final before rapid before ultra-rapid; a product with its own clock file first. An orbit is
        never paired with another centre's clocks (their clock datums differ by metres); without a
        matching clock file the SP3 clocks are used.
        """
        ranked = self._ranked_orbits(date)
        if not ranked:
            return (), ()
        return self._line(ranked[0], date)

    def others_for(self, date: dt.date) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Orbit (with neighbours) and clock files of the day's other product lines that carry a system
        the best line lacks, best first (:meth:`precise_for`'s order), e.g. IAC's BeiDou beside GRG's
        GPS/GLONASS/Galileo. PPP ranks the centres in this order for each system and serves each
        satellite from the first that has it, on the first centre's clock datum
        (:class:`lodestar.orbits.PreciseEphemeris`); a centre never takes another's clock file."""
        ranked = self._ranked_orbits(date)
        if not ranked:
            return (), ()
        have = set(self._sp3_systems(ranked[0]))
        sp3, clk = [], []
        for orbit in ranked[1:]:
            if _product_line(orbit) == _product_line(ranked[0]) or not set(self._sp3_systems(orbit)) - have:
                continue
            files, clocks = self._line(orbit, date)
            sp3 += [f for f in files if f not in sp3]
            clk += [c for c in clocks if c not in clk]
        return tuple(sp3), tuple(clk)

    def _ranked_orbits(self, date: dt.date) -> list[Path]:
        """The day's orbit files, best first: final before rapid before ultra-rapid, a product with its
        own clock file, a daily file, then by name."""
        clocks = self._clocks(date)
        orbits = [p for p, _ in self.by_day.get(("sp3", date), [])]
        return sorted(orbits, key=lambda p: (_latency(p), _product_line(p) not in clocks, "_01D_" not in p.name.upper(),
                                             p.name))

    def _clocks(self, date: dt.date) -> dict:
        return {_product_line(p): p for p, _ in self.by_day.get(("clk", date), [])}

    def _line(self, orbit: Path, date: dt.date) -> tuple[tuple[str, ...], tuple[str, ...]]:
        clock = self._clocks(date).get(_product_line(orbit))
        return self._with_neighbours(orbit, date), ((str(clock),) if clock else ())

    def _sp3_systems(self, path: Path) -> str:
        """Systems of an SP3 file's satellites, from its header (unreadable: none, the task reports it)."""
        if path not in self._systems:
            try:
                self._systems[path] = sp3_header_systems(read_head(path, _SP3_HEAD_BYTES))
            except LodestarError:
                self._systems[path] = ""
        return self._systems[path]

    def _with_neighbours(self, best: Path, date: dt.date) -> tuple[str, ...]:
        """The orbit file with the same product's files of the eve and the morrow where present:
        interpolating the first and last hour of a day needs samples on both sides."""
        files = []
        for offset in (-1, 0, 1):
            day = date + dt.timedelta(days=offset)
            same = [p for p, _ in self.by_day.get(("sp3", day), []) if _product_line(p) == _product_line(best)]
            files += [best] if offset == 0 else sorted(same)[:1]
        return tuple(str(p) for p in files)


def _product_line(path: Path) -> str:
    """Analysis centre, version, project and type of a long product name (``GRG0MGXFIN``)."""
    return path.name.upper()[:10]


def _latency(path: Path) -> int:
    name = path.name.upper()[:10]
    return next((i for i, tag in enumerate(("FIN", "RAP", "ULT")) if tag in name), 3)


def discover(inputs, nav_dir, sp3_dir=None) -> Discovery:
    """All station-days of ``inputs`` with their products; see the module docstring. ``nav_dir`` and ``sp3_dir``:
    a folder or a list of folders."""
    result = Discovery()
    paths = find_observation_files(inputs, refused=result.unidentified, left_out=result.left_out)
    if not paths and not result.unidentified:
        raise DataNotFoundError(f"no observation file found in {', '.join(map(str, inputs)) or 'the inputs'}",
                                "give RINEX observation files (.rnx, .crx, .YYo, .YYd, compressed or not), folders "
                                "holding them, or quoted globs")
    groups: dict[tuple[str, dt.date], list[_ObsFile]] = defaultdict(list)
    for path in paths:
        item = _identify(path)
        if isinstance(item, Unidentified):
            result.unidentified.append(item)
        else:
            groups[(item.station, item.date)].append(item)
    nav_index = ProductIndex(nav_dir, ("nav",))
    precise = ProductIndex(sp3_dir, ("sp3", "clk")) if sp3_dir else None
    for (station, date), files in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        files.sort(key=_preference)
        best = files[0]
        sp3, clk = precise.precise_for(date) if precise else ((), ())
        sp3_more, clk_more = precise.others_for(date) if precise else ((), ())
        nav = nav_index.navigation_for(station, date)
        result.days.append(StationDay(
            station=station,
            marker=best.marker,
            date=date.isoformat(),
            obs=str(best.path),
            nav=nav,
            sp3=sp3,
            clk=clk,
            duplicates=tuple(str(f.path) for f in files[1:]),
            sp3_more=sp3_more,
            clk_more=clk_more,
            notes=tuple(f.note for f in files if f.note) + nav_index.set_aside(date, nav),
        ))
    return result
