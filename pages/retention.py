"""Retention review: records due for review, kept until a new date or erased. Administrators
only; the list shows kinds, pseudonyms and dates, never notes or points; every step is audited."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from hotspots.db.retention import (
    SIGHTING,
    YOUNG_PERSON,
    RecordNotFound,
    due_for_review,
    erase_sighting,
    erase_young_person,
    retain,
)
from hotspots.security.audit import InvalidAuditEntry
from hotspots.security.escaping import esc_markdown
from ui import state

DUE_KEY = "retention_due"
DONE_KEY = "retention_done"
#: Set after a record was kept or erased: the next record starts with an empty form, so a
#: reason given for one record is never carried to the next by a second click on Apply.
CLEAR_KEY = "retention_clear"
DECISIONS = ("Keep until a new review date", "Erase")
REVIEW_EMPTY = {"review_decision": DECISIONS[0], "review_reason": "", "review_confirm": ""}
KIND_LABELS = {YOUNG_PERSON: "Young person (with their sightings)", SIGHTING: "Sighting"}


def _due(as_of: date) -> pd.DataFrame:
    due = due_for_review(
        state.engine(), user, as_of=as_of, review_years=state.settings().review_years
    )
    st.session_state[DUE_KEY] = (as_of, due)
    return due


def _label(row: pd.Series) -> str:
    return f"{KIND_LABELS[row['kind']]}: {row['reference']} (review {row['review_date']:%d %b %Y})"


def _act(row: pd.Series, keep: bool, until: date, reason: str, confirm: str) -> str:
    key = row["reference"] if row["kind"] == YOUNG_PERSON else int(row["record_id"])
    if keep:
        retain(state.engine(), user, row["kind"], key, until=until, reason=reason, today=today)
        return f"{row['reference']} kept; next review {until:%d %B %Y}."
    if confirm.strip() != row["reference"]:
        raise ValueError(f"type {row['reference']} to confirm the erasure")
    if row["kind"] == YOUNG_PERSON:
        erased = erase_young_person(state.engine(), user, key, reason=reason)
    else:
        erased = erase_sighting(state.engine(), user, key, reason=reason)
    return (
        f"{row['reference']} erased: {erased.young_people} profile(s), {erased.sightings}"
        f" sighting(s), {erased.links} link(s), {erased.screenings} screening(s)."
    )


def _review_form(due: pd.DataFrame) -> None:
    st.subheader("Review one record")
    if st.session_state.pop(CLEAR_KEY, False):
        st.session_state.update(REVIEW_EMPTY)  # set, not dropped: the browser keeps typed text
    with st.form("review"):
        index = st.selectbox("Record", list(due.index), format_func=lambda i: _label(due.loc[i]))
        decision = st.radio("Decision", DECISIONS, horizontal=True, key="review_decision")
        years = state.settings().review_years
        until = st.date_input(
            "Next review (when kept)",
            value=date(today.year + years, today.month, min(today.day, 28)),
            min_value=today,
            format="DD/MM/YYYY",
        )
        reason = st.text_input(
            "Reason (kept in the audit log)",
            placeholder="e.g. linked to open investigation OP-1234; no longer needed",
            key="review_reason",
        )
        confirm = st.text_input(
            "To erase, type the pseudonym or reference shown above", key="review_confirm"
        )
        submitted = st.form_submit_button("Apply", type="primary")
    if not submitted:
        return
    try:
        message = _act(due.loc[index], decision == DECISIONS[0], until, reason, confirm)
    except (ValueError, InvalidAuditEntry, RecordNotFound) as problem:
        st.error(esc_markdown(str(problem)))
        return
    st.session_state[DONE_KEY] = message
    st.session_state[CLEAR_KEY] = True
    st.session_state.pop(DUE_KEY, None)
    st.rerun()


state.guard_page("retention")
st.title("Retention review")
user = state.current_user()
today = date.today()
st.caption(
    "Each young-person profile and each sighting linked to nobody is reviewed"
    f" {state.settings().review_years} years after its last activity (a sighting, a"
    " screening), or on the date set at its last review (Management of Police Information)."
    " Keep a record that is still needed, with the reason, or erase it."
)
if message := st.session_state.pop(DONE_KEY, None):
    st.success(esc_markdown(message))
with st.form("as_of"):
    as_of = st.date_input("Due on or before", value=today, format="DD/MM/YYYY")
    shown = st.form_submit_button("Show records due")
stored = st.session_state.get(DUE_KEY)
if shown or stored is None:
    due = _due(as_of)  # each look at the list is audited, so it is kept until asked again
else:
    as_of, due = stored

if due.empty:
    st.info(f"Nothing is due for review on or before {as_of:%d %B %Y}.")
    st.stop()
st.metric("Due for review", f"{len(due):,}")
st.dataframe(
    due.assign(kind=due["kind"].map(KIND_LABELS)).drop(columns=["record_id"]),
    hide_index=True,
    width="stretch",
    column_config={
        "kind": "Record",
        "reference": "Pseudonym or reference",
        "last_activity": st.column_config.DateColumn("Last activity", format="DD/MM/YYYY"),
        "review_date": st.column_config.DateColumn("Review due", format="DD/MM/YYYY"),
        "review_set": st.column_config.CheckboxColumn("Date set at a review"),
        "linked": "Linked sightings",
    },
)
_review_form(due)
