"""The HTML reports, opened as a person would: in a real headless Chromium (Debian's package).

Checks per report: no console error or page error, every image decoded with a non-zero size,
and no request other than the file itself and inline ``data:`` URIs (the report opens offline).
CI installs ``chromium`` in ``.ci/run``; without ``/usr/bin/chromium`` these tests are skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lodestar.analysis.compare import compare
from lodestar.analysis.coverage import coverage_map
from lodestar.io.rinex_nav import read_nav
from lodestar.report.compare_report import write_compare_report
from lodestar.report.map_report import write_map_output

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
# root without a sandbox, no GPU, and none of Chromium's own background traffic (updates, sync,
# field trials), which would otherwise show up as network requests
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is in the test extra")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS)
        try:
            yield context
        finally:
            context.close()


def open_report(context, path: Path) -> dict:
    """Load ``path``; return console errors, requested URLs and each image's natural size."""
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    images = page.evaluate(
        "Array.from(document.images).map(i => ({w: i.naturalWidth, h: i.naturalHeight, done: i.complete}))")
    canvases = page.evaluate("Array.from(document.querySelectorAll('canvas')).map(c => c.width * c.height)")
    title = page.title()
    page.close()
    return {"errors": errors, "requests": requests, "images": images, "canvases": canvases, "title": title}


def assert_renders_offline(seen: dict, min_images: int) -> None:
    assert seen["errors"] == []
    assert len(seen["images"]) >= min_images
    for image in seen["images"]:
        assert image["done"] and image["w"] > 0 and image["h"] > 0, image
    assert all(size > 0 for size in seen["canvases"])
    remote = [url for url in seen["requests"] if not url.startswith(("file:", "data:"))]
    assert remote == [], remote


def test_compare_report_renders_offline(browser_page, esbc, tmp_path):
    result = compare(esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
                     esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz", truth="header", masks=(10, 30))
    path = tmp_path / "compare.html"
    write_compare_report(result, path)
    seen = open_report(browser_page, path)
    # availability vs mask, skyplot, satellites/PDOP, error series, horizontal scatter
    assert_renders_offline(seen, min_images=5)
    assert "ESBC" in seen["title"]


def test_map_report_renders_offline(browser_page, data, tmp_path):
    nav = read_nav(data / "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz")
    coverage = coverage_map(nav, date="2024-01-01", grid_deg=10, step_s=3600)
    path = tmp_path / "map.html"
    write_map_output(coverage, path, ["BRDC00IGS_R_20240010000_01D_MN.rnx.gz"])
    seen = open_report(browser_page, path)
    # satellites, profiles, availability, monitoring convention, PDOP, gain
    assert_renders_offline(seen, min_images=6)


def _lodestar(*argv) -> None:
    from lodestar.cli import main

    assert main(list(argv)) == 0


def test_ilrs_report_renders_offline(browser_page, tmp_path):
    path = tmp_path / "ilrs.html"
    _lodestar("ilrs", "--site", "shackleton-rim", "--from", "2025-01-01", "--to", "2025-02-01", "--out", str(path))
    # Earth and Sun elevation over the span, relay passes
    assert_renders_offline(open_report(browser_page, path), min_images=2)


def test_moon_gnss_report_renders_offline(browser_page, data, tmp_path):
    path = tmp_path / "moon_gnss.html"
    _lodestar("moon-gnss", "--nav", str(data / "tlse-2024-001/BRDC00IGS_R_20240010000_01D_MN.rnx.gz"),
              "--site", "shackleton-rim", "--from", "2024-01-01T00:00:00", "--to", "2024-01-01T06:00:00",
              "--step", "600", "--out", str(path))
    # usable satellites over time per set, PDOP, C/N0 histogram
    assert_renders_offline(open_report(browser_page, path), min_images=2)


def test_luna25_report_renders_offline(browser_page, data, tmp_path):  # data: the lunar gravity field
    path = tmp_path / "luna25.html"
    # low degrees keep the run short; the plots are the same kind as at degree 150
    _lodestar("luna25", "--degree", "20", "--fit-degree", "10", "--no-sensitivity", "--out", str(path))
    # ground track, altitude planned vs actual, periselene vs burn duration
    assert_renders_offline(open_report(browser_page, path), min_images=3)
