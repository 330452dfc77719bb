"""Sightings frames: filters, projection to the British National Grid, and code look-ups.

Every analysis method takes a *sightings frame* (see `SIGHTING_COLUMNS`) or a *context layer*
(only `seen_at`, `geometry` and an optional `category`). The helpers here are shared by all of
them and are vectorised: multi-code columns are factorised, so a look-up costs one pass over
the distinct code combinations, not one per sighting.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from hotspots.domain import (
    CODE_SEPARATOR,
    CRS_BNG,
    INTELLIGENCE_ASSESSMENTS,
    SOURCE_EVALUATIONS,
    split_codes,
)

#: The columns of a sightings frame, as `hotspots.db.access` returns it.
SIGHTING_COLUMNS: tuple[str, ...] = (
    "sighting_id", "seen_at", "precision", "grooming_models", "indicators", "people",
    "premises_id", "vehicle_token", "source_agency", "source_evaluation",
    "intelligence_assessment", "risk_level", "area_code", "geometry",
)  # fmt: skip


class AnalysisInputError(ValueError):
    """The frame or a parameter given to an analysis function cannot be used as it is."""


def _require_column(frame: pd.DataFrame, column: str, purpose: str) -> None:
    if column not in frame.columns:
        raise AnalysisInputError(
            f"cannot {purpose}: the frame has no {column!r} column (a context layer has only "
            "seen_at, geometry and category); drop this filter for that layer"
        )


def code_matrix(stored: pd.Series, codes: Sequence[str]) -> np.ndarray:
    """Which of `codes` each row of a '|'-joined code column carries.

    Parameters
    ----------
    stored : pandas.Series
        Text such as ``'on_street|group'``; missing values count as no codes.
    codes : sequence of str
        The codes to look for, in the column order wanted.

    Returns
    -------
    numpy.ndarray
        Boolean array of shape ``(len(stored), len(codes))``.

    Notes
    -----
    The column is factorised first, so the split runs once per distinct combination of codes.

    Examples
    --------
    >>> code_matrix(pd.Series(["on_street|group", "", None]), ["group", "party"]).tolist()
    [[True, False], [False, False], [False, False]]
    """
    labels, combinations = pd.factorize(stored.fillna(""), use_na_sentinel=False)
    per_combination = np.array(
        [[code in set(split_codes(str(c))) for code in codes] for c in combinations], dtype=bool
    ).reshape(len(combinations), len(codes))
    return per_combination[labels]


def _any_code(frame: pd.DataFrame, column: str, wanted: Iterable[str]) -> np.ndarray:
    _require_column(frame, column, f"filter by {column}")
    return code_matrix(frame[column], list(wanted)).any(axis=1)


def parse_grading(min_grading: str) -> tuple[str, str]:
    """Split a minimum grading such as '2B' into source evaluation and assessment.

    Examples
    --------
    >>> parse_grading("2b")
    ('2', 'B')
    """
    grading = min_grading.strip().upper()
    if (
        len(grading) != 2
        or grading[0] not in SOURCE_EVALUATIONS
        or grading[1] not in INTELLIGENCE_ASSESSMENTS
    ):
        raise AnalysisInputError(
            f"minimum grading {min_grading!r} is not a grading: expected a source evaluation "
            f"{'/'.join(SOURCE_EVALUATIONS)} then an assessment "
            f"{'/'.join(INTELLIGENCE_ASSESSMENTS)}, e.g. '2B'"
        )
    return grading[0], grading[1]


def _grading_mask(frame: pd.DataFrame, min_grading: str) -> np.ndarray:
    evaluation, assessment = parse_grading(min_grading)
    _require_column(frame, "source_evaluation", "filter by grading")
    _require_column(frame, "intelligence_assessment", "filter by grading")
    good_sources = [e for e in SOURCE_EVALUATIONS if e <= evaluation]
    good_assessments = [a for a in INTELLIGENCE_ASSESSMENTS if a <= assessment]
    sources = frame["source_evaluation"].astype("string").isin(good_sources)
    assessments = frame["intelligence_assessment"].astype("string").isin(good_assessments)
    return (sources & assessments).to_numpy(dtype=bool)


def as_time(value: object, seen_at: pd.Series) -> pd.Timestamp:
    """`value` as a timestamp comparable with `seen_at` (same time zone, or none)."""
    stamp = pd.Timestamp(value)
    zone = getattr(seen_at.dtype, "tz", None)
    if zone is not None and stamp.tzinfo is None:
        return stamp.tz_localize(zone)
    if zone is None and stamp.tzinfo is not None:
        return stamp.tz_localize(None)
    return stamp


#: Time-zone-aware times are read as UK local time before taking hours, days and months.
LOCAL_TIME_ZONE = "Europe/London"


def local_times(seen_at: pd.Series) -> pd.Series:
    """`seen_at` as naive local times (converted to Europe/London first if zone-aware)."""
    times = pd.to_datetime(seen_at)
    if getattr(times.dtype, "tz", None) is not None:
        return times.dt.tz_convert(LOCAL_TIME_ZONE).dt.tz_localize(None)
    return times


def utc_times(seen_at: pd.Series) -> np.ndarray:
    """`seen_at` as naive datetime64[ns] (UTC if it had a time zone), for arithmetic."""
    times = pd.to_datetime(seen_at)
    if getattr(times.dtype, "tz", None) is not None:
        times = times.dt.tz_convert(None)
    return times.to_numpy(dtype="datetime64[ns]")


def filter_sightings(
    frame: gpd.GeoDataFrame,
    *,
    start: object = None,
    end: object = None,
    grooming_models: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    risk_levels: Iterable[str] | None = None,
    source_agencies: Iterable[str] | None = None,
    min_grading: str | None = None,
) -> gpd.GeoDataFrame:
    """The sightings that meet every filter given (a filter left as None lets all through).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        A sightings frame, or a context layer (then only `start` and `end` apply).
    start, end : date-like, optional
        Keep ``start <= seen_at < end`` (the same half-open period the database uses).
    grooming_models, indicators : iterable of str, optional
        Keep sightings carrying *any* of these codes.
    risk_levels, source_agencies : iterable of str, optional
        Keep sightings whose value is one of these.
    min_grading : str, optional
        Keep sightings graded at least this well, e.g. ``'2B'``: source evaluation <= 2 and
        intelligence assessment <= B (1 and A are best).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of `frame` that pass, in their original order, with their original index.

    Notes
    -----
    A filter naming a column the frame lacks raises `AnalysisInputError` rather than being
    silently ignored.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> sightings = gpd.GeoDataFrame(
    ...     {"seen_at": pd.to_datetime(["2024-01-05", "2024-02-05"]),
    ...      "grooming_models": ["on_street|group", "party"],
    ...      "source_evaluation": ["1", "3"], "intelligence_assessment": ["B", "A"]},
    ...     geometry=[Point(-2.45, 53.57), Point(-2.44, 53.58)], crs="EPSG:4326")
    >>> len(filter_sightings(sightings, grooming_models=["group", "lone"]))
    1
    >>> len(filter_sightings(sightings, min_grading="2B"))
    1
    """
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= (frame["seen_at"] >= as_time(start, frame["seen_at"])).to_numpy(dtype=bool)
    if end is not None:
        keep &= (frame["seen_at"] < as_time(end, frame["seen_at"])).to_numpy(dtype=bool)
    if grooming_models is not None:
        keep &= _any_code(frame, "grooming_models", grooming_models)
    if indicators is not None:
        keep &= _any_code(frame, "indicators", indicators)
    for column, allowed in (("risk_level", risk_levels), ("source_agency", source_agencies)):
        if allowed is not None:
            _require_column(frame, column, f"filter by {column}")
            keep &= frame[column].isin(list(allowed)).to_numpy(dtype=bool)
    if min_grading is not None:
        keep &= _grading_mask(frame, min_grading)
    return frame[keep]


def to_bng(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame projected to the British National Grid (EPSG:27700), distances in metres.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> point = gpd.GeoDataFrame(geometry=[Point(-2.4290, 53.5780)], crs="EPSG:4326")
    >>> x, y = to_bng(point).geometry.iloc[0].coords[0]
    >>> round(x, -2), round(y, -2)
    (371700.0, 409100.0)
    """
    if frame.crs is None:
        raise AnalysisInputError("the frame has no CRS; expected EPSG:4326 (WGS84 lon/lat)")
    return frame if frame.crs == CRS_BNG else frame.to_crs(CRS_BNG)


@functools.lru_cache(maxsize=8)
def _to_bng_transformer(source_wkt: str) -> Transformer:
    """Cached: building a pyproj transformer costs ~20 ms, more than transforming 10k points."""
    return Transformer.from_crs(CRS.from_wkt(source_wkt), CRS_BNG, always_xy=True)


def bng_xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Point coordinates in metres on the British National Grid, shape ``(n, 2)``.

    Faster than `to_bng` for large frames: only the coordinate arrays are transformed.
    """
    if frame.crs is None:
        raise AnalysisInputError("the frame has no CRS; expected EPSG:4326 (WGS84 lon/lat)")
    geometry = frame.geometry
    if len(geometry) and not (geometry.geom_type == "Point").all():
        raise AnalysisInputError("every sighting must be a Point geometry")
    x, y = geometry.x.to_numpy(dtype=float), geometry.y.to_numpy(dtype=float)
    if frame.crs != CRS_BNG:
        x, y = _to_bng_transformer(frame.crs.to_wkt()).transform(x, y)
    return np.column_stack([x, y])


def people_links(frame: pd.DataFrame, group: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
    """One row per (group, young-person pseudonym) seen; empty for a context layer.

    Parameters
    ----------
    frame : pandas.DataFrame
        Frame with a '|'-joined `people` column (or none at all).
    group : array-like, optional
        A group key per row (e.g. a hotspot label); all rows form group 0 if omitted.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` and ``person``, without duplicates.
    """
    keys = np.zeros(len(frame), dtype=int) if group is None else np.asarray(group)
    if "people" not in frame.columns or frame.empty:
        return pd.DataFrame({"group": keys[:0], "person": pd.Series([], dtype=object)})
    people = frame["people"].fillna("").astype(object).to_numpy()
    named = people != ""
    links = pd.DataFrame({"group": keys[named], "person": people[named]})
    links["person"] = links["person"].str.split(CODE_SEPARATOR)
    links = links.explode("person")
    links = links[links["person"].astype(bool)]
    return links.drop_duplicates(ignore_index=True)


def count_people(frame: pd.DataFrame) -> int:
    """The number of distinct young people seen across the frame's sightings (0 if no column).

    Examples
    --------
    >>> count_people(pd.DataFrame({"people": ["YP1|YP2", "YP2", ""]}))
    2
    """
    return int(people_links(frame)["person"].nunique())


def people_per_group(frame: pd.DataFrame, group: np.ndarray | pd.Series) -> pd.Series:
    """Distinct young people per group key (groups with none are absent: fill with 0).

    Examples
    --------
    >>> frame = pd.DataFrame({"people": ["YP1|YP2", "YP2", "YP3", ""]})
    >>> people_per_group(frame, [0, 0, 1, 1]).to_dict()
    {0: 2, 1: 1}
    """
    links = people_links(frame, np.asarray(group))
    return links.groupby("group")["person"].nunique().rename("distinct_people")
