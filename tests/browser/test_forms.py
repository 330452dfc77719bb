"""The risk screening and partner intelligence forms in a real headless Chromium, used as a
referrer would: tick items and watch the score change, save, and (intelligence) click the map
for the place, submit, and find the new sighting."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import pick_option, wait_for_rerun

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


def _sightings_metric(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Sightings").first
    metric.wait_for(timeout=SLOW_MS)
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def _pick(page, widget: str, label: str, option: str) -> None:
    """Choose in a Streamlit selectbox or multiselect as a user does: click, type, pick."""
    box = page.locator(f'[data-testid="{widget}"]').filter(has_text=label).first
    pick_option(
        page, box.locator("input"), option, typed=option[:4], close=widget == "stMultiSelect"
    )


def test_intelligence_form_click_the_map_submit_and_find_it_on_the_hotspot_map(
    streamlit_server, page, page_log, open_page, wait_for_map, save_screenshot
) -> None:
    # how many sightings the hotspot map counts before (the demo data ends in October 2026)
    _open(page, streamlit_server, open_page, "Hotspot map", "Hotspot map")
    before = _sightings_metric(page)

    open_page(page, "Submit intelligence")
    page.get_by_role("heading", name="Submit intelligence", exact=True).wait_for(timeout=SLOW_MS)
    wait_for_rerun(page)
    frame = wait_for_map(page)

    # where: a click on the map fills latitude and longitude
    latitude = page.get_by_label("Latitude", exact=True)
    assert latitude.input_value() == ""
    container = frame.locator(".leaflet-container")
    size = container.bounding_box()
    container.click(position={"x": size["width"] / 2 - 60, "y": size["height"] / 2 + 40})
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[aria-label=\"Latitude\"]')]"
        ".some(i => i.value !== '')",
        timeout=SLOW_MS,
    )
    lat, lon = float(latitude.input_value()), float(page.get_by_label("Longitude").input_value())
    assert 53.52 < lat < 53.64 and -2.64 < lon < -2.33
    frame.locator('.leaflet-overlay-pane path[stroke="#D55E00"]').wait_for()  # the chosen point

    # when: inside the hotspot map's period, so only the count changes
    when = page.get_by_role("group", name="Date and time seen (the start, for a range)")
    when.get_by_role("spinbutton").first.click()
    page.keyboard.type("151020262130")
    page.keyboard.press("Escape")
    wait_for_rerun(page)

    # what was seen; the plate becomes a token at once and leaves the box
    _pick(page, "stMultiSelect", "Indicators", "Seen in risky areas")
    _pick(page, "stMultiSelect", "Grooming models", "On-street")
    plate = page.get_by_label(
        "Vehicle registration (turned into a token at once; the plate is never kept)"
    )
    plate.fill("AB12 CDE")
    plate.press("Enter")
    page.get_by_text(re.compile(r"^Vehicle token: [0-9a-f]{16}$")).wait_for(timeout=SLOW_MS)
    wait_for_rerun(page)
    assert plate.input_value() == ""

    # source and grading: the grading summary updates as each part is chosen
    _pick(page, "stSelectbox", "Source agency", "Youth service")
    _pick(page, "stSelectbox", "Source evaluation", "2 – Untested")
    page.get_by_text(
        "Grading: Not graded yet: choose the intelligence assessment and the handling code"
    ).wait_for(timeout=SLOW_MS)
    _pick(page, "stSelectbox", "Intelligence assessment",
          "B – Known indirectly to the source but corroborated")  # fmt: skip
    _pick(page, "stSelectbox", "Handling code", "P – Lawful sharing permitted")
    page.get_by_text(re.compile(r"^Grading: 2B P: untested source")).wait_for(timeout=SLOW_MS)

    # a note with a phone number is refused beside the note, and nothing typed is lost
    note = page.get_by_role("textbox", name=re.compile(r"^Note \(no names"))
    typed = "Older males offering lifts outside the takeaway; ring 07700 900123"
    note.fill(typed)
    page.get_by_role("button", name="Submit intelligence").click()
    page.get_by_text(re.compile("holds what looks like a phone number")).wait_for(timeout=SLOW_MS)
    page.get_by_text("Not submitted: correct the boxes marked above.", exact=False).wait_for()
    assert note.input_value() == typed
    assert float(latitude.input_value()) == lat
    page.get_by_text(re.compile(r"^Grading: 2B P")).wait_for()
    _no_exception(page)
    page.set_viewport_size(TALL)
    save_screenshot(page, "forms_intelligence_refused")

    # asking for the identifiers to be removed clears the problem; submit
    page.get_by_text("Remove identifiers from the note instead of refusing it", exact=True).click()
    page.get_by_text(re.compile("holds what looks like")).wait_for(state="detached")
    page.get_by_role("button", name="Submit intelligence").click()
    page.get_by_text(re.compile(r"^Submitted as FORM-\d{8}-[0-9A-F]{8}: 15/10/2026 21:30\.")
                     ).wait_for(timeout=SLOW_MS)  # fmt: skip
    # the form is ready for the next report
    assert note.input_value() == ""
    page.get_by_text(re.compile(r"^Grading: Not graded yet")).wait_for()
    save_screenshot(page, "forms_intelligence_submitted")
    _no_exception(page)

    # the hotspot map counts the new sighting at once
    page.set_viewport_size({"width": 1400, "height": 1000})
    open_page(page, "Hotspot map")
    page.get_by_role("heading", name="Hotspot map", exact=True).wait_for(timeout=SLOW_MS)
    page.wait_for_function(
        "(want) => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".some(m => m.innerText.startsWith('Sightings') && m.innerText.includes(want))",
        arg=f"{before + 1:,}",
        timeout=SLOW_MS,
    )
    assert _sightings_metric(page) == before + 1
    wait_for_map(page)
    save_screenshot(page, "forms_intelligence_on_map")
    _no_exception(page)
    page_log.assert_clean()
