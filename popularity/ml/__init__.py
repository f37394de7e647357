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

The names are imported on first use (PEP 562): importing ``popularity.ml.schema`` or the Django
app must not load scikit-learn.
"""
_EXPORTS = {
    "artifacts": ("ArtifactError", "load", "read_metadata", "save"),
    "csv_io": ("CSVError", "read_records", "write_predictions", "write_records"),
    "imdb": ("convert_imdb_metadata",),
    "model": ("DEFAULT_PARAMS", "SEARCH_GRID", "TrainedModel", "build_pipeline", "cross_validate",
              "regression_metrics", "train"),
    "schema": ("FIELDS", "INPUT_FIELDS", "LIST_FIELDS", "TARGET", "RecordError", "normalize_record",
               "records_to_frame"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def _module(name):
    """The submodule that defines `name` (plain relative imports, run on first use)."""
    module = _MODULE_OF.get(name)
    if module == "artifacts":
        from . import artifacts as m
    elif module == "csv_io":
        from . import csv_io as m
    elif module == "imdb":
        from . import imdb as m
    elif module == "model":
        from . import model as m
    elif module == "schema":
        from . import schema as m
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return m


def __getattr__(name):
    value = getattr(_module(name), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
