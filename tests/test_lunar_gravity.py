"""Lunar gravity fields: readers against the file text, the evaluator against pyshtools and itself."""

from __future__ import annotations

import numpy as np
import pytest

from lodestar.errors import FormatError, LodestarError
from lodestar.lunar.core.gravity import read_cof, read_field, read_gfc


@pytest.fixture(scope="module")
def grgm(data):
    return read_gfc(data / "lunar" / "GRGM660PRIM_to150.gfc")


@pytest.fixture(scope="module")
def lp165(data):
    return read_cof(data / "lunar" / "LP165P.cof")


# Sample points: over the crater of Luna-25, near the north pole (a regular point in Pines' form),
# low and high, and one exactly on the polar axis.
LAT = np.array([-57.865, 10.0, 89.9, -30.0, 0.0])
LON = np.array([61.36, -120.0, 45.0, 170.0, 0.0])
RADIUS = np.array([1.75e6, 1.84e6, 1.80e6, 1.90e6, 1.7384e6])


def _xyz(lat, lon, r):
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([r * np.cos(la) * np.cos(lo), r * np.cos(la) * np.sin(lo), r * np.sin(la)], -1)


def test_gfc_header_and_coefficients_as_written(grgm):
    # values copied from the file text: header and the "gfc 2 0" / "gfc 150 150" records
    assert grgm.gm_m3ps2 == pytest.approx(0.4902799806931690e13, rel=1e-15)
    assert grgm.radius_m == 1_738_000.0 and grgm.max_degree == 150 and grgm.tide_system == "tide_free"
    assert grgm.c[2, 0] == -9.0882923650771000e-05
    assert grgm.c[150, 150] == -6.5730942507331000e-09 and grgm.s[150, 150] == 8.9071624851874000e-09


def test_cof_fixed_columns_with_touching_numbers(lp165):
    # "RECOEF    2  1   -2.72203236159000e-09-7.57518292083000e-10" (two numbers without a space)
    assert lp165.gm_m3ps2 == 4.90280105600000e12 and lp165.max_degree == 165
    assert lp165.c[2, 1] == -2.72203236159000e-09 and lp165.s[2, 1] == -7.57518292083000e-10
    assert lp165.c[165, 165] == 4.41278012287000e-08 and lp165.s[165, 165] == -1.46436247594000e-08


def test_field_agrees_with_pyshtools(grgm, data):
    """Independent evaluator: pyshtools reads the same .gfc and expands the gravity vector."""
    pyshtools = pytest.importorskip("pyshtools")
    clm = pyshtools.SHGravCoeffs.from_file(str(data / "lunar" / "GRGM660PRIM_to150.gfc"), format="icgem")
    for degree in (2, 150):
        ref = np.asarray(clm.expand(lat=LAT[:4], lon=LON[:4], r=RADIUS[:4], lmax=degree, lmax_calc=degree, omega=0.0))
        xyz = _xyz(LAT[:4], LON[:4], RADIUS[:4])
        acc = grgm.truncated(degree).acceleration(xyz)
        la, lo = np.radians(LAT[:4]), np.radians(LON[:4])
        e_r = xyz / RADIUS[:4, None]
        e_theta = np.stack([np.sin(la) * np.cos(lo), np.sin(la) * np.sin(lo), -np.cos(la)], -1)
        e_phi = np.stack([-np.sin(lo), np.cos(lo), 0 * lo], -1)
        mine = np.stack([(acc * e).sum(1) for e in (e_r, e_theta, e_phi)], -1)
        np.testing.assert_allclose(mine, ref, atol=1e-11)  # m/s², against ~1.6 m/s² total


def test_acceleration_is_gradient_of_potential(grgm):
    xyz = np.vstack([_xyz(LAT, LON, RADIUS), [[0.0, 0.0, 1.8e6]]])
    acc = grgm.acceleration(xyz)
    step = 0.5  # m
    numeric = np.stack([(grgm.potential(xyz + step * e) - grgm.potential(xyz - step * e)) / (2 * step)
                        for e in np.eye(3)], -1)
    np.testing.assert_allclose(acc, numeric, atol=2e-8)  # finite-difference noise ~1e-9 m/s²
    assert np.all(np.isfinite(acc))


def test_degree_zero_is_a_point_mass_and_low_degrees_agree_between_fields(grgm, lp165):
    xyz = _xyz(LAT, LON, RADIUS)
    r = np.linalg.norm(xyz, axis=1)[:, None]
    np.testing.assert_allclose(grgm.truncated(0).acceleration(xyz), -grgm.gm_m3ps2 * xyz / r**3, rtol=1e-14)
    # GRAIL and Lunar Prospector agree at degree 4 to the 1e-6 m/s² level (different GM: 2.6e-7 rel.)
    diff = grgm.truncated(4).acceleration(xyz) - lp165.truncated(4).acceleration(xyz)
    assert np.abs(diff).max() < 2e-6


def test_truncation_and_order(grgm):
    with pytest.raises(LodestarError):
        grgm.truncated(151)
    zonal = grgm.truncated(10, 0)
    assert np.all(zonal.c[:, 1:] == 0) and zonal.degree == 10
    xyz = _xyz(LAT, LON, RADIUS)
    # zonal field: no east-west force on the axis-symmetric part
    acc = zonal.acceleration(xyz)
    east = np.stack([-np.sin(np.radians(LON)), np.cos(np.radians(LON)), 0 * LON], -1)
    assert np.abs((acc * east).sum(1)).max() < 1e-15


def test_bad_files_name_the_line(tmp_path, data):
    text = (data / "lunar" / "GRGM660PRIM_to150.gfc").read_text().splitlines()
    bad_line = next(i for i, line in enumerate(text) if line.startswith("gfc    3     1"))
    text[bad_line] = "gfc    3     x  1.0 2.0"
    path = tmp_path / "bad.gfc"
    path.write_text("\n".join(text))
    with pytest.raises(FormatError, match=f"line {bad_line + 1}"):
        read_gfc(path)
    (tmp_path / "x.txt").write_text("hello\n")
    with pytest.raises(FormatError, match="gravity field"):
        read_field(tmp_path / "x.txt")
