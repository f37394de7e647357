"""The recommender's answers to other apps' signals (connected in `RecommendationsConfig.ready`):
`interactions.signals` (a finished film, a hidden title, enough new events) and
`core.signals.training_requested`."""
from recommendations import tasks
from recommendations.services import refresh, training


def on_films_finished(sender, *, requests, **kwargs):
    """A viewer finished a film: one deduplicated refresh per viewer (queued after commit)."""
    tasks.refresh_enqueue_on_commit(refresh.refresh_request_many(requests=requests))


def on_history_changed(sender, *, user_id, **kwargs):
    """A viewer hid a title from their history: their lists are recomputed without it."""
    if refresh.refresh_request(user_id=user_id, title_id=None):
        tasks.refresh_enqueue_on_commit([user_id])


def on_retrain_wanted(sender, *, reason, **kwargs):
    """Enough new interactions: ask for one training per hour (True when this call asked)."""
    if not training.training_request(reason=reason):
        return False
    tasks.training_enqueue_on_commit(reason=reason)
    return True


def on_training_requested(sender, *, name, reason, **kwargs):
    """Someone asked for a training of a model by name: the recommender is this app's."""
    if name != "recommender":
        return False
    tasks.training_enqueue_on_commit(reason=reason)
    return True
