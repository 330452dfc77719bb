"""Trends: monthly counts by grooming model, area and risk level, periods compared, and the
suppression of small numbers on screen and in exports, on SpatiaLite and PostGIS.

The crafted fixture has 15 months, Aug 2025 to Oct 2026 (the newest sighting on 31 Oct, so
Oct 2026 is complete). Every month has 20 on-street sightings (young person YP-H, high risk,
area BOL-002, which the gazetteer names Deane) and 10 group-offender sightings (YP-L, low
risk, ward E05000650, named in the area table), except Sep 2026 with 3 group sightings:
443 in all.

Suppressed, as worked by the rule of `hotspots.security.suppression`:

* primary: Sep 2026 group offender 3 -> "<5";
* secondary: the Sep 2026 row would give the 3 away from its total (23 - 20), so its
  on-street 20 is hidden ("[c]"); the group column would give it away from the column total
  (143 - 130), so its first other entry, Aug 2025's 10, is hidden; then Aug 2025's row hides
  its on-street 20 too. An attacker left with a + b = 40, c + d = 13, a + c = 30, b + d = 23
  can only say d is 1 to 4.
* periods (Aug-Oct 2026 against May-Jul 2026 and Aug-Oct 2025): shown only where every month
  is shown, so both models are hidden this period and a year earlier; May-Jul 2026 shows 60
  and 30; the totals 83, 90 and 90 are all shown (every month total is).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from hotspots.analysis.trends import (
    AREA_UNKNOWN,
    NO_MODEL,
    OTHER_AREAS,
    RISK_UNKNOWN,
    Periods,
    compare_periods,
    last_complete_month,
    monthly_counts,
)
from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.trends import (
    NO_DATA,
    area_names,
    export_trends,
    smallest_published,
    trends,
    trends_csv,
    trends_png,
)
from hotspots.gazetteer import load_gazetteer
from hotspots.security.roles import AccessDenied
from hotspots.security.suppression import PRIMARY, SECONDARY, SHOWN, attacker_bounds
from tests.handbuilt import Fixture

ANALYST = User("ana", "analyst", "board paper")
BOARD = User("board", "lscb")
MONTHS = pd.period_range("2025-08", "2026-10", freq="M")
SEP_2026 = pd.Period("2026-09", "M")
SMALL = {"1", "2", "3", "4"}


def fixture() -> Fixture:
    f = Fixture()
    for month in MONTHS:
        for k in range(20):
            day = "31 12:00" if (month == MONTHS[-1] and k == 0) else "10 09:00"
            f.add_sighting(f"{month}-{day}", 371_000, 408_000, models="on_street",
                           people=["YP-H"], risk="high", area="BOL-002")  # fmt: skip
        for _ in range(3 if month == SEP_2026 else 10):
            f.add_sighting(f"{month}-11 21:00", 371_500, 408_500, models="group",
                           people=["YP-L"], risk="low", area="E05000650")  # fmt: skip
    return f


@pytest.fixture
def loaded(engine):
    fixture().load(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO area (code, name, kind) VALUES (:code, :name, :kind)"),
            {"code": "E05000650", "name": "Astley Bridge", "kind": "ward"},
        )
    return engine


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return load_gazetteer()


def cells(frame: pd.DataFrame) -> set[str]:
    return set(frame.to_numpy().ravel())


# ---------------------------------------------------------------- the analysis (no database)


def test_grooming_models_count_a_sighting_under_each_of_its_models():
    sightings = pd.DataFrame(
        {
            "seen_at": pd.to_datetime(["2026-09-01", "2026-09-02", "2026-10-03", "2026-10-04"]),
            "grooming_models": ["on_street|group", "group", "", "party"],
        }
    )
    table = monthly_counts(
        sightings, "grooming_model", pd.period_range("2026-09", "2026-10", freq="M")
    )
    assert table["On-street"].tolist() == [1, 0]
    assert table["Group offender"].tolist() == [2, 0]
    assert table["Party"].tolist() == [0, 1]
    assert table[NO_MODEL].tolist() == [0, 1]
    assert list(table.columns[:6]) == ["On-street", "Boyfriend", "Party", "Internet/mobile",
                                       "Lone offender", "Group offender"]  # fmt: skip


def test_months_outside_the_table_are_left_out():
    sightings = pd.DataFrame(
        {
            "seen_at": pd.to_datetime(["2026-08-31 23:59", "2026-09-01 00:00"]),
            "risk_level": ["low"] * 2,
        }
    )
    table = monthly_counts(sightings, "risk_level", pd.period_range("2026-09", "2026-09", freq="M"))
    assert table.to_dict("list") == {"High": [0], "Medium": [0], "Low": [1]}
    assert RISK_UNKNOWN not in table.columns


def test_areas_are_named_the_busiest_kept_and_the_rest_summed():
    codes = ["A"] * 5 + ["B"] * 4 + ["C"] * 3 + ["D"] * 2 + [None]
    sightings = pd.DataFrame(
        {"seen_at": pd.to_datetime(["2026-09-15"] * len(codes)), "area_code": codes}
    )
    names = {"A": "Deane", "B": "Halliwell"}
    table = monthly_counts(
        sightings,
        "area",
        pd.period_range("2026-09", "2026-09", freq="M"),
        area_names=names,
        max_areas=2,
    )
    assert table.iloc[0].to_dict() == {"Deane": 5, "Halliwell": 4, OTHER_AREAS: 5, AREA_UNKNOWN: 1}


def test_unknown_breakdown_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="grooming_model, area, risk_level"):
        monthly_counts(pd.DataFrame({"seen_at": []}), "postcode", MONTHS)


def test_a_period_is_published_only_when_every_month_in_it_is():
    periods = Periods.ending("2026-10", 3)
    values = pd.DataFrame({"Deane": 10.0}, index=periods.months)
    values.loc[pd.Period("2026-09", "M"), "Deane"] = np.nan
    totals = pd.Series(30.0, index=periods.months)
    compared = compare_periods(values, totals, periods, periods.months[0])
    assert np.isnan(compared.loc["Deane", "this"])
    assert compared.loc["Deane", "previous"] == compared.loc["Deane", "last_year"] == 30
    assert compared.loc["Total"].tolist() == [90, 90, 90]
    late_start = compare_periods(values, totals, periods, pd.Period("2026-01", "M"))
    assert np.isnan(late_start.loc["Total", "last_year"]), "no data a year earlier"


@pytest.mark.parametrize(
    ("length", "labels"),
    [
        (1, ("Oct 2026", "Sep 2026", "Oct 2025")),
        (6, ("May to Oct 2026", "Nov 2025 to Apr 2026", "May to Oct 2025")),
        (12, ("Nov 2025 to Oct 2026", "Nov 2024 to Oct 2025", "Nov 2024 to Oct 2025")),
    ],
)
def test_periods(length, labels):
    periods = Periods.ending("2026-10", length)
    assert tuple(periods.labels().values()) == labels
    assert periods.months[-1] == pd.Period("2026-10", "M")


def test_only_whole_months_of_data_end_the_period():
    assert last_complete_month(pd.Timestamp("2026-10-31 08:00")) == pd.Period("2026-10", "M")
    assert last_complete_month(pd.Timestamp("2026-02-27")) == pd.Period("2026-01", "M")
    assert last_complete_month(None) is None
    with pytest.raises(ValueError, match="choose one of 1, 3, 6, 12"):
        Periods.ending("2026-10", 5)


# ---------------------------------------------------------------- suppression, both backends


def test_board_sees_primary_and_secondary_suppression_on_screen(loaded):
    result = trends(loaded, BOARD, by="grooming_model", length=3)
    monthly = result.monthly
    assert result.suppressed
    assert monthly.loc["Sep 2026", "Group offender"] == "<5"
    assert monthly.loc["Sep 2026", "On-street"] == "[c]"
    assert monthly.loc["Aug 2025", "Group offender"] == "[c]"
    assert monthly.loc["Aug 2025", "On-street"] == "[c]"
    assert monthly.loc["Sep 2026", "Total"] == "23"
    assert monthly.loc["Total", "Total"] == "443"
    assert monthly.loc["Oct 2026", "On-street"] == "20"
    assert not SMALL & cells(monthly), "an exact small count is on screen"
    assert smallest_published(result) >= 5
    assert np.isnan(result.monthly_values.loc[SEP_2026, "Group offender"])


def test_published_table_leaves_every_small_count_between_1_and_4(loaded):
    """The attacker's view, recomputed from what the board sees: "<5" is 1 to 4, "[c]" at
    least 5, everything else exact; every "<5" must still be anywhere from 1 to 4."""
    monthly = trends(loaded, BOARD, by="grooming_model", length=3).monthly
    status = np.select(
        [monthly.to_numpy() == "<5", monthly.to_numpy() == "[c]"], [PRIMARY, SECONDARY], SHOWN
    )
    true = fixture_counts()
    bounds = attacker_bounds(true, status)
    assert bounds and all(rng == (1.0, 4.0) for rng in bounds.values())


def fixture_counts() -> np.ndarray:
    """The fixture's true table (6 models + Total, 15 months + Total), as suppression sees it."""
    table = np.zeros((len(MONTHS), 6), dtype=np.int64)
    table[:, 0] = 20
    table[:, 5] = 10
    table[list(MONTHS).index(SEP_2026), 5] = 3
    with_rows = np.column_stack([table, table.sum(axis=1)])
    return np.vstack([with_rows, with_rows.sum(axis=0)])


def test_periods_compared_hide_what_would_give_a_month_away(loaded):
    result = trends(loaded, BOARD, by="grooming_model", length=3)
    comparison = result.comparison
    this, before, year = (
        "This period (Aug to Oct 2026)",
        "Period before (May to Jul 2026)",
        "Same period last year (Aug to Oct 2025)",
    )
    assert comparison.loc["Group offender", [this, before, year]].tolist() == ["[c]", "30", "[c]"]
    assert comparison.loc["On-street", [this, before, year]].tolist() == ["[c]", "60", "[c]"]
    assert comparison.loc["Total", [this, before, year]].tolist() == ["83", "90", "90"]
    assert comparison.loc["Total", "Change on the period before"] == "down 7 (8%)"
    assert comparison.loc["Group offender", "Change on the period before"] == "–"
    assert result.headline("this") == "83"
    assert not SMALL & cells(comparison)


def test_the_csv_export_carries_the_same_suppression(loaded):
    result = trends(loaded, BOARD, by="grooming_model", length=3)
    body = trends_csv(result, "monthly").decode("utf-8-sig")
    assert body.startswith("# OFFICIAL. Sightings by grooming model, month by month")
    assert "<5: a number from 1 to 4" in body
    table = pd.read_csv(io.StringIO(body), comment="#", dtype=str, index_col="Month")
    assert table.loc["Sep 2026", "Group offender"] == "<5"
    assert table.loc["Sep 2026", "On-street"] == "[c]"
    assert not SMALL & cells(table)
    comparison = pd.read_csv(
        io.StringIO(trends_csv(result, "comparison").decode("utf-8-sig")), comment="#", dtype=str
    )
    assert not SMALL & cells(comparison)
    assert "[c]" in cells(comparison)


def test_board_cannot_ask_for_exact_counts(loaded):
    with pytest.raises(AccessDenied, match="exact counts"):
        trends(loaded, BOARD, exact=True)


def test_analyst_may_see_exact_counts_but_never_export_them(loaded):
    result = trends(loaded, ANALYST, by="grooming_model", length=3, exact=True)
    assert not result.suppressed
    assert result.monthly.loc["Sep 2026", "Group offender"] == "3"
    this = "This period (Aug to Oct 2026)"
    assert result.comparison.loc["Group offender", this] == "23"
    assert "not for sharing" in result.note
    for fmt in ("csv", "png"):
        with pytest.raises(ValueError, match="suppressed figures only"):
            export_trends(loaded, ANALYST, result, "monthly", fmt)


@pytest.mark.parametrize("role", ["licensing", "admin", "visitor"])
def test_roles_without_trends_are_refused(loaded, role):
    with pytest.raises(AccessDenied):
        trends(loaded, User("x", role))


def test_exports_are_audited_as_disclosures(loaded):
    result = trends(loaded, BOARD, by="risk_level", length=1)
    png = export_trends(loaded, BOARD, result, "comparison", "png")
    assert png.startswith(b"\x89PNG")
    csv = export_trends(loaded, BOARD, result, "monthly", "csv")
    assert b"High" in csv
    log = read_audit(loaded)
    disclosures = log[log["action"] == "disclosure"]
    assert set(disclosures["target"]) == {
        "export:trends-risk-level-comparison-2026-10.png",
        "export:trends-risk-level-monthly-2026-10.csv",
    }
    consultation = log[log["action"] == "consultation"].iloc[-1]
    assert '"use": "trends"' in consultation["detail"] and consultation["username"] == "board"
    with pytest.raises(ValueError, match="'csv' or 'png'"):
        export_trends(loaded, BOARD, result, "monthly", "xlsx")


def test_risk_levels_and_areas_by_name(loaded, gazetteer):
    risk = trends(loaded, BOARD, by="risk_level", length=3)
    assert list(risk.monthly.columns) == ["High", "Medium", "Low", "Total"]
    assert risk.monthly.loc["Oct 2026", "High"] == "20"
    assert risk.monthly.loc["Sep 2026", "Low"] == "<5"
    areas = trends(loaded, BOARD, by="area", length=3, gazetteer=gazetteer)
    assert set(areas.monthly.columns) == {"Deane", "Astley Bridge", "Total"}
    unnamed = trends(loaded, BOARD, by="area", length=3)
    assert "BOL-002" in unnamed.monthly.columns, "unnamed codes are shown as codes"


def test_area_names_prefer_imported_boundaries(loaded, gazetteer):
    names = area_names(loaded, gazetteer)
    assert names["E05000650"] == "Astley Bridge"
    assert names["BOL-001"] == gazetteer["name"].iloc[0]


def test_twelve_months_are_compared_with_the_twelve_before_once(loaded):
    result = trends(loaded, BOARD, length=12)
    assert result.periods.compared == ("this", "previous")
    assert list(result.comparison.columns) == [
        "This period (Nov 2025 to Oct 2026)",
        "Period before (Nov 2024 to Oct 2025)",
        "Change on the period before",
    ]
    assert result.comparison.loc["Total", "Period before (Nov 2024 to Oct 2025)"] == NO_DATA
    assert result.span == "Aug 2025 to Oct 2026", "months before the data are left out"


def test_an_empty_database_gives_empty_trends(engine):
    result = trends(engine, BOARD)
    assert result.empty
    assert result.headline("this") == NO_DATA


def test_the_default_end_is_the_last_complete_month(loaded):
    assert trends(loaded, BOARD).periods.end == pd.Period("2026-10", "M")
    png = trends_png(trends(loaded, BOARD, by="area", length=3), "monthly")
    assert png.startswith(b"\x89PNG")
