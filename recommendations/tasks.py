"""Thin Celery tasks: ids in, one service call."""
from celery import shared_task


@shared_task(name="recommendations.tasks.refresh_user_recommendations", acks_late=True,
             time_limit=60, soft_time_limit=50, ignore_result=True)
def refresh_user_recommendations(user_id: int) -> None:
    from recommendations.services.refresh import user_recommendations_refresh

    user_recommendations_refresh(user_id=user_id)


@shared_task(name="recommendations.tasks.sweep_pending_refreshes", ignore_result=True, time_limit=60,
             soft_time_limit=50)
def sweep_pending_refreshes() -> int:
    from recommendations.services.refresh import refresh_pending_sweep

    return refresh_pending_sweep()


@shared_task(name="recommendations.tasks.train_recommender", acks_late=True, time_limit=3 * 3600,
             soft_time_limit=3 * 3600 - 120, ignore_result=True)
def train_recommender(reason: str = "beat") -> None:
    from recommendations.services.recommender import recommender_train

    recommender_train(triggered_by=reason)
