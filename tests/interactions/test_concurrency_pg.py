"""PostgreSQL: concurrent deliveries of the same events, and the one-statement ingestion path."""
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from interactions.models import Event, Interaction
from interactions.services.events import events_record
from interactions.services.tokens import service_token_create
from tests.interactions.conftest import ev

pytestmark = pytest.mark.postgres


def test_concurrent_duplicate_deliveries_never_fail_and_store_each_event_once(transactional_db, django_user_model):
    from catalog.models import Title

    users = [django_user_model.objects.create_user(f"c{i}", password="x-Passw0rd!") for i in range(4)]
    titles = [Title.objects.create(primary_title=f"C{i}") for i in range(6)]
    token = service_token_create(name="concurrent-feed")
    batch = [ev(titles[i % 6], "full_watch" if i % 7 == 0 else "play", user_id=users[i % 4].id) for i in range(60)]
    reversed_batch = list(reversed(batch))  # another lock order on the client side must not deadlock
    barrier = threading.Barrier(6)
    statuses, bodies = [], []

    def deliver(body):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(10)
            r = client.post("/api/events/", body, format="json")
            statuses.append(r.status_code)
            bodies.append(r.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(batch if i % 2 else reversed_batch,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) in ([200] * 5 + [201], [200] * 4 + [201] * 2, [200] * 3 + [201] * 3,
                                [200] * 2 + [201] * 4, [200] + [201] * 5, [201] * 6), statuses
    assert sum(b["stored"] for b in bodies) == 60
    assert all(b["stored"] + b["duplicates"] == 60 for b in bodies)
    assert Event.objects.count() == 60
    assert sum(Interaction.objects.values_list("event_count", flat=True)) == 60


def test_a_batch_is_one_database_statement(db, django_user_model, django_assert_num_queries):
    from catalog.models import Title

    users = [django_user_model.objects.create_user(f"q{i}", password="x-Passw0rd!") for i in range(50)]
    titles = [Title.objects.create(primary_title=f"Q{i}") for i in range(50)]
    batch = [ev(titles[i % 50], "play" if i % 2 else "rating", value=None if i % 2 else 4, user_id=users[i % 50].id)
             for i in range(500)]
    events_record(events=[ev(titles[0], user_id=users[0].id)], actor=None, source="api", allow_any_user=True)
    with django_assert_num_queries(1):  # (the statement is prepared once per connection, above)  # check references + insert + aggregate upsert, all-or-nothing
        r = events_record(events=batch, actor=None, source="api", allow_any_user=True)
    assert r.stored == 500 and Interaction.objects.count() == 50
    assert Interaction.objects.filter(rating=4, weight=4).count() == 25  # even pairs were rated
    with django_assert_num_queries(1):  # an unknown title: the same statement stores nothing and names it
        with pytest.raises(Exception) as exc:
            events_record(events=[ev(titles[0], user_id=users[0].id), ev(10**9, user_id=users[0].id)],
                          actor=None, source="api", allow_any_user=True)
    assert exc.value.errors == {1: {"title_id": [f"No title with id {10**9}."]}}
    assert Event.objects.count() == 501


def test_the_unprepared_path_and_a_reconnect_give_the_same_results(transactional_db, django_user_model, monkeypatch):
    from catalog.models import Title
    from interactions.services import events as events_service

    user = django_user_model.objects.create_user("r0", password="x-Passw0rd!")
    title = Title.objects.create(primary_title="R")
    e1, e2 = ev(title, "full_watch", user_id=user.id), ev(title, "rating", value=2.5, user_id=user.id)
    assert events_record(events=[e1], actor=None, source="api", allow_any_user=True).stored == 1
    connection.close()  # a new database session: the statement must be prepared again
    assert events_record(events=[e1, e2], actor=None, source="api", allow_any_user=True).stored == 1
    monkeypatch.setattr(events_service, "NETFLOOX_EVENTS_PREPARED", False)  # e.g. behind pgbouncer
    r = events_record(events=[e1, e2, ev(title, "play", user_id=user.id)], actor=None, source="api",
                      allow_any_user=True)
    assert (r.stored, r.duplicates) == (1, 2)
    i = Interaction.objects.get()
    assert (i.event_count, i.full_watches, i.rating, i.weight, i.implicit_score) == (3, 1, 2.5, 2.5, 4)
