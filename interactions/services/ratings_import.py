"""Bulk ingestion of imported history: dataset ratings, and the demo's generated events.

* `ratings_import_bulk(source=, batches= | rows=, run=)` — Netflix Prize / MovieLens ratings into
  `ImportedRating` (one row per (viewer, title): the latest rating by the dataset's own date).
  Viewers are keyed by their external id and the missing ones are created in one statement per
  chunk (`accounts.services.external_viewers_ensure`).
* `events_import_bulk(key=, rows=)` — events of existing viewers (the demo seeder) into the
  event log, idempotent by a deterministic event id, folded into their `Interaction` aggregates.

Ratings on PostgreSQL, per chunk (200,000 rows, 4 M in a bulk load; one transaction each; memory stays flat):
  0. (helper thread) the parser turns the next block of the file into numpy arrays;
  1. external ids → viewer ids through an in-memory map of the source's viewers (sorted arrays,
     loaded once: 480,189 Netflix customers take 8 MB); the chunk's unknown ids are created first;
  2. rows of titles absent from the catalog are rejected; duplicates within the chunk keep the
     latest rating; rows are sorted by (viewer, title);
  3. the chunk is sent as one binary ``COPY`` (built with numpy: no per-row Python). During a
     bulk load outside a transaction the COPYs go through a second connection in a helper
     thread (`_CopyWriter`), so the server ingests a chunk while this thread maps the next.
  **First import into an empty table** ("bulk load"): the primary key is dropped, every chunk
  is COPYed straight into the table, and the key is built once at the end (a sort of the whole
  table, far cheaper than 100 M random b-tree insertions; duplicates across chunks, which the
  real data does not have, are then removed keeping the latest). An importer of several files
  keeps one bulk load across them (`RatingsLoad`: one COPY connection, one key build). A killed bulk load
  leaves the table without its key: the next import carries on loading and builds it at its end.
  **Later imports** COPY into an UNLOGGED staging table and merge set-based:
  ``INSERT … ON CONFLICT (user_id, title_id) DO UPDATE … WHERE excluded.rated_at > t.rated_at`` —
  a re-run changes nothing, a newer rating of the same pair replaces the stored one.
  One import at a time: a session advisory lock serialises concurrent ones.
SQLite: the same semantics with ``executemany`` and ``INSERT … ON CONFLICT DO UPDATE``.

Imported ratings do not touch the live `Interaction` aggregates nor trigger per-viewer refreshes;
the readers that need a viewer's whole signal combine both tables (`interactions.selectors`), and
the per-title counts are refreshed after the import (`interactions.services.stats`).
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from interactions import scoring
from interactions.models import Event, EventKind, ImportedRating, Interaction, RatingSource
from interactions.services.rating_batch import RatingBatch

log = logging.getLogger(__name__)

IMPORT_NAMESPACE = uuid.UUID("7f3c2a4e-5b1d-4c8e-9a6f-0d2b7e1c9a55")
SOURCES = ("netflix", "movielens")
SOURCE_CODES = {"netflix": RatingSource.NETFLIX, "movielens": RatingSource.MOVIELENS}
DEFAULT_CHUNK = {"postgresql": 200_000, "sqlite": 20_000}
# A bulk load's chunks are larger and sorted by (viewer, title) before the COPY: the rows of one
# viewer then sit on a few pages per chunk instead of one page per rating (the files are
# title-major), which is what a recommendation request reads (`interactions.selectors.viewer_signal`).
# 4 M rows ≈ 25 chunks for the Netflix Prize; memory stays flat (≈ 0.2 GB per chunk in flight).
BULK_CHUNK = 4_000_000
_DATE_RE = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d)?")
_EVENT = Event._meta.db_table
_INTER = Interaction._meta.db_table
_RATING = ImportedRating._meta.db_table
_RATING_COLS = "title_id, rated_at, user_id, rating_halves, source"  # the table's column order
_LOCK_KEY = 0x6E66_7261  # pg_advisory_lock key of the ratings importer ("nfra")


def import_event_id(name: str) -> uuid.UUID:
    """uuid3(IMPORT_NAMESPACE, name): the deterministic id of an imported event."""
    return uuid.uuid3(IMPORT_NAMESPACE, name)


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


# --- public API ---------------------------------------------------------------------------------
def ratings_import_bulk(*, source: str, batches: Iterable[RatingBatch] | None = None, rows: Iterable | None = None,
                        run=None, chunk_size: int | None = None, on_chunk: Callable[[dict], None] | None = None,
                        pipeline: bool = True, build_key: bool = True) -> dict:
    """Store ratings in `ImportedRating` (see the module docstring).

    `batches`: `RatingBatch`es (the parsers' numpy arrays), or `rows`: (external_user_id, title_id,
    rating 0.5–5 in 0.5 steps, rated_at: datetime | date | 'YYYY-MM-DD' | 'YYYY-MM-DDTHH:MM:SS').
    Rows with a bad rating or date, or of a title absent from the catalog, are not stored (counted
    as `rejected`; the parsers reject earlier, naming the file line, when they can).
    Returns counts: read, inserted, updated (a newer rating replaced the stored one), duplicates
    (already stored, or an older rating of a stored pair), rejected, viewers_created, seconds,
    bulk_load (True when the first-import path was taken).
    With `run` (an ImportRun), its rows_read/inserted/updated/unchanged/rejected grow too.
    `on_chunk(counts_so_far)` is called after every committed chunk (progress output).
    `build_key=False` (PostgreSQL, during a bulk load): leave the key to the next call, so that
    several calls make one bulk load with the key built once; `counts["removed_at_key_build"]`
    says how many older duplicates that build dropped. An importer of several files rather
    opens one `RatingsLoad` for all of them (one COPY connection: no file waits for the COPY of
    the one before).
    With `pipeline` (default) the input is consumed in a helper thread, a chunk ahead: parsing
    and the database then run on two cores. The input must not touch the database itself.
    """
    t0 = timezone.now()
    with RatingsLoad(source, build_key=build_key, pipeline=pipeline) as load:
        counts = load.load(batches=batches, rows=rows, chunk_size=chunk_size, on_chunk=on_chunk)
    for key, n in load.final.items():  # what the key build changed, and how long the end took
        counts[key] = counts.get(key, 0) + n
    counts["seconds"] = (timezone.now() - t0).total_seconds()
    if run is not None:
        _add_to_run(run, counts)
    return counts


class RatingsLoad:
    """One ratings import over several inputs (the files of a data set), as a context manager:
    one store, so during a bulk load one COPY connection and one key build for them all, and the
    COPY of a file's last chunk runs while the next file is parsed (one drain, at the end).

        with RatingsLoad("netflix") as load:
            for path in files:
                counts = load.load(batches=parse(path))   # this file's counts
        load.final  # the end's changes: removed_at_key_build, inserted/duplicates deltas, seconds

    `build_key=False` leaves a bulk load's key to a later import (see `ratings_import_bulk`)."""

    def __init__(self, source: str, *, build_key: bool = True, pipeline: bool = True):
        _profile_field(source)
        self.pipeline = pipeline
        self.store = (_PgStore(source, build_key=build_key) if connection.vendor == "postgresql"
                      else _SqliteStore(source))
        self.inserted = 0  # across every load: what a key build's removal is taken from
        self.final: dict = {}
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def load(self, *, batches: Iterable[RatingBatch] | None = None, rows: Iterable | None = None,
             chunk_size: int | None = None, on_chunk: Callable[[dict], None] | None = None) -> dict:
        """Store one input (`batches` or `rows`, as `ratings_import_bulk`); returns its counts."""
        if (batches is None) == (rows is None):
            raise ValueError("give either batches or rows")
        counts = {"read": 0, "inserted": 0, "updated": 0, "duplicates": 0, "rejected": 0, "viewers_created": 0}
        parsed = {"read": 0, "rejected": 0}  # rows rejected while parsing (written by the helper thread only)
        store = self.store
        size = chunk_size or (BULK_CHUNK if store.bulk else DEFAULT_CHUNK.get(connection.vendor, 20_000))
        source_batches = batches if batches is not None else _batches_from_rows(rows, size, parsed)
        chunks = _rechunk(source_batches, size)
        if self.pipeline:
            chunks = _ahead(chunks)
        try:
            for chunk in chunks:
                store.store(chunk, counts)
                if on_chunk:
                    on_chunk({**counts, "read": counts["read"] + parsed["read"],
                              "rejected": counts["rejected"] + parsed["rejected"]})
        finally:
            self.inserted += counts["inserted"]
        counts["read"] += parsed["read"]
        counts["rejected"] += parsed["rejected"]
        counts["bulk_load"] = store.bulk
        return counts

    def close(self):
        """Wait for the last COPY, build a bulk load's key (`final`: what that changed)."""
        if self._closed:
            return
        self._closed = True
        end = {"inserted": self.inserted, "duplicates": 0}
        self.store.close(end)
        self.final = {**end, "inserted": end["inserted"] - self.inserted}  # deltas, and the end's timings


def _batches_from_rows(rows, size, counts):
    """RatingBatches from (ext, title, rating, rated_at) tuples, validated one by one."""
    ext, title, halves, day, secs = [], [], [], [], []
    dates: dict = {}

    def flush():
        b = RatingBatch(np.array(ext, dtype=np.int64), np.array(title, dtype=np.int64),
                        np.array(halves, dtype=np.int16), np.array(day, dtype=np.int64),
                        np.array(secs, dtype=np.int64))
        for lst in (ext, title, halves, day, secs):
            lst.clear()
        return b

    for e, t, r, when in rows:
        v = _valid_rating(r)
        try:
            if v is None:
                raise ValueError
            parsed = dates.get(when) if isinstance(when, str) else None
            if parsed is None:
                key = _ts_key(when)
                stamp = dt.datetime.fromisoformat(key).replace(tzinfo=dt.UTC)
                seconds = int(stamp.timestamp())
                parsed = (seconds // 86400, seconds % 86400)
                if isinstance(when, str) and len(dates) < 100_000:
                    dates[when] = parsed
            e, t = int(e), int(t)
            if not (0 < e < 2**63 and 0 < t < 2**63):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            counts["rejected"] += 1
            counts["read"] += 1
            continue
        ext.append(e)
        title.append(t)
        halves.append(int(v * 2))
        day.append(parsed[0])
        secs.append(parsed[1])
        if len(ext) >= size:
            yield flush()
    if ext:
        yield flush()


def _rechunk(batches, size):
    """Batches of exactly `size` rows (the last one shorter) from batches of any size."""
    pending, n = [], 0
    for b in batches:
        while len(b):
            room = size - n
            part, b = (b, RatingBatch.empty()) if len(b) <= room else (b.take(slice(0, room)), b.take(slice(room, None)))
            pending.append(part)
            n += len(part)
            if n >= size:
                yield RatingBatch.concat(pending)
                pending, n = [], 0
    if pending:
        yield RatingBatch.concat(pending)


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
        rows_updated=F("rows_updated") + counts["updated"],
        rows_unchanged=F("rows_unchanged") + counts["duplicates"], rows_rejected=F("rows_rejected") + counts["rejected"])
    run.refresh_from_db(fields=["rows_read", "rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected"])


def _valid_rating(r):
    try:
        v = float(r)
    except (TypeError, ValueError):
        return None
    return v if scoring.RATING_MIN <= v <= scoring.RATING_MAX and v * 2 == int(v * 2) else None


# --- what both stores do to a chunk before writing it --------------------------------------------
class _ViewerMap:
    """External id → viewer id for one source (loaded once per import): sorted arrays, and for ids
    below `DENSE_MAX` (every Netflix customer id, 2.65 M at most; MovieLens') a direct table —
    one gather per chunk instead of a binary search per row (~100 ns a rating at 480 k viewers,
    10 s of the importer's main thread at 100 M)."""

    DENSE_MAX = 1 << 24  # at most 16.8 M slots of 8 bytes (the table grows with the largest id seen)

    def __init__(self, source):
        from accounts.models import Profile

        self.source, self.field = source, _profile_field(source)
        pairs = np.array(list(Profile.objects.filter(**{f"{self.field}__isnull": False})
                              .values_list(self.field, "user_id").iterator(chunk_size=50_000)),
                         dtype=np.int64).reshape(-1, 2)
        order = np.argsort(pairs[:, 0], kind="stable")
        self.ext, self.user = pairs[order, 0], pairs[order, 1]
        self.dense: np.ndarray | None = None

    def _grow(self, top: int):
        size = min(self.DENSE_MAX, max(top + 1, 2 * (0 if self.dense is None else len(self.dense))))
        self.dense = np.zeros(size, dtype=np.int64)
        inside = (self.ext >= 0) & (self.ext < size)
        self.dense[self.ext[inside]] = self.user[inside]

    def lookup(self, ext):
        if not len(ext):
            return np.zeros(0, dtype=np.int64)
        if int(ext.min()) >= 0 and int(ext.max()) < self.DENSE_MAX:
            top = int(ext.max())
            if self.dense is None or top >= len(self.dense):
                self._grow(top)
            return self.dense[ext]
        if not len(self.ext):
            return np.zeros(len(ext), dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ext, ext), len(self.ext) - 1)
        return np.where(self.ext[pos] == ext, self.user[pos], 0)

    def add(self, mapping: dict):
        if not mapping:
            return
        new_ext = np.fromiter(mapping.keys(), dtype=np.int64, count=len(mapping))
        new_user = np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping))
        ext = np.concatenate([self.ext, new_ext])
        user = np.concatenate([self.user, new_user])
        order = np.argsort(ext, kind="stable")
        self.ext, self.user = ext[order], user[order]
        if self.dense is not None:
            inside = (new_ext >= 0) & (new_ext < len(self.dense))
            self.dense[new_ext[inside]] = new_user[inside]


class _Store:
    """Maps a chunk's viewers (creating the missing), drops unknown titles and in-chunk duplicates."""

    bulk = False

    def __init__(self, source):
        from catalog.models import Title

        self.source, self.code = source, int(SOURCE_CODES[source])
        self.viewers = _ViewerMap(source)
        ids = np.fromiter(Title.objects.values_list("id", flat=True).iterator(chunk_size=50_000), dtype=np.int64)
        self.title_known = np.zeros(int(ids.max(initial=0)) + 2, dtype=bool)  # id → in the catalog
        self.title_known[ids] = True

    def prepare(self, b: RatingBatch, counts, *, dedupe=True):
        """(user, title, halves, seconds since 1970); with `dedupe`, sorted by (user, title), one row
        a pair (the latest). A bulk load skips that: its key build removes repeated pairs."""
        from accounts.services import external_viewers_ensure

        counts["read"] += len(b)
        inside = (b.title > 0) & (b.title < len(self.title_known))
        known = inside & self.title_known[np.where(inside, b.title, 0)]
        counts["rejected"] += int((~known).sum())
        if not known.all():
            b = b.take(known)
        user = self.viewers.lookup(b.ext)
        missing = np.unique(b.ext[user == 0])
        if len(missing):
            created = external_viewers_ensure(source=self.source, external_ids=missing.tolist())
            counts["viewers_created"] += len(missing)
            self.viewers.add(created)
            user = self.viewers.lookup(b.ext)
        seconds = b.day * 86400 + (b.seconds if b.seconds is not None else 0)
        if not dedupe:  # a bulk load: sorted by (viewer, title) for locality, repeated pairs left to the key build
            order = np.lexsort((b.title, user))
            return user[order], b.title[order], b.halves[order], seconds[order]
        order = np.lexsort((-seconds, b.title, user))  # by user, title, newest first
        user, title, halves, seconds = user[order], b.title[order], b.halves[order], seconds[order]
        first = np.ones(len(user), dtype=bool)
        first[1:] = (user[1:] != user[:-1]) | (title[1:] != title[:-1])
        counts["duplicates"] += int((~first).sum())  # an older rating of the same pair in the chunk
        return user[first], title[first], halves[first], seconds[first]

    def close(self, counts):
        pass


# --- PostgreSQL: binary COPY, bulk load or staged merge ------------------------------------------
_PG_EPOCH_S = 946_684_800  # 2000-01-01 in Unix seconds: PostgreSQL's timestamp epoch
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("title", ">i8"), ("l2", ">i4"), ("ts", ">i8"),
                      ("l3", ">i4"), ("user", ">i4"), ("l4", ">i4"), ("halves", ">i2"), ("l5", ">i4"),
                      ("source", ">i2")])
_PG_STAGE = "netfloox_rating_stage"


def copy_binary(title, seconds, user, halves, source: int) -> bytes:
    """A PostgreSQL binary COPY payload for rows of (title_id, rated_at, user_id, rating_halves,
    source), the table's column order: built with numpy, no per-row Python."""
    rec = np.empty(len(title), dtype=_COPY_ROW)
    rec["n"], rec["l1"], rec["l2"], rec["l3"], rec["l4"], rec["l5"] = 5, 8, 8, 4, 2, 2
    rec["title"], rec["ts"], rec["user"] = title, (seconds - _PG_EPOCH_S) * 1_000_000, user
    rec["halves"], rec["source"] = halves, source
    return _COPY_HEADER + rec.tobytes() + b"\xff\xff"


def _copy_sql(table):
    return f"COPY {table} ({_RATING_COLS}) FROM STDIN WITH (FORMAT binary)"


def _copy(cur, table, payload):
    cur.cursor.copy_expert(_copy_sql(table), io.BytesIO(payload))


def rating_table_key(cur):
    """The name of ImportedRating's primary key constraint, or None while a bulk load has it dropped."""
    cur.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [_RATING])
    row = cur.fetchone()
    return row[0] if row else None


def rating_table_build_key(cur, timings: dict | None = None) -> int:
    """(Re)build the primary key after a bulk load, first removing duplicate pairs (latest kept).
    Returns how many duplicate rows were removed; `timings` gets the seconds of the key build
    (`key_build_seconds`) and of the statistics refresh after it (`analyze_seconds`)."""
    from django.db import IntegrityError

    t = time.monotonic()
    name = f"{_RATING}_pkey"
    removed = 0
    cur.execute("SET maintenance_work_mem = '1GB'")
    try:
        with transaction.atomic():
            cur.execute(f"ALTER TABLE {_RATING} ADD CONSTRAINT {name} PRIMARY KEY (user_id, title_id)")
    except IntegrityError:
        log.warning("duplicate (viewer, title) pairs in %s: keeping the latest of each", _RATING)
        with transaction.atomic():
            cur.execute(f"""DELETE FROM {_RATING} WHERE ctid IN (
                SELECT ctid FROM (SELECT ctid, row_number() OVER (PARTITION BY user_id, title_id
                                  ORDER BY rated_at DESC, rating_halves DESC) AS rn FROM {_RATING}) d WHERE rn > 1)""")
            removed = cur.rowcount
            cur.execute(f"ALTER TABLE {_RATING} ADD CONSTRAINT {name} PRIMARY KEY (user_id, title_id)")
    cur.execute("RESET maintenance_work_mem")
    t2 = time.monotonic()
    cur.execute(f"ANALYZE {_RATING}")
    if timings is not None:
        timings["key_build_seconds"] = t2 - t
        timings["analyze_seconds"] = time.monotonic() - t2
    return removed


class _CopyWriter:
    """COPYs bulk-load payloads into the ratings table on its own connection, in a helper thread,
    one chunk behind the caller: PostgreSQL ingests chunk n while the importer prepares chunk
    n + 1 (on two cores, the import's wall time tends to the larger of the two instead of their
    sum). Each chunk is committed on its own, as the single-connection path does. Django's
    connection cannot be shared across threads, so this is a plain psycopg2 connection with the
    same parameters. Used only when the caller is not inside a transaction: a second connection
    would not see (or would wait on) the caller's uncommitted work."""

    def __init__(self, table):
        import queue
        import threading

        import psycopg2

        self.table = table
        self.conn = psycopg2.connect(**connection.get_connection_params())
        with self.conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")  # a crash loses at most the last chunks: re-run
        self.conn.commit()
        self.q: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ratings-import-copy", daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            payload = self.q.get()
            if payload is None:
                return
            if self.error is not None:
                continue  # drain: the caller raises the first error
            try:
                with self.conn.cursor() as cur:
                    # 16 MB reads: fewer round trips through Python (each takes the GIL back from
                    # the parser thread) than 1 MB ones for a chunk of ~180 MB.
                    cur.copy_expert(_copy_sql(self.table), io.BytesIO(payload), size=16 << 20)
                self.conn.commit()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                self.error = exc
                self.conn.rollback()

    def put(self, payload: bytes):
        if self.error is not None:
            raise self.error
        self.q.put(payload)

    def close(self):
        """Wait for the last COPY; re-raise the first error."""
        try:
            self.q.put(None)
            self.thread.join()
        finally:
            self.conn.close()
        if self.error is not None:
            raise self.error


class _PgStore(_Store):
    def __init__(self, source, build_key=True):
        self.build_key = build_key
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])  # one ratings import at a time
        self._locked = True
        try:
            super().__init__(source)
            with connection.cursor() as cur:
                key = rating_table_key(cur)
                cur.execute(f"SELECT EXISTS (SELECT 1 FROM {_RATING})")
                empty = not cur.fetchone()[0]
                if key is None and not empty:
                    # A bulk load is under way (an earlier file of this import) or was interrupted:
                    # carry on loading; the key build at the end keeps the latest of any repeated pair.
                    log.info("%s has no primary key yet: continuing its bulk load", _RATING)
                elif key is not None and empty:  # the first import: load, then build the key once
                    cur.execute(f"ALTER TABLE {_RATING} DROP CONSTRAINT {_q(key)}")
                self.bulk = empty or key is None
            self.writer = _CopyWriter(_RATING) if self.bulk and not connection.in_atomic_block else None
        except BaseException:
            self.close()
            raise

    def store(self, b, counts):
        user, title, halves, seconds = self.prepare(b, counts, dedupe=not self.bulk)
        if not len(user):
            return
        payload = copy_binary(title, seconds, user, halves, self.code)
        if self.writer is not None:
            self.writer.put(payload)
            counts["inserted"] += len(user)
            return
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")  # a crash loses at most the last chunks: re-run
            if self.bulk:
                _copy(cur, _RATING, payload)
                counts["inserted"] += len(user)
                return
            cur.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS {_PG_STAGE} (LIKE {_RATING} INCLUDING DEFAULTS)")
            cur.execute(f"TRUNCATE {_PG_STAGE}")
            _copy(cur, _PG_STAGE, payload)
            cur.execute(f"""WITH up AS (
                INSERT INTO {_RATING} AS t ({_RATING_COLS})
                SELECT {_RATING_COLS} FROM {_PG_STAGE}
                ON CONFLICT (user_id, title_id) DO UPDATE SET rated_at = excluded.rated_at,
                    rating_halves = excluded.rating_halves, source = excluded.source
                WHERE excluded.rated_at > t.rated_at
                RETURNING (xmax = 0) AS inserted)
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up""")
            inserted, updated = cur.fetchone()
        counts["inserted"] += inserted
        counts["updated"] += updated
        counts["duplicates"] += len(user) - inserted - updated

    def close(self, counts=None):
        writer, self.writer = getattr(self, "writer", None), None
        if writer is not None:
            t = time.monotonic()
            try:
                writer.close()
            except BaseException:
                self._unlock()
                raise
            if counts is not None:  # the COPY still running when the input ended
                counts["copy_drain_seconds"] = time.monotonic() - t
        try:
            with connection.cursor() as cur:
                if self.bulk and self.build_key:
                    removed = rating_table_build_key(cur, counts)
                    if counts is not None:  # pairs repeated across chunks: the older ones were not kept
                        counts["removed_at_key_build"] = removed
                        counts["inserted"] -= min(removed, counts["inserted"])
                        counts["duplicates"] += removed
                    cur.execute(f"DROP TABLE IF EXISTS {_PG_STAGE}")
        except Exception:  # noqa: BLE001 - the next import repairs a missing key
            log.exception("could not finish the ratings import's bulk load; the next import will")
        self._unlock()

    def _unlock(self):
        if getattr(self, "_locked", False):
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
            self._locked = False


# --- SQLite: executemany + ON CONFLICT ------------------------------------------------------------
class _SqliteStore(_Store):
    def store(self, b, counts):
        user, title, halves, seconds = self.prepare(b, counts)
        if not len(user):
            return
        stamps = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")  # naive UTC, Django's format
        rows = list(zip(title.tolist(), np.char.replace(stamps, "T", " ").tolist(), user.tolist(), halves.tolist(),
                        [self.code] * len(user), strict=True))
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {_RATING}")
            before = cur.fetchone()[0]
            raw = connection.connection
            changes = raw.total_changes
            cur.cursor.executemany(
                f"INSERT INTO {_RATING} ({_RATING_COLS}) VALUES (?, ?, ?, ?, ?) "
                f"ON CONFLICT (user_id, title_id) DO UPDATE SET rated_at = excluded.rated_at, "
                f"rating_halves = excluded.rating_halves, source = excluded.source "
                f"WHERE excluded.rated_at > {_RATING}.rated_at", rows)
            written = raw.total_changes - changes
            cur.execute(f"SELECT count(*) FROM {_RATING}")
            inserted = cur.fetchone()[0] - before
        counts["inserted"] += inserted
        counts["updated"] += written - inserted
        counts["duplicates"] += len(user) - written


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
