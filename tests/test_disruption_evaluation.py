"""Evaluation maths on hand-made data: rate ratio and interval, WDQ, 'too few', validation."""

from __future__ import annotations

import math
from datetime import date, datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.disruption.actions import (
    ActionRejected,
    circle_area,
    scan_note_for_identifiers,
    validate_action,
)
from hotspots.disruption.evaluation import (
    MIN_SIGHTINGS_TO_JUDGE,
    chart_png,
    evaluate,
    rate_ratio,
    weighted_displacement,
)
from hotspots.domain import CRS_BNG, CRS_WGS84

CENTRE_BNG = (371700.0, 409100.0)  # Bolton town centre, metres on the national grid


def test_rate_ratio_and_interval_worked_by_hand() -> None:
    # RR = (50/100) / (100/100) = 0.5; var(log RR) = 1/100 + 1/50 + 1/100 + 1/100 = 0.05;
    # 95 % interval = 0.5 * exp(-/+ 1.959964 * sqrt(0.05)) = 0.32258 to 0.77502 (tolerance 1e-4).
    result = rate_ratio(100, 50, 100, 100)
    assert result.ratio == pytest.approx(0.5)
    assert result.low == pytest.approx(0.5 * math.exp(-1.959964 * math.sqrt(0.05)), abs=1e-9)
    assert result.low == pytest.approx(0.32258, abs=1e-4)
    assert result.high == pytest.approx(0.77502, abs=1e-4)
    assert not result.corrected


def test_rate_ratio_adds_a_half_when_a_count_is_zero() -> None:
    # (0.5/10.5) / (10.5/10.5) = 0.047619; var = 2/0.5... here 1/10.5 + 1/0.5 + 2/10.5
    result = rate_ratio(10, 0, 10, 10)
    assert result.corrected
    assert result.ratio == pytest.approx(0.5 / 10.5)
    spread = 1.959964 * math.sqrt(1 / 10.5 + 1 / 0.5 + 1 / 10.5 + 1 / 10.5)
    assert result.high == pytest.approx(result.ratio * math.exp(spread))


def test_weighted_displacement_quotient_worked_by_hand() -> None:
    # SM = 50/200 - 100/200 = -0.25; BDM = 60/200 - 40/200 = 0.10; WDQ = 0.10 / -0.25 = -0.4;
    # TNE = (100*200/200 - 50) + (40*200/200 - 60) = 50 - 20 = 30.
    result = weighted_displacement((100, 50), (40, 60), (200, 200))
    assert result.success_measure == pytest.approx(-0.25)
    assert result.buffer_measure == pytest.approx(0.1)
    assert result.wdq == pytest.approx(-0.4)
    assert result.total_net_effect == pytest.approx(30.0)


def test_wdq_with_diffusion_of_benefits_and_unequal_comparison() -> None:
    # C doubles: SM = 30/400 - 60/200 = -0.225; BDM = 20/400 - 40/200 = -0.15; WDQ = 0.6667.
    result = weighted_displacement((60, 30), (40, 20), (200, 400))
    assert result.wdq == pytest.approx(0.15 / 0.225)
    assert result.wdq > 0


def test_wdq_undefined_when_the_target_did_not_fall() -> None:
    assert weighted_displacement((50, 60), (40, 60), (200, 200)).wdq is None
    assert weighted_displacement((50, 60), (40, 60), (0, 200)) is None


def _points(x: float, y: float, months: list[str], per_month: int, spread: float = 20.0):
    """`per_month` sightings in each month at (x, y) +- spread metres (BNG)."""
    rows = []
    for month in months:
        for i in range(per_month):
            dx = spread * math.cos(i) * (i % 3) / 3
            dy = spread * math.sin(i) * (i % 3) / 3
            seen = datetime.fromisoformat(f"{month}-{1 + i % 27:02d}T21:00")
            rows.append((seen, x + dx, y + dy))
    return rows


def _frame(rows) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["seen_at", "x", "y"])
    return gpd.GeoDataFrame(
        {"seen_at": frame["seen_at"]},
        geometry=gpd.points_from_xy(frame["x"], frame["y"]),
        crs=CRS_BNG,
    ).to_crs(CRS_WGS84)


BEFORE = [f"2024-{m:02d}" for m in range(1, 13)]
AFTER = [f"2025-{m:02d}" for m in range(1, 13)]


def _target() -> shapely.Polygon:
    x, y = CENTRE_BNG
    point = gpd.GeoSeries([shapely.Point(x, y)], crs=CRS_BNG).to_crs(CRS_WGS84).iloc[0]
    return circle_area(point.x, point.y, 200)


def _comparison() -> shapely.Polygon:
    x, y = CENTRE_BNG[0] + 5000, CENTRE_BNG[1]
    square = shapely.box(x - 300, y - 300, x + 300, y + 300)
    return gpd.GeoSeries([square], crs=CRS_BNG).to_crs(CRS_WGS84).iloc[0]


def test_evaluate_counts_each_area_and_reaches_the_worked_answer() -> None:
    x, y = CENTRE_BNG
    rows = (
        _points(x, y, BEFORE, 10)
        + _points(x, y, AFTER, 4)  # target: 120 -> 48
        + _points(x + 500, y, BEFORE, 2)
        + _points(x + 500, y, AFTER, 5)  # buffer: 24 -> 60
        + _points(x + 5000, y, BEFORE, 10)
        + _points(x + 5000, y, AFTER, 10)  # comparison
    )
    result = evaluate(_frame(rows), _target(), date(2025, 1, 1), comparison=_comparison())
    assert result.totals == {
        "target": {"before": 120, "after": 48},
        "buffer": {"before": 24, "after": 60},
        "comparison": {"before": 120, "after": 120},
    }
    assert len(result.monthly) == 24
    assert result.monthly["target"].tolist() == [10] * 12 + [4] * 12
    assert result.rate_ratio.ratio == pytest.approx(0.4)
    spread = 1.959964 * math.sqrt(1 / 120 + 1 / 48 + 1 / 120 + 1 / 120)
    assert result.rate_ratio.high == pytest.approx(0.4 * math.exp(spread))
    # WDQ = (60/120 - 24/120) / (48/120 - 120/120) = 0.3 / -0.6 = -0.5
    assert result.displacement.wdq == pytest.approx(-0.5)
    assert result.judgement == "fell"
    assert "fell" in result.verdict and "displaced" in result.verdict
    assert result.comparison_method == "chosen"
    assert chart_png(result)[:8] == b"\x89PNG\r\n\x1a\n"


def test_too_few_sightings_to_judge() -> None:
    x, y = CENTRE_BNG
    rows = (
        _points(x, y, BEFORE[:6], 1)
        + _points(x, y, AFTER[:3], 1)  # 9 in the target
        + _points(x + 5000, y, BEFORE, 10)
        + _points(x + 5000, y, AFTER, 10)
    )
    result = evaluate(_frame(rows), _target(), date(2025, 1, 1), comparison=_comparison())
    assert result.totals["target"]["before"] + result.totals["target"]["after"] == 9
    assert MIN_SIGHTINGS_TO_JUDGE > 9
    assert result.judgement == "too_few"
    assert result.verdict.startswith("Too few sightings to judge")


def test_no_clear_change_when_the_interval_spans_one() -> None:
    x, y = CENTRE_BNG
    rows = (
        _points(x, y, BEFORE, 3)
        + _points(x, y, AFTER, 3)
        + _points(x + 5000, y, BEFORE, 10)
        + _points(x + 5000, y, AFTER, 10)
    )
    result = evaluate(_frame(rows), _target(), date(2025, 1, 1), comparison=_comparison())
    assert result.rate_ratio.low < 1 < result.rate_ratio.high
    assert result.judgement == "no_clear_change"
    assert "No clear change" in result.verdict


def test_comparison_matched_automatically_by_before_counts() -> None:
    x, y = CENTRE_BNG
    rows = _points(x, y, BEFORE, 10) + _points(x, y, AFTER, 4)
    # three far places: one busy like the target (120 before), two much quieter
    rows += _points(x + 6000, y, BEFORE, 10) + _points(x + 6000, y, AFTER, 10)
    rows += _points(x - 6000, y, BEFORE, 1) + _points(x - 6000, y, AFTER, 1)
    rows += _points(x, y + 6000, BEFORE, 3) + _points(x, y + 6000, AFTER, 3)
    result = evaluate(_frame(rows), _target(), date(2025, 1, 1))
    assert result.comparison_method == "matched"
    # the best-matched cells come first; with three candidates all are used (5 allowed)
    assert result.totals["comparison"]["before"] == 120 + 12 + 36
    comparison = result.areas.set_index("role").to_crs(CRS_BNG).geometry["comparison"]
    assert comparison.contains(shapely.Point(x + 6000, y))


def test_validate_action_accepts_a_good_action_and_sets_the_due_date() -> None:
    action = validate_action(
        {
            "action_type": "patrol",
            "start_date": "2025-01-06",
            "end_date": "06/02/2025",
            "agency": "police",
            "target_kind": "area",
            "area": _target(),
            "target_label": "x",
        },
        today=date(2025, 3, 1),
    )
    assert action.end_date == date(2025, 2, 6)
    assert action.evaluation_due == date(2025, 5, 8)  # 91 days after the end


def test_validate_action_names_every_problem() -> None:
    with pytest.raises(ActionRejected) as refused:
        validate_action(
            {
                "action_type": "raid",
                "start_date": "2025-02-01",
                "end_date": "2025-01-01",
                "agency": "MI5",
                "target_kind": "area",
                "notes": "call 07700 900123",
            },
            today=date(2025, 3, 1),
        )
    text = str(refused.value)
    for expected in ("action_type", "end_date", "agency", "notes", "area"):
        assert expected in text


def test_notes_with_identifiers_are_refused() -> None:
    assert scan_note_for_identifiers("email jo@example.com about it")
    assert scan_note_for_identifiers("patrols near the chip shop on weekend evenings") == []
