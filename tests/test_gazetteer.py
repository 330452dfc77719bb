"""The Bolton gazetteer: complete, unique, inside Bolton, and where the real boundaries put it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyproj import Transformer

from hotspots.gazetteer import GazetteerError, load_gazetteer

REQUIRED = (
    "Deane", "Daubhill", "Halliwell", "Great Lever", "Tonge Moor", "Breightmet", "Farnworth",
    "Astley Bridge", "Heaton", "Lostock", "Horwich", "Westhoughton", "Little Lever", "Kearsley",
    "Smithills", "Harper Green", "Burnden", "Bromley Cross", "Bradshaw", "Egerton", "Highfield",
    "Morris Green", "Johnson Fold", "Tonge Fold", "Darcy Lever", "Town Centre",
)  # fmt: skip


def test_gazetteer_names_every_required_locality() -> None:
    gazetteer = load_gazetteer()
    assert len(gazetteer) >= 25
    assert set(REQUIRED) <= set(gazetteer["name"])


def test_canonical_hotspot_localities_are_distinct_places() -> None:
    gazetteer = load_gazetteer().set_index("name")
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    points = {
        name: to_bng.transform(gazetteer.at[name, "lon"], gazetteer.at[name, "lat"])
        for name in ("Deane", "Daubhill", "Halliwell", "Town Centre")
    }
    for a in points:
        for b in points:
            if a < b:
                distance = (
                    (points[a][0] - points[b][0]) ** 2 + (points[a][1] - points[b][1]) ** 2
                ) ** 0.5
                assert distance > 800, f"{a} and {b} are only {distance:.0f} m apart"


def test_duplicate_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("name,kind,lat,lon\nDeane,locality,53.57,-2.45\nDeane,locality,53.58,-2.46\n")
    with pytest.raises(GazetteerError, match="Deane"):
        load_gazetteer(path)


def test_point_outside_bolton_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("name,kind,lat,lon\nDeane,locality,53.57,-2.45\nLeeds,city,53.80,-1.55\n")
    with pytest.raises(GazetteerError, match=r"row 3: 'Leeds'"):
        load_gazetteer(path)


LOCALITY_IN_WARD = [
    ("Halliwell", "Halliwell"),
    ("Breightmet", "Breightmet"),
    ("Farnworth", "Farnworth"),
    ("Great Lever", "Great Lever"),
    ("Horwich", "Horwich and Blackrod"),
    ("Westhoughton", "Westhoughton North and Chew Moor"),
    ("Smithills", "Smithills"),
    ("Astley Bridge", "Astley Bridge"),
]


@pytest.mark.realdata
def test_wards_named_after_localities_contain_them(realdata: Path) -> None:
    """Against the real 2017 ward boundaries: Halliwell lies in Halliwell ward, and so on."""
    from shapely.geometry import Point, shape

    wards_file = (
        realdata / "boundaries_gm_trafforddatalab" / "ward_2017_gm_ward_generalised.geojson"
    )
    features = json.loads(wards_file.read_text())["features"]
    wards = {}
    for feature in features:
        props = feature["properties"]
        name = props.get("area_name") or props.get("WD17NM") or props.get("name")
        wards[name] = shape(feature["geometry"])
    gazetteer = load_gazetteer().set_index("name")
    for locality, ward in LOCALITY_IN_WARD:
        if ward not in wards:
            pytest.fail(f"ward {ward!r} not in the boundary file; names: {sorted(wards)[:10]}…")
        point = Point(gazetteer.at[locality, "lon"], gazetteer.at[locality, "lat"])
        assert wards[ward].buffer(0.01).contains(point), f"{locality} is not in or near {ward} ward"
