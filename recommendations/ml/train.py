"""Training with a small hyper-parameter search on a validation split of the training data.

``train_recommender(matrix, item_features=...)``:

1. carve a validation split out of the *training* interactions (per user 75/25, seeded); the
   caller's own test data is never seen;
2. EASE: for each ``ease_l2`` in the grid, validation nDCG@10 (computed in user space, ~1 s each
   on MovieLens-small); keep the best lambda;
3. LightFM: train epoch by epoch, validation nDCG@10 after each epoch (``on_epoch`` callback for
   progress), stop after ``patience`` epochs without improvement; keep the best epoch count;
4. blend: grid over the popularity debiasing ``beta`` and the LightFM weight ``w``;
5. retrain on all the training data with the chosen values (fixed seeds) -> :class:`Recommender`.

The report (grids, chosen values, validation scores, timings) goes into the artifact metadata.
"""
from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from threadpoolctl import threadpool_limits

from .features import build_feature_matrix
from .liked import genre_matrix, tune_liked
from .matrix import InteractionMatrix
from .metrics import ranking_metrics, relevant_lists, top_k
from .models import ease_user_scores, make_lightfm
from .recommender import HybridParams, Recommender, blend_scores, masked_zscore, sessions_of
from .split import stratified_split

SEARCH_GRID = {
    "ease_session_weight": (0.0, 3.0),  # tried at the default lambda first
    "ease_l2": (300.0, 600.0, 1200.0),  # then lambda with the chosen session weight
    "popularity_beta": (0.1, 0.2, 0.3, 0.4),
    "blend_weight": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
}


def validation_split(matrix: InteractionMatrix, *, seed: int = 1, ratio: float = 0.75):
    """(train, test) :class:`InteractionMatrix` with the same id maps, split per user."""
    coo = matrix.values.tocoo()
    mask = stratified_split(coo.row, coo.col, ratio=ratio, seed=seed, by="user")
    return matrix.subset(mask), matrix.subset(~mask)


def _ndcg(S, rows_relevant, k):
    return ranking_metrics(top_k(S, k), rows_relevant, k)["ndcg"]


def tune(matrix: InteractionMatrix, *, item_features: Mapping | None = None, params: HybridParams | None = None,
         grid: Mapping | None = None, validation_seed: int = 1, max_epochs: int = 30, patience: int = 3,
         eval_users: int = 2000, k: int = 10, on_epoch=None) -> tuple[HybridParams, dict]:
    """Choose the EASE session weight and lambda, ``popularity_beta``, ``blend_weight`` and
    ``epochs`` on a validation split of ``matrix`` (see the module docstring)."""
    p = params or HybridParams()
    grid = {**SEARCH_GRID, **(grid or {})}
    t0 = time.perf_counter()
    vtr, vte = validation_split(matrix, seed=validation_seed)
    counts = vtr.item_counts()
    warm = counts > 0
    te = vte.values.copy()
    te.data[~warm[te.indices]] = 0  # test items never seen in training cannot be recommended
    te.eliminate_zeros()
    rows = np.flatnonzero(np.diff(te.indptr) > 0)
    rng = np.random.default_rng(p.seed)
    if len(rows) > eval_users:
        rows = np.sort(rng.choice(rows, eval_users, replace=False))
    report = {"validation_seed": validation_seed, "validation_users": int(len(rows)),
              "validation_train": int(vtr.nnz), "validation_test": int(te.nnz)}
    if len(rows) == 0:
        report["skipped"] = "no validation users"
        return p, report
    relevant = relevant_lists(te, rows)
    W = vtr.weights(p.weight_scheme, p.weight_scale)
    allowed = np.tile(warm, (len(rows), 1))
    Wr = W[rows]
    allowed[np.repeat(np.arange(len(rows)), np.diff(Wr.indptr)), Wr.indices] = False
    debias_of = {b: np.maximum(counts, 1).astype(np.float64) ** (-b) for b in grid["popularity_beta"]}

    # --- EASE: session weight at the default lambda, then lambda (each with its best beta)
    sessions = sessions_of(vtr, W, p.replace(ease_session_weight=1.0)) if vtr.times is not None else None
    ease_grid, cache = {}, {}

    def ease_eval(l2, sw):
        key = (float(l2), float(sw))
        if key not in cache:
            E = ease_user_scores(W, l2, p.ease_gram_row_alpha, rows, sessions=sessions, session_weight=sw,
                                 min_count=p.ease_min_count)
            best = None
            for b in grid["popularity_beta"]:
                v = _ndcg(blend_scores(E, None, allowed, debias_of[b], 0.0), relevant, k)
                ease_grid[f"l2={l2:g},session={sw:g},beta={b:g}"] = round(v, 5)
                best = max(best or (v, b), (v, b))
            cache[key] = (best[0], E)
        return cache[key][0]

    sws = grid["ease_session_weight"] if sessions is not None else (0.0,)
    sw_best = max(sws, key=lambda sw: ease_eval(p.ease_l2, sw))
    l2_best = max(grid["ease_l2"], key=lambda l2: ease_eval(l2, sw_best))
    ease_best_ndcg, E_best = cache[(float(l2_best), float(sw_best))]

    # --- LightFM with early stopping
    Wl = vtr.weights(p.lightfm_weights, p.weight_scale)
    F, _ = build_feature_matrix(matrix.items, item_features, identity=p.identity_features, has_identity=warm,
                                normalize=p.normalize_features)
    lfm = make_lightfm(p).prepare(Wl, F)
    curve, best_lfm, since = [], None, 0
    for epoch in range(1, max_epochs + 1):
        lfm.fit_epochs(1)
        V, bvec = lfm.item_representations(F)
        U, _ = lfm.user_representations()
        L = U[rows] @ V.T + bvec[None, :]
        v = _ndcg(np.where(allowed, L, -np.inf), relevant, k)
        curve.append(round(v, 5))
        if on_epoch is not None:
            on_epoch(epoch, {"stage": "validation", "ndcg@10": v, "seconds": lfm.fit_seconds})
        if best_lfm is None or v > best_lfm[0]:
            best_lfm, since = (v, epoch, L), 0
        else:
            since += 1
            if since >= patience:
                break
    _, best_epoch, L_best = best_lfm

    # --- blend: z-scores computed once per part, then the grid is a weighted sum
    zL = masked_zscore(L_best, allowed)
    blend_grid, best = {}, None
    for b in grid["popularity_beta"]:
        zE = masked_zscore(E_best * debias_of[b][None, :], allowed)
        for w in grid["blend_weight"]:
            S = (1.0 - w) * zE + w * zL
            S[~allowed] = -np.inf
            v = _ndcg(S, relevant, k)
            blend_grid[f"beta={b:g},w={w:g}"] = round(v, 5)
            if best is None or v > best[0]:
                best = (v, b, w)
    v_blend, b_best, w_best = best
    chosen = p.replace(ease_l2=float(l2_best), ease_session_weight=float(sw_best), popularity_beta=float(b_best),
                       blend_weight=float(w_best), epochs=int(best_epoch))
    report.update({
        "ease_grid": ease_grid, "ease_best_ndcg@10": ease_best_ndcg, "lightfm_curve": curve,
        "lightfm_best_ndcg@10": best_lfm[0], "lightfm_best_epoch": int(best_epoch), "blend_grid": blend_grid,
        "blend_best_ndcg@10": v_blend,
        "chosen": {"ease_l2": l2_best, "ease_session_weight": sw_best, "popularity_beta": b_best,
                   "blend_weight": w_best, "epochs": best_epoch},
        "seconds": time.perf_counter() - t0,
    })
    return chosen, report


def tune_liked_for(matrix: InteractionMatrix, item_features: Mapping | None, p: HybridParams, grid=None):
    """(params with the "I liked…" knobs chosen on validation, report) — :func:`.liked.tune_liked`,
    the LightFM part of each fold trained (with ``p``) on that fold's training viewers only."""
    F, space = build_feature_matrix(matrix.items, item_features, identity=False)
    genres = genre_matrix(F, space.names.ids, 0, matrix.n_items)
    user_of_nnz = np.repeat(np.arange(matrix.n_users), np.diff(matrix.values.indptr))

    def lightfm_for(keep_rows):
        fold = Recommender.fit(matrix.subset(keep_rows[user_of_nnz]), item_features=item_features,
                               params=p.replace(blend_weight=1.0, liked={**(p.liked or {}), "neighbours": 1}),
                               keep_interactions=False)
        return fold.lightfm_boost

    lp, rep = tune_liked(matrix.values, params=Recommender.liked_params(p), genres=genres, lightfm_for=lightfm_for,
                         grid=grid)
    chosen = {k: getattr(lp, k) for k in ("shrinkage", "genre_gamma", "lightfm_weight", "popular_penalty_one",
                                          "popular_penalty_many")}
    return p.replace(liked={**(p.liked or {}), **chosen}), rep


def train_recommender(matrix: InteractionMatrix, *, item_features: Mapping | None = None,
                      user_features: Mapping | None = None, params: HybridParams | None = None, search: bool = True,
                      grid: Mapping | None = None, validation_seed: int = 1, max_epochs: int = 30,
                      on_epoch=None, keep_interactions: bool = True) -> tuple[Recommender, dict]:
    """Tune on validation (``search=True``), then fit on all of ``matrix``. Returns (model, report)."""
    p = params or HybridParams()
    t0 = time.perf_counter()
    report: dict = {}
    with threadpool_limits(limits=p.num_threads):
        if search:
            p, report["search"] = tune(matrix, item_features=item_features, params=p, grid=grid,
                                       validation_seed=validation_seed, max_epochs=max_epochs, on_epoch=on_epoch)
            p, report["liked_search"] = tune_liked_for(matrix, item_features, p)
        model = Recommender.fit(matrix, item_features=item_features, user_features=user_features, params=p,
                                on_epoch=on_epoch, keep_interactions=keep_interactions)
    report["fit"] = model.report
    report["params"] = p.to_dict()
    report["seconds"] = time.perf_counter() - t0
    model.report = report
    return model, report
