"""Helpers for page tests run headless with Streamlit's AppTest.

`pages_on_database` points the pages at a database through the settings they read, with
Streamlit's caches cleared on the way in and out, so no cached engine or frame of another
test's database is seen. `run_page` runs one page script as a given user.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from hotspots.db.access import User

PAGES = Path(__file__).resolve().parent.parent / "pages"


@contextmanager
def pages_on_database(
    patch: pytest.MonkeyPatch, url: str, *, demo: bool, demo_sightings: int | None = None
) -> Iterator[None]:
    patch.setenv("HOTSPOTS_DATABASE_URL", url)
    patch.setenv("HOTSPOTS_DEMO_MODE", "1" if demo else "0")
    if demo_sightings is not None:
        patch.setenv("HOTSPOTS_DEMO_SIGHTINGS", str(demo_sightings))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def run_page(page: str, user: User, timeout: float = 60) -> AppTest:
    """The page script `pages/<page>.py` on its own, as `user`."""
    app = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=timeout)
    app.session_state["user"] = user
    return app.run()


def shown(element: object) -> str:
    """The text as the reader sees it (Markdown escapes removed)."""
    return element.value.replace("\\", "")
