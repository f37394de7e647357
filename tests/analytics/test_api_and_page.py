"""The JSON API, CSV exports, the dashboard page, caching and query-count bounds."""
import csv
import io
import json

import pytest
from django.urls import reverse

from analytics import kpis, services
from analytics.filters import CatalogFilters
from tests.analytics.conftest import make_title

CATALOG_SLUGS = [s for s, k in kpis.KPIS.items() if k.section == "catalog"]
VIEWING_SLUGS = [s for s, k in kpis.KPIS.items() if k.section == "viewing"]


def url(slug):
    return reverse(f"api:analytics-{slug}")


def test_index_lists_every_kpi_with_its_access(api_client, db):
    r = api_client.get("/api/analytics/")
    assert r.status_code == 200
    rows = {row["kpi"]: row for row in r.json()["kpis"]}
    assert set(rows) == set(kpis.KPIS)
    assert rows["runtime-by-year"]["url"] == "/api/analytics/catalog/runtime-by-year/"
    assert rows["completion"]["access"] == "staff"


def test_runtime_endpoint_returns_numbers_readings_and_applied_filters(api_client, catalog):
    r = api_client.get("/api/analytics/catalog/runtime-by-year/", {"year_min": 1961, "type": "movie"})
    assert r.status_code == 200
    body = r.json()
    assert body["filters"] == {"year_min": 1961, "year_max": None, "title_type": "movie", "genre": None}
    assert [y["year"] for y in body["data"]["years"]] == [1965, 2010]
    assert body["readings"] and "min" in body["readings"][0]
    assert body["csv_url"] == "/analytics/export/runtime-by-year.csv"


@pytest.mark.parametrize("params, field", [
    ({"year_min": "abc"}, "year_min"),
    ({"year_min": 2000, "year_max": 1990}, "year_max"),
    ({"type": "cartoon"}, "type"),
    ({"genre": "Not A Slug!"}, "genre"),
    ({"year_max": 99999}, "year_max"),
    ({"top": 0}, "top"),
])
def test_bad_filters_get_a_400_json_naming_the_field(api_client, catalog, params, field):
    r = api_client.get(url("actors-top"), params)
    assert r.status_code == 400
    body = r.json()
    assert field in body["errors"] and body["detail"].startswith(f"Invalid filter '{field}'")


def test_bad_filters_get_json_errors_even_when_csv_is_asked(api_client, catalog):
    r = api_client.get(url("size"), {"format": "csv", "year_min": "x"})
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")


def test_top_rated_accepts_min_votes(api_client, catalog):
    r = api_client.get(url("top-rated"), {"min_votes": 100, "top": 2})
    data = r.json()["data"]
    assert [t["title"] for t in data["titles"]] == ["One", "Three"]
    assert data["m"] == 100 and r.json()["options"] == {"top": 2, "min_votes": 100}
    assert len(r.json()["readings"]) == 2  # the ranking chart and the traits chart


@pytest.mark.parametrize("slug", VIEWING_SLUGS)
def test_viewing_kpis_are_staff_only(api_client, viewer_client, staff, viewing, slug):
    assert api_client.get(url(slug)).status_code in (401, 403)
    assert viewer_client.get(url(slug)).status_code == 403
    api_client.force_authenticate(staff)
    r = api_client.get(url(slug), {"days": 30})
    assert r.status_code == 200 and r.json()["kpi"] == slug


def test_viewing_window_is_validated(api_client, staff, db):
    api_client.force_authenticate(staff)
    assert api_client.get(url("completion"), {"days": 0}).status_code == 400
    assert api_client.get(url("completion"), {"days": "week"}).status_code == 400


def test_api_csv_format_returns_the_kpi_table(api_client, catalog):
    r = api_client.get(url("runtime-by-year"), {"format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert [(row["year"], row["avg_runtime"], row["titles"]) for row in rows] == [
        ("1960", "90.0", "1"), ("1965", "100.0", "1"), ("2010", "120.0", "1")]


def test_export_csv_download_respects_filters_and_access(client, catalog, staff, viewing):
    r = client.get("/analytics/export/size.csv", {"genre": "comedy"})
    assert r.status_code == 200 and 'filename="size.csv"' in r["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert rows[0] == {"dimension": "total", "key": "", "label": "all titles", "titles": "2"}
    assert client.get("/analytics/export/size.csv", {"year_min": "nope"}).status_code == 400
    assert client.get("/analytics/export/nope.csv").status_code == 404
    assert client.get("/analytics/export/completion.csv").status_code == 403
    client.force_login(staff)
    r = client.get("/analytics/export/completion.csv")
    assert r.status_code == 200 and "ALL TITLES" in r.content.decode()


def test_results_are_cached_until_invalidated(api_client, catalog):
    first = api_client.get(url("size")).json()["data"]["total"]
    make_title(primary_title="Ten", title_type="movie", start_year=2020)
    assert api_client.get(url("size")).json()["data"]["total"] == first  # served from the cache
    v = services.analytics_cache_invalidate()
    assert v >= 2
    assert api_client.get(url("size")).json()["data"]["total"] == first + 1
    assert services.analytics_cache_invalidate() == v + 1


def test_cache_invalidation_survives_a_cleared_cache(db):
    from django.core.cache import cache

    cache.clear()
    assert services.analytics_cache_invalidate() == 2
    assert services.analytics_cache_invalidate() == 3


def test_dashboard_page_shows_every_catalog_chart_with_a_reading(client, catalog):
    r = client.get("/analytics/")
    assert r.status_code == 200
    html = r.content.decode()
    for chart in ["size", "runtime-by-year", "actors-top", "actors-films-series", "actor-age", "top-rated",
                  "top-rated-traits", "budget-revenue"]:
        assert f'id="chart-{chart}"' in html
        assert f'<script type="application/json" id="fig-{chart}">' in html
    assert "Alice is the most present actor with 4 titles (1960–2018)" in html
    assert 'id="viewing"' not in html  # viewing KPIs are for staff
    assert "/analytics/plotly-" in html and "cdn" not in html.lower()


def test_dashboard_shows_viewing_section_to_staff(client, staff, viewing):
    client.force_login(staff)
    html = client.get("/analytics/", {"days": 30}).content.decode()
    for chart in ["active-viewers", "events-per-day", "completion", "watched-abandoned", "recommendation-ctr",
                  "model-metrics"]:
        assert f'id="chart-{chart}"' in html
    assert "60.0% of recommended (viewer, title) pairs were played afterwards" in html


def test_dashboard_reports_bad_filters_instead_of_failing(client, catalog):
    r = client.get("/analytics/", {"year_min": "2020", "year_max": "1990"})
    assert r.status_code == 400
    assert "year_max must be greater than or equal to year_min" in r.content.decode()


def test_figure_json_cannot_break_out_of_its_script_tag(client, catalog):
    make_title(primary_title="</script><script>alert(1)</script>", title_type="movie", start_year=1999,
               imdb_rating="9.9", imdb_votes=5000)
    html = client.get("/analytics/", {"type": "movie"}).content.decode()
    assert "<script>alert(1)" not in html


def test_plotly_js_is_served_locally_with_long_cache(client, db):
    import plotly

    r = client.get(f"/analytics/plotly-{plotly.__version__}.min.js")
    assert r.status_code == 200 and r["Content-Type"] == "application/javascript"
    assert "max-age=31536000" in r["Cache-Control"]
    assert b"plotly.js" in b"".join(r.streaming_content)[:200]


def test_empty_catalog_charts_say_no_data(client, staff, db):
    client.force_login(staff)
    r = client.get("/analytics/")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count("No data") + html.count("empty for these filters") + html.count("No trained") \
        + html.count("No viewing") + html.count("No plays") + html.count("No active") \
        + html.count("No recommendation") + html.count("No full watches") + html.count("No titles") >= 14
    for slug, kpi in kpis.KPIS.items():
        f, _ = kpi.default_filters()
        data = kpis.kpi_data(slug, f)
        for chart in kpi.charts:
            fig = json.loads(kpis.chart_figure(chart, f, data).to_json())
            assert fig["layout"]["title"]["text"]
            assert fig["layout"].get("annotations"), f"{chart} shows no 'no data' notice"


def test_every_chart_has_title_axis_labels_and_a_reading(catalog, viewing):
    for slug, kpi in kpis.KPIS.items():
        f, _ = kpi.default_filters()
        data = kpis.kpi_data(slug, f, {"min_votes": 100} if slug == "top-rated" else {})
        for chart in kpi.charts:
            fig = json.loads(kpis.chart_figure(chart, f, data).to_json())
            layout = fig["layout"]
            assert layout["title"]["text"] and layout["title"]["subtitle"]["text"]
            assert fig["data"], chart
            axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
            if any(t["type"] not in ("pie",) for t in fig["data"]) and chart != "actors-top":
                assert any(a.get("title", {}).get("text") for a in axes), chart
            reading = kpis.chart_reading(chart, f, data)
            assert reading.endswith(".") and len(reading) > 20


def _page_queries(client, django_assert_max_num_queries, staff):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    client.force_login(staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/analytics/").status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_the_catalog(client, catalog, viewing, staff,
                                                              django_assert_max_num_queries):
    small = _page_queries(client, django_assert_max_num_queries, staff)
    from catalog.models import Credit, Person

    people = [Person.objects.create(name=f"Extra {i}", birth_year=1950 + i) for i in range(15)]
    for i in range(40):
        t = make_title(primary_title=f"Extra {i}", title_type="movie" if i % 3 else "tvSeries", start_year=1950 + i,
                       runtime_minutes=80 + i, imdb_rating="7.5", imdb_votes=100 * i + 1, budget=10 + i,
                       revenue=20 + i, genres=[catalog["genres"]["drama"]])
        for p in people[i % 5: i % 5 + 4]:
            Credit.objects.create(title=t, person=p, category="actor")
    big = _page_queries(client, django_assert_max_num_queries, staff)
    assert big <= small  # a few early exits may skip a query; none is added per row
    with django_assert_max_num_queries(90):  # PostgreSQL adds SAVEPOINT + SET LOCAL + RELEASE per KPI
        from django.core.cache import cache

        cache.clear()
        client.get("/analytics/")
    with django_assert_max_num_queries(4):  # warm: session + user + nothing else
        client.get("/analytics/")


@pytest.mark.parametrize("slug", list(kpis.KPIS))
def test_each_api_endpoint_issues_a_bounded_number_of_queries(api_client, staff, viewing, slug,
                                                              django_assert_max_num_queries):
    api_client.force_authenticate(staff)
    with django_assert_max_num_queries(14):
        assert api_client.get(url(slug)).status_code == 200
    with django_assert_max_num_queries(1):
        assert api_client.get(url(slug)).status_code == 200


def test_schema_describes_every_analytics_endpoint(api_client, db):
    r = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    schema = json.loads(r.content) if r["Content-Type"].startswith("application/json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(r.content)
    paths = schema["paths"]
    assert "/api/analytics/" in paths
    for slug, kpi in kpis.KPIS.items():
        op = paths[f"/api/analytics/{kpi.section}/{slug}/"]["get"]
        ok = op["responses"]["200"]["content"]
        assert set(ok) == {"application/json", "text/csv"}
        assert "400" in op["responses"]
        params = {p["name"] for p in op["parameters"]}
        assert "format" in params
        if kpi.section == "catalog":
            assert {"year_min", "year_max", "type", "genre"} <= params
        else:
            assert "days" in params
    assert CatalogFilters  # the filters module is the one the API validates with


def test_cold_page_over_its_time_budget_leaves_charts_for_the_browser(client, catalog, staff, settings):
    settings.NETFLOOX_ANALYTICS_INLINE_BUDGET_S = 0
    html = client.get("/analytics/", {"genre": "drama"}).content.decode()
    assert 'data-src="/analytics/chart/size.json?genre=drama"' in html
    assert '<script type="application/json" id="fig-size">' not in html
    r = client.get("/analytics/chart/size.json", {"genre": "drama"})
    assert r.status_code == 200
    body = r.json()
    assert body["figure"]["layout"]["title"]["text"] == "Catalog size: 4 titles"
    assert body["reading"].startswith("4 titles")
    # Now cached: the page embeds it.
    assert '<script type="application/json" id="fig-size">' in client.get("/analytics/", {"genre": "drama"}).content.decode()


def test_chart_json_checks_access_and_filters(client, catalog, staff):
    assert client.get("/analytics/chart/nope.json").status_code == 404
    assert client.get("/analytics/chart/completion.json").status_code == 403
    r = client.get("/analytics/chart/size.json", {"year_min": "x"})
    assert r.status_code == 400 and r.json()["field"] == "year_min"
    client.force_login(staff)
    assert client.get("/analytics/chart/completion.json").status_code == 200


def test_data_changed_with_warm_recomputes_the_default_dashboard_after_commit(client, catalog, staff,
                                                                              django_assert_max_num_queries,
                                                                              django_capture_on_commit_callbacks):
    from core.signals import data_changed

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data_changed.send(sender=None, warm=True)
    assert len(callbacks) == 1  # the Celery task runs eagerly here, after the commit
    client.force_login(staff)
    with django_assert_max_num_queries(3):  # session + user: every chart came from the warmed cache
        html = client.get("/analytics/").content.decode()
    assert "data-src=" not in html and 'id="fig-model-metrics"' in html


def test_pending_charts_are_fetched_costliest_first(client, catalog, staff, settings):
    """The page ranks the charts it leaves pending by their KPI's last compute time (unknown
    first, in page order); dashboard.js requests them in that order (the browser test draws them)."""
    import re

    from django.core.cache import cache

    from analytics import kpis

    settings.NETFLOOX_ANALYTICS_INLINE_BUDGET_S = 0
    kpis.kpi_data("size", kpis.CatalogFilters())  # computed once: its cost is now known
    cost = cache.get(kpis._cost_key("size"))
    assert cost is not None and cost >= 0
    cache.set(kpis._cost_key("actors-top"), 50.0, 60)  # as if it had taken 50 s
    cache.set(kpis._cost_key("size"), 0.001, 60)
    cache.delete(kpis._cost_key("runtime-by-year"))
    from analytics.services import analytics_cache_invalidate

    analytics_cache_invalidate()  # every figure missing again; the costs stay
    html = client.get("/analytics/").content.decode()
    order = {re.search(r"/chart/([a-z-]+)\.json", src).group(1): int(n)
             for src, n in re.findall(r'data-src="([^"]+)" data-fetch-order="(\d+)"', html)}
    assert set(order) >= {"size", "actors-top", "runtime-by-year"}
    unknown = [c for c in order if cache.get(kpis._cost_key(kpis.CHART_TO_KPI[c])) is None]
    assert max(order[c] for c in unknown) < order["actors-top"] < order["size"]
    assert sorted(order.values()) == list(range(len(order)))
