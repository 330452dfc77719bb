"""The Users page run headless (Streamlit's AppTest): a refused change says why and leaves the
rest of the page (the other forms, what was typed) in place; an added account empties the form.

The browser test (tests/browser/test_admin_pages.py) walks the same page in Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.db import make_engine, migrate
from hotspots.db.access import User
from hotspots.db.users import add_user, list_users
from tests.apptest import pages_on_database, run_page, shown

ADMIN = User("ada", "admin", "")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def users_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Demo mode off, an empty database with one administrator; caches cleared."""
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    add_user(engine, User("cli", "admin"), ADMIN.username, "admin", PASSWORD)
    with pages_on_database(monkeypatch, url, demo=False):
        yield engine
    engine.dispose()


def _page() -> AppTest:
    return run_page("admin_users", ADMIN)


def _add(app: AppTest, name: str, password: str, role: str = "licensing") -> AppTest:
    app.text_input(key="add_name").input(name)
    app.selectbox(key="add_role").select(role)
    app.text_input(key="add_first").input(password)
    app.text_input(key="add_again").input(password)
    return next(b for b in app.button if b.label == "Add user").click().run()


def test_a_refused_account_keeps_the_page_and_what_was_typed(users_env) -> None:
    app = _add(_page(), "lee", "short")
    assert not app.exception
    assert [shown(e) for e in app.error] == [
        "Password refused: it has 5 characters; use at least 12 (a few unrelated words make a"
        " good one)."
    ]
    assert "Change a user" in [s.value for s in app.subheader]  # the other half is drawn
    assert app.selectbox(key="change_user").options == [ADMIN.username]
    assert app.text_input(key="add_name").value == "lee"
    assert app.selectbox(key="add_role").value == "licensing"
    assert list_users(users_env, ADMIN)["username"].tolist() == [ADMIN.username]


def test_an_added_account_is_listed_and_the_form_starts_empty(users_env) -> None:
    app = _add(_page(), "Lee", PASSWORD)
    assert not app.exception and not app.error
    assert [shown(s) for s in app.success] == ["Added lee as Licensing and community safety."]
    assert app.dataframe[0].value["username"].tolist() == [ADMIN.username, "lee"]
    assert app.selectbox(key="change_user").options == [ADMIN.username, "lee"]
    assert app.text_input(key="add_name").value == ""
    assert app.text_input(key="add_first").value == ""
    assert app.selectbox(key="add_role").value == "analyst"


def test_refusing_to_disable_the_last_administrator_keeps_the_page(users_env) -> None:
    app = _page()
    next(b for b in app.button if b.label == "Apply").click().run()
    assert not app.exception
    assert len(app.error) == 1 and "last enabled administrator" in app.error[0].value
    assert "Add a user" in [s.value for s in app.subheader]
    assert not list_users(users_env, ADMIN)["disabled"].any()
