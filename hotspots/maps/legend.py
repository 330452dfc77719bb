"""The map legend: a Leaflet control drawn from sections of labelled swatches.

Built by hand rather than with branca colormaps, which fetch d3 from a CDN. The legend is a
Leaflet control created in the map's script, so it shows the same in a saved HTML file and in
streamlit-folium (which keeps only the map's script). Labels are HTML-escaped; colours and icon
classes must match strict patterns, so no record text can reach the style attribute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import folium
from branca.element import MacroElement
from folium.template import Template

from hotspots.domain import GROOMING_MODELS
from hotspots.maps.colours import (
    BOUNDARY_COLOUR,
    GISTAR_CLASSES,
    GROOMING_MODEL_COLOURS,
    HOTSPOT_OUTLINE,
    RISKY_PLACE_FILL,
    premises_label,
    premises_style,
)
from hotspots.maps.text import escape_text, format_number

Shape = Literal["square", "circle", "line", "icon"]

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?$")
_ICON = re.compile(r"^[a-z0-9 -]+$")


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    shape: Shape = "square"
    icon: str = ""  # Font Awesome classes, for shape="icon"

    def __post_init__(self) -> None:
        if not _COLOUR.match(self.colour):
            raise ValueError(f"legend colour {self.colour!r} is not a #rgb or #rrggbb colour")
        if self.icon and not _ICON.match(self.icon):
            raise ValueError(f"legend icon {self.icon!r} is not a list of CSS class names")


@dataclass(frozen=True)
class LegendSection:
    title: str
    items: tuple[LegendItem, ...]
    note: str = ""


_SWATCH = {
    "square": "display:inline-block;width:14px;height:14px;border:1px solid #555;"
    "background:{c};opacity:.85",
    "circle": "display:inline-block;width:12px;height:12px;border-radius:50%;"
    "border:1.5px solid #000;background:{c}",
    "line": "display:inline-block;width:16px;height:0;border-top:3px solid {c}",
    "icon": "display:inline-flex;align-items:center;justify-content:center;width:18px;"
    "height:18px;border-radius:50%;background:{c};color:#fff;font-size:10px",
}
_BOX = (
    "background:rgba(255,255,255,.94);padding:8px 10px;border-radius:4px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.4 system-ui,sans-serif;color:#222;"
    "max-height:45vh;overflow-y:auto;max-width:240px"
)


def _swatch(item: LegendItem) -> str:
    inner = f'<i class="{item.icon}" aria-hidden="true"></i>' if item.shape == "icon" else ""
    style = _SWATCH[item.shape].format(c=item.colour)
    return f'<span style="{style};margin-right:6px;vertical-align:middle">{inner}</span>'


def _section_html(section: LegendSection) -> str:
    rows = "".join(
        f'<div class="hotspots-legend-item">{_swatch(i)}{escape_text(i.label)}</div>'
        for i in section.items
    )
    title = f'<div style="font-weight:600;margin:4px 0 2px">{escape_text(section.title)}</div>'
    note = f'<div style="color:#555">{escape_text(section.note)}</div>' if section.note else ""
    return f'<div class="hotspots-legend-section">{title}{rows}{note}</div>'


def legend_html(sections: Sequence[LegendSection], title: str = "Legend") -> str:
    """The legend's HTML, open but foldable (a details element); every label escaped."""
    body = "".join(_section_html(s) for s in sections if s.items or s.note)
    heading = (
        f'<summary style="font-weight:700;font-size:13px;cursor:pointer">'
        f"{escape_text(title)}</summary>"
    )
    return f'<details open class="hotspots-legend" style="{_BOX}">{heading}{body}</details>'


class Legend(MacroElement):
    """A legend control in a corner of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "hotspots-legend-control");
                div.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        sections: Sequence[LegendSection],
        title: str = "Legend",
        position: str = "bottomleft",
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.sections = tuple(sections)
        self.content = legend_html(self.sections, title)
        self.position = position


def add_legend(m: folium.Map, sections: Sequence[LegendSection], title: str = "Legend") -> Legend:
    """Add a legend to `m`; returns it."""
    legend = Legend(sections, title)
    legend.add_to(m)
    return legend


GROOMING_MODEL_NOTE = (
    "Each grid cell is split into six parts, one per grooming model; darker means more sightings."
)


def grooming_model_legend(
    models: Iterable[str] | None = None, note: str = GROOMING_MODEL_NOTE
) -> LegendSection:
    """One swatch per grooming model, in the order of the domain."""
    wanted = set(GROOMING_MODELS if models is None else models)
    items = tuple(
        LegendItem(label, GROOMING_MODEL_COLOURS[code])
        for code, label in GROOMING_MODELS.items()
        if code in wanted
    )
    return LegendSection("Grooming models", items, note)


def break_labels(breaks: Sequence[float], minimum: float) -> list[str]:
    """Labels for classes ending at `breaks`, the first starting at `minimum`.

    Whole-number classes read "1 to 3", "4 to 8" (with an en dash); others "0.1 to 0.25".
    """
    whole = float(minimum).is_integer() and all(float(b).is_integer() for b in breaks)
    labels, low = [], minimum
    for high in breaks:
        same = whole and low == high
        text = format_number(high) if same else f"{format_number(low)}–{format_number(high)}"
        labels.append(text)
        low = high + 1 if whole else high
    return labels


def classes_legend(
    title: str, breaks: Sequence[float], minimum: float, palette: Sequence[str]
) -> LegendSection:
    """Swatches for a classed layer (sightings per cell, density)."""
    if not breaks:
        return LegendSection(title, (LegendItem("None to show", "#FFFFFF"),))
    labels = break_labels(breaks, minimum)
    return LegendSection(
        title, tuple(LegendItem(t, c) for t, c in zip(labels, palette, strict=False))
    )


def gistar_legend() -> LegendSection:
    items = tuple(LegendItem(label, colour) for label, colour in GISTAR_CLASSES.values())
    return LegendSection("Gi* statistical hot and cold spots", items)


def premises_legend(categories: Iterable[str]) -> LegendSection:
    seen = dict.fromkeys(categories)
    items = tuple(
        LegendItem(premises_label(c), premises_style(c).colour, "icon", premises_style(c).icon)
        for c in seen
    )
    return LegendSection("Premises", items)


def hotspot_legend() -> LegendSection:
    return LegendSection("Hotspots", (LegendItem("Hotspot area", HOTSPOT_OUTLINE, "line"),))


def risky_places_legend() -> LegendSection:
    item = LegendItem("Several young people seen", RISKY_PLACE_FILL, "circle")
    return LegendSection("Risky places", (item,), "Larger circle: more young people.")


def boundaries_legend() -> LegendSection:
    return LegendSection("Areas", (LegendItem("Boundary", BOUNDARY_COLOUR, "line"),))
