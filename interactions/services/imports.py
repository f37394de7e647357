"""Bulk ingestion of imported events (Netflix Prize / MovieLens ratings, the demo's generated history).

Two entry points:

* `ratings_import_bulk(source=, rows=, run=)` — rows of (external user id, title id, rating,
  rated_at). Viewers are keyed by their external id (`accounts.services.external_viewers_ensure`
  creates the missing ones), every rating becomes an `Event(kind="rating", source="import")`.
* `events_import_bulk(key=, rows=)` — rows of (user id, title id, kind, value, ts) for viewers
  that exist (the demo seeder).

Both are idempotent: an event's id is DETERMINISTIC — ``uuid3(IMPORT_NAMESPACE,
"<source>:<external user>:<title id>:<rated_at>")`` for ratings (``"<key>:<user>:<title>:<kind>:<ts>"``
for events) — so a re-import stores nothing twice. uuid3 (MD5) rather than uuid5 (SHA-1): half
the hashing cost, and PostgreSQL can compute the same id natively (``md5()``) if ever needed. The
ids are computed in Python, in the helper thread that parses the file, because the database
server is the bottleneck: measured, computing them in SQL cost the server ~10 µs per row.

Per chunk (one transaction each; memory stays flat whatever the file size):

PostgreSQL
  0. (helper thread) parse, validate, hash the event ids, build the COPY buffer of the next chunk;
  1. ``COPY`` the chunk into a TEMP staging table (psycopg2 ``copy_expert``);
  2. viewers not known yet: one ``SELECT DISTINCT … WHERE NOT EXISTS`` → external_viewers_ensure;
  3. one statement: ``INSERT INTO interactions_event … SELECT … ON CONFLICT (event_id) DO NOTHING
     RETURNING …`` feeding ``INSERT INTO interactions_interaction … ON CONFLICT (user_id, title_id)
     DO UPDATE`` — so only the events really stored move the aggregates (weight through
     `interactions.scoring.WEIGHT_SQL`), with ``synchronous_commit`` off for the chunk.
SQLite
  the same steps with ``executemany`` into a TEMP table, the ids computed in Python, and
  MIN/MAX instead of LEAST/GREATEST.

Aggregates: `rating` is the latest rating (by `rated_at`; a stored rating newer than the
imported ones is kept), `event_count` grows by the events stored, `first_at`/`last_at` widen,
a hidden aggregate is un-hidden (as for live events); implicit signals are left untouched.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from interactions import scoring
from interactions.models import Event, EventKind, Interaction

IMPORT_NAMESPACE = uuid.UUID("7f3c2a4e-5b1d-4c8e-9a6f-0d2b7e1c9a55")
_NS = IMPORT_NAMESPACE.bytes
SOURCES = ("netflix", "movielens")
DEFAULT_CHUNK = {"postgresql": 200_000, "sqlite": 20_000}
_DATE_RE = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d)?")
_EVENT = Event._meta.db_table
_INTER = Interaction._meta.db_table


def import_event_id(name: str) -> uuid.UUID:
    """uuid3(IMPORT_NAMESPACE, name) — identical to the SQL expression used on PostgreSQL."""
    return uuid.uuid3(IMPORT_NAMESPACE, name)


def rating_event_id(*, source: str, external_user_id: int, title_id: int, rated_at) -> uuid.UUID:
    return import_event_id(f"{source}:{int(external_user_id)}:{int(title_id)}:{_ts_key(rated_at)}")


def _ts_key(value) -> str:
    """The canonical text of a rating time: 'YYYY-MM-DD' for a date, 'YYYY-MM-DDTHH:MM:SS' (UTC) else."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        (dt.datetime.fromisoformat if len(value) > 10 else dt.date.fromisoformat)(value)  # raises if impossible
        return value
    raise ValueError(f"not a date: {value!r}")


def _profile_field(source):
    try:
        return {"netflix": "netflix_customer_id", "movielens": "movielens_user_id"}[source]
    except KeyError:
        raise ValueError(f"unknown rating source {source!r}; expected one of {', '.join(SOURCES)}")


def _q(name):
    return connection.ops.quote_name(name)


def _greatest_least():
    return ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")


def _aggregate_on_conflict():
    """ON CONFLICT clause folding new rating rows into an existing aggregate."""
    greatest, least = _greatest_least()
    new_rating = "CASE WHEN t.rating IS NULL OR excluded.last_at >= t.last_at THEN excluded.rating ELSE t.rating END"
    weight = scoring.WEIGHT_SQL.format(rating=f"({new_rating})", implicit="t.implicit_score", full="t.full_watches")
    if connection.vendor != "postgresql":
        weight = weight.replace("GREATEST(", "MAX(").replace("LEAST(", "MIN(")
    return (f"ON CONFLICT (user_id, title_id) DO UPDATE SET "
            f"rating = {new_rating}, "
            f"event_count = t.event_count + excluded.event_count, "
            f"first_at = {least}(t.first_at, excluded.first_at), "
            f"last_at = {greatest}(t.last_at, excluded.last_at), "
            f"hidden = excluded.hidden, "
            f"weight = {weight}")


# --- public API ---------------------------------------------------------------------------------
def ratings_import_bulk(*, source: str, rows: Iterable, run=None, chunk_size: int | None = None,
                        on_chunk: Callable[[dict], None] | None = None, pipeline: bool = True) -> dict:
    """Store ratings as `rating` events (source `import`) and upsert their aggregates.

    rows: iterable of (external_user_id: int, title_id: int, rating: float, rated_at: datetime |
    date | 'YYYY-MM-DD' | 'YYYY-MM-DDTHH:MM:SS'); consumed lazily, chunk by chunk.
    Rows with a rating outside 0.5–5 (steps of 0.5), a bad date or an unknown title are not
    stored (counted as `rejected`; the caller validates earlier when it can name a file line).
    Returns counts: read, inserted (events stored), duplicates (already stored), rejected,
    viewers_created, interactions (aggregates inserted or updated), seconds.
    With `run` (an ImportRun), its rows_read/inserted/unchanged/rejected are increased too.
    `on_chunk(counts_so_far)` is called after every committed chunk (progress output).

    With `pipeline` (default), `rows` is consumed and each chunk prepared (validated, event ids
    hashed, COPY buffer built) in a helper thread while the database stores the previous chunk:
    parsing and the database server then run on two cores at once. The rows iterable must not
    touch the database itself (the importers' parsers don't).
    """
    field = _profile_field(source)
    size = chunk_size or DEFAULT_CHUNK.get(connection.vendor, 20_000)
    counts = {"read": 0, "inserted": 0, "duplicates": 0, "rejected": 0, "viewers_created": 0, "interactions": 0}
    t0 = timezone.now()
    pg = connection.vendor == "postgresql"
    prepare = _Prepare(source, pg)
    store = _pg_store if pg else _sqlite_store
    chunks = _chunks(rows, size, prepare)
    if pipeline:
        chunks = _ahead(chunks)
    for prepared in chunks:
        store(source, field, prepared, counts)
        if on_chunk:
            on_chunk(dict(counts))
    counts["seconds"] = (timezone.now() - t0).total_seconds()
    if run is not None:
        _add_to_run(run, counts)
    return counts


def _chunks(rows, size, prepare):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield prepare(batch)
            batch = []
    if batch:
        yield prepare(batch)


def _ahead(iterable, depth: int = 2):
    """Run `iterable` in a helper thread, `depth` items ahead of the consumer (errors re-raised here)."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce():
        try:
            for item in iterable:
                while not stop.is_set():
                    try:
                        q.put((None, item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((None, done))
        except BaseException as exc:  # noqa: B036 - handed to the consumer, which re-raises it
            q.put((exc, None))

    thread = threading.Thread(target=produce, name="ratings-import-parser", daemon=True)
    thread.start()
    try:
        while True:
            exc, item = q.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.1)


def _add_to_run(run, counts):
    from django.db.models import F

    from catalog.models import ImportRun

    ImportRun.objects.filter(pk=run.pk).update(
        rows_read=F("rows_read") + counts["read"], rows_inserted=F("rows_inserted") + counts["inserted"],
        rows_unchanged=F("rows_unchanged") + counts["duplicates"], rows_rejected=F("rows_rejected") + counts["rejected"])
    run.refresh_from_db(fields=["rows_read", "rows_inserted", "rows_unchanged", "rows_rejected"])


def _valid_rating(r):
    try:
        v = float(r)
    except (TypeError, ValueError):
        return None
    return v if scoring.RATING_MIN <= v <= scoring.RATING_MAX and v * 2 == int(v * 2) else None


def _ensure_viewers(source, missing, counts):
    from accounts.services import external_viewers_ensure

    missing = sorted(missing)
    for i in range(0, len(missing), 5000):
        external_viewers_ensure(source=source, external_ids=missing[i:i + 5000])
    counts["viewers_created"] += len(missing)


# --- preparing a chunk (no database access: runs in the helper thread) ----------------------------
_V3_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_V3_BITS = (0x3 << 76) | (0x2 << 62)


def _uuid3_hex(name: str) -> str:
    """uuid3(IMPORT_NAMESPACE, name) as 32 hex digits (what uuid.uuid3 computes, without the object)."""
    h = int.from_bytes(hashlib.md5(_NS + name.encode()).digest(), "big")
    return f"{(h & _V3_MASK) | _V3_BITS:032x}"


class _Prepared:
    __slots__ = ("payload", "read", "rejected", "staged")

    def __init__(self, payload, read, rejected, staged):
        self.payload, self.read, self.rejected, self.staged = payload, read, rejected, staged


class _Prepare:
    """Validate a chunk and compute its event ids; PostgreSQL gets a COPY buffer, SQLite tuples."""

    def __init__(self, source, pg):
        self.source, self.pg = source, pg
        self.dates: set = set()  # date strings already validated (a few thousand distinct days at most)

    def __call__(self, batch) -> _Prepared:
        src, dates, pg = self.source, self.dates, self.pg
        out = io.StringIO() if pg else []
        put = out.write if pg else out.append
        rejected = 0
        for ext, title_id, rating, rated_at in batch:
            v = _valid_rating(rating)
            try:
                if v is None:
                    raise ValueError
                if rated_at in dates:
                    key = rated_at
                else:
                    key = _ts_key(rated_at)
                    if type(rated_at) is str and len(key) == 10:
                        dates.add(key)
                ext, title_id = int(ext), int(title_id)
                if not (0 < ext < 2**63 and 0 < title_id < 2**63):
                    raise ValueError
            except (TypeError, ValueError, OverflowError):
                rejected += 1
                continue
            eid = _uuid3_hex(f"{src}:{ext}:{title_id}:{key}")
            if pg:
                put(f"{eid}\t{ext}\t{title_id}\t{v}\t{key}\n")
            else:
                put((eid, ext, title_id, v, _sqlite_ts(key)))
        if pg:
            out.seek(0)
        return _Prepared(out, len(batch), rejected, len(batch) - rejected)


# --- PostgreSQL: COPY + set-based SQL ----------------------------------------------------------
_PG_STAGE = "netfloox_rating_stage"


def copy_into_stage(cur, buf) -> None:
    """COPY a tab-separated buffer into the staging table (psycopg2 copy_expert)."""
    cur.cursor.copy_expert(f"COPY {_PG_STAGE} (event_id, ext, title_id, rating, rated_at) FROM STDIN", buf)


def _pg_store(source, field, prep: _Prepared, counts):
    counts["read"] += prep.read
    counts["rejected"] += prep.rejected
    if not prep.staged:
        return
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")  # a crash loses at most the last chunks: re-run
        cur.execute("SET LOCAL work_mem = '256MB'")  # hash joins and sorts of a chunk stay in memory
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_PG_STAGE} (event_id uuid NOT NULL, ext bigint NOT NULL, "
                    f"title_id bigint NOT NULL, rating real NOT NULL, rated_at text NOT NULL)")
        cur.execute(f"TRUNCATE {_PG_STAGE}")
        copy_into_stage(cur, prep.payload)
        cur.execute(f"ANALYZE {_PG_STAGE}")
        cur.execute(f"SELECT DISTINCT s.ext FROM {_PG_STAGE} s WHERE NOT EXISTS "
                    f"(SELECT 1 FROM accounts_profile p WHERE p.{field} = s.ext) "
                    f"AND EXISTS (SELECT 1 FROM catalog_title ct WHERE ct.id = s.title_id)")
        missing = [r[0] for r in cur.fetchall()]
        if missing:
            _ensure_viewers(source, missing, counts)
        # Rows go in (user, title) order: the (user, title) indexes of both tables are then filled
        # in one sweep instead of at random pages.
        cur.execute(
            f"""WITH ins AS (
                INSERT INTO {_EVENT} (event_id, user_id, title_id, kind, value, client_ts, server_ts, source)
                SELECT s.event_id, p.user_id, s.title_id, 'rating', s.rating,
                       (s.rated_at || CASE WHEN length(s.rated_at) = 10 THEN ' 00:00:00' ELSE '' END
                        || '+00')::timestamptz, now(), 'import'
                FROM {_PG_STAGE} s
                JOIN accounts_profile p ON p.{field} = s.ext
                JOIN catalog_title ct ON ct.id = s.title_id
                ORDER BY p.user_id, s.title_id
                ON CONFLICT (event_id) DO NOTHING
                RETURNING user_id, title_id, value, client_ts
            ), agg AS (
                SELECT user_id, title_id, count(*) AS n, min(client_ts) AS first_at, max(client_ts) AS last_at,
                       (array_agg(value ORDER BY client_ts DESC, value DESC))[1] AS rating
                FROM ins GROUP BY user_id, title_id
            ), up AS (
                INSERT INTO {_INTER} AS t (user_id, title_id, weight, implicit_score, event_count, rating,
                                           full_watches, first_at, last_at, hidden)
                SELECT user_id, title_id, rating, 0, n, rating, 0, first_at, last_at, false FROM agg
                ORDER BY user_id, title_id
                {_aggregate_on_conflict()}
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM {_PG_STAGE}), (SELECT coalesce(sum(n), 0)::bigint FROM agg),
                   (SELECT count(*) FROM up),
                   (SELECT count(*) FROM {_PG_STAGE} s WHERE NOT EXISTS
                       (SELECT 1 FROM catalog_title ct WHERE ct.id = s.title_id))""")
        staged, inserted, touched, unknown_title = cur.fetchone()
    counts["inserted"] += inserted
    counts["interactions"] += touched
    counts["rejected"] += unknown_title
    counts["duplicates"] += staged - unknown_title - inserted


# --- SQLite: executemany + the same set-based SQL ------------------------------------------------
_SQ_STAGE = "netfloox_rating_stage"


def _sqlite_ts(key: str) -> str:
    """Django's SQLite datetime storage (naive UTC text) for a canonical rating time."""
    return key + " 00:00:00" if len(key) == 10 else key.replace("T", " ")


def _sqlite_store(source, field, prep: _Prepared, counts):
    counts["read"] += prep.read
    counts["rejected"] += prep.rejected
    if not prep.staged:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_SQ_STAGE} (event_id text PRIMARY KEY, ext integer, "
                    f"title_id integer, rating real, ts text)")
        cur.execute(f"DELETE FROM {_SQ_STAGE}")
        cur.cursor.executemany(f"INSERT OR IGNORE INTO {_SQ_STAGE} VALUES (?, ?, ?, ?, ?)", prep.payload)
        cur.execute(f"SELECT count(*) FROM {_SQ_STAGE}")
        n_staged = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {_SQ_STAGE} s WHERE NOT EXISTS "
                    f"(SELECT 1 FROM catalog_title ct WHERE ct.id = s.title_id)")
        unknown_title = cur.fetchone()[0]
        cur.execute(f"DELETE FROM {_SQ_STAGE} WHERE EXISTS (SELECT 1 FROM {_EVENT} e "
                    f"WHERE e.event_id = {_SQ_STAGE}.event_id) OR NOT EXISTS "
                    f"(SELECT 1 FROM catalog_title ct WHERE ct.id = {_SQ_STAGE}.title_id)")
        cur.execute(f"SELECT DISTINCT s.ext FROM {_SQ_STAGE} s WHERE NOT EXISTS "
                    f"(SELECT 1 FROM accounts_profile p WHERE p.{field} = s.ext)")
        missing = [r[0] for r in cur.fetchall()]
        if missing:
            _ensure_viewers(source, missing, counts)
        cur.execute(f"INSERT INTO {_EVENT} (event_id, user_id, title_id, kind, value, client_ts, server_ts, source) "
                    f"SELECT s.event_id, p.user_id, s.title_id, 'rating', s.rating, s.ts, %s, 'import' "
                    f"FROM {_SQ_STAGE} s JOIN accounts_profile p ON p.{field} = s.ext "
                    f"ORDER BY p.user_id, s.title_id", [now])
        inserted = cur.rowcount
        cur.execute(
            f"""INSERT INTO {_INTER} AS t (user_id, title_id, weight, implicit_score, event_count, rating,
                                         full_watches, first_at, last_at, hidden)
                SELECT user_id, title_id, rating, 0, n, rating, 0, first_at, last_at, 0 FROM (
                    SELECT p.user_id, s.title_id, count(*) OVER w AS n, min(s.ts) OVER w AS first_at,
                           max(s.ts) OVER w AS last_at, first_value(s.rating) OVER
                               (PARTITION BY p.user_id, s.title_id ORDER BY s.ts DESC, s.rating DESC) AS rating,
                           row_number() OVER (PARTITION BY p.user_id, s.title_id ORDER BY s.ts DESC) AS rn
                    FROM {_SQ_STAGE} s JOIN accounts_profile p ON p.{field} = s.ext
                    WINDOW w AS (PARTITION BY p.user_id, s.title_id)
                ) WHERE rn = 1
                {_aggregate_on_conflict()}""")
        touched = cur.rowcount
    counts["inserted"] += inserted
    counts["interactions"] += touched
    counts["rejected"] += unknown_title
    counts["duplicates"] += n_staged - unknown_title - inserted + (prep.staged - n_staged)


# --- generic events (the demo seeder) -------------------------------------------------------------
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
    weight = scoring.WEIGHT_SQL.format(rating=f"({new_rating})", implicit=new_implicit, full=new_full)
    if connection.vendor != "postgresql":
        weight = weight.replace("GREATEST(", "MAX(").replace("LEAST(", "MIN(")
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
