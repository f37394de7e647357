"""Entity resolution: one title per work, whatever the sources and the order they came in.

Importers match a row to a stored title by any external id they share (the source's own id, then
the ids a row carries: MovieLens links give IMDb and TMDB ids). What no id links — the Netflix
Prize titles, TMDB rows against IMDb — is resolved here, after every title import, by the same
rule whichever source came first:

* **Candidates**: titles from a source (carrying an external id) with the same `match_key`
  (`catalog.matching`: normalised title), the same type family (film / series), years at most 1
  apart (both known), and no external-id field that both hold (two Netflix titles are two
  works, even with one name).
* **Merged** automatically: a group of candidates where every source appears at most once (each
  external-id field is held by at most one title). If it holds two titles of one source, the
  tie-breakers are tried in turn: the same year, then also a close runtime (within 10 minutes
  or 10 %); what is still ambiguous is **not merged** and is listed by `title_duplicates()`
  (`manage.py catalog_duplicates`, and the admin's "merge two titles" action for a person to
  decide).
* **Merging** (`title_merge(keep, drop)`) keeps the richer title (IMDb > TMDB > MovieLens >
  Netflix evidence; then the lower id), fills its blank fields and ids from the other, unites
  genres, keywords, countries and companies, and moves every row that points at the dropped
  title (credits, events, interactions, imported ratings, snapshots, liked titles…) — found by
  introspection of the relations to `Title`, so this app imports none of the apps that own them.
  Where a moved row would collide with one the kept title already has (a viewer who rated both
  copies), `catalog.signals.titles_merging` lets the owning app fold the two first; a row still
  colliding after that is dropped in favour of the kept title's.
"""
from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict

from django.db import connection, models, transaction

from catalog.matching import is_season_entry, match_key, type_family
from catalog.models import Title, TitleAlias
from catalog.signals import titles_merging

log = logging.getLogger(__name__)

ID_FIELDS = ("imdb_id", "tmdb_id", "movielens_id", "netflix_id")
_COLUMNS = ("id", "match_key", "start_year", "title_type", "runtime_minutes", "imdb_votes", "tmdb_vote_count",
            "primary_title", *ID_FIELDS)


@dataclasses.dataclass
class Candidate:
    id: int
    names: set  # {(match key, year)}: the title's own and its aliases (year 0: unknown)
    family: str
    runtime: int | None
    rank: tuple
    ids: dict

    @classmethod
    def of(cls, row: dict, aliases) -> Candidate:
        ids = {f: row[f] for f in ID_FIELDS if row[f] is not None}
        names = {(k, y) for k, y in aliases if k}
        if row["match_key"]:
            names.add((row["match_key"], row["start_year"] or 0))
        return cls(id=row["id"], names=names, family=_family(row, ids), runtime=row["runtime_minutes"],
                   rank=keep_rank(row), ids=ids)


def _family(row, ids) -> str:
    """Film / series, from the title type. The Netflix Prize gives no type: a title only Netflix
    describes is a season or volume of a show when its name says so (never the show itself), and
    otherwise meets films and series alike."""
    if set(ids) == {"netflix_id"}:
        return "season" if is_season_entry(row["primary_title"]) else "any"
    return type_family(row["title_type"])


def keep_rank(row) -> tuple:
    """Which of two titles is kept: the richer evidence first (IMDb votes, TMDB votes, then which
    ids it carries), then the lower id. Independent of the import order."""
    get = row.get if isinstance(row, dict) else (lambda f: getattr(row, f))
    return (get("imdb_votes") is not None, get("tmdb_vote_count") is not None,
            *(get(f) is not None for f in ID_FIELDS), -get("id"))


def _runtime_close(a: Candidate, b: Candidate) -> bool:
    return bool(a.runtime and b.runtime and abs(a.runtime - b.runtime) <= max(10, 0.1 * max(a.runtime, b.runtime)))


def _names_meet(a: Candidate, b: Candidate, slack: int) -> bool:
    for key, year in a.names:
        if year and any(k == key and y and abs(y - year) <= slack for k, y in b.names):
            return True
    return False


def _compatible(a: Candidate, b: Candidate, *, exact_year=False, runtime=False) -> bool:
    if not (a.family == b.family or "any" in (a.family, b.family)) or "season" in (a.family, b.family):
        return False
    if set(a.ids) & set(b.ids):
        return False
    if not _names_meet(a, b, 0 if exact_year else 1):
        return False
    return not runtime or _runtime_close(a, b)


def _components(cands: list[Candidate], *, exact_year=False, runtime=False) -> list[list[Candidate]]:
    parent = {c.id: c.id for c in cands}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_key = defaultdict(list)
    for c in cands:
        for key, _ in c.names:
            by_key[key].append(c)
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.id != b.id and find(a.id) != find(b.id) and _compatible(a, b, exact_year=exact_year,
                                                                              runtime=runtime):
                    parent[find(a.id)] = find(b.id)
    groups = defaultdict(list)
    for c in cands:
        groups[find(c.id)].append(c)
    return [sorted(g, key=lambda c: c.id) for g in groups.values() if len(g) > 1]


def _one_per_source(group: list[Candidate]) -> bool:
    seen = set()
    for c in group:
        if seen & set(c.ids):
            return False
        seen |= set(c.ids)
    return True


@dataclasses.dataclass
class Resolution:
    merges: list[list[int]]  # each: [kept id, merged ids…]
    ambiguous: list[list[int]]  # groups left for a person to decide


def _candidates() -> list[Candidate]:
    """Every title from a source (it carries an external id) that shares a name — its own match
    key or an alias — with another such title. The grouping is one SQL statement; only the
    titles it returns are loaded. A title made by hand in the admin, or by the demo, is never
    merged automatically."""
    qn = connection.ops.quote_name
    title, alias = qn(Title._meta.db_table), qn(TitleAlias._meta.db_table)
    sourced = " OR ".join(f"t.{qn(f)} IS NOT NULL" for f in ID_FIELDS)
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH names AS (
                SELECT t.id AS tid, t.match_key AS name FROM {title} t WHERE t.match_key <> '' AND ({sourced})
                UNION
                SELECT a.title_id, a.{qn("key")} FROM {alias} a JOIN {title} t ON t.id = a.title_id
                WHERE t.match_key <> '' AND ({sourced}))
            SELECT DISTINCT tid FROM names WHERE name IN
                (SELECT name FROM names GROUP BY name HAVING COUNT(DISTINCT tid) > 1)
            ORDER BY tid""")
        wanted = [row[0] for row in cur.fetchall()]
    out = []
    for i in range(0, len(wanted), 2000):
        part = wanted[i:i + 2000]
        names = defaultdict(set)
        for tid, key, year in TitleAlias.objects.filter(title_id__in=part).values_list("title_id", "key", "year"):
            names[tid].add((key, year))
        for row in Title.objects.filter(id__in=part).values(*_COLUMNS).order_by("id"):
            out.append(Candidate.of(row, names.get(row["id"], ())))
    return out


def titles_resolve(*, merge: bool = True) -> Resolution:
    """Find the titles that are one work (see the module docstring); merge the unambiguous ones
    when `merge`. Deterministic: the same catalog gives the same merges, whatever its history."""
    merges, ambiguous = [], []
    for group in _components(_candidates()):
        parts, rest = ([group], []) if _one_per_source(group) else ([], group)
        # Two titles of one source: the tie-breakers, in turn — the same year, then the same
        # year and a close runtime; what is still ambiguous is left for a person.
        for narrower in ({"exact_year": True}, {"exact_year": True, "runtime": True}):
            if len(rest) < 2:
                break
            found = [g for g in _components(rest, **narrower) if _one_per_source(g)]
            parts += found
            done = {c.id for g in found for c in g}
            rest = [c for c in rest if c.id not in done]
        if len(rest) > 1 and _components(rest):
            ambiguous.append(sorted(c.id for c in rest))
        for part in parts:
            ordered = sorted(part, key=lambda c: c.rank, reverse=True)
            merges.append([ordered[0].id] + [c.id for c in ordered[1:]])
    if merge:
        for ids in merges:
            keep = ids[0]
            for drop in ids[1:]:
                title_merge(keep_id=keep, drop_id=drop)
    return Resolution(merges=sorted(merges), ambiguous=sorted(ambiguous))


def title_duplicates() -> list[dict]:
    """The review report: groups of titles that look like one work but are not merged
    automatically, each with what tells them apart."""
    res = titles_resolve(merge=False)
    out = []
    for ids in res.ambiguous:
        rows = list(Title.objects.filter(id__in=ids).values("id", "primary_title", "start_year", "title_type",
                                                              "runtime_minutes", *ID_FIELDS).order_by("id"))
        out.append({"titles": rows, "reason": "several titles of one source share this name and year range"})
    return out


# --- merging -------------------------------------------------------------------------------------
_FIELDS_FILLED = [f.attname for f in Title._meta.concrete_fields
                  if not f.primary_key and f.attname not in ("created_at", "updated_at", "search_title", "match_key")]


def _unique_sets(model, field_name):
    """Column sets that must stay unique on `model` and include `field_name`'s column."""
    column = model._meta.get_field(field_name).column
    sets = []
    for together in model._meta.unique_together:
        cols = [model._meta.get_field(f).column for f in together]
        if column in cols:
            sets.append(cols)
    for c in model._meta.constraints:
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None:
            cols = [model._meta.get_field(f).column for f in c.fields]
            if column in cols:
                sets.append(cols)
    pk = model._meta.pk
    if isinstance(pk, models.CompositePrimaryKey):
        cols = [model._meta.get_field(f).column for f in pk.field_names]
        if column in cols:
            sets.append(cols)
    f = model._meta.get_field(field_name)
    if f.unique or f.primary_key:
        sets.append([column])
    return sets


def _move_rows(model, field_name, keep_id, drop_id):
    """Point `model.field_name` rows from drop to keep; rows that would collide with the kept
    title's (a unique set including that column) are deleted first: keep's win."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    column = model._meta.get_field(field_name).column
    with connection.cursor() as cur:
        for cols in _unique_sets(model, field_name):
            same = "".join(f" AND k.{qn(c)} = {table}.{qn(c)}" for c in cols if c != column)
            cur.execute(f"DELETE FROM {table} WHERE {qn(column)} = %s AND EXISTS "
                        f"(SELECT 1 FROM {table} k WHERE k.{qn(column)} = %s{same})", [drop_id, keep_id])
        cur.execute(f"UPDATE {table} SET {qn(column)} = %s WHERE {qn(column)} = %s", [keep_id, drop_id])


@transaction.atomic
def title_merge(*, keep_id: int, drop_id: int) -> Title:
    """Merge title `drop_id` into `keep_id` (see the module docstring) and delete it."""
    if keep_id == drop_id:
        raise ValueError("a title cannot be merged into itself")
    keep = Title.objects.select_for_update().get(id=keep_id)
    drop = Title.objects.select_for_update().get(id=drop_id)
    for f in ID_FIELDS:
        if getattr(keep, f) is not None and getattr(drop, f) is not None and getattr(keep, f) != getattr(drop, f):
            raise ValueError(f"titles {keep_id} and {drop_id} have different {f}s: they are two works")
    ids = {f: getattr(drop, f) for f in ID_FIELDS if getattr(keep, f) is None and getattr(drop, f) is not None}
    filled = {f: getattr(drop, f) for f in _FIELDS_FILLED
              if getattr(keep, f) in (None, "") and getattr(drop, f) not in (None, "") and f not in ID_FIELDS}
    # Both titles' own names stay names of the kept one (resolution keeps meeting on them).
    TitleAlias.objects.bulk_create([TitleAlias(title_id=keep_id, key=t.match_key or match_key(t.primary_title),
                                               year=t.start_year or 0) for t in (keep, drop)],
                                   ignore_conflicts=True)
    # The rows of other apps first (they may fold conflicting rows), then every relation to Title.
    titles_merging.send(sender=title_merge, keep_id=keep_id, drop_id=drop_id)
    for m2m in Title._meta.many_to_many:  # genres, countries, companies, keywords: a union
        getattr(keep, m2m.name).add(*getattr(drop, m2m.name).all())
    for rel in Title._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            field = next(f.name for f in through._meta.fields
                         if isinstance(f, models.ForeignKey) and f.related_model is Title)
            _move_rows(through, field, keep_id, drop_id)
        elif rel.one_to_many or rel.one_to_one:
            _move_rows(rel.related_model, rel.field.name, keep_id, drop_id)
    # Free the unique ids before the kept title takes them.
    Title.objects.filter(id=drop_id).update(**{f: None for f in ID_FIELDS})
    Title.objects.filter(id=drop_id).delete()
    for f, v in {**filled, **ids}.items():
        setattr(keep, f, v)
    if filled or ids:
        keep.save()
    log.info("title %s merged into %s", drop_id, keep_id)
    return keep


def match_keys_backfill(chunk: int = 5000) -> int:
    """Set `match_key` on titles written without it (bulk paths, catalogs from before it existed)."""
    n, last = 0, 0
    while True:
        rows = list(Title.objects.filter(id__gt=last, match_key="").order_by("id")
                    .values_list("id", "primary_title")[:chunk])
        if not rows:
            return n
        last = rows[-1][0]
        with transaction.atomic():
            for i, t in rows:
                key = match_key(t)
                if key:
                    Title.objects.filter(id=i).update(match_key=key)
                    n += 1
