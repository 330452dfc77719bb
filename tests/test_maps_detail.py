"""The Hotspot detail map, and the Hotspot map's premises switch: layers, legend, escaping."""

from __future__ import annotations

import geopandas as gpd
import shapely

from hotspots.maps import hotspot_detail_map, hotspot_map, search_area_layer_name
from hotspots.maps.detail import NO_PREMISES
from hotspots.maps.hotspot_map import PREMISES_HIDDEN_NOTE
from tests.test_maps_pages import HOSTILE, everything, external_urls, gazetteer, page_html


def outline() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hotspot_id": [3], "name": [HOSTILE], "sightings": [41], "distinct_people": [7]},
        geometry=[shapely.Point(-2.4585, 53.5745).buffer(0.003)],
        crs=4326,
    )


def premises() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": [HOSTILE, "Moor Cabs"],
            "category": ["takeaway", "taxi_office"],
            "sightings": [2, 0],
            "distance_m": [0.0, 120.0],
        },
        geometry=gpd.points_from_xy([-2.4585, -2.454], [53.5745, 53.576]),
        crs=4326,
    )


def layer_names(m) -> list[str]:
    return [child.layer_name for child in m._children.values() if hasattr(child, "layer_name")]


def unescaped(html: str) -> str:
    for code, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        html = html.replace(code, char)
    return html


def test_detail_map_layers_in_order():
    m = hotspot_detail_map(outline(), distance_m=250, premises=premises(), gazetteer=gazetteer())
    assert layer_names(m) == [
        "Within 250 m",
        "Hotspots",
        "Premises: Takeaway",
        "Premises: Taxi office",
        "Place names",
    ]
    assert search_area_layer_name(1000) == "Within 1,000 m"


def test_detail_map_has_a_legend_escapes_names_and_stays_offline():
    html = page_html(hotspot_detail_map(outline(), distance_m=250, premises=premises()))
    assert "hotspots-legend" in html
    for text in ("Hotspot area", "Premises searched within 250 m", "Takeaway", "Taxi office"):
        assert text in html
    assert HOSTILE not in unescaped(html), "a name reached the page unescaped"
    assert "&lt;img src=x" in unescaped(html)
    assert external_urls(html) == []
    assert "fitBounds" in html and '"paddingTopLeft": [240, 20]' in html


def test_detail_map_inside_only_draws_no_ring_and_says_when_no_premises():
    m = hotspot_detail_map(outline(), distance_m=0, premises=premises().iloc[0:0])
    assert layer_names(m) == ["Hotspots"]
    html = page_html(m)
    assert NO_PREMISES in html
    assert "Premises searched" not in html


def test_hotspot_map_can_start_with_premises_switched_off():
    shown = hotspot_map(**everything())
    hidden = hotspot_map(**everything(), premises_shown=False)
    for m, expected in ((shown, True), (hidden, False)):
        groups = [
            c for c in m._children.values() if getattr(c, "layer_name", "").startswith("Premises")
        ]
        assert groups and all(g.show is expected for g in groups)
    assert PREMISES_HIDDEN_NOTE in page_html(hidden)
    assert PREMISES_HIDDEN_NOTE not in page_html(shown)
