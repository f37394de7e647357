""""Films I liked → k films": who liked these films also liked what, estimated with care.

The question is not the one the top-N model answers. A viewer types one or three films; there
is no history beyond them and no trained vector. Measured on the issue-14 protocol (held-out
MovieLens viewers, one liked film as the query, `benchmarks/liked.py`), the hybrid fold-in, EASE
and item-item cosine all score *below* a plain most-popular list: a single film is too little for
a latent model, and cosine/EASE are built to discount popularity, which is most of what a
single liked film predicts. What measured best is the direct estimate of the quantity nDCG
rewards, the probability that someone who liked the query film ``q`` also likes film ``j``::

    P(j | q) = (co(q, j) + a * prior_j(q)) / (likes(q) + a)

* ``co(q, j)``: viewers who liked both (value >= ``threshold``: 4 stars, or a full watch);
* ``likes(q)``: viewers who liked ``q``;
* ``prior_j(q) = p_j * exp(gamma * genre_cos(q, j))`` renormalised to sum like ``p`` (``p_j``
  = share of viewers who liked ``j``): with few co-likers, the estimate falls back on how liked
  ``j`` is overall, tilted towards films of the same genres. ``a`` (shrinkage) and ``gamma`` are
  chosen on a validation protocol carved from the training data (:func:`tune_liked`), with
  ``lightfm_weight`` and the penalties below.

Several liked films: the mean of their ``P(j | q)``; each pick's reason is the query film with
the largest term ("because you liked Heat").

The hybrid model adds what counts cannot see (the films' features, tastes learnt from everyone):
the estimate is multiplied by ``exp(lightfm_weight * z_j)``, ``z`` the z-scored LightFM scores
of a viewer folded in from the liked films (``Recommender.lightfm_boost``). On the protocol it
lifted nDCG@5 by about 0.01 with one film (blending EASE instead lowered it).

A list of hits is not what people asked for: films among the ``popular_n`` most interacted get
``popular_penalty`` subtracted (in probability units) when the list is chosen, the value with
the best nDCG@5 on validation that keeps at most ``popular_share`` of the picks among them,
separately for one liked film and for several (averaging several films' estimates makes hits
more uniform). The films chosen are then shown in the order of their estimates, penalty-free.

Cost: the co-like counts are precomputed at training, top ``neighbours`` per film (a sparse
films × films matrix); a query reads one row per liked film plus a dense ``n_items`` pass.
At scale the counts come from a seeded sample of viewers (``max_interactions`` likes).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import scipy.sparse as sp

from .matrix import sample_rows
from .metrics import top_k_1d


@dataclass
class LikedParams:
    threshold: float = 4.0  # a value at or above it is a "like" (4 stars; a full watch scores 4)
    shrinkage: float = 10.0  # a: pseudo-count of the prior
    genre_gamma: float = 1.0  # tilt of the prior towards the query's genres (0 = off)
    lightfm_weight: float = 0.1  # beta: the estimate times exp(beta * z(LightFM fold-in score))
    popular_n: int = 20  # "hits": the films with the most interactions
    popular_penalty_one: float = 0.1  # subtracted from a hit's probability, one liked film
    popular_penalty_many: float = 0.1  # ... several liked films
    popular_share: float = 0.5  # the share of hits the penalties are tuned to stay at or under (validation)
    neighbours: int = 1000  # co-like counts kept per film
    max_interactions: int | None = None  # likes of a seeded sample of viewers at most (None = all)
    seed: int = 42

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> LikedParams:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (d or {}).items() if k in known})


def like_matrix(values: sp.csr_matrix, threshold: float) -> sp.csr_matrix:
    """Binary users × items matrix of the likes (value >= threshold)."""
    L = sp.csr_matrix(values, dtype=np.float32, copy=True)
    L.data = (L.data >= threshold).astype(np.float32)
    L.eliminate_zeros()
    return L


def cooccurrence_top(L: sp.csr_matrix, neighbours: int, block: int = 512) -> sp.csr_matrix:
    """items × items co-like counts (diagonal removed), the ``neighbours`` largest per row kept.
    Built by blocks of item rows, each a dense block × n_items array (≈ 36 MB at 17,770 films)
    whose top counts are picked by one vectorised partition."""
    LT = sp.csr_matrix(L.T, dtype=np.float32)
    Lc = sp.csr_matrix(L, dtype=np.float32)
    n = L.shape[1]
    keep = max(1, min(neighbours, n))
    indptr, indices, data, total = [np.zeros(1, dtype=np.int64)], [], [], 0
    for s in range(0, n, block):
        e = min(s + block, n)
        C = (LT[s:e] @ Lc).toarray()
        C[np.arange(e - s), np.arange(s, e)] = 0  # the film itself is not its own neighbour
        idx = (np.argpartition(-C, keep - 1, axis=1)[:, :keep] if keep < n
               else np.broadcast_to(np.arange(n), C.shape).copy())
        idx.sort(axis=1)
        vals = np.take_along_axis(C, idx, 1)
        nonzero = vals > 0
        counts = nonzero.sum(1)
        indices.append(idx[nonzero].astype(np.int32))
        data.append(vals[nonzero].astype(np.float32))
        indptr.append(total + np.cumsum(counts))
        total += int(counts.sum())
    data = np.concatenate(data) if data else np.zeros(0, np.float32)
    indices = np.concatenate(indices) if indices else np.zeros(0, np.int32)
    return sp.csr_matrix((data, indices, np.concatenate(indptr)), shape=(n, n))


def genre_matrix(item_features: sp.csr_matrix | None, feature_names: list[str] | None, n_identity: int,
                 n_items: int) -> sp.csr_matrix:
    """Row-normalised items × genres matrix from the hybrid model's item features (``genre:*``)."""
    if item_features is None or not feature_names:
        return sp.csr_matrix((n_items, 0), dtype=np.float32)
    cols = [n_identity + j for j, name in enumerate(feature_names) if name.startswith("genre:")]
    G = sp.csr_matrix(item_features[:, cols], dtype=np.float32, copy=True)
    G.data[:] = 1.0
    norms = np.sqrt(np.asarray(G.multiply(G).sum(1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ G, dtype=np.float32)


class LikedIndex:
    """What the "I liked…" answer needs, built once at training (:meth:`fit`) and saved in the
    model bundle: co-like counts, likes per film, the prior, genres, the hits."""

    def __init__(self, *, params: LikedParams, cooc: sp.csr_matrix, likes: np.ndarray, n_users: int,
                 genres: sp.csr_matrix, item_counts: np.ndarray):
        self.params = params
        self.cooc = sp.csr_matrix(cooc, dtype=np.float32)
        self.likes = np.asarray(likes, dtype=np.float64)
        self.n_users = max(int(n_users), 1)
        self.genres = sp.csr_matrix(genres, dtype=np.float32)
        self.item_counts = np.asarray(item_counts, dtype=np.int64)
        self.prior = self.likes / self.n_users
        self.popular = np.zeros(len(self.item_counts), dtype=bool)
        top = np.argsort(-self.item_counts, kind="stable")[:params.popular_n]
        self.popular[top[self.item_counts[top] > 0]] = True

    @classmethod
    def fit(cls, values: sp.csr_matrix, *, params: LikedParams | None = None, genres: sp.csr_matrix | None = None,
            item_counts: np.ndarray | None = None) -> LikedIndex:
        """``values``: users × items raw values (ratings / event scores)."""
        p = params or LikedParams()
        values = sp.csr_matrix(values)
        rows = sample_rows(np.diff(values.indptr), p.max_interactions, p.seed + 2)
        sample = values if rows is None else values[rows]
        L = like_matrix(sample, p.threshold)
        likes = np.bincount(L.indices, minlength=L.shape[1]).astype(np.float64)
        if item_counts is None:
            item_counts = np.bincount(values.indices, minlength=values.shape[1])
        if genres is None:
            genres = sp.csr_matrix((values.shape[1], 0), dtype=np.float32)
        return cls(params=p, cooc=cooccurrence_top(L, p.neighbours), likes=likes, n_users=L.shape[0],
                   genres=genres, item_counts=item_counts)

    def with_params(self, **kw) -> LikedIndex:
        """The same counts under other scoring knobs (``shrinkage``, ``genre_gamma``, penalties)."""
        p = LikedParams.from_dict({**self.params.to_dict(), **kw})
        out = LikedIndex.__new__(LikedIndex)
        out.__dict__.update(self.__dict__)
        out.params = p
        return out

    @property
    def n_items(self) -> int:
        return len(self.likes)

    def terms(self, items) -> np.ndarray:
        """len(items) × n_items: ``P(j | q)`` for each query film ``q`` (see the module docstring)."""
        p = self.params
        items = np.asarray(items, dtype=np.int64)
        out = np.empty((len(items), self.n_items), dtype=np.float64)
        for r, q in enumerate(items):
            prior = self.prior
            if p.genre_gamma and self.genres.shape[1]:
                sim = np.asarray(self.genres @ self.genres[q].T.toarray()).ravel()
                tilted = self.prior * np.exp(p.genre_gamma * sim)
                total = tilted.sum()
                prior = tilted * (self.prior.sum() / total) if total > 0 else self.prior
            row = np.zeros(self.n_items, dtype=np.float64)
            a, b = self.cooc.indptr[q], self.cooc.indptr[q + 1]
            row[self.cooc.indices[a:b]] = self.cooc.data[a:b]
            out[r] = (row + p.shrinkage * prior) / (self.likes[q] + p.shrinkage)
        return out

    def penalty(self, n_query: int) -> float:
        return self.params.popular_penalty_one if n_query <= 1 else self.params.popular_penalty_many

    def estimates(self, items, boost: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(estimate per item, index into ``items`` of the query film behind it). ``boost`` (per
        item, e.g. ``Recommender.lightfm_boost``) multiplies the estimate by
        ``exp(lightfm_weight * boost)``. The query films and films nobody interacted with are
        ``-inf``. No hit penalty: that only decides which films make the list (:meth:`recommend`)."""
        items = np.asarray(items, dtype=np.int64)
        T = self.terms(items)
        s = T.mean(0)
        if boost is not None and self.params.lightfm_weight:
            s = s * np.exp(self.params.lightfm_weight * np.asarray(boost, dtype=np.float64))
        s[items] = -np.inf
        s[self.item_counts <= 0] = -np.inf
        return s, T.argmax(0)

    def recommend(self, items, k: int, *, exclude=None, allowed: np.ndarray | None = None, boost=None):
        """Top-k [(item index, estimate, query item index it is explained by)], best first.

        Which films make the list: the k best estimates once the hits carry their penalty (so that
        at most about half of them are hits). In which order: their estimates, penalty-free — the
        penalty is about how many hits are shown, not about where; a hit the viewer most likely
        likes stays at the top of the list (`benchmarks.liked`, same knobs: nDCG@5 0.4787 → 0.4868
        with one film, 0.5173 → 0.5201 with three, over ordering by the penalised score)."""
        items = np.asarray(items, dtype=np.int64)
        if not len(items) or k < 1:
            return []
        s, why = self.estimates(items, boost)
        if exclude is not None and len(exclude):
            s[np.asarray(exclude, dtype=np.int64)] = -np.inf
        if allowed is not None:
            s[~allowed] = -np.inf
        chosen = top_k_1d(s - self.penalty(len(items)) * self.popular, k)
        chosen = chosen[np.argsort(-s[chosen], kind="stable")]
        return [(int(j), float(s[j]), int(items[why[j]])) for j in chosen]


# --------------------------------------------------------------------------------- evaluation
def protocol_queries(values: sp.csr_matrix, held: np.ndarray, *, threshold: float, n_query: int, seed: int):
    """[(query item indices, relevant item indices)] of the held-out rows: ``n_query`` of their
    liked items drawn at random, the rest of their likes relevant (the issue-14 protocol)."""
    rng = np.random.default_rng(seed + n_query)
    out = []
    for u in held:
        a, b = values.indptr[u], values.indptr[u + 1]
        liked = values.indices[a:b][values.data[a:b] >= threshold]
        if len(liked) <= n_query:
            continue
        q = rng.choice(liked, n_query, replace=False)
        out.append((q, np.setdiff1d(liked, q)))
    return out


SEARCH = {"shrinkage": (2.0, 5.0, 10.0, 20.0), "genre_gamma": (0.0, 1.0, 2.0),
          "lightfm_weight": (0.0, 0.05, 0.1, 0.15, 0.2),
          "popular_penalty": tuple(round(0.02 * i, 2) for i in range(31))}  # 0 .. 0.6


def _penalty_sweep(S, relevant, popular: np.ndarray, penalties: np.ndarray, k: int):
    """(sum of nDCG@k, number of hits picked) per penalty, over the queries' estimate rows ``S``:
    the top k under a penalty ``d`` on hits is always among the k best hits and the k best
    others, so each query ranks those 2k candidates for every ``d`` at once; the k chosen are
    then ordered by their estimates, as served."""
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    hits_idx = np.flatnonzero(popular)
    nd = np.zeros(len(penalties))
    nh = np.zeros(len(penalties), dtype=np.int64)
    for s, rel in zip(S, relevant, strict=True):
        h = hits_idx[top_k_1d(s[hits_idx], k)]
        o = top_k_1d(np.where(popular, -np.inf, s), k)
        cand = np.concatenate([h, o])
        is_hit = np.concatenate([np.ones(len(h)), np.zeros(len(o))])
        base = s[cand]
        sc = base[None, :] - penalties[:, None] * is_hit[None, :]
        chosen = np.argsort(-sc, axis=1, kind="stable")[:, :k]  # the list: penalised scores
        # ... shown in the order of the estimates themselves (as `LikedIndex.recommend`)
        order = np.take_along_axis(chosen, np.argsort(-base[chosen], axis=1, kind="stable"), 1)
        finite = np.isfinite(base[order])
        gains = np.isin(cand, rel).astype(np.float64)[order] * finite
        ideal = disc[:min(k, len(rel))].sum()
        nd += (gains @ disc[:order.shape[1]]) / ideal if ideal else 0.0
        nh += (is_hit[order] * finite).sum(1).astype(np.int64)
    return nd, nh


def tune_liked(values: sp.csr_matrix, *, params: LikedParams | None = None, genres=None, lightfm_for=None,
               min_likes: int = 20, max_held: int = 500, folds: int = 4, draws: int = 4, k: int = 5,
               grid=None) -> tuple[LikedParams, dict]:
    """Choose ``shrinkage``, ``genre_gamma``, ``lightfm_weight`` and the two hit penalties on a
    validation protocol carved from ``values`` (never the caller's test data): the viewers with at
    least ``min_likes`` likes are split in ``folds`` (at most ``max_held`` per fold, seeded); each
    fold in turn is removed from the training rows and queried ``draws`` times with one and with
    three of its viewers' liked films (different random draws). The best mean nDCG@k of the two
    whose share of hits stays at or under ``popular_share`` wins. Several folds keep each
    validation model close to the final one's data size; several draws lower the noise of the
    choice (4 rather than 2: on `benchmarks.liked`, the three-film nDCG@5 0.5069 → 0.5201, the
    one-film 0.4883 → 0.4868, within its noise; ≈ 10 s more on MovieLens-small).

    ``lightfm_for(row mask)`` returns, for a model trained on those rows only, a function
    ``query items -> boost per item`` (the z-scored LightFM fold-in scores,
    ``Recommender.lightfm_boost``); without it the LightFM weight stays 0."""
    p = params or LikedParams()
    g = {**SEARCH, **(grid or {})}
    if lightfm_for is None:
        g["lightfm_weight"] = (0.0,)
    values = sp.csr_matrix(values)
    likes_per_user = np.asarray((values >= p.threshold).sum(1)).ravel()
    eligible = np.flatnonzero(likes_per_user >= min_likes)
    report = {"eligible_viewers": int(len(eligible))}
    if len(eligible) < 20:
        report["skipped"] = f"fewer than 20 viewers with {min_likes} likes"
        return p, report
    rng = np.random.default_rng(p.seed)
    perm = rng.permutation(eligible)[:folds * max_held]
    fold_rows = [np.sort(perm[f::folds]) for f in range(folds)]
    report["held_out_viewers"] = int(sum(len(f) for f in fold_rows))
    # (a, gamma, lightfm weight, n, penalty) -> [nDCG sum, queries, hits, picks] over the folds
    acc: dict = {}
    penalties = np.asarray(g["popular_penalty"], dtype=np.float64)
    queries = {1: 0, 3: 0}
    for held in fold_rows:
        keep = np.ones(values.shape[0], dtype=bool)
        keep[held] = False
        train = values[keep]
        base = LikedIndex.fit(train, params=p, genres=genres,
                              item_counts=np.bincount(train.indices, minlength=values.shape[1]))
        qsets = {n: [(q, r) for draw in range(draws)
                     for q, r in protocol_queries(values, held, threshold=p.threshold, n_query=n, seed=p.seed + 7 * draw)
                     if (base.item_counts[q] > 0).all()]
                 for n in (1, 3)}
        boost_of = lightfm_for(keep) if lightfm_for is not None else None
        boosts = {n: [boost_of(q) if boost_of is not None else None for q, _ in qs] for n, qs in qsets.items()}
        for n, qs in qsets.items():
            queries[n] += len(qs)
        for a in g["shrinkage"]:
            for gamma in g["genre_gamma"]:
                idx = base.with_params(shrinkage=a, genre_gamma=gamma, popular_penalty_one=0.0,
                                       popular_penalty_many=0.0)
                for n, qs in qsets.items():
                    S0 = [idx.estimates(q)[0] for q, _ in qs]
                    rels = [r for _, r in qs]
                    for beta in g["lightfm_weight"]:
                        S = S0 if not beta else [s * np.exp(beta * b) for s, b in zip(S0, boosts[n], strict=True)]
                        nd, hits = _penalty_sweep(S, rels, idx.popular, penalties, k)
                        for d, v, h in zip(penalties, nd, hits, strict=True):
                            cell = acc.setdefault((a, gamma, beta, n, d), [0.0, 0, 0, 0])
                            cell[0] += v
                            cell[1] += len(qs)
                            cell[2] += h
                            cell[3] += k * len(qs)
    results, best = {}, None
    for a in g["shrinkage"]:
        for gamma in g["genre_gamma"]:
            for beta in g["lightfm_weight"]:
                chosen = {}
                for n in (1, 3):
                    options = []
                    for d in g["popular_penalty"]:
                        tot, nq, hits, picks = acc[(a, gamma, beta, n, d)]
                        nd, share = tot / max(nq, 1), hits / max(picks, 1)
                        results[f"a={a:g},gamma={gamma:g},lightfm={beta:g},n={n},penalty={d:g}"] = (
                            round(nd, 5), round(share, 3))
                        if share <= p.popular_share:
                            options.append((nd, -d, d, share))
                    chosen[n] = max(options) if options else None
                if chosen[1] is None or chosen[3] is None:
                    continue
                v = (chosen[1][0] + chosen[3][0]) / 2
                if best is None or v > best[0]:
                    best = (v, a, gamma, beta, chosen[1][2], chosen[3][2], chosen[1][0], chosen[3][0])
    report["grid"] = results
    if best is None:
        report["skipped"] = "no setting keeps the share of hits under the target"
        return p, report
    v, a, gamma, beta, d1, d3, nd1, nd3 = best
    report.update({"chosen": {"shrinkage": a, "genre_gamma": gamma, "lightfm_weight": beta,
                              "popular_penalty_one": d1, "popular_penalty_many": d3},
                   "ndcg@5_one": nd1, "ndcg@5_three": nd3, "queries": queries})
    return LikedParams.from_dict({**p.to_dict(), **report["chosen"]}), report
