"""Shared fixtures: real databases on both backends, built from small synthetic rows.

PostGIS tests run against HOTSPOTS_TEST_POSTGIS_URL, each test in a schema of its own that is
dropped afterwards. Without that setting they are skipped on a developer's machine, but in CI
(CI=true) a missing PostGIS fails the run: a skipped database test proves nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text

from hotspots.db import make_engine, migrate

POSTGIS_URL = os.environ.get("HOTSPOTS_TEST_POSTGIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: Real public files for importer and analysis tests; never part of the repository.
REALDATA = Path(
    os.environ.get("HOTSPOTS_REALDATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
)
BACKENDS = ("spatialite", "postgis")


def require_postgis() -> str:
    if not POSTGIS_URL:
        if IN_CI:
            pytest.fail("CI must run the PostGIS tests: HOTSPOTS_TEST_POSTGIS_URL is not set")
        pytest.skip("HOTSPOTS_TEST_POSTGIS_URL is not set (scripts/test.sh sets it)")
    return POSTGIS_URL


@pytest.fixture
def spatialite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def postgis_url() -> Iterator[str]:
    """A PostGIS URL whose search_path is a fresh schema, dropped after the test."""
    base = require_postgis()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    options = quote(f"-csearch_path={schema},public")
    yield f"{base}?options={options}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once on SpatiaLite and once on PostGIS."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    db = make_engine(database_url)
    migrate(db)
    yield db
    db.dispose()


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.exists():
        if IN_CI:
            pytest.fail(f"CI runs beside ../shared/realdata, but {REALDATA} is missing")
        pytest.skip("../shared/realdata is not present (it is not part of the repository)")
    return REALDATA
