"""Hotspot polygons from density clustering (DBSCAN or HDBSCAN) of sightings.

Sightings are clustered on British National Grid coordinates; clusters with too few
sightings or too few different young people are dropped; each remaining cluster becomes a
buffered convex hull, named from the locality gazetteer and described by its statistics.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.neighbors import NearestNeighbors

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
#: Above this many (snapped) points `dbscan_labels` calls scikit-learn's DBSCAN directly.
SPARSE_DBSCAN_MAX_POINTS = 100_000
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


def _eps_graph(xy: np.ndarray, eps_m: float) -> sparse.csr_matrix:
    """Points within `eps_m` of each point (itself included) as a 0/1 sparse matrix.

    Built directly from the KD-tree's neighbour lists with one-byte data (scikit-learn's
    `radius_neighbors_graph` stores float64 ones: eight times the memory for the data).
    """
    tree = NearestNeighbors(radius=eps_m, algorithm="kd_tree").fit(xy)
    lists = tree.radius_neighbors(xy, return_distance=False)
    indptr = np.zeros(len(xy) + 1, dtype=np.int64)
    np.cumsum([len(neighbours) for neighbours in lists], out=indptr[1:])
    indices = np.concatenate(lists).astype(np.int32) if len(lists) else np.empty(0, np.int32)
    data = np.ones(len(indices), dtype=np.int8)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(xy), len(xy)))


def dbscan_labels(
    xy: np.ndarray, eps_m: float, min_samples: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Plain DBSCAN labels (-1 noise) of points in metres: the step PostGIS can also run.

    A point is core when the points (or their weights) within `eps_m`, itself included,
    reach `min_samples`: the rule of scikit-learn's `DBSCAN` and of PostGIS
    `ST_ClusterDBSCAN`, so all three give the same partition of the same points
    (`hotspots.db.runs.cluster_in_database`). `find_clusters` calls this on snapped,
    weighted points.

    Notes
    -----
    Same result as ``sklearn.cluster.DBSCAN(eps, min_samples).fit(xy, sample_weight)``
    (clusters numbered in order of their first core point) but vectorised: the eps-graph
    comes from scikit-learn's KD-tree as one sparse matrix, weighted neighbour counts are a
    matrix product, clusters are the connected components of the core points (scipy), and
    a border point joins the cluster of its nearest core point (scikit-learn gives it to
    whichever cluster reaches it first; DBSCAN leaves that choice open). scikit-learn's own
    weighted path sums the weights in a Python loop, one point at a time, which is slower
    up to ~100,000 points; above `SPARSE_DBSCAN_MAX_POINTS` building the sparse graph costs
    more than that loop, so scikit-learn's `DBSCAN` itself is called.
    """
    n = len(xy)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if n > SPARSE_DBSCAN_MAX_POINTS:
        model = DBSCAN(eps=eps_m, min_samples=int(min_samples), algorithm="kd_tree")
        return model.fit(xy, sample_weight=weights).labels_.astype(np.int64)
    graph = _eps_graph(xy, eps_m)
    weight = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    core = graph @ weight >= min_samples
    labels = np.full(n, -1, dtype=np.int64)
    if not core.any():
        return labels
    per_row = np.diff(graph.indptr)
    row_is_core = np.repeat(core, per_row)
    to_core = core[graph.indices]
    # A border point's edges to core points, read before the graph is pruned below.
    border_edges = np.flatnonzero(~row_is_core & to_core)
    border_rows = np.searchsorted(graph.indptr, border_edges, side="right") - 1
    border_cols = graph.indices[border_edges].astype(np.int64)
    # Clusters: components of the core-to-core edges, pruned in place (slicing would copy).
    graph.data = (row_is_core & to_core).astype(np.int8)
    graph.eliminate_zeros()
    _, components = connected_components(graph, directed=False)
    labels[core] = np.unique(components[core], return_inverse=True)[1]  # 0, 1, ... in order
    if len(border_edges):
        distance = np.hypot(*(xy[border_rows] - xy[border_cols]).T)
        order = np.lexsort((distance, border_rows))
        rows, cols = border_rows[order], border_cols[order]
        first = np.r_[True, rows[1:] != rows[:-1]]
        labels[rows[first]] = labels[cols[first]]
    return labels


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
    return dbscan_labels(points, eps_m, used, weights)[inverse], used


def _drop_sparse(xy: np.ndarray, labels: np.ndarray, min_density: float) -> np.ndarray:
    """Mark as noise the clusters whose sightings per m² of convex hull fall below the minimum.

    HDBSCAN has no absolute density threshold: it also carves the background into large,
    thin clusters, which this removes.
    """
    ids = np.unique(labels[labels >= 0])
    sparse = [i for i in ids if (labels == i).sum() < min_density * _hull_area(xy[labels == i])]
    return np.where(np.isin(labels, sparse), -1, labels)


def _plain_columns(frame: pd.DataFrame, rows: np.ndarray, columns: tuple[str, ...]):
    """The chosen rows of the columns the frame has, as a plain DataFrame (no geometry)."""
    return pd.DataFrame({c: frame[c].to_numpy()[rows] for c in columns if c in frame.columns})


def _keep_clusters(
    frame: gpd.GeoDataFrame, raw: np.ndarray, min_sightings: int, min_people: int
) -> tuple[np.ndarray, np.ndarray]:
    """Relabel clusters 1..k by sightings (most first), -1 for noise and dropped clusters.

    Also returns the distinct young people of hotspots 1..k (counted once, here).
    """
    members = raw >= 0
    sizes = pd.Series(raw[members]).value_counts()
    people_frame = _plain_columns(frame, members, ("people",))
    people = people_per_group(people_frame, raw[members]).reindex(sizes.index, fill_value=0)
    required = min_people if "people" in frame.columns else 0
    kept = sizes[(sizes >= min_sightings) & (people >= required)]
    ranked = kept.sort_values(ascending=False, kind="stable").index
    lookup = pd.Series(np.arange(1, len(ranked) + 1), index=ranked)
    labels = lookup.reindex(raw).fillna(-1).astype(np.int64).to_numpy()
    return labels, people.reindex(ranked).to_numpy(dtype=np.int64)


def _hulls(xy: np.ndarray, labels: np.ndarray, buffer_m: float) -> np.ndarray:
    members = np.flatnonzero(labels > 0)
    members = members[np.argsort(labels[members], kind="stable")]
    if len(members) == 0:
        return np.empty(0, dtype=object)
    points = shapely.multipoints(xy[members], indices=labels[members] - 1)
    return shapely.buffer(shapely.convex_hull(points), buffer_m)


@functools.lru_cache(maxsize=8)
def _transformer(source: object, target: object) -> Transformer:
    """A cached pyproj transformer (building one costs ~20 ms; transforming is fast)."""
    return Transformer.from_crs(source, target, always_xy=True)


def _gazetteer_xy(gazetteer: pd.DataFrame) -> np.ndarray:
    transformer = _transformer(CRS_WGS84, CRS_BNG)
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
    """The `top` most frequent codes per row, most first (ties in vocabulary order)."""
    values = counts.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    names = counts.columns.to_numpy()
    return [
        "|".join(names[i] for i in row_order if row[i] > 0)
        for row, row_order in zip(values, order, strict=True)
    ]


def peak_hours(hours: np.ndarray, groups: np.ndarray, window: int = PEAK_WINDOW_HOURS) -> list[str]:
    """The `window`-hour span (wrapping midnight) with most sightings, per group.

    Windows are centred on each hour; ties go to the window whose centre hour is busiest,
    then to the earliest centre hour (0 to 23).

    Examples
    --------
    >>> peak_hours(np.array([22, 23, 0, 1, 12, 21, 21]), np.array([0, 0, 0, 0, 1, 1, 1]))
    ['23:00-02:00', '20:00-23:00']
    """
    keys, row = np.unique(np.asarray(groups), return_inverse=True)
    flat = np.bincount(row * 24 + np.asarray(hours, dtype=np.int64), minlength=len(keys) * 24)
    table = flat.reshape(len(keys), 24)
    before = window // 2
    sums = sum(np.roll(table, before - k, axis=1) for k in range(window))
    start = ((sums * (table.sum(axis=1, keepdims=True) + 1) + table).argmax(axis=1) - before) % 24
    return [f"{h:02d}:00-{(h + window) % 24:02d}:00" for h in start]


def _describe(
    frame: gpd.GeoDataFrame, labels: np.ndarray, polygons: np.ndarray, people: np.ndarray
) -> pd.DataFrame:
    chosen = labels > 0
    members = _plain_columns(frame, chosen, ("seen_at", "grooming_models", "indicators"))
    members["seen_at"] = frame["seen_at"][chosen].reset_index(drop=True)  # keeps the time zone
    groups = labels[chosen]
    ids = np.arange(1, len(polygons) + 1)
    models = _code_counts(members, groups, "grooming_models", list(GROOMING_MODELS)).reindex(ids)
    indicators = _code_counts(members, groups, "indicators", list(INDICATORS)).reindex(ids)
    seen = members["seen_at"].groupby(groups)
    main = models.idxmax(axis=1).where(models.max(axis=1) > 0, "")
    stats_frame = pd.DataFrame({
        "hotspot_id": ids,
        "sightings": np.bincount(groups, minlength=len(ids) + 1)[1:],
        "distinct_people": people,
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
    labels, people = _keep_clusters(frame, raw, min_sightings, min_people)
    polygons = _hulls(xy, labels, buffer_m)
    described = _describe(frame, labels, polygons, people)
    described.insert(1, "name", name_hotspots(polygons, gazetteer))
    hotspots = gpd.GeoDataFrame(described, geometry=polygons, crs=CRS_BNG).to_crs(CRS_WGS84)
    return ClusterResult(
        hotspots=hotspots[list(HOTSPOT_COLUMNS)],
        labels=pd.Series(labels, index=frame.index, name="hotspot_id"),
        min_samples=used,
    )
