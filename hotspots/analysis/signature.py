"""When sightings happen: hour of day by day of week, and month by month.

The signature of a hotspot tells a partnership when to patrol or visit: a Friday-night
pattern calls for different action from an after-school one.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from hotspots.analysis.frames import local_times
from hotspots.domain import CRS_WGS84

DAYS: tuple[str, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)  # fmt: skip


@dataclass(frozen=True)
class TimeSignature:
    """``week_hour``: 7 x 24 counts (rows Monday..Sunday, columns hours 0..23);
    ``monthly``: counts per calendar month (PeriodIndex, empty months included)."""

    week_hour: pd.DataFrame
    monthly: pd.Series


def _inside(frame: gpd.GeoDataFrame, area: object) -> gpd.GeoDataFrame:
    """Sightings inside or on the edge of `area` (shapely geometry in WGS84)."""
    region = gpd.GeoSeries([area], crs=CRS_WGS84).to_crs(frame.crs).iloc[0]
    inside = shapely.intersects_xy(region, frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    return frame[inside]


def _month_range(times: pd.Series, start: object, end: object) -> pd.PeriodIndex:
    first = pd.Timestamp(start) if start is not None else times.min()
    last = pd.Timestamp(end) - pd.Timedelta(1, "ns") if end is not None else times.max()
    if pd.isna(first) or pd.isna(last):
        return pd.PeriodIndex([], freq="M", name="month")
    return pd.period_range(first.to_period("M"), last.to_period("M"), freq="M", name="month")


def time_signature(
    frame: gpd.GeoDataFrame, *, area: object = None, start: object = None, end: object = None
) -> TimeSignature:
    """Counts of sightings by hour and weekday, and by month.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Sightings or a context layer (needs ``seen_at``).
    area : shapely geometry in WGS84, optional
        Only sightings inside it (e.g. a hotspot polygon from `find_clusters`) count.
    start, end : date-like, optional
        The months to report (``end`` exclusive); default the first to the last sighting.
        They set the range of `monthly` only: filter the frame to restrict the sightings.

    Returns
    -------
    TimeSignature
        ``week_hour`` (7 x 24 DataFrame, Monday first) and ``monthly`` (Series by month).

    Notes
    -----
    Times with a time zone are converted to UK local time (Europe/London) first; naive
    times are taken to be local already.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> sightings = gpd.GeoDataFrame(
    ...     {"seen_at": pd.to_datetime(["2024-03-01 21:15", "2024-03-01 21:50",
    ...                                 "2024-05-06 08:00"])},
    ...     geometry=[Point(-2.45, 53.57)] * 3, crs="EPSG:4326")
    >>> signature = time_signature(sightings)
    >>> int(signature.week_hour.loc["Friday", 21]), int(signature.week_hour.loc["Monday", 8])
    (2, 1)
    >>> signature.monthly.tolist()  # March, April, May
    [2, 0, 1]
    """
    chosen = frame if area is None else _inside(frame, area)
    times = local_times(chosen["seen_at"])
    week_hour = pd.crosstab(times.dt.day_of_week, times.dt.hour)
    week_hour = week_hour.reindex(index=range(7), columns=range(24), fill_value=0)
    week_hour.index = pd.Index(DAYS, name="day")
    week_hour.columns = pd.Index(range(24), name="hour")
    months = _month_range(times, start, end)
    monthly = times.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    return TimeSignature(week_hour.astype("int64"), monthly.rename("sightings").astype("int64"))
