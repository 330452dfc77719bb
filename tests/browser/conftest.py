"""Browser-test harness: a real Streamlit server and headless Debian Chromium via Playwright.

Fixtures
--------
streamlit_app     path of the app to serve: indirect parametrisation, else the environment
                  variable HOTSPOTS_BROWSER_APP, else <repo>/app.py.
streamlit_server  base URL ("http://127.0.0.1:<port>") of `python -m streamlit run <app>`,
                  started from the repo root on a free port with a fresh SpatiaLite file
                  (HOTSPOTS_DATABASE_URL) and small demo data (HOTSPOTS_DEMO_SIGHTINGS=3000,
                  or HOTSPOTS_BROWSER_DEMO_SIGHTINGS); ready once /_stcore/health says "ok".
chromium          one headless Chromium per session (/usr/bin/chromium, or HOTSPOTS_CHROMIUM).
browser_context   a fresh context per test; requests leaving 127.0.0.1 are recorded and aborted.
page_log          what the page did that a test asserts against: external requests, console
                  errors, page errors, failed requests, 4xx/5xx responses, dialogs
                  (`page_log.assert_clean()`); known-benign noise goes to `page_log.ignored`.
page              a Playwright page in that context, wired to `page_log`.
save_screenshot   save_screenshot(page, "name") -> tests/artifacts/name.png (full page).

serve_app         serve_app(database, name, **env) starts another server of app.py on that
                  database file with extra environment variables; returns its base URL.
secure_server     a second server with HOTSPOTS_DEMO_MODE=0: random secrets in its environment,
                  a fresh SpatiaLite file and one account per role made first with
                  `python -m hotspots users add` (`SecureServer.accounts`: role -> (name,
                  password); plus a spare analyst for lockout tests). Nobody is signed in.
sign_in           sign_in(page, base_url, username, password) fills in the sign-in form and,
                  for an analyst, the purpose question.

open_page         open_page(page, "Overview") clicks that navigation link, if there is one.
wait_for_map      wait_for_map(page) waits for the st_folium iframe's Leaflet container to hold
                  drawn vector layers; returns the iframe's FrameLocator.

Server output goes to tests/artifacts/streamlit-<app>.log, and is shown when start-up fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("HOTSPOTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "javascript"})
HEALTH_TIMEOUT_S = 120.0
MAP_TIMEOUT_MS = 120_000  # first start generates the demo data before the page draws
ST_FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
ST_EXCEPTION = '[data-testid="stException"]'
ST_ALERT = '[data-testid="stAlert"]'
STREAMLIT_BASE_PROBE = re.compile(r"^/.+/_stcore/(health|host-config)$")


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (127.0.0.1, localhost, data:, blob:)."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOCAL_HOSTS


# ---------------------------------------------------------------- the Streamlit server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:  # noqa: S310
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def _server_env(database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HOTSPOTS_DATABASE_URL": f"sqlite:///{database}",
        "HOTSPOTS_DEMO_SIGHTINGS": os.environ.get("HOTSPOTS_BROWSER_DEMO_SIGHTINGS", "3000"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_HEADLESS": "true",
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("HOTSPOTS_DEMO_MODE", "1")
    return env


def _command(app: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def _wait_healthy(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{_tail(log)}")
        if _healthy(base_url):
            return
        time.sleep(0.25)
    pytest.fail(f"streamlit not healthy after {HEALTH_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def streamlit_app(request: pytest.FixtureRequest) -> Path:
    """The app to serve; override with indirect parametrisation or HOTSPOTS_BROWSER_APP."""
    chosen = getattr(request, "param", None) or os.environ.get("HOTSPOTS_BROWSER_APP")
    app = Path(chosen) if chosen else REPO_ROOT / "app.py"
    if not app.is_file():
        pytest.fail(f"no Streamlit app at {app}; set HOTSPOTS_BROWSER_APP or create app.py")
    return app.resolve()


@pytest.fixture(scope="session")
def streamlit_server(
    streamlit_app: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Serve `streamlit_app` from the repo root on a free port; yield its base URL."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    database = tmp_path_factory.mktemp("browser-db") / "hotspots.sqlite"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"streamlit-{streamlit_app.stem}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            _command(streamlit_app, port),
            cwd=REPO_ROOT, env=_server_env(database),
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_healthy(process, base_url, log)
            yield base_url
        finally:
            _stop(process)


# ---------------------------------------------------------------- a server that asks to sign in


@dataclass(frozen=True)
class SecureServer:
    """A server outside demo mode: its URL, environment and the accounts made for it."""

    base_url: str
    env: dict[str, str]
    accounts: dict[str, tuple[str, str]]


SECURE_ROLES = ("analyst", "licensing", "lscb", "admin")


def _cli(env: dict[str, str], *argv: str, stdin: str = "") -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hotspots", *argv], cwd=REPO_ROOT, env=env, input=stdin,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"python -m hotspots {' '.join(argv)} failed:\n{done.stderr}")


@pytest.fixture(scope="session")
def serve_app() -> Iterator[Callable[..., str]]:
    """serve_app(database, name, **env) serves app.py on that SpatiaLite file with these
    extra environment variables; returns the base URL. Every server stops at the end."""
    started: list[subprocess.Popen] = []

    def start(database: Path, name: str, **extra: str) -> str:
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = ARTIFACTS / f"streamlit-{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                _command(REPO_ROOT / "app.py", port),
                cwd=REPO_ROOT, env={**_server_env(database), **extra},
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        started.append(process)
        _wait_healthy(process, base_url, log)
        return base_url

    try:
        yield start
    finally:
        for process in started:
            _stop(process)


@pytest.fixture(scope="session")
def secure_server(
    serve_app: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> SecureServer:
    """Serve app.py with demo mode off; accounts made through the users command first."""
    import secrets

    database = tmp_path_factory.mktemp("secure-db") / "hotspots.sqlite"
    extra = {
        "HOTSPOTS_DEMO_MODE": "0",
        "HOTSPOTS_VEHICLE_KEY": secrets.token_urlsafe(48),
        "HOTSPOTS_COOKIE_SECRET": secrets.token_urlsafe(48),
    }
    env = {**_server_env(database), **extra}
    accounts = {role: (f"{role}-user", f"{role} passphrase {secrets.token_hex(4)}")
                for role in (*SECURE_ROLES, "spare")}  # fmt: skip
    _cli(env, "init-db")
    for role, (name, password) in accounts.items():
        real_role = "analyst" if role == "spare" else role
        _cli(env, "users", "add", name, "--role", real_role, "--password-stdin", stdin=password)
    return SecureServer(serve_app(database, "secure", **extra), env, accounts)


def sign_in(page: object, base_url: str, username: str, password: str, purpose: str = "") -> None:
    """Open the app, fill in the sign-in form, and answer the purpose question if asked."""
    page.goto(base_url, wait_until="domcontentloaded")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    asked = page.get_by_label("Purpose of this session")
    signed_in = page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out")
    _wait_for_any(page, asked.or_(signed_in).or_(page.locator(ST_ALERT)), MAP_TIMEOUT_MS)
    if asked.count():
        asked.fill(purpose or "browser test of the sign-in")
        page.get_by_role("button", name="Continue").click()
        _wait_for_any(page, signed_in, MAP_TIMEOUT_MS)


@pytest.fixture(name="sign_in")
def sign_in_fixture() -> Callable[..., None]:
    return sign_in


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium, launched once per session."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: install it or set HOTSPOTS_CHROMIUM")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@dataclass
class PageLog:
    """What a page did that must not happen in an offline, error-free app."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # known-benign noise, kept for reading

    def problems(self) -> dict[str, list[str]]:
        found = {
            "requests that left 127.0.0.1": self.external_requests,
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "error responses (4xx/5xx)": self.error_responses,
            "dialogs (alert/confirm)": self.dialogs,
        }
        return {k: v for k, v in found.items() if v}

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in problems.items())


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def browser_context(chromium: object, page_log: PageLog) -> Iterator[object]:
    """A fresh context; every request that would leave the machine is recorded and aborted."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})

    def block(route: object) -> None:
        page_log.external_requests.append(route.request.url)
        route.abort("blockedbyclient")

    context.route(lambda url: not is_local(url), block)
    try:
        yield context
    finally:
        context.close()


def _streamlit_probe(url: str) -> bool:
    """Streamlit's frontend, opened at a page's own URL (/overview), first asks
    /overview/_stcore/health and /host-config in case that is the base path; the 404s are
    expected and are not errors of the app."""
    return bool(STREAMLIT_BASE_PROBE.search(urlsplit(url).path))


def _console(message: object, log: PageLog) -> None:
    if message.type != "error":
        return
    url = message.location.get("url", "")
    entry = f"{message.text} @ {url}"
    if "404" in message.text and _streamlit_probe(url):
        log.ignored.append(entry)
    else:
        log.console_errors.append(entry)


def _watch(page: object, log: PageLog) -> None:
    def on_request(request: object) -> None:
        if not is_local(request.url) and request.url not in log.external_requests:
            log.external_requests.append(request.url)

    def on_failed(request: object) -> None:
        # net::ERR_ABORTED is a request cut short by a navigation or reload, not a failure.
        entry = f"{request.url} ({request.failure})"
        if not is_local(request.url) or "ERR_ABORTED" in (request.failure or ""):
            log.ignored.append(entry)
        else:
            log.failed_requests.append(entry)

    def on_response(response: object) -> None:
        if response.status >= 400 and is_local(response.url):
            entry = f"{response.status} {response.url}"
            (log.ignored if _streamlit_probe(response.url) else log.error_responses).append(entry)

    def on_websocket(socket_: object) -> None:
        if not is_local(socket_.url):
            log.external_requests.append(socket_.url)

    def on_dialog(dialog: object) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("websocket", on_websocket)
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("console", lambda msg: _console(msg, log))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Keep each phase's report on the test item, so `page` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    browser_context: object, page_log: PageLog, request: pytest.FixtureRequest
) -> Iterator[object]:
    """A page whose requests, console errors, page errors and dialogs go to `page_log`.

    When the test fails, what the page showed is saved as tests/artifacts/FAILED-<test>.png.
    """
    new_page = browser_context.new_page()
    _watch(new_page, page_log)
    yield new_page
    reports = [getattr(request.node, f"report_{when}", None) for when in ("setup", "call")]
    if any(report is not None and report.failed for report in reports):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        new_page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)


@pytest.fixture
def save_screenshot() -> Callable[[object, str], Path]:
    """save_screenshot(page, name) saves tests/artifacts/<name>.png and returns its path."""

    def save(page: object, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


# ---------------------------------------------------------------- helpers for tests


def _fail_on_app_exception(page: object) -> None:
    exception = page.locator(ST_EXCEPTION)
    if exception.count():
        pytest.fail(f"the app showed an exception:\n{exception.first.inner_text()}")


def _wait_for_any(page: object, wanted: object, timeout_ms: int) -> None:
    """Wait for `wanted` or a Streamlit exception, whichever comes first; fail on the latter."""
    wanted.or_(page.locator(ST_EXCEPTION)).first.wait_for(state="attached", timeout=timeout_ms)
    _fail_on_app_exception(page)


def open_page(page: object, title: str, timeout_ms: int = MAP_TIMEOUT_MS) -> None:
    """Click the navigation link called `title`; if the app shows a map before any such link
    appears (a one-page app, which has no navigation), stay on the page shown."""
    link = page.get_by_role("link", name=title, exact=True)
    _wait_for_any(page, link.or_(page.locator(ST_FOLIUM_IFRAME)), timeout_ms)
    if link.count():
        link.first.click()


def st_folium_frame(page: object, index: int = 0) -> object:
    """The FrameLocator of the `index`-th st_folium map on the page."""
    return page.frame_locator(ST_FOLIUM_IFRAME).nth(index)


def wait_for_map(page: object, index: int = 0, timeout_ms: int = MAP_TIMEOUT_MS) -> object:
    """Wait until the st_folium map has a Leaflet container with drawn vector layers; fail at
    once if the app shows an exception instead."""
    _wait_for_any(page, page.locator(ST_FOLIUM_IFRAME).nth(index), timeout_ms)
    frame = st_folium_frame(page, index)
    frame.locator(".leaflet-container").wait_for(state="visible", timeout=timeout_ms)
    frame.locator(".leaflet-overlay-pane path").first.wait_for(state="attached", timeout=timeout_ms)
    return frame


@pytest.fixture(name="open_page")
def open_page_fixture() -> Callable[[object, str], None]:
    return open_page


@pytest.fixture(name="wait_for_map")
def wait_for_map_fixture() -> Callable[..., object]:
    return wait_for_map


def wait_for_rerun(page: object, timeout_ms: int = MAP_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the script again."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout_ms)


def pick_option(
    page: object, box: object, option: str, *, typed: str = "", close: bool = False
) -> None:
    """Choose `option` in a selectbox or multiselect as a user does: click `box` (the
    widget's input), type the start of the option (`typed`), pick it; `close` presses Escape
    after (a multiselect's menu stays open). A box that a rerun redraws under the click
    loses the focus and closes its menu; then the user (and this) clicks again."""
    from playwright.sync_api import TimeoutError as NotYet

    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        wait_for_rerun(page)
        box.click()
        if typed:
            page.keyboard.type(typed)
        try:
            choice.wait_for(timeout=10_000)
            break
        except NotYet:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    choice.click()
    if close:
        page.keyboard.press("Escape")
    wait_for_rerun(page)
