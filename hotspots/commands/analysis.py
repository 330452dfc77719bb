"""Hotspots and their accuracy from the command line: `hotspots` and `evaluate`.

Both act as the operator `cli` with the analyst role; reading the points is audited as it is
from the dashboard, and a run saved with `--save` is audited as a combination.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.analysis.clusters import (
    DEFAULT_EPS_M,
    DEFAULT_METHOD,
    DEFAULT_MIN_PEOPLE,
    DEFAULT_MIN_SIGHTINGS,
    METHODS,
    find_clusters,
)
from hotspots.analysis.evaluate import DEFAULT_COVERAGES, evaluate_methods
from hotspots.analysis.evaluate import METHODS as EVALUATION_METHODS
from hotspots.analysis.frames import AnalysisInputError, filter_sightings
from hotspots.cli import CLI_USER, AddCommand, CommandError, _engine
from hotspots.config import Settings
from hotspots.db.access import User, sighting_date_range, sightings
from hotspots.db.runs import SIGHTINGS_LAYER, UnknownLayer, context_layer, save_run
from hotspots.domain import AGENCIES, GROOMING_MODELS, INDICATORS, RISK_LEVELS
from hotspots.gazetteer import load_gazetteer

DEFAULT_EVALUATION_MONTHS = 6


def _user(args: argparse.Namespace) -> User:
    return User(CLI_USER, "analyst", args.purpose)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date; expected YYYY-MM-DD") from None


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "grooming_models": args.models, "indicators": args.indicators,
        "risk_levels": args.risk, "source_agencies": args.agency,
        "min_grading": args.min_grading,
    }  # fmt: skip


def _points(args: argparse.Namespace, settings: Settings, start: date | None, end: date | None):
    """The chosen layer for the period, filtered; a context layer takes no code filters."""
    engine, user = _engine(settings), _user(args)
    if args.layer == SIGHTINGS_LAYER:
        frame = sightings(engine, user, start=start, end=end)
    else:
        try:
            frame = context_layer(engine, user, args.layer, start=start, end=end)
        except UnknownLayer as missing:
            raise CommandError(str(missing)) from None
    filters = {key: value for key, value in _filters(args).items() if value is not None}
    try:
        return engine, user, filter_sightings(frame, **filters)
    except AnalysisInputError as problem:
        raise CommandError(str(problem)) from None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    return json.loads(plain.to_json(orient="records", date_format="iso"))


def cmd_hotspots(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    engine, user, chosen = _points(args, settings, start, end)
    parameters = {
        "eps_m": args.eps_m, "min_samples": args.min_samples,
        "min_sightings": args.min_sightings, "min_people": args.min_people,
        **{key: value for key, value in _filters(args).items() if value is not None},
    }  # fmt: skip
    result = find_clusters(
        chosen, load_gazetteer(), method=args.method, eps_m=args.eps_m,
        min_samples=args.min_samples, min_sightings=args.min_sightings,
        min_people=args.min_people,
    )  # fmt: skip
    output: dict[str, Any] = {
        "method": args.method, "layer": args.layer, "from": start, "to": end,
        "points": len(chosen), "min_samples_used": result.min_samples,
        "hotspots": _records(result.hotspots),
    }  # fmt: skip
    if args.save:
        output["run_id"] = save_run(
            engine, user, args.method, args.layer, parameters | {"min_samples_used":
                                                                 result.min_samples},
            (start, end), result.hotspots,
        )  # fmt: skip
    if args.geojson:
        Path(args.geojson).write_text(result.hotspots.to_json(default=str))
        output["geojson"] = args.geojson
    if not args.json:
        _print_hotspots(output)
        return {key: value for key, value in output.items() if key != "hotspots"}
    return output


def _print_hotspots(output: dict[str, Any]) -> None:
    for spot in output["hotspots"]:
        models = spot.get("main_grooming_model") or "-"
        print(
            f"{spot['hotspot_id']:>3}  {spot['name']:<22} {spot['sightings']:>6,} sightings"
            f" {spot['distinct_people']:>4} young people  main model {models:<10}"
            f" peak {spot['peak_hours']}  {spot['first_seen'][:10]} to {spot['last_seen'][:10]}"
            f"  top indicators {spot['top_indicators'] or '-'}"
        )


def _evaluation_periods(args: argparse.Namespace, settings: Settings):
    """(train start, split, test end) from --split/--months or the four explicit dates."""
    explicit = [args.train_from, args.train_to, args.test_from, args.test_to]
    if any(value is not None for value in explicit):
        train_from, train_to, test_from, test_to = (
            _date(value, option)
            for value, option in zip(
                explicit, ("--train-from", "--train-to", "--test-from", "--test-to"), strict=True
            )
        )
        if train_to is None or (test_from is not None and test_from != train_to):
            raise CommandError(
                "--train-to is required and --test-from must equal it (the test period"
                " starts where training ends)"
            )
        return train_from, train_to, test_to
    months = pd.DateOffset(months=args.months)
    split = _date(args.split, "--split")
    if split is None:
        _first, last = sighting_date_range(_engine(settings))
        if last is None:
            raise CommandError("there are no sightings to evaluate; load some first")
        after_last = pd.Timestamp(last).to_period("M").to_timestamp() + pd.DateOffset(months=1)
        split = (after_last - months).date()
    stamp = pd.Timestamp(split)
    return (stamp - months).date(), split, (stamp + months).date()


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    train_from, split, test_to = _evaluation_periods(args, settings)
    *_, chosen = _points(args, settings, train_from, test_to)
    try:
        table = evaluate_methods(
            chosen, split_at=split, start=train_from, end=test_to, methods=args.methods,
            coverages=DEFAULT_COVERAGES,
        )  # fmt: skip
    except AnalysisInputError as problem:
        raise CommandError(str(problem)) from None
    output = {
        "layer": args.layer, "train_from": train_from, "split": split, "test_to": test_to,
        "points": len(chosen), "results": _records(table),
    }  # fmt: skip
    if not args.json:
        _print_scores(table)
        return {key: value for key, value in output.items() if key != "results"}
    return output


def _print_scores(table: pd.DataFrame) -> None:
    print(f"{'method':<10}{'coverage':>9}{'hit rate':>10}{'PAI':>8}{'RRI':>8}")
    for row in table.itertuples():
        print(
            f"{row.method:<10}{row.coverage:>9.0%}{row.hit_rate:>10.1%}"
            f"{row.pai:>8.2f}{row.rri:>8.2f}"
        )


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--layer", default=SIGHTINGS_LAYER,
        help="'sightings' or the name of an imported point layer (e.g. police.uk crime)",
    )  # fmt: skip
    parser.add_argument("--models", nargs="+", choices=list(GROOMING_MODELS), metavar="MODEL",
                        help=f"grooming models, any of: {', '.join(GROOMING_MODELS)}")  # fmt: skip
    parser.add_argument("--indicators", nargs="+", choices=list(INDICATORS), metavar="CODE",
                        help="indicators (any of them)")  # fmt: skip
    parser.add_argument("--risk", nargs="+", choices=list(RISK_LEVELS), help="risk levels")
    parser.add_argument("--agency", nargs="+", choices=list(AGENCIES), help="source agencies")
    parser.add_argument("--min-grading", help="minimum intelligence grading, e.g. 2B")
    parser.add_argument("--purpose", default="command line", help="why (recorded in the audit log)")


def register(add: AddCommand) -> None:
    spots = add("hotspots", cmd_hotspots, "named hotspots with their statistics")
    spots.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD)
    spots.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    spots.add_argument("--to", dest="end", help="day after the last, YYYY-MM-DD")
    spots.add_argument("--eps-m", type=float, default=DEFAULT_EPS_M, help="DBSCAN radius, metres")
    spots.add_argument("--min-samples", type=int, help="core-point count (default: automatic)")
    spots.add_argument("--min-sightings", type=int, default=DEFAULT_MIN_SIGHTINGS)
    spots.add_argument("--min-people", type=int, default=DEFAULT_MIN_PEOPLE)
    spots.add_argument("--save", action="store_true", help="save the run so it can be reproduced")
    spots.add_argument("--geojson", help="also write the hotspots to this GeoJSON file")
    _add_filters(spots)
    evaluate = add(
        "evaluate", cmd_evaluate,
        "score each method's map of one period on the next: hit rate, PAI, RRI",
    )  # fmt: skip
    evaluate.add_argument("--split", help="first day of the test period (default: see --months)")
    evaluate.add_argument(
        "--months", type=int, default=DEFAULT_EVALUATION_MONTHS,
        help="length of each period in months (default split: this long before the data end)",
    )  # fmt: skip
    for option in ("--train-from", "--train-to", "--test-from", "--test-to"):
        evaluate.add_argument(option, help="YYYY-MM-DD (instead of --split and --months)")
    evaluate.add_argument("--methods", nargs="+", choices=EVALUATION_METHODS,
                          default=list(EVALUATION_METHODS))  # fmt: skip
    _add_filters(evaluate)
