import math

import numpy as np
import pytest

from popularity.ml.estimator import DEFAULT_PARAMS, SEARCH_GRID
from popularity.ml.evaluation import cross_validate, regression_metrics
from popularity.ml.model import train
from popularity.ml.synthetic import director_effects, make_synthetic


def ratings(recs):
    return np.array([r["rating"] for r in recs])


def test_learns_the_planted_relation(trained, synthetic_test):
    pred, low, high = trained.predict(synthetic_test)
    y = ratings(synthetic_test)
    m = regression_metrics(y, pred)
    assert m["r2"] > 0.6, m
    assert m["mae"] < 0.75 * np.abs(y - y.mean()).mean()
    assert trained.metrics["r2"] > 0.5 and trained.metrics["n"] == trained.n_train == 700


def test_importance_ranks_planted_fields_on_top(trained):
    imp = trained.importance
    top3 = {d["field"] for d in imp[:3]}
    assert top3 == {"directors", "genres", "budget"}, imp[:5]
    noise = {d["field"]: d["importance"] for d in imp}
    assert max(noise[f] for f in ("actors", "country", "language", "runtime", "year")) < 0.5 * imp[2]["importance"]


def test_interval_covers_about_the_nominal_rate(trained, synthetic_test):
    pred, low, high = trained.predict(synthetic_test)
    y = ratings(synthetic_test)
    assert np.all(low <= pred) and np.all(pred <= high)
    coverage = np.mean((y >= low) & (y <= high))
    assert 0.72 <= coverage <= 0.9, coverage
    assert trained.interval["coverage"] == 0.8


def test_unknown_people_genres_countries_and_empty_records(trained):
    recs = [
        {"title": "Brand new", "genres": ["Western", "Musical"], "directors": ["Never Seen"], "actors": ["New Face"],
         "writers": ["Fresh Writer"], "producers": ["Some Producer"], "country": "Atlantis", "language": "Klingon",
         "type": "tvMiniSeries", "year": 2031, "runtime": 300, "budget": 1},
        {},
        {"genres": "Drama|Horror", "directors": "Director 001"},
    ]
    pred, low, high = trained.predict(recs)
    assert pred.shape == low.shape == high.shape == (3,)
    assert np.all(np.isfinite(pred)) and np.all((0 <= low) & (low <= pred) & (pred <= high) & (high <= 10))
    one = trained.predict_one(recs[0])
    assert set(one) >= {"prediction", "low", "high", "coverage", "explanation"}


def test_explanation_puts_the_planted_field_first(trained):
    effects = director_effects()
    best = max(effects, key=effects.get)
    rec = {"title": "Star vehicle", "genres": ["Comedy"], "directors": [best], "actors": ["Actor 0001"],
           "budget": math.expm1(16.0), "year": 1995, "runtime": 118, "country": "USA", "language": "English"}
    expl = trained.explain(rec, top=3)
    assert len(expl) == 3
    assert expl[0]["field"] == "directors" and expl[0]["effect"] > 0.3, expl
    assert best in expl[0]["value"] and "raises" in expl[0]["text"]
    assert [abs(e["effect"]) for e in expl] == sorted((abs(e["effect"]) for e in expl), reverse=True)
    horror = trained.explain({"genres": ["Horror"], "directors": ["Unknown"], "budget": math.expm1(16.0)}, top=1)
    assert horror[0]["field"] == "genres" and horror[0]["effect"] < -0.3


def test_cross_validate_reports_baselines_coverage_and_importance(fast_params):
    recs = make_synthetic(400, seed=3)
    res = cross_validate(recs, folds=3, seed=0, n_seeds=1, params=fast_params, importance=True, importance_repeats=1)
    assert res["model"]["r2"] > res["baselines"]["genre_mean"]["r2"] + 0.2
    assert res["model"]["r2"] > res["baselines"]["mean"]["r2"] + 0.4
    assert 0.7 <= res["interval"]["coverage_empirical"] <= 0.9
    assert len(res["per_fold"]) == 3 and res["importance"][0]["field"] in {"directors", "genres", "budget"}


def test_search_picks_the_best_grid_candidate():
    recs = make_synthetic(120, seed=4)
    model = train(recs, seed=5, search=True, n_seeds=1, cv_folds=3)
    assert len(model.search) == len(SEARCH_GRID)
    best = min(model.search, key=lambda s: s["rmse"])
    assert model.params == best["params"]
    assert model.params in [dict(DEFAULT_PARAMS, **c) for c in SEARCH_GRID]


def test_training_is_seeded(fast_params):
    recs = make_synthetic(80, seed=6)
    a = train(recs, seed=3, search=False, n_seeds=2, params=fast_params)
    b = train(recs, seed=3, search=False, n_seeds=2, params=fast_params)
    for x, z in zip(a.predict(recs[:20]), b.predict(recs[:20]), strict=True):
        np.testing.assert_allclose(x, z)
    assert a.interval == b.interval and a.n_seeds == 2


def test_train_rejects_unrated_or_tiny_data():
    recs = make_synthetic(30, seed=5)
    recs[3]["rating"] = float("nan")
    with pytest.raises(ValueError, match="no rating"):
        train(recs, search=False, n_seeds=1)
    with pytest.raises(ValueError, match="at least 10"):
        train(make_synthetic(5), search=False, n_seeds=1)
