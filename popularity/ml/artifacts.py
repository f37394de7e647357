"""Persist a :class:`~popularity.ml.model.TrainedModel` to a directory.

Layout::

    <dir>/model.joblib     joblib dump of {"format": 1, "model": TrainedModel}
    <dir>/metadata.json    trained_at, params, seeds, CV metrics, importance, data counts,
                           library versions, sha256 of model.joblib

``save`` writes into a temporary sibling directory and swaps it in with ``os.replace`` so readers
never see a half-written artifact.  ``load`` verifies the checksum before unpickling (joblib files
are pickles: only load artifacts you produced).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import tempfile

import joblib

from .model import TrainedModel

__all__ = ["save", "load", "ArtifactError", "MODEL_FILE", "METADATA_FILE", "library_versions"]

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
FORMAT = 2  # 2: fold-averaged encoders and ridge stack (format-1 pipelines cannot predict)


class ArtifactError(ValueError):
    """Missing, incomplete, incompatible or tampered artifact."""


def library_versions() -> dict:
    import numpy
    import pandas
    import scipy
    import sklearn
    return {"python": platform.python_version(), "numpy": numpy.__version__, "scipy": scipy.__version__,
            "pandas": pandas.__version__, "scikit-learn": sklearn.__version__, "joblib": joblib.__version__}


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def save(model: TrainedModel, directory: str | os.PathLike) -> dict:
    """Write ``model`` to ``directory`` (created or atomically replaced).  Returns the metadata."""
    if not isinstance(model, TrainedModel):
        raise TypeError("save() expects a TrainedModel")
    directory = os.path.abspath(os.fspath(directory))
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(directory) + "-", dir=parent)
    try:
        model_path = os.path.join(tmp, MODEL_FILE)
        joblib.dump({"format": FORMAT, "model": model}, model_path, compress=3)
        meta = dict(model.describe())
        meta.update({"format": FORMAT, "model_file": MODEL_FILE, "sha256": _sha256(model_path),
                     "versions": library_versions()})
        meta = _json_safe(meta)
        with open(os.path.join(tmp, METADATA_FILE), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
        old = None
        if os.path.exists(directory):
            # os.replace cannot replace a non-empty directory: move the old one aside first.
            old = tempfile.mkdtemp(prefix=".old-" + os.path.basename(directory) + "-", dir=parent)
            os.replace(directory, os.path.join(old, "artifact"))
        os.replace(tmp, directory)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def read_metadata(directory: str | os.PathLike) -> dict:
    path = os.path.join(os.fspath(directory), METADATA_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ArtifactError(f"{path}: missing") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path}: unreadable ({exc})") from None


def load(directory: str | os.PathLike) -> TrainedModel:
    """Load and verify an artifact directory written by :func:`save`."""
    directory = os.fspath(directory)
    meta = read_metadata(directory)
    model_path = os.path.join(directory, meta.get("model_file", MODEL_FILE))
    if not os.path.exists(model_path):
        raise ArtifactError(f"{model_path}: missing")
    digest = _sha256(model_path)
    if digest != meta.get("sha256"):
        raise ArtifactError(f"{model_path}: checksum mismatch (expected {meta.get('sha256')}, got {digest}); "
                            "the file was modified or corrupted")
    payload = joblib.load(model_path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or not isinstance(payload.get("model"), TrainedModel):
        raise ArtifactError(f"{model_path}: unsupported artifact format")
    return payload["model"]
