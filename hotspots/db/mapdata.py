"""What the Hotspot map and Hotspot detail pages show, built on behalf of one user.

The role rule and the audit entry are applied here, so no page can forget them:

* ``analyst``: everything: grooming-model cells, hotspots with their statistics, density,
  Gi* grid, premises, risky places, boundaries; a hotspot's full detail.
* ``licensing``: hotspot outlines with their counts, premises and the density surface only:
  no sighting points, no young-person rows, no grooming-model or indicator breakdowns, and no
  risky places other than premises.
* anyone else: `AccessDenied`.

Whenever sighting-level data is used to build what is returned, a *consultation* entry is
written to the audit log, naming the use, the filters and how many sightings were used.
Loading sightings (`load_map_source`) is split from building (`hotspot_map_data`,
`hotspot_detail`) so that a page can keep the loaded period and re-use it when a filter
changes; the frames a `MapSource` holds never leave this module's functions untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from hotspots.analysis import (
    count_by_cell,
    count_people,
    density_surface,
    emerging_hot_spots,
    filter_sightings,
    find_clusters,
    hot_spots,
    risky_places,
    time_signature,
)
from hotspots.analysis.frames import code_matrix, to_bng
from hotspots.db.access import User, premises, read_sightings_unchecked, record_use
from hotspots.db.audit import CONSULTATION
from hotspots.db.engine import backend_of
from hotspots.db.spatial import GEOMETRY_AS_WKB
from hotspots.domain import CRS_BNG, CRS_WGS84, GROOMING_MODELS, INDICATORS, RISK_LEVELS
from hotspots.security.roles import Capability, can, require

#: Ways of drawing hotspot polygons (density clustering of sightings).
METHODS: Final[dict[str, str]] = {
    "dbscan": "Density clusters (DBSCAN)",
    "hdbscan": "Density clusters (HDBSCAN)",
}
DEFAULT_CELL_M: Final[float] = 250.0
#: Density surface cells on the map: coarser than the analysis default, to keep pages small.
DENSITY_CELL_M: Final[float] = 100.0
DENSITY_BANDWIDTH_M: Final[float] = 200.0
#: Density cells below this share of the peak are not drawn.
DENSITY_FLOOR: Final[float] = 0.05
#: Gi* on the map uses the analytic z-score (no permutations): fast enough for each filter.
GISTAR_PERMUTATIONS: Final[int] = 0
#: The busiest risky places drawn; the rest would clutter the map and swell the page.
RISKY_PLACES_SHOWN: Final[int] = 150
DEFAULT_DISTANCE_M: Final[float] = 250.0
#: The pages open on the last year of sightings, in whole calendar months.
DEFAULT_PERIOD_MONTHS: Final[int] = 12

#: What a licensing user may see of a hotspot: its outline and counts.
OUTLINE_COLUMNS: Final[tuple[str, ...]] = (
    "hotspot_id", "name", "sightings", "distinct_people", "area_km2", "geometry",
)  # fmt: skip
RISKY_KIND_LABELS: Final[dict[str, str]] = {
    "premises": "Premises",
    "location": "Exact spot (25 m)",
    "cell": "100 m square",
}


class HotspotNotFound(LookupError):
    """The hotspot asked for is not among those the filters give."""


@dataclass(frozen=True)
class MapFilters:
    """The Hotspot map's sidebar: a period (``end`` exclusive), codes to keep (None: all;
    an empty tuple keeps nothing), the minimum distinct young people of a hotspot and the
    clustering method."""

    start: date | None = None
    end: date | None = None
    grooming_models: tuple[str, ...] | None = None
    indicators: tuple[str, ...] | None = None
    risk_levels: tuple[str, ...] | None = None
    min_people: int = 3
    method: str = "dbscan"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method {self.method!r} is not one of {', '.join(METHODS)}")
        if self.min_people < 1:
            raise ValueError(f"min_people must be at least 1, not {self.min_people}")

    def describe(self) -> dict[str, object]:
        """The filters as plain values, for the audit entry."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class MapSource:
    """Sightings of a period, premises and boundaries, loaded once for one user.

    Internal to this module: pass it back to `hotspot_map_data` or `hotspot_detail`, which
    apply the role rule and write the audit entry. It holds sighting-level rows only for a
    role that may see sighting points; for any other role `sightings` is None and the rows
    are read afresh inside this module each time, so they never reach the caller.
    """

    user: User
    start: date | None
    end: date | None
    sightings: gpd.GeoDataFrame | None = field(repr=False)
    premises: gpd.GeoDataFrame = field(repr=False)
    boundaries: gpd.GeoDataFrame = field(repr=False)

    def covers(self, filters: MapFilters) -> bool:
        """True when the filters' period lies inside the loaded one."""
        starts = self.start is None or (filters.start is not None and filters.start >= self.start)
        ends = self.end is None or (filters.end is not None and filters.end <= self.end)
        return starts and ends


@dataclass(frozen=True)
class MapData:
    """Everything the Hotspot map draws, and the numbers above it.

    `full` is False for a licensing user: then `cells_by_model`, `gistar` and `young_people`
    are empty or None and `risky_places` holds premises only.
    """

    filters: MapFilters
    full: bool
    sightings: int
    young_people: int | None
    cells_by_model: dict[str, gpd.GeoDataFrame]
    hotspots: gpd.GeoDataFrame
    density: gpd.GeoDataFrame | None
    gistar: gpd.GeoDataFrame | None
    premises: gpd.GeoDataFrame
    risky_places: gpd.GeoDataFrame | None
    boundaries: gpd.GeoDataFrame | None

    @property
    def empty(self) -> bool:
        return self.sightings == 0

    def layers(self) -> dict[str, object]:
        """Keyword arguments for `hotspots.maps.hotspot_map`."""
        return {
            "cells_by_model": self.cells_by_model or None,
            "hotspots": self.hotspots,
            "density": self.density,
            "gistar": self.gistar,
            "premises": self.premises,
            "risky_places": self.risky_places,
            "boundaries": self.boundaries,
        }


@dataclass(frozen=True)
class HotspotDetail:
    """One hotspot: outline, counts and (for analysts) what, when and who's vehicles.

    ``model_mix`` and ``indicators``: sightings per code, busiest first; ``week_hour``: 7 x 24
    counts (Monday first); ``monthly``: sightings per month; ``emerging``: the Emerging Hot
    Spot pattern of its busiest patterned cells; ``premises``: premises inside or within the
    distance asked (``distance_m`` 0 inside); ``vehicles``: vehicle tokens seen here and in at
    least one other hotspot. Analyst-only parts are None for licensing.
    """

    hotspot_id: int
    name: str
    outline: gpd.GeoDataFrame
    sightings: int
    distinct_people: int
    first_seen: pd.Timestamp | None
    last_seen: pd.Timestamp | None
    area_km2: float
    distance_m: float
    premises: gpd.GeoDataFrame
    model_mix: pd.Series | None = None
    indicators: pd.Series | None = None
    week_hour: pd.DataFrame | None = None
    monthly: pd.Series | None = None
    emerging: str | None = None
    vehicles: pd.DataFrame | None = None
    peak_hours: str | None = None
    others: tuple[str, ...] = ()


# ---------------------------------------------------------------- loading


def _check(user: User) -> bool:
    """Refuse roles that may not see hotspots; True when the user may see everything."""
    require(user.role, Capability.VIEW_HOTSPOT_OUTLINES)
    return can(user.role, Capability.VIEW_SIGHTING_POINTS)


def boundaries(engine: Engine, kind: str | None = None) -> gpd.GeoDataFrame:
    """Area outlines [code, name, kind, geometry] in EPSG:4326 (public data, no case data).

    Without `kind`, the kind with the most areas (wards, usually) is returned.
    """
    wkb = GEOMETRY_AS_WKB[backend_of(engine)].format(geom="geom")
    sql = f"SELECT code, name, kind, {wkb} AS wkb FROM area WHERE geom IS NOT NULL ORDER BY id"
    with engine.connect() as connection:
        rows = pd.read_sql(text(sql), connection)
    if rows.empty:
        empty = pd.DataFrame(columns=["code", "name", "kind"])
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=CRS_WGS84))
    chosen = kind or rows["kind"].value_counts().idxmax()
    rows = rows[rows["kind"] == chosen]
    geometry = shapely.from_wkb([bytes(b) for b in rows["wkb"]])
    return gpd.GeoDataFrame(
        rows.drop(columns="wkb").reset_index(drop=True), geometry=geometry, crs=CRS_WGS84
    )


def load_map_source(
    engine: Engine, user: User, *, start: date | None = None, end: date | None = None
) -> MapSource:
    """Sightings of a period (``end`` exclusive), premises and boundaries for this user.

    Checks the role (`AccessDenied` for roles without hotspot outlines). The audit entry is
    written when something is built from it for the user.
    """
    _check(user)
    if not can(user.role, Capability.VIEW_SIGHTING_POINTS):
        return MapSource(user, start, end, None, premises(engine, user), boundaries(engine))
    return _read_source(engine, user, start, end)


def _read_source(engine: Engine, user: User, start: date | None, end: date | None) -> MapSource:
    """The full source, sightings included; for use inside this module only."""
    return MapSource(
        user=user,
        start=start,
        end=end,
        sightings=read_sightings_unchecked(engine, start=start, end=end),
        premises=premises(engine, user),
        boundaries=boundaries(engine),
    )


def _source_for(
    engine: Engine, user: User, filters: MapFilters, source: MapSource | None
) -> MapSource:
    usable = source is not None and source.sightings is not None
    if usable and source.user == user and source.covers(filters):
        return source
    _check(user)
    return _read_source(engine, user, filters.start, filters.end)


def _audit(engine: Engine, user: User, use: str, filters: MapFilters, rows: int, **extra) -> None:
    detail = {"use": use, "sightings_used": rows, "filters": filters.describe(), **extra}
    with engine.begin() as connection:
        record_use(connection, user, CONSULTATION, "sighting", detail)


def filtered(source: MapSource, filters: MapFilters) -> gpd.GeoDataFrame:
    """The source's sightings that pass the filters (internal: sighting-level rows)."""
    return filter_sightings(
        source.sightings,
        start=filters.start,
        end=filters.end,
        grooming_models=filters.grooming_models,
        indicators=filters.indicators,
        risk_levels=filters.risk_levels,
    )


# ---------------------------------------------------------------- the Hotspot map


def hotspot_map_data(
    engine: Engine,
    user: User,
    filters: MapFilters,
    *,
    gazetteer: pd.DataFrame | None = None,
    cell_m: float = DEFAULT_CELL_M,
    source: MapSource | None = None,
) -> MapData:
    """The layers and numbers of the Hotspot map for `user`, under `filters`.

    Parameters
    ----------
    engine, user : the database, and on whose behalf (analyst: everything; licensing:
        outlines with counts, premises, density; others refused).
    filters : period, grooming models, indicators, risk levels, minimum distinct young
        people of a hotspot, clustering method.
    gazetteer : localities [name, lat, lon] that name the hotspots.
    cell_m : side of the grid cells of the grooming-model layers and the Gi* grid, metres.
    source : a `load_map_source` result to re-use; loaded afresh when it is another user's
        or does not cover the filters' period.
    """
    full = _check(user)
    source = _source_for(engine, user, filters, source)
    chosen = filtered(source, filters)
    _audit(engine, user, "hotspot_map", filters, len(chosen), cell_m=cell_m)
    hotspots = _hotspots(chosen, gazetteer, filters)
    return MapData(
        filters=filters,
        full=full,
        sightings=len(chosen),
        young_people=count_people(chosen) if full else None,
        cells_by_model=_cells_by_model(chosen, filters, cell_m) if full else {},
        hotspots=hotspots if full else _outline_columns(hotspots),
        density=_density(chosen),
        gistar=_gistar(chosen, cell_m) if full else None,
        premises=_premises_with_counts(source.premises, chosen, hotspots),
        risky_places=_risky_places(chosen, source.premises, full),
        boundaries=source.boundaries if not source.boundaries.empty else None,
    )


def _hotspots(
    chosen: gpd.GeoDataFrame, gazetteer: pd.DataFrame | None, filters: MapFilters
) -> gpd.GeoDataFrame:
    return _clusters(chosen, gazetteer, filters).hotspots


def _clusters(chosen: gpd.GeoDataFrame, gazetteer: pd.DataFrame | None, filters: MapFilters):
    return find_clusters(chosen, gazetteer, method=filters.method, min_people=filters.min_people)


def _outline_columns(hotspots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return hotspots[list(OUTLINE_COLUMNS)]


def _cells_by_model(
    chosen: gpd.GeoDataFrame, filters: MapFilters, cell_m: float
) -> dict[str, gpd.GeoDataFrame]:
    """Sightings per grid cell for each grooming model wanted (cells with none left out)."""
    if chosen.empty:
        return {}
    wanted = filters.grooming_models if filters.grooming_models is not None else GROOMING_MODELS
    matrix = code_matrix(chosen["grooming_models"], list(GROOMING_MODELS))
    result = {}
    for i, code in enumerate(GROOMING_MODELS):
        if code not in wanted or not matrix[:, i].any():
            continue
        cells = count_by_cell(chosen[matrix[:, i]], cell_m=cell_m)
        cells = cells[cells["count"] > 0]
        result[code] = cells[["count", "geometry"]].to_crs(CRS_WGS84).reset_index(drop=True)
    return result


def _density(chosen: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    if chosen.empty:
        return None
    surface = density_surface(chosen, cell_m=DENSITY_CELL_M, bandwidth_m=DENSITY_BANDWIDTH_M)
    peak = float(surface["density"].max())
    keep = surface[surface["density"] >= DENSITY_FLOOR * peak] if peak > 0 else surface[:0]
    return keep[["density", "geometry"]].reset_index(drop=True)


def _gistar(chosen: gpd.GeoDataFrame, cell_m: float) -> gpd.GeoDataFrame | None:
    if len(chosen) < 2:
        return None
    cells = hot_spots(chosen, cell_m=cell_m, permutations=GISTAR_PERMUTATIONS)
    significant = cells[cells["gi_bin"] != 0]
    return significant[["gi_z", "p_fdr", "gi_bin", "geometry"]].reset_index(drop=True)


def _premises_with_counts(
    register: gpd.GeoDataFrame, chosen: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The premises register with `sightings` linked to each (under the filters) and
    whether it lies in one of the hotspots (`in_hotspot`)."""
    linked = chosen["premises_id"].dropna().astype(int).value_counts()
    result = register.copy()
    result["sightings"] = result["premises_id"].map(linked).fillna(0).astype(int)
    if hotspots.empty or result.empty:
        result["in_hotspot"] = False
    else:
        area = shapely.union_all(hotspots.to_crs(CRS_WGS84).geometry.to_numpy())
        result["in_hotspot"] = result.geometry.intersects(area).to_numpy()
    return result


def _risky_places(
    chosen: gpd.GeoDataFrame, register: gpd.GeoDataFrame, full: bool
) -> gpd.GeoDataFrame | None:
    """The busiest risky places, named for the map; premises only for licensing."""
    if chosen.empty:
        return None
    kinds = ("premises", "location", "cell") if full else ("premises",)
    places = risky_places(chosen, kinds=kinds).head(RISKY_PLACES_SHOWN).copy()
    if places.empty:
        return None
    names = register.set_index(register["premises_id"].astype(str))["name"]
    is_premises = places["place_kind"] == "premises"
    places["name"] = places["place_kind"].map(RISKY_KIND_LABELS)
    places.loc[is_premises, "name"] = places.loc[is_premises, "place_key"].map(names)
    places["young_people"] = places["distinct_people"].astype(int)
    return places[["place_kind", "name", "young_people", "sightings", "geometry"]]


# ---------------------------------------------------------------- one hotspot


def hotspot_detail(
    engine: Engine,
    user: User,
    filters: MapFilters,
    hotspot: int | str,
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    gazetteer: pd.DataFrame | None = None,
    source: MapSource | None = None,
) -> HotspotDetail:
    """One hotspot of the map drawn under `filters`, by its id (rank) or its name.

    Raises `HotspotNotFound` when the filters give no such hotspot, and `AccessDenied` for
    roles without hotspot outlines. Licensing users get the outline, counts and premises.
    """
    full = _check(user)
    source = _source_for(engine, user, filters, source)
    chosen = filtered(source, filters)
    result = _clusters(chosen, gazetteer, filters)
    row = _find(result.hotspots, hotspot)
    hotspot_id = int(row["hotspot_id"])
    _audit(engine, user, "hotspot_detail", filters, len(chosen), hotspot=str(row["name"]))
    members = chosen[(result.labels == hotspot_id).to_numpy()]
    outline = result.hotspots[result.hotspots["hotspot_id"] == hotspot_id]
    detail = HotspotDetail(
        hotspot_id=hotspot_id,
        name=str(row["name"]),
        outline=outline if full else _outline_columns(outline),
        sightings=int(row["sightings"]),
        distinct_people=int(row["distinct_people"]),
        first_seen=_time(row["first_seen"]),
        last_seen=_time(row["last_seen"]),
        area_km2=float(row["area_km2"]),
        distance_m=float(distance_m),
        premises=premises_near(source.premises, outline, distance_m, members),
        others=tuple(result.hotspots.loc[result.hotspots["hotspot_id"] != hotspot_id, "name"]),
    )
    if not full:
        return detail
    signature = time_signature(members, start=filters.start, end=filters.end)
    return _with_analysis(detail, row, members, chosen, result, signature)


def _with_analysis(detail, row, members, chosen, result, signature) -> HotspotDetail:
    return replace(
        detail,
        model_mix=code_counts(members["grooming_models"], GROOMING_MODELS),
        indicators=code_counts(members["indicators"], INDICATORS),
        week_hour=signature.week_hour,
        monthly=signature.monthly,
        emerging=emerging_category(chosen, detail.outline),
        vehicles=shared_vehicles(chosen, result.labels, result.hotspots, detail.hotspot_id),
        peak_hours=None if pd.isna(row["peak_hours"]) else str(row["peak_hours"]),
    )


def _find(hotspots: gpd.GeoDataFrame, hotspot: int | str) -> pd.Series:
    if isinstance(hotspot, str) and not hotspot.isdigit():
        hit = hotspots[hotspots["name"] == hotspot]
    else:
        hit = hotspots[hotspots["hotspot_id"] == int(hotspot)]
    if hit.empty:
        names = ", ".join(hotspots["name"]) or "none"
        raise HotspotNotFound(
            f"no hotspot {hotspot!r} under these filters (hotspots found: {names}); "
            "choose one of them, or widen the filters"
        )
    return hit.iloc[0]


def _time(value: object) -> pd.Timestamp | None:
    return None if pd.isna(value) else pd.Timestamp(value)


def code_counts(stored: pd.Series, vocabulary: dict[str, str]) -> pd.Series:
    """Sightings carrying each code, busiest first, indexed by label; codes never seen left out.

    >>> code_counts(pd.Series(["party|lone", "party", ""]), GROOMING_MODELS).to_dict()
    {'Party': 2, 'Lone offender': 1}
    """
    codes = list(vocabulary)
    if stored.empty:
        return pd.Series(dtype="int64", name="sightings")
    totals = code_matrix(stored, codes).sum(axis=0)
    counts = pd.Series(totals, index=[vocabulary[c] for c in codes], name="sightings")
    counts = counts[counts > 0].astype("int64")
    return counts.sort_values(ascending=False, kind="stable")


def emerging_category(chosen: gpd.GeoDataFrame, outline: gpd.GeoDataFrame) -> str:
    """The Emerging Hot Spot pattern of the hotspot: among the grid cells whose centres lie
    inside it and that have a pattern, the pattern holding the most sightings."""
    if chosen.empty or outline.empty:
        return "No Pattern Detected"
    cells = emerging_hot_spots(chosen).cells
    area = outline.to_crs(CRS_BNG).geometry.iloc[0]
    centres = cells.geometry.centroid
    inside = cells[centres.within(area).to_numpy() & (cells["pattern"] != "No Pattern Detected")]
    if inside.empty:
        return "No Pattern Detected"
    return str(inside.groupby("pattern")["count"].sum().idxmax())


def shared_vehicles(
    chosen: gpd.GeoDataFrame, labels: pd.Series, hotspots: gpd.GeoDataFrame, hotspot_id: int
) -> pd.DataFrame:
    """Vehicle tokens seen in this hotspot and in at least one other: [vehicle_token,
    sightings_here, other_hotspots] (names joined by ', '). Tokens only, never plates."""
    frame = pd.DataFrame({"token": chosen["vehicle_token"].to_numpy(), "hotspot": labels})
    frame = frame[frame["token"].notna() & (frame["token"] != "") & (frame["hotspot"] > 0)]
    here = frame[frame["hotspot"] == hotspot_id]["token"].value_counts()
    names = hotspots.set_index("hotspot_id")["name"]
    rows = []
    for token, count in here.items():
        others = sorted(set(frame.loc[frame["token"] == token, "hotspot"]) - {hotspot_id})
        if others:
            rows.append((token, int(count), ", ".join(names[o] for o in others)))
    return pd.DataFrame(rows, columns=["vehicle_token", "sightings_here", "other_hotspots"])


def premises_near(
    register: gpd.GeoDataFrame,
    outline: gpd.GeoDataFrame,
    distance_m: float,
    members: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Premises inside the outline or within `distance_m` metres of it, nearest first, with
    `distance_m` (0 inside) and `sightings` (this hotspot's sightings linked to each)."""
    if register.empty or outline.empty:
        return register.assign(distance_m=pd.Series(dtype=float), sightings=0)[:0]
    area = outline.to_crs(CRS_BNG).geometry.iloc[0]
    points = to_bng(register)
    distance = points.geometry.distance(area).to_numpy()
    near = register[distance <= distance_m].copy()
    near["distance_m"] = np.round(distance[distance <= distance_m], 0)
    linked = pd.Series(dtype="int64")
    if members is not None and not members.empty:
        linked = members["premises_id"].dropna().astype(int).value_counts()
    near["sightings"] = near["premises_id"].map(linked).fillna(0).astype(int)
    return near.sort_values(["distance_m", "name"], kind="stable").reset_index(drop=True)


def default_period(
    last_seen: date | None, months: int = DEFAULT_PERIOD_MONTHS
) -> tuple[date | None, date | None]:
    """The period both pages start with: the last `months` whole calendar months up to and
    including the last sighting's month, as (start, end) with ``end`` exclusive (the day
    after the last sighting); (None, None) when there are no sightings.

    >>> default_period(date(2026, 10, 29))
    (datetime.date(2025, 11, 1), datetime.date(2026, 10, 30))
    """
    if last_seen is None:
        return None, None
    first = pd.Period(last_seen, freq="M") - (months - 1)
    return first.start_time.date(), last_seen + timedelta(days=1)


def filters_from_widgets(
    *,
    start: date | None,
    end: date | None,
    grooming_models: Sequence[str],
    indicators: Sequence[str],
    risk_levels: Sequence[str],
    min_people: int,
    method: str,
) -> MapFilters:
    """`MapFilters` from a page's widget values.

    Grooming models and risk levels are chosen from lists that start with every code
    ticked: all ticked means no filter (so sightings without a code still count), none
    ticked keeps nothing. Indicators start with none chosen, which means no filter.
    """

    def codes(selected: Sequence[str], every: Sequence[str]) -> tuple[str, ...] | None:
        return None if set(every) <= set(selected) else tuple(selected)

    return MapFilters(
        start=start,
        end=end,
        grooming_models=codes(grooming_models, list(GROOMING_MODELS)),
        indicators=tuple(indicators) if indicators else None,
        risk_levels=codes(risk_levels, RISK_LEVELS),
        min_people=int(min_people),
        method=method,
    )
