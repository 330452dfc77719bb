"""Sightings frames: filters, projection and distinct young people (hotspots.analysis.frames)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from hotspots.analysis.frames import (
    SIGHTING_COLUMNS,
    AnalysisInputError,
    bng_xy,
    code_matrix,
    count_people,
    filter_sightings,
    people_per_group,
    to_bng,
)
from hotspots.domain import CRS_BNG, CRS_WGS84

DEFAULTS = {
    "seen_at": pd.Timestamp("2024-01-01 21:00"),
    "precision": "exact",
    "grooming_models": "on_street",
    "indicators": "risky_area",
    "people": "",
    "premises_id": None,
    "vehicle_token": None,
    "source_agency": "police",
    "source_evaluation": "2",
    "intelligence_assessment": "B",
    "risk_level": None,
    "area_code": None,
}


def sightings_frame(rows: list[dict], crs: str = CRS_BNG) -> gpd.GeoDataFrame:
    """A sightings frame (the full input contract) from a few rows with `x`, `y` and overrides.

    Coordinates are BNG metres unless `crs` says otherwise; the frame is returned in WGS84,
    as `hotspots.db.access` gives it.
    """
    records = [{**DEFAULTS, **row} for row in rows]
    frame = pd.DataFrame(records)
    frame["sighting_id"] = np.arange(1, len(frame) + 1)
    frame["seen_at"] = pd.to_datetime(frame["seen_at"])
    frame["premises_id"] = frame["premises_id"].astype("Int64")
    points = gpd.points_from_xy(frame.pop("x"), frame.pop("y"))
    sightings = gpd.GeoDataFrame(frame, geometry=points, crs=crs).to_crs(CRS_WGS84)
    return sightings[list(SIGHTING_COLUMNS)]


def context_frame(xy: list[tuple[float, float]], seen_at: list[str]) -> gpd.GeoDataFrame:
    """A context layer (e.g. recorded crime): only seen_at, category and geometry."""
    return gpd.GeoDataFrame(
        {"seen_at": pd.to_datetime(seen_at), "category": "burglary"},
        geometry=[Point(p) for p in xy],
        crs=CRS_BNG,
    ).to_crs(CRS_WGS84)


@pytest.fixture
def sightings() -> gpd.GeoDataFrame:
    return sightings_frame([
        {"x": 371000, "y": 407000, "seen_at": "2024-01-05", "grooming_models": "on_street|group",
         "indicators": "risky_area|mfh_return", "people": "YP1|YP2", "risk_level": "high",
         "source_evaluation": "1", "intelligence_assessment": "A"},
        {"x": 371100, "y": 407000, "seen_at": "2024-02-05", "grooming_models": "party",
         "indicators": "older_boyfriend", "people": "YP2", "risk_level": "medium",
         "source_agency": "health", "source_evaluation": "3", "intelligence_assessment": "A"},
        {"x": 372000, "y": 408000, "seen_at": "2024-03-05", "grooming_models": "internet",
         "indicators": "", "people": "", "risk_level": None,
         "source_evaluation": "2", "intelligence_assessment": "C"},
        {"x": 372000, "y": 408000, "seen_at": "2024-04-05", "grooming_models": "group",
         "indicators": "adults_loitering", "people": "YP3", "risk_level": "low",
         "source_evaluation": "2", "intelligence_assessment": "B"},
    ])  # fmt: skip


def test_the_helper_builds_the_full_input_contract(sightings):
    assert tuple(sightings.columns) == SIGHTING_COLUMNS
    assert sightings.crs == CRS_WGS84


@pytest.mark.parametrize(
    ("filters", "expected_ids"),
    [
        ({}, [1, 2, 3, 4]),
        ({"start": "2024-02-05"}, [2, 3, 4]),  # start is inclusive
        ({"end": "2024-03-05"}, [1, 2]),  # end is exclusive
        ({"grooming_models": ["group"]}, [1, 4]),  # 'group' inside 'on_street|group' too
        ({"grooming_models": ["party", "internet"]}, [2, 3]),  # any of
        ({"grooming_models": ["lone"]}, []),
        ({"indicators": ["mfh_return", "adults_loitering"]}, [1, 4]),
        ({"risk_levels": ["high", "medium"]}, [1, 2]),  # a missing risk level never matches
        ({"source_agencies": ["health"]}, [2]),
        ({"min_grading": "2B"}, [1, 4]),  # 1A and 2B pass; 3A (source) and 2C fail
        ({"min_grading": "3A"}, [1, 2]),
        ({"min_grading": "2B", "grooming_models": ["group"], "start": "2024-02-01"}, [4]),
    ],
)
def test_filters_keep_exactly_the_matching_sightings(sightings, filters, expected_ids):
    kept = filter_sightings(sightings, **filters)
    assert kept["sighting_id"].tolist() == expected_ids


def test_filtering_keeps_the_original_index_and_type(sightings):
    kept = filter_sightings(sightings, grooming_models=["group"])
    assert isinstance(kept, gpd.GeoDataFrame)
    assert kept.index.tolist() == [0, 3]


def test_a_time_zone_aware_frame_accepts_naive_dates(sightings):
    aware = sightings.assign(seen_at=sightings["seen_at"].dt.tz_localize("UTC"))
    assert filter_sightings(aware, start="2024-02-05")["sighting_id"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("grading", ["4A", "2F", "B2", "", "22B"])
def test_a_malformed_grading_is_refused_with_an_example(sightings, grading):
    with pytest.raises(AnalysisInputError, match=r"e\.g\. '2B'"):
        filter_sightings(sightings, min_grading=grading)


def test_a_context_layer_filters_by_period_and_refuses_sighting_filters():
    crime = context_frame([(371000, 407000), (371000, 407000)], ["2024-01-01", "2024-06-01"])
    assert len(filter_sightings(crime, start="2024-03-01")) == 1
    with pytest.raises(AnalysisInputError, match="no 'grooming_models' column"):
        filter_sightings(crime, grooming_models=["group"])


def test_code_matrix_matches_whole_codes_only():
    # 'group' must not match inside a longer code, and order of codes must not matter.
    stored = pd.Series(["group|on_street", "on_street", None, "groupie"])
    assert code_matrix(stored, ["group", "on_street"]).tolist() == [
        [True, True], [False, True], [False, False], [False, False],
    ]  # fmt: skip


def test_projection_to_bng_round_trips_a_known_point():
    # Bolton Town Hall is at about SD 717 091 (371 700 E, 409 100 N).
    point = gpd.GeoDataFrame(geometry=[Point(-2.4290, 53.5780)], crs=CRS_WGS84)
    x, y = bng_xy(point)[0]
    assert x == pytest.approx(371_700, abs=100)
    assert y == pytest.approx(409_100, abs=100)
    assert to_bng(point).geometry.iloc[0].x == pytest.approx(x, abs=0.01)


def test_a_frame_without_crs_is_refused():
    with pytest.raises(AnalysisInputError, match="no CRS"):
        bng_xy(gpd.GeoDataFrame(geometry=[Point(0, 0)]))


def test_distinct_people_counts_each_pseudonym_once(sightings):
    assert count_people(sightings) == 3  # YP1, YP2 (twice), YP3; '' is nobody
    per_group = people_per_group(sightings, [0, 0, 1, 1])
    assert per_group.to_dict() == {0: 2, 1: 1}


def test_a_context_layer_has_no_people():
    crime = context_frame([(371000, 407000)], ["2024-01-01"])
    assert count_people(crime) == 0
    assert people_per_group(crime, [0]).empty
