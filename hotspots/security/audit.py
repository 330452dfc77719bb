"""The audit model: what is logged, and the check an entry passes before `hotspots.db` writes it.

Data Protection Act 2018 s.62 (law-enforcement processing) requires logs of collection,
alteration, consultation, disclosure (transfers included), combination and erasure, showing
who did it, when, and why (the justification). We log security events too, so that a curious
colleague's refused attempts and a password-guessing run are visible to the admin.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Final

from hotspots.domain import ROLES

# The six s.62 operations.
COLLECTION: Final = "collection"  # import, form submission
ALTERATION: Final = "alteration"  # edit of a record, undo of an import batch
CONSULTATION: Final = "consultation"  # view of person-level data, search, map of sighting points
DISCLOSURE: Final = "disclosure"  # export, download, meeting pack
COMBINATION: Final = "combination"  # joining records into a profile, hotspot run over records
ERASURE: Final = "erasure"  # retention erasure of a young person's records

S62_ACTIONS: Final[tuple[str, ...]] = (
    COLLECTION,
    ALTERATION,
    CONSULTATION,
    DISCLOSURE,
    COMBINATION,
    ERASURE,
)

# Security events.
SIGN_IN: Final = "sign_in"
SIGN_IN_FAILED: Final = "sign_in_failed"
SIGN_OUT: Final = "sign_out"
ACCOUNT_LOCKED: Final = "account_locked"
ACCESS_DENIED: Final = "access_denied"  # a refused page or data request
USER_ADMIN: Final = "user_admin"  # add, disable, reset password, set role

SECURITY_ACTIONS: Final[tuple[str, ...]] = (
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    ACCOUNT_LOCKED,
    ACCESS_DENIED,
    USER_ADMIN,
)

ACTIONS: Final[tuple[str, ...]] = S62_ACTIONS + SECURITY_ACTIONS

#: Operations on case data for which an analyst must have given a purpose (asked once a session).
PURPOSE_REQUIRED: Final[frozenset[str]] = frozenset(
    {COLLECTION, ALTERATION, CONSULTATION, DISCLOSURE, COMBINATION, ERASURE}
)
#: Roles whose purpose is asked for; other roles see no person-level data, a purpose is optional.
PURPOSE_ROLES: Final[frozenset[str]] = frozenset({"analyst"})

#: Actions that may be logged before anyone is known (a failed sign-in for a mistyped name),
#: or for an account whose role is not one we know (refused everywhere, and logged).
ANONYMOUS_ACTIONS: Final[frozenset[str]] = frozenset(
    {SIGN_IN_FAILED, ACCOUNT_LOCKED, ACCESS_DENIED}
)

MAX_USERNAME: Final = 100
MAX_TARGET: Final = 500
MAX_PURPOSE: Final = 300
MIN_PURPOSE: Final = 5
MAX_DETAIL: Final = 10_000

#: Control characters (line breaks included) would let a value forge lines in an exported log.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class InvalidAuditEntry(ValueError):
    """An audit entry that must not be written as it stands; the message says what to fix."""


@dataclass(frozen=True)
class AuditEntry:
    """One row of `audit_log` but its id and time, which the database adds.

    `target` names what was touched (`sighting:1042`, `young_person:YP-3F2A`, `export:trends.csv`,
    `map:sighting_points`); `detail` holds filters, row counts or search terms.
    """

    username: str
    role: str | None
    action: str
    target: str
    detail: dict[str, Any] | str | None = None
    purpose: str | None = None

    def to_row(self) -> dict[str, Any]:
        """The column values for the INSERT, after `validate_audit_entry`; detail as JSON."""
        validate_audit_entry(self)
        row = asdict(self)
        row["detail"] = detail_text(self.detail)
        return row


def detail_text(detail: dict[str, Any] | str | None) -> str | None:
    """Detail as stored: dicts as sorted JSON (dates and other values as text).

    >>> detail_text({"rows": 12, "area": "E05000650"})
    '{"area": "E05000650", "rows": 12}'
    """
    if detail is None or isinstance(detail, str):
        return detail
    return json.dumps(detail, default=str, sort_keys=True)


def loggable_text(value: str, limit: int = MAX_USERNAME) -> str:
    """Untrusted text made safe to log: control characters removed, cut to `limit`.

    For what a stranger typed, such as the username of a failed sign-in.

    >>> loggable_text("eve\\nadmin signed in", 100)
    'eveadmin signed in'
    """
    return _CONTROL.sub("", value)[:limit]


def _problems_with_text(name: str, value: str | None, limit: int, required: bool) -> list[str]:
    if value is None or not value.strip():
        return [f"{name} is empty"] if required else []
    problems = []
    if len(value) > limit:
        problems.append(f"{name} has {len(value)} characters; at most {limit}")
    if _CONTROL.search(value):
        problems.append(f"{name} contains a line break or control character")
    return problems


def audit_entry_problems(entry: AuditEntry) -> list[str]:
    """Every reason the entry may not be written; empty when it is good.

    >>> audit_entry_problems(AuditEntry("amy", "analyst", "consultation", "sighting:1"))
    ['purpose is empty: an analyst gives a purpose before consulting case data']
    """
    problems = _problems_with_text("username", entry.username, MAX_USERNAME, True)
    problems += _problems_with_text("target", entry.target, MAX_TARGET, True)
    problems += _problems_with_text("purpose", entry.purpose, MAX_PURPOSE, False)
    if entry.action not in ACTIONS:
        problems.append(f"action {entry.action!r} is not one of {', '.join(ACTIONS)}")
    if entry.role is None and entry.action not in ANONYMOUS_ACTIONS:
        problems.append(f"role is missing; only {sorted(ANONYMOUS_ACTIONS)} may be anonymous")
    if entry.role is not None and entry.role not in ROLES:
        problems.append(f"role {entry.role!r} is not one of {', '.join(ROLES)}")
    if purpose_required(entry.role, entry.action) and not (entry.purpose or "").strip():
        problems.append(
            f"purpose is empty: an {entry.role} gives a purpose before {_verb(entry.action)}"
        )
    detail = detail_text(entry.detail)
    if detail is not None and len(detail) > MAX_DETAIL:
        problems.append(f"detail has {len(detail)} characters; at most {MAX_DETAIL}")
    return problems


def _verb(action: str) -> str:
    return {
        COLLECTION: "adding case data",
        ALTERATION: "changing case data",
        CONSULTATION: "consulting case data",
        DISCLOSURE: "exporting case data",
        COMBINATION: "combining case data",
        ERASURE: "erasing case data",
    }[action]


def validate_audit_entry(entry: AuditEntry) -> None:
    """Raise `InvalidAuditEntry` listing every problem; the writer calls this before INSERT."""
    problems = audit_entry_problems(entry)
    if problems:
        raise InvalidAuditEntry("audit entry refused: " + "; ".join(problems))


def purpose_required(role: str | None, action: str) -> bool:
    """Whether this role must have given a purpose for this action.

    >>> purpose_required("analyst", "disclosure"), purpose_required("lscb", "disclosure")
    (True, False)
    """
    return role in PURPOSE_ROLES and action in PURPOSE_REQUIRED


def clean_purpose(text: str) -> str:
    """The purpose a user typed, trimmed and checked; raise `InvalidAuditEntry` if unusable.

    >>> clean_purpose("  Prepare CSE meeting 12 March  ")
    'Prepare CSE meeting 12 March'
    """
    purpose = " ".join(text.split())
    if len(purpose) < MIN_PURPOSE:
        raise InvalidAuditEntry(
            f"purpose {purpose!r} is too short: say in a few words why you need the records"
            " (for example 'CSE meeting preparation', 'investigation OP-123')"
        )
    if len(purpose) > MAX_PURPOSE:
        raise InvalidAuditEntry(f"purpose has {len(purpose)} characters; at most {MAX_PURPOSE}")
    return purpose
