"""The Import page in a real headless Chromium, used as an analyst would: choose a CSV with one
bad row through the file chooser, see the preview and the mapping, import, read the counts and
the rejection report, download it, and find the new sightings counted on the Overview."""

from __future__ import annotations

import csv
import io
import re

import pytest

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
SLOW_MS = 120_000
TALL = {"width": 1400, "height": 2800}


def _week_file() -> bytes:
    rows = [
        ["source_ref", "seen_at", "latitude", "longitude", "grooming_models", "source_agency",
         "note"],
        ["BROWSER-1", "03/02/2025 21:30", "53.5772", "-2.4436", "on_street", "police",
         "Seen getting into a car with older males."],
        ["BROWSER-2", "04/02/2025 22:10", "53.5741", "-2.4290", "on street", "police", ""],
        ["BROWSER-3", "2025-02-05 20:00", "53.5790", "-2.4410", "group", "youth_service", ""],
    ]  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _no_exception(page) -> None:
    exceptions = page.locator(ST_EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _sightings_on_overview(page, open_page) -> int:
    open_page(page, "Overview")
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=SLOW_MS)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Sightings").first
    metric.wait_for(timeout=SLOW_MS)
    value = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(value.replace(",", ""))


def test_upload_map_import_and_report(
    streamlit_server, page, page_log, open_page, save_screenshot
) -> None:
    page.goto(streamlit_server, wait_until="domcontentloaded")
    before = _sightings_on_overview(page, open_page)

    open_page(page, "Import")
    page.get_by_role("heading", name="Import", exact=True).wait_for(timeout=SLOW_MS)
    with page.expect_file_chooser(timeout=SLOW_MS) as chooser:
        page.get_by_role("button", name=re.compile("Browse files|Upload")).first.click()
    chooser.value.set_files(
        files=[{"name": "week.csv", "mimeType": "text/csv", "buffer": _week_file()}]
    )
    page.get_by_text("week.csv: 3 rows, 7 columns.", exact=False).wait_for(timeout=SLOW_MS)
    page.get_by_text("Which column holds what").wait_for(timeout=SLOW_MS)
    _no_exception(page)

    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text(
        re.compile(r"week\.csv: 2 sightings imported as batch \d+; 1 rejected")
    ).wait_for(timeout=SLOW_MS)
    page.get_by_role("heading", name="Rejection report").wait_for(timeout=SLOW_MS)
    accepted = page.locator('[data-testid="stMetric"]').filter(has_text="Accepted").first
    assert accepted.locator('[data-testid="stMetricValue"]').inner_text() == "2"
    _no_exception(page)

    with page.expect_download(timeout=SLOW_MS) as download:
        page.get_by_role("button", name="Download the rejection report (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        report = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["value"], r["suggestion"]) for r in report] == [
        ("3", "grooming_models", "on street", "on_street")
    ]
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, "import_page")

    page.get_by_role("tab", name="Batches").click()
    page.get_by_role("button", name="Undo this batch").wait_for(timeout=SLOW_MS)
    page.get_by_role("tab", name="Templates").click()
    page.get_by_role("button", name="Download the sightings template").wait_for(timeout=SLOW_MS)
    _no_exception(page)

    assert _sightings_on_overview(page, open_page) == before + 2
    page_log.assert_clean()
