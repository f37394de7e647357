"""The refresh fired by a finished film: a new list, a snapshot and a notification.

No retraining: the viewer's current history (read from the database) is scored with the active
model (EASE part + folded-in LightFM vector), the finished film and everything seen excluded.
"""
import time

from django.db import transaction

from catalog.models import Title
from core.selectors import model_version_active
from recommendations.models import Notification, RecommendationSnapshot

SNAPSHOT_SIZE = 20
NOTIFY_TOP = 5


def snapshot_compute(*, user_id: int, source_title_id: int | None) -> dict:
    from django.contrib.auth import get_user_model

    from recommendations import selectors

    started = time.perf_counter()
    user = get_user_model().objects.get(pk=user_id)
    rec = selectors.recommendations_for_user(user=user, k=SNAPSHOT_SIZE)
    items = [{"title_id": t.id, "score": (None if s is None else round(float(s), 5))}
             for t, s in zip(rec.titles, rec.scores or [None] * len(rec.titles), strict=False)
             if t.id != source_title_id]
    source_title = Title.objects.filter(pk=source_title_id).only("id", "primary_title").first()
    active = model_version_active(name="recommender")
    reason = (RecommendationSnapshot.Reason.BECAUSE_YOU_WATCHED if source_title
              else RecommendationSnapshot.Reason.TOP_PICKS)
    compute_ms = (time.perf_counter() - started) * 1000
    with transaction.atomic():
        snap = RecommendationSnapshot.objects.create(
            user_id=user_id, reason=reason, source_title=source_title, items=items,
            model_version_id=active["id"] if active else None, compute_ms=compute_ms)
        top_ids = [it["title_id"] for it in items[:NOTIFY_TOP]]
        if source_title:
            message = f"New picks for you, because you watched {source_title.primary_title}"
        else:
            message = "New picks for you"
        Notification.objects.create(user_id=user_id, kind="new_recommendations", message=message[:255],
                                    payload={"title_ids": top_ids, "source_title_id": source_title_id,
                                             "snapshot_id": snap.id, "source": rec.source})
    return {"user_id": user_id, "source_title_id": source_title_id, "items": items, "snapshot_id": snap.id,
            "source": rec.source, "compute_ms": compute_ms}
