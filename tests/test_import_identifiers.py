"""The identifier guard and vehicle tokens: each kind of direct identifier is found, by heading,
by content and in notes; notes can be redacted; tokens are stable for a key and differ by key."""

from __future__ import annotations

import pytest

from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.identifiers import (
    PERSON_RECORD_KINDS,
    column_identifier,
    find_identifiers,
    header_identifier,
    redact,
)
from hotspots.ingest.mapping import ColumnMapping, resolve_mapping
from hotspots.ingest.pipeline import guard_identifiers
from hotspots.ingest.readers import read_csv
from hotspots.ingest.tokens import normalise_plate, vehicle_token
from tests.import_files import csv_bytes, sighting_row

TEXT_CASES = [
    ("person_name", "Seen with Jordan Smith by the shops"),
    ("person_name", "Mrs Patel reported it"),
    ("person_name", "an adult called Daz"),
    ("date_of_birth", "DOB 14/03/2010, seen late"),
    ("date_of_birth", "born on 3rd March 2011"),
    ("phone", "texts from 07700 900123"),
    ("phone", "rang +44 161 496 0000"),
    ("email", "messages from jo.bloggs@example.org"),
    ("postcode", "dropped at BL3 4AB"),
    ("address", "taken to 12 Acacia Avenue"),
    ("address", "stays at flat 3 most nights"),
    ("nhs_number", "NHS 943 476 5919"),
    ("police_reference", "PNC 98/123456X"),
    ("vehicle_registration", "a silver car AB12 CDE"),
]


@pytest.mark.parametrize(("kind", "text"), TEXT_CASES)
def test_each_kind_of_identifier_is_found_in_text(kind: str, text: str) -> None:
    assert kind in {finding.kind for finding in find_identifiers(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Seen getting into a car with older males.",
        "Young people gathered by the shops on Deane Road; adults in cars nearby.",
        "Dropped off by an unknown adult at 23:30 on 01/02/2025.",
        "Staff called Police about visitors at the Station Lodge Hotel.",
        "Group of 3 young people met adults here after school.",
        "Grid ref 371450 408760, precision street.",
    ],
)
def test_ordinary_notes_pass(text: str) -> None:
    assert find_identifiers(text) == []


def test_redaction_replaces_each_identifier_with_a_marker() -> None:
    redacted, findings = redact("Jordan Smith (DOB 14/03/2010) on 07700 900123 at BL3 4AB")
    assert redacted == (
        "[person's name removed] ([date of birth removed]) on [phone number removed] at"
        " [full postcode removed]"
    )
    assert [f.kind for f in findings] == ["person_name", "date_of_birth", "phone", "postcode"]


HEADINGS = [
    ("Surname", "person_name"),
    ("First name", "person_name"),
    ("Child's name", "person_name"),
    ("Name", "person_name"),
    ("DOB", "date_of_birth"),
    ("Date of birth", "date_of_birth"),
    ("Mobile", "phone"),
    ("Telephone number", "phone"),
    ("E-mail", "email"),
    ("Home postcode", "postcode"),
    ("Address line 1", "address"),
    ("NHS number", "nhs_number"),
    ("PNC ID", "police_reference"),
]


@pytest.mark.parametrize(("heading", "kind"), HEADINGS)
def test_each_kind_of_identifier_heading_is_known(heading: str, kind: str) -> None:
    assert header_identifier(heading, person_records=True) == kind


def test_place_records_may_name_places_and_business_addresses() -> None:
    for heading in ("Name", "Address", "Postcode", "Telephone", "LSOA name", "Ward name"):
        assert header_identifier(heading, person_records=False) is None
    assert header_identifier("Licence holder surname", person_records=False) == "person_name"
    assert header_identifier("Ward name", person_records=True) is None


def test_a_column_is_an_identifier_when_most_values_are() -> None:
    phones = ["07700 900123", "01204 555123", "", "07700 900999"]
    assert column_identifier(phones, PERSON_RECORD_KINDS).kind == "phone"
    assert column_identifier(["SYN-S-0000001", "INT-2"], PERSON_RECORD_KINDS) is None


def _guard(rows: list[dict[str, str]], mapping: ColumnMapping | None = None, kind="sightings"):
    raw = read_csv(csv_bytes(rows), "sightings.csv")
    resolved = resolve_mapping(kind, raw.headers, raw.file_name, explicit=mapping)
    guard_identifiers(kind, raw, resolved)


IDENTIFIER_COLUMNS = [
    ("Surname", "Smith"),
    ("DOB", "14/03/2010"),
    ("Contact", "07700 900123"),
    ("Email address", "jo@example.org"),
    ("Postcode", "BL3 4AB"),
    ("Home", "12 Acacia Avenue"),
    ("NHS", "943 476 5919"),
    ("Info", "943 476 5919"),
    ("PNC", "98/123456X"),
]


@pytest.mark.parametrize(("column", "value"), IDENTIFIER_COLUMNS)
def test_a_file_with_an_identifier_column_is_refused(column: str, value: str) -> None:
    with pytest.raises(ImportRejected, match=f"column '{column}'.*--map drop={column}"):
        _guard([sighting_row(**{column: value})])


@pytest.mark.parametrize(("column", "value"), IDENTIFIER_COLUMNS)
def test_dropping_the_column_lets_the_file_through(column: str, value: str) -> None:
    _guard([sighting_row(**{column: value})], ColumnMapping(dropped=(column,)))


def test_names_in_the_people_column_refuse_the_file() -> None:
    rows = [sighting_row(source_ref=f"R{i}", people=name) for i, name in
            enumerate(("Jane Smith", "Amy Jones", "Mr Patel", "YP-1A2B3C"))]  # fmt: skip
    with pytest.raises(ImportRejected, match="column 'people' holds people's names"):
        _guard(rows)


def test_tokens_are_stable_for_one_key_and_differ_between_keys() -> None:
    assert vehicle_token("AB12 CDE", b"key-one") == vehicle_token("ab12cde", b"key-one")
    assert vehicle_token("AB12CDE", b"key-one") != vehicle_token("AB12CDE", b"key-two")
    assert vehicle_token("AB12CDE", b"key-one") != vehicle_token("AB12CDF", b"key-one")
    token = vehicle_token("AB12CDE", b"key-one")
    assert len(token) == 16 and int(token, 16) >= 0  # the synthetic tokens' shape
    assert normalise_plate("not known") is None
