"""HTML pages of the analytics app: the dashboard, the locally served Plotly.js, CSV exports."""
import csv
import json

import plotly
from django.conf import settings
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from analytics import kpis, services
from analytics.figure import plotly_template_json
from analytics.filters import CatalogFilters, ViewingFilters, catalog_filters_parse, viewing_filters_parse
from analytics.selectors.catalog import genre_choices
from catalog.models import TitleType
from core.errors import ValidationFailed

# Order matters: half-width charts come in pairs between the wide ones.
CATALOG_CHARTS = ["size", "runtime-by-year", "actor-age", "actors-top", "actors-films-series", "top-rated",
                  "top-rated-traits", "budget-revenue"]
VIEWING_CHARTS = ["active-viewers", "events-per-day", "completion", "recommendation-ctr", "watched-abandoned",
                  "model-metrics"]
WIDE_CHARTS = {"size", "actors-top", "actors-films-series", "top-rated", "top-rated-traits", "budget-revenue",
               "watched-abandoned", "model-metrics"}
DAYS_CHOICES = [7, 30, 90, 365]


def inline_budget_s() -> float | None:
    """How long a cold page computes charts before leaving the rest to the browser (analytics:chart).

    Kept short (`NETFLOOX_ANALYTICS_INLINE_BUDGET_S`, 0.3 s): while the page computes, the other web
    workers idle; the browser's parallel fetches keep them all busy (at 100 M events, 1 s here left
    the whole staff dashboard drawn after 3.1–4.2 s). None: no limit (the test settings).
    """
    return settings.NETFLOOX_ANALYTICS_INLINE_BUDGET_S


def _script_json(text: str) -> str:
    """A JSON string made safe to sit inside <script type="application/json"> (as json_script does)."""
    return mark_safe(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _query(**parts) -> str:
    q = {k: v for k, v in parts.items() if v not in (None, "")}
    return f"?{urlencode(q)}" if q else ""


@require_GET
def dashboard(request):
    errors = []
    try:
        cfilters, _ = catalog_filters_parse(request.GET)
    except ValidationFailed as exc:
        errors.append(exc.message)
        cfilters = CatalogFilters()
    try:
        vfilters = viewing_filters_parse(request.GET)
    except ValidationFailed as exc:
        errors.append(exc.message)
        vfilters = ViewingFilters()
    show_viewing = bool(request.user.is_authenticated and request.user.is_staff)
    sections = []
    if not errors:
        wanted = CATALOG_CHARTS + (VIEWING_CHARTS if show_viewing else [])
        rendered = kpis.chart_figures(wanted, catalog_filters=cfilters, viewing_filters=vfilters,
                                      budget_s=inline_budget_s())
        by_section = {"catalog": [], "viewing": []}
        for c in rendered:
            f = cfilters if c["section"] == "catalog" else vfilters
            q = _query(**f.as_query())
            by_section[c["section"]].append({
                **c, "figure_json": _script_json(c["figure_json"]) if c["figure_json"] else "",
                "wide": c["chart"] in WIDE_CHARTS,
                "src": reverse("analytics:chart", args=[c["chart"]]) + q,
                "csv_url": reverse("analytics:export", args=[c["kpi"]]) + q,
                "api_url": reverse(f"api:analytics-{c['kpi']}") + q,
            })
        sections = [{"slug": "catalog", "title": "Catalog", "charts": by_section["catalog"]}]
        if show_viewing:
            sections.append({"slug": "viewing", "title": "Viewing", "charts": by_section["viewing"]})
    ctx = {
        "sections": sections, "errors": errors, "show_viewing": show_viewing,
        "filters": cfilters, "viewing": vfilters, "form": request.GET,
        "type_choices": TitleType.choices, "genre_choices": genre_choices(), "days_choices": DAYS_CHOICES,
        "plotly_url": reverse("analytics:plotly-js", args=[plotly.__version__]),
        "plotly_template": _script_json(plotly_template_json()) if sections else "",
    }
    return render(request, "analytics/dashboard.html", ctx, status=400 if errors else 200)


@require_GET
def plotly_js(request, version):
    """Plotly.js bundled with the plotly package: served by us, never from a CDN; cached for a year."""
    resp = FileResponse(open(services.plotly_js_path(), "rb"), content_type="application/javascript")
    resp["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp


def _plain(message, status):
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_GET
def chart_json(request, chart):
    """One chart's figure and reading (JSON), for charts the page left pending on a cold cache."""
    if chart not in kpis.CHART_TO_KPI:
        return JsonResponse({"detail": f"Unknown chart {chart!r}.", "code": "not_found"}, status=404)
    kpi = kpis.KPIS[kpis.CHART_TO_KPI[chart]]
    if kpi.section == kpis.VIEWING and not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"detail": "Viewing KPIs are for staff only.", "code": "permission_denied"},
                            status=403)
    try:
        filters, _ = kpi.parse(request.GET)
    except ValidationFailed as exc:
        return JsonResponse(exc.as_dict(), status=400)
    p = kpis.chart_payload(chart, filters)
    body = (f'{{"chart":{json.dumps(chart)},"title":{json.dumps(p["title"])},'
            f'"reading":{json.dumps(p["reading"])},"figure":{p["figure_json"]}}}')
    return HttpResponse(body, content_type="application/json")


@require_GET
def export_csv(request, slug):
    kpi = kpis.KPIS.get(slug)
    if kpi is None:
        return _plain(f"Unknown KPI {slug!r}.", 404)
    if kpi.section == kpis.VIEWING and not (request.user.is_authenticated and request.user.is_staff):
        return _plain("Viewing KPIs are for staff only.", 403)
    try:
        filters, options = kpi.parse(request.GET)
    except ValidationFailed as exc:
        return _plain(exc.message, 400)
    rows = kpis.kpi_rows(slug, kpis.kpi_data(slug, filters, options))
    resp = HttpResponse(content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    cols = kpis.rows_columns(rows)
    w = csv.writer(resp)
    w.writerow(cols)
    for r in rows:
        w.writerow([kpis.csv_cell(r.get(c)) for c in cols])
    return resp
