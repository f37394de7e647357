"""Film rating estimation (pure scikit-learn / numpy / pandas; no Django imports).

Import from the modules (this package imports nothing itself: the Django app loads
``popularity.ml.schema`` for a prediction's input, and every process that loads the URLs — web
workers, each management command's checks — must not pay ≈ 1.2 s and tens of MB for
scikit-learn and pandas; as ``recommendations.ml``)::

    from popularity.ml.model import train
    from popularity.ml.evaluation import cross_validate
    from popularity.ml.artifacts import save, load
    from popularity.ml.csv_io import read_records

    model = train(records, seed=0, search=True)          # -> TrainedModel
    pred, low, high = model.predict(records)             # float arrays, input order
    model.explain(record, top=5)                         # [{field, label, value, effect, text, ...}]
    model.predict_one(record)                            # JSON-ready dict incl. explanation
    model.metrics, model.importance, model.interval
    save(model, "artifacts/popularity"); model = load("artifacts/popularity")
    cross_validate(records, folds=5, seed=0)             # metrics + baselines + coverage + importance

Records use the neutral layout described in :mod:`popularity.ml.schema`.

Modules: ``schema`` (the record layout), ``features`` (the feature steps), ``estimator`` (the
pipeline, its booster and seed ensemble, their defaults), ``evaluation`` (cross-validation: metrics,
baselines, the interval, importance), ``explain`` (what-if explanations), ``model`` (``train`` and
``TrainedModel``), ``artifacts`` (save/load), ``csv_io``, ``imdb``, ``synthetic``.
"""
