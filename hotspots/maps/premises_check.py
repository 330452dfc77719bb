"""The Premises checker's map: current hotspots, the premises found with the intelligence at
and near each, the distance searched around those first on the visit list, and their order.

Everything drawn is a premises, an outline or a ring: no sighting is drawn, so the page is
the same size at 20,000 sightings as at a million.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import folium
import pandas as pd
from geopandas import GeoDataFrame

from hotspots.analysis.premises_check import TREND_LABELS
from hotspots.domain import CRS_BNG, CRS_WGS84
from hotspots.maps.base import base_map
from hotspots.maps.colours import PREMISES_STYLES, premises_category, premises_label
from hotspots.maps.geojson import bounds_latlon, feature_collection, point_latlon, to_wgs84
from hotspots.maps.layers import (
    add_layer_control,
    boundaries_layer,
    gazetteer_labels,
    hotspot_layer,
    premises_layer,
)
from hotspots.maps.legend import (
    LegendItem,
    LegendSection,
    add_legend,
    boundaries_legend,
    hotspot_legend,
    premises_legend,
)
from hotspots.maps.text import escape_text, format_number, plural

#: The first premises of the visit list get a number and a ring on the map.
VISIT_MARKERS: Final[int] = 25
VISIT_COLOUR: Final[str] = "#1A1A1A"
SEARCH_COLOUR: Final[str] = "#4D4D4D"
HOTSPOTS_LAYER: Final[str] = "Current hotspots"
FIT_MAX_ZOOM: Final[int] = 16
NO_PREMISES: Final[str] = "No premises match the search."


def visit_layer_name(count: int) -> str:
    return f"Visit order (first {count})"


def search_layer_name(distance_m: float) -> str:
    return f"Searched within {format_number(round(distance_m))} m"


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, list | tuple) and bool(pd.isna(value)))


def check_popup(distance_m: float) -> Callable[[Mapping[str, Any]], str]:
    """A popup builder for one premises of the checker: what is known at and near it."""
    within = f"Other sightings within {format_number(round(distance_m))} m"

    def popup(row: Mapping[str, Any]) -> str:
        rows = [
            ("Category", premises_label(str(row.get("category", "other")))),
            ("Licence", None if _missing(row.get("licence_ref")) else row["licence_ref"]),
            ("Visit order", None if _missing(row.get("rank")) else format_number(row["rank"])),
            ("Sightings at the premises", format_number(row.get("linked", 0))),
            (within, format_number(row.get("nearby", 0)) if distance_m > 0 else None),
            ("Different young people", format_number(row.get("young_people", 0))),
            ("Current hotspot", "none" if _missing(row.get("hotspot")) else row["hotspot"]),
            ("Trend", _trend_text(row)),
            ("Latest", None if _missing(row.get("last_month")) else row["last_month"]),
        ]
        # One line a fact, broken by the style rather than by tags: a register of a thousand
        # premises carries a thousand popups, and every tag costs bytes (escaped in JSON).
        lines = "\n".join(
            f"{escape_text(label)}: {escape_text(value)}"
            for label, value in rows
            if value is not None
        )
        return f'<div style="white-space:pre-line"><b>{escape_text(row["name"])}</b>\n{lines}</div>'

    return popup


def _trend_text(row: Mapping[str, Any]) -> str | None:
    trend = row.get("trend")
    if _missing(trend):
        return None
    label = TREND_LABELS.get(str(trend), str(trend))
    if _missing(row.get("recent")) or _missing(row.get("earlier")):
        return label
    recent, earlier = format_number(row["recent"]), format_number(row["earlier"])
    return f"{label} ({recent} in the last 6 months, {earlier} in the 6 before)"


def _visit_icon(rank: int) -> folium.DivIcon:
    html = (
        f'<div style="width:20px;height:20px;border-radius:50%;background:{VISIT_COLOUR};'
        "color:#fff;border:2px solid #fff;box-shadow:0 0 2px rgba(0,0,0,.6);font:700 11px/20px "
        f'system-ui,sans-serif;text-align:center">{int(rank)}</div>'
    )
    # Anchored below and to the left of the number, so it sits above right of the premises icon.
    return folium.DivIcon(
        html=html, icon_size=(24, 24), icon_anchor=(-4, 30), class_name="hotspots-visit-order"
    )


def visit_order_layer(visits: GeoDataFrame, name: str) -> folium.FeatureGroup:
    """A numbered marker beside each premises of `visits` [rank, name, geometry]."""
    group = folium.FeatureGroup(name=escape_text(name))
    for row in to_wgs84(visits, "visits").to_dict("records"):
        folium.Marker(
            point_latlon(row["geometry"]),
            icon=_visit_icon(int(row["rank"])),
            tooltip=escape_text(f"{int(row['rank'])}. {row['name']}"),
        ).add_to(group)
    return group


def search_area_layer(visits: GeoDataFrame, distance_m: float) -> folium.FeatureGroup:
    """A dashed ring `distance_m` metres around each premises of `visits`."""
    rings = visits.to_crs(CRS_BNG).buffer(distance_m, quad_segs=12).to_crs(CRS_WGS84)
    props = [
        {"t": escape_text(f"Within {format_number(round(distance_m))} m of {name}")}
        for name in visits["name"]
    ]
    style = {"color": SEARCH_COLOUR, "weight": 1.2, "dashArray": "5 4", "fillOpacity": 0.04}
    group = folium.FeatureGroup(name=escape_text(search_layer_name(distance_m)))
    folium.GeoJson(
        feature_collection(GeoDataFrame(geometry=rings, crs=CRS_WGS84), props),
        style_function=lambda _feature: style,
        tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True),
    ).add_to(group)
    return group


def premises_check_map(
    premises: GeoDataFrame,
    *,
    distance_m: float,
    hotspots: GeoDataFrame | None = None,
    boundaries: GeoDataFrame | None = None,
    gazetteer: pd.DataFrame | None = None,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    visit_markers: int = VISIT_MARKERS,
) -> folium.Map:
    """The Premises checker's map, drawn bottom to top: boundaries, current hotspots, rings
    `distance_m` metres around the first `visit_markers` premises of the visit list, the
    premises found (one layer per category, each with its counts in a popup), their visit
    order, place names; then the legend and the layer control. The map opens on the
    premises numbered (else on every premises found, else on the hotspots).

    Parameters
    ----------
    premises : the premises found [name, category, geometry, and the counts of
        `hotspots.db.premises_check.PremisesCheck.premises`: rank, linked, nearby,
        young_people, hotspot, trend, recent, earlier, last_month, licence_ref].
    distance_m : the distance searched around each premises, metres (0: none drawn).
    hotspots : current hotspot outlines [name, geometry, optional counts].
    boundaries, gazetteer : area outlines and place names for the basemap.
    """
    m = base_map(tile_url=tile_url, tile_attribution=tile_attribution)
    sections: list[LegendSection] = []
    if boundaries is not None and not boundaries.empty:
        boundaries_layer(boundaries).add_to(m)
        sections.append(boundaries_legend())
    if hotspots is not None and not hotspots.empty:
        hotspot_layer(hotspots, name=HOTSPOTS_LAYER).add_to(m)
        sections.append(hotspot_legend())
    ranked = premises[premises["rank"].notna()] if "rank" in premises.columns else premises[:0]
    visits = ranked.sort_values("rank", kind="stable").head(visit_markers)
    if distance_m > 0 and not visits.empty:
        search_area_layer(visits, distance_m).add_to(m)
        item = LegendItem(f"Within {format_number(round(distance_m))} m", SEARCH_COLOUR, "line")
        sections.append(LegendSection("Area searched", (item,), _first(len(visits))))
    if not premises.empty:
        for layer in premises_layer(premises, popup=check_popup(distance_m)):
            layer.add_to(m)
        categories = premises["category"].map(premises_category)
        sections.append(premises_legend(c for c in PREMISES_STYLES if (categories == c).any()))
    else:
        sections.append(LegendSection("Premises", (), NO_PREMISES))
    if not visits.empty:
        visit_order_layer(visits, visit_layer_name(len(visits))).add_to(m)
        item = LegendItem("1 = visit first", VISIT_COLOUR, "circle")
        sections.append(LegendSection("Visit order", (item,), _first(len(visits))))
    if gazetteer is not None and not gazetteer.empty:
        gazetteer_labels(gazetteer).add_to(m)
    add_legend(m, sections)
    add_layer_control(m)
    _fit(m, visits if not visits.empty else premises if not premises.empty else hotspots)
    return m


def _first(count: int) -> str:
    return f"Shown for the first {plural(count, 'premises', 'premises')} of the visit list."


def _fit(m: folium.Map, frame: GeoDataFrame | None) -> None:
    if frame is None or frame.empty:
        return
    bounds = bounds_latlon(to_wgs84(frame, "map data"))
    if bounds is not None:
        m.fit_bounds(bounds, max_zoom=FIT_MAX_ZOOM, padding=(30, 30))
