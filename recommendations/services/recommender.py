"""Train the hybrid recommender on the database, evaluate it, gate it, version it.

`recommender_train` is what the Celery task, `manage.py train_recommender` and `make run` call:

1. read the interaction weights and every catalog title's feature strings (cold titles included);
2. evaluate on a held-out split (75/25 per viewer, seed 42): the hybrid model with the
   hyper-parameters chosen on a validation split carved from the training part, against the
   most-popular and item-kNN baselines trained on the same split;
3. fit on all data with the chosen hyper-parameters, write the artifact
   (`ML_ARTIFACTS_DIR/recommender/<version>/`), record a ModelVersion;
4. activate it only if it beats most-popular on nDCG@10 (the quality gate); otherwise the
   previous active version stays.
"""
import json
import logging
import time
from pathlib import Path

import numpy as np

from core.models import ModelVersion
from core.services import artifact_root, model_version_fail, model_version_finish, model_version_start
from recommendations import selectors_training
from recommendations.ml import metrics as ml_metrics
from recommendations.ml.matrix import IdMap, build_interactions
from recommendations.ml.models import ItemKNN, MostPopular
from recommendations.ml.recommender import HybridParams
from recommendations.ml.split import stratified_split
from recommendations.ml.train import train_recommender as ml_train

log = logging.getLogger(__name__)
K = 10
MIN_INTERACTIONS = 20


class NotEnoughData(Exception):
    pass


def _matrix_from_db():
    users, titles, weights, _ = selectors_training.interactions_for_training()
    # The ML id maps hold ids as text: key the feature strings the same way.
    feats = {str(tid): f for tid, f in selectors_training.item_features().items()}
    catalog = IdMap(sorted(feats, key=int))
    return users, titles, weights, feats, catalog


def _evaluate(users, titles, weights, feats, catalog, params, *, search, on_epoch):
    """Metrics of the hybrid model and the baselines on one held-out split."""
    mask = stratified_split(users, titles, ratio=0.75, seed=42, by="user")
    u, t, w = np.asarray(users, dtype=object), np.asarray(titles, dtype=object), np.asarray(weights)
    train = build_interactions(u[mask], t[mask], w[mask], item_ids=catalog)
    test_u, test_t = u[~mask], t[~mask]
    rows, rel = [], {}
    for uu, tt in zip(test_u, test_t, strict=True):
        ui, ti = train.users.index(uu), train.items.index(tt)
        if ui is None or ti is None:
            continue
        rel.setdefault(ui, set()).add(ti)
    rows = sorted(rel)
    relevant = [rel[r] for r in rows]
    if not rows:
        raise NotEnoughData("no held-out interactions to evaluate on")
    model, report = ml_train(train, item_features=feats, params=params, search=search, on_epoch=on_epoch,
                             keep_interactions=True)
    W = train.binary()
    seen = W[rows]
    results = {}
    top = model.recommend_batch(rows, k=K, exclude_seen=True)
    results["hybrid"] = {**ml_metrics.ranking_metrics(top, relevant, K),
                         "coverage": ml_metrics.catalog_coverage(top, train.n_items)}
    for name, base in (("most_popular", MostPopular()), ("item_knn", ItemKNN())):
        base.fit(W)
        S = base.score(seen).astype(np.float64)
        S[np.repeat(np.arange(len(rows)), np.diff(seen.indptr)), seen.indices] = -np.inf
        S[:, ~(np.diff(W.tocsc().indptr) > 0)] = -np.inf  # items unseen in training cannot be ranked
        topb = ml_metrics.top_k(S, K)
        results[name] = {**ml_metrics.ranking_metrics(topb, relevant, K),
                         "coverage": ml_metrics.catalog_coverage(topb, train.n_items)}
    return results, model.params, report


def recommender_train(*, triggered_by: str = "", search: bool = True, progress=None,
                      params: HybridParams | None = None) -> ModelVersion:
    """Train, evaluate, version and (if the gate passes) activate a recommender."""
    say = progress or (lambda msg: log.info(msg))
    t0 = time.perf_counter()
    from interactions.services.events import retrain_counter_reset

    retrain_counter_reset()  # "retrain after N new interactions" counts from this training on
    users, titles, weights, feats, catalog = _matrix_from_db()
    mv = model_version_start(name=ModelVersion.Name.RECOMMENDER, triggered_by=triggered_by,
                             params=(params or HybridParams()).to_dict())
    try:
        if len(weights) < MIN_INTERACTIONS or len(set(users)) < 2:
            raise NotEnoughData(f"only {len(weights)} interactions from {len(set(users))} viewers "
                                f"(need ≥ {MIN_INTERACTIONS} from ≥ 2 viewers)")
        say(f"data: {len(weights):,} interactions, {len(set(users)):,} viewers, {len(catalog):,} titles")

        def on_epoch(epoch, info):
            stage = info.get("stage", "")
            metric = info.get("ndcg@10") or info.get("val_ndcg@10")
            say(f"  [{stage}] epoch {epoch}" + (f"  validation nDCG@10 {metric:.4f}" if metric is not None else ""))

        say("evaluation on a held-out split (75/25 per viewer, seed 42)…")
        results, chosen, eval_report = _evaluate(users, titles, weights, feats, catalog, params, search=search,
                                                 on_epoch=on_epoch)
        for name, m in results.items():
            say(f"  {name:13s} nDCG@10 {m['ndcg']:.4f}  P@10 {m['precision']:.4f}  R@10 {m['recall']:.4f}"
                f"  MAP@10 {m['map']:.4f}  coverage {m['coverage']:.3f}")
        say("fitting on all interactions with the chosen hyper-parameters…")
        full = build_interactions(np.asarray(users, dtype=object), np.asarray(titles, dtype=object),
                                  np.asarray(weights), item_ids=catalog)
        model, report = ml_train(full, item_features=feats, params=chosen, search=False, on_epoch=on_epoch,
                                 keep_interactions=False)
        gate = {"metric": "ndcg@10", "model": results["hybrid"]["ndcg"],
                "baseline_most_popular": results["most_popular"]["ndcg"],
                "passed": bool(results["hybrid"]["ndcg"] > results["most_popular"]["ndcg"])}
        counts = {"interactions": len(weights), "viewers": full.n_users, "titles": full.n_items,
                  "warm_titles": int((full.item_counts() > 0).sum())}
        metrics = {name: m for name, m in results.items()}
        metrics["ndcg@10"] = results["hybrid"]["ndcg"]
        out = artifact_root(name="recommender") / mv.version
        model.save(out, metadata={"version": mv.version, "metrics": metrics, "data_counts": counts,
                                  "gate": gate, "search": eval_report.get("search")})
        checksum = _read_checksum(out)
        mv = model_version_finish(mv=mv, artifact_dir=str(out), checksum=checksum, metrics=metrics,
                                  data_counts=counts, params=chosen.to_dict(),
                                  duration_s=time.perf_counter() - t0, gate=gate)
        say(f"version {mv.version}: gate {'passed — activated' if gate['passed'] else 'FAILED — not activated'}"
            f" (hybrid {gate['model']:.4f} vs most-popular {gate['baseline_most_popular']:.4f})")
        _after_training()
        return mv
    except Exception as exc:
        model_version_fail(mv=mv, error=f"{type(exc).__name__}: {exc}")
        raise


def _read_checksum(directory: Path) -> str:
    try:
        return json.loads((Path(directory) / "metadata.json").read_text()).get("checksum", "")
    except (OSError, ValueError):
        return ""


def _after_training():
    from django.core.cache import cache

    from recommendations.services.training import RETRAIN_PENDING_KEY

    cache.delete(RETRAIN_PENDING_KEY)
    from core.signals import data_changed

    data_changed.send(sender=recommender_train)
