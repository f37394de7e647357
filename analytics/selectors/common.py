"""What the KPI families share: the filters as database scopes, raw-SQL plumbing and rounding.

The catalog filters become a `Q` on titles (`title_q`, `scoped_titles`, with `scope_types` for
captions); the viewing filters a time window (`viewing_window`). `event_table`, `sql_datetime` and
`fetch_all` serve the KPIs written as one SQL statement. Nothing here reads the cache.
"""
from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import ExpressionWrapper, F, IntegerField, Q
from django.utils import timezone

from analytics.filters import CatalogFilters, ViewingFilters
from catalog.models import Title
from interactions.models import Event

# --- catalog scope ------------------------------------------------------------------------------

def _genre_title_ids(slug):
    return Title.genres.through.objects.filter(genre__slug=slug).values("title_id")


def title_q(f: CatalogFilters, *, prefix: str = "", default_types=None) -> Q:
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


def scoped_titles(f, default_types=None):
    """The titles matching the catalog filters (`default_types` when the filters name no type)."""
    return Title.objects.filter(title_q(f, default_types=default_types))


def scope_types(f, default_types):
    """Which title types a KPI looked at, for captions ('movie' by default for film KPIs)."""
    return [f.title_type] if f.title_type else list(default_types or [])


def decade_expr(field):
    """The decade (1990 for 1994) of an integer year column, in SQL."""
    return ExpressionWrapper(F(field) / 10 * 10, output_field=IntegerField())


# --- numbers ------------------------------------------------------------------------------------

def as_float(x, nd=None):
    """A database number (Decimal, int, None) as a float, rounded to `nd` places when given."""
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if nd is not None else x


def share(n, total):
    """n ÷ total, 0.0 when the total is 0."""
    return n / total if total else 0.0


# --- viewing window and raw SQL -----------------------------------------------------------------

def viewing_window(f: ViewingFilters):
    """(since, now): the last `f.days` days, ending now."""
    now = timezone.now()
    return now - dt.timedelta(days=f.days), now


def event_table():
    """The quoted table name of the event log, for raw SQL."""
    return connection.ops.quote_name(Event._meta.db_table)


def sql_datetime(value):
    """A datetime as the database driver wants it in raw SQL parameters."""
    return connection.ops.adapt_datetimefield_value(value)


def fetch_all(sql, params):
    """Run one raw SQL statement and return all its rows."""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()
