"""The schema on both backends: migrations, inserts, spatial queries, the append-only audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from hotspots.db import backend_of, make_engine, migrate, schema_version
from hotspots.db.access import TABLES, table_counts
from hotspots.db.migrate import MigrationFailed, discover, render, split_statements
from hotspots.db.spatial import POINTS_WITHIN

# A square of about 1.1 km around Bolton town centre, and points inside and outside it.
TOWN_CENTRE_SQUARE = (
    "POLYGON((-2.437 53.573, -2.421 53.573, -2.421 53.583, -2.437 53.583, -2.437 53.573))"
)
INSIDE = (-2.4290, 53.5780)
OUTSIDE = (-2.4585, 53.5745)  # Deane


def _insert_sighting(engine: Engine, ref: str, lon: float, lat: float) -> None:
    point = {
        "spatialite": "MakePoint(:lon, :lat, 4326)",
        "postgis": "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)",
    }[backend_of(engine)]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sighting"
                " (source_ref, seen_at, lon, lat, precision, source_agency, geom)"
                f" VALUES (:ref, '2024-05-01 21:30:00', :lon, :lat, 'exact', 'police', {point})"
            ),
            {"ref": ref, "lon": lon, "lat": lat},
        )


def test_migration_from_empty_creates_every_table_and_rerun_is_a_no_op(engine: Engine) -> None:
    assert schema_version(engine) == max(m.version for m in discover(backend_of(engine)))
    assert set(table_counts(engine)) == set(TABLES)
    assert all(count == 0 for count in table_counts(engine).values())
    assert migrate(engine) == []


def test_rerun_keeps_existing_rows(engine: Engine) -> None:
    _insert_sighting(engine, "S-1", *INSIDE)
    assert migrate(engine) == []
    assert table_counts(engine)["sighting"] == 1


def test_spatial_query_within_polygon_uses_points_not_boxes(engine: Engine) -> None:
    _insert_sighting(engine, "S-IN", *INSIDE)
    _insert_sighting(engine, "S-OUT", *OUTSIDE)
    sql = POINTS_WITHIN[backend_of(engine)].format(table="sighting")
    with engine.connect() as connection:
        ids = connection.execute(text(sql), {"wkt": TOWN_CENTRE_SQUARE}).scalars().all()
        refs = (
            connection.execute(
                text(
                    "SELECT source_ref FROM sighting WHERE id IN (" + ",".join(map(str, ids)) + ")"
                )
            )
            .scalars()
            .all()
            if ids
            else []
        )
    assert refs == ["S-IN"]


def test_geometry_is_stored_in_wgs84(engine: Engine) -> None:
    _insert_sighting(engine, "S-1", *INSIDE)
    with engine.connect() as connection:
        srid, x, y = connection.execute(
            text("SELECT ST_SRID(geom), ST_X(geom), ST_Y(geom) FROM sighting")
        ).one()
    assert srid == 4326
    assert (x, y) == pytest.approx(INSIDE)


def test_check_constraint_refuses_unknown_precision(engine: Engine) -> None:
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sighting (source_ref, seen_at, lon, lat, precision, source_agency)"
                " VALUES ('S-2', '2024-05-01', -2.43, 53.58, 'roughly', 'police')"
            )
        )
    assert table_counts(engine)["sighting"] == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"]
)
def test_audit_log_refuses_update_and_delete(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (at, username, action, target)"
                " VALUES ('2024-01-01 10:00:00', 'a', 'consultation', 'sighting')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT username FROM audit_log")).scalar_one() == "a"


def test_failed_migration_leaves_database_as_it_was(tmp_path, database_url: str) -> None:
    bad_dir = tmp_path / "sql"
    bad_dir.mkdir()
    (bad_dir / "0001_good.sql").write_text("CREATE TABLE good (id @PK@);\n")
    (bad_dir / "0002_bad.sql").write_text(
        "CREATE TABLE half_done (id @PK@);\nCREATE TABLE broken (id NOT_A_TYPE_AT_ALL (;\n"
    )
    engine = make_engine(database_url)
    with pytest.raises(MigrationFailed, match=r"0002_bad\.sql"):
        migrate(engine, sql_dir=bad_dir)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version FROM schema_migration")).scalars().all()
        tables = set(
            connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    if backend_of(engine) == "spatialite"
                    else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ).scalars()
        )
    assert versions == [1]
    assert "good" in tables and "half_done" not in tables


def test_render_expands_macros_per_backend_but_not_in_comments() -> None:
    sql = "-- @PK@ stays\nCREATE TABLE t (id @PK@);\n@GEOMETRY(t, geom, POINT)@;\n"
    spatialite = render(sql, "spatialite")
    postgis = render(sql, "postgis")
    assert "-- @PK@ stays" in spatialite
    assert "INTEGER PRIMARY KEY AUTOINCREMENT" in spatialite
    assert "AddGeometryColumn('t', 'geom', 4326, 'POINT', 'XY')" in spatialite
    assert "geometry(POINT, 4326)" in postgis and "USING GIST" in postgis


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    script = (
        "CREATE TABLE a (x INTEGER);\n"
        "CREATE TRIGGER t BEFORE DELETE ON a\nBEGIN\n  SELECT RAISE(ABORT, 'no');\nEND;\n"
        "-- trailing comment\n"
    )
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
