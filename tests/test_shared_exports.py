"""Exports labelled for wider sharing: crafted counts come out suppressed, primary and
secondary, with the label and the footnote; nothing from 1 to 4 and nothing a total gives away."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from hotspots.security.suppression import SECONDARY_MARK, SHARING_LABEL, shareable_csv


def _read(body: bytes) -> tuple[list[str], pd.DataFrame]:
    text = body.decode("utf-8-sig")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    rows = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return comments, pd.read_csv(io.StringIO(rows), index_col=0, dtype=str)


def test_a_two_way_table_hides_small_counts_and_what_would_give_them_away() -> None:
    # Worked by hand: Jan/Deane 3 is small ("<5"). Jan's row total 12 would give it away
    # from Jan/Halliwell 9, so 9 is hidden too; Deane's column total 15 would give it away
    # from Feb/Deane 12, so that is hidden; then Feb's row hides exactly one, and Feb/Halliwell
    # 20 goes as well. Totals stay exact.
    counts = pd.DataFrame({"Deane": [3, 12], "Halliwell": [9, 20]}, index=["Jan", "Feb"])
    comments, table = _read(shareable_csv(counts, "Sightings by month and area"))
    assert comments[:2] == ["# Sightings by month and area", f"# {SHARING_LABEL}"]
    assert comments[-1].startswith("# <5: a number from 1 to 4")
    assert table.to_dict("index") == {
        "Jan": {"Deane": "<5", "Halliwell": SECONDARY_MARK, "Total": "12"},
        "Feb": {"Deane": SECONDARY_MARK, "Halliwell": SECONDARY_MARK, "Total": "32"},
        "Total": {"Deane": "15", "Halliwell": "29", "Total": "44"},
    }


def test_a_one_way_table_with_a_lone_small_count_hides_a_second() -> None:
    by_month = pd.Series([2, 40, 7, 0], index=["Jan", "Feb", "Mar", "Apr"], name="sightings")
    _, table = _read(shareable_csv(by_month, "Sightings by month"))
    shown = table["sightings"].to_dict()
    assert shown == {"Jan": "<5", "Feb": "40", "Mar": SECONDARY_MARK, "Apr": "0", "Total": "49"}


@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_no_number_from_one_to_four_is_ever_written(value: int) -> None:
    counts = pd.DataFrame({"a": [value, 30, 6], "b": [8, value, 50]}, index=["x", "y", "z"])
    _, table = _read(shareable_csv(counts, "Crafted"))
    written = set(table.to_numpy().ravel())
    assert not written & {"1", "2", "3", "4"}


def test_record_labels_cannot_become_spreadsheet_formulas() -> None:
    counts = pd.Series([12, 30], index=['=HYPERLINK("http://x")', "Deane"], name="n")
    body = shareable_csv(counts, "=cmd|' /C calc'!A0").decode("utf-8-sig")
    assert "# '=cmd" in body and "'=HYPERLINK" in body
