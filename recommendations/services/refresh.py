"""The real-time trigger: a finished film ⇒ that viewer's recommendations are recomputed.

`refresh_request` is called by the interactions service inside its transaction; the Celery
task is enqueued only after commit and only when no refresh is already pending for the viewer
(dedup), so a burst of finished films costs one task that reads the latest history.
"""
import functools
import logging
import time

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from recommendations.models import RefreshRequest

log = logging.getLogger(__name__)


def refresh_request(*, user_id: int, title_id: int | None = None) -> bool:
    """Mark the viewer as needing a refresh; enqueue the task after commit if none is pending.

    Returns True when a task was scheduled, False when one was already pending.
    """
    now = timezone.now()
    with transaction.atomic():
        req, created = RefreshRequest.objects.select_for_update().get_or_create(
            user_id=user_id, defaults={"pending": True, "requested_at": now, "source_title_id": title_id})
        if not created:
            was_pending = req.pending
            req.pending, req.requested_at = True, now
            if title_id is not None:
                req.source_title_id = title_id
            req.save(update_fields=["pending", "requested_at", "source_title"])
            if was_pending:
                return False
    transaction.on_commit(lambda: _enqueue(user_id))
    return True


def refresh_request_many(*, requests: dict) -> list:
    """Bulk `refresh_request`: {user_id: source_title_id}. Returns the users whose task was scheduled."""
    if not requests:
        return []
    now = timezone.now()
    user_ids = sorted(requests)
    with transaction.atomic():
        was_pending = dict(RefreshRequest.objects.select_for_update().filter(user_id__in=user_ids)
                           .order_by("user_id").values_list("user_id", "pending"))
        missing = [u for u in user_ids if u not in was_pending]
        if missing:
            RefreshRequest.objects.bulk_create(
                [RefreshRequest(user_id=u, pending=True, requested_at=now, source_title_id=requests[u])
                 for u in missing], ignore_conflicts=True)
        if was_pending:
            whens = [When(user_id=u, then=Value(requests[u])) for u in was_pending if requests[u] is not None]
            RefreshRequest.objects.filter(user_id__in=list(was_pending)).update(
                pending=True, requested_at=now,
                source_title_id=Case(*whens, default=F("source_title_id"),
                                     output_field=RefreshRequest._meta.get_field("source_title").target_field)
                if whens else F("source_title_id"))
    scheduled = [u for u in user_ids if not was_pending.get(u, False)]
    for u in scheduled:
        transaction.on_commit(functools.partial(_enqueue, u))
    return scheduled


def _enqueue(user_id: int) -> None:
    from recommendations.tasks import refresh_user_recommendations

    try:
        # Fail fast when the broker is down: the row stays pending and the sweeper re-enqueues it.
        refresh_user_recommendations.apply_async(
            (user_id,), retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1,
                                      "interval_max": 0.1})
    except Exception:  # broker down: the RefreshRequest row stays pending; the sweeper re-enqueues it
        log.exception("could not enqueue the refresh of user %s; it stays pending", user_id)


def refresh_pending_sweep(*, older_than_s: float = 30.0) -> int:
    """Re-enqueue refreshes left pending (e.g. the broker was down when they were requested)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_s)
    ids = list(RefreshRequest.objects.filter(pending=True, requested_at__lte=cutoff).values_list("user_id", flat=True))
    for uid in ids:
        _enqueue(uid)
    return len(ids)


def user_recommendations_refresh(*, user_id: int) -> dict:
    """Recompute the viewer's list (fold-in, no retraining) and clear the pending flag.

    The recommender service plugs in here (recommendations.services.serving); until a model
    exists it records the refresh so the trigger is observable.
    """
    started = time.perf_counter()
    with transaction.atomic():
        req = RefreshRequest.objects.select_for_update().filter(user_id=user_id).first()
        if req is not None and not req.pending:
            # Already done by an earlier copy of this task (the sweeper re-sends refreshes that
            # are only waiting in the queue): one refresh per request, not one per delivery.
            return {"user_id": user_id, "skipped": "not pending"}
        source_title_id = req.source_title_id if req else None
        if req:
            req.pending = False
            req.done_at = timezone.now()
            req.refresh_count += 1
            req.save(update_fields=["pending", "done_at", "refresh_count"])
    from recommendations.services import realtime

    result = realtime.snapshot_compute(user_id=user_id, source_title_id=source_title_id)
    result["ms"] = (time.perf_counter() - started) * 1000
    return result
