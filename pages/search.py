"""Search records: sightings by words in their note, premises name or reference, or by the
pseudonym of a young person linked to them. Analysts only; every search is audited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.db.access import MAX_SEARCH_ROWS, search_sightings
from hotspots.domain import GROOMING_MODELS, INDICATORS, split_codes
from hotspots.security.escaping import esc_frame, esc_markdown
from ui import state

RESULTS_KEY = "search_results"


def _labels(stored: str, vocabulary: dict[str, str]) -> str:
    return ", ".join(vocabulary.get(code, code) for code in split_codes(stored))


def _table(found: pd.DataFrame) -> pd.DataFrame:
    """What the reader sees; record text is escaped for st.table's Markdown last of all."""
    table = pd.DataFrame(
        {
            "When": found["seen_at"].dt.strftime("%d %b %Y %H:%M"),
            "Reference": found["source_ref"],
            "Precision": found["precision"],
            "Young people": found["people"].str.replace("|", ", ", regex=False),
            "Premises": found["premises"].fillna(""),
            "Grooming models": found["grooming_models"].map(lambda c: _labels(c, GROOMING_MODELS)),
            "Indicators": found["indicators"].map(lambda c: _labels(c, INDICATORS)),
            "Note": found["note"].fillna(""),
        }
    )
    return esc_frame(table, how="markdown")


state.guard_page("search")
st.title("Search records")
state.synthetic_banner()
user = state.current_user()
st.caption(
    "Every search is recorded in the audit log with the words you type and your purpose"
    f" (**{esc_markdown(user.purpose)}**), even when it finds nothing. Never type a real name:"
    " records hold pseudonyms only."
)
with st.form("search"):
    left, right, size = st.columns([3, 2, 1])
    words = left.text_input("Words in a note, premises name or reference")
    pseudonym = right.text_input("Pseudonym of a young person", placeholder="YP-…")
    limit = size.number_input("At most", min_value=10, max_value=MAX_SEARCH_ROWS, value=100)
    submitted = st.form_submit_button("Search", type="primary")

if submitted:
    try:
        found = search_sightings(
            state.engine(), user, words=words, pseudonym=pseudonym, limit=int(limit)
        )
    except ValueError as problem:
        st.session_state.pop(RESULTS_KEY, None)
        st.warning(esc_markdown(str(problem)))
    else:
        st.session_state[RESULTS_KEY] = found

found = st.session_state.get(RESULTS_KEY)
if found is not None:
    if found.empty:
        st.info("Nothing found. Try fewer or other words, or check the pseudonym.")
    else:
        st.markdown(f"**{len(found):,}** sighting(s), newest first.")
        st.table(_table(found), hide_index=True)
