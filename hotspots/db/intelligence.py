"""Partner intelligence submissions saved as sightings, on behalf of one user.

`submit_sighting` checks a submission with the importer's rule (`check_sighting`, through
`hotspots.intelligence.check_submission`), then in one transaction: looks up the premises and
the young people it names (a pseudonym made from a case reference on the form may be new and
is then added), inserts the sighting with its point, links the young people, writes one
*collection* audit entry (DPA 2018 s.62) and bumps the data version, so the hotspot map's
caches see the new sighting at once. Nothing is written when anything is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text

from hotspots.db.access import User, record_use
from hotspots.db.audit import COLLECTION, DISCLOSURE
from hotspots.db.load import backend_of_connection, bump_data_version, now_utc
from hotspots.db.spatial import point_from_lonlat
from hotspots.domain import split_codes
from hotspots.ingest.rules import Problem, RuleContext
from hotspots.intelligence import (
    Submission,
    SubmissionRejected,
    check_submission,
    new_source_ref,
)
from hotspots.security.roles import Capability, require

#: The sighting's columns filled from the checked values, in insert order.
_COLUMNS = (
    "source_ref", "seen_at", "seen_from", "seen_until", "lon", "lat", "precision",
    "grooming_models", "indicators", "vehicle_token", "source_agency", "source_evaluation",
    "intelligence_assessment", "handling_code", "note", "area_code",
)  # fmt: skip
_NOT_ON_REGISTER = "is not on the premises register; choose premises from the register"
_NOT_ON_RECORD = (
    "is not a young person on record; choose one on record, or add one from the agency's"
    " case reference"
)


@dataclass(frozen=True)
class SavedSighting:
    """A submission as stored: its id and reference, the checked values (no plate) and the
    pseudonyms added as new young people."""

    sighting_id: int
    source_ref: str
    values: dict[str, Any]
    new_people: tuple[str, ...]
    submitted_by: str
    submitted_at: datetime


def _premises_id(connection: Connection, premises_ref: str | None) -> int | None:
    if not premises_ref:
        return None
    found = connection.execute(
        text("SELECT id FROM premises WHERE premises_ref = :ref"), {"ref": premises_ref}
    ).scalar_one_or_none()
    if found is None:
        raise SubmissionRejected([Problem("premises_ref", premises_ref, _NOT_ON_REGISTER)])
    return int(found)


def _people_ids(
    connection: Connection, people: list[str], new_people: Iterable[str], at: datetime
) -> tuple[list[int], tuple[str, ...]]:
    """Ids of the young people named; pseudonyms made on the form are added if new."""
    if not people:
        return [], ()
    query = text("SELECT pseudonym, id FROM young_person WHERE pseudonym IN :people")
    query = query.bindparams(bindparam("people", expanding=True))
    known = {p: int(i) for p, i in connection.execute(query, {"people": people})}
    allowed = {p.upper() for p in new_people}
    unknown = [p for p in people if p not in known and p not in allowed]
    if unknown:
        raise SubmissionRejected([Problem("people", p, _NOT_ON_RECORD) for p in unknown])
    added = tuple(p for p in people if p not in known)
    for pseudonym in added:
        known[pseudonym] = int(
            connection.execute(
                text(
                    "INSERT INTO young_person (pseudonym, created_at) VALUES (:p, :at) RETURNING id"
                ),
                {"p": pseudonym, "at": at},
            ).scalar_one()
        )
    return [known[p] for p in people], added


def _unused_source_ref(connection: Connection, source_ref: str, now: datetime | None) -> str:
    """`source_ref`, or a fresh one if it is taken (8 random hex digits all but never clash)."""
    while connection.execute(
        text("SELECT 1 FROM sighting WHERE source_ref = :ref"), {"ref": source_ref}
    ).first():
        source_ref = new_source_ref(now)
    return source_ref


def submit_sighting(
    engine: Engine,
    user: User,
    submission: Submission,
    context: RuleContext,
    *,
    new_people: Iterable[str] = (),
    now: datetime | None = None,
) -> SavedSighting:
    """Check and store one partner intelligence submission as a sighting. Audited.

    Parameters
    ----------
    engine, user : the database, and on whose behalf (needs ``submit_intelligence``).
    submission : what the form holds.
    context : the importer's rule context (`hotspots.intelligence.form_context` for the form:
        grading required; the note redacted or refused).
    new_people : pseudonyms made on the form from a case reference; they are added as young
        people when not yet on record. Any other pseudonym must be on record.
    now : the moment of submission (tests); its date is part of the source reference.

    Raises
    ------
    SubmissionRejected
        With the problems, by field, when a rule refuses a value, the premises are not on the
        register or a young person is not on record. Nothing is written.
    """
    require(user.role, Capability.SUBMIT_INTELLIGENCE)
    checked = check_submission(submission, context, new_source_ref(now))
    if not checked.ok:
        raise SubmissionRejected(checked.problems)
    values, at = dict(checked.values), now_utc()
    with engine.begin() as connection:
        values["source_ref"] = source_ref = _unused_source_ref(
            connection, values["source_ref"], now
        )
        premises_id = _premises_id(connection, values["premises_ref"])
        person_ids, added = _people_ids(connection, split_codes(values["people"]), new_people, at)
        point = point_from_lonlat(backend_of_connection(connection), ":lon", ":lat")
        sighting_id = int(
            connection.execute(
                text(
                    f"INSERT INTO sighting ({', '.join(_COLUMNS)}, premises_id, geom)"
                    f" VALUES ({', '.join(':' + c for c in _COLUMNS)}, :premises_id, {point})"
                    " RETURNING id"
                ),
                {column: values[column] for column in _COLUMNS} | {"premises_id": premises_id},
            ).scalar_one()
        )
        if person_ids:
            connection.execute(
                text("INSERT INTO sighting_person (sighting_id, person_id) VALUES (:s, :p)"),
                [{"s": sighting_id, "p": person_id} for person_id in person_ids],
            )
        grading = "".join(
            values[name] or "?" for name in ("source_evaluation", "intelligence_assessment")
        )
        record_use(
            connection,
            user,
            COLLECTION,
            f"sighting:{sighting_id}",
            {
                "use": "partner intelligence form",
                "source_ref": source_ref,
                "seen_at": values["seen_at"],
                "range": values["seen_until"] is not None,
                "precision": values["precision"],
                "young_people": len(person_ids),
                "new_young_people": list(added),
                "premises_id": premises_id,
                "vehicle": values["vehicle_token"] is not None,
                "source_agency": values["source_agency"],
                "grading": f"{grading} {values['handling_code'] or '?'}",
                "note": values["note"] is not None,
            },
        )
        bump_data_version(connection)
    return SavedSighting(sighting_id, source_ref, values, added, user.username, at)


def record_download(engine: Engine, user: User, sighting_id: int, file_format: str) -> None:
    """Audit the download of a submitted record's printable view as a disclosure."""
    require(user.role, Capability.SUBMIT_INTELLIGENCE)
    with engine.begin() as connection:
        record_use(
            connection,
            user,
            DISCLOSURE,
            f"sighting:{int(sighting_id)}",
            {"use": "printable intelligence record", "format": file_format},
        )
