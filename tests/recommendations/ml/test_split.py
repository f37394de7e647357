"""The 75/25 split is deterministic, stratified, and the benchmark's; the cold split holds out whole items."""
import numpy as np
import pandas as pd

from recommendations.ml.split import cold_item_split, stratified_split

from .planted import planted


def _benchmark_split(users, items, seed=42, ratio=0.75, by="user"):
    # the algorithm of shared/tools/rec_eval.py, verbatim
    r = pd.DataFrame({"user": users, "item": items})
    other = "item" if by == "user" else "user"
    r = r.sample(frac=1.0, random_state=seed)
    rank = r.groupby(by).cumcount()
    size = r.groupby(by)[other].transform("size")
    is_train = rank < np.maximum(1, np.round(size * ratio))
    return set(r[is_train].index)


def test_split_is_deterministic_and_seeded():
    d = planted(seed=1)
    a = stratified_split(d["users"], d["items"], seed=42)
    b = stratified_split(d["users"], d["items"], seed=42)
    c = stratified_split(d["users"], d["items"], seed=7)
    assert (a == b).all()
    assert (a != c).any()


def test_split_is_stratified_per_user():
    d = planted(seed=2)
    mask = stratified_split(d["users"], d["items"], seed=42)
    df = pd.DataFrame({"user": d["users"], "train": mask})
    per_user = df.groupby("user")["train"].agg(["sum", "size"])
    expected = np.maximum(1, np.round(per_user["size"] * 0.75))
    assert (per_user["sum"] == expected).all()


def test_split_matches_the_benchmark_protocol_exactly():
    d = planted(seed=3)
    for by in ("user", "item"):
        mask = stratified_split(d["users"], d["items"], seed=42, by=by)
        assert set(np.flatnonzero(mask)) == _benchmark_split(d["users"], d["items"], by=by)


def test_cold_item_split_holds_out_every_rating_of_a_fifth_of_the_items():
    d = planted(seed=4)
    mask, cold = cold_item_split(d["items"], fraction=0.2, seed=42)
    n_items = len(set(d["items"].tolist()))
    assert len(cold) == round(0.2 * n_items)
    assert not set(d["items"][mask].tolist()) & cold
    assert set(d["items"][~mask].tolist()) == cold
    mask2, cold2 = cold_item_split(d["items"], fraction=0.2, seed=42)
    assert cold2 == cold and (mask2 == mask).all()
