"""The real-time trigger: a finished film ⇒ that viewer's recommendations are recomputed.

`refresh_request` runs inside the transaction that stored the finished film (the receivers of
`interactions.signals`). It records the pending refresh and says whether a task is needed: only
when none is already pending for the viewer (dedup), so a burst of finished films costs one task
that reads the latest history. The caller queues it after commit (`recommendations.tasks`); the
services never import the tasks that call them.
"""
import time

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from recommendations.models import RefreshRequest
from recommendations.services import realtime


def refresh_request(*, user_id: int, title_id: int | None = None) -> bool:
    """Mark the viewer as needing a refresh.

    Returns True when a task must be queued (after commit), False when one was already pending.
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
    return True


def refresh_request_many(*, requests: dict) -> list:
    """Bulk `refresh_request`: {user_id: source_title_id}. Returns the users whose task must be queued."""
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
    return [u for u in user_ids if not was_pending.get(u, False)]


def refresh_pending_users(*, older_than_s: float = 30.0) -> list[int]:
    """Viewers whose refresh was requested more than `older_than_s` ago and is still pending
    (e.g. the broker was down when it was requested): the sweeper queues them again."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_s)
    return list(RefreshRequest.objects.filter(pending=True, requested_at__lte=cutoff).values_list("user_id", flat=True))


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
    result = realtime.snapshot_compute(user_id=user_id, source_title_id=source_title_id)
    result["ms"] = (time.perf_counter() - started) * 1000
    return result
