"""Every read of the analytics app: KPI numbers aggregated by the database.

Each `kpi_*` function returns plain JSON-able data (ints, floats, strings, lists, dicts) computed
with ORM aggregates (GROUP BY, filtered COUNTs, `TruncDate`, arithmetic on columns), or one SQL
statement where the ORM cannot say it (the recommendation CTR, the distinct-viewer counts of
completion and active viewers) — never by loading a table into Python. Every function issues a
fixed number of queries whatever the catalog size. Results are cached through `kpi_payload`,
keyed by KPI, filters and the analytics cache version
(`analytics.services.analytics_cache_invalidate` bumps it).

Definitions (exact formulas and caveats) are in docs/analytics.md.
"""
from __future__ import annotations

import datetime as dt
import math

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from analytics.filters import CatalogFilters, ViewingFilters
from analytics.models import ViewingDay
from catalog.models import Credit, CreditCategory, Genre, Person, Title, TitleType
from core.models import ModelVersion
from interactions.models import Event, EventKind
from recommendations.models import RecommendationSnapshot

ACTING = (CreditCategory.ACTOR, CreditCategory.ACTRESS)
FILM_TYPES = (TitleType.MOVIE, TitleType.TV_MOVIE)
SERIES_TYPES = (TitleType.TV_SERIES, TitleType.TV_MINI_SERIES)
MOVIE_SCOPE = (TitleType.MOVIE,)
RUNTIME_MIN, RUNTIME_MAX = 1, 600  # minutes; outside is data-entry noise (IMDb has 5,000+ min art films)
AGE_MIN, AGE_MAX = 0, 100  # years; outside is a wrong birth year or a re-release
RUNTIME_BUCKETS = [(None, 90, "< 90 min"), (90, 120, "90–119 min"), (120, 150, "120–149 min"),
                   (150, None, "≥ 150 min")]
SCATTER_MAX_POINTS = 2000
CTR_TOP_K = 10

VERSION_KEY = "analytics:version"
CATALOG_TTL = 60 * 60  # catalog changes only through imports, which invalidate explicitly
VIEWING_TTL = 60  # events arrive all the time; a minute of staleness is fine for a dashboard


# --- scopes -------------------------------------------------------------------------------------

def _genre_title_ids(slug):
    return Title.genres.through.objects.filter(genre__slug=slug).values("title_id")


def _title_q(f: CatalogFilters, *, prefix: str = "", default_types=None) -> Q:
    """Q for titles matching the filters; `prefix` is the path to Title ('' or 'title__')."""
    q = Q()
    types = [f.title_type] if f.title_type else default_types
    if types:
        q &= Q(**{f"{prefix}title_type__in": list(types)})
    if f.year_min is not None:
        q &= Q(**{f"{prefix}start_year__gte": f.year_min})
    if f.year_max is not None:
        q &= Q(**{f"{prefix}start_year__lte": f.year_max})
    if f.genre:
        # A subquery, not a join: grouping by genre later must still see every genre of a title.
        q &= Q(**{f"{prefix}id__in" if prefix == "" else f"{prefix[:-2]}_id__in": _genre_title_ids(f.genre)})
    return q


def _titles(f, default_types=None):
    return Title.objects.filter(_title_q(f, default_types=default_types))


def _scope(f, default_types):
    """Which title types a KPI looked at, for captions ('movie' by default for film KPIs)."""
    return [f.title_type] if f.title_type else list(default_types or [])


def _decade_expr(field):
    return ExpressionWrapper(F(field) / 10 * 10, output_field=IntegerField())


def _f(x, nd=None):
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if nd is not None else x


def _share(n, total):
    return n / total if total else 0.0


# --- catalog KPIs -----------------------------------------------------------------------------

def kpi_actors_top(*, filters: CatalogFilters, top: int = 20) -> dict:
    """Most present actors/actresses (titles credited) and their titles per decade (heatmap).

    The ranking groups credits by person only (no join to people, none to titles unless a filter
    needs it); names, years and decades are then read for the `top` people alone.
    """
    cast = Credit.objects.filter(category__in=ACTING).filter(_title_q(filters, prefix="title__"))
    rows = list(cast.values("person_id").annotate(titles=Count("id")).order_by("-titles", "person_id")[:top])
    ids = [r["person_id"] for r in rows]
    names = dict(Person.objects.filter(id__in=ids).values_list("id", "name")) if ids else {}
    cells = (cast.filter(person_id__in=ids, title__start_year__isnull=False)
             .annotate(decade=_decade_expr("title__start_year"))
             .values("person_id", "decade")
             .annotate(n=Count("id"), first=Min("title__start_year"), last=Max("title__start_year"))
             .order_by()) if ids else []
    by_person, span = {}, {}
    decades = set()
    for c in cells:
        by_person.setdefault(c["person_id"], {})[int(c["decade"])] = c["n"]
        lo, hi = span.get(c["person_id"], (c["first"], c["last"]))
        span[c["person_id"]] = (min(lo, c["first"]), max(hi, c["last"]))
        decades.add(int(c["decade"]))
    actors = [{
        "person_id": r["person_id"], "name": names.get(r["person_id"], "?"), "titles": r["titles"],
        "first_year": span.get(r["person_id"], (None, None))[0], "last_year": span.get(r["person_id"], (None, None))[1],
        "by_decade": [{"decade": d, "titles": n} for d, n in sorted(by_person.get(r["person_id"], {}).items())],
    } for r in rows]
    return {"actors": actors, "decades": sorted(decades), "scope_types": _scope(filters, None)}


def kpi_runtime_by_year(*, filters: CatalogFilters) -> dict:
    """Average runtime per release year, with the number of titles behind each mean."""
    titles = _titles(filters, MOVIE_SCOPE)
    valid = Q(runtime_minutes__gte=RUNTIME_MIN, runtime_minutes__lte=RUNTIME_MAX, start_year__isnull=False)
    years = list(titles.filter(valid).values("start_year")
                 .annotate(total=Sum("runtime_minutes"), n=Count("id")).order_by("start_year"))
    counts = titles.aggregate(all=Count("id"), used=Count("id", filter=valid),
                              no_runtime=Count("id", filter=Q(runtime_minutes__isnull=True)))
    by_decade = {}
    for y in years:
        d = by_decade.setdefault(y["start_year"] // 10 * 10, [0, 0])
        d[0] += int(y["total"])
        d[1] += y["n"]
    used_total = sum(int(y["total"]) for y in years)
    return {
        "years": [{"year": y["start_year"], "avg_runtime": int(y["total"]) / y["n"], "titles": y["n"]} for y in years],
        "decades": [{"decade": d, "avg_runtime": t / n, "titles": n} for d, (t, n) in sorted(by_decade.items())],
        "overall_avg": used_total / counts["used"] if counts["used"] else None,
        "titles_used": counts["used"], "titles_in_scope": counts["all"],
        "titles_without_runtime": counts["no_runtime"],
        "titles_excluded_other": counts["all"] - counts["used"] - counts["no_runtime"],
        "scope_types": _scope(filters, MOVIE_SCOPE),
    }


def kpi_actors_films_series(*, filters: CatalogFilters, top: int = 10) -> dict:
    """Actors in films (movie, tvMovie) vs series (tvSeries, tvMiniSeries). The type filter is ignored.

    One statement: the per-actor counts (built by the ORM) in a CTE, ranked three ways with window
    functions; the totals come from window aggregates over the same rows.
    """
    f = CatalogFilters(year_min=filters.year_min, year_max=filters.year_max, genre=filters.genre)
    is_film = Q(title__title_type__in=FILM_TYPES)
    is_series = Q(title__title_type__in=SERIES_TYPES)
    per = (Credit.objects.filter(category__in=ACTING).filter(_title_q(f, prefix="title__"))
           .filter(is_film | is_series)
           .values("person_id")
           .annotate(films=Count("id", filter=is_film), series=Count("id", filter=is_series))
           .order_by())
    per_sql, params = per.query.sql_with_params()
    q = connection.ops.quote_name
    sql = f"""
        WITH per ({q('pid')}, {q('films')}, {q('series')}) AS ({per_sql}),
        ranked AS (
            SELECT pid, films, series,
                   ROW_NUMBER() OVER (ORDER BY films DESC, pid) AS rf,
                   ROW_NUMBER() OVER (ORDER BY series DESC, pid) AS rs,
                   ROW_NUMBER() OVER (ORDER BY CASE WHEN films > 0 AND series > 0 THEN 0 ELSE 1 END,
                                      films + series DESC, pid) AS rb,
                   COUNT(*) OVER () AS n_all,
                   SUM(CASE WHEN films > 0 AND series = 0 THEN 1 ELSE 0 END) OVER () AS n_films_only,
                   SUM(CASE WHEN films = 0 AND series > 0 THEN 1 ELSE 0 END) OVER () AS n_series_only,
                   SUM(CASE WHEN films > 0 AND series > 0 THEN 1 ELSE 0 END) OVER () AS n_both
            FROM per
        )
        SELECT pid, films, series, rf, rs, rb, n_all, n_films_only, n_series_only, n_both
        FROM ranked WHERE rf <= %s OR rs <= %s OR rb <= %s
    """
    with connection.cursor() as cur:
        cur.execute(sql, [*params, top, top, top])
        rows = cur.fetchall()
    n, films_only, series_only, both = (int(x) for x in rows[0][6:10]) if rows else (0, 0, 0, 0)
    names = dict(Person.objects.filter(id__in=[r[0] for r in rows]).values_list("id", "name")) if rows else {}

    def pick(col, keep):
        chosen = sorted((r for r in rows if r[col] <= top and keep(r)), key=lambda r: r[col])
        return [{"person_id": r[0], "name": names.get(r[0], "?"), "films": int(r[1]), "series": int(r[2])}
                for r in chosen]

    return {
        "actors": n, "films_only": films_only, "series_only": series_only, "both": both,
        "share_films_only": _share(films_only, n), "share_series_only": _share(series_only, n),
        "share_both": _share(both, n),
        "top_films": pick(3, lambda r: r[1] > 0),
        "top_series": pick(4, lambda r: r[2] > 0),
        "top_both": pick(5, lambda r: r[1] > 0 and r[2] > 0),
        "film_types": list(FILM_TYPES), "series_types": list(SERIES_TYPES),
    }


def kpi_actor_age(*, filters: CatalogFilters) -> dict:
    """Average age of actors/actresses at release: title.start_year − person.birth_year (one pass)."""
    cast = Credit.objects.filter(category__in=ACTING).filter(_title_q(filters, prefix="title__"))
    age = ExpressionWrapper(F("title__start_year") - F("person__birth_year"), output_field=IntegerField())
    valid = Q(age__gte=AGE_MIN, age__lte=AGE_MAX)
    groups = list(cast.annotate(age=age).values("title__start_year", "category").annotate(
        total=Sum("age", filter=valid), n=Count("id", filter=valid),
        absurd=Count("id", filter=Q(age__lt=AGE_MIN) | Q(age__gt=AGE_MAX)),
        missing=Count("id", filter=Q(age__isnull=True)),
    ).order_by())
    years, cats = {}, {}
    missing = absurd = 0
    for g in sorted(groups, key=lambda g: (g["title__start_year"] is None, g["title__start_year"] or 0, g["category"])):
        missing += g["missing"]
        absurd += g["absurd"]
        if not g["n"]:
            continue
        y = years.setdefault(g["title__start_year"], {"total": 0, "n": 0})
        y["total"] += int(g["total"])
        y["n"] += g["n"]
        y[g["category"]] = (int(g["total"]), g["n"])
        c = cats.setdefault(g["category"], [0, 0])
        c[0] += int(g["total"])
        c[1] += g["n"]
    n = sum(y["n"] for y in years.values())
    total = sum(y["total"] for y in years.values())

    def avg(pair):
        return pair[0] / pair[1] if pair and pair[1] else None

    by_decade = {}
    for year, y in years.items():
        d = by_decade.setdefault(year // 10 * 10, [0, 0])
        d[0] += y["total"]
        d[1] += y["n"]
    return {
        "overall_avg": total / n if n else None, "credits_used": n,
        "actor_avg": avg(cats.get(CreditCategory.ACTOR)), "actress_avg": avg(cats.get(CreditCategory.ACTRESS)),
        "actor_credits": cats.get(CreditCategory.ACTOR, [0, 0])[1],
        "actress_credits": cats.get(CreditCategory.ACTRESS, [0, 0])[1],
        "excluded_missing_year": missing, "excluded_absurd_age": absurd,
        "years": [{"year": yr, "avg_age": y["total"] / y["n"], "credits": y["n"],
                   "actor_avg": avg(y.get(CreditCategory.ACTOR)), "actress_avg": avg(y.get(CreditCategory.ACTRESS))}
                  for yr, y in sorted(years.items())],
        "decades": [{"decade": d, "avg_age": t / c, "credits": c} for d, (t, c) in sorted(by_decade.items())],
        "scope_types": _scope(filters, None),
    }


def _runtime_bucket(minutes):
    if minutes is None or not (RUNTIME_MIN <= minutes <= RUNTIME_MAX):
        return "unknown"
    for lo, hi, label in RUNTIME_BUCKETS:
        if (lo is None or minutes >= lo) and (hi is None or minutes < hi):
            return label
    return "unknown"  # pragma: no cover


def _compare(top_counts: dict, top_n: int, cat_counts: dict, cat_n: int, limit=10, order=None) -> list:
    keys = order if order is not None else sorted(
        top_counts, key=lambda k: (-top_counts[k], -cat_counts.get(k, 0), str(k)))[:limit]
    out = []
    for k in keys:
        s_top, s_cat = _share(top_counts.get(k, 0), top_n), _share(cat_counts.get(k, 0), cat_n)
        out.append({"key": str(k), "top_count": top_counts.get(k, 0), "top_share": s_top,
                    "catalog_count": cat_counts.get(k, 0), "catalog_share": s_cat,
                    "lift": s_top / s_cat if s_cat else None})
    return out


def kpi_top_rated(*, filters: CatalogFilters, top: int = 20, min_votes: int | None = None) -> dict:
    """Best-rated titles by IMDb weighted rating WR = v/(v+m)·R + m/(v+m)·C, and what they share."""
    scope = _titles(filters, MOVIE_SCOPE)
    rated = scope.filter(imdb_rating__isnull=False, imdb_votes__gt=0)
    agg = rated.aggregate(C=Avg(Cast("imdb_rating", FloatField())), n=Count("id"))
    n_rated, C = agg["n"], _f(agg["C"])
    m_source = "parameter"
    if min_votes is None:
        m_source = "p90"
        if n_rated:
            k = max(math.ceil(0.9 * n_rated) - 1, 0)  # nearest-rank 90th percentile
            min_votes = rated.order_by("imdb_votes").values_list("imdb_votes", flat=True)[k]
        else:
            min_votes = 0
    m = int(min_votes)
    base = {"C": C, "m": m, "m_source": m_source, "rated_titles": n_rated, "titles": [], "eligible": 0,
            "catalog_titles": 0, "genres": [], "decades": [], "runtimes": [], "directors": [], "countries": [],
            "scope_types": _scope(filters, MOVIE_SCOPE)}
    if not n_rated:
        base["catalog_titles"] = scope.count()
        return base
    v = Cast("imdb_votes", FloatField())
    wr = ExpressionWrapper((v * Cast("imdb_rating", FloatField()) + Value(m * C)) / (v + Value(float(m))),
                           output_field=FloatField())
    eligible = rated.filter(imdb_votes__gte=max(m, 1))
    top_rows = list(eligible.annotate(wr=wr).values(
        "id", "primary_title", "start_year", "runtime_minutes", "imdb_rating", "imdb_votes", "wr")
        .order_by("-wr", "-imdb_votes", "id")[:top])
    ids = [r["id"] for r in top_rows]
    counts = scope.aggregate(
        n=Count("id"), eligible=Count("id", filter=Q(imdb_rating__isnull=False, imdb_votes__gte=max(m, 1))),
        **{f"rt{i}": Count("id", filter=Q(runtime_minutes__gte=lo or RUNTIME_MIN, runtime_minutes__lt=(hi or RUNTIME_MAX + 1)))
           for i, (lo, hi, _) in enumerate(RUNTIME_BUCKETS)})
    cat_n, top_n = counts["n"], len(ids)
    base.update(catalog_titles=cat_n, eligible=counts["eligible"])
    base["titles"] = [{"title_id": r["id"], "title": r["primary_title"], "year": r["start_year"],
                       "runtime_minutes": r["runtime_minutes"], "rating": _f(r["imdb_rating"]),
                       "votes": r["imdb_votes"], "weighted_rating": _f(r["wr"])} for r in top_rows]

    through_g, through_c = Title.genres.through.objects, Title.countries.through.objects
    scope_ids = scope.values("id")
    g_top = dict(through_g.filter(title_id__in=ids).values_list("genre__name").annotate(n=Count("title_id")))
    g_cat = dict(through_g.filter(title_id__in=scope_ids, genre__name__in=list(g_top))
                 .values_list("genre__name").annotate(n=Count("title_id")))
    base["genres"] = _compare(g_top, top_n, g_cat, cat_n)

    d_top = {}
    for r in top_rows:
        if r["start_year"] is not None:
            d_top[r["start_year"] // 10 * 10] = d_top.get(r["start_year"] // 10 * 10, 0) + 1
    d_cat = dict(scope.filter(start_year__isnull=False).annotate(decade=_decade_expr("start_year"))
                 .values_list("decade").annotate(n=Count("id")).order_by())
    d_cat = {int(k): v for k, v in d_cat.items()}
    base["decades"] = _compare(d_top, top_n, d_cat, cat_n, order=sorted(d_top))

    rt_top = {}
    for r in top_rows:
        b = _runtime_bucket(r["runtime_minutes"])
        rt_top[b] = rt_top.get(b, 0) + 1
    rt_cat = {label: counts[f"rt{i}"] for i, (_, _, label) in enumerate(RUNTIME_BUCKETS)}
    rt_cat["unknown"] = cat_n - sum(rt_cat.values())
    labels = [b[2] for b in RUNTIME_BUCKETS] + ["unknown"]
    base["runtimes"] = _compare(rt_top, top_n, rt_cat, cat_n, order=[x for x in labels if x in rt_top or x != "unknown"])

    directors = Credit.objects.filter(category=CreditCategory.DIRECTOR)
    dir_top = list(directors.filter(title_id__in=ids).values("person_id", "person__name")
                   .annotate(n=Count("title_id", distinct=True)).order_by("-n", "person__name")[:10])
    dir_cat = dict(directors.filter(person_id__in=[d["person_id"] for d in dir_top], title_id__in=scope_ids)
                   .values_list("person_id").annotate(n=Count("title_id", distinct=True)).order_by())
    names = {d["person_id"]: d["person__name"] for d in dir_top}
    cmp_dirs = _compare({d["person_id"]: d["n"] for d in dir_top}, top_n, dir_cat, cat_n,
                        order=[d["person_id"] for d in dir_top])
    for row in cmp_dirs:
        row["key"] = names[int(row["key"])]
    base["directors"] = cmp_dirs

    c_top = dict(through_c.filter(title_id__in=ids).values_list("country__name").annotate(n=Count("title_id")))
    c_cat = dict(through_c.filter(title_id__in=scope_ids, country__name__in=list(c_top))
                 .values_list("country__name").annotate(n=Count("title_id")))
    base["countries"] = _compare(c_top, top_n, c_cat, cat_n)
    return base


def kpi_catalog_size(*, filters: CatalogFilters, top: int = 20) -> dict:
    """Catalog size by title type, genre, decade and country."""
    titles = _titles(filters)
    total = titles.count()
    labels = dict(TitleType.choices)
    by_type = [{"key": t, "label": str(labels.get(t, t)), "titles": n}
               for t, n in titles.values_list("title_type").annotate(n=Count("id")).order_by("-n", "title_type")]
    ids = titles.values("id")
    by_genre = [{"key": g, "label": g, "titles": n} for g, n in
                Title.genres.through.objects.filter(title_id__in=ids).values_list("genre__name")
                .annotate(n=Count("title_id")).order_by("-n", "genre__name")[:top]]
    by_country = [{"key": c, "label": c, "titles": n} for c, n in
                  Title.countries.through.objects.filter(title_id__in=ids).values_list("country__name")
                  .annotate(n=Count("title_id")).order_by("-n", "country__name")[:top]]
    decades = titles.filter(start_year__isnull=False).annotate(decade=_decade_expr("start_year"))
    by_decade = [{"key": str(int(d)), "label": f"{int(d)}s", "titles": n}
                 for d, n in decades.values_list("decade").annotate(n=Count("id")).order_by("decade")]
    no_year = total - sum(d["titles"] for d in by_decade)
    return {"total": total, "by_type": by_type, "by_genre": by_genre, "by_decade": by_decade,
            "by_country": by_country, "without_year": no_year}


def kpi_budget_revenue(*, filters: CatalogFilters) -> dict:
    """Budget vs revenue vs rating for titles with known (non-zero) TMDB budget and revenue."""
    known = _titles(filters).filter(budget__gt=0, revenue__gt=0)
    rating = Coalesce(Cast("imdb_rating", FloatField()), F("tmdb_vote_average"), output_field=FloatField())
    known = known.annotate(rating=rating)
    good = Q(rating__gte=7)
    agg = known.aggregate(
        n=Count("id"), sum_budget=Sum(Cast("budget", FloatField())), sum_revenue=Sum(Cast("revenue", FloatField())),
        profitable=Count("id", filter=Q(revenue__gt=F("budget"))),
        good_budget=Sum(Cast("budget", FloatField()), filter=good),
        good_revenue=Sum(Cast("revenue", FloatField()), filter=good), good_n=Count("id", filter=good),
        other_budget=Sum(Cast("budget", FloatField()), filter=~good | Q(rating__isnull=True)),
        other_revenue=Sum(Cast("revenue", FloatField()), filter=~good | Q(rating__isnull=True)))
    points = list(known.values("id", "primary_title", "start_year", "budget", "revenue", "rating")
                  .order_by(F("imdb_votes").desc(nulls_last=True), F("tmdb_vote_count").desc(nulls_last=True),
                            "-revenue", "id")[:SCATTER_MAX_POINTS])

    def ratio(r, b):
        return float(r) / float(b) if r and b else None

    return {
        "titles": agg["n"], "points_shown": len(points), "points_max": SCATTER_MAX_POINTS,
        "total_budget": _f(agg["sum_budget"]) or 0.0, "total_revenue": _f(agg["sum_revenue"]) or 0.0,
        "revenue_to_budget": ratio(agg["sum_revenue"], agg["sum_budget"]),
        "share_profitable": _share(agg["profitable"], agg["n"]),
        "rated_7_plus": agg["good_n"],
        "revenue_to_budget_rated_7_plus": ratio(agg["good_revenue"], agg["good_budget"]),
        "revenue_to_budget_others": ratio(agg["other_revenue"], agg["other_budget"]),
        "points": [{"title_id": p["id"], "title": p["primary_title"], "year": p["start_year"],
                    "budget": int(p["budget"]), "revenue": int(p["revenue"]), "rating": _f(p["rating"], 2)}
                   for p in points],
    }


# --- viewing KPIs -------------------------------------------------------------------------------

def _since(f: ViewingFilters):
    now = timezone.now()
    return now - dt.timedelta(days=f.days), now


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the site's time zone (the days of `TruncDate`)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _rolled_days(since, now):
    """({day: ViewingDay}, (start, end) or None): the window's whole closed days that have a
    roll-up, as one run of consecutive days ending at the latest of them, and the time range
    they cover. Every other part of the window is scanned in the event log."""
    first = timezone.localtime(since).date() + dt.timedelta(days=1)  # the window's first whole day
    last = timezone.localtime(now).date() - dt.timedelta(days=1)
    if first > last:
        return {}, None
    rows = {r.day: r for r in ViewingDay.objects.filter(day__gte=first, day__lte=last)}
    if not rows:
        return {}, None
    end = start = max(rows)
    while start - dt.timedelta(days=1) in rows:
        start -= dt.timedelta(days=1)
    run = {d: r for d, r in rows.items() if start <= d <= end}
    return run, (day_start(start), day_start(end + dt.timedelta(days=1)))


def _window_events(since, covered):
    """Events of the window outside the rolled-up range (two index ranges, not one filtered scan)."""
    if covered is None:
        return Event.objects.filter(server_ts__gte=since)
    lo, hi = covered
    return Event.objects.filter(Q(server_ts__gte=since, server_ts__lt=lo) | Q(server_ts__gte=hi))


def _day_range(since, now):
    d, end, out = since.date(), now.date(), []
    while d <= end:
        out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def kpi_events_per_day(*, filters: ViewingFilters) -> dict:
    """Events per day and kind: closed days from their roll-up (`ViewingDay`), the rest scanned."""
    since, now = _since(filters)
    run, covered = _rolled_days(since, now)
    rows = (_window_events(since, covered).annotate(day=TruncDate("server_ts"))
            .values("day", "kind").annotate(n=Count("id")).order_by("day", "kind"))
    days = {}
    totals = {}
    counts = [(r["day"], r["kind"], r["n"]) for r in rows]
    counts += [(d, kind, n) for d, row in run.items() for kind, n in row.events.items()]
    for day, kind, n in counts:
        day = day.isoformat() if hasattr(day, "isoformat") else str(day)
        days.setdefault(day, {})[kind] = days.get(day, {}).get(kind, 0) + n
        totals[kind] = totals.get(kind, 0) + n
    kinds = [k for k, _ in EventKind.choices]
    return {
        "since": since.isoformat(), "until": now.isoformat(), "kinds": kinds,
        "days": [{"day": d, **{k: days.get(d, {}).get(k, 0) for k in kinds}} for d in _day_range(since, now)],
        "totals": {k: totals.get(k, 0) for k in kinds}, "events": sum(totals.values()),
    }


def _title_names(ids):
    return dict(Title.objects.filter(id__in=list(ids)).values_list("id", "primary_title"))


def _event_table():
    return connection.ops.quote_name(Event._meta.db_table)


def _ts(value):
    return connection.ops.adapt_datetimefield_value(value)


def _fetch(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# Completion and the active-viewer windows are raw SQL because each counts *distinct viewers* in
# two steps the ORM cannot say (a GROUP BY over a grouped subquery): first each (title, viewer) or
# viewer once — a hash aggregate — then per title or window. `Count(..., distinct=True)` sorts
# every group instead, and a separate `.aggregate()` for completion's totals ran the whole scan a
# second time: at 100 M events, 770 → 500 ms and 645 → 140 ms (docs/benchmarks.md). The same
# form does not help watched/abandoned, whose cost is its "never finished" probe per close.

def kpi_completion(*, filters: ViewingFilters, top: int = 15, min_starters: int = 1) -> dict:
    """Completion = distinct viewers with a full_watch ÷ distinct viewers with a play, per title and overall."""
    since, _ = _since(filters)
    sql = f"""
        WITH pairs AS (
            SELECT title_id, user_id, kind FROM {_event_table()}
            WHERE server_ts >= %s AND kind IN (%s, %s)
            GROUP BY title_id, user_id, kind
        ), per_title AS (
            SELECT title_id, SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS starters,
                   SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS finishers
            FROM pairs GROUP BY title_id
        )
        SELECT NULL, SUM(starters), SUM(finishers) FROM per_title
        UNION ALL
        SELECT * FROM (SELECT title_id, starters, finishers FROM per_title WHERE starters >= %s
                       ORDER BY starters DESC, finishers DESC, title_id LIMIT %s) top_titles"""
    rows = _fetch(sql, [_ts(since), EventKind.PLAY, EventKind.FULL_WATCH, EventKind.PLAY, EventKind.FULL_WATCH,
                        min_starters, top])
    totals = next((r for r in rows if r[0] is None), (None, 0, 0))
    rows = sorted(((int(t), int(st), int(fi)) for t, st, fi in rows if t is not None),
                  key=lambda r: (-r[1], -r[2], r[0]))
    names = _title_names(t for t, _, _ in rows)
    s, fw = int(totals[1] or 0), int(totals[2] or 0)
    return {
        "starters": s, "finishers": fw, "completion_rate": fw / s if s else None,
        "titles": [{"title_id": t, "title": names.get(t, "?"), "starters": st, "finishers": fi,
                    "completion_rate": fi / st if st else None} for t, st, fi in rows],
    }


def kpi_watched_abandoned(*, filters: ViewingFilters, top: int = 10) -> dict:
    """Most watched (viewers with a full_watch) and most abandoned (a close, never a full_watch) titles."""
    since, _ = _since(filters)
    recent = Event.objects.filter(server_ts__gte=since)
    watched = list(recent.filter(kind=EventKind.FULL_WATCH).values("title_id")
                   .annotate(viewers=Count("user_id", distinct=True), events=Count("id"))
                   .order_by("-viewers", "-events", "title_id")[:top])
    from django.db.models import Exists, OuterRef
    finished = Event.objects.filter(user_id=OuterRef("user_id"), title_id=OuterRef("title_id"),
                                    kind=EventKind.FULL_WATCH)
    abandoned = list(recent.filter(kind=EventKind.CLOSE).filter(~Exists(finished)).values("title_id")
                     .annotate(viewers=Count("user_id", distinct=True), events=Count("id"))
                     .order_by("-viewers", "-events", "title_id")[:top])
    names = _title_names({r["title_id"] for r in watched} | {r["title_id"] for r in abandoned})

    def fmt(rows):
        return [{"title_id": r["title_id"], "title": names.get(r["title_id"], "?"), "viewers": r["viewers"],
                 "events": r["events"]} for r in rows]

    return {"most_watched": fmt(watched), "most_abandoned": fmt(abandoned)}


def kpi_active_viewers(*, filters: ViewingFilters) -> dict:
    """Distinct viewers per day (closed days from their roll-up) and over the last 1, 7, 30 days."""
    since, now = _since(filters)
    run, covered = _rolled_days(since, now)
    per_day = {d.isoformat(): row.viewers for d, row in run.items()}
    for r in (_window_events(since, covered).annotate(day=TruncDate("server_ts")).values("day")
              .annotate(n=Count("user_id", distinct=True)).order_by("day")):
        per_day[r["day"].isoformat() if hasattr(r["day"], "isoformat") else str(r["day"])] = r["n"]
    # Each viewer of the last 30 days once, with their latest event (one hash aggregate), then the
    # three windows counted over those rows — instead of three sorted COUNT(DISTINCT)s.
    d1, d7, d30 = (_ts(now - dt.timedelta(days=n)) for n in (1, 7, 30))
    (w1, w7, w30), = _fetch(f"""
        SELECT SUM(CASE WHEN last_at >= %s THEN 1 ELSE 0 END), SUM(CASE WHEN last_at >= %s THEN 1 ELSE 0 END),
               COUNT(*)
        FROM (SELECT user_id, MAX(server_ts) AS last_at FROM {_event_table()} WHERE server_ts >= %s
              GROUP BY user_id) viewers""", [d1, d7, d30])
    return {"days": [{"day": d, "viewers": per_day.get(d, 0)} for d in _day_range(since, now)],
            "last_1_day": int(w1 or 0), "last_7_days": int(w7 or 0), "last_30_days": int(w30 or 0)}


def _ctr_sql() -> str:
    snap = connection.ops.quote_name(RecommendationSnapshot._meta.db_table)
    event = connection.ops.quote_name(Event._meta.db_table)
    if connection.vendor == "postgresql":
        # Malformed rows (not a list, non-numeric ids) are skipped rather than failing the query.
        items = ("jsonb_array_elements(CASE WHEN jsonb_typeof(s.items::jsonb) = 'array' THEN s.items::jsonb "
                 "ELSE '[]'::jsonb END) WITH ORDINALITY AS it(value, pos)")
        title = ("CASE WHEN jsonb_typeof(it.value) = 'object' AND (it.value->>'title_id') ~ '^[0-9]{1,18}$' "
                 "THEN CAST(it.value->>'title_id' AS BIGINT) END")
        pos = "it.pos - 1"
    elif connection.vendor == "sqlite":
        items = "json_each(CASE WHEN json_valid(s.items) AND json_type(s.items) = 'array' THEN s.items ELSE '[]' END) AS it"
        tid = "json_extract(it.value, '$.title_id')"
        title = (f"CASE WHEN it.type = 'object' AND (json_type(it.value, '$.title_id') = 'integer' OR "
                 f"(json_type(it.value, '$.title_id') = 'text' AND {tid} <> '' AND {tid} NOT GLOB '*[^0-9]*')) "
                 f"THEN CAST({tid} AS INTEGER) END")
        pos = "CAST(it.key AS INTEGER)"
    else:  # pragma: no cover - the project supports SQLite and PostgreSQL only
        raise NotImplementedError(connection.vendor)
    # One statement: each (viewer, list, title) once with its first recommendation time and whether
    # a play/full_watch followed; then per list, and per (viewer, title) across lists (a pair is
    # converted overall iff it is converted for the list that recommended it first).
    return f"""
        WITH recs AS (
            SELECT s.user_id AS user_id, s.reason AS reason, {title} AS title_id, MIN(s.created_at) AS first_at
            FROM {snap} s, {items}
            WHERE s.created_at >= %s AND {pos} < %s
            GROUP BY s.user_id, s.reason, {title}
        ),
        conv AS (
            SELECT user_id, reason, title_id,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM {event} e
                       WHERE e.user_id = recs.user_id AND e.title_id = recs.title_id
                         AND e.kind IN (%s, %s) AND e.server_ts > recs.first_at
                   ) THEN 1 ELSE 0 END AS converted
            FROM recs WHERE title_id IS NOT NULL
        )
        SELECT reason, COUNT(*), SUM(converted) FROM conv GROUP BY reason
        UNION ALL
        SELECT NULL, COUNT(*), SUM(c) FROM (SELECT user_id, title_id, MAX(converted) AS c FROM conv
                                            GROUP BY user_id, title_id) pairs
    """


def kpi_recommendation_ctr(*, filters: ViewingFilters, k: int = CTR_TOP_K) -> dict:
    """Share of (viewer, recommended title) pairs the viewer later played or watched."""
    since, _ = _since(filters)
    params = [_ts(since), k, EventKind.PLAY, EventKind.FULL_WATCH]
    snaps = RecommendationSnapshot.objects.filter(created_at__gte=since).aggregate(
        n=Count("id"), viewers=Count("user_id", distinct=True))
    out = {"k": k, "snapshots": snaps["n"], "viewers": snaps["viewers"], "pairs": 0, "converted": 0,
           "ctr": None, "by_reason": []}
    if not snaps["n"]:
        return out
    labels = dict(RecommendationSnapshot.Reason.choices)
    for reason, pairs, converted in _fetch(_ctr_sql(), params):
        pairs, converted = int(pairs or 0), int(converted or 0)
        if reason is None:
            out["pairs"], out["converted"] = pairs, converted
            out["ctr"] = converted / pairs if pairs else None
        else:
            out["by_reason"].append({"reason": reason, "label": str(labels.get(reason, reason)), "pairs": pairs,
                                     "converted": converted, "ctr": converted / pairs if pairs else None})
    out["by_reason"].sort(key=lambda r: r["reason"])
    return out


def _flatten_metrics(metrics, prefix=""):
    out = {}
    if not isinstance(metrics, dict):
        return out
    for k, v in metrics.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float) and math.isfinite(v):
            out[key] = float(v)
        elif isinstance(v, dict) and not prefix:  # one level of nesting: {"test": {"ndcg@10": …}}
            out.update(_flatten_metrics(v, prefix=f"{key}."))
    return out


def kpi_model_metrics(*, filters: ViewingFilters | None = None, per_name: int = 50) -> dict:
    """Numeric metrics of every model version (recommender, popularity), oldest first."""
    names = [n for n, _ in ModelVersion.Name.choices]
    rows = list(ModelVersion.objects.order_by("-created_at", "-id")
                .values("name", "version", "status", "is_active", "created_at", "metrics")[:per_name * len(names)])
    models = []
    for name in names:
        versions = [r for r in reversed(rows) if r["name"] == name][-per_name:]
        keys = sorted({k for r in versions for k in _flatten_metrics(r["metrics"])})
        models.append({
            "name": name, "metric_names": keys,
            "versions": [{"version": r["version"], "status": r["status"], "is_active": r["is_active"],
                          "created_at": r["created_at"].isoformat(),
                          "metrics": [{"name": k, "value": v} for k, v in sorted(_flatten_metrics(r["metrics"]).items())]}
                         for r in versions],
        })
    return {"models": models}


def genre_choices() -> list[tuple[str, str]]:
    """(slug, name) of every genre, for the dashboard's filter form (cached with the KPIs)."""
    key = f"analytics:v{cache_version()}:genres"
    hit = cache.get(key)
    if hit is None:
        hit = list(Genre.objects.order_by("name").values_list("slug", "name"))
        cache.set(key, hit, CATALOG_TTL)
    return hit


# --- caching --------------------------------------------------------------------------------------

def cache_version() -> int:
    v = cache.get(VERSION_KEY)
    if v is None:
        cache.add(VERSION_KEY, 1, None)
        v = cache.get(VERSION_KEY) or 1
    return int(v)


def kpi_cache_key(*, slug: str, filters, options: dict | None, version: int, part: str = "data") -> str:
    opts = ",".join(f"{k}={v}" for k, v in sorted((options or {}).items()))
    return f"analytics:v{version}:{part}:{slug}:{filters.cache_key()}:{opts}"
