"""Training's guarantees at any size: the chunked database read gives the same model as the
in-memory path, a failed or killed training never replaces the active model, and the large-data
plan (one fit, sampled held-out viewers, capped samples) still gates on most-popular."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from core.models import ModelVersion
from interactions.models import Interaction
from recommendations import selectors_training
from recommendations.ml.artifacts import load_recommender
from recommendations.ml.matrix import IdMap, build_interactions, interactions_from_codes
from recommendations.ml.recommender import HybridParams, Recommender
from recommendations.services import recommender as service

REPO = Path(__file__).resolve().parents[2]


def _in_memory(planted_rows):
    """The reference: every row as Python objects, `build_interactions` (the offline path)."""
    users, titles, weights = zip(*planted_rows, strict=True)
    feats = {str(t): f for t, f in selectors_training.item_features().items()}
    catalog = IdMap(sorted(feats, key=int))
    m = build_interactions(list(users), list(titles), list(weights), item_ids=catalog,
                           user_ids=IdMap(sorted(set(users))))
    return m, feats


@pytest.mark.django_db
def test_chunked_read_builds_the_same_matrix_and_model_as_the_in_memory_path(planted):
    rows = list(Interaction.objects.values_list("user_id", "title_id", "weight"))
    ref, feats = _in_memory(rows)
    read = selectors_training.interactions_for_training(chunk_rows=7)  # many chunks on every backend
    assert len(read) == len(rows)
    m, dropped = interactions_from_codes(read.users, read.titles, read.weights,
                                         item_ids=np.array([int(x) for x in ref.items.ids]))
    assert dropped == 0
    assert m.users.ids == ref.users.ids and m.items.ids == ref.items.ids
    assert (m.values != ref.values).nnz == 0
    p = HybridParams(epochs=3, no_components=8, lightfm_ensemble=1, ease_min_count=1)
    a = Recommender.fit(m, item_features=feats, params=p)
    b = Recommender.fit(ref, item_features=feats, params=p)
    assert np.array_equal(a.item_vectors, b.item_vectors) and np.array_equal(a.user_vectors, b.user_vectors)
    assert (a.ease_B != b.ease_B).nnz == 0


def test_codes_keep_the_last_duplicate_and_count_unknown_titles():
    m, dropped = interactions_from_codes(np.array([5, 2, 5, 9]), np.array([10, 11, 10, 99]),
                                         np.array([1.0, 2.0, 3.0, 4.0]), item_ids=np.array([11, 10]))
    assert dropped == 1  # title 99 is not in the catalog
    assert m.users.ids == ["2", "5"] and m.items.ids == ["11", "10"]
    assert m.values.toarray().tolist() == [[2.0, 0.0], [0.0, 3.0]]  # (5, 10) keeps its last value


@pytest.mark.django_db
def test_large_data_plan_gates_on_sampled_viewers_and_folds_in_the_others(planted):
    scale = service.TrainingScale(sampled_above=10, eval_viewers=12, lightfm_max_interactions=200,
                                  ease_max_items=30, ease_max_interactions=250, item_knn_max=10)
    mv = service.recommender_train(triggered_by="test", search=False, scale=scale)
    counts = mv.data_counts
    assert counts["held_out_viewers"] == 12 and counts["held_out_interactions"] > 0
    assert counts["trained_on"] == counts["interactions"] - counts["held_out_interactions"]
    assert 0 < counts["lightfm_viewers"] < counts["viewers"]  # the others are folded in when served
    assert set(mv.metrics) >= {"hybrid", "most_popular"} and "item_knn" not in mv.metrics  # above its cap
    assert mv.gate["passed"] and mv.is_active, mv.gate
    model = load_recommender(mv.artifact_dir)
    assert model.n_users == counts["lightfm_viewers"]
    assert int(model.report["fit"]["ease_items"]) <= 30
    from recommendations.serving import score_for_user

    hits, folded = 0, 0
    for taste in ("action", "romance"):
        mine = {t.id for t in planted["titles"][taste]}
        for u in planted["viewers"][taste]:
            if model.user_index(u.id) is not None:
                continue
            recs, info = score_for_user(user_id=u.id, k=5)
            assert info["source"] == "fold_in" and len(recs) == 5
            hits += sum(t in mine for t, _ in recs)
            folded += 5
    assert folded >= 25 and hits / folded >= 0.7  # folded in from their history: still their taste


@pytest.mark.django_db
def test_a_failed_training_leaves_the_active_model(trained, monkeypatch):
    before = trained["version"]

    def boom(*a, **k):
        raise MemoryError("simulated")

    monkeypatch.setattr(service, "save_recommender", boom)
    with pytest.raises(MemoryError):
        service.recommender_train(triggered_by="test", search=False)
    failed = ModelVersion.objects.exclude(pk=before.pk).get()
    assert failed.status == ModelVersion.Status.FAILED and "simulated" in failed.error
    assert ModelVersion.objects.get(is_active=True).pk == before.pk


KILLED = """
import sys
import django
django.setup()
from recommendations.ml import artifacts
real_save = artifacts.np.save
written = []

def save(*a, **k):
    real_save(*a, **k)
    written.append(a[0])
    if len(written) == 2:  # the new bundle is half written: wait here to be killed
        print("half-written", flush=True)
        sys.stdin.readline()

artifacts.np.save = save
from recommendations.services.recommender import recommender_train
recommender_train(triggered_by="killed", search=False)
print("finished", flush=True)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_training_leaves_the_active_model(trained):
    """SIGKILL while the new bundle is half written: the active version, its files and serving
    are untouched, the killed version is never active, and the next training works."""
    from tests.conftest import _database_url

    before = trained["version"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="netfloox.settings.test", DATABASE_URL=_database_url(),
               ML_ARTIFACTS_DIR=str(settings.ML_ARTIFACTS_DIR), PYTHONUNBUFFERED="1")
    child = subprocess.Popen([sys.executable, "-c", KILLED], cwd=REPO, env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "half-written"  # waits for the event, not for time
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=120)
    assert child.returncode == -signal.SIGKILL
    killed = ModelVersion.objects.get(triggered_by="killed")
    assert not killed.is_active and killed.status == ModelVersion.Status.TRAINING
    assert not Path(settings.ML_ARTIFACTS_DIR, "recommender", killed.version).exists()  # only a temp dir
    assert ModelVersion.objects.get(is_active=True).pk == before.pk
    from recommendations.serving import MODEL_CACHE, score_for_user

    MODEL_CACHE.clear()
    recs, info = score_for_user(user_id=trained["viewers"]["action"][0].id, k=3)
    assert info["version"] == before.version and len(recs) == 3
    after = service.recommender_train(triggered_by="test", search=False)
    assert after.is_active and ModelVersion.objects.get(is_active=True).pk == after.pk
