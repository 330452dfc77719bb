"""README.md and the code agree: every setting and CLI command is documented, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from hotspots.cli import build_parser
from hotspots.config import SETTINGS_HELP

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _cli_commands() -> set[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(subparsers.choices)


def test_every_setting_in_the_code_is_in_the_readme() -> None:
    missing = [name for name in SETTINGS_HELP if f"`{name}`" not in README]
    assert missing == []


def test_every_setting_in_the_readme_exists() -> None:
    named = set(re.findall(r"`(HOTSPOTS_[A-Z_]+)`", README)) - {"HOTSPOTS_TEST_POSTGIS_URL"}
    assert named <= set(SETTINGS_HELP)


def test_every_cli_command_is_in_the_readme_and_exists() -> None:
    table = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)[ `]", table, flags=re.MULTILINE))
    assert documented == _cli_commands()


def test_readme_starts_with_the_two_set_up_commands() -> None:
    first_block = README.split("```", 2)[1]
    assert "bash scripts/run.sh" in first_block
    assert "bash scripts/test.sh" in first_block
    assert (
        "bash scripts/test.sh"
        in (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    )
