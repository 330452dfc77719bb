"""Premises checker: intelligence at and near premises, hotspots, trends and a visit list."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from hotspots.analysis.premises_check import CHECK_MONTHS, TREND_LABELS, TREND_MONTHS
from hotspots.db.mapdata import DEFAULT_DISTANCE_M, boundaries
from hotspots.db.premises_check import (
    MAX_DISTANCE_M,
    PremisesCheck,
    export_visit_list,
    premises_check,
)
from hotspots.domain import PREMISES_CATEGORIES
from hotspots.maps.premises_check import VISIT_MARKERS, premises_check_map
from hotspots.security.roles import Capability, can
from ui import state

NO_MATCH = "No premises match this search. Clear the name or licence text, or tick more categories."


@st.cache_data(max_entries=16, show_spinner="Counting the intelligence at each premises…")
def _check(version: int, username: str, role: str, distance_m: int) -> PremisesCheck:
    """Every premises with its counts, once per data version, user and distance."""
    return premises_check(
        state.engine(), state.current_user(), distance_m=distance_m, gazetteer=state.gazetteer()
    )


@st.cache_data(max_entries=4)
def _boundaries(version: int):
    return boundaries(state.engine())


def _sidebar() -> tuple[str, tuple[str, ...] | None, str, int]:
    with st.sidebar:
        st.header("Search")
        name = st.text_input("Name contains", max_chars=100, placeholder="e.g. Kebab")
        categories = st.multiselect(
            "Category",
            list(PREMISES_CATEGORIES),
            default=list(PREMISES_CATEGORIES),
            format_func=PREMISES_CATEGORIES.get,
        )
        licence = st.text_input("Licence reference contains", max_chars=60, placeholder="LIC-")
        distance = st.slider(
            "Intelligence within (metres)", 0, int(MAX_DISTANCE_M), int(DEFAULT_DISTANCE_M),
            step=50, help="Sightings within this distance of a premises count as near it; "
            "0 counts only sightings recorded at the premises.",
        )  # fmt: skip
    chosen = None if set(PREMISES_CATEGORIES) <= set(categories) else tuple(categories)
    return name, chosen, licence, int(distance)


def _metrics(found: PremisesCheck) -> None:
    frame = found.premises
    columns = st.columns(4)
    columns[0].metric("Premises found", f"{len(frame):,}")
    columns[1].metric("On the visit list", f"{len(found.visit_list):,}")
    columns[2].metric("In a current hotspot", f"{int(frame['in_hotspot'].sum()):,}")
    columns[3].metric("Intelligence rising", f"{int((frame['trend'] == 'rising').sum()):,}")


def _table(frame: pd.DataFrame, distance_m: float) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "Visit order": frame["rank"],
            "Premises": frame["name"],
            "Category": frame["category"].map(lambda c: PREMISES_CATEGORIES.get(c, c)),
            "Licence": frame["licence_ref"].fillna("–"),
            "At the premises": frame["linked"],
            f"Within {distance_m:,.0f} m": frame["nearby"],
            "Different young people": frame["young_people"],
            "Current hotspot": frame["hotspot"].fillna("–"),
            "Trend": frame["trend"].map(TREND_LABELS),
            f"Last {CHECK_MONTHS} months": frame["monthly"],
            "Latest": frame["last_month"].fillna("–"),
            "Score": frame["score"],
        }
    )
    if distance_m <= 0:
        table = table.drop(columns=[f"Within {distance_m:,.0f} m"])
    return table


COUNT_FORMAT = st.column_config.NumberColumn(format="localized")


def _column_config(distance_m: float) -> dict[str, object]:
    counts = ("At the premises", f"Within {distance_m:,.0f} m", "Different young people")
    return {
        **{name: COUNT_FORMAT for name in counts},
        "Visit order": st.column_config.NumberColumn(format="%d", width="small"),
        "Score": st.column_config.NumberColumn(format="%.0f", width="small"),
        f"Last {CHECK_MONTHS} months": st.column_config.BarChartColumn(
            help="Sightings at or near the premises each month, oldest first.", y_min=0
        ),
    }


state.guard_page("premises")
st.title("Premises checker")
state.synthetic_banner()
user = state.current_user()
name, categories, licence, distance = _sidebar()
check = _check(state.version(), user.username, user.role, distance)
found = check.search(name=name, categories=categories, licence=licence)

if check.start is None:
    st.info(
        "No sightings yet, so there is no intelligence to check premises against. Import "
        "sightings on the Import page, or run `python -m hotspots demo`."
    )
st.caption(
    f"Intelligence from {check.period or 'no period'} (the last {CHECK_MONTHS} months of data) "
    f"recorded at each premises"
    + (f" or within {distance:,} m of it." if distance else ".")
    + " Current hotspots are those the Hotspot map opens with. Counts only: this page never "
    "shows a sighting or a young person."
)
_metrics(found)

if found.premises.empty:
    st.info(NO_MATCH)
    st.stop()

folium_map = premises_check_map(
    found.premises,
    distance_m=found.distance_m,
    hotspots=found.hotspots,
    boundaries=_boundaries(state.version()),
    gazetteer=state.gazetteer(),
    tile_url=state.settings().tile_url or None,
    tile_attribution=state.settings().tile_attribution or None,
)
st_folium(folium_map, height=560, use_container_width=True, returned_objects=[], key="premises_map")
st.caption(
    f"The first {VISIT_MARKERS} premises of the visit list carry their number and a ring showing "
    "the distance searched. Click a premises for its counts; turn layers on and off at the "
    "top right."
)

visits = found.visit_list
st.subheader(f"Visit list: {len(visits):,} premises")
st.caption(
    found.weights.explain(found.distance_m)
    + f" Trend: the last {TREND_MONTHS} months against the {TREND_MONTHS} before; rising or "
    "falling means half as many again and at least 2 more."
)
if visits.empty:
    st.info(
        "None of the premises found has intelligence at or near it, or lies in a current "
        "hotspot. Widen the distance or the search."
    )
else:
    st.dataframe(
        _table(visits, found.distance_m),
        hide_index=True,
        width="stretch",
        column_config=_column_config(found.distance_m),
    )
    if can(user.role, Capability.EXPORT_AGGREGATES):
        st.download_button(
            "Download the visit list (CSV)",
            data=partial(export_visit_list, state.engine(), user, found),
            file_name=f"premises-visit-list-{found.end:%Y-%m}.csv" if found.end else "visits.csv",
            mime="text/csv",
            on_click="ignore",
            key="visit_list_csv",
            help="For sharing: counts from 1 to 4 are shown as <5; every download is logged.",
        )
quiet = found.premises[found.premises["rank"].isna()]
if not quiet.empty:
    with st.expander(f"Premises found with nothing to report ({len(quiet):,})"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Premises": quiet["name"],
                    "Category": quiet["category"].map(lambda c: PREMISES_CATEGORIES.get(c, c)),
                    "Licence": quiet["licence_ref"],
                }
            ),
            hide_index=True,
            width="stretch",
        )
