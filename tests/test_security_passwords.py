"""Password hashing (argon2id), verification that never raises, re-hashing and the policy."""

from __future__ import annotations

import pytest

from hotspots.security.passwords import (
    COMMON_PASSWORDS,
    MAX_LENGTH,
    MIN_LENGTH,
    WeakPassword,
    check_password_policy,
    hash_password,
    make_hasher,
    needs_rehash,
    password_problems,
    verify_password,
)

#: Argon2's minimum cost: fast tests. The production parameters are checked once below.
CHEAP = make_hasher(time_cost=1, memory_cost=8, parallelism=1)
GOOD = "correct horse battery staple"


def test_hash_is_argon2id_with_a_fresh_salt() -> None:
    first, second = hash_password(GOOD, CHEAP), hash_password(GOOD, CHEAP)
    assert first.startswith("$argon2id$v=19$")
    assert first != second
    assert GOOD not in first


def test_default_parameters_are_rfc_9106_low_memory() -> None:
    assert hash_password(GOOD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_verify_right_and_wrong_password() -> None:
    stored = hash_password(GOOD, CHEAP)
    assert verify_password(stored, GOOD, CHEAP)
    assert not verify_password(stored, GOOD + " ", CHEAP)
    assert not verify_password(stored, "", CHEAP)


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$m=8,t=1,p=1$broken"])
def test_verify_never_raises_on_missing_or_broken_hash(stored: str | None) -> None:
    assert verify_password(stored, GOOD, CHEAP) is False


def test_verify_checks_the_hash_parameters_it_was_made_with() -> None:
    stored = hash_password(GOOD, CHEAP)
    assert verify_password(stored, GOOD, make_hasher(time_cost=2, memory_cost=16))


def test_unicode_forms_of_one_password_match() -> None:
    composed, decomposed = "caf\u00e9 au lait forever", "cafe\u0301 au lait forever"
    assert verify_password(hash_password(composed, CHEAP), decomposed, CHEAP)


def test_overlong_password_is_refused_not_hashed() -> None:
    with pytest.raises(WeakPassword, match=str(MAX_LENGTH)):
        hash_password("x" * (MAX_LENGTH + 1), CHEAP)
    assert not verify_password(hash_password(GOOD, CHEAP), "x" * 10_000, CHEAP)


def test_needs_rehash_when_parameters_are_weaker() -> None:
    cheap_hash = hash_password(GOOD, CHEAP)
    assert not needs_rehash(cheap_hash, CHEAP)
    assert needs_rehash(cheap_hash, make_hasher(time_cost=2, memory_cost=8, parallelism=1))
    assert needs_rehash("not-a-hash", CHEAP)


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        ("correct horse battery staple", "amy", []),
        ("short", "amy", ["it has 5 characters; use at least 12"]),
        ("elevenchars", None, ["it has 11 characters; use at least 12"]),
        ("Password1234", "amy", ["commonly used password"]),
        ("SAFEGUARDING", None, ["commonly used password"]),
        ("amy.jones.analyst", "Amy.Jones.Analyst", ["same as the username"]),
        ("amy", "amy", ["at least 12", "same as the username"]),
        ("x" * (MAX_LENGTH + 1), None, [f"longer than {MAX_LENGTH}"]),
    ],
)
def test_password_policy(password: str, username: str | None, expected: list[str]) -> None:
    problems = password_problems(password, username)
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_policy_counts_characters_not_bytes() -> None:
    assert password_problems("ééééééééééé") != []  # 11 characters, 22 bytes
    assert password_problems("éééééééééééé") == []


def test_policy_error_lists_every_problem() -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password_policy("amy", username="amy")
    assert len(refused.value.problems) == 2
    assert str(refused.value).startswith("Password refused: it has 3 characters")
    check_password_policy(GOOD, username="amy")


def test_min_length_is_a_parameter() -> None:
    assert password_problems("sixteen-letters!", min_length=20)[0].startswith("it has 16")


def test_common_list_holds_only_passwords_long_enough_to_matter() -> None:
    assert all(len(p) >= MIN_LENGTH for p in COMMON_PASSWORDS)
    assert all(p == p.casefold() for p in COMMON_PASSWORDS)
