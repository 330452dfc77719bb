"""Each kind of operation writes its audit entry (DPA 2018 s.62), on both backends; the log
is append-only in the database; entries that break the rules are refused, and then no data
leaves."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from hotspots.analysis import find_clusters
from hotspots.db import make_engine, migrate
from hotspots.db.access import (
    User,
    read_sightings_unchecked,
    record_refusal,
    search_sightings,
    sightings,
)
from hotspots.db.audit import AuditFilter, audit_entries, export_audit, read_audit, write_audit
from hotspots.db.demo import load_synthetic
from hotspots.db.disruptions import new_action, record_export, update_action
from hotspots.db.retention import erase_young_person
from hotspots.db.runs import save_run
from hotspots.db.screenings import save_screening
from hotspots.disruption.actions import circle_area
from hotspots.gazetteer import load_gazetteer
from hotspots.screening import Screening, ScreeningConfig
from hotspots.security.audit import InvalidAuditEntry
from hotspots.synth import generate

ANALYST = User("ann", "analyst", "CSE meeting preparation")
ADMIN = User("root", "admin")
GAZETTEER = load_gazetteer()


@pytest.fixture(scope="module")
def synthetic():
    return generate(sightings=1_500, seed=5, gazetteer=GAZETTEER)


@pytest.fixture
def loaded(engine: Engine, synthetic) -> Engine:
    load_synthetic(engine, synthetic, username="loader")
    return engine


def _entries(engine: Engine) -> pd.DataFrame:
    log = read_audit(engine).sort_values("id").astype(object)
    return log.where(log.notna(), None)


def _last(engine: Engine) -> dict:
    return _entries(engine).iloc[-1].to_dict()


def test_collection_by_the_loader_and_a_screening(loaded: Engine) -> None:
    first = _entries(loaded).iloc[0]
    assert (first["username"], first["role"], first["action"]) == (
        "loader",
        "analyst",
        "collection",
    )
    assert first["target"].startswith("import_batch:")
    assert first["purpose"] == "synthetic demonstration data"
    assert json.loads(first["detail"])["sightings"] == 1_500
    screening = Screening("YP-00AA11BB", "police", vulnerabilities=("low_self_esteem",))
    saved = save_screening(loaded, ANALYST, screening, ScreeningConfig())
    log = _entries(loaded).tail(2)
    assert log["action"].tolist() == ["collection", "collection"]
    assert log["target"].tolist() == [
        f"screening:{saved.screening_id}", f"young_person:{saved.person_id}",
    ]  # fmt: skip
    assert set(log["purpose"]) == {ANALYST.purpose}


def test_alteration_when_a_disruption_action_is_edited(loaded: Engine) -> None:
    fields = {
        "action_type": "patrol", "start_date": date(2026, 1, 10), "agency": "police",
        "target_kind": "area", "target_label": "Deane Road",
        "area": circle_area(-2.4585, 53.5745, 300), "notes": "evening patrols",
    }  # fmt: skip
    action_id, _ = new_action(loaded, ANALYST, fields, today=date(2026, 1, 5))
    update_action(loaded, ANALYST, action_id, {"status": "active"}, today=date(2026, 1, 12))
    last = _last(loaded)
    assert (last["username"], last["action"], last["target"]) == (
        "ann", "alteration", f"disruption:{action_id}",
    )  # fmt: skip
    assert json.loads(last["detail"]) == {"change": "edited", "fields": ["status"]}
    assert last["purpose"] == ANALYST.purpose


def test_consultation_for_sighting_points_and_for_a_search(loaded: Engine) -> None:
    frame = sightings(loaded, ANALYST, start=date(2026, 1, 1), end=date(2026, 4, 1))
    last = _last(loaded)
    assert (last["action"], last["target"]) == ("consultation", "sighting")
    assert json.loads(last["detail"]) == {
        "rows": len(frame),
        "start": "2026-01-01",
        "end": "2026-04-01",
    }
    found = search_sightings(loaded, ANALYST, words="nothing matches this", limit=10)
    last = _last(loaded)
    assert found.empty  # a search that finds nothing is logged all the same
    assert (last["action"], last["target"]) == ("consultation", "search:sighting")
    assert json.loads(last["detail"])["words"] == "nothing matches this"
    assert json.loads(last["detail"])["rows"] == 0


def test_a_search_finds_notes_premises_and_pseudonyms(loaded: Engine, synthetic) -> None:
    with loaded.begin() as connection:
        connection.execute(
            text("UPDATE sighting SET note = 'seen with =HYPERLINK(x) 50% off' WHERE id = 7")
        )
    found = search_sightings(loaded, ANALYST, words="50% OFF")
    assert found["sighting_id"].tolist() == [7]
    assert found["note"].iloc[0] == "seen with =HYPERLINK(x) 50% off"
    assert search_sightings(loaded, ANALYST, words="%").empty is False  # % is literal, not "all"
    pseudonym = synthetic.sighting_people["pseudonym"].iloc[0]
    linked = search_sightings(loaded, ANALYST, pseudonym=pseudonym, limit=500)
    assert linked["people"].str.contains(pseudonym, regex=False).all()
    expected = synthetic.sighting_people["pseudonym"].eq(pseudonym).sum()
    assert len(linked) == expected
    with pytest.raises(ValueError, match="type words"):
        search_sightings(loaded, ANALYST)


def test_disclosure_when_something_is_exported(loaded: Engine) -> None:
    record_export(loaded, ANALYST, "export:sightings.csv", {"rows": 12, "format": "csv"})
    last = _last(loaded)
    assert (last["action"], last["target"], last["purpose"]) == (
        "disclosure", "export:sightings.csv", ANALYST.purpose,
    )  # fmt: skip
    body = export_audit(loaded, ADMIN, AuditFilter(actions=("disclosure",))).decode("utf-8-sig")
    assert body.startswith("# OFFICIAL-SENSITIVE")
    assert "export:sightings.csv" in body
    last = _last(loaded)
    assert (last["username"], last["action"], last["target"]) == (
        "root", "disclosure", "export:audit_log.csv",
    )  # fmt: skip


def test_combination_when_a_hotspot_run_is_saved(loaded: Engine) -> None:
    points = read_sightings_unchecked(loaded)
    found = find_clusters(points, GAZETTEER)
    run_id = save_run(loaded, ANALYST, "dbscan", "sightings", {"eps_m": 250}, (None, None),
                      found.hotspots)  # fmt: skip
    last = _last(loaded)
    assert (last["action"], last["target"]) == ("combination", f"hotspot_run:{run_id}")
    assert json.loads(last["detail"])["hotspots"] == len(found.hotspots)


def test_erasure_of_a_young_person_at_review(loaded: Engine, synthetic) -> None:
    pseudonym = synthetic.sighting_people["pseudonym"].iloc[0]
    erased = erase_young_person(loaded, ADMIN, pseudonym, reason="review: no longer needed")
    last = _last(loaded)
    assert (last["username"], last["action"], last["target"]) == (
        "root", "erasure", f"young_person:{pseudonym}",
    )  # fmt: skip
    assert last["purpose"] == "review: no longer needed"
    assert json.loads(last["detail"])["erased"]["links"] == erased.links > 0


def test_refusals_are_logged(loaded: Engine) -> None:
    record_refusal(loaded, User("lic", "licensing"), "page:audit_log", "Access refused")
    record_refusal(loaded, User("eve", "intruder"), "page:overview", "not a known role")
    log = _entries(loaded).tail(2)
    assert log["action"].tolist() == ["access_denied", "access_denied"]
    assert log["role"].tolist() == ["licensing", None]


def test_reviewing_the_log_is_itself_logged_and_filtered(loaded: Engine) -> None:
    sightings(loaded, ANALYST)
    review = audit_entries(loaded, ADMIN, AuditFilter(username="ann"))
    assert review["username"].unique().tolist() == ["ann"]
    assert review["at"].dtype.kind == "M"
    last = _last(loaded)
    assert (last["username"], last["action"], last["target"]) == (
        "root", "consultation", "audit_log",
    )  # fmt: skip
    assert json.loads(last["detail"]) == {"username": "ann", "rows": len(review)}
    everything = audit_entries(loaded, ADMIN, AuditFilter(target_contains="IMPORT_BATCH"))
    assert everything["target"].str.startswith("import_batch:").all() and len(everything) == 1
    with pytest.raises(ValueError, match="unknown actions"):
        AuditFilter(actions=("peeking",))


def test_no_purpose_no_data(loaded: Engine) -> None:
    before = len(_entries(loaded))
    with pytest.raises(InvalidAuditEntry, match="gives a purpose before consulting"):
        sightings(loaded, User("ann", "analyst"))
    with pytest.raises(InvalidAuditEntry, match="gives a purpose"):
        search_sightings(loaded, User("ann", "analyst"), words="x")
    assert len(_entries(loaded)) == before


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("target", "sighting:1\n2026-01-01 root consultation", "line break"),
        ("username", "", "username is empty"),
        ("action", "peeking", "is not one of"),
        ("role", "superuser", "is not one of"),
    ],
)
def test_bad_entries_never_reach_the_table(engine: Engine, field, value, fragment) -> None:
    entry = {"username": "ann", "role": "analyst", "action": "consultation",
             "target": "sighting", "purpose": "testing"} | {field: value}  # fmt: skip
    with pytest.raises(InvalidAuditEntry, match=fragment), engine.begin() as connection:
        write_audit(connection, **entry)
    assert read_audit(engine).empty


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"]
)
def test_the_database_refuses_to_change_the_log(loaded: Engine, statement: str) -> None:
    before = _entries(loaded)
    with pytest.raises(DBAPIError, match="append-only"), loaded.begin() as connection:
        connection.execute(text(statement))
    pd.testing.assert_frame_equal(_entries(loaded), before)


def test_postgis_refuses_truncate_too(postgis_url: str) -> None:
    engine = make_engine(postgis_url)  # SQLite has no TRUNCATE; this runs on PostGIS only
    migrate(engine)
    with engine.begin() as connection:
        write_audit(connection, username="root", role="admin", action="sign_in", target="x")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))
    assert len(_entries(engine)) == 1
    engine.dispose()


def test_times_are_the_database_s_own(loaded: Engine) -> None:
    started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # stored naive UTC
    sightings(loaded, ANALYST)
    at = pd.Timestamp(_last(loaded)["at"]).to_pydatetime()
    assert started <= at.replace(microsecond=0)
