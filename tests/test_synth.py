"""The synthetic Bolton generator: reproducible, exact counts, valid codes, truth that matches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from pyproj import Transformer

from hotspots.domain import (
    AGENCIES,
    GROOMING_MODELS,
    HANDLING_CODES,
    INDICATORS,
    INTELLIGENCE_ASSESSMENTS,
    PRECISIONS,
    PREMISES_CATEGORIES,
    RISK_LEVELS,
    SOURCE_EVALUATIONS,
    split_codes,
)
from hotspots.synth import (
    BOLTON_BOUNDS,
    HIGH_FROM,
    MEDIUM_FROM,
    NEEDS_FLAGS,
    SyntheticData,
    area_codes,
    generate,
    truth_json,
)

GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
SIZES = (1_000, 20_000, 100_000)

PEOPLE_COLUMNS = [
    "pseudonym", "birth_year", "age_band", "gender", "ethnicity", "needs_flags",
    "home_area_code", "screening_score", "risk_level", "grooming_models", "mfh_count",
]  # fmt: skip
PREMISES_COLUMNS = ["premises_ref", "name", "category", "licence_ref", "lon", "lat"]
SIGHTING_COLUMNS = [
    "source_ref", "seen_at", "lon", "lat", "precision", "grooming_models", "indicators",
    "premises_ref", "vehicle_token", "source_agency", "source_evaluation",
    "intelligence_assessment", "handling_code", "note", "area_code", "pattern",
]  # fmt: skip
KINDS = {
    "on_street_hotspot", "group_hotel", "group_first_contact", "party_address",
    "risky_address", "internet_area", "disruption",
}  # fmt: skip
PREMISES_OF_KIND = {
    "group_hotel": {"hotel"},
    "group_first_contact": {"takeaway", "park", "taxi_office"},
    "party_address": {"residential"},
    "risky_address": {"residential"},
}


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return pd.read_csv(GAZETTEER)


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n}-sightings")
def data(request: pytest.FixtureRequest, gazetteer: pd.DataFrame) -> SyntheticData:
    return generate(sightings=request.param, seed=11, gazetteer=gazetteer)


@pytest.fixture(scope="module")
def demo(gazetteer: pd.DataFrame) -> SyntheticData:
    """The default demo size, for checks that need enough rows to be statistically steady."""
    return generate(sightings=20_000, seed=3, gazetteer=gazetteer)


def _patterns(data: SyntheticData, kind: str) -> list[dict]:
    return [entry for entry in data.truth["patterns"] if entry["kind"] == kind]


def _rows(data: SyntheticData, entry: dict) -> pd.DataFrame:
    return data.sightings[data.sightings["pattern"] == entry["id"]]


def _people_of(data: SyntheticData, refs: pd.Series) -> set[str]:
    links = data.sighting_people
    return set(links.loc[links["source_ref"].isin(refs), "pseudonym"])


def _bng(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x, y = TO_BNG.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return np.asarray(x), np.asarray(y)


# --- reproducibility ---------------------------------------------------------------------------


def test_same_seed_gives_identical_frames_and_truth(gazetteer: pd.DataFrame) -> None:
    first = generate(sightings=2_000, seed=5, gazetteer=gazetteer)
    second = generate(sightings=2_000, seed=5, gazetteer=gazetteer)
    for name in ("people", "premises", "sightings", "sighting_people"):
        pdt.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert first.truth == second.truth
    assert truth_json(first) == truth_json(second)


def test_different_seed_gives_different_data(gazetteer: pd.DataFrame) -> None:
    first = generate(sightings=2_000, seed=5, gazetteer=gazetteer)
    second = generate(sightings=2_000, seed=6, gazetteer=gazetteer)
    assert not first.sightings["lon"].equals(second.sightings["lon"])
    assert not first.sightings["seen_at"].equals(second.sightings["seen_at"])
    assert set(first.people["pseudonym"]) != set(second.people["pseudonym"])
    assert first.truth["patterns"][0]["centre"] != second.truth["patterns"][0]["centre"]


# --- shape of the frames -----------------------------------------------------------------------


def test_counts_are_exact_and_recorded(data: SyntheticData) -> None:
    truth = data.truth
    assert len(data.sightings) == truth["sightings_requested"]
    counts = truth["counts"]
    assert counts["sightings"] == len(data.sightings)
    assert counts["people"] == len(data.people)
    assert counts["premises"] == len(data.premises)
    assert counts["sighting_people"] == len(data.sighting_people)
    planted = sum(entry["sightings"] for entry in truth["patterns"])
    assert planted == counts["planted_sightings"]
    assert planted + counts["background_sightings"] == len(data.sightings)


def test_frames_have_exactly_the_loader_columns(data: SyntheticData) -> None:
    assert list(data.people.columns) == PEOPLE_COLUMNS
    assert list(data.premises.columns) == PREMISES_COLUMNS
    assert list(data.sightings.columns) == SIGHTING_COLUMNS
    assert list(data.sighting_people.columns) == ["source_ref", "pseudonym"]
    assert pd.api.types.is_datetime64_any_dtype(data.sightings["seen_at"])
    for column in ("birth_year", "screening_score", "mfh_count"):
        assert pd.api.types.is_integer_dtype(data.people[column])


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        ("people", "ethnicity"),
        ("people", "home_area_code"),
        ("premises", "licence_ref"),
        ("sightings", "premises_ref"),
        ("sightings", "vehicle_token"),
        ("sightings", "note"),
        ("sightings", "area_code"),
    ],
)
def test_optional_text_is_str_or_none(data: SyntheticData, frame: str, column: str) -> None:
    values = getattr(data, frame)[column]
    assert {type(value) for value in values} <= {str, type(None)}
    assert values.isna().any() and values.notna().any()


def test_keys_are_unique_and_well_formed(data: SyntheticData) -> None:
    checks = [
        (data.sightings["source_ref"], r"SYN-S-\d{7}"),
        (data.people["pseudonym"], r"YP-[0-9A-F]{6}"),
        (data.premises["premises_ref"], r"SYN-P-\d{4,}"),
    ]
    for keys, pattern in checks:
        assert keys.is_unique
        assert keys.str.fullmatch(pattern).all()
    tokens = data.sightings["vehicle_token"].dropna()
    assert tokens.str.fullmatch(r"[0-9a-f]{16}").all()


def test_links_refer_to_existing_rows(data: SyntheticData) -> None:
    links = data.sighting_people
    assert links["source_ref"].isin(data.sightings["source_ref"]).all()
    assert links["pseudonym"].isin(data.people["pseudonym"]).all()
    assert not links.duplicated().any()
    assert links["source_ref"].value_counts().max() <= 3
    linked = data.sightings["premises_ref"].dropna()
    assert linked.isin(data.premises["premises_ref"]).all()


def test_every_point_lies_in_bolton(data: SyntheticData) -> None:
    west, south, east, north = BOLTON_BOUNDS
    for frame in (data.sightings, data.premises):
        assert frame["lon"].between(west, east).all()
        assert frame["lat"].between(south, north).all()


def test_times_fall_in_the_period_to_the_minute(data: SyntheticData) -> None:
    seen = data.sightings["seen_at"]
    period = data.truth["period"]
    assert seen.min() >= pd.Timestamp(period["start"])
    assert seen.max() < pd.Timestamp(period["end"]) + pd.Timedelta(days=1)
    assert (seen.dt.second == 0).all()


# --- codes -------------------------------------------------------------------------------------


def _all_codes(column: pd.Series) -> set[str]:
    return {code for stored in column.unique() for code in split_codes(stored)}


def test_sighting_codes_are_valid(data: SyntheticData) -> None:
    s = data.sightings
    assert _all_codes(s["grooming_models"]) <= set(GROOMING_MODELS)
    assert _all_codes(s["indicators"]) <= set(INDICATORS)
    assert (s["grooming_models"] != "").all()
    per_row = s["indicators"].str.count(r"\|") + 1
    assert per_row.between(1, 4).all()
    assert set(s["precision"]) <= set(PRECISIONS)
    assert set(s["source_agency"]) <= set(AGENCIES)
    assert set(s["source_evaluation"]) <= set(SOURCE_EVALUATIONS)
    assert set(s["intelligence_assessment"]) <= set(INTELLIGENCE_ASSESSMENTS)
    assert set(s["handling_code"]) <= set(HANDLING_CODES)
    codes = set(area_codes(pd.read_csv(GAZETTEER))["code"])
    assert set(s["area_code"].dropna()) <= codes


def test_codes_are_stored_in_canonical_order(data: SyntheticData) -> None:
    for column in ("grooming_models", "indicators"):
        for stored in data.sightings[column].unique():
            codes = split_codes(stored)
            assert codes == sorted(set(codes))


def test_premises_are_valid(data: SyntheticData) -> None:
    premises = data.premises
    assert set(premises["category"]) <= set(PREMISES_CATEGORIES)
    assert premises["name"].str.len().gt(3).all()
    residential = premises["category"] == "residential"
    assert premises.loc[residential, "licence_ref"].isna().all()


def test_people_are_valid_and_consistent(data: SyntheticData) -> None:
    people = data.people
    assert set(people["gender"]) <= {"female", "male", "other"}
    assert set(people["risk_level"]) <= set(RISK_LEVELS)
    assert _all_codes(people["grooming_models"]) <= set(GROOMING_MODELS)
    assert _all_codes(people["needs_flags"]) <= set(NEEDS_FLAGS)
    assert (people["mfh_count"] >= 0).all()
    expected_level = np.select(
        [people["screening_score"] >= HIGH_FROM, people["screening_score"] >= MEDIUM_FROM],
        ["high", "medium"],
        "low",
    )
    assert (people["risk_level"] == expected_level).all()
    age = data.truth["screening"]["age_reference_year"] - people["birth_year"]
    bands = {"10-12": (10, 12), "13-15": (13, 15), "16-17": (16, 17)}
    low = people["age_band"].map(lambda band: bands[band][0])
    high = people["age_band"].map(lambda band: bands[band][1])
    assert age.between(low, high).all()


IDENTIFIER_PATTERNS = {
    "digit": r"\d",
    "e-mail": r"@",
    "web address": r"https?:|www\.",
    "postcode": r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",
    "reference": r"\b(?:YP|SYN|LIC)-",
}


def test_notes_carry_no_identifiers(data: SyntheticData) -> None:
    notes = data.sightings["note"].dropna().unique()
    assert len(notes) > 5
    names = set(data.premises["name"]) | set(pd.read_csv(GAZETTEER)["name"])
    for note in notes:
        assert len(note) < 120
        for what, pattern in IDENTIFIER_PATTERNS.items():
            assert not re.search(pattern, note), f"note {note!r} contains a {what}"
        assert not any(name in note for name in names), note


# --- truth -------------------------------------------------------------------------------------


def test_truth_is_json_and_complete(data: SyntheticData) -> None:
    assert json.loads(truth_json(data)) == data.truth
    truth = data.truth
    assert truth["synthetic"] is True
    assert truth["seed"] == 11
    needed = {"id", "kind", "name", "centre", "radius_m", "grooming_models", "premises_ref",
              "active", "sightings", "distinct_people"}  # fmt: skip
    for entry in truth["patterns"]:
        assert needed <= set(entry)
        assert entry["kind"] in KINDS
        assert set(entry["grooming_models"]) <= set(GROOMING_MODELS)
    ids = [entry["id"] for entry in truth["patterns"]]
    assert len(ids) == len(set(ids))
    assert set(data.sightings["pattern"]) == {*ids, "background"}
    assert {entry["kind"] for entry in truth["patterns"]} == KINDS


def test_truth_counts_equal_the_frames(data: SyntheticData) -> None:
    months = data.truth["period"]["months"]
    start = pd.Timestamp(data.truth["period"]["start"])
    for entry in data.truth["patterns"]:
        rows = _rows(data, entry)
        assert len(rows) == entry["sightings"], entry["id"]
        assert len(_people_of(data, rows["source_ref"])) == entry["distinct_people"], entry["id"]
        month = (rows["seen_at"].dt.year - start.year) * 12 + rows["seen_at"].dt.month - start.month
        monthly = np.bincount(month, minlength=months).tolist()
        assert monthly == entry["monthly_sightings"], entry["id"]
        assert rows["seen_at"].min() == pd.Timestamp(entry["first_seen"])
        assert rows["seen_at"].max() == pd.Timestamp(entry["last_seen"])
        first, last = entry["active"]["first_month"], entry["active"]["last_month"]
        assert first <= rows["seen_at"].dt.strftime("%Y-%m").min()
        assert rows["seen_at"].dt.strftime("%Y-%m").max() <= last


def test_planted_sightings_lie_within_their_radius(data: SyntheticData) -> None:
    for entry in data.truth["patterns"]:
        rows = _rows(data, entry)
        x, y = _bng(rows)
        cx, cy = TO_BNG.transform(entry["centre"]["lon"], entry["centre"]["lat"])
        distance = np.hypot(x - cx, y - cy)
        assert distance.max() <= entry["radius_m"] + 0.01, entry["id"]


def test_premises_patterns_are_seen_at_their_premises(data: SyntheticData) -> None:
    premises = data.premises.set_index("premises_ref")
    for entry in data.truth["patterns"]:
        rows = _rows(data, entry)
        if entry["kind"] not in PREMISES_OF_KIND:
            assert entry["premises_ref"] is None
            assert rows["premises_ref"].isna().all()
            continue
        ref = entry["premises_ref"]
        assert (rows["premises_ref"] == ref).all(), entry["id"]
        assert premises.loc[ref, "category"] in PREMISES_OF_KIND[entry["kind"]]
        assert premises.loc[ref, "name"] == entry["name"]


def test_every_planted_pattern_carries_its_grooming_model(data: SyntheticData) -> None:
    for entry in data.truth["patterns"]:
        rows = _rows(data, entry)
        assert rows["grooming_models"].str.contains(entry["primary_model"]).all(), entry["id"]
        assert _all_codes(rows["grooming_models"]) <= set(entry["grooming_models"])


# --- the planted patterns ----------------------------------------------------------------------


def test_on_street_hotspots_are_busy_in_the_evening_with_recurring_cars(
    data: SyntheticData,
) -> None:
    hotspots = _patterns(data, "on_street_hotspot")
    assert sorted(entry["name"] for entry in hotspots) == ["Daubhill", "Deane", "Halliwell"]
    for entry in hotspots:
        rows = _rows(data, entry)
        assert entry["sightings"] >= 40 and entry["distinct_people"] >= 8
        evening = rows["seen_at"].dt.hour.between(18, 23).mean()
        assert evening > 0.6, entry["name"]
        weekend = rows["seen_at"].dt.day_of_week.isin([4, 5]).mean()
        assert weekend > 2 / 7, entry["name"]
        assert rows["vehicle_token"].value_counts().max() >= 3
        assert set(rows["vehicle_token"].dropna()) <= set(entry["vehicle_tokens"])
        indicators = _all_codes(rows["indicators"])
        assert {"collected_by_adults", "unexplained_goods", "risky_area"} <= indicators


def test_on_street_hotspots_sit_at_their_gazetteer_place(data: SyntheticData) -> None:
    places = pd.read_csv(GAZETTEER).set_index("name")
    for entry in _patterns(data, "on_street_hotspot"):
        place = places.loc[entry["name"]]
        px, py = TO_BNG.transform(place["lon"], place["lat"])
        cx, cy = TO_BNG.transform(entry["centre"]["lon"], entry["centre"]["lat"])
        assert np.hypot(px - cx, py - cy) <= 150
        assert entry["nearest_place"] == entry["name"]


def test_halliwell_intensifies(demo: SyntheticData) -> None:
    (halliwell,) = [e for e in _patterns(demo, "on_street_hotspot") if e["name"] == "Halliwell"]
    monthly = halliwell["monthly_sightings"]
    assert halliwell["trend"] == "intensifying"
    assert sum(monthly[-12:]) > 1.4 * sum(monthly[:12])


def test_group_routes_lead_from_first_contact_to_hotels(data: SyntheticData) -> None:
    hotels = {entry["id"]: entry for entry in _patterns(data, "group_hotel")}
    contacts = _patterns(data, "group_first_contact")
    assert len(hotels) == 3 and len(contacts) >= 3
    for hotel in hotels.values():
        rows = _rows(data, hotel)
        assert hotel["distinct_people"] >= 8
        night = rows["seen_at"].dt.hour.isin([21, 22, 23, 0, 1, 2, 3]).mean()
        assert night > 0.7
    for contact in contacts:
        hotel = hotels[contact["route_to"]]
        at_contact = _people_of(data, _rows(data, contact)["source_ref"])
        at_hotel = _people_of(data, _rows(data, hotel)["source_ref"])
        assert len(at_contact & at_hotel) >= 3, contact["id"]
    assert {contact["premises_category"] for contact in contacts} == {
        "takeaway", "park", "taxi_office"
    }  # fmt: skip


def test_party_addresses_gather_many_young_people_at_weekend_nights(data: SyntheticData) -> None:
    parties = _patterns(data, "party_address")
    assert len(parties) >= 2
    for party in parties:
        rows = _rows(data, party)
        assert party["distinct_people"] >= 8
        weekend_night = rows["seen_at"].dt.day_of_week.isin([4, 5, 6]).mean()
        assert weekend_night > 0.6


def test_risky_addresses_see_a_few_young_people_repeatedly(data: SyntheticData) -> None:
    risky = _patterns(data, "risky_address")
    assert {entry["primary_model"] for entry in risky} == {"boyfriend", "lone"}
    for entry in risky:
        assert 2 <= entry["distinct_people"] <= 6
        assert entry["sightings"] >= 3 * entry["distinct_people"]


def test_internet_records_are_placed_at_their_area(data: SyntheticData) -> None:
    entries = _patterns(data, "internet_area")
    assert entries
    places = pd.read_csv(GAZETTEER).set_index("name")
    for entry in entries:
        rows = _rows(data, entry)
        assert (rows["precision"] == "area").all()
        assert np.allclose(rows["lon"], places.loc[entry["name"], "lon"], rtol=0, atol=1e-9)
        assert np.allclose(rows["lat"], places.loc[entry["name"], "lat"], rtol=0, atol=1e-9)
        assert (rows["area_code"] == entry["area_code"]).all()
    others = data.sightings[~data.sightings["pattern"].str.startswith("internet-")]
    assert (others["precision"] != "area").all()


def test_background_is_about_half_and_diffuse(data: SyntheticData) -> None:
    s = data.sightings
    background = s["pattern"] == "background"
    assert 0.40 <= background.mean() <= 0.55
    x, y = _bng(s)
    cell = pd.Series(np.floor(x / 250) * 1e6 + np.floor(y / 250), index=s["source_ref"])
    smallest = min(_patterns(data, "on_street_hotspot"), key=lambda e: e["sightings"])
    assert cell[background.to_numpy()].value_counts().max() < 0.1 * smallest["sightings"]
    links = data.sighting_people[
        data.sighting_people["source_ref"].isin(s["source_ref"][background])
    ]
    people_per_cell = links.assign(cell=cell.reindex(links["source_ref"]).to_numpy())
    crowd = people_per_cell.groupby("cell")["pseudonym"].nunique().max()
    assert crowd < 0.75 * smallest["distinct_people"]


def test_background_premises_rank_below_planted_places(data: SyntheticData) -> None:
    s = data.sightings
    links = data.sighting_people.merge(s[["source_ref", "premises_ref", "pattern"]])
    at_premises = links.dropna(subset=["premises_ref"])
    people = at_premises.groupby(["premises_ref", "pattern"])["pseudonym"].nunique()
    background = people.xs("background", level="pattern").max()
    planted = min(e["distinct_people"] for e in data.truth["patterns"]
                  if e["kind"] in ("group_hotel", "party_address"))  # fmt: skip
    assert background < planted


def test_disruption_drops_the_hotspot_and_displaces_to_a_neighbour(demo: SyntheticData) -> None:
    (disruption,) = _patterns(demo, "disruption")
    (target,) = [e for e in _patterns(demo, "on_street_hotspot") if e["name"] == "Daubhill"]
    assert disruption["hotspot"] == "Daubhill" and disruption["hotspot_id"] == target["id"]
    start = pd.Timestamp(disruption["start_date"])
    before = _rows(demo, target)["seen_at"] < start
    first = pd.Timestamp(demo.truth["period"]["start"])
    months_before = (start.year - first.year) * 12 + start.month - first.month
    rate_before = before.sum() / months_before
    rate_after = (~before).sum() / (36 - months_before)
    assert 0.45 <= 1 - rate_after / rate_before <= 0.75
    assert disruption["observed"]["target_drop"] == pytest.approx(
        1 - rate_after / rate_before, abs=1e-3
    )
    displaced = _rows(demo, disruption)
    assert (displaced["seen_at"] >= start).all()
    tx, ty = TO_BNG.transform(target["centre"]["lon"], target["centre"]["lat"])
    dx, dy = TO_BNG.transform(disruption["centre"]["lon"], disruption["centre"]["lat"])
    assert 600 <= np.hypot(tx - dx, ty - dy) <= 900
    assert disruption["displacement"]["centre"] == disruption["centre"]
    assert disruption["target"]["centre"] == target["centre"]
    moved = _people_of(demo, displaced["source_ref"])
    assert moved <= _people_of(demo, _rows(demo, target)["source_ref"])
    assert set(displaced["vehicle_token"].dropna()) & set(target["vehicle_tokens"])


def test_without_disruption_nothing_is_displaced(gazetteer: pd.DataFrame) -> None:
    data = generate(sightings=5_000, seed=2, gazetteer=gazetteer, plant_disruption=False)
    assert len(data.sightings) == 5_000
    assert not _patterns(data, "disruption")
    assert data.truth["plant_disruption"] is False
    assert not data.sightings["pattern"].str.startswith("disruption").any()
    (daubhill,) = [e for e in _patterns(data, "on_street_hotspot") if e["name"] == "Daubhill"]
    assert daubhill["trend"] == "stable"


def test_other_periods_are_honoured(gazetteer: pd.DataFrame) -> None:
    from datetime import date

    data = generate(sightings=1_000, seed=4, start=date(2024, 4, 1), months=12, gazetteer=gazetteer)
    seen = data.sightings["seen_at"]
    assert seen.min() >= pd.Timestamp("2024-04-01") and seen.max() < pd.Timestamp("2025-04-01")
    assert data.truth["period"]["end"] == "2025-03-31"
    assert all(len(entry["monthly_sightings"]) == 12 for entry in data.truth["patterns"])


# --- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sightings", [999, 1_000_001])
def test_rejects_sizes_out_of_range(gazetteer: pd.DataFrame, sightings: int) -> None:
    with pytest.raises(ValueError, match="sightings"):
        generate(sightings=sightings, gazetteer=gazetteer)


def test_rejects_a_gazetteer_without_the_hotspot_places(gazetteer: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Daubhill"):
        generate(gazetteer=gazetteer[gazetteer["name"] != "Daubhill"])
    with pytest.raises(ValueError, match="missing columns"):
        generate(gazetteer=gazetteer.drop(columns="kind"))


def test_area_codes_follow_gazetteer_rows(gazetteer: pd.DataFrame) -> None:
    areas = area_codes(gazetteer)
    assert areas["code"].tolist()[:3] == ["BOL-001", "BOL-002", "BOL-003"]
    assert areas["name"].tolist() == gazetteer["name"].tolist()
