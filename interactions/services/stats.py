"""Per-title counts (`TitleStats`): viewers and ratings over the live aggregate and the imports.

Popularity ("most watched", the no-model fallback, the home page rows) used to count the
`Interaction` rows of every title on every request; with the Netflix Prize imported that is a
GROUP BY over 100 M rows. The counts change slowly, so they are recomputed set-based in one
transaction after every ratings import and hourly by beat (`netfloox/schedule.py`), and read
from a 17,770-row table. A pair present in both tables counts once.
"""
from django.db import connection, transaction
from django.utils import timezone

from interactions.models import ImportedRating, Interaction, TitleStats

_STATS = TitleStats._meta.db_table
_INTER = Interaction._meta.db_table
_RATING = ImportedRating._meta.db_table


@transaction.atomic
def title_stats_refresh() -> int:
    """Recompute every title's counts; returns the number of titles with a signal."""
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {_STATS}")
        cur.execute(f"""
            INSERT INTO {_STATS} (title_id, viewers, ratings, rating_sum, refreshed_at)
            SELECT title_id, sum(viewers), sum(ratings), sum(rating_sum), %s FROM (
                SELECT title_id, count(*) AS viewers, count(rating) AS ratings,
                       coalesce(sum(rating), 0) AS rating_sum
                FROM {_INTER} WHERE NOT hidden GROUP BY title_id
                UNION ALL
                SELECT h.title_id, count(*), count(*), sum(h.rating_halves) / 2.0
                FROM {_RATING} h
                WHERE NOT EXISTS (SELECT 1 FROM {_INTER} i WHERE i.user_id = h.user_id AND i.title_id = h.title_id)
                GROUP BY h.title_id
            ) parts GROUP BY title_id""", [now])
        return cur.rowcount
