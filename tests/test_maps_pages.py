"""The page maps (Overview, Hotspot map): layers, legend, tiles, clicks, and no external URL."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.domain import GROOMING_MODELS
from hotspots.maps import (
    SIGHTINGS_LAYER_NAME,
    base_map,
    clicked_hotspot,
    hotspot_map,
    overview_map,
    use_local_assets,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<img src=x onerror=alert(1)>"
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "unpkg.com",
             "bootstrapcdn.com", "d3js.org", "openstreetmap", "tile.", "googleapis")  # fmt: skip


def cells(n: int = 30, seed: int = 5, size: float = 250.0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    ix, iy = rng.choice(60, n, replace=False), rng.integers(0, 60, n)
    x0, y0 = 366_000 + ix * size, 405_000 + iy * size
    counts = rng.integers(1, 40, n)
    return gpd.GeoDataFrame(
        {"count": counts}, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=27700
    ).to_crs(4326)


def gazetteer() -> pd.DataFrame:
    return pd.read_csv(REPO_ROOT / "data" / "gazetteer.csv")


def boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Halliwell", HOSTILE]},
        geometry=[shapely.box(-2.46, 53.58, -2.43, 53.60), shapely.box(-2.47, 53.56, -2.44, 53.58)],
        crs=4326,
    )


def everything() -> dict[str, object]:
    """Every input of hotspot_map, small, with a hostile name in each text column."""
    grid = cells(n=40)
    grid["density"] = np.linspace(0.01, 1, len(grid))
    grid["z"] = np.linspace(-3, 3, len(grid))
    grid["p"] = np.where(np.abs(grid["z"]) > 2, 0.01, 0.5)
    points = gpd.points_from_xy([-2.43, -2.455, -2.44], [53.578, 53.575, 53.58])
    hotspot = shapely.Point(-2.4585, 53.5745).buffer(0.004)
    return {
        "cells_by_model": {code: cells(seed=i) for i, code in enumerate(GROOMING_MODELS)},
        "hotspots": gpd.GeoDataFrame(
            {"hotspot_id": [11], "name": [HOSTILE], "sightings": [40], "distinct_people": [9]},
            geometry=[hotspot],
            crs=4326,
        ),
        "density": grid[["density", "geometry"]],
        "gistar": grid[["z", "p", "geometry"]],
        "premises": gpd.GeoDataFrame(
            {"name": [HOSTILE, "B", "C"], "category": ["hotel", "park", "shisha_bar"]},
            geometry=points,
            crs=4326,
        ),
        "risky_places": gpd.GeoDataFrame(
            {"name": [HOSTILE], "young_people": [5]}, geometry=points[:1], crs=4326
        ),
        "boundaries": boundaries(),
        "gazetteer": gazetteer(),
    }


def page_html(m: folium.Map) -> str:
    return m.get_root().render()


def external_urls(html: str) -> list[str]:
    """Absolute or protocol-relative URLs anywhere in the page, and CDN host names."""
    urls = re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*", html)
    hosts = [host for host in CDN_HOSTS if host in html]
    return urls + hosts


def asset_links(html: str) -> list[str]:
    return re.findall(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"', html)


BUILDERS = {
    "base_map": lambda: base_map(),
    "overview_map": lambda: overview_map(cells(), gazetteer()),
    "overview_map_with_boundaries": lambda: overview_map(cells(), gazetteer(), boundaries()),
    "hotspot_map_everything": lambda: hotspot_map(**everything()),
    "hotspot_map_empty": lambda: hotspot_map(),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_no_external_url_in_any_map(name):
    html = page_html(BUILDERS[name]())
    assert external_urls(html) == []
    assert "L.tileLayer(" not in html
    links = asset_links(html)
    assert links and all(link.startswith("/app/static/vendor/") for link in links), links


PAGE_MAPS = [name for name in BUILDERS if name != "base_map"]  # base_map is a building block


@pytest.mark.parametrize("name", PAGE_MAPS)
def test_every_page_map_has_a_legend_and_no_tiles_by_default(name):
    html = page_html(BUILDERS[name]())
    assert "hotspots-legend" in html
    assert "L.control({position:" in html
    assert "L.tileLayer(" not in html


def test_marker_clusters_use_local_assets_too():
    m = base_map()
    folium.plugins.FastMarkerCluster([[53.57, -2.45], [53.58, -2.44]]).add_to(m)
    folium.plugins.MarkerCluster().add_to(m)
    html = page_html(m)
    assert "/app/static/vendor/markercluster/leaflet.markercluster.js" in html
    assert external_urls(html) == []


def test_a_configured_tile_server_is_used_with_its_attribution():
    url = "https://tiles.force.example/{z}/{x}/{y}.png"
    html = page_html(
        overview_map(cells(), gazetteer(), tile_url=url, tile_attribution="© Force <GIS>")
    )
    assert "L.tileLayer(" in html
    assert "tiles.force.example" in html
    assert "Force &lt;GIS&gt;" in html.replace("\\u0026", "&")


def test_another_base_url_is_honoured(request):
    request.addfinalizer(use_local_assets)
    use_local_assets("/hotspots/app/static/vendor")
    links = asset_links(page_html(overview_map(cells(), gazetteer())))
    assert all(link.startswith("/hotspots/app/static/vendor/") for link in links)


def test_overview_map_layers_and_legend():
    m = overview_map(cells(), gazetteer(), boundaries())
    names = [child.layer_name for child in m._children.values() if hasattr(child, "layer_name")]
    assert names == ["Boundaries", SIGHTINGS_LAYER_NAME, "Place names"]
    html = page_html(m)
    assert "Sightings per cell" in html
    assert "Contains National Statistics and OS data" in html
    assert "fitBounds" in html


def test_overview_map_attribution_only_with_boundaries():
    assert "Contains National Statistics" not in page_html(overview_map(cells(), gazetteer()))


def test_overview_map_with_no_sightings_still_draws_and_says_so():
    empty = cells().iloc[0:0]
    html = page_html(overview_map(empty, gazetteer()))
    assert "None to show" in html


def test_hotspot_map_has_every_named_layer():
    m = hotspot_map(**everything())
    names = [child.layer_name for child in m._children.values() if hasattr(child, "layer_name")]
    assert names == [
        "Boundaries",
        "Density surface (KDE)",
        "Gi* hot and cold spots",
        *[f"Grooming model: {label}" for label in GROOMING_MODELS.values()],
        "Hotspots",
        "Risky places",
        "Premises: Hotel",
        "Premises: Park",
        "Premises: Shisha bar",
        "Place names",
    ]
    html = page_html(m)
    for title in ("Grooming models", "Hotspots", "Premises", "Risky places", "Density (KDE)"):
        assert title in html
    assert HOSTILE not in html.replace("\\u003c", "<").replace("\\u003e", ">")


def test_hotspot_map_with_nothing_says_what_to_do():
    assert "No sightings match these filters." in page_html(hotspot_map())


def test_clicked_hotspot_finds_the_polygon_under_the_click():
    hotspots = everything()["hotspots"]
    inside = {"last_object_clicked": {"lat": 53.5745, "lng": -2.4585}}
    outside = {"last_object_clicked": {"lat": 53.60, "lng": -2.40}}
    assert clicked_hotspot(inside, hotspots) == 11
    assert clicked_hotspot(inside["last_object_clicked"], hotspots) == 11
    assert clicked_hotspot(outside, hotspots) is None
    assert clicked_hotspot({"last_object_clicked": None}, hotspots) is None
    assert clicked_hotspot(None, hotspots) is None
