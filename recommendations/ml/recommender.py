"""The hybrid recommender: LightFM WARP with item features, blended with EASE.

Score of item j for a user (higher is better)::

    s_j = (1 - w) * z(ease_j / max(count_j, 1) ** beta) + w * z(u . v_j + b_j)

* ``ease_j`` = ``x @ B`` (``x`` = the user's confidence-weighted history), popularity-debiased
  by ``beta`` (EASE over-ranks blockbusters that the user has most likely already seen);
* ``u . v_j + b_j`` = LightFM (two seeds summed, vectors concatenated); ``v_j`` comes from the item's identity + feature embeddings, so an
  item nobody has rated still has a vector from its genres/decade/people (cold start);
* ``z(.)`` standardises each part over the candidate items of that user (mean 0, std 1), so the
  blend weight ``w`` does not depend on the score scales. ``w``, ``beta``, EASE's lambda and the
  LightFM epoch count are chosen on a validation split carved from the training data
  (:mod:`.train`).

Users unknown to the model (or whose history changed) are folded in (:mod:`.foldin`).
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .features import FeatureSpace, build_feature_matrix, feature_vector
from .foldin import FoldInSolver, calibrate_foldin
from .liked import LikedIndex, LikedParams, genre_matrix
from .matrix import IdMap, InteractionMatrix, confidence_weights, sample_rows, session_matrix
from .metrics import top_k, top_k_1d
from .models import EASE, make_lightfm


class History(NamedTuple):
    """A viewer's history as two aligned arrays (item indices, raw values): what the serving path
    reads from the database, scored without a Python object per rating."""

    items: np.ndarray
    values: np.ndarray


def history_arrays(history) -> tuple[np.ndarray, np.ndarray]:
    """(item indices int64, raw values float64) of a `History` or of [(item index, raw value)]
    pairs; an item given more than once keeps its last value (as `history_row`)."""
    if isinstance(history, History):
        cols = np.asarray(history.items, dtype=np.int64)
        vals = np.asarray(history.values, dtype=np.float64)
    else:
        history = list(history or [])
        cols = np.fromiter((h[0] for h in history), dtype=np.int64, count=len(history))
        vals = np.fromiter((h[1] for h in history), dtype=np.float64, count=len(history))
    if len(cols) > 1:
        _, first_from_end = np.unique(cols[::-1], return_index=True)
        if len(first_from_end) < len(cols):  # repeats: keep each item's last occurrence
            keep = np.sort(len(cols) - 1 - first_from_end)
            cols, vals = cols[keep], vals[keep]
    return cols, vals


@dataclass
class HybridParams:
    """Every knob of the hybrid model (defaults = the values chosen on MovieLens validation)."""

    # LightFM
    no_components: int = 64
    learning_rate: float = 0.03
    loss: str = "warp"
    item_alpha: float = 0.0
    user_alpha: float = 0.0
    max_sampled: int = 30
    epochs: int = 15
    lightfm_weights: str = "linear"  # sample weights of LightFM (see matrix.confidence_weights)
    identity_features: bool = True
    normalize_features: bool = False
    # EASE
    weight_scheme: str = "sqrt"  # confidence weights of EASE and of the fold-in
    weight_scale: float = 5.0  # top of the rating scale
    ease_l2: float = 600.0
    ease_gram_row_alpha: float = 0.5
    ease_nnz_per_item: int | None = 200  # None = keep the dense matrix
    ease_min_count: int = 3  # items with fewer interactions get no EASE weights (LightFM still scores them)
    ease_session_weight: float = 3.0  # weight of same-day co-occurrences in the Gram matrix (0 = off)
    ease_session_window: float = 86400.0  # seconds
    popularity_beta: float = 0.3
    # blend: weight of LightFM (0 = EASE only, 1 = LightFM only)
    blend_weight: float = 0.5
    # scale caps (None = no cap; set by the training service above a data size, see docs/recommender.md)
    lightfm_max_interactions: int | None = None  # LightFM trains on a seeded sample of viewers holding at
    #   most this many interactions; the other viewers are folded in (`.foldin`) when scored
    ease_max_items: int | None = None  # EASE weights for the N most interacted items only (cubic cost)
    ease_max_interactions: int | None = None  # EASE's Gram matrix from a seeded sample of viewers
    seed: int = 42
    num_threads: int = 2  # BLAS threads while training
    lightfm_threads: int = 1  # 1 = reproducible (LightFM's multi-threaded SGD is not deterministic)
    lightfm_ensemble: int = 2  # LightFM models with seeds seed, seed+1, ... summed (vectors concatenated)
    # "I liked…" (`.liked.LikedParams` fields; chosen by `.liked.tune_liked` when the search runs)
    liked: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> HybridParams:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def replace(self, **kw) -> HybridParams:
        d = self.to_dict()
        d.update(kw)
        return HybridParams(**d)


def sessions_of(matrix: InteractionMatrix, W: sp.csr_matrix, p: HybridParams):
    """Session rows for EASE's Gram matrix, or None (no timestamps, or sessions turned off)."""
    if matrix.times is None or not p.ease_session_weight or not p.ease_session_window:
        return None
    return session_matrix(W, matrix.times, p.ease_session_window)


def masked_zscore(S: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Standardise each row over its allowed entries (others are left as they are). One row
    (1-D, serving's case) is standardised from its allowed entries directly."""
    S = np.asarray(S, dtype=np.float64)
    if S.ndim == 1:
        a = S[allowed]
        if not a.size:
            return S.copy()
        sd = a.std()
        return (S - a.mean()) / (sd if sd > 0 else 1.0)
    cnt = np.maximum(allowed.sum(1, keepdims=True), 1)
    Sa = np.where(allowed, S, 0.0)
    mu = Sa.sum(1, keepdims=True) / cnt
    var = (np.where(allowed, (S - mu) ** 2, 0.0)).sum(1, keepdims=True) / cnt
    sd = np.sqrt(var)
    sd[sd == 0] = 1.0
    return (S - mu) / sd


# Entries of B read by one history above which `_ease_row` slices B's rows and multiplies (below,
# the gather's lower fixed cost wins: the two cost the same at ~20 k entries, ~80 films, measured
# on the Netflix-scale model).
EASE_ROW_SPARSE_PRODUCT_MIN = 20_000


def blend_scores(ease_scores, lfm_scores, allowed, debias, w) -> np.ndarray:
    """``(1-w) z(ease * debias) + w z(lightfm)`` over the allowed entries; others ``-inf``.
    Rows of scores (2-D) or one row (1-D)."""
    if ease_scores is None or w >= 1.0:
        S = masked_zscore(lfm_scores, allowed)
    elif w <= 0.0:
        S = masked_zscore(ease_scores * debias, allowed)
    else:
        S = (1.0 - w) * masked_zscore(ease_scores * debias, allowed) + w * masked_zscore(lfm_scores, allowed)
    S[~allowed] = -np.inf
    return S


class Recommender:
    """A trained hybrid model. Build with :meth:`fit` (or ``artifacts.load_recommender``).

    Item and user *indices* are positions in ``items`` / ``users`` (:class:`IdMap`); external ids
    are converted with ``item_index(id)`` / ``user_index(id)``.
    """

    def __init__(self, *, params: HybridParams, users: IdMap, items: IdMap, item_space: FeatureSpace,
                 item_features: sp.csr_matrix, item_vectors: np.ndarray, item_biases: np.ndarray,
                 feature_embeddings: np.ndarray, feature_biases: np.ndarray, user_vectors: np.ndarray,
                 item_counts: np.ndarray, ease_B=None, foldin: FoldInSolver | None = None,
                 user_space: FeatureSpace | None = None, user_feature_embeddings: np.ndarray | None = None,
                 interactions: sp.csr_matrix | None = None, report: dict | None = None,
                 liked: LikedIndex | None = None):
        self.params = params
        self.users, self.items = users, items
        self.item_space, self.item_features = item_space, sp.csr_matrix(item_features, dtype=np.float32)
        self.item_vectors = np.ascontiguousarray(item_vectors, dtype=np.float32)
        self.item_biases = np.asarray(item_biases, dtype=np.float32)
        self.feature_embeddings = np.asarray(feature_embeddings, dtype=np.float32)
        self.feature_biases = np.asarray(feature_biases, dtype=np.float32)
        self.user_vectors = np.asarray(user_vectors, dtype=np.float32)
        self.item_counts = np.asarray(item_counts, dtype=np.int64)
        self.ease_B = ease_B
        self.user_space, self.user_feature_embeddings = user_space, user_feature_embeddings
        self.interactions = None if interactions is None else sp.csr_matrix(interactions, dtype=np.float32)
        self.report = report or {}
        self.liked = liked
        self.warm = self.item_counts > 0
        self._debias = (np.maximum(self.item_counts, 1).astype(np.float64) ** (-params.popularity_beta))
        self._unit = None
        if foldin is None:
            foldin = FoldInSolver(self.item_vectors, self.item_biases, self.warm)
        self.foldin = foldin

    # ---------------------------------------------------------------------------- training
    @classmethod
    def fit(cls, matrix: InteractionMatrix, *, item_features: Mapping | None = None,
            user_features: Mapping | None = None, params: HybridParams | None = None, on_epoch=None,
            keep_interactions: bool = True) -> Recommender:
        """Train on ``matrix`` (raw ratings / event scores). ``item_features`` maps item id ->
        feature strings (items of the catalog without interactions should be in ``matrix.items``
        to be recommendable as cold items). ``on_epoch(epoch, info)`` is called after each
        LightFM epoch. Seeds are fixed by ``params.seed``."""
        p = params or HybridParams()
        t0 = time.perf_counter()
        with threadpool_limits(limits=p.num_threads):
            W = matrix.weights(p.weight_scheme, p.weight_scale)
            counts = matrix.item_counts()
            warm = counts > 0
            F, space = build_feature_matrix(matrix.items, item_features, identity=p.identity_features,
                                            has_identity=warm, normalize=p.normalize_features)
            # LightFM's viewers: all of them, or a sample within the cap (the others are folded in)
            lf_rows = sample_rows(matrix.user_counts(), p.lightfm_max_interactions, p.seed)
            users = matrix.users if lf_rows is None else IdMap.from_list([matrix.users[i] for i in lf_rows])
            values = matrix.values if lf_rows is None else matrix.values[lf_rows]
            W_lf = W if lf_rows is None else W[lf_rows]
            Wl = values.copy()
            Wl.data = confidence_weights(Wl.data, p.lightfm_weights, p.weight_scale)
            UF, uspace = None, None
            if user_features:
                UF, uspace = build_feature_matrix(users, user_features, identity=True)
            lfm = make_lightfm(p).prepare(Wl, F, UF)
            del Wl
            for epoch in range(1, p.epochs + 1):
                lfm.fit_epochs(1)
                if on_epoch is not None:
                    on_epoch(epoch, {"stage": "final", "epochs": p.epochs, "seconds": lfm.fit_seconds})
            V, b = lfm.item_representations(F)
            E, eb = lfm.feature_parameters()
            U, _ = lfm.user_representations(UF)
            ufe = lfm.user_feature_parameters()[0] if UF is not None else None
            ease = None
            if p.blend_weight < 1.0:
                e_rows = sample_rows(matrix.user_counts(), p.ease_max_interactions, p.seed + 1)
                sessions = sessions_of(matrix, W, p) if e_rows is None else None
                ease = EASE(p.ease_l2, p.ease_gram_row_alpha, p.ease_nnz_per_item, p.ease_session_weight,
                            p.ease_min_count, max_items=p.ease_max_items,
                            item_counts=counts).fit(W if e_rows is None else W[e_rows], sessions)
            solver, freport = calibrate_foldin(V, b, warm, U, W_lf, seed=p.seed)
            t_liked = time.perf_counter()
            liked = LikedIndex.fit(matrix.values, params=cls.liked_params(p), item_counts=counts,
                                   genres=genre_matrix(F, space.names.ids, space.n_identity, matrix.n_items))
            liked_seconds = time.perf_counter() - t_liked
        report = {
            "lightfm_seconds": lfm.fit_seconds, "ease_seconds": ease.fit_seconds if ease else 0.0,
            "fit_seconds": time.perf_counter() - t0, "foldin": freport,
            "ease_nnz": int(ease.B.nnz) if ease is not None and sp.issparse(ease.B) else None,
            "ease_items": ease.active_items if ease is not None else 0,
            "n_users": matrix.n_users, "n_items": matrix.n_items, "n_interactions": matrix.nnz,
            "lightfm_users": len(users), "lightfm_interactions": int(values.nnz),
            "n_warm_items": int(warm.sum()), "n_item_features": len(space.names),
            "liked_seconds": liked_seconds, "liked_cooc_nnz": int(liked.cooc.nnz),
        }
        return cls(params=p, users=users, items=matrix.items, item_space=space, item_features=F,
                   item_vectors=V, item_biases=b, feature_embeddings=E, feature_biases=eb, user_vectors=U,
                   item_counts=counts, ease_B=None if ease is None else ease.B, foldin=solver, user_space=uspace,
                   user_feature_embeddings=ufe, interactions=values if keep_interactions else None,
                   report=report, liked=liked)

    @staticmethod
    def liked_params(p: HybridParams) -> LikedParams:
        """The "I liked…" knobs of ``p``; the co-like counts share EASE's viewer sample at scale."""
        return LikedParams.from_dict({"max_interactions": p.ease_max_interactions, "seed": p.seed, **(p.liked or {})})

    # ---------------------------------------------------------------------------- lookups
    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_users(self) -> int:
        return len(self.users)

    def item_index(self, item_id) -> int | None:
        return self.items.index(item_id)

    def user_index(self, user_id) -> int | None:
        return self.users.index(user_id)

    def weights(self, values) -> np.ndarray:
        """Confidence weights of raw values (ratings / event scores) as used in training."""
        return confidence_weights(values, self.params.weight_scheme, self.params.weight_scale)

    def history_of(self, user: int) -> list[tuple[int, float]]:
        """The training history (item index, raw value) of a known user (needs the interactions)."""
        if self.interactions is None:
            raise ValueError("this model was saved without its interactions: pass the user's history")
        s, e = self.interactions.indptr[user], self.interactions.indptr[user + 1]
        return list(zip(self.interactions.indices[s:e].tolist(), self.interactions.data[s:e].tolist(), strict=True))

    # ---------------------------------------------------------------------------- vectors
    def user_vector(self, user: int | None = None, history: Sequence | None = None,
                    user_features: Sequence[str] | None = None, fold_in: bool | None = None) -> np.ndarray:
        """LightFM vector of a user: the trained one for a known user (unless ``fold_in=True``),
        else folded in from ``history`` [(item index, raw value)] and ``user_features``."""
        known = user is not None and 0 <= user < self.n_users
        if known and not fold_in:
            return self.user_vectors[user]
        if history is None and known:
            history = self.history_of(user)
        u0 = None
        if user_features and self.user_space is not None and self.user_feature_embeddings is not None:
            c, v = self.user_space.row(user_features)
            if len(c):
                u0 = (v[:, None] * self.user_feature_embeddings[c]).sum(0)
        idx, values = history_arrays(history)
        w = self.weights(values) if len(idx) else np.zeros(0, np.float32)
        return self.foldin.solve(idx, w, u0)

    def item_vector_from_features(self, features: Sequence[str]) -> tuple[np.ndarray, float]:
        """(vector, bias) of a film described only by feature strings (not in the catalog)."""
        f = feature_vector(self.item_space, features)
        return np.asarray(f @ self.feature_embeddings).ravel(), float((f @ self.feature_biases)[0])

    # ---------------------------------------------------------------------------- scoring
    def _candidates(self, m: int, include_cold: bool) -> np.ndarray:
        base = np.ones(self.n_items, dtype=bool) if include_cold else self.warm.copy()
        return np.tile(base, (m, 1))

    def _blend(self, ease_scores, lfm_scores, allowed) -> np.ndarray:
        return blend_scores(ease_scores, lfm_scores, allowed, self._debias, self.params.blend_weight)

    def component_scores(self, W_rows: sp.csr_matrix, U_rows: np.ndarray):
        """Raw (EASE, LightFM) score matrices for weight rows and user vectors (no blend)."""
        E = None
        if self.ease_B is not None:
            E = W_rows @ self.ease_B
            E = E.toarray() if sp.issparse(E) else np.asarray(E)
        L = U_rows @ self.item_vectors.T + self.item_biases[None, :]
        return E, L

    def score_user(self, user: int | None = None, history: Sequence | None = None, *,
                   user_features: Sequence[str] | None = None, exclude: Sequence[int] | None = None,
                   exclude_seen: bool = False, include_cold: bool = False, fold_in: bool | None = None) -> np.ndarray:
        """Blended scores for every item (float64, length ``n_items``); items that are excluded,
        or cold when ``include_cold`` is False, score ``-inf``.

        ``user`` is a known user index; ``history`` is [(item index, raw value)] or a `History`,
        required for an unknown user (fold-in) and optional for a known one (default: the
        training history).
        """
        known = user is not None and 0 <= user < self.n_users
        if history is None:
            history = self.history_of(user) if known else []
        cols, values = history_arrays(history)
        if len(cols) and (cols.min() < 0 or cols.max() >= self.n_items):
            raise IndexError("item index out of range")
        w = self.weights(values) if len(cols) else np.zeros(0, np.float32)
        u = self.user_vector(user if known else None, History(cols, values), user_features, fold_in)
        # one row: a matrix-vector product and a gather of B's rows cost a fraction of the
        # general (sparse) matrix path of `component_scores` — same numbers (tests compare)
        L = self.item_vectors @ np.asarray(u, dtype=self.item_vectors.dtype) + self.item_biases
        allowed = self.warm.copy() if not include_cold else np.ones(self.n_items, dtype=bool)
        if exclude is not None and len(exclude):
            allowed[np.asarray(exclude, dtype=np.int64)] = False
        if exclude_seen and len(cols):
            allowed[cols] = False
        E = self._ease_row(cols, w) if (len(cols) and self.ease_B is not None) else None
        return self._blend(E, L, allowed)  # no history: LightFM (biases + features) alone

    def _ease_row(self, cols: np.ndarray, w: np.ndarray) -> np.ndarray:
        """EASE scores of one weighted history: sum of w_j * B[j] (B sparse or dense)."""
        B = self.ease_B
        if not sp.issparse(B):
            return np.asarray(w, dtype=np.float64) @ np.asarray(B[cols], dtype=np.float64)
        starts, ends = B.indptr[cols], B.indptr[cols + 1]
        lens = ends - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(self.n_items)
        if total > EASE_ROW_SPARSE_PRODUCT_MIN:
            # A long history (hundreds to thousands of films, each with hundreds of weights): B's
            # rows sliced in C, then one transposed matrix-vector product, beat the gather below,
            # whose temporaries grow with the entries read (360 k entries: 0.6 ms against 1.5 ms
            # for a sparse row x matrix product and ~9 ms for the gather; docs/benchmarks.md).
            return np.asarray(B[cols].T @ np.asarray(w, dtype=np.float64)).ravel()
        pos = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens) + np.arange(total)
        return np.bincount(B.indices[pos], weights=B.data[pos].astype(np.float64) * np.repeat(w, lens),
                           minlength=self.n_items)

    def recommend(self, user: int | None = None, history: Sequence | None = None, *, k: int = 10,
                  exclude: Sequence[int] | None = None, exclude_seen: bool = True, include_cold: bool = False,
                  user_features: Sequence[str] | None = None, fold_in: bool | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (item index, score), best first. Seen items are excluded by default."""
        s = self.score_user(user, history, user_features=user_features, exclude=exclude, exclude_seen=exclude_seen,
                            include_cold=include_cold, fold_in=fold_in)
        top = top_k_1d(s, k)
        return [(int(i), float(s[i])) for i in top]

    def recommend_batch(self, users: Sequence[int], k: int = 10, *, exclude_seen: bool = True,
                        include_cold: bool = False, chunk: int = 1024, component: str = "hybrid") -> np.ndarray:
        """Top-k item indices (rows of ``k``, -1 padded) for known users, from the stored training
        interactions. ``component`` = "hybrid" | "ease" | "lightfm" (the parts, for evaluation)."""
        if self.interactions is None:
            raise ValueError("recommend_batch needs the training interactions")
        users = np.asarray(users, dtype=np.int64)
        out = np.full((len(users), k), -1, dtype=np.int64)
        Wv = self.interactions.copy()
        Wv.data = self.weights(Wv.data)
        for s in range(0, len(users), chunk):
            rows = users[s:s + chunk]
            W_rows = Wv[rows]
            E, L = self.component_scores(W_rows, self.user_vectors[rows])
            allowed = self._candidates(len(rows), include_cold)
            if exclude_seen:
                r = np.repeat(np.arange(len(rows)), np.diff(W_rows.indptr))
                allowed[r, W_rows.indices] = False
            if component == "lightfm":
                S = np.where(allowed, L, -np.inf)
            elif component == "ease":
                if E is None:
                    raise ValueError("this model has no EASE part")
                S = np.where(allowed, E, -np.inf)
            else:
                S = self._blend(E, L, allowed)
            out[s:s + len(rows)] = top_k(S, k)
        return out

    def recommend_histories(self, histories: sp.csr_matrix, users: Sequence[int] | None = None, k: int = 10, *,
                            chunk: int = 1024) -> np.ndarray:
        """Top-k item indices (rows of ``k``, -1 padded) for rows of raw histories (ratings / event
        scores over this model's items), as :meth:`score_user` ranks them one by one: the trained
        user vector where ``users[i]`` is a known user index, else folded in from the row; seen
        items excluded. Scores ``chunk`` rows at a time (never all users x items at once)."""
        H = sp.csr_matrix(histories, dtype=np.float32)
        n = H.shape[0]
        users = np.full(n, -1, dtype=np.int64) if users is None else np.asarray(users, dtype=np.int64)
        out = np.full((n, k), -1, dtype=np.int64)
        for s in range(0, n, chunk):
            Hc = H[s:s + chunk]
            Wc = Hc.copy()
            Wc.data = self.weights(Wc.data)
            U = np.empty((Hc.shape[0], self.user_vectors.shape[1]), dtype=np.float32)
            for r in range(Hc.shape[0]):
                u = users[s + r]
                if 0 <= u < self.n_users:
                    U[r] = self.user_vectors[u]
                else:
                    a, e = Wc.indptr[r], Wc.indptr[r + 1]
                    U[r] = self.foldin.solve(Wc.indices[a:e], Wc.data[a:e])
            E, L = self.component_scores(Wc, U)
            allowed = self._candidates(Hc.shape[0], False)
            allowed[np.repeat(np.arange(Hc.shape[0]), np.diff(Hc.indptr)), Hc.indices] = False
            out[s:s + Hc.shape[0]] = top_k(self._blend(E, L, allowed), k)
        return out

    def lightfm_boost(self, items: Sequence[int]) -> np.ndarray:
        """z-scores (over the warm items) of the LightFM scores of a viewer folded in from
        ``items`` as 5-star ratings: the hybrid's (features included) opinion of each item."""
        u = self.user_vector(None, [(int(j), self.params.weight_scale) for j in items], fold_in=True)
        s = (self.item_vectors @ np.asarray(u, dtype=self.item_vectors.dtype) + self.item_biases).astype(np.float64)
        warm = s[self.warm] if self.warm.any() else s
        sd = warm.std()
        return (s - warm.mean()) / (sd if sd > 0 else 1.0)

    def recommend_for_items(self, items: Sequence[int], k: int = 5, *, exclude: Sequence[int] | None = None,
                            allowed: np.ndarray | None = None) -> list[tuple[int, float, int | None]]:
        """"Films I liked → k films": top ``k`` (item index, score, the query item that explains it),
        never an item of the query. The one answer of the "I liked…" page, the API and
        ``liked_offline`` (:mod:`.liked`; bundles saved before it existed fold the query in as a
        viewer who gave its films the top rating, with no reason per pick)."""
        items = list(dict.fromkeys(int(i) for i in items))
        if not items or k < 1:
            return []
        if self.liked is not None:
            boost = self.lightfm_boost(items) if self.liked.params.lightfm_weight else None
            return self.liked.recommend(items, k, exclude=exclude, allowed=allowed, boost=boost)
        excl = list(exclude or [])
        if allowed is not None:
            excl += np.flatnonzero(~allowed).tolist()
        recs = self.recommend(None, [(j, self.params.weight_scale) for j in items], k=k, exclude=excl or None, exclude_seen=True,
                              include_cold=True, fold_in=True)
        return [(j, sc, None) for j, sc in recs]

    def most_popular(self, k: int = 10, exclude: Sequence[int] | None = None) -> list[tuple[int, int]]:
        """(item index, interaction count) of the ``k`` most interacted items."""
        s = self.item_counts.astype(np.float64)
        s = np.where(self.warm, s, -np.inf)
        if exclude is not None and len(exclude):
            s[np.asarray(exclude, dtype=np.int64)] = -np.inf
        top = top_k(s[None, :], k)[0]
        return [(int(i), int(self.item_counts[i])) for i in top if i >= 0]

    def similar_items(self, item: int | None = None, features: Sequence[str] | None = None, k: int = 10, *,
                      include_cold: bool = True, exclude: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """Nearest items by cosine of the hybrid item vectors, to a catalog item (index) or to a
        film described only by its feature strings."""
        if self._unit is None:
            n = np.linalg.norm(self.item_vectors, axis=1, keepdims=True)
            n[n == 0] = 1.0
            self._unit = self.item_vectors / n
        if item is not None:
            q = self._unit[item]
        elif features is not None:
            v, _ = self.item_vector_from_features(features)
            nv = np.linalg.norm(v)
            q = v / nv if nv else v
        else:
            raise ValueError("give an item index or a list of features")
        s = (self._unit @ q).astype(np.float64)
        if not include_cold:
            s[~self.warm] = -np.inf
        if item is not None:
            s[item] = -np.inf
        if exclude is not None and len(exclude):
            s[np.asarray(exclude, dtype=np.int64)] = -np.inf
        return [(int(i), float(s[i])) for i in top_k_1d(s, k)]
