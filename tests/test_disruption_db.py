"""Disruption actions in the database, on both backends: record, list, edit, evaluate, the
meeting pack; which roles may; and the audit entries each leaves."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from hotspots.db.access import User
from hotspots.db.audit import read_audit
from hotspots.db.demo import load_synthetic
from hotspots.db.disruptions import (
    ActionNotFound,
    evaluate_action,
    export_evaluation,
    export_meeting_pack,
    get_action,
    list_actions,
    meeting_pack,
    new_action,
    update_action,
)
from hotspots.disruption.actions import ActionRejected, circle_area
from hotspots.gazetteer import load_gazetteer
from hotspots.security.roles import AccessDenied
from hotspots.synth import generate

ANALYST = User("ann", "analyst", "disruption planning")
TODAY = date(2026, 11, 20)


@pytest.fixture
def loaded(engine: Engine) -> tuple[Engine, dict]:
    data = generate(sightings=3000, seed=2, gazetteer=load_gazetteer())
    load_synthetic(engine, data)
    truth = next(p for p in data.truth["patterns"] if p["kind"] == "disruption")
    return engine, truth


def _fields(truth: dict, **extra) -> dict:
    centre = truth["target"]["centre"]
    return {
        "action_type": "patrol",
        "start_date": truth["start_date"],
        "agency": "police",
        "target_kind": "hotspot",
        "hotspot_name": "Daubhill",
        "target_label": "Daubhill",
        "area": circle_area(centre["lon"], centre["lat"], 350),
        "notes": "Friday and Saturday evening patrols <b>with</b> licensing",
        **extra,
    }


def _audit(engine: Engine) -> pd.DataFrame:
    return read_audit(engine).sort_values("id")


def test_record_list_edit_and_audit(loaded) -> None:
    engine, truth = loaded
    action_id, _ = new_action(engine, ANALYST, _fields(truth), today=TODAY)
    stored = get_action(engine, ANALYST, action_id)
    assert stored.target_label == "Daubhill"
    assert stored.notes.startswith("Friday and Saturday")
    assert stored.status == "planned" and stored.created_by == "ann"
    assert stored.area.area == pytest.approx(_fields(truth)["area"].area, rel=1e-4)
    assert [a.id for a in list_actions(engine, ANALYST)] == [action_id]

    edited = update_action(
        engine,
        ANALYST,
        action_id,
        {"status": "completed", "end_date": date(2026, 1, 31)},
        today=TODAY,
    )
    assert edited.status == "completed"
    assert edited.evaluation_due == date(2026, 5, 2)  # recomputed: 91 days after the end
    assert edited.updated_by == "ann"

    audit = _audit(engine)
    writes = audit[audit["target"] == f"disruption:{action_id}"]
    assert list(writes["action"]) == ["alteration", "alteration"]
    assert json.loads(writes["detail"].iloc[1])["fields"] == [
        "end_date",
        "evaluation_due",
        "status",
    ]
    assert set(writes["purpose"]) == {"disruption planning"}


def test_invalid_edit_is_refused_and_not_stored(loaded) -> None:
    engine, truth = loaded
    action_id, _ = new_action(engine, ANALYST, _fields(truth), today=TODAY)
    with pytest.raises(ActionRejected, match="end_date"):
        update_action(engine, ANALYST, action_id, {"end_date": date(2020, 1, 1)}, today=TODAY)
    assert get_action(engine, ANALYST, action_id).end_date is None
    with pytest.raises(ActionNotFound):
        get_action(engine, ANALYST, 999)


def test_evaluate_action_finds_the_planted_drop_and_is_audited(loaded) -> None:
    engine, truth = loaded
    action_id, _ = new_action(engine, ANALYST, _fields(truth), today=TODAY)
    result = evaluate_action(engine, ANALYST, action_id)
    assert result.judgement == "fell"
    stored = get_action(engine, ANALYST, action_id)
    assert stored.last_verdict == "fell" and stored.evaluated_at is not None
    body = export_evaluation(engine, ANALYST, action_id, result)
    assert body.decode().startswith("# Sightings in the target area fell")
    audit = _audit(engine)
    consulted = audit[(audit["action"] == "consultation") & (audit["target"] == "sighting")]
    assert json.loads(consulted["detail"].iloc[-1])["use"] == "disruption_evaluation"
    disclosed = audit[audit["action"] == "disclosure"]
    assert json.loads(disclosed["detail"].iloc[-1])["export"] == "evaluation"


def test_meeting_pack_is_ranked_audited_and_exported(loaded) -> None:
    engine, truth = loaded
    new_action(engine, ANALYST, _fields(truth, evaluation_due="2026-06-01"), today=TODAY)
    pack = meeting_pack(engine, ANALYST, date(2026, 8, 1), gazetteer=load_gazetteer())
    assert not pack.empty
    assert list(pack.ranked["priority"]) == sorted(pack.ranked["priority"], reverse=True)
    assert "Action due for evaluation" in set(pack.ranked["kind"])
    assert pack.people.empty or pack.people["pseudonym"].str.startswith("YP-").all()
    csv = export_meeting_pack(engine, ANALYST, pack, "csv").decode("utf-8-sig")
    assert csv.startswith("# OFFICIAL-SENSITIVE")
    html = export_meeting_pack(engine, ANALYST, pack, "html").decode()
    assert html.count("OFFICIAL-SENSITIVE") >= 2
    audit = _audit(engine)
    pack_rows = audit[audit["target"] == "meeting_pack"]
    assert list(pack_rows["action"]) == ["consultation", "disclosure", "disclosure"]


#: Who may do what: role -> (record/list/evaluate, meeting pack).
ROLE_TABLE = {
    "analyst": (True, True),
    "licensing": (False, False),
    "lscb": (False, False),
    "admin": (False, False),
    "stranger": (False, False),
}


@pytest.mark.parametrize(("role", "expected"), ROLE_TABLE.items())
def test_roles(loaded, role: str, expected: tuple[bool, bool]) -> None:
    engine, truth = loaded
    action_id, _ = new_action(engine, ANALYST, _fields(truth), today=TODAY)
    user = User(f"someone-{role}", role, "role test")
    calls = {
        "record": lambda: new_action(engine, user, _fields(truth), today=TODAY),
        "list": lambda: list_actions(engine, user),
        "edit": lambda: update_action(engine, user, action_id, {"status": "active"}, today=TODAY),
        "evaluate": lambda: evaluate_action(engine, user, action_id),
    }
    for name, call in calls.items():
        if expected[0]:
            call()
        else:
            with pytest.raises(AccessDenied):
                call()
            assert name  # every call refused
    if expected[1]:
        meeting_pack(engine, user, date(2026, 9, 1))
    else:
        with pytest.raises(AccessDenied):
            meeting_pack(engine, user, date(2026, 9, 1))
    if not expected[0]:
        assert not (_audit(engine)["username"] == user.username).any()


def test_meeting_pack_csv_defuses_formulas() -> None:
    from hotspots.disruption.meeting_pack import MeetingPack, pack_csv

    ranked = pd.DataFrame(
        {"rank": [1], "kind": ["Premises"], "item": ["=HYPERLINK(\"x\")"], "why": ["a"],
         "priority": [5]}
    )  # fmt: skip
    empty = pd.DataFrame()
    pack = MeetingPack(date(2026, 1, 1), date(2026, 2, 1), empty, empty, empty, empty, ranked)
    text = pack_csv(pack).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text


def test_a_group_of_actions_is_evaluated_as_one(loaded) -> None:
    engine, truth = loaded
    first, _ = new_action(engine, ANALYST, _fields(truth), today=TODAY)
    later = _fields(truth, start_date="2026-01-15", action_type="licensing_visit")
    second, _ = new_action(engine, ANALYST, later, today=TODAY)
    group = evaluate_action(engine, ANALYST, [second, first])
    alone = evaluate_action(engine, ANALYST, first)
    assert group.start == alone.start == date.fromisoformat(truth["start_date"])
    assert group.totals == alone.totals  # same area, earliest start
    assert {get_action(engine, ANALYST, i).last_verdict for i in (first, second)} == {"fell"}
    audit = _audit(engine)
    uses = [json.loads(d) for d in audit.loc[audit["target"] == "sighting", "detail"]]
    assert [second, first] in [u.get("actions") for u in uses]
