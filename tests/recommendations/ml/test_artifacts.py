"""Model bundles: round trip without pickle, checksums, corruption detected, atomic replacement."""
import json
import os

import numpy as np
import pytest

from recommendations.ml.artifacts import ArtifactError, load_recommender, read_metadata, save_recommender
from recommendations.ml.matrix import build_interactions
from recommendations.ml.recommender import HybridParams, Recommender

from .planted import planted


@pytest.fixture(scope="module")
def model():
    d = planted(seed=11, n_users=80, n_items=80)
    m = build_interactions(d["users"], d["items"], d["ratings"], timestamps=d["timestamps"])
    p = HybridParams(no_components=8, epochs=5, ease_l2=30.0, ease_min_count=1, ease_nnz_per_item=30)
    return Recommender.fit(m, item_features=d["genres"], params=p)


def test_round_trip_gives_identical_recommendations(model, tmp_path):
    out = save_recommender(model, tmp_path / "recommender" / "v1", metadata={"metrics": {"ndcg@10": 0.5}})
    assert sorted(os.listdir(out)) == ["arrays", "maps.json", "metadata.json"]
    assert not [n for n in os.listdir(tmp_path / "recommender") if n.startswith(".")]  # no temp dir left
    loaded = load_recommender(out)
    history = model.history_of(3)
    assert loaded.recommend(None, history, k=10) == model.recommend(None, history, k=10)
    assert loaded.recommend(3, history, k=5) == model.recommend(3, k=5)
    assert loaded.similar_items(features=["g1"], k=5) == model.similar_items(features=["g1"], k=5)
    assert loaded.items.ids == model.items.ids and loaded.users.ids == model.users.ids
    assert loaded.params == model.params
    assert loaded.interactions is None  # not stored unless asked


def test_metadata_records_params_seeds_metrics_counts_versions_and_checksums(model, tmp_path):
    out = save_recommender(model, tmp_path / "m", metadata={"metrics": {"ndcg@10": 0.5}, "source": "unit test"})
    meta = read_metadata(out)
    assert meta["params"]["no_components"] == 8 and meta["seeds"]["model"] == model.params.seed
    assert meta["metrics"] == {"ndcg@10": 0.5} and meta["source"] == "unit test"
    assert meta["data"]["users"] == model.n_users and meta["data"]["items"] == model.n_items
    assert {"numpy", "scipy", "lightfm", "python"} <= set(meta["library_versions"])
    assert len(meta["checksum"]) == 64 and "maps.json" in meta["files"]
    assert {f"arrays/{f}" for f in os.listdir(os.path.join(out, "arrays"))} == set(meta["files"]) - {"maps.json"}
    assert "T" in meta["trained_at"]


def test_corrupted_arrays_are_detected(model, tmp_path):
    out = save_recommender(model, tmp_path / "m")
    path = os.path.join(out, "arrays", "item_vectors.npy")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(ArtifactError, match="checksum mismatch for arrays/item_vectors.npy"):
        load_recommender(out)


def test_a_missing_array_file_is_detected(model, tmp_path):
    out = save_recommender(model, tmp_path / "m")
    os.remove(os.path.join(out, "arrays", "user_vectors.npy"))
    with pytest.raises(ArtifactError, match="arrays/user_vectors.npy is missing"):
        load_recommender(out)


def test_arrays_are_memory_mapped_and_read_only(model, tmp_path):
    loaded = load_recommender(save_recommender(model, tmp_path / "m"))
    for arr in (loaded.item_vectors, loaded.user_vectors, loaded.feature_embeddings, loaded.ease_B.data):
        base = arr
        while base is not None and not isinstance(base, np.memmap):
            base = base.base
        assert isinstance(base, np.memmap), "a private copy instead of the mapped file"
        assert not arr.flags.writeable


def test_a_format_1_bundle_still_loads(model, tmp_path):
    """Bundles written before the arrays were memory-mapped (one arrays.npz) load as before."""
    from recommendations.ml.artifacts import _overall, sha256_file

    out = save_recommender(model, tmp_path / "m")
    folder = os.path.join(out, "arrays")
    np.savez(os.path.join(out, "arrays.npz"), **{f[:-4]: np.load(os.path.join(folder, f)) for f in os.listdir(folder)})
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    os.rmdir(folder)
    meta = json.load(open(os.path.join(out, "metadata.json")))
    meta["format_version"] = 1
    meta["files"] = {n: sha256_file(os.path.join(out, n)) for n in ("arrays.npz", "maps.json")}
    meta["checksum"] = _overall(meta["files"])
    json.dump(meta, open(os.path.join(out, "metadata.json"), "w"))
    loaded = load_recommender(out)
    assert loaded.recommend(3, model.history_of(3), k=5) == model.recommend(3, k=5)


def test_edited_id_map_is_detected(model, tmp_path):
    out = save_recommender(model, tmp_path / "m")
    path = os.path.join(out, "maps.json")
    maps = json.load(open(path))
    maps["items"][0], maps["items"][1] = maps["items"][1], maps["items"][0]
    json.dump(maps, open(path, "w"))
    with pytest.raises(ArtifactError, match="maps.json"):
        load_recommender(out)


def test_missing_or_foreign_bundle(tmp_path):
    with pytest.raises(ArtifactError, match="no metadata.json"):
        load_recommender(tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ArtifactError, match="format"):
        load_recommender(tmp_path)


def test_no_pickled_object_in_the_arrays(model, tmp_path):
    out = save_recommender(model, tmp_path / "m", include_interactions=True)
    # every array loads with allow_pickle=False and none holds Python objects
    folder = os.path.join(out, "arrays")
    assert all(np.load(os.path.join(folder, f), allow_pickle=False).dtype != np.dtype(object)
               for f in os.listdir(folder))
    assert load_recommender(out).interactions.nnz == model.interactions.nnz


def test_existing_directory_is_kept_unless_overwrite(model, tmp_path):
    out = save_recommender(model, tmp_path / "m")
    with pytest.raises(ArtifactError, match="already exists"):
        save_recommender(model, out)
    before = read_metadata(out)["trained_at"]
    save_recommender(model, out, overwrite=True, metadata={"source": "second"})
    assert read_metadata(out)["source"] == "second" and read_metadata(out)["trained_at"] >= before
    assert sorted(os.listdir(tmp_path)) == ["m"]
