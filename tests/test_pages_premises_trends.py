"""The Premises and Trends pages run headless (Streamlit's AppTest) for each role.

The browser tests sign in as the demo analyst; these check what the other roles get from the
same page scripts: a licensing officer sees premises and counts but nothing about any young
person; a board lead sees "<5" and never an exact small count, in tables, headline figures
and the data behind the charts; roles without the page are refused politely.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from hotspots.db import make_engine
from tests.apptest import pages_on_database
from tests.test_maps_page_roles import metrics, run, run_in_app

SMALL = {"1", "2", "3", "4"}
PERSON_COLUMNS = ("pseudonym", "risk", "age", "gender", "ethnicity", "birth", "screening")


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory):
    """A demo database the pages seed on first use (2,000 sightings: small areas have small
    counts); Streamlit's caches cleared around it."""
    patch = pytest.MonkeyPatch()
    database = tmp_path_factory.mktemp("premises-trends") / "hotspots.sqlite"
    with pages_on_database(patch, f"sqlite:///{database}", demo=True, demo_sightings=2000):
        yield database
    patch.undo()


def pseudonyms(database) -> set[str]:
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT pseudonym FROM young_person")).scalars().all()
    engine.dispose()
    return set(rows)


def everything_shown(app: AppTest) -> str:
    """All text the page shows: markdown, captions, notices, metrics, tables, the map."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "title",
                                  "subheader") for e in getattr(app, kind)]  # fmt: skip
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [d.value.to_csv() for d in app.dataframe]
    parts += [c.proto.json_args for c in app.get("component_instance")]
    return "\n".join(str(p) for p in parts)


def chart_data(app: AppTest) -> list[pd.DataFrame]:
    """The data behind every Vega-Lite chart, as the browser receives it."""
    frames = []
    for chart in app.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            frames.append(convert_arrow_bytes_to_pandas_df(dataset.data.data))
    return frames


# ---------------------------------------------------------------- Premises


def test_licensing_sees_premises_and_counts_but_no_young_person(demo_database):
    app = run_in_app("premises", "licensing")
    assert not app.exception and not app.error
    shown = metrics(app)
    assert int(shown["Premises found"].replace(",", "")) > 0
    assert int(shown["On the visit list"].replace(",", "")) > 0
    table = app.dataframe[0].value
    assert {"Premises", "At the premises", "Different young people", "Trend"} <= set(table.columns)
    columns = " ".join(str(c).lower() for d in app.dataframe for c in d.value.columns)
    assert not any(word in columns for word in PERSON_COLUMNS)
    page = everything_shown(app)
    leaked = [p for p in pseudonyms(demo_database) if p in page]
    assert leaked == [], f"young people named on the licensing page: {leaked[:3]}"
    assert "YP-" not in page
    assert app.get("component_instance"), "the map is missing"
    assert [b.label for b in app.get("download_button")] == ["Download the visit list (CSV)"]


def test_a_search_narrows_the_premises(demo_database):
    app = run_in_app("premises", "licensing")
    before = int(metrics(app)["Premises found"].replace(",", ""))
    app.multiselect[0].set_value(["hotel"]).run()
    after = int(metrics(app)["Premises found"].replace(",", ""))
    assert 0 < after < before
    assert set(app.dataframe[0].value["Category"]) == {"Hotel"}
    app.text_input[0].input("no premises is called this").run()
    assert int(metrics(app)["Premises found"]) == 0
    assert any("No premises match this search" in i.value for i in app.info)


def test_analyst_sees_the_premises_page(demo_database):
    app = run_in_app("premises", "analyst")
    assert not app.exception and not app.error
    assert int(metrics(app)["On the visit list"].replace(",", "")) > 0


# ---------------------------------------------------------------- Trends


def assert_no_exact_small_count(app: AppTest) -> None:
    for frame in app.dataframe:
        cells = set(frame.value.astype(str).to_numpy().ravel())
        assert not SMALL & cells, f"an exact small count is on screen: {SMALL & cells}"
    for metric in app.metric:
        assert metric.value not in SMALL
    for data in chart_data(app):
        numbers = pd.to_numeric(data["sightings"], errors="coerce").dropna()
        assert not ((numbers > 0) & (numbers < 5)).any(), "a chart carries a small count"
        if "shown" in data.columns:
            assert not SMALL & set(data["shown"].astype(str))


def test_board_sees_suppressed_figures_only(demo_database):
    app = run_in_app("trends", "lscb")
    assert not app.exception and not app.error
    assert not app.toggle, "a board lead must not be offered exact counts"
    assert_no_exact_small_count(app)
    app.radio[0].set_value("area").run()  # small areas: many small counts
    assert not app.exception
    monthly = app.dataframe[0].value
    assert "<5" in set(monthly.to_numpy().ravel()), "the area table should hide small counts"
    assert_no_exact_small_count(app)
    notes = " ".join(c.value for c in app.caption)
    assert "<5: a number from 1 to 4" in notes
    labels = [b.label for b in app.get("download_button")]
    assert labels.count("Download the table (CSV)") == 2
    assert labels.count("Download the chart (PNG)") == 2


def test_board_changes_the_period_and_the_figures_follow(demo_database):
    app = run_in_app("trends", "lscb")
    three = app.metric[0].label
    app.selectbox[0].set_value(12).run()
    assert not app.exception
    assert app.metric[0].label != three
    assert len(app.metric) == 2, "twelve months: the period before is the same months last year"
    assert_no_exact_small_count(app)


def test_analyst_may_switch_to_exact_counts_but_not_download_them(demo_database):
    app = run_in_app("trends", "analyst")
    assert not app.exception
    app.radio[0].set_value("area").run()
    app.toggle[0].set_value(True).run()
    assert not app.exception
    cells = set(app.dataframe[0].value.to_numpy().ravel())
    assert "<5" not in cells and SMALL & cells, "exact counts show the small numbers"
    assert not app.get("download_button")
    assert any("Switch exact counts off" in c.value for c in app.caption)


@pytest.mark.parametrize(
    ("page", "role"),
    [("premises", "lscb"), ("premises", "admin"), ("trends", "licensing"), ("trends", "admin")],
)
def test_other_roles_are_refused_with_the_reason(demo_database, page, role):
    app = run(page, role)
    assert not app.exception
    assert app.error and app.error[0].value.startswith("Access refused")
    assert not app.metric and not app.dataframe


def test_the_map_sent_to_licensing_carries_counts_not_people(demo_database):
    app = run_in_app("premises", "licensing")
    args = json.loads(app.get("component_instance")[0].proto.json_args)
    script = json.dumps(args)
    assert "Sightings at the premises" in script
    assert "YP-" not in script
