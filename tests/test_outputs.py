"""Solution outputs other tools read: RTKLIB .pos (xyz/llh/enu), KML 2.2, GeoJSON, NMEA 0183.

References: RTKLIB 2.4.3 itself through pyrtklib (``outsolheads``/``outsols`` write the header and
record of the same solution, ``readsol`` reads our files back) and RTKLIB's own ESBC .pos file
(``esbc-2020-177/rtklib``); the KML 2.2 namespace (OGC 07-147r2); RFC 7946 (GeoJSON); NMEA 0183
(checksum = XOR of the characters between ``$`` and ``*``; GGA/RMC fields). Positions are the
real ESBC 2020-06-25 first-hour solution.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from reference import ESBC_ITRF2014_XYZ

from lodestar.errors import LodestarError
from lodestar.formats import SUFFIX_FORMATS, format_for_path
from lodestar.formats.nmea import checksum, gga_sentences
from lodestar.formats.rtklib_pos import pos_text
from lodestar.formats.tracks import STATUS_COLOURS
from lodestar.frames import ecef_to_enu, ecef_to_geodetic
from lodestar.positioning import solve
from lodestar.positioning.output import write_solution

SOLVED = ("ok", "fde")


@pytest.fixture(scope="module")
def solution(esbc):
    return solve(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
                 esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz", systems="R+C", mask_deg=10)


def _solved(ds):
    return np.isin(ds["status"].values, SOLVED)


def _readsol(path):
    """pyrtklib readsol in a child process (its getsol and exit free buffers twice): rows of t, stat, ns, type, rr, qr."""
    pytest.importorskip("pyrtklib")
    code = ("import json,sys,pyrtklib as p\nsb=p.solbuf_t()\nok=p.readsol([sys.argv[1]],1,sb)\nrows=[]\n"
            "for i in range(sb.n):\n s=sb.data[i]\n rows.append([s.time.time+s.time.sec,s.stat,s.ns,s.type,"
            "[s.rr[k] for k in range(3)],[s.qr[k] for k in range(6)]])\nprint(json.dumps([ok,rows]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.splitlines()[0])


def _gpst_unix(ds):
    """GPST epochs of the solved rows as RTKLIB gtime_t seconds (GPST counted like Unix time)."""
    return ds["time"].values[_solved(ds)].astype("datetime64[ns]").astype(np.int64) / 1e9


# --- RTKLIB .pos --------------------------------------------------------------------------------

def test_xyz_header_is_rtklibs_byte_for_byte(solution, esbc):
    ours = pos_text(solution, "xyz").split("\n")
    theirs = (esbc / "rtklib" / "ESBC_2020177_spp_R+C.pos").read_bytes().decode().split("\n")
    legend = [line for line in theirs if line.startswith("% (")]
    columns = [line for line in theirs if line.startswith("%  GPST")]
    assert legend[0] in ours and columns[0] in ours  # CR LF kept, as RTKLIB writes them
    # file-header lines in RTKLIB's layout (postpos.c outheader): same keys, same columns
    for key in ("% program   : ", "% inp file  : ", "% obs start : ", "% obs end   : "):
        assert any(line.startswith(key) for line in ours)
    assert "% obs start : 2020/06/25 00:00:00.0 GPST (week2111 345600.0s)" in ours
    record = next(line for line in ours if line[:4] == "2020")
    rtk_record = next(line for line in theirs if line[:4] == "2020")
    assert len(record) == len(rtk_record)  # same fixed-width columns
    assert [i for i, c in enumerate(record) if c == "."] == [i for i, c in enumerate(rtk_record) if c == "."]


def _rtklib_lines(ds, posf, origin=None):
    """RTKLIB's own header and first record (pyrtklib outsolheads / outsols) for the first solved epoch."""
    p = pytest.importorskip("pyrtklib")
    buf = getattr(p, "Arr1Dunsigned char")(4096)
    opt = p.solopt_t()
    opt.posf, opt.timef, opt.timeu, opt.outhead, opt.times, opt.degf, opt.height = posf, 1, 3, 1, 0, 0, 0
    head = bytes(buf[i] for i in range(p.outsolheads(buf, opt))).decode()
    i = int(np.flatnonzero(_solved(ds))[0])
    from lodestar.time import Time

    week, sow = Time(ds["time"].values[i:i + 1]).week_sow("gpst")
    sol = p.sol_t()
    sol.time = p.gpst2time(int(week[0]), float(sow[0]))
    for k, name in enumerate(("x_m", "y_m", "z_m")):
        sol.rr[k] = float(ds[name].values[i])
    sd = [float(ds[k].values[i]) for k in ("sdx_m", "sdy_m", "sdz_m", "sdxy_m", "sdyz_m", "sdzx_m")]
    for k, value in enumerate(sd):
        sol.qr[k] = np.sign(value) * value**2  # RTKLIB keeps variances; the .pos shows signed roots
    sol.stat, sol.ns = 5, int(ds["n_sats"].values[i])
    rb = p.Arr1Ddouble(3)
    for k, value in enumerate(origin if origin is not None else (0.0, 0.0, 0.0)):
        rb[k] = float(value)
    record = bytes(buf[j] for j in range(p.outsols(buf, sol, rb, opt))).decode()
    return head, record


@pytest.mark.parametrize("pos_format", ["xyz", "llh", "enu"])
def test_pos_matches_rtklib_outsolheads_and_outsols(solution, pos_format):
    p = pytest.importorskip("pyrtklib")
    posf = {"xyz": p.SOLF_XYZ, "llh": p.SOLF_LLH, "enu": p.SOLF_ENU}[pos_format]
    origin = np.array(ESBC_ITRF2014_XYZ) if pos_format == "enu" else None
    head, record = _rtklib_lines(solution, posf, origin)
    text = pos_text(solution, pos_format, origin)
    assert head in text  # the two header lines, byte for byte (CR LF included)
    ours = next(line for line in text.split("\r\n") if line[:4] == "2020")
    theirs = record.rstrip("\r\n")
    assert len(ours) == len(theirs)
    # every column ends at the same place; values agree to the last printed digit (RTKLIB keeps
    # variances in single precision and iterates its geodetic latitude to 0.1 mm)
    ends = [i for i in range(1, len(theirs)) if theirs[i - 1] != " " and (i == len(theirs) or theirs[i] == " ")]
    assert ends == [i for i in range(1, len(ours)) if ours[i - 1] != " " and (i == len(ours) or ours[i] == " ")]
    for a, b in zip(ours.split()[2:], theirs.split()[2:]):
        step = 10.0 ** -len(b.split(".")[1]) if "." in b else 1.0
        assert abs(float(a) - float(b)) <= 1.01 * step, (a, b)


@pytest.mark.parametrize("pos_format", ["xyz", "llh", "enu"])
def test_rtklib_readsol_reads_every_layout_back(solution, pos_format, tmp_path):
    origin = np.array(ESBC_ITRF2014_XYZ)
    path = tmp_path / "out.pos"
    write_solution(solution, path, pos_format=pos_format, origin_xyz=origin)
    ok, rows = _readsol(path)
    ds = solution
    solved = _solved(ds)
    assert ok == 1 and len(rows) == solved.sum()
    assert np.allclose([r[0] for r in rows], _gpst_unix(ds), atol=1e-3)
    assert all(r[1] == 5 for r in rows)  # Q = 5 single
    assert [r[2] for r in rows] == ds["n_sats"].values[solved].tolist()
    xyz = np.stack([ds[k].values[solved] for k in ("x_m", "y_m", "z_m")], axis=1)
    rr = np.array([r[4] for r in rows])
    if pos_format == "enu":  # RTKLIB keeps the baseline as read (type 1)
        lat, lon, _ = ecef_to_geodetic(origin)
        assert all(r[3] == 1 for r in rows)
        assert np.allclose(rr, ecef_to_enu(xyz - origin, lat, lon), atol=6e-5)
    else:  # llh is converted back to ECEF by RTKLIB: 9 decimals of a degree = 0.1 mm
        assert np.allclose(rr, xyz, atol=1e-3)
    # the covariance goes back to ECEF too (llh): RTKLIB's variances equal ours to the printed digits
    q = np.array([r[5] for r in rows])
    sd = np.stack([ds[k].values[solved] for k in ("sdx_m", "sdy_m", "sdz_m")], axis=1)
    if pos_format != "enu":
        assert np.allclose(np.sqrt(q[:, :3]), sd, atol=2e-4)


def test_enu_origin_defaults_to_first_solution_and_is_announced(solution):
    text = pos_text(solution, "enu")
    first = next(line for line in text.split("\r\n") if line[:4] == "2020")
    assert [float(v) for v in first.split()[2:5]] == [0.0, 0.0, 0.0]
    ref = next(line for line in text.split("\n") if line.startswith("% ref pos   :"))
    i = int(np.flatnonzero(_solved(solution))[0])
    lat, lon, h = (float(v) for v in ref.split(":")[1].split())
    assert lat == pytest.approx(solution["lat_deg"].values[i], abs=1e-9)
    assert lon == pytest.approx(solution["lon_deg"].values[i], abs=1e-9)
    assert h == pytest.approx(solution["height_m"].values[i], abs=1e-4)


# --- KML, GeoJSON ------------------------------------------------------------------------------

def test_kml_is_valid_kml22_with_lon_lat_h(solution, tmp_path):
    path = tmp_path / "track.kml"
    write_solution(solution, path)  # the suffix chooses KML
    root = ET.parse(path).getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    solved = _solved(solution)
    line = root.find(".//k:LineString/k:coordinates", ns).text.split()
    points = root.findall(".//k:Folder/k:Placemark", ns)
    assert len(line) == len(points) == solved.sum()
    lon, lat, h = np.array([c.split(",") for c in line], float).T
    assert np.allclose(lon, solution["lon_deg"].values[solved], atol=1e-9)  # longitude first
    assert np.allclose(lat, solution["lat_deg"].values[solved], atol=1e-9)
    assert np.allclose(h, solution["height_m"].values[solved], atol=1e-4)
    styles = {s.get("id"): s.find(".//k:color", ns).text for s in root.findall(".//k:Style", ns)}
    statuses = solution["status"].values[solved]
    for mark, status in zip(points, statuses):
        assert mark.find("k:styleUrl", ns).text == f"#{status}"
        assert mark.find(".//k:when", ns).text.endswith("Z")
    assert styles["ok"] != styles["fde"]


def test_geojson_is_rfc7946(solution, tmp_path):
    path = tmp_path / "track.geojson"
    write_solution(solution, path)
    doc = json.loads(path.read_text())
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946 §4: WGS 84, no crs member
    kinds = [f["geometry"]["type"] for f in doc["features"]]
    assert kinds[0] == "LineString" and set(kinds[1:]) == {"Point"}
    solved = _solved(solution)
    points = doc["features"][1:]
    assert len(points) == solved.sum()
    lon, lat, _ = np.array([f["geometry"]["coordinates"] for f in points]).T
    assert np.allclose(lon, solution["lon_deg"].values[solved], atol=1e-8)
    assert np.allclose(lat, solution["lat_deg"].values[solved], atol=1e-8)
    assert doc["features"][0]["geometry"]["coordinates"] == [f["geometry"]["coordinates"] for f in points]
    first = points[0]["properties"]
    assert first["time_gps"] == "2020-06-25T00:00:00.000" and first["status"] in SOLVED
    # coloured by status in the key map viewers read (Mapbox simplestyle-spec 1.1.0: "marker-color", #rrggbb;
    # GitHub's and geojson.io's renderers), the same colours as the KML's styles
    for point in points:
        assert point["properties"]["marker-color"] == STATUS_COLOURS[point["properties"]["status"]][1]
    assert STATUS_COLOURS["ok"][1] != STATUS_COLOURS["fde"][1]
    assert doc["features"][0]["properties"]["stroke"].startswith("#")
    assert first["sdu_m"] == pytest.approx(solution["sdu_m"].values[solved][0], abs=1e-4)


# --- NMEA ---------------------------------------------------------------------------------------

def test_nmea_checksums_fields_and_utc(solution, tmp_path):
    path = tmp_path / "out.nmea"
    write_solution(solution, path)
    raw = path.read_bytes()
    sentences = raw.decode("ascii").split("\r\n")[:-1]
    assert raw.endswith(b"\r\n") and len(sentences) == 2 * solution.sizes["time"]
    for sentence in sentences:
        body, given = sentence[1:].split("*")
        value = 0
        for char in body.encode():
            value ^= char
        assert given == f"{value:02X}" == checksum(body)
    gga = [s.split("*")[0].split(",") for s in sentences if s[3:6] == "GGA"]
    assert all(f[0] == "$GNGGA" for f in gga)  # R+C: the multi-system talker
    # 2020-06-25 00:00:00 GPST = 2020-06-24 23:59:42 UTC (18 leap seconds, IERS Bulletin C)
    assert gga[0][1] == "235942.00" and gga[1][1] == "000012.00"
    solved = _solved(solution)
    i = int(np.flatnonzero(solved)[0])
    f = gga[i]
    lat = int(f[2][:2]) + float(f[2][2:]) / 60.0
    lon = int(f[4][:3]) + float(f[4][3:]) / 60.0
    assert (f[3], f[5]) == ("N", "E")
    assert lat == pytest.approx(solution["lat_deg"].values[i], abs=2e-9)
    assert lon == pytest.approx(solution["lon_deg"].values[i], abs=2e-9)
    assert f[6] == "1" and int(f[7]) == solution["n_sats"].values[i]
    assert float(f[9]) + float(f[11]) == pytest.approx(solution["height_m"].values[i], abs=1e-3)
    assert [g[6] for g in gga] == ["1" if s else "0" for s in solved]


def test_nmea_unsolved_epoch_has_quality_zero_and_valid_checksum(solution):
    ds = solution.copy(deep=True)
    ds["status"].values[0] = "insufficient"
    sentence = gga_sentences(ds)[0]
    fields = sentence.split("*")[0].split(",")
    assert fields[6] == "0" and fields[2] == "" and sentence.split("*")[1] == checksum(sentence[1:].split("*")[0])


def test_rtklib_reads_our_nmea_back(solution, tmp_path):
    path = tmp_path / "out.nmea"
    write_solution(solution, path, "nmea")
    ok, rows = _readsol(path)
    solved = _solved(solution)
    assert ok == 1 and len(rows) == solved.sum()
    assert np.allclose([r[0] for r in rows], _gpst_unix(solution), atol=0.011)  # UTC back to GPST
    xyz = np.stack([solution[k].values[solved] for k in ("x_m", "y_m", "z_m")], axis=1)
    assert np.allclose(np.array([r[4] for r in rows]), xyz, atol=0.01)  # 1e-7 arc-minute, 1 mm height


# --- the suffix chooses the format --------------------------------------------------------------

def test_suffixes_choose_formats_and_unknown_is_refused(solution, tmp_path):
    assert {format_for_path(f"x{s}") for s in SUFFIX_FORMATS} == {"csv", "rtklib", "parquet", "kml", "geojson", "nmea"}
    for bad in ("x.xyz", "x.txt", "x"):
        with pytest.raises(LodestarError, match=r"\.csv \.pos \.parquet .*\.kml \.geojson \.nmea"):
            write_solution(solution, tmp_path / bad)
        assert not (tmp_path / bad).exists()


# --- a PPP solution through the same writers ------------------------------------------------------

@pytest.fixture(scope="module")
def ppp_solution(esbc, data):
    from lodestar.positioning.ppp import ppp

    return ppp(esbc / "WTZR00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
               sp3=[esbc / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
               clk=esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz", antex=data / "antex" / "igs20_wettzell_trim.atx",
               systems="R", mode="static")


@pytest.mark.parametrize("pos_format", ["xyz", "llh"])
def test_rtklib_reads_a_ppp_pos_and_nmea_back_as_ppp(ppp_solution, pos_format, tmp_path):
    # one .pos writer for solve and ppp: Q = 6 (RTKLIB SOLQ_PPP) per record, RTKLIB's PPP option lines; the
    # NMEA GGA quality 3 comes back from RTKLIB's reader as SOLQ_PPP too (solution.c solq_nmea)
    from lodestar.positioning.ppp.output import write_solution as write_ppp

    ds = ppp_solution
    solved = np.isin(ds["status"].values, ("converged", "converging"))
    xyz = np.stack([ds[k].values[solved] for k in ("x_m", "y_m", "z_m")], axis=1)
    path = tmp_path / "ppp.pos"
    write_ppp(ds, path, "rtklib", pos_format=pos_format)
    text = path.read_text()
    assert "% pos mode  : PPP Static" in text and "% ionos opt" not in text and "(lodestar ppp)" in text
    ok, rows = _readsol(path)
    assert ok == 1 and len(rows) == solved.sum() and {r[1] for r in rows} == {6}
    assert np.allclose(np.array([r[4] for r in rows]), xyz, atol=1e-3)
    write_ppp(ds, tmp_path / "ppp.nmea", "nmea")
    ok, rows = _readsol(tmp_path / "ppp.nmea")
    assert ok == 1 and len(rows) == solved.sum() and {r[1] for r in rows} == {6}
    assert np.allclose(np.array([r[4] for r in rows]), xyz, atol=0.01)
