"""Hotspot polygons from density clustering (DBSCAN or HDBSCAN) of sightings.

Sightings are clustered on British National Grid coordinates; clusters with too few
sightings or too few different young people are dropped; each remaining cluster becomes a
buffered convex hull, named from the locality gazetteer and described by its statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy import stats
from scipy.spatial import ConvexHull, QhullError
from sklearn.cluster import DBSCAN, HDBSCAN

from hotspots.analysis.frames import (
    AnalysisInputError,
    bng_xy,
    code_matrix,
    local_times,
    people_per_group,
)
from hotspots.domain import CRS_BNG, CRS_WGS84, GROOMING_MODELS, INDICATORS

METHODS = ("dbscan", "hdbscan")
DEFAULT_METHOD = "dbscan"
#: DBSCAN neighbourhood radius: about the radius of a street-corner hotspot.
DEFAULT_EPS_M = 250.0
#: None: derive min_samples from the background density (see `auto_min_samples`).
DEFAULT_MIN_SAMPLES: int | None = None
DEFAULT_MIN_SIGHTINGS = 10
#: Several different young people: the mark of a place, not of one young person's routine.
DEFAULT_MIN_PEOPLE = 3
DEFAULT_BUFFER_M = 50.0
#: Smallest min_samples the automatic rule gives (small data sets).
MIN_SAMPLES_FLOOR = 5
#: A core point needs this many times the sightings expected in its disc under randomness...
DENSITY_RATIO = 8.0
#: ...and more than a uniform background would put there with this probability.
BACKGROUND_ALPHA = 1e-6
#: DBSCAN runs on sightings merged into cells of eps_m * SNAP_FRACTION (weighted by count).
SNAP_FRACTION = 0.1
#: HDBSCAN members less attached than this to their cluster are treated as its loose fringe.
HDBSCAN_MIN_PROBABILITY = 0.5
#: Sightings located only to an area (often its centroid) would pile up into false hotspots.
DEFAULT_PRECISIONS: tuple[str, ...] = ("exact", "street")
TOP_INDICATORS = 3
PEAK_WINDOW_HOURS = 3
GROOMING_COLUMNS = tuple(f"grooming_{code}" for code in GROOMING_MODELS)
HOTSPOT_COLUMNS: tuple[str, ...] = (
    "hotspot_id", "name", "sightings", "distinct_people", "main_grooming_model",
    *GROOMING_COLUMNS, "top_indicators", "first_seen", "last_seen", "peak_hours", "area_km2",
    "geometry",
)  # fmt: skip


@dataclass(frozen=True)
class ClusterResult:
    """Hotspots (one row each, EPSG:4326) and each sighting's hotspot_id (-1: in none)."""

    hotspots: gpd.GeoDataFrame
    labels: pd.Series
    min_samples: int


def background_density(xy: np.ndarray, eps_m: float, weights: np.ndarray | None = None) -> float:
    """Sightings per square metre over their convex hull (at least one eps-disc in area)."""
    n = float(len(xy) if weights is None else weights.sum())
    return n / max(_hull_area(xy), np.pi * eps_m**2)


def auto_min_samples(xy: np.ndarray, eps_m: float, weights: np.ndarray | None = None) -> int:
    """min_samples for DBSCAN from the density of sightings over their convex hull.

    Notes
    -----
    With n sightings over area A (convex hull), a disc of radius eps holds on average
    :math:`\\lambda = n \\pi \\varepsilon^2 / A` under complete spatial randomness. A core
    point must hold at least ``max(MIN_SAMPLES_FLOOR, ceil(DENSITY_RATIO * lambda), q)``,
    where q is the Poisson quantile exceeded with probability `BACKGROUND_ALPHA`, so that
    background noise almost never forms a core point while a planted hotspot (tens of times
    denser) always does. The rule is relative: sightings that all lie in one small patch
    give a min_samples above their number, hence no cluster; give `min_samples` then.

    Examples
    --------
    >>> grid = np.array([(x, y) for x in range(0, 10_000, 100) for y in range(0, 10_000, 100)])
    >>> auto_min_samples(grid.astype(float), 250.0)  # 10,000 over 98 km²: 8 * 20.03 -> 161
    161
    """
    expected = background_density(xy, eps_m, weights) * np.pi * eps_m**2
    quantile = float(stats.poisson.isf(BACKGROUND_ALPHA, expected)) + 1
    return int(max(MIN_SAMPLES_FLOOR, np.ceil(DENSITY_RATIO * expected), quantile))


def _hull_area(xy: np.ndarray) -> float:
    try:
        return float(ConvexHull(xy).volume)  # in 2-D qhull's "volume" is the area
    except (QhullError, ValueError):  # fewer than 3 points, or all on one line
        return 0.0


def _located(frame: pd.DataFrame, precisions: tuple[str, ...] | None) -> np.ndarray:
    if precisions is None or "precision" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    return frame["precision"].isin(list(precisions)).to_numpy(dtype=bool)


def _snap(xy: np.ndarray, snap_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge sightings into cells of `snap_m`: mean position, count, and each one's cell."""
    keys = np.floor(xy / snap_m).astype(np.int64)
    keys -= keys.min(axis=0)
    key = keys[:, 0] * (int(keys[:, 1].max()) + 1) + keys[:, 1]
    _, inverse, weights = np.unique(key, return_inverse=True, return_counts=True)
    centre = np.column_stack([np.bincount(inverse, xy[:, k]) / weights for k in range(2)])
    return centre, weights, inverse


def _cluster(
    xy: np.ndarray, method: str, eps_m: float, min_samples: int | None, min_size: int
) -> tuple[np.ndarray, int]:
    """Raw labels (-1 noise) and the min_samples used."""
    if method == "hdbscan":
        used = auto_min_samples(xy, eps_m) if min_samples is None else int(min_samples)
        model = HDBSCAN(min_cluster_size=max(2, min_size, used), min_samples=used, copy=True)
        model.fit(xy)
        labels = np.where(model.probabilities_ >= HDBSCAN_MIN_PROBABILITY, model.labels_, -1)
        return _drop_sparse(xy, labels, DENSITY_RATIO * background_density(xy, eps_m)), used
    points, weights, inverse = _snap(xy, eps_m * SNAP_FRACTION)
    used = auto_min_samples(points, eps_m, weights) if min_samples is None else int(min_samples)
    model = DBSCAN(eps=eps_m, min_samples=used, algorithm="kd_tree")
    return model.fit(points, sample_weight=weights).labels_[inverse], used


def _drop_sparse(xy: np.ndarray, labels: np.ndarray, min_density: float) -> np.ndarray:
    """Mark as noise the clusters whose sightings per m² of convex hull fall below the minimum.

    HDBSCAN has no absolute density threshold: it also carves the background into large,
    thin clusters, which this removes.
    """
    ids = np.unique(labels[labels >= 0])
    sparse = [i for i in ids if (labels == i).sum() < min_density * _hull_area(xy[labels == i])]
    return np.where(np.isin(labels, sparse), -1, labels)


def _keep_clusters(
    frame: gpd.GeoDataFrame, raw: np.ndarray, min_sightings: int, min_people: int
) -> np.ndarray:
    """Relabel clusters 1..k by sightings (most first), -1 for noise and dropped clusters."""
    members = raw >= 0
    sizes = pd.Series(raw[members]).value_counts()
    people = people_per_group(frame[members], raw[members]).reindex(sizes.index, fill_value=0)
    required = min_people if "people" in frame.columns else 0
    kept = sizes[(sizes >= min_sightings) & (people >= required)]
    ranked = kept.sort_values(ascending=False, kind="stable").index
    lookup = pd.Series(np.arange(1, len(ranked) + 1), index=ranked)
    return lookup.reindex(raw).fillna(-1).astype(np.int64).to_numpy()


def _hulls(xy: np.ndarray, labels: np.ndarray, buffer_m: float) -> np.ndarray:
    members = np.flatnonzero(labels > 0)
    members = members[np.argsort(labels[members], kind="stable")]
    if len(members) == 0:
        return np.empty(0, dtype=object)
    points = shapely.multipoints(xy[members], indices=labels[members] - 1)
    return shapely.buffer(shapely.convex_hull(points), buffer_m)


def _gazetteer_xy(gazetteer: pd.DataFrame) -> np.ndarray:
    transformer = Transformer.from_crs(CRS_WGS84, CRS_BNG, always_xy=True)
    x, y = transformer.transform(gazetteer["lon"].to_numpy(float), gazetteer["lat"].to_numpy(float))
    return np.column_stack([x, y])


def name_hotspots(polygons: np.ndarray, gazetteer: pd.DataFrame | None) -> list[str]:
    """Name each polygon (BNG) after a gazetteer locality; repeated names get ' (2)', ' (3)'.

    The locality is the one nearest the polygon's centroid among those inside it, or the
    nearest of all when none is inside; an empty gazetteer gives 'Hotspot 1', 'Hotspot 2' ...
    """
    if gazetteer is None or gazetteer.empty:
        return [f"Hotspot {i + 1}" for i in range(len(polygons))]
    places = _gazetteer_xy(gazetteer)
    localities = gazetteer["name"].astype(str).to_numpy()
    names: list[str] = []
    for polygon in polygons:
        centre = shapely.get_coordinates(shapely.centroid(polygon))[0]
        distance = np.hypot(*(places - centre).T)
        inside = shapely.contains_xy(polygon, places[:, 0], places[:, 1])
        names.append(
            localities[np.argmin(np.where(inside, distance, np.inf) if inside.any() else distance)]
        )
    seen: dict[str, int] = {}
    unique_names = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique_names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique_names


def _code_counts(members: pd.DataFrame, groups: np.ndarray, column: str, codes: list[str]):
    if column not in members.columns:
        return pd.DataFrame(0, index=np.unique(groups), columns=codes)
    matrix = code_matrix(members[column], codes).astype(np.int64)
    return pd.DataFrame(matrix, columns=codes).groupby(groups).sum()


def _top_codes(counts: pd.DataFrame, top: int) -> list[str]:
    result = []
    for _, row in counts.iterrows():  # one row per hotspot, not per sighting
        best = row[row > 0].sort_values(ascending=False, kind="stable").head(top)
        result.append("|".join(best.index))
    return result


def peak_hours(hours: np.ndarray, groups: np.ndarray, window: int = PEAK_WINDOW_HOURS) -> list[str]:
    """The `window`-hour span (wrapping midnight) with most sightings, per group.

    Windows are centred on each hour; ties go to the window whose centre hour is busiest,
    then to the earliest centre hour (0 to 23).

    Examples
    --------
    >>> peak_hours(np.array([22, 23, 0, 1, 12, 21, 21]), np.array([0, 0, 0, 0, 1, 1, 1]))
    ['23:00-02:00', '20:00-23:00']
    """
    table = pd.crosstab(groups, hours).reindex(columns=range(24), fill_value=0).to_numpy()
    before = window // 2
    sums = sum(np.roll(table, before - k, axis=1) for k in range(window))
    start = ((sums * (table.sum(axis=1, keepdims=True) + 1) + table).argmax(axis=1) - before) % 24
    return [f"{h:02d}:00-{(h + window) % 24:02d}:00" for h in start]


def _describe(frame: gpd.GeoDataFrame, labels: np.ndarray, polygons: np.ndarray) -> pd.DataFrame:
    members = frame[labels > 0].reset_index(drop=True)
    groups = labels[labels > 0]
    ids = np.arange(1, len(polygons) + 1)
    models = _code_counts(members, groups, "grooming_models", list(GROOMING_MODELS)).reindex(ids)
    indicators = _code_counts(members, groups, "indicators", list(INDICATORS)).reindex(ids)
    seen = members["seen_at"].groupby(groups)
    main = models.idxmax(axis=1).where(models.max(axis=1) > 0, "")
    stats_frame = pd.DataFrame({
        "hotspot_id": ids,
        "sightings": np.bincount(groups, minlength=len(ids) + 1)[1:],
        "distinct_people": people_per_group(members, groups).reindex(ids, fill_value=0).to_numpy(),
        "main_grooming_model": main.to_numpy(),
    })  # fmt: skip
    stats_frame[list(GROOMING_COLUMNS)] = models.fillna(0).astype(np.int64).to_numpy()
    stats_frame["top_indicators"] = _top_codes(indicators.fillna(0), TOP_INDICATORS)
    stats_frame["first_seen"] = seen.min().reindex(ids).array
    stats_frame["last_seen"] = seen.max().reindex(ids).array
    hours = local_times(members["seen_at"]).dt.hour.to_numpy()
    stats_frame["peak_hours"] = peak_hours(hours, groups)
    stats_frame["area_km2"] = shapely.area(polygons) / 1e6
    return stats_frame


def find_clusters(
    frame: gpd.GeoDataFrame,
    gazetteer: pd.DataFrame | None,
    *,
    method: str = DEFAULT_METHOD,
    eps_m: float = DEFAULT_EPS_M,
    min_samples: int | None = DEFAULT_MIN_SAMPLES,
    min_sightings: int = DEFAULT_MIN_SIGHTINGS,
    min_people: int = DEFAULT_MIN_PEOPLE,
    buffer_m: float = DEFAULT_BUFFER_M,
    precisions: tuple[str, ...] | None = DEFAULT_PRECISIONS,
) -> ClusterResult:
    """Find hotspots as dense clusters of sightings and describe each one.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings, or a context layer (then `min_people` is not applied and the
        people, grooming-model and indicator statistics are 0 / empty).
    gazetteer : pandas.DataFrame or None
        Localities with columns ``name, lat, lon`` (WGS84) to name the hotspots.
    method : {'dbscan', 'hdbscan'}, default 'dbscan'
        Clustering algorithm (scikit-learn).
    eps_m : float, default 250
        DBSCAN radius in metres (not used by HDBSCAN).
    min_samples : int, optional
        Sightings within `eps_m` that make a core point; None derives it from the
        background density (`auto_min_samples`). For HDBSCAN, its `min_samples`.
    min_sightings : int, default 10
        Clusters with fewer sightings are dropped (HDBSCAN's `min_cluster_size`).
    min_people : int, default 3
        Clusters with fewer distinct young people are dropped.
    buffer_m : float, default 50
        Buffer around each cluster's convex hull, in metres.
    precisions : tuple of str or None, default ('exact', 'street')
        Cluster only sightings of these precisions (the others get label -1); None, or a
        frame without a `precision` column, uses all.

    Returns
    -------
    ClusterResult
        ``hotspots``: GeoDataFrame (EPSG:4326), one row per hotspot, columns
        `HOTSPOT_COLUMNS` (ranked by sightings, ``hotspot_id`` 1, 2, ...);
        ``labels``: Series aligned with `frame` giving each sighting's hotspot_id or -1;
        ``min_samples``: the value used.

    Notes
    -----
    DBSCAN (Ester et al. 1996, KDD-96): a point with at least `min_samples` sightings within
    `eps_m` (itself included) is a core point; clusters are core points linked within
    `eps_m` plus the points they reach. For speed and memory on large frames, DBSCAN runs on
    sightings merged into cells of ``eps_m * SNAP_FRACTION`` (25 m by default) at their mean
    position, weighted by count, which moves no sighting more than ~18 m. HDBSCAN (Campello
    et al. 2013) runs on the raw points and suits smaller frames; having no absolute density
    threshold, members with membership probability under `HDBSCAN_MIN_PROBABILITY` are
    dropped as fringe, and clusters are kept only if their sightings per area of convex hull
    reach `DENSITY_RATIO` times the background density.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> rng = np.random.default_rng(1)
    >>> near = rng.normal(0, 60, size=(40, 2)) + (371000, 407000)  # near 'Deane'
    >>> points = gpd.GeoDataFrame(
    ...     {"seen_at": pd.date_range("2024-01-01 21:00", periods=40, freq="D"),
    ...      "people": [f"YP{i % 5}" for i in range(40)]},
    ...     geometry=[Point(p) for p in near], crs="EPSG:27700")
    >>> gazetteer = pd.DataFrame({"name": ["Deane"], "lat": [53.5745], "lon": [-2.4585]})
    >>> result = find_clusters(points, gazetteer, min_samples=5)
    >>> result.hotspots[["name", "sightings", "distinct_people", "peak_hours"]].values.tolist()
    [['Deane', 40, 5, '20:00-23:00']]
    """
    if method not in METHODS:
        raise AnalysisInputError(f"clustering method {method!r} is not one of {METHODS}")
    xy = bng_xy(frame)
    located = _located(frame, precisions)
    raw = np.full(len(xy), -1, dtype=np.int64)
    used = MIN_SAMPLES_FLOOR if min_samples is None else int(min_samples)
    if located.any():
        raw[located], used = _cluster(xy[located], method, eps_m, min_samples, min_sightings)
    labels = _keep_clusters(frame, raw, min_sightings, min_people)
    polygons = _hulls(xy, labels, buffer_m)
    described = _describe(frame, labels, polygons)
    described.insert(1, "name", name_hotspots(polygons, gazetteer))
    hotspots = gpd.GeoDataFrame(described, geometry=polygons, crs=CRS_BNG).to_crs(CRS_WGS84)
    return ClusterResult(
        hotspots=hotspots[list(HOTSPOT_COLUMNS)],
        labels=pd.Series(labels, index=frame.index, name="hotspot_id"),
        min_samples=used,
    )
