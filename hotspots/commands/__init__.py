"""Command-line commands beyond the basics of `hotspots.cli`, one module per area.

Each module defines ``register(add: hotspots.cli.AddCommand) -> None``; `hotspots.cli` finds
the modules here and calls it. A handler takes ``(args, settings)`` and returns a dict that
is printed as JSON with ``--json``; it raises `hotspots.cli.CommandError` for a clear refusal.
"""
