"""People KPIs: the actors and actresses of the catalog (who is most present, films vs series, age).

Each `kpi_*` function aggregates credits in the database (see `analytics.selectors`) and returns
plain JSON-able data. Definitions in docs/analytics.md.
"""
from __future__ import annotations

from django.db import connection
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Max, Min, Q, Sum

from analytics.filters import CatalogFilters
from analytics.selectors.common import decade_expr, scope_types, share, title_q
from catalog.models import Credit, CreditCategory, Person, TitleType

ACTING = (CreditCategory.ACTOR, CreditCategory.ACTRESS)
FILM_TYPES = (TitleType.MOVIE, TitleType.TV_MOVIE)
SERIES_TYPES = (TitleType.TV_SERIES, TitleType.TV_MINI_SERIES)
AGE_MIN, AGE_MAX = 0, 100  # years; outside is a wrong birth year or a re-release


def kpi_actors_top(*, filters: CatalogFilters, top: int = 20) -> dict:
    """Most present actors/actresses (titles credited) and their titles per decade (heatmap).

    The ranking groups credits by person only (no join to people, none to titles unless a filter
    needs it); names, years and decades are then read for the `top` people alone.
    """
    cast = Credit.objects.filter(category__in=ACTING).filter(title_q(filters, prefix="title__"))
    rows = list(cast.values("person_id").annotate(titles=Count("id")).order_by("-titles", "person_id")[:top])
    ids = [r["person_id"] for r in rows]
    names = dict(Person.objects.filter(id__in=ids).values_list("id", "name")) if ids else {}
    cells = (cast.filter(person_id__in=ids, title__start_year__isnull=False)
             .annotate(decade=decade_expr("title__start_year"))
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
    return {"actors": actors, "decades": sorted(decades), "scope_types": scope_types(filters, None)}


def kpi_actors_films_series(*, filters: CatalogFilters, top: int = 10) -> dict:
    """Actors in films (movie, tvMovie) vs series (tvSeries, tvMiniSeries). The type filter is ignored.

    One statement: the per-actor counts (built by the ORM) in a CTE, ranked three ways with window
    functions; the totals come from window aggregates over the same rows.
    """
    f = CatalogFilters(year_min=filters.year_min, year_max=filters.year_max, genre=filters.genre)
    is_film = Q(title__title_type__in=FILM_TYPES)
    is_series = Q(title__title_type__in=SERIES_TYPES)
    per = (Credit.objects.filter(category__in=ACTING).filter(title_q(f, prefix="title__"))
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
        "share_films_only": share(films_only, n), "share_series_only": share(series_only, n),
        "share_both": share(both, n),
        "top_films": pick(3, lambda r: r[1] > 0),
        "top_series": pick(4, lambda r: r[2] > 0),
        "top_both": pick(5, lambda r: r[1] > 0 and r[2] > 0),
        "film_types": list(FILM_TYPES), "series_types": list(SERIES_TYPES),
    }


def kpi_actor_age(*, filters: CatalogFilters) -> dict:
    """Average age of actors/actresses at release: title.start_year − person.birth_year (one pass)."""
    cast = Credit.objects.filter(category__in=ACTING).filter(title_q(filters, prefix="title__"))
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
        "scope_types": scope_types(filters, None),
    }
