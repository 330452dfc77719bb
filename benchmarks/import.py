"""Import rate of sightings files beside a plain `executemany` of the same rows, per backend.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/import.py [--sizes 100000 1000000] [--postgis URL]

For each size a synthetic sightings CSV (hotspots.synth, no young-person links, premises
references kept) is written once. Then, on each backend, in fresh databases holding the same
premises:

* **import**: `hotspots.db.imports.import_file` on the file, timed from the bytes on disk to
  the commit: reading, mapping, the identifier guard, every rule, duplicate and link checks,
  the insert (COPY on PostGIS, `executemany` per chunk on SpatiaLite), the geometry, the
  batch row and the audit entry;
* **plain**: the same rows, already validated and turned into tuples before the clock starts,
  inserted by one `executemany` into the same table in one transaction, with the point made in
  the statement (``MakePoint(?, ?, 4326)`` / ``ST_SetSRID(ST_MakePoint(%s, %s), 4326)``), so
  both end with the same table, spatial index included. The same without the point is printed
  too, as the floor of what any insert can cost.

Prints rows per second for each and the ratio import / plain (the target is at least 0.5 on
SpatiaLite). PostGIS is measured when --postgis (or HOTSPOTS_TEST_POSTGIS_URL) is given, in a
throwaway schema.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

from hotspots.config import Settings
from hotspots.db import make_engine, migrate
from hotspots.db.access import User
from hotspots.db.imports import SIGHTING_COLUMNS, import_file
from hotspots.db.load import _plain_values, ids_by_key
from hotspots.gazetteer import load_gazetteer
from hotspots.ingest.mapping import resolve_mapping
from hotspots.ingest.pipeline import ImportFile, prepare, read_source
from hotspots.ingest.rules import RuleContext
from hotspots.synth import generate

USER = User("benchmark", "analyst", "import benchmark")
SETTINGS = Settings()
COLUMNS = tuple(c for c in SIGHTING_COLUMNS if c != "batch_id")


def write_files(size: int, folder: Path) -> tuple[Path, Path]:
    data = generate(sightings=size, seed=11, gazetteer=load_gazetteer())
    rename = {"lon": "longitude", "lat": "latitude"}
    sightings = folder / f"sightings-{size}.csv"
    data.sightings.drop(columns=["pattern"]).rename(columns=rename).to_csv(sightings, index=False)
    premises = folder / f"premises-{size}.csv"
    data.premises.rename(columns=rename).to_csv(premises, index=False)
    return sightings, premises


def fresh(url_for: Callable[[], str], premises: Path) -> Engine:
    engine = make_engine(url_for())
    migrate(engine)
    import_file(engine, USER, ImportFile.from_path(premises), "premises", settings=SETTINGS)
    return engine


def time_import(engine: Engine, sightings: Path) -> tuple[float, int]:
    started = time.perf_counter()
    result = import_file(engine, USER, ImportFile.from_path(sightings), "sightings",
                         settings=SETTINGS)  # fmt: skip
    return time.perf_counter() - started, result.accepted


def validated_rows(engine: Engine, sightings: Path) -> list[tuple]:
    """The rows as the importer would store them, as plain tuples (not timed)."""
    source = ImportFile.from_path(sightings)
    raw = read_source(source)
    mapping = resolve_mapping("sightings", raw.headers, source.name)
    values = prepare("sightings", raw, source.sha256, mapping, RuleContext.from_settings(SETTINGS))
    with engine.connect() as connection:
        premises = ids_by_key(connection, "premises", "premises_ref")
    frame = values.values.assign(premises_id=values.values["premises_ref"].map(premises))
    frame["premises_id"] = frame["premises_id"].astype("Int64")
    return _plain_values(frame, COLUMNS)


def time_plain(engine: Engine, rows: list[tuple], *, geometry: bool) -> float:
    postgis = engine.dialect.name == "postgresql"
    mark = "%s" if postgis else "?"
    names = ", ".join(COLUMNS) + (", geom" if geometry else "")
    values = ", ".join(mark for _ in COLUMNS)
    if geometry:
        point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)" if postgis else "MakePoint(?, ?, 4326)"
        values += ", " + point
        lon, lat = COLUMNS.index("lon"), COLUMNS.index("lat")
        rows = [(*row, row[lon], row[lat]) for row in rows]
    statement = f"INSERT INTO sighting ({names}) VALUES ({values})"
    started = time.perf_counter()
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.executemany(statement, rows)
    return time.perf_counter() - started


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / f'db-{uuid.uuid4().hex[:6]}.sqlite'}"


def postgis_url(base: str, schemas: list[str]) -> str:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(base).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    schemas.append(schema)
    return f"{base}?options={quote(f'-csearch_path={schema},public')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--postgis", default=os.environ.get("HOTSPOTS_TEST_POSTGIS_URL", ""))
    args = parser.parse_args()
    header = ("backend", "rows", "import s", "rows/s", "plain s", "rows/s", "ratio",
              "no-geom rows/s")  # fmt: skip
    print("{:<11}{:>10}{:>10}{:>10}{:>9}{:>10}{:>7}{:>16}".format(*header), flush=True)
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            sightings, premises = write_files(size, folder)
            schemas: list[str] = []
            backends: list[tuple[str, Callable[[], str]]] = [
                ("spatialite", partial(sqlite_url, folder))
            ]
            if args.postgis:
                backends.append(("postgis", partial(postgis_url, args.postgis, schemas)))
            for backend, url_for in backends:
                engine = fresh(url_for, premises)
                import_s, accepted = time_import(engine, sightings)
                engine.dispose()
                engine = fresh(url_for, premises)
                rows = validated_rows(engine, sightings)
                plain_s = time_plain(engine, rows, geometry=True)
                engine.dispose()
                engine = fresh(url_for, premises)
                floor_s = time_plain(engine, rows, geometry=False)
                engine.dispose()
                assert accepted == len(rows) == size, (accepted, len(rows), size)
                print(
                    f"{backend:<11}{size:>10,}{import_s:>10.2f}{size / import_s:>10,.0f}"
                    f"{plain_s:>9.2f}{size / plain_s:>10,.0f}{plain_s / import_s:>7.2f}"
                    f"{size / floor_s:>16,.0f}",
                    flush=True,
                )
            if schemas:
                with create_engine(args.postgis).begin() as connection:
                    for schema in schemas:
                        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
