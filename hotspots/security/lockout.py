"""Lockout after repeated failed sign-ins, and idle-session expiry, as pure state changes.

The data layer reads `failed_attempts` and `locked_until` from `app_user`, asks these functions,
and writes the new state back in the same transaction as the sign-in audit entry.
Times may be naive (taken as UTC, as the database stores them) or aware; results keep the
style of the `now` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

DEFAULT_MAX_FAILURES: Final = 5
DEFAULT_LOCK_MINUTES: Final = 15
DEFAULT_IDLE_MINUTES: Final = 30


@dataclass(frozen=True)
class LockoutPolicy:
    """`max_failures` failures in a row lock the account for `lock_minutes`."""

    max_failures: int = DEFAULT_MAX_FAILURES
    lock_minutes: int = DEFAULT_LOCK_MINUTES

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError(f"max_failures must be at least 1, not {self.max_failures}")
        if self.lock_minutes < 1:
            raise ValueError(f"lock_minutes must be at least 1, not {self.lock_minutes}")


@dataclass(frozen=True)
class LockState:
    """The two lockout columns of `app_user`."""

    failed_attempts: int = 0
    locked_until: datetime | None = None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _like(moment: datetime, style: datetime) -> datetime:
    """`moment` (aware) in the naive-or-aware style of `style`."""
    return moment.replace(tzinfo=None) if style.tzinfo is None else moment.astimezone(style.tzinfo)


def is_locked(state: LockState, now: datetime) -> bool:
    """Whether the account is locked at `now`."""
    return state.locked_until is not None and _utc(now) < _utc(state.locked_until)


def sign_in_allowed(state: LockState, now: datetime) -> bool:
    """Whether a password may even be checked: not while the account is locked.

    >>> sign_in_allowed(LockState(5, datetime(2025, 1, 1, 12, 15)), datetime(2025, 1, 1, 12, 0))
    False
    """
    return not is_locked(state, now)


def remaining_lock(state: LockState, now: datetime) -> timedelta:
    """How long the lock still lasts (zero when not locked)."""
    if not is_locked(state, now):
        return timedelta(0)
    assert state.locked_until is not None
    return _utc(state.locked_until) - _utc(now)


def after_failure(
    state: LockState, now: datetime, policy: LockoutPolicy | None = None
) -> LockState:
    """The state after a failed sign-in.

    The count restarts once an earlier lock has run out; reaching `max_failures` locks the
    account for `lock_minutes`. A failure while locked changes nothing (callers should not
    check the password then), so an attacker cannot extend someone else's lock indefinitely
    by hammering it.

    >>> state = LockState()
    >>> for _ in range(5):
    ...     state = after_failure(state, datetime(2025, 1, 1, 12, 0))
    >>> state.failed_attempts, state.locked_until
    (5, datetime.datetime(2025, 1, 1, 12, 15))
    """
    policy = policy or LockoutPolicy()
    if is_locked(state, now):
        return state
    lock_expired = state.locked_until is not None
    failures = (0 if lock_expired else state.failed_attempts) + 1
    if failures >= policy.max_failures:
        until = _utc(now) + timedelta(minutes=policy.lock_minutes)
        return LockState(failures, _like(until, now))
    return LockState(failures, None)


def after_success(state: LockState) -> LockState:
    """The state after a good sign-in: the count and any lock are cleared."""
    return LockState(0, None)


def session_expired(
    last_activity: datetime | None, now: datetime, idle_minutes: int = DEFAULT_IDLE_MINUTES
) -> bool:
    """Whether a session idle since `last_activity` has expired (no activity recorded: yes).

    >>> session_expired(datetime(2025, 1, 1, 12, 0), datetime(2025, 1, 1, 12, 30))
    True
    >>> session_expired(datetime(2025, 1, 1, 12, 0), datetime(2025, 1, 1, 12, 29))
    False
    """
    if idle_minutes < 1:
        raise ValueError(f"idle_minutes must be at least 1, not {idle_minutes}")
    if last_activity is None:
        return True
    return _utc(now) - _utc(last_activity) >= timedelta(minutes=idle_minutes)
