"""The domain vocabulary: grooming models, indicators, premises categories and gradings.

These codes are what the database stores and what every importer, form and filter accepts;
the labels are what people read. One definition here so that the importer, the forms and
the map legend cannot disagree.
"""

from __future__ import annotations

from typing import Final

#: The six grooming models of the source documents (a record may carry several).
GROOMING_MODELS: Final[dict[str, str]] = {
    "on_street": "On-street",
    "boyfriend": "Boyfriend",
    "party": "Party",
    "internet": "Internet/mobile",
    "lone": "Lone offender",
    "group": "Group offender",
}

#: Warning indicators seen on a sighting or profile.
INDICATORS: Final[dict[str, str]] = {
    "mfh_return": "Returning from missing from home",
    "kempt_no_address": "Well kempt with no address",
    "truanting_risky_address": "Truanting at a risky address",
    "risky_associates": "Unknown or risky associates",
    "unexplained_goods": "Clothing, goods or new phones of unknown source",
    "older_boyfriend": "Older boyfriend",
    "collected_by_adults": "Collected or dropped off by unknown adults",
    "risky_area": "Seen in risky areas",
    "unknown_contacts": "Calls or texts from unknown numbers",
    "adults_loitering": "Adults loitering",
    "intimacy_for_accommodation": "Intimacy in exchange for accommodation",
    "swapping": "Evidence of swapping",
    "friends_exploited": "Friends of young people known to be exploited",
    "peer_reports": "Reports from other young people",
    "school_home_concerns": "School or home concerns",
}

PREMISES_CATEGORIES: Final[dict[str, str]] = {
    "takeaway": "Takeaway",
    "hotel": "Hotel",
    "taxi_office": "Taxi office",
    "park": "Park",
    "shisha_bar": "Shisha bar",
    "residential": "Residential address",
    "other": "Other",
}

#: Where a sighting's point is known to: an exact spot, a street, or only an area.
PRECISIONS: Final[tuple[str, ...]] = ("exact", "street", "area")

RISK_LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high")

#: The 3x5x2 intelligence grading: source evaluation, intelligence assessment, handling code.
SOURCE_EVALUATIONS: Final[tuple[str, ...]] = ("1", "2", "3")
INTELLIGENCE_ASSESSMENTS: Final[tuple[str, ...]] = ("A", "B", "C", "D", "E")
HANDLING_CODES: Final[tuple[str, ...]] = ("P", "C")

AGENCIES: Final[tuple[str, ...]] = (
    "police",
    "social_care",
    "health",
    "education",
    "licensing",
    "community_safety",
    "youth_service",
    "housing",
    "voluntary",
)

ROLES: Final[tuple[str, ...]] = ("analyst", "licensing", "lscb", "admin")

#: Multi-valued codes (grooming models, indicators, pseudonyms) are stored as one text
#: column joined by this separator, so both backends filter them the same way.
CODE_SEPARATOR: Final[str] = "|"

#: Coordinate reference systems: distances in British National Grid, display in WGS84.
CRS_BNG: Final[str] = "EPSG:27700"
CRS_WGS84: Final[str] = "EPSG:4326"


def join_codes(codes: list[str] | tuple[str, ...] | set[str]) -> str:
    """Join codes for storage in their canonical order, without duplicates."""
    return CODE_SEPARATOR.join(sorted(set(codes)))


def split_codes(stored: str | None) -> list[str]:
    """Split a stored multi-code column back into its codes."""
    if not stored:
        return []
    return [code for code in stored.split(CODE_SEPARATOR) if code]
