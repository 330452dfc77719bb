"""The CSE information-exchange meeting pack: what changed since the last meeting, ranked.

The meetings are growing so fast that "decisions will need to be taken on priority cases for
discussion". Since a chosen date the pack lists new and intensifying hotspots, young people
(pseudonyms only) whose sightings rose, premises with new intelligence and disruption actions
due for evaluation, each given a priority score on one scale (see `PRIORITY_RULES`) so that
the busiest items come first. Pure functions over frames; `hotspots.db.disruptions` reads
the database, checks the role and audits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.analysis import emerging_hot_spots, find_clusters
from hotspots.analysis.frames import bng_xy, count_people, people_links
from hotspots.disruption.actions import ACTION_TYPES
from hotspots.domain import CRS_BNG, PREMISES_CATEGORIES
from hotspots.security.escaping import esc, spreadsheet_safe

#: Points of each part of the priority score; README "Meeting pack" explains them.
RISK_POINTS: Final[dict[str, int]] = {"high": 10, "medium": 5, "low": 0}
PATTERN_POINTS: Final[dict[str, int]] = {
    "New Hot Spot": 20,
    "Intensifying Hot Spot": 20,
    "Consecutive Hot Spot": 15,
    "Sporadic Hot Spot": 10,
    "Persistent Hot Spot": 5,
}
PER_PERSON: Final[int] = 3  # each distinct young person seen there since the date
PER_EXTRA_SIGHTING: Final[int] = 2  # each sighting more than in the period before
EXTRA_CAP: Final[int] = 20  # the rise counts for at most this many points
PREMISES_OF_CONCERN: Final[tuple[str, ...]] = ("hotel", "takeaway", "taxi_office", "shisha_bar")
PREMISES_POINTS: Final[int] = 5
ACTION_DUE_POINTS: Final[int] = 10
PER_MONTH_OVERDUE: Final[int] = 2
PRIORITY_RULES: Final[str] = (
    "Priority = 3 points for each distinct young person seen since the date, + 2 points for "
    "each sighting more than in the equally long period before (at most 20), + 20 for a new or "
    "intensifying hotspot (15 consecutive, 10 sporadic, 5 persistent), + 10/5/0 for a young "
    "person at high/medium/low risk, + 5 for a hotel, takeaway, taxi office or shisha bar, "
    "+ 10 for an action due for evaluation and 2 for each month it is overdue."
)
#: Emerging patterns that put a hotspot in the pack whether or not it got busier.
EMERGING_PATTERNS: Final[tuple[str, ...]] = (
    "New Hot Spot",
    "Consecutive Hot Spot",
    "Intensifying Hot Spot",
)
#: Hotspots are drawn on the year before the meeting, and emerging patterns found on its
#: monthly slices; each is then counted since the date and in the period before.
EMERGING_MONTHS: Final[int] = 12
RISING_HOTSPOT: Final[str] = "rising"  # a hotspot busier than before without a pattern name


@dataclass(frozen=True)
class MeetingPack:
    """The four lists and one ranked list of every item, highest priority first."""

    since: date
    until: date
    hotspots: pd.DataFrame
    people: pd.DataFrame
    premises: pd.DataFrame
    actions: pd.DataFrame
    ranked: pd.DataFrame  # kind, item, why, priority

    @property
    def empty(self) -> bool:
        return self.ranked.empty


def _rise(now: pd.Series, before: pd.Series) -> pd.Series:
    return ((now - before).clip(lower=0) * PER_EXTRA_SIGHTING).clip(upper=EXTRA_CAP)


def _window(frame: gpd.GeoDataFrame, start: pd.Timestamp, end: pd.Timestamp) -> gpd.GeoDataFrame:
    seen = pd.to_datetime(frame["seen_at"])
    return frame[((seen >= start) & (seen < end)).to_numpy()]


def _hotspots(recent, previous, everything, until, gazetteer) -> pd.DataFrame:
    """Hotspots of the year to `until` that are new or intensifying (emerging patterns), or
    busier since the date than in the period before; counted within each outline."""
    columns = ["hotspot", "pattern", "sightings", "before", "young_people", "priority"]
    start = until - pd.DateOffset(months=EMERGING_MONTHS)
    year = _window(everything, start, until)
    if len(recent) == 0 or len(year) < 10:
        return pd.DataFrame(columns=columns)
    found = find_clusters(year, gazetteer).hotspots
    if found.empty:
        return pd.DataFrame(columns=columns)
    cells = emerging_hot_spots(year, start=start, end=until).cells
    centres = cells.geometry.centroid
    rows = []
    for outline, name in zip(found.to_crs(CRS_BNG).geometry, found["name"], strict=True):
        inside = cells[centres.within(outline).to_numpy() & cells["pattern"].str.contains("Hot")]
        pattern = str(inside.groupby("pattern")["count"].sum().idxmax()) if len(inside) else ""
        here = _within(recent, outline)
        rows.append(
            (
                str(name),
                pattern,
                int(here.sum()),
                int(_within(previous, outline).sum()),
                count_people(recent[here]),
            )
        )
    table = pd.DataFrame(rows, columns=columns[:-1])
    emerging = table["pattern"].isin(EMERGING_PATTERNS)
    rising = table["sightings"] > table["before"]
    table = table[emerging | rising].copy()
    table["pattern"] = table["pattern"].where(table["pattern"] != "", RISING_HOTSPOT)
    table["priority"] = (
        PER_PERSON * table["young_people"]
        + _rise(table["sightings"], table["before"])
        + table["pattern"].map(PATTERN_POINTS).fillna(0).astype(int)
    )
    return table.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)


def _within(frame: gpd.GeoDataFrame, outline_bng) -> np.ndarray:
    if frame.empty:
        return np.zeros(0, dtype=bool)
    xy = bng_xy(frame)
    return shapely.contains_xy(outline_bng, xy[:, 0], xy[:, 1])


def _people(recent, previous, people: pd.DataFrame) -> pd.DataFrame:
    columns = ["pseudonym", "risk_level", "screening_score", "sightings", "before", "priority"]
    now = people_links(recent)["person"].value_counts() if len(recent) else pd.Series(dtype=int)
    then = (
        people_links(previous)["person"].value_counts() if len(previous) else pd.Series(dtype=int)
    )
    table = pd.DataFrame({"sightings": now}).join(pd.DataFrame({"before": then}), how="left")
    table = table.fillna(0).astype(int)
    table = table[table["sightings"] > table["before"]]
    if table.empty:
        return pd.DataFrame(columns=columns)
    table = table.rename_axis("pseudonym").reset_index()
    table = table.merge(
        people[["pseudonym", "risk_level", "screening_score"]], on="pseudonym", how="left"
    )
    table["priority"] = table["risk_level"].map(RISK_POINTS).fillna(0).astype(int) + _rise(
        table["sightings"], table["before"]
    )
    return (
        table[columns]
        .sort_values("priority", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _premises(recent, previous, register: gpd.GeoDataFrame) -> pd.DataFrame:
    columns = ["premises", "category", "sightings", "before", "young_people", "priority"]
    linked = recent[recent["premises_id"].notna()]
    if linked.empty:
        return pd.DataFrame(columns=columns)
    now = linked.groupby(linked["premises_id"].astype(int)).size()
    links = people_links(linked, linked["premises_id"].astype(int).to_numpy())
    young = links.groupby("group")["person"].nunique() if len(links) else pd.Series(dtype=int)
    earlier = previous[previous["premises_id"].notna()]
    then = earlier.groupby(earlier["premises_id"].astype(int)).size()
    names = register.set_index("premises_id")
    table = pd.DataFrame(
        {
            "sightings": now,
            "before": then.reindex(now.index, fill_value=0),
            "young_people": young.reindex(now.index, fill_value=0),
        }
    )
    table["premises"] = names["name"].reindex(table.index).fillna("(unknown premises)")
    category = names["category"].reindex(table.index).fillna("other")
    table["category"] = category.map(lambda c: PREMISES_CATEGORIES.get(c, c))
    table["priority"] = (
        PER_PERSON * table["young_people"]
        + _rise(table["sightings"], table["before"])
        + category.isin(PREMISES_OF_CONCERN).astype(int) * PREMISES_POINTS
    )
    return (
        table[columns]
        .sort_values("priority", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _actions(actions: pd.DataFrame, until: date) -> pd.DataFrame:
    columns = ["action_id", "action", "target", "evaluation_due", "status", "priority"]
    if actions.empty:
        return pd.DataFrame(columns=columns)
    due = pd.to_datetime(actions["evaluation_due"])
    evaluated = pd.to_datetime(actions["evaluated_at"])
    pending = (
        due.notna()
        & (due <= pd.Timestamp(until))
        & (evaluated.isna() | (evaluated < due))
        & (actions["status"] != "cancelled")
    )
    chosen = actions[pending.to_numpy()]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    overdue = ((pd.Timestamp(until) - due[pending]).dt.days // 30).clip(upper=10)
    return (
        pd.DataFrame(
            {
                "action_id": chosen["id"].to_numpy(),
                "action": chosen["action_type"].to_numpy(),
                "target": chosen["target_label"].to_numpy(),
                "evaluation_due": chosen["evaluation_due"].to_numpy(),
                "status": chosen["status"].to_numpy(),
                "priority": (ACTION_DUE_POINTS + PER_MONTH_OVERDUE * overdue).to_numpy(dtype=int),
            }
        )
        .sort_values("priority", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _count(n: int, word: str) -> str:
    """A count with its noun.

    >>> _count(1, "sighting"), _count(2, "young person")
    ('1 sighting', '2 young people')
    """
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-6]}people" if word.endswith("person") else f"{n} {word}s"


def _why_hotspot(row) -> str:
    pattern = "Busier than before" if row.pattern == RISING_HOTSPOT else row.pattern
    return (
        f"{pattern}: {_count(row.sightings, 'sighting')} ({row.before} before), "
        f"{_count(row.young_people, 'young person')}"
    )


def _why_person(row) -> str:
    risk = row.risk_level if isinstance(row.risk_level, str) else "unknown"
    return f"{risk.capitalize()} risk: {_count(row.sightings, 'sighting')} ({row.before} before)"


def _why_premises(row) -> str:
    return (
        f"{row.category}: {_count(row.sightings, 'new sighting')} ({row.before} before), "
        f"{_count(row.young_people, 'young person')}"
    )


def _why_action(row) -> str:
    return f"{ACTION_TYPES.get(row.action, row.action)}, evaluation due {row.evaluation_due}"


def _ranked(hotspots, people, premises, actions) -> pd.DataFrame:
    """Every item on one list, highest priority first, ranked 1, 2, 3 ..."""
    sources = (
        ("Hotspot", hotspots, "hotspot", _why_hotspot),
        ("Young person", people, "pseudonym", _why_person),
        ("Premises", premises, "premises", _why_premises),
        ("Action due for evaluation", actions, "target", _why_action),
    )
    rows = [
        (kind, str(getattr(row, item)), why(row), int(row.priority))
        for kind, frame, item, why in sources
        for row in frame.itertuples(index=False)
    ]
    ranked = pd.DataFrame(rows, columns=["kind", "item", "why", "priority"])
    ranked = ranked.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def build_meeting_pack(
    sightings: gpd.GeoDataFrame,
    people: pd.DataFrame,
    premises: gpd.GeoDataFrame,
    actions: pd.DataFrame,
    *,
    since: date,
    until: date,
    gazetteer: pd.DataFrame | None = None,
) -> MeetingPack:
    """The pack for the period [`since`, `until`), compared with the equally long period before.

    Parameters
    ----------
    sightings : sightings frame (hotspots.db.access columns) covering both periods and the
        year before `until` (for the emerging patterns).
    people : young people [pseudonym, risk_level, screening_score].
    premises : the premises register [premises_id, name, category, geometry].
    actions : disruption actions as `hotspots.db.disruptions.actions_frame` gives them.

    Notes
    -----
    A young person's screening score is stored once (the latest); the pack cannot say the
    score *rose* without its history, so it ranks people whose sightings rose, giving their
    current risk level and score. See `PRIORITY_RULES` for the score.
    """
    if until <= since:
        raise ValueError(f"the pack's start {since} must be before its end {until}")
    start, end = pd.Timestamp(since), pd.Timestamp(until)
    recent = _window(sightings, start, end)
    previous = _window(sightings, start - (end - start), start)
    hotspots = _hotspots(recent, previous, sightings, end, gazetteer)
    people_rows = _people(recent, previous, people)
    premises_rows = _premises(recent, previous, premises)
    due = _actions(actions, until)
    return MeetingPack(
        since,
        until,
        hotspots,
        people_rows,
        premises_rows,
        due,
        _ranked(hotspots, people_rows, premises_rows, due),
    )


# ---------------------------------------------------------------- export


def pack_csv(pack: MeetingPack) -> bytes:
    """The ranked list as CSV (UTF-8 with a byte-order mark, so spreadsheets read it)."""
    buffer = io.StringIO()
    buffer.write(f"# OFFICIAL-SENSITIVE. CSE meeting pack {pack.since} to {pack.until}\n")
    pack.ranked.map(_defuse_cell).to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _defuse_cell(value: object) -> object:
    """Text starting with = + - @ (or a tab or carriage return) would run as a formula in a
    spreadsheet (CSV injection): prefix a single quote.

    >>> _defuse_cell("=HYPERLINK(1)"), _defuse_cell("Deane"), _defuse_cell(-3)
    ("'=HYPERLINK(1)", 'Deane', -3)
    """
    return spreadsheet_safe(value)


def pack_html(pack: MeetingPack) -> str:
    """The pack as one self-contained HTML page, every string escaped."""
    sections = [
        ("Priority list", pack.ranked),
        ("New and intensifying hotspots", pack.hotspots),
        ("Young people whose sightings rose (pseudonyms)", pack.people),
        ("Premises with new intelligence", pack.premises),
        ("Actions due for evaluation", pack.actions),
    ]
    body = "".join(f"<h2>{esc(title)}</h2>{_html_table(frame)}" for title, frame in sections)
    marking = '<div class="marking">OFFICIAL-SENSITIVE</div>'
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>OFFICIAL-SENSITIVE: CSE meeting pack {esc(pack.since)}</title><style>"
        "body{font-family:Arial,Helvetica,sans-serif;margin:1.5em}"
        ".marking{text-align:center;font-weight:bold;color:#fff;background:#8B0000;padding:.3em}"
        "table{border-collapse:collapse;font-size:.9em}"
        "th,td{border:1px solid #bbb;padding:.2em .5em}"
        f"</style></head><body>{marking}<h1>CSE information-exchange meeting pack</h1>"
        f"<p>Since {esc(pack.since)} (up to {esc(pack.until)}). {esc(PRIORITY_RULES)}</p>"
        f"{body}{marking}</body></html>"
    )


def _html_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>Nothing since that date.</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
