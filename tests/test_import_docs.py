"""The import guide shows the templates as the code defines them, and each template's example
row passes the rules it documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.ingest.mapping import mapped_frame, resolve_mapping
from hotspots.ingest.readers import read_csv
from hotspots.ingest.rules import KINDS, RuleContext, check_frame
from hotspots.ingest.templates import columns_markdown, template_csv
from tests.import_files import NOW

REPO = Path(__file__).resolve().parent.parent
GUIDE = (REPO / "docs" / "readme" / "import.md").read_text()


@pytest.mark.parametrize("kind", KINDS)
def test_the_guide_lists_every_column_of_each_template(kind: str) -> None:
    assert columns_markdown(kind) in GUIDE, (
        f"docs/readme/import.md is out of date for {kind}: paste columns_markdown({kind!r})"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_each_template_example_row_is_valid(kind: str) -> None:
    table = read_csv(template_csv(kind), f"template-{kind}.csv")
    mapping = resolve_mapping(kind, table.headers, "template.csv")
    assert set(mapping.columns) == set(table.headers)  # every column maps to its own field
    checked = check_frame(
        kind, mapped_frame(table.frame, mapping), RuleContext(now=NOW, vehicle_key=b"k")
    )
    assert checked.problems.empty, checked.problems.to_dict("records")


def test_the_readme_points_to_the_guide() -> None:
    assert "docs/readme/import.md" in (REPO / "README.md").read_text()
