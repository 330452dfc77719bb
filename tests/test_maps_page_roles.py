"""The Hotspot map and Hotspot detail pages, run headless (Streamlit's AppTest) for each role.

The browser tests sign in as the demo analyst; these check what the other roles get from the
same page scripts: licensing sees counts without young people, others are refused politely.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hotspots.db.access import User
from tests.apptest import pages_on_database, run_page

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory):
    """A demo database the pages seed on first use; Streamlit's caches cleared around it."""
    patch = pytest.MonkeyPatch()
    database = tmp_path_factory.mktemp("page-roles") / "hotspots.sqlite"
    with pages_on_database(patch, f"sqlite:///{database}", demo=True, demo_sightings=2000):
        yield database
    patch.undo()


def run(page: str, role: str) -> AppTest:
    """The page on its own, as when its URL is typed by hand (no navigation around it)."""
    return run_page(page, User(f"{role}-user", role, "test"), timeout=180)


def run_in_app(page: str, role: str) -> AppTest:
    """The page reached through app.py's navigation, as a signed-in user reaches it."""
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    app.session_state["user"] = User(f"{role}-user", role, "test")
    app.run()
    return app.switch_page(f"pages/{page}.py").run()


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_analyst_sees_every_number_on_the_map_page(demo_database):
    app = run_in_app("hotspot_map", "analyst")
    assert not app.exception
    shown = metrics(app)
    assert int(shown["Sightings"].replace(",", "")) > 0
    assert shown["Distinct young people"] != "–"
    assert int(shown["Hotspots"]) > 0
    assert not app.error


def test_licensing_sees_counts_but_no_young_people(demo_database):
    app = run_in_app("hotspot_map", "licensing")
    assert not app.exception and not app.error
    shown = metrics(app)
    assert shown["Distinct young people"] == "–"
    assert int(shown["Hotspots"]) > 0
    table = app.dataframe[0].value
    assert "Main grooming model" not in table.columns
    assert any("Your role sees hotspot outlines" in caption.value for caption in app.caption)


@pytest.mark.parametrize(
    ("page", "role"),
    [
        ("hotspot_map", "lscb"),
        ("hotspot_map", "admin"),
        ("hotspot_detail", "licensing"),
        ("hotspot_detail", "lscb"),
        ("hotspot_detail", "admin"),
    ],
)
def test_other_roles_are_refused_with_the_reason(demo_database, page, role):
    app = run(page, role)
    assert not app.exception
    assert app.error and app.error[0].value.startswith("Access refused")
    assert not app.metric


def test_analyst_opens_the_busiest_hotspot_in_detail(demo_database):
    app = run_in_app("hotspot_detail", "analyst")
    assert not app.exception and not app.error
    assert app.title[0].value.startswith("Hotspot detail: ")
    assert int(metrics(app)["Sightings"].replace(",", "")) > 0
