"""Scoring hotspot maps on a later period (hotspots.analysis.evaluate): hit rate, PAI, RRI."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.analysis.evaluate import RESULT_COLUMNS, evaluate_methods, score_selection
from hotspots.analysis.frames import AnalysisInputError
from hotspots.analysis.grid import GridSpec
from tests.test_analysis_frames import context_frame

# 100 cells of 250 m in Bolton (BNG is only valid, and round-trips exactly, over Britain).
X0, Y0 = 370_125.0, 405_125.0
SPEC = GridSpec(x0=X0, y0=Y0, cell_m=250.0, n_cols=10, n_rows=10)


def centre(cell: int) -> tuple[float, float]:
    row, col = divmod(cell, 10)
    return X0 + 250 * col, Y0 + 250 * row


def sightings_in(train: dict[int, int], test: dict[int, int]):
    """Training sightings in 2023, test sightings in 2024, `n` at the centre of each cell."""
    xy, when = [], []
    for counts, day in ((train, "2023-06-01"), (test, "2024-06-01")):
        for cell, n in counts.items():
            xy += [centre(cell)] * n
            when += [day] * n
    return context_frame(xy, when)


TRAIN = {0: 6, 1: 3, 55: 1}  # M = 10
TEST = {0: 4, 1: 2, 99: 2}  # N = 8


@pytest.mark.parametrize(
    ("coverage", "cells", "hit_rate", "pai", "rri"),
    [
        # 1 % = 1 cell (cell 0): n = 4; hit 4/8; PAI 0.5/0.01; RRI (4/6)/(8/10).
        (0.01, 1, 0.5, 50.0, (4 / 6) / 0.8),
        # 2 % = cells 0, 1: n = 6, m = 9.
        (0.02, 2, 0.75, 37.5, (6 / 9) / 0.8),
        # 5 % = cells 0, 1, 55, then the empty cells 2 and 3 (ties go by cell order).
        (0.05, 5, 0.75, 15.0, (6 / 10) / 0.8),
        # everything: hit rate 1, PAI 1, RRI 1.
        (1.0, 100, 1.0, 1.0, 1.0),
    ],
)
def test_naive_map_scored_by_hand(coverage, cells, hit_rate, pai, rri):
    results = evaluate_methods(
        sightings_in(TRAIN, TEST), split_at="2024-01-01", methods=("naive",),
        coverages=(coverage,), spec=SPEC,
    )  # fmt: skip
    row = results.iloc[0]
    assert row["cells"] == cells
    assert row["area_share"] == pytest.approx(cells / 100)
    assert row["hit_rate"] == pytest.approx(hit_rate, abs=1e-12)
    assert row["pai"] == pytest.approx(pai, abs=1e-9)
    assert row["rri"] == pytest.approx(rri, abs=1e-12)


def test_score_selection_on_a_hand_worked_grid():
    # 20 cells. The scores rank cell 3 first, then cell 0; cell 5 has a high count but a
    # low score (a method may disagree with last period's counts).
    train = np.zeros(20)
    test = np.zeros(20)
    train[[0, 3, 5]] = [2, 4, 6]  # M = 12
    test[[0, 3, 5, 7]] = [3, 1, 4, 2]  # N = 10
    scores = np.zeros(20)
    scores[[3, 0, 5]] = [9.0, 8.0, 1.0]
    one = score_selection(scores, train, test, 0.05)  # 1 cell: cell 3
    assert one == pytest.approx({
        "cells": 1, "area_share": 0.05, "hit_rate": 0.1, "pai": 2.0, "rri": (1 / 4) / (10 / 12),
    })  # fmt: skip
    two = score_selection(scores, train, test, 0.10)  # cells 3 and 0
    assert two["hit_rate"] == pytest.approx(0.4)
    assert two["pai"] == pytest.approx(4.0)
    assert two["rri"] == pytest.approx((4 / 6) / (10 / 12))


def test_cells_scored_minus_infinity_are_never_selected():
    scores = np.array([5.0, -np.inf, -np.inf, np.nan])
    result = score_selection(scores, np.array([1, 0, 0, 0]), np.array([1, 1, 0, 0]), 0.75)
    assert result["cells"] == 1
    assert result["area_share"] == 0.25
    assert result["pai"] == pytest.approx(2.0)


def test_no_training_sightings_in_the_selection_gives_nan_rri():
    result = score_selection(np.array([1.0, 0.0]), np.array([0, 0]), np.array([1, 0]), 0.5)
    assert np.isnan(result["rri"])


def test_a_sighting_at_the_split_instant_belongs_to_the_test_period():
    frame = context_frame([centre(0), centre(1)], ["2023-12-31 23:59", "2024-01-01 00:00"])
    row = evaluate_methods(
        frame, split_at="2024-01-01", methods=("naive",), coverages=(0.01,), spec=SPEC
    ).iloc[0]
    assert row["hit_rate"] == 0.0  # the map picks cell 0 (training); the test hit is cell 1


def test_every_method_scores_a_stable_hotspot():
    # A hotspot at cell 44 in both years, a little noise elsewhere.
    rng = np.random.default_rng(4)
    noise = {int(c): 1 for c in rng.choice(100, 15, replace=False)}
    train = {**noise, 44: 30}
    test = {**{int(c): 1 for c in rng.choice(100, 15, replace=False)}, 44: 25}
    frame = sightings_in(train, test)
    results = evaluate_methods(
        frame, split_at="2024-01-01", methods=("naive", "kde", "gistar", "clusters"),
        spec=SPEC, bandwidth_m=150,
    )  # fmt: skip
    assert tuple(results.columns) == RESULT_COLUMNS
    assert len(results) == 4 * 3
    top = results[results["coverage"] == 0.01].set_index("method")
    for method in ("naive", "kde", "clusters"):
        assert top.loc[method, "hit_rate"] >= 25 / 39  # cell 44 is picked first
    assert top.loc["naive", "pai"] == pytest.approx(top.loc["naive", "hit_rate"] / 0.01)
    # Gi* ranks neighbourhoods: a neighbour of cell 44 holding one more sighting nearby can
    # outrank it, but cell 44 is within the top 5 %.
    assert results.set_index(["method", "coverage"]).loc[("gistar", 0.05), "hit_rate"] >= 25 / 39


def test_unknown_methods_are_refused():
    with pytest.raises(AnalysisInputError, match="crystal_ball"):
        evaluate_methods(
            sightings_in(TRAIN, TEST), split_at="2024-01-01", methods=("crystal_ball",)
        )
