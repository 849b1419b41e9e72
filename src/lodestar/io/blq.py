"""Ocean-loading coefficients in the BLQ format (Scherneck's ocean tide loading service, Onsala).

>>> sites = read_blq("stations.blq")            # {"WTZR": [OceanLoadingSite, ...], ...}
>>> site = blq_site("stations.blq", "WTZR", near_xyz_m=approx)

Format (the service's header, repeated in every file; IERS Conventions 2010 §7.1.2): lines
starting with ``$$`` are comments; each station is a name line followed by six lines of eleven
numbers, one column per tide in the order M2 S2 N2 K2 K1 O1 P1 Q1 Mf Mm Ssa:

- amplitudes (m): radial (up), tangential east-west (positive **west**), tangential north-south
  (positive **south**);
- phases (degrees, Greenwich lags, positive = lag), the same three components.

The service writes the site's longitude and latitude in a comment (``$$ WTZR, RADI TANG lon/lat:
12.8789 49.1442 666.019``); where one file holds two sites of the same name (a 4-character name is
not unique world-wide), :func:`blq_site` takes the one nearest the station.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import FormatError, LodestarError
from .compression import read_bytes

__all__ = ["MAX_AMPLITUDE_M", "NEARBY_KM", "TIDES", "OceanLoadingSite", "StationNotInFile", "blq_site", "read_blq"]

#: Column order of every BLQ file (the service's header).
TIDES = ("M2", "S2", "N2", "K2", "K1", "O1", "P1", "Q1", "Mf", "Mm", "Ssa")
#: A station missing from the file takes the block of a site this close (km).
NEARBY_KM = 10.0
#: Largest amplitude (m) accepted: ocean tide loading displaces the ground by centimetres, about 0.1 m at
#: the most at a few coastal sites (M2, radial); a value beyond 0.5 m is a unit or typing error (a
#: coefficient in millimetres), not a tide.
MAX_AMPLITUDE_M = 0.5
_LONLAT = re.compile(r"lon/lat:\s*([-+0-9.]+)\s+([-+0-9.]+)")


class StationNotInFile(LodestarError):
    """The BLQ file is fine but holds no block for the station."""


@dataclass(frozen=True)
class OceanLoadingSite:
    """One station's coefficients: (3, 11) amplitudes (m) and phases (deg), rows radial / west / south."""

    name: str
    amplitude_m: np.ndarray
    phase_deg: np.ndarray
    lon_lat_deg: tuple | None
    path: str
    line: int


def read_blq(path) -> dict:
    """{NAME (upper case): [OceanLoadingSite, ...]} of every station in the file, in file order."""
    text = read_bytes(path).decode("ascii", errors="replace").splitlines()
    sites: dict[str, list] = {}
    name, start, rows, lonlat = None, 0, [], None
    for number, line in enumerate(text, start=1):
        stripped = line.strip()
        if stripped.startswith("$$"):
            match = _LONLAT.search(stripped)
            if match and name is not None and not rows:
                lonlat = (float(match.group(1)), float(match.group(2)))
            continue
        if not stripped:
            continue
        values = _eleven(stripped)
        if name is None or len(rows) == 6:
            if values is not None:
                raise FormatError(path, number, "a station name before its six lines of coefficients", line)
            name, start, rows, lonlat = stripped.split()[0].upper(), number, [], None
            continue
        if values is None:
            raise FormatError(path, number, f"line {len(rows) + 1} of 6 of station {name}: 11 numbers "
                                            f"({' '.join(TIDES)})", line)
        _check_row(path, number, name, len(rows), values, line)
        rows.append(values)
        if len(rows) == 6:
            block = np.array(rows)
            sites.setdefault(name, []).append(OceanLoadingSite(name, block[:3], block[3:], lonlat, str(path), start))
    if name is not None and len(rows) < 6:
        raise FormatError(path, len(text), f"six lines of coefficients of station {name} (the file ends after "
                                           f"{len(rows)})", None)
    if not sites:
        raise FormatError(path, None, "at least one station block (name + 6 lines of 11 numbers)", None)
    return sites


def blq_site(path, station: str, near_xyz_m=None, *, within_km: float = NEARBY_KM) -> OceanLoadingSite:
    """The coefficients of ``station`` (4-character name, any case) from a BLQ file.

    With several blocks of that name, the one whose lon/lat comment is nearest ``near_xyz_m`` (ECEF).
    A station the file does not name takes the nearest site's block within ``within_km`` (e.g. WTZZ,
    50 m from WTZR: ocean loading varies over tens of kilometres, Scherneck 1991); else
    :class:`StationNotInFile`. The returned site's ``name`` says whose coefficients they are."""
    sites = read_blq(path)
    key = str(station).strip().upper()[:4]
    found = sites.get(key) or next((v for k, v in sites.items() if k[:4] == key), None)
    here = _lon_lat(near_xyz_m)
    if not found:
        nearest = None if here is None else min((s for v in sites.values() for s in v), key=lambda s: _km(s, here))
        if nearest is not None and _km(nearest, here) <= within_km:
            return nearest
        raise StationNotInFile(f"{path}: no ocean-loading coefficients for station {key} "
                               f"(it holds {', '.join(list(sites)[:8])}{' ...' if len(sites) > 8 else ''}; "
                               f"none within {within_km:g} km)")
    if len(found) == 1 or here is None:
        return found[0]
    return min(found, key=lambda s: _km(s, here))


def _lon_lat(xyz):
    if xyz is None:
        return None
    from ..frames import ecef_to_geodetic

    lat, lon, _ = ecef_to_geodetic(np.asarray(xyz, dtype=float))
    return float(lon), float(lat)


def _km(site: OceanLoadingSite, here) -> float:
    """Great-circle distance (km, spherical Earth) from the site's lon/lat comment; inf without one."""
    if site.lon_lat_deg is None:
        return np.inf
    lon1, lat1 = np.radians(site.lon_lat_deg)
    lon2, lat2 = np.radians(here)
    cos_angle = np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(lon1 - lon2)
    return float(6371.0 * np.arccos(np.clip(cos_angle, -1.0, 1.0)))


def _check_row(path, number: int, name: str, row: int, values: list, line: str) -> None:
    """A coefficient line holds what a loading model can give: finite numbers, amplitudes (rows 0-2) from
    0 to :data:`MAX_AMPLITUDE_M`, phases (rows 3-5) within +-360 degrees; else an error naming the line."""
    v = np.asarray(values)
    if not np.all(np.isfinite(v)):
        raise FormatError(path, number, f"line {row + 1} of 6 of station {name}: 11 finite numbers", line)
    if row < 3 and not np.all((v >= 0.0) & (v <= MAX_AMPLITUDE_M)):
        raise FormatError(path, number, f"line {row + 1} of 6 of station {name}: amplitudes in metres, from 0 to "
                                        f"{MAX_AMPLITUDE_M:g} m", line)
    if row >= 3 and not np.all(np.abs(v) <= 360.0):
        raise FormatError(path, number, f"line {row + 1} of 6 of station {name}: phases in degrees within +-360",
                          line)


def _eleven(text: str):
    parts = text.split()
    if len(parts) != 11:
        return None
    try:
        return [float(p) for p in parts]
    except ValueError:
        return None
