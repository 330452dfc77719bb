"""The Hotspot detail page in a real headless Chromium: map, charts, tables, offline.

Opened from the navigation it shows the busiest hotspot under the default filters; the
Hotspot map's click-through is tested in test_hotspot_map_page.py.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
TALL = {"width": 1400, "height": 2400}
CHART = '[data-testid="stVegaLiteChart"]'


@pytest.fixture
def detail(streamlit_server, page, open_page, wait_for_map):
    """The Hotspot detail page with its map drawn; yields the map's iframe FrameLocator."""
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Hotspot detail")
    return wait_for_map(page)


def headline(page) -> str:
    return page.locator("h1").first.inner_text()


def test_detail_shows_map_charts_and_tables_offline(detail, page, page_log, save_screenshot):
    assert headline(page).startswith("Hotspot detail: ")
    control = detail.locator(".leaflet-control-layers").inner_text()
    assert "Hotspots" in control and "Within 250 m" in control
    assert detail.locator(".hotspots-legend").count() == 1
    page.locator(CHART).nth(3).wait_for(timeout=60_000)  # models, indicators, week-hour, monthly
    assert page.locator(CHART).count() == 4
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=60_000)
    for heading in ("Grooming models", "Indicators", "When: hour by day of week",
                    "Month by month", "Vehicles also seen in other hotspots"):  # fmt: skip
        assert page.get_by_role("heading", name=heading).count() == 1, heading
    assert page.get_by_text("Premises inside or within 250 m").count() == 1
    page.wait_for_timeout(1_500)  # charts finish drawing; late requests reach the log
    page.set_viewport_size(TALL)  # Streamlit scrolls inside the page: show all of it
    page.wait_for_timeout(1_500)
    save_screenshot(page, "hotspot_detail")
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_another_distance_updates_the_premises(detail, page, page_log):
    slider = page.get_by_role("slider", name="Premises within (metres)")
    slider.focus()
    for _ in range(6):  # 250 m -> 550 m in steps of 50
        page.keyboard.press("ArrowRight")
    page.get_by_text("Premises inside or within 550 m").wait_for(timeout=60_000)
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_choosing_another_hotspot_shows_it(detail, page, page_log):
    first = headline(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Show another hotspot")
    box.click()
    options = page.get_by_role("option")
    options.nth(1).wait_for()
    other = options.nth(1).inner_text()
    options.nth(1).click()
    page.get_by_role("heading", name=f"Hotspot detail: {other}").wait_for(timeout=60_000)
    assert headline(page) != first
    page_log.assert_clean()
