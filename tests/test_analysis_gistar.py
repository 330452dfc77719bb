"""Getis-Ord Gi* (hotspots.analysis.gistar) against the formula computed independently."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from hotspots.analysis.gistar import (
    bin_labels,
    confidence_bins,
    fdr_adjust,
    gi_star,
    hot_spots,
    neighbour_graph,
)
from hotspots.analysis.grid import GridSpec
from hotspots.domain import CRS_BNG
from tests.test_analysis_frames import context_frame

CELL = 250.0


def points_for_counts(counts: np.ndarray) -> gpd.GeoDataFrame:
    """Sightings at the centres of a grid of 250 m cells, `counts[row, col]` in each."""
    rows, cols = np.indices(counts.shape)
    repeats = counts.ravel()
    x = np.repeat(125.0 + CELL * cols.ravel(), repeats)
    y = np.repeat(125.0 + CELL * rows.ravel(), repeats)
    return gpd.GeoDataFrame(geometry=[Point(p) for p in zip(x, y, strict=True)], crs=CRS_BNG)


def spec_for(counts: np.ndarray) -> GridSpec:
    return GridSpec(x0=125.0, y0=125.0, cell_m=CELL, n_cols=counts.shape[1], n_rows=counts.shape[0])


def gi_star_by_formula(values: np.ndarray, centres: np.ndarray, threshold: float) -> np.ndarray:
    """Ord & Getis (1995) eq. 8 with binary weights, self included, in plain numpy."""
    n = len(values)
    distance = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    w = (distance <= threshold).astype(float)  # the diagonal (distance 0) is 1: Gi*
    mean = values.mean()
    s = np.sqrt((values**2).mean() - mean**2)
    w_sum = w.sum(axis=1)
    numerator = w @ values - mean * w_sum
    denominator = s * np.sqrt((n * (w**2).sum(axis=1) - w_sum**2) / (n - 1))
    return numerator / denominator


COUNTS = np.array([
    [0, 1, 0, 2, 0],
    [1, 6, 9, 1, 0],
    [0, 8, 12, 2, 1],
    [0, 1, 3, 0, 0],
    [2, 0, 0, 0, 1],
])  # fmt: skip


@pytest.mark.parametrize(
    ("weights", "distance_m", "threshold"),
    [("queen", None, CELL * np.sqrt(2) * 1.01), ("distance", 520.0, 520.0)],
)
def test_gi_star_z_matches_the_formula(weights, distance_m, threshold):
    cells = hot_spots(
        points_for_counts(COUNTS), spec=spec_for(COUNTS), weights=weights,
        distance_m=distance_m, permutations=0,
    )  # fmt: skip
    expected = gi_star_by_formula(
        COUNTS.ravel().astype(float), spec_for(COUNTS).centres(), threshold
    )
    assert cells["count"].tolist() == COUNTS.ravel().tolist()
    np.testing.assert_allclose(cells["gi_z"], expected, rtol=1e-9, atol=1e-12)


def test_a_hand_worked_value():
    # Centre cell (row 2, col 2) of COUNTS with queen weights: its 9 cells hold
    # 6+9+1+8+12+2+1+3+0 = 42; n = 25, mean = 50/25 = 2, sum of squares 352,
    # S = sqrt(352/25 - 4) = 3.1749, z = (42 - 2*9) / (3.1749 * sqrt((25*9 - 81) / 24)).
    cells = hot_spots(points_for_counts(COUNTS), spec=spec_for(COUNTS), permutations=0)
    expected = (42 - 18) / (np.sqrt(352 / 25 - 4) * np.sqrt(144 / 24))
    assert cells.loc[12, "gi_z"] == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(3.0861, abs=1e-4)


def test_permutation_p_value_matches_exact_enumeration():
    # 3 x 3 grid: the corner cell (value 5) has 3 neighbours drawn from the 8 other cells.
    values = np.array([5.0, 4.0, 0.0, 3.0, 6.0, 0.0, 0.0, 1.0, 0.0])
    centres = spec_for(np.zeros((3, 3))).centres()
    graph = neighbour_graph(centres, CELL * np.sqrt(2) * 1.01)
    observed = 4.0 + 3.0 + 6.0  # right, above and diagonal neighbours of cell 0
    others = values[1:]
    sums = np.array([sum(c) for c in itertools.combinations(others, 3)])  # 56 equally likely
    exact = min(1.0, 2 * min((sums >= observed).mean(), (sums <= observed).mean()))
    _, p = gi_star(values, graph, permutations=9999, seed=1)
    assert exact == pytest.approx(2 / 56)  # only {4, 6, 3} reaches 13
    assert p[0] == pytest.approx(exact, abs=0.01)


def test_an_empty_neighbourhood_in_an_empty_map_is_not_a_cold_spot():
    # 95 % of cells are empty: an empty 3 x 3 block is what chance gives, not a cold spot.
    # (esda's p_sim counts ties as "larger", which would call it significant.)
    counts = np.zeros((12, 12), dtype=int)
    counts[2, 3], counts[8, 9], counts[5, 10], counts[10, 1] = 3, 2, 1, 4
    counts[6, 6] = 5
    cells = hot_spots(points_for_counts(counts), spec=spec_for(counts), permutations=999)
    quiet = cells.loc[0]
    assert quiet["count"] == 0
    assert quiet["p_value"] > 0.5
    assert (cells["gi_bin"] >= 0).all()


def test_a_planted_cluster_is_a_99_percent_hot_spot_after_fdr():
    # With 225 tests, FDR needs raw p well below 0.01: the default 9,999 permutations give
    # a smallest two-sided p of 0.0002 (999 would stop at 0.002, i.e. 95 % at best).
    rng = np.random.default_rng(5)
    counts = rng.poisson(1.0, size=(15, 15))
    counts[6:9, 6:9] += 12
    cells = hot_spots(points_for_counts(counts), spec=spec_for(counts), seed=2)
    centre = cells.loc[7 * 15 + 7]
    assert centre["gi_class"] == "Hot spot - 99% confidence"
    assert centre["gi_bin"] == 3
    assert centre["p_fdr"] >= centre["p_value"]
    far = cells[(cells["row"] < 3) & (cells["col"] < 3)]
    assert (far["gi_bin"] <= 0).all()


def test_permutations_are_reproducible_with_a_seed():
    points = points_for_counts(COUNTS)
    first = hot_spots(points, spec=spec_for(COUNTS), permutations=499, seed=9)
    second = hot_spots(points, spec=spec_for(COUNTS), permutations=499, seed=9)
    assert first["p_value"].tolist() == second["p_value"].tolist()


def test_benjamini_hochberg_worked_by_hand():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # q_(i) = min over j >= i of p_(j) * m / j, with m = 10.
    expected = [0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.074 * 10 / 7, 0.216, 0.216, 0.216]
    np.testing.assert_allclose(fdr_adjust(p), expected, rtol=1e-9)


@pytest.mark.parametrize(
    ("z", "p", "gi_bin", "label"),
    [
        (3.0, 0.005, 3, "Hot spot - 99% confidence"),
        (2.0, 0.03, 2, "Hot spot - 95% confidence"),
        (1.7, 0.08, 1, "Hot spot - 90% confidence"),
        (1.0, 0.3, 0, "Not significant"),
        (-1.7, 0.08, -1, "Cold spot - 90% confidence"),
        (-2.0, 0.01, -2, "Cold spot - 95% confidence"),  # 0.01 is not below 0.01
        (-4.0, 0.0001, -3, "Cold spot - 99% confidence"),
    ],
)
def test_confidence_classes_follow_arcgis(z, p, gi_bin, label):
    bins = confidence_bins(np.array([z]), np.array([p]))
    assert bins.tolist() == [gi_bin]
    assert bin_labels(bins).tolist() == [label]


def test_no_sightings_means_no_hot_spots():
    spec = spec_for(np.zeros((4, 4)))
    empty = gpd.GeoDataFrame(geometry=[], crs=CRS_BNG)
    cells = hot_spots(empty, spec=spec)
    assert (cells["gi_class"] == "Not significant").all()
    assert (cells["gi_z"] == 0).all()


def test_a_context_layer_works():
    crime = context_frame([(371_100, 407_100)] * 20 + [(373_100, 409_100)], ["2024-01-01"] * 21)
    cells = hot_spots(crime, permutations=99)
    assert cells["count"].sum() == 21
    assert {"gi_z", "p_value", "p_fdr", "gi_bin", "gi_class"} <= set(cells.columns)
