"""Trends for the safeguarding board: sightings month by month by grooming model, area or
risk level, and one period against the one before and the same period a year earlier.

Pure functions over a sightings frame. `monthly_counts` gives exact counts; the data layer
(`hotspots.db.trends`) suppresses them for sharing. The comparison of periods is worked out
*from the published monthly table* (`compare_periods`): a period's figure is shown only when
every month in it is shown, so that no period total can be set against the months to work
a hidden month back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from hotspots.analysis.frames import code_matrix, local_times
from hotspots.domain import GROOMING_MODELS

BREAKDOWNS: Final[dict[str, str]] = {
    "grooming_model": "Grooming model",
    "area": "Area",
    "risk_level": "Risk level",
}
#: The lengths of period that can be compared, in months.
PERIOD_LENGTHS: Final[dict[int, str]] = {
    1: "One month",
    3: "Three months",
    6: "Six months",
    12: "Twelve months",
}
NO_MODEL: Final[str] = "No model recorded"
RISK_LABELS: Final[dict[str, str]] = {"high": "High", "medium": "Medium", "low": "Low"}
RISK_UNKNOWN: Final[str] = "Not known"
AREA_UNKNOWN: Final[str] = "Area not recorded"
OTHER_AREAS: Final[str] = "Other areas"
#: The busiest areas get a column each; the rest share "Other areas" (fewer tiny counts).
MAX_AREAS: Final[int] = 12
COMPARISON_COLUMNS: Final[dict[str, str]] = {
    "this": "This period",
    "previous": "Period before",
    "last_year": "Same period last year",
}


def month_label(month: pd.Period) -> str:
    """'Oct 2026'."""
    return month.strftime("%b %Y")


def span_label(first: pd.Period, last: pd.Period) -> str:
    """'Oct 2026', 'Aug to Oct 2026' or 'Nov 2025 to Oct 2026'.

    >>> span_label(pd.Period("2026-08", "M"), pd.Period("2026-10", "M"))
    'Aug to Oct 2026'
    """
    if first == last:
        return month_label(first)
    if first.year == last.year:
        return f"{first.strftime('%b')} to {month_label(last)}"
    return f"{month_label(first)} to {month_label(last)}"


@dataclass(frozen=True)
class Periods:
    """A period of `length` months ending with `end`, the period just before it, and the same
    period a year earlier; and the months of the monthly table, which covers all three.

    >>> p = Periods.ending(pd.Period("2026-10", "M"), 3)
    >>> p.labels()
    {'this': 'Aug to Oct 2026', 'previous': 'May to Jul 2026', 'last_year': 'Aug to Oct 2025'}
    >>> month_label(p.months[0]), len(p.months)
    ('Aug 2025', 15)
    """

    end: pd.Period
    length: int

    @classmethod
    def ending(cls, end: pd.Period | str, length: int) -> Periods:
        if length not in PERIOD_LENGTHS:
            raise ValueError(
                f"a period of {length} months cannot be compared; choose one of "
                f"{', '.join(map(str, PERIOD_LENGTHS))}"
            )
        return cls(pd.Period(end, freq="M"), int(length))

    def span(self, which: str) -> tuple[pd.Period, pd.Period]:
        """(first, last) month of 'this', 'previous' or 'last_year'."""
        back = {"this": 0, "previous": self.length, "last_year": 12}[which]
        last = self.end - back
        return last - (self.length - 1), last

    def labels(self) -> dict[str, str]:
        return {which: span_label(*self.span(which)) for which in COMPARISON_COLUMNS}

    @property
    def compared(self) -> tuple[str, ...]:
        """The periods worth showing: for twelve months the period before *is* the same
        period last year, so it is shown once.

        >>> Periods.ending("2026-10", 12).compared
        ('this', 'previous')
        """
        return ("this", "previous") if self.length == 12 else tuple(COMPARISON_COLUMNS)

    @property
    def months(self) -> pd.PeriodIndex:
        """Every month of the monthly table: from the earliest of the three periods to `end`."""
        first = min(self.span(which)[0] for which in COMPARISON_COLUMNS)
        return pd.period_range(first, self.end, freq="M")


def last_complete_month(last_seen: pd.Timestamp | None) -> pd.Period | None:
    """The month to end on: the newest sighting's month if that sighting is on the month's
    last day, else the month before (a month still being recorded would look like a fall).

    >>> last_complete_month(pd.Timestamp("2026-10-31 22:41")), last_complete_month(
    ...     pd.Timestamp("2026-10-12"))
    (Period('2026-10', 'M'), Period('2026-09', 'M'))
    """
    if last_seen is None:
        return None
    month = pd.Period(last_seen, freq="M")
    return month if pd.Timestamp(last_seen).day == month.days_in_month else month - 1


def _categories(
    sightings: pd.DataFrame,
    by: str,
    area_names: Mapping[str, str] | None,
) -> tuple[np.ndarray, list[str]]:
    """A boolean matrix (sightings x categories) and the category labels, in order."""
    if by == "grooming_model":
        matrix = code_matrix(sightings["grooming_models"], list(GROOMING_MODELS))
        labels = list(GROOMING_MODELS.values())
        none = ~matrix.any(axis=1)
        if none.any():
            matrix, labels = np.column_stack([matrix, none]), [*labels, NO_MODEL]
        return matrix, labels
    if by == "risk_level":
        levels = sightings["risk_level"].astype(object).to_numpy()
        labels = list(RISK_LABELS.values())
        matrix = np.column_stack([levels == code for code in RISK_LABELS])
        unknown = ~matrix.any(axis=1)
        if unknown.any():
            matrix, labels = np.column_stack([matrix, unknown]), [*labels, RISK_UNKNOWN]
        return matrix, labels
    if by == "area":
        names = dict(area_names or {})
        codes = sightings["area_code"].astype(object)
        named = codes.map(lambda c: AREA_UNKNOWN if pd.isna(c) or c == "" else names.get(c, c))
        labels = sorted(set(named) - {AREA_UNKNOWN})
        if (named == AREA_UNKNOWN).any():
            labels.append(AREA_UNKNOWN)
        values = named.to_numpy()
        matrix = np.zeros((len(values), len(labels)), dtype=bool)
        for j, label in enumerate(labels):
            matrix[:, j] = values == label
        return matrix, labels
    raise ValueError(f"cannot break down by {by!r}; choose one of {', '.join(BREAKDOWNS)}")


def monthly_counts(
    sightings: pd.DataFrame,
    by: str,
    months: pd.PeriodIndex,
    *,
    area_names: Mapping[str, str] | None = None,
    max_areas: int = MAX_AREAS,
) -> pd.DataFrame:
    """Sightings per month (rows, `months`) and category (columns) of the breakdown `by`.

    Parameters
    ----------
    sightings : a sightings frame (seen_at, grooming_models, risk_level, area_code);
        sightings outside `months` are ignored.
    by : 'grooming_model' (a sighting with several models counts under each; 'No model
        recorded' when some have none), 'risk_level' (the highest risk level of the young
        people linked; 'Not known' for none) or 'area' (named by `area_names`, code when
        unnamed; the `max_areas` busiest get a column, the rest share 'Other areas').
    months : the months of the table, oldest first.

    Returns
    -------
    Whole numbers, indexed by `months`, one column per category in a fixed order.

    Examples
    --------
    >>> sightings = pd.DataFrame({"seen_at": pd.to_datetime(["2026-09-03", "2026-10-08",
    ...     "2026-10-09"]), "risk_level": ["high", None, "high"]})
    >>> months = pd.period_range("2026-09", "2026-10", freq="M")
    >>> monthly_counts(sightings, "risk_level", months).to_dict("list")
    {'High': [1, 1], 'Medium': [0, 0], 'Low': [0, 0], 'Not known': [0, 1]}
    """
    if months.freqstr != "M":
        raise ValueError(f"months must be calendar months (freq 'M'), not {months.freqstr!r}")
    times = local_times(sightings["seen_at"]) if len(sightings) else pd.Series([], dtype=object)
    month = times.dt.to_period("M") if len(sightings) else pd.PeriodIndex([], freq="M")
    inside = np.asarray(pd.Index(month).isin(months), dtype=bool)
    chosen = sightings[inside]
    row = months.get_indexer(pd.Index(month)[inside])
    matrix, labels = _categories(chosen, by, area_names)
    counts = np.zeros((len(months), len(labels)), dtype=np.int64)
    for j in range(len(labels)):
        counts[:, j] = np.bincount(row[matrix[:, j]], minlength=len(months))
    table = pd.DataFrame(counts, index=months, columns=labels)
    return _top_areas(table, max_areas) if by == "area" else table


def _top_areas(table: pd.DataFrame, max_areas: int) -> pd.DataFrame:
    """The busiest `max_areas` areas, busiest first; the rest summed into 'Other areas';
    'Area not recorded' last."""
    unknown = table.pop(AREA_UNKNOWN) if AREA_UNKNOWN in table.columns else None
    order = table.sum().sort_values(ascending=False, kind="stable").index
    kept = table[list(order[:max_areas])]
    rest = list(order[max_areas:])
    if rest:
        kept = kept.assign(**{OTHER_AREAS: table[rest].sum(axis=1)})
    if unknown is not None:
        kept = kept.assign(**{AREA_UNKNOWN: unknown})
    return kept


def compare_periods(
    values: pd.DataFrame, totals: pd.Series, periods: Periods, first_month: pd.Period | None
) -> pd.DataFrame:
    """The three periods' figures per category, worked out from the published monthly table.

    Parameters
    ----------
    values : the monthly table as published: months (rows, `periods.months`) by category,
        NaN where a figure is hidden.
    totals : the published total of each month (NaN where hidden).
    periods : the three periods compared.
    first_month : the first month with any data; a period starting earlier is not compared.

    Returns
    -------
    Categories and a last 'Total' row (rows) by 'this', 'previous', 'last_year' (columns):
    the sum of the period's months when every one of them is published, else NaN.

    Examples
    --------
    >>> p = Periods.ending("2026-10", 1)
    >>> months = p.months
    >>> values = pd.DataFrame({"Deane": [7.0] * 12 + [np.nan]}, index=months)
    >>> compare_periods(values, values["Deane"], p, months[0]).loc["Deane"].tolist()
    [nan, 7.0, 7.0]
    """
    table = pd.concat([values, totals.rename("Total")], axis=1)
    columns = {}
    for which in COMPARISON_COLUMNS:
        first, last = periods.span(which)
        months = table.loc[first:last]
        complete = (
            first_month is not None and first >= first_month and len(months) == (last - first).n + 1
        )
        shown = months.notna().all() & complete
        columns[which] = months.sum().where(shown, np.nan)
    return pd.DataFrame(columns)


def change_text(now: float, before: float) -> str:
    """'up 12 (25%)', 'down 3 (10%)', 'no change', 'new', or a dash when a figure is hidden
    or missing.

    Words rather than signs, which read better in a board paper and cannot start a
    spreadsheet formula.

    >>> change_text(60, 48), change_text(27, 30), change_text(9, 0), change_text(5, 5)
    ('up 12 (25%)', 'down 3 (10%)', 'new', 'no change')
    """
    if pd.isna(now) or pd.isna(before):
        return "–"
    difference = int(now) - int(before)
    if difference == 0:
        return "no change"
    if before == 0:
        return "new"
    way = "up" if difference > 0 else "down"
    return f"{way} {abs(difference):,} ({abs(difference) / before:.0%})"
