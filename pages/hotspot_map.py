"""Hotspot map: hotspots, grooming models, density, Gi* and places, under the sidebar's filters."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from hotspots.db.access import sighting_date_range
from hotspots.db.mapdata import (
    METHODS,
    MapFilters,
    MapSource,
    default_period,
    filters_from_widgets,
    hotspot_map_data,
    load_map_source,
)
from hotspots.domain import GROOMING_MODELS, INDICATORS, RISK_LEVELS
from hotspots.maps import clicked_hotspot, hotspot_map
from hotspots.maps.hotspot_map import NOTHING_TO_SHOW
from hotspots.security.roles import can_open_page
from ui import state

CELL_SIZES = (100, 250, 500)
DETAIL_TARGET = "hotspot_detail_target"  # session key read by the Hotspot detail page
FILTERS_KEY = "hotspot_filters"  # the filters last used, shared with the Hotspot detail page
EMPTY_ADVICE = (
    f"{NOTHING_TO_SHOW} Widen the period, tick more grooming models or risk levels, clear the "
    "indicators, or lower the minimum number of young people."
)


@st.cache_resource(max_entries=4, show_spinner="Loading sightings…")
def _source(version: int, username: str, role: str) -> MapSource:
    """Every sighting, loaded once per data version and user; each filter change re-uses it."""
    return load_map_source(state.engine(), state.current_user())


@st.cache_data(max_entries=24, show_spinner="Finding hotspots…")
def _map_data(version: int, username: str, role: str, filters: MapFilters, cell_m: int):
    return hotspot_map_data(
        state.engine(),
        state.current_user(),
        filters,
        gazetteer=state.gazetteer(),
        cell_m=cell_m,
        source=_source(version, username, role),
    )


def _period_widget() -> tuple[date | None, date | None]:
    first, last = sighting_date_range(state.engine())
    if first is None:
        return None, None
    low, high = first.date(), last.date()
    default_start, _ = default_period(high)
    chosen = st.date_input(
        "Period",
        value=(max(low, default_start), high),
        min_value=low,
        max_value=high,
        format="DD/MM/YYYY",
    )
    start, end = (chosen[0], chosen[-1]) if len(chosen) else (max(low, default_start), high)
    return start, end + timedelta(days=1)  # the last day chosen is included


def _sidebar() -> tuple[MapFilters, int]:
    with st.sidebar:
        st.header("Filters")
        start, end = _period_widget()
        models = st.multiselect(
            "Grooming models",
            list(GROOMING_MODELS),
            default=list(GROOMING_MODELS),
            format_func=GROOMING_MODELS.get,
        )
        indicators = st.multiselect(
            "Indicators (any of)",
            list(INDICATORS),
            format_func=INDICATORS.get,
            placeholder="Any indicator",
        )
        risks = st.multiselect(
            "Risk level of the young people",
            list(RISK_LEVELS),
            default=list(RISK_LEVELS),
            format_func=str.capitalize,
        )
        min_people = st.number_input(
            "Minimum distinct young people in a hotspot", min_value=1, max_value=50, value=3
        )
        method = st.selectbox("Hotspot method", list(METHODS), format_func=METHODS.get)
        cell_m = st.selectbox("Grid cell", CELL_SIZES, index=1, format_func=lambda m: f"{m} m")
    filters = filters_from_widgets(
        start=start, end=end, grooming_models=models, indicators=indicators,
        risk_levels=risks, min_people=min_people, method=method,
    )  # fmt: skip
    return filters, int(cell_m)


def _metrics(data) -> None:
    columns = st.columns(4)
    columns[0].metric("Sightings", f"{data.sightings:,}")
    people = "–" if data.young_people is None else f"{data.young_people:,}"
    columns[1].metric("Distinct young people", people)
    columns[2].metric("Hotspots", f"{len(data.hotspots):,}")
    in_hotspots = int(data.premises["in_hotspot"].sum()) if not data.premises.empty else 0
    columns[3].metric("Premises in hotspots", f"{in_hotspots:,}")


def _hotspot_table(data) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "Hotspot": data.hotspots["name"],
            "Sightings": data.hotspots["sightings"],
            "Distinct young people": data.hotspots["distinct_people"],
            "Area (km²)": data.hotspots["area_km2"].round(2),
        }
    )
    if data.full:
        table["Main grooming model"] = data.hotspots["main_grooming_model"].map(GROOMING_MODELS)
        table["Peak hours"] = data.hotspots["peak_hours"].str.replace("-", "–")
    return table


def _open_detail(name: str, filters: MapFilters) -> None:
    st.session_state[DETAIL_TARGET] = name
    st.session_state[FILTERS_KEY] = filters
    st.switch_page("pages/hotspot_detail.py")


state.guard_page("hotspot_map")
st.title("Hotspot map")
state.synthetic_banner()
user = state.current_user()
filters, cell_m = _sidebar()
st.session_state[FILTERS_KEY] = filters
data = _map_data(state.version(), user.username, user.role, filters, cell_m)
_metrics(data)

if data.empty:
    st.info(EMPTY_ADVICE)
else:
    st.caption(
        "Turn layers on and off in the box at the top right of the map. Click a hotspot for "
        "its figures, then open its detail below the map."
        + ("" if data.full else " Your role sees hotspot outlines, counts, premises and density.")
    )
    folium_map = hotspot_map(
        **data.layers(),
        gazetteer=state.gazetteer(),
        tile_url=state.settings().tile_url or None,
        premises_shown=not data.full,  # licensing staff come for the premises
    )
    clicked = st_folium(
        folium_map,
        height=640,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
        key="hotspot_map",
    )
    chosen = clicked_hotspot(clicked, data.hotspots)
    can_open_detail = can_open_page(user.role, "hotspot_detail")
    if chosen is not None and can_open_detail:
        name = str(data.hotspots.loc[data.hotspots["hotspot_id"] == chosen, "name"].iloc[0])
        if st.button(f"Open the detail of {name}", type="primary", key="open_clicked"):
            _open_detail(name, filters)

    st.subheader("Hotspots")
    if data.hotspots.empty:
        st.info(
            "No hotspot under these filters: no dense cluster of sightings with enough different "
            "young people. Lower the minimum number of young people or widen the period."
        )
    else:
        st.dataframe(
            _hotspot_table(data),
            hide_index=True,
            width="stretch",
            column_config={
                "Sightings": st.column_config.NumberColumn(format="localized"),
                "Distinct young people": st.column_config.NumberColumn(format="localized"),
            },
        )
        if can_open_detail:
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            picked = left.selectbox("Hotspot", data.hotspots["name"], key="detail_pick")
            if right.button("Open its detail", key="open_picked"):
                _open_detail(str(picked), filters)
