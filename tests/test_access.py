"""The data-access layer on both backends: what each role gets back from the same database."""

from __future__ import annotations

import pytest

from hotspots.db.access import User, overview
from hotspots.db.demo import load_synthetic
from hotspots.gazetteer import load_gazetteer
from hotspots.security.roles import AccessDenied
from hotspots.synth import generate

ANALYST = User("ann", "analyst", "testing")
BOARD = User("bob", "lscb")


@pytest.fixture
def loaded(engine):
    load_synthetic(engine, generate(sightings=1_500, seed=3, gazetteer=load_gazetteer()))
    return engine


def test_overview_counts_every_sighting_for_an_analyst(loaded):
    summary = overview(loaded, ANALYST, cell_m=250)
    assert summary.counts["sighting"] == 1_500
    assert int(summary.cells["count"].sum()) == 1_500
    assert summary.cells.crs.to_epsg() == 4326
    assert summary.first_seen < summary.last_seen
    assert not summary.small_cells_hidden


def test_overview_hides_cells_under_five_from_a_board_lead(loaded):
    summary = overview(loaded, BOARD, cell_m=250)
    assert summary.small_cells_hidden
    assert len(summary.cells) > 0
    assert summary.cells["count"].min() >= 5
    assert int(summary.cells["count"].sum()) < 1_500


def test_overview_of_an_empty_database_has_no_cells(engine):
    summary = overview(engine, ANALYST)
    assert summary.first_seen is None
    assert summary.cells.empty


def test_overview_refuses_an_unknown_role(loaded):
    with pytest.raises(AccessDenied, match="not a known role"):
        overview(loaded, User("eve", "intruder"))
