"""Prepare a file for loading: read it, map its columns, guard identifiers, check every row.

Nothing here touches the database: `hotspots.db.imports.import_file` calls `read_source` and
`prepare`, then adds the checks that need the database (duplicates already loaded, young
people and premises on record) and loads the accepted rows in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.identifiers import (
    COLUMN_SAMPLE,
    IDENTIFIER_PLURALS,
    PERSON_RECORD_KINDS,
    column_identifier,
    header_identifier,
)
from hotspots.ingest.mapping import ColumnMapping, header_fingerprint, mapped_frame
from hotspots.ingest.readers import (
    GEOMETRY_COLUMN,
    GEOMETRY_LAT,
    GEOMETRY_LON,
    RawTable,
    read_table,
)
from hotspots.ingest.rules import (
    AREAS,
    LAYER,
    PEOPLE,
    PERSON_KINDS,
    PREMISES,
    SIGHTINGS,
    RuleContext,
    VehicleKeyMissing,
    check_frame,
)

#: Columns of the rejection report (the page's download, `--report`, `--json`).
REPORT_COLUMNS: Final[tuple[str, ...]] = ("file", "row", "column", "value", "reason", "suggestion")
#: What makes two records the same, per record type (duplicates are skipped and counted).
KEYS: Final[dict[str, tuple[str, ...]]] = {
    SIGHTINGS: ("source_ref",),
    PEOPLE: ("pseudonym",),
    PREMISES: ("premises_ref",),
    AREAS: ("kind", "code"),
    LAYER: ("source_ref",),
}
#: Content of these targets is checked row by row (notes) or replaced (plates), not sampled.
_NOT_SAMPLED: Final = frozenset({"note", "vehicle_registration"})
_GEOMETRY_COLUMNS: Final = frozenset({GEOMETRY_COLUMN, GEOMETRY_LON, GEOMETRY_LAT})
#: Dates of birth cannot be told from other dates by content; their headings give them away.
_CONTENT_KINDS_PERSON: Final = tuple(k for k in PERSON_RECORD_KINDS if k != "date_of_birth")
_CONTENT_KINDS_PLACE: Final = ("nhs_number",)


@dataclass(frozen=True)
class ImportFile:
    """A file to import: its name, its bytes and, from the command line, its path."""

    name: str
    data: bytes
    path: Path | None = None

    @classmethod
    def from_path(cls, path: Path | str) -> ImportFile:
        path = Path(path)
        try:
            return cls(path.name, path.read_bytes(), path)
        except OSError as exc:
            raise ImportRejected(f"{path}: cannot be opened ({exc.strerror})") from None

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A file read and checked, ready for the database.

    `values` holds the accepted rows (cleaned, with `row`, the row number in the file);
    `rejections` one line per refused value (`REPORT_COLUMNS`); `duplicate_rows` the row
    numbers of records repeated within the file (skipped, counted as duplicates).
    """

    kind: str
    file_name: str
    sha256: str
    mapping: ColumnMapping
    fingerprint: str
    headers: tuple[str, ...]
    rows_read: int
    values: pd.DataFrame
    rejections: pd.DataFrame
    duplicate_rows: list[int] = field(default_factory=list)
    redacted: int = 0
    row_word: str = "row"

    @property
    def rejected(self) -> int:
        return int(self.rejections["row"].nunique()) if len(self.rejections) else 0


def read_source(source: ImportFile) -> RawTable:
    """The file read as text (`ImportRejected` when it cannot be)."""
    return read_table(source.data, source.name, path=source.path)


def guard_identifiers(kind: str, raw: RawTable, mapping: ColumnMapping) -> None:
    """Refuse the file if any column not dropped is a direct identifier, by heading or content.

    A heading is judged only for columns that are not mapped (mapping a column to a target
    says what it is); contents are judged for every column but notes, which are scanned row by
    row, and plates, which become tokens. Raises one `ImportRejected` naming every such column.
    """
    person = kind in PERSON_KINDS
    content_kinds = _CONTENT_KINDS_PERSON if person else _CONTENT_KINDS_PLACE
    targets = {source: target for target, source in mapping.columns.items()}
    refused = []
    for column in raw.headers:
        if column in mapping.dropped or column in _GEOMETRY_COLUMNS:
            continue
        target = targets.get(column)
        if target is None:
            announced = header_identifier(column, person_records=person)
            if announced is not None:
                refused.append((column, f"is headed like {_WHAT[announced]}"))
                continue
        if target in _NOT_SAMPLED:
            continue
        sample = raw.frame[column].iloc[: COLUMN_SAMPLE * 2].tolist()
        found = column_identifier(sample, content_kinds)
        if found is not None:
            refused.append(
                (
                    column,
                    f"holds {IDENTIFIER_PLURALS[found.kind]} ({found.matches} of"
                    f" {found.sampled} values checked)",
                )
            )
    if refused:
        listed = "; ".join(f"column '{c}' {why}" for c, why in refused)
        drops = ",".join(f"drop={c}" for c, _ in refused)
        raise ImportRejected(
            f"{raw.file_name}: {listed}. Direct identifiers never enter the database: remove"
            f" {'these columns' if len(refused) > 1 else 'the column'} from the file, or drop"
            f" {'them' if len(refused) > 1 else 'it'} with --map {drops} (on the Import page,"
            " tick it under 'Columns to drop')"
        )


_WHAT: Final = {
    "person_name": "a person's name",
    "date_of_birth": "a date of birth",
    "phone": "a phone number",
    "email": "an e-mail address",
    "postcode": "a postcode",
    "address": "an address",
    "nhs_number": "an NHS number",
    "police_reference": "a police reference",
}


def prepare(
    kind: str,
    raw: RawTable,
    sha256: str,
    mapping: ColumnMapping,
    context: RuleContext,
) -> Prepared:
    """Guard identifiers, apply the mapping, check every row; duplicates within the file out."""
    guard_identifiers(kind, raw, mapping)
    frame = mapped_frame(raw.frame, mapping).reset_index(drop=True)
    try:
        checked = check_frame(kind, frame, context)
    except VehicleKeyMissing as missing:
        raise ImportRejected(f"{raw.file_name}: {missing}") from None
    numbers = raw.row_numbers
    values = checked.values.copy()
    values.insert(0, "row", numbers[values.index.to_numpy()])
    rejections = _report(raw, mapping, checked.problems, numbers)
    values, duplicate_rows = _drop_repeats(kind, values)
    return Prepared(
        kind=kind,
        file_name=raw.file_name,
        sha256=sha256,
        mapping=mapping,
        fingerprint=header_fingerprint(kind, raw.headers),
        headers=raw.headers,
        rows_read=raw.rows_read,
        values=values.reset_index(drop=True),
        rejections=rejections,
        duplicate_rows=duplicate_rows,
        redacted=checked.redacted,
        row_word=raw.row_word,
    )


def _report(
    raw: RawTable, mapping: ColumnMapping, problems: pd.DataFrame, numbers: np.ndarray
) -> pd.DataFrame:
    lines = pd.DataFrame(
        {
            "file": raw.file_name,
            "row": numbers[problems["row"].to_numpy(dtype=np.int64)] if len(problems) else [],
            "column": [mapping.source_of(f) for f in problems["field"]],
            "value": problems["value"].to_numpy(dtype=object),
            "reason": problems["reason"].to_numpy(dtype=object),
            "suggestion": problems["suggestion"].to_numpy(dtype=object),
        }
    )
    if raw.unreadable:
        unreadable = pd.DataFrame(
            {
                "file": raw.file_name,
                "row": [number for number, _ in raw.unreadable],
                "column": "(whole row)",
                "value": "",
                "reason": [reason for _, reason in raw.unreadable],
                "suggestion": None,
            }
        )
        lines = pd.concat([lines, unreadable], ignore_index=True)
    lines["row"] = lines["row"].astype(np.int64)
    return lines.sort_values("row", kind="stable").reset_index(drop=True)[list(REPORT_COLUMNS)]


def _drop_repeats(kind: str, values: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """Keep the first of records with the same key; return the others' row numbers."""
    keys = list(KEYS[kind])
    keyed = values[keys].notna().all(axis=1)
    repeated = keyed & values.duplicated(subset=keys, keep="first")
    return values[~repeated], values.loc[repeated, "row"].astype(int).tolist()


def rejection_messages(
    rejections: pd.DataFrame, row_word: str = "row", limit: int = 20
) -> list[str]:
    """The first `limit` rejections as sentences: "f.csv row 214, column 'easting': '3X...'..."."""
    messages = []
    for line in rejections.head(limit).itertuples(index=False):
        place = f"{line.file} {row_word} {line.row}, column '{line.column}'"
        text = f"{place}: '{line.value}' {line.reason}" if line.value else f"{place} {line.reason}"
        if line.suggestion:
            text += f" (did you mean '{line.suggestion}'?)"
        messages.append(text)
    return messages


_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: object) -> object:
    """A report cell that a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def report_csv(rejections: pd.DataFrame) -> bytes:
    """The rejection report as CSV (UTF-8 with BOM so Excel reads it), formulas neutralised."""
    safe = rejections.astype(object).map(_safe_cell) if len(rejections) else rejections
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
