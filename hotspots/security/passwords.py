"""Password hashing (argon2id) and the password policy for local accounts.

Hashes are argon2id in PHC string form (`$argon2id$v=19$m=...`), as argon2-cffi writes them;
`app_user.password_hash` stores that string. Passwords are NFKC-normalised first, so the same
password typed on two keyboards that encode an accented letter differently still matches.
"""

from __future__ import annotations

import contextlib
import unicodedata
from functools import lru_cache
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH: Final = 12
#: Longer passwords are refused rather than hashed: a megabyte "password" is a denial of service.
MAX_LENGTH: Final = 256

#: Frequent choices (from public breach lists) and local guesses; compared case-insensitively.
#: Anything shorter than MIN_LENGTH is refused anyway, so the list is of longer ones.
COMMON_PASSWORDS: Final[frozenset[str]] = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "1q2w3e4r5t6y",
        "qwertyuiop12",
        "qwertyuiopas",
        "qwerty123456",
        "password1234",
        "password123!",
        "password12345",
        "passwordpassword",
        "password1234!",
        "p@ssw0rd1234",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "changeme1234",
        "administrator",
        "administrator1",
        "abc123456789",
        "abcdefghijkl",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "football1234",
        "manchester123",
        "manchesterunited",
        "liverpool1234",
        "sunshine1234",
        "princess1234",
        "trustno11234",
        "monkey123456",
        "dragon123456",
        "baseball1234",
        "superman1234",
        "starwars1234",
        "computer1234",
        "internet1234",
        "summer202020",
        "winter202020",
        "spring202020",
        "autumn202020",
        "bolton123456",
        "boltonwanderers",
        "safeguarding",
        "safeguarding1",
        "safeguarding123",
        "hotspots1234",
        "hotspot12345",
        "police123456",
        "policepolice",
        "greatermanchester",
        "gmpolice1234",
    }
)


class WeakPassword(ValueError):
    """A new password breaks the policy; the message lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Password refused: " + "; ".join(problems) + ".")


def make_hasher(
    time_cost: int = 3, memory_cost: int = 65_536, parallelism: int = 4
) -> PasswordHasher:
    """An argon2id hasher; the defaults are RFC 9106's second recommendation (64 MiB, t=3).

    Tests pass a cheap hasher; production keeps the defaults (about 50 ms a hash).
    """
    return _hasher(time_cost, memory_cost, parallelism)


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


@lru_cache(maxsize=8)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-account-" + "x" * 20)


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The argon2id PHC string for a password (a new random salt each time).

    >>> hash_password("correct horse battery staple").startswith("$argon2id$")
    True
    """
    if len(password) > MAX_LENGTH:
        raise WeakPassword([f"it is longer than {MAX_LENGTH} characters"])
    return (hasher or make_hasher()).hash(_normalise(password))


def verify_password(
    stored_hash: str | None, password: str, hasher: PasswordHasher | None = None
) -> bool:
    """Whether `password` matches `stored_hash`; never raises for a wrong or broken hash.

    Call it with `stored_hash=None` for an unknown user or one without a password (signs in
    through the identity provider): it spends the same time on a dummy hash and returns False,
    so response time does not tell an attacker which usernames exist.
    """
    hasher = hasher or make_hasher()
    if len(password) > MAX_LENGTH:
        return False
    if not stored_hash:
        _spend_time(hasher, password)
        return False
    try:
        return hasher.verify(stored_hash, _normalise(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _spend_time(hasher: PasswordHasher, password: str) -> None:
    with contextlib.suppress(VerificationError):
        hasher.verify(_dummy_hash(hasher), _normalise(password))


def needs_rehash(stored_hash: str, hasher: PasswordHasher | None = None) -> bool:
    """True when the hash was made with weaker parameters: re-hash it after a good sign-in.

    A hash that cannot be parsed also needs replacing.
    """
    try:
        return (hasher or make_hasher()).check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


def password_problems(
    password: str, username: str | None = None, min_length: int = MIN_LENGTH
) -> list[str]:
    """Every way a new password breaks the policy, in words; empty when it is acceptable.

    >>> password_problems("short")
    ['it has 5 characters; use at least 12 (a few unrelated words make a good one)']
    >>> password_problems("Password1234", username="amy")
    ['it is a commonly used password; choose something others would not guess']
    """
    normalised = _normalise(password)
    problems = []
    if len(normalised) < min_length:
        problems.append(
            f"it has {len(normalised)} characters; use at least {min_length}"
            " (a few unrelated words make a good one)"
        )
    if len(normalised) > MAX_LENGTH:
        problems.append(f"it is longer than {MAX_LENGTH} characters")
    if normalised.casefold() in COMMON_PASSWORDS:
        problems.append("it is a commonly used password; choose something others would not guess")
    if username and normalised.strip().casefold() == _normalise(username).strip().casefold():
        problems.append("it is the same as the username")
    return problems


def check_password_policy(
    password: str, username: str | None = None, min_length: int = MIN_LENGTH
) -> None:
    """Raise `WeakPassword` listing every problem; `users add` and `reset-password` call this."""
    problems = password_problems(password, username, min_length)
    if problems:
        raise WeakPassword(problems)
