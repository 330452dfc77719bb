"""Write and review audit entries (Data Protection Act 2018 s.62); only this module touches
audit_log.

Entries are only ever inserted; 0002 migrations make UPDATE and DELETE fail in the database.
An entry is written in the same transaction as the action it records, so neither exists alone,
and it is checked first by `hotspots.security.audit.AuditEntry` (the one vocabulary and rule:
an analyst's s.62 operations need a purpose, no line breaks, known roles and actions).
Reviewing the log needs `Capability.VIEW_AUDIT` and is itself audited: who watches the log is
on the log.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

import pandas as pd
from sqlalchemy import Connection, Engine, text

from hotspots.db.load import now_utc
from hotspots.security.audit import (
    ACCESS_DENIED,
    ACCOUNT_LOCKED,
    ACTIONS,
    ALTERATION,
    COLLECTION,
    COMBINATION,
    CONSULTATION,
    DISCLOSURE,
    ERASURE,
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    USER_ADMIN,
    AuditEntry,
)
from hotspots.security.escaping import spreadsheet_safe_frame
from hotspots.security.roles import Capability, require

if TYPE_CHECKING:  # access imports this module; the User type is only needed for hints
    from hotspots.db.access import User

__all__ = [
    "ACCESS_DENIED", "ACCOUNT_LOCKED", "ACTIONS", "ALTERATION", "COLLECTION", "COMBINATION",
    "CONSULTATION", "DISCLOSURE", "ERASURE", "SIGN_IN", "SIGN_IN_FAILED", "SIGN_OUT",
    "USER_ADMIN", "AuditFilter", "audit_entries", "export_audit", "read_audit", "write_audit",
]  # fmt: skip

#: Columns of the review and the export, in reading order.
AUDIT_COLUMNS: Final = ("id", "at", "username", "role", "action", "target", "purpose", "detail")
#: The most rows one review or export returns; narrow the filters for more.
MAX_ROWS: Final = 50_000


def write_audit(
    connection: Connection,
    *,
    username: str,
    role: str | None,
    action: str,
    target: str,
    detail: dict | str | None = None,
    purpose: str | None = None,
) -> None:
    """Append one entry on the caller's transaction; `InvalidAuditEntry` if it breaks a rule."""
    row = AuditEntry(username, role, action, target, detail, purpose).to_row()
    connection.execute(
        text(
            "INSERT INTO audit_log (at, username, role, action, target, detail, purpose)"
            " VALUES (:at, :username, :role, :action, :target, :detail, :purpose)"
        ),
        row | {"at": now_utc()},
    )


def read_audit(engine: Engine, limit: int = 1000) -> pd.DataFrame:
    """The newest entries first, unchecked: for tests and for functions of `hotspots.db`
    that have checked the reader already. Pages use `audit_entries`."""
    with engine.connect() as connection:
        return pd.read_sql(
            text("SELECT * FROM audit_log ORDER BY id DESC LIMIT :limit"),
            connection,
            params={"limit": limit},
        )


@dataclass(frozen=True)
class AuditFilter:
    """What to review: a period (`end` exclusive), one user, some actions, a target fragment."""

    start: date | None = None
    end: date | None = None
    username: str | None = None
    actions: tuple[str, ...] | None = None
    target_contains: str | None = None
    limit: int = 5_000

    def __post_init__(self) -> None:
        unknown = sorted(set(self.actions or ()) - set(ACTIONS))
        if unknown:
            raise ValueError(f"audit filter: unknown actions {unknown}; expected {ACTIONS}")
        if not 1 <= self.limit <= MAX_ROWS:
            raise ValueError(f"audit filter: limit {self.limit}; choose 1 to {MAX_ROWS:,}")

    def describe(self) -> dict[str, object]:
        """The filter as audit detail (only what was set)."""
        values = {
            "start": self.start,
            "end": self.end,
            "username": self.username,
            "actions": list(self.actions) if self.actions is not None else None,
            "target_contains": self.target_contains,
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


def _select(filters: AuditFilter) -> tuple[str, dict[str, object]]:
    clauses, params = [], {}
    if filters.start is not None:
        clauses.append("at >= :start")
        params["start"] = pd.Timestamp(filters.start).to_pydatetime()
    if filters.end is not None:
        clauses.append("at < :end")
        params["end"] = pd.Timestamp(filters.end).to_pydatetime()
    if filters.username:
        clauses.append("username = :username")
        params["username"] = filters.username
    if filters.actions is not None:
        names = [f":action{i}" for i in range(len(filters.actions))]
        clauses.append(f"action IN ({', '.join(names) or 'NULL'})")
        params |= {f"action{i}": action for i, action in enumerate(filters.actions)}
    if filters.target_contains:
        clauses.append("lower(target) LIKE :target ESCAPE '!'")
        fragment = filters.target_contains.lower()
        for special in ("!", "%", "_"):
            fragment = fragment.replace(special, "!" + special)
        params["target"] = f"%{fragment}%"
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_log{where} ORDER BY id DESC LIMIT :limit"
    return sql, params | {"limit": int(filters.limit)}


def _read(connection: Connection, filters: AuditFilter) -> pd.DataFrame:
    sql, params = _select(filters)
    rows = pd.read_sql(text(sql), connection, params=params)
    rows["at"] = pd.to_datetime(rows["at"], format="ISO8601")
    return rows


def _read_logged(
    engine: Engine, user: User, filters: AuditFilter | None, action: str, target: str
) -> pd.DataFrame:
    """Entries matching `filters`, read for `user` (who needs `VIEW_AUDIT`) and logged as
    `action` on `target` in the same transaction as the read."""
    require(user.role, Capability.VIEW_AUDIT)
    filters = filters or AuditFilter()
    with engine.begin() as connection:
        rows = _read(connection, filters)
        write_audit(
            connection, username=user.username, role=user.role, action=action,
            target=target, detail=filters.describe() | {"rows": len(rows)},
            purpose=user.purpose or None,
        )  # fmt: skip
    return rows


def audit_entries(engine: Engine, user: User, filters: AuditFilter | None = None) -> pd.DataFrame:
    """Entries matching `filters`, newest first (`AUDIT_COLUMNS`). Needs `VIEW_AUDIT`.

    The review is itself recorded (a consultation of `audit_log`, with the filters), in the
    same transaction as the read.
    """
    return _read_logged(engine, user, filters, CONSULTATION, "audit_log")


def export_audit(engine: Engine, user: User, filters: AuditFilter | None = None) -> bytes:
    """The entries matching `filters` as CSV (UTF-8 with a byte-order mark), audited as a
    disclosure. Needs `VIEW_AUDIT`. Cells that a spreadsheet would run as formulas are
    defused: usernames typed at a failed sign-in are a stranger's text."""
    rows = _read_logged(engine, user, filters, DISCLOSURE, "export:audit_log.csv")
    buffer = io.StringIO()
    buffer.write("# OFFICIAL-SENSITIVE. Audit log extract (Data Protection Act 2018 s.62)\n")
    rows["at"] = rows["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    spreadsheet_safe_frame(rows).to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
