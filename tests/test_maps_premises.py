"""The Premises checker's map: named layers, legend, popups with counts (escaped), visit
order, offline assets, and its size at 100,000 sightings."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.maps.premises_check import (
    NO_PREMISES,
    check_popup,
    premises_check_map,
    search_layer_name,
    visit_layer_name,
)
from tests.test_maps_pages import asset_links, external_urls, gazetteer, page_html

REPO_ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<img src=x onerror=alert(1)>`${x}`"
LIMIT_BYTES = 5_000_000


def checked_premises() -> gpd.GeoDataFrame:
    """Four premises as `PremisesCheck.premises` gives them: three ranked, one not."""
    return gpd.GeoDataFrame(
        {
            "rank": pd.array([1, 2, 3, pd.NA], dtype="Int64"),
            "score": [30.0, 28.0, 11.0, 0.0],
            "name": ["Kebab Palace", HOSTILE, "Station Hotel", "Quiet Cafe"],
            "category": ["takeaway", "park", "hotel", "takeaway"],
            "licence_ref": ["LIC-1", None, "LIC-2", "LIC-3"],
            "linked": [5, 0, 2, 0],
            "nearby": [2, 12, 1, 0],
            "young_people": [5, 4, 2, 0],
            "recent": [5, 12, 0, 0],
            "earlier": [2, 0, 3, 0],
            "monthly": [[0] * 12] * 4,
            "last_month": ["Dec 2026", "Dec 2026", "Jun 2026", None],
            "trend": ["rising", "rising", "falling", "none"],
            "hotspot": [None, "Deane", None, None],
            "in_hotspot": [False, True, False, False],
        },
        geometry=gpd.points_from_xy([-2.44, -2.458, -2.435, -2.43], [53.57, 53.5745, 53.57, 53.6]),
        crs="EPSG:4326",
    )


def hotspots() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hotspot_id": [1], "name": ["Deane"], "sightings": [40], "distinct_people": [9],
         "area_km2": [0.2]},
        geometry=[shapely.Point(-2.4585, 53.5745).buffer(0.003)],
        crs="EPSG:4326",
    )  # fmt: skip


def layer_names(m) -> list[str]:
    return [child.layer_name for child in m._children.values() if hasattr(child, "layer_name")]


def test_every_layer_is_named_and_in_order():
    m = premises_check_map(
        checked_premises(), distance_m=250, hotspots=hotspots(), gazetteer=gazetteer()
    )
    assert layer_names(m) == [
        "Current hotspots",
        search_layer_name(250),
        "Premises: Takeaway",
        "Premises: Hotel",
        "Premises: Park",
        visit_layer_name(3),
        "Place names",
    ]
    assert search_layer_name(250) == "Searched within 250 m"
    assert visit_layer_name(3) == "Visit order (first 3)"


def test_legend_says_what_each_mark_means():
    html = page_html(premises_check_map(checked_premises(), distance_m=250, hotspots=hotspots()))
    assert html.count("hotspots-legend") >= 1
    for words in ("Hotspots", "Area searched", "Within 250 m", "Premises", "Takeaway",
                  "Visit order", "1 = visit first",
                  "Shown for the first 3 premises of the visit list."):  # fmt: skip
        assert words in html, words


def test_popups_carry_the_counts_and_escape_record_text():
    popup = check_popup(250)(checked_premises().iloc[0].to_dict())
    for words in ("<b>Kebab Palace</b>", "Sightings at the premises: 5",
                  "Other sightings within 250 m: 2", "Different young people: 5",
                  "Trend: Rising (5 in the last 6 months, 2 in the 6 before)", "Visit order: 1",
                  "Licence: LIC-1", "Current hotspot: none", "Latest: Dec 2026"):  # fmt: skip
        assert words in popup, words
    hostile = check_popup(250)(checked_premises().iloc[1].to_dict())
    assert "<img" not in hostile and "&lt;img" in hostile and "${" not in hostile
    html = page_html(premises_check_map(checked_premises(), distance_m=250))
    unescaped = html.replace("\\u003c", "<").replace("\\u003e", ">")
    assert "<img src=x onerror" not in unescaped


def test_distance_zero_draws_no_rings_and_no_nearby_line():
    m = premises_check_map(checked_premises(), distance_m=0)
    assert search_layer_name(0) not in layer_names(m)
    assert "Other sightings within" not in check_popup(0)(checked_premises().iloc[0].to_dict())


def test_nothing_found_still_draws_a_map_that_says_so():
    m = premises_check_map(checked_premises()[:0], distance_m=250, hotspots=hotspots())
    html = page_html(m)
    assert NO_PREMISES in html
    assert layer_names(m) == ["Current hotspots"]


def test_offline_and_aggregated():
    html = page_html(
        premises_check_map(checked_premises(), distance_m=250, hotspots=hotspots(),
                           gazetteer=gazetteer())
    )  # fmt: skip
    assert external_urls(html) == []
    assert all(link.startswith("/app/static/vendor/") for link in asset_links(html))
    # markers: the place names and the three visit numbers; premises are GeoJSON points
    assert html.count("L.marker(") == len(gazetteer()) + 3


@pytest.mark.slow
def test_the_premises_map_at_100k_sightings_is_small(tmp_path):
    """The whole page's map from the database at 100,000 synthetic sightings."""
    from hotspots.db import make_engine, migrate
    from hotspots.db.access import User
    from hotspots.db.demo import load_synthetic
    from hotspots.db.premises_check import premises_check
    from hotspots.gazetteer import load_gazetteer
    from hotspots.synth import generate

    places = load_gazetteer()
    engine = make_engine(f"sqlite:///{tmp_path / 'premises.sqlite'}")
    migrate(engine)
    load_synthetic(engine, generate(sightings=100_000, seed=1, gazetteer=places))
    started = time.perf_counter()
    check = premises_check(engine, User("lic", "licensing"), gazetteer=places)
    html = page_html(
        premises_check_map(check.premises, distance_m=check.distance_m, hotspots=check.hotspots,
                           gazetteer=places)
    )  # fmt: skip
    seconds = time.perf_counter() - started
    engine.dispose()
    size = len(html.encode())
    assert size < LIMIT_BYTES / 5, f"{size / 1e6:.2f} MB"
    assert html.count("L.marker(") <= len(places) + 25
    assert seconds < 60, f"{seconds:.1f} s to count and draw"
