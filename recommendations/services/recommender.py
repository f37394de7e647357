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

Above `TrainingScale.sampled_above` interactions the plan is one fit evaluated on a sampled
held-out set, with LightFM and EASE on capped samples (`TrainingScale`): nothing of size
viewers × titles is ever dense, and the 100 M ratings of the Netflix Prize fit this machine.
A failed (or killed) training never replaces the active model: the bundle is written to a
temporary directory and moved into place, and the version is activated only at the end.
"""
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from core.models import ModelVersion
from core.services import artifact_root, model_version_fail, model_version_finish, model_version_start
from core.signals import data_changed
from recommendations import selectors_training
from recommendations.ml import metrics as ml_metrics
from recommendations.ml.artifacts import save_recommender
from recommendations.ml.matrix import InteractionMatrix, interactions_from_codes
from recommendations.ml.models import ItemKNN, MostPopular
from recommendations.ml.recommender import HybridParams, Recommender
from recommendations.ml.split import stratified_split
from recommendations.ml.train import train_recommender as ml_train
from recommendations.services.training import training_request_clear

log = logging.getLogger(__name__)
K = 10
MIN_INTERACTIONS = 20


class NotEnoughData(Exception):
    pass


@dataclass(frozen=True)
class TrainingScale:
    """Where the training plan changes as the data grows (figures: docs/benchmarks-netflix_scale.md).

    Up to ``sampled_above`` interactions: the plan of the module docstring (a 75/25 split of every
    viewer, a search, two fits). Above it (the Netflix Prize's 100 M ratings, or 1.7 M):

    * one fit: ``eval_viewers`` viewers (seeded) lend 25 % of their interactions as the held-out
      set; the active model is trained on everything else (those few thousand viewers' held-out
      films are the only data it does not see) and evaluated on them, scored as they are served
      (trained vector or fold-in, seen titles excluded), against most-popular on the same rows;
    * no hyper-parameter search (the defaults were chosen on MovieLens validation);
    * LightFM on a seeded sample of viewers holding at most ``lightfm_max_interactions``
      (WARP's cost is per interaction and epoch); every other viewer is folded in when served;
    * EASE on the ``ease_max_items`` most interacted titles (its inverse is cubic in items),
      with its Gram matrix from a seeded sample of viewers holding ``ease_max_interactions``;
    * the item-kNN baseline only up to ``item_knn_max`` (its similarity costs a full Gram).
    """

    sampled_above: int = 250_000
    eval_viewers: int = 5_000
    item_knn_max: int = 1_000_000
    lightfm_max_interactions: int = 300_000
    lightfm_ensemble: int = 1
    lightfm_threads: int = 2  # Hogwild SGD on both cores: 2x faster, not bit-for-bit reproducible
    ease_max_items: int = 6_000
    ease_max_interactions: int = 10_000_000

    def params(self, p: HybridParams) -> HybridParams:
        return p.replace(lightfm_max_interactions=self.lightfm_max_interactions,
                         lightfm_ensemble=min(p.lightfm_ensemble, self.lightfm_ensemble),
                         lightfm_threads=max(p.lightfm_threads, self.lightfm_threads),
                         ease_max_items=self.ease_max_items, ease_max_interactions=self.ease_max_interactions)


def _matrix_from_db(say):
    """The training matrix, read in chunks into numpy arrays (no Python object per interaction)."""
    rows = selectors_training.interactions_for_training(progress=lambda n: say(f"  read {n:,} interactions…"))
    # The ML id maps hold ids as text: key the feature strings the same way.
    feats = {str(tid): f for tid, f in selectors_training.item_features().items()}
    catalog = np.array(sorted(int(t) for t in feats), dtype=np.int64)
    m, dropped = interactions_from_codes(rows.users, rows.titles, rows.weights, item_ids=catalog)
    if dropped:
        log.warning("%d interactions name titles that are not in the catalog: left out", dropped)
    return m, feats


def _baseline_tops(W: sp.csr_matrix, rows: np.ndarray, scorer, allowed_items: np.ndarray, k: int,
                   chunk: int = 1024) -> np.ndarray:
    """Top-k of a baseline for the given rows of ``W``, ``chunk`` rows at a time (seen and
    unrankable items excluded)."""
    out = np.full((len(rows), k), -1, dtype=np.int64)
    for s in range(0, len(rows), chunk):
        Wr = W[rows[s:s + chunk]]
        S = scorer.score(Wr).astype(np.float64)
        S[np.repeat(np.arange(Wr.shape[0]), np.diff(Wr.indptr)), Wr.indices] = -np.inf
        S[:, ~allowed_items] = -np.inf
        out[s:s + Wr.shape[0]] = ml_metrics.top_k(S, k)
    return out


def _metrics(top, relevant, n_items):
    return {**ml_metrics.ranking_metrics(top, relevant, K), "coverage": ml_metrics.catalog_coverage(top, n_items)}


def _evaluate(m: InteractionMatrix, feats, params, *, search, on_epoch):
    """Metrics of the hybrid model and the baselines on one held-out split (every viewer 75/25)."""
    coo = m.values.tocoo()
    mask = stratified_split(coo.row, coo.col, ratio=0.75, seed=42, by="user")
    train, test = m.subset(mask), m.subset(~mask)
    rows = np.flatnonzero(np.diff(test.values.indptr) > 0)
    if not len(rows):
        raise NotEnoughData("no held-out interactions to evaluate on")
    relevant = ml_metrics.relevant_lists(test.values, rows)
    model, report = ml_train(train, item_features=feats, params=params, search=search, on_epoch=on_epoch,
                             keep_interactions=True)
    results = {"hybrid": _metrics(model.recommend_batch(rows, k=K, exclude_seen=True), relevant, train.n_items)}
    W = train.binary()
    warm = train.item_counts() > 0  # items unseen in training cannot be ranked
    for name, base in (("most_popular", MostPopular()), ("item_knn", ItemKNN())):
        base.fit(W)
        results[name] = _metrics(_baseline_tops(W, rows, base, warm, K), relevant, train.n_items)
    return results, model.params, report


def _evaluate_sampled(m: InteractionMatrix, feats, p: HybridParams, scale: TrainingScale, *, on_epoch, say):
    """One fit, evaluated on a sampled held-out set (`TrainingScale`). Returns (results, model, info)."""
    counts = m.user_counts()
    cand = np.flatnonzero(counts >= 4)
    if not len(cand):
        raise NotEnoughData("no viewer with 4 interactions to evaluate on")
    rng = np.random.default_rng(42)
    ev = np.sort(rng.choice(cand, min(scale.eval_viewers, len(cand)), replace=False))
    indptr = m.values.indptr
    lens = indptr[ev + 1] - indptr[ev]
    pos = np.repeat(indptr[ev] - np.concatenate(([0], np.cumsum(lens)[:-1])), lens) + np.arange(int(lens.sum()))
    row_of = np.repeat(np.arange(len(ev)), lens)
    keep = stratified_split(row_of, m.values.indices[pos], ratio=0.75, seed=42, by="user")
    held = pos[~keep]
    train = m.without(held)
    say(f"held out {len(held):,} interactions of {len(ev):,} sampled viewers; training on {train.nnz:,}")
    model = Recommender.fit(train, item_features=feats, params=p, on_epoch=on_epoch, keep_interactions=False)
    model.report = {"fit": model.report, "params": p.to_dict()}  # the shape `ml.train` reports in
    T = sp.csr_matrix((np.ones(len(held), np.float32), (row_of[~keep], m.values.indices[held])),
                      shape=(len(ev), m.n_items))
    rows = np.arange(len(ev))
    relevant = ml_metrics.relevant_lists(T, rows)
    H = train.values[ev]
    users = np.array([model.users.index(train.users[e], -1) for e in ev], dtype=np.int64)
    results = {"hybrid": _metrics(model.recommend_histories(H, users, K), relevant, m.n_items)}
    warm = train.item_counts() > 0
    pop = MostPopular()
    pop.counts = train.item_counts().astype(np.float32)
    results["most_popular"] = _metrics(_baseline_tops(H, rows, pop, warm, K), relevant, m.n_items)
    if train.nnz <= scale.item_knn_max:
        knn = ItemKNN().fit(train.binary())
        results["item_knn"] = _metrics(_baseline_tops(H, rows, knn, warm, K), relevant, m.n_items)
    info = {"evaluation": f"{len(ev):,} sampled viewers (seed 42), 25 % of their interactions held out of the "
                          "active model's training", "held_out_viewers": int(len(ev)),
            "held_out_interactions": int(len(held)), "trained_on": int(train.nnz),
            "lightfm_viewers": int(model.n_users)}
    return results, model, info


def recommender_train(*, triggered_by: str = "", search: bool = True, progress=None,
                      params: HybridParams | None = None, scale: TrainingScale | None = None) -> ModelVersion:
    """Train, evaluate, version and (if the gate passes) activate a recommender."""
    say = progress or (lambda msg: log.info(msg))
    scale = scale or TrainingScale()
    t0 = time.perf_counter()
    from interactions.services.retrain import retrain_counter_reset

    retrain_counter_reset()  # "retrain after N new interactions" counts from this training on
    m, feats = _matrix_from_db(say)
    large = m.nnz > scale.sampled_above
    p = params or HybridParams()
    if large:
        p = scale.params(p)
    mv = model_version_start(name=ModelVersion.Name.RECOMMENDER, triggered_by=triggered_by, params=p.to_dict())
    try:
        n_viewers = int((m.user_counts() > 0).sum())
        if m.nnz < MIN_INTERACTIONS or n_viewers < 2:
            raise NotEnoughData(f"only {m.nnz} interactions from {n_viewers} viewers "
                                f"(need ≥ {MIN_INTERACTIONS} from ≥ 2 viewers)")
        say(f"data: {m.nnz:,} interactions, {n_viewers:,} viewers, {m.n_items:,} titles "
            f"(read in {time.perf_counter() - t0:.0f} s)")

        def on_epoch(epoch, info):
            stage = info.get("stage", "")
            metric = info.get("ndcg@10") or info.get("val_ndcg@10")
            say(f"  [{stage}] epoch {epoch}" + (f"  validation nDCG@10 {metric:.4f}" if metric is not None else ""))

        info = {}
        if large:
            say(f"large data (> {scale.sampled_above:,} interactions): one fit, evaluated on sampled viewers…")
            results, model, info = _evaluate_sampled(m, feats, p, scale, on_epoch=on_epoch, say=say)
            chosen, eval_report = model.params, {}
        else:
            say("evaluation on a held-out split (75/25 per viewer, seed 42)…")
            results, chosen, eval_report = _evaluate(m, feats, params, search=search, on_epoch=on_epoch)
        for name, r in results.items():
            say(f"  {name:13s} nDCG@10 {r['ndcg']:.4f}  P@10 {r['precision']:.4f}  R@10 {r['recall']:.4f}"
                f"  MAP@10 {r['map']:.4f}  coverage {r['coverage']:.3f}")
        if not large:
            say("fitting on all interactions with the chosen hyper-parameters…")
            model, _ = ml_train(m, item_features=feats, params=chosen, search=False, on_epoch=on_epoch,
                                keep_interactions=False)
        gate = {"metric": "ndcg@10", "model": results["hybrid"]["ndcg"],
                "baseline_most_popular": results["most_popular"]["ndcg"],
                "passed": bool(results["hybrid"]["ndcg"] > results["most_popular"]["ndcg"])}
        counts = {"interactions": int(m.nnz), "viewers": n_viewers, "titles": m.n_items,
                  "warm_titles": int((m.item_counts() > 0).sum()), **info}
        metrics = {name: r for name, r in results.items()}
        metrics["ndcg@10"] = results["hybrid"]["ndcg"]
        out = artifact_root(name="recommender") / mv.version
        save_recommender(model, out, metadata={"version": mv.version, "metrics": metrics, "data_counts": counts,
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
    training_request_clear()
    data_changed.send(sender=recommender_train)
