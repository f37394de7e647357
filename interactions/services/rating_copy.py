"""PostgreSQL's binary COPY of ratings: the payload (built with numpy) and how it is sent.

`copy_binary` packs a chunk's arrays into one binary ``COPY`` payload (no per-row Python);
`_copy` sends it on Django's connection; `_CopyWriter` sends the payloads of a bulk load on a
second connection, in a helper thread, one chunk behind the caller.
"""
from __future__ import annotations

import io

import numpy as np
from django.db import connection

_RATING_COLS = "title_id, rated_at, user_id, rating_halves, source"  # the table's column order
_PG_EPOCH_S = 946_684_800  # 2000-01-01 in Unix seconds: PostgreSQL's timestamp epoch
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("title", ">i8"), ("l2", ">i4"), ("ts", ">i8"),
                      ("l3", ">i4"), ("user", ">i4"), ("l4", ">i4"), ("halves", ">i2"), ("l5", ">i4"),
                      ("source", ">i2")])


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
