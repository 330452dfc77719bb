"""Risk screenings, saved on behalf of one user.

A screening is kept as a dated assessment (table `screening`, sql/0006_screening.sql) and
creates or updates the young person's profile, so the profile shows its risk over time.
Its profile fields pass the importer's `check_person` first (`hotspots.screening.validate`).
Partner intelligence submissions are saved by `hotspots.db.intelligence`.
Audit (DPA 2018 s.62): a new record is a *collection*, a changed profile an *alteration*,
reading a profile's history a *consultation*.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, text

from hotspots.db.access import User, record_use
from hotspots.db.audit import ALTERATION, COLLECTION, CONSULTATION
from hotspots.db.load import bump_data_version, now_utc
from hotspots.domain import join_codes, split_codes
from hotspots.screening import Screening, ScreeningConfig, ScreeningError, score, validate
from hotspots.security.roles import Capability, can, require

#: The needs flag (hotspots.synth.NEEDS_FLAGS) a "yes" to disability or special needs sets.
DISABILITY_FLAG = "send"


@dataclass(frozen=True)
class SavedScreening:
    screening_id: int
    person_id: int
    pseudonym: str
    new_person: bool
    score: int
    risk_level: str


def _answers(screening: Screening) -> str:
    kept = asdict(screening)
    for name in ("pseudonym", "agency", "vulnerabilities", "indicators", "grooming_models"):
        kept.pop(name)
    return json.dumps(kept, sort_keys=True, default=list)


def _upsert_person(
    connection: Connection, screening: Screening, total: int, level: str, at: datetime
) -> tuple[int, bool]:
    row = connection.execute(
        text("SELECT id, needs_flags FROM young_person WHERE pseudonym = :p"),
        {"p": screening.pseudonym},
    ).one_or_none()
    flags = set(split_codes(row.needs_flags if row else ""))
    if screening.disability:
        flags.add(DISABILITY_FLAG)
    values = {
        "p": screening.pseudonym,
        "age_band": screening.age_band,
        "gender": screening.gender,
        "flags": join_codes(flags),
        "score": total,
        "level": level,
        "models": join_codes(screening.grooming_models),
        "at": at,
    }
    if row is None:
        new_id = connection.execute(
            text(
                "INSERT INTO young_person (pseudonym, age_band, gender, needs_flags,"
                " screening_score, risk_level, grooming_models, created_at)"
                " VALUES (:p, :age_band, :gender, :flags, :score, :level, :models, :at)"
                " RETURNING id"
            ),
            values,
        ).scalar_one()
        return int(new_id), True
    connection.execute(
        text(
            "UPDATE young_person SET age_band = coalesce(:age_band, age_band),"
            " gender = coalesce(:gender, gender), needs_flags = :flags,"
            " screening_score = :score, risk_level = :level, grooming_models = :models"
            " WHERE id = :id"
        ),
        values | {"id": row.id},
    )
    return int(row.id), False


def save_screening(
    engine: Engine,
    user: User,
    screening: Screening,
    config: ScreeningConfig,
    *,
    assessed_at: datetime | None = None,
) -> SavedScreening:
    """Score, validate and store a screening; create or update the profile. Audited."""
    require(user.role, Capability.SCREENING)
    problems = validate(screening, config)
    if problems:
        raise ScreeningError("; ".join(f"{k}: {v}" for k, v in sorted(problems.items())))
    result = score(screening.vulnerabilities, screening.indicators, config)
    at = assessed_at or now_utc()
    with engine.begin() as connection:
        person_id, new_person = _upsert_person(
            connection, screening, result.score, result.risk_level, at
        )
        screening_id = int(
            connection.execute(
                text(
                    "INSERT INTO screening (person_id, assessed_at, agency, score, risk_level,"
                    " items, indicators, grooming_models, answers, created_by)"
                    " VALUES (:person, :at, :agency, :score, :level, :items, :indicators,"
                    " :models, :answers, :by) RETURNING id"
                ),
                {
                    "person": person_id,
                    "at": at,
                    "agency": screening.agency,
                    "score": result.score,
                    "level": result.risk_level,
                    "items": join_codes(screening.vulnerabilities),
                    "indicators": join_codes(screening.indicators),
                    "models": join_codes(screening.grooming_models),
                    "answers": _answers(screening),
                    "by": user.username,
                },
            ).scalar_one()
        )
        detail = {"pseudonym": screening.pseudonym, "score": result.score,
                  "risk_level": result.risk_level, "agency": screening.agency}  # fmt: skip
        record_use(connection, user, COLLECTION, f"screening:{screening_id}", detail)
        record_use(
            connection,
            user,
            COLLECTION if new_person else ALTERATION,
            f"young_person:{person_id}",
            detail | {"change": "created" if new_person else "screened again"},
        )
        bump_data_version(connection)
    return SavedScreening(
        screening_id, person_id, screening.pseudonym, new_person, result.score, result.risk_level
    )


def risk_history(engine: Engine, user: User, pseudonym: str) -> pd.DataFrame:
    """The dated screenings of one young person, oldest first. Audited as a consultation."""
    require(user.role, Capability.SCREENING)
    sql = (
        "SELECT s.id AS screening_id, s.assessed_at, s.agency, s.score, s.risk_level,"
        " s.items, s.indicators, s.grooming_models, s.created_by FROM screening s"
        " JOIN young_person yp ON yp.id = s.person_id WHERE yp.pseudonym = :p"
        " ORDER BY s.assessed_at, s.id"
    )
    with engine.begin() as connection:
        rows = pd.read_sql(text(sql), connection, params={"p": pseudonym})
        record_use(
            connection, user, CONSULTATION, f"young_person:{pseudonym}",
            {"use": "risk over time", "screenings": len(rows)},
        )  # fmt: skip
    rows["assessed_at"] = pd.to_datetime(rows["assessed_at"], format="ISO8601")
    return rows


def known_pseudonyms(engine: Engine, user: User) -> list[str]:
    """Pseudonyms already on record, for the forms' choice (no other personal data)."""
    if not can(user.role, Capability.SUBMIT_INTELLIGENCE):
        require(user.role, Capability.SCREENING)
    with engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT pseudonym FROM young_person ORDER BY pseudonym")
            ).scalars()
        )
