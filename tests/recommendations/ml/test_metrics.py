"""Metrics hand-checked on tiny cases (Recommenders benchmark definitions)."""
import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.ml.metrics import (
    auc,
    catalog_coverage,
    map_at_k,
    mean_ranking_auc,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    top_k,
)


def test_precision_recall_ndcg_map_by_hand():
    rec, rel = [10, 20, 30], {10, 30}
    assert precision_at_k(rec, rel, 3) == pytest.approx(2 / 3)
    assert recall_at_k(rec, rel, 3) == pytest.approx(1.0)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(rec, rel, 3) == pytest.approx(dcg / idcg)
    assert map_at_k(rec, rel, 3) == pytest.approx((1 / 1 + 2 / 3) / 2)


def test_map_divides_by_all_relevant_items_not_by_k():
    # 5 relevant items, k = 2, both recommended ones relevant: Recommenders' MAP = (1 + 1) / 5
    assert map_at_k([1, 2], {1, 2, 3, 4, 5}, 2) == pytest.approx(2 / 5)
    # nDCG's ideal list is capped at k: a perfect list scores 1
    assert ndcg_at_k([1, 2], {1, 2, 3, 4, 5}, 2) == pytest.approx(1.0)
    assert recall_at_k([1, 2], {1, 2, 3, 4, 5}, 2) == pytest.approx(2 / 5)


def test_a_miss_scores_zero_and_users_without_relevant_items_are_skipped():
    m = ranking_metrics(np.array([[1, 2], [3, 4]]), [{9}, set()], 2)
    assert m == {"precision": 0.0, "recall": 0.0, "ndcg": 0.0, "map": 0.0, "users": 1}


def test_empty_slots_count_as_misses():
    m = ranking_metrics(np.array([[5, -1]]), [{5}], 2)
    assert m["precision"] == pytest.approx(0.5) and m["ndcg"] == pytest.approx(1.0)


def test_catalog_coverage():
    assert catalog_coverage(np.array([[0, 1], [1, 2], [2, -1]]), 10) == pytest.approx(0.3)


def test_auc_by_hand_and_ties():
    # positives 0.9 and 0.5; negatives 0.8 and 0.1: 3 of 4 pairs ordered right
    assert auc(np.array([0.9, 0.8, 0.1, 0.5]), np.array([1, 0, 0, 1], bool)) == pytest.approx(0.75)
    assert auc(np.array([1.0, 1.0]), np.array([1, 0], bool)) == pytest.approx(0.5)
    assert auc(np.array([1.0, 2.0]), np.array([1, 1], bool)) is None


def test_mean_ranking_auc_restricted_to_candidates():
    scores = np.array([[0.0, 5.0, 1.0, 2.0], [0.0, 0.0, 3.0, 1.0]])
    test = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32))
    res = mean_ranking_auc(scores, test, candidates=np.array([1, 2, 3]))
    assert res == {"auc": pytest.approx(1.0), "users": 2}


def test_top_k_excludes_and_orders():
    S = np.array([[0.1, 0.9, 0.5, 0.7]])
    assert top_k(S, 2).tolist() == [[1, 3]]
    ex = sp.csr_matrix(np.array([[0, 1, 0, 0]]))
    assert top_k(S, 2, exclude=ex).tolist() == [[3, 2]]
    assert top_k(S, 6).tolist() == [[1, 3, 2, 0, -1, -1]]
    # ties broken by item index, deterministic
    assert top_k(np.array([[1.0, 1.0, 1.0]]), 2).tolist() == [[0, 1]]
