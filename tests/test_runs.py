"""Hotspot runs (hotspots.db.runs): context layers, saved runs, clustering in PostGIS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine, text

from hotspots.analysis.clusters import dbscan_labels, find_clusters
from hotspots.analysis.frames import bng_xy
from hotspots.db import make_engine, migrate
from hotspots.db.access import User, read_sightings_unchecked
from hotspots.db.audit import read_audit
from hotspots.db.demo import load_synthetic
from hotspots.db.load import bulk_insert, fill_point_geometry, start_batch
from hotspots.db.runs import (
    BackendUnsupported,
    RunNotFound,
    UnknownLayer,
    cluster_in_database,
    context_layer,
    context_layers,
    list_runs,
    load_run,
    save_run,
)
from hotspots.gazetteer import load_gazetteer
from hotspots.security.roles import AccessDenied
from hotspots.synth import generate

ANALYST = User("ana", "analyst", "testing")
GAZETTEER = load_gazetteer()


def add_context_points(engine: Engine, layer: str, points: pd.DataFrame) -> None:
    """Insert a context layer as the importer would (one batch, geometry from lon/lat)."""
    with engine.begin() as connection:
        batch = start_batch(
            connection, kind="context", file_name=f"{layer}.csv", sha256=layer,
            username="test", layer_name=layer,
        )  # fmt: skip
        rows = points.assign(layer_name=layer, batch_id=batch)
        columns = ["layer_name", "seen_at", "category", "area_code", "lon", "lat", "batch_id"]
        bulk_insert(connection, "context_point", rows, columns)
        fill_point_geometry(connection, "context_point", batch)


def crime_points(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame({
        "seen_at": pd.date_range("2024-01-01", periods=n, freq="3D"),
        "category": ["violent-crime", "shoplifting"] * (n // 2),
        "area_code": "E01004806",
        "lon": -2.4585 + np.linspace(0, 0.001, n),
        "lat": 53.5745 + np.linspace(0, 0.001, n),
    })  # fmt: skip


@pytest.fixture(scope="module")
def demo_data():
    return generate(sightings=3_000, seed=4, gazetteer=GAZETTEER)


def test_a_context_layer_reads_as_an_analysis_frame(engine: Engine) -> None:
    add_context_points(engine, "police-crime", crime_points())
    add_context_points(engine, "other", crime_points(4))
    assert context_layers(engine) == {"other": 4, "police-crime": 40}
    frame = context_layer(engine, ANALYST, "police-crime", start="2024-02-01", end="2024-03-01")
    assert list(frame.columns) == ["point_id", "seen_at", "category", "area_code",
                                   "source_ref", "geometry"]  # fmt: skip
    assert frame["seen_at"].between("2024-02-01", "2024-03-01", inclusive="left").all()
    assert len(frame) == 9  # every third day from 1 January: days 33, 36, ... 57 of the year
    assert frame.crs.to_epsg() == 4326
    result = find_clusters(context_layer(engine, ANALYST, "police-crime"), GAZETTEER,
                           min_samples=5)  # fmt: skip
    assert result.hotspots["name"].tolist() == ["Deane"]
    audit = read_audit(engine)
    assert (audit["target"] == "context_point:police-crime").sum() == 2


def test_an_unknown_layer_names_the_layers_there_are(engine: Engine) -> None:
    add_context_points(engine, "police-crime", crime_points(2))
    with pytest.raises(UnknownLayer, match="police-crime"):
        context_layer(engine, ANALYST, "crimes")


def test_roles_without_points_may_not_read_layers_or_save_runs(engine: Engine) -> None:
    add_context_points(engine, "police-crime", crime_points(2))
    licensing = User("lic", "licensing", "")
    with pytest.raises(AccessDenied):
        context_layer(engine, licensing, "police-crime")
    with pytest.raises(AccessDenied):
        save_run(engine, licensing, "dbscan", "sightings", {}, (None, None),
                 find_clusters(crime_frame(), GAZETTEER, min_samples=5).hotspots)  # fmt: skip


def crime_frame():
    import geopandas as gpd

    points = crime_points()
    return gpd.GeoDataFrame(
        points, geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs="EPSG:4326"
    )


def test_a_saved_run_loads_back_identical(engine: Engine, demo_data) -> None:
    load_synthetic(engine, demo_data)
    sightings = read_sightings_unchecked(engine)
    found = find_clusters(sightings, GAZETTEER).hotspots
    assert len(found) >= 3
    parameters = {"eps_m": 250.0, "min_people": 3}
    run_id = save_run(engine, ANALYST, "dbscan", "sightings", parameters,
                      (pd.Timestamp("2023-11-01").date(), None), found)  # fmt: skip
    run, loaded = load_run(engine, ANALYST, run_id)
    assert run["parameters"] == parameters and run["method"] == "dbscan"
    assert run["data_version"] >= 1 and run["layer_name"] == "sightings"
    assert list(loaded.columns) == list(found.columns)
    pd.testing.assert_frame_equal(
        pd.DataFrame(loaded.drop(columns="geometry")),
        pd.DataFrame(found.drop(columns="geometry")),
        check_dtype=False,
    )
    for before, after in zip(found.geometry, loaded.geometry, strict=True):
        assert isinstance(after, MultiPolygon)
        assert after.symmetric_difference(before).area < 1e-12
    assert list_runs(engine, ANALYST)["hotspots"].tolist() == [len(found)]
    actions = read_audit(engine).set_index("target")["action"]
    assert actions[f"hotspot_run:{run_id}"].tolist() == ["consultation", "combination"]


def test_an_unknown_run_is_reported(engine: Engine) -> None:
    with pytest.raises(RunNotFound):
        load_run(engine, ANALYST, 999)


def test_clustering_in_spatialite_is_refused(spatialite_url: str) -> None:
    engine = make_engine(spatialite_url)
    migrate(engine)
    with pytest.raises(BackendUnsupported, match="PostGIS"):
        cluster_in_database(engine, ANALYST, 250.0, 10)


def same_partition(a: np.ndarray, b: np.ndarray, core: np.ndarray) -> None:
    """Equal noise; equal partition of the core points; each border point in a cluster."""
    assert np.array_equal(a == -1, b == -1)
    pairs = pd.DataFrame({"a": a[core], "b": b[core]}).drop_duplicates()
    assert pairs["a"].is_unique and pairs["b"].is_unique, pairs


def core_points(xy: np.ndarray, eps_m: float, min_samples: int) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    neighbours = NearestNeighbors(radius=eps_m).fit(xy).radius_neighbors(xy, return_distance=False)
    return np.array([len(n) >= min_samples for n in neighbours])


@pytest.mark.parametrize(("eps_m", "min_samples"), [(250.0, 40), (150.0, 15)])
def test_postgis_and_python_dbscan_give_the_same_membership(
    postgis_url: str, demo_data, eps_m: float, min_samples: int
) -> None:
    engine = make_engine(postgis_url)
    migrate(engine)
    load_synthetic(engine, demo_data)
    in_database = cluster_in_database(engine, ANALYST, eps_m, min_samples)
    sightings = read_sightings_unchecked(engine)
    chosen = sightings[sightings["precision"].isin(["exact", "street"])]
    assert in_database["sighting_id"].tolist() == chosen["sighting_id"].tolist()
    xy = bng_xy(chosen)
    with engine.connect() as connection:
        database_xy = np.array(connection.execute(text(
            "SELECT ST_X(ST_Transform(geom, 27700)), ST_Y(ST_Transform(geom, 27700))"
            " FROM sighting WHERE precision IN ('exact', 'street') ORDER BY id"
        )).all())  # fmt: skip
    assert np.abs(database_xy - xy).max() < 0.01, "PostGIS and pyproj project differently"
    python = dbscan_labels(xy, eps_m, min_samples)
    assert (python >= 0).sum() > 500 and len(set(python) - {-1}) >= 3
    same_partition(python, in_database["cluster"].to_numpy(), core_points(xy, eps_m, min_samples))


def test_database_clustering_applies_the_code_filters(postgis_url: str, demo_data) -> None:
    engine = make_engine(postgis_url)
    migrate(engine)
    load_synthetic(engine, demo_data)
    table = cluster_in_database(engine, ANALYST, 250.0, 20, grooming_models=["party"],
                                start="2024-01-01", end="2025-01-01")  # fmt: skip
    sightings = read_sightings_unchecked(engine, start="2024-01-01", end="2025-01-01")
    sightings = sightings[sightings["precision"].isin(["exact", "street"])]
    party = sightings[sightings["grooming_models"].str.contains("party")]
    assert table["sighting_id"].tolist() == party["sighting_id"].tolist()
    python = dbscan_labels(bng_xy(party), 250.0, 20)
    assert np.array_equal(python == -1, table["cluster"].to_numpy() == -1)
