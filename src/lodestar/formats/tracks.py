"""Tracks for maps: KML 2.2 (Google Earth) and GeoJSON (RFC 7946), solved epochs coloured by status.

Both hold a line through the solved epochs and one point per epoch carrying its time (GPST, and
UTC in KML's ``TimeStamp``), status, satellites and standard deviations. Coordinates are
longitude, latitude, ellipsoidal height (WGS 84), the order both standards prescribe
(OGC 07-147r2 §16.9 ``coordinates``; RFC 7946 §3.1.1). KML draws the points on the ground
(``clampToGround``): its altitudes are above the geoid, which Lodestar does not model.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import numpy as np

from ..time import Time
from . import is_ppp, solved

__all__ = ["KML_NAMESPACE", "STATUS_COLOURS", "kml_text", "geojson_dict", "geojson_text"]

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
#: status -> (KML aabbggrr, CSS #rrggbb): green for a clean single-point solution or a converged PPP one,
#: orange after exclusions, yellow while PPP is still converging
STATUS_COLOURS = {"ok": ("ff00c000", "#00c000"), "fde": ("ff0080ff", "#ff8000"),
                  "converged": ("ff00c000", "#00c000"), "converging": ("ff00d0e0", "#e0d000")}
_SD = ("sde_m", "sdn_m", "sdu_m")


def _epochs(ds):
    """Per solved epoch: lon, lat, h, GPST and UTC ISO strings, status, n_sats, (sde, sdn, sdu)."""
    ok = solved(ds)
    time = Time(ds["time"].values[ok])
    sd = np.stack([ds[k].values[ok] if k in ds else np.full(ok.sum(), np.nan) for k in _SD], axis=1)
    return {"lon": ds["lon_deg"].values[ok], "lat": ds["lat_deg"].values[ok], "h": ds["height_m"].values[ok],
            "gpst": time.iso("gpst", "ms"), "utc": time.iso("utc", "ms"),
            "status": ds["status"].values[ok].astype(str), "n_sats": ds["n_sats"].values[ok], "sd": sd}


def _title(ds) -> str:
    kind = f"PPP ({ds.attrs['mode']})" if is_ppp(ds) else "single-point"
    return (f"{ds.attrs.get('marker_name', '') or 'receiver'} {ds.attrs.get('systems', '')} {kind} "
            f"positions, mask {float(ds.attrs.get('mask_deg', 0)):g} deg (Lodestar)")


def kml_text(ds) -> str:
    """A KML 2.2 document: styles per status, the track (LineString), a folder of placemarks."""
    e = _epochs(ds)
    styles = "".join(
        f'<Style id="{status}"><IconStyle><color>{kml}</color><scale>0.4</scale><Icon><href>'
        "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png</href></Icon></IconStyle>"
        "<LabelStyle><scale>0</scale></LabelStyle></Style>\n"
        for status, (kml, _) in STATUS_COLOURS.items())
    points = " ".join(f"{lo:.9f},{la:.9f},{h:.4f}" for lo, la, h in zip(e["lon"], e["lat"], e["h"]))
    marks = []
    for i in range(len(e["lon"])):
        sde, sdn, sdu = e["sd"][i]
        marks.append(
            f"<Placemark><name>{e['gpst'][i]}</name><TimeStamp><when>{e['utc'][i]}Z</when></TimeStamp>"
            f"<styleUrl>#{e['status'][i]}</styleUrl><description>GPST {e['gpst'][i]}, status {e['status'][i]}, "
            f"{e['n_sats'][i]} satellites, sd e/n/u {sde:.2f}/{sdn:.2f}/{sdu:.2f} m, "
            f"ellipsoidal height {e['h'][i]:.3f} m</description><Point><altitudeMode>clampToGround</altitudeMode>"
            f"<coordinates>{e['lon'][i]:.9f},{e['lat'][i]:.9f},{e['h'][i]:.4f}</coordinates></Point></Placemark>\n")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="{KML_NAMESPACE}">\n<Document>\n'
            f"<name>{escape(_title(ds))}</name>\n{styles}"
            '<Style id="track"><LineStyle><color>ffffffff</color><width>1</width></LineStyle></Style>\n'
            "<Placemark><name>track</name><styleUrl>#track</styleUrl><LineString><tessellate>1</tessellate>"
            f"<altitudeMode>clampToGround</altitudeMode><coordinates>{points}</coordinates></LineString></Placemark>\n"
            f"<Folder><name>epochs</name>\n{''.join(marks)}</Folder>\n</Document>\n</kml>\n")


def geojson_dict(ds) -> dict:
    """A GeoJSON FeatureCollection: the track (LineString), then one Point per solved epoch, its
    ``marker-color`` (simplestyle-spec) that of its status."""
    e = _epochs(ds)
    coords = [[round(float(lo), 9), round(float(la), 9), round(float(h), 4)]
              for lo, la, h in zip(e["lon"], e["lat"], e["h"])]
    features = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                 "properties": {"kind": "track", "title": _title(ds), "epochs": len(coords), "stroke": "#808080"}}]
    for i, xyz in enumerate(coords):
        sde, sdn, sdu = (None if not np.isfinite(v) else round(float(v), 4) for v in e["sd"][i])
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": xyz},
                         "properties": {"time_gps": str(e["gpst"][i]), "status": str(e["status"][i]),
                                        # simplestyle-spec 1.1.0 (Mapbox), read by GitHub's and geojson.io's maps
                                        "marker-color": STATUS_COLOURS.get(e["status"][i], ("", "#808080"))[1],
                                        "n_sats": int(e["n_sats"][i]), "sde_m": sde, "sdn_m": sdn, "sdu_m": sdu}})
    return {"type": "FeatureCollection", "features": features}


def geojson_text(ds) -> str:
    return json.dumps(geojson_dict(ds), separators=(",", ":")) + "\n"
