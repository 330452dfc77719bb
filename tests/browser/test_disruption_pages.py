"""The Disruption and Meeting pack pages in a real headless Chromium: record an action,
evaluate it, download the briefing and open it (its map image is not blank), prepare and
download the meeting pack; no Python exception, no console error, nothing from the internet."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
TALL = {"width": 1400, "height": 2600}
SLOW_MS = 120_000


def _no_exception(page) -> None:
    exceptions = page.locator(ST_EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _open(page, server: str, open_page, title: str) -> None:
    page.goto(server, wait_until="domcontentloaded")
    open_page(page, title)
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=SLOW_MS)


def _set_date(page, label: str, digits: str) -> None:
    """Type DDMMYYYY into Streamlit's segmented date field (day, month, year spinbuttons)."""
    field = page.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(digits)
    page.keyboard.press("Tab")


def _download(page, button: str) -> bytes:
    with page.expect_download(timeout=SLOW_MS) as info:
        page.get_by_role("button", name=button).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def test_record_evaluate_and_brief(
    streamlit_server, page, page_log, open_page, save_screenshot
) -> None:
    _open(page, streamlit_server, open_page, "Disruption")
    page.get_by_text("Actions recorded").or_(
        page.get_by_text("No disruption action")
    ).first.wait_for(timeout=SLOW_MS)
    _no_exception(page)

    # record a patrol at the first hotspot, started a year before the data end
    page.get_by_label("Hotspot", exact=True).first.wait_for(timeout=SLOW_MS)
    _set_date(page, "Start date", "01112025")
    page.get_by_label("Notes (no names, addresses, phone numbers or plates)").fill(
        "Friday <b>evening</b> patrols"
    )
    page.get_by_role("button", name="Record the action").click()
    page.get_by_text(re.compile(r"^Action \d+ recorded\.$")).wait_for(timeout=SLOW_MS)
    page.get_by_text("Actions recorded").wait_for(timeout=SLOW_MS)
    _no_exception(page)

    # evaluate it
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_role("button", name="Evaluate", exact=True).click()
    page.get_by_text("Sightings per month; the dashed line is the start.").wait_for(timeout=SLOW_MS)
    _no_exception(page)
    verdict = page.get_by_text("Target area:").first.inner_text()
    assert "sightings before" in verdict
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, "disruption_evaluation")
    csv = _download(page, "Download the monthly counts (CSV)")
    assert b"month,target,buffer,comparison" in csv

    # the briefing
    page.get_by_role("tab", name="Briefing").click()
    page.get_by_role("button", name="Prepare the briefing").click()
    page.get_by_role("button", name="Download the briefing (HTML)").wait_for(timeout=SLOW_MS)
    _no_exception(page)
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, "disruption")
    html = _download(page, "Download the briefing (HTML)").decode("utf-8")
    assert html.count("OFFICIAL-SENSITIVE") >= 2
    pdf = _download(page, "Download the briefing (PDF)")
    assert pdf.startswith(b"%PDF-")
    page_log.assert_clean()

    # open the downloaded briefing: the map image loads and is not blank
    page.set_content(html)
    image = page.locator("img").first
    image.wait_for()
    assert page.evaluate("document.images[0].complete && document.images[0].naturalWidth") > 300
    pixels = np.asarray(Image.open(io.BytesIO(image.screenshot())).convert("RGB"), dtype=float)
    assert pixels.std() > 10
    assert page.locator(".marking").count() == 2
    save_screenshot(page, "disruption_briefing")
    page_log.assert_clean()


def test_record_a_circle_around_a_clicked_point(
    streamlit_server, page, page_log, open_page, wait_for_map, save_screenshot
) -> None:
    _open(page, streamlit_server, open_page, "Disruption")
    page.get_by_text("A circle around a point on the map").click()
    frame = wait_for_map(page)
    latitude = page.get_by_label("Latitude")
    before = latitude.input_value()
    frame.locator(".leaflet-container").click(position={"x": 120, "y": 90})
    page.wait_for_function(
        "(old) => { const box = [...document.querySelectorAll('input')].find("
        "i => i.getAttribute('aria-label') === 'Latitude'); return box && box.value !== old; }",
        arg=before,
        timeout=SLOW_MS,
    )
    page.get_by_role("button", name="Record the action").click()
    page.get_by_text(re.compile(r"^Action \d+ recorded\.$")).wait_for(timeout=SLOW_MS)
    _no_exception(page)
    save_screenshot(page, "disruption_point")
    page_log.assert_clean()


def test_meeting_pack(streamlit_server, page, page_log, open_page, save_screenshot) -> None:
    _open(page, streamlit_server, open_page, "Meeting pack")
    _no_exception(page)
    page.get_by_role("button", name="Prepare the pack").click()
    page.get_by_text("Priority list:").wait_for(timeout=SLOW_MS)
    _no_exception(page)
    csv = _download(page, "Download the pack (CSV)").decode("utf-8-sig")
    assert csv.startswith("# OFFICIAL-SENSITIVE")
    assert "rank,kind,item,why,priority" in csv
    html = _download(page, "Download the pack (HTML)").decode("utf-8")
    assert "OFFICIAL-SENSITIVE" in html
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, "meeting_pack")
    page_log.assert_clean()
