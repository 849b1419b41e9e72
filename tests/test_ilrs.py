"""ILRS site analysis: geometric facts that must hold (not the code's own outputs).

References for the bounds:
- Libration in latitude: optical ±6.7° (Meeus, Astronomical Algorithms, 2nd ed., ch. 53) plus
  physical libration of ~0.04°; DE421's sub-Earth latitude in the ME frame stays within ±6.9°.
  Lunar parallax of the Earth's centre seen from the surface: asin(1737.4 / 356,400 km) ≤ 0.28°.
  So at the pole Earth's elevation stays within 6.9 + 0.3 = 7.2° of the horizon.
- The lunar equator is inclined 1.543° to the ecliptic (Cassini's laws; IAU WGCCRE), so the Sun's
  declination over the lunar equator stays within ~1.6°; from colatitude c the Sun stays within
  c + 1.6° of the horizon.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lodestar.cli import main
from lodestar.constants import MOON_RADIUS_M
from lodestar.errors import FormatError, LodestarError
from lodestar.lunar.core import ephemeris
from lodestar.lunar.analysis.ilrs import (
    analyse_site, az_el_from_site, horizon_from_profile, longest_run_s, read_horizon_csv, site_enu_basis, time_grid,
)
from lodestar.lunar.analysis.relay import QUEQIAO2, kepler_positions
from lodestar.orbits.kepler import eccentric_anomaly
from lodestar.lunar.analysis.sites import SITES, Site, site_by_name
from lodestar.time import Time

YEAR_START = Time.from_iso("2025-01-01T00:00:00", scale="utc")
YEAR_END = Time.from_iso("2025-12-31T00:00:00", scale="utc")


@pytest.fixture(scope="module")
def pole_year():
    return analyse_site(site_by_name("south-pole"), YEAR_START, YEAR_END, step_s=3600.0)


def test_earth_at_the_pole_stays_within_7_degrees_of_the_horizon(pole_year):
    el = pole_year.earth_el_deg
    assert np.abs(el).max() <= 7.2  # libration 6.9° + parallax 0.3° (module docstring)
    assert el.max() > 6.0 and el.min() < -6.0  # and it does swing through the whole libration


def test_earth_at_the_pole_is_up_about_half_the_time(pole_year):
    summary = pole_year.summary()
    assert 0.40 <= summary["earth_visible_fraction"] <= 0.60
    # Up and down alternate with the draconic month (27.2 d): no outage longer than ~ 16 days
    assert 10 * 24 <= summary["earth_longest_outage_h"] <= 16 * 24


def test_sun_at_the_pole_stays_within_the_lunar_obliquity(pole_year):
    assert np.abs(pole_year.sun_el_deg).max() <= 1.6


def test_earth_always_up_at_boguslawsky():
    result = analyse_site(site_by_name("boguslawsky"), YEAR_START, YEAR_END, step_s=3600.0)
    summary = result.summary()
    assert summary["earth_visible_fraction"] == 1.0
    assert summary["earth_longest_outage_h"] == 0.0
    # 69.5° S 43.5° E is 75° of arc from the mean sub-Earth point; libration moves it < 10°
    assert result.earth_el_deg.min() > 3.0


def test_earth_never_up_on_the_far_side_at_change4():
    result = analyse_site(site_by_name("change-4"), YEAR_START, YEAR_START + 60 * 86400.0, step_s=3600.0)
    assert not result.earth_up.any()


def test_sun_near_shackleton_stays_close_to_the_horizon():
    result = analyse_site(site_by_name("shackleton-rim"), YEAR_START, YEAR_START + 90 * 86400.0, step_s=3600.0)
    assert np.abs(result.sun_el_deg).max() <= (90 - 88.8) + 1.6
    lit = result.summary()["sun_lit_fraction"]
    assert 0.0 < lit < 1.0


def test_relay_visibility_matches_the_plane_test_at_the_pole():
    """From the pole the flat horizon is the plane z = −R: the relay is up iff its ME z < −R."""
    result = analyse_site(site_by_name("south-pole"), YEAR_START, YEAR_START + 10 * 86400.0, step_s=600.0)
    to_me = ephemeris.icrf_to_me(result.time)
    inertial = kepler_positions(QUEQIAO2, result.time)
    relay_me = np.einsum("tij,jk,tk->ti", to_me, ephemeris.icrf_to_me(QUEQIAO2.epoch).T, inertial)
    expected = relay_me[:, 2] < -MOON_RADIUS_M
    assert np.array_equal(result.relay_up, expected)
    # apolune over the south pole: the relay is up most of each 24 h orbit
    assert result.summary()["relay_visible_fraction"] > 0.8


def test_queqiao2_orbit_has_the_published_altitudes_and_period():
    t = QUEQIAO2.epoch + np.arange(0.0, 2 * 86400.0, 60.0)
    altitude_km = (np.linalg.norm(kepler_positions(QUEQIAO2, t), axis=-1) - MOON_RADIUS_M) / 1e3
    assert altitude_km.min() == pytest.approx(200.0, abs=1.0)  # CNSA: 200 km perilune
    assert altitude_km.max() == pytest.approx(16_000.0, abs=5.0)  # CNSA: 16,000 km apolune
    assert 23.5 <= QUEQIAO2.period_s / 3600 <= 24.5  # CNSA: "24-hour" orbit


def test_kepler_equation_is_solved_for_a_high_eccentricity():
    m = np.linspace(-10.0, 10.0, 2001)
    for e in (0.95, QUEQIAO2.e):  # Queqiao-2: e ≈ 0.80 (200 × 16,000 km)
        ecc = eccentric_anomaly(m, e)
        assert np.abs(ecc - e * np.sin(ecc) - m).max() < 1e-12
        assert np.all(np.diff(ecc) > 0)  # E follows M through whole turns


def test_enu_basis_is_orthonormal_and_up_is_radial():
    for site in SITES.values():
        r = ephemeris.latlon_to_me(site.lat_deg, site.lon_deg, site.height_m)
        basis = site_enu_basis(r)
        assert np.allclose(basis @ basis.T, np.eye(3), atol=1e-12)
        assert np.allclose(basis[2], r / np.linalg.norm(r))


def test_enu_basis_at_the_pole_is_the_limit_along_the_zero_meridian():
    at_pole = site_enu_basis(ephemeris.latlon_to_me(-90.0, 0.0))
    near_pole = site_enu_basis(ephemeris.latlon_to_me(-89.99999, 0.0))
    assert np.allclose(at_pole, near_pole, atol=1e-6)


def test_zenith_and_horizon_elevations():
    site = ephemeris.latlon_to_me(-45.0, 30.0, 0.0)
    up = site / np.linalg.norm(site)
    _, el = az_el_from_site(site, site + 1e6 * up)
    assert el == pytest.approx(90.0)
    east = site_enu_basis(site)[0]
    az, el = az_el_from_site(site, site + 1e6 * east)
    assert el == pytest.approx(0.0, abs=1e-9) and az == pytest.approx(90.0)


def test_horizon_mask_hook_is_used():
    site = site_by_name("boguslawsky")
    start, end = YEAR_START, YEAR_START + 5 * 86400.0
    high_wall = analyse_site(site, start, end, 3600.0, horizon=lambda az: np.full_like(az, 80.0))
    assert not high_wall.earth_up.any() and high_wall.horizon == "mask"
    sunk = analyse_site(site, start, end, 3600.0, horizon=lambda az: np.full_like(az, -90.0))
    assert sunk.sun_up.all()


def test_horizon_profile_interpolates_across_north(tmp_path):
    mask = horizon_from_profile([350.0, 10.0, 180.0], [2.0, 4.0, 0.0])
    assert mask(np.array([0.0]))[0] == pytest.approx(3.0)  # halfway between 350° and 10°
    path = tmp_path / "horizon.csv"
    path.write_text("azimuth_deg, elevation_deg\n0, 5\n180, 1\n")
    assert read_horizon_csv(path)(np.array([90.0]))[0] == pytest.approx(3.0)
    path.write_text("0, 5\n90 high\n")
    with pytest.raises(FormatError, match="line 2"):
        read_horizon_csv(path)


def test_longest_run_counts_whole_steps():
    assert longest_run_s(np.array([0, 1, 1, 0, 1, 1, 1, 0], bool), 600.0) == 1800.0
    assert longest_run_s(np.zeros(5, bool), 60.0) == 0.0
    assert longest_run_s(np.ones(4, bool), 60.0) == 240.0


def test_bad_inputs_raise_lodestar_errors():
    with pytest.raises(LodestarError, match="built-in sites"):
        site_by_name("atlantis")
    with pytest.raises(LodestarError, match="latitude"):
        Site("bad", -95.0, 0.0)
    with pytest.raises(LodestarError, match="after the start"):
        time_grid(YEAR_END, YEAR_START, 60.0)
    with pytest.raises(LodestarError, match="coverage"):  # moon_pa_de421_1900-2050.bpc ends 2051-01-01
        analyse_site(site_by_name("south-pole"), Time.from_iso("2060-01-01T00:00:00", scale="utc"),
                     Time.from_iso("2060-01-02T00:00:00", scale="utc"))


def test_cli_json_has_the_issue_keys(tmp_path):
    out_json, out_html = tmp_path / "ilrs.json", tmp_path / "ilrs.html"
    code = main(["ilrs", "--site", "shackleton-rim", "--from", "2025-01-01", "--to", "2025-01-10",
                 "--step", "60min", "--json", str(out_json), "--out", str(out_html)])
    assert code == 0
    data = json.loads(out_json.read_text())
    for key in ("earth_visible_fraction", "earth_longest_outage_h", "sun_lit_fraction",
                "sun_longest_night_h", "relay_visible_fraction"):
        assert key in data and data[key] is not None
    assert "FLAT" in out_html.read_text()
    code = main(["ilrs", "--lat", "-89.0", "--lon", "0", "--from", "2025-01-01", "--to", "2025-01-02",
                 "--json", str(out_json)])
    assert code == 0 and json.loads(out_json.read_text())["site"]["lat_deg"] == -89.0


def test_step_is_seconds_everywhere_and_a_plain_number_to_ilrs_is_noted(tmp_path, capsys):
    """Issue 15: --step is seconds (or 30s, 5min, 1h) in every command; ilrs used to read minutes."""
    out = tmp_path / "ilrs.json"
    assert main(["ilrs", "--site", "shackleton-rim", "--from", "2025-01-01", "--to", "2025-01-01T02:00:00",
                 "--step", "600", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["epochs"] == 13  # 2 h every 600 s, both ends
    assert "--step 600 means 600 s" in capsys.readouterr().err
    assert main(["ilrs", "--site", "shackleton-rim", "--from", "2025-01-01", "--to", "2025-01-01T02:00:00",
                 "--step", "10min", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["epochs"] == 13 and doc["step_s"] == 600.0 and "step_min" not in doc  # seconds in the JSON too
    assert "note" not in capsys.readouterr().err
