"""Scoring with the active recommender (reads only; no training, no per-request unpickling).

The active model is loaded once per process (`ProcessModelCache`), checked with one cache GET
per call, and scored with numpy on its embedding matrices. A viewer's current history is read
from the database on each call, so the EASE part is always fresh, and the LightFM vector is
folded in whenever the viewer is unknown to the model or has interactions newer than it.
"""
import logging
import time

import numpy as np

from core.selectors import ProcessModelCache
from interactions.selectors import viewer_signal
from recommendations.ml.artifacts import load_recommender
from recommendations.ml.recommender import History

log = logging.getLogger(__name__)


def _load(artifact_dir):
    t = time.perf_counter()
    model = load_recommender(artifact_dir)
    model._title_ids = np.array([int(x) for x in model.items.ids], dtype=np.int64)
    model._title_order = np.argsort(model._title_ids, kind="stable")
    model._title_sorted = model._title_ids[model._title_order]
    log.info("loaded recommender %s in %.0f ms", artifact_dir, (time.perf_counter() - t) * 1000)
    return model


MODEL_CACHE = ProcessModelCache("recommender", _load)


def active_model():
    """(model, active-version dict) or (None, None) when no model is trained yet."""
    try:
        return MODEL_CACHE.get()
    except Exception:  # a broken artifact must never take a page down: fall back
        log.exception("could not load the active recommender; serving the fallback")
        return None, None


def user_history(*, user_id):
    """The viewer's visible signal (`interactions.selectors.ViewerSignal`: title ids, weights, the
    newest time) over the live aggregate and the imported ratings, one pre-built statement."""
    return viewer_signal(user_id=user_id)


def _to_history(model, signal) -> History:
    """The signal's rows whose title the model knows, as model item indices: one `searchsorted`
    over the model's sorted title ids instead of a dict lookup per row (viewers with thousands of
    ratings)."""
    titles = signal.title_ids
    if not len(titles) or not len(model._title_sorted):
        return History(np.zeros(0, np.int64), np.zeros(0, np.float64))
    pos = np.minimum(np.searchsorted(model._title_sorted, titles), len(model._title_sorted) - 1)
    known = model._title_sorted[pos] == titles
    return History(model._title_order[pos[known]], signal.weights[known])


def score_for_user(*, user_id, k, allowed_title_ids=None, exclude_title_ids=(), user_features=None):
    """Top-k [(title_id, score)] for a viewer, or None without a model. Seen titles excluded."""
    model, active = active_model()
    if model is None:
        return None, None
    signal = user_history(user_id=user_id)
    history = _to_history(model, signal)
    uidx = model.user_index(user_id)
    changed = uidx is None
    if uidx is not None and len(signal):
        trained_at = active.get("trained_at")
        changed = trained_at is None or signal.last_at > trained_at
    exclude = [j for j in (model.item_index(t) for t in exclude_title_ids) if j is not None]
    if allowed_title_ids is not None:
        allowed = np.isin(model._title_ids, np.fromiter(allowed_title_ids, dtype=np.int64))
        exclude = np.union1d(np.asarray(exclude, dtype=np.int64), np.flatnonzero(~allowed))
    if not len(history.items) and not user_features:
        return [], {"source": "cold_user", "version": active["version"]}
    recs = model.recommend(uidx if (uidx is not None and not changed) else None, history, k=k,
                           exclude=exclude, exclude_seen=True, include_cold=False, user_features=user_features,
                           fold_in=True if changed else None)
    source = "fold_in" if changed else "model"
    return [(int(model._title_ids[i]), s) for i, s in recs], {"source": source, "version": active["version"]}


def score_for_titles(*, title_ids, k, exclude_title_ids=()):
    """"I liked…": [(title_id, score, because title_id or None)] for someone who liked `title_ids`
    (`Recommender.recommend_for_items`, never one of them), or (None, None) without a model."""
    model, active = active_model()
    if model is None:
        return None, None
    items = [j for j in (model.item_index(t) for t in title_ids) if j is not None]
    info = {"source": "model", "version": active["version"]}
    if not items:
        return [], info
    exclude = [j for j in (model.item_index(t) for t in exclude_title_ids) if j is not None]
    recs = model.recommend_for_items(items, k=k, exclude=exclude or None)
    ids = model._title_ids
    return [(int(ids[j]), s, None if why is None else int(ids[why])) for j, s, why in recs], info


def similar_to_title(*, title_id, k, features_of=None):
    """Nearest titles by hybrid item vectors. A title unknown to the model (added since training)
    gets its vector from its features: `features_of()` is called only in that case."""
    model, active = active_model()
    if model is None:
        return None, None
    info = {"source": "model", "version": active["version"]}
    j = model.item_index(title_id)
    if j is not None:
        recs = model.similar_items(item=j, k=k, include_cold=True)
    else:
        features = features_of() if features_of else None
        if not features:
            return [], info
        recs = model.similar_items(features=features, k=k, include_cold=True)
    return [(int(model._title_ids[i]), s) for i, s in recs if int(model._title_ids[i]) != title_id], info
