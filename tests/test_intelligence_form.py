"""The partner intelligence form: the importer's own rules, tokens at once, the note scan, the
time range, and submissions saved as sightings with their audit entry, on both backends."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, inspect, text

import hotspots.intelligence as intelligence
from hotspots.config import Settings
from hotspots.db.access import User, data_version, sightings
from hotspots.db.demo import load_synthetic
from hotspots.db.intelligence import record_download, submit_sighting
from hotspots.db.mapdata import MapFilters, hotspot_map_data
from hotspots.gazetteer import load_gazetteer
from hotspots.ingest import rules
from hotspots.ingest.rules import FIELDS, SIGHTINGS, RuleContext, check_frame, field_names
from hotspots.ingest.tokens import VehicleKeyMissing, vehicle_token
from hotspots.intelligence import (
    FORM_FIELDS,
    Submission,
    SubmissionRejected,
    check_submission,
    default_seen_at,
    form_context,
    new_source_ref,
    place_point,
    problems_by_box,
    token_for_plate,
    when_text,
)
from hotspots.intelligence_print import intelligence_html
from hotspots.screening_print import MARKING
from hotspots.security.roles import AccessDenied
from hotspots.synth import generate

NOW = datetime(2026, 11, 20, 12, 0)
KEY = b"test-vehicle-key"
CONTEXT = form_context(RuleContext(now=NOW, vehicle_key=KEY))
ANALYST = User("ana", "analyst", "partner intelligence")
PLATE = "AB12 CDE"
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def _good(**changes) -> Submission:
    values = {
        "seen_at": datetime(2026, 10, 15, 21, 0),
        "lon": -2.4436,
        "lat": 53.5772,
        "source_agency": "youth_service",
        "precision": "street",
        "grooming_models": ("on_street",),
        "indicators": ("risky_area", "adults_loitering"),
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "P",
        "note": "Older males offering lifts outside the takeaway.",
    }
    return Submission(**(values | changes))


# ---------------------------------------------------------------- one implementation


def test_the_form_calls_the_importers_own_function(monkeypatch) -> None:
    assert intelligence.check_sighting is rules.check_sighting
    calls = []

    def spy(record, context=None):
        calls.append(record)
        return rules.check_sighting(record, context)

    monkeypatch.setattr(intelligence, "check_sighting", spy)
    assert check_submission(_good(), CONTEXT).ok
    token_for_plate(PLATE, CONTEXT)
    assert [sorted(record) for record in calls] == [
        sorted(_good().record("X")), ["vehicle_registration"]
    ]  # fmt: skip


def test_every_form_box_answers_for_real_rule_fields() -> None:
    named = {name for names in FORM_FIELDS.values() for name in names}
    assert named <= set(field_names(SIGHTINGS))
    assert set(_good().record("X")) <= set(field_names(SIGHTINGS))


def _file_text(value: object) -> str:
    """A value as a partner's spreadsheet would hold it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, list | tuple):
        return "|".join(value)
    return str(value)


def _importer_report(submission: Submission) -> pd.DataFrame:
    """The importer's problem report for the same record, read from a CSV file."""
    record = submission.record("FORM-CHECK")
    buffer = io.StringIO()
    pd.DataFrame([{k: _file_text(v) for k, v in record.items()}]).to_csv(buffer, index=False)
    buffer.seek(0)
    frame = pd.read_csv(buffer, dtype=str, keep_default_na=False)
    return check_frame(SIGHTINGS, frame, CONTEXT).problems


LONG_NOTE = "Seen near the park. " * 101
#: (case, changes to a good submission, the field refused, words of the reason)
BAD_VALUES = [
    ("future", {"seen_at": NOW + timedelta(days=1)}, "seen_at", "is in the future"),
    ("before 2000", {"seen_at": datetime(1999, 5, 1, 10)}, "seen_at", "is before 2000"),
    ("no date", {"seen_at": None}, "seen_at", "is empty; a date is required"),
    ("end before start", {"seen_until": datetime(2026, 10, 15, 20)}, "seen_until",
     "is before the start of the range"),
    ("range too long", {"seen_until": datetime(2026, 10, 25, 21)}, "seen_until",
     "is more than 7 days after the start"),
    ("no place", {"lon": None, "lat": None}, "latitude", "a location is required"),
    ("outside the area", {"lon": -1.0, "lat": 52.0}, "latitude",
     "is outside the configured area"),
    ("swapped", {"lon": 53.5772, "lat": -2.4436}, "latitude", "is outside the configured area"),
    ("precision", {"precision": "precise"}, "precision", "is not a known precision"),
    ("grooming model", {"grooming_models": ("street",)}, "grooming_models",
     "is not a known grooming model"),
    ("indicator", {"indicators": ("loitering",)}, "indicators", "is not a known indicator"),
    ("a name for a pseudonym", {"people": ("Jane Smith",)}, "people", "looks like a name"),
    ("not a pseudonym", {"people": ("YP-1",)}, "people", "is not a pseudonym"),
    ("premises reference", {"premises_ref": "P" * 65}, "premises_ref",
     "is longer than 64 characters"),
    ("plate", {"vehicle_registration": "not a plate!"}, "vehicle_registration",
     "is not a vehicle registration"),
    ("token", {"vehicle_token": "xyz"}, "vehicle_token", "is not a vehicle token"),
    ("no agency", {"source_agency": None}, "source_agency", "is empty; an agency is required"),
    ("agency", {"source_agency": "the police"}, "source_agency", "is not a known agency"),
    ("no grading", {"source_evaluation": None}, "source_evaluation",
     "is empty; a source evaluation is required"),
    ("source evaluation", {"source_evaluation": "4"}, "source_evaluation",
     "is not a known source evaluation"),
    ("assessment", {"intelligence_assessment": "F"}, "intelligence_assessment",
     "is not a known intelligence assessment"),
    ("handling code", {"handling_code": "X"}, "handling_code", "is not a known handling code"),
    ("note with a phone number", {"note": "Ring 07700 900123 after school"}, "note",
     "holds what looks like a phone number"),
    ("note with a name", {"note": "Seen with Jordan Smith at the park"}, "note",
     "holds what looks like a person's name"),
    ("note with a plate", {"note": "Got into AB12 CDE"}, "note",
     "holds what looks like a vehicle registration"),
    ("note with a control character", {"note": "Seen\x07 at night"}, "note",
     "holds a control or text-direction character"),
    ("note too long", {"note": LONG_NOTE}, "note", "is longer than 2000 characters"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "words"), [case[1:] for case in BAD_VALUES],
    ids=[case[0] for case in BAD_VALUES],
)  # fmt: skip
def test_each_rule_refuses_a_bad_value_in_the_importers_words(changes, field, words) -> None:
    submission = _good(**changes)
    form = [p for p in check_submission(submission, CONTEXT).problems if p.field == field]
    assert form, f"the form did not refuse {field}"
    assert words in form[0].reason
    report = _importer_report(submission)
    line = report[report["field"] == field].iloc[0]
    assert (form[0].reason, form[0].suggestion) == (line["reason"], line["suggestion"])
    if not isinstance(changes.get(field), datetime):
        assert form[0].value == line["value"]


def test_swapped_coordinates_are_suggested_as_such() -> None:
    problem = check_submission(_good(lon=53.5772, lat=-2.4436), CONTEXT).problems[0]
    assert problem.suggestion == "latitude and longitude look swapped"


def test_problems_are_shown_beside_their_box_with_the_rules_label() -> None:
    problems = check_submission(
        _good(seen_at=None, source_agency=None, note="Call 07700 900123"), CONTEXT
    ).problems
    boxes = problems_by_box(problems)
    assert set(boxes) == {"when", "agency", "note"}
    labels = {f.name: f.label for f in FIELDS[SIGHTINGS]}
    assert boxes["when"] == [f"'{labels['seen_at']}' is empty; a date is required"]
    assert "07700" not in boxes["note"][0], "the identifier is masked in the message"


def test_a_good_submission_has_no_problem_and_clean_values() -> None:
    checked = check_submission(_good(people=("yp-1a2b3c",)), CONTEXT)
    assert checked.ok, checked.problems
    values = checked.values
    assert values["people"] == "YP-1A2B3C"
    assert values["indicators"] == "adults_loitering|risky_area"
    assert (values["seen_from"], values["seen_until"]) == (None, None)


def test_a_time_range_is_placed_at_its_middle_and_both_ends_kept() -> None:
    checked = check_submission(_good(seen_until=datetime(2026, 10, 15, 23, 15)), CONTEXT)
    assert checked.ok
    assert checked.values["seen_at"] == datetime(2026, 10, 15, 22, 7, 30)
    assert checked.values["seen_from"] == datetime(2026, 10, 15, 21, 0)
    assert checked.values["seen_until"] == datetime(2026, 10, 15, 23, 15)


def test_grading_is_required_on_the_form_but_optional_on_import() -> None:
    ungraded = _good(source_evaluation=None, intelligence_assessment=None, handling_code=None)
    assert {p.field for p in check_submission(ungraded, CONTEXT).problems} == {
        "source_evaluation", "intelligence_assessment", "handling_code",
    }  # fmt: skip
    importer = RuleContext(now=NOW, vehicle_key=KEY)
    assert check_submission(ungraded, importer).ok


def test_keyed_hex_pseudonyms_without_a_digit_are_pseudonyms() -> None:
    assert check_submission(_good(people=("YP-FACADE", "YP-ABCDEFAB")), CONTEXT).ok


# ---------------------------------------------------------------- vehicle tokens, notes


def test_a_plate_becomes_a_token_at_once() -> None:
    token, problem = token_for_plate(" ab12-cde ", CONTEXT)
    assert problem is None
    assert token == vehicle_token(PLATE, KEY) and re.fullmatch(r"[0-9a-f]{16}", token)
    other, _ = token_for_plate(PLATE, form_context(RuleContext(now=NOW, vehicle_key=b"other")))
    assert other != token
    none, problem = token_for_plate("not a plate!", CONTEXT)
    assert none is None and problem.field == "vehicle_registration"
    assert "not a plate" not in problem.message(), "the text typed is not repeated"


def test_a_plate_without_a_key_is_refused_with_what_to_do() -> None:
    with pytest.raises(VehicleKeyMissing, match="HOTSPOTS_VEHICLE_KEY"):
        token_for_plate(PLATE, form_context(RuleContext.from_settings(Settings(demo_mode=False))))


def test_the_note_is_refused_or_redacted_as_asked() -> None:
    note = "Mr Smith was there; ring 07700 900123"
    refused = check_submission(_good(note=note), CONTEXT)
    assert [p.field for p in refused.problems] == ["note"]
    redacting = form_context(RuleContext(now=NOW, vehicle_key=KEY), redact_note=True)
    redacted = check_submission(_good(note=note), redacting)
    assert redacted.ok
    assert redacted.values["note"] == (
        "[person's name removed] was there; ring [phone number removed]"
    )


def test_a_named_place_gives_its_point_and_the_form_helpers_read_well() -> None:
    gazetteer = load_gazetteer()
    deane = gazetteer.loc[gazetteer["name"] == "Deane"].iloc[0]
    assert place_point(gazetteer, "Deane") == (deane["lon"], deane["lat"])
    with pytest.raises(KeyError, match="not a place in the gazetteer"):
        place_point(gazetteer, "Atlantis")
    assert check_submission(
        _good(lon=float(deane["lon"]), lat=float(deane["lat"]), precision="area"), CONTEXT
    ).ok
    assert default_seen_at(datetime(2026, 11, 20, 21, 37, 12)) == datetime(2026, 11, 20, 21, 35)
    ranged = check_submission(_good(seen_until=datetime(2026, 10, 16, 1, 0)), CONTEXT).values
    assert when_text(ranged) == "15/10/2026 21:00 to 16/10/2026 01:00 (placed at 15/10/2026 23:00)"
    assert when_text(check_submission(_good(), CONTEXT).values) == "15/10/2026 21:00"
    assert problems_by_box([rules.Problem("area_code", "x", "is odd")]) == {
        "other": ["'Area code': 'x' is odd"]
    }


def test_source_references_are_random_and_dated() -> None:
    first, second = new_source_ref(NOW), new_source_ref(NOW)
    assert re.fullmatch(r"FORM-20261120-[0-9A-F]{8}", first)
    assert first != second


def test_the_printable_record_is_marked_escaped_and_shows_no_plate() -> None:
    blank = intelligence_html()
    assert blank.count(MARKING) >= 3 and "(blank form)" in blank and "[X]" not in blank
    values = check_submission(
        _good(vehicle_registration=PLATE, note="<script>alert(1)</script> seen"), CONTEXT
    ).values
    page = intelligence_html(values, place="Deane", submitted_by="ana", submitted_at=NOW)
    assert page.count(MARKING) >= 3
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert vehicle_token(PLATE, KEY) in page and "AB12" not in page
    assert "2B P: untested source" in page and page.count("[X]") == 3


# ---------------------------------------------------------------- saving, on both backends


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load_synthetic(engine, generate(sightings=1000, seed=3, gazetteer=load_gazetteer()))
    return engine


def _scalar(engine: Engine, sql: str, **params) -> object:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def _audit(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(text("SELECT * FROM audit_log ORDER BY id"), connection)


def _register(engine: Engine) -> tuple[str, int]:
    with engine.connect() as connection:
        row = connection.execute(text("SELECT premises_ref, id FROM premises ORDER BY id")).first()
    return row[0], int(row[1])


def _a_pseudonym(engine: Engine) -> str:
    return str(_scalar(engine, "SELECT min(pseudonym) FROM young_person"))


def test_a_submission_is_saved_as_a_sighting_on_the_map_at_once(loaded: Engine) -> None:
    engine = loaded
    premises_ref, premises_id = _register(engine)
    known = _a_pseudonym(engine)
    filters = MapFilters(start=datetime(2025, 11, 1).date(), end=datetime(2026, 11, 1).date())
    before = hotspot_map_data(engine, ANALYST, filters).sightings
    version = data_version(engine)
    audit_before = len(_audit(engine))

    saved = submit_sighting(
        engine, ANALYST,
        _good(seen_until=datetime(2026, 10, 15, 23, 0), premises_ref=premises_ref,
              people=(known, "YP-00C0FFEE"), vehicle_registration=PLATE),
        CONTEXT, new_people=["YP-00C0FFEE"], now=NOW,
    )  # fmt: skip

    assert re.fullmatch(r"FORM-20261120-[0-9A-F]{8}", saved.source_ref)
    assert saved.new_people == ("YP-00C0FFEE",)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT *, ST_X(geom) AS x, ST_Y(geom) AS y FROM sighting WHERE id = :i"),
            {"i": saved.sighting_id},
        ).mappings().one()  # fmt: skip
        linked = connection.execute(
            text(
                "SELECT yp.pseudonym FROM sighting_person sp JOIN young_person yp"
                " ON yp.id = sp.person_id WHERE sp.sighting_id = :i ORDER BY yp.pseudonym"
            ),
            {"i": saved.sighting_id},
        ).scalars().all()  # fmt: skip
    assert row["source_ref"] == saved.source_ref and row["batch_id"] is None
    assert pd.Timestamp(row["seen_at"]) == pd.Timestamp("2026-10-15 22:00")
    assert pd.Timestamp(row["seen_from"]) == pd.Timestamp("2026-10-15 21:00")
    assert pd.Timestamp(row["seen_until"]) == pd.Timestamp("2026-10-15 23:00")
    assert (row["x"], row["y"]) == pytest.approx((-2.4436, 53.5772))
    assert row["precision"] == "street" and row["premises_id"] == premises_id
    assert row["vehicle_token"] == vehicle_token(PLATE, KEY)
    assert (row["source_agency"], row["source_evaluation"], row["intelligence_assessment"],
            row["handling_code"]) == ("youth_service", "2", "B", "P")  # fmt: skip
    assert sorted(linked) == sorted([known, "YP-00C0FFEE"])

    # one collection entry, naming the sighting, with the purpose; the version moved on
    audit = _audit(engine).iloc[audit_before:]
    assert len(audit) == 1
    entry = audit.iloc[0]
    assert (entry["action"], entry["target"], entry["username"], entry["purpose"]) == (
        "collection", f"sighting:{saved.sighting_id}", "ana", "partner intelligence",
    )  # fmt: skip
    detail = json.loads(entry["detail"])
    assert detail["new_young_people"] == ["YP-00C0FFEE"] and detail["grading"] == "2B P"
    assert data_version(engine) == version + 1

    # on the map's data at once
    assert hotspot_map_data(engine, ANALYST, filters).sightings == before + 1
    frame = sightings(engine, ANALYST)
    mine = frame[frame["sighting_id"] == saved.sighting_id].iloc[0]
    assert set(mine["people"].split("|")) == {known, "YP-00C0FFEE"}


def _our_tables() -> list[str]:
    found = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        found += re.findall(r"CREATE TABLE (\w+)", path.read_text())
    return [*found, "schema_migration"]


def test_the_plate_and_a_redacted_identifier_never_reach_the_database(engine: Engine) -> None:
    redacting = form_context(RuleContext(now=NOW, vehicle_key=KEY), redact_note=True)
    saved = submit_sighting(
        engine, ANALYST,
        _good(vehicle_registration=PLATE, note="Lift from AB12CDE, ring 07700 900123"),
        redacting, now=NOW,
    )  # fmt: skip
    assert saved.values["vehicle_token"] == vehicle_token(PLATE, KEY)
    tables = set(inspect(engine).get_table_names())
    searched = 0
    with engine.connect() as connection:
        for table in _our_tables():
            assert table in tables
            rows = pd.read_sql(text(f"SELECT * FROM {table}"), connection)
            for column in rows.columns:
                cells = rows[column].map(lambda v: str(v).upper().replace(" ", ""))
                for secret in ("AB12CDE", "07700900123"):
                    assert not cells.str.contains(secret).any(), f"{secret} in {table}.{column}"
                searched += 1
    assert searched > 50
    assert "[vehicle registration removed]" in str(
        _scalar(engine, "SELECT note FROM sighting WHERE id = :i", i=saved.sighting_id)
    )


def _nothing_written(engine: Engine, version: int) -> None:
    assert _scalar(engine, "SELECT count(*) FROM sighting") == 0
    assert _scalar(engine, "SELECT count(*) FROM young_person") == 0
    assert _scalar(engine, "SELECT count(*) FROM audit_log") == 0
    assert data_version(engine) == version


def test_a_refused_submission_writes_nothing(engine: Engine) -> None:
    version = data_version(engine)
    with pytest.raises(SubmissionRejected) as refused:
        submit_sighting(engine, ANALYST, _good(note="Ring 07700 900123"), CONTEXT)
    assert [p.field for p in refused.value.problems] == ["note"]
    with pytest.raises(SubmissionRejected, match="not on the premises register"):
        submit_sighting(engine, ANALYST, _good(premises_ref="NO-SUCH-PLACE"), CONTEXT)
    with pytest.raises(SubmissionRejected, match="not a young person on record") as unknown:
        submit_sighting(
            engine, ANALYST, _good(people=("YP-00C0FFEE", "YP-0BADF00D")), CONTEXT,
            new_people=["YP-00C0FFEE"],
        )  # fmt: skip
    assert [p.value for p in unknown.value.problems] == ["YP-0BADF00D"]
    _nothing_written(engine, version)


@pytest.mark.parametrize("role", ["licensing", "lscb", "admin", "intruder"])
def test_roles_that_may_not_submit_are_refused(engine: Engine, role: str) -> None:
    version = data_version(engine)
    user = User("someone", role, "curiosity")
    with pytest.raises(AccessDenied):
        submit_sighting(engine, user, _good(), CONTEXT)
    with pytest.raises(AccessDenied):
        record_download(engine, user, 1, "html")
    _nothing_written(engine, version)


def test_downloading_the_printable_record_is_a_disclosure(engine: Engine) -> None:
    saved = submit_sighting(engine, ANALYST, _good(), CONTEXT, now=NOW)
    record_download(engine, ANALYST, saved.sighting_id, "html")
    last = _audit(engine).iloc[-1]
    assert (last["action"], last["target"]) == ("disclosure", f"sighting:{saved.sighting_id}")
    assert json.loads(last["detail"]) == {"format": "html", "use": "printable intelligence record"}
