"""The retrain trigger: counts new events and asks for a recommender training past a threshold.

`events_record` calls `maybe_trigger_retrain(added=n)` after commit; the count is a process-local
sum flushed to a shared cache counter; crossing ``NETFLOOX_RETRAIN_AFTER_INTERACTIONS`` sends
`interactions.signals.retrain_wanted`. A training calls `retrain_counter_reset` when it starts.
"""
from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache

from interactions import signals
from interactions.models import Event

log = logging.getLogger(__name__)

RETRAIN_COUNTER_KEY = "interactions:new-events-since-training"
RETRAIN_LOCK_KEY = "interactions:retrain-requested"


def new_interactions_since(ts) -> int:
    """Events stored after `ts` (None: all). An exact COUNT — for reports and cold-cache seeding,
    not for the request path (that uses the cache counter in maybe_trigger_retrain)."""
    qs = Event.objects.all()
    if ts is not None:
        qs = qs.filter(server_ts__gt=ts)
    return qs.count()


def _last_training_at():
    from core.models import ModelVersion

    return (ModelVersion.objects.filter(name=ModelVersion.Name.RECOMMENDER, trained_at__isnull=False)
            .order_by("-trained_at").values_list("trained_at", flat=True).first())


def retrain_counter_reset() -> None:
    """Call when a recommender training starts: the counter restarts from zero."""
    with _local_lock:
        _local["pending"], _local["since"] = 0, time.monotonic()
    cache.set(RETRAIN_COUNTER_KEY, 0, timeout=None)
    cache.delete(RETRAIN_LOCK_KEY)


# New events are first summed in the process and added to the shared cache counter at most every
# RETRAIN_FLUSH_EVENTS events or RETRAIN_FLUSH_SECONDS: one cache round trip per ~100 events, not
# per request. (A crash forgets < 100 events of a 5,000 threshold: irrelevant for a retrain trigger.)
RETRAIN_FLUSH_EVENTS = 100
RETRAIN_FLUSH_SECONDS = 5.0
_local = {"pending": 0, "since": time.monotonic()}
_local_lock = threading.Lock()


def maybe_trigger_retrain(*, added: int = 0) -> bool:
    """Count `added` new events; past NETFLOOX_RETRAIN_AFTER_INTERACTIONS, request one training.

    Cheap: a process-local sum, flushed to the cache counter (one INCR) every ~100 events. The
    counter is seeded from the database (one COUNT since the last training) only when the cache
    has lost it. Returns True when a training was requested.
    """
    threshold = settings.NETFLOOX_RETRAIN_AFTER_INTERACTIONS
    if not threshold or threshold <= 0:
        return False
    with _local_lock:
        _local["pending"] += added
        now = time.monotonic()
        due = (_local["pending"] >= min(RETRAIN_FLUSH_EVENTS, threshold)
               or (_local["pending"] and now - _local["since"] >= RETRAIN_FLUSH_SECONDS))
        if not due:
            return False
        take, _local["pending"], _local["since"] = _local["pending"], 0, now
    try:
        count = cache.incr(RETRAIN_COUNTER_KEY, take)
    except ValueError:  # cold cache: seed it (the events just committed are included in the COUNT)
        cache.add(RETRAIN_COUNTER_KEY, new_interactions_since(_last_training_at()), timeout=None)
        count = cache.get(RETRAIN_COUNTER_KEY)
    if count is None or count < threshold:
        return False
    if not cache.add(RETRAIN_LOCK_KEY, 1, timeout=600):  # another process is triggering it right now
        return False
    try:
        cache.decr(RETRAIN_COUNTER_KEY, count)
    except ValueError:
        cache.set(RETRAIN_COUNTER_KEY, 0, timeout=None)
    replies = signals.retrain_wanted.send_robust(sender=maybe_trigger_retrain,
                                                 reason=f"{count} new interactions since the last training")
    failures = [r for _, r in replies if isinstance(r, Exception)]
    requested = any(r is True for _, r in replies)
    if not replies:
        log.info("%d new interactions since the last training, but nothing listens to retrain_wanted", count)
        return False
    if failures and not requested:  # the recommender's code must never break ingestion: retry at the next flush
        log.error("requesting a recommender training failed; will retry", exc_info=failures[0])
        cache.delete(RETRAIN_LOCK_KEY)
        try:
            cache.incr(RETRAIN_COUNTER_KEY, count)
        except ValueError:
            pass
        return False
    log.info("%d new interactions since the last training: retraining %s", count,
             "requested" if requested else "already requested")
    return requested
