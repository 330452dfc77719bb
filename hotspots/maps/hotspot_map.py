"""The analysts' Hotspot map: grooming-model layers, hotspots, density, Gi*, premises, risky
places and boundaries, each switchable, with one legend for what is shown.

Every input is optional, so the page passes only what its filters and chosen method produced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import folium
import pandas as pd
import shapely
from geopandas import GeoDataFrame

from hotspots.maps.base import base_map
from hotspots.maps.classes import class_breaks
from hotspots.maps.colours import DENSITY_PALETTE, PREMISES_STYLES, premises_category
from hotspots.maps.geojson import bounds_latlon, to_wgs84
from hotspots.maps.layers import (
    add_layer_control,
    boundaries_layer,
    cells_per_model,
    density_cells,
    density_layer,
    gazetteer_labels,
    gistar_layer,
    grooming_model_layers,
    hotspot_layer,
    premises_layer,
    risky_places_layer,
)
from hotspots.maps.legend import (
    LegendSection,
    add_legend,
    boundaries_legend,
    classes_legend,
    gistar_legend,
    grooming_model_legend,
    hotspot_legend,
    premises_legend,
    risky_places_legend,
)

NOTHING_TO_SHOW = "No sightings match these filters."
PREMISES_HIDDEN_NOTE = "Switched off at first: tick them in the layer box to show them."


def hotspot_map(
    *,
    cells_by_model: Mapping[str, GeoDataFrame] | GeoDataFrame | None = None,
    hotspots: GeoDataFrame | None = None,
    density: GeoDataFrame | None = None,
    gistar: GeoDataFrame | None = None,
    premises: GeoDataFrame | None = None,
    risky_places: GeoDataFrame | None = None,
    boundaries: GeoDataFrame | None = None,
    gazetteer: pd.DataFrame | None = None,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    center: Sequence[float] | None = None,
    zoom: int = 12,
    premises_shown: bool = True,
) -> folium.Map:
    """The Hotspot map, drawn bottom to top: boundaries, density, Gi*, grooming models,
    hotspots, risky places, premises, place names; then the legend and the layer control.

    Inputs are as for the layer functions in `hotspots.maps.layers`; None or empty frames are
    skipped. Without `center` the map fits everything drawn except boundaries and surfaces.
    With `premises_shown` False the premises layers start switched off (a borough's register
    would bury the hotspots under icons); the legend says how to switch them on.
    """
    m = base_map(center=center, zoom=zoom, tile_url=tile_url, tile_attribution=tile_attribution)
    sections: list[LegendSection] = []
    _add_area_layers(m, sections, boundaries, density, gistar)
    _add_model_layers(m, sections, cells_by_model)
    _add_place_layers(m, sections, hotspots, risky_places, premises, premises_shown)
    if _present(gazetteer):
        gazetteer_labels(gazetteer).add_to(m)
    add_legend(m, sections or [LegendSection("Nothing to show", (), NOTHING_TO_SHOW)])
    add_layer_control(m)
    if center is None:
        model_cells = [] if cells_by_model is None else cells_per_model(cells_by_model).values()
        _fit(m, [hotspots, risky_places, premises, *model_cells])
    return m


def _present(frame: pd.DataFrame | None) -> bool:
    return frame is not None and not frame.empty


def _add_area_layers(
    m: folium.Map,
    sections: list[LegendSection],
    boundaries: GeoDataFrame | None,
    density: GeoDataFrame | None,
    gistar: GeoDataFrame | None,
) -> None:
    if _present(boundaries):
        boundaries_layer(boundaries).add_to(m)
        sections.append(boundaries_legend())
    if _present(density):
        cells = density_cells(density)
        breaks = class_breaks(cells["density"], len(DENSITY_PALETTE))
        density_layer(cells, breaks=breaks, floor=0.0).add_to(m)
        minimum = float(cells["density"].min()) if not cells.empty else 0.0
        sections.append(classes_legend("Density (KDE)", breaks, minimum, DENSITY_PALETTE))
    if _present(gistar):
        gistar_layer(gistar).add_to(m)
        sections.append(gistar_legend())


def _add_model_layers(
    m: folium.Map,
    sections: list[LegendSection],
    cells_by_model: Mapping[str, GeoDataFrame] | GeoDataFrame | None,
) -> None:
    if cells_by_model is None:
        return
    layers = grooming_model_layers(cells_by_model)
    for layer in layers:
        layer.add_to(m)
    if layers:
        sections.append(grooming_model_legend(cells_per_model(cells_by_model)))


def _add_place_layers(
    m: folium.Map,
    sections: list[LegendSection],
    hotspots: GeoDataFrame | None,
    risky_places: GeoDataFrame | None,
    premises: GeoDataFrame | None,
    premises_shown: bool = True,
) -> None:
    if _present(hotspots):
        hotspot_layer(hotspots).add_to(m)
        sections.append(hotspot_legend())
    if _present(risky_places):
        risky_places_layer(risky_places).add_to(m)
        sections.append(risky_places_legend())
    if _present(premises):
        for layer in premises_layer(premises, show=premises_shown):
            layer.add_to(m)
        categories = premises["category"].map(premises_category)
        section = premises_legend(c for c in PREMISES_STYLES if (categories == c).any())
        if not premises_shown:
            section = replace(section, note=PREMISES_HIDDEN_NOTE)
        sections.append(section)


#: The closest the map zooms when fitting its data, so one small hotspot keeps its context.
FIT_MAX_ZOOM = 14


def _fit(m: folium.Map, frames: Sequence[GeoDataFrame | None]) -> None:
    drawn = [to_wgs84(f, "map data")[["geometry"]] for f in frames if _present(f)]
    if not drawn:
        return
    together = GeoDataFrame(pd.concat(drawn), geometry="geometry", crs="EPSG:4326")
    bounds = bounds_latlon(together)
    if bounds is not None:
        m.fit_bounds(bounds, max_zoom=FIT_MAX_ZOOM)


def clicked_hotspot(
    clicked: Mapping[str, Any] | None, hotspots: GeoDataFrame, id_col: str = "hotspot_id"
) -> Any | None:
    """The `id_col` value of the hotspot containing the last clicked point, or None.

    `clicked` is what ``st_folium(..., returned_objects=["last_object_clicked"])`` returns (a
    dict holding ``last_object_clicked: {"lat": ..., "lng": ...}``), or that inner dict itself.
    Asking only for clicks keeps panning and zooming from re-running the page.
    """
    point = (clicked or {}).get("last_object_clicked", clicked)
    if not point or "lat" not in point or "lng" not in point or hotspots.empty:
        return None
    where = shapely.Point(float(point["lng"]), float(point["lat"]))
    polygons = to_wgs84(hotspots, "hotspots")
    hit = polygons[polygons.geometry.covers(where)]
    return None if hit.empty else hit.iloc[0][id_col]
