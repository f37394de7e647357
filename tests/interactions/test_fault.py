"""Fault tests: real PostgreSQL, a real Celery worker process, a Redis broker we kill and restart.

The promise: every event the API accepted (2xx) is in the database, whatever happened to the
broker or the worker, and every refresh asked for while they were down runs once they are back
(the beat sweeper re-enqueues the ones the broker never received).
"""
import time

import pytest
from rest_framework.test import APIClient

from interactions.models import Event
from interactions.services.tokens import service_token_create
from recommendations.models import RefreshRequest
from recommendations.tasks import sweep_pending_refreshes
from tests.interactions.conftest import ev

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def world(transactional_db, django_user_model):
    from catalog.models import Title

    users = [django_user_model.objects.create_user(f"fault-{i}", password="x-Passw0rd!") for i in range(5)]
    titles = [Title.objects.create(primary_title=f"Fault film {i}") for i in range(4)]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {service_token_create(name='fault-feed')}")
    return users, titles, client


def _post(client, batch):
    return client.post("/api/events/", batch, format="json")


def _wait_until(predicate, timeout, log_path):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out; worker log tail:\n{log_path.read_text()[-3000:]}")


def _batch(user, titles, step):
    return [ev(titles[step % len(titles)], "play", user_id=user.id),
            ev(titles[(step + 1) % len(titles)], "full_watch", user_id=user.id)]


def test_no_accepted_event_is_lost_when_the_broker_dies_mid_stream(private_broker, world):
    broker, worker = private_broker
    users, titles, client = world
    accepted, statuses = [], []
    for step in range(15):
        if step == 5:
            broker.kill()  # the broker dies mid-stream…
        if step == 10:
            broker.start()  # …and comes back (empty: it persisted nothing)
        batch = _batch(users[step % len(users)], titles, step)
        r = _post(client, batch)
        statuses.append(r.status_code)
        if 200 <= r.status_code < 300:
            accepted += [e["event_id"] for e in batch]
    # The database was up the whole time: every request was accepted, the broker outage is invisible.
    assert statuses == [201] * 15, statuses
    assert sorted(str(x) for x in Event.objects.values_list("event_id", flat=True)) == sorted(accepted)

    # Refreshes requested during the outage are still pending; the beat sweeper re-enqueues them.
    assert RefreshRequest.objects.filter(pending=True).exists()
    sweep_pending_refreshes(older_than_s=0)  # what beat runs every 30 s, here at once
    _wait_until(lambda: not RefreshRequest.objects.filter(pending=True).exists(), 60, worker.log)
    refreshed = dict(RefreshRequest.objects.values_list("user_id", "refresh_count"))
    assert set(refreshed) == {u.id for u in users} and all(n >= 1 for n in refreshed.values())
    assert Event.objects.count() == 30


def test_no_accepted_event_is_lost_while_the_worker_is_down(private_broker, world):
    broker, worker = private_broker
    users, titles, client = world
    r = _post(client, _batch(users[0], titles, 0))
    assert r.status_code == 201
    _wait_until(lambda: RefreshRequest.objects.filter(user=users[0], pending=False).exists(), 30, worker.log)

    worker.stop()
    accepted = []
    for step, user in enumerate(users):
        batch = _batch(user, titles, step + 1)
        r = _post(client, batch)
        assert r.status_code == 201
        accepted += [e["event_id"] for e in batch]
    # Queued in Redis, not run: every viewer who finished a film is pending.
    assert set(RefreshRequest.objects.filter(pending=True).values_list("user_id", flat=True)) == {u.id for u in users}

    worker.start()  # the queued refreshes run as soon as a worker is back
    _wait_until(lambda: not RefreshRequest.objects.filter(pending=True).exists(), 60, worker.log)
    assert RefreshRequest.objects.get(user=users[0]).refresh_count == 2
    assert set(accepted) <= {str(x) for x in Event.objects.values_list("event_id", flat=True)}
    assert Event.objects.count() == 12
