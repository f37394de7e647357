"""Synthetic film records with a *planted* rating relation (tests, demos, smoke checks).

rating = 6.2 + 0.9*[Drama] - 1.1*[Horror] + director effect (N(0, 0.8) per director)
         + 0.35 * (log budget - 16) + N(0, noise)

Actors, writers, producers, runtime, year, country, language and title are drawn at random and
carry no signal, so a correct model must rank directors, genres and budget on top.
"""
from __future__ import annotations

import numpy as np

from .schema import normalize_record

GENRES = ("Drama", "Horror", "Comedy", "Action", "Romance", "Thriller", "Sci-Fi", "Family")
COUNTRIES = ("USA", "UK", "France", "Germany", "Japan", "India")
LANGUAGES = ("English", "French", "German", "Japanese", "Hindi")
WORDS = ("night", "river", "love", "last", "dark", "city", "dream", "king", "road", "secret")
PLANTED = {"Drama": 0.9, "Horror": -1.1, "budget_slope": 0.35, "director_sd": 0.8, "intercept": 6.2}


def director_effects(n_directors: int = 60, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    return {f"Director {i:03d}": float(e) for i, e in enumerate(rng.normal(0, PLANTED["director_sd"], n_directors))}


def make_synthetic(n: int = 600, *, seed: int = 0, noise: float = 0.45, n_directors: int = 60,
                   n_actors: int = 400, effects_seed: int = 0, with_rating: bool = True) -> list[dict]:
    """``n`` canonical records.  Director effects depend only on ``effects_seed`` so train/test
    sets drawn with different ``seed`` share the same planted relation."""
    effects = director_effects(n_directors, effects_seed)
    names = list(effects)
    rng = np.random.default_rng(seed + 10_000)
    out = []
    for i in range(n):
        k = rng.integers(1, 4)
        genres = list(rng.choice(GENRES, size=k, replace=False))
        director = names[rng.integers(len(names))]
        log_budget = rng.normal(16.0, 1.5)
        budget = float(np.expm1(log_budget)) if rng.random() > 0.08 else None
        rating = (PLANTED["intercept"] + PLANTED["Drama"] * ("Drama" in genres)
                  + PLANTED["Horror"] * ("Horror" in genres) + effects[director]
                  + PLANTED["budget_slope"] * ((log_budget if budget is not None else 16.0) - 16.0)
                  + rng.normal(0, noise))
        rec = {
            "title": " ".join(rng.choice(WORDS, size=rng.integers(1, 4))).title() + f" {i}",
            "type": "movie",
            "year": float(rng.integers(1970, 2024)),
            "runtime": float(rng.integers(80, 160)),
            "budget": budget,
            "genres": genres,
            "directors": [director],
            "writers": [f"Writer {rng.integers(200):03d}"],
            "producers": [],
            "actors": [f"Actor {a:04d}" for a in rng.choice(n_actors, size=3, replace=False)],
            "country": str(rng.choice(COUNTRIES)),
            "language": str(rng.choice(LANGUAGES)),
        }
        if with_rating:
            rec["rating"] = float(np.clip(rating, 1.0, 10.0))
        out.append(normalize_record(rec, with_target=with_rating))
    return out
