"""The role model: what each role may do and which pages it sees, stated as literal tables."""

from __future__ import annotations

import pytest

from hotspots.domain import ROLES
from hotspots.security.roles import (
    CAPABILITY_TEXT,
    PAGES,
    ROLE_CAPABILITIES,
    AccessDenied,
    Capability,
    can,
    can_open_page,
    capabilities,
    must_suppress,
    pages_for,
    require,
    require_page,
)

C = Capability

# capability: (analyst, licensing, lscb, admin) -- Y may, . may not.
EXPECTED_CAPABILITIES = {
    C.VIEW_OVERVIEW:              "Y Y Y Y",
    C.VIEW_PERSON_ROWS:           "Y . . .",
    C.VIEW_SIGHTING_POINTS:       "Y . . .",
    C.SEARCH_RECORDS:             "Y . . .",
    C.VIEW_PREMISES:              "Y Y . .",
    C.VIEW_HOTSPOT_OUTLINES:      "Y Y . .",
    C.VIEW_AGGREGATES_SUPPRESSED: "Y Y Y .",
    C.VIEW_AGGREGATES_EXACT:      "Y Y . .",
    C.VIEW_TRENDS:                "Y . Y .",
    C.IMPORT:                     "Y . . .",
    C.RECORD_DISRUPTION:          "Y . . .",
    C.SUBMIT_INTELLIGENCE:        "Y . . .",
    C.SCREENING:                  "Y . . .",
    C.PREPARE_MEETING_PACK:       "Y . . .",
    C.EXPORT:                     "Y . . .",
    C.EXPORT_AGGREGATES:          "Y Y Y .",
    C.MANAGE_USERS:               ". . . Y",
    C.VIEW_AUDIT:                 ". . . Y",
    C.MANAGE_RETENTION:           ". . . Y",
}  # fmt: skip

# page: (analyst, licensing, lscb, admin)
EXPECTED_PAGES = {
    "overview":          "Y Y Y Y",
    "hotspot_map":       "Y Y . .",
    "hotspot_detail":    "Y . . .",
    "search":            "Y . . .",
    "premises":          "Y Y . .",
    "trends":            "Y . Y .",
    "import":            "Y . . .",
    "disruption":        "Y . . .",
    "meeting_pack":      "Y . . .",
    "screening":         "Y . . .",
    "intelligence_form": "Y . . .",
    "admin_users":       ". . . Y",
    "audit_log":         ". . . Y",
    "retention":         ". . . Y",
}  # fmt: skip

ROLE_ORDER = ("analyst", "licensing", "lscb", "admin")


def _cases(table: dict) -> list[tuple[str, object, bool]]:
    return [
        (role, key, flag == "Y")
        for key, flags in table.items()
        for role, flag in zip(ROLE_ORDER, flags.split(), strict=True)
    ]


def test_the_tables_cover_every_role_capability_and_page() -> None:
    assert set(ROLE_ORDER) == set(ROLES) == set(ROLE_CAPABILITIES)
    assert set(EXPECTED_CAPABILITIES) == set(Capability) == set(CAPABILITY_TEXT)
    assert set(EXPECTED_PAGES) == set(PAGES)


@pytest.mark.parametrize(("role", "capability", "allowed"), _cases(EXPECTED_CAPABILITIES))
def test_role_capability(role: str, capability: Capability, allowed: bool) -> None:
    assert can(role, capability) is allowed
    if allowed:
        require(role, capability)
    else:
        with pytest.raises(AccessDenied) as refused:
            require(role, capability)
        assert refused.value.role == role
        assert refused.value.capability == capability


@pytest.mark.parametrize(("role", "page", "allowed"), _cases(EXPECTED_PAGES))
def test_role_page(role: str, page: str, allowed: bool) -> None:
    assert can_open_page(role, page) is allowed
    assert (page in pages_for(role)) is allowed
    if allowed:
        require_page(role, page)
    else:
        with pytest.raises(AccessDenied, match=f"page '{page}'"):
            require_page(role, page)


def test_pages_come_in_navigation_order() -> None:
    assert pages_for("analyst")[0] == "overview"
    assert pages_for("admin") == ("overview", "admin_users", "audit_log", "retention")
    assert pages_for("licensing") == ("overview", "hotspot_map", "premises")


def test_no_role_but_analyst_reaches_person_rows_or_points() -> None:
    person_level = {C.VIEW_PERSON_ROWS, C.VIEW_SIGHTING_POINTS, C.SEARCH_RECORDS, C.EXPORT}
    for role in ROLES:
        assert bool(capabilities(role) & person_level) is (role == "analyst")


def test_admin_has_no_case_data_by_default() -> None:
    case_data = set(Capability) - {
        C.VIEW_OVERVIEW,
        C.MANAGE_USERS,
        C.VIEW_AUDIT,
        C.MANAGE_RETENTION,
    }
    assert not capabilities("admin") & case_data


def test_denial_message_names_role_and_capability() -> None:
    with pytest.raises(AccessDenied) as refused:
        require("licensing", C.VIEW_SIGHTING_POINTS)
    message = str(refused.value)
    assert "licensing" in message
    assert "view_sighting_points" in message
    assert "see individual sighting points" in message
    assert "Ask an administrator" in message


@pytest.mark.parametrize("role", ["", "Analyst", "root", "analyst "])
def test_unknown_role_may_do_nothing(role: str) -> None:
    assert capabilities(role) == frozenset()
    assert pages_for(role) == ()
    with pytest.raises(AccessDenied, match="not a known role"):
        require(role, C.VIEW_OVERVIEW)
    with pytest.raises(AccessDenied, match="not a known role"):
        require_page(role, "overview")


def test_unknown_page_is_refused() -> None:
    assert not can_open_page("analyst", "secret_page")
    with pytest.raises(AccessDenied, match="no page 'secret_page'"):
        require_page("analyst", "secret_page")


@pytest.mark.parametrize(
    ("role", "suppressed"),
    [("analyst", False), ("licensing", False), ("lscb", True), ("admin", True), ("x", True)],
)
def test_who_sees_suppressed_counts(role: str, suppressed: bool) -> None:
    assert must_suppress(role) is suppressed


def test_access_denied_is_an_exception_pages_can_catch() -> None:
    assert issubclass(AccessDenied, Exception)
    assert not issubclass(AccessDenied, ValueError)
