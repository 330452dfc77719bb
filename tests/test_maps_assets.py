"""Offline map assets: folium points at files this app serves, and those files are there."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path

import folium
import folium.plugins
import pytest

from hotspots.maps.assets import (
    DEFAULT_BASE_URL,
    VENDOR_PACKAGES,
    ensure_local_assets,
    missing_vendor_files,
    use_local_assets,
    vendor_files,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "static" / "vendor"
CLASSES = (
    folium.Map,
    folium.folium.Map,
    folium.plugins.MarkerCluster,
    folium.plugins.FastMarkerCluster,
)


def _links(cls: type) -> list[str]:
    return [url for _, url in (*cls.default_js, *cls.default_css)]


@pytest.fixture(autouse=True)
def _default_assets():
    """Leave folium on the default local URLs after every test, whatever it changed."""
    yield
    use_local_assets()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_folium_class_used_points_at_local_files(cls):
    use_local_assets()
    links = _links(cls)
    assert links, f"{cls.__name__} has no asset links"
    assert all(url.startswith(DEFAULT_BASE_URL + "/") for url in links), links


def test_use_local_assets_is_idempotent_and_the_last_base_url_wins():
    use_local_assets()
    first = _links(folium.Map)
    use_local_assets()
    assert _links(folium.Map) == first
    use_local_assets("/hotspots/app/static/vendor/")
    assert all(u.startswith("/hotspots/app/static/vendor/leaflet") for u in _links(folium.Map)[:1])
    assert not any("//" in u.removeprefix("/") for u in _links(folium.Map))


def test_ensure_local_assets_keeps_a_chosen_base_url():
    use_local_assets("/proxy/app/static/vendor")
    ensure_local_assets()
    assert _links(folium.Map)[0] == "/proxy/app/static/vendor/leaflet/leaflet.js"


def test_ensure_local_assets_replaces_cdn_links():
    folium.Map.default_js = [
        ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    ]
    ensure_local_assets()
    assert _links(folium.Map)[0] == f"{DEFAULT_BASE_URL}/leaflet/leaflet.js"


def test_every_local_url_is_a_file_the_fetch_script_copies():
    copied = {target for package in VENDOR_PACKAGES for _, target in package.files}
    for path in vendor_files():
        assert any(path == c or path.startswith(c + "/") for c in copied), path


def test_vendor_files_are_fetched():
    missing = missing_vendor_files(VENDOR_DIR)
    assert not missing, f"missing {missing}: run scripts/fetch_assets.py (the set-up command does)"


def test_vendored_css_and_js_fetch_nothing_from_outside():
    """Stylesheets may only point at files beside them (fonts, images), never a URL."""
    for path in vendor_files():
        if path.endswith(".css"):
            text = (VENDOR_DIR / path).read_text(errors="replace")
            urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
            remote = [u for u in urls if re.match(r"^(https?:)?//", u)]
            assert not remote, f"{path} loads {remote}"
            assert "@import" not in text, path


def test_missing_vendor_files_names_what_is_absent(tmp_path):
    assert missing_vendor_files(tmp_path) == vendor_files()


def _fetch_script():
    spec = importlib.util.spec_from_file_location(
        "fetch_assets", REPO_ROOT / "scripts" / "fetch_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fetch_script_is_up_to_date_only_when_stamp_and_files_match(tmp_path):
    script = _fetch_script()
    assert not script.is_up_to_date(tmp_path)
    for package in VENDOR_PACKAGES:
        for _, target in package.files:
            (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / target).write_text("x")
    (tmp_path / script.STAMP_NAME).write_text(json.dumps(script._manifest()))
    assert script.is_up_to_date(tmp_path)
    (tmp_path / "leaflet" / "leaflet.js").unlink()
    assert not script.is_up_to_date(tmp_path)


def test_fetch_script_says_what_to_install_without_npm(monkeypatch):
    script = _fetch_script()
    monkeypatch.setattr(script.shutil, "which", lambda _name: None)
    with pytest.raises(SystemExit, match="npm not found"):
        script._npm()


def test_streamlit_config_serves_static_files_locally_and_privately():
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    server, browser = config["server"], config["browser"]
    assert server["enableStaticServing"] is True
    assert server["address"] == "127.0.0.1"
    assert server["headless"] is True
    assert server.get("enableXsrfProtection", True) is True
    assert browser["gatherUsageStats"] is False
