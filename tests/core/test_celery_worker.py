"""A real `celery worker` process, a real Redis broker, the PostgreSQL test database."""
import time

import pytest
from django.db import transaction

from interactions.signals import films_finished
from recommendations.models import RefreshRequest


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.redis
def test_worker_process_runs_the_refresh_task_and_writes_to_the_database(celery_live, django_user_model):
    user = django_user_model.objects.create_user("worker-viewer", password="x-Passw0rd!")
    with transaction.atomic():
        films_finished.send(sender=None, requests={user.id: None})  # what storing a full watch announces
        # Not enqueued before commit: the worker cannot see uncommitted rows.
        assert RefreshRequest.objects.get(user=user).pending is True

    deadline = time.time() + 30
    while time.time() < deadline:
        req = RefreshRequest.objects.get(user=user)
        if not req.pending:
            break
        time.sleep(0.1)
    req = RefreshRequest.objects.get(user=user)
    assert req.pending is False, celery_live.log.read_text()[-2000:]
    assert req.refresh_count == 1 and req.done_at is not None
    assert "refresh_user_recommendations" in celery_live.log.read_text()
