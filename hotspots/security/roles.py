"""The role model as data: what each role may do, and which pages it may open.

One table (`ROLE_CAPABILITIES`) decides both: the data layer calls `require(role, capability)`
before a query leaves the database, and a page may be opened only if the role holds the
capability the page needs (`PAGES`). A role that is not known holds nothing.
See docs/SECURITY.md for why each role holds what it holds (DESIGN.md, "Who uses it").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from hotspots.domain import ROLES

ANALYST: Final = "analyst"
LICENSING: Final = "licensing"
LSCB: Final = "lscb"
ADMIN: Final = "admin"


class Capability(StrEnum):
    """Something a role may do; the value is what messages and the audit log show."""

    VIEW_OVERVIEW = "view_overview"
    VIEW_PERSON_ROWS = "view_person_rows"
    VIEW_SIGHTING_POINTS = "view_sighting_points"
    SEARCH_RECORDS = "search_records"
    VIEW_PREMISES = "view_premises"
    VIEW_HOTSPOT_OUTLINES = "view_hotspot_outlines"
    VIEW_AGGREGATES_SUPPRESSED = "view_aggregates_suppressed"
    VIEW_AGGREGATES_EXACT = "view_aggregates_exact"
    VIEW_TRENDS = "view_trends"
    IMPORT = "import"
    RECORD_DISRUPTION = "record_disruption"
    SUBMIT_INTELLIGENCE = "submit_intelligence"
    SCREENING = "screening"
    PREPARE_MEETING_PACK = "prepare_meeting_pack"
    EXPORT = "export"
    EXPORT_AGGREGATES = "export_aggregates"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    MANAGE_RETENTION = "manage_retention"


C = Capability

#: What each capability allows, in words a refused user reads.
CAPABILITY_TEXT: Final[dict[Capability, str]] = {
    C.VIEW_OVERVIEW: "open the overview",
    C.VIEW_PERSON_ROWS: "see young-person level records",
    C.VIEW_SIGHTING_POINTS: "see individual sighting points and notes",
    C.SEARCH_RECORDS: "search records",
    C.VIEW_PREMISES: "see premises and the intelligence near them",
    C.VIEW_HOTSPOT_OUTLINES: "see hotspot outlines",
    C.VIEW_AGGREGATES_SUPPRESSED: "see counts with small numbers suppressed",
    C.VIEW_AGGREGATES_EXACT: "see exact counts, small numbers included",
    C.VIEW_TRENDS: "see trends by month, grooming model, area and risk level",
    C.IMPORT: "import records",
    C.RECORD_DISRUPTION: "record and evaluate disruption",
    C.SUBMIT_INTELLIGENCE: "submit intelligence",
    C.SCREENING: "use the risk screening tool",
    C.PREPARE_MEETING_PACK: "prepare the CSE meeting pack",
    C.EXPORT: "export record-level data",
    C.EXPORT_AGGREGATES: "export counts for sharing (small numbers suppressed)",
    C.MANAGE_USERS: "manage users and roles",
    C.VIEW_AUDIT: "review the audit log",
    C.MANAGE_RETENTION: "review records due for review and erase them",
}

#: Role -> capabilities (DESIGN.md). analyst: everything about cases, pseudonymised;
#: licensing: premises, hotspot outlines, counts, no child-level rows or sighting points;
#: lscb: aggregates only, suppressed; admin: users, audit log, retention, no case data.
ROLE_CAPABILITIES: Final[dict[str, frozenset[Capability]]] = {
    ANALYST: frozenset(
        {
            C.VIEW_OVERVIEW,
            C.VIEW_PERSON_ROWS,
            C.VIEW_SIGHTING_POINTS,
            C.SEARCH_RECORDS,
            C.VIEW_PREMISES,
            C.VIEW_HOTSPOT_OUTLINES,
            C.VIEW_AGGREGATES_SUPPRESSED,
            C.VIEW_AGGREGATES_EXACT,
            C.VIEW_TRENDS,
            C.IMPORT,
            C.RECORD_DISRUPTION,
            C.SUBMIT_INTELLIGENCE,
            C.SCREENING,
            C.PREPARE_MEETING_PACK,
            C.EXPORT,
            C.EXPORT_AGGREGATES,
        }
    ),
    LICENSING: frozenset(
        {
            C.VIEW_OVERVIEW,
            C.VIEW_PREMISES,
            C.VIEW_HOTSPOT_OUTLINES,
            C.VIEW_AGGREGATES_SUPPRESSED,
            C.VIEW_AGGREGATES_EXACT,
            C.EXPORT_AGGREGATES,
        }
    ),
    LSCB: frozenset(
        {C.VIEW_OVERVIEW, C.VIEW_AGGREGATES_SUPPRESSED, C.VIEW_TRENDS, C.EXPORT_AGGREGATES}
    ),
    ADMIN: frozenset({C.VIEW_OVERVIEW, C.MANAGE_USERS, C.VIEW_AUDIT, C.MANAGE_RETENTION}),
}


@dataclass(frozen=True)
class Page:
    """A page of the dashboard: its title and the one capability it needs."""

    key: str
    title: str
    needs: Capability


#: Every page, in navigation order. A role sees a page if it holds `needs`.
PAGES: Final[dict[str, Page]] = {
    page.key: page
    for page in (
        Page("overview", "Overview", C.VIEW_OVERVIEW),
        Page("hotspot_map", "Hotspot map", C.VIEW_HOTSPOT_OUTLINES),
        Page("hotspot_detail", "Hotspot detail", C.VIEW_SIGHTING_POINTS),
        Page("search", "Search records", C.SEARCH_RECORDS),
        Page("premises", "Premises", C.VIEW_PREMISES),
        Page("trends", "Trends", C.VIEW_TRENDS),
        Page("import", "Import", C.IMPORT),
        Page("disruption", "Disruption", C.RECORD_DISRUPTION),
        Page("meeting_pack", "Meeting pack", C.PREPARE_MEETING_PACK),
        Page("screening", "Risk screening", C.SCREENING),
        Page("intelligence_form", "Submit intelligence", C.SUBMIT_INTELLIGENCE),
        Page("admin_users", "Users", C.MANAGE_USERS),
        Page("audit_log", "Audit log", C.VIEW_AUDIT),
        Page("retention", "Retention review", C.MANAGE_RETENTION),
    )
}


class AccessDenied(Exception):
    """A role asked for something it may not have; the message says what and what to do."""

    def __init__(self, role: str, capability: Capability | None = None, page: str = "") -> None:
        self.role = role
        self.capability = capability
        self.page = page
        super().__init__(_denial_message(role, capability, page))


def _denial_message(role: str, capability: Capability | None, page: str) -> str:
    if role not in ROLE_CAPABILITIES:
        who = f"'{role}' is not a known role (expected one of {', '.join(ROLES)})"
        return f"Access refused: {who}; ask an administrator to set your role."
    if page and capability is None:
        return f"Access refused: there is no page '{page}'."
    what = CAPABILITY_TEXT[capability] if capability else "do this"
    where = f" (page '{page}')" if page else ""
    return (
        f"Access refused: the {role} role may not {what}{where} [capability {capability}]."
        " Ask an administrator if your work needs it."
    )


def capabilities(role: str) -> frozenset[Capability]:
    """What a role may do; an unknown role may do nothing.

    >>> sorted(str(c) for c in capabilities("lscb"))
    ['export_aggregates', 'view_aggregates_suppressed', 'view_overview', 'view_trends']
    """
    return ROLE_CAPABILITIES.get(role, frozenset())


def can(role: str, capability: Capability) -> bool:
    """Whether `role` holds `capability`.

    >>> can("licensing", Capability.VIEW_SIGHTING_POINTS)
    False
    """
    return capability in capabilities(role)


def require(role: str, capability: Capability) -> None:
    """Raise `AccessDenied` unless `role` holds `capability`; the data layer calls this first."""
    if not can(role, capability):
        raise AccessDenied(role, capability)


def must_suppress(role: str) -> bool:
    """True when counts shown to this role must pass through `suppression.suppress` first.

    >>> must_suppress("lscb"), must_suppress("analyst")
    (True, False)
    """
    return not can(role, C.VIEW_AGGREGATES_EXACT)


def pages_for(role: str) -> tuple[str, ...]:
    """Page keys a role may open, in navigation order: build `st.navigation` from these.

    >>> pages_for("lscb")
    ('overview', 'trends')
    """
    return tuple(key for key, page in PAGES.items() if can(role, page.needs))


def can_open_page(role: str, page: str) -> bool:
    return page in PAGES and can(role, PAGES[page].needs)


def require_page(role: str, page: str) -> None:
    """Raise `AccessDenied` if the role may not open the page (a URL typed by hand, say)."""
    if page not in PAGES:
        raise AccessDenied(role, None, page)
    if not can(role, PAGES[page].needs):
        raise AccessDenied(role, PAGES[page].needs, page)
