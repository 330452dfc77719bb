"""Import batches: list them and undo one (its rows deleted, the batch kept and marked undone)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, text

from hotspots.db import audit
from hotspots.db.load import bump_data_version, now_utc

#: Deletion order respects foreign keys: links first, then the rows they point at.
_UNDO_STATEMENTS = (
    "DELETE FROM sighting_person"
    " WHERE sighting_id IN (SELECT id FROM sighting WHERE batch_id = :b)",
    "DELETE FROM sighting_person"
    " WHERE person_id IN (SELECT id FROM young_person WHERE batch_id = :b)",
    "DELETE FROM sighting WHERE batch_id = :b",
    "DELETE FROM young_person WHERE batch_id = :b",
    "DELETE FROM context_point WHERE batch_id = :b",
    "DELETE FROM area WHERE batch_id = :b",
    # Premises still referenced by sightings of other batches stay; the rest go.
    "DELETE FROM premises WHERE batch_id = :b AND id NOT IN"
    " (SELECT premises_id FROM sighting WHERE premises_id IS NOT NULL)",
)


class BatchNotFound(LookupError):
    pass


def list_batches(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(text("SELECT * FROM import_batch ORDER BY id"), connection)


def live_batch_ids(connection: Connection, kind: str) -> list[int]:
    rows = connection.execute(
        text("SELECT id FROM import_batch WHERE kind = :k AND undone_at IS NULL ORDER BY id"),
        {"k": kind},
    )
    return [int(r) for r in rows.scalars()]


def undo_batch_on(
    connection: Connection,
    batch_id: int,
    *,
    username: str,
    role: str | None,
    purpose: str | None = None,
) -> None:
    """Undo on the caller's transaction (an analyst's undo needs a `purpose` for the log)."""
    found = connection.execute(
        text("SELECT undone_at FROM import_batch WHERE id = :b"), {"b": batch_id}
    ).one_or_none()
    if found is None:
        raise BatchNotFound(f"import batch {batch_id} does not exist")
    if found[0] is not None:
        raise BatchNotFound(f"import batch {batch_id} was already undone at {found[0]}")
    for statement in _UNDO_STATEMENTS:
        connection.execute(text(statement), {"b": batch_id})
    connection.execute(
        text("UPDATE import_batch SET undone_at = :t WHERE id = :b"),
        {"t": now_utc(), "b": batch_id},
    )
    audit.write_audit(
        connection, username=username, role=role, action=audit.ERASURE,
        target=f"import_batch:{batch_id}", detail={"undo": True}, purpose=purpose,
    )  # fmt: skip
    bump_data_version(connection)

