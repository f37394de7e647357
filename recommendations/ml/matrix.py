"""Id maps, the user x item interaction matrix, and explicit-rating -> confidence weights.

Weights (``confidence_weights``)
--------------------------------
A rating (or an event score on the same 0..``scale`` range) becomes a training weight:

* ``"binary"``: every interaction weighs 1 (the rating is ignored);
* ``"linear"``: ``w = r / scale``: a 5-star rating weighs 1.0, a 1-star 0.2;
* ``"sqrt"`` (default for the collaborative scorer): ``w = sqrt(r / scale)``: a 5-star rating
  weighs 1.0, a 1-star 0.45. Every rating stays a positive signal (a viewer who rated a film
  watched it) but a liked film says more about taste than a disliked one. On a validation split
  carved from the MovieLens-small training ratings this measured better than both binary and
  linear weights for the EASE scorer (nDCG@10 +1-2 %).

Weights above ``scale`` are not clipped, so event scores larger than the star scale keep their order.
Duplicate (user, item) pairs keep the most recent value (by timestamp when given, else file order).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

WEIGHT_SCHEMES = ("binary", "linear", "sqrt")


class IdMap:
    """Bidirectional map between external ids (text) and contiguous indices 0..n-1, order kept."""

    __slots__ = ("ids", "_index")

    def __init__(self, ids: Iterable = ()):
        self.ids: list[str] = []
        self._index: dict[str, int] = {}
        for x in ids:
            self.add(x)

    def add(self, x) -> int:
        x = str(x)
        j = self._index.get(x)
        if j is None:
            j = self._index[x] = len(self.ids)
            self.ids.append(x)
        return j

    def index(self, x, default=None):
        return self._index.get(str(x), default)

    def indices(self, xs: Iterable, missing: int = -1) -> np.ndarray:
        get = self._index.get
        return np.fromiter((get(str(x), missing) for x in xs), dtype=np.int64)

    def __len__(self):
        return len(self.ids)

    def __contains__(self, x):
        return str(x) in self._index

    def __getitem__(self, j: int) -> str:
        return self.ids[j]

    def __eq__(self, other):
        return isinstance(other, IdMap) and self.ids == other.ids

    def to_list(self) -> list[str]:
        return list(self.ids)

    @classmethod
    def from_list(cls, ids: Sequence[str]) -> IdMap:
        m = cls(ids)
        if len(m) != len(ids):
            raise ValueError("duplicate ids in an id map")
        return m


def confidence_weights(values, scheme: str = "sqrt", scale: float = 5.0) -> np.ndarray:
    """Map explicit ratings / event scores (> 0) to positive training weights (see module doc)."""
    v = np.asarray(values, dtype=np.float64)
    if scheme == "binary":
        w = np.ones_like(v)
    elif scheme == "linear":
        w = v / scale
    elif scheme == "sqrt":
        w = np.sqrt(np.maximum(v, 0.0) / scale)
    else:
        raise ValueError(f"unknown weight scheme {scheme!r}; choose one of {WEIGHT_SCHEMES}")
    return w.astype(np.float32)


@dataclass
class InteractionMatrix:
    """Users x items matrix of raw values (ratings or event scores), plus the id maps.

    ``values`` is CSR float32 with one stored entry per (user, item) that has an interaction.
    Items in ``items`` may have no interaction at all (catalog items for the cold start).
    ``times`` (optional, float64 seconds) is aligned with ``values.data``.
    """

    users: IdMap
    items: IdMap
    values: sp.csr_matrix
    times: np.ndarray | None = None

    @property
    def shape(self):
        return self.values.shape

    @property
    def n_users(self):
        return self.values.shape[0]

    @property
    def n_items(self):
        return self.values.shape[1]

    @property
    def nnz(self):
        return self.values.nnz

    def weights(self, scheme="sqrt", scale=5.0) -> sp.csr_matrix:
        w = self.values.copy()
        w.data = confidence_weights(w.data, scheme, scale)
        return w

    def binary(self) -> sp.csr_matrix:
        b = self.values.copy()
        b.data = np.ones_like(b.data)
        return b

    def item_counts(self) -> np.ndarray:
        return np.bincount(self.values.indices, minlength=self.n_items).astype(np.int64)

    def user_counts(self) -> np.ndarray:
        return np.diff(self.values.indptr).astype(np.int64)

    def seen(self, user_index: int) -> np.ndarray:
        return self.values.indices[self.values.indptr[user_index]:self.values.indptr[user_index + 1]]

    def without(self, positions: np.ndarray) -> InteractionMatrix:
        """Same id maps, minus the stored entries at ``positions`` (indices into ``values.data``).
        Cheap when they are few: no re-sort of the other entries."""
        positions = np.unique(np.asarray(positions, dtype=np.int64))
        keep = np.ones(self.nnz, dtype=bool)
        keep[positions] = False
        rows = np.searchsorted(self.values.indptr, positions, side="right") - 1
        removed = np.bincount(rows, minlength=self.n_users)
        indptr = self.values.indptr.astype(np.int64) - np.concatenate(([0], np.cumsum(removed)))
        m = sp.csr_matrix((self.values.data[keep], self.values.indices[keep], indptr), shape=self.shape)
        t = None if self.times is None else self.times[keep]
        return InteractionMatrix(self.users, self.items, m, t)

    def subset(self, mask: np.ndarray) -> InteractionMatrix:
        """Same id maps, only the stored entries where ``mask`` (aligned with ``values.data``)."""
        coo = self.values.tocoo()
        m = _csr_from(coo.row[mask], coo.col[mask], coo.data[mask], self.values.shape)
        t = None if self.times is None else self.times[mask]
        return InteractionMatrix(self.users, self.items, m, t)


def _csr_from(rows, cols, data, shape) -> sp.csr_matrix:
    """CSR with entries in (row, col) order, data order == the lexsorted input order (no duplicates)."""
    order = np.lexsort((cols, rows))
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(np.asarray(rows)[order], minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((np.asarray(data, dtype=np.float32)[order], np.asarray(cols)[order], indptr), shape=shape)


def build_interactions(users: Sequence, items: Sequence, values: Sequence, *, timestamps=None,
                       user_ids: IdMap | None = None, item_ids: IdMap | None = None) -> InteractionMatrix:
    """Build the matrix from parallel arrays of external ids and values.

    ``item_ids`` / ``user_ids`` fix the index order (and may contain ids without interactions,
    e.g. the whole catalog); ids not in them are appended in order of first appearance.
    """
    users = np.asarray(users, dtype=object)
    items = np.asarray(items, dtype=object)
    vals = np.asarray(values, dtype=np.float64)
    if not (len(users) == len(items) == len(vals)):
        raise ValueError("users, items and values must have the same length")
    umap = IdMap(user_ids.ids if user_ids is not None else ())
    imap = IdMap(item_ids.ids if item_ids is not None else ())
    u = np.fromiter((umap.add(x) for x in users), dtype=np.int64, count=len(users))
    i = np.fromiter((imap.add(x) for x in items), dtype=np.int64, count=len(items))
    ts = None if timestamps is None else np.asarray(timestamps, dtype=np.float64)
    order = np.arange(len(vals)) if ts is None else np.argsort(ts, kind="stable")
    u, i, v = u[order], i[order], vals[order]
    key = u * max(len(imap), 1) + i
    # keep the last value of each (user, item): first occurrence in the reversed order
    _, first_rev = np.unique(key[::-1], return_index=True)
    keep = np.sort(len(key) - 1 - first_rev)
    shape = (len(umap), len(imap))
    uk, ik = u[keep], i[keep]
    m = _csr_from(uk, ik, v[keep], shape)
    times = None
    if ts is not None:
        tk = ts[order][keep]
        times = tk[np.lexsort((ik, uk))]
    return InteractionMatrix(umap, imap, m, times)


def interactions_from_codes(users: np.ndarray, items: np.ndarray, values: np.ndarray, *,
                            item_ids: np.ndarray) -> tuple[InteractionMatrix, int]:
    """The matrix from integer id arrays, at any size: no Python object per interaction.

    ``item_ids`` (integers) fix the item order (the whole catalog, cold titles included); rows whose
    item is not in it are dropped and counted. Users are ordered by id. Duplicate (user, item)
    pairs keep the last value in input order, as :func:`build_interactions` does; with
    ``user_ids=IdMap(sorted users)`` and the same ``item_ids`` the two build the same matrix.
    Cost at the Netflix Prize's 100 M ratings: two sorts of int64 arrays (≈ 30 s), ≈ 4 GB at the peak.
    Returns (matrix, rows dropped).
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    values = np.asarray(values, dtype=np.float32)
    if not (len(users) == len(items) == len(values)):
        raise ValueError("users, items and values must have the same length")
    cat = np.asarray(item_ids, dtype=np.int64)
    col = _positions(items, cat)
    known = col >= 0
    dropped = int(len(items) - known.sum())
    if dropped:
        users, values, col = users[known], values[known], col[known]
    uniq, row = _codes(users)
    n_items = max(len(cat), 1)
    key = row.astype(np.int64) * n_items + col
    srt = np.argsort(key)  # introsort: a stable sort of 100 M keys costs several times more
    key = key[srt]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else np.zeros(0, np.int64)
    if len(starts) == len(key):
        keep = srt  # no duplicate pair (the usual case: the signal has one row per viewer and title)
    else:  # of equal keys keep the one that came last in the input
        keep = np.maximum.reduceat(srt, starts)
    key = key[starts]
    r = key // n_items
    indptr = np.zeros(len(uniq) + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=len(uniq)), out=indptr[1:])
    m = sp.csr_matrix((values[keep], (key % n_items).astype(np.int32), indptr), shape=(len(uniq), len(cat)))
    umap = IdMap.from_list([str(x) for x in uniq.tolist()])
    imap = IdMap.from_list([str(x) for x in cat.tolist()])
    return InteractionMatrix(umap, imap, m, None), dropped


_LOOKUP_MAX = 50_000_000  # ids below this are mapped through a lookup table (O(n), 8 bytes per id)


def _codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct ids, index of each id among them): ``np.unique(return_inverse=True)``, in
    linear time through a lookup table when the ids are small non-negative integers (database keys)."""
    if len(ids) and ids.min() >= 0 and ids.max() < _LOOKUP_MAX:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        lut = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.int64), lut[ids]
    return np.unique(ids, return_inverse=True)


def _positions(ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Position of each of ``ids`` in ``table`` (distinct integers, any order), -1 when absent."""
    if not len(table):
        return np.full(len(ids), -1, dtype=np.int64)
    if len(ids) and table.min() >= 0 and max(int(table.max()), int(ids.max())) < _LOOKUP_MAX and ids.min() >= 0:
        lut = np.full(max(int(table.max()), int(ids.max())) + 1, -1, dtype=np.int64)
        lut[table] = np.arange(len(table))
        return lut[ids]
    order = np.argsort(table, kind="stable")
    pos = np.minimum(np.searchsorted(table, ids, sorter=order), len(table) - 1)
    found = order[pos]
    return np.where(table[found] == ids, found, -1)


def sample_rows(counts: np.ndarray, budget: int | None, seed: int) -> np.ndarray | None:
    """Indices (sorted) of a seeded random sample of rows whose ``counts`` add up to at most
    ``budget``; None when every row fits (no sampling)."""
    counts = np.asarray(counts, dtype=np.int64)
    if budget is None or counts.sum() <= budget:
        return None
    perm = np.random.default_rng(seed).permutation(len(counts))
    fits = np.cumsum(counts[perm]) <= budget
    chosen = perm[fits]
    if not len(chosen):
        chosen = perm[:1]
    return np.sort(chosen)


def session_matrix(W: sp.csr_matrix, times: np.ndarray, window: float = 86400.0) -> sp.csr_matrix:
    """Rows = (user, time window) sessions: the weights of ``W`` grouped by the window
    ``floor(t / window)`` in which each interaction happened (``times`` aligned with ``W.data``).

    Items consumed by one person on the same day are more alike than items consumed years
    apart; an EASE Gram matrix that also counts these session co-occurrences (``session_weight``
    in :class:`~.models.EASE`) measured +2-3 % nDCG@10 on MovieLens validation.
    """
    W = sp.csr_matrix(W)
    rows = np.repeat(np.arange(W.shape[0], dtype=np.int64), np.diff(W.indptr))
    bucket = np.floor(np.asarray(times, dtype=np.float64) / float(window)).astype(np.int64)
    key = np.stack([rows, bucket], 1)
    _, sess = np.unique(key, axis=0, return_inverse=True)
    sess = sess.ravel()
    return sp.csr_matrix((W.data, (sess, W.indices)), shape=(int(sess.max()) + 1 if len(sess) else 0, W.shape[1]))


def user_vector(n_items: int, item_indices: Sequence[int], values: Sequence[float]) -> sp.csr_matrix:
    """One sparse row from (item index, value) pairs; duplicates keep the last value."""
    idx = np.asarray(item_indices, dtype=np.int64)
    val = np.asarray(values, dtype=np.float32)
    if len(idx) != len(val):
        raise ValueError("item_indices and values must have the same length")
    if len(idx) and (idx.min() < 0 or idx.max() >= n_items):
        raise IndexError("item index out of range")
    d = dict(zip(idx.tolist(), val.tolist(), strict=True))
    cols = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
    data = np.fromiter(d.values(), dtype=np.float32, count=len(d))
    o = np.argsort(cols)
    return sp.csr_matrix((data[o], cols[o], np.array([0, len(d)])), shape=(1, n_items))
