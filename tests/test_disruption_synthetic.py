"""On synthetic Bolton with the planted Daubhill disruption, the evaluation finds the drop
and the displacement to the neighbouring spot (hotspots.synth plants a 60 % drop, with 40 %
of the lost sightings moved 650-850 m away)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
import shapely

from hotspots.disruption.actions import circle_area
from hotspots.disruption.evaluation import evaluate
from hotspots.domain import CRS_BNG, CRS_WGS84
from hotspots.gazetteer import load_gazetteer
from hotspots.synth import generate


def _planted(seed: int):
    data = generate(sightings=5000, seed=seed, gazetteer=load_gazetteer())
    rows = data.sightings
    frame = gpd.GeoDataFrame(
        rows.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
        crs=CRS_WGS84,
    )
    truth = next(p for p in data.truth["patterns"] if p["kind"] == "disruption")
    return frame, truth


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_evaluation_finds_the_drop_and_the_displacement(seed: int) -> None:
    frame, truth = _planted(seed)
    assert truth["hotspot"] == "Daubhill"
    centre = truth["target"]["centre"]
    target = circle_area(centre["lon"], centre["lat"], 350)
    result = evaluate(frame, target, date.fromisoformat(truth["start_date"]))

    # the drop: 60 % planted, so the rate ratio against the comparison is near 0.4
    assert result.judgement == "fell"
    assert result.rate_ratio.high < 1
    assert 0.2 <= result.rate_ratio.ratio <= 0.65
    observed = truth["observed"]["target_drop"]
    totals = result.totals["target"]
    assert 1 - totals["after"] / totals["before"] == pytest.approx(observed, abs=0.12)

    # the displacement: the buffer rose against the comparison, and the WDQ is negative
    assert result.buffer_ratio.low > 1
    assert result.displacement.wdq is not None and result.displacement.wdq < 0
    assert "displaced" in result.verdict

    # and the rise in the buffer is where the generator moved the activity
    moved = truth["displacement"]["centre"]
    site = gpd.GeoSeries([shapely.Point(moved["lon"], moved["lat"])], crs=CRS_WGS84)
    ring = result.areas.set_index("role").to_crs(CRS_BNG).geometry["buffer"]
    assert ring.contains(site.to_crs(CRS_BNG).iloc[0])
