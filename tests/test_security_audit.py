"""The audit model: the s.62 vocabulary, entries, and the check before an entry is written."""

from __future__ import annotations

import json

import pytest

from hotspots.security import audit
from hotspots.security.audit import (
    ACTIONS,
    S62_ACTIONS,
    AuditEntry,
    InvalidAuditEntry,
    audit_entry_problems,
    clean_purpose,
    detail_text,
    loggable_text,
    purpose_required,
    validate_audit_entry,
)


def _entry(**changes: object) -> AuditEntry:
    values: dict[str, object] = {
        "username": "amy",
        "role": "analyst",
        "action": audit.CONSULTATION,
        "target": "map:sighting_points",
        "detail": {"rows": 1204, "period": "2024-01/2024-06"},
        "purpose": "CSE meeting preparation",
    }
    return AuditEntry(**{**values, **changes})  # type: ignore[arg-type]


def test_the_six_s62_operations_are_the_vocabulary() -> None:
    assert S62_ACTIONS == (
        "collection",
        "alteration",
        "consultation",
        "disclosure",
        "combination",
        "erasure",
    )
    assert set(S62_ACTIONS) < set(ACTIONS)
    assert len(set(ACTIONS)) == len(ACTIONS)
    assert {"sign_in", "sign_in_failed", "access_denied"} < set(ACTIONS)


def test_good_entry_becomes_a_row_with_json_detail() -> None:
    row = _entry().to_row()
    assert row == {
        "username": "amy",
        "role": "analyst",
        "action": "consultation",
        "target": "map:sighting_points",
        "detail": '{"period": "2024-01/2024-06", "rows": 1204}',
        "purpose": "CSE meeting preparation",
    }
    assert json.loads(row["detail"])["rows"] == 1204


def test_detail_text_keeps_strings_and_none_and_writes_dates() -> None:
    from datetime import date

    assert detail_text(None) is None
    assert detail_text("free text") == "free text"
    assert detail_text({"on": date(2025, 1, 2)}) == '{"on": "2025-01-02"}'


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"username": ""}, "username is empty"),
        ({"username": "  "}, "username is empty"),
        ({"target": ""}, "target is empty"),
        ({"action": "viewed"}, "action 'viewed' is not one of"),
        ({"role": "superuser"}, "role 'superuser' is not one of"),
        ({"role": None}, "role is missing"),
        ({"purpose": None}, "purpose is empty: an analyst gives a purpose before consulting"),
        ({"purpose": "   "}, "purpose is empty"),
        ({"target": "sighting:1\n2025-01-01 admin erasure"}, "target contains a line break"),
        ({"username": "eve\radmin"}, "username contains a line break"),
        ({"target": "x" * 501}, "target has 501 characters; at most 500"),
        ({"detail": {"terms": "y" * 10_000}}, "detail has"),
    ],
)
def test_bad_entries_are_refused(changes: dict, fragment: str) -> None:
    entry = _entry(**changes)
    problems = audit_entry_problems(entry)
    assert any(fragment in problem for problem in problems), problems
    with pytest.raises(InvalidAuditEntry, match="audit entry refused"):
        validate_audit_entry(entry)
    with pytest.raises(InvalidAuditEntry):
        entry.to_row()


@pytest.mark.parametrize("action", S62_ACTIONS)
def test_analyst_needs_a_purpose_for_every_s62_operation(action: str) -> None:
    assert purpose_required("analyst", action)
    assert audit_entry_problems(_entry(action=action, purpose=None)) != []


@pytest.mark.parametrize("role", ["licensing", "lscb", "admin"])
def test_other_roles_may_log_without_a_purpose(role: str) -> None:
    assert not purpose_required(role, audit.DISCLOSURE)
    assert audit_entry_problems(_entry(role=role, action=audit.DISCLOSURE, purpose=None)) == []


def test_security_events_need_no_purpose() -> None:
    assert audit_entry_problems(_entry(action=audit.SIGN_IN, purpose=None)) == []


def test_failed_sign_in_of_an_unknown_name_may_be_anonymous() -> None:
    entry = _entry(username="whoever", role=None, action=audit.SIGN_IN_FAILED, purpose=None)
    assert audit_entry_problems(entry) == []


def test_loggable_text_strips_forged_lines_and_cuts() -> None:
    assert loggable_text("eve\n2025-01-01 admin sign_in") == "eve2025-01-01 admin sign_in"
    assert len(loggable_text("z" * 1000)) == 100
    assert audit_entry_problems(_entry(username=loggable_text("a\u2028b"))) == []


def test_entry_is_immutable() -> None:
    entry = _entry()
    with pytest.raises(AttributeError):
        entry.username = "someone else"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CSE meeting prep", "CSE meeting prep"),
        ("  investigation   OP-123 \n", "investigation OP-123"),
    ],
)
def test_clean_purpose(typed: str, expected: str) -> None:
    assert clean_purpose(typed) == expected


@pytest.mark.parametrize(("typed", "fragment"), [("", "too short"), ("x", "too short"),
                                                 ("p" * 301, "at most 300")])  # fmt: skip
def test_unusable_purpose(typed: str, fragment: str) -> None:
    with pytest.raises(InvalidAuditEntry, match=fragment):
        clean_purpose(typed)
