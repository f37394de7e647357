"""The refresh task is delivered at least once; it refreshes once per request."""
import pytest
from django.core.cache import cache

from recommendations.models import Notification, RecommendationSnapshot
from recommendations.services.refresh import refresh_request, user_recommendations_refresh


@pytest.mark.django_db
def test_a_second_delivery_of_the_same_refresh_does_nothing(planted, django_capture_on_commit_callbacks):
    user = planted["viewers"]["action"][0]
    film = planted["titles"]["action"][0]
    with django_capture_on_commit_callbacks(execute=False):  # the task itself is delivered twice below
        assert refresh_request(user_id=user.id, title_id=film.id) is True
    first = user_recommendations_refresh(user_id=user.id)
    again = user_recommendations_refresh(user_id=user.id)  # e.g. re-sent by the sweeper while queued
    assert "snapshot_id" in first and again.get("skipped") == "not pending"
    assert RecommendationSnapshot.objects.filter(user=user).count() == 1
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_training_restarts_the_new_interactions_counter(planted):
    from interactions.services.retrain import RETRAIN_COUNTER_KEY
    from recommendations.services.recommender import recommender_train

    cache.set(RETRAIN_COUNTER_KEY, 4321, timeout=None)
    recommender_train(triggered_by="test", search=False)
    assert cache.get(RETRAIN_COUNTER_KEY) == 0


def test_enqueueing_a_refresh_never_waits_long_for_a_dead_broker(monkeypatch):
    """What keeps POST /api/events/ fast while the broker is down (tests/interactions/test_fault.py
    kills one): one retry, 0.1 s apart, then the row stays pending for the sweeper; an error is
    logged, never raised into the request."""
    from recommendations.tasks import refresh_enqueue, refresh_user_recommendations

    calls = []

    def dead_broker(args, **kwargs):
        calls.append(kwargs)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(refresh_user_recommendations, "apply_async", dead_broker)
    refresh_enqueue(123)  # does not raise
    policy = calls[0]["retry_policy"]
    worst_case = policy["interval_start"] + policy["max_retries"] * policy["interval_max"]
    assert policy["max_retries"] <= 1 and worst_case <= 0.5
