"""Refuse to start with missing, short or placeholder secrets outside demo mode.

The vehicle-token key (HMAC of plates and pseudonyms) and the cookie secret come from the
environment or `.streamlit/secrets.toml`, never from the repository. `app.py` and the CLI call
`check_secrets` once after `load_settings`; when a force signs in through its identity provider,
`check_auth_section` checks the `[auth]` table of the secrets file the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import urlparse

from hotspots.config import DEMO_SECRET, SettingsError

MIN_SECRET_LENGTH: Final = 32
#: A random 32-character secret has far more; fewer distinct characters means a made-up one.
MIN_DISTINCT_CHARACTERS: Final = 8

#: Values that appear in documentation, examples and demo set-ups; compared case-insensitively.
KNOWN_DEFAULTS: Final[frozenset[str]] = frozenset(
    value.casefold()
    for value in (
        DEMO_SECRET,
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "password",
        "xxxxxxxx",
        "replace-me",
        "please-change-me",
        "your-secret-here",
        "your-cookie-secret",
        "your-vehicle-key",
        "<generate with python -c 'import secrets; print(secrets.token_urlsafe(48))'>",
        "insecure",
        "dev",
        "test",
    )
)

GENERATE_HINT: Final = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"

#: Keys of the `[auth]` table that Streamlit's `st.login` needs for one OIDC provider.
AUTH_KEYS: Final[tuple[str, ...]] = (
    "redirect_uri",
    "cookie_secret",
    "client_id",
    "client_secret",
    "server_metadata_url",
)


class InsecureSettings(SettingsError):
    """Settings the application must not run with; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Refusing to start: " + "; ".join(problems))


def secret_problems(name: str, value: str | None) -> list[str]:
    """Why a secret is unusable, in words naming the setting; empty when it is good.

    >>> secret_problems("HOTSPOTS_COOKIE_SECRET", "changeme")[0][:60]
    'HOTSPOTS_COOKIE_SECRET is a known default or placeholder; ma'
    """
    if not value or not value.strip():
        return [
            f"{name} is missing; set it in the environment or .streamlit/secrets.toml"
            f" ({GENERATE_HINT})"
        ]
    if value.strip().casefold() in KNOWN_DEFAULTS:
        return [f"{name} is a known default or placeholder; {GENERATE_HINT}"]
    problems = []
    if len(value) < MIN_SECRET_LENGTH:
        problems.append(
            f"{name} has {len(value)} characters; at least {MIN_SECRET_LENGTH} are needed"
            f" ({GENERATE_HINT})"
        )
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        problems.append(f"{name} has too few different characters to be random; {GENERATE_HINT}")
    return problems


def check_secrets(vehicle_key: str | None, cookie_secret: str | None, demo_mode: bool) -> None:
    """Raise `InsecureSettings` outside demo mode if either secret is unusable or they are equal.

    In demo mode anything goes: the demo runs on synthetic data with a stand-in key.

    >>> check_secrets("", "", demo_mode=True)
    """
    if demo_mode:
        return
    problems = secret_problems("HOTSPOTS_VEHICLE_KEY", vehicle_key)
    problems += secret_problems("HOTSPOTS_COOKIE_SECRET", cookie_secret)
    if vehicle_key and vehicle_key == cookie_secret:
        problems.append(
            "HOTSPOTS_VEHICLE_KEY and HOTSPOTS_COOKIE_SECRET are the same; use two different"
            " secrets, so that a leaked cookie secret does not also unlock vehicle tokens"
        )
    if problems:
        raise InsecureSettings(problems)


def auth_section_problems(auth: Mapping[str, object]) -> list[str]:
    """Why an `[auth]` table (st.login, one provider) would not work or would be unsafe."""
    problems = [
        f"[auth] {key} is missing" for key in AUTH_KEYS if not str(auth.get(key, "")).strip()
    ]
    problems += [
        f"[auth] {problem}"
        for problem in secret_problems("cookie_secret", str(auth.get("cookie_secret", "")))
        if auth.get("cookie_secret")
    ]
    for key in ("redirect_uri", "server_metadata_url"):
        url = str(auth.get(key, ""))
        if url and not _https_or_local(url):
            problems.append(f"[auth] {key} {url!r} must use https (http only for localhost)")
    redirect = str(auth.get("redirect_uri", ""))
    if redirect and not urlparse(redirect).path.rstrip("/").endswith("/oauth2callback"):
        problems.append(f"[auth] redirect_uri {redirect!r} must end in /oauth2callback")
    return problems


def check_auth_section(auth: Mapping[str, object]) -> None:
    """Raise `InsecureSettings` if the `[auth]` table of secrets.toml is incomplete or unsafe."""
    problems = auth_section_problems(auth)
    if problems:
        raise InsecureSettings(problems)


def _https_or_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme == "https":
        return bool(parsed.netloc)
    return parsed.scheme == "http" and parsed.hostname in {"localhost", "127.0.0.1", "::1"}


def server_option_problems(options: Mapping[str, object], allow_remote: bool = False) -> list[str]:
    """Unsafe Streamlit server options (`server.*` keys as in `.streamlit/config.toml`).

    XSRF protection must stay on; tables must not offer their own CSV download or copy (every
    export goes through an audited download button); the server binds to 127.0.0.1 unless
    `allow_remote` (a deployment behind a reverse proxy that terminates TLS).

    >>> server_option_problems({"server.enableXsrfProtection": True, "server.address": "0.0.0.0"})
    ["server.address is '0.0.0.0'; bind to 127.0.0.1, or allow remote access deliberately"]
    """
    problems = []
    if options.get("server.enableXsrfProtection", True) is not True:
        problems.append("server.enableXsrfProtection is off; it must stay true")
    if options.get("client.disableDataExport", True) is not True:
        problems.append(
            "client.disableDataExport is off; tables would offer a CSV download that bypasses"
            " the audit log (DPA 2018 s.62 disclosure); set it to true"
        )
    address = str(options.get("server.address") or "127.0.0.1")
    if not allow_remote and address not in {"127.0.0.1", "localhost", "::1"}:
        problems.append(
            f"server.address is {address!r}; bind to 127.0.0.1, or allow remote access deliberately"
        )
    return problems
