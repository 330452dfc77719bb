"""Grids and counts per cell (hotspots.analysis.grid)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from hotspots.analysis.frames import AnalysisInputError
from hotspots.analysis.grid import GridSpec, count_by_cell
from hotspots.domain import CRS_BNG
from tests.test_analysis_frames import context_frame


def bng_points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=CRS_BNG)


def test_square_counts_worked_by_hand():
    # Cells are 250 m squares with edges on multiples of 250 m: x 370000-370250-370500,
    # y 407000-407250. Three points in the first cell, one in the second, one on the edge
    # 370500 (which starts a third cell).
    points = bng_points([
        (370010, 407010), (370100, 407200), (370249, 407001),
        (370300, 407100), (370500, 407100),
    ])  # fmt: skip
    cells = count_by_cell(points, cell_m=250)
    assert cells["count"].tolist() == [3, 1, 1]
    assert cells.crs == CRS_BNG
    assert cells.geometry.iloc[0].bounds == (370000.0, 407000.0, 370250.0, 407250.0)
    assert cells["count"].sum() == len(points)


def test_every_cell_is_returned_including_empty_ones():
    cells = count_by_cell(bng_points([(100, 100), (1100, 600)]), cell_m=250)
    assert len(cells) == 5 * 3  # columns 0-1250, rows 0-750
    assert cells["count"].sum() == 2
    assert (cells["count"] == 0).sum() == 13


def test_a_wgs84_context_layer_is_counted_after_projection():
    crime = context_frame([(371100, 407100), (371110, 407110)], ["2024-01-01", "2024-01-02"])
    assert count_by_cell(crime)["count"].tolist() == [2]


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_each_point_falls_in_the_cell_with_the_nearest_centre(kind):
    rng = np.random.default_rng(3)
    xy = rng.uniform((370_000, 405_000), (373_000, 407_500), size=(5000, 2))
    grid = GridSpec.covering(xy, 200, kind)
    cells = grid.locate(xy)
    assert (cells >= 0).all()
    _, nearest = cKDTree(grid.centres()).query(xy)
    # Square grids: nearest centre in the max-norm equals nearest in Euclid only inside
    # the cell, which is what `contains` checks below; hexagons: nearest centre exactly.
    polygons = grid.polygons()[cells]
    assert shapely.intersects_xy(polygons, xy[:, 0], xy[:, 1]).all()
    if kind == "hex":
        assert (cells == nearest).all()


def test_hexagon_area_and_spacing():
    grid = GridSpec.covering(np.array([[0.0, 0.0], [1000.0, 1000.0]]), 100, "hex")
    assert shapely.area(grid.polygons()[0]) == pytest.approx(np.sqrt(3) / 2 * 100**2)
    centres = grid.centres()
    neighbour_distance = cKDTree(centres).query(centres[grid.n_cols + 1], k=7)[0][1:]
    assert neighbour_distance == pytest.approx([100.0] * 6)


def test_a_fixed_spec_counts_two_periods_on_the_same_cells():
    first = bng_points([(100, 100)])
    second = bng_points([(900, 900)])
    spec = GridSpec.covering(np.array([[0.0, 0.0], [999.0, 999.0]]), 250)
    a, b = count_by_cell(first, spec=spec), count_by_cell(second, spec=spec)
    assert a["cell_id"].tolist() == b["cell_id"].tolist()
    assert (a["count"].to_numpy() + b["count"].to_numpy()).sum() == 2
    assert a.loc[0, "count"] == 1 and b.loc[15, "count"] == 1


def test_points_outside_a_fixed_spec_are_not_counted():
    spec = GridSpec(x0=125.0, y0=125.0, cell_m=250.0, n_cols=2, n_rows=2)
    cells = count_by_cell(bng_points([(10, 10), (600, 10), (-5, 10)]), spec=spec)
    assert cells["count"].tolist() == [1, 0, 0, 0]


def test_a_study_area_keeps_only_the_cells_it_touches():
    points = bng_points([(100, 100), (1100, 1100)])
    area = gpd.GeoSeries([box(0, 0, 400, 400)], crs=CRS_BNG)  # touches 2 x 2 cells
    cells = count_by_cell(points, cell_m=250, study_area=area)
    assert len(cells) == 4
    assert cells["count"].sum() == 1


def test_a_runaway_grid_is_refused_with_advice():
    with pytest.raises(AnalysisInputError, match="stray points"):
        count_by_cell(bng_points([(0, 0), (700_000, 1_200_000)]), cell_m=50)


def test_an_empty_frame_needs_a_spec():
    with pytest.raises(AnalysisInputError, match="GridSpec"):
        count_by_cell(bng_points([]))
