"""Offline front-end assets: point folium at Leaflet and friends served by this app, not a CDN.

folium asks the browser for Leaflet, jQuery, Bootstrap, Font Awesome and the awesome-markers
and markercluster plugins from CDNs; with no internet the map stays blank. The set-up command
runs `scripts/fetch_assets.py`, which copies the files listed in `VENDOR_PACKAGES` from the npm
registry into `static/vendor/`; Streamlit serves that folder at `/app/static/vendor/`
(`[server] enableStaticServing = true`). `use_local_assets` rewrites folium's class-level
asset lists to those local URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import folium
import folium.plugins

#: Where Streamlit serves `static/vendor/` when static serving is on.
DEFAULT_BASE_URL: Final[str] = "/app/static/vendor"


@dataclass(frozen=True)
class VendorPackage:
    """One npm package and the files (or folders) copied from it into `static/vendor/`."""

    spec: str  # name@version, pinned to what folium 0.20 asks its CDNs for
    files: tuple[tuple[str, str], ...]  # (path inside the package, path under static/vendor)


VENDOR_PACKAGES: Final[tuple[VendorPackage, ...]] = (
    VendorPackage(
        "leaflet@1.9.3",
        (
            ("dist/leaflet.js", "leaflet/leaflet.js"),
            ("dist/leaflet.css", "leaflet/leaflet.css"),
            ("dist/images", "leaflet/images"),
        ),
    ),
    VendorPackage("jquery@3.7.1", (("dist/jquery.min.js", "jquery/jquery.min.js"),)),
    VendorPackage(
        "bootstrap@5.2.2",
        (
            ("dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
            ("dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
        ),
    ),
    VendorPackage(
        "@fortawesome/fontawesome-free@6.2.0",
        (
            ("css/all.min.css", "fontawesome/css/all.min.css"),
            ("webfonts", "fontawesome/webfonts"),
        ),
    ),
    VendorPackage(
        # npm has 2.0.5 of the 2.0.2 folium takes from cdnjs; the JS and CSS are the same code.
        "leaflet.awesome-markers@2.0.5",
        (
            ("dist/leaflet.awesome-markers.js", "awesome-markers/leaflet.awesome-markers.js"),
            ("dist/leaflet.awesome-markers.css", "awesome-markers/leaflet.awesome-markers.css"),
            ("dist/images", "awesome-markers/images"),
        ),
    ),
    VendorPackage(
        "leaflet.markercluster@1.1.0",
        (
            ("dist/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"),
            ("dist/MarkerCluster.css", "markercluster/MarkerCluster.css"),
            ("dist/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"),
        ),
    ),
)

# folium's own names for each link are kept, so plugins that look them up still find them.
# Dropped from folium's list: the Bootstrap 3 glyphicons stylesheet and folium's rotate CSS
# (neither is on npm; they only serve folium.Icon(prefix="glyphicon") and rotated icons,
# which these maps do not use).
MAP_JS: Final[tuple[tuple[str, str], ...]] = (
    ("leaflet", "leaflet/leaflet.js"),
    ("jquery", "jquery/jquery.min.js"),
    ("bootstrap", "bootstrap/bootstrap.bundle.min.js"),
    ("awesome_markers", "awesome-markers/leaflet.awesome-markers.js"),
)
MAP_CSS: Final[tuple[tuple[str, str], ...]] = (
    ("leaflet_css", "leaflet/leaflet.css"),
    ("bootstrap_css", "bootstrap/bootstrap.min.css"),
    ("awesome_markers_font_css", "fontawesome/css/all.min.css"),
    ("awesome_markers_css", "awesome-markers/leaflet.awesome-markers.css"),
)
MARKER_CLUSTER_JS: Final[tuple[tuple[str, str], ...]] = (
    ("markerclusterjs", "markercluster/leaflet.markercluster.js"),
)
MARKER_CLUSTER_CSS: Final[tuple[tuple[str, str], ...]] = (
    ("markerclustercss", "markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "markercluster/MarkerCluster.Default.css"),
)

#: Every folium class these maps use that carries its own asset links, with the local files.
_CLASS_ASSETS: Final = (
    (folium.Map, MAP_JS, MAP_CSS),
    (folium.plugins.MarkerCluster, MARKER_CLUSTER_JS, MARKER_CLUSTER_CSS),
    (folium.plugins.FastMarkerCluster, MARKER_CLUSTER_JS, MARKER_CLUSTER_CSS),
)


def _urls(base_url: str, links: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(name, f"{base_url}/{path}") for name, path in links]


def use_local_assets(base_url: str = DEFAULT_BASE_URL) -> None:
    """Point folium's maps and marker clusters at the copies served under `base_url`.

    Idempotent: each call replaces the lists, so the last base URL wins. Call it once before
    building maps (the builders in this package call `ensure_local_assets`, which does it
    with the default base URL unless it has been done already). Use a different `base_url`
    when Streamlit runs under `server.baseUrlPath`, e.g. "/hotspots/app/static/vendor".
    """
    base = base_url.rstrip("/")
    for cls, js, css in _CLASS_ASSETS:
        cls.default_js = _urls(base, js)
        cls.default_css = _urls(base, css)


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def ensure_local_assets() -> None:
    """Switch to local assets with the default base URL if any class still points at a CDN."""
    for cls, _, _ in _CLASS_ASSETS:
        links = [*cls.default_js, *cls.default_css]
        if any(_is_remote(url) for _, url in links):
            use_local_assets()
            return


def vendor_files() -> list[str]:
    """Paths under `static/vendor/` that the local asset URLs point at."""
    links = (*MAP_JS, *MAP_CSS, *MARKER_CLUSTER_JS, *MARKER_CLUSTER_CSS)
    return sorted({path for _, path in links})


def missing_vendor_files(vendor_dir: Path) -> list[str]:
    """The vendor files not present in `vendor_dir`; empty when the maps can draw offline.

    An app can show this on start: "Map assets missing: run scripts/fetch_assets.py".
    """
    return [path for path in vendor_files() if not (vendor_dir / path).is_file()]
