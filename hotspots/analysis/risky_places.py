"""Risky places: premises, exact spots and small cells where several young people are seen.

The serious case reviews asked for curiosity about places: a takeaway, hotel or flat where
different young people keep turning up is worth a visit even if no one of them has been
seen there often.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from hotspots.analysis.frames import AnalysisInputError, bng_xy, people_links, utc_times
from hotspots.domain import CRS_BNG, CRS_WGS84

KINDS: tuple[str, ...] = ("premises", "location", "cell")
DEFAULT_MIN_PEOPLE = 3
DEFAULT_SNAP_M = 25.0
DEFAULT_CELL_M = 100.0
#: Precisions usable for each kind of place: an 'area' point says nothing about a spot.
KIND_PRECISIONS: dict[str, tuple[str, ...]] = {
    "location": ("exact",),
    "cell": ("exact", "street"),
}
PLACE_COLUMNS: tuple[str, ...] = (
    "place_kind", "place_key", "distinct_people", "max_people_in_window", "sightings",
    "first_seen", "last_seen", "geometry",
)  # fmt: skip


def _usable(frame: pd.DataFrame, kind: str) -> np.ndarray:
    if kind == "premises":
        if "premises_id" not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        return frame["premises_id"].notna().to_numpy(dtype=bool)
    if "precision" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    return frame["precision"].isin(KIND_PRECISIONS[kind]).to_numpy(dtype=bool)


def _keys(frame: pd.DataFrame, xy: np.ndarray, kind: str, size_m: float):
    """Place key and representative point (BNG) per usable sighting."""
    if kind == "premises":
        return frame["premises_id"].astype("int64").astype(str).to_numpy(), xy
    centre = (np.floor(xy / size_m) + 0.5) * size_m
    keys = np.char.add(np.char.add(centre[:, 0].astype(np.int64).astype(str), ","),
                       centre[:, 1].astype(np.int64).astype(str))  # fmt: skip
    return keys, centre


def max_people_in_window(times: np.ndarray, people: np.ndarray, window: np.timedelta64) -> int:
    """Most distinct people seen within any span of length `window` (ends included).

    Parameters
    ----------
    times : numpy.ndarray of datetime64
        When each (sighting, person) link was seen.
    people : numpy.ndarray
        The person of each link.
    window : numpy.timedelta64
        Span length.

    Notes
    -----
    Only spans starting at a sighting need checking. For each such start and each person,
    the person's first link at or after the start is found by binary search.

    Examples
    --------
    >>> t = np.array(["2024-01-01", "2024-01-20", "2024-03-01", "2024-03-05"], "datetime64[D]")
    >>> max_people_in_window(t, np.array(["A", "B", "C", "A"]), np.timedelta64(28, "D"))
    2
    """
    if len(times) == 0:
        return 0
    codes, _ = pd.factorize(people)
    start = times.astype("datetime64[ns]").astype(np.int64)
    span = int(window.astype("timedelta64[ns]").astype(np.int64))
    order = np.lexsort((start, codes))
    offset = int(start.max() - start.min()) + span + 1
    keyed = codes[order] * offset + (start[order] - start.min())
    starts = np.unique(start) - start.min()
    person_base = np.arange(codes.max() + 1)[:, None] * offset
    n_chunks = int(np.clip(len(starts) * len(person_base) // 1_000_000, 1, len(starts)))
    best = 0
    for chunk in np.array_split(starts, n_chunks):  # bounded memory for very busy places
        queries = person_base + chunk[None, :]
        found = np.minimum(np.searchsorted(keyed, queries), len(keyed) - 1)
        present = (keyed[found] >= queries) & (keyed[found] <= queries + span)
        best = max(best, int(present.sum(axis=0).max()))
    return best


def _place_table(
    frame: pd.DataFrame, xy: np.ndarray, links: pd.DataFrame, kind: str, size_m: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per place: sightings, first/last seen, position, distinct people; and its people links."""
    usable = _usable(frame, kind)
    keys, points = _keys(frame[usable], xy[usable], kind, size_m)
    rows = pd.DataFrame({
        "key": keys, "x": points[:, 0], "y": points[:, 1],
        "seen_at": frame["seen_at"].array[usable],
    })  # fmt: skip
    table = rows.groupby("key", sort=False).agg(
        sightings=("x", "size"), first_seen=("seen_at", "min"), last_seen=("seen_at", "max"),
        x=("x", "mean"), y=("y", "mean"),
    )  # fmt: skip
    row_key = pd.Series(keys, index=np.flatnonzero(usable))
    place_links = links[links["group"].isin(row_key.index)]
    place_links = place_links.assign(key=row_key.reindex(place_links["group"]).to_numpy())
    people = place_links.groupby("key")["person"].nunique()
    table["distinct_people"] = people.reindex(table.index, fill_value=0)
    table["place_kind"] = kind
    return table, place_links


def _windowed(
    table: pd.DataFrame,
    place_links: pd.DataFrame,
    frame: pd.DataFrame,
    min_people: int,
    window_days: float | None,
) -> pd.Series:
    if window_days is None:
        return table["distinct_people"]
    result = pd.Series(0, index=table.index)
    seen_at = utc_times(frame["seen_at"])
    window = np.timedelta64(int(window_days * 86_400), "s")
    candidates = table.index[table["distinct_people"] >= min_people]
    for key, links in place_links[place_links["key"].isin(candidates)].groupby("key"):
        times = seen_at[links["group"].to_numpy()]
        result[key] = max_people_in_window(times, links["person"].to_numpy(), window)
    return result


def risky_places(
    frame: gpd.GeoDataFrame,
    *,
    min_people: int = DEFAULT_MIN_PEOPLE,
    window_days: float | None = None,
    snap_m: float = DEFAULT_SNAP_M,
    cell_m: float = DEFAULT_CELL_M,
    kinds: Sequence[str] = KINDS,
    min_sightings: int = 1,
) -> gpd.GeoDataFrame:
    """Places where at least `min_people` different young people are seen, busiest first.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings (a context layer has no people: `min_people` is then not applied and
        places are ranked by sightings).
    min_people : int, default 3
        Distinct young people required (within one window if `window_days` is given).
    window_days : float, optional
        If given, the people must be seen within some span of this many days.
    snap_m : float, default 25
        Exact-precision sightings within the same `snap_m` square form one 'location'.
    cell_m : float, default 100
        Side of the grid cells of kind 'cell' (exact and street precision).
    kinds : sequence of {'premises', 'location', 'cell'}
        Kinds of place to report.
    min_sightings : int, default 1
        Sightings required.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns `PLACE_COLUMNS`: place_kind, place_key (premises id, or 'easting,northing'
        of the square's centre), distinct_people (whole frame), max_people_in_window (equal
        to distinct_people without a window), sightings, first_seen, last_seen, geometry
        (Point, EPSG:4326: the square centre, or the premises' mean sighting position).
        Ranked by people (in window), then distinct people, then sightings.

    Notes
    -----
    A *premises* is any sighting linked to it, wherever its point; a *location* gathers
    exact-precision sightings in one `snap_m` square of the national grid (street and area
    points are approximations, often a street's or an area's centre, and would make false
    "addresses"); a *cell* gathers exact and street sightings in one `cell_m` square. With a
    window, a place qualifies when some span of `window_days` (ends included), starting at
    one of its sightings, holds `min_people` different young people
    (`max_people_in_window`).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> sightings = gpd.GeoDataFrame(
    ...     {"seen_at": pd.date_range("2024-01-01", periods=4, freq="7D"),
    ...      "people": ["YP1", "YP2|YP3", "YP1", "YP4"], "precision": "exact",
    ...      "premises_id": pd.array([7, 7, 7, None], dtype="Int64")},
    ...     geometry=[Point(371010, 407010)] * 3 + [Point(371020, 407020)], crs="EPSG:27700")
    >>> places = risky_places(sightings, kinds=("premises", "location"))
    >>> places[["place_kind", "place_key", "distinct_people", "sightings"]].values.tolist()
    [['location', '371012,407012', 4, 4], ['premises', '7', 3, 3]]
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise AnalysisInputError(f"place kinds {sorted(unknown)} are not among {KINDS}")
    xy = bng_xy(frame)
    links = people_links(frame, np.arange(len(frame)))
    required = min_people if "people" in frame.columns else 0
    tables = []
    for kind in kinds:
        size_m = snap_m if kind == "location" else cell_m
        table, place_links = _place_table(frame, xy, links, kind, size_m)
        table["max_people_in_window"] = _windowed(table, place_links, frame, required, window_days)
        enough = (table["max_people_in_window"] >= required) & (table["sightings"] >= min_sightings)
        tables.append(table[enough])
    combined = pd.concat(tables).rename_axis("place_key").reset_index() if tables else None
    return _as_places(combined)


def _as_places(table: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if table is None or table.empty:
        empty = pd.DataFrame(columns=list(PLACE_COLUMNS[:-1]))
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=CRS_WGS84), crs=CRS_WGS84)
    table = table.sort_values(
        ["max_people_in_window", "distinct_people", "sightings", "place_kind", "place_key"],
        ascending=[False, False, False, True, True],
        kind="stable",
        ignore_index=True,
    )
    to_wgs84 = Transformer.from_crs(CRS_BNG, CRS_WGS84, always_xy=True)
    lon, lat = to_wgs84.transform(table["x"].to_numpy(), table["y"].to_numpy())
    places = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon, lat), crs=CRS_WGS84)
    return places[list(PLACE_COLUMNS)]
