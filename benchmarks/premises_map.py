"""Benchmark of the Premises checker: counting time, map build time, HTML size and draw time.

For each size (20,000 and 100,000 sightings by default) it generates synthetic Bolton data,
loads it into a temporary SpatiaLite file, and times what the Premises page does: counting
the intelligence at and near every premises with the current hotspots (`premises_check`,
for a licensing user), then building and rendering the map. The HTML is drawn in headless
Chromium from a local server, as `benchmarks/map.py` does (every request leaving 127.0.0.1
blocked).

    .venv/bin/python benchmarks/premises_map.py
    .venv/bin/python benchmarks/premises_map.py --sizes 20000 --keep out/

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.map import DRAW_RUNS, DRAWN_PROBE, draw_once, serve  # noqa: E402
from hotspots.db import make_engine, migrate  # noqa: E402
from hotspots.db.access import User  # noqa: E402
from hotspots.db.demo import load_synthetic  # noqa: E402
from hotspots.db.premises_check import premises_check  # noqa: E402
from hotspots.gazetteer import load_gazetteer  # noqa: E402
from hotspots.maps import use_local_assets  # noqa: E402
from hotspots.maps.premises_check import premises_check_map  # noqa: E402
from hotspots.synth import generate  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

DEFAULT_SIZES = (20_000, 100_000)
LICENSING = User("benchmark", "licensing")


@dataclass
class Figures:
    sightings: int
    premises: int = 0
    hotspots: int = 0
    check_s: float = 0.0
    map_s: float = 0.0
    html_mb: float = 0.0
    draw_s: list[float] = field(default_factory=list)
    external: int = 0


def build(size: int, workdir: Path, seed: int) -> tuple[Figures, Path]:
    gazetteer = load_gazetteer()
    engine = make_engine(f"sqlite:///{workdir / f'premises-{size}.sqlite'}")
    migrate(engine)
    load_synthetic(engine, generate(sightings=size, seed=seed, gazetteer=gazetteer))
    started = time.perf_counter()
    check = premises_check(engine, LICENSING, gazetteer=gazetteer)
    counted = time.perf_counter()
    page = (
        premises_check_map(
            check.premises,
            distance_m=check.distance_m,
            hotspots=check.hotspots,
            gazetteer=gazetteer,
        )
        .get_root()
        .render()
    )
    drawn = time.perf_counter()
    engine.dispose()
    page = page.replace("</html>", DRAWN_PROBE + "</html>")
    path = workdir / f"premises-{size}.html"
    path.write_text(page, encoding="utf-8")
    figures = Figures(
        sightings=size,
        premises=len(check.premises),
        hotspots=len(check.hotspots),
        check_s=counted - started,
        map_s=drawn - counted,
        html_mb=len(page.encode()) / 1e6,
    )
    return figures, path


def draw(figures: Figures, url: str, browser: object) -> None:
    """Open the map `DRAW_RUNS` times in fresh contexts; record seconds until drawn."""
    for _ in range(DRAW_RUNS):
        drawing = draw_once(url, browser)
        figures.draw_s.append(drawing.seconds)
        figures.external = drawing.external


def report(rows: list[Figures]) -> None:
    header = (
        f"{'sightings':>10} {'premises':>8} {'hotspots':>8} {'count':>7} {'map':>6} "
        f"{'size MB':>8} {'draw s (median)':>16} {'external':>8}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for f in rows:
        draws = sorted(f.draw_s)
        median = draws[len(draws) // 2] if draws else float("nan")
        print(
            f"{f.sightings:>10,} {f.premises:>8,} {f.hotspots:>8} {f.check_s:>6.1f}s "
            f"{f.map_s:>5.1f}s {f.html_mb:>8.2f} {median:>16.2f} {f.external:>8}"
        )
    print(
        "\ncount: premises_check (12 months of sightings read, hotspots found, counts at and "
        "within 250 m of every premises, ranked); map: folium build + render; draw: navigation "
        "start to Leaflet layers painted in headless Chromium."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="copy the HTML files into this folder")
    args = parser.parse_args(argv)
    use_local_assets()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hotspots-premises-bench-") as tmp:
        workdir = Path(tmp)
        server, base = serve(workdir)
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            for size in args.sizes:
                print(f"{size:,} sightings: generating, loading, counting…", flush=True)
                figures, path = build(size, workdir, args.seed)
                draw(figures, f"{base}/{path.name}", browser)
                rows.append(figures)
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, args.keep / path.name)
            browser.close()
        server.shutdown()
    report(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
