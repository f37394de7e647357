""""Films I liked → k films" (`recommendations.ml.liked`): the estimate, its reasons, the hits
penalty, the validation search, and the bundle round trip."""
import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.ml.artifacts import load_recommender, save_recommender
from recommendations.ml.liked import (
    LikedIndex,
    LikedParams,
    cooccurrence_top,
    genre_matrix,
    like_matrix,
    protocol_queries,
    tune_liked,
)
from recommendations.ml.matrix import build_interactions
from recommendations.ml.recommender import HybridParams, Recommender

from .planted import planted

SMALL_GRID = {"shrinkage": (5.0,), "genre_gamma": (1.0,), "lightfm_weight": (0.0, 0.1),
              "popular_penalty": (0.0, 0.05, 0.1, 0.2, 0.4, 1.0)}


def _genres(d):
    return {i: [f"genre:{g}" for g in gs] for i, gs in d["genres"].items()}


@pytest.fixture(scope="module")
def data():
    d = planted(seed=5, n_users=400, n_items=120, n_clusters=4, ratings_per_user=(20, 40))
    m = build_interactions(d["users"], d["items"], d["ratings"], timestamps=d["timestamps"])
    return d, m


@pytest.fixture(scope="module")
def model(data):
    d, m = data
    p = HybridParams(no_components=8, epochs=3, ease_l2=30.0, ease_min_count=1, ease_nnz_per_item=30,
                     lightfm_ensemble=1)
    return Recommender.fit(m, item_features=_genres(d), params=p)


def test_cooccurrence_equals_the_dense_product_with_top_neighbours_kept():
    rng = np.random.default_rng(0)
    V = sp.random(60, 25, density=0.3, format="csr", random_state=1, dtype=np.float32)
    V.data = rng.choice([1.0, 2.0, 4.0, 5.0], V.nnz).astype(np.float32)
    L = like_matrix(V, 4.0)
    dense = (L.T @ L).toarray()
    np.fill_diagonal(dense, 0)
    full = cooccurrence_top(L, neighbours=25, block=7).toarray()
    np.testing.assert_array_equal(full, dense)
    top = cooccurrence_top(L, neighbours=3, block=4)
    for r in range(25):
        row = top[r].toarray().ravel()
        assert (row > 0).sum() <= 3
        kept = np.flatnonzero(row)
        np.testing.assert_array_equal(row[kept], dense[r, kept])  # kept counts are exact
        if len(kept) == 3:  # and they are the largest ones
            assert row[kept].min() >= np.sort(dense[r])[-3]


def test_probability_is_the_shrunk_co_like_share():
    # 4 viewers: 0,1,2 like item 0; 0,1 like item 1; 3 likes item 2
    V = sp.csr_matrix(np.array([[5, 4, 0], [4, 5, 0], [5, 0, 1], [0, 0, 5]], dtype=np.float32))
    idx = LikedIndex.fit(V, params=LikedParams(shrinkage=2.0, genre_gamma=0.0, popular_n=0))
    prior = np.array([3, 2, 1]) / 4
    expected = (np.array([0, 2, 0]) + 2.0 * prior) / (3 + 2.0)
    np.testing.assert_allclose(idx.terms([0])[0], expected)
    recs = idx.recommend([0], k=5)
    assert [j for j, _, _ in recs] == [1, 2] and all(why == 0 for _, _, why in recs)  # never the query


def test_liked_films_of_one_taste_give_films_of_that_taste_with_their_reason(data, model):
    d, m = data
    block0 = [m.items.index(i) for i, c in d["item_cluster"].items() if c == 0]
    block2 = [m.items.index(i) for i, c in d["item_cluster"].items() if c == 2]
    recs = model.recommend_for_items(block0[:2], k=5)
    assert len(recs) == 5
    assert {j for j, _, _ in recs} <= set(block0) - set(block0[:2])
    assert all(why in block0[:2] for _, _, why in recs)
    # two tastes: each pick is explained by the liked film of its own block
    mixed = model.recommend_for_items([block0[0], block2[0]], k=10)
    for j, _, why in mixed:
        assert (j in block0 and why == block0[0]) or (j in block2 and why == block2[0])
    # exclusions and a candidate mask are honoured
    banned = [j for j, _, _ in recs[:2]]
    again = model.recommend_for_items(block0[:2], k=5, exclude=banned)
    assert not {j for j, _, _ in again} & set(banned)
    allowed = np.zeros(m.n_items, dtype=bool)
    allowed[block0[5:8]] = True
    assert {j for j, _, _ in model.recommend_for_items(block0[:2], k=5, allowed=allowed)} <= set(block0[5:8])


def test_the_hits_penalty_lowers_the_share_of_hits():
    d = planted(seed=2, n_users=300, n_items=200, n_clusters=2, ratings_per_user=(20, 40), noise=0.3)
    m = build_interactions(d["users"], d["items"], d["ratings"])
    base = LikedIndex.fit(m.values, params=LikedParams(popular_n=20, popular_penalty_one=0.0))
    queries = list(range(0, 200, 7))

    def share(idx):
        picks = [j for q in queries for j, _, _ in idx.recommend([q], k=5)]
        return np.mean(idx.popular[picks])

    penalised = base.with_params(popular_penalty_one=0.5)
    assert share(penalised) < share(base)
    assert share(base.with_params(popular_penalty_one=10.0)) == 0.0


def test_the_penalty_picks_the_films_and_their_estimates_order_them():
    """The hit penalty decides which films make the list; the list is then shown best estimate
    first, so a hit the viewer most likely likes is not pushed below weaker picks. The validation
    sweep scores lists in that same order."""
    from recommendations.ml.liked import _penalty_sweep
    from recommendations.ml.metrics import top_k_1d

    d = planted(seed=2, n_users=300, n_items=200, n_clusters=2, ratings_per_user=(20, 40), noise=0.3)
    m = build_interactions(d["users"], d["items"], d["ratings"])
    idx = LikedIndex.fit(m.values, params=LikedParams(popular_n=20, popular_penalty_one=0.08))
    reordered = 0
    for q in range(0, 200, 3):
        got = idx.recommend([q], k=5)
        est, _ = idx.estimates([q])
        chosen = top_k_1d(est - 0.08 * idx.popular, 5)
        assert {j for j, _, _ in got} == set(chosen.tolist())
        scores = [s for _, s, _ in got]
        assert scores == sorted(scores, reverse=True) and scores == [est[j] for j, _, _ in got]
        reordered += [j for j, _, _ in got] != chosen.tolist()
        # the sweep's nDCG for this query equals the nDCG of the list as served
        rel = np.array([j for j, _, _ in got][1::2])
        nd, hits = _penalty_sweep([est], [rel], idx.popular, np.array([0.08]), 5)
        disc = 1 / np.log2(np.arange(2, 7))
        served = sum(disc[i] for i, (j, _, _) in enumerate(got) if j in set(rel.tolist())) / disc[:len(rel)].sum()
        assert nd[0] == pytest.approx(served) and hits[0] == idx.popular[[j for j, _, _ in got]].sum()
    assert reordered > 0  # the penalty did push hits down, and the order put them back


def test_validation_search_keeps_the_share_of_hits_under_the_target(data):
    d, m = data
    F_genres = genre_matrix(*_feature_matrix(m, _genres(d)), m.n_items)
    p, report = tune_liked(m.values, genres=F_genres, params=LikedParams(popular_share=0.5, popular_n=10),
                           min_likes=10, grid={**SMALL_GRID, "shrinkage": (2.0, 10.0), "genre_gamma": (0.0, 1.0)})
    assert "chosen" in report, report.get("skipped")
    chosen = report["chosen"]
    assert chosen["lightfm_weight"] == 0.0  # no LightFM given: its weight is not searched
    key = f"a={chosen['shrinkage']:g},gamma={chosen['genre_gamma']:g},lightfm=0"
    one = report["grid"][f"{key},n=1,penalty={chosen['popular_penalty_one']:g}"]
    three = report["grid"][f"{key},n=3,penalty={chosen['popular_penalty_many']:g}"]
    assert one[1] <= 0.5 and three[1] <= 0.5
    assert one[0] == pytest.approx(report["ndcg@5_one"], abs=1e-5)
    assert p.shrinkage == chosen["shrinkage"] and p.popular_penalty_many == chosen["popular_penalty_many"]
    # it measured something: the planted tastes make the chosen setting far better than chance
    assert report["ndcg@5_one"] > 0.5


def test_validation_search_trains_the_lightfm_part_without_the_held_out_viewers(data):
    from recommendations.ml.train import tune_liked_for

    d, m = data
    seen = []
    real_fit = Recommender.fit

    def spy(matrix, **kw):
        seen.append(np.diff(matrix.values.indptr))
        return real_fit(matrix, **kw)

    p = HybridParams(no_components=8, epochs=3, lightfm_ensemble=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Recommender, "fit", staticmethod(spy))
        chosen, report = tune_liked_for(m, _genres(d), p, grid=SMALL_GRID)
    assert "chosen" in report, report.get("skipped")
    assert len(seen) == 4  # one LightFM model per validation fold
    held = [np.flatnonzero(rows == 0) for rows in seen]
    likes = np.asarray((m.values >= 4).sum(1)).ravel()
    assert all(len(h) and (likes[h] >= 20).all() for h in held)  # the held-out viewers have no row
    assert not set(held[0]) & set(held[1])
    assert set(chosen.liked) >= {"shrinkage", "genre_gamma", "lightfm_weight", "popular_penalty_one"}


def _feature_matrix(m, feats):
    from recommendations.ml.features import build_feature_matrix

    F, space = build_feature_matrix(m.items, feats, identity=False)
    return F, space.names.ids, 0


def test_protocol_queries_hold_out_the_rest_of_the_likes():
    V = sp.csr_matrix(np.array([[5, 4, 4, 1, 5], [4, 0, 0, 0, 0]], dtype=np.float32))
    qs = protocol_queries(V, [0, 1], threshold=4.0, n_query=1, seed=3)
    assert len(qs) == 1  # viewer 1 has one like only: nothing left to find
    q, rel = qs[0]
    assert len(q) == 1 and set(q) | set(rel) == {0, 1, 2, 4} and not set(q) & set(rel)


def test_bundle_round_trip_answers_the_same_and_old_bundles_still_answer(model, tmp_path):
    out = save_recommender(model, tmp_path / "v1")
    loaded = load_recommender(out)
    assert loaded.liked is not None and loaded.liked.params == model.liked.params
    assert loaded.recommend_for_items([0, 5], k=5) == model.recommend_for_items([0, 5], k=5)
    # a bundle saved before the "I liked…" index existed: the fold-in answer, no reason per pick
    model_without = Recommender.__new__(Recommender)
    model_without.__dict__.update(model.__dict__)
    model_without.liked = None
    old = load_recommender(save_recommender(model_without, tmp_path / "v0"))
    assert old.liked is None
    recs = old.recommend_for_items([0, 5], k=5)
    assert len(recs) == 5 and all(why is None for _, _, why in recs) and not {0, 5} & {j for j, _, _ in recs}
