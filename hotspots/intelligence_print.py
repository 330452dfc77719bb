"""A printable partner intelligence record for case files: blank, or as submitted; HTML,
marked OFFICIAL-SENSITIVE.

Every value is escaped (`esc`); the page carries no script and no external link, so it prints
from any browser ("Save as PDF" gives the PDF). It shows the vehicle token, never a plate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from hotspots.domain import AGENCIES, GROOMING_MODELS, INDICATORS, split_codes
from hotspots.intelligence import (
    HANDLING_CODE_LABELS,
    INTELLIGENCE_ASSESSMENT_LABELS,
    PRECISION_LABELS,
    SOURCE_EVALUATION_LABELS,
    grading_text,
    when_text,
)
from hotspots.screening_print import MARKING, PRINT_STYLE
from hotspots.security.escaping import esc

_BLANK_HELP = (
    "Write no names, dates of birth, phone numbers, e-mail or home addresses, postcodes or"
    " number plates in the note; give young people by their pseudonym only."
)


def _tick(ticked: bool) -> str:
    return "[X]" if ticked else "[ ]"


def _ticks(title: str, items: Mapping[str, str], ticked: set[str] | None) -> str:
    rows = "".join(
        f"<tr><td class='box'>{_tick(ticked is not None and code in ticked)}</td>"
        f"<td>{esc(code)}</td><td>{esc(label)}</td></tr>"
        for code, label in items.items()
    )
    head = "<tr><th>Tick</th><th>Code</th><th>Meaning</th></tr>"
    return f"<h2>{esc(title)}</h2><table>{head}{rows}</table>"


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def intelligence_html(
    values: Mapping[str, object] | None = None,
    *,
    place: str = "",
    submitted_by: str = "",
    submitted_at: datetime | None = None,
    printed_at: datetime | None = None,
) -> str:
    """The blank form (values None) or a submitted record (the checked values of a sighting,
    `hotspots.db.intelligence.SavedSighting.values`), as one escaped HTML page."""
    v = values or {}
    filled = values is not None
    lon, lat = v.get("lon"), v.get("lat")
    point = f"{lat:.5f}, {lon:.5f} (latitude, longitude)" if filled and lon is not None else ""
    precision = PRECISION_LABELS.get(str(v.get("precision")), "") if filled else ""
    grading = (
        grading_text(
            v.get("source_evaluation"),  # type: ignore[arg-type]
            v.get("intelligence_assessment"),  # type: ignore[arg-type]
            v.get("handling_code"),  # type: ignore[arg-type]
        )
        if filled
        else ""
    )
    facts = [
        ("Reference", v.get("source_ref") or ""),
        ("When (a moment, or from ... to ...)", when_text(v) if filled else ""),
        ("Where", point),
        ("Place or premises", place),
        ("Precision", precision or ("" if filled else "Exact spot / The street / Only the area")),
        ("Premises reference", v.get("premises_ref") or ""),
        ("Young people (pseudonyms)", ", ".join(split_codes(str(v.get("people") or "")))),
        ("Vehicle token (the plate is never recorded)", v.get("vehicle_token") or ""),
        ("Source agency", _label(str(v["source_agency"])) if v.get("source_agency") else ""),
        ("Grading (3x5x2)", grading),
        ("Note", v.get("note") or ""),
        ("Submitted by", submitted_by),
        ("Submitted", f"{submitted_at:%d/%m/%Y %H:%M} UTC" if submitted_at else ""),
    ]
    rows = "".join(f"<tr><th>{esc(name)}</th><td>{esc(value)}</td></tr>" for name, value in facts)
    models = set(split_codes(str(v.get("grooming_models") or ""))) if filled else None
    indicators = set(split_codes(str(v.get("indicators") or ""))) if filled else None
    title = "Partner intelligence record" + ("" if filled else " (blank form)")
    stamp = f"<p>Printed {esc(printed_at.strftime('%d/%m/%Y %H:%M'))} UTC</p>" if printed_at else ""
    guidance = "" if filled else f"<p>{esc(_BLANK_HELP)}</p>"
    agencies = ", ".join(_label(a) for a in AGENCIES)
    grading_tables = (
        ""
        if filled
        else _ticks("Source evaluation", SOURCE_EVALUATION_LABELS, set())
        + _ticks("Intelligence assessment", INTELLIGENCE_ASSESSMENT_LABELS, set())
        + _ticks("Handling code", HANDLING_CODE_LABELS, set())
    )
    return (
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
        f"<title>{esc(title)} - {MARKING}</title><style>{PRINT_STYLE}</style></head><body>"
        f"<div class='marking'>{MARKING}</div><h1>{esc(title)}</h1>{stamp}{guidance}"
        f"<table>{rows}</table><p><small>Agencies: {esc(agencies)}</small></p>"
        + _ticks("Grooming models", GROOMING_MODELS, models)
        + _ticks("Indicators seen", INDICATORS, indicators)
        + grading_tables
        + f"<div class='marking'>{MARKING}</div></body></html>"
    )
