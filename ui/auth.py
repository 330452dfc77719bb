"""Who is using the dashboard: the gate app.py runs before any page, and the sidebar block.

Three ways in, chosen by settings:

- **demo mode** (`HOTSPOTS_DEMO_MODE=1`): the demo analyst, signed in automatically, and a
  role switcher to show what each role sees; synthetic data only.
- **identity provider** (an `[auth]` table in `.streamlit/secrets.toml`): Streamlit's
  `st.login` (OpenID Connect); the provider says who, `app_user` says which role.
- **local accounts** otherwise: a username and password form (`hotspots.db.users.sign_in`).

After either sign-in the session lives in `app_session`, found again from a signed cookie when
the page is reloaded, and is checked on every run: idle for `HOTSPOTS_SESSION_IDLE_MINUTES`,
disabled or given another role, and it ends. An analyst then states a purpose once per
session, before any case data is shown; every audit entry of the session carries it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Final

import streamlit as st

from hotspots.db.access import User
from hotspots.db.users import (
    SignIn,
    clear_session_purpose,
    resume_session,
    set_session_purpose,
    sign_in,
    sign_in_external,
    sign_out,
    touch_session,
)
from hotspots.domain import ROLES
from hotspots.security.audit import PURPOSE_ROLES, InvalidAuditEntry, clean_purpose
from hotspots.security.escaping import esc_markdown
from hotspots.security.lockout import LockoutPolicy
from hotspots.security.sessions import COOKIE_NAME, sign, unsign
from hotspots.security.settings_check import (
    auth_section_problems,
    secret_problems,
    server_option_problems,
)
from ui import state

TOKEN_KEY: Final = "session_token"  # noqa: S105 (a session-state key, not a secret)
ENDED_KEY: Final = "session_ended"
COOKIE_KEY: Final = "session_cookie"  # the cookie to set (a value) or clear ("") on this run
TOUCHED_KEY: Final = "session_touched"
DEAD_KEY: Final = "session_dead_cookie"  # the cookie's token, once its session has ended
#: Activity is written to the session row at most once a minute.
TOUCH_EVERY_S: Final = 60.0
ROLE_TITLES: Final = {
    "analyst": "Analyst (CSE team)",
    "licensing": "Licensing and community safety",
    "lscb": "Safeguarding board",
    "admin": "Administrator",
}


# ---------------------------------------------------------------- settings at start


def auth_section() -> dict | None:
    """The `[auth]` table of secrets.toml (st.login's settings), or None when absent."""
    try:
        return dict(st.secrets["auth"]) if "auth" in st.secrets else None
    except Exception:  # no secrets file at all
        return None


def start_problems() -> list[str]:
    """Why the dashboard must not start with these settings (empty in demo mode).

    In demo mode (no sign-in) the database must hold only synthetic data. Otherwise secrets
    must be set, random and different; Streamlit's XSRF protection on; the server on
    127.0.0.1 unless `HOTSPOTS_ALLOW_REMOTE`; an identity provider fully configured.
    """
    settings = state.settings()
    if settings.demo_mode:
        return demo_mode_problems(state.records_not_synthetic_at_start())
    problems = secret_problems("HOTSPOTS_VEHICLE_KEY", settings.vehicle_key)
    problems += secret_problems("HOTSPOTS_COOKIE_SECRET", settings.cookie_secret)
    if settings.vehicle_key and settings.vehicle_key == settings.cookie_secret:
        problems.append("HOTSPOTS_VEHICLE_KEY and HOTSPOTS_COOKIE_SECRET are the same")
    options = {
        "server.enableXsrfProtection": st.get_option("server.enableXsrfProtection"),
        "server.address": st.get_option("server.address"),
        "client.disableDataExport": st.get_option("client.disableDataExport"),
    }
    problems += server_option_problems(options, allow_remote=settings.allow_remote)
    auth = auth_section()
    if auth is not None:
        problems += auth_section_problems(auth)
        try:
            import authlib  # noqa: F401  (st.login needs it)
        except ImportError:
            problems.append("[auth] is set but Authlib is not installed: pip install Authlib")
    return problems


def demo_mode_problems(not_synthetic: dict[str, int]) -> list[str]:
    """Demo mode signs everyone in without a password: refuse it over real records."""
    if not any(not_synthetic.values()):
        return []
    return [
        f"demo mode signs everyone in without a password, but this database holds"
        f" {not_synthetic['sighting']:,} sightings and {not_synthetic['young_person']:,}"
        " young-person profiles that are not synthetic demonstration data (imported or entered"
        " on a form); set HOTSPOTS_DEMO_MODE=0 with the two secrets to open it with sign-in,"
        " or point HOTSPOTS_DATABASE_URL at another file for the demonstration"
    ]


# ---------------------------------------------------------------- the gate


def gate() -> User | None:
    """The signed-in user, checked afresh; or None after drawing what must come first
    (the sign-in form, the purpose question, or why the app refuses to start) as the
    only page. app.py builds the navigation only for a user."""
    problems = start_problems()
    if problems:
        _only_page(lambda: _refuse_to_start(problems), "Not started")
        return None
    settings = state.settings()
    if settings.demo_mode:
        return state.current_user()
    user = _identity_provider_user() if auth_section() is not None else _local_user()
    if user is None:
        return None
    if user.role in PURPOSE_ROLES and not user.purpose:
        _only_page(lambda: _purpose_page(user), "Purpose")
        return None
    return user


def _only_page(draw: Callable[[], None], title: str) -> None:
    """Draw one page and nothing else: no page of `pages/` is reachable by URL meanwhile."""
    page = st.Page(draw, title=title, url_path=title.lower().replace(" ", "-"), default=True)
    st.navigation([page], position="hidden").run()


def _refuse_to_start(problems: list[str]) -> None:
    st.title("Hotspot and intelligence map")
    st.error(
        "**Refusing to start with these settings.** "
        + " ".join(f"({n}) {esc_markdown(p)}." for n, p in enumerate(problems, 1))
        + " See docs/SECURITY.md, 'Deployment checklist'."
    )


def _policy() -> LockoutPolicy:
    settings = state.settings()
    return LockoutPolicy(settings.lockout_failures, settings.lockout_minutes)


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser (a script run without a client)
        return None
    return unsign(value, state.settings().cookie_secret)


def _forget(token: str | None, reason: str | None) -> None:
    """Drop the session from this browser tab, and clear the cookie if it held this one.

    The cookies a tab sent when it opened stay as they were for the tab's life, so an ended
    session's token is remembered here and not tried again.
    """
    for key in (state.USER_KEY, TOKEN_KEY, TOUCHED_KEY):
        st.session_state.pop(key, None)
    if reason:
        st.session_state[ENDED_KEY] = reason
    if token is not None and token == _cookie_token():
        st.session_state[COOKIE_KEY] = ""
        st.session_state[DEAD_KEY] = token


def _live_session(token: str | None) -> User | None:
    """The user of the session `token`, if it is still live; activity recorded."""
    settings = state.settings()
    session = resume_session(state.engine(), token, idle_minutes=settings.session_idle_minutes)
    if session.user is None:
        _forget(token, session.ended)
        return None
    st.session_state[TOKEN_KEY] = token
    st.session_state[state.USER_KEY] = session.user
    now = time.monotonic()
    if now - st.session_state.get(TOUCHED_KEY, 0.0) >= TOUCH_EVERY_S:
        touch_session(state.engine(), token)
        st.session_state[TOUCHED_KEY] = now
    return session.user


def _local_user() -> User | None:
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    if token is not None and token == st.session_state.get(DEAD_KEY):
        token = None
    user = _live_session(token) if token else None
    if user is None:
        _only_page(_sign_in_form, "Sign in")
    return user


def _sign_in_form() -> None:
    _write_cookie()
    st.title("Hotspot and intelligence map")
    st.caption("OFFICIAL-SENSITIVE. Authorised users only; every use is recorded.")
    ended = st.session_state.pop(ENDED_KEY, None)
    if ended:
        st.info(f"Your session has ended ({esc_markdown(ended)}). Sign in to continue.")
    message = st.empty()  # a fixed place for the outcome, so the form never moves
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    result = sign_in(state.engine(), username, password, policy=_policy())
    if not result.ok:
        message.error(result.message)
        return
    _start(result)


def _start(result: SignIn) -> None:
    """Keep a new session in this tab and in a signed cookie (a reload stays signed in)."""
    st.session_state[TOKEN_KEY] = result.token
    st.session_state[state.USER_KEY] = result.user
    st.session_state[COOKIE_KEY] = sign(result.token, state.settings().cookie_secret)
    st.rerun()


def _write_cookie() -> None:
    """Set or clear the session cookie, when this run has one to write.

    A session cookie (gone when the browser closes), sent only to this site (SameSite=Strict)
    and only over https when the page is. It holds a random token and its signature; the
    server-side session row decides whether it still means anything.
    """
    value = st.session_state.pop(COOKIE_KEY, None)
    if value is None:
        return
    age = "" if value else "; Max-Age=0"
    script = (
        "<script>document.cookie = "
        + json.dumps(f"{COOKIE_NAME}={value}; Path=/; SameSite=Strict{age}")
        + " + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )
    st.html(script, unsafe_allow_javascript=True)


def _identity_provider_user() -> User | None:
    if not st.user.is_logged_in:
        _only_page(_provider_sign_in, "Sign in")
        return None
    token = st.session_state.get(TOKEN_KEY)
    if token is None:
        claim = state.settings().oidc_username_claim
        name = str(st.user.get(claim) or "")
        result = sign_in_external(state.engine(), name, _provider_name())
        if not result.ok:
            _only_page(lambda: _provider_refused(result.message), "Not signed in")
            return None
        token = result.token
    user = _live_session(token)
    if user is None:
        st.logout()  # idle, disabled or changed: sign out of the provider's cookie too
    return user


def _provider_name() -> str:
    auth = auth_section() or {}
    return str(auth.get("server_metadata_url", "identity provider"))


def _provider_sign_in() -> None:
    st.title("Hotspot and intelligence map")
    st.caption("OFFICIAL-SENSITIVE. Authorised users only; every use is recorded.")
    ended = st.session_state.pop(ENDED_KEY, None)
    if ended:
        st.info(f"Your session has ended ({esc_markdown(ended)}).")
    st.button("Sign in with your organisation's account", type="primary", on_click=st.login)


def _provider_refused(message: str) -> None:
    st.title("Hotspot and intelligence map")
    st.error(esc_markdown(message))
    st.button("Sign out", on_click=st.logout)


def _ask_purpose(user: User) -> None:
    st.title("Why do you need the records today?")
    st.markdown(
        "The Data Protection Act 2018 (section 62) requires a record of why case data is"
        " consulted. Say in a few words what this session is for; it is kept with every"
        " search, view and export you make until you sign out."
    )
    with st.form("purpose"):
        typed = st.text_input(
            "Purpose of this session",
            placeholder="e.g. CSE meeting preparation; investigation OP-1234",
            max_chars=300,
        )
        submitted = st.form_submit_button("Continue", type="primary")
    if not submitted:
        return
    try:
        purpose = clean_purpose(typed)
    except InvalidAuditEntry as problem:
        st.error(esc_markdown(str(problem)))
        return
    token = st.session_state.get(TOKEN_KEY)
    if token:
        purpose = set_session_purpose(state.engine(), token, purpose)
    st.session_state[state.USER_KEY] = User(user.username, user.role, purpose)
    st.rerun()


def _purpose_page(user: User) -> None:
    _write_cookie()
    _ask_purpose(user)
    st.divider()
    st.caption(f"Signed in as {esc_markdown(user.username)}.")
    if st.button("Sign out", key="sign_out_purpose"):
        _sign_out(user)


# ---------------------------------------------------------------- the sidebar


def sidebar(user: User) -> None:
    """Who is signed in, the purpose, sign-out; in demo mode a note and the role switcher."""
    _write_cookie()
    with st.sidebar:
        if state.settings().demo_mode:
            _demo_block(user)
            return
        st.caption(
            f"Signed in as **{esc_markdown(user.username)}** ({ROLE_TITLES.get(user.role, '')})"
        )
        if user.purpose:
            st.caption(f"Purpose: {esc_markdown(user.purpose)}")
        asks_purpose = user.role in PURPOSE_ROLES
        columns = st.columns(2 if asks_purpose else 1)
        if asks_purpose and columns[1].button("New purpose"):
            _change_purpose(user)
        if columns[0].button("Sign out", key="sign_out"):
            _sign_out(user)


def _change_purpose(user: User) -> None:
    token = st.session_state.get(TOKEN_KEY)
    if token:
        clear_session_purpose(state.engine(), token)
    st.session_state[state.USER_KEY] = User(user.username, user.role, "")
    st.rerun()


def _sign_out(user: User) -> None:
    token = st.session_state.get(TOKEN_KEY)
    sign_out(state.engine(), user, token)
    _forget(token, "signed out")
    if auth_section() is not None:
        st.logout()
    st.rerun()


def _demo_block(user: User) -> None:
    st.caption(
        f":material/science: **Demo mode**: signed in automatically as"
        f" **{esc_markdown(user.username)}**, no password. Synthetic data only."
    )
    roles = list(ROLES)
    st.selectbox(
        "See the dashboard as",
        roles,
        index=roles.index(user.role) if user.role in roles else 0,
        format_func=ROLE_TITLES.get,
        key="demo_role",
        on_change=_switch_demo_role,
        help="Demo only: shows what each role may see. Outside demo mode roles come from"
        " the user accounts.",
    )


def _switch_demo_role() -> None:
    st.session_state[state.USER_KEY] = state.demo_user(st.session_state["demo_role"])
