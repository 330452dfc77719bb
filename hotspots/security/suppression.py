"""Statistical disclosure control for counts shown to `lscb` users and in exports for sharing.

The rule, applied to a table of counts together with its row, column and grand totals:

1. **Primary.** A count from 1 to `threshold - 1` (1 to 4) is shown as "<5". Zero stays 0:
   that nothing happened discloses nobody. Totals are counts too: a total of 1 to 4 is "<5".
2. **Secondary.** A row or column whose total is known and which hides exactly one entry would
   give that entry away by subtraction. So in every line (a row or column with its total) that
   hides exactly one entry, the smallest other non-zero entry is hidden too, shown as "[c]";
   a part of the line is preferred, the line's total only when no part is left. Repeat until
   no line hides exactly one entry. Hidden totals take part: the column of row totals adds up
   to the grand total, so a hidden row total needs a second hidden row total.
3. **Audit.** Subtraction across several lines at once can still narrow a small count (a "<5"
   next to a "[c]" of exactly 5, say, leaves only 1). For every "<5" entry the range an
   attacker can deduce from everything published is computed by linear programming (exact
   for two-way tables with totals, whose constraints are totally unimodular); the attacker is
   assumed to know this rule, so "<5" means 1 to 4 and "[c]" means at least 5. If any small
   count is narrower than 1 to 4, the smallest shown non-zero entry in its row or column is
   hidden too, and steps 2 and 3 run again. Only when nothing is left to hide may a range
   stay narrower (two "<5" counts under a "<5" total cannot be 4, whatever is hidden); if
   even then a small count would be exact, `SuppressionFailed` is raised: the table is too
   sparse to publish at that breakdown.

Totals are computed from the true counts and are never rounded; a published total is exact.
The protection assumes every row, column and grand total is public, even when `totals=False`
leaves them off this display (they are often published elsewhere): publish elsewhere only
the totals this function shows, with the same markers.

Residual risk: an attacker who also uses that a "[c]" entry was the *smallest* in its line,
or who combines this table with another table cut differently, can learn more than the
audit assumes. Keep shared tables few and their cuts consistent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy.optimize import linprog

DEFAULT_THRESHOLD: Final = 5
SECONDARY_MARK: Final = "[c]"
TOTAL_LABEL: Final = "Total"

SHOWN, PRIMARY, SECONDARY = 0, 1, 2
_KIND_NAMES: Final = {SHOWN: "", PRIMARY: "primary", SECONDARY: "secondary"}

Entry = tuple[int, int]


class SuppressionFailed(RuntimeError):
    """A small count could not be protected; the table must not be published."""


@dataclass(frozen=True)
class SuppressedTable:
    """The table ready to show: `display` holds strings, `mask` is True where hidden.

    `kind` says why an entry is hidden ("primary", "secondary" or ""). With totals, the last
    row and column are labelled "Total".
    """

    display: pd.DataFrame
    mask: pd.DataFrame
    kind: pd.DataFrame
    threshold: int

    @property
    def note(self) -> str:
        """The footnote to print under the table."""
        return (
            f"<{self.threshold}: a number from 1 to {self.threshold - 1}, hidden to protect the"
            f" people counted. {SECONDARY_MARK}: hidden so that a small number cannot be worked"
            " out from the totals."
        )


def suppress(
    counts: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, totals: bool = True
) -> SuppressedTable:
    """Suppress small counts in a rows x columns table of counts (rule in the module docstring).

    Parameters
    ----------
    counts : non-negative whole numbers; a plain (not multi-level) index and columns.
    threshold : counts from 1 to `threshold - 1` are hidden; 5 gives "<5".
    totals : add a "Total" row and column to the display.

    Example
    -------
    >>> counts = pd.DataFrame({"Deane": [3, 12], "Halliwell": [9, 20]}, index=["Jan", "Feb"])
    >>> suppress(counts).display
          Deane Halliwell Total
    Jan      <5       [c]    12
    Feb     [c]       [c]    32
    Total    15        29    44

    Jan's 9 is hidden, or 12 - 9 would give the 3 away; then Feb's 12 for Deane's total,
    and Feb's 20 for Feb's total.
    """
    values = _validated(counts, threshold, totals)
    extended = _with_totals(values)
    status = _protect(extended, threshold)
    return _result(counts, extended, status, threshold, totals)


def suppress_series(
    counts: pd.Series, threshold: int = DEFAULT_THRESHOLD, total: bool = True
) -> SuppressedTable:
    """Suppress a one-way table (counts by month, say); the display has one column.

    >>> by_month = pd.Series([3, 40, 8], index=["Jan", "Feb", "Mar"], name="sightings")
    >>> suppress_series(by_month).display
          sightings
    Jan          <5
    Feb          40
    Mar         [c]
    Total        51
    """
    name = counts.name if counts.name is not None else "count"
    table = suppress(counts.to_frame(name), threshold, totals=total)
    if not total:
        return table
    return SuppressedTable(
        display=table.display.iloc[:, :-1],
        mask=table.mask.iloc[:, :-1],
        kind=table.kind.iloc[:, :-1],
        threshold=threshold,
    )


def _validated(counts: pd.DataFrame, threshold: int, totals: bool) -> np.ndarray:
    if threshold < 2:
        raise ValueError(f"threshold must be at least 2, not {threshold}")
    if counts.empty:
        raise ValueError("counts: the table is empty; there is nothing to show")
    if totals and (
        isinstance(counts.index, pd.MultiIndex) or isinstance(counts.columns, pd.MultiIndex)
    ):
        raise ValueError("counts: totals need a plain index and columns, not multi-level ones")
    if totals and (TOTAL_LABEL in counts.index or TOTAL_LABEL in counts.columns):
        raise ValueError(f"counts: already has a {TOTAL_LABEL!r} row or column; pass totals=False")
    numbers = counts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.round(numbers))
    if bad.any():
        row, column = (int(k) for k in np.argwhere(bad)[0])
        value = counts.iat[row, column]
        value = value.item() if isinstance(value, np.generic) else value
        raise ValueError(
            f"counts: row {counts.index[row]!r}, column {counts.columns[column]!r}:"
            f" {value!r} is not a whole number of 0 or more"
        )
    return numbers.astype(np.int64)


def _with_totals(values: np.ndarray) -> np.ndarray:
    """The table with a row-total column, a column-total row and the grand total."""
    with_rows = np.column_stack([values, values.sum(axis=1)])
    return np.vstack([with_rows, with_rows.sum(axis=0)])


def _lines(shape: tuple[int, int]) -> list[list[Entry]]:
    """Every row and column of the extended table; the last entry of each is its total."""
    n_rows, n_columns = shape
    rows = [[(i, j) for j in range(n_columns)] for i in range(n_rows)]
    columns = [[(i, j) for i in range(n_rows)] for j in range(n_columns)]
    return rows + columns


def _protect(extended: np.ndarray, threshold: int) -> np.ndarray:
    status = np.where((extended > 0) & (extended < threshold), PRIMARY, SHOWN)
    lines = _lines(extended.shape)
    to_check = None  # all small counts at first
    while True:
        _apply_line_rule(extended, status, lines)
        bounds = attacker_bounds(extended, status, threshold, lines, to_check)
        narrowed = [e for e, (low, high) in bounds.items() if low > 1 or high < threshold - 1]
        if not narrowed:
            return status
        if not _repair(extended, status, lines, narrowed):
            _refuse_if_pinned(bounds)
            return status
        # Hiding more only widens what an attacker must allow for: a count once protected
        # stays protected, so only the narrowed ones need checking again.
        to_check = narrowed


def _refuse_if_pinned(bounds: dict[Entry, tuple[float, float]]) -> None:
    """With nothing left to hide, a narrowed range is tolerable but an exact value is not.

    For example a row 1, 1, 1, 1 with a total of 4: four "<5" under a "<5" total must all be 1.
    """
    pinned = [entry for entry, (low, high) in bounds.items() if low == high]
    if pinned:
        raise SuppressionFailed(
            "the small counts cannot be protected in a table this sparse (every non-zero"
            " count is hidden already, and together they still give each other away);"
            " combine rows or columns, or widen the period, and try again"
        )


def _candidate(extended: np.ndarray, status: np.ndarray, line: list[Entry]) -> Entry | None:
    """The smallest shown non-zero entry of a line, parts before the line's total."""
    shown = [e for e in line if status[e] == SHOWN and extended[e] > 0]
    if not shown:
        return None
    return min(shown, key=lambda e: (e == line[-1], extended[e], e))


def _apply_line_rule(extended: np.ndarray, status: np.ndarray, lines: list[list[Entry]]) -> None:
    """Hide a second entry in every line hiding exactly one, until none does."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(status[e] != SHOWN for e in line) != 1:
                continue
            candidate = _candidate(extended, status, line)
            if candidate is not None:
                status[candidate] = SECONDARY
                changed = True


def _repair(
    extended: np.ndarray, status: np.ndarray, lines: list[list[Entry]], narrowed: list[Entry]
) -> bool:
    """Hide one more entry in the row or column of each narrowed count (failing that, the
    smallest anywhere); False when nothing is left to hide."""
    added = False
    for entry in narrowed:
        through = [line for line in lines if entry in line]
        found = [c for line in through if (c := _candidate(extended, status, line)) is not None]
        if not found:
            found = [c for line in lines if (c := _candidate(extended, status, line)) is not None]
        if found:
            status[min(found, key=lambda e: (extended[e], e))] = SECONDARY
            added = True
    return added


def attacker_bounds(
    extended: np.ndarray,
    status: np.ndarray,
    threshold: int = DEFAULT_THRESHOLD,
    lines: list[list[Entry]] | None = None,
    entries: list[Entry] | None = None,
) -> dict[Entry, tuple[float, float]]:
    """For each "<5" entry (or those of `entries`), the least and greatest value consistent
    with what is published: what an attacker who knows the rule can deduce.

    `extended` is the table with its totals as last row and column; `status` marks each
    entry SHOWN, PRIMARY or SECONDARY. Unknowns are the hidden entries ("<5" in
    1..threshold-1, "[c]" at least threshold); each line says its parts add up to its total.
    Minimise and maximise each small entry by linear programming.
    """
    lines = lines if lines is not None else _lines(extended.shape)
    hidden = [tuple(map(int, e)) for e in np.argwhere(status != SHOWN)]
    column_of = {entry: k for k, entry in enumerate(hidden)}
    a_eq, b_eq = _equations(extended, status, lines, column_of)
    bounds = [(1, threshold - 1) if status[e] == PRIMARY else (threshold, None) for e in hidden]
    result = {}
    for entry in hidden if entries is None else entries:
        if status[entry] == PRIMARY:
            result[entry] = (
                _optimum(column_of[entry], 1.0, a_eq, b_eq, bounds),
                -_optimum(column_of[entry], -1.0, a_eq, b_eq, bounds),
            )
    return result


def _equations(
    extended: np.ndarray,
    status: np.ndarray,
    lines: list[list[Entry]],
    column_of: dict[Entry, int],
) -> tuple[np.ndarray, np.ndarray]:
    """One equation per line with a hidden entry: sum(parts) - total = 0, shown values moved."""
    rows, rhs = [], []
    for line in lines:
        if all(status[e] == SHOWN for e in line):
            continue
        coefficients = np.zeros(len(column_of))
        constant = 0.0
        for entry in line:
            sign = -1.0 if entry == line[-1] else 1.0
            if status[entry] == SHOWN:
                constant -= sign * extended[entry]
            else:
                coefficients[column_of[entry]] += sign
        rows.append(coefficients)
        rhs.append(constant)
    return np.array(rows).reshape(len(rows), len(column_of)), np.array(rhs)


def _optimum(
    k: int, sense: float, a_eq: np.ndarray, b_eq: np.ndarray, bounds: list[tuple]
) -> float:
    """min(sense * x_k) subject to the equations; -inf when unbounded."""
    objective = np.zeros(len(bounds))
    objective[k] = sense
    solution = linprog(
        objective,
        A_eq=a_eq if len(a_eq) else None,
        b_eq=b_eq if len(b_eq) else None,
        bounds=bounds,
        method="highs",
    )
    if solution.status == 3:
        return -np.inf
    if solution.status != 0:
        raise SuppressionFailed(f"the disclosure audit could not be solved: {solution.message}")
    return float(np.round(solution.fun, 6))


def _result(
    counts: pd.DataFrame,
    extended: np.ndarray,
    status: np.ndarray,
    threshold: int,
    totals: bool,
) -> SuppressedTable:
    index = [*counts.index, TOTAL_LABEL] if totals else list(counts.index)
    columns = [*counts.columns, TOTAL_LABEL] if totals else list(counts.columns)
    if not totals:
        extended, status = extended[:-1, :-1], status[:-1, :-1]
    text = np.vectorize(lambda value, kind: _shown(value, kind, threshold), otypes=[object])
    frame = lambda data: pd.DataFrame(data, index=index, columns=columns)  # noqa: E731
    return SuppressedTable(
        display=frame(text(extended, status)),
        mask=frame(status != SHOWN),
        kind=frame(np.vectorize(_KIND_NAMES.get, otypes=[object])(status)),
        threshold=threshold,
    )


def _shown(value: int, kind: int, threshold: int) -> str:
    if kind == PRIMARY:
        return f"<{threshold}"
    if kind == SECONDARY:
        return SECONDARY_MARK
    return f"{int(value):,}"


#: The first line of every export labelled for wider sharing.
SHARING_LABEL: Final = "For wider sharing: small numbers suppressed"


def shareable_csv(
    counts: pd.DataFrame | pd.Series, title: str, threshold: int = DEFAULT_THRESHOLD
) -> bytes:
    """Counts as a CSV labelled for wider sharing: always suppressed, with the footnote.

    The one way to write such an export, so that none leaves unsuppressed: a one-way table
    (Series) goes through `suppress_series`, a two-way table through `suppress`, both with
    totals. Labels (an area or premises name may come from a record) are defused for
    spreadsheets. UTF-8 with a byte-order mark, so spreadsheets read it.

    >>> body = shareable_csv(pd.Series([3, 40, 8], index=["Jan", "Feb", "Mar"], name="n"), "T")
    >>> body.decode("utf-8-sig").splitlines()[2:6]
    [',n', 'Jan,<5', 'Feb,40', 'Mar,[c]']
    """
    from hotspots.security.escaping import spreadsheet_safe, spreadsheet_safe_frame

    if isinstance(counts, pd.Series):
        table = suppress_series(counts, threshold)
    else:
        table = suppress(counts, threshold)
    display = spreadsheet_safe_frame(table.display)
    display.index = [spreadsheet_safe(label) for label in display.index]
    lines = f"# {spreadsheet_safe(title)}\n# {SHARING_LABEL}\n"
    body = lines + display.to_csv() + f"# {table.note}\n"
    return ("\ufeff" + body).encode("utf-8")
