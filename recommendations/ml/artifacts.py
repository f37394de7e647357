"""Save / load a trained :class:`~.recommender.Recommender` as a directory, without pickle.

Layout of ``<dir>/``::

    arrays/<name>.npy  one numpy array per file (loaded memory-mapped, allow_pickle=False)
    maps.json       user ids, item ids, feature vocabularies
    metadata.json   format, trained_at, params, seeds, metrics, data counts, library versions,
                    training report, sha256 of arrays.npz and maps.json, and one overall checksum

The bundle is written to a temporary sibling directory and moved into place with
``os.replace``, so a reader never sees a half-written model. ``load_recommender`` recomputes
the checksums and refuses a bundle whose files do not match (:class:`ArtifactError`).

Memory-mapped (format 2): every array is opened with ``np.load(mmap_mode="r")``, so the web
workers of one machine share one copy of the model in the page cache instead of each holding a
private one (``tests/recommendations/ml/test_artifacts_mmap.py`` checks the pages are shared
between two processes); the arrays are read-only. Bundles of format 1 (one ``arrays.npz``) still load.

Serving memory for 17,770 titles: item vectors 17,770 x 128 float32 = 9.1 MB (two 64-factor
LightFM models concatenated, ``lightfm_ensemble=2``; 4.5 MB with 1), the EASE matrix
kept sparse (``nnz_per_item`` = 200 -> 3.6 M entries, 28 MB), no user data unless
``include_interactions`` is set.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import tempfile

import numpy as np
import scipy.sparse as sp

from .features import FeatureSpace
from .foldin import FoldInSolver
from .matrix import IdMap

FORMAT = "netfloox-hybrid-recommender"
FORMAT_VERSION = 2
FILES_V1 = ("arrays.npz", "maps.json")
ARRAYS = "arrays"


class ArtifactError(Exception):
    """A model bundle that is missing, incomplete, of another format, or corrupted."""


def library_versions() -> dict:
    out = {"python": platform.python_version()}
    for name, mod in (("numpy", "numpy"), ("scipy", "scipy"), ("lightfm", "lightfm"), ("scikit-learn", "sklearn"),
                      ("threadpoolctl", "threadpoolctl")):
        try:
            m = __import__(mod)
            out[name] = getattr(m, "__version__", "unknown")
        except Exception:  # a missing optional library is recorded, not fatal
            out[name] = None
    return out


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _overall(hashes: dict) -> str:
    return hashlib.sha256("".join(f"{k}:{hashes[k]}\n" for k in sorted(hashes)).encode()).hexdigest()


def _put_csr(arrays: dict, prefix: str, m) -> None:
    m = sp.csr_matrix(m)
    arrays[f"{prefix}_data"] = m.data.astype(np.float32)
    arrays[f"{prefix}_indices"] = m.indices.astype(np.int32)
    arrays[f"{prefix}_indptr"] = m.indptr.astype(np.int64)
    arrays[f"{prefix}_shape"] = np.asarray(m.shape, dtype=np.int64)


def _get_csr(arrays, prefix: str):
    if f"{prefix}_data" not in arrays:
        return None
    shape = tuple(int(x) for x in arrays[f"{prefix}_shape"])
    return sp.csr_matrix((arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
                         shape=shape)


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def save_recommender(model, directory, *, metadata: dict | None = None, include_interactions: bool = False,
                     overwrite: bool = False) -> str:
    """Write ``model`` to ``directory`` (atomically). Returns the directory path.

    ``metadata`` (metrics, data source, ...) is merged into metadata.json. An existing
    ``directory`` is an error unless ``overwrite=True``.
    """
    directory = os.path.abspath(str(directory))
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(directory) and not overwrite:
        raise ArtifactError(f"{directory} already exists")
    arrays = {
        "item_vectors": model.item_vectors, "item_biases": model.item_biases,
        "feature_embeddings": model.feature_embeddings, "feature_biases": model.feature_biases,
        "user_vectors": model.user_vectors, "item_counts": model.item_counts.astype(np.int64),
    }
    _put_csr(arrays, "item_features", model.item_features)
    if model.ease_B is not None:
        if sp.issparse(model.ease_B):
            _put_csr(arrays, "ease", model.ease_B)
        else:
            arrays["ease_dense"] = np.asarray(model.ease_B, dtype=np.float32)
    if model.user_feature_embeddings is not None:
        arrays["user_feature_embeddings"] = model.user_feature_embeddings
    if include_interactions and model.interactions is not None:
        _put_csr(arrays, "interactions", model.interactions)
    if model.liked is not None:
        _put_csr(arrays, "liked_cooc", model.liked.cooc)
        _put_csr(arrays, "liked_genres", model.liked.genres)
        arrays["liked_likes"] = model.liked.likes.astype(np.float64)
    maps = {
        "users": model.users.to_list(), "items": model.items.to_list(), "item_space": model.item_space.to_json(),
        "user_space": model.user_space.to_json() if model.user_space is not None else None,
    }
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(directory)}.tmp-", dir=parent)
    try:
        os.mkdir(os.path.join(tmp, ARRAYS))
        names = ["maps.json"]
        for key, arr in arrays.items():
            np.save(os.path.join(tmp, ARRAYS, f"{key}.npy"), np.ascontiguousarray(arr), allow_pickle=False)
            names.append(f"{ARRAYS}/{key}.npy")
        with open(os.path.join(tmp, "maps.json"), "w", encoding="utf-8") as fh:
            json.dump(maps, fh, ensure_ascii=False)
        hashes = {name: sha256_file(os.path.join(tmp, name)) for name in names}
        report = model.report or {}
        meta = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "trained_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "params": model.params.to_dict(),
            "seeds": {"model": model.params.seed, "validation_split": report.get("validation_seed", 1)},
            "foldin": model.foldin.params(),
            "data": {"users": model.n_users, "items": model.n_items, "warm_items": int(model.warm.sum()),
                     "interactions": int(report.get("fit", {}).get("n_interactions", model.item_counts.sum())),
                     "item_features": len(model.item_space.names)},
            "metrics": {},
            "library_versions": library_versions(),
            "training_report": report,
            "liked": None if model.liked is None else {"params": model.liked.params.to_dict(),
                                                       "n_users": model.liked.n_users},
            "files": hashes,
            "checksum": _overall(hashes),
        }
        for k, v in (metadata or {}).items():
            if k in ("files", "checksum", "format", "format_version"):
                continue
            meta[k] = v
        with open(os.path.join(tmp, "metadata.json"), "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=1, default=_json_default)
        for name in (*names, "metadata.json"):
            with open(os.path.join(tmp, name), "rb") as fh:
                os.fsync(fh.fileno())
        if os.path.exists(directory):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(directory)}.old-", dir=parent)
            os.replace(directory, os.path.join(old, "bundle"))
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def read_metadata(directory) -> dict:
    path = os.path.join(str(directory), "metadata.json")
    try:
        with open(path, encoding="utf-8") as fh:
            meta = json.load(fh)
    except FileNotFoundError:
        raise ArtifactError(f"{directory}: no metadata.json (not a model bundle)")
    except json.JSONDecodeError as e:
        raise ArtifactError(f"{path}: not valid JSON ({e})")
    if meta.get("format") != FORMAT:
        raise ArtifactError(f"{path}: format {meta.get('format')!r}, expected {FORMAT!r}")
    if int(meta.get("format_version", -1)) > FORMAT_VERSION:
        raise ArtifactError(f"{path}: format version {meta.get('format_version')} is newer than this code")
    return meta


def verify_bundle(directory) -> dict:
    """Recompute the checksums; returns the metadata or raises :class:`ArtifactError`."""
    meta = read_metadata(directory)
    files = meta.get("files") or {}
    required = FILES_V1 if int(meta.get("format_version", 1)) < 2 else ("maps.json", f"{ARRAYS}/item_vectors.npy")
    missing = [n for n in required if n not in files]
    if missing:
        raise ArtifactError(f"{directory}: metadata.json lists no checksum for {', '.join(missing)}")
    for name in files:
        p = os.path.join(str(directory), name)
        if not os.path.exists(p):
            raise ArtifactError(f"{directory}: {name} is missing")
        if files.get(name) != sha256_file(p):
            raise ArtifactError(f"{directory}: checksum mismatch for {name} (corrupted or modified)")
    if meta.get("checksum") != _overall(files):
        raise ArtifactError(f"{directory}: overall checksum mismatch")
    return meta


def _load_liked(arrays, meta, counts):
    """The "I liked…" index of a bundle, or None (bundles saved before it existed)."""
    from .liked import LikedIndex, LikedParams

    info = meta.get("liked")
    cooc = _get_csr(arrays, "liked_cooc")
    if not info or cooc is None or "liked_likes" not in arrays:
        return None
    return LikedIndex(params=LikedParams.from_dict(info.get("params")), cooc=cooc, likes=arrays["liked_likes"],
                      n_users=int(info.get("n_users", 1)), genres=_get_csr(arrays, "liked_genres"), item_counts=counts)


def load_recommender(directory, *, verify: bool = True):
    """Load a bundle written by :func:`save_recommender` (no pickle anywhere)."""
    from .recommender import HybridParams, Recommender

    meta = verify_bundle(directory) if verify else read_metadata(directory)
    try:
        if int(meta.get("format_version", 1)) < 2:
            with np.load(os.path.join(str(directory), "arrays.npz"), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        else:
            folder = os.path.join(str(directory), ARRAYS)
            arrays = {f[:-4]: np.load(os.path.join(folder, f), mmap_mode="r", allow_pickle=False)
                      for f in sorted(os.listdir(folder)) if f.endswith(".npy")}
        with open(os.path.join(str(directory), "maps.json"), encoding="utf-8") as fh:
            maps = json.load(fh)
    except (OSError, ValueError, KeyError) as e:
        raise ArtifactError(f"{directory}: cannot read the bundle ({e})")
    params = HybridParams.from_dict(meta["params"])
    ease = _get_csr(arrays, "ease")
    if ease is None and "ease_dense" in arrays:
        ease = arrays["ease_dense"]
    items = IdMap.from_list(maps["items"])
    counts = arrays["item_counts"]
    fp = meta.get("foldin") or {}
    foldin = FoldInSolver(arrays["item_vectors"], arrays["item_biases"], counts > 0, **fp)
    model = Recommender(
        params=params, users=IdMap.from_list(maps["users"]), items=items,
        item_space=FeatureSpace.from_json(maps["item_space"]), item_features=_get_csr(arrays, "item_features"),
        item_vectors=arrays["item_vectors"], item_biases=arrays["item_biases"],
        feature_embeddings=arrays["feature_embeddings"], feature_biases=arrays["feature_biases"],
        user_vectors=arrays["user_vectors"], item_counts=counts, ease_B=ease, foldin=foldin,
        user_space=FeatureSpace.from_json(maps["user_space"]) if maps.get("user_space") else None,
        user_feature_embeddings=arrays.get("user_feature_embeddings"),
        interactions=_get_csr(arrays, "interactions"), report=meta.get("training_report") or {},
        liked=_load_liked(arrays, meta, counts),
    )
    model.metadata = meta
    return model
