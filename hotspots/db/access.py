"""Every read on behalf of a person: the role rule and the audit entry are applied here.

Pages and the CLI never write SQL; they call these functions with the user on whose behalf
they ask. A function returning young-person rows or sighting points refuses roles that may
not see them (`AccessDenied`), whichever page or script calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, Engine, text

from hotspots.analysis.grid import count_by_cell
from hotspots.db.audit import ACCESS_DENIED, CONSULTATION, write_audit
from hotspots.domain import CODE_SEPARATOR, CRS_WGS84, RISK_LEVELS, ROLES
from hotspots.security.roles import Capability, must_suppress, require
from hotspots.security.suppression import DEFAULT_THRESHOLD

#: Tables reported by `status`, in the order a reader expects.
TABLES = (
    "young_person", "sighting", "sighting_person", "premises", "area", "context_point",
    "hotspot_run", "hotspot", "disruption", "import_batch", "audit_log", "app_user",
)  # fmt: skip

SIGHTING_FRAME_COLUMNS = (
    "sighting_id", "seen_at", "precision", "grooming_models", "indicators", "people",
    "premises_id", "vehicle_token", "source_agency", "source_evaluation",
    "intelligence_assessment", "risk_level", "area_code", "geometry",
)  # fmt: skip


@dataclass(frozen=True)
class User:
    """Who is asking: the signed-in person, or a named operator for the command line."""

    username: str
    role: str
    purpose: str = ""


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table (no case data; any operator may see it)."""
    with engine.connect() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES
        }


def data_version(engine: Engine) -> int:
    """A number that changes with every write: the key for cached views."""
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one()
        )


def sighting_date_range(engine: Engine) -> tuple[datetime | None, datetime | None]:
    with engine.connect() as connection:
        first, last = connection.execute(
            text("SELECT min(seen_at), max(seen_at) FROM sighting")
        ).one()
    parse = lambda value: None if value is None else pd.Timestamp(value).to_pydatetime()  # noqa: E731
    return parse(first), parse(last)


def _period_clause(start: date | None, end: date | None) -> tuple[str, dict]:
    clauses, params = [], {}
    if start is not None:
        clauses.append("s.seen_at >= :start")
        params["start"] = pd.Timestamp(start).to_pydatetime()
    if end is not None:
        clauses.append("s.seen_at < :end")
        params["end"] = pd.Timestamp(end).to_pydatetime()
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _people_by_sighting(engine: Engine, where: str, params: dict) -> pd.DataFrame:
    """Pseudonyms joined by '|' and the highest risk level, per sighting."""
    sql = (
        "SELECT sp.sighting_id, yp.pseudonym, yp.risk_level FROM sighting_person sp"
        " JOIN young_person yp ON yp.id = sp.person_id"
        " JOIN sighting s ON s.id = sp.sighting_id" + where
    )
    with engine.connect() as connection:
        links = pd.read_sql(text(sql), connection, params=params)
    if links.empty:
        return pd.DataFrame(
            columns=["people", "risk_level"], index=pd.Index([], name="sighting_id")
        )
    links["risk_rank"] = links["risk_level"].map({lvl: i for i, lvl in enumerate(RISK_LEVELS)})
    links = links.sort_values(["sighting_id", "pseudonym"])
    grouped = links.groupby("sighting_id")
    people = grouped["pseudonym"].agg(CODE_SEPARATOR.join)
    top_rank = grouped["risk_rank"].max()
    risk = top_rank.map(lambda r: None if pd.isna(r) else RISK_LEVELS[int(r)])
    return pd.DataFrame({"people": people, "risk_level": risk})


def read_sightings_unchecked(
    engine: Engine, *, start: date | None = None, end: date | None = None
) -> gpd.GeoDataFrame:
    """All sightings in a period as the analysis frame (see SIGHTING_FRAME_COLUMNS).

    Internal: callers are the checked functions of this module, which decide what leaves.
    """
    where, params = _period_clause(start, end)
    sql = (
        "SELECT s.id AS sighting_id, s.seen_at, s.lon, s.lat, s.precision, s.grooming_models,"
        " s.indicators, s.premises_id, s.vehicle_token, s.source_agency, s.source_evaluation,"
        " s.intelligence_assessment, s.area_code FROM sighting s" + where + " ORDER BY s.id"
    )
    with engine.connect() as connection:
        rows = pd.read_sql(text(sql), connection, params=params)
    rows["seen_at"] = pd.to_datetime(rows["seen_at"], format="ISO8601")
    rows["premises_id"] = rows["premises_id"].astype("Int64")
    people = _people_by_sighting(engine, where, params)
    rows = rows.join(people, on="sighting_id")
    rows["people"] = rows["people"].fillna("")
    frame = gpd.GeoDataFrame(
        rows.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
        crs=CRS_WGS84,
    )
    return frame[list(SIGHTING_FRAME_COLUMNS)]


@dataclass(frozen=True)
class Overview:
    """What the Overview page shows: table counts, the period covered and counts per grid cell.

    `cells` holds only cells with sightings, as polygons in EPSG:4326 with a `count` column.
    For roles that see suppressed figures only, cells under the suppression threshold are
    left out (`small_cells_hidden` says so), because a map cell of 1 to 4 sightings can point
    at one child's home or school.
    """

    counts: dict[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    cells: gpd.GeoDataFrame
    small_cells_hidden: bool


def _sighting_points(engine: Engine) -> gpd.GeoDataFrame:
    with engine.connect() as connection:
        rows = pd.read_sql(text("SELECT lon, lat FROM sighting"), connection)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=CRS_WGS84)


def overview(engine: Engine, user: User, *, cell_m: float = 250.0) -> Overview:
    """Counts and a grid of sighting counts, for any role allowed the overview."""
    require(user.role, Capability.VIEW_OVERVIEW)
    counts = table_counts(engine)
    first_seen, last_seen = sighting_date_range(engine)
    points = _sighting_points(engine)
    if points.empty:
        cells = gpd.GeoDataFrame({"count": []}, geometry=[], crs=CRS_WGS84)
    else:
        cells = count_by_cell(points, cell_m=cell_m)
        cells = cells[cells["count"] > 0]
    hide_small = must_suppress(user.role)
    if hide_small:
        cells = cells[cells["count"] >= DEFAULT_THRESHOLD]
    cells = cells[["count", "geometry"]].to_crs(CRS_WGS84).reset_index(drop=True)
    return Overview(counts, first_seen, last_seen, cells, hide_small)


def record_use(
    connection: Connection,
    user: User,
    action: str,
    target: str,
    detail: dict | str | None = None,
) -> None:
    """Audit one operation on behalf of `user`, on the caller's transaction (DPA 2018 s.62)."""
    write_audit(
        connection,
        username=user.username,
        role=user.role,
        action=action,
        target=target,
        detail=detail,
        purpose=user.purpose or None,
    )


def sightings(
    engine: Engine, user: User, *, start: date | None = None, end: date | None = None
) -> gpd.GeoDataFrame:
    """Sighting points with their pseudonyms for analysis; analysts only, and audited.

    Every call is a consultation of person-level data and leaves an audit entry saying how
    many rows left the database for which period.
    """
    require(user.role, Capability.VIEW_SIGHTING_POINTS)
    frame = read_sightings_unchecked(engine, start=start, end=end)
    with engine.begin() as connection:
        record_use(
            connection, user, CONSULTATION, "sighting",
            {"rows": len(frame), "start": start, "end": end},
        )  # fmt: skip
    return frame


PREMISES_FRAME_COLUMNS = (
    "premises_id",
    "premises_ref",
    "name",
    "category",
    "licence_ref",
    "geometry",
)


def premises(engine: Engine, user: User) -> gpd.GeoDataFrame:
    """The premises register (no case data): licensing staff and analysts."""
    require(user.role, Capability.VIEW_PREMISES)
    sql = (
        "SELECT id AS premises_id, premises_ref, name, category, licence_ref, lon, lat"
        " FROM premises ORDER BY id"
    )
    with engine.connect() as connection:
        rows = pd.read_sql(text(sql), connection)
    return gpd.GeoDataFrame(
        rows.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
        crs=CRS_WGS84,
    )[list(PREMISES_FRAME_COLUMNS)]


SEARCH_COLUMNS = (
    "sighting_id", "seen_at", "precision", "area_code", "grooming_models", "indicators",
    "people", "premises", "source_agency", "source_ref", "note",
)  # fmt: skip
#: The most rows one search returns: a search is for finding records, not for bulk reading.
MAX_SEARCH_ROWS = 500


def _like(value: str) -> str:
    """A LIKE pattern matching `value` anywhere, its own % and _ taken literally (escape !)."""
    for special in ("!", "%", "_"):
        value = value.replace(special, "!" + special)
    return f"%{value.lower()}%"


def search_sightings(
    engine: Engine,
    user: User,
    *,
    words: str = "",
    pseudonym: str = "",
    start: date | None = None,
    end: date | None = None,
    limit: int = 100,
) -> pd.DataFrame:
    """Sightings whose note, premises name or source reference contains `words`, or which
    are linked to the young person `pseudonym`, newest first (`SEARCH_COLUMNS`).

    Analysts only (`SEARCH_RECORDS`). Every search is a consultation of person-level data
    and is audited with the terms as typed and the number of rows found, even when nothing
    is found. At least one of `words` and `pseudonym` is needed; at most `MAX_SEARCH_ROWS`.
    """
    require(user.role, Capability.SEARCH_RECORDS)
    words, pseudonym = words.strip(), pseudonym.strip()
    if not words and not pseudonym:
        raise ValueError("type words to look for, or a pseudonym, to search")
    if not 1 <= limit <= MAX_SEARCH_ROWS:
        raise ValueError(f"limit {limit}: choose 1 to {MAX_SEARCH_ROWS}")
    where, params = _period_clause(start, end)
    clauses = [where.removeprefix(" WHERE ")] if where else []
    if words:
        clauses.append(
            "(lower(coalesce(s.note, '')) LIKE :words ESCAPE '!'"
            " OR lower(coalesce(p.name, '')) LIKE :words ESCAPE '!'"
            " OR lower(s.source_ref) LIKE :words ESCAPE '!')"
        )
        params["words"] = _like(words)
    if pseudonym:
        clauses.append(
            "s.id IN (SELECT sp.sighting_id FROM sighting_person sp JOIN young_person yp"
            " ON yp.id = sp.person_id WHERE yp.pseudonym = :pseudonym)"
        )
        params["pseudonym"] = pseudonym
    sql = (
        "SELECT s.id AS sighting_id, s.seen_at, s.precision, s.area_code, s.grooming_models,"
        " s.indicators, p.name AS premises, s.source_agency, s.source_ref, s.note"
        " FROM sighting s LEFT JOIN premises p ON p.id = s.premises_id"
        " WHERE " + " AND ".join(clauses) + " ORDER BY s.seen_at DESC, s.id DESC LIMIT :limit"
    )
    with engine.begin() as connection:
        rows = pd.read_sql(text(sql), connection, params=params | {"limit": int(limit)})
        ids = [int(i) for i in rows["sighting_id"]]
        people = _pseudonyms_of(connection, ids)
        record_use(
            connection, user, CONSULTATION, "search:sighting",
            {"words": words, "pseudonym": pseudonym, "start": start, "end": end,
             "rows": len(rows)},
        )  # fmt: skip
    rows["seen_at"] = pd.to_datetime(rows["seen_at"], format="ISO8601")
    rows["people"] = [people.get(int(i), "") for i in rows["sighting_id"]]
    return rows[list(SEARCH_COLUMNS)]


def _pseudonyms_of(connection: Connection, sighting_ids: list[int]) -> dict[int, str]:
    if not sighting_ids:
        return {}
    names = ", ".join(f":s{i}" for i in range(len(sighting_ids)))
    links = connection.execute(
        text(
            "SELECT sp.sighting_id, yp.pseudonym FROM sighting_person sp JOIN young_person yp"
            f" ON yp.id = sp.person_id WHERE sp.sighting_id IN ({names})"
            " ORDER BY sp.sighting_id, yp.pseudonym"
        ),
        {f"s{i}": value for i, value in enumerate(sighting_ids)},
    )
    found: dict[int, list[str]] = {}
    for sighting_id, pseudonym in links:
        found.setdefault(int(sighting_id), []).append(pseudonym)
    return {key: CODE_SEPARATOR.join(value) for key, value in found.items()}


def record_refusal(engine: Engine, user: User, what: str, refusal: str) -> None:
    """Audit a refused page or request (`access_denied`): a curious colleague's attempts
    are on the log for the admin to see. `what` names the page or data asked for."""
    with engine.begin() as connection:
        write_audit(
            connection, username=user.username or "(unknown)",
            role=user.role if user.role in ROLES else None, action=ACCESS_DENIED,
            target=what, detail={"refusal": refusal}, purpose=user.purpose or None,
        )  # fmt: skip
