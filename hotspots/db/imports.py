"""Import files on behalf of a user: one file, one transaction, one `import_batch` row.

`import_file` reads and checks the file (`hotspots.ingest`), then in a single transaction
skips records already loaded, refuses links to young people or premises not on record,
inserts the rest (COPY on PostGIS, one `executemany` per chunk on SpatiaLite), fills the
geometry, links sightings to young people, records the batch (file name, SHA-256, counts,
user, time), remembers the column mapping for files with the same headings, and writes one
`collection` audit entry. A failure or a kill at any point leaves the database as it was:
the transaction never commits. The same file again (same SHA-256, batch not undone) adds
nothing. `undo_import` deletes a batch's rows and audits it; analysts only, as for import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, bindparam, text

from hotspots.config import Settings
from hotspots.db.access import User, record_use
from hotspots.db.audit import COLLECTION
from hotspots.db.batches import BatchNotFound, undo_batch_on
from hotspots.db.engine import backend_of
from hotspots.db.load import (
    _plain_values,
    backend_of_connection,
    bulk_insert,
    bump_data_version,
    finish_batch,
    ids_by_key,
    now_utc,
    start_batch,
)
from hotspots.db.spatial import GEOMETRY_FROM_WKT
from hotspots.domain import CODE_SEPARATOR
from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.mapping import ColumnMapping, header_fingerprint, resolve_mapping
from hotspots.ingest.pipeline import (
    REPORT_COLUMNS,
    ImportFile,
    Prepared,
    prepare,
    read_source,
    rejection_messages,
)
from hotspots.ingest.rules import AREAS, KINDS, LAYER, PEOPLE, PREMISES, SIGHTINGS, RuleContext
from hotspots.security.roles import Capability, require

#: stage, rows done, rows in all: the CLI draws a bar from it, the page a progress bar.
Progress = Callable[[str, int, int], None]
CHUNK_ROWS: Final[int] = 50_000
#: Layer names: what the maps and `--layer` show; 'sightings' means the sightings themselves.
MAX_LAYER_NAME: Final[int] = 60
RESERVED_LAYER_NAMES: Final = frozenset({"sightings"})

SIGHTING_COLUMNS: Final = (
    "source_ref", "seen_at", "seen_from", "seen_until", "lon", "lat", "precision",
    "grooming_models", "indicators", "premises_id", "vehicle_token", "source_agency",
    "source_evaluation", "intelligence_assessment", "handling_code", "note", "area_code",
    "batch_id",
)  # fmt: skip
PEOPLE_COLUMNS: Final = (
    "pseudonym", "birth_year", "age_band", "gender", "ethnicity", "needs_flags",
    "home_area_code", "screening_score", "risk_level", "grooming_models", "mfh_count",
    "batch_id", "created_at",
)  # fmt: skip
PREMISES_COLUMNS: Final = (
    "premises_ref", "name", "category", "licence_ref", "lon", "lat", "batch_id",
)  # fmt: skip
LAYER_COLUMNS: Final = (
    "layer_name", "source_ref", "seen_at", "category", "area_code", "lon", "lat", "batch_id",
)  # fmt: skip
#: Record type -> table it fills.
TABLES: Final[dict[str, str]] = {
    SIGHTINGS: "sighting", PEOPLE: "young_person", PREMISES: "premises", AREAS: "area",
    LAYER: "context_point",
}  # fmt: skip


#: How messages count each record type.
NOUNS: Final[dict[str, str]] = {
    SIGHTINGS: "sightings", PEOPLE: "young-person profiles", PREMISES: "premises",
    AREAS: "areas", LAYER: "context points",
}  # fmt: skip


def _silent(_stage: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class ImportResult:
    """What an import did. `batch_id` is None when nothing was written (the same file again:
    `already_imported` names its batch)."""

    kind: str
    file_name: str
    sha256: str
    layer_name: str | None
    batch_id: int | None
    rows_read: int
    accepted: int
    rejected: int
    duplicate: int
    redacted: int = 0
    already_imported: int | None = None
    rejections: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(REPORT_COLUMNS))
    )
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    row_word: str = "row"

    def messages(self, limit: int = 20) -> list[str]:
        return rejection_messages(self.rejections, self.row_word, limit)

    def summary(self) -> str:
        if self.already_imported is not None:
            return (
                f"{self.file_name} was already imported as batch {self.already_imported};"
                " nothing was added (undo that batch first to import it again)"
            )
        return (
            f"{self.file_name}: {self.accepted:,} {NOUNS[self.kind]} imported as batch"
            f" {self.batch_id};"
            f" {self.rejected:,} rejected, {self.duplicate:,} duplicates skipped"
            + (f", {self.redacted:,} notes redacted" if self.redacted else "")
        )

    def as_dict(self, limit: int = 1_000) -> dict[str, Any]:
        """For `--json`: counts, the mapping used and up to `limit` rejections."""
        report = self.rejections.head(limit).astype(object)
        return {
            "kind": self.kind,
            "file": self.file_name,
            "sha256": self.sha256,
            "layer_name": self.layer_name,
            "batch_id": self.batch_id,
            "already_imported": self.already_imported,
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicate": self.duplicate,
            "redacted": self.redacted,
            "mapping": self.mapping.describe(),
            "rejections": report.where(report.notna(), None).to_dict("records"),
            "rejections_total": len(self.rejections),
        }


def _layer_name(kind: str, layer_name: str | None) -> str | None:
    if kind != LAYER:
        return None
    name = " ".join((layer_name or "").split())
    if not name:
        raise ImportRejected("a context layer needs a name: --name 'recorded crime'")
    if len(name) > MAX_LAYER_NAME or not name.isprintable():
        raise ImportRejected(f"layer name {name!r}: at most {MAX_LAYER_NAME} printable characters")
    if name.lower() in RESERVED_LAYER_NAMES:
        raise ImportRejected(f"layer name {name!r} is reserved for the sightings themselves")
    return name


def _live_batch(connection: Connection, sha256: str, kind: str, layer: str | None) -> int | None:
    sql = (
        "SELECT id FROM import_batch WHERE sha256 = :sha AND kind = :kind AND undone_at IS NULL"
        " AND (layer_name = :layer OR (layer_name IS NULL AND :layer IS NULL)) ORDER BY id"
    )
    found = connection.execute(text(sql), {"sha": sha256, "kind": kind, "layer": layer}).first()
    return None if found is None else int(found[0])


def _remembered(connection: Connection, kind: str, fingerprint: str) -> ColumnMapping | None:
    found = connection.execute(
        text("SELECT mapping FROM import_mapping WHERE kind = :k AND fingerprint = :f"),
        {"k": kind, "f": fingerprint},
    ).first()
    return None if found is None else ColumnMapping.from_json(found[0])


def remembered_mapping(
    engine: Engine, user: User, kind: str, headers: Sequence[str]
) -> ColumnMapping | None:
    """The mapping last used for files of this record type with these headings, if any."""
    require(user.role, Capability.IMPORT)
    with engine.connect() as connection:
        return _remembered(connection, kind, header_fingerprint(kind, headers))


def _remember(connection: Connection, prepared: Prepared, username: str) -> None:
    connection.execute(
        text(
            "INSERT INTO import_mapping (kind, fingerprint, headers, mapping, username,"
            " updated_at) VALUES (:kind, :fingerprint, :headers, :mapping, :username, :at)"
            " ON CONFLICT (kind, fingerprint) DO UPDATE SET mapping = excluded.mapping,"
            " headers = excluded.headers, username = excluded.username,"
            " updated_at = excluded.updated_at"
        ),
        {
            "kind": prepared.kind,
            "fingerprint": prepared.fingerprint,
            "headers": json.dumps(list(prepared.headers)),
            "mapping": prepared.mapping.to_json(),
            "username": username,
            "at": now_utc(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Checks against what is already in the database


def _existing(
    connection: Connection,
    table: str,
    column: str,
    candidates: Iterable[str],
    where: str = "",
    params: dict[str, Any] | None = None,
) -> set[str]:
    """Which candidate keys the table already holds: one scan for big files, IN lists else."""
    wanted = {c for c in candidates if c is not None}
    if not wanted:
        return set()
    params = params or {}
    condition = f" WHERE {where}" if where else ""
    total = connection.execute(text(f"SELECT count(*) FROM {table}{condition}"), params)
    if len(wanted) * 4 >= int(total.scalar_one()):
        rows = connection.execute(text(f"SELECT {column} FROM {table}{condition}"), params)
        return wanted & {str(v) for v in rows.scalars()}
    found: set[str] = set()
    keys = sorted(wanted)
    joiner = " AND " if where else ""
    statement = text(
        f"SELECT {column} FROM {table} WHERE {where}{joiner}{column} IN :keys"
    ).bindparams(bindparam("keys", expanding=True))
    for start in range(0, len(keys), 500):
        rows = connection.execute(statement, {**params, "keys": keys[start : start + 500]})
        found |= {str(v) for v in rows.scalars()}
    return found


def _key_strings(kind: str, values: pd.DataFrame) -> pd.Series:
    if kind == AREAS:
        return values["kind"].astype(str) + "\x1f" + values["code"].astype(str)
    column = {SIGHTINGS: "source_ref", PEOPLE: "pseudonym", PREMISES: "premises_ref",
              LAYER: "source_ref"}[kind]  # fmt: skip
    return values[column].astype(object)


def _already_loaded(
    connection: Connection, kind: str, values: pd.DataFrame, layer: str | None
) -> np.ndarray:
    keys = _key_strings(kind, values)
    if kind == AREAS:
        rows = connection.execute(text("SELECT kind, code FROM area")).all()
        loaded = {f"{k}\x1f{c}" for k, c in rows}
    elif kind == LAYER:
        loaded = _existing(connection, "context_point", "source_ref", keys.dropna(),
                           "layer_name = :layer", {"layer": layer})  # fmt: skip
    else:
        column = {SIGHTINGS: "source_ref", PEOPLE: "pseudonym", PREMISES: "premises_ref"}[kind]
        loaded = _existing(connection, TABLES[kind], column, keys.dropna())
    return keys.isin(loaded).to_numpy(dtype=bool)


def _refuse_rows(
    rejections: list[pd.DataFrame],
    prepared: Prepared,
    rows: pd.Series,
    column: str,
    values: Sequence[str],
    reason: str,
) -> None:
    rejections.append(
        pd.DataFrame(
            {
                "file": prepared.file_name,
                "row": rows.to_numpy(dtype=np.int64),
                "column": prepared.mapping.source_of(column),
                "value": list(values),
                "reason": reason,
                "suggestion": None,
            }
        )
    )


def _links(
    connection: Connection, prepared: Prepared, values: pd.DataFrame, found: list[pd.DataFrame]
) -> pd.DataFrame:
    """Sightings: premises and young people must be on record; ids looked up, others refused."""
    premises_ids = ids_by_key(connection, "premises", "premises_ref")
    refs = values["premises_ref"]
    unknown_premises = refs.notna() & ~refs.isin(premises_ids)
    _refuse_rows(found, prepared, values.loc[unknown_premises, "row"], "premises_ref",
                 refs[unknown_premises].astype(str),
                 "is not premises on record; import the premises first"
                 " (python -m hotspots import premises FILE)")  # fmt: skip
    values = values.assign(premises_id=refs.map(premises_ids).astype("Int64"))
    people = values["people"].fillna("")
    linked = people != ""
    unknown_people = pd.Series(False, index=values.index)
    if linked.any():
        person_ids = ids_by_key(connection, "young_person", "pseudonym")
        exploded = people[linked].str.split(CODE_SEPARATOR, regex=False).explode()
        missing = exploded[~exploded.isin(person_ids)]
        if len(missing):
            first_missing = missing.groupby(level=0).first()
            unknown_people[first_missing.index] = True
            _refuse_rows(found, prepared, values.loc[first_missing.index, "row"], "people",
                         first_missing.astype(str),
                         "is not a young person on record; import their profile first"
                         " (python -m hotspots import people FILE, or the risk screening"
                         " tool)")  # fmt: skip
    return values[~(unknown_premises | unknown_people)]


# ---------------------------------------------------------------------------------------------
# Loading


def _insert_chunks(
    connection: Connection,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    progress: Progress,
    *,
    points: bool = False,
) -> None:
    """Insert in chunks of CHUNK_ROWS, reporting progress; with `points`, `geom` from lon/lat
    is written by the same insert (an UPDATE afterwards would rewrite every row again)."""
    total = len(frame)
    progress("inserting", 0, total)
    insert = _insert_points if points else bulk_insert
    for start in range(0, total, CHUNK_ROWS):
        insert(connection, table, frame.iloc[start : start + CHUNK_ROWS], columns)
        progress("inserting", min(start + CHUNK_ROWS, total), total)


def _insert_points(
    connection: Connection, table: str, frame: pd.DataFrame, columns: Sequence[str]
) -> None:
    """Rows with their point geometry: on PostGIS by COPY of EWKB, on SpatiaLite by
    `executemany` with MakePoint in the statement (SpatiaLite's own blob format)."""
    if frame.empty:
        return
    if backend_of_connection(connection) == "postgis":
        points = shapely.set_srid(shapely.points(frame["lon"], frame["lat"]), 4326)
        with_geometry = frame.assign(geom=shapely.to_wkb(points, hex=True, include_srid=True))
        bulk_insert(connection, table, with_geometry, (*columns, "geom"))
        return
    names = ", ".join((*columns, "geom"))
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({marks}, MakePoint(?, ?, 4326))"
    cursor = connection.connection.driver_connection.cursor()
    with_point = frame.assign(point_lon=frame["lon"], point_lat=frame["lat"])
    cursor.executemany(statement, _plain_values(with_point, (*columns, "point_lon", "point_lat")))


def _load_sightings(
    connection: Connection, values: pd.DataFrame, batch: int, progress: Progress
) -> int:
    frame = values.assign(batch_id=batch)
    _insert_chunks(connection, "sighting", frame, SIGHTING_COLUMNS, progress, points=True)
    linked = frame[frame["people"].fillna("") != ""]
    if linked.empty:
        return 0
    progress("links", 0, len(linked))
    sighting_ids = ids_by_key(connection, "sighting", "source_ref", batch)
    person_ids = ids_by_key(connection, "young_person", "pseudonym")
    pairs = linked.assign(
        pseudonym=linked["people"].str.split(CODE_SEPARATOR, regex=False)
    ).explode("pseudonym")
    links = pd.DataFrame(
        {
            "sighting_id": pairs["source_ref"].map(sighting_ids).astype("Int64"),
            "person_id": pairs["pseudonym"].map(person_ids).astype("Int64"),
        }
    ).drop_duplicates()
    bulk_insert(connection, "sighting_person", links, ("sighting_id", "person_id"))
    return len(links)


def _load_areas(connection: Connection, values: pd.DataFrame, batch: int) -> None:
    geometry = GEOMETRY_FROM_WKT[backend_of_connection(connection)].format(wkt=":wkt")
    statement = text(
        f"INSERT INTO area (code, name, kind, batch_id, geom)"
        f" VALUES (:code, :name, :kind, :batch, {geometry})"
    )
    rows = [
        {"code": r.code, "name": r.name, "kind": r.kind, "batch": batch, "wkt": r.wkt}
        for r in values.itertuples(index=False)
    ]
    if rows:
        connection.execute(statement, rows)


def _load(
    connection: Connection,
    kind: str,
    values: pd.DataFrame,
    batch: int,
    layer: str | None,
    progress: Progress,
) -> dict[str, int]:
    if kind == SIGHTINGS:
        return {"links": _load_sightings(connection, values, batch, progress)}
    if kind == PEOPLE:
        frame = values.assign(batch_id=batch, created_at=now_utc())
        _insert_chunks(connection, "young_person", frame, PEOPLE_COLUMNS, progress)
    elif kind == PREMISES:
        frame = values.assign(batch_id=batch)
        _insert_chunks(connection, "premises", frame, PREMISES_COLUMNS, progress, points=True)
    elif kind == AREAS:
        progress("inserting", 0, len(values))
        _load_areas(connection, values, batch)
    else:
        frame = values.assign(batch_id=batch, layer_name=layer)
        _insert_chunks(connection, "context_point", frame, LAYER_COLUMNS, progress, points=True)
    return {}


def _strict_refusal(file_name: str, rejections: pd.DataFrame, row_word: str) -> ImportRejected:
    rows = rejections["row"].nunique()
    shown = "\n  ".join(rejection_messages(rejections, row_word, limit=10))
    return ImportRejected(
        f"{file_name}: {rows:,} {row_word}{'s' if rows != 1 else ''} rejected, so nothing was"
        f" imported (strict mode). Correct them, or import without --strict to load the valid"
        f" rows:\n  {shown}",
        rejections,
    )


def import_file(
    engine: Engine,
    user: User,
    source: ImportFile,
    kind: str,
    *,
    settings: Settings,
    mapping: ColumnMapping | None = None,
    preset: str | None = None,
    automatic_mapping: bool = True,
    strict: bool = False,
    redact: bool = False,
    layer_name: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import one file of `kind` (sightings, people, premises, areas, layer) as one batch.

    Parameters
    ----------
    mapping : columns to use (`--map`), drops and constants; the rest mapped automatically,
        from `preset` or from the mapping remembered for the same headings, unless
        `automatic_mapping` is False (the page, where every field was chosen).
    strict : refuse the whole file (`ImportRejected`, nothing written) if any row is rejected;
        by default the valid rows are imported and the others reported.
    redact : redact identifiers found in notes instead of rejecting those rows.
    layer_name : the name of a context layer (kind 'layer').
    now : the moment after which dates are in the future (tests); default now.

    Raises `ImportRejected` for a file refused as a whole, `AccessDenied` for a role that may
    not import.
    """
    require(user.role, Capability.IMPORT)
    if kind not in KINDS:
        raise ImportRejected(f"unknown record type {kind!r}; expected one of {', '.join(KINDS)}")
    progress = progress or _silent
    layer = _layer_name(kind, layer_name)
    with engine.connect() as connection:
        already = _live_batch(connection, source.sha256, kind, layer)
    if already is not None:
        return ImportResult(kind, source.name, source.sha256, layer, None, 0, 0, 0, 0,
                            already_imported=already)  # fmt: skip
    progress("reading", 0, 1)
    raw = read_source(source)
    with engine.connect() as connection:
        remembered = _remembered(connection, kind, header_fingerprint(kind, raw.headers))
    resolved = resolve_mapping(
        kind, raw.headers, source.name, explicit=mapping, preset=preset, remembered=remembered,
        automatic=automatic_mapping,
    )  # fmt: skip
    progress("checking", 0, raw.rows_read)
    context = RuleContext.from_settings(settings, redact=redact, now=now)
    prepared = prepare(kind, raw, source.sha256, resolved, context)
    if strict and prepared.rejected:
        raise _strict_refusal(source.name, prepared.rejections, prepared.row_word)
    with engine.begin() as connection:
        if backend_of(engine) == "postgis":  # serialise imports, as SQLite's IMMEDIATE does
            connection.execute(text("SELECT pg_advisory_xact_lock(727275)"))
        again = _live_batch(connection, source.sha256, kind, layer)
        if again is not None:
            return ImportResult(kind, source.name, source.sha256, layer, None, 0, 0, 0, 0,
                                already_imported=again)  # fmt: skip
        values = prepared.values
        loaded = _already_loaded(connection, kind, values, layer)
        duplicate = len(prepared.duplicate_rows) + int(loaded.sum())
        values = values[~loaded]
        found = [prepared.rejections]
        if kind == SIGHTINGS:
            values = _links(connection, prepared, values, found)
        rejections = pd.concat(found, ignore_index=True).sort_values("row", kind="stable")
        rejections = rejections.reset_index(drop=True)
        rejected = int(rejections["row"].nunique()) if len(rejections) else 0
        if strict and rejected:
            raise _strict_refusal(source.name, rejections, prepared.row_word)
        batch = start_batch(
            connection, kind=kind, file_name=source.name, sha256=source.sha256,
            username=user.username, layer_name=layer,
        )  # fmt: skip
        extra = _load(connection, kind, values, batch, layer, progress)
        finish_batch(
            connection, batch, rows_read=prepared.rows_read, accepted=len(values),
            rejected=rejected, duplicate=duplicate,
        )  # fmt: skip
        _remember(connection, prepared, user.username)
        detail = {
            "kind": kind, "file": source.name, "sha256": source.sha256[:16], "layer": layer,
            "accepted": len(values), "rejected": rejected, "duplicate": duplicate,
            "redacted": prepared.redacted, **extra,
        }  # fmt: skip
        record_use(connection, user, COLLECTION, f"import_batch:{batch}", detail)
        bump_data_version(connection)
        progress("done", len(values), len(values))
    return ImportResult(
        kind=kind,
        file_name=source.name,
        sha256=source.sha256,
        layer_name=layer,
        batch_id=batch,
        rows_read=prepared.rows_read,
        accepted=len(values),
        rejected=rejected,
        duplicate=duplicate,
        redacted=prepared.redacted,
        rejections=rejections,
        mapping=resolved,
        row_word=prepared.row_word,
    )


# ---------------------------------------------------------------------------------------------
# Batches


def list_imports(engine: Engine, user: User) -> pd.DataFrame:
    """Every import batch, newest first (no case data: names, counts, who and when)."""
    require(user.role, Capability.IMPORT)
    sql = (
        "SELECT id, kind, file_name, layer_name, rows_read, accepted, rejected, duplicate,"
        " username, created_at, undone_at, sha256 FROM import_batch ORDER BY id DESC"
    )
    with engine.connect() as connection:
        return pd.read_sql(text(sql), connection)


def undo_import(engine: Engine, user: User, batch_id: int) -> dict[str, int]:
    """Delete every row batch `batch_id` added, in one transaction, with an erasure entry.

    Returns the rows removed per table. Raises `BatchNotFound` for an unknown or undone batch.
    """
    require(user.role, Capability.IMPORT)
    if batch_id is None:
        raise BatchNotFound("no import batch given")
    with engine.begin() as connection:
        counts = {
            table: int(
                connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE batch_id = :b"), {"b": batch_id}
                ).scalar_one()
            )
            for table in TABLES.values()
        }
        undo_batch_on(
            connection, int(batch_id), username=user.username, role=user.role,
            purpose=user.purpose or None,
        )  # fmt: skip
    return {table: n for table, n in counts.items() if n}


__all__ = [
    "BatchNotFound", "ImportResult", "import_file", "list_imports", "remembered_mapping",
    "undo_import",
]  # fmt: skip
