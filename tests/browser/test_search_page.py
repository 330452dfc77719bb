"""The Search records page in a real headless Chromium, as the demo analyst: words, then a
young person's pseudonym, then both, then a reference, each changing the results and their
count; the limit; a search that finds nothing and one with no terms. No Python exception,
no console error, nothing leaves 127.0.0.1; a screenshot in tests/artifacts/.

Hostile record text in the results is tested in test_xss.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_rerun

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
SLOW_MS = 120_000
TALL = {"width": 1400, "height": 2400}
COLUMNS = [
    "When", "Reference", "Precision", "Young people", "Premises", "Grooming models",
    "Indicators", "Note",
]  # fmt: skip
WORDS = "Words in a note, premises name or reference"
PSEUDONYM = "Pseudonym of a young person"
COUNT = re.compile(r"^([\d,]+) sighting\(s\), newest first\.$")


def _no_exception(page) -> None:
    exceptions = page.locator(ST_EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _search(page, words: str = "", pseudonym: str = "", limit: int = 100) -> None:
    page.get_by_label(WORDS).fill(words)
    page.get_by_label(PSEUDONYM).fill(pseudonym)
    page.get_by_label("At most").fill(str(limit))
    page.get_by_role("button", name="Search", exact=True).click()
    wait_for_rerun(page)


#: The stated count and the table's header and rows, read in one go.
READ_RESULTS = """() => {
  const stated = [...document.querySelectorAll('[data-testid="stMarkdownContainer"] p')]
    .map(p => p.innerText.trim()).find(text => text.endsWith('sighting(s), newest first.'));
  const table = document.querySelector('[data-testid="stTable"] table');
  const cells = row => [...row.cells].map(cell => cell.innerText.trim());
  return [stated ?? '', table ? cells(table.tHead.rows[0]) : [],
          table ? [...table.tBodies[0].rows].map(cells) : []];
}"""


def _results(
    page, expected: Callable[[list[dict[str, str]]], bool], timeout_s: float = 60.0
) -> tuple[int, list[dict[str, str]]]:
    """The count the page states and the table's rows (column name -> cell text), once the
    count matches the rows and `expected(rows)` holds: what a rerun still under way shows
    is the previous search's."""
    deadline = time.monotonic() + timeout_s
    while True:
        stated, header, cells = page.evaluate(READ_RESULTS)
        rows = [dict(zip(header, row, strict=True)) for row in cells]
        found = COUNT.match(stated)
        count = int(found.group(1).replace(",", "")) if found else -1
        if count == len(rows) and rows and expected(rows):
            assert header == COLUMNS
            return count, rows
        if time.monotonic() > deadline:
            pytest.fail(f"results never as expected: {stated!r}, {len(rows)} rows:\n{rows[:5]}")
        page.wait_for_timeout(250)


def _mention(row: dict[str, str], words: str) -> bool:
    return words in f"{row['Note']} {row['Premises']} {row['Reference']}".lower()


def _linked(row: dict[str, str], pseudonym: str) -> bool:
    return pseudonym in row["Young people"].split(", ")


def test_search_terms_change_the_results_and_their_count(
    streamlit_server, page, page_log, open_page, save_screenshot
) -> None:
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Search records")
    page.get_by_role("heading", name="Search records", exact=True).wait_for(timeout=SLOW_MS)
    page.get_by_text("Synthetic demonstration data.").wait_for()
    page.get_by_text(re.compile(r"^Every search is recorded in the audit log")).wait_for()
    for label in (WORDS, PSEUDONYM, "At most"):
        expect(page.get_by_label(label)).to_be_visible()
    assert page.locator('[data-testid="stTable"]').count() == 0  # nothing before a search
    _no_exception(page)

    # no terms: told what to type, nothing searched
    _search(page)
    page.get_by_text("type words to look for, or a pseudonym, to search").wait_for()
    assert page.locator('[data-testid="stTable"]').count() == 0

    # words: every sighting found mentions them, in its note, premises or reference
    _search(page, words="takeaway")
    by_words, rows = _results(page, lambda rows: all(_mention(r, "takeaway") for r in rows))
    assert 1 < by_words < 100
    seen = [row["When"] for row in rows]
    assert seen == sorted(
        seen, key=lambda when: datetime.strptime(when, "%d %b %Y %H:%M"), reverse=True
    )  # newest first
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, "search")
    page.set_viewport_size({"width": 1400, "height": 1000})

    # a young person seen at a takeaway: all their sightings, wherever they were
    pseudonym = next(p for row in rows for p in row["Young people"].split(", ") if p)
    _search(page, pseudonym=pseudonym)
    by_person, found = _results(page, lambda rows: all(_linked(r, pseudonym) for r in rows))
    assert {row["Reference"] for row in found} != {row["Reference"] for row in rows}

    # both: only their sightings that mention the words
    _search(page, words="takeaway", pseudonym=pseudonym)
    both, _ = _results(
        page, lambda rows: all(_linked(r, pseudonym) and _mention(r, "takeaway") for r in rows)
    )
    assert both <= min(by_words, by_person)

    # a reference: that one sighting
    reference = rows[0]["Reference"]
    _search(page, words=reference.lower())
    assert _results(page, lambda rows: rows[0]["Reference"] == reference)[0] == 1

    # the limit, and a search that finds nothing
    _search(page, words="takeaway", limit=10)
    assert _results(page, lambda rows: len(rows) == 10)[0] == 10
    _search(page, words="no such words in any note")
    page.get_by_text("Nothing found. Try fewer or other words, or check the pseudonym.").wait_for()
    assert page.locator('[data-testid="stTable"]').count() == 0
    _no_exception(page)
    page_log.assert_clean()
