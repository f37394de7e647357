"""Playwright (sync API) + Debian's Chromium against Django's live server.

Every page a test opens is watched: a request to any host but the live server's, a console
error or an uncaught page error fails the test at teardown.

With NETFLOOX_WALKTHROUGH_DIR set, the journeys also save each step they pass as a numbered
viewport screenshot, `NN-step-name.png`, with its caption in `NN-step-name.txt`
(docs/tools/make_walkthrough.py turns them into docs/walkthrough.gif and .webm). Unset, nothing
is written there.
"""
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM
from tests.web.conftest import french_catalog_compiled  # noqa: F401 — the French .mo, built when stale

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # live_server + Playwright's sync API in one thread


def _serialize_requests_on_shared_sqlite():
    """On SQLite the test database lives in memory and the live server's threads all share its one
    connection; two requests at once (a poster and an event POST) then fail with "database table
    is locked". Run the application one request at a time in that case (PostgreSQL: unchanged)."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test import testcases

    class SerializedWhenSharedSQLite(ThreadedWSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, connections_override=connections_override, **kwargs)
            self._shared_sqlite = any(c.vendor == "sqlite" and c.is_in_memory_db()
                                      for c in (connections_override or {}).values())
            self._app_lock = threading.Lock()

        def set_app(self, application):
            if not self._shared_sqlite:
                return super().set_app(application)

            def serialized(environ, start_response):
                with self._app_lock:
                    return application(environ, start_response)

            return super().set_app(serialized)

    if testcases.LiveServerThread.server_class is ThreadedWSGIServer:
        testcases.LiveServerThread.server_class = SerializedWhenSharedSQLite


_serialize_requests_on_shared_sqlite()

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--autoplay-policy=no-user-gesture-required"]
# Screenshots are written to the repository only when asked (NETFLOOX_SCREENSHOT_DIR=docs/screenshots,
# as `make walkthrough` does); a plain test run keeps them in a temporary folder of its own, so it
# never changes the checkout.
SCREENSHOTS = Path(os.environ.get("NETFLOOX_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="netfloox-screenshots-"))


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def base_url(live_server):
    """The live server on 127.0.0.1 (pytest-django binds it to localhost)."""
    u = urlparse(live_server.url)
    return f"http://127.0.0.1:{u.port}"


class Watch:
    def __init__(self):
        self.requests, self.errors = [], []

    def offsite(self):
        return [u for u in self.requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
                and urlparse(u).hostname != "127.0.0.1"]


@pytest.fixture
def make_page(chromium, base_url):
    """new_page(width=1366, height=850) → a Playwright page whose traffic and console are checked."""
    contexts, watch = [], Watch()

    def new_page(width=1366, height=850):
        ctx = chromium.new_context(viewport={"width": width, "height": height}, base_url=base_url,
                                   locale="en-US")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60_000)  # a hang guard: every wait is for an event
        page.on("request", lambda req: watch.requests.append(req.url))
        page.on("console", lambda msg: watch.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: watch.errors.append(f"pageerror: {exc}"))
        return page

    new_page.watch = watch
    yield new_page
    for ctx in contexts:
        ctx.close()
    assert watch.offsite() == [], f"requests outside 127.0.0.1: {watch.offsite()}"
    assert watch.errors == [], watch.errors


@pytest.fixture
def browser_catalog(transactional_db):
    """The project's demo catalog (seed_demo, small) when the command exists, plus the
    well-known titles the journeys type (Inception, Amélie…)."""
    from django.core.management import call_command, get_commands

    from tests.web.catalog_data import build_catalog

    if "seed_demo" in get_commands():
        call_command("seed_demo", titles=80, viewers=10, verbosity=0)
    titles = build_catalog()
    return {t.primary_title: t for t in titles}


def shot(page, name, full_page=False, caption=None):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)
    if caption:
        step(page, name.removesuffix(".png"), caption)


WALKTHROUGH = os.environ.get("NETFLOOX_WALKTHROUGH_DIR")
_walkthrough_steps = []


def step(page, name, caption, scroll_to=None):
    """A walkthrough frame (only with NETFLOOX_WALKTHROUGH_DIR): the viewport as NN-name.png, numbered
    in the order the journeys pass their steps, and the caption in NN-name.txt. `scroll_to`: "top",
    or a locator to bring just under the sticky header, first (the page is left scrolled there)."""
    if not WALKTHROUGH:
        return
    if scroll_to == "top":
        page.evaluate("window.scrollTo(0, 0)")
    elif scroll_to is not None:
        scroll_to.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 85)")
    folder = Path(WALKTHROUGH)
    folder.mkdir(parents=True, exist_ok=True)
    _walkthrough_steps.append(name)
    stem = f"{len(_walkthrough_steps):02d}-{name}"
    page.wait_for_timeout(150)
    page.screenshot(path=str(folder / f"{stem}.png"))
    (folder / f"{stem}.txt").write_text(caption, encoding="utf-8")
