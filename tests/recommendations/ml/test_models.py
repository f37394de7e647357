"""The hybrid model on planted taste clusters: it finds them, handles new films and new viewers."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.ml.features import build_feature_matrix
from recommendations.ml.matrix import IdMap, build_interactions
from recommendations.ml.metrics import ranking_metrics, relevant_lists, top_k
from recommendations.ml.models import EASE, ItemKNN, MostPopular, ease_user_scores
from recommendations.ml.recommender import HybridParams, Recommender
from recommendations.ml.split import stratified_split
from recommendations.ml.train import train_recommender

from .planted import planted

FAST = HybridParams(no_components=16, epochs=20, learning_rate=0.05, ease_l2=50.0, ease_min_count=1,
                    ease_nnz_per_item=None, max_sampled=10, blend_weight=0.5, popularity_beta=0.2)


@pytest.fixture(scope="module")
def data():
    return planted(seed=0)


@pytest.fixture(scope="module")
def split(data):
    mask = stratified_split(data["users"], data["items"], seed=42)
    cold_ids = [f"{j}" for j in range(161, 169)]  # 8 new films, 2 per cluster, no ratings at all
    catalog = IdMap(sorted(set(data["items"].tolist()), key=int) + cold_ids)
    feats = dict(data["genres"])
    for j, iid in enumerate(cold_ids):
        feats[iid] = [f"g{j % data['n_clusters']}"]
    m = build_interactions(data["users"][mask], data["items"][mask], data["ratings"][mask],
                           timestamps=data["timestamps"][mask], item_ids=catalog)
    u = m.users.indices(data["users"][~mask])
    i = m.items.indices(data["items"][~mask])
    test = sp.csr_matrix((np.ones(len(u)), (u, i)), shape=m.shape)
    return m, test, feats, cold_ids


@pytest.fixture(scope="module")
def model(split):
    m, _, feats, _ = split
    return Recommender.fit(m, item_features=feats, params=FAST)


def _ndcg(top, test):
    rows = np.flatnonzero(np.diff(test.indptr) > 0)
    return ranking_metrics(top[rows], relevant_lists(test, rows), 10)["ndcg"]


def test_planted_clusters_beat_popularity_by_a_wide_margin(model, split):
    m, test, _, _ = split
    users = np.arange(m.n_users)
    hybrid = _ndcg(model.recommend_batch(users, 10), test)
    W = m.binary()
    pop = MostPopular().fit(W)
    popular = _ndcg(top_k(pop.score(W), 10, exclude=W), test)
    knn = ItemKNN(20).fit(W)
    item_knn = _ndcg(top_k(knn.score(W), 10, exclude=W), test)
    assert hybrid > popular + 0.15, (hybrid, popular)
    assert item_knn > popular + 0.1, (item_knn, popular)
    # and the top-10 of a viewer is (almost) entirely from their own cluster
    data_cluster = {j: int(m.items[j]) <= 160 and (int(m.items[j]) - 1) // 40 for j in range(m.n_items)}
    u = 5
    c = (int(m.users[u]) - 1) % 4
    recs = [i for i, _ in model.recommend(u, k=10)]
    assert sum(data_cluster[i] == c for i in recs) >= 9
    seen = set(m.seen(u).tolist())
    assert not seen & set(recs)


def test_each_part_alone_also_finds_the_clusters(model, split):
    m, test, _, _ = split
    users = np.arange(m.n_users)
    W = m.binary()
    popular = _ndcg(top_k(MostPopular().fit(W).score(W), 10, exclude=W), test)
    assert _ndcg(model.recommend_batch(users, 10, component="ease"), test) > popular + 0.1
    assert _ndcg(model.recommend_batch(users, 10, component="lightfm"), test) > popular + 0.1


def test_cold_items_get_neighbours_that_share_their_features(model, split):
    m, _, feats, cold_ids = split
    assert not model.warm[m.items.index(cold_ids[0])]
    for iid in cold_ids:
        j = m.items.index(iid)
        genre = feats[iid][0]
        neighbours = model.similar_items(j, k=10, include_cold=False)
        assert sum(feats[m.items[n]] == [genre] for n, _ in neighbours) >= 9, (iid, neighbours)
    # a film that is not in the catalog at all, described by its features only
    neighbours = model.similar_items(features=["g2"], k=10)
    assert sum(feats[m.items[n]] == ["g2"] for n, _ in neighbours) >= 9


def test_cold_items_are_ranked_for_the_viewers_of_their_genre(model, split):
    m, _, feats, cold_ids = split
    cold = np.array([m.items.index(x) for x in cold_ids])
    hits = 0
    for u in range(0, m.n_users, 7):
        c = (int(m.users[u]) - 1) % 4
        s = model.score_user(u, include_cold=True)[cold]
        best = cold_ids[int(np.argmax(s))]
        hits += feats[best] == [f"g{c}"]
    assert hits >= 0.8 * len(range(0, m.n_users, 7))


def test_fold_in_user_is_close_to_the_trained_user(model, split):
    m, _, _, _ = split
    cos, overlap = [], []
    for u in range(0, m.n_users, 5):
        trained = model.user_vectors[u]
        folded = model.user_vector(None, model.history_of(u))
        cos.append(float(trained @ folded / (np.linalg.norm(trained) * np.linalg.norm(folded))))
        a = {i for i, _ in model.recommend(u, k=10)}
        b = {i for i, _ in model.recommend(None, model.history_of(u), k=10)}
        overlap.append(len(a & b) / 10)
    assert np.mean(cos) > 0.8, np.mean(cos)
    assert np.mean(overlap) > 0.7, np.mean(overlap)
    assert model.report["foldin"]["mean_cosine"] > 0.8


def test_unknown_user_gets_personalised_scores_from_a_few_ratings(model, split):
    m, _, _, _ = split
    block = [m.items.index(str(j)) for j in (81, 82, 83)]  # three films of cluster 2
    recs = [i for i, _ in model.recommend(None, [(j, 5.0) for j in block], k=10)]
    assert not set(recs) & set(block)
    assert sum(80 < int(m.items[i]) <= 120 for i in recs) >= 9


def _general_path_scores(model, user, history, *, include_cold=False, exclude=(), fold_in=None):
    """What `score_user` computes, by the general (many-row) path that `recommend_batch` uses."""
    from recommendations.ml.matrix import user_vector as history_row
    from recommendations.ml.recommender import masked_zscore

    known = user is not None
    x = history_row(model.n_items, [h[0] for h in history], model.weights([h[1] for h in history]))
    u = model.user_vector(user if known else None, history, None, fold_in)
    E, L = model.component_scores(x, u[None, :])
    allowed = model._candidates(1, include_cold)
    if len(exclude):
        allowed[0, list(exclude)] = False
    allowed[0, x.indices] = False
    if not history:
        S = masked_zscore(L, allowed)
        S[~allowed] = -np.inf
        return S[0]
    return model._blend(E, L, allowed)[0]


@pytest.mark.parametrize("ease_storage", ["as_trained", "sparse", "sparse product", "dense"])
def test_single_viewer_scoring_equals_the_general_matrix_path(model, split, ease_storage, monkeypatch):
    """Serving scores one viewer with a matrix-vector product and a gather of B's rows (or, for a
    long history, scipy's sparse row product: "sparse product" takes it for every history); the
    numbers must be those of the many-row path the evaluation measures."""
    import copy

    from recommendations.ml import recommender

    m = copy.copy(model)
    if ease_storage == "sparse product":
        monkeypatch.setattr(recommender, "EASE_ROW_SPARSE_PRODUCT_MIN", 0)
        m.ease_B = sp.csr_matrix(np.asarray(model.ease_B.todense() if sp.issparse(model.ease_B) else model.ease_B))
    if ease_storage == "sparse":
        m.ease_B = sp.csr_matrix(np.asarray(model.ease_B.todense() if sp.issparse(model.ease_B) else model.ease_B))
    elif ease_storage == "dense":
        m.ease_B = model.ease_B.toarray() if sp.issparse(model.ease_B) else np.asarray(model.ease_B)
    rng = np.random.default_rng(3)
    for u in range(0, split[0].n_users, 9):
        hist = m.history_of(u)
        cases = [(u, hist, {}), (None, hist, {}), (u, hist, {"fold_in": True}),
                 (None, hist + [hist[0]] if hist else hist, {}),  # a repeated item keeps its last value
                 (None, [], {"include_cold": True}),
                 (u, hist, {"include_cold": True, "exclude": tuple(rng.choice(m.n_items, 5, replace=False))})]
        for user, h, kw in cases:
            fast = m.score_user(user, h, exclude=kw.get("exclude"), exclude_seen=True,
                                include_cold=kw.get("include_cold", False), fold_in=kw.get("fold_in"))
            general = _general_path_scores(m, user, h, include_cold=kw.get("include_cold", False),
                                           exclude=kw.get("exclude", ()), fold_in=kw.get("fold_in"))
            assert np.array_equal(np.isinf(fast), np.isinf(general))
            ok = ~np.isinf(fast)
            np.testing.assert_allclose(fast[ok], general[ok], rtol=1e-4, atol=1e-4)


def test_a_history_as_arrays_scores_as_the_same_pairs_and_a_repeated_item_keeps_its_last_value(model, split):
    """Serving passes a viewer's history as two arrays (`History`, read packed from the database);
    the scores must be those of the same (item, value) pairs, and an item given twice counts once,
    with its last value (fold-in and EASE alike)."""
    from recommendations.ml.recommender import History

    checked = 0
    for u in range(0, split[0].n_users, 7):
        hist = model.history_of(u)
        if len(hist) < 3:
            continue
        items = np.array([j for j, _ in hist], dtype=np.int64)
        values = np.array([v for _, v in hist], dtype=np.float64)
        pairs = model.score_user(None, hist, exclude_seen=True)
        arrays = model.score_user(None, History(items, values), exclude_seen=True)
        np.testing.assert_array_equal(np.isinf(pairs), np.isinf(arrays))
        np.testing.assert_allclose(arrays[~np.isinf(arrays)], pairs[~np.isinf(pairs)], rtol=1e-6, atol=1e-6)
        j0, v0 = hist[0]
        changed = 1.0 if v0 >= 3 else 5.0
        repeated = model.score_user(None, History(np.append(items, j0), np.append(values, changed)), exclude_seen=True)
        by_hand = model.score_user(None, hist[1:] + [(j0, changed)], exclude_seen=True)
        ok = ~np.isinf(by_hand)
        np.testing.assert_allclose(repeated[ok], by_hand[ok], rtol=1e-6, atol=1e-6)
        assert not np.allclose(repeated[ok], pairs[ok])  # the repeat's last value is what counts
        checked += 1
    assert checked >= 3


def test_top_k_1d_is_top_k_of_one_row():
    from recommendations.ml.metrics import top_k_1d

    rng = np.random.default_rng(0)
    for n, k in [(50, 10), (5, 10), (1000, 1), (30, 30)]:
        for _ in range(20):
            s = np.round(rng.normal(size=n), 1)  # many ties
            s[rng.random(n) < 0.3] = -np.inf
            want = top_k(s[None, :], k)[0]
            got = top_k_1d(s, k)
            want = want[want >= 0]
            # ties at the cut may pick different members: compare the scores, then the order of distinct ones
            np.testing.assert_array_equal(s[got], s[want])
            assert len(set(got.tolist())) == len(got)
    assert top_k_1d(np.full(4, -np.inf), 3).tolist() == []
    assert top_k_1d(np.array([1.0, 3.0, 3.0, 2.0]), 2).tolist() == [1, 2]  # ties by index


def test_ease_closed_form_matches_the_primal_solution_and_sparsifies_gracefully():
    d = planted(seed=5, n_users=60, n_items=80)
    m = build_interactions(d["users"], d["items"], d["ratings"])
    W = m.weights("sqrt")
    dual = ease_user_scores(W, 20.0, 0.5)  # 60 users < 80 items: Woodbury path
    dense = EASE(20.0, 0.5, nnz_per_item=None).fit(W)
    assert np.allclose(dual, dense.score(W), atol=1e-4)
    assert np.allclose(np.diag(dense.B), 0)
    sparse = EASE(20.0, 0.5, nnz_per_item=20).fit(W)
    assert sparse.B.nnz <= 20 * 80 + 5
    mags = np.sort(np.abs(dense.B).ravel())[::-1]
    assert np.abs(sparse.B.data).min() >= mags[20 * 80 - 1] - 1e-7  # the largest weights are the ones kept
    agree = np.mean([len(set(top_k(dense.score(W[u]), 5)[0]) & set(top_k(sparse.score(W[u]), 5)[0])) / 5
                     for u in range(60)])
    assert agree > 0.8, agree


def test_training_is_reproducible_and_reports_progress(split):
    m, _, feats, _ = split
    seen = []
    a, report = train_recommender(m, item_features=feats, params=FAST, max_epochs=12,
                                  grid={"ease_l2": (50.0,), "ease_session_weight": (0.0,),
                                        "popularity_beta": (0.2,), "blend_weight": (0.5,)},
                                  on_epoch=lambda e, info: seen.append((info["stage"], e, info.get("ndcg@10"))))
    b, _ = train_recommender(m, item_features=feats, params=FAST, max_epochs=12,
                             grid={"ease_l2": (50.0,), "ease_session_weight": (0.0,),
                                   "popularity_beta": (0.2,), "blend_weight": (0.5,)})
    val = [s for s in seen if s[0] == "validation"]
    assert val and all(v[2] is not None for v in val) and [v[1] for v in val] == list(range(1, len(val) + 1))
    chosen = report["search"]["chosen"]["epochs"]
    assert 1 <= chosen <= 12 and a.params.epochs == chosen
    assert [s[1] for s in seen if s[0] == "final"] == list(range(1, chosen + 1))
    assert round(report["search"]["lightfm_best_ndcg@10"], 5) == max(report["search"]["lightfm_curve"])
    assert np.array_equal(a.recommend_batch(np.arange(20), 10), b.recommend_batch(np.arange(20), 10))


def test_feature_matrix_rows_of_cold_items_carry_no_identity(split):
    m, _, feats, cold_ids = split
    F, space = build_feature_matrix(m.items, feats, has_identity=m.item_counts() > 0)
    j = m.items.index(cold_ids[0])
    assert F[j].indices.min() >= space.n_identity
