"""Demo mode signs everyone in without a password, so it refuses a database holding records
that are not synthetic (imported from a file or entered on a form): real children's records
must never be one click away from anyone who can reach the port."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from hotspots.db import make_engine, migrate
from hotspots.db.access import User
from hotspots.db.demo import load_synthetic, records_not_synthetic, replace_demo
from hotspots.db.imports import undo_import
from hotspots.gazetteer import load_gazetteer
from hotspots.synth import generate
from tests.import_files import csv_bytes, sighting_row
from tests.test_import_db import run

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _demo(engine: Engine) -> int:
    data = generate(sightings=1_000, seed=3, gazetteer=load_gazetteer())
    return load_synthetic(engine, data, username="demo-seed").batch_id


def test_synthetic_data_alone_is_not_counted(engine: Engine) -> None:
    _demo(engine)
    assert records_not_synthetic(engine) == {"sighting": 0, "young_person": 0}


def test_an_imported_sighting_is_counted_until_its_batch_is_undone(engine: Engine) -> None:
    _demo(engine)
    imported = run(engine, "week.csv", csv_bytes([sighting_row(source_ref="REAL-1")]))
    assert records_not_synthetic(engine) == {"sighting": 1, "young_person": 0}
    undo_import(engine, User("amy", "analyst", "test import"), imported.batch_id)
    assert records_not_synthetic(engine) == {"sighting": 0, "young_person": 0}


def test_demo_data_whose_batch_was_undone_is_not_synthetic_any_more(engine: Engine) -> None:
    """Undo deletes the rows, so nothing of it is left to count either way."""
    _demo(engine)
    replace_demo(engine, username="cli")
    assert records_not_synthetic(engine) == {"sighting": 0, "young_person": 0}


def test_demo_mode_refuses_to_open_a_database_with_real_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    run(engine, "week.csv", csv_bytes([sighting_row(source_ref="REAL-1")]))
    engine.dispose()
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", url)
    monkeypatch.setenv("HOTSPOTS_DEMO_MODE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        app = AppTest.from_file(APP, default_timeout=120).run()
        assert not app.exception
        refusal = " ".join(error.value for error in app.error)
        assert "Refusing to start" in refusal
        assert "1 sightings" in refusal and "HOTSPOTS\\_DEMO\\_MODE\\=0" in refusal
        assert "user" not in app.session_state  # nobody was signed in
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
