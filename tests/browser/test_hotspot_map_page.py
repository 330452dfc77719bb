"""The Hotspot map page in a real headless Chromium: layers, filters, clicks, offline.

Runs `app.py` on a fresh SpatiaLite file with small demo data (the demo analyst is signed
in). Nothing may leave 127.0.0.1, and no Python exception or console error may appear.
"""

from __future__ import annotations

import re

import pytest

from hotspots.domain import GROOMING_MODELS
from tests.browser.conftest import pick_option

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
TALL = {"width": 1400, "height": 2400}
ST_FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
HOTSPOT_OUTLINE = "#1A1A1A"
NAMED_LAYERS = (
    *[f"Grooming model: {label}" for label in GROOMING_MODELS.values()],
    "Hotspots",
    "Density surface (KDE)",
    "Gi* hot and cold spots",
    "Risky places",
    "Premises: Takeaway",
    "Premises: Hotel",
    "Premises: Taxi office",
    "Premises: Park",
    "Premises: Other",
    "Place names",
)


def metric(page, label: str) -> str:
    """The value shown by the metric called `label`."""
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def choose_in_multiselect(page, label: str, option: str) -> None:
    widget = page.locator('[data-testid="stMultiSelect"]').filter(has_text=label)
    pick_option(page, widget.locator("input"), option, close=True)


@pytest.fixture
def hotspot_map(streamlit_server, page, open_page, wait_for_map):
    """The Hotspot map page with its map drawn; yields the map's iframe FrameLocator."""
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Hotspot map")
    return wait_for_map(page)


def test_hotspot_map_draws_every_named_layer_offline(hotspot_map, page, page_log, save_screenshot):
    control = hotspot_map.locator(".leaflet-control-layers").inner_text()
    for name in NAMED_LAYERS:
        assert name in control, f"layer {name!r} is not in the layer control:\n{control}"
    assert hotspot_map.locator(".hotspots-legend").count() == 1, "the map has no legend"
    legend = hotspot_map.locator(".hotspots-legend").inner_text()
    for title in ("Grooming models", "Hotspots", "Density (KDE)", "Premises", "Risky places"):
        assert title in legend
    assert hotspot_map.locator(f'.leaflet-overlay-pane path[stroke="{HOTSPOT_OUTLINE}"]').count()
    assert int(metric(page, "Hotspots").replace(",", "")) > 0
    page.wait_for_timeout(1_000)  # let late requests (fonts, images) show up in the log
    page.set_viewport_size(TALL)  # Streamlit scrolls inside the page: show all of it
    page.wait_for_timeout(1_500)
    save_screenshot(page, "hotspot_map")
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_a_filter_change_updates_the_numbers(hotspot_map, page, page_log):
    before = int(metric(page, "Sightings").replace(",", ""))
    choose_in_multiselect(page, "Indicators", "Adults loitering")
    page.wait_for_function(
        "(before) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m =>"
        " m.innerText.startsWith('Sightings') &&"
        " Number(m.querySelector('[data-testid=stMetricValue]').innerText.replace(/,/g, ''))"
        " < before)",
        arg=before,
        timeout=60_000,
    )
    after = int(metric(page, "Sightings").replace(",", ""))
    assert 0 < after < before
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def _click_a_hotspot(page, frame) -> None:
    """Click the middle of the first hotspot outline that lies inside the map's view.

    The map is scrolled fully into view first: Chromium scrolls a focused iframe into view on
    mouse-down, which would move the map under the pointer between aiming and clicking.
    """
    page.locator(ST_FOLIUM_IFRAME).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    outlines = frame.locator(f'.leaflet-overlay-pane path[stroke="{HOTSPOT_OUTLINE}"]')
    view = frame.locator(".leaflet-container").bounding_box()
    for i in range(outlines.count()):
        box = outlines.nth(i).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        inside = view["x"] + 60 < x < view["x"] + view["width"] - 260 and (
            view["y"] + 60 < y < view["y"] + view["height"] - 60
        )
        if inside:
            page.mouse.click(x, y)
            return
    pytest.fail("no hotspot outline lies inside the map's view")


def test_clicking_a_hotspot_opens_its_detail(hotspot_map, page, page_log, save_screenshot):
    _click_a_hotspot(page, hotspot_map)
    button = page.get_by_role("button", name=re.compile(r"^Open the detail of "))
    button.wait_for(timeout=60_000)
    name = button.inner_text().removeprefix("Open the detail of ").strip()
    button.click()
    page.get_by_role("heading", name=f"Hotspot detail: {name}").wait_for(timeout=60_000)
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_panning_the_map_does_not_rerun_the_page(streamlit_server, page, open_page, wait_for_map):
    """Only clicks go back to Python: dragging and zooming the map send nothing to the server."""
    sent: list[object] = []
    page.on("websocket", lambda socket: socket.on("framesent", sent.append))
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Hotspot map")
    frame = wait_for_map(page)
    page.wait_for_timeout(2_000)
    before = len(sent)
    view = frame.locator(".leaflet-container").bounding_box()
    x, y = view["x"] + view["width"] / 3, view["y"] + view["height"] - 40
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y - 80, steps=8)
    page.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(2_000)
    assert len(sent) == before, "panning or zooming the map sent a message to the server"
