"""Map layers, colours and legend: names, colours per grooming model, escaping, classes."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from hotspots.domain import GROOMING_MODELS, PREMISES_CATEGORIES
from hotspots.maps import (
    GROOMING_MODEL_COLOURS,
    PREMISES_STYLES,
    base_map,
    boundaries_layer,
    class_breaks,
    classify_gistar,
    density_layer,
    escape_text,
    gazetteer_labels,
    gistar_layer,
    grid_layer,
    grooming_model_layer_name,
    grooming_model_layers,
    hotspot_layer,
    premises_layer,
    risky_places_layer,
)
from hotspots.maps.layers import mosaic_part
from hotspots.maps.legend import LegendItem, LegendSection, break_labels, legend_html

HOSTILE = "<img src=x onerror=alert(1)>"
TEMPLATE_BREAKER = "`${alert(2)}`\\"


def cells(n: int = 12, seed: int = 3, size: float = 250.0) -> gpd.GeoDataFrame:
    """n grid cells of `size` metres near Deane, with counts, in EPSG:4326."""
    rng = np.random.default_rng(seed)
    ix, iy = rng.choice(40, n, replace=False), rng.integers(0, 40, n)
    x0, y0 = 369_000 + ix * size, 407_000 + iy * size
    boxes = shapely.box(x0, y0, x0 + size, y0 + size)
    counts = rng.integers(1, 60, n)
    return gpd.GeoDataFrame({"count": counts}, geometry=boxes, crs=27700).to_crs(4326)


def render(*layers: folium.Element) -> str:
    m = base_map()
    for layer in layers:
        layer.add_to(m)
    return m.get_root().render()


def decoded(html: str) -> str:
    """The page with the JSON escapes that JavaScript undoes at run time undone."""
    for code, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&"), ("\\u0027", "'")):
        html = html.replace(code, char)
    return html.replace('\\"', '"')


def assert_escaped(html: str) -> None:
    page = decoded(html)
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "${alert(2)}" not in page


# ---------------------------------------------------------------- colours


def test_six_grooming_models_have_six_distinct_hex_colours():
    assert list(GROOMING_MODEL_COLOURS) == list(GROOMING_MODELS)
    colours = list(GROOMING_MODEL_COLOURS.values())
    assert len(set(colours)) == 6
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours)


def test_grooming_model_colours_are_okabe_ito():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(GROOMING_MODEL_COLOURS.values()) <= okabe_ito


def test_every_premises_category_has_its_own_icon():
    assert set(PREMISES_STYLES) == set(PREMISES_CATEGORIES)
    icons = [style.icon for style in PREMISES_STYLES.values()]
    assert len(set(icons)) == len(icons)


# ---------------------------------------------------------------- grooming models


def test_one_layer_per_grooming_model_in_domain_order_with_its_colour():
    by_model = {code: cells(seed=i) for i, code in enumerate(reversed(list(GROOMING_MODELS)))}
    layers = grooming_model_layers(by_model)
    assert [layer.layer_name for layer in layers] == [
        grooming_model_layer_name(code) for code in GROOMING_MODELS
    ]
    assert layers[0].layer_name == "Grooming model: On-street"
    for code, layer in zip(GROOMING_MODELS, layers, strict=True):
        html = render(layer)
        assert GROOMING_MODEL_COLOURS[code] in html
        others = set(GROOMING_MODEL_COLOURS.values()) - {GROOMING_MODEL_COLOURS[code]}
        assert not any(colour in html for colour in others)


def test_grooming_model_layers_accept_one_long_frame_and_skip_absent_models():
    long = pd.concat(
        [cells(seed=1).assign(grooming_model="party"), cells(seed=2).assign(grooming_model="lone")]
    )
    layers = grooming_model_layers(gpd.GeoDataFrame(long, crs=4326))
    assert [layer.layer_name for layer in layers] == [
        "Grooming model: Party",
        "Grooming model: Lone offender",
    ]


def test_unknown_grooming_model_is_refused_with_the_valid_codes():
    with pytest.raises(ValueError, match=r"unknown grooming model 'street'.*on_street"):
        grooming_model_layers({"street": cells()})


def test_grooming_model_layers_merge_each_class_into_one_feature_with_its_range():
    grid = cells(n=30)
    grid["count"] = [1] * 20 + list(range(2, 12))
    html = render(*grooming_model_layers({"boyfriend": grid}))
    assert html.count('"type": "Feature"') == 5
    assert html.count('"type": "MultiPolygon"') == 5
    for text in ("Boyfriend: 1 sighting per cell", "Boyfriend: 10–11 sightings per cell"):
        assert text in decoded(html).replace("\\u2013", "–")


def test_mosaic_puts_each_model_in_its_own_sixth_of_the_cell():
    cell = cells(n=1)
    parts = [mosaic_part(cell, code).to_crs(27700).geometry.iloc[0] for code in GROOMING_MODELS]
    whole = cell.to_crs(27700).geometry.iloc[0]
    assert all(part.area == pytest.approx(whole.area / 6, rel=1e-3) for part in parts)
    assert all(whole.buffer(0.01).contains(part) for part in parts)
    union = shapely.union_all(parts)
    assert union.area == pytest.approx(whole.area, rel=1e-3)


# ---------------------------------------------------------------- grid, density, Gi*


def test_grid_layer_shades_by_class_and_drops_empty_cells():
    grid = cells(n=20)
    grid.loc[grid.index[0], "count"] = 0
    layer = grid_layer(grid, "count", "Sightings")
    html = render(layer)
    assert layer.layer_name == "Sightings"
    assert html.count('"type": "Feature"') == 19
    assert "#BD0026" in html  # the darkest class is used by the busiest cell


def test_grid_layer_tooltips_carry_formatted_numbers():
    grid = cells(n=1)
    grid["count"] = 1234
    assert "1,234 sightings" in render(grid_layer(grid, "count", "Sightings"))


def test_layers_refuse_frames_without_a_crs_or_column():
    no_crs = cells().set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="no CRS"):
        grid_layer(no_crs, "count", "Sightings")
    with pytest.raises(ValueError, match=r"lacks column.*total"):
        grid_layer(cells(), "total", "Sightings")


def test_density_layer_leaves_out_the_faint_tail():
    grid = cells(n=10)
    grid["density"] = np.linspace(0.001, 1.0, 10)
    html = render(density_layer(grid, floor=0.5))
    assert html.count('"type": "Feature"') == 5


def test_gistar_layer_reads_the_analysis_gi_bin_columns():
    grid = cells(n=4)
    grid["gi_bin"] = [3, -2, 0, 1]
    grid["gi_z"] = [3.2, -2.3, 0.1, 1.7]
    grid["p_fdr"] = [0.001, 0.03, 0.9, 0.08]
    grid["gi_class"] = ["Hot spot - 99% confidence", "Cold spot - 95% confidence",
                        "Not significant", "Hot spot - 90% confidence"]  # fmt: skip
    html = render(gistar_layer(grid))
    assert html.count('"type": "Feature"') == 3
    assert "Hot spot, 99% confidence (z = 3.20)" in html
    assert "Cold spot, 95% confidence (z = -2.30)" in html


def test_gistar_layer_says_which_columns_it_needs():
    with pytest.raises(ValueError, match="gi_bin"):
        gistar_layer(cells(n=2))


def test_classify_gistar_and_layer_drop_not_significant_cells():
    grid = cells(n=4)
    grid["z"], grid["p"] = [3.0, -2.5, 0.2, 1.9], [0.001, 0.02, 0.7, 0.07]
    assert classify_gistar(grid["z"], grid["p"]).tolist() == [
        "hot_99",
        "cold_95",
        "not_significant",
        "hot_90",
    ]
    html = render(gistar_layer(grid))
    assert html.count('"type": "Feature"') == 3
    assert "Hot spot, 99% confidence (z = 3.00)" in html


def test_class_breaks_split_ties_then_the_rest():
    # 90 ones take the first class; 2..11 are then split 4 ways by successive lower quantiles:
    # 2..11 at 1/4 -> 4; 5..11 at 1/3 -> 7; 8..11 at 1/2 -> 9; the last class ends at the max.
    assert class_breaks([1] * 90 + list(range(2, 12))) == (1.0, 4.0, 7.0, 9.0, 11.0)
    assert break_labels([1.0, 3.0, 11.0], 1.0) == ["1", "2–3", "4–11"]


# ---------------------------------------------------------------- escaping


def hotspots_frame() -> gpd.GeoDataFrame:
    """One hotspot with the columns of hotspots.analysis.clusters.find_clusters."""
    shape = shapely.Point(-2.4585, 53.5745).buffer(0.004)
    models = {f"grooming_{code}": [0] for code in GROOMING_MODELS}
    models |= {"grooming_on_street": [600], "grooming_group": [212]}
    return gpd.GeoDataFrame(
        {
            "hotspot_id": [7],
            "name": [f"Deane {HOSTILE} {TEMPLATE_BREAKER}"],
            "sightings": [812],
            "distinct_people": [23],
            "main_grooming_model": ["on_street"],
            **models,
            "top_indicators": ["risky_area|mfh_return"],
            "first_seen": [pd.Timestamp("2024-01-03 19:00")],
            "last_seen": [pd.Timestamp("2025-02-28 22:10")],
            "peak_hours": ["19:00–22:00"],
            "area_km2": [0.4567],
            "emerging": [HOSTILE],
        },
        geometry=[shape],
        crs=4326,
    )


def test_hotspot_popup_shows_escaped_name_and_statistics():
    html = render(hotspot_layer(hotspots_frame()))
    assert_escaped(html)
    page = decoded(html).replace("\\u2013", "–").replace("\\u00b2", "²")
    for text in (
        "Sightings</th><td>812",
        "Distinct young people</th><td>23",
        "Main grooming model</th><td>On-street",
        "On-street (600), Group offender (212)",
        "Seen in risky areas, Returning from missing from home",
        "03 Jan 2024 – 28 Feb 2025",
        "19:00–22:00",
        "0.46 km²",
    ):
        assert text in page, text
    assert GROOMING_MODEL_COLOURS["on_street"] in html


def test_hotspot_popup_accepts_older_column_names_and_skips_missing_ones():
    frame = gpd.GeoDataFrame(
        {"name": ["Halliwell"], "young_people": [4], "grooming_models": ["party|boyfriend"],
         "sightings": [None]},
        geometry=[shapely.Point(-2.444, 53.5925).buffer(0.003)],
        crs=4326,
    )  # fmt: skip
    page = decoded(render(hotspot_layer(frame)))
    assert "Distinct young people</th><td>4" in page
    assert "Grooming models</th><td>Party, Boyfriend" in page
    assert "Sightings" not in page


def test_premises_layers_per_category_with_escaped_popups():
    premises = gpd.GeoDataFrame(
        {
            "name": [HOSTILE, TEMPLATE_BREAKER, "Cab co", "Arcade", "Unknown"],
            "category": ["hotel", "takeaway", "taxi_office", "arcade", None],
            "licence_ref": ["L/1", HOSTILE, None, None, None],
            "sightings": [3, 1, None, None, None],
            "in_hotspot": [True, False, None, None, None],
        },
        geometry=gpd.points_from_xy(
            [-2.43, -2.455, -2.44, -2.42, -2.41], [53.578, 53.575, 53.58, 53.57, 53.56]
        ),
        crs=4326,
    )
    layers = premises_layer(premises)
    assert [layer.layer_name for layer in layers] == [
        "Premises: Takeaway",
        "Premises: Hotel",
        "Premises: Taxi office",
        "Premises: Other",
    ]
    html = render(*layers)
    assert_escaped(html)
    for category in ("hotel", "takeaway", "taxi_office"):
        assert PREMISES_STYLES[category].icon in html
    assert "In a current hotspot" in decoded(html)


def test_risky_places_gazetteer_and_boundaries_escape_names():
    risky = gpd.GeoDataFrame(
        {"name": [HOSTILE], "young_people": [6], "sightings": [14]},
        geometry=gpd.points_from_xy([-2.447], [53.5655]),
        crs=4326,
    )
    gazetteer = pd.DataFrame(
        {"name": [HOSTILE, TEMPLATE_BREAKER], "lat": [53.57, 53.58], "lon": [-2.45, -2.43]}
    )
    areas = gpd.GeoDataFrame(
        {"name": [HOSTILE]}, geometry=[shapely.box(-2.47, 53.56, -2.44, 53.59)], crs=4326
    )
    for layer in (risky_places_layer(risky), gazetteer_labels(gazetteer), boundaries_layer(areas)):
        html = render(layer)
        page = decoded(html)
        assert HOSTILE not in page and "${alert(2)}" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_boundaries_carry_the_os_ons_attribution():
    areas = gpd.GeoDataFrame(
        {"name": ["Halliwell"]}, geometry=[shapely.box(-2.46, 53.58, -2.43, 53.60)], crs=4326
    )
    html = render(boundaries_layer(areas))
    assert "Contains National Statistics and OS data" in html
    assert "Crown copyright and database right" in decoded(html.replace("\\u00a9", "©"))


def test_escape_text_closes_html_and_template_literals():
    assert escape_text(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape_text(TEMPLATE_BREAKER) == "&#96;&#36;{alert(2)}&#96;&#92;"
    assert escape_text("\"quoted\" & 'single'") == "&quot;quoted&quot; &amp; &#x27;single&#x27;"
    assert escape_text(float("nan")) == ""


# ---------------------------------------------------------------- legend


def test_legend_escapes_labels_and_refuses_unsafe_colours():
    section = LegendSection(HOSTILE, (LegendItem(HOSTILE, "#123456"),), note=HOSTILE)
    html = legend_html([section], title=HOSTILE)
    assert HOSTILE not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") == 4
    with pytest.raises(ValueError, match="not a #rgb"):
        LegendItem("x", "red;background:url(https://evil.example)")
    with pytest.raises(ValueError, match="CSS class"):
        LegendItem("x", "#fff", "icon", 'fa" onmouseover="alert(1)')


def test_mosaic_of_hexagonal_cells_stays_inside_each_hexagon():
    radius = 250 / np.sqrt(3)
    angles = np.deg2rad(30 + 60 * np.arange(7))
    hexagon = shapely.Polygon(np.column_stack([np.cos(angles), np.sin(angles)]) * radius)
    cell = gpd.GeoDataFrame(
        {"count": [5]}, geometry=[shapely.affinity.translate(hexagon, 369_000, 407_000)], crs=27700
    )
    parts = [mosaic_part(cell, code).to_crs(27700).geometry.iloc[0] for code in GROOMING_MODELS]
    whole = cell.geometry.iloc[0]
    assert all(whole.buffer(0.01).contains(part) for part in parts)
    assert shapely.union_all(parts).area == pytest.approx(whole.area, rel=1e-3)
