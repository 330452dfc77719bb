"""Retention review (Management of Police Information style): what is due, keep it, or erase it.

Every young-person profile and every sighting has a review date. Unless one has been set at
an earlier review (`review_date`), it is the record's last activity plus the review period
(`HOTSPOTS_REVIEW_YEARS`, six years by default): for a young person the latest of the
profile's creation, a linked sighting and a screening; for a sighting the day it was seen.
A sighting linked to a young person is reviewed with that young person, so the list holds
profiles and the sightings linked to nobody.

At review an administrator either keeps the record until a new review date (an
*alteration*) or erases it (an *erasure*): a young person's profile, links, screenings and
the sightings linked to nobody else, in one transaction. Every step needs
`Capability.MANAGE_RETENTION` and the reason given, which the audit entry keeps as its
purpose. The list shows record kind, pseudonym or reference and dates, never notes or points:
administrators see no case data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd
from sqlalchemy import Connection, Engine, text

from hotspots.db.access import User
from hotspots.db.audit import ALTERATION, CONSULTATION, ERASURE, write_audit
from hotspots.db.load import bump_data_version
from hotspots.security.audit import clean_purpose
from hotspots.security.roles import Capability, require

DEFAULT_REVIEW_YEARS: Final = 6
YOUNG_PERSON: Final = "young_person"
SIGHTING: Final = "sighting"
KINDS: Final = (YOUNG_PERSON, SIGHTING)
#: Columns of the due-for-review list.
DUE_COLUMNS: Final = (
    "kind", "record_id", "reference", "last_activity", "review_date", "review_set", "linked",
)  # fmt: skip


class RecordNotFound(LookupError):
    """No record of that kind has that pseudonym or id."""


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed, as counted in its audit entry."""

    young_people: int
    sightings: int
    links: int
    screenings: int


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601").dt.normalize()


def _add_years(values: pd.Series, years: int) -> pd.Series:
    return values + pd.DateOffset(years=years)


def _people(connection: Connection, review_years: int) -> pd.DataFrame:
    rows = pd.read_sql(
        text(
            "SELECT yp.id AS record_id, yp.pseudonym AS reference, yp.review_date,"
            " yp.created_at,"
            " (SELECT max(s.seen_at) FROM sighting_person sp JOIN sighting s"
            "  ON s.id = sp.sighting_id WHERE sp.person_id = yp.id) AS last_sighting,"
            " (SELECT max(sc.assessed_at) FROM screening sc WHERE sc.person_id = yp.id)"
            "  AS last_screening,"
            " (SELECT count(*) FROM sighting_person sp WHERE sp.person_id = yp.id) AS linked"
            " FROM young_person yp"
        ),
        connection,
    )
    activity = pd.concat(
        [_dates(rows[c]) for c in ("created_at", "last_sighting", "last_screening")], axis=1
    ).max(axis=1)
    return _with_review(rows, YOUNG_PERSON, activity, review_years)


def _lone_sightings(connection: Connection, review_years: int) -> pd.DataFrame:
    rows = pd.read_sql(
        text(
            "SELECT s.id AS record_id, s.source_ref AS reference, s.review_date, s.seen_at"
            " FROM sighting s WHERE NOT EXISTS"
            " (SELECT 1 FROM sighting_person sp WHERE sp.sighting_id = s.id)"
        ),
        connection,
    )
    rows["linked"] = 0
    return _with_review(rows, SIGHTING, _dates(rows["seen_at"]), review_years)


def _with_review(
    rows: pd.DataFrame, kind: str, activity: pd.Series, review_years: int
) -> pd.DataFrame:
    explicit = _dates(rows["review_date"])
    review = explicit.fillna(_add_years(activity, review_years))
    return pd.DataFrame(
        {
            "kind": kind,
            "record_id": rows["record_id"].astype(int),
            "reference": rows["reference"].astype(str),
            "last_activity": activity.dt.date,
            "review_date": review.dt.date,
            "review_set": explicit.notna(),
            "linked": rows["linked"].astype(int),
        }
    )


def due_for_review(
    engine: Engine,
    user: User,
    *,
    as_of: date,
    review_years: int = DEFAULT_REVIEW_YEARS,
) -> pd.DataFrame:
    """Records whose review date is on or before `as_of`, earliest first (`DUE_COLUMNS`).

    Young-person profiles (``reference`` is the pseudonym, ``linked`` their sightings) and
    sightings linked to nobody (``reference`` is the source reference). Needs
    `MANAGE_RETENTION`; audited as a consultation (the list names pseudonyms).
    """
    require(user.role, Capability.MANAGE_RETENTION)
    if review_years < 1:
        raise ValueError(f"review period {review_years} years; it must be at least 1")
    with engine.begin() as connection:
        every = pd.concat(
            [_people(connection, review_years), _lone_sightings(connection, review_years)],
            ignore_index=True,
        )
        due = every[every["review_date"] <= as_of]
        due = due.sort_values(["review_date", "kind", "reference"]).reset_index(drop=True)
        write_audit(
            connection, username=user.username, role=user.role, action=CONSULTATION,
            target="retention:due_for_review",
            detail={"as_of": as_of, "review_years": review_years, "rows": len(due)},
            purpose=user.purpose or None,
        )  # fmt: skip
    return due[list(DUE_COLUMNS)]


def _find(connection: Connection, kind: str, key: str | int) -> int:
    if kind == YOUNG_PERSON:
        sql, params = "SELECT id FROM young_person WHERE pseudonym = :k", {"k": str(key)}
    elif kind == SIGHTING:
        sql, params = "SELECT id FROM sighting WHERE id = :k", {"k": int(key)}
    else:
        raise ValueError(f"record kind {kind!r}; expected one of {', '.join(KINDS)}")
    found = connection.execute(text(sql), params).scalar_one_or_none()
    if found is None:
        what = "young person with pseudonym" if kind == YOUNG_PERSON else "sighting with id"
        raise RecordNotFound(f"no {what} {key!r}; it may have been erased already")
    return int(found)


def retain(
    engine: Engine,
    user: User,
    kind: str,
    key: str | int,
    *,
    until: date,
    reason: str,
    today: date,
) -> None:
    """Keep a record (a young person by pseudonym, a sighting by id) until a new review date.

    Needs `MANAGE_RETENTION`; `until` must be after `today`; audited as an alteration with
    the reason as its purpose.
    """
    require(user.role, Capability.MANAGE_RETENTION)
    reason = clean_purpose(reason)
    if until <= today:
        raise ValueError(f"the new review date {until:%d %B %Y} must be after today")
    with engine.begin() as connection:
        record_id = _find(connection, kind, key)
        connection.execute(
            text(f"UPDATE {kind} SET review_date = :until WHERE id = :id"),
            {"until": until, "id": record_id},
        )
        write_audit(
            connection, username=user.username, role=user.role, action=ALTERATION,
            target=f"{kind}:{key}", detail={"change": "retained", "review_date": until},
            purpose=reason,
        )  # fmt: skip
        bump_data_version(connection)


def erase_young_person(engine: Engine, user: User, pseudonym: str, *, reason: str) -> Erasure:
    """Erase a young person's records: the profile, its screenings, its links to sightings,
    and the sightings linked to nobody else (a sighting shared with another young person
    stays, without the link). One transaction, one `erasure` audit entry with the counts
    and the reason. Needs `MANAGE_RETENTION`.

    Audit entries that name the pseudonym stay: the log must not be changed, and without the
    key a pseudonym names nobody.
    """
    require(user.role, Capability.MANAGE_RETENTION)
    reason = clean_purpose(reason)
    with engine.begin() as connection:
        person = _find(connection, YOUNG_PERSON, pseudonym)
        params = {"p": person}
        only_theirs = [
            int(i)
            for i in connection.execute(
                text(
                    "SELECT sp.sighting_id FROM sighting_person sp WHERE sp.person_id = :p"
                    " AND NOT EXISTS (SELECT 1 FROM sighting_person other"
                    " WHERE other.sighting_id = sp.sighting_id AND other.person_id <> :p)"
                ),
                params,
            ).scalars()
        ]
        links = connection.execute(
            text("DELETE FROM sighting_person WHERE person_id = :p"), params
        ).rowcount
        screenings = connection.execute(
            text("DELETE FROM screening WHERE person_id = :p"), params
        ).rowcount
        sightings = _delete_sightings(connection, only_theirs)
        connection.execute(text("DELETE FROM young_person WHERE id = :p"), params)
        erasure = Erasure(1, sightings, int(links or 0), int(screenings or 0))
        write_audit(
            connection, username=user.username, role=user.role, action=ERASURE,
            target=f"young_person:{pseudonym}",
            detail={"erased": erasure.__dict__, "at_review": True}, purpose=reason,
        )  # fmt: skip
        bump_data_version(connection)
    return erasure


def erase_sighting(engine: Engine, user: User, sighting_id: int, *, reason: str) -> Erasure:
    """Erase one sighting (and its links), audited as an erasure with the reason.

    Needs `MANAGE_RETENTION`.
    """
    require(user.role, Capability.MANAGE_RETENTION)
    reason = clean_purpose(reason)
    with engine.begin() as connection:
        record_id = _find(connection, SIGHTING, sighting_id)
        links = connection.execute(
            text("DELETE FROM sighting_person WHERE sighting_id = :s"), {"s": record_id}
        ).rowcount
        sightings = _delete_sightings(connection, [record_id])
        erasure = Erasure(0, sightings, int(links or 0), 0)
        write_audit(
            connection, username=user.username, role=user.role, action=ERASURE,
            target=f"sighting:{record_id}",
            detail={"erased": erasure.__dict__, "at_review": True}, purpose=reason,
        )  # fmt: skip
        bump_data_version(connection)
    return erasure


def _delete_sightings(connection: Connection, ids: list[int]) -> int:
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        names = ", ".join(f":s{i}" for i in range(len(chunk)))
        params = {f"s{i}": value for i, value in enumerate(chunk)}
        connection.execute(
            text(f"DELETE FROM sighting_person WHERE sighting_id IN ({names})"), params
        )
        deleted += int(
            connection.execute(text(f"DELETE FROM sighting WHERE id IN ({names})"), params).rowcount
            or 0
        )
    return deleted
