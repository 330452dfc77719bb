"""Cached resources of the running dashboard: settings, the engine, the signed-in user."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hotspots.config import Settings, load_settings
from hotspots.db import make_engine, migrate
from hotspots.db.access import User, data_version, record_refusal, table_counts
from hotspots.db.demo import is_synthetic, load_synthetic, records_not_synthetic
from hotspots.gazetteer import load_gazetteer

#: Session-state key of the signed-in `User` (the demo analyst in demo mode).
USER_KEY = "user"
DEMO_PURPOSE = "demonstration on synthetic data"


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner="Opening the database…")
def engine() -> Engine:
    """One engine per process; on first start of an empty demo database, seed it."""
    current = settings()
    db = make_engine(current.database_url, current.spatialite_library)
    migrate(db)
    if current.demo_mode and table_counts(db)["sighting"] == 0:
        _seed_demo(db, current)
    return db


@st.cache_resource
def records_not_synthetic_at_start() -> dict[str, int]:
    """What `records_not_synthetic` found when this process first opened the database.

    Checked once a process: a file imported during a demo does not lock the running demo
    out, but the next start refuses to open real records without sign-in.
    """
    return records_not_synthetic(engine())


def _seed_demo(db: Engine, current: Settings) -> None:
    from hotspots.synth import generate

    with st.spinner(f"First start: generating {current.demo_sightings:,} synthetic sightings…"):
        data = generate(
            sightings=current.demo_sightings, seed=current.demo_seed, gazetteer=load_gazetteer()
        )
        load_synthetic(db, data, username="demo-seed")


@st.cache_data
def gazetteer():
    return load_gazetteer()


def version() -> int:
    """The data version: part of every cache key, so a write shows at once."""
    return data_version(engine())


def synthetic() -> bool:
    return is_synthetic(engine())


def demo_user(role: str = "analyst") -> User:
    """The user demo mode signs in automatically: `demo-<role>`, with a stated purpose."""
    return User(username=f"demo-{role}", role=role, purpose=DEMO_PURPOSE)


def current_user() -> User | None:
    """The signed-in user (the demo analyst in demo mode); None before anyone signs in.

    `ui.auth.gate` (run by app.py before any page) puts the user here after checking the
    session on every run, so a page that reads it sees a user whose session is live.
    """
    user = st.session_state.get(USER_KEY)
    if user is None and settings().demo_mode:
        user = demo_user()
        st.session_state[USER_KEY] = user
    return user


def synthetic_banner() -> None:
    """Shown on every page while any synthetic demonstration data is loaded."""
    if synthetic():
        st.warning(
            "**Synthetic demonstration data.** Every record shown is generated; none is about "
            "a real child, adult, place or vehicle.",
            icon="⚠️",
        )


def guard_page(key: str) -> None:
    """First line of every page: refuse, with the reason, a role that may not open it.

    A refusal is written to the audit log (`access_denied`): someone trying pages by URL
    shows up there.
    """
    from hotspots.security.roles import AccessDenied, require_page

    user = current_user()
    try:
        require_page(user.role if user else "", key)
    except AccessDenied as refusal:
        if user is not None:
            record_refusal(engine(), user, f"page:{key}", str(refusal))
        st.error(str(refusal))
        st.stop()


@st.cache_data(max_entries=8, show_spinner=False)
def _pseudonyms(version_: int, username: str, role: str) -> list[str]:
    from hotspots.db.screenings import known_pseudonyms

    return known_pseudonyms(engine(), User(username, role))


@st.cache_data(max_entries=8, show_spinner=False)
def _premises_register(version_: int, username: str, role: str):
    from hotspots.db.access import premises

    return premises(engine(), User(username, role))


def known_pseudonyms() -> list[str]:
    """Pseudonyms on record for the forms' choices; read once a data version, not on every
    rerun (a form reruns on each box changed). Cached per data version and role, so the
    role check of the read that filled the cache holds for every use of it."""
    user = current_user()
    return _pseudonyms(version(), user.username, user.role)


def premises_register():
    """The premises register for the forms' choices; read once a data version."""
    user = current_user()
    return _premises_register(version(), user.username, user.role)
