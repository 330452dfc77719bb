"""Sign-in in a real browser, outside demo mode: each role sees exactly its pages, another
page's URL is refused, repeated failures lock the account, sign-out ends the session.

The server (`secure_server`) runs with HOTSPOTS_DEMO_MODE=0 and secrets in its environment;
its accounts were made with `python -m hotspots users add` before it started.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hotspots.security.roles import PAGES, pages_for

pytestmark = pytest.mark.browser

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
NAV_LINKS = '[data-testid="stSidebarNav"] a'
ST_EXCEPTION = '[data-testid="stException"]'
NOT_FOUND = "The page that you have requested does not seem to exist"


def _titles(role: str) -> list[str]:
    """The navigation a role should see: its pages that exist, in order."""
    return [PAGES[k].title for k in pages_for(role) if (PAGES_DIR / f"{k}.py").exists()]


def _nav(page) -> list[str]:
    """The navigation's page titles (each link also holds its icon's ligature name)."""
    return [link.inner_text().strip().split("\n")[-1] for link in page.locator(NAV_LINKS).all()]


def _forbidden(role: str) -> list[str]:
    allowed = set(pages_for(role))
    return [k for k in PAGES if k not in allowed and (PAGES_DIR / f"{k}.py").exists()]


def _expected_nav(role: str) -> list[str]:
    """Streamlit shows no navigation for a single page."""
    titles = _titles(role)
    return titles if len(titles) > 1 else []


def _wait_signed_in(page, role: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").wait_for()
    if _expected_nav(role):
        page.locator(NAV_LINKS).first.wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)


@pytest.mark.parametrize("role", ["analyst", "licensing", "lscb", "admin"])
def test_each_role_sees_only_its_pages_and_is_refused_others_by_url(
    role, secure_server, page, page_log, sign_in, save_screenshot
):
    name, password = secure_server.accounts[role]
    sign_in(page, secure_server.base_url, name, password)
    _wait_signed_in(page, role)
    assert _nav(page) == _expected_nav(role)
    assert name in page.locator('[data-testid="stSidebar"]').inner_text()
    save_screenshot(page, f"sign_in_{role}")

    for key in _forbidden(role):
        page.goto(f"{secure_server.base_url}/{key}", wait_until="domcontentloaded")
        page.get_by_text("Page not found").wait_for()  # Streamlit's refusal, shown as a dialog
        _wait_signed_in(page, role)  # still signed in (the cookie), on the role's main page
        assert page.locator("h1").first.inner_text() == "Overview", f"{role} opened {key}"
        assert _nav(page) == _expected_nav(role)
    save_screenshot(page, f"sign_in_{role}_refused_url")
    assert page.locator(ST_EXCEPTION).count() == 0
    # Streamlit logs its refusal of a page outside this role's navigation as a console
    # error: expected here, and evidence of the refusal.
    assert any(NOT_FOUND in e for e in page_log.console_errors)
    page_log.console_errors = [e for e in page_log.console_errors if NOT_FOUND not in e]
    page_log.assert_clean()


def test_nothing_is_served_before_signing_in(secure_server, page, page_log):
    for key in ("overview", "audit_log", "hotspot_map"):
        page.goto(f"{secure_server.base_url}/{key}", wait_until="domcontentloaded")
        page.get_by_role("button", name="Sign in").wait_for()
        assert page.locator(NAV_LINKS).count() == 0
        assert page.locator("h1").first.inner_text() == "Hotspot and intelligence map"
    page_log.console_errors = [e for e in page_log.console_errors if NOT_FOUND not in e]
    page_log.assert_clean()


def _submit(page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stAlert"]').first.wait_for()
    page.wait_for_timeout(1_500)  # the same message each time: give the form time to run


def _sign_in_log(server, username: str) -> list[str]:
    """The actions the audit log holds for `username` (read from the server's database)."""
    from hotspots.db import make_engine
    from hotspots.db.audit import read_audit

    engine = make_engine(server.env["HOTSPOTS_DATABASE_URL"])
    log = read_audit(engine).sort_values("id")
    engine.dispose()
    return log.loc[log["username"] == username, "action"].tolist()


def test_repeated_failures_lock_the_account(secure_server, page, page_log, save_screenshot):
    name, password = secure_server.accounts["spare"]
    page.goto(secure_server.base_url, wait_until="domcontentloaded")
    alert = page.locator('[data-testid="stAlert"]').first
    for _ in range(4):
        _submit(page, name, "not the password at all")
        expect(alert).to_contain_text("username or password is not right")
    _submit(page, name, "not the password at all")
    expect(alert).to_contain_text("Too many failed sign-ins", timeout=30_000)
    expect(alert).to_contain_text("locked for 15 more minute")
    # Even the right password is refused while the account is locked.
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_timeout(2_000)
    expect(alert).to_contain_text("Too many failed sign-ins")
    assert page.locator(NAV_LINKS).count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 0
    save_screenshot(page, "sign_in_locked")
    assert _sign_in_log(secure_server, name) == [
        *["sign_in_failed"] * 5, "account_locked", "sign_in_failed",
    ]  # fmt: skip
    page_log.assert_clean()


def test_reload_keeps_the_session_and_sign_out_ends_it(secure_server, page, sign_in):
    name, password = secure_server.accounts["licensing"]
    sign_in(page, secure_server.base_url, name, password)
    page.reload(wait_until="domcontentloaded")
    _wait_signed_in(page, "licensing")  # signed in again from the signed cookie
    assert _nav(page) == _expected_nav("licensing")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.locator(NAV_LINKS).count() == 0
