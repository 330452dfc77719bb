"""Payload: 100,000 sightings aggregated to 250 m cells make a map page well under 5 MB.

Issue 5 allows 5 MB of map HTML; the map must aggregate (grid cells), never draw one marker per
sighting. Synthetic random points over Bolton, a third of them packed into a few hotspots, are
aggregated here with a plain 250 m grid on the British National Grid.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.domain import GROOMING_MODELS
from hotspots.maps import hotspot_map, overview_map

REPO_ROOT = Path(__file__).resolve().parent.parent
SIGHTINGS = 100_000
CELL_METRES = 250.0
LIMIT_BYTES = 5_000_000
WELL_UNDER_BYTES = 2_500_000  # half the limit: room for the lead's other layers


def random_sightings(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """n sightings over Bolton (BNG); a third around four centres, the rest spread out."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(360_000, 378_000, n), rng.uniform(400_000, 414_000, n)
    centres = np.array(
        [[369_800, 407_500], [370_600, 406_600], [370_800, 409_400], [372_000, 407_800]]
    )
    packed = n // 3
    which = rng.integers(0, len(centres), packed)
    x[:packed] = rng.normal(centres[which, 0], 300)
    y[:packed] = rng.normal(centres[which, 1], 300)
    models = rng.choice(list(GROOMING_MODELS), n)
    return gpd.GeoDataFrame(
        {"grooming_model": models}, geometry=gpd.points_from_xy(x, y), crs=27700
    )


def aggregate(sightings: gpd.GeoDataFrame, by: list[str] | None = None) -> gpd.GeoDataFrame:
    """Counts per 250 m grid cell (and per `by` column), as cell polygons in EPSG:4326."""
    keys = pd.DataFrame(
        {
            "ix": np.floor(sightings.geometry.x / CELL_METRES).astype(int),
            "iy": np.floor(sightings.geometry.y / CELL_METRES).astype(int),
            **{column: sightings[column].to_numpy() for column in by or []},
        }
    )
    counts = keys.groupby(list(keys.columns)).size().rename("count").reset_index()
    x0, y0 = counts["ix"] * CELL_METRES, counts["iy"] * CELL_METRES
    boxes = shapely.box(x0, y0, x0 + CELL_METRES, y0 + CELL_METRES)
    return gpd.GeoDataFrame(counts, geometry=boxes, crs=27700).to_crs(4326)


@pytest.fixture(scope="module")
def sightings() -> gpd.GeoDataFrame:
    return random_sightings(SIGHTINGS)


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return pd.read_csv(REPO_ROOT / "data" / "gazetteer.csv")


def test_aggregation_keeps_every_sighting(sightings):
    assert aggregate(sightings)["count"].sum() == SIGHTINGS


def test_overview_map_of_100k_sightings_is_well_under_5_mb(sightings, gazetteer):
    html = overview_map(aggregate(sightings), gazetteer).get_root().render()
    assert len(html.encode()) < WELL_UNDER_BYTES < LIMIT_BYTES
    assert html.count("L.marker(") <= len(gazetteer), "one marker per sighting?"


def test_hotspot_map_of_100k_sightings_by_grooming_model_is_under_5_mb(sightings, gazetteer):
    by_model = aggregate(sightings, by=["grooming_model"])
    html = hotspot_map(cells_by_model=by_model, gazetteer=gazetteer).get_root().render()
    size = len(html.encode())
    assert size < LIMIT_BYTES, f"{size / 1e6:.1f} MB"
    assert html.count("L.marker(") <= len(gazetteer)


def test_every_layer_of_100k_synthetic_sightings_is_under_5_mb(tmp_path, gazetteer):
    """The whole Hotspot map as the page builds it (all layers, from the database), at 100k."""
    from hotspots.db import make_engine, migrate
    from hotspots.db.access import User
    from hotspots.db.demo import load_synthetic
    from hotspots.db.mapdata import MapFilters, hotspot_map_data
    from hotspots.synth import generate

    engine = make_engine(f"sqlite:///{tmp_path / 'payload.sqlite'}")
    migrate(engine)
    load_synthetic(engine, generate(sightings=SIGHTINGS, seed=1, gazetteer=gazetteer))
    analyst = User("payload", "analyst", "payload test")
    data = hotspot_map_data(engine, analyst, MapFilters(), gazetteer=gazetteer)
    engine.dispose()
    assert data.sightings == SIGHTINGS
    html = hotspot_map(**data.layers(), gazetteer=gazetteer).get_root().render()
    size = len(html.encode())
    assert size < LIMIT_BYTES, f"{size / 1e6:.2f} MB"
    assert html.count("L.marker(") <= len(gazetteer), "one marker per sighting or premises?"
    assert html.count("L.circleMarker(") <= len(data.risky_places)
