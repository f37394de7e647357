"""Cross-validation: out-of-fold predictions, and what is measured from them — metrics against
baselines, the prediction interval's offsets, permutation importance — for :func:`popularity.ml.model.train`
(search, metrics, calibration) and :func:`cross_validate` (an unbiased evaluation).

Prediction interval
-------------------
Split-conformal on cross-validation residuals (CV+ style): the out-of-fold residuals of the
chosen configuration give the ``(1-coverage)/2`` and ``(1+coverage)/2`` quantiles (finite-sample
corrected); ``low/high = prediction + quantiles`` (constant width, asymmetric: the rating
distribution has a long low tail).  ``train`` calibrates on a single-seed CV, so the interval is
slightly conservative for the seed-averaged final model.  ``cross_validate`` reports the empirical
coverage where each fold's interval is calibrated on the *other* folds' residuals only.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.inspection import permutation_importance
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from .estimator import DEFAULT_FEATURE_PARAMS, DEFAULT_N_SEEDS, DEFAULT_PARAMS, build_pipeline, fitted_ensemble
from .schema import FIELD_LABELS, INPUT_FIELDS, TARGET, records_to_frame

__all__ = ["cross_validate", "regression_metrics", "conformal_offsets", "run_cv", "grouped_importance",
           "prepare_training", "subset", "Progress"]

Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------------------------
# Metrics / baselines
# --------------------------------------------------------------------------------------------

def regression_metrics(y, pred) -> dict:
    """R^2, MAE, RMSE and n of predictions ``pred`` of targets ``y``."""
    y = np.asarray(y, float)
    pred = np.asarray(pred, float)
    err = y - pred
    sst = float(((y - y.mean()) ** 2).sum())
    return {
        "r2": float(1 - (err ** 2).sum() / sst) if sst > 0 else float("nan"),
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err ** 2).mean())),
        "n": int(len(y)),
    }


def _genre_mean_baseline(train_frame, y_train, test_frame, smoothing: float = 10.0):
    prior = float(np.mean(y_train))
    s: dict[str, float] = {}
    n: dict[str, int] = {}
    for gs, v in zip(train_frame["genres"], y_train, strict=True):
        for g in gs:
            s[g] = s.get(g, 0.0) + v
            n[g] = n.get(g, 0) + 1
    out = np.full(len(test_frame), prior)
    for i, gs in enumerate(test_frame["genres"]):
        vals = [(s[g] + smoothing * prior) / (n[g] + smoothing) for g in gs if g in n]
        if vals:
            out[i] = float(np.mean(vals))
    return out


def conformal_offsets(residuals, coverage: float) -> tuple[float, float]:
    """(low, high) offsets of the split-conformal interval of nominal ``coverage`` from out-of-fold residuals."""
    r = np.sort(np.asarray(residuals, float))
    n = len(r)
    alpha = 1.0 - coverage
    # finite-sample corrected ranks (split conformal): ceil((n+1)(1-a/2)) and floor((n+1)a/2)
    hi_rank = min(n, math.ceil((n + 1) * (1 - alpha / 2))) - 1
    lo_rank = max(1, math.floor((n + 1) * alpha / 2)) - 1
    return float(r[lo_rank]), float(r[hi_rank])


# --------------------------------------------------------------------------------------------
# Cross-validation core (shared by train() and cross_validate())
# --------------------------------------------------------------------------------------------

def prepare_training(records) -> tuple[pd.DataFrame, np.ndarray]:
    """Rated records -> (canonical input frame, ratings); every record must have a rating."""
    frame = records_to_frame(records, with_target=True)
    y = frame[TARGET].to_numpy(float)
    missing = np.isnan(y)
    if missing.any():
        raise ValueError(f"{int(missing.sum())} training record(s) have no rating "
                         f"(first: record #{int(np.argmax(missing))})")
    X = frame[list(INPUT_FIELDS)].copy()
    X.attrs["popularity_canonical"] = True
    return X, y


def subset(X: pd.DataFrame, idx) -> pd.DataFrame:
    """Rows ``idx`` of a canonical frame, still marked canonical."""
    sub = X.iloc[idx].reset_index(drop=True)
    sub.attrs["popularity_canonical"] = True
    return sub


def run_cv(X, y, *, candidates, folds, seed, n_seeds, feature_params, progress, label="cv"):
    """K-fold out-of-fold predictions of each candidate booster setting (the features are fitted once per
    fold and seed, and shared by the candidates). Returns ``(oof, fold_id, splits, fold_models)``:
    ``oof[c]`` the predictions of candidate ``c``, ``fold_models[k][c]`` its fitted pipelines of fold ``k``."""
    n = len(X)
    folds = max(2, min(folds, n // 4 if n >= 8 else 2))
    fold_id = np.empty(n, int)
    splits = list(KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)))
    for k, (_, te) in enumerate(splits):
        fold_id[te] = k
    oof = {c: np.zeros(n) for c in range(len(candidates))}
    fold_models: dict[int, dict[int, list]] = {}
    total = len(splits) * n_seeds
    step = 0
    for k, (tr, te) in enumerate(splits):
        Xtr, Xte = subset(X, tr), subset(X, te)
        preds = {c: [] for c in range(len(candidates))}
        fold_models[k] = {c: [] for c in range(len(candidates))}
        for s in range(n_seeds):
            member_seed = seed + 1000 * s
            pipe = build_pipeline(candidates[0], seed=member_seed, feature_params=feature_params)
            feats = Pipeline(pipe.steps[:-1]).set_output(transform="pandas")
            Ftr = feats.fit_transform(Xtr, y[tr])
            Fte = feats.transform(Xte)
            for c, params in enumerate(candidates):
                reg = clone(pipe.steps[-1][1]).set_params(**params).fit(Ftr, y[tr])
                preds[c].append(reg.predict(Fte))
                fold_models[k][c].append(Pipeline(feats.steps + [("regressor", reg)]))
            step += 1
            if progress:
                progress(label, step, total)
        for c in preds:
            oof[c][te] = np.mean(preds[c], axis=0)
    return oof, fold_id, splits, fold_models


def grouped_importance(fold_models, splits, X, y, *, n_repeats, seed):
    """Permutation importance on held-out folds, one input field at a time (R^2 drop)."""
    drops: dict[str, list[float]] = {f: [] for f in INPUT_FIELDS}
    for k, (_, te) in enumerate(splits):
        members = fold_models[k]
        est = members[0] if len(members) == 1 else fitted_ensemble(members)
        Xte = subset(X, te)
        res = permutation_importance(est, Xte, y[te], scoring="r2", n_repeats=n_repeats,
                                     random_state=seed + k)
        for j, f in enumerate(Xte.columns):
            drops[f].append(float(res.importances_mean[j]))
    out = []
    for f, vals in drops.items():
        out.append({"field": f, "label": FIELD_LABELS[f], "importance": float(np.mean(vals)),
                    "std": float(np.std(vals))})
    out.sort(key=lambda d: -d["importance"])
    return out


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------

def cross_validate(records, folds: int = 5, seed: int = 0, *, params: dict | None = None,
                   feature_params: dict | None = None, n_seeds: int = DEFAULT_N_SEEDS, coverage: float = 0.8,
                   importance: bool = True, importance_repeats: int = 3,
                   progress: Progress | None = None, return_predictions: bool = False) -> dict:
    """K-fold evaluation of the pipeline with fixed hyper-parameters (default: DEFAULT_PARAMS).

    Returns a JSON-ready dict::

        {"model": {r2, mae, rmse, n}, "baselines": {"mean": {...}, "genre_mean": {...}},
         "per_fold": [{r2, mae, rmse, n}, ...], "interval": {"coverage_nominal",
         "coverage_empirical", "mean_width"}, "importance": [{field, label, importance, std}],
         "folds", "seed", "n", "seconds"}

    Interval coverage is honest: the interval for fold k is calibrated on the other folds'
    out-of-fold residuals only.
    """
    started = time.perf_counter()
    X, y = prepare_training(records)
    candidates = [dict(DEFAULT_PARAMS, **(params or {}))]
    fparams = dict(DEFAULT_FEATURE_PARAMS, **(feature_params or {}))
    with threadpool_limits(limits=1):
        oof, fold_id, splits, fold_models = run_cv(
            X, y, candidates=candidates, folds=folds, seed=seed, n_seeds=n_seeds, feature_params=fparams,
            progress=progress)
        pred = oof[0]
        mean_pred = np.zeros(len(y))
        genre_pred = np.zeros(len(y))
        for tr, te in splits:
            mean_pred[te] = y[tr].mean()
            genre_pred[te] = _genre_mean_baseline(subset(X, tr), y[tr], subset(X, te))
        resid = y - pred
        covered = np.zeros(len(y), bool)
        widths = []
        for k, (_, te) in enumerate(splits):
            lo_off, hi_off = conformal_offsets(resid[fold_id != k], coverage)
            covered[te] = (resid[te] >= lo_off) & (resid[te] <= hi_off)
            widths.append(hi_off - lo_off)
        imp = None
        if importance:
            imp = grouped_importance({k: fold_models[k][0] for k in fold_models}, splits, X, y,
                                      n_repeats=importance_repeats, seed=seed)
    out = {
        "model": regression_metrics(y, pred),
        "baselines": {"mean": regression_metrics(y, mean_pred), "genre_mean": regression_metrics(y, genre_pred)},
        "per_fold": [regression_metrics(y[te], pred[te]) for _, te in splits],
        "interval": {"coverage_nominal": coverage, "coverage_empirical": float(covered.mean()),
                     "mean_width": float(np.mean(widths))},
        "importance": imp,
        "params": candidates[0], "feature_params": fparams, "folds": len(splits), "seed": seed,
        "n_seeds": n_seeds, "n": int(len(y)), "seconds": round(time.perf_counter() - started, 2),
    }
    if return_predictions:
        out["predictions"] = pred
        out["fold"] = fold_id
    return out
