"""Film rating estimation (pure scikit-learn / numpy / pandas; no Django imports).

Public API::

    from popularity.ml import train, cross_validate, save, load, read_records

    model = train(records, seed=0, search=True)          # -> TrainedModel
    pred, low, high = model.predict(records)             # float arrays, input order
    model.explain(record, top=5)                         # [{field, label, value, effect, text, ...}]
    model.predict_one(record)                            # JSON-ready dict incl. explanation
    model.metrics, model.importance, model.interval
    save(model, "artifacts/popularity"); model = load("artifacts/popularity")
    cross_validate(records, folds=5, seed=0)             # metrics + baselines + coverage + importance

Records use the neutral layout described in :mod:`popularity.ml.schema`.
"""
from .artifacts import ArtifactError, load, read_metadata, save
from .csv_io import CSVError, read_records, write_predictions, write_records
from .imdb import convert_imdb_metadata
from .model import DEFAULT_PARAMS, SEARCH_GRID, TrainedModel, build_pipeline, cross_validate, regression_metrics, train
from .schema import FIELDS, INPUT_FIELDS, LIST_FIELDS, TARGET, RecordError, normalize_record, records_to_frame

__all__ = [
    "train", "cross_validate", "TrainedModel", "build_pipeline", "regression_metrics", "DEFAULT_PARAMS",
    "SEARCH_GRID", "save", "load", "read_metadata", "ArtifactError", "read_records", "write_records",
    "write_predictions", "CSVError", "RecordError", "normalize_record", "records_to_frame",
    "convert_imdb_metadata", "FIELDS", "INPUT_FIELDS", "LIST_FIELDS", "TARGET",
]
