"""Kernel density surface (hotspots.analysis.kde), checked against the Gaussian worked by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from hotspots.analysis.frames import AnalysisInputError
from hotspots.analysis.grid import GridSpec
from hotspots.analysis.kde import density_surface, volume_classes
from hotspots.domain import CRS_BNG


def bng_points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=CRS_BNG)


def discrete_gaussian(sigma_cells: float, truncate: float = 4.0) -> np.ndarray:
    """The normalised 1-D sampled Gaussian that scipy.ndimage uses, written out."""
    radius = int(truncate * sigma_cells + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-(offsets**2) / (2 * sigma_cells**2))
    return weights / weights.sum()


def cell_of(surface: gpd.GeoDataFrame, x: float, y: float) -> int:
    return int(np.flatnonzero(surface.contains(Point(x, y)))[0])


def test_one_sighting_gives_the_sampled_gaussian_worked_by_hand():
    surface = density_surface(bng_points([(10_025.0, 20_025.0)]), cell_m=50, bandwidth_m=100)
    kernel = discrete_gaussian(sigma_cells=2.0)  # 100 m / 50 m
    centre = len(kernel) // 2
    cell_km2 = 0.05 * 0.05
    peak = cell_of(surface, 10_025, 20_025)
    assert surface.loc[peak, "density"] == pytest.approx(kernel[centre] ** 2 / cell_km2, rel=1e-9)
    # Two cells east and one north: the product of the 1-D weights.
    other = cell_of(surface, 10_125, 20_075)
    expected = kernel[centre + 2] * kernel[centre + 1] / cell_km2
    assert surface.loc[other, "density"] == pytest.approx(expected, rel=1e-9)
    assert surface["density"].idxmax() == peak


def test_the_surface_integrates_to_the_number_of_sightings():
    rng = np.random.default_rng(7)
    xy = rng.normal((371_000, 407_000), 300, size=(500, 2))
    surface = density_surface(bng_points([tuple(p) for p in xy]), cell_m=50, bandwidth_m=150)
    assert (surface["density"] * 0.0025).sum() == pytest.approx(500, rel=1e-9)
    assert surface["count"].sum() == 500


def test_fine_cells_approach_the_continuous_gaussian_kernel():
    # Continuous kernel density at distance d from one point: exp(-d²/2h²) / (2πh²).
    h, d = 200.0, 400.0
    surface = density_surface(bng_points([(5_002.5, 5_002.5)]), cell_m=5, bandwidth_m=h)
    at_d = cell_of(surface, 5_002.5 + d, 5_002.5)
    expected_per_km2 = np.exp(-(d**2) / (2 * h**2)) / (2 * np.pi * h**2) * 1e6
    assert surface.loc[at_d, "density"] == pytest.approx(expected_per_km2, rel=0.01)


def test_a_fixed_hex_grid_is_refused():
    spec = GridSpec.covering(np.array([[0.0, 0.0], [500.0, 500.0]]), 50, "hex")
    with pytest.raises(AnalysisInputError, match="square grid"):
        density_surface(bng_points([(100, 100)]), spec=spec)


def test_volume_classes_worked_by_hand():
    # Total 20. Densest first: 8 (40 %), 6 (70 %), 4 (90 %), 2 (100 %).
    density = np.array([2.0, 8.0, 0.0, 6.0, 4.0])
    labels = volume_classes(density, levels=(0.5, 0.75, 0.9))
    # 50 % needs 8 and 6 (8 alone holds 40 %); 75 % adds the 4 (70 % is not enough);
    # 90 % is reached with the 4, so the 2 and the empty cell stay outside every level.
    assert labels[[1, 3, 4]].tolist() == [0.5, 0.5, 0.75]
    assert np.isnan(labels[0]) and np.isnan(labels[2])
