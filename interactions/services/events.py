"""Records events: one path, for every source, into the event log and its per-(viewer, title) aggregate.

`events_record` is what the JSON API, the web player's beacons, the real-time stream consumer
and the site's own star ratings all call. Its contract (see docs/interactions.md):

* **Validation first, all-or-nothing.** Every item is checked (fields, ranges, title and viewer
  exist, permission to post for that viewer; `interactions.services.event_validation`); if any
  item is wrong nothing is stored and the error names each bad item by its index and field:
  ``errors={index: {field: [message]}}``.
* **Idempotent by `event_id`.** A duplicate inside the batch (first occurrence wins) or of a
  stored row is counted, never stored twice. The insert is ``INSERT … ON CONFLICT (event_id) DO
  NOTHING RETURNING event_id``, so two concurrent deliveries of the same event never raise: one
  inserts, the other sees a duplicate.
* **The aggregate moves in the same transaction**, by an upsert whose SET clause is
  `interactions.scoring.WEIGHT_SQL` (the SQL twin of `interaction_weight`). A new event
  un-hides a hidden aggregate.
* **Finished film ⇒ refresh.** The viewers with a newly stored `full_watch` are announced by
  the `interactions.signals.films_finished` signal, in the batch's transaction; the recommender
  subscribes to it (`recommendations.apps`: a deduplicated refresh, enqueued after commit).
* **Retraining.** After commit, new events are counted (`interactions.services.retrain`: a
  process-local sum flushed to a cache counter); crossing ``NETFLOOX_RETRAIN_AFTER_INTERACTIONS``
  sends `retrain_wanted`.

Two implementations of the same statement sequence:

* **PostgreSQL** (production): ONE statement per batch (≤ 1,000 events) does the reference
  checks, the insert and the aggregate upsert, all-or-nothing; it is a server-side prepared
  statement with array parameters, planned once per connection. Without a finished film it runs
  in autocommit (the statement is its own transaction: no BEGIN/COMMIT round trips).
* **SQLite** (embedded default): the same steps as portable statements in one transaction.

Locks are always taken in the same order (events sorted by `event_id`, then aggregates sorted by
(user, title), then refresh rows sorted by user) so concurrent batches cannot deadlock.

One job, storing a batch, in both implementations: that is why the file is long. Around it, each
in its module: the site's star ratings (`ratings.rating_set`), hiding a title from a viewer's
history (`history.interaction_hide`), the demo's bulk events (`events_import.events_import_bulk`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import re
import uuid

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog.models import Title
from core.db import prepare_once
from core.errors import PermissionDenied, ValidationFailed
from interactions import scoring, signals
from interactions.models import Event, EventKind, EventSource, Interaction
from interactions.services.event_validation import _raise_invalid, _reference_errors, _validate_fields
from interactions.services.retrain import maybe_trigger_retrain

log = logging.getLogger(__name__)
User = get_user_model()

SOURCES = frozenset(EventSource.values)


@dataclasses.dataclass(frozen=True)
class RecordResult:
    stored: int
    duplicates: int
    event_ids: list[str]  # the ones stored by this call, in batch order
    duplicate_ids: list[str] = dataclasses.field(default_factory=list)


# --- SQL ----------------------------------------------------------------------------------------
def _chunk_rows(ncols):
    limit = connection.features.max_query_params or 32766
    return max(1, min(1000, limit // ncols))


def _q(name):
    return connection.ops.quote_name(name)


def _insert_events(rows, *, source, now):
    """Insert, skipping stored event_ids; returns the event_ids really inserted (as `UUID.int`)."""
    adapt_dt = connection.ops.adapt_datetimefield_value
    native_uuid = connection.features.has_native_uuid_field
    cols = ("event_id", "user_id", "title_id", "kind", "value", "client_ts", "server_ts", "source")
    head = (f"INSERT INTO {_q(Event._meta.db_table)} ({', '.join(_q(c) for c in cols)}) VALUES ")
    tail = f" ON CONFLICT ({_q('event_id')}) DO NOTHING RETURNING {_q('event_id')}"
    server_ts = adapt_dt(now)
    inserted = set()
    size = _chunk_rows(len(cols))
    with connection.cursor() as cur:
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            params = []
            for r in chunk:
                params += (r.event_id if native_uuid else r.event_id.hex, r.user_id, r.title_id, r.kind, r.value,
                           adapt_dt(r.client_ts) if r.client_ts is not None else None, server_ts, source)
            cur.execute(head + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk)) + tail, params)
            for (eid,) in cur.fetchall():
                inserted.add((eid if isinstance(eid, uuid.UUID) else uuid.UUID(str(eid))).int)
    return inserted


def _upsert_sql(nrows):
    vendor = connection.vendor
    greatest, least = ("GREATEST", "LEAST") if vendor == "postgresql" else ("MAX", "MIN")
    t = "t"
    ex = "EXCLUDED" if vendor == "postgresql" else "excluded"
    new_implicit = f"{greatest}({t}.implicit_score, {ex}.implicit_score)"
    new_full = f"({t}.full_watches + {ex}.full_watches)"
    new_rating = f"COALESCE({ex}.rating, {t}.rating)"
    weight = scoring.weight_sql(rating=new_rating, implicit=new_implicit, full=new_full, vendor=vendor)
    cols = ("user_id", "title_id", "weight", "implicit_score", "event_count", "rating", "full_watches",
            "first_at", "last_at", "hidden")
    values = ", ".join(["(" + ", ".join(["%s"] * len(cols)) + ")"] * nrows)
    return (
        f"INSERT INTO {_q(Interaction._meta.db_table)} AS {t} ({', '.join(_q(c) for c in cols)}) VALUES {values} "
        f"ON CONFLICT ({_q('user_id')}, {_q('title_id')}) DO UPDATE SET "
        f"implicit_score = {new_implicit}, "
        f"event_count = {t}.event_count + {ex}.event_count, "
        f"full_watches = {new_full}, "
        f"rating = {new_rating}, "
        f"first_at = {least}({t}.first_at, {ex}.first_at), "
        f"last_at = {greatest}({t}.last_at, {ex}.last_at), "
        f"hidden = {ex}.hidden, "
        f"weight = {weight}"
    ), len(cols)


def _upsert_aggregates(rows, now):
    """Fold the newly stored events into their (user, title) aggregates (one statement per chunk)."""
    agg: dict[tuple[int, int], list] = {}
    for r in rows:  # batch order: the last rating of the batch wins
        ts = r.client_ts or now
        a = agg.get((r.user_id, r.title_id))
        if a is None:
            a = agg[(r.user_id, r.title_id)] = [0.0, 0, None, 0, ts, ts]  # implicit, count, rating, full, first, last
        a[0] = max(a[0], scoring.event_score(r.kind))
        a[1] += 1
        if r.kind == EventKind.RATING:
            a[2] = r.value
        elif r.kind == EventKind.FULL_WATCH:
            a[3] += 1
        a[4] = min(a[4], ts)
        a[5] = max(a[5], ts)
    adapt_dt = connection.ops.adapt_datetimefield_value
    items = sorted(agg.items())
    sql_full, ncols = _upsert_sql(1)
    size = _chunk_rows(ncols)
    with connection.cursor() as cur:
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            params = []
            for (user_id, title_id), (implicit, count, rating, full, first, last) in chunk:
                weight = scoring.interaction_weight(implicit_score=implicit, full_watches=full, rating=rating)
                params += (user_id, title_id, weight, implicit, count, rating, full, adapt_dt(first), adapt_dt(last),
                           False)
            sql = sql_full if len(chunk) == 1 else _upsert_sql(len(chunk))[0]
            cur.execute(sql, params)
    return len(agg)


def _score_case_sql(col):
    """The SQL twin of scoring.event_score (a CASE over the prototype scores)."""
    whens = " ".join(f"WHEN '{k}' THEN {v!r}" for k, v in scoring.EVENT_SCORES.items())
    return f"(CASE {col} {whens} ELSE 0.0 END)"


def _pg_record_sql():
    """One PostgreSQL statement for a whole batch (parameters: one array per column, so the text —
    and its prepared plan — is the same for every batch size):

    check every title/viewer exists, insert the events unless one is missing (all-or-nothing),
    skip stored event_ids, fold the new ones into their aggregates. Returns rows ('t'|'u', ord) for
    missing titles/viewers and ('i', event_id) for inserted events. Lock order: events by
    event_id, aggregates by (user, title).
    """
    ev, it = Event._meta.db_table, Interaction._meta.db_table
    title_tbl, user_tbl = Title._meta.db_table, User._meta.db_table
    weight = scoring.WEIGHT_SQL.format(rating="a.rating", implicit="a.implicit", full="a.full")
    new_implicit = "GREATEST(t.implicit_score, EXCLUDED.implicit_score)"
    new_full = "(t.full_watches + EXCLUDED.full_watches)"
    new_rating = "COALESCE(EXCLUDED.rating, t.rating)"
    upd_weight = scoring.WEIGHT_SQL.format(rating=new_rating, implicit=new_implicit, full=new_full)
    return f"""
WITH v AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], $3::int[], $4::bigint[], $5::varchar[], $6::float8[],
                         $7::timestamptz[]) AS v (ord, event_id, user_id, title_id, kind, value, client_ts)
),
missing_titles AS (SELECT v.ord FROM v WHERE NOT EXISTS (SELECT 1 FROM {title_tbl} x WHERE x.id = v.title_id)),
missing_users AS (SELECT v.ord FROM v WHERE NOT EXISTS (SELECT 1 FROM {user_tbl} x WHERE x.id = v.user_id)),
ins AS (
    INSERT INTO {ev} (event_id, user_id, title_id, kind, value, client_ts, server_ts, source)
    SELECT v.event_id, v.user_id, v.title_id, v.kind, v.value, v.client_ts, $8::timestamptz, $9::varchar FROM v
    WHERE NOT EXISTS (SELECT 1 FROM missing_titles) AND NOT EXISTS (SELECT 1 FROM missing_users)
    ORDER BY v.event_id
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
),
a AS (
    SELECT v.user_id, v.title_id, MAX({_score_case_sql("v.kind")}) AS implicit, COUNT(*) AS n,
           COUNT(*) FILTER (WHERE v.kind = 'full_watch') AS full,
           (ARRAY_AGG(v.value ORDER BY v.ord DESC) FILTER (WHERE v.kind = 'rating'))[1] AS rating,
           MIN(COALESCE(v.client_ts, $8::timestamptz)) AS first_at,
           MAX(COALESCE(v.client_ts, $8::timestamptz)) AS last_at
    FROM ins JOIN v ON v.event_id = ins.event_id
    GROUP BY v.user_id, v.title_id
),
up AS (
    INSERT INTO {it} AS t (user_id, title_id, weight, implicit_score, event_count, rating, full_watches,
                           first_at, last_at, hidden)
    SELECT a.user_id, a.title_id, {weight}, a.implicit, a.n, a.rating, a.full, a.first_at, a.last_at, FALSE
    FROM a ORDER BY a.user_id, a.title_id
    ON CONFLICT (user_id, title_id) DO UPDATE SET
        implicit_score = {new_implicit},
        event_count = t.event_count + EXCLUDED.event_count,
        full_watches = {new_full},
        rating = {new_rating},
        first_at = LEAST(t.first_at, EXCLUDED.first_at),
        last_at = GREATEST(t.last_at, EXCLUDED.last_at),
        hidden = FALSE,
        weight = {upd_weight}
    RETURNING 1
)
SELECT 't', ord, NULL::uuid FROM missing_titles
UNION ALL SELECT 'u', ord, NULL::uuid FROM missing_users
UNION ALL SELECT 'i', NULL::int, event_id FROM ins
"""


PG_CHUNK = 1000
# A server-side prepared statement per database connection, with a generic plan (`core.db.prepare_once`):
# planned once per connection instead of on every request (planning this CTE costs more than running
# it for a single event: ~1 ms vs ~0.4 ms measured).
# (Behind a transaction-pooling pgbouncer, set NETFLOOX_EVENTS_PREPARED = False.)
NETFLOOX_EVENTS_PREPARED = True
_PG_STATEMENT = None


def _pg_statement():
    global _PG_STATEMENT
    if _PG_STATEMENT is None:
        sql = _pg_record_sql()
        name = "netfloox_ingest_" + hashlib.sha1(sql.encode()).hexdigest()[:12]
        _PG_STATEMENT = (name, sql)
    return _PG_STATEMENT


def _pg_record(rows, *, source, now):
    """(inserted event ids as `UUID.int`, errors) — errors names the items whose title/viewer is missing."""
    name, sql = _pg_statement()
    inserted, errors = set(), {}
    with connection.cursor() as cur:
        prepared = prepare_once(cur, name=name, sql=sql, enabled=NETFLOOX_EVENTS_PREPARED)  # plan once
        for start in range(0, len(rows), PG_CHUNK):
            chunk = rows[start:start + PG_CHUNK]
            args = [[r.index for r in chunk], [r.event_id for r in chunk], [r.user_id for r in chunk],
                    [r.title_id for r in chunk], [r.kind for r in chunk], [r.value for r in chunk],
                    [r.client_ts for r in chunk], now, source]
            if prepared:
                cur.execute(f"EXECUTE {name} (%s, %s, %s, %s, %s, %s, %s, %s, %s)", args)
            else:
                cur.execute(_numbered_to_pyformat(sql), {f"p{i}": a for i, a in enumerate(args, 1)})
            by_index = {r.index: r for r in chunk}
            for what, ord_, eid in cur.fetchall():
                if what == "i":
                    inserted.add((eid if isinstance(eid, uuid.UUID) else uuid.UUID(str(eid))).int)
                elif what == "t":
                    r = by_index[ord_]
                    errors.setdefault(r.index, {})["title_id"] = [f"No title with id {r.title_id}."]
                else:
                    r = by_index[ord_]
                    errors.setdefault(r.index, {})["user_id"] = [f"No viewer with id {r.user_id}."]
            if errors:
                break
    return inserted, errors


def _numbered_to_pyformat(sql):
    """$1..$9 → %(p1)s.. for an unprepared execution (named parameters, each usable many times)."""
    return re.sub(r"\$(\d)", r"%(p\1)s", sql.replace("%", "%%"))


def _request_refreshes(finished: dict[int, int]) -> None:
    """Announce the viewers who finished a film in this batch ({user_id: title_id}, sorted: the
    lock order) — `interactions.signals.films_finished`, in the batch's transaction."""
    if finished:
        signals.films_finished.send(sender=events_record, requests=dict(sorted(finished.items())))


# --- services ---------------------------------------------------------------------------------
def events_record(*, events: list[dict], actor=None, source: str, allow_any_user: bool = False) -> RecordResult:
    """Validate and store a batch of events (all-or-nothing), idempotently, for any source.

    `actor` is the authenticated viewer (items without `user_id` are theirs); `allow_any_user`
    lets the caller post for other viewers (service tokens, the stream consumer, imports).
    Raises ValidationFailed (`errors={index: {field: [msg]}}`) or PermissionDenied (same shape).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown event source {source!r}")
    actor_id = getattr(actor, "pk", None)
    if actor_id is None and not allow_any_user:
        raise PermissionDenied("Recording events needs an authenticated viewer.")
    if not isinstance(events, (list, tuple)):
        raise ValidationFailed("Expected a list of events.")
    now = timezone.now()
    rows, errors = _validate_fields(events, actor_id=actor_id, allow_any_user=allow_any_user, now=now)
    if errors:  # name every bad item, including those whose title/viewer does not exist
        _raise_invalid(_reference_errors(rows, actor_id=actor_id, errors=errors), len(events))

    unique, seen = [], set()
    for r in rows:  # duplicates inside the batch: the first occurrence wins
        if r.event_id.int not in seen:
            seen.add(r.event_id.int)
            unique.append(r)
    if not unique:
        return RecordResult(stored=0, duplicates=0, event_ids=[])
    unique.sort(key=lambda r: r.event_id.int)  # lock order (see the module docstring)

    fast = connection.vendor == "postgresql"
    # One statement is its own transaction; a full_watch (refresh request) or several chunks need one.
    needs_tx = not fast or len(unique) > PG_CHUNK or any(r.kind == EventKind.FULL_WATCH for r in unique)
    try:
        with transaction.atomic() if needs_tx else contextlib.nullcontext():
            if fast:
                inserted, errors = _pg_record(unique, source=source, now=now)
                if errors:  # nothing of this chunk was inserted; roll back earlier chunks too
                    raise _Invalid(errors)
            else:
                errors = _reference_errors(unique, actor_id=actor_id, errors={})
                if errors:
                    raise _Invalid(errors)
                inserted = _insert_events(unique, source=source, now=now)
            new_rows = [r for r in unique if r.event_id.int in inserted]
            if new_rows and not fast:
                _upsert_aggregates(sorted(new_rows, key=lambda r: r.index), now)
            finished: dict[int, int] = {}
            for r in sorted(new_rows, key=lambda r: r.index):
                if r.kind == EventKind.FULL_WATCH:
                    finished[r.user_id] = r.title_id  # the latest finished film of the batch names the refresh
            _request_refreshes(finished)
            if new_rows:
                stored_count = len(new_rows)

                def count_new_interactions():  # a named function: robust on_commit logs its __qualname__
                    maybe_trigger_retrain(added=stored_count)

                transaction.on_commit(count_new_interactions, robust=True)
    except _Invalid as exc:
        _raise_invalid(exc.errors, len(events))
    except IntegrityError:  # a title/viewer deleted between the check and the insert
        errors = _reference_errors(unique, actor_id=None, errors={})
        if errors:
            _raise_invalid(errors, len(events))
        raise

    duplicates = len(rows) - len(new_rows)
    if duplicates:
        log.debug("events_record: %d duplicate(s) ignored", duplicates)
    new_rows.sort(key=lambda r: r.index)
    return RecordResult(stored=len(new_rows), duplicates=duplicates, event_ids=[str(r.event_id) for r in new_rows],
                        duplicate_ids=_duplicate_ids(rows, inserted))


class _Invalid(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _duplicate_ids(rows, inserted):
    """Event ids of the items that were not stored (already stored, or repeated in the batch)."""
    out, first = [], set()
    for r in rows:
        if r.event_id.int in inserted and r.event_id.int not in first:
            first.add(r.event_id.int)
            continue
        out.append(str(r.event_id))
    return out
