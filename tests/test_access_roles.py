"""Every data-access function against every role: the rule lives in the data layer.

The table below says which roles each function serves. A refused role gets `AccessDenied`
before any other work, whatever the other arguments are. A new function in `hotspots.db`
that acts for a `user` must be added here, or the completeness test below fails.
Allowed calls are exercised with real arguments in each module's own tests.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest

import hotspots.db as db_package
from hotspots.db import make_engine, migrate
from hotspots.db.access import User
from hotspots.security.roles import AccessDenied

ROLES = ("analyst", "licensing", "lscb", "admin")
ANALYST = frozenset({"analyst"})
ANALYST_LICENSING = frozenset({"analyst", "licensing"})
ANALYST_LSCB = frozenset({"analyst", "lscb"})
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})

#: module.function -> roles it serves. Everything else is refused.
EXPECTED: dict[str, frozenset[str]] = {
    "access.overview": EVERYONE,
    "access.premises": ANALYST_LICENSING,
    "access.search_sightings": ANALYST,
    "access.sightings": ANALYST,
    "audit.audit_entries": ADMIN,
    "audit.export_audit": ADMIN,
    "disruptions.briefing": ANALYST,
    "disruptions.current_hotspots": ANALYST,
    "disruptions.evaluate_action": ANALYST,
    "disruptions.export_briefing": ANALYST,
    "disruptions.export_evaluation": ANALYST,
    "disruptions.export_meeting_pack": ANALYST,
    "disruptions.get_action": ANALYST,
    "disruptions.list_actions": ANALYST,
    "disruptions.meeting_pack": ANALYST,
    "disruptions.new_action": ANALYST,
    "disruptions.record_action": ANALYST,
    "disruptions.record_export": ANALYST,
    "disruptions.update_action": ANALYST,
    "imports.import_file": ANALYST,
    "imports.list_imports": ANALYST,
    "imports.remembered_mapping": ANALYST,
    "imports.undo_import": ANALYST,
    "intelligence.record_download": ANALYST,
    "intelligence.submit_sighting": ANALYST,
    "mapdata.hotspot_detail": ANALYST_LICENSING,
    "mapdata.hotspot_map_data": ANALYST_LICENSING,
    "mapdata.load_map_source": ANALYST_LICENSING,
    "premises_check.export_visit_list": ANALYST_LICENSING,
    "premises_check.premises_check": ANALYST_LICENSING,
    "premises_check.record_visit_list_export": ANALYST_LICENSING,
    "runs.cluster_in_database": ANALYST,
    "runs.context_layer": ANALYST,
    "runs.list_runs": ANALYST_LICENSING,
    "runs.load_run": ANALYST_LICENSING,
    "runs.save_run": ANALYST,
    "screenings.known_pseudonyms": ANALYST,
    "screenings.risk_history": ANALYST,
    "screenings.save_screening": ANALYST,
    "trends.export_trends": ANALYST_LSCB,
    "trends.record_trends_export": ANALYST_LSCB,
    "trends.trends": ANALYST_LSCB,
    "retention.due_for_review": ADMIN,
    "retention.erase_sighting": ADMIN,
    "retention.erase_young_person": ADMIN,
    "retention.retain": ADMIN,
    "users.add_user": ADMIN,
    "users.list_users": ADMIN,
    "users.reset_password": ADMIN,
    "users.set_disabled": ADMIN,
    "users.set_role": ADMIN,
}

#: Functions that take a user but are not reads or writes on the user's behalf.
NOT_ACCESS = {
    "access.record_use",  # the audit writer every checked function calls
    "access.record_refusal",  # logs a refusal (access_denied), whatever the role
    "users.sign_out",  # ends the caller's own session, whatever the role (audited)
}


def _functions_acting_for_a_user() -> dict[str, Callable]:
    found = {}
    for info in pkgutil.iter_modules(db_package.__path__):
        module = importlib.import_module(f"hotspots.db.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "user" in inspect.signature(function).parameters:
                found[f"{info.name}.{name}"] = function
    return found


FUNCTIONS = _functions_acting_for_a_user()


def _placeholder_arguments(function: Callable) -> dict[str, None]:
    """None for every required argument after (engine, user): a refusal must come first."""
    parameters = list(inspect.signature(function).parameters.values())[2:]
    return {
        p.name: None
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


@pytest.fixture(scope="module")
def empty_engine(tmp_path_factory: pytest.TempPathFactory):
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('roles')) / 'r.sqlite'}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_every_function_acting_for_a_user_is_in_the_table() -> None:
    unlisted = sorted(set(FUNCTIONS) - set(EXPECTED) - NOT_ACCESS)
    assert unlisted == [], f"add these to EXPECTED with the roles they serve: {unlisted}"
    assert set(EXPECTED) <= set(FUNCTIONS), "EXPECTED names a function that no longer exists"


REFUSALS = [
    (name, role) for name, allowed in sorted(EXPECTED.items()) for role in ROLES
    if role not in allowed
]  # fmt: skip


@pytest.mark.parametrize(("name", "role"), REFUSALS, ids=[f"{n}-{r}" for n, r in REFUSALS])
def test_a_refused_role_gets_access_denied(empty_engine, name: str, role: str) -> None:
    function = FUNCTIONS[name]
    with pytest.raises(AccessDenied):
        function(empty_engine, User("someone", role), **_placeholder_arguments(function))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_unknown_role_is_refused_everywhere(empty_engine, name: str) -> None:
    function = FUNCTIONS[name]
    with pytest.raises(AccessDenied):
        function(empty_engine, User("someone", "intruder"), **_placeholder_arguments(function))


@pytest.mark.parametrize(
    ("name", "role"),
    [(n, r) for n, allowed in sorted(EXPECTED.items()) for r in sorted(allowed)],
)
def test_an_allowed_role_is_not_refused(empty_engine, name: str, role: str) -> None:
    """With placeholder arguments the call may fail later, but never with AccessDenied."""
    function = FUNCTIONS[name]
    try:
        function(empty_engine, User("someone", role), **_placeholder_arguments(function))
    except AccessDenied as refusal:  # pragma: no cover - the failure being tested for
        pytest.fail(f"{name} refused {role}: {refusal}")
    except Exception:  # noqa: S110 - placeholder arguments; only the refusal matters
        pass
