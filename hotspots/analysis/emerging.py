"""Emerging hot spots: Gi* in every time slice of a fixed grid, trends, and Esri's patterns.

A space-time cube counts sightings per cell and period (monthly by default). Each period is
tested with Getis-Ord Gi*; the Mann-Kendall test measures each cell's trend; each cell is then
named by the Emerging Hot Spot Analysis patterns (new, consecutive, intensifying, persistent,
diminishing, sporadic, oscillating, historical; hot and cold).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from hotspots.analysis.frames import AnalysisInputError, bng_xy, local_times
from hotspots.analysis.gistar import (
    DEFAULT_SEED,
    DEFAULT_WEIGHTS,
    fdr_adjust,
    gi_star,
    neighbour_graph,
    neighbour_threshold,
)
from hotspots.analysis.grid import DEFAULT_CELL_M, GridSpec

DEFAULT_FREQ = "M"
DEFAULT_ALPHA = 0.05
#: Esri uses the analytical Gi* z-score per bin; permutations can be asked for.
DEFAULT_PERMUTATIONS = 0
#: Share of time steps a location must be significant in to be persistent, historical ...
PERSISTENT_SHARE = 0.9
NO_PATTERN = "No Pattern Detected"
PATTERNS: tuple[str, ...] = (
    "New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic",
    "Oscillating", "Historical",
)  # fmt: skip
TRENDS_ON = ("gi_z", "count")


@dataclass(frozen=True)
class EmergingResult:
    """``cells``: one row per grid cell with its pattern (EPSG:27700);
    ``cube``: one row per analysed cell and period (cell_id, period, count, gi_z, p_value,
    p_fdr, hot_cold with +1 hot, -1 cold, 0 neither)."""

    cells: gpd.GeoDataFrame
    cube: pd.DataFrame


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mann-Kendall trend test on each row of `series` (rows: cells, columns: time).

    Returns
    -------
    tuple of numpy.ndarray
        ``(s, z, p, tau)``: the statistic S, its z-score, two-sided p-value and Kendall's tau
        (``S / (n(n-1)/2)``), one value per row.

    Notes
    -----
    :math:`S = \\sum_{i<j} \\operatorname{sgn}(x_j - x_i)`,
    :math:`\\operatorname{Var}(S) = [n(n-1)(2n+5) - \\sum_t t(t-1)(2t+5)] / 18` over groups of
    ties of size t, :math:`z = (S - \\operatorname{sgn} S) / \\sqrt{\\operatorname{Var}(S)}`
    (Mann 1945; Kendall 1975; as in pymannkendall's ``original_test``). A row with no
    variation has z = 0 and p = 1.

    Examples
    --------
    >>> s, z, p, tau = mann_kendall(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    >>> int(s[0]), round(float(z[0]), 3), round(float(p[0]), 4), float(tau[0])
    (10, 2.205, 0.0275, 1.0)
    """
    x = np.asarray(series, dtype=float)
    n = x.shape[1]
    s = np.zeros(len(x))
    tied = np.zeros(len(x))
    for i in range(n):  # a loop over time steps, vectorised over cells
        s += np.sign(x[:, i + 1 :] - x[:, [i]]).sum(axis=1)
        equal = (x == x[:, [i]]).sum(axis=1)  # size of the tie group of element i
        tied += (equal - 1) * (2 * equal + 5)
    variance = (n * (n - 1) * (2 * n + 5) - tied) / 18
    root = np.sqrt(np.where(variance > 0, variance, 1.0))
    z = np.where(variance > 0, (s - np.sign(s)) / root, 0.0)
    p = 2 * stats.norm.sf(np.abs(z))
    tau = s / max(n * (n - 1) / 2, 1)
    return s, z, p, tau


def _pattern_rules(
    hot: np.ndarray, cold: np.ndarray, rising: np.ndarray, falling: np.ndarray
) -> np.ndarray:
    """Pattern name (without 'Hot Spot') of each row, '' if none; see `classify_patterns`."""
    steps = hot.shape[1]
    final = hot[:, -1]
    n_hot = hot.sum(axis=1)
    share = n_hot / steps
    run = np.cumprod(hot[:, ::-1], axis=1).sum(axis=1)  # final uninterrupted hot run
    ever_cold = cold.any(axis=1)
    mostly = share >= PERSISTENT_SHARE
    rules = [
        (final & mostly & rising, "Intensifying"),
        (final & mostly & falling, "Diminishing"),
        (final & mostly, "Persistent"),
        (~final & mostly, "Historical"),
        (final & ever_cold, "Oscillating"),
        (final & (n_hot == 1), "New"),
        (final & (run >= 2) & (n_hot == run), "Consecutive"),
        (final & (n_hot > run), "Sporadic"),
    ]
    return np.select([rule for rule, _ in rules], [name for _, name in rules], default="")


def classify_patterns(
    hot_cold: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray, alpha: float = DEFAULT_ALPHA
) -> np.ndarray:
    """Esri's Emerging Hot Spot Analysis pattern of each cell's series of significant bins.

    Parameters
    ----------
    hot_cold : numpy.ndarray of int, shape (cells, time steps)
        +1 where the cell is a significant hot spot in that step, -1 cold, 0 neither.
    trend_z, trend_p : numpy.ndarray
        Mann-Kendall z and p of each cell's trend in clustering intensity.
    alpha : float, default 0.05
        Significance level of the trend.

    Returns
    -------
    numpy.ndarray of str
        E.g. 'New Hot Spot', 'Historical Cold Spot', or 'No Pattern Detected'.

    Notes
    -----
    Rules, for hot spots (Esri, "How Emerging Hot Spot Analysis works"), checked in order;
    "90 %" is `PERSISTENT_SHARE` of all time steps:

    - *Intensifying*: hot in >= 90 % of steps including the final one, and clustering
      intensity rises significantly (Mann-Kendall z > 0, p < alpha).
    - *Diminishing*: the same, but intensity falls significantly.
    - *Persistent*: hot in >= 90 % of steps including the final one, no significant trend.
    - *Historical*: the final step is not hot, but >= 90 % of steps were.
    - *Oscillating*: hot in the final step, cold in some earlier step, < 90 % hot.
    - *New*: hot in the final step only, never significant (hot or cold) before.
    - *Consecutive*: a single uninterrupted run of >= 2 hot steps at the end, never
      significant before the run, < 90 % hot.
    - *Sporadic*: hot in the final step, hot on and off before, never cold, < 90 % hot.
    - otherwise *No Pattern Detected*.

    Cold spots mirror these (+1 and -1 swapped, trends reversed). Where Esri's text leaves
    an overlap, the most recent step decides: >= 90 % hot but not hot at the end is
    Historical, not Persistent; an earlier cold step makes Oscillating, not New or
    Consecutive (as in sfdep's `classify_hotspot`).

    Examples
    --------
    >>> series = np.array([[0, 0, 0, 0, 1], [1, 1, 1, 1, 1], [1, 0, -1, 0, 1]])
    >>> classify_patterns(series, np.zeros(3), np.ones(3)).tolist()
    ['New Hot Spot', 'Persistent Hot Spot', 'Oscillating Hot Spot']
    """
    bins = np.asarray(hot_cold)
    significant = np.asarray(trend_p) < alpha
    up, down = significant & (np.asarray(trend_z) > 0), significant & (np.asarray(trend_z) < 0)
    hot = _pattern_rules(bins == 1, bins == -1, up, down)
    cold = _pattern_rules(bins == -1, bins == 1, down, up)
    named = np.where(hot != "", np.char.add(hot.astype(str), " Hot Spot"), NO_PATTERN)
    return np.where(
        (hot == "") & (cold != ""), np.char.add(cold.astype(str), " Cold Spot"), named
    ).astype(object)


def _periods(times: pd.Series, freq: str, start: object, end: object) -> pd.PeriodIndex:
    first = pd.Timestamp(start) if start is not None else times.min()
    last = pd.Timestamp(end) - pd.Timedelta(1, "ns") if end is not None else times.max()
    if pd.isna(first) or pd.isna(last):
        raise AnalysisInputError("no sightings in the period: nothing to analyse over time")
    periods = pd.period_range(first.to_period(freq), last.to_period(freq), freq=freq)
    if len(periods) < 2:
        raise AnalysisInputError(
            f"emerging hot spots need at least 2 time steps ({freq}); Esri advises 10 or more"
        )
    return periods


def _cube_counts(frame, xy, grid, keep, periods, freq) -> np.ndarray:
    """Counts of shape (kept cells, periods)."""
    ordinals = local_times(frame["seen_at"]).dt.to_period(freq).array.asi8
    step = ordinals - periods[0].ordinal
    cell = grid.locate(xy)
    inside = (cell >= 0) & (step >= 0) & (step < len(periods))
    flat = np.bincount(cell[inside] * len(periods) + step[inside],
                       minlength=grid.n_cells * len(periods))  # fmt: skip
    return flat.reshape(grid.n_cells, len(periods))[keep]


def _slice_gi(counts, graph, permutations, seed, fdr) -> tuple[np.ndarray, ...]:
    z, p, q = (np.zeros(counts.shape) for _ in range(3))
    for t in range(counts.shape[1]):  # one Gi* map per time slice
        z[:, t], p[:, t] = gi_star(counts[:, t], graph, permutations=permutations, seed=seed)
        q[:, t] = fdr_adjust(p[:, t]) if fdr else p[:, t]
    return z, p, q


def emerging_hot_spots(
    frame: gpd.GeoDataFrame,
    *,
    cell_m: float = DEFAULT_CELL_M,
    kind: str = "square",
    spec: GridSpec | None = None,
    study_area: object = None,
    freq: str = DEFAULT_FREQ,
    start: object = None,
    end: object = None,
    weights: str = DEFAULT_WEIGHTS,
    distance_m: float | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alpha: float = DEFAULT_ALPHA,
    fdr: bool = True,
    trend_on: str = "gi_z",
) -> EmergingResult:
    """Emerging hot spot analysis of sightings on a fixed grid, period by period.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings or a context layer (``seen_at`` and Point geometry).
    cell_m, kind, spec, study_area
        The grid, as in `hotspots.analysis.grid.count_by_cell`.
    freq : str, default 'M'
        Length of a time step as a pandas period alias ('M' months, 'W' weeks, 'Q' quarters).
    start, end : date-like, optional
        First and (exclusive) last instant of the cube; default the sightings' range.
    weights, distance_m, permutations, seed
        Gi* settings, as in `hotspots.analysis.gistar.hot_spots` (analytic z by default).
    alpha : float, default 0.05
        Significance level of a hot or cold bin (after FDR) and of the trend.
    fdr : bool, default True
        Benjamini-Hochberg correction within each time slice.
    trend_on : {'gi_z', 'count'}, default 'gi_z'
        What the pattern's Mann-Kendall trend is measured on: the Gi* z-scores (Esri) or
        the raw counts. Both trends are reported.

    Returns
    -------
    EmergingResult
        ``cells``: every grid cell with ``cell_id, row, col, count, hot_steps, cold_steps,
        trend_z, trend_p, count_tau, count_p, pattern, geometry``; cells without any
        sighting are not analysed (pattern 'No Pattern Detected', trends NaN), as in Esri's
        tool. ``cube``: the per-period values of the analysed cells.

    Notes
    -----
    Each slice is tested on its own (Esri adds neighbouring time steps to a bin's
    neighbourhood; here the neighbourhood is spatial only). See `classify_patterns` for
    the rules and `mann_kendall` for the trend test.
    """
    if trend_on not in TRENDS_ON:
        raise AnalysisInputError(f"trend_on {trend_on!r} is not one of {TRENDS_ON}")
    xy = bng_xy(frame)
    grid = spec if spec is not None else GridSpec.covering(xy, cell_m, kind)
    keep = np.ones(grid.n_cells, dtype=bool) if study_area is None else grid.within(study_area)
    periods = _periods(local_times(frame["seen_at"]), freq, start, end)
    counts = _cube_counts(frame, xy, grid, keep, periods, freq)
    graph = neighbour_graph(grid.centres()[keep], neighbour_threshold(grid, weights, distance_m))
    z, p, q = _slice_gi(counts, graph, permutations, seed, fdr)
    hot_cold = np.sign(z).astype(np.int64) * (q < alpha)
    return _result(grid, keep, periods, counts, z, p, q, hot_cold, alpha, trend_on)


def _result(grid, keep, periods, counts, z, p, q, hot_cold, alpha, trend_on) -> EmergingResult:
    analysed = counts.sum(axis=1) > 0
    _, trend_z, trend_p, _ = mann_kendall(z)
    _, count_z, count_p, count_tau = mann_kendall(counts)
    use_z, use_p = (trend_z, trend_p) if trend_on == "gi_z" else (count_z, count_p)
    pattern = classify_patterns(hot_cold, use_z, use_p, alpha)
    blank = lambda values: np.where(analysed, values, np.nan)  # noqa: E731
    cells = grid.frame({
        "count": counts.sum(axis=1).astype(np.int64),
        "hot_steps": (hot_cold == 1).sum(axis=1), "cold_steps": (hot_cold == -1).sum(axis=1),
        "trend_z": blank(trend_z), "trend_p": blank(trend_p),
        "count_tau": blank(count_tau), "count_p": blank(count_p),
        "pattern": np.where(analysed, pattern, NO_PATTERN),
    }, keep)  # fmt: skip
    rows = np.flatnonzero(analysed)
    cube = pd.DataFrame({
        "cell_id": np.repeat(cells["cell_id"].to_numpy()[rows], len(periods)),
        "period": np.tile(periods, len(rows)),
        "count": counts[rows].ravel(), "gi_z": z[rows].ravel(), "p_value": p[rows].ravel(),
        "p_fdr": q[rows].ravel(), "hot_cold": hot_cold[rows].ravel(),
    })  # fmt: skip
    return EmergingResult(cells=cells, cube=cube)
