"""Kernel density surface: sightings binned on a fine square grid, smoothed by a Gaussian.

Binning then filtering (scipy.ndimage) costs one pass over the points and one over the cells,
so a million sightings take about a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
from scipy import ndimage

from hotspots.analysis.frames import AnalysisInputError, bng_xy
from hotspots.analysis.grid import GridSpec

DEFAULT_CELL_M = 50.0
DEFAULT_BANDWIDTH_M = 200.0
#: The Gaussian kernel is cut at this many bandwidths; the grid is padded by as much.
TRUNCATE = 4.0
DEFAULT_VOLUME_LEVELS = (0.5, 0.75, 0.9)


def smooth_counts(counts: np.ndarray, spec: GridSpec, bandwidth_m: float) -> np.ndarray:
    """Counts per cell (id order) smoothed by a Gaussian of sd `bandwidth_m`; total preserved.

    Notes
    -----
    `scipy.ndimage.gaussian_filter` with ``mode='constant'``: mass smoothed beyond the grid's
    edge is lost, hence the padding in `density_surface`.
    """
    if spec.kind != "square":
        raise AnalysisInputError("a density surface needs a square grid")
    if bandwidth_m <= 0:
        raise AnalysisInputError(f"bandwidth must be positive metres, got {bandwidth_m}")
    raster = counts.reshape(spec.n_rows, spec.n_cols).astype(float)
    sigma = bandwidth_m / spec.cell_m
    smoothed = ndimage.gaussian_filter(raster, sigma=sigma, mode="constant", truncate=TRUNCATE)
    return smoothed.ravel()


def density_surface(
    frame: gpd.GeoDataFrame,
    *,
    cell_m: float = DEFAULT_CELL_M,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
    spec: GridSpec | None = None,
) -> gpd.GeoDataFrame:
    """Kernel density of sightings on a square grid, in sightings per square kilometre.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings or a context layer (Point geometry with a CRS).
    cell_m : float, default 50
        Side of the output cells in metres.
    bandwidth_m : float, default 200
        Standard deviation of the Gaussian kernel in metres.
    spec : GridSpec, optional
        A fixed square grid to use instead (then `cell_m` is ignored).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id, row, col, count, density, geometry`` (EPSG:27700), every cell.

    Notes
    -----
    .. math:: \\hat f(s) = \\frac{1}{A}\\sum_i K_h(s - s_i),\\quad
              K_h(u) = \\frac{1}{2\\pi h^2} e^{-\\lVert u\\rVert^2 / 2h^2}

    approximated by binning (Silverman 1982, "Kernel density estimation using the fast
    Fourier transform"): counts per cell are convolved with a Gaussian of sd ``h / cell_m``
    cells and divided by the cell area in km². The grid is padded by 4 bandwidths so that
    the surface integrates to the number of sightings.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> one = gpd.GeoDataFrame(geometry=[Point(1025.0, 1025.0)], crs="EPSG:27700")
    >>> surface = density_surface(one, cell_m=50, bandwidth_m=100)
    >>> round(float((surface["density"] * 0.0025).sum()), 6)  # 0.0025 km² per cell
    1.0
    """
    xy = bng_xy(frame)
    grid = spec if spec is not None else GridSpec.covering(xy, cell_m, pad_m=TRUNCATE * bandwidth_m)
    counts = grid.counts(xy)
    density = smooth_counts(counts, grid, bandwidth_m) / (grid.cell_area_m2 / 1e6)
    return grid.frame({"count": counts.astype(np.int64), "density": density})


def volume_classes(
    density: np.ndarray | Sequence[float], levels: Sequence[float] = DEFAULT_VOLUME_LEVELS
) -> np.ndarray:
    """Label each cell with the smallest highest-density region (share of mass) containing it.

    A cell labelled 0.5 lies in the densest cells that together hold half of all sightings;
    cells outside the largest level get NaN. This is the "percent volume contour" of
    home-range and hotspot mapping.

    Examples
    --------
    >>> volume_classes(np.array([1.0, 6.0, 3.0, 0.0]), levels=(0.5, 0.9)).tolist()
    [nan, 0.5, 0.9, nan]
    """
    values = np.asarray(density, dtype=float)
    order = np.argsort(-values, kind="stable")
    share = np.cumsum(values[order]) / max(values.sum(), np.finfo(float).tiny)
    # A cell belongs to a level if the mass strictly denser than it is still under the level.
    before = np.concatenate([[0.0], share[:-1]])
    labels = np.full(len(values), np.nan)
    for level in sorted(levels, reverse=True):
        labels[order[(before < level) & (values[order] > 0)]] = level
    return labels
