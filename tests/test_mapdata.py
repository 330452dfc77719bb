"""What the Hotspot map and Hotspot detail pages get from the database, role by role.

Every test runs on SpatiaLite and on PostGIS (the `engine` fixture) with a small synthetic
Bolton data set whose planted hotspots (Deane, Daubhill, Halliwell) are known.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, text

from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.demo import load_synthetic
from hotspots.db.engine import backend_of
from hotspots.db.mapdata import (
    OUTLINE_COLUMNS,
    HotspotNotFound,
    MapFilters,
    boundaries,
    default_period,
    filters_from_widgets,
    hotspot_detail,
    hotspot_map_data,
    load_map_source,
    premises_near,
)
from hotspots.db.spatial import GEOMETRY_FROM_WKT
from hotspots.domain import GROOMING_MODELS, INDICATORS, RISK_LEVELS, split_codes
from hotspots.gazetteer import load_gazetteer
from hotspots.security.roles import AccessDenied
from hotspots.synth import generate

SIGHTINGS = 3000
ANALYST = User("ana", "analyst", "CSE analysis")
LICENSING = User("lic", "licensing", "premises checks")
LSCB = User("board", "lscb")
ADMIN = User("root", "admin")
STRANGER = User("who", "visitor")


@pytest.fixture(scope="module")
def synthetic():
    return generate(sightings=SIGHTINGS, seed=7, gazetteer=load_gazetteer())


@pytest.fixture
def loaded(engine: Engine, synthetic) -> Engine:
    load_synthetic(engine, synthetic)
    return engine


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return load_gazetteer()


def consultations(engine: Engine) -> pd.DataFrame:
    log = read_audit(engine)
    return log[log["action"] == "consultation"]


# ---------------------------------------------------------------- the role rule, as a table

#: role -> what each function gives: "full", "outlines" (licensing's view) or "denied".
EXPECTED = {
    "analyst": ("full", "full"),
    "licensing": ("outlines", "outlines"),
    "lscb": ("denied", "denied"),
    "admin": ("denied", "denied"),
    "visitor": ("denied", "denied"),
}
USERS = {u.role: u for u in (ANALYST, LICENSING, LSCB, ADMIN, STRANGER)}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_gets_what_the_table_says(loaded, gazetteer, role):
    user = USERS[role]
    expected_map, expected_detail = EXPECTED[role]
    calls = {
        "map": lambda: hotspot_map_data(loaded, user, MapFilters(), gazetteer=gazetteer),
        "detail": lambda: hotspot_detail(loaded, user, MapFilters(), 1, gazetteer=gazetteer),
    }
    for name, expected in (("map", expected_map), ("detail", expected_detail)):
        if expected == "denied":
            with pytest.raises(AccessDenied, match=role):
                calls[name]()
            continue
        result = calls[name]()
        if name == "map":
            assert result.full is (expected == "full")
        else:
            assert (result.model_mix is not None) is (expected == "full")
    if expected_map == "denied":
        assert consultations(loaded).empty, "a refused call must not read or log anything"
        with pytest.raises(AccessDenied):
            load_map_source(loaded, user)


def test_analyst_gets_every_layer(loaded, gazetteer):
    data = hotspot_map_data(loaded, ANALYST, MapFilters(), gazetteer=gazetteer)
    assert data.sightings == SIGHTINGS
    assert data.young_people and data.young_people > 0
    assert set(data.cells_by_model) == set(GROOMING_MODELS)
    for cells in data.cells_by_model.values():
        assert (cells["count"] > 0).all() and cells.crs.to_epsg() == 4326
    assert {"Deane", "Daubhill", "Halliwell"} <= set(data.hotspots["name"])
    assert "main_grooming_model" in data.hotspots.columns
    assert data.density is not None and not data.density.empty
    assert data.gistar is not None and (data.gistar["gi_bin"] != 0).all()
    assert set(data.risky_places["place_kind"]) - {"premises"}, "addresses and cells too"
    assert (data.risky_places["young_people"] >= 3).all()
    assert {"sightings", "in_hotspot"} <= set(data.premises.columns)
    assert data.premises["in_hotspot"].any()
    assert set(data.layers()) == {
        "cells_by_model", "hotspots", "density", "gistar", "premises", "risky_places",
        "boundaries",
    }  # fmt: skip


def test_licensing_gets_outlines_counts_premises_and_density_only(loaded, gazetteer):
    data = hotspot_map_data(loaded, LICENSING, MapFilters(), gazetteer=gazetteer)
    assert tuple(data.hotspots.columns) == OUTLINE_COLUMNS
    assert data.cells_by_model == {}
    assert data.gistar is None and data.young_people is None
    assert data.density is not None and not data.density.empty
    assert not data.premises.empty
    if data.risky_places is not None:
        assert set(data.risky_places["place_kind"]) == {"premises"}
    detail = hotspot_detail(loaded, LICENSING, MapFilters(), "Deane", gazetteer=gazetteer)
    assert tuple(detail.outline.columns) == OUTLINE_COLUMNS
    assert detail.sightings > 0 and not detail.premises.empty
    hidden = (detail.model_mix, detail.indicators, detail.week_hour, detail.monthly,
              detail.emerging, detail.vehicles)  # fmt: skip
    assert all(part is None for part in hidden)


# ---------------------------------------------------------------- audit


def test_every_build_from_sightings_is_audited(loaded, gazetteer):
    filters = MapFilters(grooming_models=("on_street",), min_people=2)
    source = load_map_source(loaded, ANALYST)
    assert consultations(loaded).empty, "loading alone returns nothing to the user"
    data = hotspot_map_data(loaded, ANALYST, filters, gazetteer=gazetteer, source=source)
    hotspot_detail(loaded, ANALYST, filters, 1, gazetteer=gazetteer, source=source)
    hotspot_map_data(loaded, LICENSING, MapFilters(), gazetteer=gazetteer)
    log = consultations(loaded).sort_values("id")
    assert log["target"].tolist() == ["sighting"] * 3
    assert log["username"].tolist() == ["ana", "ana", "lic"]
    assert log["purpose"].tolist() == ["CSE analysis", "CSE analysis", "premises checks"]
    first, second, third = (json.loads(d) for d in log["detail"])
    assert first["use"] == "hotspot_map" and first["sightings_used"] == data.sightings
    assert first["filters"]["grooming_models"] == ["on_street"]
    assert second["use"] == "hotspot_detail" and second["hotspot"] == data.hotspots["name"][0]
    assert third["sightings_used"] == SIGHTINGS


def test_another_users_source_is_not_reused(loaded, gazetteer):
    licensing_source = load_map_source(loaded, LICENSING)
    data = hotspot_map_data(
        loaded, ANALYST, MapFilters(), gazetteer=gazetteer, source=licensing_source
    )
    assert data.full
    assert consultations(loaded)["username"].tolist() == ["ana"]


# ---------------------------------------------------------------- filters


def test_filters_count_what_they_should(loaded, gazetteer, synthetic):
    raw = synthetic.sightings
    start, end = date(2025, 1, 1), date(2025, 7, 1)
    in_period = (raw["seen_at"] >= pd.Timestamp(start)) & (raw["seen_at"] < pd.Timestamp(end))
    party = raw["grooming_models"].map(lambda s: "party" in split_codes(s))
    filters = MapFilters(start=start, end=end, grooming_models=("party",))
    data = hotspot_map_data(loaded, ANALYST, filters, gazetteer=gazetteer)
    assert data.sightings == int((in_period & party).sum())
    assert set(data.cells_by_model) == {"party"}
    assert int(data.cells_by_model["party"]["count"].sum()) == data.sightings


def test_nothing_ticked_means_nothing_matches(loaded, gazetteer):
    data = hotspot_map_data(loaded, ANALYST, MapFilters(grooming_models=()), gazetteer=gazetteer)
    assert data.empty and data.sightings == 0
    assert data.hotspots.empty and data.density is None and data.gistar is None
    assert data.cells_by_model == {} and data.risky_places is None
    assert not data.premises.empty and (data.premises["sightings"] == 0).all()


def test_more_young_people_required_means_fewer_hotspots(loaded, gazetteer):
    loose = hotspot_map_data(loaded, ANALYST, MapFilters(min_people=2), gazetteer=gazetteer)
    strict = hotspot_map_data(loaded, ANALYST, MapFilters(min_people=12), gazetteer=gazetteer)
    assert len(strict.hotspots) < len(loose.hotspots)
    assert (strict.hotspots["distinct_people"] >= 12).all()


def test_widgets_with_everything_ticked_do_not_filter():
    every = filters_from_widgets(
        start=None, end=None, grooming_models=list(GROOMING_MODELS), indicators=[],
        risk_levels=list(RISK_LEVELS), min_people=3, method="dbscan",
    )  # fmt: skip
    assert every == MapFilters()
    some = filters_from_widgets(
        start=None, end=None, grooming_models=["party"], indicators=["swapping"],
        risk_levels=["high"], min_people=4, method="hdbscan",
    )  # fmt: skip
    assert some.grooming_models == ("party",) and some.indicators == ("swapping",)
    assert some.risk_levels == ("high",) and some.method == "hdbscan"
    with pytest.raises(ValueError, match="method"):
        MapFilters(method="kmeans")


def test_default_period_is_the_last_twelve_months_to_the_last_sighting():
    assert default_period(date(2026, 10, 31)) == (date(2025, 11, 1), date(2026, 11, 1))
    assert default_period(date(2024, 1, 5), months=3) == (date(2023, 11, 1), date(2024, 1, 6))
    assert default_period(None) == (None, None)


# ---------------------------------------------------------------- one hotspot


def test_detail_of_a_planted_hotspot_adds_up(loaded, gazetteer):
    detail = hotspot_detail(loaded, ANALYST, MapFilters(), "Deane", gazetteer=gazetteer)
    same = hotspot_detail(loaded, ANALYST, MapFilters(), detail.hotspot_id, gazetteer=gazetteer)
    assert same.name == "Deane" and same.sightings == detail.sightings
    assert len(detail.outline) == 1 and detail.outline.crs.to_epsg() == 4326
    assert int(detail.week_hour.to_numpy().sum()) == detail.sightings
    assert int(detail.monthly.sum()) == detail.sightings
    assert detail.week_hour.shape == (7, 24)
    assert detail.model_mix.index[0] == "On-street", "Deane is planted as on-street"
    assert detail.model_mix.max() <= detail.sightings
    assert set(detail.indicators.index) <= set(INDICATORS.values())
    assert detail.emerging and "Deane" not in detail.others
    assert detail.first_seen <= detail.last_seen


def test_vehicles_listed_are_seen_in_another_hotspot(loaded, gazetteer):
    data = hotspot_map_data(loaded, ANALYST, MapFilters(), gazetteer=gazetteer)
    found = 0
    for name in data.hotspots["name"]:
        detail = hotspot_detail(loaded, ANALYST, MapFilters(), name, gazetteer=gazetteer)
        for row in detail.vehicles.itertuples():
            found += 1
            assert row.sightings_here > 0
            assert name not in row.other_hotspots.split(", ")
            assert len(row.vehicle_token) >= 8  # a token, never a plate
    assert found > 0, "the synthetic data plants vehicles that move between hotspots"


def test_premises_near_grow_with_distance(loaded, gazetteer):
    def near(distance_m: float):
        return hotspot_detail(
            loaded, ANALYST, MapFilters(), "Deane", distance_m=distance_m, gazetteer=gazetteer
        )

    inside, wider = near(0), near(800)
    assert (inside.premises["distance_m"] == 0).all()
    assert set(inside.premises["premises_id"]) <= set(wider.premises["premises_id"])
    assert len(wider.premises) > len(inside.premises)
    assert (np.diff(wider.premises["distance_m"]) >= 0).all(), "nearest first"
    assert (wider.premises["distance_m"] <= 800).all()


def test_an_unknown_hotspot_says_which_there_are(loaded, gazetteer):
    with pytest.raises(HotspotNotFound, match="Deane"):
        hotspot_detail(loaded, ANALYST, MapFilters(), "Atlantis", gazetteer=gazetteer)
    with pytest.raises(HotspotNotFound):
        hotspot_detail(loaded, ANALYST, MapFilters(), 999, gazetteer=gazetteer)


def test_premises_near_an_empty_outline_is_empty(loaded):
    register = load_map_source(loaded, ANALYST).premises
    data = premises_near(register, register.iloc[0:0], 250)
    assert data.empty and "distance_m" in data.columns


# ---------------------------------------------------------------- boundaries


def test_boundaries_come_from_the_area_table(loaded, gazetteer):
    geometry = GEOMETRY_FROM_WKT[backend_of(loaded)].format(wkt=":wkt")
    square = "MULTIPOLYGON(((-2.47 53.56,-2.44 53.56,-2.44 53.59,-2.47 53.59,-2.47 53.56)))"
    with loaded.begin() as connection:
        for code, kind in (("E1", "ward"), ("E2", "ward"), ("B1", "beat")):
            connection.execute(
                text(
                    "INSERT INTO area (code, name, kind, geom)"
                    f" VALUES (:code, :name, :kind, {geometry})"
                ),
                {"code": code, "name": f"Area <{code}>", "kind": kind, "wkt": square},
            )
    wards = boundaries(loaded)
    assert wards["code"].tolist() == ["E1", "E2"]
    assert wards.crs.to_epsg() == 4326
    assert wards.geometry.iloc[0].bounds == pytest.approx((-2.47, 53.56, -2.44, 53.59))
    assert boundaries(loaded, "beat")["code"].tolist() == ["B1"]
    data = hotspot_map_data(loaded, LICENSING, MapFilters(), gazetteer=gazetteer)
    assert data.boundaries["code"].tolist() == ["E1", "E2"]


def test_no_areas_means_no_boundary_layer(loaded, gazetteer):
    assert boundaries(loaded).empty
    assert hotspot_map_data(loaded, ANALYST, MapFilters(), gazetteer=gazetteer).boundaries is None


def test_a_licensing_source_holds_no_sighting_points(loaded, gazetteer):
    """The role rule holds for the cache token too: no sighting rows come back to the caller."""
    source = load_map_source(loaded, LICENSING)
    assert source.sightings is None
    data = hotspot_map_data(loaded, LICENSING, MapFilters(), gazetteer=gazetteer, source=source)
    assert not data.full
    assert len(data.hotspots) > 0
