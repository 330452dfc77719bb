"""A printable screening for case files: blank, or filled in; HTML, marked OFFICIAL-SENSITIVE.

Every value is escaped (`esc`); the page carries no script and no external link, so it prints
from any browser ("Save as PDF" gives the PDF).
"""

from __future__ import annotations

from datetime import datetime

from hotspots.domain import AGENCIES, GROOMING_MODELS
from hotspots.screening import DISABILITY_CATEGORIES, Result, Screening, ScreeningConfig
from hotspots.security.escaping import esc

MARKING = "OFFICIAL-SENSITIVE"
PRINT_STYLE = (
    "body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#111}"
    ".marking{text-align:center;font-weight:bold;letter-spacing:.1em;border:2px solid #111;"
    "padding:.3em}table{border-collapse:collapse;width:100%;margin:.6em 0}"
    "td,th{border:1px solid #555;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#eee}.box{font-family:monospace;width:2.5em;text-align:center}"
    "@media print{.marking{position:static}}"
)


def _tick(ticked: bool) -> str:
    return "[X]" if ticked else "[ ]"


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _items_table(title: str, items: dict[str, str], ticked: set[str] | None) -> str:
    rows = "".join(
        f"<tr><td class='box'>{_tick(ticked is not None and code in ticked)}"
        f"</td><td>{esc(label)}</td></tr>"
        for code, label in items.items()
    )
    return (
        f"<h2>{esc(title)}</h2><table><tr><th>Tick</th><th>Item (1 point)</th></tr>{rows}</table>"
    )


def _answer(value: object) -> str:
    if value is None or value == "" or value == ():
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple | list):
        return ", ".join(_label(str(v)) for v in value)
    return _label(str(value)) if "_" in str(value) else str(value)


def screening_html(
    config: ScreeningConfig,
    screening: Screening | None = None,
    result: Result | None = None,
    *,
    printed_at: datetime | None = None,
) -> str:
    """The blank form (screening None) or the filled-in one, as one escaped HTML page."""
    s = screening
    facts = [
        ("Young person (pseudonym)", s and s.pseudonym),
        ("Referring agency", s and s.agency),
        ("Age band", s and s.age_band),
        ("Gender", s and s.gender),
        ("Interpreter needed", s and s.interpreter),
        ("Previous CSE concerns", s and s.previous_concerns),
        ("Other agencies involved", s and s.other_agencies),
        ("Disability or special needs", s and s.disability),
        ("Category", s and (DISABILITY_CATEGORIES.get(s.disability_category or "") or "")),
        ("Grooming models suspected", s and tuple(GROOMING_MODELS[m] for m in s.grooming_models)),
    ]
    rows = "".join(
        f"<tr><th>{esc(name)}</th><td>{esc(_answer(value) if s else '')}</td></tr>"
        for name, value in facts
    )
    score_text = (
        f"Score {result.score} of {result.max_score}: risk level {result.risk_level.upper()}"
        if result
        else f"Score ____ of {config.max_score}: risk level ________"
    )
    t = config.thresholds
    bands = (
        f"Low up to {t.medium_from - 1}; medium {t.medium_from} to {t.high_from - 1};"
        f" high from {t.high_from}."
    )
    title = "CSE risk screening" + ("" if s else " (blank form)")
    stamp = f"<p>Printed {esc(printed_at.strftime('%d/%m/%Y %H:%M'))} UTC</p>" if printed_at else ""
    agencies = ", ".join(_label(a) for a in AGENCIES)
    return (
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
        f"<title>{esc(title)} - {MARKING}</title><style>{PRINT_STYLE}</style></head><body>"
        f"<div class='marking'>{MARKING}</div><h1>{esc(title)}</h1>{stamp}"
        f"<table>{rows}</table><p><small>Agencies: {esc(agencies)}</small></p>"
        + _items_table(
            "Vulnerabilities", config.vulnerabilities, set(s.vulnerabilities) if s else None
        )
        + _items_table("Warning indicators", config.indicators, set(s.indicators) if s else None)
        + f"<h2>Result</h2><p><strong>{esc(score_text)}</strong></p><p>{esc(bands)}</p>"
        f"<div class='marking'>{MARKING}</div></body></html>"
    )
