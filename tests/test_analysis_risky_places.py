"""Risky places (hotspots.analysis.risky_places): where several young people are seen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.analysis.frames import AnalysisInputError
from hotspots.analysis.risky_places import PLACE_COLUMNS, max_people_in_window, risky_places
from hotspots.domain import CRS_WGS84
from tests.test_analysis_frames import context_frame, sightings_frame


@pytest.fixture
def sightings():
    return sightings_frame([
        # Premises 7 (a takeaway): YP1, YP2, YP3 over three visits; exact points 10 m apart.
        {"x": 371_010, "y": 407_010, "premises_id": 7, "people": "YP1", "seen_at": "2024-01-01"},
        {"x": 371_015, "y": 407_005, "premises_id": 7, "people": "YP2|YP1",
         "seen_at": "2024-02-01"},
        {"x": 371_020, "y": 407_020, "premises_id": 7, "people": "YP3", "seen_at": "2024-04-01"},
        # Premises 9: only two different young people, however often.
        {"x": 373_010, "y": 407_010, "premises_id": 9, "people": "YP4", "seen_at": "2024-01-05"},
        {"x": 373_010, "y": 407_010, "premises_id": 9, "people": "YP5", "seen_at": "2024-01-06"},
        {"x": 373_010, "y": 407_010, "premises_id": 9, "people": "YP4", "seen_at": "2024-01-07"},
        # A street corner in the same 100 m cell as premises 7: street precision, so it
        # joins the cell but not the exact location; the 'area' one joins neither.
        {"x": 371_080, "y": 407_080, "precision": "street", "people": "YP6",
         "seen_at": "2024-03-01"},
        {"x": 371_090, "y": 407_090, "precision": "area", "people": "YP7", "seen_at": "2024-03-02"},
    ])  # fmt: skip


def test_places_worked_by_hand(sightings):
    places = risky_places(sightings, min_people=3)
    table = places[["place_kind", "place_key", "distinct_people", "sightings"]].values.tolist()
    assert table == [
        ["cell", "371050,407050", 4, 4],  # YP1, YP2, YP3, YP6; the 'area' sighting left out
        ["location", "371012,407012", 3, 3],
        ["premises", "7", 3, 3],
    ]
    assert tuple(places.columns) == PLACE_COLUMNS
    assert places.crs == CRS_WGS84
    premises = places[places["place_kind"] == "premises"].iloc[0]
    assert premises["first_seen"] == pd.Timestamp("2024-01-01")
    assert premises["last_seen"] == pd.Timestamp("2024-04-01")


def test_a_lower_threshold_brings_in_the_second_premises(sightings):
    places = risky_places(sightings, min_people=2, kinds=("premises",))
    assert places["place_key"].tolist() == ["7", "9"]
    assert places["sightings"].tolist() == [3, 3]


def test_a_window_requires_the_people_close_in_time(sightings):
    # YP1 on 1 Jan, YP2 and YP1 on 1 Feb, YP3 on 1 April 2024: 1 Feb to 1 April is 60 days
    # (a leap year), so three people fall within a 60-day span (ends included) but not 59.
    within_59 = risky_places(sightings, min_people=3, window_days=59, kinds=("premises",))
    assert within_59.empty
    within_60 = risky_places(sightings, min_people=3, window_days=60, kinds=("premises",))
    assert within_60["max_people_in_window"].tolist() == [3]
    assert within_60["distinct_people"].tolist() == [3]


def brute_force_max(times: np.ndarray, people: np.ndarray, window: np.timedelta64) -> int:
    return max(len(set(people[(times >= t) & (times <= t + window)])) for t in times)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_max_people_in_window_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    times = np.datetime64("2024-01-01") + rng.integers(0, 365, 200).astype("timedelta64[D]")
    people = rng.choice([f"YP{i}" for i in range(40)], 200)
    window = np.timedelta64(30, "D")
    assert max_people_in_window(times, people, window) == brute_force_max(times, people, window)


def test_a_context_layer_is_ranked_by_sightings():
    crime = context_frame([(371_010, 407_010)] * 3 + [(375_010, 407_010)] * 5, ["2024-01-01"] * 8)
    places = risky_places(crime, kinds=("location",), min_sightings=2)
    assert places["sightings"].tolist() == [5, 3]
    assert (places["distinct_people"] == 0).all()


def test_unknown_kinds_are_refused(sightings):
    with pytest.raises(AnalysisInputError, match="hotel"):
        risky_places(sightings, kinds=("hotel",))


def test_nothing_qualifies_gives_an_empty_frame_with_the_columns(sightings):
    places = risky_places(sightings, min_people=50)
    assert places.empty
    assert tuple(places.columns) == PLACE_COLUMNS
