"""Writes people and their credits on titles (cast and crew): chunked, idempotent upserts.

The rows of a chunk are compared with what is stored (fetched by key in one query per 5,000) so
a re-run reports them as unchanged and writes nothing; new and changed rows are written with
one statement per chunk (`sql.insert_rows`).
"""
from __future__ import annotations

import dataclasses

from django.db import transaction

from catalog.models import Credit, Person
from catalog.text import normalize

from .fields import clip
from .sql import filter_in, insert_rows


# --- people ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class PersonRow:
    key: object  # imdb nconst or tmdb id
    name: str
    extra: dict = dataclasses.field(default_factory=dict)  # birth_year, death_year, primary_profession


_PERSON_COLS = [f.attname for f in Person._meta.concrete_fields if not f.primary_key]


def people_upsert(rows: list[PersonRow], *, key: str) -> tuple[dict, dict]:
    """Insert or update people by `key` ("imdb_id" or "tmdb_id"); the first row of a key wins.

    Only the fields a row provides are written (`name` + `extra`). Returns
    ({key value: person id}, counts {inserted, updated, unchanged}).
    """
    uniq: dict = {}
    for r in rows:
        uniq.setdefault(r.key, r)
    counts = {"inserted": 0, "updated": 0, "unchanged": len(rows) - len(uniq)}
    if not uniq:
        return {}, counts
    existing = {}
    keys = list(uniq)
    for i in range(0, len(keys), 5000):
        for p in filter_in(Person.objects, key, keys[i:i + 5000]).values("id", *_PERSON_COLS):
            existing[p[key]] = p
    new, changed = [], []
    for k, r in uniq.items():
        values = {"name": clip(r.name, 255), **r.extra}
        if "primary_profession" in values:
            values["primary_profession"] = clip(values["primary_profession"], 255)
        p = existing.get(k)
        if p is None:
            p = {"name": "", "imdb_id": None, "tmdb_id": None, "birth_year": None, "death_year": None,
                 "primary_profession": ""}
            p.update(values)
            p[key] = k
            p["search_name"] = normalize(p["name"])
            new.append(p)
        elif any(p[f] != v for f, v in values.items()):
            p.update(values)
            p["search_name"] = normalize(p["name"])
            changed.append(p)
    with transaction.atomic():
        if new:
            insert_rows(Person, _PERSON_COLS, [tuple(p[c] for c in _PERSON_COLS) for p in new])
            ids = person_ids(key=key, values=[p[key] for p in new])
            for p in new:
                p["id"] = ids[p[key]]
        if changed:
            cols = ["id", *_PERSON_COLS]
            insert_rows(Person, cols, [tuple(p[c] for c in cols) for p in changed], conflict=["id"],
                        update=_PERSON_COLS)
    counts["inserted"], counts["updated"] = len(new), len(changed)
    counts["unchanged"] += len(uniq) - len(new) - len(changed)
    out = {k: p["id"] for k, p in existing.items()}
    out.update({p[key]: p["id"] for p in new})
    return out, counts


def person_ids(*, key: str, values) -> dict:
    values = list(values)
    out = {}
    for i in range(0, len(values), 5000):
        out.update(filter_in(Person.objects, key, values[i:i + 5000]).values_list(key, "id"))
    return out
# --- credits --------------------------------------------------------------------------------------
@dataclasses.dataclass
class CreditRow:
    title_id: int
    person_id: int
    category: str
    ordering: int = 0
    job: str = ""
    characters: list = dataclasses.field(default_factory=list)


def credits_upsert(rows: list[CreditRow], *, update=True) -> dict:
    """Insert credits, keyed by (title, person, category); update changed ones when `update`.

    Within `rows`, the first credit of a (title, person, category) wins (callers pass whole
    titles per chunk, so this is stable across runs). With update=False, stored credits are
    left as they are (used for IMDb crew rows, which carry less than principals rows).
    Returns counts per credit (inserted, updated, unchanged — duplicates count as unchanged) and
    the ids of titles that got a new or changed credit (`touched`).
    """
    uniq: dict[tuple, CreditRow] = {}
    for r in rows:
        uniq.setdefault((r.title_id, r.person_id, r.category), r)
    result = {"inserted": 0, "updated": 0, "unchanged": len(rows) - len(uniq), "touched": set(),
              "titles_new": set(), "titles_changed": set()}
    if not uniq:
        return result
    title_ids = {k[0] for k in uniq}
    existing = {}
    for tid, pid, cat, order, job, chars in filter_in(Credit.objects, "title_id", title_ids).values_list(
            "title_id", "person_id", "category", "ordering", "job", "characters"):
        existing[(tid, pid, cat)] = (order, job, chars)
    new, changed = [], []
    for k, r in uniq.items():
        values = (min(max(r.ordering, 0), 32767), clip(r.job, 255), r.characters)
        c = existing.get(k)
        if c is None:
            new.append((*k, *values))
        elif update and c != values:
            changed.append((*k, *values))
        else:
            result["unchanged"] += 1
    cols = ["title_id", "person_id", "category", "ordering", "job", "characters"]
    with transaction.atomic():
        insert_rows(Credit, cols, new, ignore=True)
        insert_rows(Credit, cols, changed, conflict=["title_id", "person_id", "category"],
                    update=["ordering", "job", "characters"])
    result["inserted"], result["updated"] = len(new), len(changed)
    result["titles_new"] = {c[0] for c in new}
    result["titles_changed"] = {c[0] for c in changed}
    result["touched"] = result["titles_new"] | result["titles_changed"]
    return result
