"""Charts of the Trends page: Altair charts for the screen and matplotlib PNGs for board papers.

Both are drawn from the figures as published (`hotspots.db.trends.Trends`): a hidden figure is
NaN and is drawn as a gap, a grey square or 'hidden', never as a number. matplotlib is used
through `Figure` with the Agg canvas (no pyplot), so drawing is safe in a server.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Final

import altair as alt
import numpy as np
import pandas as pd

from hotspots.analysis.trends import (
    COMPARISON_COLUMNS,
    NO_MODEL,
    OTHER_AREAS,
    RISK_UNKNOWN,
    month_label,
)
from hotspots.domain import GROOMING_MODELS
from hotspots.maps.colours import GROOMING_MODEL_COLOURS

UNKNOWN_COLOUR: Final[str] = "#8C8C8C"
HIDDEN_COLOUR: Final[str] = "#E4E4E4"
HEATMAP_SCHEME: Final[str] = "orangered"  # vega's own, served with Streamlit
HEATMAP_CMAP: Final[str] = "OrRd"  # the same ColorBrewer ramp in matplotlib
RISK_COLOURS: Final[dict[str, str]] = {
    "High": "#B2182B",
    "Medium": "#EF8A62",
    "Low": "#67A9CF",
    RISK_UNKNOWN: UNKNOWN_COLOUR,
}
#: This period stands out; the two it is compared with are paler.
PERIOD_COLOURS: Final[dict[str, str]] = {
    "this": "#0072B2",
    "previous": "#8EC3E6",
    "last_year": "#BDBDBD",
}
DPI: Final[int] = 110


def series_colours(by: str, categories: Sequence[str]) -> dict[str, str]:
    """The colour of each category's line: the grooming models' own colours, a red-to-blue
    ramp for risk levels, grey for 'not known' or 'other'.

    >>> series_colours("risk_level", ["High", "Not known"])
    {'High': '#B2182B', 'Not known': '#8C8C8C'}
    """
    if by == "grooming_model":
        by_label = {GROOMING_MODELS[c]: colour for c, colour in GROOMING_MODEL_COLOURS.items()}
        return {c: by_label.get(c, UNKNOWN_COLOUR) for c in categories}
    if by == "risk_level":
        return {c: RISK_COLOURS.get(c, UNKNOWN_COLOUR) for c in categories}
    palette = (
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
        "#882255", "#117733", "#AA4499", "#44AA99", "#332288",
    )  # fmt: skip
    colours, k = {}, 0
    for category in categories:
        if category in (OTHER_AREAS, NO_MODEL, RISK_UNKNOWN) or k >= len(palette):
            colours[category] = UNKNOWN_COLOUR
        else:
            colours[category] = palette[k]
            k += 1
    return colours


def _long(values: pd.DataFrame) -> pd.DataFrame:
    """Month (timestamp and label), category, sightings (None where hidden) per cell."""
    frame = values.copy()
    frame.index = pd.Index([m.to_timestamp() for m in values.index], name="month")
    long = frame.reset_index().melt(id_vars="month", var_name="category", value_name="sightings")
    long["label"] = [month_label(pd.Period(m, "M")) for m in long["month"]]
    long["sightings"] = long["sightings"].astype(object).where(long["sightings"].notna(), None)
    long["shown"] = [("hidden" if v is None else f"{int(v):,}") for v in long["sightings"]]
    return long


# ---------------------------------------------------------------- on screen (Altair)


def monthly_chart(values: pd.DataFrame, by: str) -> alt.Chart | alt.LayerChart:
    """Month by month: one line per category (a gap where a figure is hidden), or for areas
    a grid of months by area shaded by count, hidden figures grey."""
    long = _long(values)
    categories = list(values.columns)
    if by == "area":
        months = [month_label(m) for m in values.index]
        base = alt.Chart(long).encode(
            x=alt.X("label:O", title=None, sort=months, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("category:N", title=None, sort=categories, axis=alt.Axis(labelLimit=220)),
            tooltip=[
                alt.Tooltip("category:N", title="Area"),
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("shown:N", title="Sightings"),
            ],
        )
        hidden = base.mark_rect(color=HIDDEN_COLOUR)
        peak = _heat_peak(values) or 1.0
        scale = alt.Scale(scheme=HEATMAP_SCHEME, domain=[0, peak], clamp=True)
        shown = base.mark_rect().encode(
            color=alt.Color("sightings:Q", title="Sightings", scale=scale)
        )
        return (hidden + shown).properties(height=alt.Step(24))
    colours = series_colours(by, categories)
    return (
        alt.Chart(long)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", tickCount="month")),
            y=alt.Y("sightings:Q", title="Sightings per month"),
            color=alt.Color(
                "category:N",
                title=None,
                sort=categories,
                scale=alt.Scale(domain=categories, range=[colours[c] for c in categories]),
                legend=alt.Legend(orient="bottom", columns=4, labelLimit=220),
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("shown:N", title="Sightings"),
            ],
        )
        .properties(height=360)
    )


def _missing_text(which: str, available: Mapping[str, bool] | None) -> str:
    return "no data" if available is not None and not available.get(which, True) else "hidden"


def _comparison_long(
    values: pd.DataFrame, labels: Mapping[str, str], available: Mapping[str, bool] | None
) -> pd.DataFrame:
    compared = [w for w in COMPARISON_COLUMNS if w in values.columns]
    frame = values[compared].rename_axis("category").reset_index()
    long = frame.melt(id_vars="category", var_name="which", value_name="sightings")
    long["period"] = [f"{COMPARISON_COLUMNS[w]} ({labels[w]})" for w in long["which"]]
    long["shown"] = [
        _missing_text(w, available) if pd.isna(v) else f"{int(v):,}"
        for w, v in zip(long["which"], long["sightings"], strict=True)
    ]
    long["sightings"] = long["sightings"].astype(object).where(long["sightings"].notna(), None)
    return long


def comparison_chart(
    values: pd.DataFrame,
    labels: Mapping[str, str],
    available: Mapping[str, bool] | None = None,
) -> alt.Chart:
    """The periods compared (columns of `values` among 'this', 'previous', 'last_year'),
    side by side per category; no bar where a figure is hidden or there is no data."""
    long = _comparison_long(values, labels, available)
    compared = [w for w in COMPARISON_COLUMNS if w in values.columns]
    periods = [f"{COMPARISON_COLUMNS[w]} ({labels[w]})" for w in compared]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(
                "category:N", title=None, sort=list(values.index), axis=alt.Axis(labelLimit=220)
            ),
            yOffset=alt.YOffset("period:N", sort=periods),
            x=alt.X("sightings:Q", title="Sightings"),
            color=alt.Color(
                "period:N",
                title=None,
                sort=periods,
                scale=alt.Scale(domain=periods, range=[PERIOD_COLOURS[w] for w in compared]),
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("shown:N", title="Sightings"),
            ],
        )
        .properties(height=alt.Step(12))
    )


# ---------------------------------------------------------------- for papers (PNG)


def _figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in a server

    return Figure(figsize=(width_in, height_in), dpi=DPI)


def _finish(figure, title: str, footer: str) -> bytes:
    figure.suptitle(title, fontsize=11, fontweight="bold", x=0.01, ha="left")
    wrapped = "\n".join(textwrap.wrap(footer, 150))
    figure.text(0.01, 0.01, wrapped, fontsize=7, color="#444444", va="bottom", ha="left")
    lines = wrapped.count("\n") + 1
    figure.tight_layout(rect=(0, 0.02 + 0.025 * lines, 1, 0.95))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def monthly_chart_png(values: pd.DataFrame, by: str, title: str, footer: str) -> bytes:
    """Month by month as a PNG: lines with gaps where hidden, or for areas a shaded grid with
    each figure written in (hidden ones grey and blank)."""
    months = [month_label(m) for m in values.index]
    if by == "area":
        return _heatmap_png(values, months, title, footer)
    figure = _figure(9.0, 4.8)
    axes = figure.add_subplot()
    x = np.arange(len(months))
    colours = series_colours(by, list(values.columns))
    for category in values.columns:
        axes.plot(
            x,
            values[category].to_numpy(dtype=float),
            marker="o",
            markersize=3,
            linewidth=2,
            color=colours[category],
            label=category,
        )
    axes.set_xticks(x, months, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("Sightings per month")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return _finish(figure, title, footer)


def _heat_peak(values: pd.DataFrame) -> float:
    """The top of the colour scale: the busiest single area, so that 'Other areas' (many
    areas summed) does not wash every real area out; it is drawn at the darkest shade."""
    single = values.drop(columns=[OTHER_AREAS], errors="ignore")
    numbers = (single if single.shape[1] else values).to_numpy(dtype=float)
    return float(np.nanmax(numbers)) if np.isfinite(numbers).any() else 0.0


def _heatmap_png(values: pd.DataFrame, months: list[str], title: str, footer: str) -> bytes:
    import matplotlib as mpl

    data = values.to_numpy(dtype=float).T  # areas (rows) by months (columns)
    height = max(3.5, 0.32 * data.shape[0] + 2.0)
    figure = _figure(max(8.0, 0.5 * len(months) + 3.0), height)
    axes = figure.add_subplot()
    colour_map = mpl.colormaps[HEATMAP_CMAP].with_extremes(bad=HIDDEN_COLOUR)
    peak = _heat_peak(values)
    image = axes.imshow(
        np.ma.masked_invalid(data), aspect="auto", cmap=colour_map, vmin=0, vmax=peak or None
    )
    for (row, column), value in np.ndenumerate(data):
        if np.isfinite(value):
            dark = peak > 0 and value > 0.6 * peak
            axes.text(column, row, f"{int(value):,}", ha="center", va="center", fontsize=6.5,
                      color="white" if dark else "#222222")  # fmt: skip
    axes.set_xticks(np.arange(len(months)), months, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(np.arange(data.shape[0]), list(values.columns), fontsize=8)
    figure.colorbar(image, ax=axes, label="Sightings", fraction=0.03)
    return _finish(figure, title, footer)


def comparison_chart_png(
    values: pd.DataFrame,
    labels: Mapping[str, str],
    title: str,
    footer: str,
    available: Mapping[str, bool] | None = None,
) -> bytes:
    """The periods compared side by side per category as horizontal bars; a hidden figure or
    a period with no data is written as such instead of a bar."""
    compared = [w for w in COMPARISON_COLUMNS if w in values.columns]
    categories = list(values.index)
    figure = _figure(9.0, max(3.0, 0.42 * len(categories) + 1.8))
    axes = figure.add_subplot()
    y = np.arange(len(categories))
    height = 0.8 / len(compared)
    numbers_all = values[compared].to_numpy(dtype=float)
    peak = float(np.nanmax(numbers_all)) if np.isfinite(numbers_all).any() else 1.0
    for k, which in enumerate(compared):
        offsets = y - 0.4 + (k + 0.5) * height
        numbers = values[which].to_numpy(dtype=float)
        axes.barh(
            offsets,
            np.nan_to_num(numbers),
            height=height,
            color=PERIOD_COLOURS[which],
            label=f"{COMPARISON_COLUMNS[which]} ({labels[which]})",
        )
        for offset, number in zip(offsets, numbers, strict=True):
            text = _missing_text(which, available) if np.isnan(number) else f"{int(number):,}"
            x = (0 if np.isnan(number) else number) + 0.01 * peak
            axes.text(x, offset, text, va="center", fontsize=6.5, color="#444444")
    axes.set_yticks(y, categories, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("Sightings")
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8, frameon=False)
    return _finish(figure, title, footer)
