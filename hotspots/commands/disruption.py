"""Disruption from the command line: list actions, evaluate one, write the meeting pack.

The command line acts as the operator `cli` with the analyst role; every use is audited as
it is from the dashboard (evaluations as consultations, files written as disclosures).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from hotspots.cli import CLI_USER, AddCommand, CommandError, _engine
from hotspots.config import Settings
from hotspots.db.access import User
from hotspots.db.disruptions import (
    ActionNotFound,
    actions_frame,
    evaluate_action,
    export_meeting_pack,
    list_actions,
    meeting_pack,
)
from hotspots.disruption.evaluation import DEFAULT_BUFFER_M, DEFAULT_MONTHS
from hotspots.gazetteer import load_gazetteer


def _user(args: argparse.Namespace) -> User:
    return User(CLI_USER, "analyst", args.purpose)


def cmd_list(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    actions = actions_frame(list_actions(_engine(settings), _user(args)))
    return {"actions": actions.astype(object).where(actions.notna(), None).to_dict("records")}


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    try:
        result = evaluate_action(
            _engine(settings),
            _user(args),
            args.action_id,
            months_before=args.months_before,
            months_after=args.months_after,
            buffer_m=args.buffer_m,
        )
    except ActionNotFound as missing:
        raise CommandError(str(missing)) from None
    return {"action": args.action_id, **result.as_dict()}


def cmd_meeting_pack(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    try:
        since = date.fromisoformat(args.since)
    except ValueError:
        raise CommandError(f"--since {args.since!r} is not a date; expected YYYY-MM-DD") from None
    engine, user = _engine(settings), _user(args)
    pack = meeting_pack(engine, user, since, gazetteer=load_gazetteer())
    result: dict[str, Any] = {"since": since, "until": pack.until, "items": len(pack.ranked)}
    if args.out:
        body = export_meeting_pack(engine, user, pack, args.format)
        Path(args.out).write_bytes(body)
        result["written"] = args.out
    result["ranked"] = pack.ranked.head(args.top).to_dict("records")
    return result


def register(add: AddCommand) -> None:
    listing = add("disruption-list", cmd_list, "list the disruption actions recorded")
    evaluate = add(
        "disruption-evaluate",
        cmd_evaluate,
        "evaluate a disruption action: before and after, buffer, comparison, WDQ, rate ratio",
    )
    evaluate.add_argument("action_id", type=int, help="the action's id (see disruption-list)")
    evaluate.add_argument("--months-before", type=int, default=DEFAULT_MONTHS)
    evaluate.add_argument("--months-after", type=int, default=DEFAULT_MONTHS)
    evaluate.add_argument(
        "--buffer-m", type=float, default=DEFAULT_BUFFER_M, help="width of the buffer ring"
    )
    pack = add("meeting-pack", cmd_meeting_pack, "the CSE meeting pack since a date, ranked")
    pack.add_argument("--since", required=True, help="date of the last meeting, YYYY-MM-DD")
    pack.add_argument("--out", help="write the pack to this file")
    pack.add_argument("--format", choices=("csv", "html"), default="csv")
    pack.add_argument("--top", type=int, default=20, help="items shown on the terminal")
    for parser in (listing, evaluate, pack):
        parser.add_argument(
            "--purpose", default="command line", help="why (recorded in the audit log)"
        )
