"""The Premises checker: counts at and near premises, trend, visit score, roles, audit, export.

A hand-built fixture whose every count was worked out by hand (below), on SpatiaLite and on
PostGIS. Four premises, on the British National Grid:

* P1 "Kebab Palace" (takeaway) at (371000, 408000): 5 sightings recorded at it in 2026
  (Mar; Aug, Sep, Oct, Dec), young people A, B, C, A, A; one more recorded there in 2025
  (outside the 12 months); one sighting 100 m north (Nov, D) and one 150 m east (Feb, E).
* P2 "Station Hotel" (hotel) 300 m east of P1: 2 sightings at it (May, Jun; F, F); the
  one 150 m east of P1 is 150 m west of P2. The one 100 m north of P1 is 316 m from P2.
* P3 "Quiet Park" (park) 5 km away: 12 sightings within 30 m of it (Sep to Dec; G, H, I, J),
  none recorded at it: a dense cluster of 4 different young people, so a hotspot.
* P4 "=HYPERLINK(...)" (other): 1 sighting at it (Jul), no young person.

Within 250 m, over Jan to Dec 2026 (trend: Jul-Dec against Jan-Jun):

=====  ======  ======  ======  ======  =======  =======  ==========  =====
       linked  nearby  people  recent  earlier  trend    in hotspot  score
=====  ======  ======  ======  ======  =======  =======  ==========  =====
P1     5       2       5       5       2        rising   no          3x5 + 2 + 2x5 + 3 = 30
P2     2       1       2       0       3        falling  no          3x2 + 1 + 2x2 = 11
P3     0       12      4       12      0        rising   yes         12 + 2x4 + 5 + 3 = 28
P4     1       0       0       1       0        steady   no          3
=====  ======  ======  ======  ======  =======  =======  ==========  =====

Visit order: P1, P3, P2, P4.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from hotspots.analysis.premises_check import (
    VisitWeights,
    hotspot_containing,
    premises_intelligence,
    rank_for_visits,
    search_premises,
    trend_label,
    visit_scores,
)
from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.premises_check import (
    CHECK_COLUMNS,
    EXPORT_TARGET,
    export_visit_list,
    premises_check,
    visit_list_csv,
    visit_list_table,
)
from hotspots.security.roles import AccessDenied
from tests.handbuilt import Fixture

ANALYST = User("ana", "analyst", "licensing review")
LICENSING = User("lic", "licensing")
LSCB = User("board", "lscb")
ADMIN = User("root", "admin")
HOSTILE = '=HYPERLINK("http://x.example","<b>click</b>")'

P1_XY, P2_XY = (371_000, 408_000), (371_300, 408_000)
P3_XY, P4_XY = (375_000, 412_000), (378_000, 404_000)
EXPECTED = {  # name -> linked, nearby, young_people, recent, earlier, trend, in hotspot, score
    "Kebab Palace": (5, 2, 5, 5, 2, "rising", False, 30.0),
    "Station Hotel": (2, 1, 2, 0, 3, "falling", False, 11.0),
    "Quiet Park": (0, 12, 4, 12, 0, "rising", True, 28.0),
    HOSTILE: (1, 0, 0, 1, 0, "steady", False, 3.0),
}
VISIT_ORDER = ["Kebab Palace", "Quiet Park", "Station Hotel", HOSTILE]


def fixture() -> Fixture:
    f = Fixture()
    p1 = f.add_premises("P1", "Kebab Palace", "takeaway", *P1_XY, licence="LIC-2020-00001")
    p2 = f.add_premises("P2", "Station Hotel", "hotel", *P2_XY, licence="LIC-2019-00002")
    f.add_premises("P3", "Quiet Park", "park", *P3_XY)
    p4 = f.add_premises("P4", HOSTILE, "other", *P4_XY, licence="=1+1")
    for when, person in (("2026-03-10", "YP-A"), ("2026-08-10", "YP-A"), ("2026-09-10", "YP-B"),
                         ("2026-10-10", "YP-C"), ("2026-12-10", "YP-A")):  # fmt: skip
        f.add_sighting(when, *P1_XY, premises=p1, people=[person], risk="high")
    f.add_sighting("2025-06-10", *P1_XY, premises=p1, people=["YP-OLD"])  # before the period
    f.add_sighting("2026-11-10", P1_XY[0], P1_XY[1] + 100, people=["YP-D"])
    f.add_sighting("2026-02-10", P1_XY[0] + 150, P1_XY[1], people=["YP-E"])
    f.add_sighting("2026-05-10", *P2_XY, premises=p2, people=["YP-F"], risk="medium")
    f.add_sighting("2026-06-10", *P2_XY, premises=p2, people=["YP-F"])
    rng = np.random.default_rng(3)
    for k in range(12):
        dx, dy = rng.uniform(-20, 20, 2)
        month = 9 + k % 4
        person = ["YP-G", "YP-H", "YP-I", "YP-J"][k % 4]
        f.add_sighting(f"2026-{month:02d}-1{k % 9}", P3_XY[0] + dx, P3_XY[1] + dy, people=[person])
    f.add_sighting("2026-07-10", *P4_XY, premises=p4)
    return f


@pytest.fixture
def loaded(engine):
    return fixture().load(engine)


def _frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The fixture as analysis frames (no database), in EPSG:27700."""
    data = fixture().data()
    register = gpd.GeoDataFrame(
        data.premises.assign(premises_id=np.arange(1, 5)),
        geometry=gpd.points_from_xy(data.premises["lon"], data.premises["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:27700")
    ids = dict(zip(data.premises["premises_ref"], register["premises_id"], strict=True))
    people = data.sighting_people.groupby("source_ref")["pseudonym"].agg("|".join)
    sightings = gpd.GeoDataFrame(
        {
            "seen_at": data.sightings["seen_at"],
            "premises_id": data.sightings["premises_ref"].map(ids).astype("Int64"),
            "people": data.sightings["source_ref"].map(people).fillna(""),
        },
        geometry=gpd.points_from_xy(data.sightings["lon"], data.sightings["lat"]),
        crs="EPSG:4326",
    )
    return sightings, register


# ---------------------------------------------------------------- the analysis (no database)


def test_counts_at_and_near_each_premises_are_the_worked_ones():
    sightings, register = _frames()
    counts = premises_intelligence(sightings, register, distance_m=250, end_month="2026-12")
    for name, (linked, nearby, people, recent, earlier, trend, _, _) in EXPECTED.items():
        row = counts[counts["name"] == name].iloc[0]
        got = (row["linked"], row["nearby"], row["young_people"], row["recent"], row["earlier"])
        assert got == (linked, nearby, people, recent, earlier), name
        assert row["trend"] == trend, name
    kebab = counts[counts["name"] == "Kebab Palace"].iloc[0]
    assert kebab["monthly"] == [0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert kebab["last_month"] == "Dec 2026"
    assert counts[counts["name"] == "Station Hotel"].iloc[0]["last_month"] == "Jun 2026"


def test_distance_zero_counts_only_what_was_recorded_at_the_premises():
    sightings, register = _frames()
    counts = premises_intelligence(sightings, register, distance_m=0, end_month="2026-12")
    assert counts["nearby"].tolist() == [0, 0, 0, 0]
    assert counts["linked"].tolist() == [5, 2, 0, 1]
    assert counts["young_people"].tolist() == [3, 1, 0, 0]


def test_a_wider_distance_reaches_the_other_premises_sightings():
    sightings, register = _frames()
    counts = premises_intelligence(sightings, register, distance_m=320, end_month="2026-12")
    kebab, hotel = counts.iloc[0], counts.iloc[1]
    assert (kebab["linked"], kebab["nearby"]) == (5, 4)  # + the hotel's two
    assert (hotel["linked"], hotel["nearby"]) == (2, 7)  # + the kebab's five, north and east


def test_an_empty_period_counts_nothing():
    sightings, register = _frames()
    counts = premises_intelligence(sightings[:0], register, distance_m=250, end_month="2026-12")
    assert counts["linked"].sum() == counts["nearby"].sum() == 0
    assert set(counts["trend"]) == {"none"}
    assert counts["last_month"].isna().all()


@pytest.mark.parametrize(
    ("recent", "earlier", "expected"),
    [(5, 2, "rising"), (0, 3, "falling"), (1, 0, "steady"), (2, 0, "rising"), (3, 2, "steady"),
     (6, 4, "rising"), (4, 6, "falling"), (5, 4, "steady"), (0, 0, "none")],
)  # fmt: skip
def test_trend_rule(recent, earlier, expected):
    assert trend_label(recent, earlier) == expected


def test_visit_scores_and_order_follow_the_documented_weights():
    frame = pd.DataFrame(
        {
            "name": list(EXPECTED),
            "linked": [v[0] for v in EXPECTED.values()],
            "nearby": [v[1] for v in EXPECTED.values()],
            "young_people": [v[2] for v in EXPECTED.values()],
            "trend": [v[5] for v in EXPECTED.values()],
            "in_hotspot": [v[6] for v in EXPECTED.values()],
        }
    )
    assert visit_scores(frame).tolist() == [v[7] for v in EXPECTED.values()]
    ranked = rank_for_visits(frame)
    assert ranked["name"].tolist() == VISIT_ORDER
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    heavier = VisitWeights(in_hotspot=50)
    assert rank_for_visits(frame, heavier)["name"].iloc[0] == "Quiet Park"
    assert "3 points per sighting linked" in VisitWeights().explain(250)


def test_premises_scoring_zero_get_no_rank_and_come_last():
    frame = pd.DataFrame(
        {"name": ["B", "A", "C"], "linked": [0, 0, 1], "nearby": [0, 0, 0],
         "young_people": [0, 0, 0], "trend": ["none", "none", "steady"],
         "in_hotspot": [False, False, False]}
    )  # fmt: skip
    ranked = rank_for_visits(frame)
    assert ranked["name"].tolist() == ["C", "A", "B"]
    assert ranked["rank"].iloc[0] == 1 and ranked["rank"].iloc[1:].isna().all()


def test_hotspot_containing_names_the_hotspot_and_counts_the_edge():
    register = gpd.GeoDataFrame(geometry=[Point(1, 1), Point(2, 1), Point(9, 9)], crs=27700)
    hotspots = gpd.GeoDataFrame({"name": ["Deane"]}, geometry=[box(0, 0, 2, 2)], crs=27700)
    assert hotspot_containing(register, hotspots).tolist() == ["Deane", "Deane", None]
    assert hotspot_containing(register, hotspots[:0]).isna().all()


def test_search_is_plain_text_in_any_case():
    frame = pd.DataFrame(
        {"name": ["Kebab Palace", "Station Hotel", "(.*)"],
         "category": ["takeaway", "hotel", "other"],
         "licence_ref": ["LIC-2020-00001", "LIC-2019-00002", None]}
    )  # fmt: skip
    assert search_premises(frame, name="KEBAB")["name"].tolist() == ["Kebab Palace"]
    assert search_premises(frame, name="(.*)")["name"].tolist() == ["(.*)"]
    assert search_premises(frame, licence="2019")["name"].tolist() == ["Station Hotel"]
    assert len(search_premises(frame, categories=("hotel", "other"))) == 2
    assert len(search_premises(frame)) == 3


# ---------------------------------------------------------------- the data layer, both backends


def test_licensing_gets_the_worked_counts_and_visit_order(loaded):
    check = premises_check(loaded, LICENSING, distance_m=250)
    assert check.period == "Jan 2026 to Dec 2026"
    assert tuple(check.premises.columns) == CHECK_COLUMNS
    assert check.premises["name"].tolist() == VISIT_ORDER
    for name, (linked, nearby, people, recent, earlier, trend, hot, score) in EXPECTED.items():
        row = check.premises[check.premises["name"] == name].iloc[0]
        got = (row["linked"], row["nearby"], row["young_people"], row["recent"], row["earlier"],
               row["trend"], bool(row["in_hotspot"]), row["score"])  # fmt: skip
        assert got == (linked, nearby, people, recent, earlier, trend, hot, score), name
    assert len(check.hotspots) == 1
    park = check.premises[check.premises["name"] == "Quiet Park"].iloc[0]
    assert park["hotspot"] == check.hotspots["name"].iloc[0]
    assert check.premises.crs.to_epsg() == 4326


def test_nothing_person_level_leaves_the_data_layer(loaded):
    check = premises_check(loaded, LICENSING, distance_m=250)
    frames = [check.premises, check.hotspots]
    text = " ".join(frame.drop(columns="geometry").to_csv() for frame in frames)
    assert "YP-" not in text, "a pseudonym reached the checker's result"
    columns = {c for frame in frames for c in frame.columns}
    assert not columns & {"people", "pseudonym", "risk_level", "seen_at", "sighting_id", "note"}
    assert (check.premises.geom_type == "Point").all()  # premises, never sightings
    assert len(check.premises) == 4


def test_the_check_is_audited_as_a_consultation(loaded):
    premises_check(loaded, LICENSING, distance_m=100)
    log = read_audit(loaded)
    entry = log[log["action"] == "consultation"].iloc[0]
    assert entry["username"] == "lic" and entry["target"] == "sighting"
    assert '"use": "premises_check"' in entry["detail"] and '"distance_m": 100' in entry["detail"]
    assert '"sightings_used": 22' in entry["detail"]


@pytest.mark.parametrize("user", [LSCB, ADMIN, User("x", "visitor")])
def test_other_roles_are_refused_before_anything_is_read(loaded, user):
    with pytest.raises(AccessDenied):
        premises_check(loaded, user)
    assert (read_audit(loaded)["action"] != "consultation").all()


def test_distance_out_of_range_is_refused_with_what_to_do(loaded):
    with pytest.raises(ValueError, match="choose 0 to 1,000 m"):
        premises_check(loaded, LICENSING, distance_m=5000)


def test_search_reranks_within_the_results(loaded):
    check = premises_check(loaded, ANALYST)
    found = check.search(categories=("hotel", "park"))
    assert found.premises["name"].tolist() == ["Quiet Park", "Station Hotel"]
    assert found.premises["rank"].tolist() == [1, 2]
    assert check.search(name="palace").visit_list["name"].tolist() == ["Kebab Palace"]
    assert check.search(licence="nothing like it").premises.empty


def test_the_shared_visit_list_suppresses_small_counts_and_defuses_formulas(loaded):
    check = premises_check(loaded, LICENSING, distance_m=250)
    table = visit_list_table(check)
    assert "score" not in " ".join(table.columns).lower(), "a score could give counts away"
    # Each column is suppressed as if its total were published. "At the premises" is 5, 0,
    # 2, 1: the 2 and the 1 are "<5", and with a total of 8 the 5 would pin them to 3
    # between them, so it is hidden too ("[c]"). Likewise the park's 12 nearby.
    shown = table.set_index("Premises")
    assert shown.loc["Kebab Palace", "Sightings at the premises"] == "[c]"
    assert shown.loc["Kebab Palace", "Other sightings within 250 m"] == "<5"
    assert shown.loc["Station Hotel", "Sightings at the premises"] == "<5"
    assert shown.loc["Quiet Park", "Sightings at the premises"] == "0"
    assert shown.loc["Quiet Park", "Other sightings within 250 m"] == "[c]"
    count_columns = table.columns[4:7]
    shown = table[count_columns].to_numpy().ravel()
    assert not {"1", "2", "3", "4"} & set(shown), f"a small count is shared exactly: {shown}"
    body = visit_list_csv(check).decode("utf-8-sig")
    assert body.startswith("# OFFICIAL-SENSITIVE")
    frame = pd.read_csv(io.StringIO(body), comment="#")
    assert frame["Premises"].tolist() == [*VISIT_ORDER[:3], "'" + HOSTILE]
    assert frame["Licence"].iloc[3] == "'=1+1"


def test_export_is_audited_as_a_disclosure_and_refused_to_others(loaded):
    check = premises_check(loaded, LICENSING)
    body = export_visit_list(loaded, LICENSING, check)
    assert b"Kebab Palace" in body
    log = read_audit(loaded)
    disclosure = log[log["action"] == "disclosure"].iloc[0]
    assert disclosure["target"] == EXPORT_TARGET and '"rows": 4' in disclosure["detail"]
    with pytest.raises(AccessDenied):
        export_visit_list(loaded, LSCB, check)


def test_an_empty_database_gives_an_empty_check(engine):
    check = premises_check(engine, LICENSING)
    assert check.premises.empty and check.hotspots.empty and check.period == ""
    assert visit_list_table(check).empty


def test_synthetic_data_puts_hotspot_premises_high_on_the_visit_list(engine):
    from hotspots.db.demo import load_synthetic
    from hotspots.gazetteer import load_gazetteer
    from hotspots.synth import generate

    gazetteer = load_gazetteer()
    load_synthetic(engine, generate(sightings=3000, seed=7, gazetteer=gazetteer))
    check = premises_check(engine, ANALYST, gazetteer=gazetteer)
    top = check.visit_list.head(10)
    assert top["in_hotspot"].sum() >= 5, "premises in hotspots should lead the visit list"
    assert (top["score"].diff().dropna() <= 0).all()
    assert shapely.get_type_id(check.premises.geometry.to_numpy()).max() == 0  # points only
