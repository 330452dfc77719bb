"""Disruption: record and edit actions, evaluate them, and download a hotspot's briefing."""

from __future__ import annotations

from datetime import date

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from hotspots.db.access import premises, sighting_date_range
from hotspots.db.disruptions import (
    actions_frame,
    briefing,
    briefing_bytes,
    briefing_export_audit,
    current_hotspots,
    evaluate_action,
    evaluation_csv,
    evaluation_export_detail,
    list_actions,
    new_action,
    record_export,
    today_utc,
    update_action,
)
from hotspots.db.mapdata import MapFilters, default_period
from hotspots.disruption.actions import (
    ACTION_TYPES,
    DEFAULT_CIRCLE_M,
    PREMISES_RADIUS_M,
    STATUSES,
    ActionRejected,
    circle_area,
)
from hotspots.disruption.evaluation import CHART_LABELS, DEFAULT_BUFFER_M, chart_png
from hotspots.domain import AGENCIES
from hotspots.maps import base_map
from hotspots.maps.layers import gazetteer_labels
from ui import state

AREA_COLOUR = "#D55E00"


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


@st.cache_data(max_entries=8, show_spinner="Finding hotspots…")
def _hotspots(version: int, username: str, role: str, start: date | None, end: date | None):
    return current_hotspots(
        state.engine(),
        state.current_user(),
        MapFilters(start=start, end=end),
        gazetteer=state.gazetteer(),
    )


def _filters() -> MapFilters:
    _, last = sighting_date_range(state.engine())
    start, end = default_period(None if last is None else last.date())
    return MapFilters(start=start, end=end)


def _actions_table(actions) -> None:
    st.subheader("Actions recorded")
    if not actions:
        st.info("No disruption action recorded yet. Record one below.")
        return
    table = actions_frame(actions)
    table["action_type"] = table["action_type"].map(ACTION_TYPES)
    table["status"] = table["status"].map(STATUSES)
    shown = table[
        [
            "id",
            "action_type",
            "target_label",
            "start_date",
            "end_date",
            "agency",
            "status",
            "evaluation_due",
            "last_verdict",
            "notes",
        ]
    ]
    st.dataframe(
        shown.rename(columns=lambda c: _label(c).replace("Id", "ID")),
        hide_index=True,
        width="stretch",
    )


def _point_picker(hotspots) -> tuple[float, float]:
    """A small local map (hotspots and place names, no tiles): click to choose the centre,
    or type it."""
    folium_map = base_map(zoom=13, tile_url=state.settings().tile_url or None)
    gazetteer_labels(state.gazetteer()).add_to(folium_map)
    if not hotspots.empty:
        folium.GeoJson(
            hotspots[["geometry"]].to_json(),
            name="Hotspots",
            style_function=lambda _f: {"color": "#1A1A1A", "weight": 1.5, "fillOpacity": 0.1},
        ).add_to(folium_map)
    clicked = st_folium(
        folium_map,
        height=360,
        use_container_width=True,
        returned_objects=["last_clicked"],
        key="disruption_point_map",
    )
    point = (clicked or {}).get("last_clicked") or {}
    st.caption("Click the map to choose the centre of the area, or type it below.")
    columns = st.columns(2)
    lat = columns[0].number_input("Latitude", value=float(point.get("lat", 53.5780)), format="%.5f")
    lon = columns[1].number_input(
        "Longitude", value=float(point.get("lng", -2.4290)), format="%.5f"
    )
    return lon, lat


def _target(hotspots) -> dict:
    """Where the action is: a hotspot, premises, or a circle around a point."""
    kind = st.radio(
        "Target",
        ["hotspot", "premises", "area"],
        horizontal=True,
        key="disruption_target",
        format_func={
            "hotspot": "A hotspot",
            "premises": "Premises",
            "area": "A circle around a point on the map",
        }.get,
    )
    if kind == "hotspot":
        if hotspots.empty:
            st.warning("No hotspot in the last year of sightings; choose premises or a point.")
            return {"target_kind": kind}
        name = st.selectbox("Hotspot", list(hotspots["name"]), key="disruption_hotspot")
        outline = hotspots.loc[hotspots["name"] == name, "geometry"].iloc[0]
        return {"target_kind": kind, "hotspot_name": name, "target_label": name, "area": outline}
    if kind == "premises":
        register = premises(state.engine(), state.current_user())
        if register.empty:
            st.warning("The premises register is empty; import premises first.")
            return {"target_kind": kind}
        labels = {int(r.premises_id): f"{r.name} ({r.premises_ref})" for r in register.itertuples()}
        chosen = st.selectbox("Premises", list(labels), format_func=labels.get)
        point = register.loc[register["premises_id"] == chosen, "geometry"].iloc[0]
        return {
            "target_kind": kind,
            "premises_id": chosen,
            "target_label": labels[chosen],
            "area": circle_area(point.x, point.y, PREMISES_RADIUS_M),
        }
    lon, lat = _point_picker(hotspots)
    radius = st.slider("Radius (metres)", 100, 1500, int(DEFAULT_CIRCLE_M), step=50)
    label = st.text_input("Name of the area", value=f"{radius} m around {lat:.4f}, {lon:.4f}")
    return {"target_kind": kind, "target_label": label, "area": circle_area(lon, lat, radius)}


def _details(prefix: str, current=None) -> dict:
    """Type, dates, agency, status and notes; `current` fills them when editing."""
    types, agencies, statuses = list(ACTION_TYPES), list(AGENCIES), list(STATUSES)
    columns = st.columns(3)
    fields = {
        "action_type": columns[0].selectbox(
            "Action",
            types,
            format_func=ACTION_TYPES.get,
            key=f"{prefix}_type",
            index=types.index(current.action_type) if current else 0,
        ),
        "agency": columns[1].selectbox(
            "Owning agency",
            agencies,
            format_func=_label,
            key=f"{prefix}_agency",
            index=agencies.index(current.agency) if current else 0,
        ),
        "status": columns[2].selectbox(
            "Status",
            statuses,
            format_func=STATUSES.get,
            key=f"{prefix}_status",
            index=statuses.index(current.status) if current else 0,
        ),
    }
    columns = st.columns(3)
    fields["start_date"] = columns[0].date_input(
        "Start date",
        value=current.start_date if current else today_utc(),
        format="DD/MM/YYYY",
        key=f"{prefix}_start",
    )
    fields["end_date"] = columns[1].date_input(
        "End date (leave empty if ongoing)",
        value=current.end_date if current else None,
        format="DD/MM/YYYY",
        key=f"{prefix}_end",
    )
    fields["evaluation_due"] = columns[2].date_input(
        "Evaluation due (empty: three months after the end)",
        value=current.evaluation_due if current else None,
        format="DD/MM/YYYY",
        key=f"{prefix}_due",
    )
    fields["notes"] = st.text_area(
        "Notes (no names, addresses, phone numbers or plates)",
        value=current.notes if current else "",
        max_chars=2000,
        key=f"{prefix}_notes",
    )
    return fields


def _record(hotspots) -> None:
    st.subheader("Record an action")
    target = _target(hotspots)
    fields = _details("new")
    if st.button("Record the action", type="primary", key="disruption_record"):
        try:
            new_id, _ = new_action(
                state.engine(), state.current_user(), {**fields, **target}, today=today_utc()
            )
        except ActionRejected as rejected:
            st.error(
                "The action was not recorded:\n\n" + "\n".join(f"- {p}" for p in rejected.problems)
            )
            return
        st.session_state["disruption_flash"] = f"Action {new_id} recorded."
        st.rerun()


def _edit(actions) -> None:
    st.subheader("Edit an action")
    if not actions:
        st.info("Nothing to edit yet.")
        return
    by_id = {a.id: a for a in actions}
    chosen = st.selectbox(
        "Action",
        list(by_id),
        format_func=lambda i: f"{i}: {by_id[i].label}",
        key="disruption_edit_id",
    )
    fields = _details(f"edit{chosen}", by_id[chosen])
    if st.button("Save changes", key="disruption_save"):
        try:
            update_action(state.engine(), state.current_user(), chosen, fields, today=today_utc())
        except ActionRejected as rejected:
            st.error("Not saved:\n\n" + "\n".join(f"- {p}" for p in rejected.problems))
            return
        st.session_state["disruption_flash"] = f"Action {chosen} saved."
        st.rerun()


def _evaluate(actions, hotspots) -> None:
    st.subheader("Evaluate an action, or several together")
    if not actions:
        st.info("Record an action first.")
        return
    by_id = {a.id: a for a in actions}
    chosen = tuple(
        st.multiselect(
            "Actions (several are evaluated as one: their areas joined, from the first start)",
            list(by_id),
            default=[actions[0].id],
            format_func=lambda i: f"{i}: {by_id[i].label}",
            key="disruption_eval_ids",
        )
    )
    if not chosen:
        st.info("Choose at least one action.")
        return
    columns = st.columns(4)
    before = columns[0].number_input("Months before", 3, 36, 12, key="eval_before")
    after = columns[1].number_input("Months after", 1, 36, 12, key="eval_after")
    buffer_m = columns[2].number_input(
        "Buffer (metres)", 100, 3000, int(DEFAULT_BUFFER_M), step=100
    )
    names = ["Matched automatically", *[n for n in hotspots.get("name", [])]]
    comparison_name = columns[3].selectbox("Comparison area", names, key="eval_comparison")
    if st.button("Evaluate", type="primary", key="disruption_evaluate"):
        comparison = None
        if comparison_name != names[0]:
            comparison = hotspots.loc[hotspots["name"] == comparison_name, "geometry"].iloc[0]
        st.session_state["disruption_evaluation"] = (
            chosen,
            evaluate_action(
                state.engine(),
                state.current_user(),
                list(chosen),
                comparison=comparison,
                months_before=int(before),
                months_after=int(after),
                buffer_m=float(buffer_m),
            ),
        )
        st.rerun()  # the list above shows the new verdict
    stored = st.session_state.get("disruption_evaluation")
    if stored and stored[0] == chosen:
        _show_evaluation(chosen, stored[1])


def _show_evaluation(chosen: tuple[int, ...], result) -> None:
    action_id = "-".join(str(i) for i in chosen)
    box = {"fell": st.success, "rose": st.error, "no_clear_change": st.info, "too_few": st.warning}
    box[result.judgement](result.verdict)
    columns = st.columns(4)
    rr, wdq = result.rate_ratio, result.displacement
    columns[0].metric("Rate ratio", f"{rr.ratio:.2f}" if rr else "–")
    columns[1].metric("95 % interval", f"{rr.low:.2f} – {rr.high:.2f}" if rr else "–")
    buffer = result.buffer_ratio
    columns[2].metric("Buffer ratio", f"{buffer.ratio:.2f}" if buffer else "–")
    columns[3].metric("WDQ", f"{wdq.wdq:.2f}" if wdq and wdq.wdq is not None else "–")
    st.image(chart_png(result), caption="Sightings per month; the dashed line is the start.")
    table = result.monthly.rename(columns=CHART_LABELS)
    table.index = table.index.astype(str)
    st.dataframe(table.rename_axis("Month").reset_index(), hide_index=True)
    st.download_button(
        "Download the monthly counts (CSV)",
        data=evaluation_csv(result),
        file_name=f"disruption-{action_id}-evaluation.csv",
        mime="text/csv",
        key="eval_download",
        on_click=record_export,
        args=(
            state.engine(),
            state.current_user(),
            f"disruption:{action_id}",
            evaluation_export_detail(result),
        ),
    )


@st.cache_data(max_entries=4, show_spinner=False)
def _briefing_bytes(hotspot: str, prepared: str, _document, fmt: str) -> bytes:
    """Rendered once per briefing and format (the PDF takes a moment)."""
    return briefing_bytes(_document, fmt)


def _briefing(hotspots) -> None:
    st.subheader("Disruption briefing")
    if hotspots.empty:
        st.info("No hotspot in the last year of sightings to brief on.")
        return
    name = st.selectbox("Hotspot", list(hotspots["name"]), key="briefing_hotspot")
    if st.button("Prepare the briefing", key="briefing_prepare"):
        filters, user = _filters(), state.current_user()
        st.session_state["disruption_briefing"] = briefing(
            state.engine(), user, filters, name, gazetteer=state.gazetteer()
        )
    document = st.session_state.get("disruption_briefing")
    if document is None or document.hotspot != name:
        return
    st.image(document.map_png, caption=f"{name}: the hotspot and nearby premises")
    st.markdown("**Recommended actions**")
    st.dataframe(
        pd.DataFrame(
            [(r.action, r.why) for r in document.recommendations], columns=["Action", "Why"]
        ),
        hide_index=True,
        width="stretch",
    )
    columns = st.columns(2)
    for column, fmt, mime in (
        (columns[0], "html", "text/html"),
        (columns[1], "pdf", "application/pdf"),
    ):
        body = _briefing_bytes(document.hotspot, str(document.generated_at), document, fmt)
        column.download_button(
            f"Download the briefing ({fmt.upper()})",
            data=body,
            file_name=f"briefing-{name}.{fmt}",
            mime=mime,
            key=f"briefing_{fmt}",
            on_click=record_export,
            args=(
                state.engine(),
                state.current_user(),
                *briefing_export_audit(document, fmt, body),
            ),
        )


state.guard_page("disruption")
user = state.current_user()
st.title("Disruption")
state.synthetic_banner()
st.caption(
    "Record what partners do to disrupt exploitation at a hotspot, premises or area; evaluate "
    "it against the months before, a comparison area and the surrounding buffer; and download "
    "the briefing for the people who will act."
)
if flash := st.session_state.pop("disruption_flash", None):
    st.success(flash)
period = _filters()
outlines = _hotspots(state.version(), user.username, user.role, period.start, period.end)
actions = list_actions(state.engine(), user)
_actions_table(actions)
tabs = st.tabs(["Record", "Edit", "Evaluate", "Briefing"], key="disruption_tab")
with tabs[0]:
    _record(outlines)
with tabs[1]:
    _edit(actions)
with tabs[2]:
    _evaluate(actions, outlines)
with tabs[3]:
    _briefing(outlines)
