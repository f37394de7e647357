"""Catalog KPIs: the titles themselves (runtime, best rated, size, budget vs revenue), and the
genre list of the dashboard's filter form.

Each `kpi_*` function aggregates titles in the database (see `analytics.selectors`) and returns
plain JSON-able data. Definitions in docs/analytics.md.
"""
from __future__ import annotations

import math

from django.core.cache import cache
from django.db.models import Avg, Count, ExpressionWrapper, F, FloatField, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce

from analytics.filters import CatalogFilters
from analytics.selectors.cache import CATALOG_TTL, cache_version
from analytics.selectors.common import as_float, decade_expr, scope_types, scoped_titles, share
from catalog.models import Credit, CreditCategory, Genre, Title, TitleType

MOVIE_SCOPE = (TitleType.MOVIE,)
RUNTIME_MIN, RUNTIME_MAX = 1, 600  # minutes; outside is data-entry noise (IMDb has 5,000+ min art films)
RUNTIME_BUCKETS = [(None, 90, "< 90 min"), (90, 120, "90–119 min"), (120, 150, "120–149 min"),
                   (150, None, "≥ 150 min")]
SCATTER_MAX_POINTS = 2000


def kpi_runtime_by_year(*, filters: CatalogFilters) -> dict:
    """Average runtime per release year, with the number of titles behind each mean."""
    titles = scoped_titles(filters, MOVIE_SCOPE)
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
        "scope_types": scope_types(filters, MOVIE_SCOPE),
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
        s_top, s_cat = share(top_counts.get(k, 0), top_n), share(cat_counts.get(k, 0), cat_n)
        out.append({"key": str(k), "top_count": top_counts.get(k, 0), "top_share": s_top,
                    "catalog_count": cat_counts.get(k, 0), "catalog_share": s_cat,
                    "lift": s_top / s_cat if s_cat else None})
    return out


def kpi_top_rated(*, filters: CatalogFilters, top: int = 20, min_votes: int | None = None) -> dict:
    """Best-rated titles by IMDb weighted rating WR = v/(v+m)·R + m/(v+m)·C, and what they share."""
    scope = scoped_titles(filters, MOVIE_SCOPE)
    rated = scope.filter(imdb_rating__isnull=False, imdb_votes__gt=0)
    agg = rated.aggregate(C=Avg(Cast("imdb_rating", FloatField())), n=Count("id"))
    n_rated, C = agg["n"], as_float(agg["C"])
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
            "scope_types": scope_types(filters, MOVIE_SCOPE)}
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
                       "runtime_minutes": r["runtime_minutes"], "rating": as_float(r["imdb_rating"]),
                       "votes": r["imdb_votes"], "weighted_rating": as_float(r["wr"])} for r in top_rows]

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
    d_cat = dict(scope.filter(start_year__isnull=False).annotate(decade=decade_expr("start_year"))
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
    titles = scoped_titles(filters)
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
    decades = titles.filter(start_year__isnull=False).annotate(decade=decade_expr("start_year"))
    by_decade = [{"key": str(int(d)), "label": f"{int(d)}s", "titles": n}
                 for d, n in decades.values_list("decade").annotate(n=Count("id")).order_by("decade")]
    no_year = total - sum(d["titles"] for d in by_decade)
    return {"total": total, "by_type": by_type, "by_genre": by_genre, "by_decade": by_decade,
            "by_country": by_country, "without_year": no_year}


def kpi_budget_revenue(*, filters: CatalogFilters) -> dict:
    """Budget vs revenue vs rating for titles with known (non-zero) TMDB budget and revenue."""
    known = scoped_titles(filters).filter(budget__gt=0, revenue__gt=0)
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
        "total_budget": as_float(agg["sum_budget"]) or 0.0, "total_revenue": as_float(agg["sum_revenue"]) or 0.0,
        "revenue_to_budget": ratio(agg["sum_revenue"], agg["sum_budget"]),
        "share_profitable": share(agg["profitable"], agg["n"]),
        "rated_7_plus": agg["good_n"],
        "revenue_to_budget_rated_7_plus": ratio(agg["good_revenue"], agg["good_budget"]),
        "revenue_to_budget_others": ratio(agg["other_revenue"], agg["other_budget"]),
        "points": [{"title_id": p["id"], "title": p["primary_title"], "year": p["start_year"],
                    "budget": int(p["budget"]), "revenue": int(p["revenue"]), "rating": as_float(p["rating"], 2)}
                   for p in points],
    }


def genre_choices() -> list[tuple[str, str]]:
    """(slug, name) of every genre, for the dashboard's filter form (cached with the KPIs)."""
    key = f"analytics:v{cache_version()}:genres"
    hit = cache.get(key)
    if hit is None:
        hit = list(Genre.objects.order_by("name").values_list("slug", "name"))
        cache.set(key, hit, CATALOG_TTL)
    return hit
