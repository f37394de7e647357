"""Feature matrices for the hybrid model from ``{entity_id: [feature strings]}`` mappings.

Feature strings are free-form ``kind:value`` labels: ``genre:drama``, ``decade:1990s``,
``type:movie``, ``director:nm123``, ``actor:nm456``, ``country:US``, ``keyword:heist`` for items,
``likes-genre:drama``, ``country:FR`` for users. Column layout of a matrix::

    [ identity columns, one per entity (optional) | one column per known feature string ]

An entity with interactions gets its identity column (weight ``identity_weight``) plus its
features; an entity without interactions (a new film) gets its features only, because an
identity embedding that was never trained is noise. Feature weights are ``feature_weight``
each, or, with ``normalize=True``, ``1/len(features)`` each so that a film with 30 cast/keyword
labels does not drown its identity.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .matrix import IdMap


@dataclass
class FeatureSpace:
    """Vocabulary and weighting of one side's features (items or users)."""

    names: IdMap  # the non-identity features, column = n_identity + index
    n_identity: int  # identity columns (0 when identity features are off)
    identity_weight: float = 1.0
    feature_weight: float = 1.0
    normalize: bool = False

    @property
    def n_columns(self) -> int:
        return self.n_identity + len(self.names)

    def row(self, features: Sequence[str] = (), identity: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, weights) for one entity; unknown feature strings are ignored."""
        cols = sorted({self.n_identity + j for j in (self.names.index(f) for f in features) if j is not None})
        if cols:
            w = (1.0 / len(cols)) if self.normalize else self.feature_weight
            vals = [w] * len(cols)
        else:
            vals = []
        if identity is not None and self.n_identity:
            cols = [int(identity)] + cols
            vals = [self.identity_weight] + vals
        return np.asarray(cols, dtype=np.int64), np.asarray(vals, dtype=np.float32)

    def to_json(self) -> dict:
        return {"names": self.names.to_list(), "n_identity": self.n_identity, "identity_weight": self.identity_weight,
                "feature_weight": self.feature_weight, "normalize": self.normalize}

    @classmethod
    def from_json(cls, d: dict) -> FeatureSpace:
        return cls(IdMap.from_list(d["names"]), int(d["n_identity"]), float(d["identity_weight"]),
                   float(d["feature_weight"]), bool(d["normalize"]))


def build_feature_matrix(entities: IdMap, features: Mapping | None, *, identity: bool = True,
                         has_identity: np.ndarray | None = None, min_count: int = 1, identity_weight: float = 1.0,
                         feature_weight: float = 1.0, normalize: bool = False) -> tuple[sp.csr_matrix, FeatureSpace]:
    """Build the (n_entities x n_columns) CSR feature matrix and its :class:`FeatureSpace`.

    ``features`` maps external id (as in ``entities``) -> list of feature strings; missing ids
    have no features. ``has_identity`` (bool per entity, default all True) says which entities get
    an identity column (False for entities without interactions). Features seen on fewer than
    ``min_count`` entities are dropped.
    """
    features = features or {}
    lists = [list(dict.fromkeys(features.get(eid, ()) or ())) for eid in entities.ids]
    counts = Counter(f for fl in lists for f in fl)
    names = IdMap(sorted(f for f, c in counts.items() if c >= min_count))
    space = FeatureSpace(names, len(entities) if identity else 0, identity_weight, feature_weight, normalize)
    if has_identity is None:
        has_identity = np.ones(len(entities), dtype=bool)
    indptr, cols, vals = [0], [], []
    for j, fl in enumerate(lists):
        c, v = space.row(fl, identity=j if (identity and has_identity[j]) else None)
        cols.append(c)
        vals.append(v)
        indptr.append(indptr[-1] + len(c))
    m = sp.csr_matrix((np.concatenate(vals) if vals else np.zeros(0, np.float32),
                       np.concatenate(cols) if cols else np.zeros(0, np.int64), np.asarray(indptr)),
                      shape=(len(entities), space.n_columns), dtype=np.float32)
    return m, space


def feature_vector(space: FeatureSpace, features: Sequence[str]) -> sp.csr_matrix:
    """A one-row feature matrix for a new entity described by its features only."""
    c, v = space.row(features)
    return sp.csr_matrix((v, c, np.array([0, len(c)])), shape=(1, space.n_columns), dtype=np.float32)
