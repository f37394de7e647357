import json

import numpy as np
import pytest

from popularity.ml.artifacts import ArtifactError, load, save


def test_round_trip_and_metadata(trained, synthetic_test, tmp_path):
    out = tmp_path / "artifact"
    meta = save(trained, out)
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json", "model.joblib"]
    on_disk = json.loads((out / "metadata.json").read_text())
    assert on_disk["sha256"] == meta["sha256"] and len(meta["sha256"]) == 64
    for key in ("trained_at", "params", "seed", "n_seeds", "metrics", "n_train", "versions", "interval", "importance"):
        assert key in on_disk, key
    assert on_disk["versions"]["scikit-learn"]
    loaded = load(out)
    a = trained.predict(synthetic_test[:50])
    b = loaded.predict(synthetic_test[:50])
    for x, z in zip(a, b, strict=True):
        np.testing.assert_allclose(x, z)
    assert loaded.explain(synthetic_test[0]) == trained.explain(synthetic_test[0])


def test_save_replaces_an_existing_artifact(trained, tmp_path):
    out = tmp_path / "artifact"
    save(trained, out)
    (out / "stale.txt").write_text("old")
    save(trained, out)
    assert not (out / "stale.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dirs left behind
    load(out)


def test_tampered_model_file_is_rejected(trained, tmp_path):
    out = tmp_path / "artifact"
    save(trained, out)
    with open(out / "model.joblib", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ArtifactError, match="checksum"):
        load(out)


def test_missing_files_are_rejected(trained, tmp_path):
    with pytest.raises(ArtifactError):
        load(tmp_path / "nothing-here")
    out = tmp_path / "artifact"
    save(trained, out)
    (out / "model.joblib").unlink()
    with pytest.raises(ArtifactError, match="missing"):
        load(out)


def test_an_artifact_written_before_the_modules_were_split_still_loads(trained, synthetic_test, tmp_path,
                                                                        monkeypatch):
    """A trained model in production keeps answering after an upgrade that moved code around: pickles
    name each class by the module that defined it when they were written — the feature steps were all
    in ``popularity.ml.features`` (one file), the booster and the seed ensemble in ``popularity.ml.model``."""
    import dataclasses
    import pickle

    from popularity.ml import estimator, features
    from popularity.ml.features import ridge

    two_seeds = dataclasses.replace(trained, estimator=estimator.fitted_ensemble([trained.estimator] * 2), n_seeds=2)
    before_the_split = {cls: "popularity.ml.features" for cls in (
        features.RecordNormalizer, features.DropUninformative, features.NumericFeatures, features.GenreBinarizer,
        features.CategoryGrouper, features.PeopleTargetEncoder, features.PeopleProfile, features.PeopleNetwork,
        features.RidgeStack, ridge._Vocabulary)}
    before_the_split.update({estimator.BlendedBoosting: "popularity.ml.model", estimator.SeedEnsemble: "popularity.ml.model"})
    for cls, module in before_the_split.items():
        monkeypatch.setattr(cls, "__module__", module)
    written = pickle.dumps(two_seeds)
    assert b"popularity.ml.features.people" not in written and b"popularity.ml.estimator" not in written
    save(two_seeds, tmp_path / "old")
    monkeypatch.undo()

    loaded = load(tmp_path / "old")
    assert type(loaded.estimator) is estimator.SeedEnsemble
    for x, z in zip(two_seeds.predict(synthetic_test[:50]), loaded.predict(synthetic_test[:50]), strict=True):
        np.testing.assert_allclose(x, z)
    assert loaded.explain(synthetic_test[0]) == two_seeds.explain(synthetic_test[0])
