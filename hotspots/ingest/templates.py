"""Templates: for each record type a CSV with every column and one example row, and the table
that explains each column (the Import page offers both; docs/readme/import.md shows the tables,
and a test keeps them the same as `hotspots.ingest.rules.FIELDS`)."""

from __future__ import annotations

import csv
import io
from typing import Final

from hotspots.ingest.rules import AREAS, FIELDS, KINDS, LAYER, LOCATION_REQUIRED, PEOPLE, PREMISES

#: What each record type is called where people read it.
KIND_LABELS: Final[dict[str, str]] = {
    "sightings": "Sightings (intelligence records)",
    PEOPLE: "Young-person profiles",
    PREMISES: "Premises",
    AREAS: "Area boundaries",
    LAYER: "Context layer (points such as recorded crime)",
}
#: Example rows use one location form only; easting/northing are left empty.
_EXAMPLE_SKIP: Final = frozenset({"easting", "northing", "grading", "vehicle_token"})
_WKT_EXAMPLE: Final = (
    "MULTIPOLYGON (((-2.4546 53.5988, -2.4400 53.5988, -2.4400 53.6100, -2.4546 53.6100,"
    " -2.4546 53.5988)))"
)


def template_csv(kind: str) -> bytes:
    """A CSV (UTF-8 with BOM, for Excel) with every column and one example row."""
    fields = FIELDS[kind]
    example = {f.name: ("" if f.name in _EXAMPLE_SKIP else f.example) for f in fields} | (
        {"geometry": _WKT_EXAMPLE} if kind == AREAS else {}
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [f.name for f in fields], lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(example)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_name(kind: str) -> str:
    return f"template-{kind}.csv"


def columns_markdown(kind: str) -> str:
    """The template's columns as a Markdown table: column, required, meaning, example."""
    lines = ["| column | required | what it holds | example |", "|---|---|---|---|"]
    for f in FIELDS[kind]:
        if f.required:
            required = "yes"
        elif kind in LOCATION_REQUIRED and f.name in ("latitude", "longitude"):
            required = "yes, or easting and northing"
        else:
            required = ""
        example, meaning = (text.replace("|", "\\|") for text in (f.example, f.help))
        lines.append(f"| `{f.name}` | {required} | {meaning} | {example} |")
    return "\n".join(lines)


__all__ = ["KINDS", "KIND_LABELS", "columns_markdown", "template_csv", "template_name"]
