"""Colours and icons of the maps: one colour per grooming model, one icon per premises category.

The grooming-model colours are the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal
Design"), which people with the common colour-vision deficiencies can tell apart; its yellow,
weak on a light map, marks risky places with a black outline instead. The class palettes are
ColorBrewer sequential and diverging schemes, which stay ordered in lightness for every viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hotspots.domain import GROOMING_MODELS, PREMISES_CATEGORIES

GROOMING_MODEL_COLOURS: Final[dict[str, str]] = {
    "on_street": "#D55E00",  # vermillion
    "boyfriend": "#CC79A7",  # reddish purple
    "party": "#E69F00",  # orange
    "internet": "#56B4E9",  # sky blue
    "lone": "#009E73",  # bluish green
    "group": "#0072B2",  # blue
}


@dataclass(frozen=True)
class PremisesStyle:
    colour: str
    icon: str  # Font Awesome 6 classes, served locally from static/vendor/fontawesome


PREMISES_STYLES: Final[dict[str, PremisesStyle]] = {
    "takeaway": PremisesStyle("#A6461A", "fa-solid fa-utensils"),
    "hotel": PremisesStyle("#5B3F8C", "fa-solid fa-bed"),
    "taxi_office": PremisesStyle("#1F1F1F", "fa-solid fa-taxi"),
    "park": PremisesStyle("#2E7D32", "fa-solid fa-tree"),
    "shisha_bar": PremisesStyle("#8C2D5A", "fa-solid fa-smoking"),
    "residential": PremisesStyle("#36597A", "fa-solid fa-house"),
    "other": PremisesStyle("#666666", "fa-solid fa-location-dot"),
}

#: Sequential classes for counts (ColorBrewer YlOrRd, 5 classes), light to dark.
COUNT_PALETTE: Final[tuple[str, ...]] = ("#FFFFB2", "#FECC5C", "#FD8D3C", "#F03B20", "#BD0026")
#: Sequential classes for the density surface (ColorBrewer Purples, 5 classes).
DENSITY_PALETTE: Final[tuple[str, ...]] = ("#F2F0F7", "#CBC9E2", "#9E9AC8", "#756BB1", "#54278F")

#: Gi* classes by confidence (ColorBrewer RdBu): code -> (label, colour).
GISTAR_CLASSES: Final[dict[str, tuple[str, str]]] = {
    "hot_99": ("Hot spot, 99% confidence", "#B2182B"),
    "hot_95": ("Hot spot, 95% confidence", "#EF8A62"),
    "hot_90": ("Hot spot, 90% confidence", "#FDDBC7"),
    "cold_90": ("Cold spot, 90% confidence", "#D1E5F0"),
    "cold_95": ("Cold spot, 95% confidence", "#67A9CF"),
    "cold_99": ("Cold spot, 99% confidence", "#2166AC"),
}

HOTSPOT_OUTLINE: Final[str] = "#1A1A1A"
BOUNDARY_COLOUR: Final[str] = "#6B6B6B"
RISKY_PLACE_FILL: Final[str] = "#F0E442"  # Okabe-Ito yellow, with a black outline
RISKY_PLACE_OUTLINE: Final[str] = "#000000"
LABEL_COLOUR: Final[str] = "#333333"
MAP_BACKGROUND: Final[str] = "#F4F3EF"  # the "basemap" when no tile server is configured


def grooming_model_colour(code: str) -> str:
    """The colour of one grooming model.

    >>> grooming_model_colour("on_street")
    '#D55E00'
    """
    try:
        return GROOMING_MODEL_COLOURS[code]
    except KeyError:
        valid = ", ".join(GROOMING_MODELS)
        raise ValueError(f"unknown grooming model {code!r}; expected one of {valid}") from None


def premises_category(value: object) -> str:
    """A known premises category code, or "other" for anything else (including missing).

    >>> premises_category("hotel"), premises_category("casino"), premises_category(None)
    ('hotel', 'other', 'other')
    """
    return value if isinstance(value, str) and value in PREMISES_STYLES else "other"


def premises_style(category: str) -> PremisesStyle:
    """The colour and icon of a premises category; unknown categories are drawn as 'other'."""
    return PREMISES_STYLES.get(category, PREMISES_STYLES["other"])


def premises_label(category: str) -> str:
    """What people read for a premises category code."""
    return PREMISES_CATEGORIES.get(category, PREMISES_CATEGORIES["other"])
