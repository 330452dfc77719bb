"""The shared validation rules: every rule with a failing value, and one record = one frame row."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from hotspots.config import Settings
from hotspots.ingest.rules import (
    RuleContext,
    VehicleKeyMissing,
    check_area,
    check_context_point,
    check_frame,
    check_note,
    check_person,
    check_premises,
    check_record,
    check_sighting,
)
from hotspots.ingest.tokens import vehicle_token
from tests.import_files import NOW, person_row, premises_row, sighting_row

CONTEXT = RuleContext(now=NOW, vehicle_key=b"test-key")


def only_problem(checked) -> tuple[str, str, str | None]:
    assert len(checked.problems) == 1, checked.problems
    problem = checked.problems[0]
    return problem.field, problem.reason, problem.suggestion


def test_a_valid_sighting_gives_clean_values() -> None:
    checked = check_sighting(sighting_row(), CONTEXT)
    assert checked.ok, checked.problems
    assert checked.values["seen_at"] == datetime(2025, 3, 1, 21, 30)
    assert checked.values["lon"] == pytest.approx(-2.4436)
    assert checked.values["indicators"] == "adults_loitering|risky_area"  # canonical order
    assert checked.values["precision"] == "street"


#: field, bad value, a phrase of the reason, the suggestion.
SIGHTING_FAILURES = [
    ("source_ref", "", "is empty", None),
    ("seen_at", "", "is empty", None),
    ("seen_at", "31/02/2025", "not a real date", None),
    ("seen_at", "12/31/2024 10:00", "there is no month 31", "31/12/2024 10:00"),
    ("seen_at", "01/03/25", "two-digit year", "01/03/2025"),
    ("seen_at", "yesterday", "is not a date", None),
    ("seen_at", "2027-01-01 10:00", "in the future", None),
    ("seen_at", "1999-12-31", "before 2000", None),
    ("seen_at", "2025-03", "is a month, not a date", "2025-03-01"),
    ("latitude", "53.9", "outside the configured area", None),
    ("latitude", "north", "is not a number; expected decimal degrees of latitude", None),
    ("precision", "approximate", "not a known precision", None),
    ("grooming_models", "on street", "not a known grooming model", "on_street"),
    ("grooming_models", "party|grp", "holds 'grp', not a known grooming model", "group"),
    ("indicators", "risky areas", "not a known indicator", "risky_area"),
    ("people", "Jane Smith", "looks like a name", None),
    ("people", "YP-1A2B3C|12345", "is not a pseudonym", None),
    ("premises_ref", "x" * 65, "longer than 64", None),
    ("vehicle_token", "AB12CDE", "not a vehicle token", None),
    ("vehicle_registration", "unknown", "not a vehicle registration", None),
    ("source_agency", "", "is empty", None),
    ("source_agency", "social care", "not a known agency", "social_care"),
    ("grading", "4B P", "not a 3x5x2 grading", None),
    ("intelligence_assessment", "F", "not a known intelligence assessment", None),
    ("source_evaluation", "5", "not a known source evaluation", None),
    ("handling_code", "X", "not a known handling code", None),
    ("note", "Ring 07700 900123 after school", "looks like a phone number", None),
    ("note", "Bad\x1bnote", "control or text-direction character", None),
    ("area_code", "BL3 4AB", "full postcode", "BL3"),
    ("area_code", "Bolton; ward", "not an area code", None),
]


@pytest.mark.parametrize(
    ("field", "value", "reason", "suggestion"),
    SIGHTING_FAILURES,
    ids=[f"{f}={v[:20]!r}" for f, v, _, _ in SIGHTING_FAILURES],
)
def test_each_sighting_rule_refuses_its_bad_value(field, value, reason, suggestion) -> None:
    found_field, found_reason, found_suggestion = only_problem(
        check_sighting(sighting_row(**{field: value}), CONTEXT)
    )
    assert found_field == field
    assert reason in found_reason
    assert found_suggestion == suggestion


def test_swapped_latitude_and_longitude_are_spotted() -> None:
    row = sighting_row(latitude="-2.4436", longitude="53.5772")
    field, reason, suggestion = only_problem(check_sighting(row, CONTEXT))
    assert (field, suggestion) == ("latitude", "latitude and longitude look swapped")
    assert "outside the configured area" in reason


def test_the_area_comes_from_the_settings() -> None:
    london = RuleContext(bbox=(-0.2, 51.4, 0.1, 51.6), now=NOW)
    assert not check_sighting(sighting_row(), london).ok
    assert check_sighting(sighting_row(latitude="51.51", longitude="-0.09"), london).ok


def test_easting_and_northing_are_converted_to_wgs84() -> None:
    row = sighting_row(latitude="", longitude="", easting="371450", northing="408760")
    checked = check_sighting(row, CONTEXT)
    assert checked.ok, checked.problems
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(371450, 408760)
    assert (checked.values["lon"], checked.values["lat"]) == pytest.approx((lon, lat), abs=1e-6)


def test_grid_metres_in_the_latitude_columns_are_detected() -> None:
    row = sighting_row(latitude="408760", longitude="371450")
    checked = check_sighting(row, CONTEXT)
    assert checked.ok
    as_grid = check_sighting(
        sighting_row(latitude="", longitude="", easting="371450", northing="408760"), CONTEXT
    )
    assert checked.values["lat"] == as_grid.values["lat"]


def test_a_bad_easting_reads_as_the_style_guide_says() -> None:
    row = sighting_row(latitude="", longitude="", easting="3X5000", northing="408760")
    (problem,) = check_sighting(row, CONTEXT).problems
    assert problem.message("easting", "sightings.csv row 214") == (
        "sightings.csv row 214, column 'easting': '3X5000' is not a number; expected metres"
        " east on the British National Grid"
    )


def test_half_a_location_is_refused() -> None:
    field, reason, _ = only_problem(check_sighting(sighting_row(longitude=""), CONTEXT))
    assert (field, reason) == ("longitude", "is empty; latitude needs longitude too")
    _, reason, _ = only_problem(check_sighting(sighting_row(longitude="", latitude=""), CONTEXT))
    assert "a location is required" in reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/02/2025 21:30", datetime(2025, 2, 3, 21, 30)),
        ("3/2/2025", datetime(2025, 2, 3)),
        ("03/02/2025 21:30:15", datetime(2025, 2, 3, 21, 30, 15)),
        ("2025-02-03", datetime(2025, 2, 3)),
        ("2025-02-03T21:30", datetime(2025, 2, 3, 21, 30)),
        ("2025-02-03T21:30:00Z", datetime(2025, 2, 3, 21, 30)),  # GMT in February
        ("2025-07-01T12:00:00Z", datetime(2025, 7, 1, 13, 0)),  # BST in July
        ("2025-07-01T12:00:00+01:00", datetime(2025, 7, 1, 12, 0)),
    ],
)
def test_iso_and_uk_dates(text: str, expected: datetime) -> None:
    checked = check_sighting(sighting_row(seen_at=text), CONTEXT)
    assert checked.ok, checked.problems
    assert checked.values["seen_at"] == expected


def test_a_month_is_a_date_in_a_context_layer_only() -> None:
    point = check_context_point(
        {"seen_at": "2016-12", "latitude": "53.58", "longitude": "-2.43"}, CONTEXT
    )
    assert point.ok and point.values["seen_at"] == datetime(2016, 12, 1)


def test_labels_and_codes_in_any_case_are_accepted() -> None:
    checked = check_sighting(
        sighting_row(grooming_models="On-street|INTERNET/MOBILE", source_agency="Police",
                     grading="2/b/p"), CONTEXT,
    )  # fmt: skip
    assert checked.ok, checked.problems
    assert checked.values["grooming_models"] == "internet|on_street"
    assert (
        checked.values["source_evaluation"],
        checked.values["intelligence_assessment"],
        checked.values["handling_code"],
    ) == ("2", "B", "P")


def test_decimal_commas_and_thousands_separators() -> None:
    commas = check_sighting(sighting_row(latitude="53,5772", longitude="-2,4436"), CONTEXT)
    assert commas.ok and commas.values["lat"] == pytest.approx(53.5772)
    grid = sighting_row(latitude="", longitude="", easting="371,450", northing="408,760")
    assert check_sighting(grid, CONTEXT).ok


def test_notes_are_redacted_when_asked() -> None:
    row = sighting_row(note="Mr Khan gave her a phone, 07700 900123")
    refused = check_sighting(row, CONTEXT)
    assert (
        refused.problems[0].value
        == "[person's name removed] gave her a phone, [phone number removed]"
    )
    redacting = RuleContext(now=NOW, redact=True)
    checked = check_sighting(row, redacting)
    assert checked.ok
    assert checked.values["note"] == (
        "[person's name removed] gave her a phone, [phone number removed]"
    )
    frame = check_frame("sightings", pd.DataFrame([row, sighting_row(source_ref="B")]), redacting)
    assert frame.redacted == 1


def test_check_note_keeps_the_signature_the_disruption_form_uses() -> None:
    clean, problems = check_note("notes", "Patrols at the parade from Friday.", redact=False)
    assert (clean, problems) == ("Patrols at the parade from Friday.", [])
    _, problems = check_note("notes", "Contact jo@example.org", redact=False)
    assert "an e-mail address" in problems[0].reason


def test_plates_become_keyed_tokens_and_need_a_key() -> None:
    checked = check_sighting(sighting_row(vehicle_registration="ab12 cde"), CONTEXT)
    assert checked.values["vehicle_token"] == vehicle_token("AB12CDE", b"test-key")
    assert len(checked.values["vehicle_token"]) == 16
    no_key = RuleContext(now=NOW, vehicle_key_problem="HOTSPOTS_VEHICLE_KEY is not set")
    with pytest.raises(VehicleKeyMissing, match="HOTSPOTS_VEHICLE_KEY"):
        check_sighting(sighting_row(vehicle_registration="AB12CDE"), no_key)


def test_outside_demo_mode_a_missing_key_is_named() -> None:
    context = RuleContext.from_settings(Settings(demo_mode=False, vehicle_key=""))
    assert context.vehicle_key is None and "HOTSPOTS_VEHICLE_KEY" in context.vehicle_key_problem
    assert RuleContext.from_settings(Settings(demo_mode=True)).vehicle_key is not None


PEOPLE_FAILURES = [
    ("pseudonym", "", "is empty", None),
    ("pseudonym", "Jane Smith", "looks like a name", None),
    ("pseudonym", "Jane-Smith", "looks like a name", None),
    ("birth_year", "2030", "is outside", None),
    ("birth_year", "14/03/2010", "not a whole number", None),
    ("age_band", "13 to 15", "not a known age band", "13-15"),
    ("gender", "woman", "not a known gender", None),
    ("ethnicity", "White British (see note #4)", "not an ethnic group", None),
    ("needs_flags", "send|lac", "not a known needs flag", None),
    ("home_area_code", "BL1 1AA", "full postcode", "BL1"),
    ("screening_score", "seven", "not a whole number", None),
    ("risk_level", "very high", "not a known risk level", None),
    ("grooming_models", "gang", "not a known grooming model", None),
    ("mfh_count", "-1", "is outside", None),
]


@pytest.mark.parametrize(("field", "value", "reason", "suggestion"), PEOPLE_FAILURES)
def test_each_profile_rule_refuses_its_bad_value(field, value, reason, suggestion) -> None:
    found_field, found_reason, found_suggestion = only_problem(
        check_person(person_row(**{field: value}), CONTEXT)
    )
    assert (found_field, found_suggestion) == (field, suggestion)
    assert reason in found_reason


def test_profile_codes_and_defaults() -> None:
    checked = check_person(person_row(gender="F", risk_level="HIGH", mfh_count=""), CONTEXT)
    assert checked.ok, checked.problems
    assert (checked.values["gender"], checked.values["risk_level"]) == ("female", "high")
    assert checked.values["mfh_count"] == 0


PREMISES_FAILURES = [
    ("name", "", "is empty", None),
    ("category", "", "is empty", None),
    ("category", "hotels", "not a known premises category", "hotel"),
    ("category", "Taxi offices", "not a known premises category", "taxi_office"),
    ("latitude", "54.2", "outside the configured area", None),
]


@pytest.mark.parametrize(("field", "value", "reason", "suggestion"), PREMISES_FAILURES)
def test_each_premises_rule_refuses_its_bad_value(field, value, reason, suggestion) -> None:
    found_field, found_reason, found_suggestion = only_problem(
        check_premises(premises_row(**{field: value}), CONTEXT)
    )
    assert (found_field, found_suggestion) == (field, suggestion)
    assert reason in found_reason


def test_premises_without_a_reference_get_a_stable_one() -> None:
    first = check_premises(premises_row(premises_ref=""), CONTEXT).values["premises_ref"]
    again = check_premises(premises_row(premises_ref=""), CONTEXT).values["premises_ref"]
    assert first == again and first.startswith("P-")


def test_area_boundaries() -> None:
    square = "POLYGON ((-2.45 53.57, -2.44 53.57, -2.44 53.58, -2.45 53.58, -2.45 53.57))"
    checked = check_area({"code": "E05000650", "name": "Astley Bridge", "geometry": square})
    assert checked.ok and checked.values["wkt"].startswith("MULTIPOLYGON")
    assert checked.values["kind"] == "area"
    point = check_area({"code": "X", "name": "X", "geometry": "POINT (-2.44 53.57)"})
    assert "is not a polygon" in point.problems[0].reason
    far = "POLYGON ((0 51, 0.1 51, 0.1 51.1, 0 51.1, 0 51))"
    assert "outside" in check_area({"code": "X", "name": "X", "geometry": far}).problems[0].reason


def test_unknown_field_names_are_refused_so_a_form_cannot_lose_a_box() -> None:
    with pytest.raises(ValueError, match="unknown sightings fields"):
        check_record("sightings", {"seen": "2025-01-01"})


def test_typed_values_from_a_form_are_accepted() -> None:
    checked = check_sighting(
        {"source_ref": "F-1", "seen_at": datetime(2025, 3, 1, 21, 30), "latitude": 53.5772,
         "longitude": -2.4436, "source_agency": "police",
         "grooming_models": ["on_street", "group"], "people": ()}, CONTEXT,
    )  # fmt: skip
    assert checked.ok, checked.problems
    assert checked.values["grooming_models"] == "group|on_street"


# ---------------------------------------------------------------- one record == one frame row

_VALUES = {
    "source_ref": ["INT-1", "INT-2", "", "x" * 70, "A\x07B"],
    "seen_at": ["2025-03-01 21:30", "03/02/2025", "31/02/2025", "2030-01-01", "", "1999-01-01",
                "12/31/2024", "2025-07-01T12:00:00Z", "soon"],
    "latitude": ["53.5772", "53,58", "", "north", "53.9", "-2.44", "408760"],
    "longitude": ["-2.4436", "-2,44", "", "-2.9", "53.57", "371450"],
    "easting": ["", "", "", "371450", "3X5000"],
    "northing": ["", "", "", "408760"],
    "precision": ["", "exact", "Street", "approx"],
    "grooming_models": ["", "on_street", "on street", "Party|group", "party;x"],
    "indicators": ["", "risky_area", "risky area|swapping"],
    "people": ["", "YP-1A2B3C", "Jane Smith", "yp-00aa11|YP-ABCDEF"],
    "vehicle_registration": ["", "", "AB12 CDE", "unknown"],
    "vehicle_token": ["", "0123456789abcdef", "zz"],
    "source_agency": ["police", "Police", "", "social care"],
    "grading": ["", "2B P", "9Z"],
    "intelligence_assessment": ["", "c", "F"],
    "note": ["", "Seen with older males.", "Call 07700 900123", "Jane Smith at the shops"],
    "area_code": ["", "E05000650", "BL3 4AB"],
}  # fmt: skip

records = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _VALUES.items()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=8), st.booleans())
def test_check_record_and_check_frame_agree(rows: list[dict], redact: bool) -> None:
    context = RuleContext(now=NOW, vehicle_key=b"k", redact=redact)
    frame = check_frame("sightings", pd.DataFrame(rows), context)
    for position, row in enumerate(rows):
        single = check_record("sightings", row, context)
        in_frame = frame.problems[frame.problems["row"] == position]
        assert [(p.field, p.value, p.reason, p.suggestion) for p in single.problems] == [
            (r.field, r.value, r.reason, r.suggestion) for r in in_frame.itertuples()
        ]
        if single.ok:
            accepted = frame.values.loc[position].to_dict()
            assert {k: _same(v) for k, v in accepted.items()} == {
                k: _same(v) for k, v in single.values.items()
            }
        else:
            assert position not in frame.values.index


def _same(value: object) -> object:
    """Frame cells and record values compared as plain Python (NaN, NA and None alike)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value
