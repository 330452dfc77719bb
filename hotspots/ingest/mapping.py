"""Column mapping: which column of a file feeds which target field, so exports load unedited.

A mapping comes from, in order of precedence: what the user says (`--map target=column`, the
page's mapping step), a preset (`police-uk`), the mapping remembered for files with the same
headings, and finally headings that already name a target or a usual synonym ("Date",
"Latitude", "Crime type"). `drop=column` drops a column deliberately, which is how a column of
direct identifiers is let through the guard without being read; `--set target=value` gives a
target one value for every row (``kind=ward`` for a file of ward boundaries).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.identifiers import normalise_header
from hotspots.ingest.readers import GEOMETRY_COLUMN, GEOMETRY_LAT, GEOMETRY_LON
from hotspots.ingest.rules import (
    AREAS,
    FIELDS,
    LAYER,
    LOCATION_REQUIRED,
    PEOPLE,
    PREMISES,
    SIGHTINGS,
    field_names,
)

DROP: Final[str] = "drop"

_LOCATION_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "latitude": ("latitude", "lat", "y", "lat wgs84", "gps latitude"),
    "longitude": ("longitude", "lon", "long", "lng", "x", "lon wgs84", "gps longitude"),
    "easting": ("easting", "eastings", "bng e", "bng easting", "os easting", "x bng"),
    "northing": ("northing", "northings", "bng n", "bng northing", "os northing", "y bng"),
}
_MODELS: Final = ("grooming models", "grooming model", "models", "model")

#: Headings (normalised) that name each target without a mapping.
SYNONYMS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    SIGHTINGS: {
        "source_ref": ("source ref", "source reference", "reference", "ref", "record id",
                       "log number", "intelligence ref", "intelligence reference", "urn"),
        "seen_at": ("seen at", "date time", "datetime", "date and time", "date", "when",
                    "date seen", "seen", "occurred", "occurred at"),
        **_LOCATION_SYNONYMS,
        "precision": ("precision", "location precision", "accuracy"),
        "grooming_models": _MODELS,
        "indicators": ("indicators", "indicator", "warning indicators", "warning signs"),
        "people": ("people", "young people", "pseudonyms", "pseudonym"),
        "premises_ref": ("premises ref", "premises reference", "premises", "premises id"),
        "vehicle_registration": ("vehicle registration", "registration", "reg", "vrm",
                                 "vehicle reg", "number plate", "plate", "registration number"),
        "vehicle_token": ("vehicle token", "token"),
        "source_agency": ("source agency", "agency", "source", "reporting agency"),
        "grading": ("grading", "intelligence grading", "3x5x2", "grade"),
        "source_evaluation": ("source evaluation",),
        "intelligence_assessment": ("intelligence assessment", "assessment"),
        "handling_code": ("handling code", "handling"),
        "note": ("note", "notes", "comment", "comments", "details", "description", "summary",
                 "narrative"),
        "area_code": ("area code", "area", "ward code", "lsoa code", "lsoa", "ward"),
    },
    PEOPLE: {
        "pseudonym": ("pseudonym", "yp", "young person", "yp pseudonym"),
        "birth_year": ("birth year", "year of birth", "yob"),
        "age_band": ("age band", "age group", "age range"),
        "gender": ("gender", "sex"),
        "ethnicity": ("ethnicity", "ethnic group", "ethnic origin"),
        "needs_flags": ("needs flags", "needs", "flags"),
        "home_area_code": ("home area code", "home area", "area code", "area", "ward"),
        "screening_score": ("screening score", "score", "risk score"),
        "risk_level": ("risk level", "risk", "level"),
        "grooming_models": _MODELS,
        "mfh_count": ("mfh count", "mfh", "missing episodes", "missing from home",
                      "missing count"),
    },
    PREMISES: {
        "premises_ref": ("premises ref", "premises reference", "reference", "ref",
                         "premises id"),
        "name": ("name", "premises name", "business name", "trading name"),
        "category": ("category", "premises category", "premises type"),
        "licence_ref": ("licence ref", "licence reference", "licence", "licence number",
                        "license", "license number"),
        **_LOCATION_SYNONYMS,
    },
    AREAS: {
        "code": ("code", "area code", "ward code", "lsoa code", "msoa code", "beat code"),
        "name": ("name", "area name", "ward name", "lsoa name", "msoa name", "beat name"),
        "kind": ("kind", "area kind", "area type"),
        "geometry": ("geometry", "wkt", "geom", "boundary"),
    },
    LAYER: {
        "source_ref": ("source ref", "reference", "crime id", "id"),
        "seen_at": ("seen at", "date", "month", "date time", "datetime"),
        **_LOCATION_SYNONYMS,
        "category": ("category", "crime type", "type", "offence", "crime category"),
        "area_code": ("area code", "lsoa code", "lsoa", "ward code"),
    },
}  # fmt: skip

#: ONS boundary files name their columns wd16cd / lsoa11nm: code and name.
_ONS_CODE: Final = re.compile(r"^[a-z]{2,5}\d{2}cd$")
_ONS_NAME: Final = re.compile(r"^[a-z]{2,5}\d{2}nm$")


@dataclass(frozen=True)
class Preset:
    """A known export layout: its record type and target -> heading."""

    name: str
    kind: str
    description: str
    columns: Mapping[str, str]


PRESETS: Final[dict[str, Preset]] = {
    "police-uk": Preset(
        "police-uk",
        LAYER,
        "police.uk street-level crime CSV (data.police.uk): Month, Longitude, Latitude,"
        " Crime type, LSOA code, Crime ID; loaded as a context layer of recorded crime",
        {
            "source_ref": "Crime ID",
            "seen_at": "Month",
            "longitude": "Longitude",
            "latitude": "Latitude",
            "category": "Crime type",
            "area_code": "LSOA code",
        },
    ),
}


@dataclass(frozen=True)
class ColumnMapping:
    """target -> source column, target -> one value for every row, and columns dropped."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {"columns": self.columns, "constants": self.constants, "dropped": list(self.dropped)},
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        data = json.loads(text)
        return cls(
            dict(data.get("columns", {})),
            dict(data.get("constants", {})),
            tuple(data.get("dropped", ())),
        )

    def describe(self) -> str:
        """As the command line would say it: 'seen_at=Date,latitude=Lat,drop=Name'."""
        parts = [f"{t}={s}" for t, s in self.columns.items()]
        parts += [f"{DROP}={s}" for s in self.dropped]
        parts += [f"{t}:={v}" for t, v in self.constants.items()]
        return ",".join(parts)

    def source_of(self, target: str) -> str:
        """The column a target was read from, as reports name it."""
        if target in self.columns:
            return self.columns[target]
        if target in self.constants:
            return f"{target} (set for every row)"
        return target


_PAIR: Final = re.compile(r"\s*([A-Za-z_]+)\s*=")


def parse_map_options(options: Sequence[str] | None) -> ColumnMapping:
    """`--map` values: 'target=column' pairs split by commas (a column name may hold commas
    when it is not followed by 'word='), several options allowed; 'drop=column' drops one.

    >>> parse_map_options(["seen_at=Date, time,latitude=Lat", "drop=Surname"]).columns
    {'seen_at': 'Date, time', 'latitude': 'Lat'}
    """
    columns: dict[str, str] = {}
    dropped: list[str] = []
    for option in options or ():
        starts = [
            m for m in _PAIR.finditer(option) if m.start() == 0 or option[m.start() - 1] == ","
        ]
        if not starts:
            raise ImportRejected(
                f"--map {option!r}: expected target=column pairs separated by commas,"
                " such as seen_at=Date,latitude=Lat"
            )
        for index, match in enumerate(starts):
            end = starts[index + 1].start() - 1 if index + 1 < len(starts) else len(option)
            target, source = match.group(1), option[match.end() : end].strip()
            if not source:
                raise ImportRejected(f"--map {option!r}: no column given for {target!r}")
            if target == DROP:
                dropped.append(source)
            else:
                columns[target] = source
    return ColumnMapping(columns, {}, tuple(dropped))


def parse_set_options(options: Sequence[str] | None) -> dict[str, str]:
    """`--set target=value` options: one value for every row."""
    constants = {}
    for option in options or ():
        target, sep, value = option.partition("=")
        if not sep or not target.strip():
            raise ImportRejected(f"--set {option!r}: expected target=value, such as kind=ward")
        constants[target.strip()] = value.strip()
    return constants


def header_fingerprint(kind: str, headers: Iterable[str]) -> str:
    """Files with the same headings (in any order, case or spacing) share a fingerprint, so a
    mapping made once for one system's export is offered for the next export."""
    names = sorted({normalise_header(h) for h in headers})
    return hashlib.sha256(json.dumps([kind, names]).encode()).hexdigest()[:20]


def automatic_columns(kind: str, headers: Sequence[str]) -> dict[str, str]:
    """target -> heading for headings that name a target or one of its usual synonyms."""
    by_name = {}
    for header in headers:
        by_name.setdefault(normalise_header(header), header)
    found: dict[str, str] = {}
    used: set[str] = set()
    for target in field_names(kind):
        candidates = (target.replace("_", " "), *SYNONYMS[kind].get(target, ()))
        for candidate in candidates:
            header = by_name.get(normalise_header(candidate))
            if header is not None and header not in used:
                found[target] = header
                used.add(header)
                break
    if kind == AREAS:
        for header in headers:
            key = normalise_header(header).replace(" ", "")
            if "code" not in found and _ONS_CODE.match(key) and header not in used:
                found["code"] = header
            elif "name" not in found and _ONS_NAME.match(key) and header not in used:
                found["name"] = header
    if GEOMETRY_COLUMN in headers:
        if kind == AREAS:
            found.setdefault("geometry", GEOMETRY_COLUMN)
        elif not {"latitude", "longitude", "easting", "northing"} & set(found):
            found["longitude"], found["latitude"] = GEOMETRY_LON, GEOMETRY_LAT
    return found


def _closest(name: str, headers: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(headers), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def suggested_columns(
    kind: str,
    headers: Sequence[str],
    *,
    preset: str | None = None,
    remembered: ColumnMapping | None = None,
) -> dict[str, str]:
    """target -> heading without asking anyone: headings and synonyms, then the remembered
    mapping, then the preset (later ones win). The page's mapping step starts from this."""
    targets = set(field_names(kind))
    present = {normalise_header(h): h for h in headers}
    columns = automatic_columns(kind, headers)
    if remembered is not None:
        columns |= {t: s for t, s in remembered.columns.items() if s in headers and t in targets}
    if preset is not None:
        if preset not in PRESETS:
            raise ImportRejected(f"--preset {preset!r} is not known; presets: {', '.join(PRESETS)}")
        chosen = PRESETS[preset]
        if chosen.kind != kind:
            raise ImportRejected(f"--preset {preset} is for {chosen.kind}, not {kind}")
        for target, heading in chosen.columns.items():
            if normalise_header(heading) in present:
                columns[target] = present[normalise_header(heading)]
    return columns


def resolve_mapping(
    kind: str,
    headers: Sequence[str],
    file_name: str,
    *,
    explicit: ColumnMapping | None = None,
    preset: str | None = None,
    remembered: ColumnMapping | None = None,
    automatic: bool = True,
) -> ColumnMapping:
    """The mapping to use for a file, checked: every target known, every column present, the
    required targets (and a whole location) mapped. Raises `ImportRejected` saying what to add.

    With `automatic` False only `explicit` counts (the page's mapping step, where the person
    has seen and chosen every field).
    """
    explicit = explicit or ColumnMapping()
    targets = set(field_names(kind))
    for target in [*explicit.columns, *explicit.constants]:
        if target not in targets:
            raise ImportRejected(
                f"--map/--set names {target!r}, which is not a {kind} field; fields:"
                f" {', '.join(field_names(kind))}{_closest(target, sorted(targets))}"
            )
    present = {normalise_header(h): h for h in headers}
    columns = (
        suggested_columns(kind, headers, preset=preset, remembered=remembered) if automatic else {}
    )
    for target, source in explicit.columns.items():
        if source not in headers:
            match = present.get(normalise_header(source))
            if match is None:
                raise ImportRejected(
                    f"{file_name}: --map {target}={source}: there is no column '{source}' in the"
                    f" file{_closest(source, headers)} (columns: {', '.join(headers)})"
                )
            source = match
        columns = {t: s for t, s in columns.items() if s != source or t == target}
        columns[target] = source
    dropped = tuple(dict.fromkeys(explicit.dropped))
    for source in dropped:
        if source not in headers and normalise_header(source) not in present:
            raise ImportRejected(
                f"{file_name}: drop={source}: there is no column '{source}' in the"
                f" file{_closest(source, headers)}"
            )
    dropped = tuple(present.get(normalise_header(s), s) for s in dropped)
    columns = {t: s for t, s in columns.items() if s not in dropped}
    constants = dict(explicit.constants)
    mapping = ColumnMapping(
        {t: columns[t] for t in field_names(kind) if t in columns}, constants, dropped
    )
    _check_complete(kind, mapping, headers, file_name)
    return mapping


def _check_complete(
    kind: str, mapping: ColumnMapping, headers: Sequence[str], file_name: str
) -> None:
    given = set(mapping.columns) | set(mapping.constants)
    missing = [f for f in FIELDS[kind] if f.required and f.name not in given]
    if kind in LOCATION_REQUIRED:
        for first, second in (("latitude", "longitude"), ("easting", "northing")):
            if (first in given) != (second in given):
                have, need = (first, second) if first in given else (second, first)
                raise ImportRejected(
                    f"{file_name}: {have} is mapped but {need} is not; map both, with"
                    f" --map {need}=COLUMN"
                )
        if not ({"latitude", "longitude"} <= given or {"easting", "northing"} <= given):
            missing.append(next(f for f in FIELDS[kind] if f.name == "latitude"))
    if missing:
        wanted = "; ".join(
            f"{f.name} ({f.label.lower()}"
            + (": or easting and northing" if f.name == "latitude" else "")
            + ")"
            for f in missing
        )
        raise ImportRejected(
            f"{file_name}: no column for {wanted}; map each with --map TARGET=COLUMN"
            f" (columns in the file: {', '.join(headers)})"
        )


def mapped_frame(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """The file's frame with target names: mapped columns, constants, nothing else."""
    columns = {target: frame[source] for target, source in mapping.columns.items()}
    for target, value in mapping.constants.items():
        columns[target] = pd.Series(value, index=frame.index, dtype="str")
    return pd.DataFrame(columns, index=frame.index, copy=False)
