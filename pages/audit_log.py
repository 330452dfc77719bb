"""Audit log: review who did what, when and why (DPA 2018 s.62), and export an extract.

Administrators only. Each review and each export is itself written to the log.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from hotspots.db.audit import AuditFilter, audit_entries, export_audit
from hotspots.security.audit import ACTIONS, S62_ACTIONS
from ui import state

RESULTS_KEY = "audit_review"
ACTION_LABELS = {
    "collection": "Collection (import, form)",
    "alteration": "Alteration (edit, undo, retain)",
    "consultation": "Consultation (view, search, map)",
    "disclosure": "Disclosure (export, download)",
    "combination": "Combination (hotspot run)",
    "erasure": "Erasure",
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
    "account_locked": "Account locked",
    "access_denied": "Access refused",
    "user_admin": "User administration",
}


def _filters() -> AuditFilter | None:
    today = date.today()
    with st.form("audit_filters"):
        left, middle, right = st.columns([2, 2, 3])
        period = left.date_input(
            "Period", value=(today - timedelta(days=30), today), max_value=today,
            format="DD/MM/YYYY",
        )  # fmt: skip
        username = middle.text_input("User (exact name)", placeholder="everyone")
        target = middle.text_input("What was touched contains", placeholder="young_person:YP-")
        actions = right.multiselect(
            "Actions", list(ACTIONS), format_func=ACTION_LABELS.get, placeholder="all actions"
        )
        limit = right.number_input("At most (newest first)", 100, 50_000, 5_000, step=500)
        submitted = st.form_submit_button("Show entries", type="primary")
    if not submitted:
        return None
    start, end = (period[0], period[-1]) if len(period) else (None, None)
    return AuditFilter(
        start=start,
        end=None if end is None else end + timedelta(days=1),
        username=username.strip() or None,
        actions=tuple(actions) or None,
        target_contains=target.strip() or None,
        limit=int(limit),
    )


state.guard_page("audit_log")
st.title("Audit log")
user = state.current_user()
st.caption(
    "Every collection, alteration, consultation, disclosure, combination and erasure of case"
    " data (Data Protection Act 2018 s.62), with sign-ins and refusals. The log cannot be"
    " changed; your reviews and exports are recorded in it too."
)
chosen = _filters()
if chosen is not None:
    st.session_state[RESULTS_KEY] = (chosen, audit_entries(state.engine(), user, chosen))

review = st.session_state.get(RESULTS_KEY)
if review is None:
    st.info("Choose a period and press **Show entries**.")
    st.stop()

filters, entries = review
if entries.empty:
    st.info("No entries match these filters: widen the period, or clear a filter.")
    st.stop()
columns = st.columns(4)
columns[0].metric("Entries", f"{len(entries):,}")
columns[1].metric("Users", f"{entries['username'].nunique():,}")
columns[2].metric("Case-data operations", f"{entries['action'].isin(S62_ACTIONS).sum():,}")
columns[3].metric(
    "Refusals and failed sign-ins",
    f"{entries['action'].isin(['access_denied', 'sign_in_failed', 'account_locked']).sum():,}",
)
# st.dataframe draws text on a canvas and interprets none of it: usernames typed by strangers
# at the sign-in form appear as typed.
st.dataframe(
    entries.assign(action=entries["action"].map(lambda a: ACTION_LABELS.get(a, a))),
    hide_index=True,
    width="stretch",
    column_config={
        "id": st.column_config.NumberColumn("Entry", width="small"),
        "at": st.column_config.DatetimeColumn("When (UTC)", format="DD/MM/YYYY HH:mm:ss"),
        "username": "User",
        "role": st.column_config.TextColumn("Role", width="small"),
        "action": "Action",
        "target": "What was touched",
        "purpose": "Purpose given",
        "detail": st.column_config.TextColumn("Detail", width="large"),
    },
)
engine = state.engine()
st.download_button(
    "Export these entries (CSV)",
    data=lambda: export_audit(engine, user, filters),
    file_name=f"audit-log-{date.today():%Y%m%d}.csv",
    mime="text/csv",
    help="The export is recorded in the audit log as a disclosure.",
    on_click="ignore",
)
