"""`python -m hotspots import` and `batches` on both backends: JSON out, exit codes, reports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hotspots.cli import main
from tests.import_files import csv_bytes, sighting_row


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", database_url)
    return database_url


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_then_list_then_undo(cli_database: str, capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "week.csv", csv_bytes([sighting_row(), sighting_row(source_ref="B")]))
    result = run_json(capsys, "import", "sightings", path)
    assert (result["accepted"], result["rejected"], result["batch_id"]) == (2, 0, 1)
    assert result["mapping"].startswith("source_ref=source_ref")
    again = run_json(capsys, "import", "sightings", path)
    assert again["already_imported"] == 1 and again["accepted"] == 0
    listed = run_json(capsys, "batches", "list")["batches"]
    assert [(b["id"], b["kind"], b["accepted"]) for b in listed] == [(1, "sightings", 2)]
    undone = run_json(capsys, "batches", "undo", "1")
    assert undone == {"undone": 1, "removed": {"sighting": 2}}
    assert main(["batches", "undo", "1"]) == 2
    assert "already undone" in capsys.readouterr().err


def test_strict_mode_exits_non_zero_and_writes_nothing(
    cli_database: str, capsys, tmp_path: Path
) -> None:
    path = write(tmp_path, "s.csv", csv_bytes([sighting_row(), sighting_row(seen_at="31/02/2025")]))
    report = tmp_path / "report.csv"
    assert main(["import", "sightings", path, "--strict", "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert "1 row rejected, so nothing was imported" in err
    assert "s.csv row 3, column 'seen_at': '31/02/2025' is not a real date" in err
    assert run_json(capsys, "status")["counts"]["import_batch"] == 0
    lines = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert [(line["row"], line["column"]) for line in lines] == [("3", "seen_at")]


def test_without_strict_the_valid_rows_load_and_the_rest_are_shown(
    cli_database: str, capsys, tmp_path: Path
) -> None:
    path = write(tmp_path, "s.csv", csv_bytes([sighting_row(), sighting_row(seen_at="31/02/2025")]))
    assert main(["import", "sightings", path]) == 0
    captured = capsys.readouterr()
    assert "1 sightings imported as batch 1; 1 rejected" in captured.out
    assert "s.csv row 3, column 'seen_at'" in captured.out
    assert "import: inserting 1 of 1" in captured.err  # progress lines when not a terminal


def test_map_set_and_drop(cli_database: str, capsys, tmp_path: Path) -> None:
    rows = [{"Ref": "A-1", "When": "01/03/2025 21:30", "Y": "53.5772", "X": "-2.4436",
             "Surname": "Smith"}]  # fmt: skip
    path = write(tmp_path, "export.csv", csv_bytes(rows))
    mapped = ["--map", "source_ref=Ref,seen_at=When", "--set", "source_agency=police"]
    assert main(["import", "sightings", path, *mapped]) == 2
    assert "column 'Surname' is headed like a person's name" in capsys.readouterr().err
    result = run_json(capsys, "import", "sightings", path, *mapped, "--map", "drop=Surname")
    assert result["accepted"] == 1
    assert "drop=Surname" in result["mapping"] and "source_agency:=police" in result["mapping"]


def test_report_cells_cannot_run_as_spreadsheet_formulas(
    cli_database: str, capsys, tmp_path: Path
) -> None:
    path = write(tmp_path, "s.csv", csv_bytes([sighting_row(source_agency="=HYPERLINK(1)")]))
    report = tmp_path / "report.csv"
    run_json(capsys, "import", "sightings", path, "--report", str(report))
    assert "'=HYPERLINK(1)" in report.read_text(encoding="utf-8-sig")


def test_a_police_uk_file_as_a_context_layer(cli_database: str, capsys, tmp_path: Path) -> None:
    rows = [
        {"Crime ID": "ab12", "Month": "2016-12", "Reported by": "Greater Manchester Police",
         "Longitude": "-2.462774", "Latitude": "53.622101", "Location": "On or near Scout Road",
         "LSOA code": "E01004768", "Crime type": "Burglary"},
        {"Crime ID": "", "Month": "2016-12", "Reported by": "Greater Manchester Police",
         "Longitude": "", "Latitude": "", "Location": "No Location", "LSOA code": "",
         "Crime type": "Anti-social behaviour"},
    ]  # fmt: skip
    path = write(tmp_path, "2016-12-street.csv", csv_bytes(rows))
    assert main(["import", "layer", path, "--preset", "police-uk"]) == 2
    assert "needs --name" in capsys.readouterr().err
    result = run_json(
        capsys, "import", "layer", path, "--preset", "police-uk", "--name", "recorded crime"
    )
    assert (result["accepted"], result["rejected"]) == (1, 1)
    assert result["layer_name"] == "recorded crime"
    assert "a location is required" in result["rejections"][0]["reason"]


def test_an_unreadable_file_is_a_clear_error(cli_database: str, capsys, tmp_path: Path) -> None:
    assert main(["import", "sightings", str(tmp_path / "missing.csv")]) == 2
    assert "cannot be opened" in capsys.readouterr().err
    path = write(tmp_path, "s.xlsx", b"not a workbook")
    assert main(["import", "sightings", path]) == 2
    assert "not an Excel workbook" in capsys.readouterr().err
