"""Writes titles: chunked, idempotent upserts (fields and many-to-many links) shared by every
importer, and how sources are merged.

Matching. A row is matched to a stored title by the source's own id (`key`: imdb_id,
tmdb_id, netflix_id or movielens_id); else by the other external ids the row carries
(`fallbacks`, e.g. MovieLens links give an IMDb and a TMDB id), among titles that do not
have an id of this source yet; else a new title is created. Titles no id links are matched
after the import, by one rule whatever the order (`catalog.services.resolution`).

Who writes what. Fields a source owns (TMDB: overview, budget, …) are always written by it.
Shared descriptive fields (title, original title, year, runtime, type, adult flag) follow a
precedence IMDb > TMDB > MovieLens = Netflix: a source overwrites them on titles no richer
source has described (evidence: IMDb votes stored ⇒ IMDb; TMDB vote count stored ⇒ TMDB), and
otherwise only fills blanks. Genres are a union: every source only adds its genres (mapped to
one vocabulary) and never removes any, so the final set does not depend on the import order
and a re-run changes nothing (the links do not record which source gave them, so a source
cannot tell its own stale genres from another source's). External ids are only ever filled in,
never changed, and never taken from another title (each is unique).
"""
from __future__ import annotations

import dataclasses

from django.db import connection, transaction

from catalog.matching import match_key
from catalog.models import Title, TitleAlias
from catalog.text import normalize

from .lookups import Lookups, _dedup
from .recorder import ImportRecorder
from .sql import column_defaults, filter_in, insert_rows

SOURCE_RANK = {"imdb": 3, "tmdb": 2, "movielens": 1, "netflix": 1, "demo": 3}  # demo: only its own titles
ID_FIELDS = ("imdb_id", "tmdb_id", "netflix_id", "movielens_id")


def title_rank(t: Title) -> int:
    if t.imdb_votes is not None:
        return 3
    if t.tmdb_vote_count is not None:
        return 2
    return 1


@dataclasses.dataclass
class TitleRow:
    line: int
    key: object  # the value of the source's own id
    fields: dict  # model field → value (shared and owned fields)
    ids: dict = dataclasses.field(default_factory=dict)  # other external ids the row supplies
    genres: list | None = None  # names; None = the source says nothing about genres
    keywords: list | None = None  # (name, tmdb_id | None)
    countries: list | None = None  # (code, name)
    companies: list | None = None  # (name, tmdb_id)


def _blank(v):
    return v is None or v == ""


class _T(dict):
    """A stored title as a dict of column values (cheaper than a model instance)."""

    __getattr__ = dict.__getitem__

    @property
    def pk(self):
        return self["id"]


def _fetch(column, values, **filters) -> list[_T]:
    out = []
    values = list(values)
    for i in range(0, len(values), 5000):
        qs = filter_in(Title.objects.filter(**filters), column, values[i:i + 5000])
        out.extend(_T(v) for v in qs.values(*_COLUMNS, "id"))
    return out


_COLUMNS = [f.attname for f in Title._meta.concrete_fields if not f.primary_key]


def titles_upsert(rows: list[TitleRow], *, source: str, key: str, path, rec: ImportRecorder, lookups: Lookups,
                  fallbacks: tuple = (), owned: tuple = ()) -> dict:
    """Insert or update one chunk of titles. Returns {key value: title id} for the rows kept.

    Counts inserted / updated / unchanged (and rejects duplicate keys) on `rec`. Genres and
    keywords are only ever added (several sources give them: replacing would undo another
    source's links on every run); countries and companies (TMDB's own) are replaced.
    """
    rank = SOURCE_RANK[source]
    # 1. duplicates of the key inside the chunk: the first one wins
    first: dict = {}
    uniq = []
    for r in rows:
        if r.key in first:
            rec.reject(path=path, line=r.line, reason=f"duplicate {key} {r.key} (first seen on line {first[r.key]})")
            continue
        first[r.key] = r.line
        uniq.append(r)
    rows = uniq
    if not rows:
        return {}

    # 2. match by own id, then by the other ids
    by_key = {t[key]: t for t in _fetch(key, [r.key for r in rows])}
    match: dict[int, _T] = {}  # row index → stored title
    claimed: set[int] = set()
    for i, r in enumerate(rows):
        t = by_key.get(r.key)
        if t is not None:
            match[i] = t
            claimed.add(t.pk)
    for fb in fallbacks:
        want = {r.ids[fb] for i, r in enumerate(rows) if i not in match and r.ids.get(fb) is not None}
        if not want:
            continue
        found = {t[fb]: t for t in _fetch(fb, want, **{f"{key}__isnull": True})}
        for i, r in enumerate(rows):
            if i in match:
                continue
            t = found.get(r.ids.get(fb))
            if t is not None and t.pk not in claimed:
                match[i] = t
                claimed.add(t.pk)

    # 3. which external ids are already used by some title
    taken: dict[str, dict] = {}
    for f in ID_FIELDS:
        if f == key:
            continue
        want = {r.ids[f] for r in rows if r.ids.get(f) is not None}
        if want:
            taken[f] = title_ids(key=f, values=want)
    given: dict[str, set] = {f: set() for f in ID_FIELDS}

    def free(f, v, title_id):
        if v is None or v in given[f]:
            return False
        holder = taken.get(f, {}).get(v)
        return holder is None or holder == title_id

    # 4. build the changes
    defaults = column_defaults(Title)
    now = defaults["updated_at"]
    new, new_rows, changed = [], [], []
    out = {}
    for i, r in enumerate(rows):
        t = match.get(i)
        if t is None:
            t = _T(defaults)
            t.update(r.fields)
            t[key] = r.key
            for f, v in r.ids.items():
                if f != key and free(f, v, None):
                    t[f] = v
                    given[f].add(v)
            t["search_title"] = normalize(t["primary_title"])
            t["match_key"] = match_key(t["primary_title"])
            new.append(t)
            new_rows.append(r)
            continue
        overwrite = rank >= title_rank(t)
        before = {f: t[f] for f in ("start_year", "end_year")}
        diff = False
        for f, v in r.fields.items():
            cur = t[f]
            if f in owned or (overwrite and not _blank(v)):  # a blank never erases another source's value
                if cur != v:
                    t[f] = v
                    diff = True
            elif _blank(cur) and not _blank(v):
                t[f] = v
                diff = True
        if t["start_year"] is not None and t["end_year"] is not None and t["end_year"] < t["start_year"]:
            t.update(before)  # never break the stored years' order
        if t[key] is None:
            t[key] = r.key
            diff = True
        for f, v in r.ids.items():
            if f != key and t[f] is None and free(f, v, t.pk):
                t[f] = v
                given[f].add(v)
                diff = True
        if diff:
            t["search_title"] = normalize(t["primary_title"])
            t["match_key"] = match_key(t["primary_title"])
            t["updated_at"] = now
            changed.append(t)
        out[r.key] = t.pk

    with transaction.atomic():
        if new:
            insert_rows(Title, _COLUMNS, [tuple(t[c] for c in _COLUMNS) for t in new])
            ids = title_ids(key=key, values=[t[key] for t in new])
            for t in new:
                t["id"] = ids[t[key]]
        if changed:
            cols = ["id", *_COLUMNS]
            insert_rows(Title, cols, [tuple(t[c] for c in cols) for t in changed], conflict=["id"],
                        update=[c for c in _COLUMNS if c != "created_at"])
        for t, r in zip(new, new_rows, strict=True):
            out[r.key] = t.pk
        # The names and years this source gives, kept as the title's aliases (resolution meets on them).
        aliases = {(out[r.key], match_key(name), r.fields.get("start_year") or 0)
                   for r in rows for name in (r.fields.get("primary_title"), r.fields.get("original_title")) if name}
        # (one multi-row INSERT … ON CONFLICT DO NOTHING per 1,000, not a model instance per alias:
        # 17,770 Netflix titles' aliases 0.9 → 0.2 s)
        insert_rows(TitleAlias, ["title_id", "key", "year"], [a for a in sorted(aliases) if a[1]], ignore=True)
        # 5. many-to-many
        m2m_changed: set[int] = set()
        ids = {r.key: out[r.key] for r in rows}
        gm = lookups.genre_map({g for r in rows for g in (r.genres or ())})
        desired = {ids[r.key]: _dedup(gm[g] for g in r.genres if g in gm) for r in rows if r.genres is not None}
        m2m_changed |= m2m_sync("genres", desired, replace=set())  # genres are a union of the sources'
        km = lookups.keyword_map({k for r in rows for k in (r.keywords or ())})
        desired = {ids[r.key]: _dedup(km[k] for k in r.keywords if k in km) for r in rows if r.keywords is not None}
        m2m_changed |= m2m_sync("keywords", desired, replace=set())  # keywords are only ever added
        cm = lookups.country_map({c for r in rows for c in (r.countries or ())})
        desired = {ids[r.key]: _dedup(cm[c[0].strip()[:8]] for c in r.countries if (c[0] or "").strip()[:8] in cm)
                   for r in rows if r.countries is not None}
        m2m_changed |= m2m_sync("countries", desired, replace=set(desired))
        pm = lookups.company_map({c for r in rows for c in (r.companies or ())})
        desired = {ids[r.key]: _dedup(pm[c] for c in r.companies if c in pm) for r in rows if r.companies is not None}
        m2m_changed |= m2m_sync("companies", desired, replace=set(desired))

    new_ids = {t.pk for t in new}
    updated = {t.pk for t in changed} | (m2m_changed - new_ids)
    rec.count(inserted=len(new), updated=len(updated), unchanged=len(rows) - len(new) - len(updated))
    if new or updated:
        rec.titles_written = True
    return out


def title_ids(*, key: str, values) -> dict:
    """{external id: title id} for the given values of one external id field (chunked queries)."""
    values = list(values)
    out = {}
    for i in range(0, len(values), 5000):
        out.update(filter_in(Title.objects, key, values[i:i + 5000]).values_list(key, "id"))
    return out


def update_from_values(table: str, key_col: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """UPDATE table SET cols… FROM (VALUES …) WHERE key_col matches — one statement per 500 rows.

    Works on PostgreSQL and SQLite ≥ 3.33 (UPDATE … FROM).
    """
    q = connection.ops.quote_name
    width = len(cols) + 1
    with connection.cursor() as cur:
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            sets = ", ".join(f"{q(c)} = v.c{i + 1}" for i, c in enumerate(cols))
            alias = ", ".join(f"c{i}" for i in range(width))
            sql = (f"UPDATE {q(table)} SET {sets} FROM (VALUES {values}) AS v({alias}) "
                   f"WHERE {q(table)}.{q(key_col)} = v.c0")
            if connection.vendor == "sqlite":  # SQLite names VALUES columns column1, column2, …
                sets = ", ".join(f"{q(c)} = v.column{i + 2}" for i, c in enumerate(cols))
                sql = (f"UPDATE {q(table)} SET {sets} FROM (VALUES {values}) AS v "
                       f"WHERE {q(table)}.{q(key_col)} = v.column1")
            cur.execute(sql, [x for row in chunk for x in row])


# --- many-to-many sync ----------------------------------------------------------------------------
_M2M_TARGET = {"genres": "genre", "countries": "country", "companies": "company", "keywords": "keyword"}


def m2m_sync(field_name: str, desired: dict[int, list[int]], *, replace: set[int], domain=None) -> set[int]:
    """Make Title.<field_name> of the given titles contain `desired[title_id]`.

    Links are added for every title; links not desired are removed only for titles in `replace`
    (and, with `domain` = a queryset filter on the related model such as ``{"tmdb_id__isnull": False}``,
    only links to related rows in that domain). Returns the ids of titles whose links changed.
    """
    if not desired:
        return set()
    through = getattr(Title, field_name).through
    prefix = _M2M_TARGET[field_name]
    other = through._meta.get_field(prefix).attname
    qs = filter_in(through.objects, "title_id", list(desired))
    existing: dict[int, set[int]] = {}
    for tid, oid in qs.values_list("title_id", other):
        existing.setdefault(tid, set()).add(oid)
    removable: dict[int, set[int]] = existing
    if domain:
        removable = {}
        for tid, oid in qs.filter(**{f"{prefix}__{k}": v for k, v in domain.items()}).values_list("title_id", other):
            removable.setdefault(tid, set()).add(oid)
    add, remove, changed = [], [], set()
    for tid, want in desired.items():
        want_set = set(want)
        have = existing.get(tid, set())
        for oid in want_set - have:
            add.append((tid, oid))
            changed.add(tid)
        if tid in replace:
            for oid in removable.get(tid, set()) - want_set:
                remove.append((tid, oid))
                changed.add(tid)
    if add:
        insert_rows(through, ["title_id", other], add, ignore=True)
    if remove:
        by_title: dict[int, list[int]] = {}
        for tid, oid in remove:
            by_title.setdefault(tid, []).append(oid)
        for tid, oids in by_title.items():
            through.objects.filter(title_id=tid, **{f"{other}__in": oids}).delete()
    return changed
