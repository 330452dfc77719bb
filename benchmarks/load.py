"""Demo generation and load rates for 10k and 100k sightings on each backend.

    .venv/bin/python benchmarks/load.py [--sizes 10000 100000] [--postgis URL]

Prints one line per backend and size: seconds to generate, seconds to load, and sightings per
second for each. PostGIS is measured when --postgis (or HOTSPOTS_TEST_POSTGIS_URL) is given; its
tables are made in a throwaway schema.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from hotspots.db import make_engine, migrate
from hotspots.db.demo import load_synthetic
from hotspots.gazetteer import load_gazetteer
from hotspots.synth import generate


def measure(url: str, size: int) -> tuple[float, float]:
    started = time.perf_counter()
    data = generate(sightings=size, seed=7, gazetteer=load_gazetteer())
    generated = time.perf_counter()
    engine = make_engine(url)
    migrate(engine)
    migrated = time.perf_counter()
    load_synthetic(engine, data, username="benchmark")
    loaded = time.perf_counter()
    engine.dispose()
    return generated - started, loaded - migrated


def postgis_schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(base).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}?options={quote(f'-csearch_path={schema},public')}", schema


def drop_schema(base: str, schema: str) -> None:
    with create_engine(base).begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgis", default=os.environ.get("HOTSPOTS_TEST_POSTGIS_URL", ""))
    args = parser.parse_args()
    header = ("backend", "sightings", "generate s", "rows/s", "load s", "rows/s")
    print("{:<11}{:>10}{:>12}{:>11}{:>9}{:>11}".format(*header))
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            runs = [("spatialite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", None)]
            if args.postgis:
                url, schema = postgis_schema_url(args.postgis)
                runs.append(("postgis", url, schema))
            for backend, url, schema in runs:
                generate_s, load_s = measure(url, size)
                print(
                    f"{backend:<11}{size:>10,}{generate_s:>12.2f}{size / generate_s:>11,.0f}"
                    f"{load_s:>9.2f}{size / load_s:>11,.0f}"
                )
                if schema:
                    drop_schema(args.postgis, schema)


if __name__ == "__main__":
    main()
