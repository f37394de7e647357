"""Hybrid recommender (pure numpy / scipy / LightFM; no Django imports).

Public API::

    from recommendations.ml import (read_ratings, read_items, item_feature_strings, build_interactions,
                                    train_recommender, Recommender, HybridParams, save_recommender,
                                    load_recommender)

    table = read_ratings("ratings.csv")                        # RatingsTable (raises DataFormatError)
    feats = item_feature_strings(read_items("movies.csv"))     # {item_id: ["genre:drama", "decade:1990s"]}
    m = build_interactions(table.users, table.items, table.ratings, timestamps=table.timestamps)
    model, report = train_recommender(m, item_features=feats)  # validation search + final fit
    model.recommend(model.user_index("42"), k=10)              # [(item index, score)], seen excluded
    model.recommend(history=[(item_idx, 4.0), ...], k=10)      # unknown user: fold-in, < 10 ms
    model.similar_items(item_idx, k=5); model.similar_items(features=["genre:drama"], k=5)
    model.score_user(...)                                      # np.ndarray of n_items scores
    save_recommender(model, "var/models/recommender/v3"); load_recommender(path)  # npz + json, sha256

Modules: data (readers), matrix (id maps, weights), features, models (EASE, LightFM, baselines),
recommender (the blend), foldin, metrics, split, evaluate, train, artifacts.
"""
from .artifacts import ArtifactError, load_recommender, read_metadata, save_recommender, verify_bundle
from .data import (
                   DataFormatError,
                   ItemInfo,
                   RatingsTable,
                   canonical_id,
                   item_feature_strings,
                   read_items,
                   read_ratings,
                   sibling_items_path,
)
from .evaluate import evaluate_cold_start, evaluate_split
from .features import FeatureSpace, build_feature_matrix, feature_vector
from .foldin import FoldInSolver, calibrate_foldin
from .matrix import IdMap, InteractionMatrix, build_interactions, confidence_weights, session_matrix
from .metrics import (
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
from .models import EASE, ItemKNN, LightFMEnsemble, LightFMScorer, MostPopular, make_lightfm
from .offline import recommend_offline
from .recommender import HybridParams, Recommender
from .split import cold_item_split, stratified_split
from .train import SEARCH_GRID, train_recommender, tune

__all__ = [
    "ArtifactError", "load_recommender", "read_metadata", "save_recommender", "verify_bundle",
    "DataFormatError", "ItemInfo", "RatingsTable", "canonical_id", "item_feature_strings", "read_items",
    "read_ratings", "sibling_items_path", "evaluate_cold_start", "evaluate_split", "FeatureSpace",
    "build_feature_matrix", "feature_vector", "FoldInSolver", "calibrate_foldin", "IdMap", "InteractionMatrix",
    "build_interactions", "confidence_weights", "session_matrix", "auc", "catalog_coverage", "map_at_k",
    "mean_ranking_auc", "ndcg_at_k", "precision_at_k", "ranking_metrics", "recall_at_k", "top_k", "EASE", "ItemKNN",
    "LightFMScorer", "LightFMEnsemble", "make_lightfm", "MostPopular", "recommend_offline", "HybridParams", "Recommender", "cold_item_split",
    "stratified_split", "SEARCH_GRID", "train_recommender", "tune",
]
