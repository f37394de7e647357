"""Thin Celery tasks of the analytics app."""
from celery import shared_task

from analytics import services


@shared_task(name="analytics.tasks.warm_dashboard_cache", acks_late=True, time_limit=600, soft_time_limit=570,
             ignore_result=True)
def warm_dashboard_cache() -> int:
    return services.analytics_cache_warm()


@shared_task(name="analytics.tasks.rollup_viewing_days", acks_late=True, time_limit=3600, soft_time_limit=3500,
             ignore_result=True)
def rollup_viewing_days() -> int:
    return services.viewing_days_rollup()
