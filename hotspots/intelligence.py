"""The partner intelligence form: what a partner saw, as a sighting checked by the importer's rules.

A submission is what the form holds: when (a moment, or a range), where (a point with a
precision; from a click on the map, a named place of the gazetteer or premises from the
register), what was seen (indicators, grooming models, linked pseudonyms, a vehicle token),
the source agency, the 3x5x2 grading and a short note. `check_submission` turns it into the
target fields of a sighting and checks them with `hotspots.ingest.rules.check_sighting`, the
very function the importer uses, so a form and a file are refused for the same reasons, in
the same words. A vehicle registration becomes a token at once (`token_for_plate`, again by
the importer's rule); the plate is never kept. Saving is `hotspots.db.intelligence`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final

import pandas as pd

from hotspots.domain import HANDLING_CODES, INTELLIGENCE_ASSESSMENTS, SOURCE_EVALUATIONS
from hotspots.ingest.rules import (
    FIELDS,
    SIGHTINGS,
    UK_ZONE,
    CheckedRecord,
    Problem,
    RuleContext,
    check_sighting,
)

#: Source references of form submissions start so: never derived from what was typed.
FORM_PREFIX: Final[str] = "FORM"

#: The 3x5x2 grading (College of Policing, Authorised Professional Practice on intelligence).
SOURCE_EVALUATION_LABELS: Final[dict[str, str]] = {
    "1": "Reliable",
    "2": "Untested",
    "3": "Not reliable",
}
INTELLIGENCE_ASSESSMENT_LABELS: Final[dict[str, str]] = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false",
}
HANDLING_CODE_LABELS: Final[dict[str, str]] = {
    "P": "Lawful sharing permitted",
    "C": "Lawful sharing permitted subject to conditions",
}
assert tuple(SOURCE_EVALUATION_LABELS) == SOURCE_EVALUATIONS
assert tuple(INTELLIGENCE_ASSESSMENT_LABELS) == INTELLIGENCE_ASSESSMENTS
assert tuple(HANDLING_CODE_LABELS) == HANDLING_CODES

#: How the place was given, and the precision each suggests (the partner may change it): a
#: click or premises is a spot; a named locality (Deane, Daubhill) is only an area.
PLACE_SOURCES: Final[dict[str, str]] = {
    "map": "Click on the map",
    "place": "A named place",
    "premises": "Premises from the register",
}
DEFAULT_PRECISION: Final[dict[str, str]] = {"map": "exact", "place": "area", "premises": "exact"}
PRECISION_LABELS: Final[dict[str, str]] = {
    "exact": "Exact spot",
    "street": "The street",
    "area": "Only the area",
}

#: The form's boxes, in the order they are shown: the rule fields each box answers for, so a
#: problem is shown beside the box it concerns.
FORM_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "when": ("seen_at",),
    "until": ("seen_until",),
    "where": ("latitude", "longitude", "easting", "northing"),
    "precision": ("precision",),
    "premises": ("premises_ref",),
    "indicators": ("indicators",),
    "grooming_models": ("grooming_models",),
    "people": ("people",),
    "vehicle": ("vehicle_registration", "vehicle_token"),
    "agency": ("source_agency",),
    "grading": ("grading", "source_evaluation", "intelligence_assessment", "handling_code"),
    "note": ("note",),
}


class SubmissionRejected(ValueError):
    """A submission was refused and nothing of it was written; `problems` says why, by field."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message() for problem in self.problems))


@dataclass(frozen=True)
class Submission:
    """One partner intelligence submission as the form holds it.

    `seen_until` is the end of a range (None for a single moment). `vehicle_registration`
    is accepted for callers other than the form (a notebook, a test); the rules turn it into
    a token and it is never stored. The form passes only `vehicle_token`.
    """

    seen_at: datetime | None
    lon: float | None
    lat: float | None
    source_agency: str | None
    seen_until: datetime | None = None
    precision: str = "exact"
    premises_ref: str | None = None
    grooming_models: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    vehicle_token: str | None = None
    vehicle_registration: str | None = field(default=None, repr=False)
    source_evaluation: str | None = None
    intelligence_assessment: str | None = None
    handling_code: str | None = None
    note: str = ""

    def record(self, source_ref: str) -> dict[str, object]:
        """The target fields of a sighting (`hotspots.ingest.rules.FIELDS`), as typed."""
        return {
            "source_ref": source_ref,
            "seen_at": self.seen_at,
            "seen_until": self.seen_until,
            "latitude": self.lat,
            "longitude": self.lon,
            "precision": self.precision,
            "grooming_models": list(self.grooming_models),
            "indicators": list(self.indicators),
            "people": list(self.people),
            "premises_ref": self.premises_ref,
            "vehicle_registration": self.vehicle_registration,
            "vehicle_token": self.vehicle_token,
            "source_agency": self.source_agency,
            "source_evaluation": self.source_evaluation,
            "intelligence_assessment": self.intelligence_assessment,
            "handling_code": self.handling_code,
            "note": self.note,
        }


def form_context(context: RuleContext, *, redact_note: bool = False) -> RuleContext:
    """The importer's rule context as the form uses it: grading required; the note's
    identifiers redacted instead of refused when the partner asks for that."""
    return replace(context, require_grading=True, redact=redact_note)


def new_source_ref(now: datetime | None = None) -> str:
    """A unique reference for a form submission: FORM-<date>-<8 random hex>.

    Random, not derived from anything typed, so it can never carry personal data.

    >>> new_source_ref(datetime(2026, 3, 1))[:14]
    'FORM-20260301-'
    """
    day = now or datetime.now(UK_ZONE)
    return f"{FORM_PREFIX}-{day:%Y%m%d}-{secrets.token_hex(4).upper()}"


def check_submission(
    submission: Submission, context: RuleContext, source_ref: str = f"{FORM_PREFIX}-CHECK"
) -> CheckedRecord:
    """Check a submission with the importer's own rule (`check_sighting`)."""
    return check_sighting(submission.record(source_ref), context)


def token_for_plate(plate: str, context: RuleContext) -> tuple[str | None, Problem | None]:
    """A vehicle registration's token at once, by the importer's rule; the plate is not kept.

    Returns (token, None), or (None, the problem) when the text is not a registration.
    Raises `VehicleKeyMissing` when no key is configured.
    """
    checked = check_sighting({"vehicle_registration": plate}, context)
    problem = next((p for p in checked.problems if p.field == "vehicle_registration"), None)
    if problem is not None:
        return None, problem
    return checked.values["vehicle_token"], None


def problems_by_box(problems: tuple[Problem, ...] | list[Problem]) -> dict[str, list[str]]:
    """Problem messages grouped by the form box they belong beside ("other" for the rest).

    Each is the importer's own sentence, naming the field by its label in the rules.

    >>> problems_by_box([Problem("seen_until", "x", "is not a date")])
    {'until': ["'Seen until': 'x' is not a date"]}
    """
    where = {name: box for box, names in FORM_FIELDS.items() for name in names}
    labels = {f.name: f.label for f in FIELDS[SIGHTINGS]}
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        message = problem.message(labels.get(problem.field, problem.field))
        grouped.setdefault(where.get(problem.field, "other"), []).append(message)
    return grouped


def default_seen_at(now: datetime | None = None) -> datetime:
    """Now in UK time, to the whole five minutes below (the form's first value)."""
    moment = now or datetime.now(UK_ZONE).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0) - timedelta(minutes=moment.minute % 5)


def grading_text(source: str | None, assessment: str | None, handling: str | None) -> str:
    """'2B P: untested source; known indirectly to the source but corroborated; lawful
    sharing permitted', or what is still missing.

    >>> grading_text("1", "A", "P")
    '1A P: reliable source; known directly to the source; lawful sharing permitted'
    >>> grading_text("2", None, None)
    'Not graded yet: choose the intelligence assessment and the handling code'
    """
    missing = [
        name
        for name, value in (
            ("the source evaluation", source),
            ("the intelligence assessment", assessment),
            ("the handling code", handling),
        )
        if not value
    ]
    if missing:
        listed = (
            missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
        )
        return f"Not graded yet: choose {listed}"
    assert source and assessment and handling
    return (
        f"{source}{assessment} {handling}: "
        f"{SOURCE_EVALUATION_LABELS[source].lower()} source; "
        f"{INTELLIGENCE_ASSESSMENT_LABELS[assessment].lower()}; "
        f"{HANDLING_CODE_LABELS[handling].lower()}"
    )


def place_point(gazetteer: pd.DataFrame, name: str) -> tuple[float, float]:
    """(lon, lat) of a named place of the gazetteer."""
    row = gazetteer.loc[gazetteer["name"] == name]
    if row.empty:
        raise KeyError(f"{name!r} is not a place in the gazetteer (data/gazetteer.csv)")
    return float(row["lon"].iloc[0]), float(row["lat"].iloc[0])


def when_text(values: Mapping[str, object]) -> str:
    """'03/02/2025 21:00 to 23:15 (placed at 22:07)' or '03/02/2025 21:30' for a record."""
    start, until, at = values.get("seen_from"), values.get("seen_until"), values.get("seen_at")
    if isinstance(start, datetime) and isinstance(until, datetime) and isinstance(at, datetime):
        end = f"{until:%H:%M}" if until.date() == start.date() else f"{until:%d/%m/%Y %H:%M}"
        return f"{start:%d/%m/%Y %H:%M} to {end} (placed at {at:%d/%m/%Y %H:%M})"
    return f"{at:%d/%m/%Y %H:%M}" if isinstance(at, datetime) else ""
