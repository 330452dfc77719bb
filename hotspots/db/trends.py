"""What the Trends page shows, built on behalf of one user, small numbers suppressed here.

Board leads (`lscb`) and analysts see sightings month by month by grooming model, area or
risk level, and one period against the one before and the same period a year earlier. Every
count from 1 to 4 is shown as "<5", with secondary suppression ("[c]") so that no total gives
one away (`hotspots.security.suppression`). It is applied in this module, before anything is
returned: a suppressed `Trends` holds no exact small count anywhere (tables, chart values,
totals, comparisons), so no page, chart or export can show one. Analysts may ask for exact
counts (``exact=True``) for their own work; a role that must see suppressed figures only
(`must_suppress`) is refused, and exports are always made from suppressed figures.

Each build is a *consultation* in the audit log (counts drawn from sightings); each export a
*disclosure*.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from hotspots import charts
from hotspots.analysis.trends import (
    BREAKDOWNS,
    COMPARISON_COLUMNS,
    Periods,
    change_text,
    compare_periods,
    last_complete_month,
    month_label,
    monthly_counts,
    span_label,
)
from hotspots.db.access import User, read_sightings_unchecked, record_use, sighting_date_range
from hotspots.db.audit import CONSULTATION, DISCLOSURE
from hotspots.security.escaping import spreadsheet_safe
from hotspots.security.roles import AccessDenied, Capability, must_suppress, require
from hotspots.security.suppression import (
    DEFAULT_THRESHOLD,
    SECONDARY_MARK,
    TOTAL_LABEL,
    SuppressedTable,
    suppress,
)

DEFAULT_LENGTH: Final[int] = 3
TABLES: Final[dict[str, str]] = {"monthly": "month by month", "comparison": "periods compared"}
NO_DATA: Final[str] = "no data"
MARKING: Final[str] = "OFFICIAL"
EXACT_NOTE: Final[str] = "Exact counts, small numbers included: not for sharing."
MODELS_NOTE: Final[str] = (
    "A sighting recorded with several grooming models counts under each, so the totals count "
    "sightings once per model."
)


@dataclass(frozen=True)
class Trends:
    """The Trends page's figures, as they may be shown to the user they were built for.

    ``monthly``: text to display, months (rows, 'Oct 2026') by category (columns), with a
    'Total' row and column; ``monthly_values`` and ``monthly_totals``: the same figures as
    numbers for charts, NaN where hidden. ``comparison``: text, categories and 'Total'
    (rows) by the three periods and the changes; ``comparison_values``: numbers, NaN where
    hidden or where a period has no data (``available`` says which). ``note`` is the
    footnote to print with them.
    """

    by: str
    periods: Periods
    suppressed: bool
    monthly: pd.DataFrame
    monthly_values: pd.DataFrame
    monthly_totals: pd.Series
    comparison: pd.DataFrame
    comparison_values: pd.DataFrame
    available: dict[str, bool]
    note: str

    @property
    def title(self) -> str:
        """'Sightings by grooming model'."""
        return f"Sightings by {BREAKDOWNS[self.by].lower()}"

    @property
    def span(self) -> str:
        """The months of the monthly table, 'Aug 2025 to Oct 2026'."""
        months = self.monthly_values.index
        return span_label(months[0], months[-1]) if len(months) else ""

    def headline(self, which: str) -> str:
        """The total of one period ('this', 'previous', 'last_year') as displayed."""
        if not self.available[which]:
            return NO_DATA
        value = self.comparison_values.loc[TOTAL_LABEL, which]
        return SECONDARY_MARK if pd.isna(value) else f"{int(value):,}"

    @property
    def empty(self) -> bool:
        return len(self.monthly_values) == 0


def area_names(engine: Engine, gazetteer: pd.DataFrame | None = None) -> dict[str, str]:
    """Readable names of area codes (public boundary names; no case data).

    Names come from the `area` table (imported boundaries); codes it lacks are looked up in
    the codes the synthetic generator gives the gazetteer's places ('BOL-001' -> 'Town
    Centre'), so the demonstration data reads well before any boundary is imported.
    """
    names: dict[str, str] = {}
    if gazetteer is not None and not gazetteer.empty:
        from hotspots.synth import area_codes  # the demo's codes; a light import

        demo = area_codes(gazetteer)
        names.update(zip(demo["code"], demo["name"], strict=True))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT code, name FROM area ORDER BY kind DESC, id"))
        names.update({str(code): str(name) for code, name in rows})
    return names


def _labelled(counts: pd.DataFrame) -> pd.DataFrame:
    """Month labels ('Oct 2026') for the index: plain text, as suppression needs."""
    return counts.set_axis([month_label(m) for m in counts.index], axis=0)


def _exact_display(counts: pd.DataFrame) -> pd.DataFrame:
    with_totals = counts.assign(**{TOTAL_LABEL: counts.sum(axis=1)})
    with_totals.loc[TOTAL_LABEL] = with_totals.sum()
    return with_totals.map(lambda n: f"{int(n):,}")


def _monthly(counts: pd.DataFrame, exact: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(display, values with NaN where hidden, month totals with NaN where hidden)."""
    labelled = _labelled(counts)
    if exact:
        return _exact_display(labelled), counts.astype(float), counts.sum(axis=1).astype(float)
    table: SuppressedTable = suppress(labelled, DEFAULT_THRESHOLD, totals=True)
    hidden = table.mask.iloc[:-1].set_axis(counts.index, axis=0)
    with_totals = counts.assign(**{TOTAL_LABEL: counts.sum(axis=1)}).astype(float)
    published = with_totals.mask(hidden.to_numpy())
    return table.display, published[list(counts.columns)], published[TOTAL_LABEL]


def _comparison_display(
    values: pd.DataFrame, available: dict[str, bool], periods: Periods
) -> pd.DataFrame:
    """The comparison as text: each period's figure (hidden as "[c]", "no data" before the
    data begins) and the changes, which are shown only between two published figures."""
    labels = periods.labels()

    def shown(which: str) -> list[str]:
        if not available[which]:
            return [NO_DATA] * len(values)
        return [SECONDARY_MARK if pd.isna(v) else f"{int(v):,}" for v in values[which]]

    def change(which: str) -> list[str]:
        pairs = zip(values["this"], values[which], strict=True)
        return [change_text(now, before) for now, before in pairs]

    columns = {f"{COMPARISON_COLUMNS['this']} ({labels['this']})": shown("this")}
    for which, heading in (("previous", "Change on the period before"),
                           ("last_year", "Change on a year before")):  # fmt: skip
        if which in periods.compared:
            columns[f"{COMPARISON_COLUMNS[which]} ({labels[which]})"] = shown(which)
            columns[heading] = change(which)
    return pd.DataFrame(columns, index=values.index)


def trends(
    engine: Engine,
    user: User,
    *,
    by: str = "grooming_model",
    end_month: pd.Period | str | None = None,
    length: int = DEFAULT_LENGTH,
    gazetteer: pd.DataFrame | None = None,
    exact: bool = False,
) -> Trends:
    """Sightings month by month by `by`, and a period of `length` months ending `end_month`
    against the period before and the same period a year earlier.

    Parameters
    ----------
    engine, user : the database, and on whose behalf (`lscb` and analysts).
    by : 'grooming_model', 'area' or 'risk_level' (see `analysis.trends.monthly_counts`).
    end_month : the last month compared; by default the last complete month of data.
    length : 1, 3, 6 or 12 months.
    gazetteer : names the demonstration data's areas (see `area_names`).
    exact : exact counts, small numbers included; analysts only, never for sharing.

    Raises
    ------
    AccessDenied : for roles without trends, and for ``exact`` when the role must see
        suppressed figures only.
    SuppressionFailed : when the monthly table is too sparse to publish safely.
    """
    require(user.role, Capability.VIEW_TRENDS)
    if exact and must_suppress(user.role):
        raise AccessDenied(user.role, Capability.VIEW_AGGREGATES_EXACT)
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}; choose one of {', '.join(BREAKDOWNS)}")
    first_seen, last_seen = sighting_date_range(engine)
    end = end_month if end_month is not None else last_complete_month(last_seen)
    periods = Periods.ending(end if end is not None else pd.Period.now("M"), length)
    first_month = pd.Period(first_seen, freq="M") if first_seen is not None else None
    months = periods.months
    months = months[months >= first_month] if first_month is not None else months[:0]
    # With no month left (all before the data), an empty period reads no rows.
    start = (months[0] if len(months) else periods.end).start_time
    stop = (months[-1] + 1).start_time if len(months) else start
    sightings = read_sightings_unchecked(engine, start=start, end=stop)
    names = area_names(engine, gazetteer) if by == "area" else None
    counts = monthly_counts(sightings, by, months, area_names=names)
    suppressed = not exact
    if counts.empty or counts.shape[1] == 0:
        display = pd.DataFrame()
        values, totals = counts.astype(float), pd.Series(dtype=float)
    else:
        display, values, totals = _monthly(counts, exact)
    available = {
        which: first_month is not None and periods.span(which)[0] >= first_month
        for which in COMPARISON_COLUMNS
    }
    full_values = values.reindex(periods.months)
    full_totals = totals.reindex(periods.months)
    comparison_values = compare_periods(full_values, full_totals, periods, first_month)
    comparison = _comparison_display(comparison_values, available, periods)
    with engine.begin() as connection:
        record_use(
            connection, user, CONSULTATION, "sighting",
            {"use": "trends", "by": by, "end_month": str(periods.end), "length": length,
             "exact": exact, "sightings_used": len(sightings)},
        )  # fmt: skip
    notes = [] if suppressed else [EXACT_NOTE]
    if suppressed:
        notes.append(
            f"<{DEFAULT_THRESHOLD}: a number from 1 to {DEFAULT_THRESHOLD - 1}, hidden to "
            f"protect the people counted. {SECONDARY_MARK}: hidden so that a small number "
            "cannot be worked out from other figures; a period is shown only when every "
            "month in it is."
        )
    if by == "grooming_model":
        notes.append(MODELS_NOTE)
    return Trends(
        by=by,
        periods=periods,
        suppressed=suppressed,
        monthly=display,
        monthly_values=values,
        monthly_totals=totals,
        comparison=comparison,
        comparison_values=comparison_values,
        available=available,
        note=" ".join(notes),
    )


# ---------------------------------------------------------------- exports


def _require_shareable(trends: Trends) -> None:
    if not trends.suppressed:
        raise ValueError(
            "exports are for sharing, so they are made from suppressed figures only; build the "
            "trends without exact=True and export those"
        )


def trends_csv(trends: Trends, table: str) -> bytes:
    """One table ('monthly' or 'comparison') as CSV for sharing: a marking and title line,
    the footnote, then the figures as displayed (UTF-8 with a byte-order mark). Not audited:
    use `export_trends`."""
    _require_shareable(trends)
    if table not in TABLES:
        raise ValueError(f"no table {table!r}; choose one of {', '.join(TABLES)}")
    frame = trends.monthly if table == "monthly" else trends.comparison
    index = "Month" if table == "monthly" else BREAKDOWNS[trends.by]
    span = trends.span if table == "monthly" else trends.periods.labels()["this"]
    buffer = io.StringIO()
    buffer.write(f"# {MARKING}. {trends.title}, {TABLES[table]}, {span}.\n")
    buffer.write(f"# {trends.note}\n")
    shared = frame.map(spreadsheet_safe)
    shared.index = [spreadsheet_safe(label) for label in frame.index]
    shared.columns = [spreadsheet_safe(label) for label in frame.columns]
    shared.rename_axis(index).to_csv(buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def trends_png(trends: Trends, chart: str) -> bytes:
    """One chart ('monthly' or 'comparison') as a PNG for a board paper, footnoted. Hidden
    figures are gaps (lines), grey squares (areas) or 'hidden' (bars). Not audited: use
    `export_trends`."""
    _require_shareable(trends)
    footer = f"{MARKING}. {trends.note}"
    if chart == "monthly":
        title = f"{trends.title}, month by month, {trends.span}"
        return charts.monthly_chart_png(trends.monthly_values, trends.by, title, footer)
    if chart == "comparison":
        title = f"{trends.title}: {trends.periods.labels()['this']} against earlier periods"
        values = trends.comparison_values.drop(index=TOTAL_LABEL)
        values = values[list(trends.periods.compared)]
        return charts.comparison_chart_png(
            values, trends.periods.labels(), title, footer, trends.available
        )
    raise ValueError(f"no chart {chart!r}; choose one of {', '.join(TABLES)}")


def export_name(trends: Trends, what: str, fmt: str) -> str:
    """A file name from our own codes and dates, never from record text."""
    return f"trends-{trends.by.replace('_', '-')}-{what}-{trends.periods.end}.{fmt}"


def export_detail(trends: Trends, what: str, fmt: str) -> dict[str, Any]:
    return {
        "export": f"trends_{what}",
        "format": fmt,
        "by": trends.by,
        "end_month": str(trends.periods.end),
        "length": trends.periods.length,
        "suppressed": trends.suppressed,
    }


def record_trends_export(engine: Engine, user: User, trends: Trends, what: str, fmt: str) -> None:
    """Audit a table or chart leaving the system (a disclosure)."""
    require(user.role, Capability.VIEW_TRENDS)
    require(user.role, Capability.EXPORT_AGGREGATES)
    _require_shareable(trends)
    with engine.begin() as connection:
        record_use(
            connection,
            user,
            DISCLOSURE,
            f"export:{export_name(trends, what, fmt)}",
            export_detail(trends, what, fmt),
        )


def export_trends(engine: Engine, user: User, trends: Trends, what: str, fmt: str) -> bytes:
    """A table as CSV (``fmt='csv'``) or a chart as PNG (``fmt='png'``) for sharing, made from
    suppressed figures only and audited as a disclosure. `what` is 'monthly' or 'comparison'.
    """
    require(user.role, Capability.VIEW_TRENDS)
    require(user.role, Capability.EXPORT_AGGREGATES)
    if fmt == "csv":
        body = trends_csv(trends, what)
    elif fmt == "png":
        body = trends_png(trends, what)
    else:
        raise ValueError(f"export format {fmt!r}; expected 'csv' or 'png'")
    record_trends_export(engine, user, trends, what, fmt)
    return body


def _finite(frame: pd.DataFrame | pd.Series) -> np.ndarray:
    values = np.asarray(frame, dtype=float).ravel()
    return values[np.isfinite(values)]


def smallest_published(trends: Trends) -> float | None:
    """The smallest non-zero figure the result publishes as a number (tests and checks: a
    suppressed result must never publish one below the threshold)."""
    parts = [
        _finite(trends.monthly_values),
        _finite(trends.monthly_totals),
        _finite(trends.comparison_values),
    ]
    numbers = np.concatenate(parts) if parts else np.array([])
    numbers = numbers[numbers > 0]
    return float(numbers.min()) if len(numbers) else None
