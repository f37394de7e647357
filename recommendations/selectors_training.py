"""Reads that feed the recommender: interactions and item/user feature strings.

Feature strings are the vocabulary of the hybrid model (`recommendations/ml/features.py`):
`genre:<slug>`, `type:<title_type>`, `decade:<1990s>`, `director:<id>`, `actor:<id>` (top-billed
cast), `writer:<id>`, `country:<code>`, `keyword:<id>`. People and keywords that appear on a
single title carry no collaborative information and are dropped (they would only add noise).
"""
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count

from accounts.models import Profile
from catalog.models import CAST_CATEGORIES, Credit, CreditCategory, Title
from interactions.selectors import signal_sql

MAIN_CAST = 4  # credits with ordering below this count as "main cast"


class _BinaryRows:
    """File-like sink for ``COPY (…) TO STDOUT (FORMAT binary)`` of (int8, int8, float8) rows.

    Every row of that statement has the same size (2-byte field count, then three 4-byte lengths
    and 8-byte values: 38 bytes), so a chunk of complete rows is read with one ``np.frombuffer``
    — no Python object per row. Replaces ``cursor.fetchmany`` (a tuple and three Python numbers
    per row, ≈ 1 µs each: 100 s for the Netflix Prize's 100 M ratings).
    """

    ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("user", ">i8"), ("l2", ">i4"), ("title", ">i8"),
                    ("l3", ">i4"), ("weight", ">f8")])
    HEADER = 19  # signature (11) + flags (4) + header extension length (4)

    def __init__(self, progress=None, every=5_000_000, chunk_rows=200_000):
        self.buf = bytearray()
        self.chunk_bytes = max(1, chunk_rows) * self.ROW.itemsize
        self.users, self.titles, self.weights = [], [], []
        self.rows, self._header, self.progress, self.every, self._next = 0, False, progress, every, every

    def write(self, data):
        self.buf += data
        if not self._header and len(self.buf) >= self.HEADER:
            if bytes(self.buf[:11]) != b"PGCOPY\n\xff\r\n\x00":
                raise ValueError("not a PostgreSQL binary COPY stream")
            ext = int.from_bytes(self.buf[15:19], "big")
            del self.buf[:self.HEADER + ext]
            self._header = True
        if self._header and len(self.buf) >= self.chunk_bytes:
            self._drain()
        return len(data)

    def _drain(self):
        n = len(self.buf) // self.ROW.itemsize
        if n == 0:
            return
        size = n * self.ROW.itemsize
        chunk = bytes(self.buf[:size])  # a copy: a live numpy view would pin the bytearray's size
        del self.buf[:size]
        a = np.frombuffer(chunk, dtype=self.ROW)
        if (a["n"] != 3).any():  # the trailer (-1) only ever comes last, in `finish`
            raise ValueError("unexpected row in the binary COPY stream")
        self.users.append(a["user"].astype(np.int64))
        self.titles.append(a["title"].astype(np.int64))
        self.weights.append(a["weight"].astype(np.float32))
        self.rows += n
        if self.progress and self.rows >= self._next:
            self.progress(self.rows)
            self._next += self.every

    def finish(self):
        if self.buf[-2:] == b"\xff\xff":
            del self.buf[-2:]
        self._drain()
        if self.buf:
            raise ValueError(f"{len(self.buf)} trailing bytes in the binary COPY stream")
        return TrainingRows(_cat(self.users, np.int64), _cat(self.titles, np.int64), _cat(self.weights, np.float32))


def _cat(parts, dtype):
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


@dataclass
class TrainingRows:
    """Every viewer's visible signal as three aligned numpy arrays (no Python object per row)."""

    users: np.ndarray  # int64 user ids
    titles: np.ndarray  # int64 title ids
    weights: np.ndarray  # float32 weights (`interactions.scoring`)

    def __len__(self):
        return len(self.weights)


def interactions_for_training(*, progress=None, chunk_rows: int = 200_000) -> TrainingRows:
    """Every viewer's visible signal, the live aggregate and the imported ratings
    (`interactions.selectors.signal_sql`), read in chunks: on PostgreSQL one binary
    ``COPY (…) TO STDOUT`` parsed by numpy (`_BinaryRows`), elsewhere a chunked cursor.
    ``progress(rows_read)`` is called every few million rows."""
    if connection.vendor == "postgresql":
        sink = _BinaryRows(progress, chunk_rows=chunk_rows)
        typed = f"SELECT s.user_id::int8, s.title_id::int8, s.weight::float8 FROM ({signal_sql()}) s"
        with connection.cursor() as cur:
            cur.cursor.copy_expert(f"COPY ({typed}) TO STDOUT WITH (FORMAT binary)", sink)
        return sink.finish()
    sql = f"SELECT s.user_id, s.title_id, s.weight FROM ({signal_sql()}) s"
    users, titles, weights = [], [], []
    done = 0
    with connection.chunked_cursor() as cur:
        cur.execute(sql, {})
        while rows := cur.fetchmany(chunk_rows):
            a = np.array(rows, dtype=np.float64)
            users.append(a[:, 0].astype(np.int64))
            titles.append(a[:, 1].astype(np.int64))
            weights.append(a[:, 2].astype(np.float32))
            done += len(rows)
            if progress:
                progress(done)
    return TrainingRows(_cat(users, np.int64), _cat(titles, np.int64), _cat(weights, np.float32))


def item_features(*, title_ids=None, min_people_titles=2):
    """{title_id: [feature strings]} for every catalog title (or the given ids)."""
    titles = Title.objects.all()
    if title_ids is not None:
        titles = titles.filter(id__in=list(title_ids))
    feats = defaultdict(list)
    for tid, ttype, year in titles.values_list("id", "title_type", "start_year").iterator(chunk_size=20000):
        f = feats[tid]
        f.append(f"type:{ttype}")
        if year:
            f.append(f"decade:{(year // 10) * 10}s")
    through = Title.genres.through.objects.all()
    if title_ids is not None:
        through = through.filter(title_id__in=list(title_ids))
    for tid, slug in through.values_list("title_id", "genre__slug").iterator(chunk_size=50000):
        feats[tid].append(f"genre:{slug}")
    cthrough = Title.countries.through.objects.all()
    if title_ids is not None:
        cthrough = cthrough.filter(title_id__in=list(title_ids))
    for tid, code in cthrough.values_list("title_id", "country__code").iterator(chunk_size=50000):
        feats[tid].append(f"country:{code}")

    credits = Credit.objects.filter(category__in=[*CAST_CATEGORIES, CreditCategory.DIRECTOR, CreditCategory.WRITER])
    if title_ids is not None:
        credits = credits.filter(title_id__in=list(title_ids))
    people_rows = list(credits.values_list("title_id", "person_id", "category", "ordering").iterator(chunk_size=50000))
    counts = Counter(pid for _, pid, _, _ in people_rows)
    for tid, pid, cat, order in people_rows:
        if counts[pid] < min_people_titles:
            continue
        if cat == CreditCategory.DIRECTOR:
            feats[tid].append(f"director:{pid}")
        elif cat == CreditCategory.WRITER:
            feats[tid].append(f"writer:{pid}")
        elif order < MAIN_CAST:
            feats[tid].append(f"actor:{pid}")

    kthrough = Title.keywords.through.objects.all()
    if title_ids is not None:
        kthrough = kthrough.filter(title_id__in=list(title_ids))
    popular_kw = None  # None = every keyword counts (no whole-catalog aggregate needed)
    if min_people_titles > 1:
        popular_kw = set(Title.keywords.through.objects.values("keyword_id").annotate(n=Count("id"))
                         .filter(n__gte=min_people_titles).values_list("keyword_id", flat=True))
    for tid, kid in kthrough.values_list("title_id", "keyword_id").iterator(chunk_size=50000):
        if popular_kw is None or kid in popular_kw:
            feats[tid].append(f"keyword:{kid}")
    return dict(feats)


def user_features():
    """{user_id: [feature strings]} from onboarding picks and profile (country, language)."""
    feats = defaultdict(list)
    for uid, slug in Profile.favourite_genres.through.objects.values_list("profile__user_id", "genre__slug"):
        feats[uid].append(f"likes-genre:{slug}")
    for uid, country, lang in Profile.objects.exclude(country="", language="").values_list("user_id", "country",
                                                                                         "language"):
        if country:
            feats[uid].append(f"country:{country}")
        if lang:
            feats[uid].append(f"lang:{lang}")
    return dict(feats)


def onboarding_liked_titles(*, user_id):
    return list(Profile.liked_titles.through.objects.filter(profile__user_id=user_id).values_list("title_id",
                                                                                                   flat=True))
