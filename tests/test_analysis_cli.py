"""`python -m hotspots hotspots` and `evaluate` on both backends: JSON, saved runs, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.db import make_engine
from hotspots.db.access import User
from hotspots.db.runs import load_run
from tests.test_runs import add_context_points, crime_points


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def demo_database(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path) -> str:
    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", database_url)
    run_json(capsys, "demo", "--sightings", "4000", "--seed", "2",
             "--truth", str(tmp_path / "truth.json"))  # fmt: skip
    return database_url


def test_hotspots_are_named_with_statistics_and_saved(demo_database: str, capsys) -> None:
    output = run_json(capsys, "hotspots", "--save")
    names = [spot["name"] for spot in output["hotspots"]]
    assert {"Deane", "Daubhill", "Halliwell"} <= set(names)
    first = output["hotspots"][0]
    assert first["sightings"] >= first["distinct_people"] >= 3
    assert {"main_grooming_model", "top_indicators", "peak_hours", "first_seen"} <= set(first)
    analyst = User("t", "analyst", "testing")
    run, saved = load_run(make_engine(demo_database), analyst, output["run_id"])
    assert saved["name"].tolist() == names
    assert run["method"] == "dbscan" and run["parameters"]["eps_m"] == 250.0


def test_filters_narrow_the_hotspots(demo_database: str, capsys) -> None:
    party = run_json(capsys, "hotspots", "--models", "party", "--from", "2024-01-01",
                     "--to", "2026-01-01", "--min-grading", "3C")  # fmt: skip
    everything = run_json(capsys, "hotspots")
    assert 0 < party["points"] < everything["points"]
    assert party["hotspots"] and all(
        spot["main_grooming_model"] == "party" for spot in party["hotspots"]
    )
    assert all(spot["first_seen"] >= "2024-01-01" for spot in party["hotspots"])


def test_the_human_listing_names_each_hotspot(demo_database: str, capsys) -> None:
    assert main(["hotspots", "--method", "hdbscan"]) == 0
    printed = capsys.readouterr().out
    assert "Deane" in printed and "young people" in printed and "method: hdbscan" in printed


def test_a_context_layer_and_an_unknown_one(demo_database: str, capsys) -> None:
    add_context_points(make_engine(demo_database), "crime", crime_points())
    output = run_json(capsys, "hotspots", "--layer", "crime", "--min-samples", "5")
    assert [spot["name"] for spot in output["hotspots"]] == ["Deane"]
    assert main(["hotspots", "--layer", "crimes"]) == 2
    assert "no context layer 'crimes'" in capsys.readouterr().err
    assert main(["hotspots", "--layer", "crime", "--models", "party"]) == 2
    assert "context layer" in capsys.readouterr().err


def test_evaluate_scores_every_method_beside_the_naive_baseline(demo_database, capsys) -> None:
    output = run_json(capsys, "evaluate", "--train-from", "2024-11-01", "--train-to",
                      "2025-11-01", "--test-to", "2026-11-01")  # fmt: skip
    table = pd.DataFrame(output["results"])
    assert set(table["method"]) == {"naive", "kde", "gistar", "clusters"}
    assert set(table["coverage"]) == {0.01, 0.05, 0.10}
    assert table[["hit_rate", "pai", "rri"]].notna().all().all()
    naive = table[table["method"] == "naive"].set_index("coverage")["hit_rate"]
    assert naive.is_monotonic_increasing and naive[0.01] > 0.05
    assert output["split"] == "2025-11-01"


def test_evaluate_defaults_and_bad_dates(demo_database: str, capsys) -> None:
    output = run_json(capsys, "evaluate", "--months", "12", "--methods", "naive", "kde")
    assert (output["split"], output["test_to"]) == ("2025-11-01", "2026-11-01")
    assert main(["evaluate", "--train-to", "2025-13-01"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert main(["evaluate", "--train-to", "2025-01-01", "--test-from", "2025-02-01"]) == 2


@pytest.mark.parametrize(
    "option",
    [["--risk", "high"], ["--agency", "police"], ["--indicators", "risky_area"],
     ["--min-grading", "1A"], ["--models", "on_street", "group"]],
)  # fmt: skip
def test_each_filter_keeps_some_but_not_all_sightings(demo_database, capsys, option) -> None:
    everything = run_json(capsys, "hotspots")["points"]
    chosen = run_json(capsys, "hotspots", *option)["points"]
    assert 0 < chosen < everything


def test_geojson_output_can_be_read_back(demo_database: str, capsys, tmp_path) -> None:
    import geopandas as gpd

    path = tmp_path / "hotspots.geojson"
    output = run_json(capsys, "hotspots", "--geojson", str(path))
    written = gpd.read_file(path)
    assert written["name"].tolist() == [spot["name"] for spot in output["hotspots"]]
    assert written.crs.to_epsg() == 4326
