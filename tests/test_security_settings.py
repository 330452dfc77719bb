"""Secrets and server settings: refuse to start outside demo mode with unsafe values."""

from __future__ import annotations

import secrets

import pytest

from hotspots.config import DEMO_SECRET, SettingsError, load_settings
from hotspots.security.settings_check import (
    InsecureSettings,
    auth_section_problems,
    check_auth_section,
    check_secrets,
    secret_problems,
    server_option_problems,
)

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the value under test, not a bind
KEY = secrets.token_urlsafe(48)
COOKIE = secrets.token_urlsafe(48)


def test_good_secrets_pass() -> None:
    check_secrets(KEY, COOKIE, demo_mode=False)


def test_demo_mode_accepts_anything() -> None:
    check_secrets("", None, demo_mode=True)
    check_secrets(DEMO_SECRET, DEMO_SECRET, demo_mode=True)


@pytest.mark.parametrize(
    ("key", "cookie", "fragment"),
    [
        ("", COOKIE, "HOTSPOTS_VEHICLE_KEY is missing"),
        (None, COOKIE, "HOTSPOTS_VEHICLE_KEY is missing"),
        ("   ", COOKIE, "HOTSPOTS_VEHICLE_KEY is missing"),
        (KEY, "", "HOTSPOTS_COOKIE_SECRET is missing"),
        ("short-key", COOKIE, "HOTSPOTS_VEHICLE_KEY has 9 characters; at least 32"),
        (DEMO_SECRET, COOKIE, "HOTSPOTS_VEHICLE_KEY is a known default"),
        (KEY, "CHANGEME", "HOTSPOTS_COOKIE_SECRET is a known default"),
        ("a" * 40, COOKIE, "too few different characters"),
        (KEY, KEY, "are the same"),
    ],
)
def test_unsafe_secrets_refused_outside_demo(key: str | None, cookie: str, fragment: str) -> None:
    with pytest.raises(InsecureSettings) as refused:
        check_secrets(key, cookie, demo_mode=False)
    message = str(refused.value)
    assert message.startswith("Refusing to start")
    assert fragment in message


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(InsecureSettings) as refused:
        check_secrets("", "changeme", demo_mode=False)
    assert len(refused.value.problems) == 2
    assert "secrets.token_urlsafe" in str(refused.value)


def test_refusal_is_a_settings_error() -> None:
    assert issubclass(InsecureSettings, SettingsError)


def test_default_settings_are_refused_when_demo_mode_is_off(tmp_path) -> None:
    settings = load_settings({"HOTSPOTS_DEMO_MODE": "0"}, secrets_path=tmp_path / "none.toml")
    with pytest.raises(InsecureSettings):
        check_secrets(settings.vehicle_key, settings.cookie_secret, settings.demo_mode)


def test_secret_problems_is_empty_for_a_random_secret() -> None:
    assert secret_problems("X", secrets.token_hex(16)) == []


GOOD_AUTH = {
    "redirect_uri": "https://hotspots.force.police.uk/oauth2callback",
    "cookie_secret": COOKIE,
    "client_id": "hotspots",
    "client_secret": "from-the-identity-provider",
    "server_metadata_url": "https://login.force.police.uk/.well-known/openid-configuration",
}


def test_good_auth_section_passes() -> None:
    check_auth_section(GOOD_AUTH)
    local = {**GOOD_AUTH, "redirect_uri": "http://localhost:8501/oauth2callback"}
    assert auth_section_problems(local) == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"client_id": ""}, "[auth] client_id is missing"),
        ({"server_metadata_url": None}, "[auth] server_metadata_url is missing"),
        ({"cookie_secret": "changeme"}, "[auth] cookie_secret is a known default"),
        ({"redirect_uri": "http://hotspots.example/oauth2callback"}, "must use https"),
        ({"server_metadata_url": "http://idp.example/.well-known/x"}, "must use https"),
        ({"redirect_uri": "https://hotspots.example/callback"}, "must end in /oauth2callback"),
    ],
)
def test_bad_auth_section_refused(changes: dict, fragment: str) -> None:
    auth = {key: value for key, value in {**GOOD_AUTH, **changes}.items() if value is not None}
    with pytest.raises(InsecureSettings) as refused:
        check_auth_section(auth)
    assert fragment in str(refused.value)


@pytest.mark.parametrize(
    ("options", "allow_remote", "fragments"),
    [
        ({}, False, []),
        ({"server.enableXsrfProtection": True, "server.address": "127.0.0.1"}, False, []),
        ({"server.enableXsrfProtection": False}, False, ["enableXsrfProtection is off"]),
        ({"server.address": ALL_INTERFACES}, False, ["server.address is '0.0.0.0'"]),
        ({"server.address": "10.0.0.5"}, False, ["server.address is '10.0.0.5'"]),
        ({"server.address": ALL_INTERFACES}, True, []),
        ({"server.enableXsrfProtection": "false"}, True, ["enableXsrfProtection is off"]),
        ({"client.disableDataExport": False}, False, ["disableDataExport is off"]),
        ({"client.disableDataExport": True}, False, []),
    ],
)
def test_server_options(options: dict, allow_remote: bool, fragments: list[str]) -> None:
    problems = server_option_problems(options, allow_remote=allow_remote)
    assert len(problems) == len(fragments)
    for problem, fragment in zip(problems, fragments, strict=True):
        assert fragment in problem


def test_the_shipped_config_keeps_tables_from_exporting_around_the_audit_log() -> None:
    """`.streamlit/config.toml` itself: no CSV download or copy of st.dataframe tables."""
    import tomllib
    from pathlib import Path

    config = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
    shipped = tomllib.loads(config.read_text())
    options = {
        "server.enableXsrfProtection": shipped["server"]["enableXsrfProtection"],
        "server.address": shipped["server"]["address"],
        "client.disableDataExport": shipped["client"]["disableDataExport"],
    }
    assert server_option_problems(options) == []
