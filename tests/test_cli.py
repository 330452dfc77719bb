"""The command line on both backends: init-db, demo, status; JSON out, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hotspots.cli import main
from hotspots.db.migrate import discover

REPO = Path(__file__).resolve().parent.parent


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", database_url)
    return database_url


def test_init_db_applies_migrations_once(cli_database: str, capsys) -> None:
    first = run_json(capsys, "init-db")
    again = run_json(capsys, "init-db")
    every_version = sorted({m.version for m in discover(first["backend"])})
    assert first["applied"] == every_version
    assert again["applied"] == []
    assert again["schema_version"] == every_version[-1]


def test_demo_then_status_report_the_same_counts(cli_database: str, capsys, tmp_path) -> None:
    truth = tmp_path / "truth.json"
    demo = run_json(capsys, "demo", "--sightings", "1500", "--seed", "3", "--truth", str(truth))
    status = run_json(capsys, "status")
    assert demo["loaded"]["sightings"] == 1500
    assert status["counts"]["sighting"] == 1500
    assert status["counts"]["young_person"] == demo["loaded"]["young_person"]
    assert status["counts"]["sighting_person"] == demo["loaded"]["sighting_person"]
    assert status["counts"]["import_batch"] == 1
    assert status["backend"] == (
        "postgis" if cli_database.startswith("postgresql") else "spatialite"
    )
    assert json.loads(truth.read_text())["seed"] == 3


def test_demo_again_replaces_the_earlier_demo_data(cli_database: str, capsys, tmp_path) -> None:
    truth = str(tmp_path / "truth.json")
    run_json(capsys, "demo", "--sightings", "1000", "--truth", truth)
    second = run_json(capsys, "demo", "--sightings", "1200", "--truth", truth)
    status = run_json(capsys, "status")
    assert second["replaced_batches"] == [1]
    assert status["counts"]["sighting"] == 1200
    assert status["counts"]["audit_log"] == 3  # two loads, one erasure


def test_demo_size_out_of_range_is_a_clear_error(cli_database: str, capsys) -> None:
    assert main(["demo", "--sightings", "5"]) == 2
    assert "1,000 to 1,000,000" in capsys.readouterr().err


def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("HOTSPOTS_BBOX", "west,south")
    assert main(["status"]) == 2
    assert "HOTSPOTS_BBOX" in capsys.readouterr().err


def test_module_entry_point_runs(tmp_path: Path) -> None:
    env = {"HOTSPOTS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "hotspots", "status", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["sighting"] == 0
