"""Top-k ranking metrics, as defined by the public Recommenders benchmark.

For each test user with at least one relevant item (every test interaction is relevant) and
the top-k list ``rec`` (seen items already removed)::

    precision@k = hits / k
    recall@k    = hits / |relevant|
    nDCG@k      = sum_{hit at rank j} 1/log2(j+1)  /  sum_{j=1..min(|relevant|,k)} 1/log2(j+1)
    MAP@k       = sum_{hit at rank j} precision@j  /  |relevant|      (not min(|relevant|, k))

each averaged over users. Catalog coverage = distinct recommended items / catalog size.
Ranking AUC (per user, averaged): the probability that a relevant candidate is scored above an
irrelevant candidate, ties counting one half.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata


def top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None, exclude_rows=None) -> np.ndarray:
    """Indices of the ``k`` best items per row of ``scores`` (best first), never an excluded one.

    ``exclude`` is a CSR matrix whose non-zeros are excluded; ``exclude_rows`` picks which of its
    rows correspond to the rows of ``scores`` (default: the same rows). Rows with fewer than ``k``
    allowed items are padded with -1.
    """
    S = np.array(scores, dtype=np.float64, copy=True, ndmin=2)
    if exclude is not None:
        E = exclude if exclude_rows is None else exclude[np.asarray(exclude_rows)]
        E = sp.csr_matrix(E)
        r = np.repeat(np.arange(E.shape[0]), np.diff(E.indptr))
        S[r, E.indices] = -np.inf
    n = S.shape[1]
    kk = min(k, n)
    if kk == 0:
        return np.full((S.shape[0], k), -1, dtype=np.int64)
    part = np.argpartition(-S, kk - 1, axis=1)[:, :kk] if kk < n else np.tile(np.arange(n), (S.shape[0], 1))
    vals = np.take_along_axis(S, part, 1)
    order = np.lexsort((part, -vals), axis=1)  # by score desc, then by index for stable ties
    top = np.take_along_axis(part, order, 1)
    top[np.take_along_axis(vals, order, 1) == -np.inf] = -1
    if kk < k:
        top = np.hstack([top, np.full((S.shape[0], k - kk), -1, dtype=top.dtype)])
    return top.astype(np.int64)


def top_k_1d(scores: np.ndarray, k: int) -> np.ndarray:
    """`top_k` of one row without its -1 padding: the indices of the (at most) ``k`` best
    entries that are not ``-inf``, best first, ties by index (serving's per-request ranking)."""
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    kk = min(k, n)
    if kk <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(s, n - kk)[n - kk:] if kk < n else np.arange(n)
    vals = s[part]
    order = np.lexsort((part, -vals))
    top, vals = part[order], vals[order]
    return top[vals != -np.inf].astype(np.int64)


def ranking_metrics(top: np.ndarray, relevant: list, k: int) -> dict:
    """Metrics for top-k lists ``top`` (rows, -1 = empty slot) against ``relevant`` (list of
    item-index collections, one per row). Rows with no relevant item are skipped."""
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    P = R = N = M = 0.0
    n = 0
    for row, rel in zip(top, relevant, strict=True):
        rel = set(int(x) for x in rel)
        if not rel:
            continue
        hits = np.array([1.0 if int(i) in rel else 0.0 for i in row[:k]] + [0.0] * max(0, k - len(row[:k])))
        h = hits.sum()
        P += h / k
        R += h / len(rel)
        N += float((hits * disc).sum() / disc[:min(len(rel), k)].sum())
        prec_at = np.cumsum(hits) / np.arange(1, k + 1)
        M += float((prec_at * hits).sum() / len(rel))
        n += 1
    if n == 0:
        return {"precision": 0.0, "recall": 0.0, "ndcg": 0.0, "map": 0.0, "users": 0}
    return {"precision": P / n, "recall": R / n, "ndcg": N / n, "map": M / n, "users": n}


def precision_at_k(rec, relevant, k):
    return ranking_metrics(np.array([list(rec)]), [relevant], k)["precision"]


def recall_at_k(rec, relevant, k):
    return ranking_metrics(np.array([list(rec)]), [relevant], k)["recall"]


def ndcg_at_k(rec, relevant, k):
    return ranking_metrics(np.array([list(rec)]), [relevant], k)["ndcg"]


def map_at_k(rec, relevant, k):
    return ranking_metrics(np.array([list(rec)]), [relevant], k)["map"]


def catalog_coverage(top: np.ndarray, n_items: int) -> float:
    """Share of the catalog that appears in at least one top-k list."""
    items = np.unique(top[top >= 0])
    return float(len(items)) / n_items if n_items else 0.0


def relevant_lists(test: sp.csr_matrix, rows) -> list:
    test = sp.csr_matrix(test)
    return [test.indices[test.indptr[u]:test.indptr[u + 1]] for u in rows]


def auc(scores: np.ndarray, positive_mask: np.ndarray) -> float | None:
    """Ranking AUC of one score vector; None when there are no positives or no negatives."""
    pos = np.asarray(positive_mask, dtype=bool)
    npos = int(pos.sum())
    nneg = len(pos) - npos
    if npos == 0 or nneg == 0:
        return None
    ranks = rankdata(scores)
    return float((ranks[pos].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))


def mean_ranking_auc(scores: np.ndarray, test: sp.csr_matrix, candidates: np.ndarray, rows=None) -> dict:
    """Per-user AUC restricted to ``candidates`` (item indices), averaged over users that have
    at least one relevant candidate and one irrelevant one."""
    test = sp.csr_matrix(test)
    candidates = np.asarray(candidates)
    rows = np.arange(scores.shape[0]) if rows is None else np.asarray(rows)
    pos_of = {int(c): j for j, c in enumerate(candidates)}
    vals = []
    for a, u in enumerate(rows):
        rel = test.indices[test.indptr[u]:test.indptr[u + 1]]
        mask = np.zeros(len(candidates), dtype=bool)
        for i in rel:
            j = pos_of.get(int(i))
            if j is not None:
                mask[j] = True
        v = auc(scores[a, candidates], mask)
        if v is not None:
            vals.append(v)
    return {"auc": float(np.mean(vals)) if vals else float("nan"), "users": len(vals)}
