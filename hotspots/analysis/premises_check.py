"""The premises checker: intelligence at and near each premises, its trend, and a ranked list
of premises to visit.

Pure functions over a sightings frame and the premises register. What they return is counts
per premises, never sightings or young people: the licensing and community-safety staff who
use the checker may see counts at premises, not the records behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.analysis.frames import bng_xy, local_times, people_per_group
from hotspots.domain import CRS_WGS84

#: The checker looks back this many whole calendar months.
CHECK_MONTHS: Final[int] = 12
#: The trend compares the newest `TREND_MONTHS` months with the same number before them.
TREND_MONTHS: Final[int] = 6
#: A trend is rising (falling) when one half has at least this many times the other...
TREND_RATIO: Final[float] = 1.5
#: ... and at least this many more sightings, so that 1 against 0 is not called a rise.
TREND_MIN_CHANGE: Final[int] = 2

TREND_LABELS: Final[dict[str, str]] = {
    "rising": "Rising",
    "falling": "Falling",
    "steady": "Steady",
    "none": "No intelligence",
}

#: The columns `premises_intelligence` adds to the register.
COUNT_COLUMNS: Final[tuple[str, ...]] = (
    "linked", "nearby", "young_people", "recent", "earlier", "monthly", "last_month", "trend",
)  # fmt: skip


@dataclass(frozen=True)
class VisitWeights:
    """Points of the visit score (see `visit_scores`)."""

    linked: float = 3.0
    nearby: float = 1.0
    young_person: float = 2.0
    in_hotspot: float = 5.0
    rising: float = 3.0

    def explain(self, distance_m: float) -> str:
        """The rule in words, for the page's caption."""
        near = f"within {distance_m:,.0f} m" if distance_m > 0 else "nearby (none: 0 m chosen)"
        return (
            f"Visit score: {self.linked:g} points per sighting linked to the premises, "
            f"{self.nearby:g} per other sighting {near}, {self.young_person:g} per different "
            f"young person in those sightings, {self.in_hotspot:g} if the premises lies in a "
            f"current hotspot and {self.rising:g} if its intelligence is rising; the last "
            f"{CHECK_MONTHS} months count. Premises scoring 0 are not on the visit list."
        )


DEFAULT_WEIGHTS: Final[VisitWeights] = VisitWeights()


def trend_label(recent: int, earlier: int) -> str:
    """'rising', 'falling', 'steady' or 'none' for the newest half-period against the one before.

    Rising: the newest `TREND_MONTHS` months hold at least `TREND_RATIO` times as many
    sightings as the six before, and at least `TREND_MIN_CHANGE` more; falling the other
    way round; steady otherwise; none when both halves are empty.

    >>> trend_label(6, 3), trend_label(3, 2), trend_label(2, 0), trend_label(1, 0)
    ('rising', 'steady', 'rising', 'steady')
    >>> trend_label(0, 4), trend_label(0, 0)
    ('falling', 'none')
    """
    if recent == 0 and earlier == 0:
        return "none"
    if recent >= TREND_RATIO * earlier and recent - earlier >= TREND_MIN_CHANGE:
        return "rising"
    if earlier >= TREND_RATIO * recent and earlier - recent >= TREND_MIN_CHANGE:
        return "falling"
    return "steady"


def _pairs(
    sightings: gpd.GeoDataFrame, register: gpd.GeoDataFrame, distance_m: float
) -> pd.DataFrame:
    """(premises row, sighting row, linked) for every sighting linked to a premises or lying
    within `distance_m` metres of it; a sighting can pair with several premises."""
    empty = pd.DataFrame({"p": [], "s": [], "linked": []}, dtype="int64").astype({"linked": bool})
    if sightings.empty or register.empty:
        return empty
    ids = register["premises_id"].astype("int64").to_numpy()
    position = pd.Series(np.arange(len(ids)), index=ids)
    linked_to = pd.to_numeric(sightings["premises_id"], errors="coerce").to_numpy(dtype=float)
    has_link = np.isin(linked_to, ids)
    linked = pd.DataFrame(
        {
            "p": position.loc[linked_to[has_link].astype("int64")].to_numpy(),
            "s": np.flatnonzero(has_link),
        }
    )
    if distance_m > 0:
        points = shapely.points(bng_xy(sightings))
        tree = shapely.STRtree(points)
        places = shapely.points(bng_xy(register))
        p, s = tree.query(places, predicate="dwithin", distance=float(distance_m))
        near = pd.DataFrame({"p": p, "s": s})
    else:
        near = linked[:0]
    pairs = pd.concat([linked, near], ignore_index=True).drop_duplicates(ignore_index=True)
    pairs["linked"] = linked_to[pairs["s"].to_numpy()] == ids[pairs["p"].to_numpy()]
    return pairs.astype({"p": "int64", "s": "int64"})


def premises_intelligence(
    sightings: gpd.GeoDataFrame,
    register: gpd.GeoDataFrame,
    *,
    distance_m: float,
    end_month: pd.Period | str,
    months: int = CHECK_MONTHS,
    trend_months: int = TREND_MONTHS,
) -> gpd.GeoDataFrame:
    """Intelligence at and near each premises over the `months` months to `end_month`.

    Parameters
    ----------
    sightings : a sightings frame (`premises_id`, `seen_at`, `people`, point geometry);
        rows outside the months are ignored.
    register : premises [premises_id, name, category, licence_ref, ..., point geometry].
    distance_m : metres around each premises searched for sightings not linked to it
        (0: only the sightings linked to it).
    end_month : the last month counted (``pd.Period('2026-10', 'M')`` or '2026-10').
    months, trend_months : the months counted, and the length of each half of the trend.

    Returns
    -------
    The register (same order and index) with
    ``linked``: sightings recorded at the premises; ``nearby``: other sightings within
    `distance_m`; ``young_people``: different young people in either; ``recent`` and
    ``earlier``: linked plus nearby sightings in the newest `trend_months` months and in the
    `trend_months` before; ``monthly``: a list of `months` counts, oldest first;
    ``last_month``: the newest month with any ('Oct 2026'), or None; ``trend``: see
    `trend_label`.

    Examples
    --------
    One takeaway, one sighting linked to it and one 100 m away, each with a young person:

    >>> from shapely.geometry import Point
    >>> register = gpd.GeoDataFrame({"premises_id": [7], "name": ["Grill"]},
    ...     geometry=[Point(370000, 407000)], crs="EPSG:27700")
    >>> sightings = gpd.GeoDataFrame({"premises_id": [7, None],
    ...     "seen_at": pd.to_datetime(["2026-09-02", "2026-10-12"]), "people": ["YP1", "YP2"]},
    ...     geometry=[Point(370000, 407000), Point(370100, 407000)], crs="EPSG:27700")
    >>> row = premises_intelligence(sightings, register, distance_m=250, end_month="2026-10")
    >>> row.iloc[0][["linked", "nearby", "young_people", "recent", "trend"]].to_dict()
    {'linked': 1, 'nearby': 1, 'young_people': 2, 'recent': 2, 'trend': 'rising'}
    """
    end = pd.Period(end_month, freq="M")
    first = end - (months - 1)
    month = _month_numbers(sightings) - (first.year * 12 + first.month - 1)
    inside = (month >= 0) & (month < months)
    sightings, month = sightings[inside], month[inside]
    pairs = _pairs(sightings, register, distance_m)
    n = len(register)
    p, s = pairs["p"].to_numpy(), pairs["s"].to_numpy()
    linked = pairs["linked"].to_numpy(dtype=bool)
    result = register.copy()
    result["linked"] = np.bincount(p[linked], minlength=n).astype(int)
    result["nearby"] = np.bincount(p[~linked], minlength=n).astype(int)
    people = people_per_group(sightings.iloc[s], p)
    result["young_people"] = people.reindex(range(n), fill_value=0).astype(int).to_numpy()
    grid = np.bincount(p * months + month[s], minlength=n * months).reshape(n, months)
    result["monthly"] = [row.tolist() for row in grid]
    result["recent"] = grid[:, months - trend_months :].sum(axis=1).astype(int)
    earlier = grid[:, max(0, months - 2 * trend_months) : months - trend_months]
    result["earlier"] = earlier.sum(axis=1).astype(int)
    newest = [np.flatnonzero(row) for row in grid]
    result["last_month"] = [
        (first + int(k[-1])).strftime("%b %Y") if len(k) else None for k in newest
    ]
    result["trend"] = [
        trend_label(int(r), int(e))
        for r, e in zip(result["recent"], result["earlier"], strict=True)
    ]
    return result


def _month_numbers(sightings: pd.DataFrame) -> np.ndarray:
    """Year x 12 + month - 1 of each sighting (local time), as integers."""
    if sightings.empty:
        return np.zeros(0, dtype=int)
    times = local_times(sightings["seen_at"])
    return (times.dt.year * 12 + times.dt.month - 1).to_numpy(dtype=int)


def hotspot_containing(register: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame) -> pd.Series:
    """The name of the hotspot each premises lies in (on its edge counts), or None.

    >>> from shapely.geometry import Point, box
    >>> register = gpd.GeoDataFrame(geometry=[Point(0.5, 0.5), Point(5, 5)], crs="EPSG:4326")
    >>> hotspots = gpd.GeoDataFrame({"name": ["Deane"]}, geometry=[box(0, 0, 1, 1)],
    ...     crs="EPSG:4326")
    >>> hotspot_containing(register, hotspots).tolist()
    ['Deane', None]
    """
    names = pd.Series([None] * len(register), index=register.index, dtype=object)
    if register.empty or hotspots is None or hotspots.empty:
        return names
    outlines = hotspots.to_crs(register.crs or CRS_WGS84)
    for name, outline in zip(outlines["name"], outlines.geometry, strict=True):
        inside = register.geometry.intersects(outline).to_numpy() & names.isna().to_numpy()
        names[inside] = str(name)
    return names


def visit_scores(frame: pd.DataFrame, weights: VisitWeights = DEFAULT_WEIGHTS) -> pd.Series:
    """The visit score of each premises: what makes a licensing visit most worthwhile.

    ``score = 3 x linked + 1 x nearby + 2 x young_people + 5 x in_hotspot + 3 x rising``
    (the weights of `VisitWeights`). A sighting recorded *at* the premises weighs three
    times one merely near it, because it ties the premises itself to the exploitation; each
    different young person adds more than a sighting, because a place where many different
    children are seen is a risky place rather than one child's routine (DESIGN.md); lying in
    a current hotspot and a rising trend add a fixed amount, so that they break ties and
    lift a premises with some intelligence, without letting a premises with none outrank
    one with much.

    Needs columns linked, nearby, young_people, in_hotspot (bool) and trend.

    >>> frame = pd.DataFrame({"linked": [2, 0], "nearby": [3, 0], "young_people": [2, 0],
    ...     "in_hotspot": [True, False], "trend": ["rising", "none"]})
    >>> visit_scores(frame).tolist()
    [21.0, 0.0]
    """
    return (
        weights.linked * frame["linked"]
        + weights.nearby * frame["nearby"]
        + weights.young_person * frame["young_people"]
        + weights.in_hotspot * frame["in_hotspot"].astype(bool)
        + weights.rising * (frame["trend"] == "rising")
    ).astype(float)


def rank_for_visits(
    frame: gpd.GeoDataFrame, weights: VisitWeights = DEFAULT_WEIGHTS
) -> gpd.GeoDataFrame:
    """The frame with ``score`` and ``rank`` (1 = visit first), highest score first.

    Ties go to more linked sightings, then more young people, then the name. Premises
    scoring 0 get no rank (pd.NA) and come last, in name order.
    """
    ranked = frame.assign(score=visit_scores(frame, weights))
    ranked = ranked.sort_values(
        ["score", "linked", "young_people", "name"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    ranks = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index, dtype="Int64")
    ranked["rank"] = ranks.where(ranked["score"] > 0, pd.NA)
    return ranked.reset_index(drop=True)


def search_premises(
    frame: pd.DataFrame,
    *,
    name: str = "",
    categories: tuple[str, ...] | None = None,
    licence: str = "",
) -> pd.DataFrame:
    """The premises whose name and licence reference contain the text given (any case) and
    whose category is one of `categories` (None: any). Plain text, not a pattern.

    >>> frame = pd.DataFrame({"name": ["Happy Grill", "Moor Hotel"],
    ...     "category": ["takeaway", "hotel"], "licence_ref": ["LIC-1", None]})
    >>> search_premises(frame, name="grill")["name"].tolist()
    ['Happy Grill']
    >>> len(search_premises(frame, licence="lic")), len(search_premises(frame, categories=()))
    (1, 0)
    """
    keep = np.ones(len(frame), dtype=bool)
    if name.strip():
        names = frame["name"].fillna("").astype(str).str.casefold()
        keep &= names.str.contains(name.strip().casefold(), regex=False).to_numpy()
    if licence.strip():
        licences = frame["licence_ref"].fillna("").astype(str).str.casefold()
        keep &= licences.str.contains(licence.strip().casefold(), regex=False).to_numpy()
    if categories is not None:
        keep &= frame["category"].isin(list(categories)).to_numpy()
    return frame[keep]
