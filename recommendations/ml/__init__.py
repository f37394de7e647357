"""Hybrid recommender (pure numpy / scipy / LightFM; no Django imports).

Import from the modules (this package imports nothing itself: a web process that loads and
scores a model must not pay for pandas and the training stack, ≈ 30 MB of a worker)::

    from recommendations.ml.data import read_ratings, read_items, item_feature_strings
    from recommendations.ml.matrix import build_interactions
    from recommendations.ml.train import train_recommender
    from recommendations.ml.artifacts import save_recommender, load_recommender

    table = read_ratings("ratings.csv")                        # RatingsTable (raises DataFormatError)
    feats = item_feature_strings(read_items("movies.csv"))     # {item_id: ["genre:drama", "decade:1990s"]}
    m = build_interactions(table.users, table.items, table.ratings, timestamps=table.timestamps)
    model, report = train_recommender(m, item_features=feats)  # validation search + final fit
    model.recommend(model.user_index("42"), k=10)              # [(item index, score)], seen excluded
    model.recommend(history=[(item_idx, 4.0), ...], k=10)      # unknown user: fold-in, < 10 ms
    model.similar_items(item_idx, k=5); model.similar_items(features=["genre:drama"], k=5)
    model.score_user(...)                                      # np.ndarray of n_items scores
    save_recommender(model, "var/models/recommender/v3"); load_recommender(path)  # .npy + json, sha256

Modules: data (readers), matrix (id maps, weights), features, models (EASE, LightFM, baselines),
recommender (the blend), foldin, metrics, split, evaluate, train, artifacts.
"""
