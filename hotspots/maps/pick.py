"""A small map for choosing a place by clicking: place names, premises and the chosen point.

Built on `hotspots.maps.base.base_map` (offline assets, no tiles unless configured). The page
reads `st_folium(...)["last_clicked"]`; nothing here imports streamlit.
"""

from __future__ import annotations

import folium
import pandas as pd

from hotspots.maps.base import base_map
from hotspots.maps.layers import gazetteer_labels
from hotspots.security.escaping import esc

PREMISES_COLOUR = "#0072B2"
CHOSEN_COLOUR = "#D55E00"


def _premises_layer(premises: pd.DataFrame) -> folium.GeoJson:
    """All premises as one GeoJSON layer of small circles (not one marker each)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            "properties": {"name": esc(r.get("name", ""))},
        }
        for r in premises.to_dict("records")
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Premises",
        marker=folium.CircleMarker(radius=4, color=PREMISES_COLOUR, fill=True, fill_opacity=0.8),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    )


def pick_map(
    gazetteer: pd.DataFrame,
    premises: pd.DataFrame | None = None,
    chosen: tuple[float, float] | None = None,
    *,
    tile_url: str | None = None,
    zoom: int = 13,
) -> folium.Map:
    """The map to click on; `chosen` is (lat, lon) of the point picked so far."""
    folium_map = base_map(center=chosen, zoom=zoom, tile_url=tile_url)
    gazetteer_labels(gazetteer).add_to(folium_map)
    if premises is not None and not premises.empty:
        _premises_layer(premises).add_to(folium_map)
    if chosen is not None:
        folium.CircleMarker(
            list(chosen), radius=8, color=CHOSEN_COLOUR, weight=3, fill=True,
            fill_opacity=0.6, tooltip="Chosen place",
        ).add_to(folium_map)  # fmt: skip
    return folium_map


def chosen_point_layer(chosen: tuple[float, float] | None) -> folium.FeatureGroup:
    """The chosen point (lat, lon) as its own layer, for `st_folium(feature_group_to_add=...)`:
    the point moves without the map being drawn again (which would lose its zoom)."""
    group = folium.FeatureGroup(name="Chosen place")
    if chosen is not None:
        folium.CircleMarker(
            list(chosen), radius=8, color=CHOSEN_COLOUR, weight=3, fill=True,
            fill_opacity=0.6, tooltip="Chosen place",
        ).add_to(group)  # fmt: skip
    return group
