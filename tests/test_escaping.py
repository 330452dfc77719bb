"""Escaping of record text: hostile notes and premises names reach the page as inert text."""

from __future__ import annotations

import html
import re
import string

import folium
import numpy as np
import pandas as pd
import pytest

from hotspots.security.escaping import esc, esc_frame, esc_markdown

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.cookie)</script>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)",
    "[x](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    '<a href="javascript:alert(1)">Kebab House</a>',
    ":red[fake warning] $\\frac{1}{0}$ **bold** `code` | pipe |",
    "&lt;script&gt; already escaped?",
]

_PUNCTUATION = re.escape(string.punctuation)


def _unescape_markdown(text: str) -> str:
    return re.sub(r"\\([" + _PUNCTUATION + "])", r"\1", text)


def _unescaped_punctuation(text: str) -> list[str]:
    """Punctuation not preceded by a backslash (a CommonMark renderer would interpret it)."""
    stripped = re.sub(r"\\[" + _PUNCTUATION + "]", "", text)
    return [ch for ch in stripped if ch in string.punctuation]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_esc_leaves_no_markup_and_round_trips(payload: str) -> None:
    escaped = esc(payload)
    assert not set("<>\"'") & set(escaped)
    assert html.unescape(escaped) == payload


def test_esc_examples() -> None:
    assert esc("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert esc("<script>") == "&lt;script&gt;"
    assert esc("\"quoted\" & 'single'") == "&quot;quoted&quot; &amp; &#x27;single&#x27;"
    assert esc("Deane Road Takeaway") == "Deane Road Takeaway"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, np.nan])
def test_esc_missing_is_empty(missing: object) -> None:
    assert esc(missing) == ""
    assert esc_markdown(missing) == ""


def test_esc_other_values_as_text() -> None:
    assert esc(42) == "42"
    assert esc(["<b>", "x"]) == "[&#x27;&lt;b&gt;&#x27;, &#x27;x&#x27;]"


def test_control_and_bidi_characters_are_removed() -> None:
    # "Trojan Source": U+202E makes 'exe.txt' read as 'txt.exe'.
    assert esc("invoice\u202etxt.exe\x00") == "invoicetxt.exe"
    assert esc("line one\nline two\ttab") == "line one\nline two\ttab"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_esc_markdown_leaves_nothing_to_interpret(payload: str) -> None:
    escaped = esc_markdown(payload)
    assert _unescaped_punctuation(escaped) == []
    assert _unescape_markdown(escaped) == payload


def test_esc_markdown_examples() -> None:
    assert esc_markdown("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert esc_markdown("<script>") == r"\<script\>"
    assert esc_markdown("a\\b") == r"a\\b"


def test_esc_markdown_flattens_lines_unless_asked() -> None:
    note = "seen at park\n# Heading\r\n| x |"
    assert esc_markdown(note) == r"seen at park \# Heading \| x \|"
    assert esc_markdown(note, keep_newlines=True) == "seen at park\n\\# Heading\r\n\\| x \\|"


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "premises": ["<img src=x onerror=alert(1)>", "Deane Grill", None],
            "note": ["<script>alert(1)</script>", "[x](javascript:alert(1))", np.nan],
            "sightings": [3, 12, 0],
            "seen_at": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
            "category": pd.Categorical(["<b>hotel</b>", "takeaway", "park"]),
            "text": pd.array(["<i>a</i>", None, "c"], dtype="string"),
        },
        index=pd.Index(["<u>r1</u>", "r2", "r3"], name="id"),
    )


def test_esc_frame_escapes_text_columns_only() -> None:
    frame = _records()
    escaped = esc_frame(frame)
    assert escaped["premises"].iloc[0] == "&lt;img src=x onerror=alert(1)&gt;"
    assert escaped["premises"].iloc[1] == "Deane Grill"
    assert pd.isna(escaped["premises"].iloc[2])
    assert escaped["note"].iloc[0] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert pd.isna(escaped["note"].iloc[2])
    assert escaped["category"].iloc[0] == "&lt;b&gt;hotel&lt;/b&gt;"
    assert escaped["text"].iloc[0] == "&lt;i&gt;a&lt;/i&gt;"
    assert escaped["sightings"].tolist() == [3, 12, 0]
    assert escaped["seen_at"].tolist() == frame["seen_at"].tolist()
    assert escaped.index[0] == "&lt;u&gt;r1&lt;/u&gt;"
    assert frame["premises"].iloc[0] == "<img src=x onerror=alert(1)>"  # input untouched


def test_esc_frame_markdown_and_labels() -> None:
    frame = pd.DataFrame({"<b>name</b>": ["[x](javascript:alert(1))"], "n": [1]})
    escaped = esc_frame(frame, how="markdown")
    assert list(escaped.columns) == [r"\<b\>name\<\/b\>", "n"]
    assert escaped.iloc[0, 0] == r"\[x\]\(javascript\:alert\(1\)\)"


def test_esc_frame_limited_to_named_columns() -> None:
    escaped = esc_frame(_records(), columns=["note"])
    assert escaped["premises"].iloc[0] == "<img src=x onerror=alert(1)>"
    assert escaped["note"].iloc[0].startswith("&lt;script")


def test_folium_popup_and_tooltip_carry_only_escaped_text() -> None:
    payload = "<img src=x onerror=alert(1)>"
    fmap = folium.Map(location=[53.58, -2.43], tiles=None)
    folium.Marker(
        [53.58, -2.43], popup=folium.Popup(esc(payload)), tooltip=folium.Tooltip(esc(payload))
    ).add_to(fmap)
    page = fmap.get_root().render()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_folium_geojson_tooltip_carries_only_escaped_properties() -> None:
    # GeoJsonTooltip puts property values into innerHTML: escape the frame first.
    premises = pd.DataFrame({"name": ["<script>alert(1)</script>"], "lon": [-2.43], "lat": [53.58]})
    safe = esc_frame(premises, columns=["name"])
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-2.43, 53.58]},
        "properties": {"name": safe["name"].iloc[0]},
    }
    fmap = folium.Map(location=[53.58, -2.43], tiles=None)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [feature]},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(fmap)
    page = fmap.get_root().render()
    assert "<script>alert(1)" not in page
    # folium writes the data as JSON with & < > as \u escapes; the browser reads back the
    # entities, which innerHTML shows as text.
    assert r"\u0026lt;script\u0026gt;alert(1)\u0026lt;/script\u0026gt;" in page


def test_esc_frame_keeps_a_geodataframe_and_its_geometry() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    premises = gpd.GeoDataFrame(
        {"name": ["<b>Hotel</b>"], "sightings": [4]}, geometry=[Point(-2.43, 53.58)], crs=4326
    )
    escaped = esc_frame(premises)
    assert isinstance(escaped, gpd.GeoDataFrame)
    assert escaped.crs == premises.crs
    assert escaped.geometry.iloc[0].equals(premises.geometry.iloc[0])
    assert escaped["name"].iloc[0] == "&lt;b&gt;Hotel&lt;/b&gt;"
