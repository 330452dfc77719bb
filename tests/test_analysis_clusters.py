"""Hotspot clusters (hotspots.analysis.clusters): thresholds, statistics, names, Bolton."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy import stats
from shapely.geometry import Point

from hotspots.analysis.clusters import (
    GROOMING_COLUMNS,
    HOTSPOT_COLUMNS,
    auto_min_samples,
    find_clusters,
    name_hotspots,
)
from hotspots.analysis.frames import AnalysisInputError
from hotspots.domain import CRS_BNG, CRS_WGS84
from hotspots.gazetteer import load_gazetteer
from tests.test_analysis_frames import context_frame, sightings_frame

TO_BNG = Transformer.from_crs(CRS_WGS84, CRS_BNG, always_xy=True)
TO_WGS84 = Transformer.from_crs(CRS_BNG, CRS_WGS84, always_xy=True)
BOLTON_BBOX = (-2.64, 53.52, -2.33, 53.64)
PLANTED = {
    "Deane": (53.5745, -2.4585),
    "Daubhill": (53.5655, -2.4470),
    "Halliwell": (53.5925, -2.4440),
}
#: The repository's Bolton gazetteer (data/gazetteer.csv): 32 localities.
GAZETTEER = load_gazetteer()


def synthetic_bolton(n_background: int, per_hotspot: int, seed: int, clustered: bool = False):
    """Planted on-street hotspots at Deane, Daubhill and Halliwell among background noise.

    Hotspot sightings lie uniformly within a 150-300 m radius of each centre and involve a
    dozen young people each; background sightings are spread over Bolton (uniformly, or
    half of them gathered around the localities when `clustered`) with a large pool of
    people. Returns the sightings frame and the planted name of each sighting ('' if none).
    """
    rng = np.random.default_rng(seed)
    (x0, y0), (x1, y1) = (TO_BNG.transform(*c) for c in ((-2.64, 53.52), (-2.33, 53.64)))
    background = rng.uniform((x0, y0), (x1, y1), size=(n_background, 2))
    if clustered:
        gx, gy = TO_BNG.transform(GAZETTEER["lon"].to_numpy(), GAZETTEER["lat"].to_numpy())
        near = rng.integers(0, len(GAZETTEER), n_background // 2)
        background[: len(near)] = np.c_[gx[near], gy[near]] + rng.normal(0, 700, (len(near), 2))
    parts, truth = [background], [np.full(n_background, "")]
    for name, (lat, lon) in PLANTED.items():
        centre = np.array(TO_BNG.transform(lon, lat))
        radius = rng.uniform(150, 300) * np.sqrt(rng.uniform(0, 1, per_hotspot))
        angle = rng.uniform(0, 2 * np.pi, per_hotspot)
        parts.append(centre + np.c_[radius * np.cos(angle), radius * np.sin(angle)])
        truth.append(np.full(per_hotspot, name))
    xy, truth = np.concatenate(parts), np.concatenate(truth)
    n = len(xy)
    people = np.where(
        truth != "",
        np.char.add(truth, rng.integers(0, 12, n).astype(str)),
        np.where(
            rng.uniform(size=n) < 0.6, np.char.add("YP", rng.integers(0, 2000, n).astype(str)), ""
        ),
    )
    lon, lat = TO_WGS84.transform(xy[:, 0], xy[:, 1])
    frame = gpd.GeoDataFrame({
        "sighting_id": np.arange(n),
        "seen_at": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 730, n), unit="D"),
        "precision": rng.choice(["exact", "street", "area"], n, p=[0.6, 0.3, 0.1]),
        "grooming_models": np.where(truth != "", "on_street", "party"),
        "indicators": "risky_area", "people": people,
    }, geometry=gpd.points_from_xy(lon, lat), crs=CRS_WGS84)  # fmt: skip
    return frame, truth


@pytest.mark.parametrize(
    ("n_background", "per_hotspot", "seed", "clustered"),
    [
        (1_500, 40, 1, False),
        (1_500, 40, 2, True),
        (5_000, 150, 3, False),
        (17_000, 1_000, 4, True),  # 20,000 sightings, as the demo has
        (19_000, 300, 5, False),  # faint hotspots: 1.5 % of sightings each
    ],
)
def test_planted_bolton_hotspots_are_found_and_named(n_background, per_hotspot, seed, clustered):
    sightings, truth = synthetic_bolton(n_background, per_hotspot, seed, clustered)
    result = find_clusters(sightings, GAZETTEER)
    names = result.hotspots["name"].tolist()
    assert set(PLANTED) <= set(names), names
    assert len(names) - len(PLANTED) <= 1, names  # few spurious hotspots
    for name in PLANTED:  # each hotspot is the planted one: most of it, mostly it
        hotspot_id = result.hotspots.loc[result.hotspots["name"] == name, "hotspot_id"].iloc[0]
        members = result.labels.to_numpy() == hotspot_id
        usable = (truth == name) & (sightings["precision"] != "area").to_numpy()
        assert members[usable].mean() >= 0.8
        assert (truth[members] == name).mean() >= 0.6


def test_hdbscan_finds_the_planted_hotspots_too():
    sightings, _ = synthetic_bolton(3_000, 150, 6)
    names = find_clusters(sightings, GAZETTEER, method="hdbscan").hotspots["name"].tolist()
    assert set(PLANTED) <= set(names), names
    assert len(names) <= 4, names


def group_around(x: float, y: float, n: int, people: list[str], **extra) -> list[dict]:
    """`n` sightings on a 20 m lattice around (x, y), people taken in turn."""
    offsets = [(20 * (i % 4), 20 * (i // 4)) for i in range(n)]
    return [
        {"x": x + dx, "y": y + dy, "people": people[i % len(people)], **extra}
        for i, (dx, dy) in enumerate(offsets)
    ]


@pytest.fixture
def two_groups():
    deane_x, deane_y = TO_BNG.transform(-2.4585, 53.5745)
    busy = group_around(deane_x, deane_y, 12, ["YP1", "YP2|YP3", "YP4"],
                        grooming_models="on_street|group", indicators="risky_area|adults_loitering",
                        seen_at="2024-03-01 21:30")  # fmt: skip
    busy[0].update(seen_at="2024-01-05 20:10", indicators="mfh_return|risky_area")
    busy[1].update(seen_at="2024-06-30 22:45", grooming_models="party")
    # A second tight group, 2 km east, with only two young people in it.
    lonely = group_around(deane_x + 2_000, deane_y, 12, ["YP8", "YP9"], seen_at="2024-02-01 16:00")
    far = [{"x": deane_x + 5_000, "y": deane_y + 3_000}]  # noise
    return sightings_frame(busy + lonely + far)


def test_statistics_worked_by_hand(two_groups):
    result = find_clusters(two_groups, GAZETTEER, min_samples=5, min_sightings=10, min_people=3)
    hotspots = result.hotspots
    assert tuple(hotspots.columns) == HOTSPOT_COLUMNS
    assert hotspots.crs == CRS_WGS84
    assert len(hotspots) == 1  # the second group has only 2 young people
    deane = hotspots.iloc[0]
    assert deane["name"] == "Deane"
    assert (deane["hotspot_id"], deane["sightings"], deane["distinct_people"]) == (1, 12, 4)
    # 11 of 12 carry on_street|group; one was changed to party.
    mix = {column: int(deane[column]) for column in GROOMING_COLUMNS if deane[column]}
    assert mix == {"grooming_on_street": 11, "grooming_group": 11, "grooming_party": 1}
    assert deane["main_grooming_model"] == "on_street"  # ties go to the domain order
    assert deane["top_indicators"] == "risky_area|adults_loitering|mfh_return"
    assert deane["first_seen"] == pd.Timestamp("2024-01-05 20:10")
    assert deane["last_seen"] == pd.Timestamp("2024-06-30 22:45")
    assert deane["peak_hours"] == "20:00-23:00"  # 10 at 21h, one at 20h, one at 22h
    assert 0.005 < deane["area_km2"] < 0.05  # 60 m x 40 m lattice, buffered by 50 m
    assert result.labels.tolist() == [1] * 12 + [-1] * 13
    assert result.labels.index.equals(two_groups.index)


def test_min_people_and_min_sightings_filter_clusters(two_groups):
    both = find_clusters(two_groups, GAZETTEER, min_samples=5, min_people=2)
    assert both.hotspots["sightings"].tolist() == [12, 12]
    assert both.hotspots["distinct_people"].tolist() == [4, 2]
    assert find_clusters(two_groups, GAZETTEER, min_samples=5, min_sightings=13).hotspots.empty


def test_a_context_layer_skips_the_people_threshold():
    deane_x, deane_y = TO_BNG.transform(-2.4585, 53.5745)
    crime = context_frame([(deane_x + 5 * i, deane_y) for i in range(15)], ["2024-01-01"] * 15)
    hotspots = find_clusters(crime, GAZETTEER, min_samples=5, min_people=3).hotspots
    assert hotspots["sightings"].tolist() == [15]
    assert hotspots["distinct_people"].tolist() == [0]
    assert hotspots["top_indicators"].tolist() == [""]


def test_area_precision_sightings_are_left_out():
    deane_x, deane_y = TO_BNG.transform(-2.4585, 53.5745)
    rows = group_around(deane_x, deane_y, 12, ["YP1", "YP2", "YP3"], precision="area")
    sightings = sightings_frame(rows)
    assert find_clusters(sightings, GAZETTEER, min_samples=5).hotspots.empty
    assert len(find_clusters(sightings, GAZETTEER, min_samples=5, precisions=None).hotspots) == 1


def test_names_prefer_a_locality_inside_and_number_repeats():
    x, y = TO_BNG.transform(-2.4585, 53.5745)
    inside_both = Point(x, y).buffer(2_000)  # holds Deane, Daubhill, Morris Green ...
    near_deane = Point(x, y + 600).buffer(100)  # holds none: the nearest is Deane
    names = name_hotspots(np.array([inside_both, near_deane, near_deane]), GAZETTEER)
    assert names == ["Deane", "Deane (2)", "Deane (3)"]
    assert name_hotspots(np.array([near_deane]), None) == ["Hotspot 1"]


def test_auto_min_samples_follows_its_rule():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10_000, size=(20_000, 2))
    hull_area = 1e8  # about: uniform points fill the square
    expected_in_disc = 20_000 * np.pi * 250**2 / hull_area  # 39.3
    value = auto_min_samples(xy, 250.0)
    assert value == pytest.approx(np.ceil(8 * expected_in_disc), abs=1)
    assert stats.poisson.sf(value - 1, expected_in_disc) < 1e-6  # background almost never core


def test_unknown_method_is_refused(two_groups):
    with pytest.raises(AnalysisInputError, match="optics"):
        find_clusters(two_groups, GAZETTEER, method="optics")


def demo_sightings(total: int, seed: int) -> gpd.GeoDataFrame:
    """The demo generator's sightings as the analysis frame (as hotspots.db.access gives it)."""
    synth = pytest.importorskip("hotspots.synth")
    data = synth.generate(sightings=total, seed=seed, gazetteer=GAZETTEER)
    rows = data.sightings.reset_index(drop=True)
    people = data.sighting_people.groupby("source_ref")["pseudonym"].agg(
        lambda names: "|".join(sorted(names))
    )
    frame = rows.assign(
        sighting_id=np.arange(1, len(rows) + 1),
        people=rows["source_ref"].map(people).fillna(""),
    )
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=CRS_WGS84
    )


@pytest.mark.parametrize(("total", "seed"), [(3_000, 1), (20_000, 2)])
def test_demo_data_hotspots_are_found_with_no_background_clusters(total, seed):
    sightings = demo_sightings(total, seed)
    result = find_clusters(sightings, GAZETTEER)
    pattern = sightings["pattern"].to_numpy()
    majority = {
        row.name: pd.Series(pattern[result.labels.to_numpy() == row.hotspot_id]).mode()[0]
        for row in result.hotspots.itertuples()
    }
    for place in PLANTED:
        assert majority.get(place) == f"on-street-{place.lower()}", majority
    assert "background" not in majority.values(), majority


@pytest.mark.parametrize("weighted", [False, True])
def test_dbscan_labels_partition_as_scikit_learn_does(weighted):
    from sklearn.cluster import DBSCAN

    from hotspots.analysis.clusters import dbscan_labels

    rng = np.random.default_rng(7)
    xy = np.concatenate([rng.normal(c, 80, (150, 2)) for c in ((0, 0), (600, 0), (0, 900))])
    xy = np.concatenate([xy, rng.uniform(-1500, 1500, (300, 2))])
    weights = rng.integers(1, 4, len(xy)).astype(float) if weighted else None
    ours = dbscan_labels(xy, 120.0, 12, weights)
    model = DBSCAN(eps=120.0, min_samples=12).fit(xy, sample_weight=weights)
    theirs = model.labels_
    assert np.array_equal(ours == -1, theirs == -1)
    core = np.zeros(len(xy), dtype=bool)
    core[model.core_sample_indices_] = True
    pairs = pd.DataFrame({"ours": ours[core], "theirs": theirs[core]}).drop_duplicates()
    assert pairs["ours"].is_unique and pairs["theirs"].is_unique
    assert len(pairs) >= 3  # the three planted groups (weights may add small ones)


def test_large_inputs_use_scikit_learn_with_the_same_partition(monkeypatch):
    from hotspots.analysis import clusters

    rng = np.random.default_rng(3)
    xy = np.concatenate([rng.normal(c, 60, (200, 2)) for c in ((0, 0), (900, 0))])
    small = clusters.dbscan_labels(xy, 100.0, 10)
    monkeypatch.setattr(clusters, "SPARSE_DBSCAN_MAX_POINTS", 10)
    large = clusters.dbscan_labels(xy, 100.0, 10)
    assert np.array_equal(small == -1, large == -1)
    assert len(pd.DataFrame({"a": small, "b": large}).drop_duplicates()) == len(set(small))
