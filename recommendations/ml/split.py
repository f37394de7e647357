"""Train/test splits, seeded and deterministic.

``stratified_split`` is the protocol of the public Recommenders benchmark (and of
``shared/tools/rec_eval.py``): shuffle all ratings with the seed, then per user (or per item)
the first ``round(0.75 * n)`` (at least 1) go to training and the rest to test. Given the same
rows in the same order and the same seed it reproduces that tool's split exactly.

``cold_item_split`` holds out a share of the items entirely (every rating of them) to measure
how well films nobody has rated yet are ranked from their features alone.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def stratified_split(users, items, *, ratio: float = 0.75, seed: int = 42, by: str = "user") -> np.ndarray:
    """Boolean mask over the rows: True = training. ``by`` is "user" or "item"."""
    if by not in ("user", "item"):
        raise ValueError("by must be 'user' or 'item'")
    if not 0.0 < ratio < 1.0:
        raise ValueError("ratio must be in (0, 1)")
    df = pd.DataFrame({"user": np.asarray(users, dtype=object), "item": np.asarray(items, dtype=object)})
    other = "item" if by == "user" else "user"
    shuffled = df.sample(frac=1.0, random_state=seed)
    rank = shuffled.groupby(by).cumcount()
    size = shuffled.groupby(by)[other].transform("size")
    is_train = rank < np.maximum(1, np.round(size * ratio))
    mask = np.zeros(len(df), dtype=bool)
    mask[shuffled.index.to_numpy()[is_train.to_numpy()]] = True
    return mask


def cold_item_split(items, *, fraction: float = 0.2, seed: int = 42) -> tuple[np.ndarray, set]:
    """Hold out ``fraction`` of the distinct items. Returns (training row mask, held-out item ids)."""
    items = np.asarray(items, dtype=object)
    uniq = np.array(sorted(set(items.tolist()), key=str), dtype=object)
    rng = np.random.default_rng(seed)
    n_cold = int(round(fraction * len(uniq)))
    cold = set(rng.choice(uniq, size=n_cold, replace=False).tolist()) if n_cold else set()
    mask = np.fromiter((x not in cold for x in items), dtype=bool, count=len(items))
    return mask, cold
