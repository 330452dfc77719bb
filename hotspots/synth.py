"""Synthetic Bolton: seeded, pseudonymised young people, premises and sightings with planted truth.

The demonstration database and the analysis tests start here. Each pattern the source documents
describe (on-street hotspots, group-offender routes to hotels, party and risky addresses,
internet contact known only to an area, a disruption with displacement) is planted at a known
place and time and described in ``truth``, so tests can score what the analysis finds. Nothing
is real: pseudonyms, premises names, licence references, vehicle tokens and notes are generated.

Text columns that may be empty hold Python ``str`` or ``None`` (dtype object), so a loader sends
NULL without conversion; text columns that are never empty use pandas' ``str`` dtype.
"""

from __future__ import annotations

import calendar
import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd
from pyproj import Transformer

from hotspots.domain import (
    AGENCIES,
    CRS_BNG,
    CRS_WGS84,
    GROOMING_MODELS,
    HANDLING_CODES,
    INDICATORS,
    INTELLIGENCE_ASSESSMENTS,
    PRECISIONS,
    SOURCE_EVALUATIONS,
    join_codes,
)

#: Bolton's box (west, south, east, north); every generated point lies inside it.
BOLTON_BOUNDS: Final[tuple[float, float, float, float]] = (-2.64, 53.52, -2.33, 53.64)
MIN_SIGHTINGS: Final[int] = 1_000
MAX_SIGHTINGS: Final[int] = 1_000_000
DEFAULT_START: Final[date] = date(2023, 11, 1)
ON_STREET_HOTSPOTS: Final[tuple[str, ...]] = ("Deane", "Daubhill", "Halliwell")
#: The on-street hotspot that the optional disruption targets.
DISRUPTED_HOTSPOT: Final[str] = "Daubhill"
TRUTH_SCHEMA_VERSION: Final[int] = 1

#: Screening: thirteen items of one point each; the generator's own cut-offs for the level.
SCREENING_ITEMS: Final[int] = 13
MEDIUM_FROM: Final[int] = 5
HIGH_FROM: Final[int] = 9

NEEDS_FLAGS: Final[tuple[str, ...]] = (
    "child_in_need",
    "looked_after",
    "send",
    "mental_health",
    "young_carer",
    "substance_misuse",
)
ETHNICITIES: Final[tuple[tuple[str, float], ...]] = (
    ("White British", 0.62),
    ("White other", 0.05),
    ("Asian or Asian British", 0.13),
    ("Black or Black British", 0.05),
    ("Mixed or multiple", 0.07),
    ("Other", 0.02),
)
GENDERS: Final[tuple[str, ...]] = ("female", "male", "other")
AGE_BANDS: Final[tuple[tuple[str, int, int], ...]] = (
    ("10-12", 10, 12),
    ("13-15", 13, 15),
    ("16-17", 16, 17),
)

_INSET_DEG: Final[float] = 0.004  # keep generated points this far inside Bolton's box
_CHUNK: Final[int] = 131_072
_MODEL_CODES: Final[tuple[str, ...]] = tuple(GROOMING_MODELS)
_INDICATOR_CODES: Final[tuple[str, ...]] = tuple(INDICATORS)
_DAY_NAMES: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KIND_WEIGHT: Final[dict[str, float]] = {"centre": 2.5, "town": 2.0, "locality": 1.0}
_KIND_SIGMA_M: Final[dict[str, float]] = {"centre": 1000.0, "town": 1000.0, "locality": 700.0}


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """One generated data set: four frames for the loader and the planted truth."""

    people: pd.DataFrame
    premises: pd.DataFrame
    sightings: pd.DataFrame
    sighting_people: pd.DataFrame
    truth: dict[str, Any]


def generate(
    *,
    sightings: int = 20_000,
    seed: int = 1,
    start: date = DEFAULT_START,
    months: int = 36,
    gazetteer: pd.DataFrame,
    plant_disruption: bool = True,
) -> SyntheticData:
    """Generate synthetic Bolton data with planted patterns; the same seed gives the same data.

    Parameters
    ----------
    sightings : exactly this many sighting rows (1,000 to 1,000,000).
    seed : seeds every random draw.
    start, months : the period covered, from ``start`` for ``months`` calendar months.
    gazetteer : frame with columns name, kind, lat, lon; must name Deane, Daubhill and Halliwell.
    plant_disruption : plant a drop at Daubhill with displacement to a neighbouring spot.

    Returns
    -------
    SyntheticData with frames ``people``, ``premises``, ``sightings``, ``sighting_people`` and
    the JSON-serialisable ``truth`` (see ``truth_json``).

    Notes
    -----
    Planted patterns take fixed shares of the total (with floors at small sizes); background
    noise takes the rest, about half. The ``pattern`` column of ``sightings`` names the planted
    pattern id of each row, or ``'background'``; truth counts are computed from the frames.
    """
    _check_arguments(sightings, months, gazetteer)
    streams = np.random.default_rng(seed).spawn(6)
    world = _World.build(gazetteer, _Calendar.build(start, months))
    plan = _Planner(streams[0], world).plan(sightings, plant_disruption)
    people = _allocate_people(plan)
    _assign_vehicles(plan)
    batches = [_pattern_batch(streams[1], world, plan, p) for p in range(len(plan.patterns))]
    batches.append(_background_batch(streams[2], world, plan, people))
    merged = _merge(batches)
    frames = _Frames.build(streams[3], world, plan, people, merged)
    truth = _truth(world, plan, frames, merged, seed=seed, requested=sightings)
    return SyntheticData(
        people=frames.people,
        premises=frames.premises,
        sightings=frames.sightings,
        sighting_people=frames.sighting_people,
        truth=truth,
    )


def truth_json(data: SyntheticData) -> str:
    """The planted truth as indented JSON, to be written beside the data."""
    return json.dumps(data.truth, indent=2, ensure_ascii=False) + "\n"


def area_codes(gazetteer: pd.DataFrame) -> pd.DataFrame:
    """The area codes the generator uses: one per gazetteer row, in row order ('BOL-001', ...).

    A point's ``area_code`` is that of the nearest gazetteer place (a Voronoi split of Bolton).
    """
    frame = gazetteer[["name", "kind", "lon", "lat"]].reset_index(drop=True)
    codes = [f"BOL-{i + 1:03d}" for i in range(len(frame))]
    return frame.assign(code=codes)[["code", "name", "kind", "lon", "lat"]]


# ---------------------------------------------------------------------------------------------
# Profiles: how the sightings of each kind of pattern look


def _hours(peaks: dict[int, float], base: float) -> tuple[float, ...]:
    return tuple(peaks.get(hour, base) for hour in range(24))


@dataclass(frozen=True)
class _Profile:
    """When, with whom and with which codes the sightings of one kind of pattern happen."""

    hours: tuple[float, ...]  # 24 weights
    days: tuple[float, ...]  # 7 weights, Monday first
    people: tuple[float, float, float, float]  # chance of 0, 1, 2, 3 young people
    primary: tuple[tuple[str, float], ...]
    secondary: tuple[tuple[str, float], ...]  # (model, chance it is added)
    indicators: tuple[tuple[str, float], ...]  # raised weights; others weigh 0.05
    precision: tuple[float, float, float]  # exact, street, area
    agencies: tuple[tuple[str, float], ...]  # raised weights; others weigh 0.3
    vehicle_share: float
    notes: tuple[str, ...]


_EVENING = _hours({16: 0.3, 17: 0.6, 18: 1.3, 19: 1.7, 20: 2.0, 21: 2.2, 22: 2.0, 23: 1.5,
                   0: 0.5, 1: 0.2}, 0.04)  # fmt: skip
_AFTER_SCHOOL = _hours({14: 0.4, 15: 1.2, 16: 1.8, 17: 1.8, 18: 1.5, 19: 1.2, 20: 0.9,
                        21: 0.6}, 0.04)  # fmt: skip
_LATE_NIGHT = _hours({21: 0.6, 22: 1.5, 23: 2.0, 0: 2.0, 1: 1.6, 2: 1.0, 3: 0.5}, 0.02)
_PARTY_NIGHT = _hours({20: 0.5, 21: 1.2, 22: 1.8, 23: 2.2, 0: 2.2, 1: 1.6, 2: 1.0, 3: 0.5}, 0.02)
_LATE_AFTERNOON = _hours({15: 0.5, 16: 0.8, 17: 1.0, 18: 1.2, 19: 1.4, 20: 1.4, 21: 1.2,
                          22: 0.8, 23: 0.4}, 0.05)  # fmt: skip
_SCHOOL_DAY = _hours({9: 0.8, 10: 1.4, 11: 1.5, 12: 1.3, 13: 1.3, 14: 1.2, 15: 1.0,
                      16: 0.6}, 0.05)  # fmt: skip
_ONLINE = _hours({16: 0.5, 17: 0.7, 18: 0.9, 19: 1.2, 20: 1.5, 21: 1.8, 22: 1.8, 23: 1.4,
                  0: 0.8, 1: 0.4}, 0.1)  # fmt: skip
_DAYTIME = _hours(dict.fromkeys(range(8, 23), 1.0), 0.15)
_ANY_DAY = (1.0,) * 7

PROFILES: Final[dict[str, _Profile]] = {
    "on_street": _Profile(
        hours=_EVENING, days=(1.0, 1.0, 1.0, 1.2, 1.9, 2.1, 1.1),
        people=(0.05, 0.6, 0.25, 0.1),
        primary=(("on_street", 1.0),), secondary=(("group", 0.2),),
        indicators=(("collected_by_adults", 3.0), ("unexplained_goods", 2.5), ("risky_area", 3.0),
                    ("adults_loitering", 2.0), ("risky_associates", 1.5), ("mfh_return", 1.0)),
        precision=(0.45, 0.55, 0.0),
        agencies=(("police", 5.0), ("community_safety", 2.0), ("youth_service", 2.0),
                  ("social_care", 2.0)),
        vehicle_share=0.55,
        notes=("Seen getting into a car with older males.",
               "Young people gathered by the shops; adults in cars nearby.",
               "Seen with alcohol and cigarettes of unknown source.",
               "Dropped off by an unknown adult late in the evening.",
               "Adults loitering near the parade of shops."),
    ),
    "group_contact": _Profile(
        hours=_AFTER_SCHOOL, days=(1.0, 1.0, 1.0, 1.0, 1.3, 1.3, 1.0),
        people=(0.05, 0.55, 0.3, 0.1),
        primary=(("group", 1.0),), secondary=(("on_street", 0.25),),
        indicators=(("unexplained_goods", 2.5), ("risky_associates", 2.5),
                    ("adults_loitering", 2.0), ("peer_reports", 1.5),
                    ("friends_exploited", 1.5)),
        precision=(0.85, 0.15, 0.0),
        agencies=(("police", 3.0), ("licensing", 2.0), ("youth_service", 2.0)),
        vehicle_share=0.25,
        notes=("Approached by older males outside the premises.",
               "Given free food and phone credit by adults.",
               "Group of young people met adults here after school.",
               "Collected by a car without a booking record."),
    ),
    "group_hotel": _Profile(
        hours=_LATE_NIGHT, days=(0.8, 0.8, 0.9, 1.0, 1.6, 1.8, 1.0),
        people=(0.0, 0.5, 0.3, 0.2),
        primary=(("group", 1.0),), secondary=(("party", 0.1),),
        indicators=(("collected_by_adults", 2.5), ("mfh_return", 2.5), ("risky_associates", 2.0),
                    ("kempt_no_address", 1.5), ("unexplained_goods", 1.5)),
        precision=(0.85, 0.15, 0.0),
        agencies=(("police", 4.0), ("licensing", 3.0), ("social_care", 2.0)),
        vehicle_share=0.4,
        notes=("Young person seen entering late at night with adults.",
               "Room booked by an adult; young person left early in the morning.",
               "Staff reported concern about visitors at night."),
    ),
    "party": _Profile(
        hours=_PARTY_NIGHT, days=(0.15, 0.15, 0.2, 0.4, 2.5, 3.0, 0.6),
        people=(0.0, 0.3, 0.4, 0.3),
        primary=(("party", 1.0),), secondary=(("group", 0.15),),
        indicators=(("risky_associates", 2.5), ("friends_exploited", 2.5),
                    ("kempt_no_address", 1.5), ("intimacy_for_accommodation", 1.5),
                    ("swapping", 1.5), ("mfh_return", 1.5)),
        precision=(0.85, 0.15, 0.0),
        agencies=(("police", 3.0), ("social_care", 3.0), ("housing", 1.5)),
        vehicle_share=0.2,
        notes=("Neighbours report late parties with young people attending.",
               "Young people told to bring friends to the address.",
               "Alcohol supplied to young people at the address."),
    ),
    "boyfriend": _Profile(
        hours=_LATE_AFTERNOON, days=_ANY_DAY, people=(0.0, 0.85, 0.15, 0.0),
        primary=(("boyfriend", 1.0),), secondary=(("internet", 0.2),),
        indicators=(("older_boyfriend", 4.0), ("unexplained_goods", 2.0),
                    ("unknown_contacts", 1.5), ("mfh_return", 1.5)),
        precision=(0.85, 0.15, 0.0),
        agencies=(("social_care", 4.0), ("police", 2.0), ("health", 2.0), ("education", 1.5)),
        vehicle_share=0.3,
        notes=("Young person describes an older boyfriend.",
               "Seen repeatedly at the address of an older male.",
               "New phone and clothes given by a boyfriend."),
    ),
    "lone": _Profile(
        hours=_SCHOOL_DAY, days=(1.5, 1.5, 1.5, 1.5, 1.3, 0.3, 0.3),
        people=(0.0, 0.85, 0.15, 0.0),
        primary=(("lone", 1.0),), secondary=(("internet", 0.1),),
        indicators=(("truanting_risky_address", 4.0), ("school_home_concerns", 2.5),
                    ("friends_exploited", 1.5), ("unknown_contacts", 1.0)),
        precision=(0.85, 0.15, 0.0),
        agencies=(("education", 4.0), ("social_care", 3.0), ("police", 2.0), ("health", 1.0)),
        vehicle_share=0.2,
        notes=("Truanting at the address during school hours.",
               "An adult is befriending the young person and her friends.",
               "Seen leaving the address with an adult."),
    ),
    "internet": _Profile(
        hours=_ONLINE, days=_ANY_DAY, people=(0.0, 0.95, 0.05, 0.0),
        primary=(("internet", 1.0),), secondary=(("boyfriend", 0.15),),
        indicators=(("unknown_contacts", 4.0), ("unexplained_goods", 2.0), ("peer_reports", 1.5),
                    ("school_home_concerns", 1.5)),
        precision=(0.0, 0.0, 1.0),
        agencies=(("social_care", 3.0), ("education", 3.0), ("police", 2.0), ("health", 1.0)),
        vehicle_share=0.0,
        notes=("Contact through social media from an unknown adult.",
               "Calls and messages from unknown numbers.",
               "Images requested through a messaging app."),
    ),
    "background": _Profile(
        hours=_DAYTIME, days=(1.0, 1.0, 1.0, 1.0, 1.2, 1.2, 1.0),
        people=(0.45, 0.45, 0.08, 0.02),
        primary=(("on_street", 1.0), ("boyfriend", 1.0), ("party", 0.6), ("internet", 1.2),
                 ("lone", 0.6), ("group", 0.6)),
        secondary=(),
        indicators=tuple((code, 1.0) for code in INDICATORS),
        precision=(0.5, 0.5, 0.0),
        agencies=(("police", 3.0), ("social_care", 3.0), ("education", 2.0), ("health", 1.5),
                  ("youth_service", 1.0), ("community_safety", 1.0), ("housing", 1.0),
                  ("licensing", 0.5), ("voluntary", 1.0)),
        vehicle_share=0.03,
        notes=("Concern reported; no further detail.",
               "Seen out late with unknown associates.",
               "Returned from missing and would not say where.",
               "School reports a change in behaviour.",
               "Seen in the area with older peers."),
    ),
}  # fmt: skip

_NOTE_TEXTS: Final[tuple[str, ...]] = tuple(
    note for profile in PROFILES.values() for note in profile.notes
)
_INDICATOR_COUNT_P: Final[tuple[float, ...]] = (0.35, 0.35, 0.2, 0.1)  # 1, 2, 3 or 4 codes
_NOTE_SHARE: Final[float] = 0.7
_BACKGROUND_SECONDARY: Final[float] = 0.1
_BACKGROUND_PREMISES_SHARE: Final[float] = 0.05
_BACKGROUND_AREA_UNKNOWN: Final[float] = 0.02
_CROSS_LINK_SHARE: Final[float] = 0.1  # background links to young people of planted patterns
_EXPECTED_DROP: Final[float] = 0.6  # share of the disrupted hotspot's sightings that stop
_DISPLACED_SHARE: Final[float] = 0.4  # share of the stopped sightings that move next door


# ---------------------------------------------------------------------------------------------
# Calendar and places


def _add_months(day: date, count: int) -> date:
    years, month0 = divmod(day.month - 1 + count, 12)
    year = day.year + years
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


@dataclass(frozen=True)
class _Calendar:
    """The period as days: which month and weekday each day is."""

    start: date
    months: int
    month_starts: tuple[date, ...]  # months + 1 boundaries
    month_first_day: np.ndarray  # day offset of each boundary
    day_month: np.ndarray
    day_dow: np.ndarray

    @classmethod
    def build(cls, start: date, months: int) -> _Calendar:
        starts = tuple(_add_months(start, k) for k in range(months + 1))
        first_day = np.array([(s - start).days for s in starts], dtype=np.int64)
        days = int(first_day[-1])
        day_month = np.repeat(np.arange(months), np.diff(first_day))
        dow = (start.weekday() + np.arange(days)) % 7
        return cls(start, months, starts, first_day, day_month, dow)

    @property
    def days(self) -> int:
        return int(self.month_first_day[-1])

    def label(self, month: int) -> str:
        return self.month_starts[month].strftime("%Y-%m")


@dataclass(frozen=True)
class _World:
    """Places of the gazetteer in British National Grid metres, the calendar and projections."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    codes: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    sigma: np.ndarray
    cal: _Calendar
    to_bng: Transformer
    to_wgs: Transformer

    @classmethod
    def build(cls, gazetteer: pd.DataFrame, cal: _Calendar) -> _World:
        to_bng = Transformer.from_crs(CRS_WGS84, CRS_BNG, always_xy=True)
        to_wgs = Transformer.from_crs(CRS_BNG, CRS_WGS84, always_xy=True)
        areas = area_codes(gazetteer)
        lon = areas["lon"].to_numpy(dtype=float)
        lat = areas["lat"].to_numpy(dtype=float)
        x, y = to_bng.transform(lon, lat)
        kinds = tuple(str(kind) for kind in areas["kind"])
        return cls(
            names=tuple(str(name) for name in areas["name"]),
            kinds=kinds,
            codes=tuple(areas["code"]),
            lon=lon,
            lat=lat,
            x=np.asarray(x, dtype=float),
            y=np.asarray(y, dtype=float),
            weight=np.array([_KIND_WEIGHT.get(kind, 0.6) for kind in kinds]),
            sigma=np.array([_KIND_SIGMA_M.get(kind, 500.0) for kind in kinds]),
            cal=cal,
            to_bng=to_bng,
            to_wgs=to_wgs,
        )

    def place(self, name: str) -> int:
        return self.names.index(name)

    def lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self.to_wgs.transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether BNG points fall inside Bolton's box, less a small inset."""
        lon, lat = self.lonlat(x, y)
        west, south, east, north = BOLTON_BOUNDS
        return (
            (lon > west + _INSET_DEG)
            & (lon < east - _INSET_DEG)
            & (lat > south + _INSET_DEG)
            & (lat < north - _INSET_DEG)
        )

    def nearest_area(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the nearest gazetteer place for each point (one pass per place)."""
        best = np.full(len(x), np.inf)
        nearest = np.zeros(len(x), dtype=np.int32)
        for index in range(len(self.names)):
            distance = (x - self.x[index]) ** 2 + (y - self.y[index]) ** 2
            closer = distance < best
            best[closer] = distance[closer]
            nearest[closer] = index
        return nearest


def _check_arguments(sightings: int, months: int, gazetteer: pd.DataFrame) -> None:
    if not MIN_SIGHTINGS <= sightings <= MAX_SIGHTINGS:
        raise ValueError(
            f"sightings={sightings}: expected between {MIN_SIGHTINGS:,} and {MAX_SIGHTINGS:,}"
        )
    if not 6 <= months <= 240:
        raise ValueError(f"months={months}: expected between 6 and 240")
    missing_columns = {"name", "kind", "lat", "lon"} - set(gazetteer.columns)
    if missing_columns:
        raise ValueError(f"gazetteer: missing columns {sorted(missing_columns)}")
    names = set(gazetteer["name"])
    missing = [name for name in ON_STREET_HOTSPOTS if name not in names]
    if missing:
        raise ValueError(f"gazetteer: no place named {missing}; the on-street hotspots need them")
    if len(names - set(ON_STREET_HOTSPOTS)) < 4:
        raise ValueError("gazetteer: needs at least four places besides the on-street hotspots")
    west, south, east, north = BOLTON_BOUNDS
    inside = gazetteer["lon"].between(west, east) & gazetteer["lat"].between(south, north)
    if not inside.all():
        outside = gazetteer.loc[~inside, "name"].tolist()
        raise ValueError(f"gazetteer: places outside Bolton's box {BOLTON_BOUNDS}: {outside}")


# ---------------------------------------------------------------------------------------------
# The plan: which patterns, where, how many sightings, which young people and vehicles


@dataclass
class _Pattern:
    pattern_id: str
    kind: str
    name: str
    profile: str
    x: float
    y: float
    radius_m: float
    sigma_m: float
    count: int
    month_weights: np.ndarray
    premises: int = -1  # index into the plan's premises
    area: int = -1  # index of the gazetteer place it belongs to
    pool: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    vehicles: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    trend: str = "stable"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    patterns: list[_Pattern]
    premises_category: list[str]
    premises_x: list[float]
    premises_y: list[float]
    background_count: int
    vehicle_count: int = 0


def _share(total: int, fraction: float, floor: int) -> int:
    return max(floor, round(total * fraction))


def _month_counts(rng: np.random.Generator, total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` over the months in proportion to `weights`, with multinomial noise."""
    return rng.multinomial(total, weights / weights.sum())


def _disruption_start(months: int) -> int:
    """The disruption starts two thirds of the way through the period."""
    return months * 2 // 3


def _window_trend(months: int, first: int, last: int) -> str:
    """How a pattern active only from `first` to `last` looks over the whole period."""
    if last < months - 1:
        return "ended"
    return "new" if first > 0 else "stable"


def _window(months: int, first: int, last: int) -> np.ndarray:
    weights = np.zeros(months)
    weights[first : last + 1] = 1.0
    return weights


class _Planner:
    """Places the planted patterns apart from one another and sizes them to the total."""

    MIN_SEPARATION_M: Final[float] = 500.0

    def __init__(self, rng: np.random.Generator, world: _World) -> None:
        self.rng = rng
        self.world = world
        self.taken: list[tuple[float, float]] = []
        self.premises: list[tuple[str, float, float]] = []

    def plan(self, total: int, plant_disruption: bool) -> _Plan:
        patterns = self._on_street(total, plant_disruption)
        if plant_disruption:
            patterns.append(
                self._displacement(patterns[ON_STREET_HOTSPOTS.index(DISRUPTED_HOTSPOT)])
            )
        patterns += self._internet(total)
        patterns += self._group(total)
        patterns += self._addresses(total)
        background = total - sum(p.count for p in patterns)
        return _Plan(
            patterns=patterns,
            premises_category=[category for category, _, _ in self.premises],
            premises_x=[x for _, x, _ in self.premises],
            premises_y=[y for _, _, y in self.premises],
            background_count=background,
        )

    # -- placing

    def _free_site(
        self, anchor: tuple[float, float], near: tuple[float, float], separation: float
    ) -> tuple[float, float]:
        for _ in range(2000):
            distance = self.rng.uniform(*near)
            angle = self.rng.uniform(0.0, 2 * math.pi)
            x = anchor[0] + distance * math.cos(angle)
            y = anchor[1] + distance * math.sin(angle)
            apart = all(math.dist((x, y), site) >= separation for site in self.taken)
            if apart and self.world.inside(np.array([x]), np.array([y]))[0]:
                self.taken.append((x, y))
                return x, y
        raise RuntimeError("could not place a planted pattern apart from the others")

    def _anchor(self, exclude: set[str]) -> tuple[float, float]:
        world = self.world
        allowed = np.array([name not in exclude for name in world.names])
        weights = world.weight * allowed
        index = int(self.rng.choice(len(world.names), p=weights / weights.sum()))
        return float(world.x[index]), float(world.y[index])

    def _add_premises(self, category: str, site: tuple[float, float]) -> int:
        self.premises.append((category, site[0], site[1]))
        return len(self.premises) - 1

    # -- patterns

    def _on_street(self, total: int, plant_disruption: bool) -> list[_Pattern]:
        months = self.world.cal.months
        fractions = {"Deane": 0.075, "Daubhill": 0.075, "Halliwell": 0.065}
        patterns = []
        for name in ON_STREET_HOTSPOTS:
            area = self.world.place(name)
            anchor = (float(self.world.x[area]), float(self.world.y[area]))
            site = self._free_site(anchor, (0.0, 100.0), self.MIN_SEPARATION_M)
            weights, trend = np.ones(months), "stable"
            if name == "Halliwell":
                weights, trend = np.linspace(0.6, 1.4, months), "intensifying"
            if name == DISRUPTED_HOTSPOT and plant_disruption:
                before = np.arange(months) < _disruption_start(months)
                weights, trend = np.where(before, 1.0, 1.0 - _EXPECTED_DROP), "disrupted"
            patterns.append(_Pattern(
                pattern_id=f"on-street-{name.lower()}", kind="on_street_hotspot", name=name,
                profile="on_street", x=site[0], y=site[1], radius_m=200.0, sigma_m=80.0,
                count=_share(total, fractions[name], 50), month_weights=weights, area=area,
                trend=trend,
            ))  # fmt: skip
        return patterns

    def _displacement(self, target: _Pattern) -> _Pattern:
        """Where part of the disrupted hotspot's activity moves, 650-850 m away."""
        months = self.world.cal.months
        start = _disruption_start(months)
        others = [site for site in self.taken if site != (target.x, target.y)]
        saved, self.taken = self.taken, others
        site = self._free_site((target.x, target.y), (650.0, 850.0), 900.0)
        self.taken = [*saved, site]
        rate_before = target.count / target.month_weights.sum()
        lost = _EXPECTED_DROP * rate_before * (months - start)
        count = max(8, round(_DISPLACED_SHARE * lost))
        return _Pattern(
            pattern_id=f"disruption-{target.name.lower()}", kind="disruption", name=target.name,
            profile="on_street", x=site[0], y=site[1], radius_m=200.0, sigma_m=80.0,
            count=count, month_weights=_window(months, start, months - 1), trend="displaced",
            extra={"target_id": target.pattern_id, "start_month": start,
                   "expected_drop": _EXPECTED_DROP, "displaced_share": _DISPLACED_SHARE,
                   "distance_m": round(math.dist(site, (target.x, target.y)), 1)},
        )  # fmt: skip

    def _internet(self, total: int) -> list[_Pattern]:
        """Internet/mobile contact known only to an area: the point is the place itself."""
        world = self.world
        candidates = [
            index for index, name in enumerate(world.names)
            if world.kinds[index] != "centre"
            and all(math.dist((world.x[index], world.y[index]), s) >= 800 for s in self.taken)
        ]  # fmt: skip
        weights = world.weight[candidates] / world.weight[candidates].sum()
        chosen = self.rng.choice(candidates, size=min(4, len(candidates)), replace=False, p=weights)
        months = world.cal.months
        patterns = []
        for area in sorted(int(index) for index in chosen):
            site = (float(world.x[area]), float(world.y[area]))
            self.taken.append(site)
            patterns.append(_Pattern(
                pattern_id=f"internet-{_slug(world.names[area])}", kind="internet_area",
                name=world.names[area], profile="internet", x=site[0], y=site[1],
                radius_m=0.0, sigma_m=0.0, count=_share(total, 0.018, 18),
                month_weights=np.linspace(0.8, 1.2, months), area=area, trend="rising",
            ))  # fmt: skip
        return patterns

    def _group(self, total: int) -> list[_Pattern]:
        """Three group-offender rings: first contact at premises, then a hotel at night."""
        months = self.world.cal.months
        windows = [(0, months - 1), (months // 6, months - 1), (0, months * 5 // 6)]
        exclude = set(ON_STREET_HOTSPOTS)
        hotels = []
        for ring, (first, last) in enumerate(windows):
            anchor = (self._town_centre() if ring == 0 else None) or self._anchor(exclude)
            site = self._free_site(anchor, (150.0, 700.0), self.MIN_SEPARATION_M)
            hotels.append(_Pattern(
                pattern_id=f"group-hotel-{ring + 1}", kind="group_hotel", name="",
                profile="group_hotel", x=site[0], y=site[1], radius_m=25.0, sigma_m=12.0,
                count=_share(total, 0.022, 22), month_weights=_window(months, first, last),
                premises=self._add_premises("hotel", site), extra={"ring": ring + 1},
                trend=_window_trend(months, first, last),
            ))  # fmt: skip
        contacts = []
        for number, category in enumerate(("takeaway", "park", "taxi_office", "takeaway", "park")):
            ring = number % 3
            site = self._free_site(self._anchor(exclude), (150.0, 700.0), self.MIN_SEPARATION_M)
            radius = 80.0 if category == "park" else 25.0
            contacts.append(_Pattern(
                pattern_id=f"group-contact-{number + 1}", kind="group_first_contact", name="",
                profile="group_contact", x=site[0], y=site[1], radius_m=radius,
                sigma_m=radius / 2, count=_share(total, 0.008, 12),
                month_weights=hotels[ring].month_weights, trend=hotels[ring].trend,
                premises=self._add_premises(category, site),
                extra={"ring": ring + 1, "route_to": hotels[ring].pattern_id},
            ))  # fmt: skip
        return contacts + hotels

    def _town_centre(self) -> tuple[float, float] | None:
        for index, kind in enumerate(self.world.kinds):
            if kind == "centre":
                return float(self.world.x[index]), float(self.world.y[index])
        return None

    def _addresses(self, total: int) -> list[_Pattern]:
        """Party addresses (many young people) and risky addresses (few, seen repeatedly)."""
        months = self.world.cal.months
        party_windows = [(0, months - 1), (months // 3, months - 1), (0, months // 2)]
        specs = [("party", f"party-{i + 1}", "party_address", w, 0.015, 15)
                 for i, w in enumerate(party_windows)]  # fmt: skip
        for i, profile in enumerate(("boyfriend", "boyfriend", "lone", "lone")):
            first = int(self.rng.integers(0, months // 3))
            last = int(self.rng.integers(first + months // 2, months))
            number = i % 2 + 1
            specs.append((profile, f"risky-{profile}-{number}", "risky_address", (first, last),
                          0.008, 12))  # fmt: skip
        patterns = []
        for profile, pattern_id, kind, (first, last), fraction, floor in specs:
            anchor = self._anchor(set(ON_STREET_HOTSPOTS))
            site = self._free_site(anchor, (200.0, 900.0), self.MIN_SEPARATION_M)
            patterns.append(_Pattern(
                pattern_id=pattern_id, kind=kind, name="", profile=profile, x=site[0], y=site[1],
                radius_m=25.0, sigma_m=12.0, count=_share(total, fraction, floor),
                month_weights=_window(months, first, last),
                premises=self._add_premises("residential", site),
                trend=_window_trend(months, first, last),
            ))  # fmt: skip
        return patterns


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


# ---------------------------------------------------------------------------------------------
# Young people: pools per pattern; attributes are drawn later


@dataclass(frozen=True)
class _People:
    count: int
    model_mask: np.ndarray  # grooming models each young person is involved in
    planted: np.ndarray  # bool: belongs to a planted pattern's pool
    home_area: np.ndarray  # area index hint, -1 for none
    background_pool: np.ndarray


def _pool_size(pattern: _Pattern, ring_counts: dict[int, int]) -> int:
    count = pattern.count
    if pattern.profile in ("boyfriend", "lone"):
        return int(np.clip(round(count / 60), 2, 6))
    sizes = {"on_street": max(12, round(count / 40)), "party": max(8, round(count / 15)),
             "internet": max(5, round(count / 8))}  # fmt: skip
    if pattern.profile in sizes:
        return sizes[pattern.profile]
    return max(8, round(ring_counts[pattern.extra["ring"]] / 30))


def _allocate_people(plan: _Plan) -> _People:
    """Give every planted pattern its pool of young people, and size the background pool."""
    ring_counts: dict[int, int] = {}
    for pattern in plan.patterns:
        if "ring" in pattern.extra:
            ring = pattern.extra["ring"]
            ring_counts[ring] = ring_counts.get(ring, 0) + pattern.count
    offset, rings, masks, homes = 0, {}, [], []
    by_id = {pattern.pattern_id: pattern for pattern in plan.patterns}
    for pattern in plan.patterns:
        if pattern.kind == "disruption":
            pattern.pool = by_id[pattern.extra["target_id"]].pool
            continue
        ring = pattern.extra.get("ring")
        if ring in rings:
            pattern.pool = rings[ring]
        else:
            size = _pool_size(pattern, ring_counts)
            pattern.pool = np.arange(offset, offset + size)
            offset += size
            if ring is not None:
                rings[ring] = pattern.pool
        masks.append((pattern.pool, _profile_mask(PROFILES[pattern.profile])))
        homes.append((pattern.pool, pattern.area))
    background = PROFILES["background"]
    expected_links = plan.background_count * float(np.dot(background.people, np.arange(4)))
    background_size = max(50, round(expected_links * (1 - _CROSS_LINK_SHARE) * 0.7))
    pool = np.arange(offset, offset + background_size)
    count = offset + background_size
    model_mask = np.zeros(count, dtype=np.int16)
    home_area = np.full(count, -1, dtype=np.int32)
    for members, mask in masks:
        model_mask[members] |= mask
    for members, area in homes:
        home_area[members] = area
    planted = np.arange(count) < offset
    return _People(count, model_mask, planted, home_area, pool)


def _profile_mask(profile: _Profile) -> int:
    mask = 0
    for code, _ in profile.primary + profile.secondary:
        mask |= 1 << _MODEL_CODES.index(code)
    return mask


# ---------------------------------------------------------------------------------------------
# Sightings: one batch of numeric columns per pattern, merged and turned into text at the end


@dataclass
class _Batch:
    x: np.ndarray
    y: np.ndarray
    minute: np.ndarray  # minutes since the start of the period
    precision: np.ndarray
    models: np.ndarray  # bit mask over _MODEL_CODES
    indicators: np.ndarray  # bit mask over _INDICATOR_CODES
    agency: np.ndarray
    note: np.ndarray  # index into _NOTE_TEXTS, -1 for none
    vehicle: np.ndarray  # vehicle index, -1 for none
    premises: np.ndarray  # index into the plan's premises, -1 for none
    pattern: np.ndarray
    link_sighting: np.ndarray  # local row of each link
    link_person: np.ndarray


def _weights(
    pairs: tuple[tuple[str, float], ...], codes: tuple[str, ...], rest: float
) -> np.ndarray:
    weights = np.full(len(codes), rest)
    for code, weight in pairs:
        weights[codes.index(code)] = weight
    return weights / weights.sum()


def _draw_minutes(
    rng: np.random.Generator, cal: _Calendar, month_counts: np.ndarray, profile: _Profile
) -> np.ndarray:
    """Times with the profile's weekday and hour shape, exactly `month_counts` in each month."""
    month = np.repeat(np.arange(cal.months), month_counts)
    size = len(month)
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(profile.days)[cal.day_dow])])
    first, after = cal.month_first_day[month], cal.month_first_day[month + 1]
    low, high = cumulative[first], cumulative[after]
    day = np.searchsorted(cumulative, low + rng.random(size) * (high - low), side="right") - 1
    day = np.clip(day, first, after - 1)
    hours = np.asarray(profile.hours)
    hour = rng.choice(24, size=size, p=hours / hours.sum())
    # A small-hours sighting belongs to the night before: move it to the next day in the month.
    following = np.minimum(day + 1, cal.days - 1)
    day = day + ((hour < 6) & (following > day) & (cal.day_month[following] == month))
    return day * 1440 + hour * 60 + rng.integers(0, 60, size=size)


def _disc(
    rng: np.random.Generator, size: int, centre: tuple[float, float], radius: float, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Points around a centre, densest in the middle and never beyond `radius` (a truncated
    Rayleigh distance: a Gaussian cut at the radius)."""
    if radius <= 0:
        return np.full(size, centre[0]), np.full(size, centre[1])
    cap = 1.0 - math.exp(-(radius**2) / (2 * sigma**2))
    distance = sigma * np.sqrt(-2.0 * np.log1p(-rng.random(size) * cap))
    distance = np.minimum(distance, radius * 0.999)
    angle = rng.random(size) * 2 * math.pi
    return centre[0] + distance * np.cos(angle), centre[1] + distance * np.sin(angle)


def _pick_codes(rng: np.random.Generator, size: int, weights: np.ndarray) -> np.ndarray:
    """1-4 distinct codes per row as a bit mask, drawn by weight without replacement
    (Gumbel top-k: the k largest of log-weight plus Gumbel noise)."""
    count = rng.choice(4, size=size, p=_INDICATOR_COUNT_P) + 1
    masks = np.empty(size, dtype=np.int32)
    log_weights = np.log(weights)
    take = np.arange(4)
    for low in range(0, size, _CHUNK):
        high = min(size, low + _CHUNK)
        keys = log_weights + rng.gumbel(size=(high - low, len(weights)))
        top = np.argsort(-keys, axis=1)[:, :4]
        bits = np.left_shift(1, top) * (take < count[low:high, None])
        masks[low:high] = bits.sum(axis=1)
    return masks


def _pick_models(rng: np.random.Generator, size: int, profile: _Profile) -> np.ndarray:
    primary = _weights(profile.primary, _MODEL_CODES, 0.0)
    masks = np.left_shift(1, rng.choice(len(_MODEL_CODES), size=size, p=primary))
    for code, chance in profile.secondary:
        masks |= (rng.random(size) < chance) * (1 << _MODEL_CODES.index(code))
    return masks.astype(np.int16)


def _pick_notes(rng: np.random.Generator, size: int, profile: _Profile) -> np.ndarray:
    first = _NOTE_TEXTS.index(profile.notes[0])
    notes = first + rng.integers(0, len(profile.notes), size=size)
    return np.where(rng.random(size) < _NOTE_SHARE, notes, -1).astype(np.int16)


def _zipf(rng: np.random.Generator, items: np.ndarray, size: int, exponent: float) -> np.ndarray:
    """Draw from `items`, the first ones far more often (a few regulars, many occasional)."""
    weights = 1.0 / np.arange(1, len(items) + 1) ** exponent
    return items[rng.choice(len(items), size=size, p=weights / weights.sum())]


def _pick_vehicles(rng: np.random.Generator, size: int, pattern: _Pattern) -> np.ndarray:
    share = PROFILES[pattern.profile].vehicle_share
    if len(pattern.vehicles) == 0 or share == 0:
        return np.full(size, -1, dtype=np.int32)
    vehicles = _zipf(rng, pattern.vehicles, size, 1.0)
    return np.where(rng.random(size) < share, vehicles, -1).astype(np.int32)


def _link_people(
    rng: np.random.Generator, size: int, pool: np.ndarray, profile: _Profile
) -> tuple[np.ndarray, np.ndarray]:
    """0-3 young people per sighting from the pattern's pool; everyone in it is seen at least
    once (when there are links enough), some far more often than others."""
    per_sighting = rng.choice(4, size=size, p=profile.people)
    sighting = np.repeat(np.arange(size), per_sighting)
    person = _zipf(rng, rng.permutation(pool), len(sighting), 0.8)
    cover = min(len(pool), len(sighting))
    person[rng.choice(len(sighting), size=cover, replace=False)] = rng.permutation(pool)[:cover]
    return sighting, person


def _common_columns(
    rng: np.random.Generator, size: int, profile: _Profile, pattern_index: int
) -> dict[str, np.ndarray]:
    precision = rng.choice(len(PRECISIONS), size=size, p=profile.precision).astype(np.int8)
    return {
        "precision": precision,
        "models": _pick_models(rng, size, profile),
        "indicators": _pick_codes(rng, size, _weights(profile.indicators, _INDICATOR_CODES, 0.05)),
        "agency": rng.choice(len(AGENCIES), size=size, p=_weights(profile.agencies, AGENCIES, 0.3))
        .astype(np.int8),
        "note": _pick_notes(rng, size, profile),
        "pattern": np.full(size, pattern_index, dtype=np.int16),
    }  # fmt: skip


def _pattern_batch(rng: np.random.Generator, world: _World, plan: _Plan, index: int) -> _Batch:
    pattern = plan.patterns[index]
    profile = PROFILES[pattern.profile]
    month_counts = _month_counts(rng, pattern.count, pattern.month_weights)
    size = pattern.count
    x, y = _disc(rng, size, (pattern.x, pattern.y), pattern.radius_m, pattern.sigma_m)
    link_sighting, link_person = _link_people(rng, size, pattern.pool, profile)
    return _Batch(
        x=x,
        y=y,
        minute=_draw_minutes(rng, world.cal, month_counts, profile),
        vehicle=_pick_vehicles(rng, size, pattern),
        premises=np.full(size, pattern.premises, dtype=np.int32),
        link_sighting=link_sighting,
        link_person=link_person,
        **_common_columns(rng, size, profile, index),
    )


def _background_points(
    rng: np.random.Generator, world: _World, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Half spread over the whole box, half around places weighted by population; redrawn
    until every point lies inside Bolton's box."""
    x, y = np.empty(size), np.empty(size)
    todo = np.arange(size)
    while len(todo):
        around = rng.random(len(todo)) < 0.5
        place = rng.choice(len(world.names), size=len(todo), p=world.weight / world.weight.sum())
        west, south, east, north = BOLTON_BOUNDS
        lon = rng.uniform(west + _INSET_DEG, east - _INSET_DEG, size=len(todo))
        lat = rng.uniform(south + _INSET_DEG, north - _INSET_DEG, size=len(todo))
        ux, uy = world.to_bng.transform(lon, lat)
        sigma = world.sigma[place]
        x[todo] = np.where(around, world.x[place] + rng.normal(size=len(todo)) * sigma, ux)
        y[todo] = np.where(around, world.y[place] + rng.normal(size=len(todo)) * sigma, uy)
        todo = todo[~world.inside(x[todo], y[todo])]
    return x, y


def _background_premises(
    rng: np.random.Generator, world: _World, plan: _Plan, linked: int
) -> np.ndarray:
    """Ordinary premises across Bolton (a few sightings each); returns their plan indices."""
    count = int(np.clip(round(linked / 3), 60, 3000))
    x, y = _background_points(rng, world, count)
    categories = ("takeaway", "other", "residential", "taxi_office", "park", "hotel", "shisha_bar")
    chance = np.array([0.3, 0.25, 0.15, 0.1, 0.1, 0.05, 0.05])
    drawn = rng.choice(len(categories), size=count, p=chance)
    first = len(plan.premises_category)
    plan.premises_category += [categories[i] for i in drawn]
    plan.premises_x += x.tolist()
    plan.premises_y += y.tolist()
    return np.arange(first, first + count)


def _background_batch(
    rng: np.random.Generator, world: _World, plan: _Plan, people: _People
) -> _Batch:
    """Diffuse noise: mixed models and indicators, few repeat people, no dense clusters."""
    size = plan.background_count
    profile = PROFILES["background"]
    x, y = _background_points(rng, world, size)
    at_premises = np.flatnonzero(rng.random(size) < _BACKGROUND_PREMISES_SHARE)
    venues = _background_premises(rng, world, plan, len(at_premises))
    premises = np.full(size, -1, dtype=np.int32)
    premises[at_premises] = rng.choice(venues, size=len(at_premises))
    px = np.asarray(plan.premises_x)[premises[at_premises]]
    py = np.asarray(plan.premises_y)[premises[at_premises]]
    x[at_premises], y[at_premises] = _disc(rng, len(at_premises), (0.0, 0.0), 20.0, 10.0)
    x[at_premises] += px
    y[at_premises] += py
    columns = _common_columns(rng, size, profile, len(plan.patterns))
    columns["models"] |= _background_secondary(rng, size)
    columns["precision"][at_premises] = PRECISIONS.index("exact")
    link_sighting, link_person = _background_links(rng, size, profile, people)
    return _Batch(
        x=x,
        y=y,
        minute=_draw_minutes(
            rng, world.cal, _month_counts(rng, size, _seasons(world.cal)), profile
        ),
        vehicle=_background_vehicles(rng, size, plan, profile.vehicle_share),
        premises=premises,
        link_sighting=link_sighting,
        link_person=link_person,
        **columns,
    )


def _seasons(cal: _Calendar) -> np.ndarray:
    """A mild summer rise in background reports."""
    month_of_year = np.array([start.month for start in cal.month_starts[:-1]])
    return 1.0 + 0.15 * np.sin(2 * math.pi * (month_of_year - 4) / 12)


def _background_secondary(rng: np.random.Generator, size: int) -> np.ndarray:
    second = np.left_shift(1, rng.integers(0, len(_MODEL_CODES), size=size))
    return (second * (rng.random(size) < _BACKGROUND_SECONDARY)).astype(np.int16)


def _background_vehicles(
    rng: np.random.Generator, size: int, plan: _Plan, share: float
) -> np.ndarray:
    """Vehicles seen once or twice, each its own token."""
    with_vehicle = rng.random(size) < share
    count = int(with_vehicle.sum())
    vehicles = np.full(size, -1, dtype=np.int32)
    vehicles[with_vehicle] = plan.vehicle_count + rng.integers(0, max(count, 1), size=count)
    plan.vehicle_count += max(count, 1)
    return vehicles


def _background_links(
    rng: np.random.Generator, size: int, profile: _Profile, people: _People
) -> tuple[np.ndarray, np.ndarray]:
    per_sighting = rng.choice(4, size=size, p=profile.people)
    sighting = np.repeat(np.arange(size), per_sighting)
    person = rng.choice(people.background_pool, size=len(sighting))
    planted = np.flatnonzero(people.planted)
    cross = rng.random(len(sighting)) < _CROSS_LINK_SHARE
    person[cross] = rng.choice(planted, size=int(cross.sum()))
    return sighting, person


def _assign_vehicles(plan: _Plan) -> None:
    """Recurring vehicles per planted pattern; two Deane cars are also seen at Daubhill."""
    by_id = {pattern.pattern_id: pattern for pattern in plan.patterns}
    rings: dict[int, np.ndarray] = {}
    for pattern in plan.patterns:
        profile = pattern.profile
        if pattern.kind == "disruption":  # the displaced cars are the target's; set below
            continue
        if "ring" in pattern.extra and pattern.extra["ring"] in rings:
            pattern.vehicles = rings[pattern.extra["ring"]]
            continue
        sizes = {"on_street": int(np.clip(round(pattern.count / 150), 3, 40)),
                 "party": int(np.clip(round(pattern.count / 80), 1, 8)),
                 "boyfriend": 1, "lone": 1, "internet": 0}  # fmt: skip
        size = sizes.get(profile, int(np.clip(round(pattern.count / 100), 2, 15)))
        pattern.vehicles = np.arange(plan.vehicle_count, plan.vehicle_count + size)
        plan.vehicle_count += size
        if "ring" in pattern.extra:
            rings[pattern.extra["ring"]] = pattern.vehicles
    deane, daubhill = by_id["on-street-deane"], by_id["on-street-daubhill"]
    daubhill.vehicles = np.concatenate([daubhill.vehicles, deane.vehicles[:2]])
    for pattern in plan.patterns:
        if pattern.kind == "disruption":
            pattern.vehicles = by_id[pattern.extra["target_id"]].vehicles


@dataclass(frozen=True)
class _Merged:
    """All sightings in time order, with numeric columns, and their links."""

    columns: dict[str, np.ndarray]
    link_sighting: np.ndarray
    link_person: np.ndarray


def _merge(batches: list[_Batch]) -> _Merged:
    names = ("x", "y", "minute", "precision", "models", "indicators", "agency", "note",
             "vehicle", "premises", "pattern")  # fmt: skip
    columns = {name: np.concatenate([getattr(b, name) for b in batches]) for name in names}
    offsets = np.cumsum([0] + [len(b.x) for b in batches[:-1]])
    sighting = np.concatenate([b.link_sighting + o for b, o in zip(batches, offsets, strict=True)])
    person = np.concatenate([b.link_person for b in batches])
    order = np.argsort(columns["minute"], kind="stable")
    columns = {name: values[order] for name, values in columns.items()}
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    # One key per (sighting, young person): duplicates within a sighting go, order is by row.
    base = int(person.max()) + 1
    keys = np.unique(position[sighting].astype(np.int64) * base + person)
    return _Merged(columns, keys // base, keys % base)


# ---------------------------------------------------------------------------------------------
# Frames: codes and indices become the text the loader stores


def _mask_labels(masks: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    unique, inverse = np.unique(masks, return_inverse=True)
    labels = [
        join_codes([c for bit, c in enumerate(codes) if m >> bit & 1]) for m in unique.tolist()
    ]
    return np.array(labels, dtype=object)[inverse]


def _lookup(values: tuple[str, ...] | list[str], index: np.ndarray) -> np.ndarray:
    """Text for each index; None where the index is -1."""
    table = np.array([*values, None], dtype=object)
    return table[np.where(index < 0, len(values), index)]


def _nullable(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object)


def _text(values: np.ndarray | list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


def _unique_ints(rng: np.random.Generator, count: int, high: int) -> np.ndarray:
    values = np.empty(0, dtype=np.uint64)
    while len(values) < count:
        more = rng.integers(0, high, size=count - len(values) + 16, dtype=np.uint64)
        values = pd.unique(np.concatenate([values, more]))
    return values[:count]


def _vehicle_tokens(rng: np.random.Generator, count: int) -> list[str]:
    """Stand-ins for keyed hashes of number plates: 16 hex characters, one per vehicle."""
    return [f"{int(v):016x}" for v in _unique_ints(rng, count, 2**64 - 1)]


_PREMISES_WORDS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "takeaway": (("Golden", "Royal", "Lucky", "Star", "Happy", "Crown", "Eastern", "Village",
                  "Corner", "Sunrise", "Silver", "Jade", "Empire", "Olive", "Spice Route"),
                 ("Fry", "Grill", "Pizza", "Kebab", "Chippy", "Wok", "Chicken", "Burger",
                  "Garden", "Dragon"),
                 ("Takeaway", "House", "Express", "Kitchen")),
    "hotel": (("Station", "Parkside", "Mill", "Moorside", "Riverside", "Victoria", "Central",
               "Kingsway", "Westfield", "Oakwood", "Valley", "Bridge"),
              ("Lodge", "Court", "House", "Inn", "Rooms"), ("Hotel",)),
    "taxi_office": (("A1", "Fast", "Reliable", "Town", "Express", "Star", "Moor", "Blue Line",
                     "Premier", "City", "Swift", "Night Owl"),
                    ("Cars", "Taxis", "Private Hire")),
    "park": (("Willow", "Beech", "Cherry", "Hollin", "Brook", "Meadow", "Ash", "Heather",
              "Clough", "Laurel", "Rowan", "Hawthorn"),
             ("Park", "Fields", "Recreation Ground", "Playing Fields", "Gardens")),
    "shisha_bar": (("Cloud", "Mirage", "Oasis", "Velvet", "Amber", "Sapphire", "Desert Rose",
                    "Cedar"), ("Shisha Lounge", "Lounge", "Shisha Bar")),
    "other": (("Corner", "Central", "Moor", "Valley", "Bridge", "Parade", "Market", "Canal"),
              ("Snooker Club", "Convenience Store", "Car Wash", "Amusements", "Vape Shop",
               "Barbers", "Gym")),
}  # fmt: skip


def _premises_names(rng: np.random.Generator, categories: list[str]) -> list[str]:
    """Made-up business names, unique within each category while the word lists last."""
    names = [""] * len(categories)
    for category in sorted(set(categories)):
        rows = [row for row, c in enumerate(categories) if c == category]
        if category == "residential":
            for number, row in enumerate(rows, start=1):
                names[row] = f"Residential address {number:03d}"
            continue
        words = _PREMISES_WORDS[category]
        combos = [" ".join(parts) for parts in _product(words)]
        order = rng.permutation(len(combos))
        for number, row in enumerate(rows):
            repeat = number // len(combos)
            suffix = f" ({repeat + 1})" if repeat else ""
            names[row] = combos[order[number % len(combos)]] + suffix
    return names


def _product(words: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for options in words:
        combos = [(*combo, option) for combo in combos for option in options]
    return combos


@dataclass(frozen=True)
class _Frames:
    people: pd.DataFrame
    premises: pd.DataFrame
    sightings: pd.DataFrame
    sighting_people: pd.DataFrame
    premises_refs: np.ndarray  # plan premises index -> ref
    vehicle_tokens: list[str]
    pseudonyms: np.ndarray  # person index -> pseudonym

    @classmethod
    def build(
        cls,
        rng: np.random.Generator,
        world: _World,
        plan: _Plan,
        people: _People,
        merged: _Merged,
    ) -> _Frames:
        premises, refs = _premises_frame(rng, world, plan)
        pseudonyms = np.array(
            [f"YP-{int(v):06X}" for v in _unique_ints(rng, people.count, 16**6)], dtype=object
        )
        tokens = _vehicle_tokens(rng, plan.vehicle_count)
        sightings = _sightings_frame(rng, world, plan, merged, refs, tokens)
        links = pd.DataFrame({
            "source_ref": _text(sightings["source_ref"].to_numpy()[merged.link_sighting]),
            "pseudonym": _text(pseudonyms[merged.link_person]),
        })  # fmt: skip
        return cls(
            people=_people_frame(rng, world, people, pseudonyms),
            premises=premises,
            sightings=sightings,
            sighting_people=links,
            premises_refs=refs,
            vehicle_tokens=tokens,
            pseudonyms=pseudonyms,
        )


def _premises_frame(
    rng: np.random.Generator, world: _World, plan: _Plan
) -> tuple[pd.DataFrame, np.ndarray]:
    """Premises in a shuffled order, so neither reference nor name says which were planted."""
    count = len(plan.premises_category)
    order = rng.permutation(count)  # order[k] is the plan's premises with the k-th reference
    refs = np.empty(count, dtype=object)
    refs[order] = [f"SYN-P-{number:04d}" for number in range(1, count + 1)]
    lon, lat = world.lonlat(np.asarray(plan.premises_x)[order], np.asarray(plan.premises_y)[order])
    categories = [plan.premises_category[index] for index in order]
    licensed = np.isin(categories, ["takeaway", "hotel", "taxi_office", "shisha_bar", "other"])
    numbers = _unique_ints(rng, count, 100_000)
    years = rng.integers(2012, 2023, size=count)
    licences = np.array(
        [f"LIC-{year}-{int(n):05d}" if ok else None
         for year, n, ok in zip(years, numbers, licensed, strict=True)],
        dtype=object,
    )  # fmt: skip
    frame = pd.DataFrame({
        "premises_ref": _text(refs[order]),
        "name": _text(_premises_names(rng, categories)),
        "category": _text(categories),
        "licence_ref": _nullable(licences),
        "lon": lon,
        "lat": lat,
    })  # fmt: skip
    return frame, refs


def _sightings_frame(
    rng: np.random.Generator,
    world: _World,
    plan: _Plan,
    merged: _Merged,
    premises_refs: np.ndarray,
    tokens: list[str],
) -> pd.DataFrame:
    c = merged.columns
    size = len(c["x"])
    lon, lat = world.lonlat(c["x"], c["y"])
    area = world.nearest_area(c["x"], c["y"])
    for index, pattern in enumerate(plan.patterns):
        if pattern.kind == "internet_area":  # the point is the area's own point, exactly
            rows = c["pattern"] == index
            lon[rows], lat[rows] = world.lon[pattern.area], world.lat[pattern.area]
            area[rows] = pattern.area
    unknown = (c["pattern"] == len(plan.patterns)) & (rng.random(size) < _BACKGROUND_AREA_UNKNOWN)
    area[unknown] = -1
    start = np.datetime64(world.cal.start, "m")
    pattern_ids = [p.pattern_id for p in plan.patterns] + ["background"]
    return pd.DataFrame({
        "source_ref": _text([f"SYN-S-{n:07d}" for n in range(1, size + 1)]),
        "seen_at": pd.Series(start + c["minute"].astype("timedelta64[m]")),
        "lon": lon,
        "lat": lat,
        "precision": _text(np.asarray(PRECISIONS, dtype=object)[c["precision"]]),
        "grooming_models": _text(_mask_labels(c["models"], _MODEL_CODES)),
        "indicators": _text(_mask_labels(c["indicators"], _INDICATOR_CODES)),
        "premises_ref": _nullable(_lookup(list(premises_refs), c["premises"])),
        "vehicle_token": _nullable(_lookup(tokens, c["vehicle"])),
        "source_agency": _text(np.asarray(AGENCIES, dtype=object)[c["agency"]]),
        **_gradings(rng, size),
        "note": _nullable(_lookup(_NOTE_TEXTS, c["note"])),
        "area_code": _nullable(_lookup(world.codes, area)),
        "pattern": _text(np.asarray(pattern_ids, dtype=object)[c["pattern"]]),
    })  # fmt: skip


def _gradings(rng: np.random.Generator, size: int) -> dict[str, pd.Series]:
    """The 3x5x2 grading, most often '2', 'B'/'C' and 'P'."""
    pick = {
        "source_evaluation": (SOURCE_EVALUATIONS, (0.3, 0.5, 0.2)),
        "intelligence_assessment": (INTELLIGENCE_ASSESSMENTS, (0.15, 0.35, 0.3, 0.15, 0.05)),
        "handling_code": (HANDLING_CODES, (0.88, 0.12)),
    }
    return {
        column: _text(np.asarray(codes, dtype=object)[rng.choice(len(codes), size=size, p=p)])
        for column, (codes, p) in pick.items()
    }


def _people_frame(
    rng: np.random.Generator, world: _World, people: _People, pseudonyms: np.ndarray
) -> pd.DataFrame:
    """Screening profiles: those in planted patterns are older, score higher, go missing more."""
    n, planted = people.count, people.planted
    ages = np.where(
        planted,
        rng.choice(np.arange(11, 18), size=n, p=[0.03, 0.07, 0.15, 0.25, 0.25, 0.15, 0.1]),
        rng.choice(np.arange(10, 18), size=n, p=[0.06, 0.09, 0.12, 0.15, 0.17, 0.17, 0.13, 0.11]),
    )
    band = np.select([ages <= 12, ages <= 15], ["10-12", "13-15"], "16-17").astype(object)
    score = rng.binomial(SCREENING_ITEMS, np.where(planted, 0.55, 0.28))
    level = np.select([score >= HIGH_FROM, score >= MEDIUM_FROM], ["high", "medium"], "low")
    frame = pd.DataFrame({
        "pseudonym": _text(pseudonyms),
        "birth_year": (_age_reference_year(world.cal) - ages).astype(np.int64),
        "age_band": _text(band),
        "gender": _text(np.asarray(GENDERS, dtype=object)[
            rng.choice(3, size=n, p=[0.78, 0.19, 0.03])]),
        "ethnicity": _nullable(_ethnicities(rng, n)),
        "needs_flags": _text(_mask_labels(_needs(rng, n), NEEDS_FLAGS)),
        "home_area_code": _nullable(_lookup(world.codes, _homes(rng, world, people))),
        "screening_score": score.astype(np.int64),
        "risk_level": _text(level.astype(object)),
        "grooming_models": _text(_mask_labels(_person_models(rng, people), _MODEL_CODES)),
        "mfh_count": rng.poisson(np.where(planted, 2.5, 0.6)).astype(np.int64),
    })  # fmt: skip
    return frame.sort_values("pseudonym", kind="stable").reset_index(drop=True)


def _age_reference_year(cal: _Calendar) -> int:
    """Ages (and so age bands) are as at the middle of the period."""
    return (cal.start + timedelta(days=cal.days // 2)).year


def _ethnicities(rng: np.random.Generator, size: int) -> np.ndarray:
    labels = [label for label, _ in ETHNICITIES]
    chance = np.array([weight for _, weight in ETHNICITIES])
    drawn = rng.choice(len(labels) + 1, size=size, p=[*chance, 1 - chance.sum()])
    return _lookup(labels, np.where(drawn == len(labels), -1, drawn))


def _needs(rng: np.random.Generator, size: int) -> np.ndarray:
    chance = np.array([0.25, 0.08, 0.15, 0.12, 0.05, 0.08])
    flags = rng.random((size, len(NEEDS_FLAGS))) < chance
    return (flags * np.left_shift(1, np.arange(len(NEEDS_FLAGS)))).sum(axis=1)


def _homes(rng: np.random.Generator, world: _World, people: _People) -> np.ndarray:
    """Home area: half of a pattern's young people live in its own area; some are unknown."""
    weights = world.weight / world.weight.sum()
    homes = rng.choice(len(world.names), size=people.count, p=weights).astype(np.int32)
    local = (people.home_area >= 0) & (rng.random(people.count) < 0.5)
    homes[local] = people.home_area[local]
    homes[rng.random(people.count) < 0.08] = -1
    return homes


def _person_models(rng: np.random.Generator, people: _People) -> np.ndarray:
    """Planted young people carry their patterns' models; others one or two at random."""
    background = PROFILES["background"]
    models = _pick_models(rng, people.count, background) | _background_secondary(rng, people.count)
    return np.where(people.planted, people.model_mask, models)


# ---------------------------------------------------------------------------------------------
# Truth: what was planted, with counts taken from the frames themselves


def _truth(
    world: _World, plan: _Plan, frames: _Frames, merged: _Merged, *, seed: int, requested: int
) -> dict[str, Any]:
    c = merged.columns
    pattern_count = len(plan.patterns) + 1
    month = world.cal.day_month[c["minute"] // 1440]
    monthly = np.bincount(c["pattern"].astype(np.int64) * world.cal.months + month,
                          minlength=pattern_count * world.cal.months)  # fmt: skip
    monthly = monthly.reshape(pattern_count, world.cal.months)
    link_pattern = c["pattern"][merged.link_sighting].astype(np.int64)
    pairs = np.unique(link_pattern * frames.pseudonyms.size + merged.link_person)
    distinct = np.bincount(pairs // frames.pseudonyms.size, minlength=pattern_count)
    entries = [
        _pattern_truth(world, plan, frames, index, monthly[index], int(distinct[index]), c)
        for index in range(len(plan.patterns))
    ]
    for index, pattern in enumerate(plan.patterns):
        if pattern.kind == "disruption":
            target = [p.pattern_id for p in plan.patterns].index(pattern.extra["target_id"])
            entries[index]["observed"] = _before_after(
                monthly[target], monthly[index], pattern.extra["start_month"]
            )
    background = int(monthly[-1].sum())
    return {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "synthetic": True,
        "generator": "hotspots.synth",
        "seed": seed,
        "sightings_requested": requested,
        "plant_disruption": any(p.kind == "disruption" for p in plan.patterns),
        "period": {"start": world.cal.start.isoformat(), "months": world.cal.months,
                   "end": (world.cal.month_starts[-1] - timedelta(days=1)).isoformat()},
        "crs": {"stored": CRS_WGS84, "distances": CRS_BNG},
        "bounds": list(BOLTON_BOUNDS),
        "counts": {
            "people": len(frames.people), "premises": len(frames.premises),
            "sightings": len(frames.sightings), "sighting_people": len(frames.sighting_people),
            "planted_sightings": len(frames.sightings) - background,
            "background_sightings": background, "vehicles": len(frames.vehicle_tokens),
        },
        "screening": {"items": SCREENING_ITEMS, "medium_from": MEDIUM_FROM, "high_from": HIGH_FROM,
                      "age_reference_year": _age_reference_year(world.cal)},
        "areas": [{"code": code, "name": name, "kind": kind, "lon": float(lon), "lat": float(lat)}
                  for code, name, kind, lon, lat in zip(world.codes, world.names, world.kinds,
                                                        world.lon, world.lat, strict=True)],
        "patterns": entries,
    }  # fmt: skip


def _before_after(target: np.ndarray, displaced: np.ndarray, start: int) -> dict[str, Any]:
    """Monthly means in the target before and after the start, and at the displacement site."""
    before, after = float(target[:start].mean()), float(target[start:].mean())
    return {
        "target_monthly_before": round(before, 3),
        "target_monthly_after": round(after, 3),
        "target_drop": round(1.0 - after / before, 3) if before else None,
        "displaced_monthly_after": round(float(displaced[start:].mean()), 3),
    }


def _pattern_truth(
    world: _World,
    plan: _Plan,
    frames: _Frames,
    index: int,
    monthly: np.ndarray,
    distinct: int,
    columns: dict[str, np.ndarray],
) -> dict[str, Any]:
    pattern = plan.patterns[index]
    profile = PROFILES[pattern.profile]
    lon, lat = world.lonlat(np.array([pattern.x]), np.array([pattern.y]))
    if pattern.kind == "internet_area":
        lon, lat = world.lon[[pattern.area]], world.lat[[pattern.area]]
    minutes = columns["minute"][columns["pattern"] == index]
    start = np.datetime64(world.cal.start, "m")
    active = np.flatnonzero(pattern.month_weights > 0)
    hours = np.asarray(profile.hours)
    days = np.asarray(profile.days)
    planted_at = pattern.premises >= 0
    nearest = int(world.nearest_area(np.array([pattern.x]), np.array([pattern.y]))[0])
    entry: dict[str, Any] = {
        "id": pattern.pattern_id,
        "kind": pattern.kind,
        "name": _pattern_name(pattern, frames),
        "centre": {"lon": float(lon[0]), "lat": float(lat[0])},
        "radius_m": pattern.radius_m,
        "nearest_place": world.names[nearest],
        "area_code": world.codes[nearest],
        "grooming_models": sorted(code for code, _ in profile.primary + profile.secondary),
        "primary_model": profile.primary[0][0],
        "premises_ref": _premises_ref(frames, pattern),
        "premises_category": plan.premises_category[pattern.premises] if planted_at else None,
        "active": {"first_month": world.cal.label(int(active[0])),
                   "last_month": world.cal.label(int(active[-1]))},
        "first_seen": str(start + minutes.min()), "last_seen": str(start + minutes.max()),
        "sightings": int(monthly.sum()),
        "distinct_people": distinct,
        "monthly_sightings": [int(v) for v in monthly],
        "trend": pattern.trend,
        "peak_hours": [h for h in range(24) if hours[h] >= hours.max() / 2],
        "peak_days": [_DAY_NAMES[d] for d in range(7) if days[d] >= 1.25 * days.mean()],
        "vehicle_tokens": [frames.vehicle_tokens[v] for v in pattern.vehicles.tolist()],
    }  # fmt: skip
    entry.update({key: value for key, value in pattern.extra.items()
                  if key in ("ring", "route_to")})  # fmt: skip
    if pattern.kind == "disruption":
        entry.update(_disruption_truth(world, plan, pattern, entry))
    return entry


def _premises_ref(frames: _Frames, pattern: _Pattern) -> str | None:
    return str(frames.premises_refs[pattern.premises]) if pattern.premises >= 0 else None


def _pattern_name(pattern: _Pattern, frames: _Frames) -> str:
    if pattern.premises >= 0:
        ref = frames.premises_refs[pattern.premises]
        names = frames.premises.set_index("premises_ref")["name"]
        return str(names[ref])
    return pattern.name


def _disruption_truth(
    world: _World, plan: _Plan, pattern: _Pattern, entry: dict[str, Any]
) -> dict[str, Any]:
    """The disruption record: the target, where activity moved, and the drop to expect."""
    target = next(p for p in plan.patterns if p.pattern_id == pattern.extra["target_id"])
    lon, lat = world.lonlat(np.array([target.x]), np.array([target.y]))
    start = pattern.extra["start_month"]
    return {
        "hotspot": target.name,
        "hotspot_id": target.pattern_id,
        "start_month": world.cal.label(start),
        "start_date": world.cal.month_starts[start].isoformat(),
        "expected_drop": pattern.extra["expected_drop"],
        "displaced_share": pattern.extra["displaced_share"],
        "target": {"centre": {"lon": float(lon[0]), "lat": float(lat[0])},
                   "radius_m": target.radius_m},
        "displacement": {"centre": entry["centre"], "radius_m": pattern.radius_m,
                         "distance_m": pattern.extra["distance_m"]},
    }  # fmt: skip
