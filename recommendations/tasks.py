"""Thin Celery tasks (ids in, one service call) and the calls that queue them after commit.

The services never import this module: they say what is needed (`refresh_request` → True, a
task is needed) and their callers — the receivers of other apps' signals, the sweeper — queue it
here, after commit, so a worker never reads a row that is not committed yet.
"""
import functools
import logging

from celery import shared_task
from django.db import transaction

from recommendations.services import refresh

log = logging.getLogger(__name__)


@shared_task(name="recommendations.tasks.refresh_user_recommendations", acks_late=True,
             time_limit=60, soft_time_limit=50, ignore_result=True)
def refresh_user_recommendations(user_id: int) -> None:
    refresh.user_recommendations_refresh(user_id=user_id)


@shared_task(name="recommendations.tasks.sweep_pending_refreshes", ignore_result=True, time_limit=60,
             soft_time_limit=50)
def sweep_pending_refreshes(older_than_s: float = 30.0) -> int:
    """Queue again the refreshes left pending (e.g. the broker was down when they were asked for)."""
    users = refresh.refresh_pending_users(older_than_s=older_than_s)
    for user_id in users:
        refresh_enqueue(user_id)
    return len(users)


@shared_task(name="recommendations.tasks.train_recommender", acks_late=True, time_limit=3 * 3600,
             soft_time_limit=3 * 3600 - 120, ignore_result=True)
def train_recommender(reason: str = "beat") -> None:
    # Imported here: the training stack (LightFM, scikit-learn) is for the `ml` worker only, not
    # for every web process that loads this module through the receivers.
    from recommendations.services.recommender import recommender_train

    recommender_train(triggered_by=reason)


def refresh_enqueue(user_id: int) -> None:
    """Queue one viewer's refresh now. Fails fast when the broker is down: the RefreshRequest row
    stays pending and the sweeper queues it again."""
    try:
        refresh_user_recommendations.apply_async(
            (user_id,), retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1,
                                      "interval_max": 0.1})
    except Exception:  # broker down: the row stays pending; sweep_pending_refreshes re-sends it
        log.exception("could not enqueue the refresh of user %s; it stays pending", user_id)


def refresh_enqueue_on_commit(user_ids) -> None:
    """Queue these viewers' refreshes once the current transaction commits."""
    for user_id in user_ids:
        transaction.on_commit(functools.partial(refresh_enqueue, user_id))


def training_enqueue_on_commit(*, reason: str) -> None:
    """Queue a recommender training on the `ml` queue once the current transaction commits."""
    transaction.on_commit(lambda: train_recommender.delay(reason=reason))
