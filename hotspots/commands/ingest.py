"""Import from the command line: `import KIND FILE` and `batches {list,undo}`.

The command line acts as the operator `cli` with the analyst role, audited as the page is.
Progress goes to standard error: a bar on a terminal, otherwise one line per stage and chunk
("import: inserting 100,000 of 200,000"), so a log or a supervising process can follow it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hotspots.cli import CLI_USER, AddCommand, CommandError, _engine
from hotspots.config import Settings
from hotspots.db.access import User
from hotspots.db.batches import BatchNotFound
from hotspots.db.imports import Progress, import_file, list_imports, undo_import
from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.mapping import PRESETS, ColumnMapping, parse_map_options, parse_set_options
from hotspots.ingest.pipeline import ImportFile, report_csv
from hotspots.ingest.rules import KINDS, LAYER

#: Rejections printed on the terminal (all of them go to --report and --json).
SHOWN_REJECTIONS = 20


def _user(args: argparse.Namespace) -> User:
    return User(CLI_USER, "analyst", args.purpose)


def _progress(args: argparse.Namespace) -> Progress:
    """A tqdm bar on a terminal; plain lines on a pipe (a supervisor can follow them)."""
    if sys.stderr.isatty() and not args.json:
        from tqdm import tqdm

        bars: dict[str, Any] = {}

        def draw(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                for old in bars.values():
                    old.close()
                bar = bars[stage] = tqdm(total=total, desc=stage, unit="row", file=sys.stderr)
            bar.update(done - bar.n)

        return draw

    def line(stage: str, done: int, total: int) -> None:
        print(f"import: {stage} {done:,} of {total:,}", file=sys.stderr, flush=True)

    return line


def cmd_import(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    if args.kind == LAYER and not args.name:
        raise CommandError("import layer needs --name, the layer's name (e.g. 'recorded crime')")
    if args.preset and args.kind != LAYER:
        raise CommandError(
            f"--preset is for context layers: import layer FILE --preset {args.preset}"
        )
    try:
        explicit = parse_map_options(args.map)
        mapping = ColumnMapping(explicit.columns, parse_set_options(args.set), explicit.dropped)
        result = import_file(
            _engine(settings),
            _user(args),
            ImportFile.from_path(args.file),
            args.kind,
            settings=settings,
            mapping=mapping,
            preset=args.preset,
            strict=args.strict,
            redact=args.redact,
            layer_name=args.name,
            progress=_progress(args),
        )
    except ImportRejected as refusal:
        if args.report and refusal.rejections is not None:
            Path(args.report).write_bytes(report_csv(refusal.rejections))
        raise CommandError(str(refusal)) from None
    if args.report:
        Path(args.report).write_bytes(report_csv(result.rejections))
    if args.json:
        return result.as_dict()
    shown = {"result": result.summary(), "mapping": result.mapping.describe() or "(none)"}
    if result.rejected:
        messages = result.messages(SHOWN_REJECTIONS)
        more = len(result.rejections) - len(messages)
        shown["rejections"] = (
            "\n  "
            + "\n  ".join(messages)
            + (f"\n  ... and {more:,} more (--report FILE writes them all)" if more > 0 else "")
        )
    if args.report:
        shown["report"] = args.report
    return shown


def cmd_batches(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    engine, user = _engine(settings), _user(args)
    if args.action == "list":
        batches = list_imports(engine, user)
        batches = batches.astype(object).where(batches.notna(), None)
        if args.json:
            return {"batches": batches.to_dict("records")}
        return {
            f"batch {row['id']}": (
                f"{row['kind']} {row['file_name']!s}: {row['accepted']} accepted,"
                f" {row['rejected']} rejected, {row['duplicate']} duplicate; {row['username']}"
                f" {row['created_at']}"
                + (f"; undone {row['undone_at']}" if row["undone_at"] else "")
            )
            for row in batches.to_dict("records")
        } or {"batches": "none"}
    if args.batch_id is None:
        raise CommandError("batches undo needs the batch id: python -m hotspots batches undo ID")
    try:
        removed = undo_import(engine, user, args.batch_id)
    except BatchNotFound as missing:
        raise CommandError(str(missing)) from None
    return {"undone": args.batch_id, "removed": removed}


def register(add: AddCommand) -> None:
    importing = add(
        "import",
        cmd_import,
        "import a file of sightings, young-person profiles, premises, area boundaries or a"
        " context layer, validated, as one batch",
    )
    importing.add_argument("kind", choices=KINDS, help="what the file holds")
    importing.add_argument("file", help="CSV, XLSX, or for premises and areas a vector file")
    importing.add_argument(
        "--map", action="append", metavar="TARGET=COLUMN,...",
        help="which column feeds which field (repeatable); drop=COLUMN drops a column",
    )  # fmt: skip
    importing.add_argument(
        "--set", action="append", metavar="TARGET=VALUE",
        help="one value of a field for every row, such as kind=ward (repeatable)",
    )  # fmt: skip
    importing.add_argument(
        "--strict", action="store_true", help="refuse the whole file if any row is rejected"
    )
    importing.add_argument(
        "--redact", action="store_true",
        help="redact identifiers found in notes instead of rejecting those rows",
    )  # fmt: skip
    importing.add_argument("--name", help="name of the context layer (import layer)")
    importing.add_argument(
        "--preset", choices=sorted(PRESETS), help="a known export layout (police-uk)"
    )
    importing.add_argument("--report", help="write every rejection to this CSV file")
    batches = add("batches", cmd_batches, "list import batches, or undo one")
    batches.add_argument("action", choices=("list", "undo"))
    batches.add_argument("batch_id", nargs="?", type=int, help="the batch to undo")
    for parser in (importing, batches):
        parser.add_argument(
            "--purpose", default="command line import", help="why (recorded in the audit log)"
        )
