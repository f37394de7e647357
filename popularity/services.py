"""Train the popularity (rating) model on the catalog, and predict for a film project."""
import logging
import time

from django.db import transaction

from catalog.models import TitleType
from core.errors import ValidationFailed
from core.models import ModelVersion
from core.selectors import ProcessModelCache
from core.services import artifact_root, model_version_fail, model_version_finish, model_version_start
from popularity import selectors
from popularity.models import PopularityPrediction

# `popularity.ml` (scikit-learn, pandas: ≈ 1.2 s and tens of MB) is imported where it is used, not
# here: every process that loads the URLs (web workers, and each management command's system
# checks) would otherwise pay for it, though only training and a prediction need it.
log = logging.getLogger(__name__)
MIN_TRAINING_TITLES = 30


def _load_model(path):
    from popularity.ml import artifacts as ml_artifacts

    return ml_artifacts.load(path)


MODEL_CACHE = ProcessModelCache("popularity", _load_model)


class NotEnoughData(Exception):
    pass


def popularity_train(*, triggered_by: str = "", search: bool = True, progress=None) -> ModelVersion:
    """Train on the rated catalog titles; activate when it beats the mean predictor (R² > 0)."""
    from popularity.ml import artifacts as ml_artifacts
    from popularity.ml import model as ml_model

    say = progress or log.info
    t0 = time.perf_counter()
    records = selectors.training_records()
    mv = model_version_start(name=ModelVersion.Name.POPULARITY, triggered_by=triggered_by)
    try:
        if len(records) < MIN_TRAINING_TITLES:
            raise NotEnoughData(f"only {len(records)} rated titles (need ≥ {MIN_TRAINING_TITLES})")
        say(f"data: {len(records):,} rated titles")

        def on_progress(stage, done, total):
            say(f"  {stage}: {done}/{total}")

        model = ml_model.train(records, search=search, importance=True, progress=on_progress)
        out = artifact_root(name="popularity") / mv.version
        meta = ml_artifacts.save(model, out)
        metrics = {k: v for k, v in (model.metrics or {}).items()}
        gate = {"metric": "r2", "model": metrics.get("r2"), "baseline_mean_predictor": 0.0,
                "passed": bool((metrics.get("r2") or 0) > 0)}
        say(f"  cross-validated R² {metrics.get('r2', float('nan')):.3f}  MAE {metrics.get('mae', float('nan')):.3f}")
        mv = model_version_finish(
            mv=mv, artifact_dir=str(out), checksum=meta.get("sha256", ""), metrics={**metrics,
                                                                                    "importance": model.importance},
            data_counts={"titles": len(records)}, params={"booster": model.params, "features": model.feature_params,
                                                          "seed": model.seed, "n_seeds": model.n_seeds},
            duration_s=time.perf_counter() - t0, gate=gate)
        say(f"version {mv.version}: {'activated' if mv.is_active else 'NOT activated (quality gate)'}")
        from core.signals import data_changed

        data_changed.send(sender=popularity_train)
        return mv
    except Exception as exc:
        model_version_fail(mv=mv, error=f"{type(exc).__name__}: {exc}")
        raise


def _validate_inputs(inputs: dict) -> dict:
    errors = {}
    known_genres = {g.lower(): g for g in selectors.genre_names()}
    genres = []
    for g in inputs.get("genres") or []:
        if g.lower() not in known_genres:
            errors.setdefault("genres", []).append(f"Unknown genre {g!r}.")
        else:
            genres.append(known_genres[g.lower()])
    if inputs.get("type") and inputs["type"] not in TitleType.values:
        errors["type"] = [f"Unknown type {inputs['type']!r}; one of {', '.join(TitleType.values)}."]
    people = {}
    ids = [p for f in ("directors", "writers", "producers", "actors") for p in inputs.get(f) or [] if isinstance(p, int)]
    names = selectors.person_names_by_ids(ids) if ids else {}
    for f in ("directors", "writers", "producers", "actors"):
        resolved = []
        for p in inputs.get(f) or []:
            if isinstance(p, int):
                if p not in names:
                    errors.setdefault(f, []).append(f"Person {p} does not exist.")
                    continue
                resolved.append(names[p])
            else:
                resolved.append(p.strip())
        people[f] = [x for x in resolved if x]
    if errors:
        raise ValidationFailed("Invalid film description.", errors=errors)
    from popularity.ml.schema import RecordError, normalize_record

    record = {**{k: inputs.get(k) for k in ("title", "type", "year", "runtime", "budget", "country", "language")},
              "genres": genres, **people}
    try:
        return normalize_record(record)
    except RecordError as exc:
        raise ValidationFailed("Invalid film description.", errors={exc.field or "non_field_errors": [str(exc)]})


def popularity_predict(*, inputs: dict, user=None) -> dict:
    """Estimate the rating of a film project, with an interval and the inputs that moved it most."""
    record = _validate_inputs(inputs)
    try:
        model, active = MODEL_CACHE.get()
    except Exception:  # a broken artifact must not break the form: fall back
        log.exception("could not load the popularity model; using the catalog baseline")
        model, active = None, None
    if model is None:
        result = _baseline_estimate(record)
        PopularityPrediction.objects.create(
            user=user if (user is not None and user.is_authenticated) else None, model_version=None,
            inputs=inputs, estimate=result["estimate"], low=result["low"], high=result["high"], explanation=[])
        return result
    out = model.predict_one(record, explain=5)
    result = {"estimate": out["prediction"], "low": out["low"], "high": out["high"],
              "coverage": out["coverage"], "explanation": out.get("explanation", []),
              "model_version": active["version"], "note": ""}
    with transaction.atomic():
        PopularityPrediction.objects.create(
            user=user if (user is not None and user.is_authenticated) else None, model_version_id=active["id"],
            inputs={k: v for k, v in inputs.items()}, estimate=result["estimate"], low=result["low"],
            high=result["high"], explanation=result["explanation"])
    return result


BASELINE_NOTE = "No popularity model is trained yet: this is the average rating of catalog films of these genres."


def _baseline_estimate(record: dict) -> dict:
    """Genre-mean fallback (catalog average when no genre matches) with its 10–90 % range."""
    import numpy as np

    ratings = selectors.ratings_for_genres(record.get("genres") or [])
    if len(ratings) < 5:
        ratings = selectors.ratings_for_genres([])
    if not ratings:
        est, low, high = 6.0, 4.0, 8.0
    else:
        est = float(np.mean(ratings))
        low, high = (float(x) for x in np.quantile(ratings, [0.1, 0.9]))
    return {"estimate": round(est, 3), "low": round(low, 3), "high": round(high, 3), "coverage": 0.8,
            "explanation": [], "model_version": None, "note": BASELINE_NOTE}
