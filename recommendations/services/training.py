"""The debounced "retrain after N events": at most one recommender training asked for per hour.

The caller queues the training after commit when `training_request` says so
(`recommendations.tasks.training_enqueue_on_commit`); a finished training clears the claim.
"""
from django.core.cache import cache

RETRAIN_PENDING_KEY = "recommender:retrain-pending"


def training_request(*, reason: str) -> bool:
    """Claim the hour's retraining: True when the caller must queue one, False when one was
    already asked for in the last hour."""
    return bool(cache.add(RETRAIN_PENDING_KEY, reason, timeout=3600))


def training_request_clear() -> None:
    """A training finished: the next burst of events may ask for another."""
    cache.delete(RETRAIN_PENDING_KEY)
