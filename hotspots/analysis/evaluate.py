"""How good is a hotspot map? Draw it from one period, score it on the next.

Every method ranks the cells of one fixed grid by its training-period score; the top 1, 5
and 10 % of the area are then checked against the sightings of the test period with the
measures of crime science: hit rate, Predictive Accuracy Index and Recapture Rate Index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.analysis.clusters import find_clusters
from hotspots.analysis.frames import AnalysisInputError, as_time, bng_xy
from hotspots.analysis.gistar import gi_star, neighbour_graph, neighbour_threshold
from hotspots.analysis.grid import DEFAULT_CELL_M, GridSpec
from hotspots.analysis.kde import DEFAULT_BANDWIDTH_M, smooth_counts
from hotspots.domain import CRS_BNG

DEFAULT_COVERAGES: tuple[float, ...] = (0.01, 0.05, 0.10)
METHODS: tuple[str, ...] = ("naive", "kde", "gistar", "clusters")
DEFAULT_METHODS: tuple[str, ...] = ("naive", "kde", "gistar")
RESULT_COLUMNS: tuple[str, ...] = (
    "method", "coverage", "cells", "area_share", "hit_rate", "pai", "rri",
)  # fmt: skip


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else float("nan")


def score_selection(
    scores: np.ndarray, train: np.ndarray, test: np.ndarray, coverage: float
) -> dict[str, float]:
    """Select the best-scoring share of cells and score the selection on the test counts.

    Parameters
    ----------
    scores : numpy.ndarray
        Each cell's score from the training period (higher is hotter; -inf or NaN never
        selected). Ties are broken by training count, then by cell order.
    train, test : numpy.ndarray
        Sightings per cell in the training and test periods.
    coverage : float
        Share of the cells (of the study area) to select, e.g. 0.05.

    Returns
    -------
    dict
        ``cells`` selected, ``area_share`` (cells / all cells), ``hit_rate``, ``pai``, ``rri``.

    Notes
    -----
    With a selected, n test sightings in it, N of all, a/A the share of area, and m, M the
    training sightings in the selection and in all:

    - hit rate = n / N
    - PAI = (n / N) / (a / A)  (Chainey, Tompson & Uhlig 2008, Security Journal 21)
    - RRI = (n / m) / (N / M)  (Levine 2008, Geographical Analysis 40)

    Examples
    --------
    >>> train = np.array([6, 3, 1, 0, 0, 0, 0, 0, 0, 0])
    >>> test = np.array([4, 2, 0, 2, 0, 0, 0, 0, 0, 0])
    >>> score_selection(train.astype(float), train, test, 0.1)
    {'cells': 1, 'area_share': 0.1, 'hit_rate': 0.5, 'pai': 5.0, 'rri': 0.8333333333333333}
    """
    values = np.where(np.isfinite(scores), scores, -np.inf)
    wanted = max(1, round(coverage * len(values)))
    order = np.lexsort((np.arange(len(values)), -train, -values))
    chosen = order[:wanted][np.isfinite(values[order[:wanted]])]
    area_share = len(chosen) / len(values)
    hit_rate = _ratio(test[chosen].sum(), test.sum())
    return {
        "cells": len(chosen),
        "area_share": area_share,
        "hit_rate": hit_rate,
        "pai": _ratio(hit_rate, area_share),
        "rri": _ratio(
            _ratio(test[chosen].sum(), train[chosen].sum()), _ratio(test.sum(), train.sum())
        ),
    }


def _naive(train: np.ndarray, **_: object) -> np.ndarray:
    return train.astype(float)


def _kde(train: np.ndarray, grid: GridSpec, keep: np.ndarray, bandwidth_m: float, **_: object):
    full = np.zeros(grid.n_cells)
    full[keep] = train
    return smooth_counts(full, grid, bandwidth_m)[keep]


def _gistar(train: np.ndarray, grid: GridSpec, keep: np.ndarray, **_: object) -> np.ndarray:
    graph = neighbour_graph(grid.centres()[keep], neighbour_threshold(grid, "queen", None))
    z, _ = gi_star(train, graph, permutations=0)
    return z


def _clusters(train: np.ndarray, grid: GridSpec, keep: np.ndarray, sightings, **_: object):
    """Cells whose centre lies in a hotspot polygon score its density; others are never chosen."""
    hotspots = find_clusters(sightings, None).hotspots.to_crs(CRS_BNG)
    scores = np.full(keep.sum(), -np.inf)
    centres = grid.centres()[keep]
    density = hotspots["sightings"] / hotspots["area_km2"]
    for polygon, value in zip(hotspots.geometry, density, strict=True):  # one per hotspot
        inside = shapely.contains_xy(polygon, centres[:, 0], centres[:, 1])
        scores[inside] = np.maximum(scores[inside], value)
    return scores


SCORERS: dict[str, Callable[..., np.ndarray]] = {
    "naive": _naive, "kde": _kde, "gistar": _gistar, "clusters": _clusters,
}  # fmt: skip


def evaluate_methods(
    frame: gpd.GeoDataFrame,
    *,
    split_at: object,
    start: object = None,
    end: object = None,
    methods: Sequence[str] = DEFAULT_METHODS,
    coverages: Sequence[float] = DEFAULT_COVERAGES,
    cell_m: float = DEFAULT_CELL_M,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
    spec: GridSpec | None = None,
    study_area: object = None,
) -> pd.DataFrame:
    """Score each method's training-period map on the following test period.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings or a context layer covering both periods.
    split_at : date-like
        Training is ``start <= seen_at < split_at``; test is ``split_at <= seen_at < end``.
    start, end : date-like, optional
        Outer limits (default: all sightings before / after the split).
    methods : sequence of {'naive', 'kde', 'gistar', 'clusters'}
        'naive' ranks cells by last period's counts; 'kde' by smoothed counts (Gaussian of
        sd `bandwidth_m`); 'gistar' by Gi* z (queen weights); 'clusters' selects only cells
        centred in a DBSCAN hotspot (default settings), densest hotspot first, so its area
        share may stay below the coverage asked for.
    coverages : sequence of float, default (0.01, 0.05, 0.10)
        Shares of the study area to select.
    cell_m : float, default 250
        Square grid cell size in metres.
    bandwidth_m : float, default 200
        KDE bandwidth in metres.
    spec : GridSpec, optional
        A fixed square grid; by default one covering all sightings of both periods.
    study_area : shapely geometry in WGS84 or GeoSeries, optional
        Only cells intersecting it form the study area (the denominator of area share).

    Returns
    -------
    pandas.DataFrame
        One row per method and coverage: `RESULT_COLUMNS` (method, coverage, cells,
        area_share, hit_rate, pai, rri).

    Notes
    -----
    See `score_selection` for the measures. PAI depends on the study area: a grid over the
    bounding box of the sightings includes empty land, which raises every method's PAI
    alike, so compare methods within one run, or pass the borough boundary.
    """
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise AnalysisInputError(f"evaluation methods {sorted(unknown)} are not among {METHODS}")
    seen_at = frame["seen_at"]
    is_train = np.array(seen_at < as_time(split_at, seen_at), dtype=bool)  # writable copy
    if start is not None:
        is_train &= (seen_at >= as_time(start, seen_at)).to_numpy(dtype=bool)
    is_test = np.array(seen_at >= as_time(split_at, seen_at), dtype=bool)
    if end is not None:
        is_test &= (seen_at < as_time(end, seen_at)).to_numpy(dtype=bool)
    xy = bng_xy(frame)
    grid = spec if spec is not None else GridSpec.covering(xy[is_train | is_test], cell_m)
    keep = np.ones(grid.n_cells, dtype=bool) if study_area is None else grid.within(study_area)
    train, test = grid.counts(xy[is_train])[keep], grid.counts(xy[is_test])[keep]
    rows = []
    for method in methods:
        scores = SCORERS[method](
            train, grid=grid, keep=keep, bandwidth_m=bandwidth_m, sightings=frame[is_train]
        )
        for coverage in coverages:
            rows.append({"method": method, "coverage": coverage,
                         **score_selection(scores, train, test, coverage)})  # fmt: skip
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
