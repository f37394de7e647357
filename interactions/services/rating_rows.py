"""Turns loose rating rows (external user id, title id, stars, when) into validated `RatingBatch`es.

The path of the callers that have Python tuples rather than the parsers' numpy arrays (the
MovieLens importer, tests): each row's rating and date are checked, a bad row is counted as
rejected, the others are packed into arrays of `size` rows.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
from django.utils import timezone

from interactions import scoring
from interactions.services.rating_batch import RatingBatch

_DATE_RE = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d)?")


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


def _valid_rating(r):
    try:
        v = float(r)
    except (TypeError, ValueError):
        return None
    return v if scoring.RATING_MIN <= v <= scoring.RATING_MAX and v * 2 == int(v * 2) else None
