"""How events become one training weight per (user, title) — the one place that decides it.

Prototype scores (inherited): thumbnail click = 1, play = 2, close = 2, skip = 3, full watch = 4.
Explicit ratings (1–5 stars, 0.5 steps in MovieLens) are a separate kind.

The choice, documented in docs/interactions.md:

* Implicit events combine by **max**, not sum: ten thumbnail clicks are not worth a full watch,
  and a viewer who pauses/resumes often (many `play` events) is not over-weighted.
* Each **re-watch** (full watch after the first) adds +1, capped at +2: rewatching is the
  strongest implicit signal there is.
* An explicit **rating overrides** the implicit signal (the latest rating wins): a viewer who
  watched to the end and then gave 1 star did not like the film. Ratings keep their 1–5 scale,
  so implicit (1–6) and explicit weights live on comparable scales.
* The weight is a pure function of three stored numbers (`implicit_score`, `full_watches`,
  `rating`), so the aggregate row can be updated incrementally — in Python for live events and
  with the same arithmetic in SQL (`WEIGHT_SQL`) for bulk imports.
"""
EVENT_SCORES = {
    "thumbnail_click": 1.0,
    "play": 2.0,
    "close": 2.0,
    "skip": 3.0,
    "full_watch": 4.0,
}
REWATCH_BONUS = 1.0
REWATCH_BONUS_CAP = 2.0
RATING_MIN, RATING_MAX = 0.5, 5.0


def event_score(kind: str) -> float:
    """Prototype score of an implicit event kind (0 for `rating`, which is explicit)."""
    return EVENT_SCORES.get(kind, 0.0)


def interaction_weight(*, implicit_score: float, full_watches: int, rating: float | None) -> float:
    """Training weight of one (user, title) pair."""
    if rating is not None:
        return float(rating)
    bonus = min(REWATCH_BONUS * max(full_watches - 1, 0), REWATCH_BONUS_CAP)
    return float(implicit_score) + (bonus if implicit_score > 0 else 0.0)


# The same function in SQL, for bulk upserts (columns of interactions_interaction).
WEIGHT_SQL = (
    "CASE WHEN {rating} IS NOT NULL THEN {rating} "
    "WHEN {implicit} > 0 THEN {implicit} + LEAST(GREATEST({full} - 1, 0) * 1.0, 2.0) "
    "ELSE {implicit} END"
)


def weight_sql(*, rating: str, implicit: str, full: str, vendor: str) -> str:
    """WEIGHT_SQL over the given SQL expressions, in the database's dialect (SQLite's scalar
    MAX/MIN for GREATEST/LEAST)."""
    sql = WEIGHT_SQL.format(rating=rating, implicit=implicit, full=full)
    return sql if vendor == "postgresql" else sql.replace("GREATEST(", "MAX(").replace("LEAST(", "MIN(")
