"""RINEX observation files (2.10/2.11, 3.00-3.05, 4.00) -> ``xarray.Dataset`` (time x satellite).

>>> obs = read_obs("ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")   # doctest: +SKIP
>>> obs["C1C"].sel(sv="R05")                                      # doctest: +SKIP

One ``float64`` variable per RINEX 3 observation code (RINEX 2 types renamed per system, the
original in ``attrs["rinex2_code"]``), ``<code>_lli`` / ``<code>_ssi`` (``int8``, -1 = blank),
``epoch_flag`` and ``rx_clock_offset_s``; times in GPS time whatever the file's time system.
Nothing is dropped silently: event records and cycle-slip records are counted in
``attrs["skipped"]``. Any deviation from the format raises :class:`~lodestar.errors.FormatError`
naming the file, the line and what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import FormatError
from ..systems import SYSTEM_ORDER, parse_system_set
from ..time import Time
from . import _obs_order, _obs_scan
from ._obs_body_rinex3 import line_bounds, trim_trailer, walk_v3
from ._obs_body_rinex2 import walk_v2
from ..xarray_build import indexed_coords, variable
from ._obs_header import UNITS, parse_header
from .compression import read_bytes

__all__ = ["read_obs", "obs_codes", "glonass_channels"]

# RINEX time systems (RINEX 3.05 section 3.1 / 2.11 "TIME OF FIRST OBS"): GLO observation
# time tags are UTC (UTC(SU)), not GLONASS time; GAL/QZS/IRN are steered to GPST.
_TIME_SCALES = {"GPS": "gpst", "GAL": "gpst", "QZS": "gpst", "IRN": "gpst", "BDT": "bdt", "GLO": "utc", "UTC": "utc"}
_HEADER_SEARCH_BYTES = 400_000


def read_obs(path, *, content: bytes | None = None, systems=None, codes=None) -> xr.Dataset:
    """Read a RINEX observation file (any compression) into a time x satellite ``Dataset``.

    ``content``: the file's bytes already decompressed (e.g. from ``read_bytes``), so the file is
    not read twice. ``systems``: keep only these systems (``"R+C"`` or ``("R", "C")``).
    ``codes``: keep only these observation codes (e.g. PPP's code and phase candidates); the
    other fields are neither converted nor checked (``attrs["obs_codes"]`` still lists the header's).
    """
    path = Path(path)
    if content is None:
        content = read_bytes(path)
    if not content or content.isspace():  # isspace() stops at the first byte of text; strip() copies
        raise FormatError(path, None, "a non-empty RINEX observation file", "no data")
    header, body_offset = _read_header(content, path)
    buf = np.frombuffer(content, dtype=np.uint8)
    starts, ends, trailer = trim_trailer(buf, *line_bounds(buf, body_offset), keep_blank_records=header.version < 3)
    first_line = header.lines + 1
    if header.version >= 3:
        body = walk_v3(buf, starts, ends, first_line, path)
    else:
        body = walk_v2(buf, starts, ends, first_line, path, n_obs=len(header.rinex2_codes))
    if trailer:
        body.skipped["end_of_file_trailer_lines"] = trailer
    wanted = _wanted_systems(systems)
    return _build_dataset(header, body, buf, path, wanted, None if codes is None else set(codes))


def _read_header(content: bytes, path):
    end = content.find(b"END OF HEADER", 0, _HEADER_SEARCH_BYTES)
    stop = len(content) if end < 0 else content.find(b"\n", end)
    stop = len(content) if stop < 0 else stop + 1
    text = content[: min(stop, _HEADER_SEARCH_BYTES)].decode("latin-1")
    lines = [line.rstrip("\r") for line in text.split("\n")]  # not splitlines(): \x0c, \x85 are not breaks here
    if lines and not lines[-1]:
        lines.pop()
    if end < 0 and len(content) > _HEADER_SEARCH_BYTES:
        lines = lines[:-1]  # the last one may be cut by the search limit
    header = parse_header(lines, path)
    return header, stop


def _wanted_systems(systems):
    if systems is None:
        return None
    letters = parse_system_set(systems) if isinstance(systems, str) else parse_system_set("+".join(systems))
    return np.array([SYSTEM_ORDER.index(s) for s in letters])


def _build_dataset(header, body, buf, path, wanted, codes=None) -> xr.Dataset:
    seg_system = body.seg_sv // 100
    if wanted is not None:
        keep = np.isin(seg_system, wanted)
        _select_segments(body, keep)
        seg_system = seg_system[keep]
    present = [SYSTEM_ORDER[i] for i in np.unique(seg_system)]
    _check_declared(header, body, seg_system, present, path)
    var_codes = [c for c in _variable_codes(header, present) if codes is None or c in codes]
    flag = np.nan_to_num(body.fields[:, 6], nan=0).astype(np.int64)
    data_epochs = np.flatnonzero(flag <= 1)
    sv_codes, seg_col = np.unique(body.seg_sv, return_inverse=True)
    values, lli, ssi = _fill(header, body, buf, path, present, var_codes, seg_system, seg_col, data_epochs, flag)
    sv_names = np.array([f"{SYSTEM_ORDER[c // 100]}{c % 100:02d}" for c in sv_codes], dtype=object)
    _apply_scale_factors(header, values, var_codes, sv_names)
    times = _epoch_times(header, body, data_epochs, path)
    # time order, duplicates, far-off dates (_obs_order; the 1-day tolerance dwarfs time-system offsets)
    rows, counts = _obs_order.epoch_order(times, header.attrs.get("first_obs"), header.attrs.get("last_obs"))
    if rows is not None:
        values, times, data_epochs = values[rows], times[rows], data_epochs[rows]
        lli, ssi = (lli[0][rows], lli[1]), (ssi[0][rows], ssi[1])
        body.skipped.update({k: v for k, v in counts.items() if v})  # shown by `lodestar info`
    ds = _assemble(header, body, path, var_codes, values, lli, ssi, times, sv_names, flag, data_epochs, present)
    ds.attrs.update(counts)
    return ds


def _fill(header, body, buf, path, present, var_codes, seg_system, seg_col, data_epochs, flag):
    """(time, sv, code) arrays of values, LLI and strength, filled by the byte kernel."""
    field_var, n_obs = _field_map(header, present, var_codes)
    nfields = np.where(body.seg_nfields < 0, n_obs[seg_system], body.seg_nfields)
    row_of_epoch = np.full(len(flag), -1, dtype=np.int64)
    row_of_epoch[data_epochs] = np.arange(len(data_epochs))
    seg_row = row_of_epoch[body.seg_epoch]
    n_sv = int(seg_col.max()) + 1 if len(seg_col) else 0
    _check_unique(body, seg_row, seg_col, n_sv, buf, path)
    shape = (len(data_epochs), n_sv, len(var_codes))
    values = np.full(shape, np.nan)
    lli = np.full(shape, -1, dtype=np.int8)
    ssi = np.full(shape, -1, dtype=np.int8)
    seen = np.zeros((2, len(var_codes)), dtype=np.bool_)
    bad = _obs_scan.fill_observations(buf, body.seg_start, body.seg_end, seg_row, seg_col.astype(np.int64),
                                      seg_system, body.seg_field0, nfields, body.data_offset, field_var,
                                      values, lli, ssi, seen[0], seen[1])
    if bad[0] >= 0:
        _raise_field_error(header, body, buf, bad, seg_system, nfields, var_codes, field_var, path)
    return values, (lli, seen[0]), (ssi, seen[1])


def _select_segments(body, keep):
    for name in ("seg_start", "seg_end", "seg_line", "seg_epoch", "seg_sv", "seg_field0", "seg_nfields"):
        setattr(body, name, getattr(body, name)[keep])


def _check_declared(header, body, seg_system, present, path):
    for letter in present:
        if not header.obs_codes.get(letter):
            i = int(np.flatnonzero(seg_system == SYSTEM_ORDER.index(letter))[0])
            raise FormatError(path, int(body.seg_line[i]),
                              f"only satellites of systems with observation types in the header "
                              f"({', '.join(sorted(header.obs_codes))})", f"a {letter} satellite")


def _variable_codes(header, present) -> list[str]:
    codes: list[str] = []
    for letter in present:
        codes.extend(c for c in header.obs_codes[letter] if c not in codes)
    return codes


def _field_map(header, present, var_codes):
    width = max([len(header.obs_codes.get(s, [])) for s in SYSTEM_ORDER] + [1])
    field_var = np.full((len(SYSTEM_ORDER), width), -1, dtype=np.int64)
    n_obs = np.zeros(len(SYSTEM_ORDER), dtype=np.int64)
    index = {code: i for i, code in enumerate(var_codes)}
    for letter in present:
        system = SYSTEM_ORDER.index(letter)
        codes = header.obs_codes[letter]
        n_obs[system] = len(codes)
        field_var[system, : len(codes)] = [index.get(c, -1) for c in codes]  # -1: a code not read
    return field_var, n_obs


def _check_unique(body, seg_row, seg_col, n_sv, buf, path):
    first = body.seg_field0 == 0
    key = seg_row[first] * max(n_sv, 1) + seg_col[first]
    order = np.argsort(key, kind="stable")
    repeated = np.flatnonzero(np.diff(key[order]) == 0)
    if len(repeated):
        i = np.flatnonzero(first)[order[repeated[0] + 1]]
        line = bytes(buf[body.seg_start[i]:body.seg_end[i]]).decode("latin-1")
        raise FormatError(path, int(body.seg_line[i]), "each satellite at most once per epoch", line)


def _raise_field_error(header, body, buf, bad, seg_system, nfields, var_codes, field_var, path):
    s, column, what = (int(x) for x in bad)
    line = bytes(buf[body.seg_start[s]:body.seg_end[s]]).decode("latin-1")
    system = SYSTEM_ORDER[int(seg_system[s])]
    field = (column - body.data_offset) // 16
    if what == 3:
        expected = (f"at most {int(nfields[s])} observations on this line (the header gives {system} "
                    f"{len(header.obs_codes[system])} types), nothing from column {column + 1}")
    else:
        code = var_codes[field_var[seg_system[s], body.seg_field0[s] + field]]
        first = body.data_offset + 16 * field + 1
        expected = {
            0: f"observation {code} as a number (F14.3) in columns {first}-{first + 13}",
            1: f"a loss-of-lock indicator (blank or 0-9) for {code} in column {first + 14}",
            2: f"a signal strength (blank or 0-9) for {code} in column {first + 15}",
        }[what]
    raise FormatError(path, int(body.seg_line[s]), expected, line)


def _apply_scale_factors(header, values, var_codes, sv_names):
    """SYS / SCALE FACTOR: the file holds value x factor (RINEX 3 Table A2); divide it back."""
    systems = np.array([name[0] for name in sv_names])
    for (letter, code), factor in header.scale_factors.items():
        if factor != 1.0 and code in var_codes:
            columns = systems == letter
            values[:, columns, var_codes.index(code)] /= factor


def _epoch_times(header, body, data_epochs, path) -> np.ndarray:
    fields = body.fields[data_epochs]
    year, month, day, hour, minute, second = (fields[:, k] for k in range(6))
    if header.version < 3:  # two-digit years (RINEX 2.11: 80-99 -> 19xx, 00-79 -> 20xx)
        year = np.where(year < 80, year + 2000, np.where(year < 100, year + 1900, year))
    valid = ((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour >= 0) & (hour <= 23)
             & (minute >= 0) & (minute <= 59) & (second >= 0) & (second < 61) & (year >= 1980) & (year <= 2100))
    if not valid.all():
        i = int(np.flatnonzero(~valid)[0])
        raise FormatError(path, int(body.epoch_line[data_epochs[i]]), "a valid epoch date and time (GPS era)",
                          " ".join(f"{v:g}" for v in fields[i, :6]))
    months = (year.astype(np.int64) - 1970) * 12 + month.astype(np.int64) - 1
    dates = months.astype("datetime64[M]").astype("datetime64[D]") + (day.astype(np.int64) - 1)
    ns = (hour.astype(np.int64) * 3600 + minute.astype(np.int64) * 60) * 1_000_000_000
    ns = ns + np.round(second * 1e7).astype(np.int64) * 100  # F11.7: 100 ns resolution
    local = dates.astype("datetime64[ns]") + ns.astype("timedelta64[ns]")
    system = header.attrs["time_system"]
    if system not in _TIME_SCALES:
        raise FormatError(path, None, f"a time system {', '.join(_TIME_SCALES)} in TIME OF FIRST OBS", system)
    return Time.from_scale(local, _TIME_SCALES[system]).gpst


def _assemble(header, body, path, var_codes, values, lli_seen, ssi_seen, times, sv_names, flag, data_epochs, present):
    """``lli_seen``/``ssi_seen``: (indicator array, which variables carry any indicator)."""
    data_vars = {}
    dims = ("time", "sv")
    (lli, has_lli), (ssi, has_ssi) = lli_seen, ssi_seen
    for v, code in enumerate(var_codes):
        attrs = {"units": _units(header, code)}
        if header.rinex2_names:
            attrs["rinex2_code"] = ",".join(sorted(header.rinex2_names[code]))
        data_vars[code] = variable(dims, values[:, :, v], attrs)
        if has_lli[v]:
            data_vars[f"{code}_lli"] = variable(dims, lli[:, :, v], {"description": "loss of lock indicator, -1 = blank"})
        if has_ssi[v]:
            data_vars[f"{code}_ssi"] = variable(dims, ssi[:, :, v], {"description": "signal strength indicator 1-9, -1 = blank"})
    data_vars["epoch_flag"] = variable("time", flag[data_epochs].astype(np.int8),
                                        {"description": "RINEX epoch flag (0 OK, 1 power failure)"})
    clock = body.fields[data_epochs, 8]
    if np.isfinite(clock).any():
        data_vars["rx_clock_offset_s"] = variable("time", clock, {"units": "s"})
    coords = indexed_coords(time=np.asarray(times, dtype="datetime64[ns]"), sv=sv_names.astype(str))
    # built from finished numpy arrays without xarray's dask probe (see lodestar.xarray_build: ~0.3-0.5 s)
    return xr.Dataset(data_vars, coords=coords, attrs=_dataset_attrs(header, path, present, body))


def _units(header, code):
    if code[0] == "S" and header.version < 3:  # RINEX 2 strength units are receiver-dependent
        unit = header.attrs.get("signal_strength_unit", "")
        return "dB-Hz" if unit.upper() == "DBHZ" else "receiver-dependent"
    return UNITS[code[0]]


def _dataset_attrs(header, path, present, body) -> dict:
    h = header.attrs
    codes = {s: list(header.obs_codes[s]) for s in SYSTEM_ORDER if s in header.obs_codes
             and (header.version >= 3 or s in present)}
    attrs = {
        "path": str(path),
        "format": "RINEX OBS",
        "version": header.version,
        "file_system": h.get("file_system", ""),
        "marker_name": h.get("marker_name", ""),
        "marker_number": h.get("marker_number", ""),
        "receiver": h.get("receiver", ""),
        "receiver_version": h.get("receiver_version", ""),
        "antenna": h.get("antenna", ""),
        "antenna_delta_hen_m": h.get("antenna_delta_hen_m", [0.0, 0.0, 0.0]),
        "interval_s": h.get("interval_s"),
        "time_system": h["time_system"],
        "obs_codes": codes,
        "glonass_channels": dict(h.get("glonass_channels", {})),
        "glonass_cod_phs_bis": dict(h.get("glonass_cod_phs_bis", {})),
        "skipped": dict(body.skipped),
        "header_lines": header.lines,
    }
    if "approx_position_m" in h:
        attrs["approx_position_m"] = h["approx_position_m"]
    if h.get("leap_seconds") is not None:
        attrs["leap_seconds"] = h["leap_seconds"]
    if attrs["interval_s"] is None:
        attrs.pop("interval_s")
    return attrs


def obs_codes(ds: xr.Dataset) -> dict[str, list[str]]:
    """Observation codes per system from the file's header, e.g. ``{"R": ["C1C", ...]}``."""
    codes = ds.attrs.get("obs_codes", {})
    return json.loads(codes) if isinstance(codes, str) else dict(codes)


def glonass_channels(ds: xr.Dataset) -> dict[str, int]:
    """GLONASS frequency channel per slot from GLONASS SLOT / FRQ # (``{"R01": 1, ...}``)."""
    channels = ds.attrs.get("glonass_channels", {})
    return json.loads(channels) if isinstance(channels, str) else dict(channels)
