"""Field validation: the one set of rules that the importer and the forms share.

A record is a mapping of *target field* (the names in `FIELDS`, such as ``seen_at`` or
``grooming_models``) to a raw value as typed or read from a file. Checking it gives the cleaned
values, ready for the database, and a list of `Problem` s, each naming the field, the value,
the reason and, where one exists, a suggestion (an unknown grooming model ``on street`` ->
``on_street``).

Two entry points apply the same rules:

* `check_record(kind, record)` (and `check_sighting`, `check_person`, `check_premises`,
  `check_area`, `check_context_point`) for one record, as a form submits it;
* `check_frame(kind, frame)` for a whole file, vectorised (a million rows in seconds).

`check_record` runs the record through the frame path as a one-row frame, so the two cannot
disagree; `tests/test_import_rules.py` checks that they do not. Checks that need the database
(duplicates, whether a pseudonym or premises is on record) are the loader's, not these.

`check_note` scans free text for direct identifiers and refuses or redacts them; the
disruption form and the intelligence form use it as it is.

Example
-------
>>> from datetime import datetime
>>> context = RuleContext(now=datetime(2026, 1, 1))
>>> checked = check_sighting({"source_ref": "INT-1", "seen_at": "03/02/2025 21:30",
...     "latitude": "53.57", "longitude": "-2.44", "source_agency": "police",
...     "grooming_models": "on street"}, context)
>>> [(p.field, p.reason, p.suggestion) for p in checked.problems]  # doctest: +NORMALIZE_WHITESPACE
[('grooming_models', 'is not a known grooming model; expected one or more of on_street,
  boyfriend, party, internet, lone, group', 'on_street')]
>>> checked.values["seen_at"]
datetime.datetime(2025, 2, 3, 21, 30)
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from hotspots.config import BOLTON_BBOX, Settings
from hotspots.domain import (
    AGENCIES,
    CODE_SEPARATOR,
    CRS_BNG,
    CRS_WGS84,
    GROOMING_MODELS,
    HANDLING_CODES,
    INDICATORS,
    INTELLIGENCE_ASSESSMENTS,
    PRECISIONS,
    PREMISES_CATEGORIES,
    RISK_LEVELS,
    SOURCE_EVALUATIONS,
)
from hotspots.ingest.identifiers import TEXT_KINDS, describe, find_identifiers, redact
from hotspots.ingest.tokens import VehicleKeyMissing, normalise_plate, vehicle_key, vehicle_token
from hotspots.synth import AGE_BANDS, GENDERS, NEEDS_FLAGS

SIGHTINGS: Final = "sightings"
PEOPLE: Final = "people"
PREMISES: Final = "premises"
AREAS: Final = "areas"
LAYER: Final = "layer"
#: Record types, as the command line names them.
KINDS: Final[tuple[str, ...]] = (SIGHTINGS, PEOPLE, PREMISES, AREAS, LAYER)
#: Record types about young people: every kind of identifier is refused in them.
PERSON_KINDS: Final[frozenset[str]] = frozenset({SIGHTINGS, PEOPLE})

#: Dates before this are refused (records before 2000 are almost always typing errors).
EARLIEST: Final[date] = date(2000, 1, 1)
UK_ZONE: Final = ZoneInfo("Europe/London")
MAX_NOTE: Final[int] = 2_000
AGE_BAND_CODES: Final[tuple[str, ...]] = tuple(band for band, _, _ in AGE_BANDS)
#: Pseudonyms look like YP-1A2B3C: letters, a hyphen, then hex digits (or letters and digits,
#: with at least one digit), so that a hyphenated name is not taken for one.
PSEUDONYM: Final = re.compile(r"^[A-Z]{1,5}-(?:[0-9A-F]{4,16}|(?=[A-Z0-9]*\d)[A-Z0-9]{3,16})$")
#: The screening tool's keyed pseudonyms and the synthetic ones are YP- and hex digits, which
#: may by chance hold no digit (YP-FACADE): accepted as they are, since no name looks so.
HEX_PSEUDONYM: Final = re.compile(r"^YP-[0-9A-F]{6,12}$")
#: A sighting's time may be a range (seen_at to seen_until) of at most this many days.
MAX_RANGE_DAYS: Final[int] = 7


@dataclass(frozen=True)
class Field:
    """A target field: what a column of a file or a box of a form may be mapped to."""

    name: str
    label: str
    help: str
    example: str = ""
    required: bool = False


def _f(name: str, label: str, help_text: str, example: str = "", required: bool = False) -> Field:
    return Field(name, label, help_text, example, required)


_LOCATION_FIELDS: Final = (
    _f("latitude", "Latitude", "decimal degrees north, WGS84 (as GPS and web maps give them);"
       " with longitude. British National Grid metres here are detected and converted",
       "53.5772"),
    _f("longitude", "Longitude", "decimal degrees east, WGS84 (negative west of Greenwich);"
       " with latitude", "-2.4436"),
    _f("easting", "Easting", "metres east on the British National Grid (EPSG:27700), instead"
       " of latitude and longitude; with northing", "371450"),
    _f("northing", "Northing", "metres north on the British National Grid; with easting",
       "408760"),
)  # fmt: skip
_GRADING_FIELDS: Final = (
    _f("grading", "Intelligence grading", "the 3x5x2 grading in one cell, such as 2B P or 2/B/P;"
       " or use the three columns below", "2B P"),
    _f("source_evaluation", "Source evaluation", "1, 2 or 3 (3x5x2 grading)", "2"),
    _f("intelligence_assessment", "Intelligence assessment", "A to E (3x5x2 grading)", "B"),
    _f("handling_code", "Handling code", "P (lawful sharing permitted) or C (conditions)", "P"),
)  # fmt: skip

#: Every target field of each record type, in template order.
FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    SIGHTINGS: (
        _f("source_ref", "Source reference", "the record's reference in the system it came from"
           " (intelligence log number); a reference already imported is skipped as a duplicate",
           "INT-2025-000123", True),
        _f("seen_at", "Date and time seen", "YYYY-MM-DD HH:MM or dd/mm/yyyy HH:MM (UK, day first);"
           " not in the future, not before 2000", "03/02/2025 21:30", True),
        _f("seen_until", "Seen until", "when the time is known only as a range: its end (the"
           f" same forms, at most {MAX_RANGE_DAYS} days after seen_at); the sighting is then"
           " placed at the middle of the range and both ends are kept", "03/02/2025 23:00"),
        *_LOCATION_FIELDS,
        _f("precision", "Precision", "how well the point is known: exact, street or area"
           " (default exact)", "street"),
        _f("grooming_models", "Grooming models", "one or more of " + ", ".join(GROOMING_MODELS)
           + ", separated by |", "on_street|group"),
        _f("indicators", "Indicators", "warning indicators, codes separated by |: "
           + ", ".join(INDICATORS), "risky_area|adults_loitering"),
        _f("people", "Young people", "pseudonyms of young people already on record (import"
           " profiles first), separated by |; never names", "YP-1A2B3C"),
        _f("premises_ref", "Premises reference", "reference of premises already on record",
           "SYN-P-0012"),
        _f("vehicle_registration", "Vehicle registration", "a number plate; it is replaced by a"
           " keyed token on import and never stored", "AB12 CDE"),
        _f("vehicle_token", "Vehicle token", "an existing token (16 hex digits), when the plate"
           " was already tokenised", "3f2a9c0d11b2e4f5"),
        _f("source_agency", "Source agency", "one of " + ", ".join(AGENCIES), "police", True),
        *_GRADING_FIELDS,
        _f("note", "Note", f"short free text (up to {MAX_NOTE} characters) with no names, dates"
           " of birth, phone numbers, e-mail or home addresses, postcodes or plates; refused"
           " or, with --redact, redacted", "Seen getting into a car with older males."),
        _f("area_code", "Area code", "ward, LSOA or neighbourhood code (never a full postcode)",
           "E05000650"),
    ),
    PEOPLE: (
        _f("pseudonym", "Pseudonym", "the young person's pseudonym from the risk screening tool"
           " (such as YP-1A2B3C); never a name", "YP-1A2B3C", True),
        _f("birth_year", "Year of birth", "four digits (never the date of birth)", "2009"),
        _f("age_band", "Age band", "one of " + ", ".join(AGE_BAND_CODES), "13-15"),
        _f("gender", "Gender", "one of " + ", ".join(GENDERS) + " (F and M are accepted)",
           "female"),
        _f("ethnicity", "Ethnicity", "broad group as recorded, up to 60 letters", "White British"),
        _f("needs_flags", "Needs", "codes separated by |: " + ", ".join(NEEDS_FLAGS),
           "child_in_need|send"),
        _f("home_area_code", "Home area code", "ward, LSOA or postcode district such as BL3;"
           " never a full postcode or address", "E05000650"),
        _f("screening_score", "Screening score", "whole number from the risk screening tool",
           "7"),
        _f("risk_level", "Risk level", "low, medium or high", "medium"),
        _f("grooming_models", "Grooming models", "codes separated by |: "
           + ", ".join(GROOMING_MODELS), "boyfriend"),
        _f("mfh_count", "Missing from home episodes", "whole number (default 0)", "2"),
    ),
    PREMISES: (
        _f("premises_ref", "Premises reference", "your reference for the premises; when empty"
           " one is made from the name and location", "LIC-P-0042"),
        _f("name", "Name", "the business or place name", "Station Lodge Hotel", True),
        _f("category", "Category", "one of " + ", ".join(PREMISES_CATEGORIES), "hotel", True),
        _f("licence_ref", "Licence reference", "licence number, if licensed", "LIC-2021-01234"),
        *_LOCATION_FIELDS,
    ),
    AREAS: (
        _f("code", "Code", "the area's code (ONS ward or LSOA code, beat number)", "E05000650",
           True),
        _f("name", "Name", "the area's name", "Astley Bridge", True),
        _f("kind", "Kind", "what the areas are: ward, lsoa, beat, neighbourhood... (default"
           " area); set it for a whole file with --set kind=ward", "ward"),
        _f("geometry", "Boundary", "the polygon: read from a vector file (GeoJSON, GeoPackage,"
           " Shapefile), or WKT text in a CSV", "MULTIPOLYGON (((...)))", True),
    ),
    LAYER: (
        _f("source_ref", "Source reference", "the record's own reference (police.uk Crime ID);"
           " optional", "eaf3cdfc7674..."),
        _f("seen_at", "Date", "date and time, or a month as YYYY-MM (police.uk Month)", "2016-12",
           True),
        *_LOCATION_FIELDS,
        _f("category", "Category", "the record's category (police.uk Crime type)", "Burglary"),
        _f("area_code", "Area code", "LSOA or ward code", "E01004768"),
    ),
}  # fmt: skip

#: Location: latitude/longitude, or easting/northing, is required (the geometry of premises
#: read from a vector file is turned into longitude/latitude by the reader).
LOCATION_REQUIRED: Final[frozenset[str]] = frozenset({SIGHTINGS, PREMISES, LAYER})


def field_names(kind: str) -> tuple[str, ...]:
    """Target field names of a record type, in template order."""
    return tuple(f.name for f in FIELDS[_known_kind(kind)])


def _known_kind(kind: str) -> str:
    if kind not in FIELDS:
        raise ValueError(f"unknown record type {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Problem:
    """Why one value of one field was refused.

    `reason` follows the quoted value in a sentence ("'3X5000' is not a number; expected metres
    east on the British National Grid"); `suggestion` is a value that would be accepted, when
    one is likely.
    """

    field: str
    value: str
    reason: str
    suggestion: str | None = None

    def message(self, column: str | None = None, where: str = "") -> str:
        """The problem as one sentence: "sightings.csv row 214, column 'easting': '3X5000' is...".

        >>> Problem("easting", "3X5000", "is not a number").message("Easting", "f.csv row 2")
        "f.csv row 2, column 'Easting': '3X5000' is not a number"
        """
        place = (
            f"{where}, column '{column or self.field}'" if where else f"'{column or self.field}'"
        )
        text = f"{place}: '{self.value}' {self.reason}" if self.value else f"{place} {self.reason}"
        if self.suggestion:
            text += f" (did you mean '{self.suggestion}'?)"
        return text


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the record: the area accepted, today, the vehicle key.

    `now` is the moment after which a date is "in the future" (default: now, UK time).
    `vehicle_key` is needed only when a record carries a vehicle registration; without it
    such a record raises `VehicleKeyMissing` with `vehicle_key_problem` as the message.
    `redact`: notes holding identifiers are redacted instead of refused.
    `require_grading`: a sighting without the three parts of its 3x5x2 grading is refused
    (the partner intelligence form: intelligence arrives graded at the source).
    """

    bbox: tuple[float, float, float, float] = BOLTON_BBOX
    now: datetime | None = None
    vehicle_key: bytes | None = None
    vehicle_key_problem: str = ""
    redact: bool = False
    earliest: date = EARLIEST
    require_grading: bool = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, redact: bool = False, now: datetime | None = None
    ) -> RuleContext:
        try:
            key, problem = vehicle_key(settings), ""
        except VehicleKeyMissing as missing:
            key, problem = None, str(missing)
        return cls(settings.bbox, now, key, problem, redact)

    def current_time(self) -> datetime:
        return self.now or datetime.now(UK_ZONE).replace(tzinfo=None)


@dataclass(frozen=True)
class CheckedRecord:
    """One record checked: cleaned values (None where a field was refused) and the problems."""

    values: dict[str, Any]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_by_field(self) -> dict[str, str]:
        """Field -> message, for a form to show beside each box."""
        return {p.field: p.message(p.field) for p in self.problems}


PROBLEM_COLUMNS: Final[tuple[str, ...]] = ("row", "field", "value", "reason", "suggestion")


@dataclass(frozen=True)
class CheckedFrame:
    """A frame checked: cleaned values of the rows that passed, and every problem.

    `values` keeps the input's index for accepted rows; `problems` has one line per refused
    value (columns `PROBLEM_COLUMNS`, `row` being the input's index label); `redacted` counts
    notes whose identifiers were redacted.
    """

    values: pd.DataFrame
    problems: pd.DataFrame
    redacted: int = 0

    @property
    def rejected_rows(self) -> pd.Index:
        return pd.Index(self.problems["row"].unique())


# ---------------------------------------------------------------------------------------------
# Collecting problems


class _Problems:
    """Problems found column by column, as arrays, turned into one frame at the end."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.parts: list[pd.DataFrame] = []
        self.bad = np.zeros(len(index), dtype=bool)

    def add(
        self,
        field_name: str,
        mask: np.ndarray,
        value: pd.Series | np.ndarray | str,
        reason: np.ndarray | str,
        suggestion: np.ndarray | str | None = None,
    ) -> None:
        """Record a problem for every row in `mask`; the other arguments are per row or one."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.bad |= mask
        rows = np.flatnonzero(mask)

        def pick(item: Any) -> Any:
            if item is None or isinstance(item, str):
                return [item] * len(rows)
            if isinstance(item, pd.Series):  # convert only the rows needed
                return item.iloc[rows].to_numpy(dtype=object)
            if callable(item):
                return item(rows)
            return np.asarray(item, dtype=object)[rows]

        columns = {"value": value, "reason": reason, "suggestion": suggestion}
        self.parts.append(
            pd.DataFrame(
                {
                    "position": rows,
                    "field": pd.Series([field_name] * len(rows), dtype=object),
                    **{
                        name: pd.Series(list(pick(item)), dtype=object)
                        for name, item in columns.items()
                    },
                }
            )
        )

    def frame(self, order: Mapping[str, int]) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in PROBLEM_COLUMNS})
        found = pd.concat(self.parts, ignore_index=True)
        found["order"] = found["field"].map(order).fillna(len(order))
        found = found.sort_values(["position", "order"], kind="stable")
        found.insert(0, "row", self.index[found["position"].to_numpy()])
        # Built as object columns: pandas would read a column of text and None as 'str', NaN.
        cells = {
            "row": list(found["row"]),
            "field": list(found["field"]),
            "value": ["" if _missing(v) else str(v) for v in found["value"]],
            "reason": list(found["reason"]),
            "suggestion": [None if _missing(v) else v for v in found["suggestion"]],
        }
        return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cells.items()})


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers


def _strings(series: pd.Series) -> pd.Series:
    """Values as stripped text, '' for missing (every rule starts from this)."""
    if str(series.dtype) != "str":
        series = series.map(_as_text, na_action=None).astype("str")
    return series.fillna("").str.strip()


def _as_text(value: Any) -> str:
    """A form's typed value as the text a file would hold."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return CODE_SEPARATOR.join(_as_text(v) for v in value)
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return str(value)


def _per_unique(
    series: pd.Series, check: Callable[[str], tuple[Any, str | None, str | None]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply `check(raw) -> (clean, reason, suggestion)` once per distinct value.

    Codes and notes repeat a great deal, so this is what keeps a million rows fast.
    """
    codes, uniques = pd.factorize(series)
    results = [check(str(value)) for value in uniques]
    clean = np.empty(len(results), dtype=object)
    reason = np.empty(len(results), dtype=object)
    suggestion = np.empty(len(results), dtype=object)
    for i, (c, r, s) in enumerate(results):
        clean[i], reason[i], suggestion[i] = c, r, s
    return clean[codes], reason[codes], suggestion[codes]


def _arrow(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    """The text column as an Arrow array (no copy for pandas' own Arrow-backed text)."""
    return pa.array(series if str(series.dtype) == "str" else series.astype("str"))


def _regex(series: pd.Series, pattern: str) -> np.ndarray:
    """Rows whose text matches `pattern` somewhere (RE2 syntax, run by Arrow)."""
    found = pc.match_substring_regex(_arrow(series), pattern)
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _fullmatch(series: pd.Series, pattern: str) -> np.ndarray:
    return _regex(series, f"^(?:{pattern})$")


def _to_float(series: pd.Series) -> np.ndarray:
    """Text to float64 (NaN where not a number), by Arrow's cast when every value parses."""
    array = _arrow(series)
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)
    try:
        return pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


# Control and text-direction characters (RE2 syntax); notes may hold tabs and line breaks.
_CONTROL: Final = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{202a}-\x{202e}\x{2066}-\x{2069}]"
_CONTROL_LINE: Final = r"[\x00-\x1f\x7f\x{202a}-\x{202e}\x{2066}-\x{2069}]"
_CONTROL_PY: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_CONTROL_LINE_PY: Final = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _norm_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class _Codes:
    """Known codes with their labels: accepts a code or a label in any case, suggests near ones."""

    def __init__(
        self, codes: Mapping[str, str] | Iterable[str], what: str, aliases: Mapping[str, str] = {}
    ) -> None:
        labels = dict(codes) if isinstance(codes, Mapping) else {c: c for c in codes}
        self.codes = tuple(labels)
        self.what = what
        self.accept = {c.lower(): c for c in labels} | {
            label.lower(): code for code, label in labels.items()
        }
        self.accept |= {alias.lower(): code for alias, code in aliases.items()}
        self.near = {_norm_key(c): c for c in labels} | {
            _norm_key(label): code for code, label in labels.items()
        }

    def find(self, raw: str) -> str | None:
        return self.accept.get(raw.strip().lower())

    def suggest(self, raw: str) -> str | None:
        key = _norm_key(raw)
        if key in self.near:
            return self.near[key]
        close = difflib.get_close_matches(key, list(self.near), n=1, cutoff=0.7)
        return self.near[close[0]] if close else None

    def expected(self) -> str:
        return ", ".join(self.codes)


_MODELS: Final = _Codes(GROOMING_MODELS, "grooming model")
_INDICATORS: Final = _Codes(INDICATORS, "indicator")
_PRECISIONS: Final = _Codes(PRECISIONS, "precision")
_AGENCIES: Final = _Codes(
    AGENCIES, "agency", {"gmp": "police", "childrens social care": "social_care"}
)
_CATEGORIES: Final = _Codes(PREMISES_CATEGORIES, "premises category", {"taxi": "taxi_office"})
_GENDERS: Final = _Codes(GENDERS, "gender", {"f": "female", "m": "male", "girl": "female",
                                             "boy": "male"})  # fmt: skip
_AGE_BANDS: Final = _Codes(AGE_BAND_CODES, "age band")
_RISK: Final = _Codes(RISK_LEVELS, "risk level")
_NEEDS: Final = _Codes(NEEDS_FLAGS, "needs flag")
_SOURCE_EVALUATIONS: Final = _Codes(SOURCE_EVALUATIONS, "source evaluation")
_ASSESSMENTS: Final = _Codes(INTELLIGENCE_ASSESSMENTS, "intelligence assessment")
_HANDLING: Final = _Codes(HANDLING_CODES, "handling code")


# ---------------------------------------------------------------------------------------------
# The checks, one per kind of field. Each reads raw[...] and writes out[...] and problems.

Raw = pd.DataFrame
Out = dict[str, Any]


def _required_empty(
    raw: Raw, name: str, problems: _Problems, what: str, required: bool
) -> np.ndarray:
    empty = (raw[name] == "").to_numpy()
    if required:
        problems.add(name, empty, "", f"is empty; {what} is required")
    return empty


def _text(
    raw: Raw,
    out: Out,
    problems: _Problems,
    name: str,
    *,
    what: str,
    required: bool = False,
    max_len: int = 100,
    multiline: bool = False,
) -> None:
    values = raw[name]
    empty = _required_empty(raw, name, problems, what, required)
    too_long = (values.str.len() > max_len).to_numpy()
    problems.add(name, too_long, values.str.slice(0, 40) + "…",
                 f"is longer than {max_len} characters")  # fmt: skip
    control = _regex(values, _CONTROL if multiline else _CONTROL_LINE) & ~too_long
    problems.add(name, control, _shown(values),
                 "holds a control or text-direction character; remove it")  # fmt: skip
    out[name] = values.astype(object).where(~empty, None)


def _printable(text: str) -> str:
    return _CONTROL_LINE_PY.sub("?", text)[:60]


def _shown(values: pd.Series) -> Callable[[np.ndarray], list[str]]:
    """The values of some rows made printable, computed only for rows with a problem."""
    return lambda rows: [_printable(str(v)) for v in values.iloc[rows]]


def _code(
    raw: Raw,
    out: Out,
    problems: _Problems,
    name: str,
    codes: _Codes,
    *,
    required: bool = False,
    default: str | None = None,
) -> None:
    def check(value: str) -> tuple[str | None, str | None, str | None]:
        if not value:
            article = "an" if codes.what[0] in "aeiou" else "a"
            missing = f"is empty; {article} {codes.what} is required" if required else None
            return default, missing, None
        found = codes.find(value)
        if found is not None:
            return found, None, None
        return (
            None,
            f"is not a known {codes.what}; expected {codes.expected()}",
            codes.suggest(value),
        )

    clean, reason, suggestion = _per_unique(raw[name], check)
    problems.add(name, pd.notna(reason), raw[name], reason, suggestion)
    out[name] = clean


def _split_codes(value: str) -> list[str]:
    for separator in (CODE_SEPARATOR, ";", ","):
        if separator in value:
            return [part.strip() for part in value.split(separator) if part.strip()]
    return [value]


def _codes(raw: Raw, out: Out, problems: _Problems, name: str, codes: _Codes) -> None:
    def check(value: str) -> tuple[str, str | None, str | None]:
        if not value:
            return "", None, None
        whole = codes.find(value)
        if whole is not None:
            return whole, None, None
        parts = _split_codes(value)
        found = [codes.find(part) for part in parts]
        unknown = [part for part, code in zip(parts, found, strict=True) if code is None]
        if not unknown:
            return CODE_SEPARATOR.join(sorted(set(found))), None, None  # type: ignore[arg-type]
        hint = codes.suggest(unknown[0])
        expected = f"expected one or more of {codes.expected()}"
        if len(parts) == 1:
            return "", f"is not a known {codes.what}; {expected}", hint
        listed = ", ".join(f"'{u}'" for u in unknown)
        return "", f"holds {listed}, not a known {codes.what}; {expected}", hint

    clean, reason, suggestion = _per_unique(raw[name], check)
    problems.add(name, pd.notna(reason), raw[name], reason, suggestion)
    out[name] = clean


def _integer(
    raw: Raw,
    out: Out,
    problems: _Problems,
    name: str,
    low: int,
    high: int,
    *,
    what: str,
    default: int | None = None,
) -> None:
    values = raw[name]
    empty = (values == "").to_numpy()
    number = _to_float(values)
    not_number = ~empty & (np.isnan(number) | (np.mod(np.nan_to_num(number), 1) != 0))
    problems.add(name, not_number, values,
                 f"is not a whole number; expected {what}")  # fmt: skip
    outside = ~empty & ~not_number & ((number < low) | (number > high))
    problems.add(name, outside, values,
                 f"is outside {low} to {high}; expected {what}")  # fmt: skip
    ok = ~empty & ~not_number & ~outside
    clean = pd.array(np.where(ok, np.nan_to_num(number), 0).astype(np.int64), dtype="Int64")
    clean[~ok] = pd.NA
    if default is not None:
        clean[empty] = default
    out[name] = clean


def _pseudonym_check(value: str) -> tuple[str | None, str | None, str | None]:
    if not value:
        return None, None, None
    clean = value.upper()
    if PSEUDONYM.match(clean) or HEX_PSEUDONYM.match(clean):
        return clean, None, None
    if find_identifiers(value, ("person_name",)) or re.fullmatch(r"[A-Za-z'’ -]{2,}", value):
        return None, "looks like a name, not a pseudonym; never import names", None
    return (
        None,
        "is not a pseudonym; expected letters, a hyphen, letters and digits (YP-1A2B3C)",
        None,
    )


def _pseudonym(raw: Raw, out: Out, problems: _Problems, name: str) -> None:
    empty = _required_empty(raw, name, problems, "the pseudonym", True)
    clean, reason, _ = _per_unique(raw[name], _pseudonym_check)
    problems.add(name, ~empty & pd.notna(reason), raw[name], reason)
    out[name] = clean


def _people(raw: Raw, out: Out, problems: _Problems, name: str) -> None:
    def check(value: str) -> tuple[str, str | None, str | None]:
        if not value:
            return "", None, None
        parts = _split_codes(value)
        cleaned = []
        for part in parts:
            pseudonym, reason, _ = _pseudonym_check(part)
            if reason:
                shown = "" if len(parts) == 1 else f"holds '{part}', which "
                return "", shown + reason, None
            cleaned.append(pseudonym)
        return CODE_SEPARATOR.join(sorted(set(cleaned))), None, None

    clean, reason, _ = _per_unique(raw[name], check)
    problems.add(name, pd.notna(reason), raw[name], reason)
    out[name] = clean


# -- dates

_DATE_FORMATS: Final[tuple[str, ...]] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
)  # fmt: skip
_OFFSET: Final = r"(?:Z|[+-]\d{2}:?\d{2})$"
_EXPECTED_DATE: Final = "expected YYYY-MM-DD [HH:MM] or dd/mm/yyyy [HH:MM]"


def parse_datetimes(values: pd.Series, *, month_ok: bool = False) -> pd.Series:
    """Text to naive UK-time timestamps (NaT where not a date), trying each accepted form.

    ISO (2025-02-03 21:30, 2025-02-03T21:30:00, with Z or an offset converted to UK time) and
    UK day-first (03/02/2025 21:30, 3/2/2025); with `month_ok`, a month alone (2016-12, as
    police.uk gives it) means its first day.
    """
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    todo = (values != "").to_numpy(copy=True)
    for form in (*_DATE_FORMATS, *(("%Y-%m",) if month_ok else ())):
        if not todo.any():
            break
        parsed = pd.to_datetime(values[todo], format=form, errors="coerce")
        hit = parsed.notna().to_numpy()
        if hit.any():
            result.iloc[np.flatnonzero(todo)[hit]] = parsed[hit].astype("datetime64[us]")
            todo[np.flatnonzero(todo)[hit]] = False
    if todo.any():
        rest = values[todo]
        zoned = _regex(rest, _OFFSET)
        if zoned.any():
            parsed = pd.to_datetime(rest[zoned], format="ISO8601", utc=True, errors="coerce")
            local = parsed.dt.tz_convert(UK_ZONE).dt.tz_localize(None).astype("datetime64[us]")
            result.iloc[np.flatnonzero(todo)[zoned]] = local
    return result


def _date_problem(value: str) -> tuple[str, str | None]:
    """Why a value that did not parse is not a date, with a corrected form when obvious."""
    uk = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})(.*)", value)
    if uk:
        day, month, year, rest = uk.groups()
        if len(year) == 2:
            return "has a two-digit year; use four digits", f"{day}/{month}/20{year}{rest}"
        if int(month) > 12 >= int(day) >= 1:
            return (
                f"is not a date: there is no month {int(month)}; dates are day first (dd/mm/yyyy)",
                f"{month}/{day}/{year}{rest}",
            )
        return "is not a real date", None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}.*", value):
        return f"is not a real date or time; {_EXPECTED_DATE}", None
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return "is a month, not a date; give the day too (YYYY-MM-DD)", f"{value}-01"
    return f"is not a date; {_EXPECTED_DATE}", None


def _date(
    raw: Raw,
    out: Out,
    problems: _Problems,
    context: RuleContext,
    name: str,
    *,
    required: bool,
    month_ok: bool = False,
) -> None:
    values = raw[name]
    empty = _required_empty(raw, name, problems, "a date", required)
    parsed = parse_datetimes(values, month_ok=month_ok)
    failed = ~empty & parsed.isna().to_numpy()
    if failed.any():
        _, reason, suggestion = _per_unique(values[failed], lambda v: (None, *_date_problem(v)))
        full_reason = np.empty(len(values), dtype=object)
        full_suggestion = np.empty(len(values), dtype=object)
        full_reason[failed], full_suggestion[failed] = reason, suggestion
        problems.add(name, failed, values, full_reason, full_suggestion)
    now = context.current_time()
    future = (parsed > pd.Timestamp(now)).to_numpy(dtype=bool)
    problems.add(name, future, values,
                 f"is in the future (after {now:%d/%m/%Y %H:%M}); dates are day first,"
                 " dd/mm/yyyy")  # fmt: skip
    early = (parsed < pd.Timestamp(context.earliest)).to_numpy(dtype=bool)
    problems.add(name, early, values,
                 f"is before {context.earliest:%Y}; check the year")  # fmt: skip
    out[name] = parsed.where(~(future | early))


def _time_range(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> None:
    """seen_at to seen_until: a range of at most MAX_RANGE_DAYS, placed at its middle.

    The middle, not the start: most ranges are short ("between 9 and 11 pm") and the
    hour-of-day and weekday signatures of hotspots would shift every one of them early.
    `seen_from` and `seen_until` keep both ends (None for a single moment), so a later
    analysis can spread a range over the hours it covers (aoristic analysis).
    """
    _date(raw, out, problems, context, "seen_until", required=False)
    start, end = out["seen_at"], out["seen_until"]
    given = (raw["seen_until"] != "").to_numpy() & start.notna().to_numpy() & end.notna().to_numpy()
    before = given & (end < start).to_numpy(dtype=bool)
    problems.add("seen_until", before, raw["seen_until"],
                 "is before the start of the range (seen_at); the end comes after it")  # fmt: skip
    too_long = given & (end - start > pd.Timedelta(days=MAX_RANGE_DAYS)).to_numpy(dtype=bool)
    problems.add("seen_until", too_long, raw["seen_until"],
                 f"is more than {MAX_RANGE_DAYS} days after the start of the range (seen_at);"
                 " give a shorter range, or the best single time")  # fmt: skip
    ranged = given & ~before & ~too_long & (end > start).to_numpy(dtype=bool)
    keep = pd.Series(ranged, index=raw.index)
    out["seen_from"] = start.where(keep)
    out["seen_until"] = end.where(keep)
    out["seen_at"] = start.where(~keep, (start + (end - start) / 2).dt.floor("s"))


# -- location

_TO_WGS84: Final = Transformer.from_crs(CRS_BNG, CRS_WGS84, always_xy=True)
_BNG_LIMITS: Final = (0.0, 0.0, 700_000.0, 1_300_000.0)


def _numbers(text: pd.Series, decimal_comma: bool) -> np.ndarray:
    """Coordinates as floats: a decimal comma in degrees (53,5772), thousands separators in
    metres (371,450) are understood."""
    pattern = r"-?\d+,\d+" if decimal_comma else r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    comma = _fullmatch(text, pattern)
    if comma.any():
        text = text.copy()
        text[comma] = text[comma].str.replace(",", "." if decimal_comma else "", regex=False)
    return _to_float(text)


_UNITS: Final[dict[str, str]] = {
    "easting": "metres east on the British National Grid",
    "northing": "metres north on the British National Grid",
    "longitude": "decimal degrees of longitude (WGS84)",
    "latitude": "decimal degrees of latitude (WGS84)",
}


def _pairs(x_text: pd.Series, y_text: pd.Series, mask: np.ndarray) -> np.ndarray:
    """'x, y' as the file gave them, for the rows in `mask` (reports show both numbers)."""
    shown = np.full(len(mask), None, dtype=object)
    shown[mask] = (x_text[mask] + ", " + y_text[mask]).to_numpy(dtype=object)
    return shown


def _location(
    raw: Raw, out: Out, problems: _Problems, context: RuleContext, *, required: bool
) -> None:
    """Latitude/longitude or easting/northing to lon/lat in WGS84, inside the configured area.

    The coordinate system is detected from the values: a pair within ±180/±90 is degrees, a
    pair of positive numbers up to 700,000/1,300,000 is British National Grid metres (whichever
    columns it came from), converted with pyproj.
    """
    bng = ((raw["easting"] != "") | (raw["northing"] != "")).to_numpy()
    x_text = raw["easting"].where(bng, raw["longitude"])
    y_text = raw["northing"].where(bng, raw["latitude"])
    x, y = np.full(len(raw), np.nan), np.full(len(raw), np.nan)
    for group, decimal_comma in ((bng, False), (~bng, True)):
        if group.any():
            x[group] = _numbers(x_text[group], decimal_comma)
            y[group] = _numbers(y_text[group], decimal_comma)
    x_empty, y_empty = (x_text == "").to_numpy(), (y_text == "").to_numpy()
    if required:
        problems.add("latitude", x_empty & y_empty, "",
                     "is empty; a location is required: latitude and longitude, or easting and"
                     " northing")  # fmt: skip
    complete = ~np.isnan(x) & ~np.isnan(y)
    degrees = complete & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    west, south, east, north = _BNG_LIMITS
    metres = complete & ~degrees & (x >= west) & (x <= east) & (y >= south) & (y <= north)
    lon, lat = x.copy(), y.copy()
    if metres.any():
        lon[metres], lat[metres] = _TO_WGS84.transform(x[metres], y[metres])
    w, s, e, n = context.bbox
    outside = (degrees | metres) & ~((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n))
    swapped = outside & degrees & (y >= w) & (y <= e) & (x >= s) & (x <= n)
    for group, (x_name, y_name) in ((bng, ("easting", "northing")),
                                    (~bng, ("longitude", "latitude"))):  # fmt: skip
        if not group.any():
            continue
        for name, empty, other_empty, values, number in (
            (x_name, x_empty, y_empty, x_text, x), (y_name, y_empty, x_empty, y_text, y)
        ):  # fmt: skip
            partner = y_name if name == x_name else x_name
            problems.add(name, group & empty & ~other_empty, "",
                         f"is empty; {partner} needs {name} too")  # fmt: skip
            problems.add(name, group & ~empty & np.isnan(number), values,
                         f"is not a number; expected {_UNITS[name]}")  # fmt: skip
        neither = group & complete & ~degrees & ~metres
        problems.add(y_name, neither, _pairs(x_text, y_text, neither),
                     "is neither longitude/latitude in degrees nor easting/northing in metres on"
                     " the British National Grid")  # fmt: skip
        away = group & outside
        problems.add(y_name, away, _pairs(x_text, y_text, away),
                     f"is outside the configured area (west {w}, south {s}, east {e}, north {n}"
                     " in WGS84, HOTSPOTS_BBOX); check the coordinates",
                     np.where(swapped, "latitude and longitude look swapped", None))  # fmt: skip
    good = (degrees | metres) & ~outside
    out["lon"] = np.where(good, np.round(lon, 7), np.nan)
    out["lat"] = np.where(good, np.round(lat, 7), np.nan)


# -- vehicles, gradings, notes, areas


def _vehicle(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> None:
    plates = raw["vehicle_registration"]
    has_plate = (plates != "").to_numpy()
    tokens = np.full(len(raw), None, dtype=object)
    if has_plate.any():
        if context.vehicle_key is None:
            raise VehicleKeyMissing(
                context.vehicle_key_problem or "a vehicle key is needed to tokenise plates"
            )
        key = context.vehicle_key

        def check(value: str) -> tuple[str | None, str | None, str | None]:
            if normalise_plate(value) is None:
                return None, "is not a vehicle registration; expected letters and digits such" \
                    " as AB12 CDE", None  # fmt: skip
            return vehicle_token(value, key), None, None

        clean, reason, _ = _per_unique(plates[has_plate], check)
        bad = np.zeros(len(raw), dtype=bool)
        bad[has_plate] = pd.notna(reason)
        problems.add("vehicle_registration", bad, "(registration not shown)",
                     np.where(bad, "is not a vehicle registration; expected letters and digits"
                              " such as AB12 CDE", None))  # fmt: skip
        tokens[has_plate] = clean
    given = raw["vehicle_token"].str.lower()
    use_token = ~has_plate & (given != "").to_numpy()
    valid = _fullmatch(given, r"[0-9a-f]{16}")
    problems.add("vehicle_token", use_token & ~valid, raw["vehicle_token"],
                 "is not a vehicle token (16 hex digits); give the plate as"
                 " vehicle_registration instead")  # fmt: skip
    tokens[use_token & valid] = given.to_numpy(dtype=object)[use_token & valid]
    out["vehicle_token"] = tokens


def _grading(raw: Raw, out: Out, problems: _Problems, *, required: bool = False) -> None:
    combined = raw["grading"]

    def split(value: str) -> tuple[tuple[str, str, str] | None, str | None, str | None]:
        if not value:
            return None, None, None
        key = re.sub(r"[^0-9A-Za-z]", "", value).upper()
        match = re.fullmatch(r"([123])([A-E])([PC])", key) or re.fullmatch(
            r"([A-E])([123])([PC])", key
        )
        if match is None:
            return None, "is not a 3x5x2 grading; expected source 1-3, assessment A-E and" \
                " handling P or C, such as 2B P", None  # fmt: skip
        first, second, handling = match.groups()
        source, assessment = (first, second) if first.isdigit() else (second, first)
        return (source, assessment, handling), None, None

    parts, reason, _ = _per_unique(combined, split)
    problems.add("grading", pd.notna(reason), combined, reason)
    merged = raw
    given = pd.notna(parts)
    if given.any():  # a one-cell grading fills the three columns where they are empty
        merged = raw.copy()
        for position, name in enumerate(_GRADING_PARTS):
            from_grading = np.array([p[position] if p else "" for p in parts], dtype=object)
            use = given & (raw[name] == "").to_numpy()
            merged[name] = raw[name].mask(use, pd.Series(from_grading, index=raw.index))
    for name, codes in zip(_GRADING_PARTS, (_SOURCE_EVALUATIONS, _ASSESSMENTS, _HANDLING),
                           strict=True):  # fmt: skip
        _code(merged, out, problems, name, codes, required=required)


_GRADING_PARTS: Final = ("source_evaluation", "intelligence_assessment", "handling_code")


def _note_one(text: str, redact_it: bool) -> tuple[str | None, str | None, str | None, bool]:
    """(clean note, reason, suggestion, redacted?) for one note."""
    if not text:
        return None, None, None, False
    if len(text) > MAX_NOTE:
        return None, f"is longer than {MAX_NOTE} characters; shorten it", None, False
    if _CONTROL_PY.search(text):
        return None, "holds a control or text-direction character; remove it", None, False
    cleaned, findings = redact(text, TEXT_KINDS)
    if not findings:
        return text, None, None, False
    if redact_it:
        return cleaned, None, None, True
    return (
        None,
        f"holds what looks like {describe(findings)}; notes may not hold identifiers"
        " (remove it, or have notes redacted: the redact box on a form or the Import page,"
        " --redact on the command line)",
        cleaned,
        False,
    )


def check_note(
    field_name: str, text: str | None, *, redact: bool = False
) -> tuple[str | None, list[Problem]]:
    """Scan one free-text note for direct identifiers: refuse them, or redact them.

    Returns the note to store (None when empty or refused) and the problems. With `redact`,
    identifiers are replaced by markers such as "[phone number removed]" and nothing is
    refused for them. A problem's value is the note with its identifiers masked, so the
    identifier is not repeated into reports or logs.

    >>> check_note("note", "Ring 07700 900123 after school")[1][0].reason[:38]
    'holds what looks like a phone number; '
    >>> check_note("note", "Ring 07700 900123 after school", redact=True)[0]
    'Ring [phone number removed] after school'
    """
    clean, reason, masked, _ = _note_one((text or "").strip(), redact)
    if reason is None:
        return clean, []
    return None, [Problem(field_name, masked or _printable(text or ""), reason)]


def _note(raw: Raw, out: Out, problems: _Problems, context: RuleContext, name: str) -> int:
    codes, uniques = pd.factorize(raw[name])
    results = [_note_one(str(value), context.redact) for value in uniques]
    clean = np.array([r[0] for r in results] + [None], dtype=object)[codes]
    reason = np.array([r[1] for r in results] + [None], dtype=object)[codes]
    masked = np.array([r[2] or _printable(str(u)) for r, u in zip(results, uniques, strict=True)]
                      + [""], dtype=object)[codes]  # fmt: skip
    redacted = np.array([r[3] for r in results] + [False], dtype=bool)[codes]
    problems.add(name, pd.notna(reason), masked, reason)
    out[name] = clean
    return int(redacted.sum())


_AREA_CODE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _./-]{0,29}$")
_FULL_POSTCODE: Final = re.compile(
    r"^([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}$", re.IGNORECASE
)


def _area_code(
    raw: Raw, out: Out, problems: _Problems, name: str, *, required: bool = False
) -> None:
    def check(value: str) -> tuple[str | None, str | None, str | None]:
        if not value:
            return None, None, None
        postcode = _FULL_POSTCODE.match(value)
        if postcode:
            return (
                None,
                "is a full postcode, which can identify a home; give an area code"
                " (ward, LSOA, or the postcode district)",
                postcode.group(1).upper(),
            )
        if not _AREA_CODE.match(value):
            return (
                None,
                "is not an area code; expected letters, digits and - / . _ (up to 30)",
                None,
            )
        return value, None, None

    _required_empty(raw, name, problems, "a code", required)
    clean, reason, suggestion = _per_unique(raw[name], check)
    problems.add(name, pd.notna(reason), raw[name], reason, suggestion)
    out[name] = clean


def _area_geometry(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> None:
    values = raw["geometry"]
    empty = _required_empty(raw, "geometry", problems, "the boundary", True)
    geometries = shapely.from_wkt(values.where(values != "", None).to_numpy(dtype=object),
                                  on_invalid="ignore")  # fmt: skip
    unreadable = ~empty & shapely.is_missing(geometries)
    problems.add("geometry", unreadable, values.str.slice(0, 40).to_numpy(dtype=object),
                 "is not a geometry (WKT)")  # fmt: skip
    kinds = shapely.get_type_id(geometries)
    polygonal = np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    problems.add("geometry", ~empty & ~unreadable & ~polygonal,
                 values.str.slice(0, 40).to_numpy(dtype=object),
                 "is not a polygon; areas need boundaries")  # fmt: skip
    good = polygonal.copy()
    if good.any():
        shapes = geometries[good]
        bounds = shapely.bounds(shapes)
        metres = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (
            np.abs(bounds[:, [1, 3]]) > 90
        ).any(axis=1)
        if metres.any():
            shapes[metres] = shapely.transform(
                shapes[metres], lambda xy: np.column_stack(_TO_WGS84.transform(xy[:, 0], xy[:, 1]))
            )
        invalid = ~shapely.is_valid(shapes)
        if invalid.any():
            shapes[invalid] = [_polygons_only(shapely.make_valid(s)) for s in shapes[invalid]]
        shapes = np.array([_as_multipolygon(s) for s in shapes], dtype=object)
        box = shapely.box(*context.bbox)
        inside = shapely.intersects(shapes, box)
        geometries[good] = shapes
        outside = np.zeros(len(raw), dtype=bool)
        outside[np.flatnonzero(good)[~inside]] = True
        problems.add("geometry", outside, "(boundary)",
                     "lies wholly outside the configured area (HOTSPOTS_BBOX)")  # fmt: skip
        good &= ~outside
    wkt = np.full(len(raw), None, dtype=object)
    if good.any():
        wkt[good] = shapely.to_wkt(geometries[good], rounding_precision=7)
    out["wkt"] = wkt


def _polygons_only(geometry: shapely.Geometry) -> shapely.Geometry:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _as_multipolygon(geometry: shapely.Geometry) -> shapely.Geometry:
    if geometry.geom_type == "Polygon":
        return shapely.MultiPolygon([geometry])
    return geometry


def _premises_ref(out: Out, problems: _Problems) -> None:
    """A stable reference from name and place when the file gives none (re-import: duplicate)."""
    refs = out["premises_ref"]
    missing = pd.isna(pd.Series(refs, dtype=object)).to_numpy() & ~problems.bad
    if missing.any():
        made = [
            "P-" + hashlib.sha256(f"{name}|{lon:.5f}|{lat:.5f}".encode()).hexdigest()[:10].upper()
            for name, lon, lat in zip(
                np.asarray(out["name"], dtype=object)[missing], out["lon"][missing],
                out["lat"][missing], strict=True,
            )
        ]  # fmt: skip
        refs = np.asarray(refs, dtype=object).copy()
        refs[missing] = made
        out["premises_ref"] = refs


# ---------------------------------------------------------------------------------------------
# Record types


def _sightings(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> int:
    _text(raw, out, problems, "source_ref", what="the source reference", required=True, max_len=64)
    _date(raw, out, problems, context, "seen_at", required=True)
    _time_range(raw, out, problems, context)
    _location(raw, out, problems, context, required=True)
    _code(raw, out, problems, "precision", _PRECISIONS, default="exact")
    _codes(raw, out, problems, "grooming_models", _MODELS)
    _codes(raw, out, problems, "indicators", _INDICATORS)
    _people(raw, out, problems, "people")
    _text(raw, out, problems, "premises_ref", what="the premises reference", max_len=64)
    _vehicle(raw, out, problems, context)
    _code(raw, out, problems, "source_agency", _AGENCIES, required=True)
    _grading(raw, out, problems, required=context.require_grading)
    redacted = _note(raw, out, problems, context, "note")
    _area_code(raw, out, problems, "area_code")
    return redacted


def _people_records(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> int:
    _pseudonym(raw, out, problems, "pseudonym")
    this_year = context.current_time().year
    _integer(raw, out, problems, "birth_year", this_year - 30, this_year,
             what=f"a year of birth from {this_year - 30} to {this_year}")  # fmt: skip
    _code(raw, out, problems, "age_band", _AGE_BANDS)
    _code(raw, out, problems, "gender", _GENDERS)
    ethnicity = raw["ethnicity"]
    _text(raw, out, problems, "ethnicity", what="ethnicity", max_len=60)
    odd = (ethnicity != "").to_numpy() & ~_fullmatch(ethnicity, r"[A-Za-z][A-Za-z ,()/&'-]*")
    problems.add("ethnicity", odd, _shown(ethnicity),
                 "is not an ethnic group; expected words such as White British")  # fmt: skip
    _codes(raw, out, problems, "needs_flags", _NEEDS)
    _area_code(raw, out, problems, "home_area_code")
    _integer(raw, out, problems, "screening_score", 0, 100, what="a score from 0 to 100")
    _code(raw, out, problems, "risk_level", _RISK)
    _codes(raw, out, problems, "grooming_models", _MODELS)
    _integer(raw, out, problems, "mfh_count", 0, 999, what="a count from 0 to 999", default=0)
    return 0


def _premises(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> int:
    _text(raw, out, problems, "premises_ref", what="the reference", max_len=64)
    _text(raw, out, problems, "name", what="the name", required=True, max_len=200)
    _code(raw, out, problems, "category", _CATEGORIES, required=True)
    _text(raw, out, problems, "licence_ref", what="the licence reference", max_len=64)
    _location(raw, out, problems, context, required=True)
    _premises_ref(out, problems)
    return 0


def _areas(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> int:
    _area_code(raw, out, problems, "code", required=True)
    _text(raw, out, problems, "name", what="the name", required=True, max_len=200)
    kind = raw["kind"].str.lower().where(raw["kind"] != "", "area")
    bad = ~kind.str.fullmatch(r"[a-z][a-z0-9_]{0,30}")
    problems.add(
        "kind",
        bad.to_numpy(dtype=bool),
        _shown(raw["kind"]),
        "is not a kind of area; expected one lower-case word such as ward or lsoa",
    )
    out["kind"] = kind.astype(object).to_numpy()
    _area_geometry(raw, out, problems, context)
    return 0


def _layer(raw: Raw, out: Out, problems: _Problems, context: RuleContext) -> int:
    _text(raw, out, problems, "source_ref", what="the reference", max_len=100)
    _date(raw, out, problems, context, "seen_at", required=True, month_ok=True)
    _location(raw, out, problems, context, required=True)
    _text(raw, out, problems, "category", what="the category", max_len=100)
    _area_code(raw, out, problems, "area_code")
    return 0


_CHECKS: Final[dict[str, Callable[[Raw, Out, _Problems, RuleContext], int]]] = {
    SIGHTINGS: _sightings,
    PEOPLE: _people_records,
    PREMISES: _premises,
    AREAS: _areas,
    LAYER: _layer,
}

#: The cleaned columns each record type gives, in order.
OUTPUT_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    SIGHTINGS: (
        "source_ref", "seen_at", "seen_from", "seen_until", "lon", "lat", "precision",
        "grooming_models", "indicators", "people", "premises_ref", "vehicle_token",
        "source_agency", "source_evaluation", "intelligence_assessment", "handling_code", "note",
        "area_code",
    ),
    PEOPLE: (
        "pseudonym", "birth_year", "age_band", "gender", "ethnicity", "needs_flags",
        "home_area_code", "screening_score", "risk_level", "grooming_models", "mfh_count",
    ),
    PREMISES: ("premises_ref", "name", "category", "licence_ref", "lon", "lat"),
    AREAS: ("code", "name", "kind", "wkt"),
    LAYER: ("source_ref", "seen_at", "lon", "lat", "category", "area_code"),
}  # fmt: skip


def _check(
    kind: str, frame: pd.DataFrame, context: RuleContext
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Every row cleaned (None/NaN where refused), the problems, and notes redacted."""
    names = field_names(kind)
    empty = pd.Series(pa.array([""] * len(frame), type=pa.large_string()), dtype="str")
    empty.index = frame.index
    raw = pd.DataFrame(
        {name: _strings(frame[name]) if name in frame else empty for name in names},
        index=frame.index,
        copy=False,
    )
    out: Out = {}
    problems = _Problems(raw.index)
    redacted = _CHECKS[kind](raw, out, problems, context)
    cleaned = pd.DataFrame(
        {column: _column(out[column], raw.index) for column in OUTPUT_COLUMNS[kind]},
        index=raw.index,
        copy=False,
    )
    order = {name: i for i, name in enumerate(names)}
    return cleaned, problems.frame(order), redacted


def _column(values: Any, index: pd.Index) -> pd.Series:
    """A cleaned column: text stays object dtype with None for missing (no str inference)."""
    if isinstance(values, pd.Series):
        values = values.array if values.dtype != object else values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype == object:
        return pd.Series(values, index=index, dtype=object, copy=False)
    if str(getattr(values, "dtype", "")) == "str":
        series = pd.Series(values, index=index).astype(object)
        return series.where(series.notna(), None)
    return pd.Series(values, index=index, copy=False)


def check_frame(kind: str, frame: pd.DataFrame, context: RuleContext | None = None) -> CheckedFrame:
    """Check every row of `frame` (columns named by target field; others ignored).

    Returns the cleaned values of the rows without problems (the input's index kept) and
    one problem line per refused value. Raises `VehicleKeyMissing` when a row carries a
    registration and the context has no key.
    """
    context = context or RuleContext()
    cleaned, problems, redacted = _check(_known_kind(kind), frame, context)
    refused = cleaned.index.isin(problems["row"]) if len(problems) else np.zeros(len(cleaned), bool)
    if len(problems) and not cleaned.index.is_unique:
        raise ValueError("check_frame needs a frame with a unique index")
    return CheckedFrame(cleaned[~refused], problems, redacted)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def check_record(
    kind: str, record: Mapping[str, Any], context: RuleContext | None = None
) -> CheckedRecord:
    """Check one record (target field -> raw value) with exactly the rules of `check_frame`.

    Values may be text as typed, or typed values (dates, numbers, lists of codes). Unknown
    field names are refused, so a form cannot silently lose a box.
    """
    names = set(field_names(kind))
    unknown = sorted(set(record) - names)
    if unknown:
        raise ValueError(f"unknown {kind} fields {unknown}; expected some of {sorted(names)}")
    frame = pd.DataFrame({name: [_as_text(value)] for name, value in record.items()}, index=[0])
    cleaned, problems, _ = _check(kind, frame, context or RuleContext())
    values = {column: _plain(cleaned[column].iloc[0]) for column in cleaned.columns}
    found = tuple(
        Problem(row.field, row.value, row.reason, row.suggestion)
        for row in problems.itertuples(index=False)
    )
    return CheckedRecord(values, found)


def check_sighting(record: Mapping[str, Any], context: RuleContext | None = None) -> CheckedRecord:
    """`check_record` for a sighting (the partner intelligence form)."""
    return check_record(SIGHTINGS, record, context)


def check_person(record: Mapping[str, Any], context: RuleContext | None = None) -> CheckedRecord:
    """`check_record` for a young person's profile."""
    return check_record(PEOPLE, record, context)


def check_premises(record: Mapping[str, Any], context: RuleContext | None = None) -> CheckedRecord:
    """`check_record` for premises."""
    return check_record(PREMISES, record, context)


def check_area(record: Mapping[str, Any], context: RuleContext | None = None) -> CheckedRecord:
    """`check_record` for an area boundary (geometry as WKT or a shapely geometry)."""
    return check_record(AREAS, record, context)


def check_context_point(
    record: Mapping[str, Any], context: RuleContext | None = None
) -> CheckedRecord:
    """`check_record` for a point of a context layer."""
    return check_record(LAYER, record, context)


__all__ = [
    "AREAS", "FIELDS", "KINDS", "LAYER", "OUTPUT_COLUMNS", "PEOPLE", "PERSON_KINDS", "PREMISES",
    "PROBLEM_COLUMNS", "SIGHTINGS", "CheckedFrame", "CheckedRecord", "Field", "Problem",
    "RuleContext", "VehicleKeyMissing", "check_area", "check_context_point", "check_frame",
    "check_note", "check_person", "check_premises", "check_record", "check_sighting",
    "field_names", "parse_datetimes",
]  # fmt: skip
