"""Importing into the database, on SpatiaLite and PostGIS: formats, coordinates, dates, every
outcome of a row (accepted, rejected, duplicate), re-import, strict mode, undo, the identifier
guard, redaction, vehicle tokens, remembered mappings, police.uk layers, and all-or-nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

import hotspots.db.imports as imports_module
from hotspots.config import Settings
from hotspots.db.access import User, data_version, table_counts
from hotspots.db.audit import read_audit
from hotspots.db.batches import BatchNotFound
from hotspots.db.imports import (
    import_file,
    list_imports,
    remembered_mapping,
    undo_import,
)
from hotspots.db.runs import context_layer
from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.mapping import ColumnMapping, parse_map_options
from hotspots.ingest.pipeline import ImportFile
from hotspots.ingest.tokens import vehicle_token
from tests.import_files import (
    NOW,
    csv_bytes,
    person_row,
    premises_row,
    sighting_row,
    synthetic_files,
    xlsx_bytes,
)
from tests.test_import_rules import PEOPLE_FAILURES, PREMISES_FAILURES, SIGHTING_FAILURES

ANALYST = User("amy", "analyst", "weekly import")
SETTINGS = Settings(demo_mode=False, vehicle_key="k" * 40)


def run(engine: Engine, name: str, data: bytes, kind: str = "sightings", **options):
    options.setdefault("settings", SETTINGS)
    options.setdefault("now", NOW)
    return import_file(engine, ANALYST, ImportFile(name, data), kind, **options)


def rows(engine: Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def test_synthetic_people_premises_and_sightings(engine: Engine) -> None:
    files = synthetic_files(1_000)
    before = data_version(engine)
    people = run(engine, "people.csv", files["people"], "people")
    premises = run(engine, "premises.csv", files["premises"], "premises")
    sightings = run(engine, "sightings.csv", files["sightings"])
    assert (people.rejected, premises.rejected, sightings.rejected) == (0, 0, 0)
    counts = table_counts(engine)
    assert counts["sighting"] == sightings.accepted == 1_000
    assert counts["young_person"] == people.accepted
    assert counts["sighting_person"] > 0
    linked = rows(engine, "SELECT count(*) FROM sighting WHERE premises_id IS NOT NULL")[0][0]
    assert linked == pd.read_csv(io.BytesIO(files["sightings"]))["premises_ref"].notna().sum()
    assert rows(engine, "SELECT count(*) FROM sighting WHERE geom IS NULL") == [(0,)]
    batches = list_imports(engine, ANALYST).sort_values("id")
    assert batches["kind"].tolist() == ["people", "premises", "sightings"]
    assert batches["sha256"].iloc[2] == ImportFile("s", files["sightings"]).sha256
    assert batches["accepted"].iloc[2] == 1_000 and batches["username"].iloc[2] == "amy"
    audit = read_audit(engine)
    collections = audit[audit["action"] == "collection"]
    assert len(collections) == 3 and set(collections["purpose"]) == {"weekly import"}
    assert data_version(engine) == before + 3


SMALL = [
    sighting_row(),
    sighting_row(
        source_ref="INT-0002",
        seen_at="03/02/2025 21:30",
        latitude="",
        longitude="",
        easting="371450",
        northing="408760",
    ),
    sighting_row(source_ref="INT-0003", seen_at="4/2/2025", grooming_models="On-street|party"),
]


def _small_file(fmt: str) -> tuple[str, bytes]:
    if fmt == "csv":
        return "s.csv", csv_bytes(SMALL)
    if fmt == "csv-bom-semicolon":
        return "s.csv", csv_bytes(SMALL, delimiter=";", bom=True, crlf=True)
    return "s.xlsx", xlsx_bytes(SMALL)


@pytest.mark.parametrize("fmt", ["csv", "csv-bom-semicolon", "xlsx"])
def test_each_format_loads_the_same_sightings(engine: Engine, fmt: str) -> None:
    name, data = _small_file(fmt)
    result = run(engine, name, data)
    assert (result.accepted, result.rejected) == (3, 0), result.messages()
    stored = rows(engine, "SELECT source_ref, seen_at, grooming_models FROM sighting ORDER BY id")
    assert [(r[0], pd.Timestamp(r[1]), r[2]) for r in stored] == [
        ("INT-0001", pd.Timestamp("2025-03-01 21:30"), "on_street"),
        ("INT-0002", pd.Timestamp("2025-02-03 21:30"), "on_street"),  # UK date, day first
        ("INT-0003", pd.Timestamp("2025-02-04"), "on_street|party"),
    ]
    ((lon, lat),) = rows(engine, "SELECT lon, lat FROM sighting WHERE source_ref = 'INT-0002'")
    assert -2.45 < lon < -2.42 and 53.56 < lat < 53.58  # BNG 371450, 408760 converted


def test_rejected_rows_are_reported_and_the_rest_imported(engine: Engine) -> None:
    data = csv_bytes(
        [
            sighting_row(),
            sighting_row(source_ref="B", grooming_models="on street"),
            sighting_row(source_ref="C", latitude="54.9"),
            sighting_row(source_ref="D", seen_at="2030-01-01"),
            sighting_row(source_ref="E"),
        ]
    )
    result = run(engine, "week.csv", data)
    assert (result.accepted, result.rejected, result.duplicate) == (2, 3, 0)
    report = result.rejections
    assert report[["row", "column"]].values.tolist() == [
        [3, "grooming_models"], [4, "latitude"], [5, "seen_at"],
    ]  # fmt: skip
    assert report["suggestion"].iloc[0] == "on_street"
    assert result.messages()[0] == (
        "week.csv row 3, column 'grooming_models': 'on street' is not a known grooming model;"
        " expected one or more of on_street, boyfriend, party, internet, lone, group"
        " (did you mean 'on_street'?)"
    )
    batch = list_imports(engine, ANALYST).iloc[0]
    assert (batch["rows_read"], batch["accepted"], batch["rejected"]) == (5, 2, 3)


def test_duplicates_in_the_file_and_in_the_database_are_skipped_and_counted(
    engine: Engine,
) -> None:
    run(engine, "first.csv", csv_bytes([sighting_row()]))
    second = run(
        engine, "second.csv",
        csv_bytes([sighting_row(), sighting_row(source_ref="NEW"), sighting_row(source_ref="NEW")]),
    )  # fmt: skip
    assert (second.accepted, second.duplicate, second.rejected) == (1, 2, 0)
    assert table_counts(engine)["sighting"] == 2


def test_the_same_file_again_adds_nothing(engine: Engine) -> None:
    data = csv_bytes(SMALL)
    first = run(engine, "s.csv", data)
    counts = table_counts(engine)
    again = run(engine, "renamed.csv", data)
    assert again.already_imported == first.batch_id and again.batch_id is None
    assert "already imported" in again.summary()
    assert table_counts(engine) == counts


def test_strict_mode_refuses_the_whole_file(engine: Engine) -> None:
    counts = table_counts(engine)
    data = csv_bytes([sighting_row(), sighting_row(source_ref="B", source_agency="gmp police")])
    with pytest.raises(ImportRejected, match=r"1 row rejected, so nothing was imported") as refusal:
        run(engine, "s.csv", data, strict=True)
    assert refusal.value.rejections["row"].tolist() == [3]
    assert table_counts(engine) == counts
    assert run(engine, "s.csv", data).accepted == 1  # without --strict the good row loads


def test_strict_mode_counts_rows_refused_by_the_database_checks(engine: Engine) -> None:
    data = csv_bytes([sighting_row(people="YP-ABCDEF")])
    with pytest.raises(ImportRejected, match="not a young person on record"):
        run(engine, "s.csv", data, strict=True)
    assert table_counts(engine)["import_batch"] == 0


def test_undo_removes_the_batch_and_is_audited(engine: Engine) -> None:
    files = synthetic_files(1_000)
    run(engine, "people.csv", files["people"], "people")
    run(engine, "premises.csv", files["premises"], "premises")
    batch = run(engine, "sightings.csv", files["sightings"]).batch_id
    removed = undo_import(engine, ANALYST, batch)
    assert removed == {"sighting": 1_000}
    counts = table_counts(engine)
    assert (counts["sighting"], counts["sighting_person"]) == (0, 0)
    assert counts["young_person"] > 0  # other batches stay
    erasure = read_audit(engine).iloc[0]
    assert (erasure["action"], erasure["target"], erasure["username"]) == (
        "erasure", f"import_batch:{batch}", "amy",
    )  # fmt: skip
    with pytest.raises(BatchNotFound, match="already undone"):
        undo_import(engine, ANALYST, batch)
    assert run(engine, "sightings.csv", files["sightings"]).accepted == 1_000  # again after undo


def test_a_column_of_identifiers_refuses_the_file_unless_dropped(engine: Engine) -> None:
    data = csv_bytes([sighting_row(**{"Child name": "Jane Smith"})])
    with pytest.raises(ImportRejected, match="column 'Child name' is headed like a person"):
        run(engine, "s.csv", data)
    assert table_counts(engine)["import_batch"] == 0
    dropped = run(engine, "s.csv", data, mapping=parse_map_options(["drop=Child name"]))
    assert dropped.accepted == 1
    stored = " ".join(str(v) for r in rows(engine, "SELECT * FROM sighting") for v in r)
    assert "Jane" not in stored


def test_notes_with_identifiers_are_refused_or_redacted(engine: Engine) -> None:
    note = "Seen with Mr Khan, he gave her 07700 900123"
    data = csv_bytes([sighting_row(note=note)])
    refused = run(engine, "s.csv", data)
    assert (refused.accepted, refused.rejected) == (0, 1)
    assert "07700" not in refused.rejections["value"].iloc[0]  # the report does not repeat it
    undo_import(engine, ANALYST, refused.batch_id)
    redacted = run(engine, "s.csv", data, redact=True)
    assert (redacted.accepted, redacted.redacted) == (1, 1)
    assert rows(engine, "SELECT note FROM sighting") == [
        ("Seen with [person's name removed], he gave her [phone number removed]",)
    ]


def test_plates_become_tokens_that_link_sightings_and_are_never_stored(engine: Engine) -> None:
    data = csv_bytes(
        [sighting_row(vehicle_registration="AB12 CDE"),
         sighting_row(source_ref="B", vehicle_registration="ab12cde"),
         sighting_row(source_ref="C", vehicle_registration="XY34 ZZZ")]
    )  # fmt: skip
    run(engine, "s.csv", data)
    tokens = [r[0] for r in rows(engine, "SELECT vehicle_token FROM sighting ORDER BY id")]
    assert tokens[0] == tokens[1] != tokens[2]
    assert tokens[0] == vehicle_token("AB12CDE", SETTINGS.vehicle_key.encode())
    every_value = " ".join(
        str(v) for table in ("sighting", "import_batch", "audit_log", "import_mapping")
        for r in rows(engine, f"SELECT * FROM {table}") for v in r
    )  # fmt: skip
    assert "AB12" not in every_value.upper()


def test_without_a_vehicle_key_a_file_of_plates_is_refused(engine: Engine) -> None:
    data = csv_bytes([sighting_row(vehicle_registration="AB12 CDE")])
    with pytest.raises(ImportRejected, match="HOTSPOTS_VEHICLE_KEY is not set"):
        run(engine, "s.csv", data, settings=Settings(demo_mode=False, vehicle_key=""))
    assert table_counts(engine)["import_batch"] == 0


def test_links_to_unknown_people_or_premises_are_rejected(engine: Engine) -> None:
    run(engine, "p.csv", csv_bytes([person_row()]), "people")
    run(engine, "pr.csv", csv_bytes([premises_row()]), "premises")
    data = csv_bytes(
        [sighting_row(people="YP-1A2B3C", premises_ref="LIC-P-0001"),
         sighting_row(source_ref="B", people="YP-1A2B3C|YP-999999"),
         sighting_row(source_ref="C", premises_ref="NOPE")]
    )  # fmt: skip
    result = run(engine, "s.csv", data)
    assert (result.accepted, result.rejected) == (1, 2)
    assert result.rejections["reason"].str.contains("not a young person on record").iloc[0]
    assert result.rejections["reason"].str.contains("not premises on record").iloc[1]
    assert rows(engine, "SELECT count(*) FROM sighting_person") == [(1,)]


def test_a_mapping_is_remembered_for_the_next_file_with_the_same_headings(engine: Engine) -> None:
    def export(ref: str) -> bytes:
        row = sighting_row(source_ref=ref)
        return csv_bytes([{"Log No": row["source_ref"], "Date/Time": "01/03/2025 21:30",
                           "Lat": row["latitude"], "Long": row["longitude"],
                           "Reported by": "police"}])  # fmt: skip

    mapping = parse_map_options(["source_ref=Log No,seen_at=Date/Time,source_agency=Reported by"])
    assert run(engine, "export1.csv", export("A"), mapping=mapping).accepted == 1
    with pytest.raises(ImportRejected, match="no column for"):
        run(engine, "other.csv", csv_bytes([{"Log No": "X", "Date": "2025-01-01"}]))
    assert run(engine, "export2.csv", export("B")).accepted == 1  # no --map needed now
    remembered = remembered_mapping(
        engine, ANALYST, "sightings", ["Log No", "Date/Time", "Lat", "Long", "Reported by"]
    )
    assert remembered.columns["seen_at"] == "Date/Time"


def test_premises_from_vector_files(engine: Engine, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"Name": ["Station Lodge Hotel", "Golden Fry"], "Type": ["hotel", "Takeaway"],
         "Address": ["1 Station Road", "2 Market Street"]},
        geometry=[shapely.Point(371600, 408400), shapely.Point(372000, 409000)],
        crs="EPSG:27700",
    )  # fmt: skip
    frame.to_file(tmp_path / "premises.gpkg", driver="GPKG")
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "premises.shp")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    mapping = parse_map_options(["category=Type"])
    gpkg = run(engine, "premises.gpkg", (tmp_path / "premises.gpkg").read_bytes(), "premises",
               mapping=mapping)  # fmt: skip
    assert gpkg.accepted == 2, gpkg.messages()
    shp = run(engine, "premises.zip", zipped.getvalue(), "premises", mapping=mapping)
    assert (shp.accepted, shp.duplicate) == (0, 2)  # same names and places: same references
    (lat,) = rows(engine, "SELECT lat FROM premises WHERE name = 'Golden Fry'")[0]
    assert 53.5 < lat < 53.7


def _ward_file() -> bytes:
    squares = {
        "E05000650": ("Astley Bridge", (-2.46, 53.60)),
        "E05000651": ("Bradshaw", (-2.40, 53.60)),
        "E09000001": ("City of London", (-0.09, 51.51)),
    }
    frame = gpd.GeoDataFrame(
        {"wd17cd": list(squares), "wd17nm": [name for name, _ in squares.values()]},
        geometry=[shapely.box(x, y, x + 0.02, y + 0.02) for _, (x, y) in squares.values()],
        crs="EPSG:4326",
    )
    return frame.to_json().encode()


def test_area_boundaries_from_geojson(engine: Engine) -> None:
    result = run(engine, "wards.geojson", _ward_file(), "areas",
                 mapping=ColumnMapping(constants={"kind": "ward"}))  # fmt: skip
    assert (result.accepted, result.rejected) == (2, 1)
    assert "outside the configured area" in result.rejections["reason"].iloc[0]
    assert rows(engine, "SELECT code, kind FROM area ORDER BY code") == [
        ("E05000650", "ward"), ("E05000651", "ward"),
    ]  # fmt: skip
    assert rows(engine, "SELECT count(*) FROM area WHERE geom IS NULL") == [(0,)]


@pytest.mark.realdata
def test_police_uk_street_crime_loads_as_a_context_layer(engine: Engine, realdata: Path) -> None:
    path = realdata / "gmp_street_2016-12_partial" / "2016-12-greater-manchester-street.csv"
    source = ImportFile.from_path(path)
    result = import_file(engine, ANALYST, source, "layer", settings=SETTINGS, preset="police-uk",
                         layer_name="recorded crime")  # fmt: skip
    assert result.accepted > 2_000 and result.mapping.columns["seen_at"] == "Month"
    layer = context_layer(engine, ANALYST, "recorded crime")
    assert len(layer) == result.accepted
    assert set(layer["seen_at"].dt.strftime("%Y-%m-%d")) == {"2016-12-01"}
    assert "Burglary" in set(layer["category"])
    again = import_file(engine, ANALYST, source, "layer", settings=SETTINGS, preset="police-uk",
                        layer_name="recorded crime")  # fmt: skip
    assert again.already_imported == result.batch_id


@pytest.mark.realdata
def test_real_ward_boundaries_in_british_national_grid(engine: Engine, realdata: Path) -> None:
    path = realdata / "boundaries_gm_uom_textbook" / "gm_wards_2016_bng.geojson"
    result = import_file(engine, ANALYST, ImportFile.from_path(path), "areas", settings=SETTINGS,
                         mapping=ColumnMapping(constants={"kind": "ward"}))  # fmt: skip
    names = {r[0] for r in rows(engine, "SELECT name FROM area")}
    assert {"Astley Bridge", "Halliwell", "Great Lever"} <= names  # Bolton's wards
    assert result.accepted + result.rejected == 215


def test_a_failure_during_the_load_leaves_the_database_as_it_was(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(engine, "first.csv", csv_bytes([sighting_row(source_ref="KEEP")]))
    counts, version = table_counts(engine), data_version(engine)

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports_module, "finish_batch", crash)  # after every insert
    with pytest.raises(RuntimeError, match="disk full"):
        run(engine, "second.csv", csv_bytes(SMALL))
    assert table_counts(engine) == counts and data_version(engine) == version


_FUZZ_PIECES = st.sampled_from(
    [b",", b";", b'"', b"\n", b"\xff", b"\x00", b"source_ref,seen_at,latitude,longitude,"
     b"source_agency\n", b"INT-1,2025-03-01,53.57,-2.44,police\n", b"03/02/2025", b"53.9",
     b"Jane Smith", b"07700 900123", b"PK\x03\x04", b"\xef\xbb\xbf", b"x"]
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(_FUZZ_PIECES, max_size=30).map(b"".join), st.sampled_from(["f.csv", "f.xlsx"]))
def test_fuzzed_files_never_leave_a_partial_batch(engine: Engine, data: bytes, name: str) -> None:
    before = table_counts(engine)
    try:
        result = run(engine, name, data)
    except ImportRejected:
        assert table_counts(engine) == before
        return
    after = table_counts(engine)
    if result.batch_id is None:
        assert after == before
        return
    loaded = rows(engine, "SELECT count(*) FROM sighting WHERE batch_id = :b", b=result.batch_id)
    assert loaded == [(result.accepted,)]
    assert after["sighting"] - before["sighting"] == result.accepted
    assert after["import_batch"] - before["import_batch"] == 1


def test_import_times_are_stored_as_given(engine: Engine) -> None:
    run(engine, "s.csv", csv_bytes([sighting_row(seen_at="2025-07-01T12:00:00Z")]))
    ((seen,),) = rows(engine, "SELECT seen_at FROM sighting")
    assert pd.Timestamp(seen) == pd.Timestamp(datetime(2025, 7, 1, 13, 0))  # UK summer time


def test_a_time_range_keeps_both_ends_and_is_placed_at_its_middle(engine: Engine) -> None:
    row = sighting_row(seen_at="2025-03-01 20:00", seen_until="2025-03-01 22:00")
    run(engine, "range.csv", csv_bytes([row]))
    ((seen, start, until),) = rows(engine, "SELECT seen_at, seen_from, seen_until FROM sighting")
    assert pd.Timestamp(seen) == pd.Timestamp(datetime(2025, 3, 1, 21, 0))
    assert pd.Timestamp(start) == pd.Timestamp(datetime(2025, 3, 1, 20, 0))
    assert pd.Timestamp(until) == pd.Timestamp(datetime(2025, 3, 1, 22, 0))


@pytest.mark.parametrize(
    ("kind", "failures", "good_row"),
    [
        ("sightings", SIGHTING_FAILURES, sighting_row),
        ("people", PEOPLE_FAILURES, person_row),
        ("premises", PREMISES_FAILURES, premises_row),
    ],
)
def test_every_rule_rejects_its_row_in_the_database_import(
    engine: Engine, kind: str, failures: list, good_row
) -> None:
    """One file per record type, a row per rule (tests/test_import_rules.py lists them), plus
    one good row: each bad row is reported at its own row and column; the good one loads."""
    key = {"sightings": "source_ref", "people": "pseudonym", "premises": "premises_ref"}[kind]
    rows = [good_row(**{key: _unique_key(kind, 0)})]
    for number, (field, value, _, _) in enumerate(failures, start=1):
        row = good_row(**{key: _unique_key(kind, number)})
        row[field] = value
        rows.append(row)
    result = run(engine, f"{kind}.csv", csv_bytes(rows), kind)
    assert (result.accepted, result.rejected) == (1, len(failures)), result.messages(50)
    first = result.rejections.groupby("row").first()
    assert first.index.tolist() == list(range(3, len(failures) + 3))
    expected = ["latitude" if f in ("latitude", "longitude") else f for f, *_ in failures]
    assert first["column"].tolist() == expected
    reasons = [reason for _, _, reason, _ in failures]
    missed = [(r, f) for r, f in zip(reasons, first["reason"], strict=True) if r not in f]
    assert missed == []


def _unique_key(kind: str, number: int) -> str:
    return f"YP-{number:06X}" if kind == "people" else f"REF-{number:04d}"
