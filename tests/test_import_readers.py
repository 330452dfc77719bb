"""Readers: every format gives the same text frame with the right row numbers; any bytes at all
give either a table or a calm `ImportRejected`, never another exception."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.readers import (
    GEOMETRY_COLUMN,
    GEOMETRY_LAT,
    GEOMETRY_LON,
    read_csv,
    read_table,
    read_xlsx,
)
from tests.import_files import csv_bytes, sighting_row, xlsx_bytes

ROWS = [sighting_row(), sighting_row(source_ref="INT-0002", seen_at="03/02/2025 21:30")]


@pytest.mark.parametrize(
    ("delimiter", "bom", "crlf"),
    [(",", False, False), (",", True, False), (";", False, True), (";", True, True),
     ("\t", False, False)],
)  # fmt: skip
def test_csv_in_utf8_with_or_without_bom_comma_or_semicolon(delimiter, bom, crlf) -> None:
    table = read_csv(csv_bytes(ROWS, delimiter=delimiter, bom=bom, crlf=crlf), "s.csv")
    assert table.headers[0] == "source_ref"  # no BOM left on the first heading
    assert table.frame["seen_at"].tolist() == ["2025-03-01 21:30", "03/02/2025 21:30"]
    assert table.row_numbers.tolist() == [2, 3]
    assert table.delimiter == delimiter


def test_row_numbers_count_blank_lines_and_line_breaks_inside_quotes() -> None:
    data = b'source_ref,note\nA,"first line\nsecond line"\n\nB,plain\nC,"x",extra\nD,last\n'
    table = read_csv(data, "s.csv")
    assert table.frame["source_ref"].tolist() == ["A", "B", "D"]
    assert table.row_numbers.tolist() == [2, 5, 7]
    assert table.unreadable[0][0] == 6 and "has 3 values" in table.unreadable[0][1]
    assert table.frame["note"].iloc[0] == "first line\nsecond line"


def test_values_stay_text_exactly_as_written() -> None:
    table = read_csv(b"source_ref,seen_at,latitude\n007,01/02/2025,53.50\n", "s.csv")
    assert table.frame.iloc[0].tolist() == ["007", "01/02/2025", "53.50"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"source_ref,seen_at\n", "no records"),
        (b"a,b,a\n1,2,3\n", "both called 'a'"),
        (b"source_ref\n\xff\xfeINT\n", "not UTF-8"),
        (b"\xff\xfes\x00r\x00", "UTF-16"),
        (b"source_ref\nA\x00B\n", "NUL byte"),
    ],
)
def test_unreadable_csv_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        read_csv(data, "s.csv")


def test_xlsx_cells_become_the_text_a_csv_would_hold() -> None:
    from datetime import datetime

    data = xlsx_bytes(
        [
            {"source_ref": "INT-1", "seen_at": datetime(2025, 3, 1, 21, 30), "latitude": 53.5772,
             "score": 7.0, "flag": True},
            {},
            {"source_ref": "INT-2", "seen_at": "03/02/2025 21:30", "latitude": "53.58"},
        ]
    )  # fmt: skip
    table = read_xlsx(data, "s.xlsx")
    assert table.frame["seen_at"].tolist() == ["2025-03-01 21:30:00", "03/02/2025 21:30"]
    assert table.frame["latitude"].tolist() == ["53.5772", "53.58"]
    assert table.frame["score"].tolist() == ["7", ""]
    assert table.frame["flag"].tolist() == ["TRUE", ""]
    assert table.row_numbers.tolist() == [2, 4]  # the empty row 3 is skipped, not renumbered


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(ImportRejected, match="not an Excel workbook"):
        read_xlsx(b"source_ref\nA\n", "s.xlsx")
    with pytest.raises(ImportRejected, match=r"\.xls\) is not read"):
        read_table(b"\xd0\xcf\x11\xe0", "old.xls")


def _premises_frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"name": ["Station Lodge Hotel", "Golden Fry"], "category": ["hotel", "takeaway"]},
        geometry=[shapely.Point(-2.429, 53.5741), shapely.Point(-2.44, 53.58)],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


@pytest.mark.parametrize(
    ("name", "driver", "crs"),
    [("p.geojson", "GeoJSON", "EPSG:4326"), ("p.gpkg", "GPKG", "EPSG:27700")],
)
def test_vector_files_are_read_in_wgs84(tmp_path: Path, name, driver, crs) -> None:
    path = tmp_path / name
    _premises_frame(crs).to_file(path, driver=driver)
    table = read_table(path.read_bytes(), name)
    assert table.row_word == "feature" and table.row_numbers.tolist() == [1, 2]
    assert float(table.frame[GEOMETRY_LON].iloc[0]) == pytest.approx(-2.429, abs=1e-6)
    assert float(table.frame[GEOMETRY_LAT].iloc[0]) == pytest.approx(53.5741, abs=1e-6)
    assert table.frame[GEOMETRY_COLUMN].iloc[1].startswith("POINT")


def test_a_zipped_shapefile_and_one_read_from_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    _premises_frame("EPSG:27700").to_file(folder / "premises.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    zipped = read_table(buffer.getvalue(), "premises.zip")
    shp = folder / "premises.shp"
    direct = read_table(shp.read_bytes(), shp.name, path=shp)
    for table in (zipped, direct):
        assert table.frame["name"].tolist() == ["Station Lodge Hotel", "Golden Fry"]
        assert float(table.frame[GEOMETRY_LAT].iloc[0]) == pytest.approx(53.5741, abs=1e-6)


def test_broken_vector_files_are_refused() -> None:
    with pytest.raises(ImportRejected, match="not a readable vector file"):
        read_table(b'{"type": "FeatureCollection", "features": [', "p.geojson")


# ---------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reads_or_refuses(data: bytes, name: str) -> None:
    try:
        table = read_table(data, name)
    except ImportRejected as refusal:
        assert str(refusal)
        return
    assert len(table.frame) == len(table.row_numbers)
    assert all(str(table.frame[c].dtype) == "str" for c in table.frame.columns)


@FUZZ
@given(st.binary(max_size=600))
def test_csv_reader_never_fails_on_random_bytes(data: bytes) -> None:
    _reads_or_refuses(data, "fuzz.csv")


_CSV_PIECES = st.sampled_from(
    [b",", b";", b"\t", b'"', b'""', b"\n", b"\r\n", b"\r", b"\xef\xbb\xbf", b"\x00", b"\xff",
     b"source_ref", b"seen_at", b"2025-03-01", b"53.57", b"-2.44", b"\xc3\xa9", b"=cmd|' /C'!A0",
     b" ", b"a" * 50]
)  # fmt: skip


@FUZZ
@given(st.lists(_CSV_PIECES, max_size=60).map(b"".join))
def test_csv_reader_never_fails_on_malformed_csv(data: bytes) -> None:
    _reads_or_refuses(data, "fuzz.csv")


_VALID_XLSX = xlsx_bytes([sighting_row(), sighting_row(source_ref="INT-2")])


@FUZZ
@given(st.data())
def test_xlsx_reader_never_fails_on_damaged_workbooks(data: st.DataObject) -> None:
    mutated = bytearray(_VALID_XLSX)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(mutated)))
    _reads_or_refuses(bytes(mutated[:cut] if data.draw(st.booleans()) else mutated), "f.xlsx")


@FUZZ
@given(st.binary(max_size=400))
def test_xlsx_reader_never_fails_on_random_bytes(data: bytes) -> None:
    _reads_or_refuses(b"PK\x03\x04" + data, "fuzz.xlsx")


def test_a_geopackage_can_be_read_after_spatialite_is_loaded(tmp_path: Path) -> None:
    """SpatiaLite loaded first used to crash GDAL on GeoPackages (see hotspots/db/engine.py);
    the check runs in a fresh process, where the order of loading is what the app's is."""
    import subprocess
    import sys

    gpkg = tmp_path / "premises.gpkg"
    _premises_frame("EPSG:27700").to_file(gpkg, driver="GPKG")
    script = (
        "import sys; from hotspots.db import make_engine, migrate\n"
        f"engine = make_engine('sqlite:///{tmp_path / 'db.sqlite'}'); migrate(engine)\n"
        "connection = engine.connect()\n"
        "from hotspots.ingest.readers import read_table\n"
        f"data = open('{gpkg}', 'rb').read()\n"
        "print(len(read_table(data, 'premises.gpkg').frame))\n"
    )
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, timeout=120,
        check=False, env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "2"
