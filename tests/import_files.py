"""Small import files built by code for the import tests: valid rows, and files of every format.

`sighting_row()` is one valid sighting as a file would give it; tests change one field to see
one rule fail. `synthetic_files()` writes the synthetic generator's people, premises and
sightings as the CSV files an analyst would receive.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pandas as pd

#: The moment tests treat as now, so "in the future" does not depend on the clock.
NOW = datetime(2026, 11, 15, 12, 0)  # after the synthetic period (Nov 2023 - Oct 2026)


def sighting_row(**changes: str) -> dict[str, str]:
    row = {
        "source_ref": "INT-0001",
        "seen_at": "2025-03-01 21:30",
        "latitude": "53.5772",
        "longitude": "-2.4436",
        "precision": "street",
        "grooming_models": "on_street",
        "indicators": "risky_area|adults_loitering",
        "source_agency": "police",
        "note": "Seen getting into a car with older males.",
        "area_code": "E05000650",
    }
    row.update(changes)
    return row


def person_row(**changes: str) -> dict[str, str]:
    row = {
        "pseudonym": "YP-1A2B3C",
        "birth_year": "2010",
        "age_band": "13-15",
        "gender": "female",
        "home_area_code": "E05000650",
        "screening_score": "7",
        "risk_level": "medium",
        "grooming_models": "boyfriend",
        "mfh_count": "2",
    }
    row.update(changes)
    return row


def premises_row(**changes: str) -> dict[str, str]:
    row = {
        "premises_ref": "LIC-P-0001",
        "name": "Station Lodge Hotel",
        "category": "hotel",
        "licence_ref": "LIC-2021-01234",
        "latitude": "53.5741",
        "longitude": "-2.4290",
    }
    row.update(changes)
    return row


def csv_bytes(
    rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False, crlf: bool = False
) -> bytes:
    buffer = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(
        buffer, columns, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[dict[str, object]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    columns = list(dict.fromkeys(key for row in rows for key in row))
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def synthetic_files(sightings: int = 1_000, seed: int = 5) -> dict[str, bytes]:
    """People, premises and sightings CSVs from the synthetic generator, all valid."""
    from hotspots.gazetteer import load_gazetteer
    from hotspots.synth import generate

    data = generate(sightings=sightings, seed=seed, gazetteer=load_gazetteer())
    people_of = data.sighting_people.groupby("source_ref")["pseudonym"].agg("|".join)
    frame = data.sightings.drop(columns=["pattern"]).rename(
        columns={"lon": "longitude", "lat": "latitude"}
    )
    frame["people"] = frame["source_ref"].map(people_of).fillna("")
    premises = data.premises.rename(columns={"lon": "longitude", "lat": "latitude"})
    return {
        "people": _csv(data.people),
        "premises": _csv(premises),
        "sightings": _csv(frame),
    }


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")
