"""Features read from the film's own fields: numbers, genres, and type/country/language categories.

``NumericFeatures``   year, runtime, log1p(budget), budget relative to the country's usual budget
                      (budgets are in local currency), list sizes, simple title flags
``GenreBinarizer``    multi-hot genres (rare/unknown genres ignored)
``CategoryGrouper``   type/country/language as pandas categoricals, rare values -> "other", unseen
                      values at prediction time -> "other"
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from ..schema import canonical
from .base import FrameTransformer, log_budget

_SEQUEL = re.compile(r"(?:\s(?:[2-9]|1[0-9]|II|III|IV|V|VI)\b)|:|\bPart\b|\bChapter\b", re.IGNORECASE)


class NumericFeatures(FrameTransformer):
    """Plain numeric features.  ``min_country_films``: countries with fewer training films with a
    budget use the global median log-budget as reference."""

    def __init__(self, min_country_films: int = 5):
        self.min_country_films = min_country_films

    def _names(self):
        return ["year", "runtime", "log_budget", "log_budget_vs_country", "n_genres", "n_directors",
                "n_writers", "n_producers", "n_actors", "title_length", "title_words", "title_sequel",
                "title_non_ascii"]

    def fit(self, X, y=None):
        X = canonical(X)
        lb = pd.Series(log_budget(X), index=X.index)
        ok = lb.notna() & X["country"].notna()
        stats = lb[ok].groupby(X.loc[ok, "country"]).agg(["median", "size"])
        stats = stats[stats["size"] >= self.min_country_films]
        self.country_median_ = {str(k): float(v) for k, v in stats["median"].items()}
        self.global_median_ = float(np.nanmedian(lb)) if lb.notna().any() else 0.0
        return self

    def transform(self, X):
        X = canonical(X)
        lb = log_budget(X)
        ref = np.array([self.country_median_.get(c, self.global_median_) if isinstance(c, str) else self.global_median_
                        for c in X["country"]], dtype=float)
        titles = X["title"].map(lambda t: t if isinstance(t, str) else "")
        data = {
            "year": X["year"].to_numpy(float),
            "runtime": X["runtime"].to_numpy(float),
            "log_budget": lb,
            "log_budget_vs_country": lb - ref,
            "n_genres": X["genres"].map(len).to_numpy(float),
            "n_directors": X["directors"].map(len).to_numpy(float),
            "n_writers": X["writers"].map(len).to_numpy(float),
            "n_producers": X["producers"].map(len).to_numpy(float),
            "n_actors": X["actors"].map(len).to_numpy(float),
            "title_length": titles.map(len).to_numpy(float),
            "title_words": titles.map(lambda t: len(t.split())).to_numpy(float),
            "title_sequel": titles.map(lambda t: bool(_SEQUEL.search(t))).to_numpy(float),
            "title_non_ascii": titles.map(lambda t: any(ord(ch) > 127 for ch in t)).to_numpy(float),
        }
        # Missing titles: the text flags are unknown rather than 0.
        missing = X["title"].map(lambda t: not isinstance(t, str)).to_numpy()
        for k in ("title_length", "title_words", "title_sequel", "title_non_ascii"):
            data[k][missing] = np.nan
        return pd.DataFrame(data, index=X.index, columns=self._names())


class GenreBinarizer(FrameTransformer):
    """Multi-hot genres for genres seen at least ``min_count`` times in training."""

    def __init__(self, min_count: int = 3):
        self.min_count = min_count

    def _names(self):
        return [f"genre_{g}" for g in self.genres_]

    def fit(self, X, y=None):
        X = canonical(X)
        counts: dict[str, int] = defaultdict(int)
        for gs in X["genres"]:
            for g in gs:
                counts[g] += 1
        self.genres_ = sorted(g for g, n in counts.items() if n >= self.min_count)
        return self

    def transform(self, X):
        X = canonical(X)
        pos = {g: i for i, g in enumerate(self.genres_)}
        data = np.zeros((len(X), len(pos)))
        for r, gs in enumerate(X["genres"]):
            for g in gs:
                j = pos.get(g)
                if j is not None:
                    data[r, j] = 1.0
        return self._frame(data, X.index)


class CategoryGrouper(FrameTransformer):
    """Low-cardinality text fields as pandas categoricals (HistGradientBoosting uses them natively).

    Values seen fewer than ``min_count`` times in training, and values never seen, map to
    ``"other"``; missing stays missing.
    """

    OTHER = "other"

    def __init__(self, fields=("type", "country", "language"), min_count: int = 10, max_categories: int = 60):
        self.fields = fields
        self.min_count = min_count
        self.max_categories = max_categories

    def _names(self):
        return list(self.fields)

    def fit(self, X, y=None):
        X = canonical(X)
        self.categories_ = {}
        for f in self.fields:
            vc = X[f][X[f].map(lambda v: isinstance(v, str))].value_counts()
            keep = [str(v) for v, n in vc.items() if n >= self.min_count][: self.max_categories]
            self.categories_[f] = sorted(keep) + [self.OTHER]
        return self

    def transform(self, X):
        X = canonical(X)
        out = {}
        for f in self.fields:
            cats = self.categories_[f]
            known = set(cats)
            vals = [None if not isinstance(v, str) else (v if v in known and v != self.OTHER else self.OTHER)
                    for v in X[f]]
            out[f] = pd.Categorical(vals, categories=cats)
        return pd.DataFrame(out, index=X.index, columns=self._names())
