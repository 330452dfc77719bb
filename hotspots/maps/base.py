"""The empty map every other map starts from: local assets, no third-party tiles.

With no tile server configured the map has a plain background; boundaries and place names are
the basemap. A force's own tile server (the HOTSPOTS_TILE_URL setting) can be passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import folium
from branca.element import MacroElement
from folium.template import Template

from hotspots.maps.assets import ensure_local_assets
from hotspots.maps.colours import MAP_BACKGROUND
from hotspots.maps.text import escape_text

#: Bolton town centre, the default centre of the maps.
BOLTON_CENTRE: Final[tuple[float, float]] = (53.578, -2.429)

BOUNDARY_ATTRIBUTION: Final[str] = (
    "Contains National Statistics and OS data © Crown copyright and database right"
)
DEFAULT_TILE_ATTRIBUTION: Final[str] = "Map tiles: configured tile server"


#: Zoom below which the smaller place names are hidden, so the whole borough stays legible.
MINOR_LABEL_MIN_ZOOM: Final[int] = 12

_MAP_CSS = (
    ".leaflet-control-layers{font:12px/1.4 system-ui,sans-serif}"
    ".leaflet-control-layers label{margin:1px 0}"
    ".hotspots-hide-minor .hotspots-place-minor{display:none}"
)


class MapStyle(MacroElement):
    """The map's own look: a plain background (the 'basemap' when there are no tiles), compact
    controls, and minor place names hidden when zoomed far out.

    Done in the map's script, because streamlit-folium keeps the script but not the page head.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            if (!document.getElementById("hotspots-map-style")) {
                var style = document.createElement("style");
                style.id = "hotspots-map-style";
                style.textContent = {{ this.css|tojson }};
                document.head.appendChild(style);
            }
            map.getContainer().style.background = {{ this.colour|tojson }};
            function declutter() {
                map.getContainer().classList.toggle(
                    "hotspots-hide-minor", map.getZoom() < {{ this.minor_min_zoom }});
            }
            map.on("zoomend", declutter);
            declutter();
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, colour: str = MAP_BACKGROUND, minor_min_zoom: int = MINOR_LABEL_MIN_ZOOM
    ) -> None:
        super().__init__()
        self._name = "MapStyle"
        self.colour = colour
        self.css = _MAP_CSS
        self.minor_min_zoom = int(minor_min_zoom)


def base_map(
    center: Sequence[float] | None = None,
    zoom: int = 12,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
) -> folium.Map:
    """An empty map served entirely from this machine.

    Parameters
    ----------
    center : (lat, lon) in WGS84; Bolton town centre when omitted.
    zoom : initial zoom level.
    tile_url : a tile URL template such as ``https://tiles.example.police.uk/{z}/{x}/{y}.png``;
        none by default, so no tile is ever fetched.
    tile_attribution : plain text shown with those tiles (escaped; no HTML).
    """
    ensure_local_assets()
    m = folium.Map(
        location=list(center or BOLTON_CENTRE),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
    )
    MapStyle().add_to(m)
    if tile_url:
        folium.TileLayer(
            tiles=tile_url,
            attr=escape_text(tile_attribution or DEFAULT_TILE_ATTRIBUTION),
            name="Base map",
            overlay=False,
            control=False,
            max_zoom=19,
        ).add_to(m)
    return m
