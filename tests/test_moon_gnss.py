"""GNSS reception at the Moon on the real TLSE 2024-001 broadcast ephemerides: facts that must hold.

The checks are geometric and recomputed here independently of the module's own flags: a
satellite behind the Earth's disc is never counted, a satellite whose antenna faces away from the
Moon is never in its main lobe, and set counts add up.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lodestar.cli import main
from lodestar.constants import MOON_RADIUS_M
from lodestar.errors import NoEphemerisError
from lodestar.io.rinex_nav import read_nav
from lodestar.lunar.core import ephemeris
from lodestar.lunar.core.earth_orientation import ecef_to_icrf, itrs_to_icrf_matrix
from lodestar.lunar.analysis.link_budget import PATTERNS, LinkParameters, cn0_dbhz, free_space_loss_db
from lodestar.lunar.analysis.moon_gnss import analyse, gdop, receiver_positions_icrf
from lodestar.lunar.analysis.relay import circular_orbit
from lodestar.lunar.analysis.sites import site_by_name
from lodestar.orbits import BroadcastEphemeris
from lodestar.time import Time

NAV = "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"
START = Time.from_iso("2024-01-01T02:00:00", scale="gpst")
END = Time.from_iso("2024-01-01T14:00:00", scale="gpst")


@pytest.fixture(scope="module")
def eph(data):
    return BroadcastEphemeris(read_nav(data / NAV))


@pytest.fixture(scope="module")
def surface(eph):
    return analyse(eph, site_by_name("shackleton-rim"), START, END, step_s=300.0)


def _independent_geometry(eph, result):
    """Satellite, Earth and receiver positions recomputed here (Moon-centred ICRF)."""
    tau = np.linalg.norm(ephemeris.earth_position_m(result.time), axis=-1) / 299_792_458.0
    t_tx = result.time - tau
    states = eph.states(t_tx, result.sv)
    earth = ephemeris.earth_position_m(t_tx)
    sat_geo = ecef_to_icrf(states.position_m, t_tx)
    rx = receiver_positions_icrf(site_by_name("shackleton-rim"), result.time)
    return sat_geo, earth, rx


def test_every_analysed_system_is_present_with_beidou_orbit_classes(surface):
    assert set(surface.system) == {"G", "R", "E", "C"}
    classes = set(surface.beidou_class[surface.system == "C"])
    assert classes == {"MEO", "IGSO", "GEO"}  # the file has GEO C01-C05, C59, C60, C62 and IGSO
    assert surface.valid.mean() > 0.85  # inside the day every system has valid records


def test_an_occulted_satellite_is_never_counted(eph, surface):
    sat_geo, earth, rx = _independent_geometry(eph, surface)
    sat = earth[:, None, :] + sat_geo
    to_sat, to_earth = sat - rx[:, None, :], (earth - rx)[:, None, :]
    d_earth = np.linalg.norm(to_earth, axis=-1)
    cos_sep = np.einsum("tsi,tsi->ts", to_sat, np.broadcast_to(to_earth, to_sat.shape)) / (
        np.linalg.norm(to_sat, axis=-1) * d_earth)
    sep = np.degrees(np.arccos(np.clip(cos_sep, -1, 1)))
    radius_deg = np.degrees(np.arcsin(6_378_137.0 / d_earth))
    behind_disc = (sep < radius_deg) & (np.linalg.norm(to_sat, axis=-1) > d_earth)
    assert behind_disc.any()  # some satellites do pass behind the Earth in 12 h
    assert not (surface.usable & behind_disc).any()
    assert not (surface.usable & surface.earth_occulted).any()
    assert not (surface.usable & surface.moon_occulted).any()


def test_a_satellite_pointing_away_is_never_in_the_main_lobe(eph, surface):
    sat_geo, earth, rx = _independent_geometry(eph, surface)
    # The antenna points to the Earth's centre (-sat_geo); if the satellite is on the Moon's side of
    # the plane through the Earth's centre normal to its radius, the receiver lies behind it.
    facing_away = np.einsum("tsi,tsi->ts", sat_geo, (rx - earth)[:, None, :]) > 0
    valid = surface.valid
    assert (facing_away & valid).sum() > 100
    assert not (surface.lobe[facing_away & valid] == "main").any()
    # Receiver behind the plane of the antenna aperture (normal = boresight): nothing is received
    to_rx = rx[:, None, :] - (earth[:, None, :] + sat_geo)
    behind = np.einsum("tsi,tsi->ts", -sat_geo, to_rx) < 0
    assert (behind & valid).sum() > 100
    assert (surface.lobe[behind & valid] == "back").all()
    assert not surface.usable[behind].any()


def test_usable_r_plus_c_is_usable_r_plus_usable_c_at_every_epoch(surface):
    counts = surface.counts
    assert np.array_equal(counts["R+C"], counts["R"] + counts["C"])
    assert np.array_equal(counts["G+R+E+C"], counts["G"] + counts["R"] + counts["E"] + counts["C"])


def test_adding_glonass_never_worsens_the_beidou_position_dop(surface):
    """Extra satellites with their own clock add information on position after the clock is
    eliminated (a positive semi-definite Schur complement), so PDOP(R+C) <= PDOP(C)."""
    single, pair = surface.pdop["C"], surface.pdop["R+C"]
    both = np.isfinite(single) & np.isfinite(pair)
    assert both.any()
    assert np.all(pair[both] <= single[both] * (1 + 1e-9))
    assert np.all(surface.pdop["R+C"][both] <= surface.gdop["R+C"][both])


def test_usable_means_above_threshold_with_ephemeris(surface):
    assert np.all(surface.cn0_dbhz[surface.usable] >= surface.cn0_min_dbhz)
    assert surface.valid[surface.usable].all()


def test_distances_are_the_earth_moon_distance_within_an_orbit_radius(surface):
    """No GNSS satellite is farther from the Earth's centre than a geosynchronous orbit (42,164 km)."""
    d_earth = np.linalg.norm(ephemeris.earth_position_m(surface.time), axis=-1)
    excess = np.abs(surface.distance_m - d_earth[:, None])[surface.valid]
    assert excess.max() < 42_200e3 + 1.8e6  # plus the receiver's offset from the Moon's centre


def test_gdop_of_a_known_geometry():
    # Four satellites: zenith and three at 0° elevation 120° apart; one clock.
    u = np.array([[0, 0, 1], [1, 0, 0], [-0.5, np.sqrt(3) / 2, 0], [-0.5, -np.sqrt(3) / 2, 0]], float)
    design = np.hstack([-u, np.ones((4, 1))])
    expected = np.sqrt(np.trace(np.linalg.inv(design.T @ design)))
    value = gdop(u[None], np.ones((1, 4), bool), np.array(["C"] * 4), ["C"])
    assert value[0] == pytest.approx(expected, rel=1e-12)
    # A two-system set with one system absent equals the single-system GDOP (no unused clock)
    both = gdop(u[None], np.ones((1, 4), bool), np.array(["C"] * 4), ["R", "C"])
    assert both[0] == pytest.approx(expected, rel=1e-12)
    # Too few satellites: not solvable
    assert np.isnan(gdop(u[None, :3], np.ones((1, 3), bool), np.array(["C"] * 3), ["C"])[0])


def test_free_space_loss_at_lunar_distance():
    # by hand: 4 pi * 3.844e8 m / 0.190294 m = 2.53844e10; 20 log10 -> 208.091 dB
    assert float(free_space_loss_db(384_400e3, 1575.42e6)) == pytest.approx(208.09, abs=0.01)


def test_gps_limb_eirp_matches_the_icd_budget():
    # IS-GPS-200: -158.5 dBW at 5° elevation; range 25,233 km at 5° from 26,560 km (geometry);
    # 184.44 dB path loss + 0.5 dB atmosphere -> 26.4 dBW minimum EIRP near the Earth's limb
    theta, eirp = PATTERNS["G"].limb_anchor
    assert theta == pytest.approx(13.8, abs=0.1)
    assert eirp == pytest.approx(26.4, abs=0.1)


def test_back_hemisphere_radiates_nothing_and_lobes_are_ordered():
    for pattern in PATTERNS.values():
        assert pattern.lobe(120.0) == "back" and np.isneginf(pattern.eirp_dbw(120.0))
        assert pattern.lobe(5.0) == "main" and pattern.lobe(60.0) == "side"
        assert pattern.eirp_dbw(60.0) < pattern.eirp_dbw(pattern.limb_anchor[0])


def test_cn0_budget_adds_up():
    link = LinkParameters(rx_gain_dbi=15.0, system_noise_temp_k=290.0, implementation_loss_db=2.0)
    # by hand: 30 dBW + 15 dBi - 208.091 dB - 2 dB - (-228.6 + 24.624) dBW/Hz = 38.885 dB-Hz
    assert float(cn0_dbhz(30.0, 384_400e3, 1575.42e6, link)) == pytest.approx(38.885, abs=0.005)


def test_earth_orientation_turns_at_the_sidereal_rate():
    t0 = Time.from_iso("2024-01-01T00:00:00", scale="utc")
    sidereal_day_s = 86164.0905  # IERS Conventions 2010, mean sidereal day
    m0, m1 = itrs_to_icrf_matrix(t0), itrs_to_icrf_matrix(t0 + sidereal_day_s)
    x0, x1 = m0 @ [1.0, 0.0, 0.0], m1 @ [1.0, 0.0, 0.0]
    assert np.degrees(np.arccos(np.clip(x0 @ x1, -1, 1))) < 0.01  # precession in a day: ~0.00015°


def test_orbit_receiver_is_blocked_by_the_moon_part_of_the_time(eph):
    orbit = circular_orbit(100.0, 90.0, 0.0, START)
    result = analyse(eph, orbit, START, START + 4 * 3600.0, step_s=120.0)
    radius = np.linalg.norm(receiver_positions_icrf(orbit, result.time), axis=-1)
    assert np.allclose(radius, MOON_RADIUS_M + 100e3, atol=1.0)
    blocked = (result.moon_occulted | ~result.valid).all(axis=1)
    # Polar orbit with its node on the ME x axis (towards the mean Earth): the plane holds the
    # Earth direction, so the Earth is hidden while |r sin(phi)| < R behind the Moon, a fraction
    # 2 asin(R / r) / 360° = 2 asin(1737.4 / 1837.4) / 360° = 0.394 of the time.
    expected = 2 * np.degrees(np.arcsin(MOON_RADIUS_M / (MOON_RADIUS_M + 100e3))) / 360.0
    assert blocked.mean() == pytest.approx(expected, abs=0.05)  # ~2 orbits sampled every 2 min
    assert not (result.usable & result.moon_occulted).any()


def test_span_outside_the_navigation_day_is_refused(eph):
    with pytest.raises(NoEphemerisError, match="valid broadcast ephemeris"):
        analyse(eph, site_by_name("boguslawsky"), Time.from_iso("2024-03-01T00:00:00", scale="gpst"),
                Time.from_iso("2024-03-01T01:00:00", scale="gpst"), 600.0)


def test_cli_json_has_the_issue_keys(data, tmp_path):
    out_json, out_html = tmp_path / "moon.json", tmp_path / "moon.html"
    code = main(["moon-gnss", "--nav", str(data / NAV), "--site", "shackleton-rim", "--from", "2024-01-01T06:00:00",
                 "--to", "2024-01-01T08:00:00", "--step", "600", "--time-scale", "gpst",
                 "--json", str(out_json), "--out", str(out_html)])
    assert code == 0
    summary = json.loads(out_json.read_text())
    for key in ("fraction_ge4", "median_usable"):
        assert set(summary[key]) >= {"R", "C", "R+C"}
    assert "LuGRE" in out_html.read_text()


# --- GPS versus Galileo at the Moon (review of issue #6: "GPS 0 usable, Galileo 11") -------------
# By hand, the limb EIRP the link budget derives from each ICD's guaranteed minimum power at 5°
# elevation (ranges by the law of cosines from the nominal orbit radii, WGS-84 a = 6378.137 km):
#   GPS     26,560 km -> 25,232.9 km, L_fs(L1) 184.435 dB; -158.5 + 184.435 + 0.5 = 26.435 dBW
#   Galileo 29,600 km -> 28,354.1 km, L_fs(E1) 185.448 dB; -157.25 + 185.448 + 0.5 = 28.698 dBW
# Side lobes are one level 15 dB under the limb for both, so Galileo's side lobes are 2.263 dB
# stronger than GPS's at any off-boresight angle (same carrier frequency, 1575.42 MHz).
GALILEO_MINUS_GPS_SIDE_LOBE_DB = 28.698 - 26.435
N0_DBW_HZ = -228.6 + 10 * np.log10(290.0)  # the budget's noise density (link_budget docstring)


def _eirp_from_cn0(result, link=LinkParameters()):
    """EIRP (dBW) each received signal must have had, from its C/N0 and an independent path loss."""
    fsl = 20 * np.log10(4 * np.pi * result.distance_m * 1575.42e6 / 299_792_458.0)
    return result.cn0_dbhz - link.rx_gain_dbi + fsl + link.implementation_loss_db + N0_DBW_HZ


def test_off_boresight_is_measured_from_the_earth_centre_for_every_system(eph, surface):
    sat_geo, earth, rx = _independent_geometry(eph, surface)
    to_rx = rx[:, None, :] - (earth[:, None, :] + sat_geo)
    cos_t = np.einsum("tsi,tsi->ts", -sat_geo, to_rx) / (
        np.linalg.norm(sat_geo, axis=-1) * np.linalg.norm(to_rx, axis=-1))
    theta = np.degrees(np.arccos(np.clip(cos_t, -1, 1)))
    # Earth-blocked exactly when the line of sight leaves within the Earth's (+100 km) angular radius
    earth_radius_deg = np.degrees(np.arcsin((6_378_137.0 + 100e3) / np.linalg.norm(sat_geo, axis=-1)))
    for letter in "GREC":
        cells = surface.valid & (surface.system == letter)[None, :]
        assert np.abs(surface.off_boresight_deg[cells] - theta[cells]).max() < 1e-6, letter
        blocked = theta < earth_radius_deg
        near_edge = np.abs(theta - earth_radius_deg) < 1e-3  # rays at the receiver's offset from the Moon's centre
        assert np.array_equal(surface.earth_occulted[cells & ~near_edge], blocked[cells & ~near_edge]), letter


def test_gps_and_galileo_side_lobes_differ_only_by_their_documented_eirp(surface):
    """At each epoch, a GPS and a Galileo satellite in their side lobes (any off-boresight angle
    between the main-lobe edge and 90°) reach the Moon with C/N0 differing only by the 2.263 dB
    EIRP difference above, once the path loss of each is removed: no geometry enters.
    (Holds for the one-level side-lobe model of link_budget; an angle-dependent side-lobe pattern
    would replace the flatness check by a comparison at equal off-boresight angles.)"""
    eirp = _eirp_from_cn0(surface)
    heard = surface.valid & ~surface.earth_occulted & (surface.lobe == "side")
    gps, gal = heard & (surface.system == "G")[None, :], heard & (surface.system == "E")[None, :]
    both = gps.any(axis=1) & gal.any(axis=1)
    assert both.sum() > 100  # almost every epoch has side-lobe signals of both systems
    gps_eirp = np.where(gps, eirp, np.nan)[both]
    gal_eirp = np.where(gal, eirp, np.nan)[both]
    assert np.nanmax(gps_eirp) - np.nanmin(gps_eirp) < 1e-6  # one flat side-lobe level
    difference = np.nanmean(gal_eirp, axis=1) - np.nanmean(gps_eirp, axis=1)
    assert np.allclose(difference, GALILEO_MINUS_GPS_SIDE_LOBE_DB, atol=0.01)
    # The off-boresight angles of the two sets of side-lobe signals cover the same range
    for letter, cells in (("G", gps), ("E", gal)):
        angles = surface.off_boresight_deg[cells]
        assert angles.min() < 30.0 and angles.max() > 85.0, letter


def test_gps_side_lobes_cross_the_threshold_with_the_earth_moon_distance(data, esbc, surface):
    """2024-01-01 (Moon at apogee, 404,800 km) versus 2020-06-25 (374,600 km): the GPS side-lobe
    signals differ only by 20 log10 of their path lengths. 20 log10(404.8 / 374.6) = 0.67 dB is
    what moves them across the 20 dB-Hz default threshold (docs/lunar-ilrs.md)."""
    nav_2020 = BroadcastEphemeris(read_nav(esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
    day_2020 = analyse(nav_2020, site_by_name("shackleton-rim"), Time.from_iso("2020-06-25T02:00:00", scale="gpst"),
                       Time.from_iso("2020-06-25T14:00:00", scale="gpst"), step_s=300.0)
    d_2024 = np.linalg.norm(ephemeris.earth_position_m(surface.time), axis=-1).mean()
    d_2020 = np.linalg.norm(ephemeris.earth_position_m(day_2020.time), axis=-1).mean()
    assert d_2024 == pytest.approx(404_800e3, abs=1_000e3)  # DE421; lunar apogee of 1 Jan 2024
    assert d_2020 == pytest.approx(374_600e3, abs=2_000e3)
    levels = []
    for result in (surface, day_2020):
        side = result.valid & ~result.earth_occulted & (result.lobe == "side") & (result.system == "G")[None, :]
        # C/N0 + 20 log10(d): the same constant on both days, whatever the geometry
        levels.append(result.cn0_dbhz[side] + 20 * np.log10(result.distance_m[side]))
    assert abs(np.median(levels[0]) - np.median(levels[1])) < 1e-6
    assert np.ptp(np.concatenate(levels)) < 1e-6
    # 0.67 dB straddles the 20 dB-Hz threshold: both runs warn that GPS sits on the edge
    for result in (surface, day_2020):
        assert any(note.startswith("G side lobes") for note in result.notes)
        assert not any(note.startswith("E side lobes") for note in result.notes)  # Galileo: ~2 dB clear


def test_a_station_navigation_file_is_said_to_undercount(data, surface):
    """A merged BRDC file: no warning. ESBC's own file (GLONASS 43 % of the satellite-epochs): the summary says the
    counts undercount, as `map` does (moon-gnss gave GLONASS 0 usable without a word)."""
    from lodestar.orbits import load_broadcast

    assert surface.summary()["warnings"] == []
    station = analyse(load_broadcast([data / "esbc-2020-177" / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"]),
                      site_by_name("shackleton-rim"), Time.from_iso("2020-06-25T00:00:00", scale="gpst"),
                      Time.from_iso("2020-06-25T06:00:00", scale="gpst"), step_s=1800.0)
    (warning,) = station.summary()["warnings"]
    assert "% of the satellite-epochs (GLONASS)" in warning and "use a merged multi-station file" in warning
