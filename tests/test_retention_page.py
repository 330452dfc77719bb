"""The Retention review page run headless (Streamlit's AppTest): after a record is kept or
erased the form starts empty, so the reason given for one record is never applied to the
next by a second click; a refused erasure keeps what was typed.

The browser test (tests/browser/test_admin_pages.py) walks the same page in Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from hotspots.db import make_engine, migrate
from hotspots.db.access import User
from hotspots.db.audit import read_audit
from tests.apptest import pages_on_database, run_page, shown

ADMIN = User("ada", "admin", "")
#: Three sightings linked to nobody, seen in 2018: due for review since 2024.
SIGHTINGS = {"S-1": "2018-01-01", "S-2": "2018-02-01", "S-3": "2018-03-01"}


@pytest.fixture
def retention_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Demo mode off, a database with three sightings due for review; caches cleared."""
    url = f"sqlite:///{tmp_path / 'retention.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        for ref, seen in SIGHTINGS.items():
            connection.execute(
                text(
                    "INSERT INTO sighting (source_ref, seen_at, lon, lat, precision,"
                    " source_agency, note) VALUES (:ref, :seen, -2.43, 53.58, 'street',"
                    " 'police', 'a note')"
                ),
                {"ref": ref, "seen": seen + " 21:00:00"},
            )
    with pages_on_database(monkeypatch, url, demo=False):
        yield engine
    engine.dispose()


def _page() -> AppTest:
    return run_page("retention", ADMIN)


def _due(app: AppTest) -> int:
    return int(next(m.value for m in app.metric if m.label == "Due for review"))


def _apply(app: AppTest) -> AppTest:
    return next(b for b in app.button if b.label == "Apply").click().run()


def test_after_keeping_a_record_the_next_starts_with_an_empty_form(retention_env) -> None:
    app = _page()
    assert not app.exception
    assert _due(app) == 3
    app.text_input(key="review_reason").input("linked to open investigation OP-1234")
    app = _apply(app)
    assert not app.exception and not app.error
    assert shown(app.success[0]).startswith("S-1 kept; next review ")
    assert _due(app) == 2
    assert app.text_input(key="review_reason").value == ""
    # a second click with nothing typed is refused: the reason was for S-1 only
    app = _apply(app)
    assert "too short" in shown(app.error[0])
    assert _due(app) == 2
    kept = read_audit(retention_env)
    assert kept.loc[kept["action"] == "alteration", "target"].tolist() == [
        f"sighting:{_id(retention_env, 'S-1')}"
    ]


def test_a_refused_erasure_keeps_what_was_typed_and_an_erasure_empties_it(
    retention_env,
) -> None:
    app = _page()
    app.radio(key="review_decision").set_value("Erase")
    app.text_input(key="review_reason").input("no longer needed for policing")
    app.text_input(key="review_confirm").input("S-2")
    app = _apply(app)
    assert shown(app.error[0]) == "type S-1 to confirm the erasure"
    assert _due(app) == 3
    assert app.radio(key="review_decision").value == "Erase"
    assert app.text_input(key="review_reason").value == "no longer needed for policing"
    app.text_input(key="review_confirm").input("S-1")
    app = _apply(app)
    assert not app.error
    assert shown(app.success[0]) == (
        "S-1 erased: 0 profile(s), 1 sighting(s), 0 link(s), 0 screening(s)."
    )
    assert _due(app) == 2
    assert app.radio(key="review_decision").value == "Keep until a new review date"
    assert app.text_input(key="review_reason").value == ""
    assert app.text_input(key="review_confirm").value == ""


def _id(engine, ref: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM sighting WHERE source_ref = :r"), {"r": ref}
            ).scalar_one()
        )
