"""Operational contracts found by running the production shape: task limits, redelivery, caches."""
import pytest
from django.core.cache import cache

from core.selectors import ProcessModelCache


def test_every_task_soft_time_limit_is_below_its_hard_limit():
    """Celery refuses to *send* a task whose effective soft limit exceeds its hard limit (beat then
    logs an error every period and the task never runs): the pending-refresh sweep did exactly that."""
    from netfloox.celery import app

    app.loader.import_default_modules()
    ours = {n: t for n, t in app.tasks.items() if n.split(".")[0] in
            {"recommendations", "interactions", "popularity", "analytics", "catalog", "core", "accounts"}}
    assert "recommendations.tasks.sweep_pending_refreshes" in ours
    for name, task in ours.items():
        hard = task.time_limit if task.time_limit is not None else app.conf.task_time_limit
        soft = task.soft_time_limit if task.soft_time_limit is not None else app.conf.task_soft_time_limit
        if hard is not None and soft is not None:
            assert soft <= hard, f"{name}: soft {soft} > hard {hard}"


def test_redelivery_timeout_exceeds_every_acks_late_task_limit():
    from django.conf import settings

    from netfloox.celery import app

    app.loader.import_default_modules()
    vt = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for name, task in app.tasks.items():
        if getattr(task, "acks_late", False) and task.time_limit:
            assert task.time_limit < vt, name


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from netfloox.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.django_db
def test_a_broken_artifact_is_not_reloaded_on_every_call(monkeypatch):
    calls = []

    def loader(path):
        calls.append(path)
        raise OSError(f"cannot read {path}")

    monkeypatch.setattr("core.selectors.model_version_active",
                        lambda name: {"version": "v1", "artifact_dir": "/nowhere/v1", "id": 1})
    pmc = ProcessModelCache("recommender", loader)
    for _ in range(5):
        with pytest.raises(OSError):
            pmc.get()
    assert calls == ["/nowhere/v1"]
    monkeypatch.setattr(ProcessModelCache, "RETRY_BROKEN_S", 0.0)
    pmc._failed = (*pmc._failed[:2], 0.0)  # the retry interval has passed: tried again
    with pytest.raises(OSError):
        pmc.get()
    assert len(calls) == 2
    # a new active version is loaded at once
    monkeypatch.setattr("core.selectors.model_version_active",
                        lambda name: {"version": "v2", "artifact_dir": "/ok/v2", "id": 2})
    pmc.loader = lambda path: ("model", path)
    assert pmc.get()[0] == ("model", "/ok/v2")


@pytest.mark.django_db
def test_a_finished_import_makes_cached_analytics_stale():
    from analytics.selectors.cache import VERSION_KEY
    from datasets.services.importers.recorder import run_import

    before = cache.get(VERSION_KEY)
    run_import(source="test", paths=[], options={}, progress=None, body=lambda rec: None)
    after = cache.get(VERSION_KEY)
    assert after is not None and after != before


@pytest.mark.django_db
def test_the_active_version_is_remembered_for_a_second_and_activation_is_seen_at_once(monkeypatch):
    from core import selectors, services
    from core.models import ModelVersion

    v1 = ModelVersion.objects.create(name="recommender", version="v1", artifact_dir="/a/v1")
    services.model_version_activate(mv=v1)
    assert selectors.model_version_active(name="recommender")["version"] == "v1"
    # another process activates v2: its cache delete reaches the shared cache, not this memory
    v2 = ModelVersion.objects.create(name="recommender", version="v2", artifact_dir="/a/v2")
    ModelVersion.objects.filter(pk=v1.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=v2.pk).update(is_active=True)
    cache.delete(services.ACTIVE_CACHE_KEY.format(name="recommender"))
    assert selectors.model_version_active(name="recommender")["version"] == "v1"  # remembered
    clock = [selectors.time.monotonic() + selectors.LOCAL_TTL_S + 0.01]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    assert selectors.model_version_active(name="recommender")["version"] == "v2"  # a second later
    # an activation made in this process is seen at once
    v3 = ModelVersion.objects.create(name="recommender", version="v3", artifact_dir="/a/v3")
    services.model_version_activate(mv=v3)
    assert selectors.model_version_active(name="recommender")["version"] == "v3"
