"""Writes a chunk of ratings into `ImportedRating`: one store per database, the same semantics.

`_Store.prepare` is what both do to a chunk first (titles absent from the catalog rejected,
external ids mapped to viewers — the missing ones created —, in-chunk duplicates dropped).
`_PgStore`: a bulk load (COPY straight into a table without its key) or a staged merge (COPY
into an UNLOGGED table, then one ``INSERT … ON CONFLICT … DO UPDATE``), one import at a time
(a session advisory lock). `_SqliteStore`: ``executemany`` of the same upsert.
"""
from __future__ import annotations

import logging
import time

import numpy as np
from django.db import connection, transaction

from interactions.models import ImportedRating, RatingSource
from interactions.services.rating_batch import RatingBatch
from interactions.services.rating_copy import _RATING_COLS, _copy, _CopyWriter, copy_binary
from interactions.services.rating_key import rating_table_build_key, rating_table_key
from interactions.services.rating_viewers import _ViewerMap

log = logging.getLogger(__name__)

SOURCE_CODES = {"netflix": RatingSource.NETFLIX, "movielens": RatingSource.MOVIELENS}
_RATING = ImportedRating._meta.db_table
_LOCK_KEY = 0x6E66_7261  # pg_advisory_lock key of the ratings importer ("nfra")
_PG_STAGE = "netfloox_rating_stage"


def _q(name):
    return connection.ops.quote_name(name)


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
