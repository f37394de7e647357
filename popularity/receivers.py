"""The popularity app's answers to other apps' signals (connected in `PopularityConfig.ready`)."""
from django.db import transaction

from popularity import tasks


def on_training_requested(sender, *, name, reason, **kwargs):
    """Someone asked for a training of a model by name: the popularity model is this app's."""
    if name != "popularity":
        return False
    transaction.on_commit(lambda: tasks.train_popularity.delay(reason=reason))
    return True
