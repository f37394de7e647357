"""Converter from the Kaggle "IMDB 5000" ``movie_metadata.csv`` layout to neutral records.

Only PRE-RELEASE columns are used: director_name, actor_1..3_name (billing order), genres,
duration, budget, title_year, country, language, movie_title.  Never used as inputs: gross,
num_voted_users, num_user_for_reviews, num_critic_for_reviews, *_facebook_likes,
facenumber_in_poster, plot_keywords, aspect_ratio, color, content_rating (the neutral layout has no
field for it) and of course imdb_score, which becomes the target ``rating``.  Rows without a score
are dropped; duplicated rows (same ``movie_imdb_link``) are kept once.  Writers and producers are
not in this file and stay empty.
"""
from __future__ import annotations

import os

import pandas as pd

from .schema import normalize_record

__all__ = ["convert_imdb_metadata", "IMDB_INPUT_COLUMNS"]

IMDB_INPUT_COLUMNS = ("movie_title", "title_year", "duration", "budget", "genres", "director_name",
                      "actor_1_name", "actor_2_name", "actor_3_name", "country", "language")


def convert_imdb_metadata(path: str | os.PathLike) -> list[dict]:
    """Read ``movie_metadata.csv`` and return canonical neutral records (with ``rating``)."""
    m = pd.read_csv(path)
    missing = [c for c in IMDB_INPUT_COLUMNS + ("imdb_score",) if c not in m.columns]
    if missing:
        raise ValueError(f"{os.fspath(path)}: not an IMDB 5000 metadata file (missing columns: {', '.join(missing)})")
    m = m.dropna(subset=["imdb_score"])
    if "movie_imdb_link" in m.columns:
        m = m.drop_duplicates("movie_imdb_link")
    records = []
    for r in m.itertuples(index=False):
        actors = [a for a in (r.actor_1_name, r.actor_2_name, r.actor_3_name) if isinstance(a, str)]
        records.append(normalize_record({
            "title": r.movie_title.replace("\xa0", " ").strip() if isinstance(r.movie_title, str) else None,
            "type": "movie", "year": r.title_year, "runtime": r.duration, "budget": r.budget,
            "genres": r.genres, "directors": r.director_name, "writers": None, "producers": None,
            "actors": actors, "country": r.country, "language": r.language, "rating": r.imdb_score,
        }, with_target=True))
    return records
