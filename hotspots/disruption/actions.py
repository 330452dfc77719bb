"""Disruption actions: what was done, where, when and by whom, validated before it is stored.

An action targets an *area* (a polygon in EPSG:4326): the outline of a hotspot, a circle
around premises, or a circle around a point chosen on the map. The polygon is kept with the
action so that its evaluation can be repeated later, even after the hotspots are redrawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Final

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots.domain import AGENCIES, CRS_BNG, CRS_WGS84

#: The kinds of disruption the partnership records (issue 7; DESIGN.md "Disruption").
ACTION_TYPES: Final[dict[str, str]] = {
    "patrol": "High-visibility patrol",
    "licensing_visit": "Licensing visit",
    "hotel_taxi_awareness": "Hotel or taxi awareness",
    "abduction_warning": "Child abduction warning notice",
    "cctv": "CCTV",
    "youth_outreach": "Youth outreach",
    "other": "Other",
}
STATUSES: Final[dict[str, str]] = {
    "planned": "Planned",
    "active": "Under way",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
TARGET_KINDS: Final[dict[str, str]] = {
    "hotspot": "Hotspot",
    "premises": "Premises",
    "area": "Area chosen on the map",
}
#: Radius of the circle drawn around premises, and the default around a chosen point.
PREMISES_RADIUS_M: Final[float] = 150.0
DEFAULT_CIRCLE_M: Final[float] = 300.0
MAX_CIRCLE_M: Final[float] = 3000.0
#: An evaluation needs months after the start: it falls due this long after the action ends
#: (or starts, when it has no end), unless the analyst sets another date.
EVALUATION_AFTER: Final[timedelta] = timedelta(days=91)
MAX_NOTE_CHARS: Final[int] = 2000
EARLIEST: Final[date] = date(2000, 1, 1)


class ActionRejected(ValueError):
    """An action failed validation; `problems` lists each field and what was wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class DisruptionAction:
    """One disruption action; `area` is a polygon in EPSG:4326 (None only before resolving)."""

    action_type: str
    start_date: date
    agency: str
    target_kind: str
    area: BaseGeometry | None = field(default=None, repr=False)
    end_date: date | None = None
    notes: str = ""
    hotspot_name: str | None = None
    premises_id: int | None = None
    target_label: str = ""
    status: str = "planned"
    evaluation_due: date | None = None
    id: int | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    evaluated_at: datetime | None = None
    last_verdict: str | None = None

    @property
    def label(self) -> str:
        """What a list shows: type, target and dates."""
        end = f" to {self.end_date:%d %b %Y}" if self.end_date else " onwards"
        return f"{ACTION_TYPES.get(self.action_type, self.action_type)}: {self.target_label}" + (
            f", {self.start_date:%d %b %Y}{end}"
        )


def circle_area(lon: float, lat: float, radius_m: float) -> BaseGeometry:
    """A circle of `radius_m` metres (drawn in British National Grid) around a WGS84 point.

    >>> area = gpd.GeoSeries([circle_area(-2.43, 53.57, 100)], crs=CRS_WGS84).to_crs(CRS_BNG)
    >>> round(float(area.area.iloc[0]) / 31415.9, 2)
    1.0
    """
    if not 0 < radius_m <= MAX_CIRCLE_M:
        raise ActionRejected(
            [f"radius: {radius_m:g} m; expected more than 0 and at most {MAX_CIRCLE_M:g} m"]
        )
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=CRS_WGS84).to_crs(CRS_BNG)
    return point.buffer(radius_m, quad_segs=32).to_crs(CRS_WGS84).iloc[0]


def _as_date(name: str, value: object, problems: list[str]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    problems.append(f"{name}: {text[:40]!r} is not a date; expected YYYY-MM-DD or DD/MM/YYYY")
    return None


def _check_dates(fields: Mapping[str, Any], today: date, problems: list[str]) -> dict[str, Any]:
    start = _as_date("start_date", fields.get("start_date"), problems)
    end = _as_date("end_date", fields.get("end_date"), problems)
    due = _as_date("evaluation_due", fields.get("evaluation_due"), problems)
    if start is None and not any(p.startswith("start_date") for p in problems):
        problems.append("start_date: missing; say when the action started or will start")
    if start is not None and start < EARLIEST:
        problems.append(f"start_date: {start} is before {EARLIEST}; check the year")
    if start is not None and start > today + timedelta(days=366):
        problems.append(f"start_date: {start} is more than a year ahead; check the year")
    if start is not None and end is not None and end < start:
        problems.append(f"end_date: {end} is before the start date {start}")
    if due is None and start is not None:
        due = (end or start) + EVALUATION_AFTER
    return {"start_date": start, "end_date": end, "evaluation_due": due}


def _choice(name: str, value: object, allowed: Mapping[str, str], problems: list[str]) -> str:
    text = str(value or "").strip()
    if text in allowed:
        return text
    by_label = {label.lower(): code for code, label in allowed.items()}
    if text.lower() in by_label:
        return by_label[text.lower()]
    problems.append(f"{name}: {text[:40]!r} is not one of {', '.join(allowed)}")
    return text


def _check_agency(value: object, problems: list[str]) -> str:
    text = str(value or "").strip().lower().replace(" ", "_")
    if text not in AGENCIES:
        problems.append(f"agency: {str(value)[:40]!r} is not one of {', '.join(AGENCIES)}")
    return text


def _check_area(fields: Mapping[str, Any], kind: str, problems: list[str]) -> BaseGeometry | None:
    area = fields.get("area")
    if area is None:
        problems.append(
            f"area: missing; a {TARGET_KINDS.get(kind, kind).lower()} target needs "
            "its outline (choose a hotspot, premises or a point on the map)"
        )
        return None
    if not isinstance(area, BaseGeometry) or area.is_empty:
        problems.append("area: not a polygon")
        return None
    if area.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(f"area: a {area.geom_type}; expected a polygon")
        return None
    west, south, east, north = area.bounds
    if not (-9.0 <= west <= east <= 2.5 and 49.0 <= south <= north <= 61.5):
        problems.append("area: not in Great Britain in WGS84 longitude/latitude")
    return area


def validate_action(
    fields: Mapping[str, Any], *, today: date, scan_note: Any = None
) -> DisruptionAction:
    """A `DisruptionAction` from form or command-line fields, or `ActionRejected`.

    Fields: action_type, start_date, end_date, agency, notes, target_kind (hotspot, premises,
    area), area (a shapely polygon in EPSG:4326), hotspot_name, premises_id, target_label,
    status, evaluation_due, id. Notes go through the identifier scanner (`scan_note`, default
    `scan_note_for_identifiers`): notes may not name a child, an adult, an address, a phone
    number or a plate.
    """
    problems: list[str] = []
    action_type = _choice("action_type", fields.get("action_type"), ACTION_TYPES, problems)
    kind = _choice("target_kind", fields.get("target_kind") or "area", TARGET_KINDS, problems)
    status = _choice("status", fields.get("status") or "planned", STATUSES, problems)
    agency = _check_agency(fields.get("agency"), problems)
    dates = _check_dates(fields, today, problems)
    notes = str(fields.get("notes") or "").strip()
    if len(notes) > MAX_NOTE_CHARS:
        problems.append(f"notes: {len(notes)} characters; at most {MAX_NOTE_CHARS}")
    problems += (scan_note or scan_note_for_identifiers)(notes)
    area = _check_area(fields, kind, problems)
    premises_id = fields.get("premises_id")
    if kind == "premises" and premises_id in (None, ""):
        problems.append("premises_id: missing; choose the premises the action is about")
    if kind == "hotspot" and not fields.get("hotspot_name"):
        problems.append("hotspot_name: missing; choose the hotspot the action is about")
    if problems:
        raise ActionRejected(problems)
    return DisruptionAction(
        action_type=action_type,
        agency=agency,
        target_kind=kind,
        area=area,
        notes=notes,
        hotspot_name=fields.get("hotspot_name") or None,
        premises_id=None if premises_id in (None, "") else int(premises_id),
        target_label=str(fields.get("target_label") or fields.get("hotspot_name") or "").strip(),
        status=status,
        id=fields.get("id"),
        **dates,
    )


def with_changes(action: DisruptionAction, changes: Mapping[str, Any], today: date):
    """The action with `changes` applied, validated again as a whole."""
    merged = {**action.__dict__, **changes}
    if "evaluation_due" not in changes and ("start_date" in changes or "end_date" in changes):
        merged["evaluation_due"] = None  # recomputed from the new dates
    return replace(validate_action(merged, today=today), id=action.id)


# ---------------------------------------------------------------- the identifier seam

_FALLBACK_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("a phone number", re.compile(r"(?:\+44\s?7\d{3}|\b07\d{3}|\b0\d{3,4})\s?\d{3}\s?\d{3,4}\b")),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
    ("a date of birth", re.compile(r"\b(?:dob|d\.o\.b\.?|born)\b", re.IGNORECASE)),
    ("a vehicle registration", re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b", re.IGNORECASE)),
)


def _fallback_identifier_scan(text: str) -> list[str]:
    """Used only while `hotspots.ingest.rules` is absent: a few unmistakable identifiers."""
    return [
        f"notes: looks like {what}; notes may not hold identifiers: remove it"
        for what, pattern in _FALLBACK_PATTERNS
        if pattern.search(text)
    ]


def scan_note_for_identifiers(text: str) -> list[str]:
    """Problems with a note, from the project's one identifier scanner.

    The seam: `hotspots.ingest.rules.check_note` (the importer's and the forms' rule) is used
    when it is installed; until then `_fallback_identifier_scan` refuses the identifiers that
    are unmistakable (e-mail, phone, postcode, date-of-birth wording, plates).
    """
    if not text:
        return []
    try:
        from hotspots.ingest.rules import check_note
    except ImportError:
        return _fallback_identifier_scan(text)
    _, problems = check_note("notes", text, redact=False)
    # The reason only: the offending text is not echoed back into messages or logs.
    return [f"notes: {problem.reason}; remove it" for problem in problems]
