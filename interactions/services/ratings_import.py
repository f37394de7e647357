"""Imports dataset ratings (Netflix Prize, MovieLens) into `ImportedRating`: drives the chunks.

`ratings_import_bulk(source=, batches= | rows=, run=)` and `RatingsLoad` (several files, one
load) store one row per (viewer, title): the latest rating by the dataset's own date. This
module cuts the input into chunks (a helper thread parsing a chunk ahead), hands each to a store
and adds up the counts; the other jobs are beside it: loose rows → batches (`rating_rows`),
external viewer ids → viewers (`rating_viewers`, the missing created in one statement per chunk
by `accounts.services.external_viewers_ensure`), writing a chunk (`rating_stores`), the binary
COPY (`rating_copy`) and the table's key (`rating_key`). The demo's generated events take
another path (`interactions.services.events_import`).

Ratings on PostgreSQL, per chunk (200,000 rows, 4 M in a bulk load; one transaction each; memory stays flat):
  0. (helper thread) the parser turns the next block of the file into numpy arrays;
  1. external ids → viewer ids through an in-memory map of the source's viewers (sorted arrays,
     loaded once: 480,189 Netflix customers take 8 MB); the chunk's unknown ids are created first;
  2. rows of titles absent from the catalog are rejected; duplicates within the chunk keep the
     latest rating; rows are sorted by (viewer, title);
  3. the chunk is sent as one binary ``COPY`` (built with numpy: no per-row Python). During a
     bulk load outside a transaction the COPYs go through a second connection in a helper
     thread (`rating_copy._CopyWriter`), so the server ingests a chunk while this thread maps the next.
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

from collections.abc import Callable, Iterable

from django.db import connection
from django.utils import timezone

from interactions.services.rating_batch import RatingBatch
from interactions.services.rating_rows import _batches_from_rows
from interactions.services.rating_stores import _PgStore, _SqliteStore
from interactions.services.rating_viewers import _profile_field

DEFAULT_CHUNK = {"postgresql": 200_000, "sqlite": 20_000}
# A bulk load's chunks are larger and sorted by (viewer, title) before the COPY: the rows of one
# viewer then sit on a few pages per chunk instead of one page per rating (the files are
# title-major), which is what a recommendation request reads (`interactions.selectors.viewer_signal`).
# 4 M rows ≈ 25 chunks for the Netflix Prize; memory stays flat (≈ 0.2 GB per chunk in flight).
BULK_CHUNK = 4_000_000


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
