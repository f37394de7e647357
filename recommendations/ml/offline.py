"""Batch recommendations from files (behind ``manage.py recommend_offline``).

Trains the same pipeline as production (validation search + final fit, fixed seeds) on a
ratings file, then writes ``user_id,item_id,rank`` (rank 1 = best) for every listed user,
excluding the items that user has in the ratings file. Users absent from the ratings get the
most popular items. Only items with at least one rating are recommended.
"""
from __future__ import annotations

import csv
import os
import tempfile
import time

import numpy as np

from .data import DataFormatError, canonical_id, item_feature_strings, read_items, read_ratings, sibling_items_path
from .matrix import build_interactions
from .recommender import HybridParams
from .train import train_recommender


def write_csv_atomically(out_path, header, rows) -> int:
    """Write ``header`` then ``rows`` to ``out_path`` through a temporary file in the same folder,
    moved into place only when complete (a failure leaves no partial file). Returns the rows."""
    out_path = os.path.abspath(str(out_path))
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".offline-", suffix=".csv", dir=os.path.dirname(out_path))
    n = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for row in rows:
                w.writerow(row)
                n += 1
        os.replace(tmp, out_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n


def read_user_list(path) -> list[str]:
    """User ids, one per line (blank lines skipped, an optional ``userId``-like header line)."""
    path = str(path)
    if not os.path.exists(path):
        raise DataFormatError(path, None, "file", "no such file")
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            s = line.strip().split(",")[0].strip()
            if not s:
                continue
            if n == 1 and s.lower() in ("userid", "user_id", "user", "users"):
                continue
            out.append(canonical_id(s))
    return list(dict.fromkeys(out))


def _read_training_files(ratings_path, items_path):
    """(ratings table, item features or None, interaction matrix) from the files, the item file
    defaulting to the one next to the ratings."""
    table = read_ratings(ratings_path)
    items_path = items_path or sibling_items_path(ratings_path)
    features = item_feature_strings(read_items(items_path)) if items_path else None
    m = build_interactions(table.users, table.items, table.ratings, timestamps=table.timestamps)
    return table, features, m


def recommend_offline(ratings_path, users_path, out_path, *, items_path=None, k: int = 10,
                      params: HybridParams | None = None, search: bool = True, on_epoch=None, log=None) -> dict:
    """Train on ``ratings_path`` and write the top-``k`` CSV; returns a summary dict."""
    say = log or (lambda msg: None)
    if k < 1:
        raise ValueError("k must be at least 1")
    t0 = time.perf_counter()
    table, features, m = _read_training_files(ratings_path, items_path)
    users = read_user_list(users_path)
    say(f"read {len(table)} ratings, {len(features or {})} item descriptions, {len(users)} users")
    model, report = train_recommender(m, item_features=features, params=params, search=search, on_epoch=on_epoch)
    say(f"trained in {report['seconds']:.1f}s with {model.params.to_dict()}")
    idx = m.users.indices(users)
    known = idx >= 0
    tops = model.recommend_batch(idx[known], k) if known.any() else np.zeros((0, k), dtype=np.int64)
    popular = [i for i, _ in model.most_popular(k)]
    def rows():
        j = 0
        for user, is_known in zip(users, known, strict=True):
            if is_known:
                rec = [int(i) for i in tops[j] if i >= 0]
                j += 1
            else:
                rec = popular
            for rank, i in enumerate(rec, start=1):
                yield user, m.items[i], rank

    rows_written = write_csv_atomically(out_path, ["user_id", "item_id", "rank"], rows())
    return {"users": len(users), "known_users": int(known.sum()), "popular_fallback": int((~known).sum()),
            "rows": rows_written, "seconds": time.perf_counter() - t0, "train_seconds": report["seconds"],
            "params": model.params.to_dict(), "validation": report.get("search", {}).get("chosen"),
            "ratings": len(table), "items": int(model.warm.sum())}


def read_queries(path) -> list[tuple[str, list[str]]]:
    """``query_id,item_ids`` CSV (header required; ids separated by ``|``) → [(query id, item ids)].
    A malformed row is a :class:`DataFormatError` naming the file, line and field."""
    path = str(path)
    if not os.path.exists(path):
        raise DataFormatError(path, None, "file", "no such file")
    out, seen = [], set()
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise DataFormatError(path, 1, "header", "empty file: expected the header query_id,item_ids")
        cols = [c.strip().lstrip("\ufeff").lower() for c in header]
        if "query_id" not in cols or "item_ids" not in cols:
            raise DataFormatError(path, 1, "header", f"expected the columns query_id,item_ids, got {','.join(header)}")
        qi, ii = cols.index("query_id"), cols.index("item_ids")
        for row in reader:
            line = reader.line_num
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) <= max(qi, ii):
                raise DataFormatError(path, line, "item_ids", f"expected {len(cols)} columns, got {len(row)}")
            qid = row[qi].strip()
            if not qid:
                raise DataFormatError(path, line, "query_id", "empty")
            if qid in seen:
                raise DataFormatError(path, line, "query_id", f"{qid!r} appears twice")
            seen.add(qid)
            items = [canonical_id(x) for x in row[ii].split("|") if x.strip()]
            if not items:
                raise DataFormatError(path, line, "item_ids", "no item id (ids are separated by |)")
            out.append((qid, list(dict.fromkeys(items))))
    return out


def liked_offline(ratings_path, queries_path, out_path, *, items_path=None, k: int = 5,
                  params: HybridParams | None = None, search: bool = True, log=None) -> dict:
    """"Films I liked → k films" from files: train once (the production pipeline, as
    :func:`recommend_offline`), then answer every query from the model
    (``Recommender.recommend_for_items``, no retraining) and write ``query_id,item_id,rank``.
    A query's own items are never in its answer; ids unknown to the ratings are ignored, and a
    query with none known gets the most popular items."""
    say = log or (lambda msg: None)
    if k < 1:
        raise ValueError("k must be at least 1")
    t0 = time.perf_counter()
    queries = read_queries(queries_path)
    table, features, m = _read_training_files(ratings_path, items_path)
    say(f"read {len(table)} ratings, {len(features or {})} item descriptions, {len(queries)} queries")
    model, report = train_recommender(m, item_features=features, params=params, search=search)
    say(f"trained in {report['seconds']:.1f}s; \"I liked\" knobs {model.params.liked}")
    counts = {"unknown": 0, "fallback": 0}

    def rows():
        for qid, items in queries:
            idx = m.items.indices(items)
            counts["unknown"] += int((idx < 0).sum())
            known = idx[idx >= 0]
            if len(known):
                rec = [j for j, _, _ in model.recommend_for_items(known, k=k)]
            else:
                counts["fallback"] += 1
                rec = [j for j, _ in model.most_popular(k)]
            for rank, j in enumerate(rec, start=1):
                yield qid, m.items[j], rank

    rows_written = write_csv_atomically(out_path, ["query_id", "item_id", "rank"], rows())
    unknown_items, fallback = counts["unknown"], counts["fallback"]
    return {"queries": len(queries), "rows": rows_written, "unknown_items": unknown_items,
            "popular_fallback": fallback, "seconds": time.perf_counter() - t0, "train_seconds": report["seconds"],
            "liked_params": model.params.liked, "ratings": len(table)}
