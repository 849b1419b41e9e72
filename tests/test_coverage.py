"""Global coverage maps (lodestar.analysis.coverage) on real broadcast ephemerides.

Physics references:
- BeiDou GEO satellites sit over 58.75°E-160°E and its IGSO ground tracks are centred near
  95°E-118°E (China Satellite Navigation Office, "BeiDou Navigation Satellite System Signal In
  Space ICD B1I 3.0", §3, and the BDS system description, 2019): BeiDou has far more satellites
  in view over Asia-Pacific than over the Americas.
- GLONASS orbits at 64.8° inclination (GLONASS ICD 5.1, §3.1), BeiDou/GPS MEO at 55°: GLONASS
  satellites reach higher latitudes, so its count rises towards the poles.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from lodestar.analysis import _coverage_kernel as kernel
from lodestar.analysis import coverage as cv
from lodestar.frames import azimuth_elevation, ecef_to_geodetic, enu_matrix, geodetic_to_ecef
from lodestar.io.rinex_nav import read_nav
from lodestar.orbits import BroadcastEphemeris
from lodestar.orbits.geometry import transmit_states

BRDC = "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"
ESBC_NAV = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
# ESBC marker, header APPROX POSITION XYZ (the agreed reference, data README)
ESBC_XYZ = np.array([3582105.2910, 532589.7313, 5232754.8054])


@pytest.fixture(scope="module")
def brdc(data):
    return read_nav(data / BRDC)


@pytest.fixture(scope="module")
def coarse_map(brdc):
    """5° grid every 15 min over 2024-01-01 (quick, same kernel as the 1° map)."""
    return cv.coverage_map(brdc, date="2024-01-01", mask_deg=10, grid_deg=5, step_s=900)


def test_kernel_matches_direct_numpy(brdc):
    """Schur-complement closed form (numba) == full design-matrix inverse (numpy), real orbits."""
    times = cv.day_times("2024-01-01", 7200)
    position, valid, svs = cv.satellite_positions(brdc, times, ("R", "C"))
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(-89, 89, 150), rng.uniform(-180, 180, 150)
    points = geodetic_to_ecef(lat, lon, 0.0)
    ups = np.ascontiguousarray(enu_matrix(lat, lon)[:, 2, :])
    system_of = cv._system_index(svs, ("R", "C"))
    bits = cv._set_codes(("R", "C", "R+C"), ("R", "C"))
    counts, pdop = kernel.epoch_series(points, ups, position, valid, system_of, 2, cv._sin_masks([10.0]), bits)
    pdop_ref, counts_ref = cv.pdop_numpy(points, position, valid, system_of, 2, 10.0, bits)
    np.testing.assert_array_equal(counts[:, :, 0, :], counts_ref)
    np.testing.assert_array_equal(np.isnan(pdop[:, :, 0, :]), np.isnan(pdop_ref))
    np.testing.assert_allclose(pdop[:, :, 0, :], pdop_ref, rtol=1e-9)
    assert np.isfinite(pdop_ref).mean() > 0.9  # the check compared real solutions, not NaNs


def test_two_systems_need_five_satellites_one_system_four(brdc):
    """Availability rule: a set needs 3 + (systems in view) satellites."""
    times = cv.day_times("2024-01-01", 600)
    series = cv.point_series(brdc, [60.0, -45.0, 0.0], [-100.0, 20.0, 170.0], times, mask_deg=40)
    n, pdop = series["n_sats"].values, series["pdop"].values
    rc = list(series["systems"].values).index("R+C")
    solved = np.isfinite(pdop[..., rc])
    both = (n[..., 0] > 0) & (n[..., 1] > 0)
    assert (n[..., rc][solved & both] >= 5).all()
    assert (n[..., rc][solved & ~both] >= 4).all()
    assert (~solved & both & (n[..., rc] == 4)).any()  # 4 satellites of two systems: refused at 40°


def test_beidou_advantage_over_asia_pacific(coarse_map):
    ds = coarse_map.dataset.sel(lat=slice(-45, 45))
    gain = ds["mean_sats"].sel(systems="C") - ds["mean_sats"].sel(systems="R")
    asia_pacific = float(gain.sel(lon=slice(70, 150)).mean())
    americas = float(gain.sel(lon=slice(-120, -60)).mean())
    # GEO (5 in 2024) + IGSO (~10) satellites concentrated over 70°E-150°E
    assert asia_pacific - americas > 5.0, (asia_pacific, americas)
    c_ap = float(ds["mean_sats"].sel(systems="C", lon=slice(70, 150)).mean())
    c_am = float(ds["mean_sats"].sel(systems="C", lon=slice(-120, -60)).mean())
    assert c_ap > c_am + 5.0


def test_glonass_advantage_at_high_latitudes(coarse_map):
    ds = coarse_map.dataset
    zonal = ds["mean_sats"].mean("lon")
    r_polar = float(zonal.sel(systems="R", lat=slice(70, 90)).mean())
    r_equator = float(zonal.sel(systems="R", lat=slice(-10, 10)).mean())
    assert r_polar > r_equator + 2.0, (r_polar, r_equator)
    # and rises more steeply poleward than BeiDou's (over the Americas, away from BeiDou GEO/IGSO)
    americas = ds["mean_sats"].sel(lon=slice(-120, -60)).mean("lon")

    def polar_over_equator(letter):
        return float(americas.sel(systems=letter, lat=slice(70, 90)).mean()
                     / americas.sel(systems=letter, lat=slice(-10, 10)).mean())

    assert polar_over_equator("R") > polar_over_equator("C"), (polar_over_equator("R"), polar_over_equator("C"))


def test_global_figures_in_literature_range(coarse_map):
    """Mean satellites above 10° with 24 GLONASS and ~45 BeiDou satellites: about 7-9 and 12-16
    (IAC and CSNO monitoring pages give ~8 GLONASS and 12+ BDS at 10°); the pair always solves."""
    stats = coarse_map.global_stats()
    assert 6.0 < stats["R"]["mean_sats"] < 9.5
    assert 11.0 < stats["C"]["mean_sats"] < 17.0
    assert stats["R+C"]["mean_sats"] == pytest.approx(stats["R"]["mean_sats"] + stats["C"]["mean_sats"], rel=1e-9)
    assert stats["R+C"]["availability"] >= max(stats["R"]["availability"], stats["C"]["availability"])
    assert stats["R+C"]["mean_pdop"] < min(stats["R"]["mean_pdop"], stats["C"]["mean_pdop"])
    assert stats["R+C"]["pdop6_availability"] > 0.999


def test_station_grid_point_counts_match_orbit_layer(data):
    """At ESBC's grid point the map counts the satellites with valid ephemerides above the mask
    that the orbit layer (light time + Earth rotation) gives for a receiver at that point."""
    nav = read_nav(data / ESBC_NAV)
    lat, lon, _ = ecef_to_geodetic(ESBC_XYZ)
    cell_lat, cell_lon = np.floor(lat) + 0.5, np.floor(lon) + 0.5  # the 1° cell containing ESBC
    times = cv.day_times("2020-06-25", 300)
    mask = 10.0
    series = cv.point_series(nav, cell_lat, cell_lon, times, mask_deg=mask)
    eph = BroadcastEphemeris(nav)
    svs = [sv for sv in eph.svs if sv[0] in "RC"]
    receiver = geodetic_to_ecef(cell_lat, cell_lon, 0.0)
    geo = transmit_states(eph, times, receiver, svs)
    _, elevation = azimuth_elevation(receiver, geo.states.position_m)
    valid = geo.states.valid
    letters = np.array([sv[0] for sv in svs])
    # satellites within 0.01° of the mask may fall either side (no light time in the map: < 0.001°)
    unsure = (np.abs(elevation - mask) < 0.01) & valid
    for k, letter in enumerate("RC"):
        above = (valid & (elevation >= mask) & (letters == letter)).sum(axis=1)
        margin = (unsure & (letters == letter)).sum(axis=1)
        assert (np.abs(series["n_sats"].values[:, 0, k] - above) <= margin).all()
        assert above.sum() > 0
    assert series["n_sats"].values[:, 0, 2].sum() == series["n_sats"].values[:, 0, :2].sum()


def test_outputs_json_and_netcdf(coarse_map, tmp_path):
    doc = coarse_map.to_json()
    assert set(doc["sets"]) == {"R", "C", "R+C"}
    for stats in doc["sets"].values():
        assert set(stats) == {"mean_sats", "mean_pdop", "availability", "pdop6_availability"}
    json.dumps(doc)
    path = tmp_path / "map.nc"
    coarse_map.to_netcdf(path)
    with xr.open_dataset(path) as back:
        for name in ("mean_sats", "mean_pdop", "availability"):
            assert back[name].dims == ("systems", "lat", "lon")
        assert back.sizes == {"systems": 3, "lat": 36, "lon": 72}
        np.testing.assert_allclose(back["mean_sats"].values, coarse_map.dataset["mean_sats"].values)


def test_grid_and_date_errors():
    from lodestar.errors import LodestarError

    with pytest.raises(LodestarError, match="must divide"):
        cv.grid(0.7)
    with pytest.raises(LodestarError, match="YYYY-MM-DD"):
        cv.day_times("25/06/2020")
    assert cv.grid(1.0).points_m.shape == (64_800, 3)


def test_daily_figures_match_per_epoch_series(brdc):
    """The map's per-point daily figures (median PDOP, solved epochs) equal those recomputed from
    the per-epoch series of the same points."""
    coverage = cv.coverage_map(brdc, date="2024-01-01", mask_deg=10, grid_deg=30, step_s=1800)
    ds = coverage.dataset
    lat2, lon2 = np.meshgrid(ds["lat"].values, ds["lon"].values, indexing="ij")
    series = cv.point_series(brdc, lat2.ravel(), lon2.ravel(), cv.day_times("2024-01-01", 1800), mask_deg=10)
    exact = np.nanmedian(series["pdop"].values, axis=0).T.reshape(ds["median_pdop"].shape)
    np.testing.assert_allclose(ds["median_pdop"].values, exact, rtol=1e-12)
    solved = np.isfinite(series["pdop"].values).sum(axis=0).T.reshape(ds["solved_epochs"].shape)
    np.testing.assert_array_equal(ds["solved_epochs"].values, solved)


def test_uniform_availability_panels_show_a_stricter_fraction():
    """Issue 15: a set with a solution all day everywhere maps PDOP <= 2 (or >= 10 satellites) instead."""
    import xarray as xr

    from lodestar.report.map_report import availability_view

    lat, lon = np.array([-45.0, 0.0, 45.0]), np.array([0.0, 90.0])
    ones, varying = np.ones((2, 3, 2)), np.linspace(0.1, 0.9, 12).reshape(2, 3, 2)
    ds = xr.Dataset({"availability": (("systems", "lat", "lon"), np.stack([varying[0], ones[1]])),
                     "pdop6_availability": (("systems", "lat", "lon"), ones),
                     "strong_pdop_fraction": (("systems", "lat", "lon"), np.stack([ones[0], varying[1]])),
                     "many_sats_fraction": (("systems", "lat", "lon"), 0.5 * varying)},
                    coords={"systems": ["R", "R+C"], "lat": lat, "lon": lon})
    assert availability_view(ds, "R") == "availability"  # varies: shown as it is
    assert availability_view(ds, "R+C") == "strong_pdop_fraction"  # uniform 100 %: the most varying stricter one
    assert availability_view(ds, "R+C", "pdop6_availability", exclude=("strong_pdop_fraction",)) == \
        "many_sats_fraction"


def test_mean_pdop_maps_use_a_readable_log_scale(coarse_map):
    """A cell's mean PDOP reaches thousands where one epoch is near-singular: on a linear scale up to that value
    every other cell was one colour. The scale is logarithmic from 1 to 30 (RTKLIB's maxgdop), its ticks plain
    numbers, larger means in the end colour, and the caption says so with the largest value."""
    from matplotlib.colors import LogNorm

    from lodestar.report.map_report import MEAN_PDOP_SCALE_MAX, map_report
    from lodestar.report.plots import world_map

    ds = coarse_map.dataset
    fig = world_map(ds["lat"], ds["lon"], ds["mean_pdop"].sel(systems="R"), "t", "PDOP",
                    norm=LogNorm(vmin=1.0, vmax=MEAN_PDOP_SCALE_MAX), extend="max")
    bar = fig.axes[-1]
    assert [t.get_text() for t in bar.get_yticklabels()] == ["1", "2", "3", "5", "10", "20", "30"]
    assert fig.axes[0].collections[0].colorbar.extend == "max"
    largest = float(ds["mean_pdop"].max())
    html = map_report(coarse_map).render()
    assert f"Log colour scale 1-30; cells above 30 in its end colour (largest cell mean: {largest:,.0f})" in html


def test_a_station_navigation_file_is_said_to_undercount(data, coarse_map):
    """A merged BRDC file serves (nearly) the whole day: no warning. ESBC's own file carries GLONASS 43 % and
    BeiDou 59 % of the day (the satellites it tracked): the JSON says so in ``ephemeris_coverage`` and
    ``warnings`` (they were printed on the terminal and in the HTML report only)."""
    assert coarse_map.to_json()["warnings"] == []
    station = cv.coverage_map(read_nav(data / ESBC_NAV), mask_deg=10, grid_deg=30, step_s=300)
    doc = station.to_json()
    assert {k: round(v["valid_fraction"], 2) for k, v in doc["ephemeris_coverage"].items()} == {"R": 0.43, "C": 0.59}
    (warning,) = doc["warnings"]
    assert warning.startswith("ephemerides valid 43 % of the day (GLONASS), 59 % of the day (BeiDou)")
