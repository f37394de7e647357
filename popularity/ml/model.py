"""Rating model: pipeline, training with a small CV search, intervals, importance, explanations.

Target
------
The title's plain **average user rating** (0-10).  Every film counts once (no sample weights):
the product estimates the rating of a *project*, and weighting by vote counts would tune the
model towards blockbusters; vote counts are in any case never an input (they are post-release).
Only pre-release characteristics are inputs (see :mod:`popularity.ml.schema`).

Model
-----
``Pipeline(normalize -> FeatureUnion(numeric, genres, categories, people target encoding,
people profile, people network, ridge stack) -> drop empty columns -> BlendedBoosting)``; see :mod:`.features`.
``BlendedBoosting`` = 0.5 x HistGradientBoosting(squared error on ``-sqrt(10.5 - rating)``, mapped
back) + 0.5 x HistGradientBoosting(absolute error).  The target-dependent steps cross-fit inside
``fit`` so the booster only sees out-of-fold encodings; for new films they average their fold
models (stacking-style), so training and prediction-time encodings have the same distribution.
The final model averages ``n_seeds`` (default 6) such pipelines that differ only by seed (inner
fold splits, feature subsampling).

Hyper-parameters
----------------
``train(search=True)`` runs ``cv_folds``-fold CV over :data:`SEARCH_GRID` (booster settings; the
features are computed once per fold and reused for every candidate, which is exactly equivalent to
fitting each full pipeline) and keeps the candidate with the lowest out-of-fold squared error.
``search=False`` uses :data:`DEFAULT_PARAMS`.

How the defaults were chosen (run offline on IMDB 5000 converted with
:func:`popularity.ml.imdb.convert_imdb_metadata`, 5-fold CV with splits seeded 0 and 1, 3 pipeline
seeds per fold - never the evaluation harness's splits; split-to-split noise is ~0.003 MAE, so
a change was kept only if it helped on the mean of both splits and did not clearly hurt either).  Changes of the 2026-11 revision, in order of
effect (MAE / R^2 against the previous defaults):

* prediction-time encodings = average of the fold models instead of one model on all training
  rows (ridge stack and people target encoding): about -0.003 MAE, +0.002 R^2;
* ridge stack with 3 instead of 5 folds (3 > 2, 5, 10; repeated cross-fitting was worse: slightly
  noisier training values keep the booster from over-trusting the column), alpha 8 (2-8 tried)
  and extra token blocks (actor x genre, director x decade, country/language x genre and x decade,
  genre x runtime and x budget bins): about -0.002 MAE, +0.003 R^2;
* booster: min_samples_leaf 20 (15-40), max_features 0.3 (0.2-0.5); absolute-loss booster with
  400 trees at 0.08 (250-800 trees, 0.05-0.12) and weight 0.5 (0.35/0.5/0.65); squared-loss
  booster on the square-root-transformed target (also tried: plain, 2 %/5 % winsorised, log and
  power 0.25/0.75 transforms): together about -0.002 MAE, -0.001 R^2;
* non-target people "network" block (repeat collaborations, least experienced cast member,
  experience in the film's genres): about -0.002 MAE, +0.002 R^2;
* 6 instead of 3 pipeline seeds: about -0.0006 MAE.

Tried without gain in this revision: target-encoding smoothing 2 / 10 and 3 inner folds, a
second ridge (other alpha, square-root target, per-group decomposition), tail-indicator target
encodings, monotonic constraints, boosting on the ridge offset, non-target "genre mix" and
"usual kind of film" people profiles, people's prior-film count, years since their last film,
number and prominence of their collaborators, usual absolute budget / year, title-prefix
(franchise) tokens, pooled-role / lead-actor / co-star ridge tokens, an
ExtraTrees or RandomForest member (+R^2, no MAE gain), and an out-of-fold median / LAD /
isotonic recalibration of the predictions (they are already median-calibrated).  Earlier
revisions: booster learning rate 0.06 x 250 trees x 8 leaves, 63 bins (as good as 0.03 x 500 and
twice as fast); target-encoding smoothing m = 5, 5 inner folds; the person "profile" block was the
largest single gain (+0.011 R^2); lead-actor encoding, residual target encoding, career-span and
billing features and smoothing ensembles did not help.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.model_selection import KFold
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits

from .features import (
    CategoryGrouper,
    DropUninformative,
    GenreBinarizer,
    NumericFeatures,
    PeopleNetwork,
    PeopleProfile,
    PeopleTargetEncoder,
    RecordNormalizer,
    RidgeStack,
)
from .schema import (
    FIELD_LABELS,
    INPUT_FIELDS,
    LIST_FIELDS,
    NUMERIC_FIELDS,
    PEOPLE_FIELDS,
    TARGET,
    canonical,
    format_value,
    records_to_frame,
)

__all__ = ["DEFAULT_PARAMS", "DEFAULT_N_SEEDS", "SEARCH_GRID", "DEFAULT_FEATURE_PARAMS", "build_pipeline", "BlendedBoosting", "SeedEnsemble",
           "TrainedModel", "train", "cross_validate", "regression_metrics"]

RATING_RANGE = (0.0, 10.0)
#: Ceiling of the square-root target transform of the squared-loss booster (just above the maximum rating).
TARGET_CEILING = 10.5

#: Booster defaults (see module docstring for how they were chosen).
DEFAULT_PARAMS = {
    "learning_rate": 0.06, "max_iter": 250, "max_leaf_nodes": 8, "min_samples_leaf": 20,
    "l2_regularization": 1.0, "max_features": 0.3, "max_bins": 63, "absolute_weight": 0.5,
    "absolute_lr_scale": 1.33, "absolute_iter_scale": 1.6, "squared_transform": "sqrt",
}

#: Small grid searched by ``train(search=True)``: overrides of DEFAULT_PARAMS (first = defaults).
SEARCH_GRID = (
    {},
    {"max_features": 0.5, "min_samples_leaf": 30},
    {"learning_rate": 0.04, "max_iter": 375},
    {"max_leaf_nodes": 12, "min_samples_leaf": 30, "l2_regularization": 3.0},
)

#: Feature-step settings (fixed; chosen offline, see module docstring).
DEFAULT_FEATURE_PARAMS = {
    "smoothing": 5.0,        # target-encoding prior strength m
    "inner_splits": 5,       # cross-fitting folds of the people target encoding
    "ridge_splits": 3,       # cross-fitting folds of the ridge stack
    "ridge_alpha": 8.0,
    "min_category_count": 10,
}

#: Pipelines (seeds) averaged in the final model: 3 vs 1 +0.003-0.005 R^2, 6 vs 3 -0.0006 MAE (IMDB 5000 CV).
DEFAULT_N_SEEDS = 6

Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------------------------
# Pipeline
# --------------------------------------------------------------------------------------------

def build_pipeline(params: dict | None = None, *, seed: int = 0, feature_params: dict | None = None) -> Pipeline:
    """The full sklearn Pipeline (records in, rating out) for one seed."""
    p = dict(DEFAULT_PARAMS, **(params or {}))
    fp = dict(DEFAULT_FEATURE_PARAMS, **(feature_params or {}))
    features = FeatureUnion([
        ("numeric", NumericFeatures()),
        ("genres", GenreBinarizer()),
        ("categories", CategoryGrouper(min_count=fp["min_category_count"])),
        ("people", PeopleTargetEncoder(smoothing=fp["smoothing"], n_splits=fp["inner_splits"], random_state=seed)),
        ("profile", PeopleProfile()),
        ("network", PeopleNetwork()),
        ("ridge", RidgeStack(alpha=fp["ridge_alpha"], n_splits=fp["ridge_splits"], random_state=seed + 1)),
    ])
    regressor = BlendedBoosting(random_state=seed, **p)
    pipe = Pipeline([("normalize", RecordNormalizer()), ("features", features), ("select", DropUninformative()),
                     ("regressor", regressor)])
    return pipe.set_output(transform="pandas")


class BlendedBoosting(RegressorMixin, BaseEstimator):
    """Two HistGradientBoostingRegressors on the same features, averaged with weight
    ``absolute_weight`` on the second:

    * squared loss on the transformed target ``z = -sqrt(TARGET_CEILING - y)`` (``squared_transform
      = "sqrt"``; ``None`` fits ``y`` itself), mapped back with ``y = TARGET_CEILING - z**2``.
      Ratings have a long low tail; on the transformed scale the residuals are nearly symmetric,
      so the back-transformed mean is close to the conditional *median* (what MAE rewards) while
      the squared loss keeps its low variance.  IMDB 5000 CV: MAE -0.004 at equal R^2 for this
      booster alone.
    * absolute loss (conditional median) with learning rate x ``absolute_lr_scale`` and
      iterations x ``absolute_iter_scale`` (the sign-gradient booster needs more steps).

    Pandas categorical columns are used as native categorical features."""

    def __init__(self, learning_rate=0.06, max_iter=250, max_leaf_nodes=8, min_samples_leaf=20,
                 l2_regularization=1.0, max_features=0.3, max_bins=63, absolute_weight=0.5,
                 absolute_lr_scale=1.33, absolute_iter_scale=1.6, squared_transform="sqrt", random_state=0):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_features = max_features
        self.max_bins = max_bins
        self.absolute_weight = absolute_weight
        self.absolute_lr_scale = absolute_lr_scale
        self.absolute_iter_scale = absolute_iter_scale
        self.squared_transform = squared_transform
        self.random_state = random_state

    def _booster(self, loss, lr_scale, iter_scale):
        return HistGradientBoostingRegressor(
            loss=loss, learning_rate=min(1.0, self.learning_rate * lr_scale),
            max_iter=max(1, int(round(self.max_iter * iter_scale))),
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization, max_features=self.max_features,
            max_bins=self.max_bins, early_stopping=False, categorical_features="from_dtype", random_state=self.random_state)

    def _forward(self, y):
        if self.squared_transform is None:
            return y
        return -np.sqrt(TARGET_CEILING - np.minimum(y, RATING_RANGE[1]))

    def _inverse(self, z):
        if self.squared_transform is None:
            return z
        return TARGET_CEILING - np.minimum(z, 0.0) ** 2

    def fit(self, X, y):
        if not 0.0 <= self.absolute_weight <= 1.0:
            raise ValueError("absolute_weight must be within [0, 1]")
        if self.squared_transform not in (None, "sqrt"):
            raise ValueError("squared_transform must be 'sqrt' or None")
        y = np.asarray(y, float)
        self.squared_ = (self._booster("squared_error", 1.0, 1.0).fit(X, self._forward(y))
                         if self.absolute_weight < 1 else None)
        self.absolute_ = (self._booster("absolute_error", self.absolute_lr_scale, self.absolute_iter_scale).fit(X, y)
                          if self.absolute_weight > 0 else None)
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        w = self.absolute_weight
        out = 0.0
        if self.squared_ is not None:
            out = out + (1 - w) * self._inverse(self.squared_.predict(X))
        if self.absolute_ is not None:
            out = out + w * self.absolute_.predict(X)
        return np.asarray(out, float)


class SeedEnsemble(RegressorMixin, BaseEstimator):
    """Average of fitted pipelines that differ only by seed (fold splits of the cross-fitting
    steps, booster feature subsampling).  Behaves like one regressor."""

    def __init__(self, estimators: Sequence = ()):
        self.estimators = estimators

    def fit(self, X, y):  # pragma: no cover - members are fitted individually by ``train``
        self.estimators_ = [clone(e).fit(X, y) for e in self.estimators]
        return self

    def predict(self, X):
        X = canonical(X)
        return np.mean([e.predict(X) for e in self.estimators_], axis=0)


# --------------------------------------------------------------------------------------------
# Metrics / baselines
# --------------------------------------------------------------------------------------------

def regression_metrics(y, pred) -> dict:
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


def _conformal_offsets(residuals, coverage: float) -> tuple[float, float]:
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

def _prepare(records) -> tuple[pd.DataFrame, np.ndarray]:
    frame = records_to_frame(records, with_target=True)
    y = frame[TARGET].to_numpy(float)
    missing = np.isnan(y)
    if missing.any():
        raise ValueError(f"{int(missing.sum())} training record(s) have no rating "
                         f"(first: record #{int(np.argmax(missing))})")
    X = frame[list(INPUT_FIELDS)].copy()
    X.attrs["popularity_canonical"] = True
    return X, y


def _subset(X: pd.DataFrame, idx) -> pd.DataFrame:
    sub = X.iloc[idx].reset_index(drop=True)
    sub.attrs["popularity_canonical"] = True
    return sub


def _run_cv(X, y, *, candidates, folds, seed, n_seeds, feature_params, progress, label="cv"):
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
        Xtr, Xte = _subset(X, tr), _subset(X, te)
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


def _grouped_importance(fold_models, splits, X, y, *, n_repeats, seed):
    """Permutation importance on held-out folds, one input field at a time (R^2 drop)."""
    drops: dict[str, list[float]] = {f: [] for f in INPUT_FIELDS}
    for k, (_, te) in enumerate(splits):
        members = fold_models[k]
        est = members[0] if len(members) == 1 else _fitted_ensemble(members)
        Xte = _subset(X, te)
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


def _fitted_ensemble(members) -> SeedEnsemble:
    ens = SeedEnsemble(estimators=tuple(members))
    ens.estimators_ = list(members)
    return ens


# --------------------------------------------------------------------------------------------
# Trained model
# --------------------------------------------------------------------------------------------

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
        """What-if explanation for one record.

        For each input field present in the record, the field is replaced by its reference
        value (training median for numbers, "missing" for text/list fields) and the model is
        re-run; ``effect = prediction - prediction_without_the_field`` (positive = the field's
        value raises the estimate).  For people lists each person is also removed on their own
        (``items``).  Returns up to ``top`` dicts sorted by ``|effect|``::

            {"field", "label", "value" (display text), "effect" (rating points, signed),
             "text" (human-readable sentence), "items" (people lists only: [{"name", "effect"}])}
        """
        rec = records_to_frame([record]).iloc[0].to_dict()
        variants, keys = [rec], []
        for f in INPUT_FIELDS:
            v = rec[f]
            present = bool(v) if f in LIST_FIELDS else not (v is None or (isinstance(v, float) and math.isnan(v)))
            if not present:
                continue
            ref = self.reference.get(f)
            if f in NUMERIC_FIELDS and ref is not None and math.isclose(float(v), float(ref)):
                continue
            variants.append(dict(rec, **{f: ref if f in NUMERIC_FIELDS else ([] if f in LIST_FIELDS else None)}))
            keys.append((f, None))
            if f in PEOPLE_FIELDS and len(v) > 1:
                for name in v[:10]:
                    variants.append(dict(rec, **{f: [p for p in v if p != name]}))
                    keys.append((f, name))
        if not keys:
            return []
        preds, _, _ = self.predict(variants)
        base = preds[0]
        fields: dict[str, dict] = {}
        for (f, name), p in zip(keys, preds[1:], strict=True):
            effect = float(base - p)
            if name is None:
                fields[f] = {"field": f, "label": FIELD_LABELS[f], "value": format_value(f, rec[f]),
                             "effect": round(effect, 3)}
            else:
                fields[f].setdefault("items", []).append({"name": name, "effect": round(effect, 3)})
        out = sorted(fields.values(), key=lambda d: -abs(d["effect"]))[: max(0, top)]
        for d in out:
            if "items" in d:
                d["items"].sort(key=lambda it: -abs(it["effect"]))
            d["text"] = _explain_text(d, self.reference)
        return out

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


def _explain_text(d: dict, reference: dict) -> str:
    f, effect = d["field"], d["effect"]
    direction = "raises" if effect > 0 else "lowers"
    amount = f"{abs(effect):.2f}"
    label = FIELD_LABELS[f]
    if f in NUMERIC_FIELDS:
        ref = format_value(f, reference.get(f))
        return f"{label} {d['value']} (typical: {ref}) {direction} the estimate by {amount}"
    if f in LIST_FIELDS and d.get("items"):
        lead = d["items"][0]
        return (f"{label} ({d['value']}) {direction} the estimate by {amount}; "
                f"strongest: {lead['name']} ({lead['effect']:+.2f})")
    return f"{label} {d['value']} {direction} the estimate by {amount}"


def _reference(X: pd.DataFrame) -> dict:
    ref: dict = {}
    for f in NUMERIC_FIELDS:
        vals = X[f].to_numpy(float)
        vals = vals[~np.isnan(vals)]
        ref[f] = float(np.median(vals)) if vals.size else float("nan")
    return ref


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------

def train(records, *, seed: int = 0, search: bool = True, cv_folds: int = 5, n_seeds: int = DEFAULT_N_SEEDS,
          cv_seeds: int = 1, coverage: float = 0.8, importance: bool = False, importance_repeats: int = 3,
          params: dict | None = None, feature_params: dict | None = None,
          progress: Progress | None = None) -> TrainedModel:
    """Fit the rating model on rated records (neutral layout, see ``schema``).

    * ``search``: pick booster settings from :data:`SEARCH_GRID` by ``cv_folds``-fold CV
      (otherwise ``params`` or :data:`DEFAULT_PARAMS`).
    * The same CV gives the model's ``metrics`` (pooled out-of-fold R^2/MAE/RMSE; with
      ``search`` these are mildly optimistic - use :func:`cross_validate` for an unbiased
      estimate), the conformal interval offsets and, with ``importance``, the grouped
      permutation importance on the held-out folds.
    * The final model averages ``n_seeds`` pipelines with different seeds; the CV (search,
      metrics, interval calibration) uses ``cv_seeds`` members per fold (default 1: faster, and
      the calibrated interval is then slightly conservative for the averaged model).
    * ``progress(stage, done, total)`` is called as work completes.
    """
    started = time.perf_counter()
    X, y = _prepare(records)
    if len(X) < 10:
        raise ValueError(f"need at least 10 rated films to train, got {len(X)}")
    if not 0 < coverage < 1:
        raise ValueError("coverage must be between 0 and 1")
    base = dict(DEFAULT_PARAMS, **(params or {}))
    candidates = [dict(base, **c) for c in SEARCH_GRID] if search else [base]
    fparams = dict(DEFAULT_FEATURE_PARAMS, **(feature_params or {}))
    with threadpool_limits(limits=1):
        oof, fold_id, splits, fold_models = _run_cv(
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
        lo_off, hi_off = _conformal_offsets(y - pred, coverage)
        metrics = regression_metrics(y, pred)
        metrics["cv_folds"] = int(fold_id.max() + 1)
        metrics["cv_seeds"] = int(cv_seeds)
        metrics["interval_coverage_in_sample"] = float(np.mean((y >= pred + lo_off) & (y <= pred + hi_off)))
        imp = None
        if importance:
            if progress:
                progress("importance", 0, 1)
            imp = _grouped_importance({k: fold_models[k][best] for k in fold_models}, splits, X, y,
                                      n_repeats=importance_repeats, seed=seed)
        del fold_models
        members = []
        for s in range(n_seeds):
            pipe = build_pipeline(chosen, seed=seed + 1000 * s, feature_params=fparams)
            members.append(pipe.fit(X, y))
            if progress:
                progress("fit", s + 1, n_seeds)
    estimator = members[0] if n_seeds == 1 else _fitted_ensemble(members)
    return TrainedModel(
        estimator=estimator,
        interval={"coverage": coverage, "low_offset": lo_off, "high_offset": hi_off,
                  "method": "split-conformal on out-of-fold residuals"},
        reference=_reference(X), params=chosen, feature_params=fparams, seed=seed, n_seeds=n_seeds,
        n_train=int(len(X)), metrics=metrics, importance=imp, search=scored,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_seconds=time.perf_counter() - started,
        target_summary={"mean": float(y.mean()), "std": float(y.std()), "min": float(y.min()), "max": float(y.max())},
    )


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
    X, y = _prepare(records)
    candidates = [dict(DEFAULT_PARAMS, **(params or {}))]
    fparams = dict(DEFAULT_FEATURE_PARAMS, **(feature_params or {}))
    with threadpool_limits(limits=1):
        oof, fold_id, splits, fold_models = _run_cv(
            X, y, candidates=candidates, folds=folds, seed=seed, n_seeds=n_seeds, feature_params=fparams,
            progress=progress)
        pred = oof[0]
        mean_pred = np.zeros(len(y))
        genre_pred = np.zeros(len(y))
        for tr, te in splits:
            mean_pred[te] = y[tr].mean()
            genre_pred[te] = _genre_mean_baseline(_subset(X, tr), y[tr], _subset(X, te))
        resid = y - pred
        covered = np.zeros(len(y), bool)
        widths = []
        for k, (_, te) in enumerate(splits):
            lo_off, hi_off = _conformal_offsets(resid[fold_id != k], coverage)
            covered[te] = (resid[te] >= lo_off) & (resid[te] <= hi_off)
            widths.append(hi_off - lo_off)
        imp = None
        if importance:
            imp = _grouped_importance({k: fold_models[k][0] for k in fold_models}, splits, X, y,
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
