"""Hotspot runs: context layers as analysis frames, saved runs, and clustering in PostGIS.

A *run* keeps what a hotspot map was drawn from (method, layer, parameters, period, and the
data version at the time) beside the hotspots themselves, so that the map shown at a
meeting can be shown again, identical, months later. Every function here checks the role
first and leaves an audit entry, as `hotspots.db.access` does.

Backend: both, except `cluster_in_database` (PostGIS only: SpatiaLite has no DBSCAN).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Engine, bindparam, text

from hotspots.analysis.clusters import DEFAULT_PRECISIONS, HOTSPOT_COLUMNS
from hotspots.analysis.frames import filter_sightings
from hotspots.db.access import User, data_version, read_sightings_unchecked, record_use
from hotspots.db.audit import COMBINATION, CONSULTATION
from hotspots.db.engine import backend_of
from hotspots.db.load import now_utc
from hotspots.db.spatial import GEOMETRY_AS_WKB, GEOMETRY_FROM_WKT
from hotspots.domain import CRS_WGS84
from hotspots.security.roles import Capability, require

#: The layer name meaning the sightings themselves (any other name is a context layer).
SIGHTINGS_LAYER = "sightings"
CONTEXT_COLUMNS: tuple[str, ...] = (
    "point_id", "seen_at", "category", "area_code", "source_ref", "geometry",
)  # fmt: skip
#: Columns of a hotspot frame stored in their own columns; the rest go in `statistics`.
_OWN_COLUMNS = ("hotspot_id", "name", "sightings", "distinct_people", "geometry")
RUN_COLUMNS: tuple[str, ...] = (
    "run_id", "created_at", "username", "method", "layer_name", "parameters", "period_start",
    "period_end", "data_version", "note", "hotspots",
)  # fmt: skip


class RunNotFound(LookupError):
    """No hotspot run has the id asked for."""


class UnknownLayer(LookupError):
    """No context point carries the layer name asked for."""


class BackendUnsupported(RuntimeError):
    """The operation needs PostGIS."""


def _period(start: date | None, end: date | None) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if start is not None:
        clauses.append("seen_at >= :start")
        params["start"] = pd.Timestamp(start).to_pydatetime()
    if end is not None:
        clauses.append("seen_at < :end")
        params["end"] = pd.Timestamp(end).to_pydatetime()
    return "".join(f" AND {clause}" for clause in clauses), params


def context_layers(engine: Engine) -> dict[str, int]:
    """Names of the imported point layers with their point counts (no case data)."""
    sql = "SELECT layer_name, count(*) FROM context_point GROUP BY layer_name ORDER BY layer_name"
    with engine.connect() as connection:
        return {str(name): int(n) for name, n in connection.execute(text(sql))}


def context_layer(
    engine: Engine,
    user: User,
    layer_name: str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> gpd.GeoDataFrame:
    """An imported point layer (e.g. police.uk recorded crime) as an analysis frame.

    Returns the columns `CONTEXT_COLUMNS` in EPSG:4326: what every analysis method needs
    from a context layer (``seen_at`` and a Point geometry) plus ``category`` for filtering.
    Analysts only (point-level data), and audited as a consultation. An unknown layer
    raises `UnknownLayer` naming the layers there are.
    """
    require(user.role, Capability.VIEW_SIGHTING_POINTS)
    layers = context_layers(engine)
    if layer_name not in layers:
        known = ", ".join(layers) or "none imported yet"
        raise UnknownLayer(f"no context layer {layer_name!r}; layers: {known}")
    where, params = _period(start, end)
    sql = (
        "SELECT id AS point_id, seen_at, category, area_code, source_ref, lon, lat"
        " FROM context_point WHERE layer_name = :layer" + where + " ORDER BY id"
    )
    with engine.connect() as connection:
        rows = pd.read_sql(text(sql), connection, params={"layer": layer_name, **params})
    rows["seen_at"] = pd.to_datetime(rows["seen_at"], format="ISO8601")
    frame = gpd.GeoDataFrame(
        rows.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
        crs=CRS_WGS84,
    )[list(CONTEXT_COLUMNS)]
    with engine.begin() as connection:
        record_use(
            connection, user, CONSULTATION, f"context_point:{layer_name}",
            {"rows": len(frame), "start": start, "end": end},
        )  # fmt: skip
    return frame


def _multi_wkt(geometry: object) -> str:
    """The geometry as MULTIPOLYGON WKT (the hotspot table's type)."""
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    if not isinstance(geometry, MultiPolygon):
        raise ValueError(f"a hotspot must be a polygon, not {type(geometry).__name__}")
    return shapely.to_wkt(geometry, rounding_precision=-1)


def _plain(value: object) -> object:
    """A JSON-storable value: numpy scalars as Python, times as ISO text, NA as None."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def save_run(
    engine: Engine,
    user: User,
    method: str,
    layer: str,
    parameters: dict[str, Any],
    period: tuple[date | None, date | None],
    hotspots_frame: gpd.GeoDataFrame,
    *,
    note: str | None = None,
) -> int:
    """Store a hotspot map and what it was drawn from; returns the run id.

    `hotspots_frame` is `find_clusters(...).hotspots` (any CRS; stored in EPSG:4326 as
    MULTIPOLYGON); ``hotspot_id`` becomes the rank, and every column other than
    id, name, sightings, distinct_people and geometry goes into the ``statistics`` JSON.
    The current data version is stored with the run. Analysts only; audited as a
    combination (DPA 2018 s.62: many records joined into one derived record).
    """
    require(user.role, Capability.VIEW_SIGHTING_POINTS)
    start, end = period
    frame = hotspots_frame.to_crs(CRS_WGS84) if hotspots_frame.crs else hotspots_frame
    statistics = [c for c in frame.columns if c not in _OWN_COLUMNS]
    geom = GEOMETRY_FROM_WKT[backend_of(engine)].format(wkt=":wkt")
    version = data_version(engine)
    with engine.begin() as connection:
        run_id = int(
            connection.execute(
                text(
                    "INSERT INTO hotspot_run (created_at, username, method, layer_name,"
                    " parameters, period_start, period_end, data_version, note) VALUES"
                    " (:created_at, :username, :method, :layer, :parameters, :start, :end,"
                    " :version, :note) RETURNING id"
                ),
                {
                    "created_at": now_utc(),
                    "username": user.username,
                    "method": method,
                    "layer": layer,
                    "parameters": json.dumps(parameters, default=str, sort_keys=True),
                    "start": start,
                    "end": end,
                    "version": version,
                    "note": note,
                },
            ).scalar_one()
        )
        rows = [
            {
                "run": run_id,
                "name": str(row["name"]),
                "rank": int(row["hotspot_id"]),
                "sightings": int(row["sightings"]),
                "distinct_people": int(row["distinct_people"]),
                "statistics": json.dumps({c: _plain(row[c]) for c in statistics}),
                "wkt": _multi_wkt(row["geometry"]),
            }
            for _, row in frame.iterrows()
        ]
        if rows:
            connection.execute(
                text(
                    "INSERT INTO hotspot (run_id, name, rank, sightings, distinct_people,"
                    f" statistics, geom) VALUES (:run, :name, :rank, :sightings,"
                    f" :distinct_people, :statistics, {geom})"
                ),
                rows,
            )
        record_use(
            connection, user, COMBINATION, f"hotspot_run:{run_id}",
            {"change": "saved", "method": method, "layer": layer, "hotspots": len(rows)},
        )  # fmt: skip
    return run_id


def _restore_statistics(table: pd.DataFrame) -> pd.DataFrame:
    stats = pd.DataFrame([json.loads(s) for s in table["statistics"]], index=table.index)
    for column in ("first_seen", "last_seen"):
        if column in stats.columns:
            stats[column] = pd.to_datetime(stats[column], format="ISO8601")
    return pd.concat([table.drop(columns=["statistics"]), stats], axis=1)


def load_run(engine: Engine, user: User, run_id: int) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """A saved run: its record (parameters parsed) and its hotspots as `save_run` got them.

    The frame has the columns of `find_clusters(...).hotspots` (`HOTSPOT_COLUMNS` when the
    run was saved from it) in EPSG:4326, ranked by ``hotspot_id``. Hotspot outlines may be
    seen by more roles than the points, so this needs `VIEW_HOTSPOT_OUTLINES`; audited as a
    consultation. Raises `RunNotFound` for an unknown id.
    """
    require(user.role, Capability.VIEW_HOTSPOT_OUTLINES)
    wkb = GEOMETRY_AS_WKB[backend_of(engine)].format(geom="geom")
    with engine.connect() as connection:
        record = connection.execute(
            text("SELECT * FROM hotspot_run WHERE id = :id"), {"id": int(run_id)}
        ).mappings().one_or_none()  # fmt: skip
        if record is None:
            raise RunNotFound(f"no hotspot run {run_id}; see `python -m hotspots runs`")
        table = pd.read_sql(
            text(
                "SELECT rank AS hotspot_id, name, sightings, distinct_people, statistics,"
                f" {wkb} AS wkb FROM hotspot WHERE run_id = :id ORDER BY rank"
            ),
            connection,
            params={"id": int(run_id)},
        )
    geometry = shapely.from_wkb([bytes(w) for w in table.pop("wkb")])
    frame = gpd.GeoDataFrame(_restore_statistics(table), geometry=geometry, crs=CRS_WGS84)
    ordered = [c for c in HOTSPOT_COLUMNS if c in frame.columns]
    frame = frame[ordered + [c for c in frame.columns if c not in ordered]]
    run = dict(record)
    run["run_id"] = run.pop("id")
    run["parameters"] = json.loads(run["parameters"])
    with engine.begin() as connection:
        record_use(connection, user, CONSULTATION, f"hotspot_run:{run_id}", {"rows": len(frame)})
    return run, frame


def list_runs(engine: Engine, user: User, limit: int = 50) -> pd.DataFrame:
    """The newest saved runs first, with their hotspot counts (`RUN_COLUMNS`)."""
    require(user.role, Capability.VIEW_HOTSPOT_OUTLINES)
    sql = (
        "SELECT r.id AS run_id, r.created_at, r.username, r.method, r.layer_name, r.parameters,"
        " r.period_start, r.period_end, r.data_version, r.note,"
        " (SELECT count(*) FROM hotspot h WHERE h.run_id = r.id) AS hotspots"
        " FROM hotspot_run r ORDER BY r.id DESC LIMIT :limit"
    )
    with engine.connect() as connection:
        return pd.read_sql(text(sql), connection, params={"limit": int(limit)})


#: DBSCAN in the database on sightings projected to the British National Grid.
#: ST_ClusterDBSCAN's core rule counts the point itself, as scikit-learn's does.
_CLUSTER_SQL = (
    "SELECT s.id AS sighting_id,"
    " ST_ClusterDBSCAN(ST_Transform(s.geom, 27700), eps => :eps, minpoints => :min_samples)"
    " OVER () AS cluster"
    " FROM sighting s WHERE s.precision IN :precisions{where} ORDER BY s.id"
)


def cluster_in_database(
    engine: Engine,
    user: User,
    eps_m: float,
    min_samples: int,
    *,
    start: date | None = None,
    end: date | None = None,
    grooming_models: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    risk_levels: Iterable[str] | None = None,
    source_agencies: Iterable[str] | None = None,
    min_grading: str | None = None,
    precisions: tuple[str, ...] = DEFAULT_PRECISIONS,
) -> pd.DataFrame:
    """DBSCAN membership computed by PostGIS (`ST_ClusterDBSCAN`) on the chosen sightings.

    Returns one row per clustered sighting: ``sighting_id`` and ``cluster`` (0, 1, ... in
    PostGIS's numbering, -1 for noise). Sightings are projected to EPSG:27700 in the
    database, so `eps_m` is in metres; only sightings of `precisions` take part, as in
    `find_clusters`. The period is applied in SQL; the code filters (grooming models,
    indicators, risk level, agency, grading) are applied by `filter_sightings` first and
    the chosen ids are bound to the query, so both paths select exactly the same rows.

    This is the plain DBSCAN step only: it matches
    `hotspots.analysis.clusters.dbscan_labels` on the same points (up to label names and
    the assignment of a border point that two clusters both reach, which DBSCAN leaves
    open). `find_clusters` goes further: it snaps points to 25 m cells before DBSCAN for
    speed, then applies min_sightings and min_people and draws the outlines.
    """
    require(user.role, Capability.VIEW_SIGHTING_POINTS)
    if backend_of(engine) != "postgis":
        raise BackendUnsupported("clustering in the database needs PostGIS (ST_ClusterDBSCAN)")
    where, params = _period(start, end)
    where = where.replace("seen_at", "s.seen_at")
    code_filters = {
        "grooming_models": grooming_models, "indicators": indicators,
        "risk_levels": risk_levels, "source_agencies": source_agencies,
        "min_grading": min_grading,
    }  # fmt: skip
    if any(value is not None for value in code_filters.values()):
        chosen = filter_sightings(read_sightings_unchecked(engine, start=start, end=end),
                                  **code_filters)  # fmt: skip
        statement = text(_CLUSTER_SQL.format(where=where + " AND s.id = ANY(:ids)"))
        params["ids"] = [int(i) for i in chosen["sighting_id"]]
    else:
        statement = text(_CLUSTER_SQL.format(where=where))
    statement = statement.bindparams(bindparam("precisions", expanding=True))
    params |= {"eps": float(eps_m), "min_samples": int(min_samples),
               "precisions": list(precisions)}  # fmt: skip
    with engine.begin() as connection:
        table = pd.read_sql(statement, connection, params=params)
        record_use(
            connection, user, CONSULTATION, "sighting",
            {"rows": len(table), "use": "cluster_in_database", "start": start, "end": end},
        )  # fmt: skip
    table["cluster"] = table["cluster"].fillna(-1).astype(np.int64)
    return table
