"""Small helpers that turn GeoDataFrames into compact GeoJSON for folium.

Coordinates are rounded to 5 decimal places (about 1 m), and each feature keeps only the one or
two properties its layer draws, so that a map of 100,000 aggregated sightings stays small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import numpy as np
import shapely
from geopandas import GeoDataFrame
from pandas import DataFrame

from hotspots.domain import CRS_WGS84

COORD_DECIMALS: Final[int] = 5


def require_columns(frame: DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a ValueError naming the missing columns and the ones there are."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}; it has {have}")


def to_wgs84(gdf: GeoDataFrame, what: str) -> GeoDataFrame:
    """The frame in EPSG:4326; a frame with no CRS is refused rather than guessed."""
    if gdf.crs is None:
        raise ValueError(
            f"{what} has no CRS; set it (EPSG:4326, or EPSG:27700 for British National Grid)"
        )
    if gdf.crs.to_epsg() == 4326:
        return gdf
    return gdf.to_crs(CRS_WGS84)


def rounded_geometries(gdf: GeoDataFrame) -> np.ndarray:
    """The frame's geometries with coordinates rounded to `COORD_DECIMALS`."""
    return shapely.transform(gdf.geometry.to_numpy(), lambda xy: np.round(xy, COORD_DECIMALS))


def feature_collection(
    gdf: GeoDataFrame, properties: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A FeatureCollection of the frame's geometries with the given per-row properties.

    Features get ids "0", "1", ... so folium can map each to its style.
    """
    features = [
        {
            "type": "Feature",
            "id": str(i),
            "properties": dict(props),
            "geometry": shapely.geometry.mapping(geom),
        }
        for i, (geom, props) in enumerate(zip(rounded_geometries(gdf), properties, strict=True))
        if geom is not None and not geom.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def point_latlon(geom: shapely.Geometry) -> list[float]:
    """[lat, lon] of a point (or of a representative point of any other shape)."""
    point = geom if geom.geom_type == "Point" else geom.representative_point()
    return [round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)]


def bounds_latlon(gdf: GeoDataFrame) -> list[list[float]] | None:
    """[[south, west], [north, east]] of a WGS84 frame, or None when it is empty."""
    if gdf.empty:
        return None
    west, south, east, north = gdf.total_bounds
    if not np.all(np.isfinite([west, south, east, north])):
        return None
    return [[float(south), float(west)], [float(north), float(east)]]
