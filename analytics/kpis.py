"""The KPI registry and its cache: one entry per KPI, shared by the page, the API, CSV and the report.

`kpi_data(slug, filters, options)` returns the KPI's numbers (cached under the analytics cache
version); `kpi_readings` the one-line readings of its charts; `chart_figures` the Plotly figure
JSON of several charts at once (one cache round trip when warm); `kpi_rows` a flat table for CSV.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, transaction

from analytics import charts
from analytics.filters import (
    ActorsTopOptionsSerializer,
    CatalogFilters,
    CatalogFilterSerializer,
    TopRatedOptionsSerializer,
    ViewingFilters,
    ViewingFilterSerializer,
    catalog_filters_parse,
    viewing_filters_parse,
)
from analytics.selectors import catalog, model_quality, people, viewing
from analytics.selectors.cache import CATALOG_TTL, VIEWING_TTL, cache_version, kpi_cache_key

CATALOG, VIEWING = "catalog", "viewing"


@dataclass(frozen=True)
class Kpi:
    slug: str
    section: str
    title: str
    description: str
    compute: Callable
    charts: tuple
    rows: Callable
    options_serializer: type = CatalogFilterSerializer
    ignores: tuple = field(default_factory=tuple)  # filters that do not apply (documented)

    @property
    def ttl(self):
        return CATALOG_TTL if self.section == CATALOG else VIEWING_TTL

    def parse(self, data, *, blank_is_unset=True):
        """Query parameters → (filters, options); raises core.errors.ValidationFailed. The form
        treats a blank field as no filter; the API (`blank_is_unset=False`) refuses it."""
        if self.section == CATALOG:
            return catalog_filters_parse(data, options_serializer=self.options_serializer,
                                         blank_is_unset=blank_is_unset)
        return viewing_filters_parse(data, blank_is_unset=blank_is_unset), {}

    def default_filters(self):
        return (CatalogFilters() if self.section == CATALOG else ViewingFilters()), {}


# --- CSV tables (long format; columns = union of keys) ---------------------------------------------

def _rows_actors_top(d):
    out = []
    for rank, a in enumerate(d["actors"], 1):
        base = {"rank": rank, "person_id": a["person_id"], "name": a["name"], "titles": a["titles"],
                "first_year": a["first_year"], "last_year": a["last_year"]}
        out += [{**base, "decade": c["decade"], "decade_titles": c["titles"]} for c in a["by_decade"]] or [base]
    return out


def _rows_films_series(d):
    out = [{"group": "summary", "name": k, "value": d[k]} for k in
           ("actors", "films_only", "series_only", "both", "share_films_only", "share_series_only", "share_both")]
    for group in ("top_films", "top_series", "top_both"):
        out += [{"group": group, "rank": i, **r} for i, r in enumerate(d[group], 1)]
    return out


def _rows_top_rated(d):
    out = [{"group": "top", "rank": i, **t} for i, t in enumerate(d["titles"], 1)]
    for group in ("genres", "decades", "runtimes", "directors", "countries"):
        out += [{"group": group, **r} for r in d[group]]
    out.append({"group": "parameters", "name": "m", "value": d["m"]})
    out.append({"group": "parameters", "name": "C", "value": d["C"]})
    return out


def _rows_size(d):
    out = [{"dimension": "total", "key": "", "label": "all titles", "titles": d["total"]}]
    for dim in ("by_type", "by_decade", "by_genre", "by_country"):
        out += [{"dimension": dim[3:], **r} for r in d[dim]]
    return out


def _rows_model_metrics(d):
    return [{"model": m["name"], "version": v["version"], "status": v["status"], "is_active": v["is_active"],
             "created_at": v["created_at"], "metric": mm["name"], "value": mm["value"]}
            for m in d["models"] for v in m["versions"] for mm in v["metrics"]]


KPIS = {k.slug: k for k in [
    Kpi("actors-top", CATALOG, "Most present actors by decade",
        "Actors/actresses with the most distinct titles, and their titles per release decade.",
        people.kpi_actors_top, ("actors-top",), _rows_actors_top, ActorsTopOptionsSerializer),
    Kpi("runtime-by-year", CATALOG, "Average runtime by year",
        "Mean runtime (minutes) per release year with the number of titles behind each mean.",
        catalog.kpi_runtime_by_year, ("runtime-by-year",), lambda d: d["years"]),
    Kpi("actors-films-series", CATALOG, "Actors in films vs series",
        "Actors in films only, series only or both; top actors of each.",
        people.kpi_actors_films_series, ("actors-films-series",), _rows_films_series, ignores=("type",)),
    Kpi("actor-age", CATALOG, "Average age of actors at release",
        "Release year minus birth year of each actor credit, overall, by sex of the credit and by year.",
        people.kpi_actor_age, ("actor-age",), lambda d: d["years"]),
    Kpi("top-rated", CATALOG, "Best-rated titles (weighted rating)",
        "Top titles by IMDb weighted rating and the traits they share compared to the catalog.",
        catalog.kpi_top_rated, ("top-rated", "top-rated-traits"), _rows_top_rated, TopRatedOptionsSerializer),
    Kpi("size", CATALOG, "Catalog size", "Number of titles by type, decade, genre and country.",
        catalog.kpi_catalog_size, ("size",), _rows_size),
    Kpi("budget-revenue", CATALOG, "Budget vs revenue vs rating",
        "Titles with a known budget and revenue (TMDB), coloured by rating.",
        catalog.kpi_budget_revenue, ("budget-revenue",), lambda d: d["points"]),
    Kpi("events-per-day", VIEWING, "Events per day", "Viewing events per UTC day and kind.",
        viewing.kpi_events_per_day, ("events-per-day",), lambda d: d["days"], ViewingFilterSerializer),
    Kpi("completion", VIEWING, "Completion rate", "Viewers who finished ÷ viewers who started, per title and overall.",
        viewing.kpi_completion, ("completion",),
        lambda d: [{"title_id": "", "title": "ALL TITLES", "starters": d["starters"], "finishers": d["finishers"],
                    "completion_rate": d["completion_rate"]}] + d["titles"], ViewingFilterSerializer),
    Kpi("watched-abandoned", VIEWING, "Most watched and abandoned titles",
        "Titles most finished, and titles most closed by viewers who never finished them.",
        viewing.kpi_watched_abandoned, ("watched-abandoned",),
        lambda d: [{"list": "most_watched", **r} for r in d["most_watched"]]
        + [{"list": "most_abandoned", **r} for r in d["most_abandoned"]], ViewingFilterSerializer),
    Kpi("active-viewers", VIEWING, "Active viewers", "Distinct viewers with an event, per day and over 1/7/30 days.",
        viewing.kpi_active_viewers, ("active-viewers",),
        lambda d: d["days"] + [{"day": f"window {k}", "viewers": d[k]} for k in
                               ("last_1_day", "last_7_days", "last_30_days")], ViewingFilterSerializer),
    Kpi("recommendation-ctr", VIEWING, "Recommendation click-through",
        "Share of recommended (viewer, title) pairs that the viewer played afterwards.",
        model_quality.kpi_recommendation_ctr, ("recommendation-ctr",),
        lambda d: [{"reason": "all", "label": "all lists", "pairs": d["pairs"], "converted": d["converted"],
                    "ctr": d["ctr"]}] + d["by_reason"], ViewingFilterSerializer),
    Kpi("model-metrics", VIEWING, "Model metrics across versions",
        "Numeric metrics of each recommender and popularity model version.",
        model_quality.kpi_model_metrics, ("model-metrics",), _rows_model_metrics, ViewingFilterSerializer),
]}

CHART_TO_KPI = {c: k.slug for k in KPIS.values() for c in k.charts}
CHART_TITLES = {
    "actors-top": "Most present actors", "runtime-by-year": "Runtime over the years",
    "actors-films-series": "Films vs series", "actor-age": "Age at release", "top-rated": "Best rated",
    "top-rated-traits": "What the best share", "size": "Catalog size", "budget-revenue": "Budget vs revenue",
    "events-per-day": "Events per day", "completion": "Completion", "watched-abandoned": "Watched / abandoned",
    "active-viewers": "Active viewers", "recommendation-ctr": "Recommendation CTR", "model-metrics": "Model metrics",
}


def _key(kpi, filters, options, version, part="data"):
    return kpi_cache_key(slug=kpi.slug, filters=filters, options=options, version=version, part=part)


COST_TTL = 7 * 24 * 60 * 60  # a KPI's last compute time outlives cache versions: it orders cold fetches


def _cost_key(slug):
    return f"analytics:cost:{slug}"


def kpi_data(slug: str, filters, options: dict | None = None, *, version: int | None = None) -> dict:
    """The KPI's numbers for these filters, from the cache or computed by the database (its
    compute time is remembered: `chart_figures` sends the costliest pending charts first)."""
    kpi = KPIS[slug]
    options = options or {}
    version = cache_version() if version is None else version
    key = _key(kpi, filters, options, version)
    data = cache.get(key)
    if data is None:
        t = time.perf_counter()
        data = _compute(kpi, filters, options)
        cache.set(key, data, kpi.ttl)
        cache.set(_cost_key(slug), round(time.perf_counter() - t, 4), COST_TTL)
    return data


def _compute(kpi, filters, options):
    """Run a KPI's queries in one read transaction; on PostgreSQL, without JIT and with room to sort.

    Measured on the 100k-title benchmark: JIT compilation alone cost ~1 s of a 2.3 s query, and
    per-person aggregates spilled to disk with the default 4 MB work_mem. SET LOCAL ends with
    the transaction, so other queries on the connection are unaffected.
    """
    if connection.vendor != "postgresql":
        # SQLite: no transaction — the project's SQLite transactions are IMMEDIATE (write-locking),
        # which would make every dashboard computation block event writes.
        return kpi.compute(filters=filters, **options)
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        return kpi.compute(filters=filters, **options)


def chart_context(filters, data: dict) -> dict:
    desc = filters.describe()
    if isinstance(filters, CatalogFilters):
        types = data.get("scope_types") if isinstance(data, dict) else None
        scope = desc
        if types is not None and not filters.title_type:
            scope = f"{', '.join(types) if types else 'all title types'} · {desc}"
        no_type = CatalogFilters(year_min=filters.year_min, year_max=filters.year_max, genre=filters.genre).describe()
        return {"scope": scope, "filters": desc, "filters_no_type": no_type}
    return {"scope": desc, "filters": desc, "filters_no_type": desc}


def chart_reading(chart: str, filters, data: dict) -> str:
    return charts.READINGS[chart](data, chart_context(filters, data))


def kpi_readings(slug: str, filters, data: dict) -> list[str]:
    return [chart_reading(c, filters, data) for c in KPIS[slug].charts]


def chart_figure(chart: str, filters, data: dict):
    """The plotly.graph_objects.Figure of one chart."""
    return charts.FIGURES[chart](data, chart_context(filters, data))


def chart_figures(chart_slugs, *, catalog_filters=None, viewing_filters=None, options=None,
                  budget_s: float | None = None) -> list[dict]:
    """[{chart, kpi, section, title, reading, figure_json, pending}] for these charts.

    Cached figures come from one `get_many`. Missing ones are computed in order while the time
    spent stays under `budget_s` (None: no limit); the rest come back with `pending=True` and no
    figure, for the page to fetch them one by one (`analytics:chart`), in parallel, and with
    `fetch_order`: costliest first by their KPI's last compute time (unknown ones first of all, in
    page order) — longest jobs first keeps every web worker busy to the end.
    """
    version = cache_version()
    options = options or {}

    def filters_for(kpi):
        return catalog_filters if kpi.section == CATALOG else viewing_filters

    keys = {}
    for c in chart_slugs:
        kpi = KPIS[CHART_TO_KPI[c]]
        keys[c] = _key(kpi, filters_for(kpi), options.get(kpi.slug, {}), version, part=f"fig:{c}")
    hits = cache.get_many(list(keys.values()))
    out = []
    started = time.perf_counter()
    for c in chart_slugs:
        kpi = KPIS[CHART_TO_KPI[c]]
        hit = hits.get(keys[c])
        if hit is None and budget_s is not None and time.perf_counter() - started >= budget_s:
            hit = {"reading": "", "figure_json": None, "pending": True}
        elif hit is None:
            hit = _figure_entry(c, kpi, filters_for(kpi), options.get(kpi.slug, {}), version, keys[c])
        out.append({"chart": c, "kpi": kpi.slug, "section": kpi.section, "title": CHART_TITLES[c],
                    "pending": False, **hit})
    pending = [c for c in out if c["pending"]]
    if pending:
        costs = cache.get_many([_cost_key(c["kpi"]) for c in pending])
        ranked = sorted(range(len(pending)), key=lambda i: -costs.get(_cost_key(pending[i]["kpi"]), float("inf")))
        for order, i in enumerate(ranked):
            pending[i]["fetch_order"] = order
    return out


def chart_payload(chart: str, filters, options: dict | None = None) -> dict:
    """{chart, title, reading, figure_json} of one chart (cached): what the page fetches for pending charts."""
    kpi = KPIS[CHART_TO_KPI[chart]]
    version = cache_version()
    key = _key(kpi, filters, options or {}, version, part=f"fig:{chart}")
    hit = cache.get(key) or _figure_entry(chart, kpi, filters, options or {}, version, key)
    return {"chart": chart, "title": CHART_TITLES[chart], **hit}


def _figure_entry(chart, kpi, filters, options, version, key) -> dict:
    data = kpi_data(kpi.slug, filters, options, version=version)
    fig = chart_figure(chart, filters, data)
    entry = {"reading": chart_reading(chart, filters, data), "figure_json": fig.to_json()}
    cache.set(key, entry, kpi.ttl)
    return entry


def kpi_rows(slug: str, data: dict) -> list[dict]:
    return KPIS[slug].rows(data)


def rows_columns(rows: list[dict]) -> list[str]:
    cols = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return v
