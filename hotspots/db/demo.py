"""Load a synthetic data set (hotspots.synth) into the database in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine, text

from hotspots.db import audit
from hotspots.db.load import (
    bulk_insert,
    bump_data_version,
    fill_point_geometry,
    finish_batch,
    ids_by_key,
    map_ids,
    now_utc,
    start_batch,
)

if TYPE_CHECKING:  # the generator is only needed by the demo, not by every reader
    from hotspots.synth import SyntheticData

DEMO_KIND = "demo"
DEMO_PURPOSE = "synthetic demonstration data"
PREMISES_COLUMNS = ("premises_ref", "name", "category", "licence_ref", "lon", "lat", "batch_id")
PEOPLE_COLUMNS = (
    "pseudonym", "birth_year", "age_band", "gender", "ethnicity", "needs_flags", "home_area_code",
    "screening_score", "risk_level", "grooming_models", "mfh_count", "batch_id", "created_at",
)  # fmt: skip
SIGHTING_COLUMNS = (
    "source_ref", "seen_at", "lon", "lat", "precision", "grooming_models", "indicators",
    "premises_id", "vehicle_token", "source_agency", "source_evaluation",
    "intelligence_assessment", "handling_code", "note", "area_code", "batch_id",
)  # fmt: skip

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadSummary:
    batch_id: int
    premises: int
    people: int
    sightings: int
    links: int
    data_version: int


def _with_batch(frame: pd.DataFrame, batch_id: int, **extra: object) -> pd.DataFrame:
    return frame.assign(batch_id=batch_id, **extra)


def load_synthetic(
    engine: Engine,
    data: SyntheticData,
    *,
    username: str = "demo",
    role: str = "analyst",
    progress: Progress = lambda _step: None,
) -> LoadSummary:
    """Insert every frame of `data`; all of it or, on any error, none of it.

    The audit entry (a collection) names `username` acting in `role` (loading records is an
    analyst's job) with the purpose "synthetic demonstration data".
    """
    from hotspots.synth import truth_json

    digest = hashlib.sha256(truth_json(data).encode()).hexdigest()
    with engine.begin() as connection:
        batch = start_batch(
            connection, kind=DEMO_KIND, file_name="synthetic Bolton demo data",
            sha256=digest, username=username,
        )  # fmt: skip
        progress("premises")
        bulk_insert(connection, "premises", _with_batch(data.premises, batch), PREMISES_COLUMNS)
        fill_point_geometry(connection, "premises", batch)
        progress("young people")
        people = _with_batch(data.people, batch, created_at=now_utc())
        bulk_insert(connection, "young_person", people, PEOPLE_COLUMNS)
        progress("sightings")
        premises_ids = ids_by_key(connection, "premises", "premises_ref", batch)
        sightings = _with_batch(data.sightings, batch)
        sightings["premises_id"] = map_ids(sightings["premises_ref"], premises_ids)
        bulk_insert(connection, "sighting", sightings, SIGHTING_COLUMNS)
        fill_point_geometry(connection, "sighting", batch)
        progress("links")
        links = pd.DataFrame(
            {
                "sighting_id": map_ids(
                    data.sighting_people["source_ref"],
                    ids_by_key(connection, "sighting", "source_ref", batch),
                ),
                "person_id": map_ids(
                    data.sighting_people["pseudonym"],
                    ids_by_key(connection, "young_person", "pseudonym", batch),
                ),
            }
        )
        bulk_insert(connection, "sighting_person", links, ("sighting_id", "person_id"))
        finish_batch(
            connection, batch, rows_read=len(sightings), accepted=len(sightings),
            rejected=0, duplicate=0,
        )  # fmt: skip
        audit.write_audit(
            connection, username=username, role=role, action=audit.COLLECTION,
            target=f"import_batch:{batch}",
            detail={"kind": DEMO_KIND, "sightings": len(sightings), "people": len(people)},
            purpose=DEMO_PURPOSE,
        )  # fmt: skip
        version = bump_data_version(connection)
    return LoadSummary(
        batch_id=batch,
        premises=len(data.premises),
        people=len(data.people),
        sightings=len(data.sightings),
        links=len(links),
        data_version=version,
    )


def is_synthetic(engine: Engine) -> bool:
    """True while any live batch of synthetic demonstration data is in the database."""
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM import_batch WHERE kind = :kind AND undone_at IS NULL"),
            {"kind": DEMO_KIND},
        ).scalar_one()
    return bool(found)


def replace_demo(engine: Engine, *, username: str, role: str = "analyst") -> list[int]:
    """Undo every live demo batch, so a new demo load starts clean; return their ids."""
    from hotspots.db.batches import live_batch_ids, undo_batch_on

    with engine.begin() as connection:
        batch_ids = live_batch_ids(connection, DEMO_KIND)
        for batch_id in batch_ids:
            undo_batch_on(connection, batch_id, username=username, role=role, purpose=DEMO_PURPOSE)
    return batch_ids


def records_not_synthetic(engine: Engine) -> dict[str, int]:
    """Sightings and young-person profiles that are not synthetic demonstration data.

    Rows of a live demo batch are synthetic; anything else (imported from a file, entered on
    a form) may be about a real child. Demo mode signs everyone in without a password, so the
    dashboard refuses to open such a database in demo mode (`ui.auth.start_problems`).
    """
    counts = {}
    with engine.connect() as connection:
        for table in ("sighting", "young_person"):
            counts[table] = int(
                connection.execute(
                    text(
                        f"SELECT count(*) FROM {table} t"
                        " LEFT JOIN import_batch b ON b.id = t.batch_id"
                        " WHERE b.id IS NULL OR b.kind <> :kind OR b.undone_at IS NOT NULL"
                    ),
                    {"kind": DEMO_KIND},
                ).scalar_one()
            )
    return counts
