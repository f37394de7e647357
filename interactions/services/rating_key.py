"""ImportedRating's primary key around a bulk load: is it there, and (re)building it at the end.

A bulk load drops the key and builds it once at the end (a sort of the whole table), removing
repeated (viewer, title) pairs first (the latest kept), then refreshes the table's statistics.
"""
from __future__ import annotations

import logging
import time

from django.db import transaction

from interactions.models import ImportedRating

log = logging.getLogger(__name__)

_RATING = ImportedRating._meta.db_table


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
