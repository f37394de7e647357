"""Thin Celery tasks of the interactions app."""
import logging

from celery import shared_task
from django.conf import settings

log = logging.getLogger(__name__)


@shared_task(name="interactions.tasks.poll_watch_stream", ignore_result=True, time_limit=60, soft_time_limit=50)
def poll_watch_stream() -> dict | None:
    """One short poll of NETFLOOX_STREAM_URL (beat, every 10 s); a no-op when it is not set.

    A failed poll is logged and simply retried by the next beat tick (the long-running
    `consume_watch_stream` command is the alternative with its own back-off).
    """
    url = settings.NETFLOOX_STREAM_URL
    if not url:
        return None
    from interactions.services.stream import StreamFetchError, StreamFormatError, stream_poll

    try:
        return stream_poll(url=url, timeout=5.0).as_dict()
    except (StreamFetchError, StreamFormatError) as exc:
        log.warning("watch stream poll failed: %s", exc)
        return None


@shared_task(name="interactions.tasks.refresh_title_stats", ignore_result=True, acks_late=True,
             time_limit=1800, soft_time_limit=1700)
def refresh_title_stats() -> int:
    """Recompute the per-title counts (beat, hourly; safe to rerun)."""
    from interactions.services.stats import title_stats_refresh

    return title_stats_refresh()
