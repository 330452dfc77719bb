"""Class breaks for shaded layers, and the Gi* confidence classes.

Quantile breaks suit counts of sightings, which are highly skewed: most cells hold one or two
records and a few hold dozens, so equal-interval classes would put nearly every cell in the
lightest class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def class_breaks(values: ArrayLike, classes: int = 5) -> tuple[float, ...]:
    """Upper bounds of up to `classes` classes of the finite values, by successive quantiles.

    Each break is the quantile that leaves an equal share of the remaining values to each
    remaining class; when many values tie (most cells hold one sighting) the tie takes a class
    of its own and the rest are split among the values above it. Whole-number data gets
    whole-number breaks (rounded up). Breaks are strictly increasing; the last is the maximum.

    >>> class_breaks(range(1, 11))
    (2.0, 4.0, 6.0, 8.0, 10.0)
    >>> class_breaks([1] * 80 + [2] * 10 + [3, 4, 5, 6, 8, 9, 12, 15, 20, 40])
    (1.0, 2.0, 6.0, 12.0, 40.0)
    >>> class_breaks([4, 4, 4])
    (4.0,)
    >>> class_breaks([])
    ()
    """
    data = np.sort(np.asarray(values, dtype=float))
    data = data[np.isfinite(data)]
    whole = bool(np.all(data == np.round(data)))
    breaks: list[float] = []
    for left in range(classes, 0, -1):
        if data.size == 0:
            break
        cut = float(np.quantile(data, 1 / left, method="lower" if whole else "linear"))
        cut = float(np.ceil(cut)) if whole else cut
        breaks.append(cut if left > 1 else float(data[-1]))
        data = data[data > breaks[-1]]
    return tuple(breaks)


def class_index(values: ArrayLike, breaks: Sequence[float]) -> np.ndarray:
    """The class (0-based) of each value: the first break it does not exceed.

    >>> class_index([1, 3, 4, 10, 99], (3.0, 5.0, 10.0)).tolist()
    [0, 0, 1, 2, 2]
    """
    data = np.asarray(values, dtype=float)
    index = np.searchsorted(np.asarray(breaks, dtype=float), data, side="left")
    return np.clip(index, 0, max(len(breaks) - 1, 0))


def classify_gistar(
    z: ArrayLike, p: ArrayLike, levels: Sequence[float] = (0.01, 0.05, 0.10)
) -> np.ndarray:
    """Gi* classes from z-scores and (FDR-adjusted) p-values, as in ArcGIS Hot Spot Analysis.

    A cell is a hot spot (z > 0) or cold spot (z < 0) at 99, 95 or 90% confidence when its p is
    below 0.01, 0.05 or 0.10; otherwise "not_significant".

    >>> classify_gistar([3.1, 2.1, -1.8, 0.4], [0.002, 0.03, 0.08, 0.6]).tolist()
    ['hot_99', 'hot_95', 'cold_90', 'not_significant']
    """
    z_arr, p_arr = np.asarray(z, dtype=float), np.asarray(p, dtype=float)
    result = np.full(z_arr.shape, "not_significant", dtype=object)
    names = ("99", "95", "90")
    for level, name in sorted(zip(levels, names, strict=True), reverse=True):
        significant = p_arr < level
        result[significant & (z_arr > 0)] = f"hot_{name}"
        result[significant & (z_arr < 0)] = f"cold_{name}"
    return result
