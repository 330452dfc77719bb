"""Benchmark of the Hotspot map: build time, HTML size and browser draw time by data size.

For each size (10,000, 100,000 and 1,000,000 sightings by default) it generates synthetic
Bolton data, loads it into a temporary SpatiaLite file, and times what the Hotspot map page
does: reading the sightings, building the layers (`hotspot_map_data`), and building and
rendering the folium map to HTML. The HTML is then opened in headless Debian Chromium (the
browser tests' flags, every request leaving 127.0.0.1 blocked) from a local HTTP server that
serves `static/` as Streamlit does, and timed from navigation start until the Leaflet layers
are drawn (two animation frames after the map script has run).

Issue 5 targets, at 100,000 sightings: under 3 s to draw, under 5 MB of HTML.

    .venv/bin/python benchmarks/map.py                 # 10k, 100k, 1M
    .venv/bin/python benchmarks/map.py --sizes 10000   # one size
    .venv/bin/python benchmarks/map.py --keep out/     # keep the HTML files

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from hotspots.db import make_engine, migrate  # noqa: E402
from hotspots.db.access import User  # noqa: E402
from hotspots.db.demo import load_synthetic  # noqa: E402
from hotspots.db.mapdata import MapFilters, hotspot_map_data, load_map_source  # noqa: E402
from hotspots.gazetteer import load_gazetteer  # noqa: E402
from hotspots.maps import hotspot_map, use_local_assets  # noqa: E402
from hotspots.synth import generate  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, is_local  # noqa: E402

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
ANALYST = User("benchmark", "analyst", "benchmark")
#: Run after folium's map script: two animation frames later the layers have been painted.
DRAWN_PROBE = (
    "<script>requestAnimationFrame(function () { requestAnimationFrame(function () {"
    " window.__hotspotsDrawn = performance.now(); }); });</script>"
)
DRAW_TIMEOUT_MS = 120_000
DRAW_RUNS = 3


@dataclass
class Figures:
    sightings: int
    generate_s: float
    load_db_s: float
    read_s: float
    layers_s: float
    html_s: float
    html_mb: float
    hotspots: int
    cells: int
    draw_s: list[float]
    svg_paths: int
    markers: int
    external: int


def build(size: int, workdir: Path, seed: int) -> tuple[Figures, Path]:
    """Generate, load and build the map for `size` sightings; return figures and the HTML."""
    gazetteer = load_gazetteer()
    started = time.perf_counter()
    data = generate(sightings=size, seed=seed, gazetteer=gazetteer)
    generated = time.perf_counter()
    engine = make_engine(f"sqlite:///{workdir / f'map-{size}.sqlite'}")
    migrate(engine)
    load_synthetic(engine, data, username="benchmark")
    loaded = time.perf_counter()
    source = load_map_source(engine, ANALYST)
    read = time.perf_counter()
    layers = hotspot_map_data(engine, ANALYST, MapFilters(), gazetteer=gazetteer, source=source)
    built = time.perf_counter()
    html = hotspot_map(**layers.layers(), gazetteer=gazetteer, premises_shown=False)
    page = html.get_root().render()
    rendered = time.perf_counter()
    engine.dispose()
    page = page.replace("</html>", DRAWN_PROBE + "</html>") if "</html>" in page else page
    path = workdir / f"map-{size}.html"
    path.write_text(page, encoding="utf-8")
    figures = Figures(
        sightings=size,
        generate_s=generated - started,
        load_db_s=loaded - generated,
        read_s=read - loaded,
        layers_s=built - read,
        html_s=rendered - built,
        html_mb=len(page.encode()) / 1e6,
        hotspots=len(layers.hotspots),
        cells=sum(len(c) for c in layers.cells_by_model.values()),
        draw_s=[],
        svg_paths=0,
        markers=0,
        external=0,
    )
    return figures, path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:  # keep the figures readable
        pass


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `root` on 127.0.0.1, with /app/static/ pointing at the repository's static/,
    where the maps expect their Leaflet, plugins and fonts (as Streamlit serves them)."""
    (root / "app").mkdir(exist_ok=True)
    link = root / "app" / "static"
    if not link.exists():
        link.symlink_to(REPO_ROOT / "static", target_is_directory=True)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _block(blocked: list[str], route: object) -> None:
    blocked.append(route.request.url)
    route.abort("blockedbyclient")


@dataclass(frozen=True)
class Drawing:
    """One draw of a map page in a fresh browser context."""

    seconds: float
    svg_paths: int
    markers: int
    external: int


def draw_once(url: str, browser: object) -> Drawing:
    """Open `url` in a fresh context (requests leaving 127.0.0.1 blocked and counted) and
    time it from navigation start to the probe saying Leaflet's layers are painted."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    context.route(lambda u: not is_local(u), functools.partial(_block, blocked))
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=DRAW_TIMEOUT_MS)
    page.wait_for_function("() => window.__hotspotsDrawn", timeout=DRAW_TIMEOUT_MS)
    drawing = Drawing(
        seconds=page.evaluate("() => window.__hotspotsDrawn") / 1000,
        svg_paths=page.locator(".leaflet-overlay-pane path").count(),
        markers=page.locator(".leaflet-marker-pane > *").count(),
        external=len(blocked),
    )
    context.close()
    return drawing


def draw(figures: Figures, url: str, browser: object) -> None:
    """Open the map `DRAW_RUNS` times in fresh contexts; record seconds until drawn."""
    for _ in range(DRAW_RUNS):
        drawing = draw_once(url, browser)
        figures.draw_s.append(drawing.seconds)
        figures.svg_paths, figures.markers = drawing.svg_paths, drawing.markers
        figures.external = drawing.external


def report(rows: list[Figures]) -> None:
    print()
    header = (
        f"{'sightings':>10} {'generate':>9} {'load db':>8} {'read':>6} {'layers':>7} "
        f"{'html':>6} {'size MB':>8} {'hotspots':>8} {'cells':>7} {'paths':>6} "
        f"{'markers':>7} {'draw s (median of runs)':>24} {'external':>8}"
    )
    print(header)
    print("-" * len(header))
    for f in rows:
        draws = sorted(f.draw_s)
        median = draws[len(draws) // 2] if draws else float("nan")
        runs = ", ".join(f"{d:.2f}" for d in f.draw_s)
        print(
            f"{f.sightings:>10,} {f.generate_s:>8.1f}s {f.load_db_s:>7.1f}s {f.read_s:>5.1f}s "
            f"{f.layers_s:>6.1f}s {f.html_s:>5.1f}s {f.html_mb:>8.2f} {f.hotspots:>8} "
            f"{f.cells:>7,} {f.svg_paths:>6,} {f.markers:>7} {median:>8.2f} ({runs}) "
            f"{f.external:>8}"
        )
    print(
        "\nread: sightings, premises and areas from SpatiaLite; layers: hotspot_map_data "
        "(clusters, per-model grids, KDE, Gi*, risky places); html: folium build + render; "
        "draw: navigation start to Leaflet layers painted in headless Chromium."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="copy the HTML files into this folder")
    args = parser.parse_args(argv)
    use_local_assets()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hotspots-map-bench-") as tmp:
        workdir = Path(tmp)
        server, base = serve(workdir)
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            for size in args.sizes:
                print(f"{size:,} sightings: generating, loading, building…", flush=True)
                figures, path = build(size, workdir, args.seed)
                print(f"  {figures.html_mb:.2f} MB of HTML; drawing in Chromium…", flush=True)
                draw(figures, f"{base}/{path.name}", browser)
                rows.append(figures)
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, args.keep / path.name)
                (workdir / f"map-{size}.sqlite").unlink(missing_ok=True)
            browser.close()
        server.shutdown()
    report(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
