"""The Premises checker in a real headless Chromium: map with named layers, visit list,
a search that changes the numbers, the shared CSV; offline, no exception, no console error."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
TALL = {"width": 1400, "height": 2200}
SLOW_MS = 120_000
NAMED_LAYERS = (
    "Current hotspots",
    "Searched within 250 m",
    "Premises: Takeaway",
    "Premises: Hotel",
    "Premises: Park",
    "Visit order (first 25)",
    "Place names",
)


def metric(page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


@pytest.fixture
def premises_page(streamlit_server, page, open_page, wait_for_map):
    """The Premises page with its map drawn; yields the map's iframe FrameLocator."""
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Premises")
    page.get_by_role("heading", name="Premises checker").wait_for(timeout=SLOW_MS)
    return wait_for_map(page)


def test_premises_page_shows_map_layers_and_visit_list(
    premises_page, page, page_log, save_screenshot
):
    control = premises_page.locator(".leaflet-control-layers").inner_text()
    for name in NAMED_LAYERS:
        assert name in control, f"layer {name!r} is not in the layer control:\n{control}"
    legend = premises_page.locator(".hotspots-legend").inner_text()
    for title in ("Hotspots", "Area searched", "Premises", "Visit order"):
        assert title in legend
    assert premises_page.locator(".hotspots-visit-order").count() == 25
    assert metric(page, "On the visit list") > 0
    assert page.get_by_role("heading", name=re.compile(r"^Visit list: ")).count() == 1
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=SLOW_MS)
    page.wait_for_timeout(1_000)
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_500)
    save_screenshot(page, "premises")
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_a_search_changes_the_numbers(premises_page, page, page_log):
    before = metric(page, "Premises found")
    box = page.get_by_label("Name contains")
    box.fill("Hotel")
    box.press("Enter")
    page.wait_for_function(
        "(before) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m =>"
        " m.innerText.startsWith('Premises found') &&"
        " Number(m.querySelector('[data-testid=stMetricValue]').innerText.replace(/,/g, ''))"
        " < before)",
        arg=before,
        timeout=60_000,
    )
    after = metric(page, "Premises found")
    assert 0 < after < before
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_the_visit_list_downloads_as_csv_for_sharing(premises_page, page, page_log):
    button = page.get_by_role("button", name="Download the visit list (CSV)")
    with page.expect_download(timeout=SLOW_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("premises-visit-list-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        body = handle.read()
    assert body.startswith("# OFFICIAL-SENSITIVE. Premises visit list")
    header = body.splitlines()[1]
    assert header.startswith("Rank,Premises,Category,Licence,Sightings at the premises")
    assert "Score" not in header
    page.wait_for_timeout(500)
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()
