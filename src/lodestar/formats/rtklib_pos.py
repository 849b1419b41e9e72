"""RTKLIB 2.4.3 solution files (``.pos``) in its ``xyz``, ``llh`` and ``enu`` layouts.

The layout is RTKLIB's ``outheader`` (postpos.c), ``outprcopts``, ``outsolheads`` and
``outecef``/``outpos``/``outenu`` (solution.c) with ``out-timeform = hms``, 3 decimals of time,
``out-degform = deg``, ``out-height = ellipsoidal``, a space separator: the same columns and
header lines, so RTKPLOT, ``pos2kml`` and pyrtklib's ``readsol`` read it unchanged. As RTKLIB
2.4.3 b34 does, the file-header lines end in LF and the solution header and records in CR LF.

Standard deviations follow RTKLIB: ``sd = sqrt(q)`` on the diagonal and ``sign(q) sqrt(|q|)``
off it; in ``llh`` and ``enu`` the covariance is rotated to east/north/up (RTKLIB ``covenu``)
at the solution (``llh``) or at the origin (``enu``). Status Q is 5 (single) for a single-point
solution and 6 (PPP) for a PPP one (``lodestar.positioning.ppp``: its datasets carry ``mode`` static or
kinematic), whose option lines are RTKLIB's for PPP (``outprcopts``: pos mode ``PPP Static`` /
``PPP Kinematic``, solution, dynamics, tidecorr, no ionosphere line, tropo ``Estimate ZTD``).
"""

from __future__ import annotations

import numpy as np

from .. import __version__
from ..errors import LodestarError
from ..frames import ecef_to_geodetic, enu_matrix
from ..time import Time
from . import is_ppp, solved

__all__ = ["POS_FORMATS", "pos_text"]

POS_FORMATS = ("xyz", "llh", "enu")
_Q_SINGLE = 5  # RTKLIB SOLQ_SINGLE
_Q_PPP = 6  # RTKLIB SOLQ_PPP
_LEGEND = "Q=1:fix,2:float,3:sbas,4:dgps,5:single,6:ppp,ns=# of satellites"
_IONO = {"klobuchar": "Broadcast", "nequick": "Galileo NeQuick-G", "iflc": "Iono-Free LC", "off": "OFF"}  # RTKLIB outprcopts s4 (+ ours)
_NAVSYS = {"G": "GPS", "R": "GLONASS", "E": "Galileo", "J": "QZSS", "C": "BDS", "I": "NavIC", "S": "SBAS"}
_NAVSYS_ORDER = "GREJCIS"  # RTKLIB's order of systems in "navi sys"
_SIGMAS = ("sdx_m", "sdy_m", "sdz_m", "sdxy_m", "sdyz_m", "sdzx_m")


def _stamp(gpst, decimals: int) -> np.ndarray:
    """``2020/06/25 00:00:30.000`` (RTKLIB ``time2str``), rounded to ``decimals``."""
    step = 10 ** (9 - decimals)
    ns = np.asarray(gpst, "datetime64[ns]").astype(np.int64)
    rounded = ((ns + step // 2) // step * step).astype("datetime64[ns]")
    text = np.datetime_as_string(rounded, unit="ms")
    cut = 19 + (decimals + 1 if decimals else 0)
    return np.array([t[:cut].replace("-", "/").replace("T", " ") for t in text])


def _xyz_covariance(ds) -> np.ndarray:
    """(T, 3, 3) position covariance (m^2) rebuilt from RTKLIB's signed-sqrt sdx..sdzx columns."""
    if not all(k in ds for k in _SIGMAS):
        return np.zeros((ds.sizes["time"], 3, 3))
    sd = np.nan_to_num(np.stack([ds[k].values for k in _SIGMAS], axis=1))
    q = np.sign(sd) * sd**2
    xx, yy, zz, xy, yz, zx = q.T
    return np.stack([np.stack([xx, xy, zx], -1), np.stack([xy, yy, yz], -1), np.stack([zx, yz, zz], -1)], 1)


def _enu_sigmas(q_xyz, lat_deg, lon_deg):
    """(T, 6) sde, sdn, sdu, then signed-sqrt en, nu, ue (RTKLIB ``covenu`` + ``sqvar``)."""
    rot = np.broadcast_to(enu_matrix(lat_deg, lon_deg), q_xyz.shape)
    q = np.einsum("tij,tjk,tlk->til", rot, q_xyz, rot)
    diag = np.sqrt(np.maximum(np.diagonal(q, axis1=1, axis2=2), 0.0))
    off = np.stack([q[:, 0, 1], q[:, 1, 2], q[:, 2, 0]], axis=1)
    return np.concatenate([diag, np.sign(off) * np.sqrt(np.abs(off))], axis=1)


def _option_lines(ds) -> list[str]:
    """RTKLIB ``outprcopts`` (``out-outopt = on``) for single-point positioning or PPP."""
    systems = str(ds.attrs.get("systems", "")).replace("+", "")
    navsys = " ".join(_NAVSYS[s] for s in _NAVSYS_ORDER if s in systems)
    mask = f"% elev mask : {float(ds.attrs.get('mask_deg', 0.0)):.1f} deg"
    if is_ppp(ds):  # RTKLIB writes no ionosphere line for PPP modes (mode > PMODE_FIXED)
        tropo = "Estimate ZTD+Grad" if ds.attrs.get("gradients") else "Estimate ZTD"
        return [f"% pos mode  : PPP {str(ds.attrs['mode']).capitalize()}",
                f"% solution  : {str(ds.attrs.get('direction', 'forward')).capitalize()}", mask,
                "% dynamics  : off", "% tidecorr  : on", f"% tropo opt : {tropo}", "% ephemeris : Precise",
                f"% navi sys  : {navsys}"]
    ephemeris = "Precise" if ds.attrs.get("orbits") == "precise" else "Broadcast"
    return ["% pos mode  : Single", mask,
            f"% ionos opt : {_IONO.get(ds.attrs.get('iono'), 'OFF')}", "% tropo opt : Saastamoinen",
            f"% ephemeris : {ephemeris}", f"% navi sys  : {navsys}"]


def _column_header(pos_format: str) -> list[str]:
    """RTKLIB ``outsolheads`` (``timef`` on, 3 decimals: the time column is 20 wide)."""
    if pos_format == "xyz":
        names = ("%14s " * 3) % ("x-ecef(m)", "y-ecef(m)", "z-ecef(m)")
        sds = ("sdx(m)", "sdy(m)", "sdz(m)", "sdxy(m)", "sdyz(m)", "sdzx(m)")
        frame = "x/y/z-ecef=WGS84"
    elif pos_format == "llh":
        names = "%14s %14s %10s " % ("latitude(deg)", "longitude(deg)", "height(m)")
        sds = ("sdn(m)", "sde(m)", "sdu(m)", "sdne(m)", "sdeu(m)", "sdun(m)")
        frame = "lat/lon/height=WGS84/ellipsoidal"
    else:
        names = ("%14s " * 3) % ("e-baseline(m)", "n-baseline(m)", "u-baseline(m)")
        sds = ("sde(m)", "sdn(m)", "sdu(m)", "sden(m)", "sdnu(m)", "sdue(m)")
        frame = "e/n/u-baseline=WGS84"
    columns = names + "%3s %3s " % ("Q", "ns") + ("%8s " * 6) % sds + "%6s %6s" % ("age(s)", "ratio")
    return [f"% ({frame},{_LEGEND})", "%  " + "%-20s " % "GPST" + columns]


def _records(ds, pos_format: str, origin_xyz):
    """(T_solved, 3) position columns and (T_solved, 6) standard deviations in ``pos_format``."""
    ok = solved(ds)
    q_xyz = _xyz_covariance(ds)[ok]
    xyz = np.stack([ds[k].values[ok] for k in ("x_m", "y_m", "z_m")], axis=1)
    if pos_format == "xyz":  # the Dataset's columns are RTKLIB's already (estimator.position_sigmas)
        if not all(k in ds for k in _SIGMAS):
            return xyz, np.zeros((len(xyz), 6))
        return xyz, np.nan_to_num(np.stack([ds[k].values[ok] for k in _SIGMAS], axis=1))
    if pos_format == "llh":
        lat, lon, height = ecef_to_geodetic(xyz)
        sd = _enu_sigmas(q_xyz, lat, lon)  # RTKLIB order: sdn sde sdu sdne sdeu sdun
        return np.stack([lat, lon, height], 1), sd[:, [1, 0, 2, 3, 5, 4]]
    lat0, lon0, _ = ecef_to_geodetic(np.asarray(origin_xyz, float))
    enu = (xyz - origin_xyz) @ enu_matrix(lat0, lon0).T
    return enu, _enu_sigmas(q_xyz, np.full(len(xyz), lat0), np.full(len(xyz), lon0))  # sde sdn sdu sden sdnu sdue


def _body(ds, pos_format, origin_xyz) -> list[str]:
    ok = solved(ds)
    when = _stamp(ds["time"].values[ok], 3)
    values, sd = _records(ds, pos_format, origin_xyz)
    n_sats = ds["n_sats"].values[ok]
    position = "%14.9f %14.9f %10.4f" if pos_format == "llh" else "%14.4f %14.4f %14.4f"
    template = f"%s {position} %3d %3d" + " %8.4f" * 6 + " %6.2f %6.1f"
    quality = _Q_PPP if is_ppp(ds) else _Q_SINGLE
    return [template % (when[i], *values[i], quality, n_sats[i], *sd[i], 0.0, 0.0) for i in range(len(when))]


def pos_text(ds, pos_format: str = "xyz", origin_xyz=None, inputs=()) -> str:
    """The ``.pos`` file of ``ds`` as text (``inputs``: file names for the ``inp file`` lines).

    ``origin_xyz`` (ECEF m, ``enu`` only): the origin of east/north/up; RTKLIB uses the base
    station, Lodestar the truth or ``--origin`` (else the first solved epoch). It is written in a
    ``ref pos`` line as RTKLIB does.
    """
    if pos_format not in POS_FORMATS:
        raise LodestarError(f"unknown .pos format {pos_format!r}; use {', '.join(POS_FORMATS)}")
    ok = solved(ds)
    if pos_format == "enu" and origin_xyz is None:
        if not ok.any():
            raise LodestarError("--pos-format enu needs an origin: no epoch was solved; give --origin X,Y,Z")
        origin_xyz = np.array([ds[k].values[ok][0] for k in ("x_m", "y_m", "z_m")])
    time = Time(ds["time"].values)
    week, sow = time.week_sow("gpst")
    first, last = _stamp(time.gpst[[0, -1]], 1)
    head = [f"% program   : Lodestar ver.{__version__} (lodestar {'ppp' if is_ppp(ds) else 'solve'})"]
    if not inputs:  # one line per input file, as RTKLIB writes them (merged navigation files are joined by " + ")
        inputs = [ds.attrs.get("obs_path", ""), *str(ds.attrs.get("nav_path", "")).split(" + ")]
    head += [f"% inp file  : {name}" for name in inputs if name]
    head += [f"% obs start : {first} GPST (week{week[0]:04d} {sow[0]:8.1f}s)",
             f"% obs end   : {last} GPST (week{week[-1]:04d} {sow[-1]:8.1f}s)"]
    if pos_format == "enu":  # RTKLIB writes the base position here (outrpos)
        lat, lon, h = ecef_to_geodetic(np.asarray(origin_xyz, float))
        reference = ["%% ref pos   :%13.9f %14.9f %10.4f" % (lat, lon, h)]
    else:
        reference = []
    lines = [line + "\n" for line in head] + [line + "\r\n" for line in _option_lines(ds)]
    lines += [line + "\n" for line in reference + ["%"]]
    lines += [line + "\r\n" for line in _column_header(pos_format) + _body(ds, pos_format, origin_xyz)]
    return "".join(lines)
