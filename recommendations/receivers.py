"""The recommender's answers to `interactions.signals` (connected in `RecommendationsConfig.ready`)."""
from recommendations.services import refresh, training


def on_films_finished(sender, *, requests, **kwargs):
    """A viewer finished a film: one deduplicated refresh per viewer (enqueued after commit)."""
    refresh.refresh_request_many(requests=requests)


def on_history_changed(sender, *, user_id, **kwargs):
    """A viewer hid a title from their history: their lists are recomputed without it."""
    refresh.refresh_request(user_id=user_id, title_id=None)


def on_retrain_wanted(sender, *, reason, **kwargs):
    """Enough new interactions: ask for one training (True when this call requested it)."""
    return bool(training.training_request(reason=reason))
