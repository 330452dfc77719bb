"""docs/SECURITY.md and the code agree: the role tables there are the ones the code applies."""

from __future__ import annotations

import re
from pathlib import Path

from hotspots.security.audit import ACTIONS
from hotspots.security.roles import PAGES, Capability, can

SECURITY = (Path(__file__).resolve().parent.parent / "docs" / "SECURITY.md").read_text()
ROLE_ORDER = ("analyst", "licensing", "lscb", "admin")


def _table(marker: str) -> dict[str, tuple[str, list[bool]]]:
    """Rows of a marked table: first cell -> (second cell, yes/no per role)."""
    block = SECURITY.split(f"<!-- {marker}: begin -->", 1)[1].split(f"<!-- {marker}: end -->")[0]
    rows = {}
    for line in block.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = (cells[1].strip("`"), [c == "yes" for c in cells[2:]])
    return rows


def test_capability_table_matches_the_code() -> None:
    table = _table("role-capabilities")
    assert set(table) == {str(c) for c in Capability}
    for capability, (_, flags) in table.items():
        expected = [can(role, Capability(capability)) for role in ROLE_ORDER]
        assert flags == expected, capability


def test_page_table_matches_the_code() -> None:
    table = _table("role-pages")
    assert set(table) == set(PAGES)
    for page, (needs, flags) in table.items():
        assert needs == PAGES[page].needs
        assert flags == [can(role, PAGES[page].needs) for role in ROLE_ORDER], page


def test_every_audit_action_is_described() -> None:
    section = SECURITY.split("## The audit log", 1)[1].split("\n## ", 1)[0]
    described = set(re.findall(r"`([a-z_]+)`", section))
    assert set(ACTIONS) <= described


def test_the_threat_model_covers_the_issue_s_attacks() -> None:
    for attack in (
        "Stolen laptop",
        "Curious colleague",
        "Malicious upload",
        "Hostile note text",
        "URL guessing",
        "SQL injection",
        "Cross-site request forgery",
        "Brute-force sign-in",
    ):
        assert f"**{attack}" in SECURITY, attack


def test_the_identity_provider_settings_are_named() -> None:
    for key in (
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    ):
        assert f"{key} =" in SECURITY
