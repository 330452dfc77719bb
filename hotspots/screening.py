"""The CSE risk screening tool: its items, the score, the risk level and keyed pseudonyms.

Each vulnerability ticked scores 1 and each warning indicator ticked scores 1 (DESIGN.md);
the risk level comes from thresholds in configuration, with the default the synthetic
generator uses (low up to 4, medium 5 to 8, high from 9). A young person's pseudonym can be
made from the referring agency's own case reference by a keyed hash (HMAC-SHA256), so the
same child gets the same pseudonym each time while the reference itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from hotspots.config import DEMO_SECRET, Settings
from hotspots.domain import AGENCIES, INDICATORS, RISK_LEVELS
from hotspots.ingest.rules import FIELDS, PEOPLE, check_person
from hotspots.synth import AGE_BANDS, GENDERS, HIGH_FROM, MEDIUM_FROM

#: The vulnerabilities of the source screening tool, each scored 1 when ticked.
VULNERABILITIES: Final[dict[str, str]] = {
    "emotional_neglect": "Emotional neglect",
    "physical_abuse": "Physical abuse",
    "sexual_abuse": "Sexual abuse",
    "family_breakdown": "Breakdown of family relationships",
    "family_domestic_abuse": "Family history of domestic abuse",
    "family_substance_misuse": "Family history of substance misuse",
    "family_mental_health": "Family history of mental health difficulties",
    "low_self_esteem": "Low self-esteem",
}

#: Setting names (see docs/readme/forms.md).
EXTRA_ITEMS_SETTING: Final[str] = "HOTSPOTS_SCREENING_EXTRA_ITEMS"
THRESHOLDS_SETTING: Final[str] = "HOTSPOTS_SCREENING_THRESHOLDS"
#: Default thresholds "medium_from,high_from", the same as hotspots.synth.
DEFAULT_THRESHOLDS: Final[str] = f"{MEDIUM_FROM},{HIGH_FROM}"

AGE_BAND_CODES: Final[tuple[str, ...]] = tuple(band for band, _, _ in AGE_BANDS)
GENDER_CODES: Final[tuple[str, ...]] = GENDERS
DISABILITY_CATEGORIES: Final[dict[str, str]] = {
    "learning": "Learning disability or difficulty",
    "physical": "Physical disability",
    "sensory": "Sensory impairment",
    "mental_health": "Mental health need",
    "autism": "Autistic spectrum",
    "other": "Other need",
}
_CODE_RE: Final = re.compile(r"[^a-z0-9]+")


class ScreeningError(ValueError):
    """A screening setting or answer the tool cannot use."""


@dataclass(frozen=True)
class Thresholds:
    """Score from which a screening is medium, and from which it is high."""

    medium_from: int = MEDIUM_FROM
    high_from: int = HIGH_FROM

    def level(self, score: int) -> str:
        if score >= self.high_from:
            return "high"
        if score >= self.medium_from:
            return "medium"
        return "low"


def parse_thresholds(value: str) -> Thresholds:
    """'5,9' -> medium from 5, high from 9."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ScreeningError(
            f"{THRESHOLDS_SETTING} must be 'medium_from,high_from' (e.g. {DEFAULT_THRESHOLDS});"
            f" got {value!r}"
        )
    medium, high = (int(part) for part in parts)
    if not 0 < medium < high:
        raise ScreeningError(
            f"{THRESHOLDS_SETTING}: need 0 < medium_from < high_from; got {value!r}"
        )
    return Thresholds(medium, high)


def item_code(label: str) -> str:
    """A stable code for a configured item label: 'Gang affiliation' -> 'gang_affiliation'."""
    return _CODE_RE.sub("_", label.strip().lower()).strip("_")


def parse_extra_items(value: str) -> dict[str, str]:
    """'Gang affiliation; Care leaver' -> {code: label}; ';' separates items."""
    items: dict[str, str] = {}
    for label in (part.strip() for part in value.split(";")):
        if not label:
            continue
        code = item_code(label)
        if code in VULNERABILITIES or code in INDICATORS or code in items:
            raise ScreeningError(f"{EXTRA_ITEMS_SETTING}: item {label!r} is listed twice")
        items[code] = label
    return items


def _setting(settings: Settings | None, name: str, environ: Mapping[str, str] | None) -> str:
    if settings is not None and settings.extra.get(name):
        return settings.extra[name]
    return (os.environ if environ is None else environ).get(name, "")


@dataclass(frozen=True)
class ScreeningConfig:
    """The items scored and the thresholds, as configured."""

    vulnerabilities: dict[str, str] = field(default_factory=lambda: dict(VULNERABILITIES))
    indicators: dict[str, str] = field(default_factory=lambda: dict(INDICATORS))
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def max_score(self) -> int:
        return len(self.vulnerabilities) + len(self.indicators)


def screening_config(
    settings: Settings | None = None, environ: Mapping[str, str] | None = None
) -> ScreeningConfig:
    """Read HOTSPOTS_SCREENING_EXTRA_ITEMS and HOTSPOTS_SCREENING_THRESHOLDS."""
    extra = parse_extra_items(_setting(settings, EXTRA_ITEMS_SETTING, environ))
    thresholds = parse_thresholds(
        _setting(settings, THRESHOLDS_SETTING, environ) or DEFAULT_THRESHOLDS
    )
    return ScreeningConfig(VULNERABILITIES | extra, dict(INDICATORS), thresholds)


@dataclass(frozen=True)
class Screening:
    """One completed screening of one young person (no free-text identifiers)."""

    pseudonym: str
    agency: str
    age_band: str | None = None
    gender: str | None = None
    interpreter: bool = False
    previous_concerns: bool = False
    other_agencies: tuple[str, ...] = ()
    disability: bool = False
    disability_category: str | None = None
    vulnerabilities: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    grooming_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    score: int
    risk_level: str
    max_score: int


def score(
    vulnerabilities: Iterable[str], indicators: Iterable[str], config: ScreeningConfig
) -> Result:
    """1 for each distinct known item ticked; unknown codes are refused, not ignored."""
    vulns, signs = set(vulnerabilities), set(indicators)
    unknown = sorted((vulns - set(config.vulnerabilities)) | (signs - set(config.indicators)))
    if unknown:
        raise ScreeningError(f"unknown screening items: {', '.join(unknown)}")
    total = len(vulns) + len(signs)
    level = config.thresholds.level(total)
    assert level in RISK_LEVELS
    return Result(total, level, config.max_score)


#: The profile fields a screening shares with an imported profile, checked by the importer's
#: own rule (`hotspots.ingest.rules.check_person`): one implementation, the same words.
PROFILE_FIELDS: Final[tuple[str, ...]] = ("pseudonym", "age_band", "gender", "grooming_models")
_PROFILE_LABELS: Final[dict[str, str]] = {f.name: f.label for f in FIELDS[PEOPLE]}


def validate(screening: Screening, config: ScreeningConfig) -> dict[str, str]:
    """Problems by field name (empty when the screening can be saved).

    Pseudonym, age band, gender and grooming models go through the importer's rule for a
    young person's profile; the answers only the screening tool asks are checked here.
    """
    checked = check_person({name: getattr(screening, name) for name in PROFILE_FIELDS})
    problems = {p.field: p.message(_PROFILE_LABELS[p.field]) for p in checked.problems}
    if screening.agency not in AGENCIES:
        problems["agency"] = "choose the referring agency"
    if set(screening.other_agencies) - set(AGENCIES):
        problems["other_agencies"] = "unknown agency"
    if screening.disability and screening.disability_category not in DISABILITY_CATEGORIES:
        problems["disability_category"] = "choose a category for the disability or need"
    if not screening.disability and screening.disability_category:
        problems["disability_category"] = "a category is only given when the answer is yes"
    if set(screening.vulnerabilities) - set(config.vulnerabilities):
        problems["vulnerabilities"] = "unknown vulnerability"
    if set(screening.indicators) - set(config.indicators):
        problems["indicators"] = "unknown warning indicator"
    return problems


def pseudonym_key(settings: Settings) -> bytes:
    """The HMAC key: HOTSPOTS_VEHICLE_KEY, or the public demo secret only in demo mode."""
    key = settings.vehicle_key or (DEMO_SECRET if settings.demo_mode else "")
    if not key:
        raise ScreeningError(
            "HOTSPOTS_VEHICLE_KEY is not set: it is needed to make pseudonyms outside demo mode"
        )
    return key.encode()


def normalise_reference(reference: str) -> str:
    """Case references compare without case, spaces or punctuation: 'sc/123 45' == 'SC12345'."""
    return re.sub(r"[^A-Z0-9]", "", reference.upper())


def keyed_pseudonym(agency: str, reference: str, key: bytes) -> str:
    """'YP-' + 8 hex of HMAC-SHA256(key, 'pseudonym|agency|reference'); the reference is not kept.

    The 'pseudonym|' prefix keeps these hashes apart from vehicle tokens made with the same key.
    """
    clean = normalise_reference(reference)
    if not clean:
        raise ScreeningError("the case reference is empty")
    if agency not in AGENCIES:
        raise ScreeningError(f"unknown agency {agency!r}")
    message = f"pseudonym|{agency}|{clean}".encode()
    return "YP-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:8].upper()


def labels(codes: Sequence[str], names: Mapping[str, str]) -> list[str]:
    return [names.get(code, code) for code in codes]
