"""folium maps of the hotspot product: offline assets, colours, legend, layers and page maps.

Builders take frames and return folium objects; nothing here reads files, settings or the
database, and nothing imports streamlit. Call `use_local_assets()` once at app start (the
builders fall back to it) so that no script, stylesheet or font comes from a CDN.
"""

from hotspots.maps.assets import ensure_local_assets, missing_vendor_files, use_local_assets
from hotspots.maps.base import BOUNDARY_ATTRIBUTION, base_map
from hotspots.maps.classes import class_breaks, classify_gistar
from hotspots.maps.colours import GROOMING_MODEL_COLOURS, PREMISES_STYLES, grooming_model_colour
from hotspots.maps.detail import hotspot_detail_map, search_area_layer_name
from hotspots.maps.hotspot_map import clicked_hotspot, hotspot_map
from hotspots.maps.layers import (
    add_layer_control,
    boundaries_layer,
    density_layer,
    gazetteer_labels,
    gistar_layer,
    grid_layer,
    grooming_model_layer_name,
    grooming_model_layers,
    hotspot_layer,
    premises_layer,
    premises_layer_name,
    risky_places_layer,
)
from hotspots.maps.legend import Legend, LegendItem, LegendSection, add_legend
from hotspots.maps.overview import SIGHTINGS_LAYER_NAME, overview_map
from hotspots.maps.text import escape_text

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "GROOMING_MODEL_COLOURS",
    "PREMISES_STYLES",
    "SIGHTINGS_LAYER_NAME",
    "Legend",
    "LegendItem",
    "LegendSection",
    "add_layer_control",
    "add_legend",
    "base_map",
    "boundaries_layer",
    "class_breaks",
    "classify_gistar",
    "clicked_hotspot",
    "density_layer",
    "ensure_local_assets",
    "escape_text",
    "gazetteer_labels",
    "gistar_layer",
    "grid_layer",
    "grooming_model_colour",
    "grooming_model_layer_name",
    "grooming_model_layers",
    "hotspot_detail_map",
    "hotspot_layer",
    "hotspot_map",
    "missing_vendor_files",
    "overview_map",
    "premises_layer",
    "premises_layer_name",
    "risky_places_layer",
    "search_area_layer_name",
    "use_local_assets",
]
