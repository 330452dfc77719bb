"""What the Premises checker shows, built on behalf of one user: counts at premises, never rows.

Licensing and community-safety staff (and analysts) check premises: the intelligence at each
or within a chosen distance of it over the last 12 months, whether it lies in a current
hotspot, its trend, and a ranked list of premises to visit. The sightings behind the counts
are read inside this module and never leave it: a `PremisesCheck` holds counts per premises
and hotspot outlines only, so no young-person row or sighting point reaches a page, whoever
calls it.

Each check is a *consultation* of sightings in the audit log (distance, period and how many
sightings were used); each export of the visit list a *disclosure*. The export is for sharing
beyond the team, so its counts pass through `suppression` ("<5").
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from hotspots.analysis import find_clusters
from hotspots.analysis.premises_check import (
    CHECK_MONTHS,
    DEFAULT_WEIGHTS,
    TREND_LABELS,
    VisitWeights,
    hotspot_containing,
    premises_intelligence,
    rank_for_visits,
    search_premises,
)
from hotspots.db.access import (
    User,
    premises,
    read_sightings_unchecked,
    record_use,
    sighting_date_range,
)
from hotspots.db.audit import CONSULTATION, DISCLOSURE
from hotspots.db.mapdata import DEFAULT_DISTANCE_M, OUTLINE_COLUMNS, MapFilters
from hotspots.domain import CRS_WGS84, PREMISES_CATEGORIES
from hotspots.security.escaping import spreadsheet_safe
from hotspots.security.roles import Capability, require
from hotspots.security.suppression import suppress_series

MAX_DISTANCE_M: Final[float] = 1000.0
EXPORT_TARGET: Final[str] = "export:premises_visit_list.csv"

#: The columns of `PremisesCheck.premises`, in order.
CHECK_COLUMNS: Final[tuple[str, ...]] = (
    "rank", "score", "premises_id", "premises_ref", "name", "category", "licence_ref",
    "linked", "nearby", "young_people", "recent", "earlier", "monthly", "last_month", "trend",
    "hotspot", "in_hotspot", "geometry",
)  # fmt: skip


@dataclass(frozen=True)
class PremisesCheck:
    """Premises with the intelligence at and near each, ranked for visits (see
    `hotspots.analysis.premises_check` for every column), and the current hotspots.

    ``premises`` holds counts only: ``linked`` (sightings recorded at the premises),
    ``nearby`` (other sightings within ``distance_m``), ``young_people`` (different young
    people in those), ``monthly`` (12 counts, oldest first), ``trend``, ``hotspot`` (the
    name of the current hotspot it lies in, or None), ``score`` and ``rank`` (1 = visit
    first; none for a score of 0). ``hotspots`` holds outlines with their counts. The period
    is the 12 whole months to the newest sighting, ``start`` to ``end`` (exclusive).
    """

    start: date | None
    end: date | None
    distance_m: float
    premises: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    weights: VisitWeights = DEFAULT_WEIGHTS
    register_size: int = 0

    @property
    def period(self) -> str:
        """'Nov 2025 to Oct 2026', or '' with no sightings."""
        if self.start is None or self.end is None:
            return ""
        last = pd.Timestamp(self.end) - pd.Timedelta(days=1)
        return f"{self.start:%b %Y} to {last:%b %Y}"

    @property
    def visit_list(self) -> gpd.GeoDataFrame:
        """The premises worth a visit (score above 0), in visit order."""
        return self.premises[self.premises["rank"].notna()].reset_index(drop=True)

    def search(
        self, *, name: str = "", categories: tuple[str, ...] | None = None, licence: str = ""
    ) -> PremisesCheck:
        """The premises whose name and licence reference contain the text given (any case)
        and whose category is one of `categories` (None: any), ranked among themselves."""
        found = search_premises(self.premises, name=name, categories=categories, licence=licence)
        ranked = found.reset_index(drop=True)
        scored = ranked["score"] > 0
        ranks = pd.Series(np.cumsum(scored.to_numpy()), dtype="Int64")
        ranked["rank"] = ranks.where(scored.to_numpy(), pd.NA)
        return replace(self, premises=ranked)


def _period(engine: Engine, months: int) -> tuple[pd.Period | None, date | None, date | None]:
    """The last `months` whole calendar months up to the newest sighting's month."""
    _, last = sighting_date_range(engine)
    if last is None:
        return None, None, None
    end_month = pd.Period(last, freq="M")
    start = (end_month - (months - 1)).start_time.date()
    return end_month, start, (end_month + 1).start_time.date()


def premises_check(
    engine: Engine,
    user: User,
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    gazetteer: pd.DataFrame | None = None,
    months: int = CHECK_MONTHS,
    weights: VisitWeights = DEFAULT_WEIGHTS,
) -> PremisesCheck:
    """Every premises of the register with the intelligence at and near it, ranked for visits.

    Parameters
    ----------
    engine, user : the database, and on whose behalf (licensing and analysts; others are
        refused with `AccessDenied` before anything is read).
    distance_m : metres around each premises searched for sightings not linked to it
        (0 to 1,000; 0 counts only the sightings recorded at the premises).
    gazetteer : localities [name, lat, lon] that name the current hotspots.
    months : the whole calendar months looked back, ending with the newest sighting's month.
    weights : points of the visit score (`VisitWeights`).

    Notes
    -----
    The current hotspots are those the Hotspot map opens with: density clusters (DBSCAN)
    of the same 12 months, with at least 3 different young people each.
    """
    require(user.role, Capability.VIEW_PREMISES)
    if not 0 <= distance_m <= MAX_DISTANCE_M:
        raise ValueError(
            f"distance {distance_m!r} m is out of range; choose 0 to {MAX_DISTANCE_M:,.0f} m"
        )
    register = premises(engine, user)
    end_month, start, end = _period(engine, months)
    sightings = read_sightings_unchecked(engine, start=start, end=end)
    filters = MapFilters(start=start, end=end)
    found = find_clusters(
        sightings, gazetteer, method=filters.method, min_people=filters.min_people
    ).hotspots
    hotspots = found[list(OUTLINE_COLUMNS)].to_crs(CRS_WGS84).reset_index(drop=True)
    counts = premises_intelligence(
        sightings,
        register,
        distance_m=distance_m,
        end_month=end_month if end_month is not None else pd.Period.now("M"),
        months=months,
    )
    counts["hotspot"] = hotspot_containing(counts, hotspots)
    counts["in_hotspot"] = counts["hotspot"].notna()
    ranked = rank_for_visits(counts, weights)
    with engine.begin() as connection:
        record_use(
            connection, user, CONSULTATION, "sighting",
            {"use": "premises_check", "distance_m": distance_m, "start": start, "end": end,
             "sightings_used": len(sightings), "premises": len(register)},
        )  # fmt: skip
    return PremisesCheck(
        start=start,
        end=end,
        distance_m=float(distance_m),
        premises=ranked[list(CHECK_COLUMNS)],
        hotspots=hotspots,
        weights=weights,
        register_size=len(register),
    )


# ---------------------------------------------------------------- the visit list for sharing


def _shared_counts(values: pd.Series) -> pd.Series:
    """Counts as shared outside the team: 1 to 4 as "<5", through `suppress_series` (each
    column on its own, as if its total were published; no total is shown)."""
    if values.empty:
        return values.astype(object)
    shown = suppress_series(values.astype(int).reset_index(drop=True), total=False).display
    return pd.Series(shown.iloc[:, 0].to_numpy(), index=values.index, dtype=object)


def visit_list_table(check: PremisesCheck) -> pd.DataFrame:
    """The visit list as shared: rank, premises, category, licence, and the counts with small
    numbers suppressed. The score is left out (it would let a suppressed count be worked
    back), and so is any total."""
    visits = check.visit_list
    within = f"Other sightings within {check.distance_m:,.0f} m"
    return pd.DataFrame(
        {
            "Rank": visits["rank"].astype(int),
            "Premises": visits["name"],
            "Category": visits["category"].map(lambda c: PREMISES_CATEGORIES.get(c, c)),
            "Licence": visits["licence_ref"],
            "Sightings at the premises": _shared_counts(visits["linked"]),
            within: _shared_counts(visits["nearby"]),
            "Different young people": _shared_counts(visits["young_people"]),
            "Current hotspot": visits["hotspot"],
            "Trend": visits["trend"].map(TREND_LABELS),
        }
    )


def visit_list_csv(check: PremisesCheck) -> bytes:
    """The visit list as CSV for sharing (UTF-8 with a byte-order mark, so spreadsheets read
    it), marked and footnoted; text cells defused against formulas. Not audited: use
    `export_visit_list`, or `record_visit_list_export` when a page hands the bytes over."""
    buffer = io.StringIO()
    buffer.write(
        f"# OFFICIAL-SENSITIVE. Premises visit list, intelligence {check.period}, "
        f"within {check.distance_m:,.0f} m. Counts from 1 to 4 are shown as <5.\n"
    )
    visit_list_table(check).map(spreadsheet_safe).to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def visit_list_export_detail(check: PremisesCheck) -> dict[str, Any]:
    return {
        "export": "premises_visit_list",
        "format": "csv",
        "rows": len(check.visit_list),
        "distance_m": check.distance_m,
        "period": check.period,
    }


def record_visit_list_export(engine: Engine, user: User, check: PremisesCheck) -> None:
    """Audit the visit list leaving the system (a disclosure). A page whose download button
    holds the bytes ahead of the click calls this from the button's click callback."""
    require(user.role, Capability.VIEW_PREMISES)
    require(user.role, Capability.EXPORT_AGGREGATES)
    with engine.begin() as connection:
        record_use(connection, user, DISCLOSURE, EXPORT_TARGET, visit_list_export_detail(check))


def export_visit_list(engine: Engine, user: User, check: PremisesCheck) -> bytes:
    """The visit list as CSV (`visit_list_csv`), audited as a disclosure."""
    require(user.role, Capability.VIEW_PREMISES)
    require(user.role, Capability.EXPORT_AGGREGATES)
    body = visit_list_csv(check)
    record_visit_list_export(engine, user, check)
    return body
