"""The command line: set up the database, load demo data, report status.

Every data command accepts `--json` and then prints one JSON document on standard output;
progress goes to standard error, so the JSON stays machine-readable.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hotspots.config import REPO_ROOT, Settings, SettingsError, load_settings
from hotspots.db import make_engine, migrate, schema_version
from hotspots.db.access import sighting_date_range, table_counts
from hotspots.security.settings_check import check_secrets

DEFAULT_TRUTH_PATH = REPO_ROOT / "data" / "demo.truth.json"
CLI_USER = "cli"

Command = Callable[[argparse.Namespace, Settings], dict[str, Any]]
#: add(name, handler, help) -> the sub-parser, with --json already added.
AddCommand = Callable[[str, Command, str], argparse.ArgumentParser]


class CommandError(RuntimeError):
    """A command could not do what was asked; the message says why and what to do."""


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url, settings.spatialite_library)
    migrate(engine)
    return engine


def _progress(enabled: bool, total: int) -> Callable[[str], None]:
    """A step-by-step progress bar on standard error (silent when not a terminal or --json)."""
    if not enabled:
        return lambda _step: None
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit="step", leave=False)

    def step(name: str) -> None:
        bar.set_description(name)
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return step


def cmd_init_db(_args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    engine = make_engine(settings.database_url, settings.spatialite_library)
    applied = migrate(engine)
    return {
        "backend": settings.backend,
        "applied": applied,
        "schema_version": schema_version(engine),
    }


def cmd_demo(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from hotspots.db.demo import load_synthetic, replace_demo
    from hotspots.gazetteer import load_gazetteer
    from hotspots.synth import generate, truth_json

    if not 1_000 <= args.sightings <= 1_000_000:
        raise CommandError(f"--sightings {args.sightings}: choose from 1,000 to 1,000,000")
    engine = _engine(settings)
    progress = _progress(not args.json and sys.stderr.isatty(), total=5)
    started = time.perf_counter()
    progress("generating")
    data = generate(sightings=args.sightings, seed=args.seed, gazetteer=load_gazetteer())
    generated = time.perf_counter()
    replaced = replace_demo(engine, username=CLI_USER)
    summary = load_synthetic(engine, data, username=CLI_USER, progress=progress)
    loaded = time.perf_counter()
    truth_path = Path(args.truth)
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(truth_json(data))
    return {
        "backend": settings.backend,
        "seed": args.seed,
        "replaced_batches": replaced,
        "batch_id": summary.batch_id,
        "loaded": {
            "sightings": summary.sightings,
            "young_person": summary.people,
            "premises": summary.premises,
            "sighting_person": summary.links,
        },
        "seconds": {
            "generate": round(generated - started, 3),
            "load": round(loaded - generated, 3),
        },
        "truth_file": str(truth_path),
    }


def cmd_status(_args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    engine = _engine(settings)
    first, last = sighting_date_range(engine)
    return {
        "backend": settings.backend,
        "database": engine.url.render_as_string(hide_password=True),
        "schema_version": schema_version(engine),
        "counts": table_counts(engine),
        "sightings_from": first.isoformat() if first else None,
        "sightings_to": last.isoformat() if last else None,
    }


def _print_human(result: dict[str, Any]) -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for inner_key, inner_value in value.items():
                shown = f"{inner_value:,}" if isinstance(inner_value, int) else inner_value
                print(f"  {inner_key:<18} {shown}")
        else:
            print(f"{key}: {value}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hotspots", description="Hotspot and intelligence map: command line"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        sub.set_defaults(handler=handler)
        return sub

    add("init-db", cmd_init_db, "create or upgrade the database schema")
    demo = add(
        "demo", cmd_demo, "generate synthetic Bolton data and load it (replaces earlier demo data)"
    )
    demo.add_argument(
        "--sightings", type=int, default=20_000, help="number of sightings (1,000 to 1,000,000)"
    )
    demo.add_argument(
        "--seed", type=int, default=1, help="seed of the generator (same seed, same data)"
    )
    demo.add_argument(
        "--truth", default=str(DEFAULT_TRUTH_PATH), help="where to write the planted truth (JSON)"
    )
    add("status", cmd_status, "counts per table and the backend in use")
    for module in _command_modules():
        module.register(add)
    return parser


def _command_modules() -> list[Any]:
    """Each module of `hotspots.commands` adds its own commands through `register(add)`."""
    import hotspots.commands as package

    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    return [importlib.import_module(f"hotspots.commands.{name}") for name in names]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        # Outside demo mode no command runs with a missing or placeholder secret (the same
        # rule as the dashboard's start): the key makes tokens and pseudonyms.
        check_secrets(settings.vehicle_key, settings.cookie_secret, settings.demo_mode)
        result = args.handler(args, settings)
    except (CommandError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        getattr(args, "printer", _print_human)(result)
    return 0
