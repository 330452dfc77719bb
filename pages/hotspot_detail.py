"""Hotspot detail: one hotspot's outline, what happens there, when, and who's vehicles."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from hotspots.db.access import sighting_date_range
from hotspots.db.mapdata import (
    DEFAULT_DISTANCE_M,
    HotspotDetail,
    HotspotNotFound,
    MapFilters,
    MapSource,
    default_period,
    hotspot_detail,
    load_map_source,
)
from hotspots.domain import GROOMING_MODELS, INDICATORS, RISK_LEVELS
from hotspots.maps import GROOMING_MODEL_COLOURS, hotspot_detail_map
from hotspots.maps.colours import premises_label
from ui import state

DETAIL_TARGET = "hotspot_detail_target"  # set by the Hotspot map page
FILTERS_KEY = "hotspot_filters"
INDICATOR_COLOUR = "#5F6B7A"  # neutral: indicators are not grooming models
HEATMAP_SCHEME = "orangered"  # sequential, light to dark; vega's own, served with Streamlit


@st.cache_resource(max_entries=4, show_spinner="Loading sightings…")
def _source(version: int, username: str, role: str) -> MapSource:
    return load_map_source(state.engine(), state.current_user())


@st.cache_data(max_entries=24, show_spinner="Describing the hotspot…")
def _detail(
    version: int, username: str, role: str, filters: MapFilters, target: str, distance_m: int
) -> HotspotDetail:
    return hotspot_detail(
        state.engine(),
        state.current_user(),
        filters,
        target,
        distance_m=distance_m,
        gazetteer=state.gazetteer(),
        source=_source(version, username, role),
    )


def _describe(filters: MapFilters) -> str:
    parts = []
    if filters.start is not None and filters.end is not None:
        last = filters.end - pd.Timedelta(days=1)
        parts.append(f"{filters.start:%d %b %Y} to {last:%d %b %Y}")
    else:
        parts.append("every date")
    for label, codes, names in (
        ("grooming models", filters.grooming_models, GROOMING_MODELS),
        ("indicators", filters.indicators, INDICATORS),
        ("risk levels", filters.risk_levels, {r: r for r in RISK_LEVELS}),
    ):
        if codes is not None:
            parts.append(f"{label}: {', '.join(names.get(c, c) for c in codes) or 'none'}")
    parts.append(f"at least {filters.min_people} young people per hotspot")
    return "; ".join(parts)


def _week_hour_chart(week_hour: pd.DataFrame) -> alt.Chart:
    long = week_hour.stack().rename("sightings").reset_index()
    return (
        alt.Chart(long)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day"),
            y=alt.Y("day:O", title=None, sort=list(week_hour.index)),
            color=alt.Color(
                "sightings:Q", title="Sightings", scale=alt.Scale(scheme=HEATMAP_SCHEME)
            ),
            tooltip=["day", "hour", alt.Tooltip("sightings:Q", format=",")],
        )
        .properties(height=230, width="container")
    )


def _monthly_chart(monthly: pd.Series) -> alt.Chart:
    frame = pd.DataFrame({"month": monthly.index.to_timestamp(), "sightings": monthly.to_numpy()})
    return (
        alt.Chart(frame)
        .mark_line(point=True, color="#0072B2")
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("sightings:Q", title="Sightings"),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("sightings:Q", format=","),
            ],
        )
        .properties(height=230)
    )


def _model_chart(model_mix: pd.Series) -> alt.Chart:
    frame = model_mix.rename_axis("model").reset_index()
    labels = list(GROOMING_MODELS.values())
    colours = [GROOMING_MODEL_COLOURS[code] for code in GROOMING_MODELS]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("sightings:Q", title="Sightings"),
            y=alt.Y("model:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False)),
            color=alt.Color("model:N", scale=alt.Scale(domain=labels, range=colours), legend=None),
            tooltip=["model", alt.Tooltip("sightings:Q", format=",")],
        )
        .properties(height=alt.Step(26))
    )


def _indicator_chart(indicators: pd.Series) -> alt.Chart:
    frame = indicators.rename_axis("indicator").reset_index()
    return (
        alt.Chart(frame)
        .mark_bar(color=INDICATOR_COLOUR)
        .encode(
            x=alt.X("sightings:Q", title="Sightings"),
            y=alt.Y(
                "indicator:N",
                title=None,
                sort="-x",
                axis=alt.Axis(labelLimit=260, labelOverlap=False),
            ),
            tooltip=["indicator", alt.Tooltip("sightings:Q", format=",")],
        )
        .properties(height=alt.Step(22))
    )


def _premises_table(detail: HotspotDetail) -> pd.DataFrame:
    near = detail.premises
    return pd.DataFrame(
        {
            "Premises": near["name"],
            "Category": near["category"].map(premises_label),
            "Licence": near["licence_ref"],
            "Where": near["distance_m"].map(lambda d: "Inside" if d == 0 else f"{d:,.0f} m away"),
            "Sightings linked here": near["sightings"],
        }
    )


def _headline(detail: HotspotDetail) -> None:
    columns = st.columns(4)
    columns[0].metric("Sightings", f"{detail.sightings:,}")
    columns[1].metric("Distinct young people", f"{detail.distinct_people:,}")
    columns[2].metric("Area", f"{detail.area_km2:.2f} km²")
    columns[3].metric("Peak hours", (detail.peak_hours or "–").replace("-", "–"))
    facts = []
    if detail.emerging:
        facts.append(f"Emerging category: **{detail.emerging}**")
    if detail.first_seen is not None and detail.last_seen is not None:
        facts.append(f"seen from {detail.first_seen:%d %B %Y} to {detail.last_seen:%d %B %Y}")
    if facts:
        st.markdown("; ".join(facts) + ".")


def _map_and_mix(detail: HotspotDetail) -> None:
    left, right = st.columns([3, 2])
    with left:
        folium_map = hotspot_detail_map(
            detail.outline,
            distance_m=detail.distance_m,
            premises=detail.premises,
            gazetteer=state.gazetteer(),
            tile_url=state.settings().tile_url or None,
        )
        st_folium(
            folium_map, height=520, use_container_width=True, returned_objects=[],
            key="hotspot_detail_map",
        )  # fmt: skip
    with right:
        st.subheader("Grooming models")
        if detail.model_mix is not None and not detail.model_mix.empty:
            st.altair_chart(_model_chart(detail.model_mix), width="stretch")
        else:
            st.info("No grooming model recorded on these sightings.")
        st.subheader("Indicators")
        if detail.indicators is not None and not detail.indicators.empty:
            st.altair_chart(_indicator_chart(detail.indicators), width="stretch")
        else:
            st.info("No indicator recorded on these sightings.")


def _when(detail: HotspotDetail) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("When: hour by day of week")
        st.altair_chart(_week_hour_chart(detail.week_hour), width="stretch")
    with right:
        st.subheader("Month by month")
        st.altair_chart(_monthly_chart(detail.monthly), width="stretch")


def _places_and_vehicles(detail: HotspotDetail) -> None:
    st.subheader(f"Premises inside or within {detail.distance_m:,.0f} m")
    if detail.premises.empty:
        st.info("No premises inside the hotspot or within that distance. Try a larger distance.")
    else:
        st.dataframe(_premises_table(detail), hide_index=True, width="stretch")
    st.subheader("Vehicles also seen in other hotspots")
    if detail.vehicles is None or detail.vehicles.empty:
        st.info("No vehicle seen here was seen in another hotspot under these filters.")
    else:
        st.caption("Vehicle tokens are keyed hashes of plates: they link sightings, never name.")
        table = detail.vehicles.rename(
            columns={
                "vehicle_token": "Vehicle token",
                "sightings_here": "Sightings here",
                "other_hotspots": "Also seen in",
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")


def _default_filters() -> MapFilters:
    """The Hotspot map's opening filters, for a visit that did not come from the map."""
    _, last = sighting_date_range(state.engine())
    start, end = default_period(None if last is None else last.date())
    return MapFilters(start=start, end=end)


state.guard_page("hotspot_detail")
user = state.current_user()
filters = st.session_state.get(FILTERS_KEY) or _default_filters()
target = st.session_state.get(DETAIL_TARGET, "1")
with st.sidebar:
    st.header("Hotspot")
    distance = st.slider(
        "Premises within (metres)", 0, 1000, int(DEFAULT_DISTANCE_M), step=50,
        help="Premises inside the hotspot, or within this distance of its edge.",
    )  # fmt: skip

detail = None
for wanted in dict.fromkeys((str(target), "1")):  # the hotspot asked for, else the busiest
    try:
        detail = _detail(state.version(), user.username, user.role, filters, wanted, distance)
        break
    except HotspotNotFound:
        continue

st.title(f"Hotspot detail: {detail.name}" if detail else "Hotspot detail")
state.synthetic_banner()
if detail is None:
    st.info(
        "No hotspot to show under the current filters. Open the Hotspot map, widen the filters, "
        "and click a hotspot to see its detail here."
    )
    st.page_link("pages/hotspot_map.py", label="Open the Hotspot map")
    st.stop()

st.caption(f"Hotspot as drawn with the map's filters: {_describe(filters)}.")
with st.sidebar:
    names = [detail.name, *detail.others]
    picked = st.selectbox("Show another hotspot", names, index=0, key="detail_other")
    if picked != detail.name:
        st.session_state[DETAIL_TARGET] = picked
        st.rerun()
_headline(detail)
_map_and_mix(detail)
if detail.week_hour is not None and detail.monthly is not None:
    _when(detail)
_places_and_vehicles(detail)
st.page_link("pages/hotspot_map.py", label="Back to the Hotspot map")
