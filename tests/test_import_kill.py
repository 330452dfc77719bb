"""A kill in the middle of an import leaves the database exactly as it was, and usable.

`python -m hotspots import sightings` runs as a child process on a 200,000-row file. Its
progress lines on standard error say how many rows are inserted; when half are in (inside the
one transaction) the child gets SIGKILL. Every table's count, the data version and, on
SpatiaLite, `PRAGMA integrity_check` must then be as before, and a new import must work.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hotspots.config import Settings
from hotspots.db import make_engine, migrate
from hotspots.db.access import User, data_version, table_counts
from hotspots.db.imports import import_file
from hotspots.ingest.pipeline import ImportFile
from tests.import_files import NOW, csv_bytes, sighting_row

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
ROWS = 200_000
PROGRESS = re.compile(r"^import: inserting ([\d,]+) of ([\d,]+)")
ANALYST = User("amy", "analyst", "kill test")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 valid sightings from the synthetic generator (no young-person links)."""
    from hotspots.gazetteer import load_gazetteer
    from hotspots.synth import generate

    data = generate(sightings=ROWS, seed=3, gazetteer=load_gazetteer())
    frame = data.sightings.drop(columns=["pattern", "premises_ref"]).rename(
        columns={"lon": "longitude", "lat": "latitude"}
    )
    path = tmp_path_factory.mktemp("kill") / "sightings-200k.csv"
    frame.to_csv(path, index=False)
    return path


def _state(engine: Engine) -> tuple[dict[str, int], int]:
    return table_counts(engine), data_version(engine)


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def _kill_half_way(database_url: str, path: Path) -> int:
    """Start the import, SIGKILL it once half the rows are inserted; the rows seen inserted."""
    env = {**os.environ, "HOTSPOTS_DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-m", "hotspots", "import", "sightings", str(path)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(child.stderr, lines), daemon=True).start()
    deadline = time.monotonic() + 240
    seen: list[str] = []
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if child.poll() is not None:
                    break
                continue
            seen.append(line)
            match = PROGRESS.match(line)
            if match and int(match.group(1).replace(",", "")) >= ROWS // 2:
                os.kill(child.pid, signal.SIGKILL)
                child.wait(timeout=30)
                return int(match.group(1).replace(",", ""))
        pytest.fail(f"the import never reached half-way; it said:\n{''.join(seen)[-2000:]}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return 0  # pragma: no cover


def _prepared(database_url: str) -> Engine:
    engine = make_engine(database_url)
    migrate(engine)
    first = ImportFile("earlier.csv", csv_bytes([sighting_row(), sighting_row(source_ref="B")]))
    import_file(engine, ANALYST, first, "sightings", settings=Settings(), now=NOW)
    return engine


def _usable(engine: Engine) -> None:
    after = ImportFile("after.csv", csv_bytes([sighting_row(source_ref="AFTER-KILL")]))
    result = import_file(engine, ANALYST, after, "sightings", settings=Settings(), now=NOW)
    assert result.accepted == 1


def test_sigkill_half_way_leaves_spatialite_unchanged(big_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.sqlite'}"
    engine = _prepared(url)
    before = _state(engine)
    engine.dispose()
    inserted = _kill_half_way(url, big_file)
    assert inserted >= ROWS // 2
    engine = make_engine(url)
    assert _state(engine) == before
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        assert connection.execute(text("SELECT count(*) FROM sighting")).scalar_one() == 2
    _usable(engine)
    engine.dispose()


@pytest.mark.postgis
def test_sigkill_half_way_leaves_postgis_unchanged(big_file: Path, postgis_url: str) -> None:
    engine = _prepared(postgis_url)
    before = _state(engine)
    inserted = _kill_half_way(postgis_url, big_file)
    assert inserted >= ROWS // 2
    assert _state(engine) == before
    _usable(engine)  # the killed session's transaction and lock are gone
    engine.dispose()
