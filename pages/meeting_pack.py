"""Meeting pack: what changed since the last CSE information-exchange meeting, ranked."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from hotspots.db.access import sighting_date_range
from hotspots.db.disruptions import (
    meeting_pack,
    meeting_pack_bytes,
    meeting_pack_export_detail,
    record_export,
    today_utc,
)
from hotspots.disruption.meeting_pack import PRIORITY_RULES
from ui import state

PACK_KEY = "meeting_pack"
SECTIONS = (
    ("New and intensifying hotspots", "hotspots"),
    ("Young people whose sightings rose (pseudonyms)", "people"),
    ("Premises with new intelligence", "premises"),
    ("Actions due for evaluation", "actions"),
)


def _heading(column: str) -> str:
    return column.replace("_", " ").capitalize()


state.guard_page("meeting_pack")
user = state.current_user()
st.title("Meeting pack")
state.synthetic_banner()
st.caption(
    "For the CSE information-exchange meeting: everything that changed since the date you "
    "choose, compared with the equally long period before, ranked by priority."
)
_, last = sighting_date_range(state.engine())
until = (last.date() if last else today_utc()) + timedelta(days=1)
since = st.date_input(
    "Since (the last meeting)",
    value=until - timedelta(days=28),
    max_value=until - timedelta(days=1),
    format="DD/MM/YYYY",
    key="pack_since",
)
if st.button("Prepare the pack", type="primary", key="pack_prepare"):
    st.session_state[PACK_KEY] = meeting_pack(
        state.engine(), user, since, until=until, gazetteer=state.gazetteer()
    )
pack = st.session_state.get(PACK_KEY)
if pack is None or pack.since != since:
    st.info("Choose the date of the last meeting and prepare the pack.")
    st.stop()

st.subheader(f"Priority list: {len(pack.ranked)} items since {pack.since:%d %B %Y}")
st.caption(PRIORITY_RULES)
if pack.empty:
    st.info("Nothing new since that date.")
else:
    st.dataframe(pack.ranked.rename(columns=_heading), hide_index=True, width="stretch")
columns = st.columns(2)
for column, fmt, mime in ((columns[0], "csv", "text/csv"), (columns[1], "html", "text/html")):
    column.download_button(
        f"Download the pack ({fmt.upper()})",
        data=meeting_pack_bytes(pack, fmt),
        file_name=f"meeting-pack-{pack.since}.{fmt}",
        mime=mime,
        key=f"pack_{fmt}",
        on_click=record_export,
        args=(state.engine(), user, "meeting_pack", meeting_pack_export_detail(pack, fmt)),
    )
for title, name in SECTIONS:
    frame = getattr(pack, name)
    with st.expander(f"{title} ({len(frame)})", expanded=False):
        if frame.empty:
            st.write("Nothing since that date.")
        else:
            st.dataframe(frame.rename(columns=_heading), hide_index=True, width="stretch")
