"""Overview: how much is loaded, over what period, and where (sightings aggregated to a grid)."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from hotspots.db.access import overview
from hotspots.maps.overview import overview_map
from hotspots.security.roles import Capability, can
from ui import state

OVERVIEW_CELL_METRES = 250


@st.cache_data(show_spinner="Counting…")
def _overview(version: int, role: str):
    return overview(state.engine(), state.current_user(), cell_m=OVERVIEW_CELL_METRES)


state.guard_page("overview")
st.title("Overview")
state.synthetic_banner()
summary = _overview(state.version(), state.current_user().role)

columns = st.columns(4)
columns[0].metric("Sightings", f"{summary.counts['sighting']:,}")
columns[1].metric("Young people", f"{summary.counts['young_person']:,}")
columns[2].metric("Premises", f"{summary.counts['premises']:,}")
columns[3].metric("Import batches", f"{summary.counts['import_batch']:,}")
if summary.first_seen is None:
    if can(state.current_user().role, Capability.IMPORT):
        st.info(
            "No sightings yet. Import sightings on the Import page, or run "
            "`python -m hotspots demo`."
        )
    else:
        st.info(
            "No sightings yet. The CSE analysts' team imports them; ask them when to expect some."
        )
else:
    st.caption(
        f"Sightings from {summary.first_seen:%d %B %Y} to {summary.last_seen:%d %B %Y}, "
        f"shown as counts per {OVERVIEW_CELL_METRES} m square."
        + (
            " Squares with fewer than 5 sightings are not shown."
            if summary.small_cells_hidden
            else ""
        )
    )
    folium_map = overview_map(
        summary.cells, state.gazetteer(), tile_url=state.settings().tile_url or None
    )
    st_folium(
        folium_map, height=620, use_container_width=True, returned_objects=[], key="overview_map"
    )
