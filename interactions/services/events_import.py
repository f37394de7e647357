"""Imports generated events of existing viewers (the demo seeder) into the event log and aggregates.

`events_import_bulk(key=, rows=)` is idempotent by a deterministic event id
(`import_event_id`), and folds the new events into their `Interaction` aggregates with the same
weights as the live path (`interactions.services.events`).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from interactions import scoring
from interactions.models import Event, EventKind, Interaction

IMPORT_NAMESPACE = uuid.UUID("7f3c2a4e-5b1d-4c8e-9a6f-0d2b7e1c9a55")
_EVENT = Event._meta.db_table
_INTER = Interaction._meta.db_table


def import_event_id(name: str) -> uuid.UUID:
    """uuid3(IMPORT_NAMESPACE, name): the deterministic id of an imported event."""
    return uuid.uuid3(IMPORT_NAMESPACE, name)


def _greatest_least():
    return ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")


def events_import_bulk(*, key: str, rows: Iterable, chunk_size: int = 20_000) -> dict:
    """Store events of existing viewers idempotently and fold them into their aggregates.

    rows: (user_id, title_id, kind, value, ts: aware datetime). The event id is
    uuid3(IMPORT_NAMESPACE, f"{key}:{user_id}:{title_id}:{kind}:{ts}"). Returns counts
    (read, inserted, duplicates, interactions).
    """
    counts = {"read": 0, "inserted": 0, "duplicates": 0, "interactions": 0}
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk_size:
            _events_flush(key, batch, counts)
            batch = []
    if batch:
        _events_flush(key, batch, counts)
    return counts


def _events_flush(key, batch, counts):
    now = timezone.now()
    seen, items = set(), []
    for user_id, title_id, kind, value, ts in batch:
        if kind not in EventKind.values:
            raise ValueError(f"unknown event kind {kind!r}")
        ts = ts.astimezone(dt.UTC)
        eid = import_event_id(f"{key}:{user_id}:{title_id}:{kind}:{ts.strftime('%Y-%m-%dT%H:%M:%S')}")
        if eid in seen:
            continue
        seen.add(eid)
        items.append((eid, user_id, title_id, kind, value, ts))
    counts["read"] += len(batch)
    with transaction.atomic():
        existing = set()
        ids = [i[0] for i in items]
        for start in range(0, len(ids), 900):
            existing.update(Event.objects.filter(event_id__in=ids[start:start + 900]).values_list("event_id", flat=True))
        new = [i for i in items if i[0] not in existing]
        native = connection.features.has_native_uuid_field
        adapt = connection.ops.adapt_datetimefield_value
        server_ts = adapt(now)
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {_EVENT} (event_id, user_id, title_id, kind, value, client_ts, server_ts, source) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, 'import') ON CONFLICT (event_id) DO NOTHING",
                [(eid if native else eid.hex, u, t, k, v, adapt(ts), server_ts) for eid, u, t, k, v, ts in new])
        agg: dict[tuple, list] = {}
        for _eid, u, t, k, v, ts in sorted(new, key=lambda i: i[5]):
            a = agg.setdefault((u, t), [0.0, 0, None, 0, ts, ts])  # implicit, count, rating, full, first, last
            a[0] = max(a[0], scoring.event_score(k))
            a[1] += 1
            if k == EventKind.RATING:
                a[2] = v
            elif k == EventKind.FULL_WATCH:
                a[3] += 1
            a[4], a[5] = min(a[4], ts), max(a[5], ts)
        _upsert_implicit(agg)
    counts["inserted"] += len(new)
    counts["duplicates"] += len(batch) - len(new)
    counts["interactions"] += len(agg)


def _upsert_implicit(agg):
    """Fold (user, title) → [implicit, count, rating, full, first, last] into the aggregates."""
    if not agg:
        return
    greatest, least = _greatest_least()
    new_implicit = f"{greatest}(t.implicit_score, excluded.implicit_score)"
    new_full = "(t.full_watches + excluded.full_watches)"
    new_rating = "CASE WHEN excluded.rating IS NOT NULL AND (t.rating IS NULL OR excluded.last_at >= t.last_at) " \
                 "THEN excluded.rating ELSE t.rating END"
    weight = scoring.weight_sql(rating=f"({new_rating})", implicit=new_implicit, full=new_full,
                                vendor=connection.vendor)
    sql = (f"INSERT INTO {_INTER} AS t (user_id, title_id, weight, implicit_score, event_count, rating, full_watches, "
           f"first_at, last_at, hidden) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
           f"ON CONFLICT (user_id, title_id) DO UPDATE SET implicit_score = {new_implicit}, "
           f"event_count = t.event_count + excluded.event_count, full_watches = {new_full}, rating = {new_rating}, "
           f"first_at = {least}(t.first_at, excluded.first_at), last_at = {greatest}(t.last_at, excluded.last_at), "
           f"hidden = excluded.hidden, weight = {weight}")
    adapt = connection.ops.adapt_datetimefield_value
    params = []
    for (u, t), (implicit, n, rating, full, first, last) in sorted(agg.items()):
        w = scoring.interaction_weight(implicit_score=implicit, full_watches=full, rating=rating)
        params.append((u, t, w, implicit, n, rating, full, adapt(first), adapt(last), False))
    with connection.cursor() as cur:
        cur.executemany(sql, params)
