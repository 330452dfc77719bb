"""Accounts, sign-in, lockout and sessions on both backends, through the functions and the CLI."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from hotspots.cli import main
from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.load import now_utc
from hotspots.db.users import (
    FAILED_MESSAGE,
    LastAdmin,
    UserError,
    UserExists,
    add_user,
    list_users,
    reset_password,
    resume_session,
    set_disabled,
    set_role,
    set_session_purpose,
    sign_in,
    sign_in_external,
    sign_out,
    touch_session,
)
from hotspots.security.lockout import LockoutPolicy
from hotspots.security.passwords import WeakPassword, make_hasher
from hotspots.security.roles import AccessDenied

FAST = make_hasher(time_cost=1, memory_cost=8, parallelism=1)  # tests only: cheap hashes
ADMIN = User("root", "admin")
PASSWORD = "correct horse battery staple"
POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)


def _add(engine: Engine, name: str = "amy", role: str = "analyst", **kwargs) -> str:
    return add_user(engine, ADMIN, name, role, kwargs.pop("password", PASSWORD), hasher=FAST)


def _log(engine: Engine) -> list[tuple]:
    log = read_audit(engine).sort_values("id").astype(object)
    log = log.where(log.notna(), None)
    return list(
        log[["username", "role", "action", "target", "detail"]].itertuples(index=False, name=None)
    )


def _sign_in(engine: Engine, name: str, password: str, **kwargs):
    return sign_in(engine, name, password, policy=POLICY, hasher=FAST, **kwargs)


# ---------------------------------------------------------------- accounts


def test_add_and_list_never_show_a_hash(engine: Engine) -> None:
    assert _add(engine, "  Amy.Jones@Bolton.gov.uk ") == "amy.jones@bolton.gov.uk"
    add_user(engine, ADMIN, "sso-user", "lscb", None)
    users = list_users(engine, ADMIN)
    assert users["username"].tolist() == ["amy.jones@bolton.gov.uk", "sso-user"]
    assert users["sign_in"].tolist() == ["password", "identity provider"]
    assert "password_hash" not in users.columns
    assert not users.astype(str).apply(lambda c: c.str.contains("argon2")).any().any()
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT password_hash FROM app_user WHERE username = 'amy.jones@bolton.gov.uk'")
        ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    entries = _log(engine)
    assert [e[2] for e in entries] == ["user_admin", "user_admin"]
    assert entries[0][:2] == ("root", "admin")
    assert json.loads(entries[0][4]) == {
        "change": "added",
        "role": "analyst",
        "sign_in": "password",
    }


@pytest.mark.parametrize(
    ("name", "role", "password", "error", "fragment"),
    [
        ("a", "analyst", PASSWORD, UserError, "2 to 100"),
        ("amy smith", "analyst", PASSWORD, UserError, "lower-case letters"),
        ("<img src=x>", "analyst", PASSWORD, UserError, "lower-case letters"),
        ("cli", "admin", PASSWORD, UserError, "reserved"),
        ("demo-analyst", "analyst", PASSWORD, UserError, "reserved"),
        ("amy", "superuser", PASSWORD, UserError, "not one of"),
        ("amy", "analyst", "short", WeakPassword, "at least 12"),
        ("amy", "analyst", "amy", WeakPassword, "same as the username"),
        ("amy", "analyst", "Password1234", WeakPassword, "commonly used"),
    ],
)
def test_bad_accounts_are_refused(engine, name, role, password, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        add_user(engine, ADMIN, name, role, password, hasher=FAST)
    assert list_users(engine, ADMIN).empty


def test_a_name_is_added_once(engine: Engine) -> None:
    _add(engine)
    with pytest.raises(UserExists, match="exists already"):
        _add(engine, "AMY")


@pytest.mark.parametrize("role", ["analyst", "licensing", "lscb"])
def test_only_an_admin_manages_users(engine: Engine, role: str) -> None:
    _add(engine)
    someone = User("someone", role, "testing")
    for call in (
        lambda: add_user(engine, someone, "bob", "admin", PASSWORD, hasher=FAST),
        lambda: list_users(engine, someone),
        lambda: set_role(engine, someone, "amy", "admin"),
        lambda: set_disabled(engine, someone, "amy"),
        lambda: reset_password(engine, someone, "amy", "another long password", hasher=FAST),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert [e[2] for e in _log(engine)] == ["user_admin"]  # only the admin's addition


def test_the_last_admin_cannot_be_disabled_or_demoted(engine: Engine) -> None:
    _add(engine, "boss", "admin")
    with pytest.raises(LastAdmin):
        set_disabled(engine, ADMIN, "boss")
    with pytest.raises(LastAdmin):
        set_role(engine, ADMIN, "boss", "analyst")
    _add(engine, "deputy", "admin")
    set_role(engine, ADMIN, "boss", "analyst")
    assert list_users(engine, ADMIN).set_index("username")["role"]["boss"] == "analyst"


# ---------------------------------------------------------------- signing in


def test_good_password_signs_in_and_starts_a_session(engine: Engine) -> None:
    _add(engine)
    result = _sign_in(engine, " AMY ", PASSWORD)
    assert result.ok and result.user == User("amy", "analyst")
    assert result.token and len(result.token) >= 40
    session = resume_session(engine, result.token, idle_minutes=30)
    assert session.user == User("amy", "analyst", "")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM app_session")).scalar_one()
    assert stored != result.token and result.token not in stored  # only the hash is kept
    assert _log(engine)[-1][:4] == ("amy", "analyst", "sign_in", "app_user:amy")
    assert list_users(engine, ADMIN)["last_sign_in_at"].notna().all()


def test_wrong_password_unknown_name_and_disabled_look_the_same(engine: Engine) -> None:
    _add(engine)
    _add(engine, "dan", "lscb")
    set_disabled(engine, ADMIN, "dan")
    wrong = _sign_in(engine, "amy", "not the password at all")
    unknown = _sign_in(engine, "nobody", PASSWORD)
    disabled = _sign_in(engine, "dan", PASSWORD)
    expected = FAILED_MESSAGE.format(max_failures=5, lock_minutes=15)
    assert wrong.message == unknown.message == disabled.message == expected
    assert not (wrong.ok or unknown.ok or disabled.ok)
    failures = [e for e in _log(engine) if e[2] == "sign_in_failed"]
    reasons = {e[0]: (e[1], json.loads(e[4])["reason"]) for e in failures}
    assert reasons == {
        "amy": ("analyst", "wrong password"),
        "nobody": (None, "unknown user"),
        "dan": ("lscb", "disabled"),
    }


def test_five_failures_lock_the_account_until_the_time_is_up(engine: Engine) -> None:
    _add(engine)
    start = now_utc()
    for minute in range(4):
        result = _sign_in(engine, "amy", "wrong password!!", now=start + timedelta(minutes=minute))
        assert not result.locked
    fifth = _sign_in(engine, "amy", "wrong password!!", now=start + timedelta(minutes=4))
    assert fifth.locked and "locked for 15 more minute" in fifth.message
    # While locked even the right password is refused, and the lock is not extended.
    during = _sign_in(engine, "amy", PASSWORD, now=start + timedelta(minutes=10))
    assert during.locked and not during.ok and "9 more minute" in during.message
    after = _sign_in(engine, "amy", PASSWORD, now=start + timedelta(minutes=20))
    assert after.ok
    actions = [e[2] for e in _log(engine)]
    assert actions[1:] == ["sign_in_failed"] * 5 + ["account_locked", "sign_in_failed", "sign_in"]
    users = list_users(engine, ADMIN)
    assert users["failed_attempts"].tolist() == [0] and users["locked_until"].isna().all()


def test_a_name_that_does_not_exist_locks_like_one_that_does(engine: Engine) -> None:
    # The lock of a name with no account is replayed from the audit log's real times.
    _add(engine)
    results = {}
    for name in ("amy", "ghost"):
        for _ in range(5):
            result = _sign_in(engine, name, "wrong password!!")
        results[name] = (result.locked, result.message)
        later = _sign_in(engine, name, PASSWORD, now=now_utc() + timedelta(minutes=8))
        results[name + " later"] = (later.locked, later.message)
        after = _sign_in(engine, name, "wrong password!!", now=now_utc() + timedelta(minutes=16))
        results[name + " after"] = (after.locked, after.message)
    assert results["amy"] == results["ghost"] == (True, results["amy"][1])
    assert "15 more minute" in results["amy"][1]
    assert results["amy later"] == results["ghost later"]
    assert "7 more minute" in results["amy later"][1]
    assert results["amy after"] == results["ghost after"]
    assert results["amy after"][0] is False


def test_reset_password_unlocks_and_ends_sessions(engine: Engine) -> None:
    _add(engine)
    token = _sign_in(engine, "amy", PASSWORD).token
    for _ in range(5):
        _sign_in(engine, "amy", "wrong password!!")
    assert _sign_in(engine, "amy", PASSWORD).locked
    reset_password(engine, ADMIN, "amy", "a new long passphrase", hasher=FAST)
    assert resume_session(engine, token, idle_minutes=30).ended == "password reset"
    assert not _sign_in(engine, "amy", PASSWORD).ok
    assert _sign_in(engine, "amy", "a new long passphrase").ok


def test_identity_provider_accounts_have_no_password(engine: Engine) -> None:
    add_user(engine, ADMIN, "sso@bolton.gov.uk", "licensing", None)
    assert not _sign_in(engine, "sso@bolton.gov.uk", "").ok
    result = sign_in_external(engine, "SSO@bolton.gov.uk", "entra")
    assert result.ok and result.user == User("sso@bolton.gov.uk", "licensing")
    refused = sign_in_external(engine, "stranger@example.org", "entra")
    assert not refused.ok and "no enabled account" in refused.message
    last = _log(engine)[-1]
    assert last[2] == "sign_in_failed" and json.loads(last[4])["reason"] == "unknown user"


# ---------------------------------------------------------------- sessions


def test_idle_sessions_expire_and_activity_keeps_them(engine: Engine) -> None:
    _add(engine)
    start = now_utc()
    token = _sign_in(engine, "amy", PASSWORD, now=start).token
    touch_session(engine, token, now=start + timedelta(minutes=25))
    assert resume_session(engine, token, idle_minutes=30, now=start + timedelta(minutes=50)).user
    ended = resume_session(engine, token, idle_minutes=30, now=start + timedelta(minutes=56))
    assert ended.user is None and ended.ended == "idle for 30 minutes"
    assert resume_session(engine, token, idle_minutes=30).ended == "idle for 30 minutes"
    last = _log(engine)[-1]
    assert last[2] == "sign_out" and json.loads(last[4]) == {"reason": "idle for 30 minutes"}


def test_purpose_is_kept_with_the_session(engine: Engine) -> None:
    _add(engine)
    token = _sign_in(engine, "amy", PASSWORD).token
    assert set_session_purpose(engine, token, "  CSE meeting   preparation ") == (
        "CSE meeting preparation"
    )
    assert resume_session(engine, token, idle_minutes=30).user.purpose == "CSE meeting preparation"


def test_disable_and_role_change_end_open_sessions(engine: Engine) -> None:
    _add(engine)
    _add(engine, "bob", "licensing")
    amy = _sign_in(engine, "amy", PASSWORD).token
    bob = _sign_in(engine, "bob", PASSWORD).token
    set_disabled(engine, ADMIN, "amy")
    set_role(engine, ADMIN, "bob", "lscb")
    assert resume_session(engine, amy, idle_minutes=30).ended == "account disabled"
    assert resume_session(engine, bob, idle_minutes=30).ended == "role changed"
    assert _sign_in(engine, "bob", PASSWORD).user.role == "lscb"
    set_disabled(engine, ADMIN, "amy", disabled=False)
    assert _sign_in(engine, "amy", PASSWORD).ok


def test_sign_out_ends_the_session(engine: Engine) -> None:
    _add(engine)
    result = _sign_in(engine, "amy", PASSWORD)
    sign_out(engine, result.user, result.token)
    assert resume_session(engine, result.token, idle_minutes=30).ended == "signed out"
    assert _log(engine)[-1][2] == "sign_out"
    assert resume_session(engine, "forged-token", idle_minutes=30).user is None


# ---------------------------------------------------------------- the command line


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", database_url)
    return database_url


def _cli(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_manages_users_and_is_audited(cli_database, monkeypatch, capsys) -> None:
    code, out, _ = _cli(
        monkeypatch, capsys, "users", "add", "Amy", "--role", "analyst", "--password-stdin",
        "--json", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0 and json.loads(out) == {
        "added": "amy",
        "role": "analyst",
        "sign_in": "password",
    }
    assert (
        _cli(monkeypatch, capsys, "users", "add", "boss", "--role", "admin", "--no-password")[0]
        == 0
    )
    assert _cli(monkeypatch, capsys, "users", "set-role", "amy", "licensing")[0] == 0
    assert _cli(monkeypatch, capsys, "users", "disable", "amy")[0] == 0
    assert _cli(monkeypatch, capsys, "users", "disable", "amy", "--enable")[0] == 0
    code, _, _ = _cli(
        monkeypatch, capsys, "users", "reset-password", "amy", "--password-stdin",
        stdin="another long passphrase\n",
    )  # fmt: skip
    assert code == 0
    code, out, _ = _cli(monkeypatch, capsys, "users", "list", "--json")
    users = {u["username"]: u for u in json.loads(out)["users"]}
    assert users["amy"]["role"] == "licensing" and users["amy"]["disabled"] is False
    assert users["boss"]["sign_in"] == "identity provider"
    code, out, _ = _cli(monkeypatch, capsys, "users", "list")
    assert "amy" in out and "licensing" in out and "argon2" not in out
    from hotspots.db import make_engine

    log = read_audit(make_engine(cli_database)).sort_values("id")
    assert set(log["username"]) == {"cli"} and set(log["role"]) == {"admin"}
    changes = [json.loads(d)["change"] for d in log["detail"]]
    assert changes == ["added", "added", "role", "disabled", "enabled", "password reset"]


@pytest.mark.parametrize(
    ("argv", "stdin", "fragment"),
    [
        (
            ("users", "add", "amy", "--role", "analyst", "--password-stdin"),
            "short\n",
            "at least 12",
        ),
        (("users", "add", "amy", "--role", "analyst", "--password-stdin"), "", "held no password"),
        (("users", "add", "amy", "--role", "analyst"), "", "--password-stdin"),
        (("users", "set-role", "nobody", "lscb"), "", "no user 'nobody'"),
        (("users", "disable", "nobody"), "", "no user 'nobody'"),
    ],
)
def test_cli_errors_are_clear(cli_database, monkeypatch, capsys, argv, stdin, fragment) -> None:
    code, _, err = _cli(monkeypatch, capsys, *argv, stdin=stdin)
    assert code == 2 and fragment in err
