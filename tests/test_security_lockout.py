"""Lockout after repeated failures and idle-session expiry, walked through by the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hotspots.security.lockout import (
    LockoutPolicy,
    LockState,
    after_failure,
    after_success,
    is_locked,
    remaining_lock,
    session_expired,
    sign_in_allowed,
)

NOON = datetime(2025, 3, 1, 12, 0)  # naive UTC, as the database stores it


def _fail(times: int, **policy: int) -> LockState:
    state = LockState()
    for _ in range(times):
        state = after_failure(state, NOON, LockoutPolicy(**policy))
    return state


def test_four_failures_do_not_lock() -> None:
    state = _fail(4)
    assert state == LockState(4, None)
    assert sign_in_allowed(state, NOON)


def test_fifth_failure_locks_for_fifteen_minutes() -> None:
    state = _fail(5)
    assert state == LockState(5, NOON + timedelta(minutes=15))
    assert not sign_in_allowed(state, NOON + timedelta(minutes=14, seconds=59))
    assert sign_in_allowed(state, NOON + timedelta(minutes=15))
    assert remaining_lock(state, NOON + timedelta(minutes=5)) == timedelta(minutes=10)
    assert remaining_lock(state, NOON + timedelta(minutes=20)) == timedelta(0)


def test_failure_while_locked_does_not_extend_the_lock() -> None:
    locked = _fail(5)
    later = after_failure(locked, NOON + timedelta(minutes=10))
    assert later == locked


def test_count_restarts_after_the_lock_runs_out() -> None:
    locked = _fail(5)
    after = after_failure(locked, NOON + timedelta(minutes=16))
    assert after == LockState(1, None)


def test_success_clears_count_and_lock() -> None:
    assert after_success(_fail(3)) == LockState(0, None)
    assert after_success(_fail(5)) == LockState(0, None)


def test_policy_is_configurable() -> None:
    state = _fail(3, max_failures=3, lock_minutes=60)
    assert state.locked_until == NOON + timedelta(hours=1)
    assert _fail(2, max_failures=3) == LockState(2, None)


@pytest.mark.parametrize(("failures", "minutes"), [(0, 15), (5, 0), (-1, 15)])
def test_policy_refuses_nonsense(failures: int, minutes: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LockoutPolicy(max_failures=failures, lock_minutes=minutes)


def test_aware_now_gives_aware_lock_and_compares_with_naive_utc() -> None:
    aware_noon = NOON.replace(tzinfo=UTC)
    state = LockState(4, None)
    locked = after_failure(state, aware_noon)
    assert locked.locked_until == aware_noon + timedelta(minutes=15)
    # A naive lock read back from the database compares with an aware clock as UTC.
    naive_lock = LockState(5, NOON + timedelta(minutes=15))
    assert is_locked(naive_lock, aware_noon)
    british_summer = timezone(timedelta(hours=1))
    assert is_locked(naive_lock, datetime(2025, 3, 1, 13, 10, tzinfo=british_summer))
    assert not is_locked(naive_lock, datetime(2025, 3, 1, 13, 15, tzinfo=british_summer))


@pytest.mark.parametrize(
    ("idle", "minutes", "expired"),
    [(0, 30, False), (29, 30, False), (30, 30, True), (31, 30, True), (9, 10, False)],
)
def test_idle_session_expiry(idle: int, minutes: int, expired: bool) -> None:
    assert session_expired(NOON, NOON + timedelta(minutes=idle), minutes) is expired


def test_idle_default_is_thirty_minutes() -> None:
    assert not session_expired(NOON, NOON + timedelta(minutes=29, seconds=59))
    assert session_expired(NOON, NOON + timedelta(minutes=30))


def test_session_without_activity_is_expired() -> None:
    assert session_expired(None, NOON)


def test_idle_minutes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="idle_minutes"):
        session_expired(NOON, NOON, idle_minutes=0)
