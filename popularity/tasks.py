from celery import shared_task


@shared_task(name="popularity.tasks.train_popularity", acks_late=True, time_limit=2 * 3600,
             soft_time_limit=2 * 3600 - 120, ignore_result=True)
def train_popularity(reason: str = "beat") -> None:
    from popularity.services import popularity_train

    popularity_train(triggered_by=reason)
