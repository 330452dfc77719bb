"""Retention review on both backends: review dates worked out by hand, the due list, keeping a
record until a new date, and erasing a young person's records in one audited transaction."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, text

from hotspots.db.access import User, data_version, table_counts
from hotspots.db.audit import read_audit
from hotspots.db.retention import (
    RecordNotFound,
    due_for_review,
    erase_sighting,
    erase_young_person,
    retain,
)
from hotspots.security.audit import InvalidAuditEntry

ADMIN = User("root", "admin")
TODAY = date(2026, 12, 3)

# Worked by hand with a six-year review period:
#   YP-A  created 2017-01-01, seen 2018-03-01 (S1, alone) and 2019-06-01 (S2, with YP-B)
#         -> last activity 2019-06-01 -> review 2025-06-01: due
#   YP-B  created 2024-01-01, seen on S2 -> review 2030-01-01
#   YP-C  created 2016-01-01, screened 2023-02-01 -> review 2029-02-01
#   YP-D  created 2015-01-01, review already set to 2031-01-01 at an earlier review
#   S3    linked to nobody, seen 2018-01-01 -> review 2024-01-01: due
#   S4    linked to nobody, seen 2024-05-01 -> review 2030-05-01
PEOPLE = {
    "YP-A": ("2017-01-01", None),
    "YP-B": ("2024-01-01", None),
    "YP-C": ("2016-01-01", None),
    "YP-D": ("2015-01-01", "2031-01-01"),
}
SIGHTINGS = {"S1": "2018-03-01", "S2": "2019-06-01", "S3": "2018-01-01", "S4": "2024-05-01"}
LINKS = [("S1", "YP-A"), ("S2", "YP-A"), ("S2", "YP-B")]


@pytest.fixture
def records(engine: Engine) -> Engine:
    with engine.begin() as connection:
        for pseudonym, (created, review) in PEOPLE.items():
            connection.execute(
                text(
                    "INSERT INTO young_person (pseudonym, created_at, review_date)"
                    " VALUES (:p, :created, :review)"
                ),
                {"p": pseudonym, "created": created + " 10:00:00", "review": review},
            )
        for ref, seen in SIGHTINGS.items():
            connection.execute(
                text(
                    "INSERT INTO sighting (source_ref, seen_at, lon, lat, precision,"
                    " source_agency, note) VALUES (:ref, :seen, -2.43, 53.58, 'street',"
                    " 'police', 'a note')"
                ),
                {"ref": ref, "seen": seen + " 21:00:00"},
            )
        for ref, pseudonym in LINKS:
            connection.execute(
                text(
                    "INSERT INTO sighting_person (sighting_id, person_id) SELECT s.id, yp.id"
                    " FROM sighting s, young_person yp WHERE s.source_ref = :s"
                    " AND yp.pseudonym = :p"
                ),
                {"s": ref, "p": pseudonym},
            )
        for pseudonym, when in (("YP-C", "2023-02-01"), ("YP-A", "2018-02-01")):
            connection.execute(
                text(
                    "INSERT INTO screening (person_id, assessed_at, agency, score, risk_level,"
                    " created_by) SELECT id, :at, 'police', 3, 'low', 'ann'"
                    " FROM young_person WHERE pseudonym = :p"
                ),
                {"p": pseudonym, "at": when + " 09:00:00"},
            )
    return engine


def _due(engine: Engine, as_of: date = TODAY, years: int = 6) -> list[tuple]:
    due = due_for_review(engine, ADMIN, as_of=as_of, review_years=years)
    return list(
        due[["kind", "reference", "review_date", "linked"]].itertuples(index=False, name=None)
    )


def test_review_dates_worked_by_hand(records: Engine) -> None:
    assert _due(records) == [
        ("sighting", "S3", date(2024, 1, 1), 0),
        ("young_person", "YP-A", date(2025, 6, 1), 2),
    ]
    assert _due(records, date(2031, 1, 1)) == [
        ("sighting", "S3", date(2024, 1, 1), 0),
        ("young_person", "YP-A", date(2025, 6, 1), 2),
        ("young_person", "YP-C", date(2029, 2, 1), 0),
        ("young_person", "YP-B", date(2030, 1, 1), 1),
        ("sighting", "S4", date(2030, 5, 1), 0),
        ("young_person", "YP-D", date(2031, 1, 1), 0),
    ]
    assert _due(records, TODAY, years=10) == []  # 2019-06-01 + 10 years is not yet due
    entry = read_audit(records).iloc[0]
    assert (entry["action"], entry["target"]) == ("consultation", "retention:due_for_review")
    assert json.loads(entry["detail"])["rows"] == 0


def test_the_list_holds_no_case_data(records: Engine) -> None:
    due = due_for_review(records, ADMIN, as_of=TODAY)
    assert set(due.columns) == {
        "kind", "record_id", "reference", "last_activity", "review_date", "review_set", "linked",
    }  # fmt: skip


def test_keeping_a_record_sets_its_next_review(records: Engine) -> None:
    version = data_version(records)
    retain(records, ADMIN, "sighting", _id(records, "S3"), until=date(2029, 1, 1),
           reason="linked to an open investigation", today=TODAY)  # fmt: skip
    assert [row[1] for row in _due(records)] == ["YP-A"]
    assert _due(records, date(2029, 1, 1))[-1][:3] == ("sighting", "S3", date(2029, 1, 1))
    entry = read_audit(records).sort_values("id").iloc[0]
    assert (entry["action"], entry["purpose"]) == ("alteration", "linked to an open investigation")
    assert json.loads(entry["detail"]) == {"change": "retained", "review_date": "2029-01-01"}
    assert data_version(records) == version + 1
    with pytest.raises(ValueError, match="must be after today"):
        retain(records, ADMIN, "young_person", "YP-A", until=TODAY, reason="keep it", today=TODAY)
    with pytest.raises(InvalidAuditEntry, match="too short"):
        retain(records, ADMIN, "young_person", "YP-A", until=date(2030, 1, 1), reason="ok",
               today=TODAY)  # fmt: skip
    with pytest.raises(ValueError, match="record kind"):
        retain(records, ADMIN, "premises", 1, until=date(2030, 1, 1), reason="keep it",
               today=TODAY)  # fmt: skip


def _id(engine: Engine, ref: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM sighting WHERE source_ref = :r"), {"r": ref}
            ).scalar_one()
        )


def _refs(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT source_ref FROM sighting")).scalars())


def test_erasing_a_young_person_takes_what_is_only_theirs(records: Engine) -> None:
    erased = erase_young_person(records, ADMIN, "YP-A", reason="retention review: not needed")
    assert (erased.young_people, erased.sightings, erased.links, erased.screenings) == (1, 1, 2, 1)
    assert _refs(records) == {"S2", "S3", "S4"}  # S1 was only YP-A's; S2 is YP-B's too
    counts = table_counts(records)
    assert (counts["young_person"], counts["sighting_person"]) == (3, 1)
    with records.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM screening")).scalar_one() == 1
    entry = read_audit(records).iloc[0]
    assert (entry["username"], entry["action"], entry["target"]) == (
        "root", "erasure", "young_person:YP-A",
    )  # fmt: skip
    assert json.loads(entry["detail"])["erased"] == {
        "young_people": 1, "sightings": 1, "links": 2, "screenings": 1,
    }  # fmt: skip
    with pytest.raises(RecordNotFound, match="erased already"):
        erase_young_person(records, ADMIN, "YP-A", reason="retention review: not needed")


def test_erasing_a_lone_sighting(records: Engine) -> None:
    erased = erase_sighting(records, ADMIN, _id(records, "S3"), reason="retention review")
    assert erased.sightings == 1 and _refs(records) == {"S1", "S2", "S4"}
    assert read_audit(records).iloc[0]["action"] == "erasure"


def test_a_failed_erasure_leaves_everything(records: Engine) -> None:
    before = table_counts(records)
    with pytest.raises(InvalidAuditEntry):
        erase_young_person(records, ADMIN, "YP-A", reason="no")
    assert table_counts(records) == before
