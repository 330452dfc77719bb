"""Risk screening: tick what the referrer knows; the score and risk level update as they go."""

from __future__ import annotations

import streamlit as st

from hotspots.db.screenings import risk_history, save_screening
from hotspots.domain import AGENCIES, GROOMING_MODELS
from hotspots.screening import (
    AGE_BAND_CODES,
    DISABILITY_CATEGORIES,
    GENDER_CODES,
    Screening,
    ScreeningError,
    keyed_pseudonym,
    pseudonym_key,
    score,
    screening_config,
    validate,
)
from hotspots.screening_print import screening_html
from hotspots.security.escaping import esc_markdown
from ui import state

NEW = "New young person (from the case reference)"
PROBLEMS = "screening_problems"


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _problem(field: str) -> None:
    """Show the problem with one field, right beside it."""
    message = st.session_state.get(PROBLEMS, {}).get(field)
    if message:
        st.error(message, icon="⚠️")


def _pseudonym(agency: str) -> str:
    existing = state.known_pseudonyms()
    choice = st.selectbox("Young person", [NEW, *existing], key="scr_person")
    if choice != NEW:
        return choice
    reference = st.text_input(
        "Agency case reference (used once to make the pseudonym; never stored)",
        key="scr_reference",
        type="password",
    )
    if not reference.strip():
        return ""
    try:
        made = keyed_pseudonym(agency, reference, pseudonym_key(state.settings()))
    except ScreeningError as problem:
        st.error(str(problem))
        return ""
    st.caption(f"Pseudonym: **{made}**")
    return made


state.guard_page("screening")
st.title("Risk screening")
state.synthetic_banner()
config = screening_config(state.settings())

left, right = st.columns(2)
with left:
    agency = st.selectbox("Referring agency", AGENCIES, format_func=_label, key="scr_agency")
    _problem("agency")
    pseudonym = _pseudonym(agency)
    _problem("pseudonym")
    age_band = st.selectbox(
        "Age band", [None, *AGE_BAND_CODES], format_func=lambda a: a or "—", key="scr_age"
    )
    gender = st.selectbox(
        "Gender", [None, *GENDER_CODES], format_func=lambda g: g or "—", key="scr_gender"
    )
with right:
    interpreter = st.checkbox("Interpreter needed", key="scr_interpreter")
    previous = st.checkbox("Previous CSE concerns", key="scr_previous")
    others = st.multiselect(
        "Other agencies involved", AGENCIES, format_func=_label, key="scr_others"
    )
    disability = (
        st.radio(
            "Disability or special needs", ["No", "Yes"], horizontal=True, key="scr_disability"
        )
        == "Yes"
    )
    category = st.selectbox(
        "Category of disability or need",
        [None, *DISABILITY_CATEGORIES],
        format_func=lambda c: DISABILITY_CATEGORIES.get(c, "—") if c else "—",
        key="scr_category",
        disabled=not disability,
    )
    _problem("disability_category")

st.subheader("Vulnerabilities (1 point each)")
vuln_cols = st.columns(2)
vulnerabilities = tuple(
    code
    for i, (code, text) in enumerate(config.vulnerabilities.items())
    if vuln_cols[i % 2].checkbox(esc_markdown(text), key=f"scr_v_{code}")
)
st.subheader("Warning indicators (1 point each)")
ind_cols = st.columns(2)
indicators = tuple(
    code
    for i, (code, text) in enumerate(config.indicators.items())
    if ind_cols[i % 2].checkbox(text, key=f"scr_i_{code}")
)
models = tuple(
    st.multiselect(
        "Grooming models suspected",
        list(GROOMING_MODELS),
        format_func=GROOMING_MODELS.get,
        key="scr_models",
    )
)
_problem("grooming_models")

result = score(vulnerabilities, indicators, config)
score_box = st.container(border=True)
score_box.metric("Screening score", f"{result.score} of {result.max_score}")
score_box.markdown(f"Risk level: **{result.risk_level.upper()}**")

screening = Screening(
    pseudonym=pseudonym,
    agency=agency,
    age_band=age_band,
    gender=gender,
    interpreter=interpreter,
    previous_concerns=previous,
    other_agencies=tuple(others),
    disability=disability,
    disability_category=category if disability else None,
    vulnerabilities=vulnerabilities,
    indicators=indicators,
    grooming_models=models,
)

buttons = st.columns(3)
if buttons[0].button("Save screening", type="primary"):
    problems = validate(screening, config)
    st.session_state[PROBLEMS] = problems
    if problems:
        st.rerun()
    saved = save_screening(state.engine(), state.current_user(), screening, config)
    st.session_state["scr_saved"] = saved
    st.rerun()
if st.session_state.get(PROBLEMS):
    st.error("The screening was not saved: correct the fields marked above.")
saved = st.session_state.get("scr_saved")
if saved is not None:
    st.success(
        f"Saved screening for {saved.pseudonym}: score {saved.score}, risk level "
        f"{saved.risk_level} ({'new profile' if saved.new_person else 'profile updated'})."
    )
buttons[1].download_button(
    "Download this screening (HTML)",
    screening_html(config, screening, result),
    file_name="screening-OFFICIAL-SENSITIVE.html",
    mime="text/html",
)
buttons[2].download_button(
    "Download a blank form (HTML)",
    screening_html(config),
    file_name="screening-blank-OFFICIAL-SENSITIVE.html",
    mime="text/html",
)

if (
    pseudonym
    and pseudonym in state.known_pseudonyms()
    and st.button(f"Show risk over time for {pseudonym}")
):
    history = risk_history(state.engine(), state.current_user(), pseudonym)
    st.dataframe(
        history[["assessed_at", "agency", "score", "risk_level", "created_by"]], hide_index=True
    )
