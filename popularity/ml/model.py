"""The rating model: :func:`train` fits it, :class:`TrainedModel` predicts (with an interval) and
explains; ``artifacts.save/load`` persist it.

Target
------
The title's plain **average user rating** (0-10).  Every film counts once (no sample weights):
the product estimates the rating of a *project*, and weighting by vote counts would tune the
model towards blockbusters; vote counts are in any case never an input (they are post-release).
Only pre-release characteristics are inputs (see :mod:`popularity.ml.schema`).

Hyper-parameters
----------------
``train(search=True)`` runs ``cv_folds``-fold CV over :data:`SEARCH_GRID` (booster settings; the
features are computed once per fold and reused for every candidate, which is exactly equivalent to
fitting each full pipeline) and keeps the candidate with the lowest out-of-fold squared error.
``search=False`` uses :data:`DEFAULT_PARAMS`.

The pipeline and its defaults are in :mod:`popularity.ml.estimator` (with how the defaults were
chosen), the cross-validation and the interval in :mod:`popularity.ml.evaluation`, the
explanations in :mod:`popularity.ml.explain`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from threadpoolctl import threadpool_limits

from .estimator import (
    DEFAULT_FEATURE_PARAMS,
    DEFAULT_N_SEEDS,
    DEFAULT_PARAMS,
    RATING_RANGE,
    SEARCH_GRID,
    BlendedBoosting,  # noqa: F401 - for unpickling, see below
    SeedEnsemble,  # noqa: F401 - for unpickling, see below
    build_pipeline,
    fitted_ensemble,
)
from .evaluation import Progress, conformal_offsets, grouped_importance, prepare_training, regression_metrics, run_cv
from .explain import explain_record, typical_values
from .schema import TARGET, canonical

__all__ = ["TrainedModel", "train"]

# Artifacts pickle each class under the module that defined it when they were written: those written
# before the estimator moved to `estimator.py` name BlendedBoosting and SeedEnsemble here, and must
# still load (tests/popularity/ml/test_artifacts.py).


@dataclass
class TrainedModel:
    """A fitted rating model.  Build with :func:`train`, persist with ``artifacts.save/load``."""

    estimator: object                      # fitted Pipeline or SeedEnsemble (records -> rating)
    interval: dict                         # {"coverage", "low_offset", "high_offset", "method"}
    reference: dict                        # "average film" values used by explain()
    params: dict                           # booster hyper-parameters
    feature_params: dict
    seed: int
    n_seeds: int
    n_train: int
    metrics: dict | None = None            # CV metrics of the chosen configuration (+ baselines)
    importance: list | None = None         # grouped permutation importance (held-out folds)
    search: list = field(default_factory=list)  # [{"params", "rmse", "r2", "mae"}] per candidate
    trained_at: str = ""
    train_seconds: float = 0.0
    target_summary: dict = field(default_factory=dict)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, records) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``records``: iterable of dicts, a single dict or a DataFrame in the neutral layout.
        Returns ``(prediction, low, high)`` float arrays (one entry per record, input order);
        ``[low, high]`` is the ``interval['coverage']`` prediction interval."""
        X = canonical(records)
        if len(X) == 0:
            empty = np.zeros(0)
            return empty, empty.copy(), empty.copy()
        with threadpool_limits(limits=1):
            pred = np.asarray(self.estimator.predict(X), float)
        lo, hi = RATING_RANGE
        pred = np.clip(pred, lo, hi)
        low = np.clip(pred + self.interval["low_offset"], lo, hi)
        high = np.clip(pred + self.interval["high_offset"], lo, hi)
        return pred, low, high

    def predict_one(self, record: dict, *, explain: int = 5) -> dict:
        """Convenience for services/APIs: one record -> JSON-ready dict."""
        pred, low, high = self.predict([record])
        out = {"prediction": round(float(pred[0]), 3), "low": round(float(low[0]), 3),
               "high": round(float(high[0]), 3), "coverage": self.interval["coverage"]}
        if explain:
            out["explanation"] = self.explain(record, top=explain)
        return out

    # -- explanation -----------------------------------------------------------------------
    def explain(self, record: dict, top: int = 5) -> list[dict]:
        """What-if explanation for one record: up to ``top`` dicts ``{"field", "label", "value",
        "effect", "text", "items"}`` sorted by ``|effect|`` (see :func:`popularity.ml.explain.explain_record`)."""
        return explain_record(self.predict, self.reference, record, top=top)

    # -- description -----------------------------------------------------------------------
    def describe(self) -> dict:
        """JSON-ready summary (used as artifact metadata)."""
        return {
            "trained_at": self.trained_at, "train_seconds": round(self.train_seconds, 2),
            "params": self.params, "feature_params": self.feature_params, "seed": self.seed,
            "n_seeds": self.n_seeds, "n_train": self.n_train, "interval": self.interval,
            "metrics": self.metrics, "importance": self.importance, "search": self.search,
            "reference": {k: (None if isinstance(v, float) and math.isnan(v) else v)
                          for k, v in self.reference.items()},
            "target": TARGET, "target_summary": self.target_summary,
        }


def train(records, *, seed: int = 0, search: bool = True, cv_folds: int = 5, n_seeds: int = DEFAULT_N_SEEDS,
          cv_seeds: int = 1, coverage: float = 0.8, importance: bool = False, importance_repeats: int = 3,
          params: dict | None = None, feature_params: dict | None = None,
          progress: Progress | None = None) -> TrainedModel:
    """Fit the rating model on rated records (neutral layout, see ``schema``).

    * ``search``: pick booster settings from :data:`SEARCH_GRID` by ``cv_folds``-fold CV
      (otherwise ``params`` or :data:`DEFAULT_PARAMS`).
    * The same CV gives the model's ``metrics`` (pooled out-of-fold R^2/MAE/RMSE; with
      ``search`` these are mildly optimistic - use :func:`.evaluation.cross_validate` for an unbiased
      estimate), the conformal interval offsets and, with ``importance``, the grouped
      permutation importance on the held-out folds.
    * The final model averages ``n_seeds`` pipelines with different seeds; the CV (search,
      metrics, interval calibration) uses ``cv_seeds`` members per fold (default 1: faster, and
      the calibrated interval is then slightly conservative for the averaged model).
    * ``progress(stage, done, total)`` is called as work completes.
    """
    started = time.perf_counter()
    X, y = prepare_training(records)
    if len(X) < 10:
        raise ValueError(f"need at least 10 rated films to train, got {len(X)}")
    if not 0 < coverage < 1:
        raise ValueError("coverage must be between 0 and 1")
    base = dict(DEFAULT_PARAMS, **(params or {}))
    candidates = [dict(base, **c) for c in SEARCH_GRID] if search else [base]
    fparams = dict(DEFAULT_FEATURE_PARAMS, **(feature_params or {}))
    with threadpool_limits(limits=1):
        oof, fold_id, splits, fold_models = run_cv(
            X, y, candidates=candidates, folds=cv_folds, seed=seed, n_seeds=cv_seeds,
            feature_params=fparams, progress=progress, label="search" if search else "cv")
        scored = []
        for c, params_c in enumerate(candidates):
            m = regression_metrics(y, oof[c])
            scored.append({"params": params_c, "r2": round(m["r2"], 4), "mae": round(m["mae"], 4),
                           "rmse": round(m["rmse"], 4)})
        best = int(np.argmin([s["rmse"] for s in scored]))
        chosen = candidates[best]
        pred = oof[best]
        lo_off, hi_off = conformal_offsets(y - pred, coverage)
        metrics = regression_metrics(y, pred)
        metrics["cv_folds"] = int(fold_id.max() + 1)
        metrics["cv_seeds"] = int(cv_seeds)
        metrics["interval_coverage_in_sample"] = float(np.mean((y >= pred + lo_off) & (y <= pred + hi_off)))
        imp = None
        if importance:
            if progress:
                progress("importance", 0, 1)
            imp = grouped_importance({k: fold_models[k][best] for k in fold_models}, splits, X, y,
                                      n_repeats=importance_repeats, seed=seed)
        del fold_models
        members = []
        for s in range(n_seeds):
            pipe = build_pipeline(chosen, seed=seed + 1000 * s, feature_params=fparams)
            members.append(pipe.fit(X, y))
            if progress:
                progress("fit", s + 1, n_seeds)
    estimator = members[0] if n_seeds == 1 else fitted_ensemble(members)
    return TrainedModel(
        estimator=estimator,
        interval={"coverage": coverage, "low_offset": lo_off, "high_offset": hi_off,
                  "method": "split-conformal on out-of-fold residuals"},
        reference=typical_values(X), params=chosen, feature_params=fparams, seed=seed, n_seeds=n_seeds,
        n_train=int(len(X)), metrics=metrics, importance=imp, search=scored,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_seconds=time.perf_counter() - started,
        target_summary={"mean": float(y.mean()), "std": float(y.std()), "min": float(y.min()), "max": float(y.max())},
    )
