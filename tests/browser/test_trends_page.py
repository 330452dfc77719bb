"""The Trends page in a real headless Chromium: charts and tables, a change of period or
breakdown that changes the numbers, PNG and CSV downloads; offline, no exception, no
console error."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import wait_for_rerun

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stVegaLiteChart"]'
TALL = {"width": 1400, "height": 3000}
SLOW_MS = 120_000


def headline(page) -> tuple[str, str]:
    """(label, value) of the first metric: this period's total."""
    box = page.locator('[data-testid="stMetric"]').first
    label = box.locator('[data-testid="stMetricLabel"]').inner_text()
    return label, box.locator('[data-testid="stMetricValue"]').inner_text()


def choose(page, label: str, option: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def download(page, button: str, index: int = 0) -> bytes:
    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_role("button", name=button).nth(index).click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


@pytest.fixture
def trends_page(streamlit_server, page, open_page):
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Trends")
    page.get_by_role("heading", name="Trends", exact=True).wait_for(timeout=SLOW_MS)
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=SLOW_MS)
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=SLOW_MS)
    return page


def test_trends_page_shows_charts_tables_and_figures(trends_page, page_log, save_screenshot):
    page = trends_page
    assert page.locator(CHART).count() == 2
    assert page.locator('[data-testid="stDataFrame"]').count() == 2
    label, value = headline(page)
    assert label.startswith("This period: ")
    assert value.replace(",", "").isdigit() or value in ("<5", "[c]")
    assert page.get_by_text(re.compile("^<5: a number from 1 to 4")).count() == 1
    page.wait_for_timeout(1_000)
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_500)
    save_screenshot(page, "trends")
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_a_longer_period_changes_the_numbers(trends_page, page_log):
    page = trends_page
    before = headline(page)
    choose(page, "Compare", "Twelve months")
    page.wait_for_function(
        "(before) => { const m = document.querySelector('[data-testid=stMetric]');"
        " return m && !m.innerText.startsWith(before); }",
        arg=before[0],
        timeout=60_000,
    )
    wait_for_rerun(page)
    after = headline(page)
    assert after[0] != before[0] and after[1] != before[1]
    assert page.locator('[data-testid="stMetric"]').count() == 2
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()


def test_areas_as_a_grid_and_the_downloads(trends_page, page_log, save_screenshot):
    page = trends_page
    page.locator('[data-testid="stRadio"]').get_by_text("Area", exact=True).click()
    page.get_by_text(re.compile(r"^Sightings by area: ")).wait_for(timeout=SLOW_MS)
    wait_for_rerun(page)
    page.locator(f"{CHART} canvas, {CHART} svg").first.wait_for(timeout=SLOW_MS)
    csv = download(page, "Download the table (CSV)").decode("utf-8-sig")
    assert csv.startswith("# OFFICIAL. Sightings by area, month by month")
    lines = csv.splitlines()
    assert lines[2].startswith("Month,")
    cells = {cell for line in lines[3:] for cell in line.split(",")[1:]}
    assert not cells & {"1", "2", "3", "4"}, "an exact small count was exported"
    png = download(page, "Download the chart (PNG)")
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    assert png.startswith(b"\x89PNG") and image.std() > 10
    comparison = download(page, "Download the table (CSV)", index=1).decode("utf-8-sig")
    assert "periods compared" in comparison.splitlines()[0]
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_500)
    save_screenshot(page, "trends_by_area")
    assert page.locator(ST_EXCEPTION).count() == 0
    page_log.assert_clean()
