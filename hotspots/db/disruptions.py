"""Disruption actions, their evaluation, the briefing and the meeting pack, for one user.

The role rule and the audit entry are applied here (DPA 2018 s.62): recording or editing an
action is an *alteration*; evaluating one, or building the meeting pack, a *consultation*
of sightings; every export (briefing, meeting pack, evaluation) a *disclosure*.
Recording and evaluating need `Capability.RECORD_DISRUPTION`; the pack needs
`Capability.PREPARE_MEETING_PACK`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine, text

from hotspots.analysis import find_clusters
from hotspots.db.access import (
    User,
    premises,
    read_sightings_unchecked,
    record_use,
    sighting_date_range,
)
from hotspots.db.audit import ALTERATION, CONSULTATION, DISCLOSURE
from hotspots.db.engine import backend_of
from hotspots.db.load import bump_data_version, now_utc
from hotspots.db.mapdata import (
    DEFAULT_DISTANCE_M,
    MapFilters,
    MapSource,
    filtered,
    hotspot_detail,
    load_map_source,
)
from hotspots.db.spatial import GEOMETRY_AS_WKB, GEOMETRY_FROM_WKT
from hotspots.disruption.actions import DisruptionAction, validate_action, with_changes
from hotspots.disruption.briefing import Briefing, build_briefing, render_html, render_pdf
from hotspots.disruption.evaluation import DEFAULT_MONTHS, Evaluation, evaluate
from hotspots.disruption.meeting_pack import MeetingPack, build_meeting_pack, pack_csv, pack_html
from hotspots.domain import CRS_WGS84
from hotspots.security.roles import Capability, require

TARGET: Final[str] = "disruption"
#: Columns written from a `DisruptionAction` (besides the geometry and the bookkeeping).
_FIELDS: Final[tuple[str, ...]] = (
    "action_type",
    "hotspot_name",
    "premises_id",
    "start_date",
    "end_date",
    "agency",
    "notes",
    "status",
    "target_kind",
    "target_label",
    "evaluation_due",
)
_DATES: Final[tuple[str, ...]] = ("start_date", "end_date", "evaluation_due")
#: The meeting pack reads at least this much history (the emerging patterns need a year).
PACK_HISTORY_DAYS: Final[int] = 366
_TIMES: Final[tuple[str, ...]] = ("created_at", "updated_at", "evaluated_at")


class ActionNotFound(LookupError):
    """No disruption action has that id."""


def _multi(area: BaseGeometry) -> str:
    shape = area if isinstance(area, MultiPolygon) else MultiPolygon([area])
    return shapely.to_wkt(shape, rounding_precision=7)


def _values(action: DisruptionAction) -> dict[str, Any]:
    return {name: getattr(action, name) for name in _FIELDS} | {"wkt": _multi(action.area)}


def record_action(engine: Engine, user: User, action: DisruptionAction) -> int:
    """Store a validated action; returns its id. Audited as an alteration."""
    require(user.role, Capability.RECORD_DISRUPTION)
    geom = GEOMETRY_FROM_WKT[backend_of(engine)].format(wkt=":wkt")
    columns = ", ".join(_FIELDS)
    params = ", ".join(f":{name}" for name in _FIELDS)
    sql = (
        f"INSERT INTO disruption ({columns}, geom, created_by, created_at)"
        f" VALUES ({params}, {geom}, :created_by, :created_at) RETURNING id"
    )
    with engine.begin() as connection:
        new_id = int(
            connection.execute(
                text(sql), _values(action) | {"created_by": user.username, "created_at": now_utc()}
            ).scalar_one()
        )
        record_use(
            connection,
            user,
            ALTERATION,
            f"{TARGET}:{new_id}",
            {
                "change": "recorded",
                "action_type": action.action_type,
                "target": action.target_label,
                "start_date": action.start_date,
            },
        )
        bump_data_version(connection)
    return new_id


def _read(connection: Connection, backend: str, where: str, params: dict) -> pd.DataFrame:
    wkb = GEOMETRY_AS_WKB[backend].format(geom="geom")
    sql = f"SELECT *, {wkb} AS wkb FROM disruption {where} ORDER BY start_date DESC, id DESC"
    rows = pd.read_sql(text(sql), connection, params=params)
    return rows.drop(columns=["geom"], errors="ignore")


def _parse(rows: pd.DataFrame) -> pd.DataFrame:
    for name in _DATES:
        rows[name] = pd.to_datetime(rows[name]).dt.date.astype(object)
        rows[name] = rows[name].where(rows[name].notna(), None)
    for name in _TIMES:
        rows[name] = pd.to_datetime(rows[name], format="ISO8601")
    rows["premises_id"] = rows["premises_id"].astype("Int64")
    return rows


def _action(row: Mapping[str, Any]) -> DisruptionAction:
    def value(name: str) -> Any:
        item = row.get(name)
        return None if item is None or (not isinstance(item, str) and pd.isna(item)) else item

    return DisruptionAction(
        id=int(row["id"]),
        action_type=row["action_type"],
        start_date=value("start_date"),
        end_date=value("end_date"),
        agency=row["agency"],
        target_kind=row["target_kind"],
        area=shapely.from_wkb(bytes(row["wkb"])) if value("wkb") is not None else None,
        notes=value("notes") or "",
        hotspot_name=value("hotspot_name"),
        premises_id=None if value("premises_id") is None else int(row["premises_id"]),
        target_label=value("target_label") or "",
        status=row["status"],
        evaluation_due=value("evaluation_due"),
        created_by=value("created_by"),
        created_at=value("created_at"),
        updated_by=value("updated_by"),
        updated_at=value("updated_at"),
        evaluated_at=value("evaluated_at"),
        last_verdict=value("last_verdict"),
    )


def list_actions(engine: Engine, user: User) -> list[DisruptionAction]:
    """Every action, newest start first (no case data in an action; not audited)."""
    require(user.role, Capability.RECORD_DISRUPTION)
    with engine.connect() as connection:
        rows = _parse(_read(connection, backend_of(engine), "", {}))
    return [_action(row) for row in rows.to_dict("records")]


def get_action(engine: Engine, user: User, action_id: int) -> DisruptionAction:
    require(user.role, Capability.RECORD_DISRUPTION)
    with engine.connect() as connection:
        rows = _parse(_read(connection, backend_of(engine), "WHERE id = :id", {"id": action_id}))
    if rows.empty:
        raise ActionNotFound(f"no disruption action with id {action_id}; list them to see ids")
    return _action(rows.iloc[0].to_dict())


def actions_frame(actions: list[DisruptionAction]) -> pd.DataFrame:
    """A table of actions for display and export (no geometry)."""
    columns = (
        "id",
        *_FIELDS,
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "evaluated_at",
        "last_verdict",
    )
    return pd.DataFrame([{c: getattr(a, c) for c in columns} for a in actions], columns=columns)


def update_action(
    engine: Engine, user: User, action_id: int, changes: Mapping[str, Any], *, today: date
) -> DisruptionAction:
    """Apply `changes` (field -> new value, `area` a WGS84 polygon), validated again as a
    whole; audited as an alteration naming the fields changed (not their text)."""
    require(user.role, Capability.RECORD_DISRUPTION)
    current = get_action(engine, user, action_id)
    updated = with_changes(current, changes, today)
    changed = [name for name in _FIELDS if getattr(current, name) != getattr(updated, name)]
    if not current.area.equals(updated.area):
        changed.append("area")
    changed.sort()
    if not changed:
        return current
    geom = GEOMETRY_FROM_WKT[backend_of(engine)].format(wkt=":wkt")
    assignments = ", ".join(f"{name} = :{name}" for name in _FIELDS)
    sql = (
        f"UPDATE disruption SET {assignments}, geom = {geom}, updated_by = :updated_by,"
        " updated_at = :updated_at WHERE id = :id"
    )
    with engine.begin() as connection:
        connection.execute(
            text(sql),
            _values(updated)
            | {"updated_by": user.username, "updated_at": now_utc(), "id": action_id},
        )
        record_use(
            connection,
            user,
            ALTERATION,
            f"{TARGET}:{action_id}",
            {"change": "edited", "fields": changed},
        )
        bump_data_version(connection)
    return get_action(engine, user, action_id)


def new_action(
    engine: Engine, user: User, fields: Mapping[str, Any], *, today: date
) -> tuple[int, DisruptionAction]:
    """Validate form fields and record the action: (id, action). `ActionRejected` on error."""
    require(user.role, Capability.RECORD_DISRUPTION)
    action = validate_action(fields, today=today)
    return record_action(engine, user, action), action


def evaluate_action(
    engine: Engine,
    user: User,
    action_id: int | Sequence[int],
    *,
    comparison: BaseGeometry | None = None,
    **options: Any,
) -> Evaluation:
    """Evaluate one action, or a group of actions together, on the sightings around it.

    A group is evaluated as one action: its target is the union of the actions' areas and it
    starts on the earliest start date (see `evaluation.evaluate` for the options). Consults
    sightings of the periods needed (audited, with the counts used) and stores on each action
    when it was evaluated and the judgement (an alteration).
    """
    require(user.role, Capability.RECORD_DISRUPTION)
    require(user.role, Capability.VIEW_SIGHTING_POINTS)
    ids = [action_id] if isinstance(action_id, int) else [int(i) for i in action_id]
    if not ids:
        raise ValueError("choose at least one action to evaluate")
    actions = [get_action(engine, user, i) for i in ids]
    start = min(action.start_date for action in actions)
    area = shapely.union_all([action.area for action in actions])
    _, last = sighting_date_range(engine)
    month = pd.Timestamp(start).to_period("M")
    first = month - options.get("months_before", DEFAULT_MONTHS)
    stop = month + options.get("months_after", DEFAULT_MONTHS)
    sightings = read_sightings_unchecked(
        engine, start=first.start_time.date(), end=stop.start_time.date()
    )
    result = evaluate(
        sightings,
        area,
        start,
        comparison=comparison,
        data_end=None if last is None else last.date(),
        **options,
    )
    _store_evaluation(engine, user, ids, result)
    return result


def _store_evaluation(engine: Engine, user: User, ids: list[int], result: Evaluation) -> None:
    with engine.begin() as connection:
        record_use(
            connection,
            user,
            CONSULTATION,
            "sighting",
            {"use": "disruption_evaluation", "actions": ids, "totals": result.totals},
        )
        for action_id in ids:
            connection.execute(
                text(
                    "UPDATE disruption SET evaluated_at = :at, last_verdict = :verdict"
                    " WHERE id = :id"
                ),
                {"at": now_utc(), "verdict": result.judgement, "id": action_id},
            )
            record_use(
                connection,
                user,
                ALTERATION,
                f"{TARGET}:{action_id}",
                {"change": "evaluated", "judgement": result.judgement, "group": ids},
            )
        bump_data_version(connection)


def record_export(
    engine: Engine, user: User, what: str, detail: Mapping[str, Any] | None = None
) -> None:
    """Audit an export leaving the system (a disclosure): what, in which format, how much.

    A page that renders the bytes ahead of the click (Streamlit's download button) calls
    this from the button's click callback, so the entry is written when the file is taken.
    """
    require(user.role, Capability.EXPORT)
    with engine.begin() as connection:
        record_use(connection, user, DISCLOSURE, what, dict(detail or {}))


def evaluation_csv(result: Evaluation) -> bytes:
    """The evaluation as CSV of monthly counts, the verdict as a comment line (not audited:
    use `export_evaluation`, or `record_export` when the bytes are handed over)."""
    table = result.monthly.copy()
    table.index = table.index.astype(str)
    body = "# " + result.verdict.replace("\n", " ") + "\n" + table.rename_axis("month").to_csv()
    return body.encode("utf-8")


def evaluation_export_detail(result: Evaluation) -> dict[str, Any]:
    return {"export": "evaluation", "format": "csv", "months": len(result.monthly)}


def export_evaluation(engine: Engine, user: User, action_id: int, result: Evaluation) -> bytes:
    """The evaluation as CSV (see `evaluation_csv`), audited as a disclosure."""
    require(user.role, Capability.RECORD_DISRUPTION)
    body = evaluation_csv(result)
    record_export(engine, user, f"{TARGET}:{action_id}", evaluation_export_detail(result))
    return body


def today_utc() -> date:
    return datetime.now(UTC).date()


# ---------------------------------------------------------------- the briefing


def briefing(
    engine: Engine,
    user: User,
    filters: MapFilters,
    hotspot: int | str,
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    gazetteer: pd.DataFrame | None = None,
    source: MapSource | None = None,
) -> Briefing:
    """The disruption briefing of one hotspot of the map drawn under `filters`.

    Analysts only (it names vehicle tokens and grooming-model detail); the consultation of
    sightings is audited by `hotspot_detail`. Export it with `export_briefing`.
    """
    require(user.role, Capability.RECORD_DISRUPTION)
    detail = hotspot_detail(
        engine, user, filters, hotspot, distance_m=distance_m, gazetteer=gazetteer, source=source
    )
    period = ""
    if filters.start is not None and filters.end is not None:
        last = pd.Timestamp(filters.end) - pd.Timedelta(days=1)
        period = f"{filters.start:%d %b %Y} to {last:%d %b %Y}"
    return build_briefing(detail, gazetteer=gazetteer, period=period)


def briefing_bytes(document: Briefing, fmt: str) -> bytes:
    """The briefing rendered as HTML or PDF (not audited; see `export_briefing`)."""
    if fmt == "html":
        return render_html(document).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(document)
    raise ValueError(f"briefing format {fmt!r}; expected 'html' or 'pdf'")


def export_briefing(engine: Engine, user: User, document: Briefing, fmt: str = "html") -> bytes:
    """The briefing as HTML or PDF bytes; every export is audited as a disclosure."""
    require(user.role, Capability.RECORD_DISRUPTION)
    body = briefing_bytes(document, fmt)
    record_export(engine, user, *briefing_export_audit(document, fmt, body))
    return body


def briefing_export_audit(document: Briefing, fmt: str, body: bytes) -> tuple[str, dict]:
    """(target, detail) of the disclosure entry of a briefing export."""
    detail = {"export": "disruption_briefing", "format": fmt, "bytes": len(body)}
    return f"hotspot:{document.hotspot}", detail


# ---------------------------------------------------------------- the meeting pack


def _people_register(engine: Engine) -> pd.DataFrame:
    sql = "SELECT pseudonym, risk_level, screening_score FROM young_person ORDER BY pseudonym"
    with engine.connect() as connection:
        return pd.read_sql(text(sql), connection)


def meeting_pack(
    engine: Engine,
    user: User,
    since: date,
    *,
    until: date | None = None,
    gazetteer: pd.DataFrame | None = None,
) -> MeetingPack:
    """The CSE meeting pack since `since` (up to `until`, default the day after the last
    sighting). Needs `PREPARE_MEETING_PACK`; audited as a consultation of sightings and of
    young people, with the counts."""
    require(user.role, Capability.PREPARE_MEETING_PACK)
    if until is None:
        _, last = sighting_date_range(engine)
        until = (last.date() if last else today_utc()) + timedelta(days=1)
    earliest = min(since - (until - since), until - timedelta(days=PACK_HISTORY_DAYS))
    sightings = read_sightings_unchecked(engine, start=earliest, end=until)
    with engine.connect() as connection:
        rows = _parse(_read(connection, backend_of(engine), "", {}))
    actions = actions_frame([_action(row) for row in rows.to_dict("records")])
    register = premises(engine, user)
    pack = build_meeting_pack(
        sightings,
        _people_register(engine),
        register,
        actions,
        since=since,
        until=until,
        gazetteer=gazetteer,
    )
    with engine.begin() as connection:
        record_use(
            connection,
            user,
            CONSULTATION,
            "meeting_pack",
            {
                "since": since,
                "until": until,
                "sightings_used": len(sightings),
                "items": len(pack.ranked),
                "young_people_listed": len(pack.people),
            },
        )
    return pack


def meeting_pack_bytes(pack: MeetingPack, fmt: str) -> bytes:
    """The pack as CSV (the ranked list) or HTML (every list); not audited, see below."""
    if fmt == "csv":
        return pack_csv(pack)
    if fmt == "html":
        return pack_html(pack).encode("utf-8")
    raise ValueError(f"meeting pack format {fmt!r}; expected 'csv' or 'html'")


def meeting_pack_export_detail(pack: MeetingPack, fmt: str) -> dict[str, Any]:
    return {"export": "meeting_pack", "format": fmt, "since": pack.since, "items": len(pack.ranked)}


def export_meeting_pack(engine: Engine, user: User, pack: MeetingPack, fmt: str = "csv") -> bytes:
    """The pack as CSV or HTML bytes, audited as a disclosure."""
    require(user.role, Capability.PREPARE_MEETING_PACK)
    body = meeting_pack_bytes(pack, fmt)
    record_export(engine, user, "meeting_pack", meeting_pack_export_detail(pack, fmt))
    return body


def current_hotspots(
    engine: Engine,
    user: User,
    filters: MapFilters,
    *,
    gazetteer: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Hotspot outlines under `filters` [hotspot_id, name, sightings, distinct_people,
    geometry (EPSG:4326)], to choose a target or a comparison area. Audited as a consultation
    (the outlines are drawn from sightings)."""
    require(user.role, Capability.RECORD_DISRUPTION)
    source = load_map_source(engine, user, start=filters.start, end=filters.end)
    chosen = filtered(source, filters)
    found = find_clusters(chosen, gazetteer, method=filters.method, min_people=filters.min_people)
    with engine.begin() as connection:
        record_use(
            connection,
            user,
            CONSULTATION,
            "sighting",
            {
                "use": "disruption_targets",
                "sightings_used": len(chosen),
                "filters": filters.describe(),
            },
        )
    columns = ["hotspot_id", "name", "sightings", "distinct_people", "geometry"]
    return found.hotspots[columns].to_crs(CRS_WGS84).reset_index(drop=True)
