"""One function per map layer, each turning a frame into a named folium FeatureGroup.

Layers aggregate: grid cells, hotspot polygons and premises, never one marker per sighting.
Every string that came from a record or a user is escaped with `escape_text` before it reaches
a popup, tooltip or label. Frames may be in any CRS; they are drawn in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame

from hotspots.domain import CRS_BNG, CRS_WGS84, GROOMING_MODELS, INDICATORS, split_codes
from hotspots.maps.base import BOUNDARY_ATTRIBUTION
from hotspots.maps.classes import class_breaks, class_index, classify_gistar
from hotspots.maps.colours import (
    BOUNDARY_COLOUR,
    COUNT_PALETTE,
    DENSITY_PALETTE,
    GISTAR_CLASSES,
    HOTSPOT_OUTLINE,
    LABEL_COLOUR,
    PREMISES_STYLES,
    RISKY_PLACE_FILL,
    RISKY_PLACE_OUTLINE,
    grooming_model_colour,
    premises_category,
    premises_label,
    premises_style,
)
from hotspots.maps.geojson import (
    feature_collection,
    point_latlon,
    require_columns,
    to_wgs84,
)
from hotspots.maps.legend import break_labels
from hotspots.maps.text import escape_text, format_number, plural

Style = dict[str, Any]

# ---------------------------------------------------------------- shaded cells


def _cells_geojson(
    cells: GeoDataFrame, properties: list[dict[str, Any]], style: Callable[[dict], Style]
) -> folium.GeoJson:
    return folium.GeoJson(
        feature_collection(cells, properties),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True),
    )


def _positive(gdf: GeoDataFrame, value_col: str) -> GeoDataFrame:
    values = pd.to_numeric(gdf[value_col], errors="coerce")
    return gdf[values.notna() & (values > 0)]


def _classed_layer(
    cells: GeoDataFrame,
    value_col: str,
    name: str,
    breaks: Sequence[float],
    palette: Sequence[str],
    label: Callable[[float], str],
    show: bool,
) -> folium.FeatureGroup:
    values = cells[value_col].astype(float).to_numpy()
    index = class_index(values, breaks) if len(breaks) else np.zeros(len(values), dtype=int)
    props = [{"c": int(i), "t": escape_text(label(v))} for i, v in zip(index, values, strict=True)]

    def style(feature: dict) -> Style:
        colour = palette[min(feature["properties"]["c"], len(palette) - 1)]
        return {"fillColor": colour, "color": colour, "weight": 0.5, "fillOpacity": 0.65}

    group = folium.FeatureGroup(name=escape_text(name), show=show)
    if not cells.empty:
        _cells_geojson(cells, props, style).add_to(group)
    return group


def grid_layer(
    cells_gdf: GeoDataFrame,
    value_col: str,
    name: str,
    *,
    breaks: Sequence[float] | None = None,
    unit: str = "sighting",
    palette: Sequence[str] = COUNT_PALETTE,
    show: bool = True,
) -> folium.FeatureGroup:
    """Grid cells shaded by `value_col` in quantile classes, each with a tooltip of its value.

    Cells with no value or a value of 0 are left out. Pass `breaks` (from
    `classes.class_breaks`) to share them with the legend; otherwise they are computed here.
    """
    require_columns(cells_gdf, [value_col, "geometry"], "cells_gdf")
    cells = to_wgs84(_positive(cells_gdf, value_col), "cells_gdf")
    used = class_breaks(cells[value_col], len(palette)) if breaks is None else tuple(breaks)

    def label(value: float) -> str:
        return plural(int(value), unit) if float(value).is_integer() else format_number(value)

    return _classed_layer(cells, value_col, name, used, palette, label, show)


def density_layer(
    density_gdf: GeoDataFrame,
    value_col: str = "density",
    name: str = "Density surface (KDE)",
    *,
    breaks: Sequence[float] | None = None,
    floor: float = 0.05,
    show: bool = True,
) -> folium.FeatureGroup:
    """The kernel density surface as shaded cells; cells under `floor` times the maximum are left
    out, which keeps the surface readable and the page small."""
    cells = density_cells(density_gdf, value_col, floor)
    used = class_breaks(cells[value_col], len(DENSITY_PALETTE)) if breaks is None else breaks
    return _classed_layer(cells, value_col, name, tuple(used), DENSITY_PALETTE, format_number, show)


def density_cells(
    density_gdf: GeoDataFrame, value_col: str = "density", floor: float = 0.05
) -> GeoDataFrame:
    """The density cells worth drawing: at least `floor` times the maximum, in EPSG:4326."""
    require_columns(density_gdf, [value_col, "geometry"], "density_gdf")
    cells = to_wgs84(_positive(density_gdf, value_col), "density_gdf")
    if cells.empty:
        return cells
    return cells[cells[value_col].astype(float) >= floor * float(cells[value_col].max())]


def gistar_layer(
    gistar_gdf: GeoDataFrame, name: str = "Gi* hot and cold spots", *, show: bool = True
) -> folium.FeatureGroup:
    """Grid cells that are statistically significant hot or cold spots, by confidence.

    Reads the classes from `gi_bin` (ArcGIS Gi_Bin: +3/+2/+1 hot at 99/95/90 % confidence,
    negative for cold, 0 not significant), as `hotspots.analysis.gistar.hot_spots` gives them;
    else from `gi_class` codes of `colours.GISTAR_CLASSES`; else from a z-score (`gi_z` or
    `z`) and FDR-adjusted p-value (`p_fdr`, `p_value` or `p`). Not-significant cells are left
    out; tooltips give the class and z.
    """
    frame = to_wgs84(gistar_gdf, "gistar_gdf")
    codes = gistar_codes(frame)
    keep = np.isin(codes, list(GISTAR_CLASSES))
    cells, codes = frame[keep], codes[keep]
    z_col = _first_column(cells, ("gi_z", "z"))
    z = cells[z_col].to_numpy() if z_col else [None] * len(cells)
    props = [
        {"c": c, "t": escape_text(_gistar_text(c, zv))} for c, zv in zip(codes, z, strict=True)
    ]

    def style(feature: dict) -> Style:
        colour = GISTAR_CLASSES[feature["properties"]["c"]][1]
        return {"fillColor": colour, "color": colour, "weight": 0.5, "fillOpacity": 0.7}

    group = folium.FeatureGroup(name=escape_text(name), show=show)
    if not cells.empty:
        _cells_geojson(cells, props, style).add_to(group)
    return group


_GI_BIN_CODES = {3: "hot_99", 2: "hot_95", 1: "hot_90", -1: "cold_90", -2: "cold_95", -3: "cold_99"}


def _first_column(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def gistar_codes(frame: pd.DataFrame) -> np.ndarray:
    """The `GISTAR_CLASSES` code of each cell ("not_significant" for the rest)."""
    if "gi_bin" in frame.columns:
        bins = pd.to_numeric(frame["gi_bin"], errors="coerce").fillna(0).astype(int)
        return bins.map(_GI_BIN_CODES).fillna("not_significant").to_numpy(dtype=object)
    if "gi_class" in frame.columns and frame["gi_class"].isin(list(GISTAR_CLASSES)).any():
        return frame["gi_class"].astype(str).to_numpy(dtype=object)
    z_col, p_col = (
        _first_column(frame, ("gi_z", "z")),
        _first_column(frame, ("p_fdr", "p_value", "p")),
    )
    if z_col is None or p_col is None:
        raise ValueError(
            "gistar_gdf needs gi_bin, gi_class codes, or a z-score (gi_z or z) and a p-value "
            f"(p_fdr, p_value or p); it has {', '.join(map(str, frame.columns))}"
        )
    return classify_gistar(frame[z_col], frame[p_col])


def _gistar_text(code: str, z: float | None) -> str:
    label = GISTAR_CLASSES[code][0]
    return label if z is None or pd.isna(z) else f"{label} (z = {float(z):.2f})"


# ---------------------------------------------------------------- grooming models


def cells_per_model(
    cells_by_model: Mapping[str, GeoDataFrame] | GeoDataFrame,
) -> dict[str, GeoDataFrame]:
    """Grooming-model code -> its cells, from a mapping or a frame with `grooming_model`."""
    if isinstance(cells_by_model, GeoDataFrame):
        require_columns(cells_by_model, ["grooming_model"], "cells_by_model")
        return {str(k): g for k, g in cells_by_model.groupby("grooming_model", sort=False)}
    return dict(cells_by_model)


def grooming_model_layers(
    cells_by_model: Mapping[str, GeoDataFrame] | GeoDataFrame,
    *,
    value_col: str = "count",
    mosaic: bool = True,
    show: bool = True,
) -> list[folium.FeatureGroup]:
    """One layer per grooming model, its cells in the model's colour, darker where busier.

    `cells_by_model` maps a grooming-model code to its grid cells [count, geometry], or is one
    frame with a `grooming_model` column. Layers come in the domain's order, named
    "Grooming model: <label>"; models with no cells get no layer. With `mosaic` (the default)
    each model fills its own sixth of a cell (a 3 x 2 mosaic), so six models seen in one
    cell sit side by side instead of blending into one muddy colour.
    """
    per_model = cells_per_model(cells_by_model)
    for code in per_model:
        grooming_model_colour(code)  # raises on an unknown code, naming the valid ones
    return [
        _model_layer(code, per_model[code], value_col, mosaic, show)
        for code in GROOMING_MODELS
        if code in per_model and not _positive(per_model[code], value_col).empty
    ]


def grooming_model_layer_name(code: str) -> str:
    """The layer-control name of a grooming model's layer."""
    return f"Grooming model: {GROOMING_MODELS[code]}"


#: Where each grooming model sits inside a grid cell: (column, row) of a 3 x 2 mosaic.
_MOSAIC: dict[str, tuple[int, int]] = {
    code: (i % 3, i // 3) for i, code in enumerate(GROOMING_MODELS)
}


def mosaic_part(cells: GeoDataFrame, code: str) -> GeoDataFrame:
    """Each cell cut down to the model's part of a 3 x 2 mosaic of its bounding box, worked
    out on the British National Grid and returned in EPSG:4326. Square cells split into six
    equal squares; hexagonal cells are clipped to the hexagon, so parts never overlap."""
    column, row = _MOSAIC[code]
    bng = cells.to_crs(CRS_BNG)
    box = bng.geometry.bounds
    width, height = (box.maxx - box.minx) / 3, (box.maxy - box.miny) / 2
    west, north = box.minx + column * width, box.maxy - row * height
    parts = shapely.box(west, north - height, west + width, north)
    clipped = shapely.intersection(parts, bng.geometry.to_numpy())
    return bng.set_geometry(clipped).to_crs(CRS_WGS84)


def _model_layer(
    code: str, cells_gdf: GeoDataFrame, value_col: str, mosaic: bool, show: bool
) -> folium.FeatureGroup:
    what = f"cells for grooming model {code!r}"
    require_columns(cells_gdf, [value_col, "geometry"], what)
    cells = to_wgs84(_positive(cells_gdf, value_col), what)
    cells = mosaic_part(cells, code) if mosaic else cells
    colour = grooming_model_colour(code)

    def style(feature: dict) -> Style:
        opacity = 0.3 + 0.15 * feature["properties"]["c"]
        return {"fillColor": colour, "color": colour, "weight": 0.3, "fillOpacity": opacity}

    group = folium.FeatureGroup(name=escape_text(grooming_model_layer_name(code)), show=show)
    _cells_geojson(*_merged_classes(cells, value_col, GROOMING_MODELS[code]), style).add_to(group)
    return group


def _merged_classes(
    cells: GeoDataFrame, value_col: str, label: str
) -> tuple[GeoDataFrame, list[dict[str, Any]]]:
    """One multipolygon per class of `value_col`, so a layer of thousands of cells is a handful
    of features: a smaller page, and a handful of SVG paths for the browser to draw. Tooltips
    give the class ("On-street: 4 to 8 sightings per cell") rather than each cell's count."""
    values = cells[value_col].astype(float).to_numpy()
    breaks = class_breaks(values, 5)
    index = class_index(values, breaks)
    ranges = break_labels(breaks, float(values.min())) if len(values) else []
    classes = sorted(set(index.tolist()))
    parts = cells.geometry.to_numpy()
    merged = [_combine(parts[index == k]) for k in classes]
    props = [{"c": k, "t": escape_text(f"{label}: {_per_cell(ranges[k])}")} for k in classes]
    return GeoDataFrame(geometry=merged, crs=CRS_WGS84), props


def _combine(polygons: np.ndarray) -> shapely.Geometry:
    """One geometry of many: a plain multipolygon when all are polygons (fast), else a union."""
    if np.all(shapely.get_type_id(polygons) == shapely.GeometryType.POLYGON):
        return shapely.multipolygons(polygons)
    return shapely.union_all(polygons)


def _per_cell(count_range: str) -> str:
    return f"{count_range} sighting{'' if count_range == '1' else 's'} per cell"


# ---------------------------------------------------------------- hotspots


def _first_present(row: Mapping[str, Any], names: Sequence[str]) -> Any:
    return next((row[n] for n in names if n in row and not _missing(row[n])), None)


def _model_mix(row: Mapping[str, Any]) -> str | None:
    """'On-street (12), Group offender (4)' from grooming_<code> counts, else stored codes."""
    counts = {c: row.get(f"grooming_{c}") for c in GROOMING_MODELS}
    counts = {c: int(n) for c, n in counts.items() if not _missing(n) and n > 0}
    if counts:
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        return ", ".join(f"{GROOMING_MODELS[c]} ({format_number(n)})" for c, n in ranked)
    stored = row.get("grooming_models")
    return _labels(stored, GROOMING_MODELS) if isinstance(stored, str) else None


def _labels(stored: object, vocabulary: Mapping[str, str]) -> str | None:
    codes = split_codes(stored) if isinstance(stored, str) else []
    return ", ".join(vocabulary.get(c, c) for c in codes) or None


def _period(row: Mapping[str, Any]) -> str | None:
    first, last = row.get("first_seen"), row.get("last_seen")
    if _missing(first) or _missing(last):
        return None if _missing(row.get("period")) else str(row["period"])
    return f"{pd.Timestamp(first):%d %b %Y} – {pd.Timestamp(last):%d %b %Y}"


def _number(value: object, suffix: str = "") -> str | None:
    return None if _missing(value) else f"{format_number(value)}{suffix}"


def _area(value: object) -> str | None:
    return None if _missing(value) else f"{float(value):.2f} km²"


#: The rows of a hotspot's popup: label, and how to read it from the row (None: not shown).
#: Column names are those of `hotspots.analysis.clusters` (with a few aliases).
HOTSPOT_POPUP_ROWS: tuple[tuple[str, Callable[[Mapping[str, Any]], str | None]], ...] = (
    ("Sightings", lambda r: _number(r.get("sightings"))),
    (
        "Distinct young people",
        lambda r: _number(_first_present(r, ("distinct_people", "young_people"))),
    ),
    (
        "Main grooming model",
        lambda r: _labels(
            _first_present(r, ("main_grooming_model", "grooming_model")), GROOMING_MODELS
        ),
    ),
    ("Grooming models", _model_mix),
    ("Top indicators", lambda r: _labels(r.get("top_indicators"), INDICATORS)),
    ("Period", _period),
    ("Peak hours", lambda r: None if _missing(r.get("peak_hours")) else str(r["peak_hours"])),
    ("Emerging category", lambda r: None if _missing(r.get("emerging")) else str(r["emerging"])),
    ("Area", lambda r: _area(r.get("area_km2"))),
)


def hotspot_popup_html(row: Mapping[str, Any]) -> str:
    """The popup of one hotspot: its name and the statistics present in `row`, all escaped."""
    shown = [(label, read(row)) for label, read in HOTSPOT_POPUP_ROWS]
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:8px;vertical-align:top'>"
        f"{escape_text(label)}</th><td>{escape_text(value)}</td></tr>"
        for label, value in shown
        if value
    )
    return f"<div><strong>{escape_text(row['name'])}</strong><table>{cells}</table></div>"


def _missing(value: object) -> bool:
    return value is None or (np.isscalar(value) and bool(pd.isna(value)))


def _hotspot_fill(row: Mapping[str, Any]) -> str:
    """The colour of the hotspot's main grooming model, or the outline colour."""
    main = _first_present(row, ("main_grooming_model", "grooming_model"))
    return grooming_model_colour(main) if main in GROOMING_MODELS else HOTSPOT_OUTLINE


def hotspot_layer(
    hotspots_gdf: GeoDataFrame, name: str = "Hotspots", *, show: bool = True
) -> folium.FeatureGroup:
    """Hotspot polygons with their name as tooltip and their statistics in a popup.

    Needs columns `name` and `geometry`; the popup shows whichever of the columns of
    `hotspots.analysis.clusters.find_clusters` are present (`HOTSPOT_POPUP_ROWS`: sightings,
    distinct_people, main_grooming_model, grooming_<code> counts, top_indicators, first_seen
    and last_seen, peak_hours, area_km2; also emerging). The main grooming model tints the
    polygon in that model's colour.
    """
    require_columns(hotspots_gdf, ["name", "geometry"], "hotspots_gdf")
    hotspots = to_wgs84(hotspots_gdf, "hotspots_gdf")
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    for row in hotspots.to_dict("records"):
        _hotspot_polygon(row).add_to(group)
    return group


def _hotspot_polygon(row: dict[str, Any]) -> folium.GeoJson:
    one = GeoDataFrame(geometry=[row["geometry"]], crs="EPSG:4326")
    fill = _hotspot_fill(row)
    style = {"color": HOTSPOT_OUTLINE, "weight": 2.5, "fillColor": fill, "fillOpacity": 0.12}
    return folium.GeoJson(
        feature_collection(one, [{}]),
        style_function=lambda _feature: style,
        highlight_function=lambda _feature: {"weight": 4, "fillOpacity": 0.25},
        tooltip=folium.Tooltip(escape_text(row["name"]), sticky=True),
        popup=folium.Popup(hotspot_popup_html(row), max_width=320),
    )


# ---------------------------------------------------------------- premises and places


def _premises_icon(category: str) -> folium.DivIcon:
    style = premises_style(category)
    html = (
        f'<div style="width:22px;height:22px;border-radius:50%;background:{style.colour};'
        "border:2px solid #fff;box-shadow:0 0 2px rgba(0,0,0,.6);display:flex;"
        'align-items:center;justify-content:center;color:#fff;font-size:11px">'
        f'<i class="{style.icon}" aria-hidden="true"></i></div>'
    )
    return folium.DivIcon(
        html=html, icon_size=(26, 26), icon_anchor=(13, 13), class_name="hotspots-premises"
    )


def premises_popup_html(row: Mapping[str, Any]) -> str:
    """Name, category, licence and intelligence counts of one premises, all escaped."""
    lines = [
        f"<strong>{escape_text(row['name'])}</strong>",
        escape_text(premises_label(str(row.get("category", "other")))),
    ]
    if not _missing(row.get("licence_ref")):
        lines.append(f"Licence: {escape_text(row['licence_ref'])}")
    if not _missing(row.get("sightings")):
        lines.append(escape_text(plural(int(row["sightings"]), "sighting") + " nearby"))
    if not _missing(row.get("in_hotspot")):
        lines.append("In a current hotspot" if bool(row["in_hotspot"]) else "Not in a hotspot")
    return "<div>" + "<br>".join(lines) + "</div>"


def premises_layer_name(category: str) -> str:
    return f"Premises: {premises_label(category)}"


def premises_layer(
    premises_gdf: GeoDataFrame,
    *,
    show: bool = True,
    popup: Callable[[Mapping[str, Any]], str] = premises_popup_html,
) -> list[folium.FeatureGroup]:
    """Premises as icons, one layer per category present, in the domain's order ("Premises:
    Takeaway", "Premises: Hotel", ...).

    Needs `name`, `category` and point `geometry`; shows `licence_ref`, `sightings` (nearby
    intelligence) and `in_hotspot` when present, or what `popup` makes of a row (HTML, every
    value escaped by it). Unknown categories are drawn as "other".
    Each category is one GeoJSON layer whose points share one icon: a register of a thousand
    premises adds a few hundred kilobytes, where a folium Marker each would add 1.7 MB.
    """
    require_columns(premises_gdf, ["name", "category", "geometry"], "premises_gdf")
    premises = to_wgs84(premises_gdf, "premises_gdf")
    categories = premises["category"].map(premises_category)
    groups = []
    for category in [c for c in PREMISES_STYLES if (categories == c).any()]:
        group = folium.FeatureGroup(name=escape_text(premises_layer_name(category)), show=show)
        chosen = premises[categories == category]
        rows = chosen.to_dict("records")
        props = [{"t": escape_text(r["name"]), "p": popup(r)} for r in rows]
        folium.GeoJson(
            feature_collection(chosen, props),
            marker=folium.Marker(icon=_premises_icon(category)),
            tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True),
            popup=folium.GeoJsonPopup(fields=["p"], labels=False, max_width=280),
        ).add_to(group)
        groups.append(group)
    return groups


def risky_places_layer(
    risky_gdf: GeoDataFrame, name: str = "Risky places", *, show: bool = True
) -> folium.FeatureGroup:
    """Places where several different young people are seen; circle size grows with how many.

    Needs `young_people` and point `geometry`; `name` (a label or address pseudonym) and
    `sightings` are shown when present.
    """
    require_columns(risky_gdf, ["young_people", "geometry"], "risky_gdf")
    places = to_wgs84(risky_gdf, "risky_gdf")
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    for row in places.to_dict("records"):
        people = int(row["young_people"])
        text = _risky_place_text(row, people)
        folium.CircleMarker(
            point_latlon(row["geometry"]),
            radius=3 + 1.5 * float(np.sqrt(people)),
            color=RISKY_PLACE_OUTLINE,
            weight=1.5,
            fill=True,
            fill_color=RISKY_PLACE_FILL,
            fill_opacity=0.9,
            tooltip=text,
            popup=folium.Popup(f"<div>{text}</div>", max_width=260),
        ).add_to(group)
    return group


def _risky_place_text(row: Mapping[str, Any], people: int) -> str:
    parts = [escape_text(row["name"])] if not _missing(row.get("name")) else []
    parts.append(escape_text(plural(people, "young person", "young people")))
    if not _missing(row.get("sightings")):
        parts.append(escape_text(plural(int(row["sightings"]), "sighting")))
    return "<br>".join(parts)


def boundaries_layer(
    areas_gdf: GeoDataFrame, name: str = "Boundaries", *, show: bool = True
) -> folium.FeatureGroup:
    """Area outlines (wards, neighbourhoods, beats) with their names; carries the OS/ONS
    attribution, shown while the layer is on."""
    require_columns(areas_gdf, ["name", "geometry"], "areas_gdf")
    areas = to_wgs84(areas_gdf, "areas_gdf")
    props = [{"t": escape_text(n)} for n in areas["name"]]
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    folium.GeoJson(
        feature_collection(areas, props),
        style_function=lambda _f: {"color": BOUNDARY_COLOUR, "weight": 1.2, "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True),
        attribution=BOUNDARY_ATTRIBUTION,
    ).add_to(group)
    return group


def _label_icon(name: str, kind: str) -> folium.DivIcon:
    major = kind in {"town", "centre"}
    html = (
        f'<div style="transform:translate(-50%,-50%);white-space:nowrap;font:600 '
        f"{13 if major else 11}px system-ui,sans-serif;color:{LABEL_COLOUR};"
        f'text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff">{escape_text(name)}</div>'
    )
    classes = "hotspots-place-label" + ("" if major else " hotspots-place-minor")
    return folium.DivIcon(html=html, icon_size=(0, 0), class_name=classes)


def gazetteer_labels(
    gazetteer_df: pd.DataFrame, name: str = "Place names", *, show: bool = True
) -> folium.FeatureGroup:
    """Place names from the gazetteer [name, lat, lon, optional kind] as map labels.

    Towns and the centre (`kind` "town" or "centre") are larger and always shown; other
    places are hidden when the map is zoomed out beyond `base.MINOR_LABEL_MIN_ZOOM`.
    """
    require_columns(gazetteer_df, ["name", "lat", "lon"], "gazetteer_df")
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    for row in gazetteer_df.to_dict("records"):
        folium.Marker(
            [float(row["lat"]), float(row["lon"])],
            icon=_label_icon(str(row["name"]), str(row.get("kind", ""))),
            interactive=False,
            keyboard=False,
        ).add_to(group)
    return group


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.LayerControl:
    """The layer switcher, open by default so people see what can be turned on and off."""
    control = folium.LayerControl(collapsed=collapsed, position="topright")
    control.add_to(m)
    return control
