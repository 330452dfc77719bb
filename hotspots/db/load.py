"""Bulk loading of prepared frames: the fast path shared by the importer and the demo loader.

On PostGIS rows travel by COPY; on SpatiaLite by one `executemany` of plain tuples. Geometry is
filled afterwards from the lon/lat columns by one UPDATE in the database, which is far faster
than sending geometry objects row by row. Callers pass an open connection: the whole load is
part of their one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, text

from hotspots.db.spatial import point_from_lonlat

CHUNK_ROWS = 50_000


def backend_of_connection(connection: Connection) -> str:
    return "postgis" if connection.dialect.name == "postgresql" else "spatialite"


def _plain_values(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """Rows as tuples of plain Python values; NaN/NaT/NA become None, times become text."""
    converted = {}
    for column in columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            text_values = series.dt.strftime("%Y-%m-%d %H:%M:%S")
            converted[column] = text_values.astype(object).where(series.notna(), None)
        else:
            values = series.astype(object)
            converted[column] = values.where(series.notna(), None)
    as_object = pd.DataFrame(converted, index=frame.index)
    return list(as_object.itertuples(index=False, name=None))


def bulk_insert(
    connection: Connection, table: str, frame: pd.DataFrame, columns: Sequence[str]
) -> int:
    """Insert `frame[columns]` into `table` on this connection's transaction; return rows."""
    if frame.empty:
        return 0
    names = ", ".join(columns)
    if backend_of_connection(connection) == "postgis":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for start in range(0, len(frame), CHUNK_ROWS):
                for row in _plain_values(frame.iloc[start : start + CHUNK_ROWS], columns):
                    copy.write_row(row)
        return len(frame)
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
    cursor = connection.connection.driver_connection.cursor()
    for start in range(0, len(frame), CHUNK_ROWS):
        cursor.executemany(
            statement, _plain_values(frame.iloc[start : start + CHUNK_ROWS], columns)
        )
    return len(frame)


def fill_point_geometry(connection: Connection, table: str, batch_id: int) -> None:
    """Set `geom` from lon/lat for the rows of one batch."""
    point = point_from_lonlat(backend_of_connection(connection))
    connection.execute(
        text(f"UPDATE {table} SET geom = {point} WHERE batch_id = :batch AND geom IS NULL"),
        {"batch": batch_id},
    )


def ids_by_key(connection: Connection, table: str, key: str, batch_id: int | None = None) -> dict:
    """Map a natural key (e.g. source_ref) to database id, optionally for one batch."""
    sql = f"SELECT {key}, id FROM {table}"
    params = {}
    if batch_id is not None:
        sql += " WHERE batch_id = :batch"
        params["batch"] = batch_id
    return {key: id_ for key, id_ in connection.execute(text(sql), params)}


def map_ids(keys: pd.Series, lookup: dict) -> pd.Series:
    """Look keys up in an id map, giving a nullable integer series."""
    return keys.map(lookup).astype("Int64")


def now_utc() -> datetime:
    """Naive UTC time, as both backends store TIMESTAMP without zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def start_batch(
    connection: Connection,
    *,
    kind: str,
    file_name: str,
    sha256: str,
    username: str,
    layer_name: str | None = None,
) -> int:
    """Insert an import_batch row and return its id (counts are set by finish_batch)."""
    result = connection.execute(
        text(
            "INSERT INTO import_batch (kind, file_name, sha256, layer_name, username, created_at)"
            " VALUES (:kind, :file_name, :sha256, :layer_name, :username, :created_at)"
            " RETURNING id"
        ),
        {
            "kind": kind,
            "file_name": file_name,
            "sha256": sha256,
            "layer_name": layer_name,
            "username": username,
            "created_at": now_utc(),
        },
    )
    return int(result.scalar_one())


def finish_batch(
    connection: Connection,
    batch_id: int,
    *,
    rows_read: int,
    accepted: int,
    rejected: int,
    duplicate: int,
) -> None:
    connection.execute(
        text(
            "UPDATE import_batch SET rows_read = :rows_read, accepted = :accepted,"
            " rejected = :rejected, duplicate = :duplicate WHERE id = :id"
        ),
        {
            "id": batch_id,
            "rows_read": rows_read,
            "accepted": accepted,
            "rejected": rejected,
            "duplicate": duplicate,
        },
    )


def bump_data_version(connection: Connection) -> int:
    """Every write calls this in its transaction, so cached views know the data changed."""
    connection.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    return int(
        connection.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one()
    )
