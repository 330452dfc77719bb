"""The disruption briefing: marked OFFICIAL-SENSITIVE, hostile strings escaped, the map drawn
(not blank), the recommendations following their rules, and the PDF produced."""

from __future__ import annotations

import io
import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PIL import Image

from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.demo import load_synthetic
from hotspots.db.disruptions import briefing, export_briefing
from hotspots.db.mapdata import HotspotDetail, MapFilters
from hotspots.disruption.briefing import (
    MARKING,
    build_briefing,
    recommend_actions,
    render_html,
    render_pdf,
)
from hotspots.domain import CRS_BNG, CRS_WGS84, GROOMING_MODELS
from hotspots.gazetteer import load_gazetteer
from hotspots.synth import generate

HOSTILE = '<script>alert("x")</script>'
HOSTILE_IMG = "<img src=x onerror=alert(1)>"


def _detail() -> HotspotDetail:
    x, y = 371700.0, 409100.0
    outline = gpd.GeoDataFrame(
        {"hotspot_id": [1], "name": [HOSTILE]},
        geometry=[shapely.Point(x, y).buffer(250)],
        crs=CRS_BNG,
    ).to_crs(CRS_WGS84)
    premises = gpd.GeoDataFrame(
        {
            "premises_id": [1, 2],
            "premises_ref": ["P1", "P2"],
            "name": [HOSTILE_IMG, "Kebab & Co"],
            "category": ["takeaway", "hotel"],
            "licence_ref": ["L1", None],
            "distance_m": [0.0, 120.0],
            "sightings": [4, 1],
        },
        geometry=[shapely.Point(x + 50, y), shapely.Point(x + 300, y + 100)],
        crs=CRS_BNG,
    ).to_crs(CRS_WGS84)
    week_hour = pd.DataFrame(
        1,
        index=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        columns=range(24),
    )
    week_hour.loc["Friday", 21] = 40
    return HotspotDetail(
        hotspot_id=1,
        name=HOSTILE,
        outline=outline,
        sightings=60,
        distinct_people=7,
        first_seen=pd.Timestamp("2025-01-01"),
        last_seen=pd.Timestamp("2025-12-01"),
        area_km2=0.2,
        distance_m=250.0,
        premises=premises,
        model_mix=pd.Series({"On-street": 45, "Group offender": 10}, name="sightings"),
        indicators=pd.Series({"Adults loitering": 20, HOSTILE: 3}, name="sightings"),
        week_hour=week_hour,
        emerging="Intensifying Hot Spot",
        vehicles=pd.DataFrame(
            {"vehicle_token": ["veh_<b>1</b>"], "sightings_here": [3], "other_hotspots": ["Deane"]}
        ),
        peak_hours="21:00-00:00",
    )


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def test_html_is_marked_and_escapes_every_record_string() -> None:
    document = build_briefing(_detail(), gazetteer=load_gazetteer(), period="2025")
    html = render_html(document)
    assert html.count(MARKING) >= 3  # title, top and bottom
    assert html.index(MARKING) < html.index("<h1>")
    assert html.rstrip().endswith("</body></html>")
    assert html.rindex(MARKING) > html.index("Vehicles of interest")
    assert "<script>" not in html and "<img src=x" not in html and "<b>1</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Kebab &amp; Co" in html
    assert "Friday" in html and "21:00-00:00" in html


def test_map_image_is_not_blank() -> None:
    document = build_briefing(_detail(), gazetteer=load_gazetteer())
    pixels = _pixels(document.map_png)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert pixels.std() > 10  # a blank image has (almost) no variance
    # the hotspot fill (Okabe-Ito vermillion at 35 %) is drawn: warm pixels present
    warm = (pixels[..., 0] - pixels[..., 2]) > 40
    assert warm.mean() > 0.01


def test_recommendations_follow_the_rules() -> None:
    labels = GROOMING_MODELS
    found = recommend_actions(
        pd.Series({labels["on_street"]: 50, labels["party"]: 30}),
        100,
        ["takeaway", "hotel", "park"],
        vehicles=2,
        peak="Friday 21:00-00:00",
    )
    actions = [r.action for r in found]
    assert actions == [
        "High-visibility patrol",
        "Child abduction warning notice",
        "Hotel or taxi awareness",
        "Licensing visit",
        "Youth outreach",
    ]
    quiet = recommend_actions(pd.Series({labels["on_street"]: 1}), 100, [], 0, "")
    assert [r.action for r in quiet] == ["Other"]


def test_pdf_is_produced() -> None:
    pdf = render_pdf(build_briefing(_detail(), gazetteer=load_gazetteer()))
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000


def test_briefing_from_the_database_is_audited(engine) -> None:
    data = generate(sightings=3000, seed=1, gazetteer=load_gazetteer())
    load_synthetic(engine, data)
    user = User("ann", "analyst", "disruption briefing")
    filters = MapFilters(start=date(2025, 11, 1), end=date(2026, 11, 1))
    document = briefing(engine, user, filters, "1", gazetteer=load_gazetteer())
    body = export_briefing(engine, user, document, "html").decode()
    assert MARKING in body and "data:image/png;base64," in body
    assert _pixels(document.map_png).std() > 10
    export_briefing(engine, user, document, "pdf")
    audit = read_audit(engine).sort_values("id")
    disclosures = audit[audit["action"] == "disclosure"]
    assert [json.loads(d)["format"] for d in disclosures["detail"]] == ["html", "pdf"]
