"""Getis-Ord Gi* hot and cold spots on grid counts, with false-discovery-rate correction.

Sightings are counted on a grid (`hotspots.analysis.grid`), Gi* is computed with
`esda.G_Local(star=True)` on binary weights, tested by conditional permutation, and each
cell is classed as ArcGIS's Hot Spot Analysis does ('Hot spot - 99% confidence' ...).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from esda import G_Local
from libpysal.graph import Graph
from scipy import stats

from hotspots.analysis.frames import AnalysisInputError, bng_xy
from hotspots.analysis.grid import DEFAULT_CELL_M, GridSpec

DEFAULT_WEIGHTS = "queen"
DEFAULT_PERMUTATIONS = 9999
DEFAULT_SEED = 20240101
#: Confidence levels of the classes, most confident first: (p below, gi_bin magnitude, label).
CONFIDENCE_LEVELS: tuple[tuple[float, int, str], ...] = (
    (0.01, 3, "99%"),
    (0.05, 2, "95%"),
    (0.10, 1, "90%"),
)
NOT_SIGNIFICANT = "Not significant"


def neighbour_threshold(spec: GridSpec, weights: str, distance_m: float | None) -> float:
    """Distance band (metres, between cell centres) that defines a cell's neighbours."""
    if weights == "queen":
        # Queen contiguity: the 8 touching squares, or the 6 touching hexagons.
        reach = np.sqrt(2.0) if spec.kind == "square" else 1.0
        return float(spec.cell_m * reach * 1.01)
    if weights == "distance":
        if distance_m is None or distance_m <= 0:
            raise AnalysisInputError("distance weights need a positive distance_m in metres")
        return float(distance_m)
    raise AnalysisInputError(f"weights {weights!r} is not 'queen' or 'distance'")


def neighbour_graph(centres: np.ndarray, threshold_m: float) -> Graph:
    """Binary distance-band weights between cell centres (libpysal Graph)."""
    return Graph.build_distance_band(centres, threshold_m, binary=True)


def _draw_neighbours(n_others: int, size: int, permutations: int, seed: int | None) -> np.ndarray:
    """`permutations` rows of `size` distinct indices into ``range(n_others)``."""
    rng = np.random.default_rng(seed)
    if n_others < 4 * size:  # small sets: shuffle them whole
        return rng.random((permutations, n_others)).argsort(axis=1)[:, :size]
    draws = rng.integers(0, n_others, size=(permutations, size))
    repeated = (np.diff(np.sort(draws, axis=1), axis=1) == 0).any(axis=1)
    while repeated.any():  # rare when n_others >> size; redraw only those rows
        draws[repeated] = rng.integers(0, n_others, size=(int(repeated.sum()), size))
        repeated = (np.diff(np.sort(draws, axis=1), axis=1) == 0).any(axis=1)
    return draws


def permutation_p_values(
    values: np.ndarray, graph: Graph, permutations: int, seed: int | None
) -> np.ndarray:
    """Two-sided pseudo p-values of Gi* by conditional randomisation, ties counted fairly.

    Notes
    -----
    Holding a cell's own value fixed, its neighbours' values are drawn at random (without
    replacement) from the other cells; the neighbour sum decides Gi*. With ``n_ge``
    and ``n_le`` the draws at least / at most the observed sum,
    ``p = min(1, 2 * (min(n_ge, n_le) + 1) / (permutations + 1))``. Cells sharing their own
    value and neighbour count share one reference distribution, so the cost grows with the
    number of such pairs, not of cells. (esda's ``p_sim`` counts ties as "larger" and then
    folds, so a cell whose whole neighbourhood is empty would look like a significant cold
    spot: this is why it is not used here.)
    """
    adjacency = graph.sparse.tocsr().astype(bool).astype(float)
    adjacency.setdiag(0)
    adjacency.eliminate_zeros()
    observed = adjacency @ values
    cardinality = np.diff(adjacency.indptr)
    draws = _draw_neighbours(len(values) - 1, max(int(cardinality.max()), 1), permutations, seed)
    p = np.ones(len(values))
    sorted_values = np.sort(values)
    for (own, k), cells in pd.Series(np.arange(len(values))).groupby([values, cardinality]):
        if k == 0:
            continue  # an island: no neighbours to randomise
        others = np.delete(sorted_values, np.searchsorted(sorted_values, own))
        reference = np.sort(others[draws[:, :k]].sum(axis=1))
        at_most = np.searchsorted(reference, observed[cells], side="right")
        at_least = permutations - np.searchsorted(reference, observed[cells], side="left")
        p[cells] = np.minimum(1.0, 2 * (np.minimum(at_most, at_least) + 1) / (permutations + 1))
    return p


def gi_star(
    values: np.ndarray,
    graph: Graph,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values of `values` (aligned with `graph`'s ids).

    The z-score is esda's ``G_Local(star=True).Zs`` on binary weights. With
    ``permutations > 0`` the p-value comes from `permutation_p_values`; with 0 it is the
    normal ``2 * sf(|z|)``. A slice with no variation (e.g. no sightings at all) has z = 0
    and p = 1 everywhere.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 3 or np.ptp(values) == 0:
        return np.zeros(n), np.ones(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        local = G_Local(values, graph, transform="B", star=True, permutations=0)
    z = np.nan_to_num(np.asarray(local.Zs, dtype=float), nan=0.0)
    if permutations:
        p = permutation_p_values(values, graph, permutations, seed)
    else:
        p = 2.0 * stats.norm.sf(np.abs(z))
    return z, np.where(z == 0, 1.0, p)


def fdr_adjust(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values).

    Examples
    --------
    >>> fdr_adjust(np.array([0.01, 0.04, 0.03, 0.20])).round(3).tolist()
    [0.04, 0.053, 0.053, 0.2]
    """
    if len(p_values) == 0:
        return np.asarray(p_values, dtype=float)
    return stats.false_discovery_control(np.asarray(p_values, dtype=float), method="bh")


def confidence_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """ArcGIS Gi_Bin: +3/+2/+1 hot at 99/95/90 % confidence, negative for cold, 0 otherwise."""
    magnitude = np.zeros(len(z), dtype=np.int64)
    for level, value, _label in reversed(CONFIDENCE_LEVELS):
        magnitude[p < level] = value
    return np.sign(z).astype(np.int64) * magnitude


def bin_labels(gi_bin: np.ndarray) -> np.ndarray:
    """'Hot spot - 99% confidence' ... 'Not significant' ... 'Cold spot - 90% confidence'."""
    names = {0: NOT_SIGNIFICANT}
    for _level, value, label in CONFIDENCE_LEVELS:
        names[value] = f"Hot spot - {label} confidence"
        names[-value] = f"Cold spot - {label} confidence"
    return np.array([names[int(b)] for b in gi_bin], dtype=object)


def hot_spots(
    frame: gpd.GeoDataFrame,
    *,
    cell_m: float = DEFAULT_CELL_M,
    kind: str = "square",
    spec: GridSpec | None = None,
    study_area: object = None,
    weights: str = DEFAULT_WEIGHTS,
    distance_m: float | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    fdr: bool = True,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots of sighting counts on a grid.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings or a context layer (Point geometry with a CRS).
    cell_m, kind, spec, study_area
        The grid, as in `hotspots.analysis.grid.count_by_cell`.
    weights : {'queen', 'distance'}, default 'queen'
        Neighbours: the touching cells, or every cell centre within `distance_m` metres.
    distance_m : float, optional
        Distance band for ``weights='distance'``.
    permutations : int, default 999
        Conditional permutations for the pseudo p-value; 0 uses the normal approximation.
    seed : int, optional
        Seed of the permutations, so that a run can be reproduced.
    fdr : bool, default True
        Correct the p-values for multiple testing (Benjamini-Hochberg) before classing.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell: ``cell_id, row, col, count, gi_z, p_value, p_fdr, gi_bin, gi_class,
        geometry`` (EPSG:27700). `p_fdr` equals `p_value` when ``fdr=False``.

    Notes
    -----
    With binary weights :math:`w_{ij}` (including :math:`w_{ii} = 1`), counts :math:`x`,
    mean :math:`\\bar x` and :math:`S = \\sqrt{\\sum x_j^2 / n - \\bar x^2}`:

    .. math:: G_i^* = \\frac{\\sum_j w_{ij} x_j - \\bar x \\sum_j w_{ij}}
              {S \\sqrt{\\left[n \\sum_j w_{ij}^2 - (\\sum_j w_{ij})^2\\right] / (n - 1)}}

    (Ord & Getis 1995, Geographical Analysis 27(4), eq. 8; it is a z-score). A cell is a hot
    spot at 99/95/90 % confidence when its (FDR-adjusted) two-sided p < 0.01/0.05/0.10 and
    z > 0, cold when z < 0 (Esri, "How Hot Spot Analysis (Getis-Ord Gi*) works").

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> xy = [(125.0 + 250 * (i % 5), 125.0 + 250 * (i // 5)) for i in range(25)]
    >>> xy += [(625.0, 625.0)] * 30  # 31 sightings in the centre cell, 1 in each other
    >>> points = gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs="EPSG:27700")
    >>> cells = hot_spots(points, permutations=0)

    Centre cell: n = 25, mean 2.2, S = 5.879, its 9 queen cells hold 39, so
    z = (39 - 2.2 * 9) / (5.879 * sqrt((25 * 9 - 81) / 24)) = 1.33: not significant,
    because one busy cell among quiet neighbours is not a *cluster*.

    >>> round(float(cells.loc[12, "gi_z"]), 2), cells.loc[12, "gi_class"]
    (1.33, 'Not significant')
    """
    xy = bng_xy(frame)
    grid = spec if spec is not None else GridSpec.covering(xy, cell_m, kind)
    keep = np.ones(grid.n_cells, dtype=bool) if study_area is None else grid.within(study_area)
    counts = grid.counts(xy)[keep]
    graph = neighbour_graph(grid.centres()[keep], neighbour_threshold(grid, weights, distance_m))
    z, p = gi_star(counts, graph, permutations=permutations, seed=seed)
    q = fdr_adjust(p) if fdr else p
    gi_bin = confidence_bins(z, q)
    values = {
        "count": counts.astype(np.int64), "gi_z": z, "p_value": p, "p_fdr": q,
        "gi_bin": gi_bin, "gi_class": bin_labels(gi_bin),
    }  # fmt: skip
    return grid.frame(values, keep)
