"""Small-number suppression: crafted tables worked by hand, and an independent brute-force attacker.

The attacker enumerates every table of whole numbers consistent with what is published
("<5" is 1 to 4, "[c]" at least 5, shown numbers and totals exact) and checks that every
small count could still be anything from 1 to 4. Finding the values 1 and 4 among consistent
tables is a proof; it does not rely on the linear programme inside `suppress`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hotspots.security.suppression import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    SuppressedTable,
    SuppressionFailed,
    attacker_bounds,
    suppress,
    suppress_series,
)

T = 5


def _table(rows: list[list[int]], columns: str = "abc") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns[: len(rows[0])]))


SEARCH_LIMIT = 1_000_000


def _search_size(counts: pd.DataFrame, table: SuppressedTable) -> int:
    """How many candidate tables the brute force walks through."""
    true = counts.to_numpy()
    kind = table.kind.to_numpy()[: true.shape[0], : true.shape[1]]
    sizes = [T - 1 if k == "primary" else true[e] + 1 for e, k in np.ndenumerate(kind) if k]
    return int(np.prod(sizes))


def _feasible_small_values(counts: pd.DataFrame, table: SuppressedTable) -> dict:
    """Brute force: every value each hidden small entry takes in some consistent table."""
    true = counts.to_numpy()
    kind = table.kind.to_numpy()  # with totals
    hidden = [(i, j) for i, j in itertools.product(*map(range, true.shape)) if kind[i, j]]
    ranges = [range(1, T) if kind[e] == "primary" else range(T, true[e] + T + 1) for e in hidden]
    assert _search_size(counts, table) <= SEARCH_LIMIT
    grids = np.meshgrid(*ranges, indexing="ij") if ranges else []
    n = grids[0].size if grids else 1
    candidates = np.broadcast_to(true, (n, *true.shape)).copy()
    for entry, grid in zip(hidden, grids, strict=True):
        candidates[:, entry[0], entry[1]] = grid.ravel()
    extended = np.concatenate([candidates, candidates.sum(axis=2, keepdims=True)], axis=2)
    extended = np.concatenate([extended, extended.sum(axis=1, keepdims=True)], axis=1)
    ok = np.ones(n, dtype=bool)
    for i, j in itertools.product(*map(range, kind.shape)):
        if i < true.shape[0] and j < true.shape[1]:
            continue  # interior entries are set from their ranges above
        value = extended[:, i, j]
        if kind[i, j] == "":
            ok &= value == _true_extended(true)[i, j]
        elif kind[i, j] == "primary":
            ok &= (value >= 1) & (value < T)
        else:
            ok &= value >= T
    feasible = extended[ok]
    return {
        (i, j): set(np.unique(feasible[:, i, j]).tolist())
        for i, j in itertools.product(*map(range, kind.shape))
        if kind[i, j] == "primary"
    }


def _true_extended(true: np.ndarray) -> np.ndarray:
    with_rows = np.column_stack([true, true.sum(axis=1)])
    return np.vstack([with_rows, with_rows.sum(axis=0)])


def _assert_protected(counts: pd.DataFrame, table: SuppressedTable) -> None:
    """Every small count may be anything from 1 to 4; narrower only once all is hidden."""
    everything_hidden = bool(table.mask.to_numpy()[_true_extended(counts.to_numpy()) > 0].all())
    for entry, values in _feasible_small_values(counts, table).items():
        assert len(values) >= 2, f"small count at {entry} pinned to {values}"
        assert everything_hidden or {1, T - 1} <= values, (
            f"small count at {entry} narrowed to {sorted(values)}"
        )


def _assert_consistent(counts: pd.DataFrame, table: SuppressedTable) -> None:
    """Markers, mask and kind agree; every shown number is the true one."""
    true = _true_extended(counts.to_numpy())
    for (i, j), text in np.ndenumerate(table.display.to_numpy()):
        kind = table.kind.iat[i, j]
        assert bool(table.mask.iat[i, j]) is (kind != "")
        if kind == "primary":
            assert text == "<5" and 1 <= true[i, j] <= 4
        elif kind == "secondary":
            assert text == "[c]" and true[i, j] >= 5
        else:
            assert text == f"{true[i, j]:,}" and not 1 <= true[i, j] <= 4


def test_nothing_hidden_when_no_small_counts() -> None:
    table = suppress(_table([[10, 20], [30, 0]]))
    assert table.display.to_numpy().tolist() == [
        ["10", "20", "30"],
        ["30", "0", "30"],
        ["40", "20", "60"],
    ]
    assert not table.mask.to_numpy().any()
    assert list(table.display.index) == [0, 1, "Total"]
    assert list(table.display.columns) == ["a", "b", "Total"]


def test_all_zero_table_stays_zero() -> None:
    table = suppress(_table([[0, 0], [0, 0]]))
    assert set(table.display.to_numpy().ravel()) == {"0"}


def test_secondary_suppression_iterates_until_stable() -> None:
    # Worked by hand. Jan's 3 is small. Alone in its row, Jan's total 12 gives it away
    # (12 - 9), so the 9 goes too. Deane's column now hides only the 3: 15 - 12 gives it
    # away, so Feb's 12 goes. Feb's row now hides only the 12: the 20 goes. Stable.
    counts = pd.DataFrame({"Deane": [3, 12], "Halliwell": [9, 20]}, index=["Jan", "Feb"])
    table = suppress(counts)
    assert table.display.to_numpy().tolist() == [
        ["<5", "[c]", "12"],
        ["[c]", "[c]", "32"],
        ["15", "29", "44"],
    ]
    assert table.kind.loc["Jan", "Deane"] == "primary"
    assert table.kind.loc["Feb", "Halliwell"] == "secondary"
    _assert_consistent(counts, table)
    _assert_protected(counts, table)


def test_hidden_total_needs_a_second_hidden_total() -> None:
    # Worked by hand. Row 0 is (3, 0): the cell and its total 3 are both small. Column a
    # (3, 6, 10; 19) hides only the 3, so its smallest other part, 6, goes. The column of row
    # totals (3, 14, 19; 36) hides only the 3, and 36 - 14 - 19 = 3 would give it away, so
    # the row total 14 goes too. Row 1 now hides two entries (6 and 14): stable. The attacker
    # knows 3 + [c] = 19 - 10 = 9 with [c] >= 5, which leaves the 3 anywhere from 1 to 4.
    counts = _table([[3, 0], [6, 8], [10, 9]])
    table = suppress(counts)
    assert table.display.to_numpy().tolist() == [
        ["<5", "0", "<5"],
        ["[c]", "8", "[c]"],
        ["10", "9", "19"],
        ["19", "17", "36"],
    ]
    _assert_consistent(counts, table)
    _assert_protected(counts, table)


def test_total_would_reveal_the_only_small_count() -> None:
    # 51 - 40 - 8 = 3: the 8 must go.
    months = pd.Series([3, 40, 8], index=["Jan", "Feb", "Mar"], name="sightings")
    table = suppress_series(months)
    assert table.display["sightings"].tolist() == ["<5", "40", "[c]", "51"]
    assert table.kind["sightings"].tolist() == ["primary", "", "secondary", ""]


def test_line_rule_alone_would_leak_and_the_audit_fixes_it() -> None:
    # One row: 1, 5, 20, total 26. The line rule hides the 1 and the next smallest, the 5.
    # But "[c]" means at least 5, so 1 + [c] = 26 - 20 = 6 pins the small count to 1.
    extended = np.array([[1, 5, 20, 26], [1, 5, 20, 26]])
    line_rule_only = np.array([[PRIMARY, SECONDARY, SHOWN, SHOWN]] * 2)
    line_rule_only[1, 0], line_rule_only[1, 1] = PRIMARY, SECONDARY
    assert attacker_bounds(extended, line_rule_only)[(0, 0)] == (1.0, 1.0)

    counts = _table([[1, 5, 20]])
    table = suppress(counts)
    assert table.display.iloc[0].tolist() == ["<5", "[c]", "[c]", "26"]
    _assert_consistent(counts, table)
    _assert_protected(counts, table)


def test_two_small_counts_in_a_line_still_get_protection() -> None:
    # Row 0 is 1, 1, 12 (total 14). The line rule is content: the row already hides two
    # entries. But 14 - 12 = 2 leaves 1 + 1: both pinned. The audit hides more until the
    # brute-force attacker below finds each small count could be anything from 1 to 4.
    counts = _table([[1, 1, 12], [7, 9, 15]])
    table = suppress(counts)
    assert table.display.to_numpy().tolist() == [
        ["<5", "<5", "[c]", "[c]"],
        ["[c]", "[c]", "[c]", "[c]"],
        ["[c]", "[c]", "27", "45"],
    ]
    _assert_consistent(counts, table)
    _assert_protected(counts, table)


def test_totals_false_hides_the_same_cells_without_total_labels() -> None:
    counts = pd.DataFrame({"Deane": [3, 12], "Halliwell": [9, 20]}, index=["Jan", "Feb"])
    with_totals, without = suppress(counts), suppress(counts, totals=False)
    assert without.display.shape == (2, 2)
    assert "Total" not in without.display.index
    assert without.mask.equals(with_totals.mask.iloc[:2, :2])


def test_threshold_is_a_parameter() -> None:
    table = suppress(_table([[9, 10], [30, 40]]), threshold=10)
    assert table.display.iat[0, 0] == "<10"
    assert "<10: a number from 1 to 9" in table.note


def test_large_numbers_have_thousands_separators() -> None:
    table = suppress(_table([[1234, 20], [30, 5000]]))
    assert table.display.iat[0, 0] == "1,234"
    assert table.display.iat[2, 2] == "6,284"


def test_note_explains_both_markers() -> None:
    note = suppress(_table([[1, 20], [30, 40]])).note
    assert "<5: a number from 1 to 4" in note
    assert "[c]" in note


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (_table([[1, -2]]), "row 0, column 'b': -2 is not a whole number of 0 or more"),
        (_table([[1.5, 2]]), "1.5 is not a whole number"),
        (pd.DataFrame({"a": [1, None]}), "not a whole number"),
        (pd.DataFrame({"a": ["x"]}), "'x' is not a whole number"),
        (pd.DataFrame(), "empty"),
        (pd.DataFrame({"Total": [1]}), "already has a 'Total'"),
    ],
)
def test_bad_counts_are_refused(counts: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        suppress(counts)


def test_threshold_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        suppress(_table([[1]]), threshold=1)


def test_input_frame_is_not_changed() -> None:
    counts = _table([[3, 9], [12, 20]])
    before = counts.copy()
    suppress(counts)
    assert counts.equals(before)


def test_realistic_board_table_is_protected_and_quick() -> None:
    rng = np.random.default_rng(7)
    counts = pd.DataFrame(
        rng.poisson(4, size=(12, 6)),
        index=pd.period_range("2024-01", periods=12, freq="M").astype(str),
        columns=["on_street", "boyfriend", "party", "internet", "lone", "group"],
    )
    table = suppress(counts)
    _assert_consistent(counts, table)
    extended = _true_extended(counts.to_numpy())
    status = np.vectorize({"": SHOWN, "primary": PRIMARY, "secondary": SECONDARY}.get)(
        table.kind.to_numpy()
    )
    for low, high in attacker_bounds(extended, status).values():
        assert low <= 1 and high >= 4


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    st.sampled_from([(2, 2), (2, 3), (3, 2)]).flatmap(
        lambda shape: st.lists(
            st.lists(st.integers(0, 9), min_size=shape[1], max_size=shape[1]),
            min_size=shape[0],
            max_size=shape[0],
        )
    )
)
def test_no_small_count_can_be_narrowed_by_brute_force(rows: list[list[int]]) -> None:
    counts = _table(rows)
    try:
        table = suppress(counts)
    except SuppressionFailed:
        # Refused only when every non-zero count is small.
        assert (counts.to_numpy() < T).all()
        return
    assume(_search_size(counts, table) <= SEARCH_LIMIT)
    _assert_consistent(counts, table)
    _assert_protected(counts, table)


def test_all_small_counts_narrowed_by_their_own_markers_are_accepted() -> None:
    # Everything is hidden; the markers alone say 1 + 1 = "<5", so each is at most 3.
    counts = _table([[0, 0], [1, 1]])
    table = suppress(counts)
    assert table.display.to_numpy().tolist() == [
        ["0", "0", "0"],
        ["<5", "<5", "<5"],
        ["<5", "<5", "<5"],
    ]
    _assert_protected(counts, table)


def test_table_too_sparse_to_protect_is_refused() -> None:
    # 1 + 1 + 1 + 1 = "<5" pins every count to 1, and nothing else is left to hide.
    with pytest.raises(SuppressionFailed, match="combine rows or columns"):
        suppress(_table([[1, 1, 1, 1]], columns="abcd"))
