"""Users: accounts and roles, locks, passwords. Administrators only; every change is audited.

The same operations as `python -m hotspots users ...`, on behalf of the signed-in admin.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from hotspots.db.users import (
    UserError,
    add_user,
    list_users,
    reset_password,
    set_disabled,
    set_role,
)
from hotspots.domain import ROLES
from hotspots.security.escaping import esc_markdown
from hotspots.security.passwords import MIN_LENGTH, WeakPassword
from ui import state
from ui.auth import ROLE_TITLES

DONE_KEY = "admin_users_done"
#: Set when an account was added: the add form starts empty on the next run.
CLEAR_KEY = "admin_users_clear"
#: Dates as British readers write them, short enough for every column to fit the page.
WHEN = "DD/MM/YYYY HH:mm"
#: The add form's widgets as they start. Set, not dropped: the browser keeps a value typed
#: into a widget unless the script sets a new one.
ADD_EMPTY = {
    "add_name": "", "add_role": ROLES[0], "add_provider": False, "add_first": "", "add_again": "",
}  # fmt: skip


def _done(message: str) -> None:
    st.session_state[DONE_KEY] = message
    st.rerun()


def _run(change: Callable[[], object]) -> bool:
    """Make the change; on a refusal say why where the form is, and draw the rest of the
    page as usual (the other forms stay usable)."""
    try:
        change()
    except (UserError, WeakPassword) as refused:
        st.error(esc_markdown(str(refused)))
        return False
    return True


def _add_form() -> None:
    # A refused account keeps what was typed, to be corrected; an added one empties the form.
    if st.session_state.pop(CLEAR_KEY, False):
        st.session_state.update(ADD_EMPTY)
    st.subheader("Add a user")  # outside the form, level with "Change a user"
    with st.form("add_user"):
        left, right = st.columns(2)
        name = left.text_input(
            "Username", help="Lower-case letters, digits and . _ @ -", key="add_name"
        )
        role = right.selectbox("Role", ROLES, format_func=ROLE_TITLES.get, key="add_role")
        provider = st.checkbox(
            "Signs in through the organisation's identity provider (no password here)",
            key="add_provider",
        )
        first = left.text_input(
            f"Password (at least {MIN_LENGTH} characters)", type="password", key="add_first"
        )
        again = right.text_input("The same again", type="password", key="add_again")
        submitted = st.form_submit_button("Add user", type="primary")
    if not submitted:
        return
    if not provider and first != again:
        st.error("The two passwords differ; nothing was changed.")
        return
    if _run(lambda: add_user(state.engine(), user, name, role, None if provider else first)):
        st.session_state[CLEAR_KEY] = True
        _done(f"Added {name.strip().lower()} as {ROLE_TITLES[role]}.")


def _change_form(names: list[str]) -> None:
    st.subheader("Change a user")
    name = st.selectbox("User", names, key="change_user")
    role_tab, state_tab, password_tab = st.tabs(["Role", "Enable or disable", "New password"])
    with role_tab, st.form("set_role"):
        role = st.selectbox("New role", ROLES, format_func=ROLE_TITLES.get)
        st.caption("The user's open sessions end; the next sign-in shows the new role's pages.")
        if st.form_submit_button("Change role") and _run(
            lambda: set_role(state.engine(), user, name, role)
        ):
            _done(f"{name} is now {ROLE_TITLES[role]}.")
    with state_tab, st.form("set_disabled"):
        disable = st.radio("Account", ["Disable", "Enable (and unlock)"], horizontal=True)
        if st.form_submit_button("Apply") and _run(
            lambda: set_disabled(state.engine(), user, name, disable == "Disable")
        ):
            _done(f"{name} is {'disabled' if disable == 'Disable' else 'enabled'}.")
    with password_tab, st.form("reset_password", clear_on_submit=True):
        first = st.text_input("New password", type="password")
        again = st.text_input("The same again", type="password")
        st.caption("The account is unlocked and its open sessions end.")
        if st.form_submit_button("Set password"):
            if first != again:
                st.error("The two passwords differ; nothing was changed.")
            elif _run(lambda: reset_password(state.engine(), user, name, first)):
                _done(f"{name} has a new password.")


state.guard_page("admin_users")
st.title("Users")
user = state.current_user()
if message := st.session_state.pop(DONE_KEY, None):
    st.success(esc_markdown(message))
users = list_users(state.engine(), user)
st.dataframe(
    users,
    hide_index=True,
    width="stretch",
    column_config={
        "username": "Username",
        "role": "Role",
        "disabled": st.column_config.CheckboxColumn("Disabled"),
        "sign_in": "Signs in with",
        "locked_until": st.column_config.DatetimeColumn("Locked until (UTC)", format="HH:mm"),
        "failed_attempts": "Failed sign-ins",
        "last_sign_in_at": st.column_config.DatetimeColumn("Last sign-in (UTC)", format=WHEN),
        "password_changed_at": st.column_config.DatetimeColumn(
            "Password changed (UTC)", format=WHEN
        ),
        "created_at": st.column_config.DatetimeColumn("Added (UTC)", format=WHEN),
        "open_sessions": "Open sessions",
    },
)
left, right = st.columns(2)
with left:
    _add_form()
with right:
    if users.empty:
        st.info("No users yet: add the first here, or with `python -m hotspots users add`.")
    else:
        _change_form(users["username"].tolist())
