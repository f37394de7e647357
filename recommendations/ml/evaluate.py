"""Offline evaluation: the public Recommenders benchmark protocol and a cold-start test.

``evaluate_split``: 75/25 random split stratified per user (or per item), seeded; test
interactions whose user or item is absent from training are dropped (as the benchmark does);
items seen in training are removed from each list; every test interaction is relevant.
Models: most-popular, item-kNN cosine, LightFM alone (the hybrid's LightFM part, with item
features), EASE alone (the hybrid's EASE part) and the hybrid blend. Training times are wall
clock; the hybrid's includes its validation search.

``evaluate_cold_start``: hold out a share of the items entirely, train on the rest, and rank,
for each user, the held-out items only: ranking AUC of the hybrid (item vectors from features)
against an ID-only LightFM (held-out items have untrained identity vectors: AUC about 0.5).
"""
from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from threadpoolctl import threadpool_limits

from .data import RatingsTable
from .features import build_feature_matrix
from .matrix import IdMap, build_interactions
from .metrics import catalog_coverage, mean_ranking_auc, ranking_metrics, relevant_lists, top_k
from .models import ItemKNN, MostPopular, make_lightfm
from .recommender import HybridParams
from .split import cold_item_split, stratified_split
from .train import train_recommender

MODELS = ("most_popular", "item_knn", "lightfm", "ease", "hybrid")


def _test_matrix(train_m, test_table: RatingsTable):
    """Test interactions as a CSR over the training id maps (unknown users/items dropped)."""
    import scipy.sparse as sp

    u = train_m.users.indices(test_table.users)
    i = train_m.items.indices(test_table.items)
    keep = (u >= 0) & (i >= 0)
    keep &= np.isin(i, np.flatnonzero(train_m.item_counts() > 0)) if keep.any() else keep
    T = sp.csr_matrix((np.ones(int(keep.sum()), np.float32), (u[keep], i[keep])), shape=train_m.shape)
    T.data[:] = 1.0
    return T, int(keep.sum())


def _score_block(top, relevant, k, n_items):
    m = ranking_metrics(top, relevant, k)
    m["coverage"] = catalog_coverage(top, n_items)
    return m


def evaluate_split(table: RatingsTable, *, item_features: Mapping | None = None, params: HybridParams | None = None,
                   by: str = "user", seed: int = 42, k: int = 10, ratio: float = 0.75, models=MODELS,
                   search: bool = True, on_epoch=None, log=None) -> dict:
    """Train every model on the training part and report top-k metrics on the test part."""
    p = params or HybridParams()
    say = log or (lambda msg: None)
    mask = stratified_split(table.users, table.items, ratio=ratio, seed=seed, by=by)
    train_t, test_t = table.subset(mask), table.subset(~mask)
    m = build_interactions(train_t.users, train_t.items, train_t.ratings, timestamps=train_t.timestamps)
    T, n_test = _test_matrix(m, test_t)
    rows = np.flatnonzero(np.diff(T.indptr) > 0)
    relevant = relevant_lists(T, rows)
    n_warm = int((m.item_counts() > 0).sum())
    out = {"protocol": {"split": f"random {ratio:.0%}/{1 - ratio:.0%} stratified per {by}", "seed": seed, "k": k,
                        "train": int(m.nnz), "test": n_test, "test_users": int(len(rows)), "items": n_warm,
                        "users": m.n_users, "relevant": "every test interaction",
                        "excluded": "items seen in training"},
           "models": {}}
    W = m.binary()
    with threadpool_limits(limits=p.num_threads):
        if "most_popular" in models:
            t = time.perf_counter()
            pop = MostPopular().fit(W)
            fit = time.perf_counter() - t
            top = np.vstack([top_k(pop.score(W[rows[s:s + 1024]]), k, exclude=W, exclude_rows=rows[s:s + 1024])
                             for s in range(0, len(rows), 1024)]) if len(rows) else np.zeros((0, k), np.int64)
            out["models"]["most_popular"] = {**_score_block(top, relevant, k, n_warm), "train_seconds": fit}
            say("most_popular done")
        if "item_knn" in models:
            t = time.perf_counter()
            knn = ItemKNN(100).fit(W)
            fit = time.perf_counter() - t
            top = np.vstack([top_k(knn.score(W[rows[s:s + 1024]]), k, exclude=W, exclude_rows=rows[s:s + 1024])
                             for s in range(0, len(rows), 1024)]) if len(rows) else np.zeros((0, k), np.int64)
            out["models"]["item_knn"] = {**_score_block(top, relevant, k, n_warm), "train_seconds": fit,
                                         "params": {"neighbours": 100, "similarity": "cosine"}}
            say("item_knn done")
        if any(x in models for x in ("lightfm", "ease", "hybrid")):
            t = time.perf_counter()
            model, report = train_recommender(m, item_features=item_features, params=p, search=search,
                                              on_epoch=on_epoch)
            fit = time.perf_counter() - t
            chosen = model.params.to_dict()
            if "hybrid" in models:
                top = model.recommend_batch(rows, k)
                out["models"]["hybrid"] = {**_score_block(top, relevant, k, n_warm), "train_seconds": fit,
                                           "params": chosen, "search": report.get("search", {})}
            if "lightfm" in models:
                top = model.recommend_batch(rows, k, component="lightfm")
                out["models"]["lightfm"] = {**_score_block(top, relevant, k, n_warm),
                                            "train_seconds": report["fit"]["lightfm_seconds"],
                                            "note": "the hybrid's LightFM part (WARP + item features)"}
            if "ease" in models and model.ease_B is not None:
                top = model.recommend_batch(rows, k, component="ease")
                out["models"]["ease"] = {**_score_block(top, relevant, k, n_warm),
                                         "train_seconds": report["fit"]["ease_seconds"],
                                         "note": "the hybrid's EASE part (no popularity debiasing)"}
            say("hybrid done")
    return out


def evaluate_cold_start(table: RatingsTable, *, item_features: Mapping | None, params: HybridParams | None = None,
                        fraction: float = 0.2, seed: int = 42) -> dict:
    """Ranking AUC on held-out items for the hybrid (features) and an ID-only LightFM."""
    p = params or HybridParams()
    mask, cold = cold_item_split(table.items, fraction=fraction, seed=seed)
    train_t, test_t = table.subset(mask), table.subset(~mask)
    warm_ids = list(dict.fromkeys(train_t.items.tolist()))
    cold_ids = sorted(cold, key=str)
    items = IdMap(warm_ids + cold_ids)
    m = build_interactions(train_t.users, train_t.items, train_t.ratings, timestamps=train_t.timestamps,
                           item_ids=items)
    import scipy.sparse as sp

    u = m.users.indices(test_t.users)
    i = m.items.indices(test_t.items)
    keep = u >= 0
    T = sp.csr_matrix((np.ones(int(keep.sum()), np.float32), (u[keep], i[keep])), shape=m.shape)
    candidates = np.asarray(m.items.indices(cold_ids))
    rows = np.flatnonzero(np.diff(T.indptr) > 0)
    out = {"protocol": {"held_out_items": len(cold_ids), "fraction": fraction, "seed": seed,
                        "train": int(m.nnz), "test": int(T.nnz), "users": int(len(rows)),
                        "ranking": "per user, among the held-out items only; AUC averaged over users"},
           "models": {}}
    Wl = m.weights(p.lightfm_weights, p.weight_scale)
    warm = m.item_counts() > 0
    n_with_features = sum(1 for x in cold_ids if (item_features or {}).get(x))
    out["protocol"]["held_out_items_with_features"] = n_with_features
    with threadpool_limits(limits=p.num_threads):
        for name, feats, identity in (("hybrid", item_features, True), ("lightfm_id_only", None, True)):
            t = time.perf_counter()
            F, _ = build_feature_matrix(m.items, feats, identity=identity,
                                        has_identity=warm if feats else np.ones(m.n_items, dtype=bool),
                                        normalize=p.normalize_features)
            lfm = make_lightfm(p).prepare(Wl, F)
            lfm.fit_epochs(p.epochs)
            fit = time.perf_counter() - t
            # held-out items: features only (hybrid) / their never-trained identity vector (ID-only)
            V, b = lfm.item_representations(F)
            U, _ = lfm.user_representations()
            # the held-out items' columns only: users x held-out items, never users x catalog
            Vc, bc = V[candidates], b[candidates]
            S = U[rows] @ Vc.T + bc[None, :]
            res = mean_ranking_auc(S, T[rows][:, candidates], np.arange(len(candidates)))
            out["models"][name] = {**res, "train_seconds": fit, "epochs": p.epochs}
    return out
