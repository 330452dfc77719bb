"""Write audit entries (Data Protection Act 2018 s.62 logging); only this module touches audit_log.

Entries are only ever inserted; 0002 migrations make UPDATE and DELETE fail in the database.
An entry is written in the same transaction as the action it records, so neither exists alone.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, text

from hotspots.db.load import now_utc

#: The s.62 processing operations that must be logged.
COLLECTION = "collection"
ALTERATION = "alteration"
CONSULTATION = "consultation"
DISCLOSURE = "disclosure"
COMBINATION = "combination"
ERASURE = "erasure"
SIGN_IN = "sign_in"
ACTIONS = (COLLECTION, ALTERATION, CONSULTATION, DISCLOSURE, COMBINATION, ERASURE, SIGN_IN)


def write_audit(
    connection: Connection,
    *,
    username: str,
    role: str | None,
    action: str,
    target: str,
    detail: dict[str, Any] | str | None = None,
    purpose: str | None = None,
) -> None:
    """Append one entry on the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {ACTIONS}")
    if isinstance(detail, dict):
        detail = json.dumps(detail, default=str, sort_keys=True)
    connection.execute(
        text(
            "INSERT INTO audit_log (at, username, role, action, target, detail, purpose)"
            " VALUES (:at, :username, :role, :action, :target, :detail, :purpose)"
        ),
        {
            "at": now_utc(),
            "username": username,
            "role": role,
            "action": action,
            "target": target,
            "detail": detail,
            "purpose": purpose,
        },
    )


def read_audit(engine: Engine, limit: int = 1000) -> pd.DataFrame:
    """The newest entries first (callers check the reader may see the log)."""
    with engine.connect() as connection:
        return pd.read_sql(
            text("SELECT * FROM audit_log ORDER BY id DESC LIMIT :limit"),
            connection,
            params={"limit": limit},
        )
