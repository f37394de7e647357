"""The dashboard in a real browser: every chart drawn, no console error, no request off this machine."""
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # live_server + Playwright sync API in one thread
# Written into the repository only when asked (NETFLOOX_SCREENSHOT_DIR=docs/screenshots).
SCREENSHOT = Path(os.environ.get("NETFLOOX_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="netfloox-screenshots-")) \
    / "dashboard.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.parametrize("budget", [None, 0], ids=["charts-in-page", "charts-fetched-by-the-page"])
def test_dashboard_renders_every_chart_locally(live_server, transactional_db, budget, settings):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from analytics.views import CATALOG_CHARTS, VIEWING_CHARTS
    from tests.analytics.synthetic import build

    if budget is not None:  # a cold cache on a huge catalog: the page leaves every chart to the browser
        from django.db import connection

        if connection.vendor == "sqlite":
            pytest.skip("the page's parallel chart requests deadlock Django's live server on in-memory SQLite "
                        "(one shared connection); this variant runs on PostgreSQL")
        settings.NETFLOOX_ANALYTICS_INLINE_BUDGET_S = budget

    build(n_titles=400)
    staff = get_user_model().objects.create_user(username="analyst", password="x-Passw0rd-1", is_staff=True)
    django_client = Client()
    django_client.force_login(staff)
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    host = urlparse(live_server.url).hostname

    hosts, errors = set(), []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}])
        page = ctx.new_page()
        page.set_default_timeout(90_000)  # a hang guard: the waits below are for events
        page.on("request", lambda req: hosts.add(urlparse(req.url).hostname))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/analytics/?days=30", wait_until="networkidle")
        charts = CATALOG_CHARTS + VIEWING_CHARTS
        page.wait_for_function(
            "n => document.querySelectorAll('.analytics-chart__plot.js-plotly-plot .main-svg').length >= n",
            arg=len(charts), timeout=90_000)
        for chart in charts:
            svg = page.locator(f"#chart-{chart} .js-plotly-plot svg.main-svg").first
            assert svg.count() == 1, f"chart {chart} has no SVG"
            box = svg.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 250, chart
            assert page.locator(f"#chart-{chart} figcaption").inner_text().strip(), chart
        # Plotly drew marks (bars, lines, cells), not just empty axes, in every chart.
        empty = page.evaluate("""() => [...document.querySelectorAll('.analytics-chart')].filter(
            f => !f.querySelector('.trace, .hm, .slice, .point, path.js-line')).map(f => f.id)""")
        assert empty == []
        if budget is None:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        else:
            assert page.locator(".analytics-chart__plot--pending").count() == 0
        browser.close()

    assert errors == []
    assert hosts <= {"127.0.0.1", "localhost", host}, hosts
