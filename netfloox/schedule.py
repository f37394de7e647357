"""Every periodic Celery task, declared in one place (read by settings as CELERY_BEAT_SCHEDULE)."""
from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    "train-recommender-nightly": {
        "task": "recommendations.tasks.train_recommender",
        "schedule": crontab(hour=3, minute=0),
        "options": {"queue": "ml"},
    },
    "train-popularity-weekly": {
        "task": "popularity.tasks.train_popularity",
        "schedule": crontab(hour=4, minute=0, day_of_week="sunday"),
        "options": {"queue": "ml"},
    },
    "sweep-pending-refreshes": {
        # Refreshes requested while the broker was down are re-enqueued once it is back.
        "task": "recommendations.tasks.sweep_pending_refreshes",
        "schedule": 30.0,
        "options": {"queue": "realtime", "expires": 30},
    },
    "refresh-title-stats-hourly": {
        # Per-title viewer/rating counts (popularity) over the live aggregate and the imports.
        "task": "interactions.tasks.refresh_title_stats",
        "schedule": crontab(minute=17),
        "options": {"queue": "default", "expires": 3000},
    },
    "rollup-viewing-days-hourly": {
        # Closed days of the event log, rolled up once (analytics: events and viewers per day).
        "task": "analytics.tasks.rollup_viewing_days",
        "schedule": crontab(minute=7),
        "options": {"queue": "default", "expires": 3000},
    },
    "poll-watch-stream": {
        # No-op unless NETFLOOX_STREAM_URL is set; one short poll every 10 s.
        "task": "interactions.tasks.poll_watch_stream",
        "schedule": 10.0,
        "options": {"queue": "default", "expires": 10},
    },
}
