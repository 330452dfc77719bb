"""Time signatures (hotspots.analysis.signature): hour x weekday and month by month."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from hotspots.analysis.signature import DAYS, time_signature
from hotspots.domain import CRS_BNG, CRS_WGS84
from tests.test_analysis_frames import context_frame, sightings_frame


def test_week_hour_table_worked_by_hand():
    sightings = sightings_frame([
        {"x": 371000, "y": 407000, "seen_at": "2024-03-01 21:15"},  # Friday
        {"x": 371000, "y": 407000, "seen_at": "2024-03-08 21:59"},  # Friday
        {"x": 371000, "y": 407000, "seen_at": "2024-03-04 00:05"},  # Monday
        {"x": 371000, "y": 407000, "seen_at": "2024-03-10 23:30"},  # Sunday
    ])  # fmt: skip
    table = time_signature(sightings).week_hour
    assert table.shape == (7, 24)
    assert tuple(table.index) == DAYS and table.index[0] == "Monday"
    assert list(table.columns) == list(range(24))
    assert table.loc["Friday", 21] == 2
    assert table.loc["Monday", 0] == 1
    assert table.loc["Sunday", 23] == 1
    assert int(table.to_numpy().sum()) == 4


def test_monthly_counts_fill_empty_months_and_honour_the_range():
    sightings = sightings_frame([
        {"x": 371000, "y": 407000, "seen_at": "2024-01-31 23:00"},
        {"x": 371000, "y": 407000, "seen_at": "2024-04-01 00:00"},
        {"x": 371000, "y": 407000, "seen_at": "2024-04-20 12:00"},
    ])  # fmt: skip
    monthly = time_signature(sightings).monthly
    assert [str(m) for m in monthly.index] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert monthly.tolist() == [1, 0, 0, 2]
    ranged = time_signature(sightings, start="2023-12-01", end="2024-06-01").monthly
    assert ranged.tolist() == [0, 1, 0, 0, 2, 0]  # December to May; end is exclusive


def test_only_sightings_inside_the_area_count():
    sightings = sightings_frame([
        {"x": 371010, "y": 407010, "seen_at": "2024-03-01 21:00"},
        {"x": 371090, "y": 407090, "seen_at": "2024-03-02 22:00"},
        {"x": 375000, "y": 407000, "seen_at": "2024-03-02 22:00"},  # far away
    ])  # fmt: skip
    hotspot = gpd.GeoSeries([box(371000, 407000, 371100, 407100)], crs=CRS_BNG)
    signature = time_signature(sightings, area=hotspot.to_crs(CRS_WGS84).iloc[0])
    assert int(signature.week_hour.to_numpy().sum()) == 2
    assert signature.week_hour.loc["Saturday", 22] == 1


def test_utc_times_are_read_as_uk_local_time():
    # 20:30 UTC on a July Friday is 21:30 British Summer Time.
    crime = context_frame([(371000, 407000)], ["2024-07-05 20:30"])
    crime["seen_at"] = crime["seen_at"].dt.tz_localize("UTC")
    table = time_signature(crime).week_hour
    assert table.loc["Friday", 21] == 1 and table.loc["Friday", 20] == 0


def test_no_sightings_gives_zeros():
    crime = context_frame([], [])
    signature = time_signature(crime, start="2024-01-01", end="2024-03-01")
    assert int(signature.week_hour.to_numpy().sum()) == 0
    assert signature.monthly.tolist() == [0, 0]
    assert signature.monthly.dtype == "int64"
    assert isinstance(signature.monthly.index, pd.PeriodIndex)
