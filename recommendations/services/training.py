"""Training entry points: enqueue (after commit) and the debounced "retrain after N events"."""
import logging

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)
RETRAIN_PENDING_KEY = "recommender:retrain-pending"


def training_enqueue(*, name: str, reason: str = "") -> None:
    """Queue a training of `name` ("recommender" | "popularity") on the `ml` queue after commit."""
    def send():
        if name == "recommender":
            from recommendations.tasks import train_recommender as task
        else:
            from popularity.tasks import train_popularity as task
        task.delay(reason=reason)

    transaction.on_commit(send)


def training_request(*, reason: str) -> bool:
    """Ask for a recommender retraining unless one was asked for in the last hour."""
    if not cache.add(RETRAIN_PENDING_KEY, reason, timeout=3600):
        return False
    training_enqueue(name="recommender", reason=reason)
    return True
