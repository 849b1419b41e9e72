"""What is in a GNSS file: the library behind ``lodestar info``.

>>> summary = file_info("ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")   # doctest: +SKIP
>>> summary["satellites"]                                              # doctest: +SKIP
{'R': 23, 'C': 29, 'G': 31, 'E': 22, 'J': 3, 'S': 5}

Every file gives one dict with the same keys (``None`` where a key means nothing for the format);
a file that cannot be read gives its error message in ``"error"`` instead of raising, so a
listing of many files goes on. Systems are listed GLONASS and BeiDou first.
"""

from __future__ import annotations

import numpy as np

from ..errors import LodestarError
from ..time import Time
from .antex import is_satellite_code
from .compression import read_bytes
from .headers import read_content, sniff_content

__all__ = ["file_info", "files_info", "DISPLAY_ORDER"]

#: Lodestar is about GLONASS + BeiDou: they come first in every listing.
DISPLAY_ORDER = "RCGEJIS"
_KEYS = ("path", "format", "version", "station", "receiver", "antenna", "first_epoch", "last_epoch",
         "interval_s", "epochs", "gaps", "satellites", "obs_codes", "nav_records", "stations", "skipped",
         "skipped_records", "notes", "error")


def files_info(paths) -> dict:
    """``{"files": [file_info(p) for p in paths]}``."""
    return {"files": [file_info(path) for path in paths]}


def file_info(path) -> dict:
    """Summary of one file (observation, navigation, SP3, clock or SINEX); never raises."""
    entry = dict.fromkeys(_KEYS)
    entry.update(path=str(path), satellites={}, obs_codes={}, nav_records={}, skipped={}, skipped_records=[], notes=[])
    try:
        content = read_bytes(path)
        kind = sniff_content(content, path)
        entry.update(_summarise(kind, path, content))
    except LodestarError as error:
        entry["error"] = str(error)
    except Exception as error:  # a reader's bug must not stop a listing of many files
        entry["error"] = f"{path}: internal error ({type(error).__name__}: {error}); please report it"
    return entry


def _summarise(kind: str, path, content: bytes) -> dict:
    product = read_content(kind, path, content)
    return {"obs": obs_summary, "nav": nav_summary, "sp3": orbit_summary, "clk": orbit_summary,
            "sinex": sinex_summary, "bias-sinex": bias_summary, "antex": antex_summary,
            "rtklib-pos": solution_summary}[kind](product)


def _ordered(counts: dict) -> dict:
    return {s: counts[s] for s in sorted(counts, key=_system_rank)}


def _system_rank(letter: str) -> int:
    return DISPLAY_ORDER.index(letter) if letter in DISPLAY_ORDER else len(DISPLAY_ORDER)


def _iso(times: np.ndarray) -> list[str]:
    fractional = np.any(times.astype("datetime64[s]") != times)
    return list(Time(times).iso("gpst", "ms" if fractional else "s"))


def _span(times: np.ndarray, interval_s) -> dict:
    """First/last epoch (GPST, ISO 8601), interval and gaps (steps longer than 1.5 intervals)."""
    if len(times) == 0:
        return {"epochs": 0, "gaps": 0, "interval_s": interval_s}
    steps = np.diff(times).astype(np.int64) / 1e9
    if interval_s is not None and not np.isfinite(interval_s):
        interval_s = None
    if not interval_s and len(steps):
        interval_s = float(np.median(steps))
    gaps = int(np.sum(steps > 1.5 * interval_s)) if interval_s else 0
    first, last = _iso(times[[0, -1]])
    return {"first_epoch": first, "last_epoch": last, "interval_s": interval_s, "epochs": int(len(times)), "gaps": gaps}


def obs_summary(ds) -> dict:
    """Summary of a ``read_obs`` Dataset: satellites observed and codes observed per system."""
    codes = [name for name in ds.data_vars if len(name) == 3]
    observed = {code: np.isfinite(ds[code].values).any(axis=0) for code in codes}  # per satellite
    systems = np.array([sv[0] for sv in ds["sv"].values])
    any_obs = np.logical_or.reduce(list(observed.values())) if codes else np.zeros(len(systems), bool)
    satellites = {s: int(np.sum(any_obs & (systems == s))) for s in np.unique(systems)}
    header_codes = ds.attrs.get("obs_codes", {})
    obs_codes = {}
    for system in satellites:
        in_system = systems == system
        obs_codes[system] = [c for c in header_codes.get(system, codes) if c in observed and observed[c][in_system].any()]
    summary = {
        "format": "RINEX OBS",
        "version": ds.attrs.get("version"),
        "station": ds.attrs.get("marker_name") or None,
        "receiver": ds.attrs.get("receiver") or None,
        "antenna": ds.attrs.get("antenna") or None,
        "satellites": _ordered({s: n for s, n in satellites.items() if n}),
        "obs_codes": _ordered({s: c for s, c in obs_codes.items() if c}),
        "skipped": {k: v for k, v in ds.attrs.get("skipped", {}).items() if v},
    }
    summary.update(_span(ds["time"].values, ds.attrs.get("interval_s")), notes=_reader_notes(ds))
    return summary


def nav_summary(nav) -> dict:
    """Summary of a ``NavData``: records and satellites per system, span of the record epochs."""
    records = {s: len(t) for s, t in nav.records.items() if len(t)}
    satellites = {s: int(t["sv"].nunique()) for s, t in nav.records.items() if len(t)}
    tocs = [t["toc"].to_numpy(dtype="datetime64[ns]") for t in nav.records.values() if len(t)]
    summary = {"format": "RINEX NAV", "version": nav.version, "nav_records": _ordered(records),
               "satellites": _ordered(satellites), "skipped": {k: v for k, v in nav.skipped.items() if v}}
    if tocs:
        times = np.sort(np.concatenate(tocs))
        first, last = _iso(times[[0, -1]])
        summary.update(first_epoch=first, last_epoch=last)
    return summary


def _reader_notes(ds) -> list[str]:
    """The reader's notes on the file itself (e.g. "declares 288 epochs and holds 3 before its EOF line"), without
    the path the listing already shows."""
    return [str(w).split(": ", 1)[-1] for w in ds.attrs.get("warnings") or []]


def orbit_summary(ds) -> dict:
    """Summary of an SP3 or RINEX clock Dataset (dims time x sv)."""
    values = ds["x_m"] if "x_m" in ds else ds["clock_s"]
    has_data = np.isfinite(values.values).any(axis=0)
    systems = np.array([str(sv)[0] for sv in ds["sv"].values])
    satellites = {s: int(np.sum(has_data & (systems == s))) for s in np.unique(systems)}
    summary = {"format": "SP3" if "x_m" in ds else "RINEX CLK", "version": ds.attrs.get("version"),
               "satellites": _ordered({s: n for s, n in satellites.items() if n})}
    summary.update(_span(ds["time"].values, ds.attrs.get("interval_s")), notes=_reader_notes(ds))
    return summary


def sinex_summary(table) -> dict:
    """Summary of a SINEX station table: the number of stations."""
    return {"format": "SINEX", "version": None, "stations": int(table["station"].nunique())}


def bias_summary(table) -> dict:
    """Summary of a Bias-SINEX table: satellites and signals per system, stations, validity span."""
    sats = table[table["sv"] != ""]
    satellites = {s: int(n) for s, n in sats.groupby("system")["sv"].nunique().items()}
    codes = {s: sorted(set(group["obs1"])) for s, group in sats.groupby("system")}
    summary = {"format": "Bias-SINEX", "version": None, "satellites": _ordered(satellites),
               "obs_codes": _ordered(codes), "stations": int(table.loc[table["station"] != "", "station"].nunique())}
    times = np.concatenate([table["start"].dropna().to_numpy("datetime64[ns]"),
                            table["end"].dropna().to_numpy("datetime64[ns]")])
    if times.size:
        first, last = _iso(np.sort(times)[[0, -1]])
        summary.update(first_epoch=first, last_epoch=last)
    return summary


def antex_summary(atx) -> dict:
    """Summary of an ANTEX file: satellite antennas per system, receiver antenna types (as stations)."""
    satellites: dict[str, int] = {}
    receivers = set()
    for entry in atx.entries:
        if is_satellite_code(entry.serial):
            satellites[entry.serial[0]] = satellites.get(entry.serial[0], 0) + 1
        else:
            receivers.add((entry.antenna_type, entry.radome))
    problems = [f"line {entry.line}: {' '.join(p for p in (entry.antenna_type, entry.serial) if p)}: expected {entry.problem}"
                for entry in atx.entries if entry.problem]  # which block, where, and what was expected
    return {"format": "ANTEX", "version": None, "satellites": _ordered(satellites), "stations": len(receivers),
            "skipped": {"unreadable antenna blocks": len(problems)} if problems else {}, "skipped_records": problems}


def solution_summary(ds) -> dict:
    """Summary of an RTKLIB ``.pos`` solution: its span and epochs (satellites are not named there)."""
    summary = {"format": "RTKLIB POS", "version": None}
    summary.update(_span(ds["time"].values, None))
    return summary
