"""Make an SQLAlchemy engine for SpatiaLite or PostGIS from one URL.

SpatiaLite is an SQLite extension. Python builds without extension loading (pyenv's default)
cannot load it through the standard `sqlite3` module, so we use `pysqlite3` (the
`pysqlite3-binary` wheel) when it is installed and fall back to `sqlite3` when that can load
extensions (Debian's /usr/bin/python3). Either way the SpatiaLite library itself comes from the
operating system (Debian package `libsqlite3-mod-spatialite`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


class DatabaseUnavailable(RuntimeError):
    """The database, or the spatial extension it needs, cannot be reached or loaded."""


def sqlite_module() -> ModuleType:
    """The DB-API module for SQLite that can load extensions."""
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-not-found]

        return dbapi2
    except ImportError:
        pass
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    raise DatabaseUnavailable(
        "This Python's sqlite3 cannot load extensions, so SpatiaLite cannot be used. "
        "Install pysqlite3-binary (pip install -r requirements.txt) or make the virtual "
        "environment from Debian's /usr/bin/python3."
    )


def backend_of(engine: Engine) -> str:
    """'postgis' or 'spatialite'."""
    return "postgis" if engine.dialect.name == "postgresql" else "spatialite"


def _spatialite_loader(library: str):
    def load(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.enable_load_extension(True)
        try:
            dbapi_connection.load_extension(library)
        except Exception as exc:
            raise DatabaseUnavailable(
                f"Could not load the SpatiaLite extension {library!r}: {exc}. "
                "On Debian/Ubuntu: apt-get install libsqlite3-mod-spatialite"
            ) from exc
        finally:
            dbapi_connection.enable_load_extension(False)
        # The driver's own transaction handling leaves DDL outside transactions; we take
        # over (SQLAlchemy's documented recipe) so a migration or an import is all or nothing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    return load


def _begin_immediate(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start, so two writers queue instead of one
    # failing half-way with "database is locked".
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _load_gdal_before_spatialite() -> None:
    """Load GDAL (pyogrio) before the first SpatiaLite connection.

    SQLite loads extensions with RTLD_GLOBAL, so mod_spatialite brings the system's libsqlite3
    and libproj into the global symbol scope. pyogrio's GDAL carries its own SQLite and PROJ
    and binds its symbols when Python loads it (RTLD_NOW): loaded after SpatiaLite, it binds
    to the system copies, and reading a GeoPackage upload crashes the process. Loaded first,
    it keeps its own. (tests/test_import_readers.py checks this in a fresh process.)
    """
    import pyogrio  # noqa: F401


def make_engine(url: str, spatialite_library: str = "mod_spatialite") -> Engine:
    """An engine for `url`; SpatiaLite is loaded on every new SQLite connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _load_gdal_before_spatialite()
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            module=sqlite_module(),
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _spatialite_loader(spatialite_library))
        event.listen(engine, "begin", _begin_immediate)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise DatabaseUnavailable(
        f"Unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
        "use sqlite:///path/to/file.sqlite (SpatiaLite) or postgresql+psycopg://... (PostGIS)"
    )
