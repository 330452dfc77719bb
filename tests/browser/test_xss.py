"""Hostile record text in a real browser: nothing runs, and the reader sees the text as typed.

Every premises name and every sighting note of a small synthetic database is replaced by a
script-injection payload. Each payload, if it ever ran, would set `window.__xss` (in whichever
frame it ran) or open a dialog. The Hotspot map's premises tooltips and popups (folium, inside
an iframe) and the Search page's table (Markdown) are opened; the marker must stay unset in
every frame, no dialog may open, no element the payloads would create may exist, and the
payload must be visible as text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.db import make_engine, migrate
from hotspots.db.demo import load_synthetic
from hotspots.gazetteer import load_gazetteer
from hotspots.synth import generate

pytestmark = pytest.mark.browser

PAYLOADS = (
    '<img src=x onerror="window.__xss=1;alert(1)">',
    "<script>window.__xss=2;alert(2)</script>",
    "[open](javascript:window.__xss=3)",
    "`${window.__xss=4}` \\` ${alert(4)}",
    "<svg onload=window.__xss=5>",
    '"><img src=x onerror=window.__xss=6>',
)
#: Elements that would exist if any payload had been parsed as HTML or Markdown.
INJECTED = 'img[src="x"], svg[onload], a[href^="javascript"], script:text("__xss=2")'


@pytest.fixture(scope="module")
def hostile_server(serve_app, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo-mode server on synthetic data whose premises names and notes are all hostile."""
    database: Path = tmp_path_factory.mktemp("hostile-db") / "hotspots.sqlite"
    data = generate(sightings=3_000, seed=1, gazetteer=load_gazetteer())
    data.premises["name"] = [
        f"{PAYLOADS[i % len(PAYLOADS)]} #{i}" for i in range(len(data.premises))
    ]
    data.sightings["note"] = [
        f"seen near {PAYLOADS[i % len(PAYLOADS)]} #{i}" for i in range(len(data.sightings))
    ]
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    load_synthetic(engine, data, username="hostile-test")
    engine.dispose()
    return serve_app(database, "hostile")


def _nothing_ran(page, page_log) -> None:
    for frame in page.frames:
        assert frame.evaluate("typeof window.__xss") == "undefined", frame.url
        assert frame.locator(INJECTED).count() == 0, frame.url
    assert page_log.dialogs == []
    page_log.assert_clean()  # an <img src=x> would also have asked the server for /x


def test_premises_names_on_the_map_are_shown_not_run(
    hostile_server, page, page_log, open_page, wait_for_map, save_screenshot
):
    page.goto(hostile_server, wait_until="domcontentloaded")
    open_page(page, "Hotspot map")
    frame = wait_for_map(page)
    # An analyst's map opens with the premises layers off: turn them all on.
    control = frame.locator(".leaflet-control-layers")
    control.hover()
    for box in control.locator("label").filter(has_text="Premises:").locator("input").all():
        if not box.is_checked():
            box.check(force=True)
    markers = frame.locator(".hotspots-premises")
    markers.first.wait_for()
    shown = []
    for index in range(min(6, markers.count())):
        # Events are sent to the marker itself: the legend or the layer box may cover it.
        marker = markers.nth(index)
        marker.dispatch_event("mouseover")
        tooltip = frame.locator(".leaflet-tooltip").last
        tooltip.wait_for()
        shown.append(tooltip.inner_text())
        marker.dispatch_event("mouseout")
        marker.dispatch_event("click")
        popup = frame.locator(".leaflet-popup-content").last
        popup.wait_for()
        shown.append(popup.inner_text())
    text = "\n".join(shown)
    assert "<img src=x onerror" in text or "<script>" in text or "<svg onload" in text, text
    assert "#" in text  # the numbered names arrive whole
    save_screenshot(page, "xss_hotspot_map")
    _nothing_ran(page, page_log)


def test_notes_and_premises_in_search_results_are_shown_not_run(
    hostile_server, page, page_log, open_page, save_screenshot
):
    page.goto(hostile_server, wait_until="domcontentloaded")
    open_page(page, "Search records")
    page.get_by_label("Words in a note, premises name or reference").fill("window.__xss")
    page.get_by_role("button", name="Search").click()
    table = page.locator('[data-testid="stTable"]')
    table.wait_for(timeout=60_000)
    text = table.inner_text()
    for payload in PAYLOADS:
        assert payload.replace("\\", "") in text.replace("\\", ""), payload
    save_screenshot(page, "xss_search")
    _nothing_ran(page, page_log)


def test_an_admin_reads_hostile_search_terms_in_the_audit_log_safely(
    hostile_server, page, page_log, open_page, save_screenshot
):
    """The demo's role switcher makes the demo user an admin; the analyst's searches (typed
    text, kept as typed) are in the log, drawn on a canvas that interprets nothing."""
    page.goto(hostile_server, wait_until="domcontentloaded")
    open_page(page, "Search records")
    page.get_by_label("Words in a note, premises name or reference").fill(PAYLOADS[0])
    page.get_by_role("button", name="Search").click()
    page.get_by_text("sighting(s), newest first").wait_for(timeout=60_000)
    page.get_by_role("combobox", name="See the dashboard as").click()
    page.get_by_role("option", name="Administrator").click()
    open_page(page, "Audit log")
    page.get_by_role("button", name="Show entries").click()
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
    assert page.get_by_role("link", name="Search records").count() == 0  # an admin's pages
    save_screenshot(page, "xss_audit_log")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export these entries (CSV)").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert body.startswith("# OFFICIAL-SENSITIVE. Audit log extract")
    assert "search:sighting" in body and "window.__xss" in body  # the terms, as typed
    _nothing_ran(page, page_log)
