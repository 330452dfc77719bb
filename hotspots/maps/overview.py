"""The Overview page's map: sightings aggregated to grid cells, place names and boundaries."""

from __future__ import annotations

import folium
import pandas as pd
from geopandas import GeoDataFrame

from hotspots.maps.base import base_map
from hotspots.maps.classes import class_breaks
from hotspots.maps.colours import COUNT_PALETTE
from hotspots.maps.geojson import bounds_latlon, require_columns, to_wgs84
from hotspots.maps.layers import add_layer_control, boundaries_layer, gazetteer_labels, grid_layer
from hotspots.maps.legend import (
    LegendSection,
    add_legend,
    boundaries_legend,
    classes_legend,
)

SIGHTINGS_LAYER_NAME = "Sightings per grid cell"


def overview_map(
    cells: GeoDataFrame,
    gazetteer: pd.DataFrame,
    boundaries: GeoDataFrame | None = None,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
) -> folium.Map:
    """Sightings per grid cell with place names, boundaries (if given) and a legend.

    Parameters
    ----------
    cells : GeoDataFrame [count, geometry] of grid-cell polygons (any CRS; EPSG:4326 is usual).
    gazetteer : DataFrame [name, lat, lon, optional kind] of place names.
    boundaries : GeoDataFrame [name, geometry] of areas, or None.
    tile_url, tile_attribution : the force's own tile server, if configured; no tiles otherwise.

    The map fits the cells (or the boundaries when there are no cells). Pass it to
    ``st_folium(m, returned_objects=[], ...)`` so panning does not re-run the page.
    """
    require_columns(cells, ["count", "geometry"], "cells")
    cells = to_wgs84(cells, "cells")
    m = base_map(tile_url=tile_url, tile_attribution=tile_attribution)
    sections: list[LegendSection] = []
    if boundaries is not None and not boundaries.empty:
        boundaries_layer(boundaries).add_to(m)
        sections.append(boundaries_legend())
    positive = cells[pd.to_numeric(cells["count"], errors="coerce") > 0]
    breaks = class_breaks(positive["count"], len(COUNT_PALETTE))
    grid_layer(positive, "count", SIGHTINGS_LAYER_NAME, breaks=breaks).add_to(m)
    minimum = float(positive["count"].min()) if not positive.empty else 0.0
    sections.insert(0, classes_legend("Sightings per cell", breaks, minimum, COUNT_PALETTE))
    gazetteer_labels(gazetteer).add_to(m)
    add_legend(m, sections)
    add_layer_control(m)
    _fit(m, positive, boundaries)
    return m


def _fit(m: folium.Map, cells: GeoDataFrame, boundaries: GeoDataFrame | None) -> None:
    bounds = bounds_latlon(cells)
    if bounds is None and boundaries is not None and not boundaries.empty:
        bounds = bounds_latlon(to_wgs84(boundaries, "boundaries"))
    if bounds is not None:
        m.fit_bounds(bounds)
