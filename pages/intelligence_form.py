"""Submit intelligence: what a partner saw, when and where, graded and pseudonymised at source."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit_folium import st_folium

from hotspots.db.intelligence import record_download, submit_sighting
from hotspots.domain import (
    AGENCIES,
    GROOMING_MODELS,
    HANDLING_CODES,
    INDICATORS,
    INTELLIGENCE_ASSESSMENTS,
    PRECISIONS,
    SOURCE_EVALUATIONS,
)
from hotspots.ingest.rules import MAX_NOTE, MAX_RANGE_DAYS, RuleContext
from hotspots.ingest.tokens import VehicleKeyMissing
from hotspots.intelligence import (
    DEFAULT_PRECISION,
    HANDLING_CODE_LABELS,
    INTELLIGENCE_ASSESSMENT_LABELS,
    PLACE_SOURCES,
    PRECISION_LABELS,
    SOURCE_EVALUATION_LABELS,
    Submission,
    SubmissionRejected,
    check_submission,
    default_seen_at,
    form_context,
    grading_text,
    place_point,
    problems_by_box,
    token_for_plate,
    when_text,
)
from hotspots.intelligence_print import intelligence_html
from hotspots.maps.pick import chosen_point_layer, pick_map
from hotspots.screening import ScreeningError, keyed_pseudonym, pseudonym_key
from hotspots.security.escaping import esc_markdown
from ui import state

PREFIX = "intel_"
GENERATION = "intel_generation"
#: Boxes shown only in one mode: their values are kept while another mode is shown, so
#: switching back finds what was typed.
MODAL_BOXES = ("seen_until", "lat", "lon", "place", "premises")
REDACT_LABEL = "Remove identifiers from the note instead of refusing it"
WHEN_MODES = {"moment": "A moment", "range": "A range (between … and …)"}
NOTE_LABEL = (
    "Note (no names, dates of birth, phone numbers, e-mail or home addresses, postcodes or plates)"
)


def _k(name: str) -> str:
    """The session key of one of the form's boxes. Every box's key carries the form's
    generation: a new generation after a submission gives fresh, empty boxes (deleting the
    keys alone leaves the browser showing the old values)."""
    return f"{PREFIX}{st.session_state.get(GENERATION, 0)}_{name}"


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _rule_context() -> RuleContext:
    return RuleContext.from_settings(state.settings())


# ---------------------------------------------------------------- callbacks (before the rerun)


def _on_map_click() -> None:
    """A click on the map gives the place: latitude and longitude, in 'click' mode."""
    point = (st.session_state.get(_k("map")) or {}).get("last_clicked")
    if not point:
        return
    st.session_state[_k("lat")] = round(float(point["lat"]), 6)
    st.session_state[_k("lon")] = round(float(point["lng"]), 6)
    if st.session_state.get(_k("where")) != "map":
        st.session_state[_k("where")] = "map"
        st.session_state[_k("precision")] = DEFAULT_PRECISION["map"]


def _on_where_change() -> None:
    st.session_state[_k("precision")] = DEFAULT_PRECISION[st.session_state[_k("where")]]


def _tokenise() -> None:
    """The registration becomes a token as soon as it is typed; the plate is not kept."""
    plate = (st.session_state.get(_k("plate")) or "").strip()
    st.session_state.pop(_k("plate_problem"), None)
    if not plate:
        return
    try:
        token, problem = token_for_plate(plate, _rule_context())
    except VehicleKeyMissing as missing:
        st.session_state[_k("plate_problem")] = str(missing)
        return
    if problem is not None:
        st.session_state[_k("plate_problem")] = problem.message("Vehicle registration")
        return
    st.session_state[_k("token")] = token
    st.session_state[_k("plate")] = ""


def _remove_vehicle() -> None:
    st.session_state.pop(_k("token"), None)


def _add_person() -> None:
    """A pseudonym from the agency's case reference (keyed hash); the reference is not kept."""
    reference = st.session_state.get(_k("reference")) or ""
    st.session_state[_k("reference")] = ""
    st.session_state.pop(_k("person_problem"), None)
    try:
        pseudonym = keyed_pseudonym(
            st.session_state[_k("ref_agency")], reference, pseudonym_key(state.settings())
        )
    except ScreeningError as problem:
        st.session_state[_k("person_problem")] = str(problem)
        return
    new_people = st.session_state.setdefault(_k("new_people"), [])
    if pseudonym not in new_people:
        new_people.append(pseudonym)
    chosen = list(st.session_state.get(_k("people")) or [])
    if pseudonym not in chosen:
        st.session_state[_k("people")] = [*chosen, pseudonym]


# ---------------------------------------------------------------- the form, box by box


def _when(slots: dict) -> tuple[object, object, bool]:
    st.subheader("When")
    mode = st.radio(
        "When",
        list(WHEN_MODES),
        format_func=WHEN_MODES.get,
        horizontal=True,
        key=_k("when_mode"),
        label_visibility="collapsed",
    )
    default = st.session_state.setdefault(_k("default_when"), default_seen_at())
    left, right = st.columns(2)
    seen_at = left.datetime_input(
        "Date and time seen (the start, for a range)",
        value=default,
        format="DD/MM/YYYY",
        step=timedelta(minutes=5),
        key=_k("seen_at"),
    )
    slots["when"] = left.container()
    seen_until = None
    if mode == "range":
        seen_until = right.datetime_input(
            "Until (the end of the range)",
            value=None,
            format="DD/MM/YYYY",
            step=timedelta(minutes=5),
            key=_k("seen_until"),
        )
        right.caption(
            f"At most {MAX_RANGE_DAYS} days. The sighting is placed at the middle of the range"
            " on the map; both ends are kept."
        )
        slots["until"] = right.container()
    return seen_at, seen_until, mode == "range"


def _where(slots: dict) -> tuple[float | None, float | None, str | None, str]:
    """(lon, lat, premises reference, place label) from a click, a named place or premises."""
    st.subheader("Where")
    where = st.radio(
        "How to give the place",
        list(PLACE_SOURCES),
        format_func=PLACE_SOURCES.get,
        horizontal=True,
        key=_k("where"),
        on_change=_on_where_change,
    )
    register = state.premises_register()
    register = register.assign(lon=register.geometry.x, lat=register.geometry.y)
    lon = lat = premises_ref = None
    place = ""
    if where == "place":
        gazetteer = state.gazetteer()
        name = st.selectbox(
            "Named place",
            list(gazetteer["name"]),
            index=None,
            placeholder="Choose a place",
            key=_k("place"),
        )
        if name:
            (lon, lat), place = place_point(gazetteer, name), name
    elif where == "premises":
        labels = {
            row.premises_ref: f"{row.name} ({_label(row.category)}, {row.premises_ref})"
            for row in register.itertuples()
        }
        premises_ref = st.selectbox(
            "Premises",
            list(labels),
            index=None,
            format_func=labels.get,
            placeholder="Choose premises from the register",
            key=_k("premises"),
        )
        slots["premises"] = st.container()
        if premises_ref:
            row = register.loc[register["premises_ref"] == premises_ref].iloc[0]
            lon, lat, place = float(row["lon"]), float(row["lat"]), str(row["name"])
    else:
        lat, lon = st.session_state.get(_k("lat")), st.session_state.get(_k("lon"))
    chosen = (lat, lon) if lat is not None and lon is not None else None
    st_folium(
        pick_map(state.gazetteer(), register, tile_url=state.settings().tile_url or None),
        key=_k("map"),
        height=380,
        use_container_width=True,
        returned_objects=["last_clicked"],
        feature_group_to_add=chosen_point_layer(chosen),
        on_change=_on_map_click,
    )
    if where == "map":
        st.caption("Click the map where it was seen, or type the point.")
        left, right = st.columns(2)
        lat = left.number_input("Latitude", value=None, format="%.5f", step=0.0001, key=_k("lat"))
        lon = right.number_input("Longitude", value=None, format="%.5f", step=0.0001, key=_k("lon"))
    elif chosen is not None:
        st.caption(f"{esc_markdown(place)}: {lat:.5f}, {lon:.5f} (latitude, longitude)")
    slots["where"] = st.container()
    st.selectbox(
        "Precision (how well the place is known)",
        list(PRECISIONS),
        format_func=PRECISION_LABELS.get,
        key=_k("precision"),
    )
    slots["precision"] = st.container()
    return lon, lat, premises_ref, place


def _what(slots: dict) -> None:
    st.subheader("What was seen")
    st.multiselect("Indicators", list(INDICATORS), format_func=INDICATORS.get, key=_k("indicators"))
    slots["indicators"] = st.container()
    st.multiselect(
        "Grooming models", list(GROOMING_MODELS), format_func=GROOMING_MODELS.get,
        key=_k("models"),
    )  # fmt: skip
    slots["grooming_models"] = st.container()
    st.text_input(
        "Vehicle registration (turned into a token at once; the plate is never kept)",
        key=_k("plate"),
        on_change=_tokenise,
        placeholder="AB12 CDE",
    )
    if token := st.session_state.get(_k("token")):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(f"Vehicle token: {token}")
        right.button("Remove the vehicle", on_click=_remove_vehicle, key=_k("no_vehicle"))
    slots["vehicle"] = st.container()
    known = state.known_pseudonyms()
    new_people = st.session_state.get(_k("new_people"), [])
    st.multiselect(
        "Young people seen (pseudonyms)",
        sorted(set(known) | set(new_people)),
        key=_k("people"),
        placeholder="Choose pseudonyms on record",
    )
    slots["people"] = st.container()
    with st.expander("Add a young person from the agency's case reference"):
        left, right = st.columns(2)
        left.selectbox("Agency of the case reference", AGENCIES, format_func=_label,
                       key=_k("ref_agency"))  # fmt: skip
        right.text_input(
            "Case reference (used once to make the pseudonym; never stored)",
            type="password",
            key=_k("reference"),
        )
        st.button("Add the young person", on_click=_add_person, key=_k("add_person"))
        if problem := st.session_state.get(_k("person_problem")):
            st.error(problem, icon="⚠️")


def _source(slots: dict) -> None:
    st.subheader("Source and grading")
    columns = st.columns(4)
    columns[0].selectbox(
        "Source agency", AGENCIES, index=None, format_func=_label,
        placeholder="Choose the agency", key=_k("agency"),
    )  # fmt: skip
    slots["agency"] = columns[0].container()
    for column, label, codes, names, key in (
        (columns[1], "Source evaluation", SOURCE_EVALUATIONS, SOURCE_EVALUATION_LABELS,
         _k("source_evaluation")),
        (columns[2], "Intelligence assessment", INTELLIGENCE_ASSESSMENTS,
         INTELLIGENCE_ASSESSMENT_LABELS, _k("assessment")),
        (columns[3], "Handling code", HANDLING_CODES, HANDLING_CODE_LABELS, _k("handling")),
    ):  # fmt: skip
        column.selectbox(
            label, codes, index=None, format_func=lambda c, n=names: f"{c} – {n[c]}",
            placeholder="Choose", key=key,
        )  # fmt: skip
    box = st.container(border=True)
    box.markdown(
        "**Grading:** "
        + esc_markdown(
            grading_text(
                st.session_state.get(_k("source_evaluation")),
                st.session_state.get(_k("assessment")),
                st.session_state.get(_k("handling")),
            )
        )
    )
    slots["grading"] = st.container()


def _note(slots: dict) -> bool:
    st.subheader("Note")
    st.text_area(NOTE_LABEL, max_chars=MAX_NOTE, key=_k("note"))
    redact = st.checkbox(REDACT_LABEL, key=_k("redact"))
    slots["note"] = st.container()
    return redact


def _show_problems(slots: dict, problems: dict[str, list[str]]) -> None:
    for box, messages in problems.items():
        target = slots.get(box) or slots["other"]
        for message in messages:
            target.error(message, icon="⚠️")
    if "note" in problems:
        slots["note"].caption(
            f"Rewrite the note without them, or tick '{REDACT_LABEL}' to keep it with them"
            " removed, as shown."
        )


def _saved() -> None:
    saved = st.session_state.get("intel_saved")
    if saved is None:
        return
    st.success(
        f"Submitted as {saved.source_ref}: {when_text(saved.values)}. It is on the hotspot map now."
    )
    st.download_button(
        "Download this record (HTML)",
        intelligence_html(
            saved.values,
            place=st.session_state.get("intel_saved_place", ""),
            submitted_by=saved.submitted_by,
            submitted_at=saved.submitted_at,
        ),
        file_name=f"intelligence-{saved.source_ref}-OFFICIAL-SENSITIVE.html",
        mime="text/html",
        on_click=record_download,
        args=(state.engine(), state.current_user(), saved.sighting_id, "html"),
        key="intel_download",
    )


# ---------------------------------------------------------------- the page

state.guard_page("intelligence_form")
if st.session_state.pop("intel_reset", False):
    old = _k("")
    for key in [k for k in st.session_state if str(k).startswith(old)]:
        del st.session_state[key]
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
for box in MODAL_BOXES:  # keep what was typed in boxes of a mode not shown on this run
    if _k(box) in st.session_state:
        st.session_state[_k(box)] = st.session_state[_k(box)]

st.title("Submit intelligence")
state.synthetic_banner()
st.caption(
    "Tell the CSE team what you saw: when, where, the warning signs and who was there. It "
    "arrives graded and pseudonymised: no names, only pseudonyms; plates become tokens. "
    "**If a child is in immediate danger, call 999.**"
)
slots: dict = {}
seen_at, seen_until, ranged = _when(slots)
lon, lat, premises_ref, place = _where(slots)
_what(slots)
_source(slots)
redact = _note(slots)
slots["other"] = st.container()

context = form_context(_rule_context(), redact_note=redact)
submission = Submission(
    seen_at=seen_at,
    seen_until=seen_until,
    lon=lon,
    lat=lat,
    precision=st.session_state.get(_k("precision")) or "exact",
    premises_ref=premises_ref,
    grooming_models=tuple(st.session_state.get(_k("models")) or ()),
    indicators=tuple(st.session_state.get(_k("indicators")) or ()),
    people=tuple(st.session_state.get(_k("people")) or ()),
    vehicle_token=st.session_state.get(_k("token")),
    vehicle_registration=(st.session_state.get(_k("plate")) or "").strip() or None,
    source_agency=st.session_state.get(_k("agency")),
    source_evaluation=st.session_state.get(_k("source_evaluation")),
    intelligence_assessment=st.session_state.get(_k("assessment")),
    handling_code=st.session_state.get(_k("handling")),
    note=st.session_state.get(_k("note")) or "",
)

submitted = st.button("Submit intelligence", type="primary", key="intel_submit")
if submitted:
    st.session_state[_k("tried")] = True
    st.session_state.pop(_k("db_problems"), None)
    st.session_state.pop("intel_saved", None)
problems: dict[str, list[str]] = {}
if st.session_state.get(_k("tried")):
    # once a submission was tried, every rerun checks again, so a corrected box clears
    try:
        problems = problems_by_box(check_submission(submission, context).problems)
    except VehicleKeyMissing as missing:
        problems = {"vehicle": [str(missing)]}
    for box, messages in st.session_state.get(_k("db_problems"), {}).items():
        problems.setdefault(box, []).extend(messages)
    if ranged and seen_until is None:
        problems.setdefault("until", []).append(
            "Give the end of the range, or choose 'A moment' above."
        )
plate_problem = st.session_state.get(_k("plate_problem"))
if plate_problem and plate_problem not in problems.get("vehicle", []):
    problems.setdefault("vehicle", []).append(plate_problem)
if submitted and not problems:
    try:
        saved = submit_sighting(
            state.engine(),
            state.current_user(),
            submission,
            context,
            new_people=st.session_state.get(_k("new_people"), []),
        )
    except SubmissionRejected as rejected:
        st.session_state[_k("db_problems")] = problems_by_box(rejected.problems)
        st.rerun()
    st.session_state["intel_saved"] = saved
    st.session_state["intel_saved_place"] = place
    st.session_state["intel_reset"] = True
    st.rerun()
_show_problems(slots, problems)
if problems and st.session_state.get(_k("tried")):
    st.error("Not submitted: correct the boxes marked above. Nothing typed has been lost.")
_saved()
st.download_button(
    "Download a blank form (HTML)",
    intelligence_html(),
    file_name="intelligence-blank-OFFICIAL-SENSITIVE.html",
    mime="text/html",
    key="intel_blank",
)
