"""Writers of a solution in the file formats other tools read: RTKLIB ``.pos``, KML, GeoJSON, NMEA.

``lodestar.io`` reads; this package writes. Every writer takes the per-epoch solution Dataset of
:func:`lodestar.positioning.solve` (or of :func:`lodestar.positioning.ppp.ppp`) and a path (written
atomically by the caller, ``write_solution``), and keeps only the solved epochs (``ok``/``fde``;
PPP ``converged``/``converging``), as RTKLIB does in its own outputs. The format is chosen from the output's
suffix (:func:`format_for_path`): an unknown suffix is refused, never written as CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import LodestarError
from ..statuses import TRACK_STATUSES

__all__ = ["SUFFIX_FORMATS", "FORMATS", "format_for_path", "is_ppp", "solved"]

#: output suffix -> format name (``--out x.kml`` writes KML)
SUFFIX_FORMATS = {
    ".csv": "csv", ".pos": "rtklib", ".parquet": "parquet", ".pq": "parquet",
    ".kml": "kml", ".geojson": "geojson", ".nmea": "nmea",
}
FORMATS = ("csv", "rtklib", "parquet", "kml", "geojson", "nmea")


def format_for_path(path) -> str:
    """The format the suffix of ``path`` names; an unknown suffix is a :class:`LodestarError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        accepted = " ".join(SUFFIX_FORMATS)
        raise LodestarError(f"--out {path}: unknown output suffix {suffix or '(none)'!r}; "
                            f"use one of {accepted} (or name the format with --format)")
    return SUFFIX_FORMATS[suffix]


def solved(ds):
    """(T,) bool: epochs with a position (single-point ``ok`` or ``fde``; PPP ``converged`` or ``converging``)."""
    return np.isin(ds["status"].values.astype(str), TRACK_STATUSES) & np.isfinite(ds["x_m"].values)


def is_ppp(ds) -> bool:
    """A PPP solution (``lodestar.positioning.ppp``: its attributes carry the filter's mode)."""
    return ds.attrs.get("mode") in ("static", "kinematic")
