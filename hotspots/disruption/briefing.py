"""The disruption briefing: one page about one hotspot for the people who will act on it.

Built from a `HotspotDetail` (hotspots.db.mapdata): a static map drawn here with matplotlib
(no tiles, no internet), when the hotspot is busiest, its grooming-model profile and
indicators, the premises to visit, the vehicles of interest (tokens only) and the actions the
rules below recommend. Rendered as HTML (every record string through `esc`) and as PDF
(fpdf2, pure Python). Marked OFFICIAL-SENSITIVE at the top and the bottom.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.domain import CRS_BNG, CRS_WGS84, GROOMING_MODELS, PREMISES_CATEGORIES
from hotspots.maps.colours import HOTSPOT_OUTLINE, PREMISES_STYLES
from hotspots.security.escaping import esc

MARKING: Final[str] = "OFFICIAL-SENSITIVE"
HANDLING: Final[str] = (
    "Pseudonymised partnership intelligence. Share only with named partners under the "
    "information-sharing agreement; do not copy or forward."
)
#: A grooming model counts toward the recommendations when at least this share of the
#: hotspot's sightings carry it.
MODEL_SHARE: Final[float] = 0.25
#: Premises categories that licensing or awareness work reaches.
LICENSED: Final[tuple[str, ...]] = ("takeaway", "shisha_bar")
PREMISES_SHOWN: Final[int] = 12
MAP_MARGIN_M: Final[float] = 350.0


@dataclass(frozen=True)
class Recommendation:
    action: str  # a label of hotspots.disruption.actions.ACTION_TYPES
    why: str


@dataclass(frozen=True)
class Briefing:
    """What the page says; every field plain data, escaped only when rendered."""

    hotspot: str
    generated_at: datetime
    period: str
    sightings: int
    distinct_people: int
    area_km2: float
    peak_days: list[str]
    peak_hours: str
    emerging: str
    models: pd.Series  # label -> sightings
    indicators: pd.Series  # label -> sightings
    premises: pd.DataFrame  # name, category label, licence, where, linked sightings
    vehicles: pd.DataFrame  # token, sightings here, also seen in
    recommendations: list[Recommendation]
    map_png: bytes = field(repr=False)


# ---------------------------------------------------------------- rules


def recommend_actions(
    models: pd.Series,
    sightings: int,
    premises_categories: list[str],
    vehicles: int,
    peak: str,
) -> list[Recommendation]:
    """Recommended actions, by documented rules (README "Disruption briefing").

    A model *leads* when at least `MODEL_SHARE` of the sightings carry it. Rules, in order:

    1. On-street leads -> high-visibility patrol at the peak days and hours.
    2. Vehicles seen here and in other hotspots -> child abduction warning notices once an
       adult is identified from a vehicle token (tokens go to the police intelligence unit).
    3. Hotels or taxi offices within the distance, or Group offender leads -> hotel or taxi
       awareness (staff told what to look for and whom to call).
    4. Takeaways or shisha bars within the distance -> licensing visit.
    5. Parks within the distance, or Party, Boyfriend, Lone or Internet/mobile leads -> youth
       outreach (Internet/mobile: online-safety work in schools).
    6. Nothing above -> other: keep under review, and record any action so it can be evaluated.
    """
    total = max(sightings, 1)
    leads = {label for label, n in models.items() if n / total >= MODEL_SHARE}
    label = GROOMING_MODELS
    categories = set(premises_categories)
    found: list[Recommendation] = []
    if label["on_street"] in leads:
        found.append(
            Recommendation(
                "High-visibility patrol",
                f"On-street grooming leads here; patrol at the peak ({peak}).",
            )
        )
    if vehicles:
        found.append(
            Recommendation(
                "Child abduction warning notice",
                f"{vehicles} vehicle(s) seen here were also seen in other hotspots; identify "
                "the adults and serve notices.",
            )
        )
    hotel_taxi = categories & {"hotel", "taxi_office"}
    if hotel_taxi or label["group"] in leads:
        where = ", ".join(PREMISES_CATEGORIES[c].lower() + "s" for c in sorted(hotel_taxi))
        why = f"{where} nearby" if where else "Group offender grooming leads here"
        found.append(
            Recommendation(
                "Hotel or taxi awareness",
                f"{why}: brief staff on signs of exploitation and whom to call.",
            )
        )
    licensed = categories & set(LICENSED)
    if licensed:
        where = ", ".join(PREMISES_CATEGORIES[c].lower() + "s" for c in sorted(licensed))
        found.append(
            Recommendation(
                "Licensing visit", f"{where} nearby: check licence conditions and staff awareness."
            )
        )
    youth = sorted(leads & {label[c] for c in ("party", "boyfriend", "lone", "internet")})
    if "park" in categories or youth:
        why = ", ".join(youth) + " grooming" if youth else "a park nearby"
        extra = " including online safety in schools" if label["internet"] in youth else ""
        found.append(Recommendation("Youth outreach", f"{why}: detached youth work{extra}."))
    if not found:
        found.append(
            Recommendation(
                "Other",
                "No rule applies: keep under review; record any action so it can be evaluated.",
            )
        )
    return found


def peak_days(week_hour: pd.DataFrame | None) -> list[str]:
    """Days with at least 1.25 times the average day's sightings (busiest first).

    >>> frame = pd.DataFrame([[1] * 24] * 5 + [[3] * 24] * 2,
    ...                      index=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    ...                             "Saturday", "Sunday"])
    >>> peak_days(frame)
    ['Saturday', 'Sunday']
    """
    if week_hour is None or week_hour.to_numpy().sum() == 0:
        return []
    days = week_hour.sum(axis=1)
    return list(days[days >= 1.25 * days.mean()].sort_values(ascending=False, kind="stable").index)


# ---------------------------------------------------------------- the map


def map_png(
    outline: gpd.GeoDataFrame,
    premises: gpd.GeoDataFrame,
    gazetteer: pd.DataFrame | None = None,
    *,
    distance_m: float = 0.0,
    size_in: tuple[float, float] = (6.4, 5.0),
) -> bytes:
    """The hotspot, the distance searched for premises, premises by category and nearby
    locality names, in British National Grid with a 500 m scale bar: PNG bytes."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size_in, dpi=110)
    axes = figure.add_subplot()
    shape = outline.to_crs(CRS_BNG)
    if distance_m > 0:
        shape.buffer(distance_m).plot(
            ax=axes, facecolor="none", edgecolor="#888888", linestyle="--", linewidth=1
        )
    shape.plot(ax=axes, facecolor="#D55E00", alpha=0.35, edgecolor="none")
    shape.boundary.plot(ax=axes, color=HOTSPOT_OUTLINE, linewidth=1.5)
    west, south, east, north = shape.buffer(max(distance_m, 0) + MAP_MARGIN_M).total_bounds
    _draw_premises(axes, premises)
    _draw_places(axes, gazetteer, (west, south, east, north))
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect("equal")
    axes.set_facecolor("#F4F4F0")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel("")
    axes.set_ylabel("")
    _scale_bar(axes, west, south, east, north)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw_premises(axes, premises: gpd.GeoDataFrame) -> None:
    if premises is None or premises.empty:
        return
    points = premises.to_crs(CRS_BNG)
    for category, group in points.groupby("category"):
        style = PREMISES_STYLES.get(str(category), PREMISES_STYLES["other"])
        axes.scatter(
            group.geometry.x,
            group.geometry.y,
            s=46,
            color=style.colour,
            edgecolor="white",
            linewidth=0.8,
            zorder=3,
            label=PREMISES_CATEGORIES.get(str(category), str(category)),
        )
    for number, (x, y) in enumerate(zip(points.geometry.x, points.geometry.y, strict=True), 1):
        if number > PREMISES_SHOWN:
            break
        axes.annotate(
            str(number), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=4
        )
    axes.legend(loc="upper right", fontsize=7, frameon=True, title="Premises", title_fontsize=7)


def _draw_places(axes, gazetteer: pd.DataFrame | None, bounds: tuple[float, ...]) -> None:
    if gazetteer is None or gazetteer.empty:
        return
    places = gpd.GeoDataFrame(
        gazetteer[["name"]],
        geometry=gpd.points_from_xy(gazetteer["lon"], gazetteer["lat"]),
        crs=CRS_WGS84,
    ).to_crs(CRS_BNG)
    west, south, east, north = bounds
    x, y = places.geometry.x.to_numpy(), places.geometry.y.to_numpy()
    inside = (x > west) & (x < east) & (y > south) & (y < north)
    for name, px, py in zip(places["name"][inside], x[inside], y[inside], strict=True):
        axes.text(
            px, py, str(name), fontsize=8, color="#333333", style="italic", ha="center", zorder=2
        )


def _scale_bar(axes, west: float, south: float, east: float, north: float) -> None:
    length = 500.0 if east - west > 1200 else 200.0
    x0, y0 = west + (east - west) * 0.05, south + (north - south) * 0.05
    axes.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, zorder=5)
    axes.text(x0, y0 + (north - south) * 0.02, f"{length:.0f} m", fontsize=8, zorder=5)


# ---------------------------------------------------------------- assembling


def _premises_table(premises: gpd.GeoDataFrame) -> pd.DataFrame:
    if premises is None or premises.empty:
        return pd.DataFrame(
            columns=["No.", "Premises", "Category", "Licence", "Where", "Linked sightings"]
        )
    table = premises.head(PREMISES_SHOWN)
    return pd.DataFrame(
        {
            "No.": np.arange(1, len(table) + 1),
            "Premises": table["name"].to_numpy(),
            "Category": table["category"].map(lambda c: PREMISES_CATEGORIES.get(c, c)).to_numpy(),
            "Licence": table["licence_ref"].fillna("").to_numpy(),
            "Where": table["distance_m"]
            .map(lambda d: "inside" if d == 0 else f"{d:,.0f} m away")
            .to_numpy(),
            "Linked sightings": table["sightings"].to_numpy(),
        }
    )


def _vehicles_table(vehicles: pd.DataFrame | None) -> pd.DataFrame:
    if vehicles is None or vehicles.empty:
        return pd.DataFrame(columns=["Vehicle token", "Sightings here", "Also seen in"])
    return vehicles.rename(
        columns={
            "vehicle_token": "Vehicle token",
            "sightings_here": "Sightings here",
            "other_hotspots": "Also seen in",
        }
    )


def build_briefing(
    detail,
    *,
    gazetteer: pd.DataFrame | None = None,
    period: str = "",
    generated_at: datetime | None = None,
) -> Briefing:
    """A `Briefing` from a full (analyst) `HotspotDetail`."""
    models = detail.model_mix if detail.model_mix is not None else pd.Series(dtype="int64")
    premises = detail.premises
    peak = detail.peak_hours or "not enough sightings to say"
    days = peak_days(detail.week_hour)
    peak_text = (", ".join(days) + " " if days else "") + peak
    vehicles = _vehicles_table(detail.vehicles)
    categories = [] if premises.empty else list(premises["category"])
    return Briefing(
        hotspot=detail.name,
        generated_at=generated_at or datetime.now(),
        period=period,
        sightings=detail.sightings,
        distinct_people=detail.distinct_people,
        area_km2=detail.area_km2,
        peak_days=days,
        peak_hours=peak,
        emerging=detail.emerging or "not assessed",
        models=models,
        indicators=detail.indicators if detail.indicators is not None else pd.Series(dtype="int64"),
        premises=_premises_table(premises),
        vehicles=vehicles,
        recommendations=recommend_actions(
            models, detail.sightings, categories, len(vehicles), peak_text
        ),
        map_png=map_png(detail.outline, premises, gazetteer, distance_m=detail.distance_m),
    )


# ---------------------------------------------------------------- HTML

_STYLE: Final[str] = """
body { font-family: Arial, Helvetica, sans-serif; margin: 1.5em; color: #1a1a1a; }
.marking { text-align: center; font-weight: bold; letter-spacing: 0.1em; color: #fff;
  background: #8B0000; padding: 0.3em; }
.handling { font-size: 0.85em; text-align: center; color: #444; margin: 0.3em 0 1em; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: left; }
th { background: #eee; }
.grid { display: flex; gap: 1.5em; flex-wrap: wrap; }
.facts td:first-child { font-weight: bold; }
img { max-width: 100%; border: 1px solid #999; }
@media print { .marking { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _table(frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:
        return f"<p>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _series_table(series: pd.Series, name: str, empty: str) -> str:
    return _table(series.rename_axis(name).rename("Sightings").reset_index(), empty)


def render_html(briefing: Briefing) -> str:
    """The briefing as one self-contained HTML page (the map embedded as a data URI)."""
    b = briefing
    facts = pd.DataFrame(
        [
            ("Sightings", f"{b.sightings:,}"),
            ("Distinct young people", f"{b.distinct_people:,}"),
            ("Area", f"{b.area_km2:.2f} km²"),
            ("Peak days", ", ".join(b.peak_days) or "no day stands out"),
            ("Peak hours", b.peak_hours),
            ("Emerging pattern", b.emerging),
            ("Period", b.period or "all dates"),
        ],
        columns=["Fact", "Value"],
    )
    actions = pd.DataFrame(
        [(r.action, r.why) for r in b.recommendations], columns=["Action", "Why"]
    )
    image = base64.b64encode(b.map_png).decode("ascii")
    marking = f'<div class="marking">{MARKING}</div>'
    fact_rows = "".join(
        f"<tr><td>{esc(name)}</td><td>{esc(value)}</td></tr>"
        for name, value in facts.itertuples(index=False)
    )
    prepared = f"{b.generated_at:%d %B %Y %H:%M}"
    parts = [
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{esc(MARKING)}: disruption briefing, {esc(b.hotspot)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        marking,
        f'<p class="handling">{esc(HANDLING)}</p>',
        f"<h1>Disruption briefing: {esc(b.hotspot)}</h1>",
        f"<p>Prepared {esc(prepared)}. Pseudonymised: vehicles appear as tokens (keyed hashes),"
        " never plates.</p>",
        f'<div class="grid"><div><img alt="Map of the hotspot {esc(b.hotspot)} and nearby '
        f'premises" src="data:image/png;base64,{image}"></div>',
        f'<div><h2>At a glance</h2><table class="facts"><tbody>{fact_rows}</tbody></table>'
        "</div></div>",
        f"<h2>Recommended actions</h2>{_table(actions, 'No recommendation.')}",
        '<div class="grid"><div><h2>Grooming models</h2>',
        _series_table(b.models, "Grooming model", "No grooming model recorded."),
        "</div><div><h2>Indicators</h2>",
        _series_table(b.indicators, "Indicator", "No indicator recorded."),
        "</div></div>",
        f"<h2>Premises to visit</h2>{_table(b.premises, 'No premises inside or near it.')}",
        "<h2>Vehicles of interest</h2>",
        _table(b.vehicles, "No vehicle seen here was also seen in another hotspot."),
        marking,
        "</body></html>\n",
    ]
    return "\n".join(parts)


# ---------------------------------------------------------------- PDF


def _latin1(value: object) -> str:
    """fpdf2's built-in fonts are Latin-1: other characters become '?' rather than fail."""
    text = "" if value is None else str(value)
    text = text.replace("²", "2").replace("–", "-").replace("’", "'")
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(briefing: Briefing) -> bytes:
    """The briefing as a PDF (fpdf2; marking in every page's header and footer)."""
    from fpdf import FPDF

    class _Page(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "B", 11)
            self.set_text_color(139, 0, 0)
            self.cell(0, 7, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("Helvetica", "B", 11)
            self.set_text_color(139, 0, 0)
            self.cell(0, 7, MARKING, align="C")

    b = briefing
    pdf = _Page(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(0, 4, _latin1(HANDLING), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(
        0, 8, _latin1(f"Disruption briefing: {b.hotspot}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.image(io.BytesIO(b.map_png), w=120)
    pdf.set_font("Helvetica", "", 10)
    lines = [
        f"Sightings: {b.sightings:,}; distinct young people: {b.distinct_people:,}; "
        f"area {b.area_km2:.2f} km2",
        f"Peak days: {', '.join(b.peak_days) or 'no day stands out'}; peak hours: {b.peak_hours}",
        f"Emerging pattern: {b.emerging}; period: {b.period or 'all dates'}",
        "Grooming models: "
        + (", ".join(f"{k} {v}" for k, v in b.models.items()) or "none recorded"),
        "Indicators: "
        + (", ".join(f"{k} {v}" for k, v in b.indicators.head(8).items()) or "none recorded"),
    ]
    for line in lines:
        pdf.multi_cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    _pdf_section(pdf, "Recommended actions", [f"{r.action}: {r.why}" for r in b.recommendations])
    _pdf_section(
        pdf,
        "Premises to visit",
        [" | ".join(str(v) for v in row) for row in b.premises.itertuples(index=False)]
        or ["None nearby."],
    )
    _pdf_section(
        pdf,
        "Vehicles of interest (tokens)",
        [" | ".join(str(v) for v in row) for row in b.vehicles.itertuples(index=False)]
        or ["None seen in other hotspots."],
    )
    return bytes(pdf.output())


def _pdf_section(pdf, title: str, lines: list[str]) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in lines:
        pdf.multi_cell(0, 4.5, _latin1("- " + line), new_x="LMARGIN", new_y="NEXT")
