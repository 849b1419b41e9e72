"""Lunar gravity fields: read ICGEM ``.gfc`` and GMAT ``.cof`` files, evaluate the acceleration.

API:

- ``read_gfc(path)`` / ``read_cof(path)`` / ``read_field(path)`` (by content) -> :class:`GravityField`
  (fully normalized ``c[n, m]``, ``s[n, m]``, ``gm_m3ps2``, ``radius_m``, ``name``).
- ``lunar_field(name="GRGM660PRIM", data=None)``: a field from the sample-data folder
  (``GRGM660PRIM`` -> ``lunar/GRGM660PRIM_to150.gfc``, ``LP165P`` -> ``lunar/LP165P.cof``).
- ``field.truncated(degree, order=None)``: the same field cut to degree/order.
- ``field.acceleration(xyz_m)`` -> ``(..., 3)`` m/s² and ``field.potential(xyz_m)`` -> ``(...)``
  m²/s², at body-fixed positions (the field's own frame: DE421 PA for GRAIL and LP fields).

The sum is evaluated in Pines' singularity-free form (Pines 1973, AIAA J. 11(11)) with the
fully normalized derived Legendre functions ``Ā_nm(u) = P̄_nm(sin φ) / cos^m φ``, built by the
standard stable column recursion in n at fixed m (Holmes & Featherstone 2002, J. Geodesy 76,
eq. 11–12). The poles are regular points; the values stay far from overflow up to degree ~1000.
The kernel is compiled with numba (one loop over points) because it runs inside the integrator.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numba
import numpy as np

from ...data import data_path
from ...errors import FormatError, LodestarError
from ...io.compression import read_bytes

__all__ = ["GravityField", "read_gfc", "read_cof", "read_field", "lunar_field", "LUNAR_FIELDS"]

#: Sample-data files of the lunar fields (Lemoine et al. 2013 GRGM660PRIM truncated to 150;
#: Konopliv et al. 2001 LP165P).
LUNAR_FIELDS = {"GRGM660PRIM": "lunar/GRGM660PRIM_to150.gfc", "LP165P": "lunar/LP165P.cof"}

_FLOAT = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eEdD][-+]?\d+)?")


@dataclass(frozen=True, eq=False)
class GravityField:
    """A spherical-harmonic field with fully normalized coefficients ``c[n, m]``, ``s[n, m]``."""

    name: str
    gm_m3ps2: float
    radius_m: float
    c: np.ndarray
    s: np.ndarray
    degree: int
    order: int
    path: str = ""
    tide_system: str = ""
    _tables: tuple = field(default=None, repr=False)

    def __post_init__(self):
        if self._tables is None:
            object.__setattr__(self, "_tables", _recursion_tables(self.degree))

    @property
    def max_degree(self) -> int:
        return self.c.shape[0] - 1

    def truncated(self, degree: int, order: int | None = None) -> "GravityField":
        """The field to ``degree`` (and ``order``, default = degree); coefficients beyond are ignored."""
        order = degree if order is None else order
        if not 0 <= degree <= self.max_degree or not 0 <= order <= degree:
            raise LodestarError(
                f"{self.name}: degree/order {degree}/{order} outside 0..{self.max_degree} (order <= degree)"
            )
        n = degree + 1
        c, s = self.c[:n, :n].copy(), self.s[:n, :n].copy()
        c[:, order + 1:] = 0.0
        s[:, order + 1:] = 0.0
        return replace(self, c=c, s=s, degree=degree, order=order, _tables=None)

    def acceleration(self, xyz_m) -> np.ndarray:
        """Gravitational acceleration (m/s²) at body-fixed positions ``(..., 3)`` (m)."""
        points = np.ascontiguousarray(np.asarray(xyz_m, dtype=float).reshape(-1, 3))
        acc, _ = _pines(points, self.gm_m3ps2, self.radius_m, self.c, self.s, self.degree, self.order,
                        *self._tables, True)
        return acc.reshape(np.shape(xyz_m))

    def potential(self, xyz_m) -> np.ndarray:
        """Gravitational potential (m²/s², positive, ``GM/r`` for a point mass) at ``(..., 3)`` (m)."""
        points = np.ascontiguousarray(np.asarray(xyz_m, dtype=float).reshape(-1, 3))
        _, pot = _pines(points, self.gm_m3ps2, self.radius_m, self.c, self.s, self.degree, self.order,
                        *self._tables, False)
        return pot.reshape(np.shape(xyz_m)[:-1])


def _recursion_tables(degree: int):
    """Coefficients of the Ā_nm recursion (Holmes & Featherstone 2002 eq. 11–12) up to ``degree``.

    Rows/columns run to ``degree + 1`` in m because the gradient needs Ā_{n, m+1}.
    """
    size = degree + 2
    n = np.arange(size, dtype=float)[:, None]
    m = np.arange(size, dtype=float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.sqrt((2 * n - 1) * (2 * n + 1) / ((n - m) * (n + m)))
        b = np.sqrt((2 * n + 1) * (n + m - 1) * (n - m - 1) / ((n - m) * (n + m) * (2 * n - 3)))
        # N_nm / N_{n,m+1} converts dĀ_nm/du into Ā_{n,m+1}: sqrt((2-δ_m0)/2 (n-m)(n+m+1))
        ratio = np.sqrt(np.where(m == 0, 0.5, 1.0) * (n - m) * (n + m + 1))
    a = np.where(np.isfinite(a), a, 0.0)
    b = np.where(np.isfinite(b), b, 0.0)
    ratio = np.where((n >= m) & np.isfinite(ratio), ratio, 0.0)
    diag = np.ones(size)
    if size > 1:
        diag[1] = np.sqrt(3.0)
    for k in range(2, size):
        diag[k] = diag[k - 1] * np.sqrt((2 * k + 1) / (2 * k))
    return a, b, ratio, diag


@numba.njit(cache=True)
def _pines(points, gm, radius, c, s, nmax, mmax, rec_a, rec_b, ratio, diag, want_acc):
    count = points.shape[0]
    acc = np.zeros((count, 3))
    pot = np.zeros(count)
    abar = np.zeros((nmax + 2, nmax + 3))
    re_m = np.zeros(mmax + 2)
    im_m = np.zeros(mmax + 2)
    for p in range(count):
        x, y, z = points[p, 0], points[p, 1], points[p, 2]
        r = np.sqrt(x * x + y * y + z * z)
        sx, ty, u = x / r, y / r, z / r
        # derived Legendre functions Ā_nm(u), columns m = 0 .. min(n, mmax + 1)
        mtop = min(mmax + 1, nmax + 1)
        for m in range(mtop + 1):
            abar[m, m] = diag[m]
            if m + 1 <= nmax:
                abar[m + 1, m] = np.sqrt(2.0 * m + 3.0) * u * diag[m]
            for n in range(m + 2, nmax + 1):
                abar[n, m] = rec_a[n, m] * u * abar[n - 1, m] - rec_b[n, m] * abar[n - 2, m]
        # r_m + i i_m = (s + i t)^m = cos^m(phi) e^{i m lambda}
        re_m[0], im_m[0] = 1.0, 0.0
        for m in range(1, mmax + 2):
            re_m[m] = re_m[m - 1] * sx - im_m[m - 1] * ty
            im_m[m] = re_m[m - 1] * ty + im_m[m - 1] * sx
        rho = gm / r
        q = radius / r
        a1 = a2 = a3 = a4 = 0.0
        potential = 0.0
        for n in range(nmax + 1):
            s1 = s2 = s3 = s4 = sp = 0.0
            for m in range(min(n, mmax) + 1):
                cnm, snm = c[n, m], s[n, m]
                if cnm == 0.0 and snm == 0.0:
                    continue
                d = cnm * re_m[m] + snm * im_m[m]
                sp += abar[n, m] * d
                if not want_acc:
                    continue
                if m > 0:
                    e = cnm * re_m[m - 1] + snm * im_m[m - 1]
                    f = snm * re_m[m - 1] - cnm * im_m[m - 1]
                    s1 += m * abar[n, m] * e
                    s2 += m * abar[n, m] * f
                deriv = ratio[n, m] * abar[n, m + 1] if m + 1 <= n else 0.0
                s3 += deriv * d
                s4 -= ((n + m + 1) * abar[n, m] + u * deriv) * d
            potential += rho * sp
            a1 += rho * s1
            a2 += rho * s2
            a3 += rho * s3
            a4 += rho * s4
            rho *= q
        pot[p] = potential
        acc[p, 0] = (a1 + sx * a4) / r
        acc[p, 1] = (a2 + ty * a4) / r
        acc[p, 2] = (a3 + u * a4) / r
    return acc, pot


# --- readers ---------------------------------------------------------------------------------
def _numbers(text: str, path, line_no: int, count: int, what: str) -> list[float]:
    found = _FLOAT.findall(text)
    if len(found) < count:
        raise FormatError(path, line_no, what, text.strip())
    return [float(v.replace("D", "E").replace("d", "e")) for v in found[:count]]


def _empty(degree: int):
    return np.zeros((degree + 1, degree + 1)), np.zeros((degree + 1, degree + 1))


def read_gfc(path) -> GravityField:
    """An ICGEM ``.gfc`` static field (ICGEM format 2.0, Barthelmes & Förste 2011)."""
    lines = read_bytes(path).decode("latin-1").splitlines()
    header: dict[str, str] = {}
    body_start = None
    for index, line in enumerate(lines):
        if line.startswith("end_of_head"):
            body_start = index + 1
            break
        parts = line.split()
        if len(parts) >= 2:
            header.setdefault(parts[0].lower(), parts[1])
    if body_start is None:
        raise FormatError(path, None, "an ICGEM header closed by 'end_of_head'")
    for key in ("gravity_constant", "radius", "max_degree"):
        if key not in header:
            raise FormatError(path, None, f"header keyword {key!r}")
    if header.get("norm", "fully_normalized") != "fully_normalized":
        raise FormatError(path, None, "fully normalized coefficients (norm fully_normalized)", header["norm"])
    try:
        degree = int(header["max_degree"])
        gm = float(header["gravity_constant"].replace("D", "E"))
        radius = float(header["radius"].replace("D", "E"))
    except ValueError:
        raise FormatError(path, None, "numbers after max_degree, gravity_constant and radius",
                          f"{header['max_degree']}, {header['gravity_constant']}, {header['radius']}") from None
    c, s = _empty(degree)
    for offset, line in enumerate(lines[body_start:]):
        parts = line.split()
        if not parts:
            continue
        line_no = body_start + offset + 1
        if parts[0] != "gfc":
            raise FormatError(path, line_no, "a 'gfc L M C S ...' record (static fields only)", line)
        try:
            n, m = int(parts[1]), int(parts[2])
        except (IndexError, ValueError):
            raise FormatError(path, line_no, "integer degree and order", line) from None
        if not 0 <= m <= n <= degree:
            raise FormatError(path, line_no, f"0 <= order <= degree <= {degree}", line)
        c[n, m], s[n, m] = _numbers(" ".join(parts[3:5]), path, line_no, 2, "C and S coefficients")
    name = header.get("modelname", Path(str(path)).stem)
    return GravityField(name, gm, radius, c, s, degree, degree, str(path), header.get("tide_system", ""))


def read_cof(path) -> GravityField:
    """A GMAT ``.cof`` field: ``POTFIELD`` header (degree, order, GM m³/s², R m, normalized flag) and
    ``RECOEF n m C S`` records (fixed columns: A8, I3, I3, then two numbers that may touch)."""
    lines = read_bytes(path).decode("latin-1").splitlines()
    header = next(((i, l) for i, l in enumerate(lines) if l.startswith("POTFIELD")), None)
    if header is None:
        raise FormatError(path, None, "a POTFIELD header line")
    index, text = header
    try:
        degree = int(text[8:11])
    except ValueError:
        raise FormatError(path, index + 1, "POTFIELD degree in columns 9-11", text) from None
    values = _numbers(text[14:], path, index + 1, 4, "POTFIELD flag, GM, radius, normalization")
    _, gm, radius, normalized = values
    if normalized != 1.0:
        raise FormatError(path, index + 1, "normalized coefficients (flag 1)", text)
    c, s = _empty(degree)
    c[0, 0] = 1.0
    for line_no, line in enumerate(lines[index + 1:], start=index + 2):
        if not line.startswith("RECOEF"):
            if line.strip() and not line.startswith(("END", "COMMENT", "C")):
                raise FormatError(path, line_no, "a RECOEF record or END", line)
            continue
        try:
            n, m = int(line[8:11]), int(line[11:14])
        except ValueError:
            raise FormatError(path, line_no, "degree and order in columns 9-14", line) from None
        if not 0 <= m <= n <= degree:
            raise FormatError(path, line_no, f"0 <= order <= degree <= {degree}", line)
        numbers = _FLOAT.findall(line[14:])
        if not numbers:
            raise FormatError(path, line_no, "a C coefficient", line)
        c[n, m] = float(numbers[0])
        s[n, m] = float(numbers[1]) if len(numbers) > 1 else 0.0
    return GravityField(Path(str(path)).stem, gm, radius, c, s, degree, degree, str(path))


def read_field(path) -> GravityField:
    """A field from an ICGEM ``.gfc`` or GMAT ``.cof`` file, told apart by content."""
    head = read_bytes(path)[:200_000].decode("latin-1")
    if "end_of_head" in head:
        return read_gfc(path)
    if "POTFIELD" in head:
        return read_cof(path)
    raise FormatError(path, None, "an ICGEM .gfc (end_of_head) or GMAT .cof (POTFIELD) gravity field")


def lunar_field(name: str = "GRGM660PRIM", data=None, degree: int | None = None) -> GravityField:
    """A lunar field from the sample-data folder, optionally truncated to ``degree``."""
    key = name.upper()
    if key not in LUNAR_FIELDS:
        raise LodestarError(f"unknown lunar field {name!r}; choose one of {', '.join(LUNAR_FIELDS)}")
    loaded = _cached_field(str(data_path(LUNAR_FIELDS[key], data)))
    return loaded if degree is None else loaded.truncated(degree)


@functools.lru_cache(maxsize=4)
def _cached_field(path: str) -> GravityField:
    # Parsing 11 000 lines takes ~0.1 s; the propagator asks for the same file many times.
    return read_field(path)
