"""The Hotspot detail page's map: one hotspot's outline, the distance searched around it, and
the premises inside or near it, with place names and a legend."""

from __future__ import annotations

import folium
import pandas as pd
from geopandas import GeoDataFrame

from hotspots.domain import CRS_BNG, CRS_WGS84
from hotspots.maps.base import base_map
from hotspots.maps.colours import PREMISES_STYLES, premises_category
from hotspots.maps.geojson import bounds_latlon, feature_collection, to_wgs84
from hotspots.maps.layers import (
    add_layer_control,
    gazetteer_labels,
    hotspot_layer,
    premises_layer,
)
from hotspots.maps.legend import (
    LegendItem,
    LegendSection,
    add_legend,
    hotspot_legend,
    premises_legend,
)
from hotspots.maps.text import escape_text, format_number

SEARCH_COLOUR = "#4D4D4D"
#: Padding (x, y) in pixels kept free for the legend at the bottom left when fitting.
LEGEND_CLEARANCE = (240, 20)
NO_PREMISES = "No premises inside or within the distance chosen."


def search_area_layer_name(distance_m: float) -> str:
    return f"Within {format_number(round(distance_m))} m"


def hotspot_detail_map(
    outline: GeoDataFrame,
    *,
    distance_m: float,
    premises: GeoDataFrame | None = None,
    gazetteer: pd.DataFrame | None = None,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
) -> folium.Map:
    """A map of one hotspot: its outline (with its popup), a dashed ring `distance_m` metres
    around it, and the premises found there, by category.

    Parameters
    ----------
    outline : GeoDataFrame of one hotspot [name, geometry, optional statistics], any CRS.
    distance_m : the distance searched around the outline, in metres (0: inside only).
    premises : GeoDataFrame [name, category, geometry, optional sightings, distance_m].
    gazetteer : place names [name, lat, lon, optional kind].
    """
    m = base_map(tile_url=tile_url, tile_attribution=tile_attribution, zoom=15)
    sections: list[LegendSection] = []
    ring = _search_ring(outline, distance_m)
    if ring is not None:
        _ring_layer(ring, distance_m).add_to(m)
    hotspot_layer(outline).add_to(m)
    sections.append(hotspot_legend())
    if distance_m > 0:
        item = LegendItem(f"Premises searched within {format_number(round(distance_m))} m",
                          SEARCH_COLOUR, "line")  # fmt: skip
        sections.append(LegendSection("Search area", (item,)))
    if premises is not None and not premises.empty:
        for layer in premises_layer(premises):
            layer.add_to(m)
        categories = premises["category"].map(premises_category)
        sections.append(premises_legend(c for c in PREMISES_STYLES if (categories == c).any()))
    else:
        sections.append(LegendSection("Premises", (), NO_PREMISES))
    if gazetteer is not None and not gazetteer.empty:
        gazetteer_labels(gazetteer).add_to(m)
    add_legend(m, sections)
    add_layer_control(m)
    bounds = bounds_latlon(ring if ring is not None else to_wgs84(outline, "outline"))
    if bounds is not None:  # keep the hotspot clear of the legend (left) and layer box (top)
        m.fit_bounds(bounds, padding_top_left=LEGEND_CLEARANCE, padding_bottom_right=(10, 10))
    return m


def _search_ring(outline: GeoDataFrame, distance_m: float) -> GeoDataFrame | None:
    if outline.empty or distance_m <= 0:
        return None
    if outline.crs is None:
        raise ValueError("outline has no CRS; set it (EPSG:4326 or EPSG:27700)")
    buffered = outline.to_crs(CRS_BNG).buffer(distance_m)
    return GeoDataFrame(geometry=buffered, crs=CRS_BNG).to_crs(CRS_WGS84)


def _ring_layer(ring: GeoDataFrame, distance_m: float) -> folium.FeatureGroup:
    name = search_area_layer_name(distance_m)
    group = folium.FeatureGroup(name=escape_text(name))
    style = {"color": SEARCH_COLOUR, "weight": 1.5, "dashArray": "6 4", "fill": False}
    folium.GeoJson(
        feature_collection(ring, [{}] * len(ring)),
        style_function=lambda _feature: style,
        interactive=False,
    ).add_to(group)
    return group
