"""The dashboard in a real headless Chromium: the Overview map draws, offline, without errors.

Runs `app.py` (or the app named by HOTSPOTS_BROWSER_APP) on a fresh SpatiaLite file with
small demo data. Nothing may leave 127.0.0.1: no CDN script, stylesheet, font or tile.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'


@pytest.fixture
def overview(streamlit_server, page, open_page, wait_for_map):
    """The Overview page with its map drawn; yields the map's iframe FrameLocator."""
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Overview")
    return wait_for_map(page)


def test_overview_map_draws_layers_offline(overview, page, page_log, save_screenshot):
    paths = overview.locator(".leaflet-overlay-pane path")
    assert paths.count() > 0, "the sightings grid drew no cells"
    assert overview.locator(".leaflet-control-layers").count() == 1
    assert overview.locator(".hotspots-legend").count() == 1, "the map has no legend"
    assert overview.locator(".hotspots-place-label").count() > 0, "no gazetteer labels"
    page.wait_for_timeout(1_000)  # let late requests (fonts, images) show up in the log
    save_screenshot(page, "overview")
    assert page.locator(ST_EXCEPTION).count() == 0, page.locator(ST_EXCEPTION).first.inner_text()
    page_log.assert_clean()


def test_overview_loads_map_assets_from_this_server(overview, page):
    """Leaflet is the copy served from /app/static/vendor, not a CDN's."""
    leaflet_src = overview.locator("script[src*='leaflet.js']").first.get_attribute("src")
    assert leaflet_src is not None
    assert re.match(r"^/(.+/)?app/static/vendor/leaflet/leaflet\.js$", leaflet_src)
    version = overview.locator("body").evaluate("() => window.L && window.L.version")
    assert version == "1.9.3"


def test_overview_marks_the_data_as_synthetic(overview, page):
    assert "synthetic" in page.locator("body").inner_text().lower()


def test_layer_control_lists_the_sightings_layer(overview):
    control = overview.locator(".leaflet-control-layers").inner_text()
    assert "Sightings per grid cell" in control
    assert "Place names" in control
