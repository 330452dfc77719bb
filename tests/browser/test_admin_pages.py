"""The administrator's pages in a real headless Chromium: Users, Audit log, Retention review.

Users and Audit log run outside demo mode (`secure_server`): the administrator signs in with
the account the users command made, adds an account through the page, disables it and
changes its role, and reads what all that wrote to the audit log, filters it and exports it.
Retention review needs records, so it runs on the demo server (`streamlit_server`) with the
demo role switcher set to Administrator, and a cut-off date six years after the synthetic
data begins: one record is kept until a new date, another erased, and the count drops each
time. Each page: no Python exception, no console error, nothing leaves 127.0.0.1, a
screenshot in tests/artifacts/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import pick_option, wait_for_rerun

pytestmark = pytest.mark.browser

ST_EXCEPTION = '[data-testid="stException"]'
GRID_ROWS = '[data-testid="stDataFrame"] table[role="grid"] tbody tr'
SLOW_MS = 120_000
TALL = {"width": 1400, "height": 1800}
REASON = "Reason (kept in the audit log)"
CONFIRM = "To erase, type the pseudonym or reference shown above"
NEW_ACCOUNT = "new.licensing-officer"
NEW_PASSWORD = "a long enough passphrase 77"


# ---------------------------------------------------------------- helpers


def _no_exception(page) -> None:
    exceptions = page.locator(ST_EXCEPTION)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _open(page, open_page, title: str) -> None:
    open_page(page, title)
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=SLOW_MS)
    wait_for_rerun(page)


def _grid(page, index: int = 0) -> list[list[str]]:
    """The cells of the `index`-th st.dataframe, row by row, read in one go from the
    accessible table that Streamlit's data grid keeps behind its canvas (the rows in view)."""
    return (
        page.locator('[data-testid="stDataFrame"]')
        .nth(index)
        .evaluate(
            "frame => [...frame.querySelectorAll('table[role=grid] tbody tr')]"
            ".map(row => [...row.children].map(cell => cell.textContent))"
        )
    )


def _rows(
    page, until: Callable[[list[list[str]]], bool] = bool, timeout_s: float = 60.0
) -> list[list[str]]:
    """The rows of the first st.dataframe once `until(rows)` holds (by default: once there
    are any). After a rerun the grid is drawn again, and its accessible table a moment
    later, so what a test expects is waited for rather than read at once."""
    deadline = time.monotonic() + timeout_s
    while not until(rows := _grid(page)):
        if time.monotonic() > deadline:
            pytest.fail(f"the table never showed what was expected; it shows:\n{rows}")
        page.wait_for_timeout(250)
    return rows


def _wait_for_row(page, *cells: str) -> None:
    """Wait until the first st.dataframe has a row starting with `cells`."""
    _rows(page, lambda rows: any(row[: len(cells)] == list(cells) for row in rows))


def _metric(page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    box.wait_for(timeout=SLOW_MS)
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def _wait_metric(page, label: str, value: int) -> None:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    expect(box.locator('[data-testid="stMetricValue"]')).to_have_text(f"{value:,}", timeout=SLOW_MS)


def _choose(page, label: str, option: str) -> None:
    """Choose in a selectbox or multiselect inside a form (no rerun until the form is
    submitted): click, type the start of the option (long lists scroll), pick."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(option[:6])
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")  # a multiselect's menu stays open for more


def _pick(page, label: str, option: str) -> None:
    """Choose in a selectbox outside a form, as a user does: click, type, pick."""
    box = page.get_by_role("combobox", name=label, exact=True)
    pick_option(page, box, option, typed=option[:6])


def _selected(page, label: str, start: str) -> None:
    """Check that the selectbox `label` shows an option starting with `start`."""
    box = page.get_by_role("combobox", name=label, exact=True)
    expect(box).to_have_value(re.compile("^" + re.escape(start)), timeout=SLOW_MS)


def _set_date(page, label: str, digits: str) -> None:
    """Type DDMMYYYY into Streamlit's segmented date field; Escape closes its calendar."""
    field = page.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(digits)
    page.keyboard.press("Escape")


def _screenshot(page, save_screenshot, name: str) -> None:
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1_000)
    save_screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.fixture
def admin_page(secure_server, page, sign_in):
    """The page, signed in as the administrator of the server outside demo mode."""
    name, password = secure_server.accounts["admin"]
    sign_in(page, secure_server.base_url, name, password)
    return page


# ---------------------------------------------------------------- Users


def test_users_add_disable_and_change_role(
    secure_server, admin_page, page_log, open_page, save_screenshot
) -> None:
    page = admin_page
    _open(page, open_page, "Users")
    page.locator(GRID_ROWS).first.wait_for(state="attached", timeout=SLOW_MS)
    accounts = {name: role for role, (name, _) in secure_server.accounts.items()}
    for name, role in accounts.items():  # every account listed, enabled ("spare": an analyst)
        _wait_for_row(page, name, role.replace("spare", "analyst"), "false")
    assert page.get_by_role("heading", name="Add a user").count() == 1
    assert page.get_by_role("heading", name="Change a user").count() == 1
    for tab in ("Role", "Enable or disable", "New password"):
        assert page.get_by_role("tab", name=tab, exact=True).count() == 1
    _no_exception(page)

    # a weak password is refused with the reason, and the rest of the page stays
    page.get_by_label("Username", exact=True).fill(NEW_ACCOUNT)
    page.get_by_label("Password (at least 12 characters)").fill("short")
    page.get_by_label("The same again", exact=True).first.fill("short")
    page.get_by_role("button", name="Add user").click()
    page.get_by_text(re.compile("at least 12 characters")).last.wait_for(timeout=SLOW_MS)
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(1)
    assert page.get_by_role("heading", name="Change a user").count() == 1
    assert not [row for row in _grid(page) if row[0] == NEW_ACCOUNT]

    # add a licensing officer through the form; the list shows the new account
    page.get_by_label("Username", exact=True).fill(NEW_ACCOUNT)
    _choose(page, "Role", "Licensing and community safety")
    page.get_by_label("Password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("The same again", exact=True).first.fill(NEW_PASSWORD)
    page.get_by_role("button", name="Add user").click()
    page.get_by_text(
        f"Added {NEW_ACCOUNT} as Licensing and community safety.", exact=True
    ).wait_for(timeout=SLOW_MS)
    wait_for_rerun(page)
    _wait_for_row(page, NEW_ACCOUNT, "licensing", "false", "password")
    assert page.get_by_label("Username", exact=True).input_value() == ""  # cleared for the next

    # disable it
    _pick(page, "User", NEW_ACCOUNT)
    page.get_by_role("tab", name="Enable or disable").click()
    page.get_by_role("radiogroup", name="Account").get_by_text("Disable", exact=True).click()
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(f"{NEW_ACCOUNT} is disabled.", exact=True).wait_for(timeout=SLOW_MS)
    wait_for_rerun(page)
    _wait_for_row(page, NEW_ACCOUNT, "licensing", "true")

    # give it another role
    _pick(page, "User", NEW_ACCOUNT)
    page.get_by_role("tab", name="Role", exact=True).click()
    _choose(page, "New role", "Safeguarding board")
    page.get_by_role("button", name="Change role").click()
    page.get_by_text(f"{NEW_ACCOUNT} is now Safeguarding board.", exact=True).wait_for(
        timeout=SLOW_MS
    )
    wait_for_rerun(page)
    _wait_for_row(page, NEW_ACCOUNT, "lscb", "true")
    others = {row[0]: row[2] for row in _grid(page) if row[0] != NEW_ACCOUNT}
    assert others == dict.fromkeys(accounts, "false")  # nobody else touched
    _screenshot(page, save_screenshot, "admin_users")
    _no_exception(page)
    page_log.assert_clean()


# ---------------------------------------------------------------- Audit log


def _show_entries(page) -> None:
    page.get_by_role("button", name="Show entries").click()
    wait_for_rerun(page)
    page.locator(GRID_ROWS).first.wait_for(state="attached", timeout=SLOW_MS)


def test_audit_log_filters_and_exports(
    secure_server, admin_page, page_log, open_page, save_screenshot
) -> None:
    page = admin_page
    admin, _ = secure_server.accounts["admin"]
    _open(page, open_page, "Audit log")
    page.get_by_text("Choose a period and press Show entries.").wait_for(timeout=SLOW_MS)

    # everything in the last 30 days: the accounts the users command made, sign-ins
    _show_entries(page)
    _rows(page, lambda rows: {"User administration", "Signed in"} <= {r[4] for r in rows})
    everything = _metric(page, "Entries")
    assert everything >= len(secure_server.accounts) + 1  # each account added, one sign-in
    assert _metric(page, "Users") >= 2  # the command line's operator and this administrator
    _no_exception(page)

    # one user: what this administrator did (signed in; this review is a consultation)
    page.get_by_label("User (exact name)").fill(admin)
    _show_entries(page)
    rows = _rows(page, lambda rows: {row[2] for row in rows} == {admin})
    assert rows[0][4:6] == ["Consultation (view, search, map)", "audit_log"]  # the last look
    assert 1 <= _metric(page, "Entries") < everything

    # everyone again, one action: the accounts' administration, by the command line
    page.get_by_label("User (exact name)").fill("")
    _choose(page, "Actions", "User administration")
    _show_entries(page)
    _rows(page, lambda rows: {row[4] for row in rows} == {"User administration"})
    administration = _metric(page, "Entries")
    assert len(secure_server.accounts) <= administration < everything
    assert _metric(page, "Case-data operations") == 0
    _screenshot(page, save_screenshot, "admin_audit_log")

    # the export holds the entries shown, under its protective marking
    with page.expect_download(timeout=SLOW_MS) as download:
        page.get_by_role("button", name="Export these entries (CSV)").click()
    assert re.fullmatch(r"audit-log-\d{8}\.csv", download.value.suggested_filename)
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "# OFFICIAL-SENSITIVE. Audit log extract (Data Protection Act 2018 s.62)"
    assert lines[1] == "id,at,username,role,action,target,purpose,detail"
    assert len(lines) == 2 + administration
    assert all(",user_admin,app_user:" in line for line in lines[2:])

    # the export itself is on the log, as a disclosure of the extract
    _choose(page, "Actions", "Disclosure (export, download)")
    page.get_by_label("What was touched contains").fill("export:")
    _show_entries(page)
    _wait_metric(page, "Entries", 1)
    export = [admin, "admin", "Disclosure (export, download)", "export:audit_log.csv"]
    _rows(page, lambda rows: [row[2:6] for row in rows] == [export])
    _no_exception(page)
    page_log.assert_clean()


# ---------------------------------------------------------------- Retention review


def test_retention_review_keep_and_erase(
    streamlit_server, page, page_log, open_page, save_screenshot
) -> None:
    page.goto(streamlit_server, wait_until="domcontentloaded")
    open_page(page, "Overview")
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=SLOW_MS)
    _pick(page, "See the dashboard as", "Administrator")
    _open(page, open_page, "Retention review")
    # nothing in the synthetic data (from November 2023) is six years old today
    page.get_by_text(re.compile(r"^Nothing is due for review on or before")).wait_for(
        timeout=SLOW_MS
    )

    # the first sightings of November 2023 are due in November 2029
    _set_date(page, "Due on or before", "31122029")
    page.get_by_role("button", name="Show records due").click()
    wait_for_rerun(page)
    due = _metric(page, "Due for review")
    assert due > 2
    rows = _rows(page)
    assert all(row[0] == "Sighting" for row in rows), rows  # profiles are younger
    assert all(re.fullmatch(r"2029-1[12]-\d\d", row[3]) for row in rows), rows
    assert page.get_by_role("heading", name="Review one record").count() == 1
    _no_exception(page)
    # the table's own toolbar offers no CSV download (client.disableDataExport): an export
    # there would leave no disclosure in the audit log
    page.locator('[data-testid="stDataFrame"]').first.hover()
    page.locator('[data-testid="stElementToolbar"]').first.wait_for(timeout=SLOW_MS)
    page.wait_for_timeout(500)
    assert page.get_by_role("button", name=re.compile("download", re.I)).count() == 0

    # keep the first until the default new review date, with the reason
    first = rows[0][1]
    _selected(page, "Record", f"Sighting: {first} (review ")
    page.get_by_label(REASON).fill("linked to open investigation OP-1234")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(re.compile(f"^{first} kept; next review ")).wait_for(timeout=SLOW_MS)
    _wait_metric(page, "Due for review", due - 1)
    rows = _rows(page, lambda rows: bool(rows) and rows[0][1] != first)
    assert first not in {row[1] for row in rows}
    expect(page.get_by_label(REASON)).to_have_value("")  # the next record's reason is its own

    # erase the next: refused until its reference is typed, then gone
    second = rows[0][1]
    _selected(page, "Record", f"Sighting: {second} (review ")
    page.get_by_role("radiogroup", name="Decision").get_by_text("Erase", exact=True).click()
    page.get_by_label(REASON).fill("no longer needed for policing")
    page.get_by_label(CONFIRM).fill("SYN-S-")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(f"type {second} to confirm the erasure", exact=True).wait_for(timeout=SLOW_MS)
    _wait_metric(page, "Due for review", due - 1)
    page.get_by_label(CONFIRM).fill(second)
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(
        f"{second} erased: 0 profile(s), 1 sighting(s), 0 link(s), 0 screening(s).", exact=True
    ).wait_for(timeout=SLOW_MS)
    _wait_metric(page, "Due for review", due - 2)
    _rows(page, lambda rows: bool(rows) and second not in {row[1] for row in rows})
    expect(page.get_by_label(CONFIRM)).to_have_value("")
    _screenshot(page, save_screenshot, "admin_retention")
    _no_exception(page)
    page_log.assert_clean()
