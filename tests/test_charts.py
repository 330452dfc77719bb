"""Charts of the Trends page: PNGs for board papers are drawn and not blank, and the charts
for the screen carry only the figures as published (a hidden figure is null, never a number).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hotspots.charts import (
    comparison_chart,
    comparison_chart_png,
    monthly_chart,
    monthly_chart_png,
    series_colours,
)
from hotspots.domain import GROOMING_MODELS
from hotspots.maps.colours import GROOMING_MODEL_COLOURS

MONTHS = pd.period_range("2025-11", "2026-10", freq="M")
LABELS = {"this": "Aug to Oct 2026", "previous": "May to Jul 2026", "last_year": "Aug to Oct 2025"}


def monthly(columns: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    values = pd.DataFrame(
        rng.integers(5, 80, (len(MONTHS), len(columns))).astype(float),
        index=MONTHS,
        columns=columns,
    )
    values.iloc[3, 0] = np.nan  # a hidden figure
    return values


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def assert_drawn(png: bytes, min_width: int = 600) -> None:
    image = pixels(png)
    assert image.shape[1] >= min_width
    assert image.std() > 10, "the chart is blank"
    # a good share of the picture is not background: lines, bars or shaded cells
    assert (image.mean(axis=2) < 235).mean() > 0.02


@pytest.mark.parametrize(
    ("by", "columns"),
    [
        ("grooming_model", list(GROOMING_MODELS.values())),
        ("risk_level", ["High", "Medium", "Low", "Not known"]),
        ("area", ["Deane", "Halliwell", "Daubhill", "Other areas", "Area not recorded"]),
    ],
)
def test_monthly_chart_png_is_drawn(by, columns):
    assert_drawn(monthly_chart_png(monthly(columns), by, "Sightings", "OFFICIAL. <5 hidden."))


def test_comparison_chart_png_is_drawn_with_hidden_and_missing_figures():
    values = pd.DataFrame(
        {"this": [60.0, np.nan, 12.0], "previous": [55.0, 30.0, np.nan],
         "last_year": [np.nan] * 3},
        index=["On-street", "Party", "Group offender"],
    )  # fmt: skip
    available = {"this": True, "previous": True, "last_year": False}
    png = comparison_chart_png(values, LABELS, "Compared", "OFFICIAL.", available)
    assert_drawn(png)


def test_an_all_hidden_chart_still_draws():
    values = pd.DataFrame({"Deane": [np.nan] * len(MONTHS)}, index=MONTHS)
    assert pixels(monthly_chart_png(values, "area", "Sightings", "OFFICIAL.")).std() > 5


def _data_values(chart) -> list[dict]:
    spec = chart.to_dict()
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_screen_charts_carry_hidden_figures_as_missing_values():
    """Vega-Lite treats null and NaN alike as invalid: a gap in a line, no bar, no cell."""
    values = monthly(["On-street", "Party"])
    for by in ("grooming_model", "area"):
        rows = _data_values(monthly_chart(values, by))
        hidden = [r for r in rows if r["category"] == "On-street" and pd.isna(r["sightings"])]
        assert len(hidden) == 1 and hidden[0]["shown"] == "hidden"
        numbers = [r["sightings"] for r in rows if not pd.isna(r["sightings"])]
        assert min(numbers) >= 5


def test_comparison_chart_has_one_bar_colour_per_period():
    values = pd.DataFrame({"this": [60.0], "previous": [np.nan]}, index=["On-street"])
    spec = comparison_chart(values, LABELS).to_dict()
    colour = spec["encoding"]["color"]["scale"]
    assert colour["domain"] == ["This period (Aug to Oct 2026)", "Period before (May to Jul 2026)"]
    rows = _data_values(comparison_chart(values, LABELS))
    assert [r["shown"] for r in rows] == ["60", "hidden"]


def test_grooming_models_keep_their_map_colours():
    colours = series_colours("grooming_model", ["On-street", "Group offender", "No model recorded"])
    assert colours["On-street"] == GROOMING_MODEL_COLOURS["on_street"]
    assert colours["Group offender"] == GROOMING_MODEL_COLOURS["group"]
    assert colours["No model recorded"] == "#8C8C8C"
    areas = series_colours("area", ["A", "B", "Other areas"])
    assert len(set(areas.values())) == 3 and areas["Other areas"] == "#8C8C8C"
