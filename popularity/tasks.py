"""Thin Celery tasks of the popularity app."""
from celery import shared_task

from popularity import services


@shared_task(name="popularity.tasks.train_popularity", acks_late=True, time_limit=2 * 3600,
             soft_time_limit=2 * 3600 - 120, ignore_result=True)
def train_popularity(reason: str = "beat") -> None:
    services.popularity_train(triggered_by=reason)
