"""Scorers: EASE (closed-form item-item), the LightFM WARP hybrid, and the baselines.

All scorers take a users x items weight matrix (CSR, see :mod:`.matrix`) and return dense
score rows; higher is better. Nothing here excludes seen items: callers do (``metrics.top_k``).

EASE (Steck 2019, "Embarrassingly Shallow Autoencoders")
--------------------------------------------------------
``B = argmin ||X - X B||^2 + lambda ||B||^2, diag(B) = 0`` has the closed form
``P = (G + lambda I)^-1, B = I - P diag(1/diag P)``. Two refinements measured on a validation
split of the training data:

* the Gram matrix is built from rows scaled by ``n_u ** (-gram_row_alpha / 2)`` (heavy raters
  weigh less in the item-item statistics; scores still use the unscaled user row);
* lambda is given relative to the mean squared entry of that Gram input (``l2=300`` on a
  binary matrix is the classic setting).

When there are fewer users than items the inverse is computed in user space with the
Woodbury identity (``P = I/l - Z^T (I + X Z^T)^-1 Z``, ``Z = X / l``): on MovieLens-small
(610 users, 9k items) that is ~1 s instead of ~40 s.

Serving: a dense ``n_items^2`` matrix is 1.26 GB in float32 for 17,770 titles, too much for
every web process, so ``nnz_per_item`` keeps the ``nnz_per_item * n_items`` entries of largest
magnitude over the whole matrix (a global threshold, not a per-row top-N: rows of popular films
keep more neighbours than rows of obscure ones). 200 per item = 28 MB for 17,770 titles
(float32 values + int32 indices). Measured cost: on a MovieLens validation split 200/item kept
99.9 % of the dense matrix's nDCG@10 (a per-row top-200 kept only 98.2 %); on the benchmark
split the hybrid scored 0.4185 with 200/item, 0.4186 with 100/item and 0.4173 dense (noise level).
"""
from __future__ import annotations

import contextlib
import time

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

# --------------------------------------------------------------------------------------------
# EASE


def gram_input(W: sp.csr_matrix, gram_row_alpha: float) -> sp.csr_matrix:
    """Rows of ``W`` scaled by ``n_u ** (-alpha/2)`` (``n_u`` = the user's interaction count)."""
    W = sp.csr_matrix(W, dtype=np.float64)
    if gram_row_alpha:
        n = np.maximum(np.diff(W.indptr), 1).astype(np.float64)
        W = sp.diags(n ** (-gram_row_alpha / 2.0)) @ W
    return W.tocsr()


def effective_lambda(Xg: sp.csr_matrix, l2: float) -> float:
    """``l2`` times the mean squared non-zero entry of the Gram input (1 for a binary matrix)."""
    if Xg.nnz == 0:
        return float(l2)
    return float(l2) * float(np.mean(np.asarray(Xg.data, dtype=np.float64) ** 2))


def _use_dual(Xg) -> bool:
    return Xg.shape[0] <= Xg.shape[1]


# The OpenBLAS 0.3.30 shipped in the numpy/scipy wheels crashes (SIGSEGV) in its multi-threaded
# Cholesky of a 17,770 x 17,770 matrix (the Netflix Prize catalog; measured: 2 threads crash at once,
# 1 thread factors and inverts it in ~130 s; 12,000 x 12,000 works on 2 threads). Above this size the
# factorisation runs on one thread: slower, never a crashed training.
LAPACK_SINGLE_THREAD_ABOVE = 12_000


def _lapack_threads(n: int):
    if n <= LAPACK_SINGLE_THREAD_ABOVE:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def ease_dense_weights(Xg: sp.csr_matrix, lam: float, dtype=np.float32) -> np.ndarray:
    """The dense EASE item-item matrix ``B`` (n_items x n_items, zero diagonal)."""
    n = Xg.shape[1]
    if _use_dual(Xg):
        Z = Xg.toarray() / lam  # users x items
        K = Xg @ Z.T  # users x users
        K[np.diag_indices_from(K)] += 1.0
        KZ = np.linalg.solve(K, Z)
        dP = 1.0 / lam - np.einsum("ui,ui->i", Z, KZ)
        # P = I/lam - Z^T KZ ; B = I - P / dP  => off-diagonal B_ij = (Z^T KZ)_ij / dP_j
        B = (Z.T.astype(dtype) @ KZ.astype(dtype))
        B /= dP.astype(dtype)[None, :]
        del Z, KZ
    else:
        G = (Xg.T @ Xg).toarray()
        G[np.diag_indices_from(G)] += lam
        with _lapack_threads(n):
            c, info = lapack.dpotrf(G, lower=1, overwrite_a=1, clean=1)
            if info != 0:
                raise np.linalg.LinAlgError(f"Cholesky failed (info={info})")
            P, info = lapack.dpotri(c, lower=1, overwrite_c=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"inverse failed (info={info})")
        P = np.tril(P) + np.tril(P, -1).T
        dP = np.diag(P).copy()
        B = (-P / dP[None, :]).astype(dtype)
        del P
    np.fill_diagonal(B, 0.0)
    assert B.shape == (n, n)
    return B


def sparsify_global(B: np.ndarray, nnz: int) -> sp.csr_matrix:
    """Keep the ``nnz`` entries of largest magnitude (ties may keep a few more)."""
    n = B.shape[0]
    total = B.size
    if nnz <= 0:
        return sp.csr_matrix(B.shape, dtype=np.float32)
    if nnz >= total:
        return sp.csr_matrix(B, dtype=np.float32)
    mags = np.abs(B).ravel()
    thr = np.partition(mags, total - nnz)[total - nnz]
    del mags
    rows, cols, vals = [], [], []
    step = max(1, 2**24 // max(n, 1))
    for s in range(0, n, step):
        blk = B[s:s + step]
        r, c = np.nonzero(np.abs(blk) >= thr)
        if thr == 0:  # only possible when B has fewer non-zeros than the budget
            keep = blk[r, c] != 0
            r, c = r[keep], c[keep]
        rows.append(r + s)
        cols.append(c)
        vals.append(blk[r, c])
    out = sp.csr_matrix((np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
                        shape=B.shape)
    out.sort_indices()
    return out


def ease_gram_rows(W: sp.csr_matrix, gram_row_alpha: float, sessions: sp.csr_matrix | None = None,
                   session_weight: float = 0.0) -> sp.csr_matrix:
    """Rows whose Gram matrix EASE inverts: the (scaled) user rows, plus the session rows
    (:func:`.matrix.session_matrix`) times ``sqrt(session_weight)`` when given."""
    Xg = gram_input(W, gram_row_alpha)
    if sessions is not None and session_weight > 0 and sessions.shape[0]:
        Xg = sp.vstack([Xg, gram_input(sessions, gram_row_alpha) * np.sqrt(session_weight)]).tocsr()
    return Xg


def ease_user_scores(W: sp.csr_matrix, l2: float, gram_row_alpha: float, rows=None, *, sessions=None,
                     session_weight: float = 0.0, min_count: int = 1) -> np.ndarray:
    """Scores ``W[rows] @ B`` of an EASE model fitted on ``W`` itself, without storing ``B``
    when the Woodbury (user-space) form applies. Used to tune ``l2`` on a validation split."""
    W = sp.csr_matrix(W, dtype=np.float64)
    rows = np.arange(W.shape[0]) if rows is None else np.asarray(rows)
    active = np.flatnonzero(np.bincount(W.indices, minlength=W.shape[1]) >= max(min_count, 1))
    Wa = W[:, active].tocsr()
    Sa = None if sessions is None else sp.csr_matrix(sessions, dtype=np.float64)[:, active].tocsr()
    Xg = ease_gram_rows(Wa, gram_row_alpha, Sa, session_weight)
    lam = effective_lambda(Xg, l2)
    out = np.zeros((len(rows), W.shape[1]), dtype=np.float32)
    Ws = Wa[rows]
    if not _use_dual(Xg):
        B = ease_dense_weights(Xg, lam)
        out[:, active] = np.asarray(Ws @ B, dtype=np.float32)
        return out
    Z = Xg.toarray() / lam
    K = Xg @ Z.T
    K[np.diag_indices_from(K)] += 1.0
    KZ = np.linalg.solve(K, Z)
    dP = 1.0 / lam - np.einsum("ui,ui->i", Z, KZ)
    # Ws P = Ws/lam - (Ws Z^T) KZ ;  S = Ws B = Ws - (Ws P) / dP
    WsP = Ws.toarray() / lam - np.asarray(Ws @ Z.T) @ KZ
    out[:, active] = (Ws.toarray() - WsP / dP[None, :]).astype(np.float32)
    return out


class EASE:
    """EASE scorer; after ``fit`` ``B`` is a CSR (``nnz_per_item`` set) or dense float32 matrix.

    ``min_count``: items with fewer training interactions get no EASE weights (their EASE score
    is 0; LightFM still scores them) — the inverse is cubic in the number of items, and a film
    seen once carries almost no co-occurrence information.
    """

    def __init__(self, l2: float = 600.0, gram_row_alpha: float = 0.5, nnz_per_item: int | None = 200,
                 session_weight: float = 0.0, min_count: int = 1, *, max_items: int | None = None,
                 item_counts: np.ndarray | None = None):
        self.l2, self.gram_row_alpha, self.nnz_per_item = float(l2), float(gram_row_alpha), nnz_per_item
        self.session_weight, self.min_count = float(session_weight), int(min_count)
        self.max_items, self.item_counts = max_items, item_counts
        self.B = None
        self.fit_seconds = 0.0

    def fit(self, W: sp.csr_matrix, sessions: sp.csr_matrix | None = None) -> EASE:
        t = time.perf_counter()
        W = sp.csr_matrix(W, dtype=np.float64)
        n = W.shape[1]
        counts = np.bincount(W.indices, minlength=n)
        active = np.flatnonzero(counts >= max(self.min_count, 1))
        if self.max_items is not None and len(active) > self.max_items:
            # the most interacted items (by the whole data's counts when given: W may be a sample)
            pop = (np.asarray(self.item_counts) if self.item_counts is not None else counts)[active]
            active = np.sort(active[np.argsort(-pop, kind="stable")[:self.max_items]])
        Sa = None if sessions is None else sp.csr_matrix(sessions, dtype=np.float64)[:, active].tocsr()
        Xg = ease_gram_rows(W[:, active].tocsr(), self.gram_row_alpha, Sa, self.session_weight)
        lam = effective_lambda(Xg, self.l2)
        Ba = ease_dense_weights(Xg, lam)
        if self.nnz_per_item:
            Bs = sparsify_global(Ba, int(self.nnz_per_item) * len(active)).tocoo()
            B = sp.csr_matrix((Bs.data, (active[Bs.row], active[Bs.col])), shape=(n, n), dtype=np.float32)
            B.sort_indices()
        elif len(active) == n:
            B = Ba
        else:
            B = np.zeros((n, n), dtype=np.float32)
            B[np.ix_(active, active)] = Ba
        self.B = B
        self.active_items = int(len(active))
        self.fit_seconds = time.perf_counter() - t
        return self

    def score(self, W_rows) -> np.ndarray:
        S = W_rows @ self.B
        if sp.issparse(S):
            S = S.toarray()
        return np.asarray(S, dtype=np.float32)


# --------------------------------------------------------------------------------------------
# Baselines


class MostPopular:
    """Scores every item by its number of training interactions."""

    def fit(self, W: sp.csr_matrix) -> MostPopular:
        self.counts = np.diff(sp.csc_matrix(W).indptr).astype(np.float32)
        return self

    def score(self, W_rows) -> np.ndarray:
        return np.tile(self.counts, (W_rows.shape[0], 1))


class ItemKNN:
    """Item-based k-NN: cosine similarity on binary interactions, ``k`` neighbours per item;
    a user's score for item j is the sum of similarities of j's neighbours the user has."""

    def __init__(self, k: int = 100):
        self.k = k

    def fit(self, W: sp.csr_matrix) -> ItemKNN:
        X = sp.csr_matrix(W, dtype=np.float32, copy=True)
        X.data[:] = 1.0
        n = X.shape[1]
        norms = np.sqrt(np.asarray(X.sum(0)).ravel())
        norms[norms == 0] = 1.0
        Xn = X @ sp.diags(1.0 / norms)
        XnT = Xn.T.tocsr()
        k = min(self.k, n - 1) if n > 1 else 0
        rows, cols, vals = [], [], []
        step = 1024
        for s in range(0, n, step):
            sim = (XnT @ Xn[:, s:s + step]).toarray()  # n x block: similarity of every item to targets
            for j in range(sim.shape[1]):
                sim[s + j, j] = 0.0
            if k <= 0:
                continue
            top = np.argpartition(-sim, k - 1, axis=0)[:k]  # k x block neighbours of each target
            v = np.take_along_axis(sim, top, 0)
            keep = v > 0
            rows.append(top[keep])
            cols.append((np.arange(sim.shape[1])[None, :] + s).repeat(k, 0)[keep])
            vals.append(v[keep])
        if rows:
            self.S = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
        else:
            self.S = sp.csr_matrix((n, n), dtype=np.float32)
        return self

    def score(self, W_rows) -> np.ndarray:
        X = sp.csr_matrix(W_rows, dtype=np.float32, copy=True)
        X.data[:] = 1.0
        return np.asarray((X @ self.S).toarray(), dtype=np.float32)


# --------------------------------------------------------------------------------------------
# LightFM


class LightFMScorer:
    """LightFM (WARP) with item features. Trained on the items that have interactions; the
    representation of every item, including new ones, is computed from its feature row, so new
    films get vectors from their genres/decade/people (the cold start)."""

    def __init__(self, no_components=64, learning_rate=0.03, loss="warp", item_alpha=0.0, user_alpha=0.0,
                 max_sampled=10, seed=42, num_threads=2):
        from lightfm import LightFM

        self.model = LightFM(no_components=no_components, learning_rate=learning_rate, loss=loss,
                             item_alpha=item_alpha, user_alpha=user_alpha, max_sampled=max_sampled,
                             random_state=np.random.RandomState(seed))
        self.num_threads = num_threads
        self.epochs_done = 0
        self.fit_seconds = 0.0

    def prepare(self, W: sp.csr_matrix, item_features: sp.csr_matrix, user_features=None, sample_weight=True):
        """Set the training data (the columns with at least one interaction are trained)."""
        W = sp.csr_matrix(W, dtype=np.float32)
        self.warm = np.flatnonzero(np.diff(W.tocsc().indptr) > 0)
        Ww = W[:, self.warm].tocoo()
        self._interactions = sp.coo_matrix((np.ones_like(Ww.data), (Ww.row, Ww.col)), shape=Ww.shape)
        self._weights = sp.coo_matrix((Ww.data.astype(np.float32), (Ww.row, Ww.col)), shape=Ww.shape) \
            if sample_weight else None
        self._item_features = sp.csr_matrix(item_features[self.warm], dtype=np.float32)
        self._user_features = None if user_features is None else sp.csr_matrix(user_features, dtype=np.float32)
        return self

    def fit_epochs(self, epochs: int = 1):
        t = time.perf_counter()
        self.model.fit_partial(self._interactions, user_features=self._user_features,
                               item_features=self._item_features, sample_weight=self._weights, epochs=epochs,
                               num_threads=self.num_threads)
        self.epochs_done += epochs
        self.fit_seconds += time.perf_counter() - t
        return self

    def feature_parameters(self):
        """(item feature embeddings, item feature biases) as float32 arrays."""
        return (np.asarray(self.model.item_embeddings, dtype=np.float32),
                np.asarray(self.model.item_biases, dtype=np.float32))

    def item_representations(self, item_features: sp.csr_matrix):
        E, eb = self.feature_parameters()
        F = sp.csr_matrix(item_features, dtype=np.float32)
        return np.asarray(F @ E, dtype=np.float32), np.asarray(F @ eb, dtype=np.float32).ravel()

    def user_representations(self, user_features=None):
        if user_features is None:
            return (np.asarray(self.model.user_embeddings, dtype=np.float32),
                    np.asarray(self.model.user_biases, dtype=np.float32))
        F = sp.csr_matrix(user_features, dtype=np.float32)
        return (np.asarray(F @ self.model.user_embeddings, dtype=np.float32),
                np.asarray(F @ self.model.user_biases, dtype=np.float32).ravel())

    def user_feature_parameters(self):
        return (np.asarray(self.model.user_embeddings, dtype=np.float32),
                np.asarray(self.model.user_biases, dtype=np.float32))


class LightFMEnsemble:
    """``n`` LightFM models with different seeds, used as one: vectors are concatenated and
    biases summed, so ``u . v + b`` is the sum of the members' scores (averaging out SGD noise;
    +0.1 % nDCG@10 on MovieLens validation and a steadier result). Same interface as
    :class:`LightFMScorer`; serving cost is that of one model with ``n * no_components`` factors."""

    def __init__(self, n=2, *, seed=42, **kw):
        self.members = [LightFMScorer(seed=seed + s, **kw) for s in range(n)]

    @property
    def fit_seconds(self):
        return sum(m.fit_seconds for m in self.members)

    @property
    def epochs_done(self):
        return self.members[0].epochs_done

    def prepare(self, *args, **kw):
        for m in self.members:
            m.prepare(*args, **kw)
        return self

    def fit_epochs(self, epochs: int = 1):
        for m in self.members:
            m.fit_epochs(epochs)
        return self

    def _join(self, parts):
        vecs, biases = zip(*parts, strict=True)
        return np.hstack(vecs).astype(np.float32), np.sum(biases, axis=0).astype(np.float32)

    def feature_parameters(self):
        return self._join([m.feature_parameters() for m in self.members])

    def item_representations(self, item_features):
        return self._join([m.item_representations(item_features) for m in self.members])

    def user_representations(self, user_features=None):
        return self._join([m.user_representations(user_features) for m in self.members])

    def user_feature_parameters(self):
        return self._join([m.user_feature_parameters() for m in self.members])


def make_lightfm(p):
    """The LightFM part described by a :class:`~.recommender.HybridParams`."""
    kw = dict(no_components=p.no_components, learning_rate=p.learning_rate, loss=p.loss, item_alpha=p.item_alpha,
              user_alpha=p.user_alpha, max_sampled=p.max_sampled, num_threads=p.lightfm_threads)
    if getattr(p, "lightfm_ensemble", 1) > 1:
        return LightFMEnsemble(p.lightfm_ensemble, seed=p.seed, **kw)
    return LightFMScorer(seed=p.seed, **kw)
