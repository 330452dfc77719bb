"""app.py's gate, run headless (Streamlit's AppTest): refusal to start with unsafe settings,
the sign-in form as the only page, the purpose question, the identity-provider configuration,
and demo mode's automatic analyst with its role switcher."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from hotspots.db import make_engine, migrate
from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.users import add_user

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "correct horse battery staple"
GOOD_AUTH = {
    "redirect_uri": "https://hotspots.example.police.uk/oauth2callback",
    "cookie_secret": secrets.token_urlsafe(48),
    "client_id": "hotspots",
    "client_secret": secrets.token_urlsafe(24),
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Demo mode off, good secrets, an empty database with one analyst; caches cleared."""
    url = f"sqlite:///{tmp_path / 'gate.sqlite'}"
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", url)
    monkeypatch.setenv("HOTSPOTS_DEMO_MODE", "0")
    monkeypatch.setenv("HOTSPOTS_VEHICLE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("HOTSPOTS_COOKIE_SECRET", secrets.token_urlsafe(48))
    engine = make_engine(url)
    migrate(engine)
    add_user(engine, User("cli", "admin"), "amy", "analyst", PASSWORD)
    add_user(engine, User("cli", "admin"), "lou", "lscb", PASSWORD)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield engine
    engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


def _run(**secrets_toml) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in secrets_toml.items():
        app.secrets[key] = value
    return app.run()


def _sign_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def test_missing_secrets_refuse_to_start(settings_env, monkeypatch) -> None:
    monkeypatch.delenv("HOTSPOTS_COOKIE_SECRET")
    monkeypatch.setenv("HOTSPOTS_VEHICLE_KEY", "changeme")
    app = _run()
    assert not app.exception
    message = app.error[0].value.replace("\\", "")  # as shown, Markdown escapes removed
    assert message.startswith("**Refusing to start")
    assert "HOTSPOTS_VEHICLE_KEY is a known default" in message
    assert "HOTSPOTS_COOKIE_SECRET is missing" in message
    assert not app.text_input  # no sign-in form, no page


def test_the_sign_in_form_is_the_only_page(settings_env) -> None:
    app = _run()
    assert not app.exception
    assert app.title[0].value == "Hotspot and intelligence map"
    assert [t.label for t in app.text_input] == ["Username", "Password"]
    assert "Overview" not in [t.value for t in app.title]


def test_an_analyst_signs_in_then_gives_a_purpose(settings_env) -> None:
    app = _sign_in(_run(), "amy", PASSWORD)
    assert not app.exception
    assert app.title[0].value == "Why do you need the records today?"
    app.text_input[0].input("ok")
    app = app.button[0].click().run()
    assert "too short" in app.error[0].value
    app.text_input[0].input("CSE meeting preparation")
    app = app.button[0].click().run()
    assert not app.exception
    assert app.title[0].value == "Overview"
    assert app.session_state["user"] == User("amy", "analyst", "CSE meeting preparation")
    sidebar = " ".join(c.value for c in app.sidebar.caption)
    assert "amy" in sidebar and "CSE meeting preparation" in sidebar
    actions = read_audit(settings_env).sort_values("id")["action"].tolist()
    assert actions[-1] == "sign_in"


def test_a_board_lead_needs_no_purpose(settings_env) -> None:
    # (Signing out is clicked in a real browser: tests/browser/test_sign_in.py.)
    app = _sign_in(_run(), "lou", PASSWORD)
    assert not app.exception
    assert app.title[0].value == "Overview"
    assert app.session_state["user"] == User("lou", "lscb", "")


def test_a_wrong_password_is_refused_with_one_message(settings_env) -> None:
    app = _sign_in(_run(), "amy", "not the password at all")
    assert "username or password is not right" in app.error[0].value
    unknown = _sign_in(_run(), "nobody", PASSWORD)
    assert unknown.error[0].value == app.error[0].value


def test_an_identity_provider_that_is_not_fully_set_refuses_to_start(settings_env) -> None:
    app = _run(auth=GOOD_AUTH | {"redirect_uri": "http://example.org/callback", "client_id": ""})
    message = app.error[0].value.replace("\\", "")
    assert "[auth] client_id is missing" in message
    assert "must use https" in message and "oauth2callback" in message


def test_without_authlib_a_good_provider_setting_still_refuses(settings_env) -> None:
    try:
        import authlib  # noqa: F401
    except ImportError:
        app = _run(auth=GOOD_AUTH)
        assert "Authlib is not installed" in app.error[0].value
    else:  # pragma: no cover - Authlib present: the sign-in button appears instead
        app = _run(auth=GOOD_AUTH)
        assert app.button[0].label == "Sign in with your organisation's account"


def test_demo_mode_signs_in_the_demo_analyst_and_switches_roles(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    monkeypatch.setenv("HOTSPOTS_DEMO_MODE", "1")
    monkeypatch.setenv("HOTSPOTS_DEMO_SIGHTINGS", "1000")
    st.cache_resource.clear()
    app = _run()
    assert not app.exception
    assert app.session_state["user"].username == "demo-analyst"
    assert "Demo mode" in app.sidebar.caption[0].value
    assert "demo\\-analyst" in app.sidebar.caption[0].value
    app = app.sidebar.selectbox(key="demo_role").select("lscb").run()
    assert app.session_state["user"] == User("demo-lscb", "lscb", "demonstration on synthetic data")
    st.cache_resource.clear()
