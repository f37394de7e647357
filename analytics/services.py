"""Every write of the analytics app: cache invalidation and the static report.

`analytics_cache_invalidate()` answers `core.signals.data_changed`, which importers and trainers
send after they change the catalog or register a model version (`analytics.receivers`): it bumps the cache version so every cached KPI,
figure and genre list becomes unreachable at once (old entries expire by their TTL).
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.models import ViewingDay
from analytics.selectors.cache import VERSION_KEY
from analytics.selectors.catalog import genre_choices
from analytics.selectors.viewing import day_start
from interactions.models import Event

log = logging.getLogger(__name__)


def analytics_cache_invalidate() -> int:
    """Make every cached analytics result stale. Returns the new cache version. Never raises.

    Safe to call from any process (importers, training tasks, `transaction.on_commit`): with
    Redis the version is an atomic INCR shared by all web processes.
    """
    try:
        try:
            version = cache.incr(VERSION_KEY)
        except ValueError:  # key missing (first run, evicted, or cache cleared)
            if not cache.add(VERSION_KEY, 2, None):
                version = cache.incr(VERSION_KEY)
            else:
                version = 2
        # locmem/redis incr keeps the key's TTL; make sure the version never expires.
        cache.touch(VERSION_KEY, None)
    except Exception:  # a cache outage must not fail an import or a training run
        log.exception("analytics cache invalidation failed")
        return 0
    return int(version)


def analytics_cache_warm() -> int:
    """Compute and cache every dashboard chart for the default filters. Returns the number of charts."""
    from analytics import kpis
    from analytics.filters import CatalogFilters, ViewingFilters

    charts = [c for k in kpis.KPIS.values() for c in k.charts]
    genre_choices()
    kpis.chart_figures(charts, catalog_filters=CatalogFilters(), viewing_filters=ViewingFilters())
    return len(charts)


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def analytics_report_write(*, out_dir, catalog_filters=None, viewing_filters=None, png: bool = True,
                           stdout=None) -> dict:
    """Write every chart as a static HTML file (+ PNG when Chromium is present) and summary.md.

    The HTML files load `plotly.min.js` copied next to them, so the folder works offline.
    Returns {"charts": [...], "png": bool, "png_skipped_reason": str | None, "out_dir": str}.
    """
    import datetime as dt

    import plotly.io as pio

    from analytics import kpis
    from analytics.filters import CatalogFilters, ViewingFilters

    catalog_filters = catalog_filters or CatalogFilters()
    viewing_filters = viewing_filters or ViewingFilters()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plotly_js_path(), out / "plotly.min.js")

    def say(msg):
        if stdout is not None:
            stdout.write(msg)

    written, sections, index_links, figures = [], [], [], {}
    for kpi in kpis.KPIS.values():
        f = catalog_filters if kpi.section == kpis.CATALOG else viewing_filters
        data = kpis.kpi_data(kpi.slug, f, {})
        entries = []
        for chart in kpi.charts:
            light = kpis.chart_figure(chart, f, data)
            fig = light.to_plotly_figure()  # validated, with the dark theme
            reading = kpis.chart_reading(chart, f, data)
            html = pio.to_html(fig, include_plotlyjs="directory", full_html=True, config={"displaylogo": False},
                               default_width="100%", default_height=f"{light.height or 460}px")
            html = html.replace("<head>", f"<head><title>{kpis.CHART_TITLES[chart]} — Netfloox</title>"
                                          "<style>body{margin:0;background:#141414}</style>", 1)
            (out / f"{chart}.html").write_text(html, encoding="utf-8")
            written.append(chart)
            figures[chart] = fig.to_json()
            entries.append((chart, reading))
            index_links.append(f'<li><a href="{chart}.html">{kpis.CHART_TITLES[chart]}</a> — {reading}</li>')
            say(f"  {chart}.html\n")
        sections.append((kpi, entries, _key_numbers(kpi.slug, data)))
    (out / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Netfloox analytics report</title>"
        "<body style='background:#141414;color:#e5e5e5;font-family:sans-serif'><h1>Netfloox analytics</h1><ul>"
        + "".join(index_links) + "</ul></body>", encoding="utf-8")

    reason = _render_pngs(out, figures, say) if png else "not requested (--no-png)"
    summary = ["# Netfloox analytics report", "",
               f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Catalog filters: "
               f"{catalog_filters.describe()}; viewing window: {viewing_filters.describe()}.", ""]
    if reason:
        summary += [f"PNG images skipped: {reason}.", ""]
    for kpi, entries, numbers in sections:
        summary += [f"## {kpi.title}", "", f"_{kpi.description}_", ""]
        for chart, reading in entries:
            summary.append(f"- **{kpis.CHART_TITLES[chart]}** ([{chart}.html]({chart}.html)): {reading}")
            if not reason:
                summary += ["", f"  ![{kpis.CHART_TITLES[chart]}]({chart}.png)", ""]
        summary += ["", "Key numbers:", ""] + [f"- {k}: {v}" for k, v in numbers] + [""]
    (out / "summary.md").write_text("\n".join(summary) + "\n", encoding="utf-8")
    return {"charts": written, "png": reason is None, "png_skipped_reason": reason, "out_dir": str(out)}


def _key_numbers(slug, d):
    """A few headline numbers of each KPI for summary.md."""
    pick = {
        "actors-top": lambda: [("top actor", f"{d['actors'][0]['name']} ({d['actors'][0]['titles']} titles)")
                               if d["actors"] else ("top actor", "none")],
        "runtime-by-year": lambda: [("mean runtime (min)", _r(d["overall_avg"])), ("titles used", d["titles_used"]),
                                    ("titles without runtime", d["titles_without_runtime"])],
        "actors-films-series": lambda: [("actors", d["actors"]), ("films only", d["films_only"]),
                                        ("series only", d["series_only"]), ("both", d["both"])],
        "actor-age": lambda: [("mean age (years)", _r(d["overall_avg"])), ("credits used", d["credits_used"]),
                              ("actresses", _r(d["actress_avg"])), ("actors", _r(d["actor_avg"]))],
        "top-rated": lambda: [("m (votes)", d["m"]), ("C (mean rating)", _r(d["C"])), ("eligible", d["eligible"])]
        + [(f"#{i}", f"{t['title']} — WR {t['weighted_rating']:.2f}") for i, t in enumerate(d["titles"][:5], 1)],
        "size": lambda: [("titles", d["total"])] + [(f"type {t['key']}", t["titles"]) for t in d["by_type"][:5]],
        "budget-revenue": lambda: [("titles", d["titles"]), ("share profitable", _r(d["share_profitable"], 3)),
                                   ("revenue ÷ budget", _r(d["revenue_to_budget"]))],
        "events-per-day": lambda: [("events", d["events"])] + list(d["totals"].items()),
        "completion": lambda: [("starters", d["starters"]), ("finishers", d["finishers"]),
                               ("completion rate", _r(d["completion_rate"], 3))],
        "watched-abandoned": lambda: [("most watched", d["most_watched"][0]["title"] if d["most_watched"] else "none"),
                                      ("most abandoned",
                                       d["most_abandoned"][0]["title"] if d["most_abandoned"] else "none")],
        "active-viewers": lambda: [("last 24 h", d["last_1_day"]), ("last 7 days", d["last_7_days"]),
                                   ("last 30 days", d["last_30_days"])],
        "recommendation-ctr": lambda: [("snapshots", d["snapshots"]), ("pairs", d["pairs"]),
                                       ("converted", d["converted"]), ("CTR", _r(d["ctr"], 3))],
        "model-metrics": lambda: [(m["name"], f"{len(m['versions'])} versions") for m in d["models"]],
    }
    return pick[slug]()


def _r(x, nd=1):
    return None if x is None else round(x, nd)


def _render_pngs(out: Path, figures: dict, say) -> str | None:
    """Screenshot each chart with headless Chromium; returns why PNGs were skipped, or None.

    All charts are drawn on one scratch page (Plotly.js parsed once), then each is captured.
    """
    import json
    import os

    chromium = os.environ.get("NETFLOOX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return f"Chromium is not installed at {chromium} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "the playwright Python package is not installed"
    scratch = out / "_png_render.html"
    divs = "".join(f'<div id="c-{c}" style="width:1100px"></div>' for c in figures)
    payload = json.dumps(figures).replace("<", "\\u003c")
    scratch.write_text(
        "<!doctype html><meta charset='utf-8'><body style='margin:0;background:#141414'>" + divs
        + '<script src="plotly.min.js"></script><script>const F = ' + payload + ";"
        "window.done = Promise.all(Object.entries(F).map(([c, s]) => { const f = JSON.parse(s);"
        "return Plotly.newPlot('c-' + c, f.data, f.layout, {staticPlot: true}); }));</script>", encoding="utf-8")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1100, "height": 800}, device_scale_factor=1.5)
            page.goto(scratch.resolve().as_uri())
            page.evaluate("() => window.done")
            for chart in figures:
                page.locator(f"#c-{chart}").screenshot(path=str(out / f"{chart}.png"))
                say(f"  {chart}.png\n")
            browser.close()
    except Exception as exc:  # a broken browser install must not lose the HTML report
        log.warning("PNG rendering failed: %s", exc)
        return f"Chromium failed to render: {exc}"
    finally:
        scratch.unlink(missing_ok=True)
    return None


ROLLUP_SETTLE = dt.timedelta(hours=1)  # a day is rolled up once it ended this long ago
ROLLUP_MAX_DAYS = 3650  # the longest window the viewing KPIs accept
ROLLUP_CHUNK_DAYS = 31  # days per aggregation statement


def viewing_days_rollup(*, now: dt.datetime | None = None, max_days: int = ROLLUP_MAX_DAYS) -> int:
    """Store the roll-up (`analytics.models.ViewingDay`) of every closed day of the last
    ``max_days`` that has none yet and ended more than `ROLLUP_SETTLE` ago. Returns the days
    written. Idempotent; the first run reads the whole event log of the window, later runs one
    day. Days with no event get a row too, so they are not scanned again."""
    now = now or timezone.now()
    last = timezone.localtime(now - ROLLUP_SETTLE).date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=max_days - 1)
    first_event = Event.objects.order_by("server_ts").values_list("server_ts", flat=True).first()
    if first_event is None or last < first:
        return 0
    first = max(first, timezone.localtime(first_event).date())
    have = set(ViewingDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))
    missing = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    missing = [d for d in missing if d not in have]
    written = 0
    for i in range(0, len(missing), ROLLUP_CHUNK_DAYS):
        days = missing[i:i + ROLLUP_CHUNK_DAYS]
        window = Event.objects.filter(server_ts__gte=day_start(days[0]),
                                      server_ts__lt=day_start(days[-1] + dt.timedelta(days=1)))
        per_kind, per_day = {}, {}
        for r in window.annotate(day=TruncDate("server_ts")).values("day", "kind").annotate(n=Count("id")):
            per_kind.setdefault(r["day"], {})[r["kind"]] = r["n"]
        for r in window.annotate(day=TruncDate("server_ts")).values("day").annotate(n=Count("user_id", distinct=True)):
            per_day[r["day"]] = r["n"]
        stamp = timezone.now()
        rows = [ViewingDay(day=d, events=per_kind.get(d, {}), viewers=per_day.get(d, 0), computed_at=stamp)
                for d in days]
        ViewingDay.objects.bulk_create(rows, ignore_conflicts=True)
        written += len(rows)
    if written:
        log.info("viewing roll-up: %d closed day(s) stored", written)
    return written
