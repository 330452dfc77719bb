"""Trends: sightings month by month by grooming model, area or risk level, and this period
against the one before and a year earlier; small numbers suppressed for the board."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from hotspots.analysis.trends import (
    BREAKDOWNS,
    COMPARISON_COLUMNS,
    PERIOD_LENGTHS,
    last_complete_month,
    month_label,
)
from hotspots.charts import comparison_chart, monthly_chart
from hotspots.db.access import sighting_date_range
from hotspots.db.trends import DEFAULT_LENGTH, Trends, export_name, export_trends, trends
from hotspots.security.roles import Capability, can, must_suppress
from hotspots.security.suppression import TOTAL_LABEL, SuppressionFailed
from ui import state


@st.cache_data(max_entries=32, show_spinner="Counting…")
def _trends(
    version: int, username: str, role: str, by: str, end: str, length: int, exact: bool
) -> Trends:
    return trends(
        state.engine(),
        state.current_user(),
        by=by,
        end_month=end,
        length=length,
        gazetteer=state.gazetteer(),
        exact=exact,
    )


def _months() -> list[pd.Period]:
    """The months that may end the period, newest first, from the last complete one."""
    first, last = sighting_date_range(state.engine())
    end = last_complete_month(None if last is None else pd.Timestamp(last))
    if first is None or end is None:
        return []
    start = pd.Period(first, freq="M")
    return list(pd.period_range(start, end, freq="M"))[::-1] or [end]


def _sidebar(months: list[pd.Period]) -> tuple[str, int, pd.Period, bool]:
    user = state.current_user()
    with st.sidebar:
        st.header("Figures")
        by = st.radio("Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.get)
        length = st.selectbox(
            "Compare",
            list(PERIOD_LENGTHS),
            index=list(PERIOD_LENGTHS).index(DEFAULT_LENGTH),
            format_func=PERIOD_LENGTHS.get,
        )
        end = st.selectbox("Ending with", months, format_func=month_label)
        exact = False
        if not must_suppress(user.role):
            exact = st.toggle(
                "Exact counts (analysts only)",
                help="Shows counts from 1 to 4 as they are. For your own work only: "
                "downloads are always suppressed, and the board sees <5.",
            )
    return by, int(length), end, exact


def _headline(result: Trends) -> None:
    labels = result.periods.labels()
    values = result.comparison_values.loc[TOTAL_LABEL]
    columns = st.columns(len(result.periods.compared))
    for column, which in zip(columns, result.periods.compared, strict=True):
        delta = None
        if which != "this" and not pd.isna(values["this"]) and not pd.isna(values[which]):
            before = float(values[which])
            difference = int(values["this"] - before)
            delta = f"{difference:+,}" + (f" ({difference / before:+.0%})" if before else "")
        column.metric(
            f"{COMPARISON_COLUMNS[which]}: {labels[which]}",
            result.headline(which),
            delta=delta,
            delta_color="off",
            help=None if which == "this" else "Below the figure: this period's change on it.",
        )


def _download(label: str, result: Trends, what: str, fmt: str) -> None:
    user = state.current_user()
    st.download_button(
        label,
        data=partial(export_trends, state.engine(), user, result, what, fmt),
        file_name=export_name(result, what, fmt),
        mime="text/csv" if fmt == "csv" else "image/png",
        on_click="ignore",
        key=f"trends_{what}_{fmt}",
    )


def _downloads(result: Trends, what: str) -> None:
    if not result.suppressed:
        st.caption("Switch exact counts off to download figures for sharing.")
        return
    if not can(state.current_user().role, Capability.EXPORT_AGGREGATES):
        return
    with st.container(horizontal=True):
        _download("Download the chart (PNG)", result, what, "png")
        _download("Download the table (CSV)", result, what, "csv")


def _table(frame: pd.DataFrame, index_name: str) -> None:
    """Figures are text ("<5", "[c]", "1,234"), so they are right-aligned by hand."""
    config = {column: st.column_config.TextColumn(alignment="right") for column in frame.columns}
    height = 35 * (len(frame) + 1) + 3  # every row, no scrolling: the board reads it whole
    st.dataframe(
        frame.rename_axis(index_name), width="stretch", height=height, column_config=config
    )


state.guard_page("trends")
st.title("Trends")
state.synthetic_banner()
months = _months()
if not months:
    st.info(
        "No sightings yet, so there are no trends to show. Import sightings on the Import "
        "page, or run `python -m hotspots demo`."
    )
    st.stop()
user = state.current_user()
by, length, end, exact = _sidebar(months)
try:
    result = _trends(state.version(), user.username, user.role, by, str(end), length, exact)
except SuppressionFailed as refusal:
    st.warning(
        f"These figures cannot be shown safely: {refusal}. Break down by grooming model or "
        "risk level, or end the period later."
    )
    st.stop()

st.caption(
    f"{result.title}: sightings recorded each month. "
    + (
        "Counts from 1 to 4 are shown as <5, and [c] hides a figure that would let one be "
        "worked out."
        if result.suppressed
        else "Exact counts: not for sharing."
    )
)
_headline(result)

st.subheader(f"Month by month, {result.span}")
if result.empty:
    st.info("No sightings in these months. Choose a later month to end on.")
else:
    st.altair_chart(monthly_chart(result.monthly_values, by), width="stretch")
    _downloads(result, "monthly")
    _table(result.monthly, "Month")

this = result.periods.labels()["this"]
st.subheader(f"{this} against the period before" + (" and a year earlier" if length < 12 else ""))
compared = result.comparison_values.drop(index=TOTAL_LABEL)[list(result.periods.compared)]
st.altair_chart(
    comparison_chart(compared, result.periods.labels(), result.available), width="stretch"
)
_downloads(result, "comparison")
_table(result.comparison, BREAKDOWNS[by])
st.caption(result.note)
