"""The interactions app's answers to other apps' signals (connected in `InteractionsConfig.ready`)."""
from django.db import connection

from interactions import scoring
from interactions.models import ImportedRating, Interaction


def on_titles_merging(sender, *, keep_id, drop_id, **kwargs):
    """Two catalog titles become one: a viewer who has a row on both keeps one, which folds the
    two — the aggregate sums its counts and keeps the strongest signal and the latest rating;
    of two imported ratings the later one stays. Events need nothing (no per-title uniqueness):
    the catalog moves them."""
    keep_rows = {i.user_id: i for i in Interaction.objects.filter(title_id=keep_id)}
    both = Interaction.objects.filter(title_id=drop_id, user_id__in=list(keep_rows))
    for d in both:
        k = keep_rows[d.user_id]
        later = d if d.last_at > k.last_at else k
        k.implicit_score = max(k.implicit_score, d.implicit_score)
        k.event_count += d.event_count
        k.full_watches += d.full_watches
        k.rating = later.rating if later.rating is not None else (k.rating if k.rating is not None else d.rating)
        k.first_at, k.last_at = min(k.first_at, d.first_at), max(k.last_at, d.last_at)
        k.hidden = k.hidden and d.hidden
        k.weight = scoring.interaction_weight(implicit_score=k.implicit_score, full_watches=k.full_watches,
                                              rating=k.rating)
        k.save()
    both.delete()

    table = connection.ops.quote_name(ImportedRating._meta.db_table)
    with connection.cursor() as cur:  # the newer of two imported ratings of one viewer wins
        cur.execute(f"""UPDATE {table} SET rated_at = d.rated_at, rating_halves = d.rating_halves, source = d.source
                        FROM {table} d
                        WHERE {table}.title_id = %s AND d.title_id = %s AND d.user_id = {table}.user_id
                          AND d.rated_at > {table}.rated_at""", [keep_id, drop_id])
        cur.execute(f"""DELETE FROM {table} WHERE title_id = %s AND user_id IN
                        (SELECT user_id FROM {table} k WHERE k.title_id = %s)""", [drop_id, keep_id])
