"""Leak checks for the target-dependent feature steps."""
import numpy as np
import pytest

from popularity.ml.evaluation import cross_validate
from popularity.ml.features import PeopleNetwork, PeopleProfile, PeopleTargetEncoder, RidgeStack
from popularity.ml.schema import canonical


def random_people_records(n=600, people=250, seed=0):
    """Random ratings; each film has 1 director and 3 actors drawn from small pools, so most people
    appear in a few films: an in-sample target encoding then memorises the ratings."""
    rng = np.random.default_rng(seed)
    recs = []
    for i in range(n):
        recs.append({"title": f"Film {i}", "genres": ["Drama"], "directors": [f"D{rng.integers(people)}"],
                     "actors": [f"A{a}" for a in rng.choice(people, 3, replace=False)],
                     "rating": float(rng.normal(6, 1))})
    return recs


def corr(a, b):
    ok = ~np.isnan(a)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


@pytest.fixture(scope="module")
def random_data():
    recs = random_people_records()
    X = canonical(recs)
    y = np.array([r["rating"] for r in recs])
    return recs, X, y


def test_in_sample_encoding_would_leak(random_data):
    """Sanity check of the test itself: encoding training rows with statistics that include
    their own rating is strongly correlated with pure-noise targets."""
    _, X, y = random_data
    leaky = PeopleTargetEncoder(roles=("directors", "actors"), smoothing=1.0).fit(X, y).transform(X)
    assert corr(leaky["directors_te_mean"].to_numpy(), y) > 0.3
    assert corr(leaky["actors_te_mean"].to_numpy(), y) > 0.3


def test_out_of_fold_encoding_is_uncorrelated_with_random_targets(random_data):
    _, X, y = random_data
    enc = PeopleTargetEncoder(roles=("directors", "actors"), smoothing=1.0, random_state=0)
    oof = enc.fit_transform(X, y)
    for col in ("directors_te_mean", "directors_te_max", "actors_te_mean", "actors_te_max"):
        assert abs(corr(oof[col].to_numpy(), y)) < 0.12, col


def test_unique_people_get_no_encoding_and_zero_experience():
    recs = [{"directors": [f"Unique {i}"], "actors": [f"Solo {i}"], "rating": float(i % 7)} for i in range(60)]
    X = canonical(recs)
    y = np.array([r["rating"] for r in recs])
    out = PeopleTargetEncoder(roles=("directors", "actors")).fit_transform(X, y)
    assert out["directors_te_mean"].isna().all() and (out["directors_known"] == 0).all()
    assert (out["directors_experience_max"] == 0).all()  # leave-one-out: own film not counted
    prof = PeopleProfile(roles=("directors",)).fit_transform(X)
    assert prof.isna().all().all()


def test_ridge_stack_out_of_fold_is_uncorrelated_with_random_targets(random_data):
    _, X, y = random_data
    rs = RidgeStack(alpha=1.0, random_state=0)
    assert abs(corr(rs.fit_transform(X, y)["ridge_estimate"].to_numpy(), y)) < 0.12
    assert corr(rs.transform(X)["ridge_estimate"].to_numpy(), y) > 0.5  # in-sample would leak


def test_pipeline_cross_validation_finds_nothing_in_random_targets(random_data):
    recs, _, _ = random_data
    res = cross_validate(recs, folds=3, seed=0, n_seeds=1, importance=False, params={"max_iter": 100})
    assert res["model"]["r2"] < 0.05
    assert res["baselines"]["mean"]["r2"] <= 0.01


def test_encoder_handles_unknown_people_and_empty_lists(random_data):
    _, X, y = random_data
    enc = PeopleTargetEncoder(roles=("directors", "actors")).fit(X, y)
    new = canonical([{"directors": ["Nobody"], "actors": []}, {"directors": [], "actors": ["A1", "Stranger"]}])
    out = enc.transform(new)
    assert np.isnan(out.loc[0, "directors_te_mean"]) and out.loc[0, "directors_known"] == 0
    assert out.loc[1, "actors_known"] == 1 and np.isfinite(out.loc[1, "actors_te_mean"])


def test_network_features_count_other_films_only():
    """A director who re-hires the same actor: each of their films sees the *other* collaborations,
    never itself; a new film by the same pair sees all of them."""
    recs = [{"directors": ["Dir"], "actors": ["Star", f"Extra {i}"], "genres": ["Drama"]} for i in range(3)]
    recs.append({"directors": ["Solo"], "actors": ["Newcomer"], "genres": ["Horror"]})
    X = canonical(recs)
    train = PeopleNetwork().fit_transform(X)
    assert train["repeat_collaborations"].tolist() == [2.0, 2.0, 2.0, 0.0]   # (Dir, Star) in 2 other films
    assert train["actors_experience_min"].tolist() == [0.0, 0.0, 0.0, 0.0]  # each Extra / Newcomer: no other film
    assert train["directors_genre_experience"].tolist() == [2.0, 2.0, 2.0, 0.0]
    new = PeopleNetwork().fit(X).transform(canonical([{"directors": ["Dir"], "actors": ["Star"], "genres": ["Drama", "Horror"]}]))
    assert new.loc[0, "repeat_collaborations"] == 3.0
    assert new.loc[0, "actors_experience_min"] == 3.0
    assert new.loc[0, "directors_genre_experience"] == 1.5  # 3 dramas, 0 horror films


def test_prediction_time_encodings_average_the_fold_models(random_data):
    """New films get the mean of the fold models' encodings: the same amount of data stands behind
    a training row's and a new film's value."""
    _, X, y = random_data
    rs = RidgeStack(alpha=1.0, n_splits=3, random_state=0)
    rs.fit_transform(X, y)
    tokens = rs._tokens(X)
    per_fold = [rs._predict_one(m, tokens, X) for m in rs.models_]
    assert len(per_fold) == 3
    assert np.allclose(rs.transform(X)["ridge_estimate"].to_numpy(), np.mean(per_fold, axis=0))
