"""Emerging hot spots (hotspots.analysis.emerging): Mann-Kendall, Esri's patterns, end to end."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pymannkendall
import pytest
from shapely.geometry import Point

from hotspots.analysis.emerging import classify_patterns, emerging_hot_spots, mann_kendall
from hotspots.analysis.frames import AnalysisInputError
from hotspots.analysis.grid import GridSpec
from hotspots.domain import CRS_BNG

KNOWN_SERIES = [
    [1, 2, 3, 4, 5],
    [5, 3, 4, 1, 0, 0, 2, -1],
    [2, 2, 2, 3, 3, 1, 4, 4, 4, 4, 5, 2],  # many ties
    [0.5, -1.2, 3.3, 0.1, 2.8, 2.9, 4.0, 3.1, 5.5, 6.0],
]


@pytest.mark.parametrize("series", KNOWN_SERIES)
def test_mann_kendall_matches_pymannkendall(series):
    s, z, p, tau = mann_kendall(np.array([series], dtype=float))
    reference = pymannkendall.original_test(series)
    assert s[0] == reference.s
    assert z[0] == pytest.approx(reference.z, abs=1e-9)
    assert p[0] == pytest.approx(reference.p, abs=1e-9)
    assert tau[0] == pytest.approx(reference.Tau, abs=1e-9)


def test_mann_kendall_worked_by_hand_and_vectorised_over_rows():
    # 1..5: every pair rises, S = 10; Var = 5*4*15/18 = 16.667; z = (10-1)/4.0825 = 2.2045.
    rows = np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [2, 2, 2, 2, 2]], dtype=float)
    s, z, p, _ = mann_kendall(rows)
    assert s.tolist() == [10, -10, 0]
    assert z[0] == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18), abs=1e-12)
    assert z[1] == pytest.approx(-z[0])
    assert (z[2], p[2]) == (0.0, 1.0)  # no variation: no trend


H, C, O = 1, -1, 0  # noqa: E741 -- O (not significant) reads best beside H and C
NO_TREND = (0.0, 1.0)
RISING = (3.0, 0.001)
FALLING = (-3.0, 0.001)

# One hand-built space-time series (10 steps) per Esri category, with its trend (z, p).
CUBE = [
    ("New Hot Spot", [O, O, O, O, O, O, O, O, O, H], NO_TREND),
    ("Consecutive Hot Spot", [O, O, O, O, O, O, O, H, H, H], RISING),
    ("Intensifying Hot Spot", [H, H, H, H, H, H, H, H, H, H], RISING),
    ("Persistent Hot Spot", [H, H, H, H, O, H, H, H, H, H], NO_TREND),
    ("Diminishing Hot Spot", [H, H, H, H, H, H, H, H, H, H], FALLING),
    ("Sporadic Hot Spot", [O, H, O, O, H, H, O, O, O, H], NO_TREND),
    ("Oscillating Hot Spot", [C, O, O, H, O, C, O, O, H, H], NO_TREND),
    ("Historical Hot Spot", [H, H, H, H, H, H, H, H, H, O], FALLING),
    ("New Cold Spot", [O, O, O, O, O, O, O, O, O, C], NO_TREND),
    ("Consecutive Cold Spot", [O, O, O, O, O, O, C, C, C, C], NO_TREND),
    ("Intensifying Cold Spot", [C, C, C, C, C, C, C, C, C, C], FALLING),
    ("Persistent Cold Spot", [C, C, C, C, C, C, C, C, C, C], NO_TREND),
    ("Diminishing Cold Spot", [C, C, C, C, C, C, C, C, C, C], RISING),
    ("Sporadic Cold Spot", [C, O, O, C, O, O, O, O, O, C], NO_TREND),
    ("Oscillating Cold Spot", [O, H, O, O, O, O, O, O, C, C], NO_TREND),
    ("Historical Cold Spot", [C, C, C, C, C, C, C, C, C, O], NO_TREND),
    ("No Pattern Detected", [H, H, O, O, O, O, O, O, O, O], NO_TREND),  # hot once, long ago
    ("No Pattern Detected", [O, O, O, O, O, O, O, O, O, O], NO_TREND),
    # Boundary cases the rule order decides:
    ("Sporadic Hot Spot", [O, O, H, O, O, O, O, O, H, H], NO_TREND),  # hot before the run
    ("Oscillating Hot Spot", [O, O, C, O, O, O, O, O, O, H], NO_TREND),  # cold before: not new
    ("Persistent Hot Spot", [O, H, H, H, H, H, H, H, H, H], (2.0, 0.2)),  # trend not significant
]


@pytest.mark.parametrize(("expected", "series", "trend"), CUBE)
def test_each_pattern_from_a_hand_built_series(expected, series, trend):
    pattern = classify_patterns(np.array([series]), np.array([trend[0]]), np.array([trend[1]]))
    assert pattern.tolist() == [expected]


def test_classification_is_vectorised_over_cells():
    series = np.array([row for _, row, _ in CUBE])
    trend_z = np.array([trend[0] for _, _, trend in CUBE])
    trend_p = np.array([trend[1] for _, _, trend in CUBE])
    assert classify_patterns(series, trend_z, trend_p).tolist() == [name for name, _, _ in CUBE]


def test_ninety_percent_means_at_least_nine_of_ten_steps():
    eight = [O, H, O, H, H, H, H, H, H, H]  # 80 % hot, no cold: sporadic, not persistent
    assert classify_patterns(np.array([eight]), np.zeros(1), np.ones(1)).tolist() == [
        "Sporadic Hot Spot"
    ]


def monthly_sightings(extra: dict[tuple[int, int], list[int]], months: int = 12):
    """Sightings on a 10 x 10 grid of 250 m cells: one per cell per month, plus `extra`.

    `extra[(row, col)]` lists, per month, how many more sightings each of the 3 x 3 cells
    around (row, col) receives.
    """
    counts = np.ones((months, 10, 10), dtype=int)
    for (row, col), per_month in extra.items():
        for month, added in enumerate(per_month):
            counts[month, row - 1 : row + 2, col - 1 : col + 2] += added
    month_idx, rows, cols = np.nonzero(counts)
    repeats = counts[month_idx, rows, cols]
    frame = pd.DataFrame({
        "seen_at": np.repeat(pd.date_range("2023-01-01", periods=months, freq="MS")[month_idx]
                             + pd.Timedelta(days=9), repeats),
        "x": np.repeat(125.0 + 250 * cols, repeats), "y": np.repeat(125.0 + 250 * rows, repeats),
    })  # fmt: skip
    points = [Point(p) for p in zip(frame.pop("x"), frame.pop("y"), strict=True)]
    return gpd.GeoDataFrame(frame, geometry=points, crs=CRS_BNG)


def test_end_to_end_on_a_planted_space_time_cube():
    sightings = monthly_sightings({
        (2, 2): [15] * 12,  # hot all year: persistent
        (7, 7): [0] * 11 + [15],  # hot in the final month only: new
        (2, 7): [15] * 11 + [0],  # hot but not at the end: historical
    })  # fmt: skip
    spec = GridSpec(x0=125.0, y0=125.0, cell_m=250.0, n_cols=10, n_rows=10)
    result = emerging_hot_spots(sightings, spec=spec)
    pattern = result.cells.set_index("cell_id")["pattern"]
    assert pattern[2 * 10 + 2] == "Persistent Hot Spot"
    assert pattern[7 * 10 + 7] == "New Hot Spot"
    assert pattern[2 * 10 + 7] == "Historical Hot Spot"
    assert pattern[5 * 10 + 5] == "No Pattern Detected"
    assert result.cells["count"].sum() == len(sightings)
    assert len(result.cube) == 100 * 12  # every cell has sightings, so all are analysed
    corner = result.cube[result.cube["cell_id"] == 77]
    assert corner["hot_cold"].tolist() == [0] * 11 + [1]
    assert str(corner["period"].iloc[0]) == "2023-01"


def test_growing_and_shrinking_hot_spots_intensify_and_diminish():
    # Gi* z is relative to the whole map in each month: a block that keeps growing while
    # another shrinks gains intensity (z rises), the other loses it (z falls).
    sightings = monthly_sightings({
        (2, 2): [20 + 2 * m for m in range(12)],
        (7, 7): [42 - 2 * m for m in range(12)],
    })  # fmt: skip
    spec = GridSpec(x0=125.0, y0=125.0, cell_m=250.0, n_cols=10, n_rows=10)
    cells = emerging_hot_spots(sightings, spec=spec).cells.set_index("cell_id")
    assert cells.loc[22, "pattern"] == "Intensifying Hot Spot"
    assert cells.loc[77, "pattern"] == "Diminishing Hot Spot"
    assert cells.loc[22, "count_tau"] == pytest.approx(1.0)  # counts rise every month
    assert cells.loc[77, "count_tau"] == pytest.approx(-1.0)


def test_cells_without_any_sighting_are_not_analysed():
    sightings = monthly_sightings({(2, 2): [15] * 6}, months=6)
    spec = GridSpec(x0=125.0, y0=125.0, cell_m=250.0, n_cols=12, n_rows=10)  # 2 empty columns
    result = emerging_hot_spots(sightings, spec=spec)
    empty = result.cells[result.cells["col"] >= 10]
    assert (empty["pattern"] == "No Pattern Detected").all()
    assert empty["trend_z"].isna().all()
    assert set(result.cube["cell_id"]) == set(
        result.cells.loc[result.cells["count"] > 0, "cell_id"]
    )


def test_one_time_step_is_refused():
    sightings = monthly_sightings({}, months=1)
    with pytest.raises(AnalysisInputError, match="at least 2 time steps"):
        emerging_hot_spots(sightings)
