"""User accounts, sign-in and sessions: the only code that reads or writes app_user and
app_session.

Managing accounts needs `Capability.MANAGE_USERS` (an admin on the Users page, or the
command line acting as the operator ``cli`` with the admin role); every change is audited as
``user_admin``. Signing in is done for someone not yet known, so it takes no `user`: it checks
the lockout first, then the password, and writes the new lockout state, the session and the
audit entries (``sign_in``, ``sign_in_failed``, ``account_locked``) in one transaction.

A failed sign-in looks the same to the person at the keyboard whatever the reason (unknown
name, wrong password, disabled account), and takes the same time, so names cannot be found by
guessing. A name that does not exist even "locks" like a real one after repeated failures
(replayed from its ``sign_in_failed`` entries), so the lockout message gives nothing away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, text

from hotspots.db.access import User
from hotspots.db.audit import (
    ACCOUNT_LOCKED,
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    USER_ADMIN,
    write_audit,
)
from hotspots.db.engine import backend_of
from hotspots.db.load import now_utc
from hotspots.domain import ROLES
from hotspots.security.audit import clean_purpose, loggable_text
from hotspots.security.lockout import (
    LockoutPolicy,
    LockState,
    after_failure,
    after_success,
    is_locked,
    remaining_lock,
    session_expired,
)
from hotspots.security.passwords import (
    check_password_policy,
    hash_password,
    make_hasher,
    needs_rehash,
    verify_password,
)
from hotspots.security.roles import ADMIN, Capability, require
from hotspots.security.sessions import new_token, token_hash

#: Lower-case letters, digits and . _ @ - (an e-mail address from an identity provider fits).
USERNAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
#: Names the application uses for itself: the command line and the demonstration.
RESERVED_NAMES: Final = frozenset({"cli", "demo-analyst", "demo-seed", "system", "anonymous"})
#: How far back the failed sign-ins of a name that does not exist are replayed.
UNKNOWN_NAME_HISTORY: Final = timedelta(hours=24)

FAILED_MESSAGE: Final = (
    "Sign-in failed: the username or password is not right. Check both and try again; after"
    " {max_failures} failures in a row the account is locked for {lock_minutes} minutes."
)
LOCKED_MESSAGE: Final = (
    "Too many failed sign-ins: this account is locked for {minutes} more minute(s). Try again"
    " later, or ask an administrator to reset the password (which also unlocks it)."
)


class UserError(ValueError):
    """An account change that cannot be made; the message says why and what to do."""


class UnknownUser(UserError, LookupError):
    """No account has that username."""


class UserExists(UserError):
    """An account with that username exists already."""


class LastAdmin(UserError):
    """The change would leave no enabled administrator."""


def normalise_username(username: str) -> str:
    """The stored form of a username: trimmed and lower-case; `UserError` if unusable.

    >>> normalise_username("  Amy.Jones@Bolton.gov.uk ")
    'amy.jones@bolton.gov.uk'
    """
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise UserError(
            f"username {loggable_text(username or '')!r}: use 2 to 100 lower-case letters,"
            " digits and . _ @ -, starting with a letter or digit"
        )
    if name in RESERVED_NAMES or name.startswith("demo-"):
        raise UserError(f"username {name!r} is reserved for the application; choose another")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


# ---------------------------------------------------------------- reading accounts

_ACCOUNT_SQL = (
    "SELECT username, role, disabled, password_hash, failed_attempts, locked_until,"
    " last_sign_in_at, created_at, password_changed_at FROM app_user"
)


def _row(connection: Connection, username: str, *, lock: bool = False) -> Any:
    sql = _ACCOUNT_SQL + " WHERE username = :u"
    if lock and backend_of(connection.engine) == "postgis":
        sql += " FOR UPDATE"  # concurrent sign-ins of one name queue (SpatiaLite: BEGIN IMMEDIATE)
    return connection.execute(text(sql), {"u": username}).mappings().one_or_none()


def _existing(connection: Connection, username: str) -> Any:
    row = _row(connection, username)
    if row is None:
        raise UnknownUser(f"no user {username!r}; `python -m hotspots users list` shows them")
    return row


def _time(value: object) -> datetime | None:
    return None if value is None else pd.Timestamp(value).to_pydatetime()


def _state(row: Any) -> LockState:
    return LockState(int(row["failed_attempts"] or 0), _time(row["locked_until"]))


def _enabled_admins(connection: Connection, other_than: str) -> int:
    return int(
        connection.execute(
            text(
                "SELECT count(*) FROM app_user WHERE role = :admin AND NOT disabled"
                " AND username <> :u"
            ),
            {"admin": ADMIN, "u": other_than},
        ).scalar_one()
    )


def _audit_change(
    connection: Connection, user: User, username: str, detail: dict[str, Any]
) -> None:
    write_audit(
        connection, username=user.username, role=user.role, action=USER_ADMIN,
        target=f"app_user:{username}", detail=detail, purpose=user.purpose or None,
    )  # fmt: skip


def _end_sessions(connection: Connection, username: str, reason: str) -> int:
    result = connection.execute(
        text(
            "UPDATE app_session SET ended_at = :now, end_reason = :reason"
            " WHERE username = :u AND ended_at IS NULL"
        ),
        {"now": now_utc(), "reason": reason, "u": username},
    )
    return int(result.rowcount or 0)


# ---------------------------------------------------------------- managing accounts


def add_user(
    engine: Engine,
    user: User,
    username: str,
    role: str,
    password: str | None,
    *,
    hasher: PasswordHasher | None = None,
) -> str:
    """Add an account; returns the stored username. Needs `MANAGE_USERS`; audited.

    `password` None makes an account that signs in only through the force's identity
    provider (st.login); otherwise the password policy applies (`WeakPassword`).
    """
    require(user.role, Capability.MANAGE_USERS)
    name = normalise_username(username)
    _check_role(role)
    password_hash = None
    if password is not None:
        check_password_policy(password, name)
        password_hash = hash_password(password, hasher)
    with engine.begin() as connection:
        if _row(connection, name) is not None:
            raise UserExists(f"user {name!r} exists already; use set-role or reset-password")
        now = now_utc()
        connection.execute(
            text(
                "INSERT INTO app_user (username, password_hash, role, disabled, failed_attempts,"
                " created_at, password_changed_at)"
                " VALUES (:u, :hash, :role, FALSE, 0, :now, :changed)"
            ),
            {
                "u": name,
                "hash": password_hash,
                "role": role,
                "now": now,
                "changed": now if password_hash else None,
            },
        )
        _audit_change(
            connection, user, name,
            {"change": "added", "role": role, "sign_in": "password" if password else "provider"},
        )  # fmt: skip
    return name


USER_COLUMNS: Final = (
    "username", "role", "disabled", "sign_in", "locked_until", "failed_attempts",
    "last_sign_in_at", "password_changed_at", "created_at", "open_sessions",
)  # fmt: skip


def list_users(engine: Engine, user: User) -> pd.DataFrame:
    """Every account (`USER_COLUMNS`), never a password hash. Needs `MANAGE_USERS`.

    ``sign_in`` is "password" or "identity provider"; ``locked_until`` is empty unless the
    account is locked now.
    """
    require(user.role, Capability.MANAGE_USERS)
    sql = (
        "SELECT u.username, u.role, u.disabled, u.password_hash IS NOT NULL AS has_password,"
        " u.locked_until, u.failed_attempts, u.last_sign_in_at, u.password_changed_at,"
        " u.created_at, (SELECT count(*) FROM app_session s WHERE s.username = u.username"
        " AND s.ended_at IS NULL) AS open_sessions FROM app_user u ORDER BY u.username"
    )
    with engine.connect() as connection:
        rows = pd.read_sql(text(sql), connection)
    now = now_utc()
    for column in ("locked_until", "last_sign_in_at", "password_changed_at", "created_at"):
        rows[column] = pd.to_datetime(rows[column], format="ISO8601")
    rows["locked_until"] = rows["locked_until"].where(rows["locked_until"] > now)
    rows["disabled"] = rows["disabled"].astype(bool)
    rows["sign_in"] = (
        rows.pop("has_password").astype(bool).map({True: "password", False: "identity provider"})
    )
    return rows[list(USER_COLUMNS)]


def set_disabled(engine: Engine, user: User, username: str, disabled: bool = True) -> None:
    """Disable an account (its open sessions end at once) or enable it again (unlocked).

    Needs `MANAGE_USERS`; audited. Refuses to disable the last enabled administrator.
    """
    require(user.role, Capability.MANAGE_USERS)
    name = username.strip().lower()
    with engine.begin() as connection:
        row = _existing(connection, name)
        if disabled and row["role"] == ADMIN and _enabled_admins(connection, name) == 0:
            raise LastAdmin(
                f"{name!r} is the last enabled administrator; add or enable another first"
            )
        connection.execute(
            text(
                "UPDATE app_user SET disabled = :d, failed_attempts = 0, locked_until = NULL"
                " WHERE username = :u"
            ),
            {"d": bool(disabled), "u": name},
        )
        ended = _end_sessions(connection, name, "account disabled") if disabled else 0
        _audit_change(
            connection, user, name,
            {"change": "disabled" if disabled else "enabled", "sessions_ended": ended},
        )  # fmt: skip


def reset_password(
    engine: Engine,
    user: User,
    username: str,
    password: str,
    *,
    hasher: PasswordHasher | None = None,
) -> None:
    """Give an account a new password; it is unlocked and its open sessions end.

    Needs `MANAGE_USERS`; the password policy applies (`WeakPassword`); audited (never the
    password itself).
    """
    require(user.role, Capability.MANAGE_USERS)
    name = username.strip().lower()
    check_password_policy(password, name)
    password_hash = hash_password(password, hasher)
    with engine.begin() as connection:
        _existing(connection, name)
        connection.execute(
            text(
                "UPDATE app_user SET password_hash = :hash, failed_attempts = 0,"
                " locked_until = NULL, password_changed_at = :now WHERE username = :u"
            ),
            {"hash": password_hash, "now": now_utc(), "u": name},
        )
        ended = _end_sessions(connection, name, "password reset")
        _audit_change(connection, user, name, {"change": "password reset", "sessions_ended": ended})


def set_role(engine: Engine, user: User, username: str, role: str) -> None:
    """Give an account another role; its open sessions end, so the next sign-in shows the
    new role's pages. Needs `MANAGE_USERS`; audited with the old and new role. Refuses to
    demote the last enabled administrator."""
    require(user.role, Capability.MANAGE_USERS)
    name = username.strip().lower()
    _check_role(role)
    with engine.begin() as connection:
        row = _existing(connection, name)
        if row["role"] == role:
            return
        if row["role"] == ADMIN and not row["disabled"] and _enabled_admins(connection, name) == 0:
            raise LastAdmin(f"{name!r} is the last enabled administrator; make another admin first")
        connection.execute(
            text("UPDATE app_user SET role = :role WHERE username = :u"), {"role": role, "u": name}
        )
        ended = _end_sessions(connection, name, "role changed")
        _audit_change(
            connection, user, name,
            {"change": "role", "from": row["role"], "to": role, "sessions_ended": ended},
        )  # fmt: skip


# ---------------------------------------------------------------- signing in


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: `user` and `token` when it worked, else a `message`.

    `token` goes to the browser (signed, see `hotspots.security.sessions`); the database keeps
    only its hash.
    """

    user: User | None
    token: str | None
    message: str = ""
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


def _failed(policy: LockoutPolicy) -> SignIn:
    return SignIn(
        None,
        None,
        FAILED_MESSAGE.format(max_failures=policy.max_failures, lock_minutes=policy.lock_minutes),
    )


def _locked(state: LockState, now: datetime) -> SignIn:
    minutes = max(1, -(-int(remaining_lock(state, now).total_seconds()) // 60))
    return SignIn(None, None, LOCKED_MESSAGE.format(minutes=minutes), locked=True)


def _unknown_name_state(
    connection: Connection, name: str, now: datetime, policy: LockoutPolicy
) -> LockState:
    """The lock state a name with no account would have, replayed from its failed sign-ins."""
    rows = connection.execute(
        text(
            "SELECT at FROM audit_log WHERE action = :failed AND username = :u AND role IS NULL"
            " AND at >= :since ORDER BY at, id"
        ),
        {"failed": SIGN_IN_FAILED, "u": name, "since": now - UNKNOWN_NAME_HISTORY},
    ).scalars()
    state = LockState()
    for at in rows:
        state = after_failure(state, _time(at), policy)
    return state


def _start_session(connection: Connection, username: str, now: datetime) -> str:
    token = new_token()
    connection.execute(
        text(
            "INSERT INTO app_session (token_hash, username, started_at, last_seen)"
            " VALUES (:h, :u, :now, :now)"
        ),
        {"h": token_hash(token), "u": username, "now": now},
    )
    connection.execute(
        text("UPDATE app_user SET last_sign_in_at = :now WHERE username = :u"),
        {"now": now, "u": username},
    )
    return token


def _log(
    connection: Connection, username: str, role: str | None, action: str, detail: dict
) -> None:
    write_audit(
        connection, username=username, role=role, action=action,
        target=f"app_user:{username}", detail=detail,
    )  # fmt: skip


def sign_in(
    engine: Engine,
    username: str,
    password: str,
    *,
    policy: LockoutPolicy | None = None,
    hasher: PasswordHasher | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check a username and password; on success start a session.

    In one transaction: the lockout is checked before the password (a locked account's
    password is not even tried), failures are counted and may lock the account
    (``account_locked``), and every attempt is audited (``sign_in`` or ``sign_in_failed``
    with the reason, which only the audit log holds).
    """
    policy = policy or LockoutPolicy()
    hasher = hasher or make_hasher()
    now = now or now_utc()
    typed = loggable_text(username or "").strip().lower() or "(empty)"
    with engine.begin() as connection:
        row = _row(connection, typed, lock=True)
        if row is None:
            verify_password(None, password, hasher)  # same time as a real check
            state = _unknown_name_state(connection, typed, now, policy)
            if is_locked(state, now):
                _log(connection, typed, None, SIGN_IN_FAILED, {"reason": "locked"})
                return _locked(state, now)
            after = after_failure(state, now, policy)
            _log(connection, typed, None, SIGN_IN_FAILED, {"reason": "unknown user"})
            return _locked(after, now) if is_locked(after, now) else _failed(policy)
        role, state = row["role"], _state(row)
        if is_locked(state, now):
            verify_password(None, password, hasher)
            _log(connection, typed, role, SIGN_IN_FAILED, {"reason": "locked"})
            return _locked(state, now)
        good = verify_password(row["password_hash"], password, hasher)
        if good and not row["disabled"]:
            cleared = after_success(state)
            connection.execute(
                text(
                    "UPDATE app_user SET failed_attempts = :n, locked_until = :until"
                    " WHERE username = :u"
                ),
                {"n": cleared.failed_attempts, "until": cleared.locked_until, "u": typed},
            )
            if needs_rehash(row["password_hash"], hasher):
                connection.execute(
                    text("UPDATE app_user SET password_hash = :h WHERE username = :u"),
                    {"h": hash_password(password, hasher), "u": typed},
                )
            token = _start_session(connection, typed, now)
            _log(connection, typed, role, SIGN_IN, {"method": "password"})
            return SignIn(User(typed, role), token)
        reason = "disabled" if row["disabled"] else (
            "wrong password" if row["password_hash"] else "no password (identity provider)"
        )  # fmt: skip
        after = after_failure(state, now, policy) if not row["disabled"] else state
        connection.execute(
            text(
                "UPDATE app_user SET failed_attempts = :n, locked_until = :until"
                " WHERE username = :u"
            ),
            {"n": after.failed_attempts, "until": after.locked_until, "u": typed},
        )
        _log(connection, typed, role, SIGN_IN_FAILED, {"reason": reason})
        if is_locked(after, now):
            _log(
                connection, typed, role, ACCOUNT_LOCKED,
                {"failures": after.failed_attempts, "until": after.locked_until},
            )  # fmt: skip
            return _locked(after, now)
        return _failed(policy)


def sign_in_external(
    engine: Engine, username: str, provider: str, *, now: datetime | None = None
) -> SignIn:
    """Start a session for a person the force's identity provider has signed in.

    The provider says who they are; `app_user` says what role they hold. An unknown or
    disabled name is refused and logged (``sign_in_failed``): there is no self-registration.
    """
    now = now or now_utc()
    typed = loggable_text(username or "").strip().lower() or "(empty)"
    detail = {"method": "identity provider", "provider": loggable_text(provider)}
    refusal = SignIn(
        None,
        None,
        f"Your identity provider signed you in as {typed!r}, but this application has no"
        " enabled account of that name. Ask an administrator to add you.",
    )
    with engine.begin() as connection:
        row = _row(connection, typed, lock=True)
        if row is None or row["disabled"]:
            reason = "unknown user" if row is None else "disabled"
            role = None if row is None else row["role"]
            _log(connection, typed, role, SIGN_IN_FAILED, detail | {"reason": reason})
            return refusal
        token = _start_session(connection, typed, now)
        _log(connection, typed, row["role"], SIGN_IN, detail)
        return SignIn(User(typed, row["role"]), token)


# ---------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Session:
    """A session looked up by its token: the user it signs in, or why it ended."""

    user: User | None
    ended: str | None = None


def resume_session(
    engine: Engine, token: str | None, *, idle_minutes: int, now: datetime | None = None
) -> Session:
    """The user of a session, checked on every page run: the account must still be enabled,
    and the session not ended nor idle for `idle_minutes` (then it is ended, and audited as
    a sign-out). The role is read afresh, so a changed role applies at once."""
    if not token:
        return Session(None)
    now = now or now_utc()
    with engine.begin() as connection:
        row = connection.execute(
            text(
                "SELECT s.username, s.purpose, s.last_seen, s.ended_at, s.end_reason, u.role,"
                " u.disabled FROM app_session s JOIN app_user u ON u.username = s.username"
                " WHERE s.token_hash = :h"
            ),
            {"h": token_hash(token)},
        ).mappings().one_or_none()  # fmt: skip
        if row is None:
            return Session(None)
        if row["ended_at"] is not None:
            return Session(None, row["end_reason"] or "signed out")
        reason = None
        if row["disabled"]:
            reason = "account disabled"
        elif session_expired(_time(row["last_seen"]), now, idle_minutes):
            reason = f"idle for {idle_minutes} minutes"
        if reason is None:
            return Session(User(row["username"], row["role"], row["purpose"] or ""))
        connection.execute(
            text("UPDATE app_session SET ended_at = :now, end_reason = :r WHERE token_hash = :h"),
            {"now": now, "r": reason, "h": token_hash(token)},
        )
        _log(connection, row["username"], row["role"], SIGN_OUT, {"reason": reason})
        return Session(None, reason)


def touch_session(engine: Engine, token: str, *, now: datetime | None = None) -> None:
    """Record activity in a session (its idle time starts again)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE app_session SET last_seen = :now WHERE token_hash = :h AND ended_at IS NULL"
            ),
            {"now": now or now_utc(), "h": token_hash(token)},
        )


def set_session_purpose(engine: Engine, token: str, purpose: str) -> str:
    """Store the purpose an analyst gave for this session; returns it cleaned
    (`InvalidAuditEntry` when too short or long). A reloaded page keeps it."""
    cleaned = clean_purpose(purpose)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE app_session SET purpose = :p WHERE token_hash = :h AND ended_at IS NULL"),
            {"p": cleaned, "h": token_hash(token)},
        )
    return cleaned


def clear_session_purpose(engine: Engine, token: str) -> None:
    """Forget the purpose stored with the session (the analyst is asked for a new one)."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE app_session SET purpose = NULL WHERE token_hash = :h"),
            {"h": token_hash(token)},
        )


def sign_out(engine: Engine, user: User, token: str | None, reason: str = "signed out") -> None:
    """End the session (if still open) and audit the sign-out."""
    with engine.begin() as connection:
        if token:
            connection.execute(
                text(
                    "UPDATE app_session SET ended_at = :now, end_reason = :r"
                    " WHERE token_hash = :h AND ended_at IS NULL"
                ),
                {"now": now_utc(), "r": reason, "h": token_hash(token)},
            )
        _log(connection, user.username, user.role, SIGN_OUT, {"reason": reason})
