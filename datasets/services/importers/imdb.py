"""IMDb non-commercial datasets (https://datasets.imdbws.com/): titles, ratings, people, credits.

Files (gzip or plain, tab-separated, one header row, ``\\N`` = null, no quoting at all), any
subset of: title.basics, title.ratings, name.basics, title.principals, title.crew.

Passes, each streamed in chunks (memory stays bounded on the 10M+-row files):

1. ``--min-votes``: title.ratings is read first into a set of the tconsts (as ints) that pass.
2. title.basics → titles (+ genres), filtered by type / start year / votes.
3. When a filter is active and name.basics is present: title.principals and title.crew are
   scanned once to collect the nconsts (as ints) credited on titles present in the catalog, so
   only those people are imported.
4. name.basics → people.  5. title.principals → credits.  6. title.crew → director / writer
   credits not already given by principals.  7. title.ratings → imdb_rating / imdb_votes.

Credits and ratings only attach to titles present in the catalog; rows about other titles
(filtered out, or not in a partial file) are counted as skipped.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from itertools import groupby
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from catalog.models import CreditCategory, Title, TitleType
from core.errors import SourceError, ValidationFailed

from .fields import RowError, clip, imdb_int, parse_int, parse_year
from .lookups import Lookups
from .people import CreditRow, PersonRow, credits_upsert, people_upsert, person_ids
from .reading import LineReader, chunked, tsv_rows
from .recorder import ImportRecorder, run_import
from .sql import filter_in
from .titles import TitleRow, title_ids, titles_upsert, update_from_values

FILES = {
    "basics": "title.basics",
    "ratings": "title.ratings",
    "names": "name.basics",
    "principals": "title.principals",
    "crew": "title.crew",
}
BASICS_COLS = ("tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear", "endYear",
               "runtimeMinutes", "genres")
RATINGS_COLS = ("tconst", "averageRating", "numVotes")
NAMES_COLS = ("nconst", "primaryName", "birthYear", "deathYear", "primaryProfession")
PRINCIPALS_COLS = ("tconst", "ordering", "nconst", "category", "job", "characters")
CREW_COLS = ("tconst", "directors", "writers")

CATEGORIES = {c.value for c in CreditCategory} - {CreditCategory.OTHER.value}
TITLE_TYPES = tuple(TitleType.values)
NULL = "\\N"


def find_files(directory) -> dict[str, Path]:
    """{kind: path} of the IMDb files present in `directory` (`.tsv.gz` preferred over `.tsv`)."""
    d = Path(directory)
    if not d.is_dir():
        raise SourceError("directory not found", path=d)
    found = {}
    for kind, stem in FILES.items():
        for suffix in (".tsv.gz", ".tsv"):
            p = d / f"{stem}{suffix}"
            if p.exists():
                found[kind] = p
                break
    if not found:
        raise SourceError("no IMDb file found (expected title.basics.tsv.gz, title.ratings.tsv.gz, "
                          "name.basics.tsv.gz, title.principals.tsv.gz or title.crew.tsv.gz)", path=d)
    return found


def imdb_import(*, directory, title_types=None, min_votes: int | None = None, since_year: int | None = None,
                progress=None, chunk_size: int = 5000):
    """Import whichever IMDb files are in `directory`. Returns the finished ImportRun.

    Raises SourceError for a missing/unreadable file (the run is recorded as failed) and
    ValidationFailed for bad options.
    """
    types = _check_types(title_types)
    if min_votes is not None and min_votes < 0:
        raise ValidationFailed("--min-votes must be ≥ 0.", field="min_votes")
    files = find_files(directory)
    if min_votes is not None and "ratings" not in files:
        raise SourceError("--min-votes needs title.ratings.tsv(.gz) next to the other files", path=directory)
    options = {"title_types": sorted(types) if types else None, "min_votes": min_votes, "since_year": since_year}
    filtered = bool(types or min_votes is not None or since_year is not None)

    def body(rec: ImportRecorder):
        from .reading import check_readable

        for p in files.values():
            check_readable(p)
        keep_votes = _votes_filter(files["ratings"], min_votes, progress) if min_votes is not None else None
        if "basics" in files:
            _import_basics(files["basics"], rec, types=types, since_year=since_year, keep=keep_votes,
                           chunk_size=chunk_size)
        keep_votes = None
        needed = None
        if filtered and "names" in files and ({"principals", "crew"} & set(files)):
            needed = _needed_people(files, progress)
        if "names" in files:
            _import_names(files["names"], rec, needed=needed, chunk_size=chunk_size)
        needed = None
        if "principals" in files:
            _import_principals(files["principals"], rec, chunk_size=chunk_size)
        if "crew" in files:
            _import_crew(files["crew"], rec, chunk_size=chunk_size)
        if "ratings" in files:
            _import_ratings(files["ratings"], rec, chunk_size=chunk_size)

    return run_import(source="imdb", paths=[files[k] for k in FILES if k in files], options=options,
                      progress=progress, body=body)


def _check_types(title_types):
    if not title_types:
        return None
    if isinstance(title_types, str):
        title_types = [t for t in title_types.split(",")]
    types = {t.strip() for t in title_types if t.strip()}
    bad = sorted(types - set(TITLE_TYPES))
    if bad:
        raise ValidationFailed(f"Unknown title type(s) {', '.join(bad)}; expected some of {', '.join(TITLE_TYPES)}.",
                               field="title_types")
    return types


# --- 1. votes filter ------------------------------------------------------------------------------
def _votes_filter(path, min_votes, progress):
    """Set of tconst ints with numVotes ≥ min_votes (malformed rows are ignored here, reported later)."""
    keep = set()
    reader = LineReader(path)
    it = iter(reader)
    header = next(it, "").rstrip("\r\n").split("\t")
    try:
        ti, vi = header.index("tconst"), header.index("numVotes")
    except ValueError:
        raise SourceError("header is missing tconst or numVotes", path=path, line=1)
    n = 0
    for line in it:
        f = line.rstrip("\r\n").split("\t")
        n += 1
        if progress and n % 100_000 == 0:
            progress("title.ratings (votes filter)", n)
        try:
            if int(f[vi]) >= min_votes:
                keep.add(imdb_int(f[ti], "tt", "tconst"))
        except (ValueError, IndexError):
            continue
    if progress:
        progress("title.ratings (votes filter)", n)
        getattr(progress, "done", lambda: None)()
    return keep


# --- 2. title.basics --------------------------------------------------------------------------------
def _parse_basics(v):
    tconst, ttype, primary, original, adult, start, end, runtime, genres = v
    imdb_int(tconst, "tt", "tconst")
    if ttype not in TITLE_TYPES:
        raise RowError(f"unknown titleType {ttype[:40]!r}", "titleType")
    if not primary or primary == NULL:
        raise RowError("primaryTitle is empty", "primaryTitle")
    if len(primary) > 500 or len(original) > 500:
        raise RowError("title longer than 500 characters", "primaryTitle")
    if adult not in ("0", "1"):
        raise RowError(f"isAdult must be 0 or 1, not {adult[:20]!r}", "isAdult")
    start_year = parse_year(start, "startYear")
    end_year = parse_year(end, "endYear")
    if start_year is not None and end_year is not None and end_year < start_year:
        raise RowError(f"endYear {end_year} is before startYear {start_year}", "endYear")
    runtime_minutes = parse_int(runtime, "runtimeMinutes", lo=0, hi=100_000)
    return {
        "title_type": ttype,
        "primary_title": primary,
        "original_title": "" if original == NULL else original,
        "is_adult": adult == "1",
        "start_year": start_year,
        "end_year": end_year,
        "runtime_minutes": runtime_minutes,
    }, ([] if genres == NULL else [g for g in genres.split(",") if g])


def _import_basics(path, rec, *, types, since_year, keep, chunk_size):
    lookups = Lookups()
    reader = LineReader(path)
    with rec.part("title.basics"):
        batch, read = [], 0
        for line, v in tsv_rows(reader, columns=BASICS_COLS, rec=rec):
            read += 1
            try:
                fields, genres = _parse_basics(v)
            except RowError as exc:
                rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                continue
            if ((types and fields["title_type"] not in types)
                    or (since_year is not None and (fields["start_year"] is None or fields["start_year"] < since_year))
                    or (keep is not None and int(v[0][2:]) not in keep)):
                rec.count(skipped=1)
                continue
            batch.append(TitleRow(line=line, key=v[0], fields=fields, genres=genres))
            if len(batch) >= chunk_size:
                rec.count(read=read)
                read = 0
                titles_upsert(batch, source="imdb", key="imdb_id", path=path, rec=rec, lookups=lookups)
                batch = []
                rec.checkpoint()
        if batch:
            titles_upsert(batch, source="imdb", key="imdb_id", path=path, rec=rec, lookups=lookups)
        rec.count(read=read)


# --- 3. people needed when filtering ------------------------------------------------------------
def _needed_people(files, progress):
    """nconst ints credited (principals, crew) on titles present in the catalog."""
    needed: set[int] = set()
    for kind, cols in (("principals", ("tconst", "nconst")), ("crew", ("tconst", "directors", "writers"))):
        if kind not in files:
            continue
        reader = LineReader(files[kind])
        it = iter(reader)
        header = next(it, "").rstrip("\r\n").split("\t")
        if any(c not in header for c in cols):
            continue  # reported by the import pass itself
        idx = [header.index(c) for c in cols]
        n = 0
        label = f"{FILES[kind]} (people needed)"
        for chunk in chunked(it, 50_000):
            rows = []
            for line in chunk:
                f = line.rstrip("\r\n").split("\t")
                if len(f) == len(header):
                    rows.append([f[i] for i in idx])
            known = title_ids(key="imdb_id", values={r[0] for r in rows})
            for r in rows:
                if r[0] in known:
                    for cell in r[1:]:
                        if cell != NULL:
                            for nc in cell.split(","):
                                if len(nc) > 2 and nc[2:].isdigit():
                                    needed.add(int(nc[2:]))
            n += len(chunk)
            if progress:
                progress(label, n)
        if progress:
            getattr(progress, "done", lambda: None)()
    return needed


# --- 4. name.basics -------------------------------------------------------------------------------
def _import_names(path, rec, *, needed, chunk_size):
    reader = LineReader(path)
    with rec.part("name.basics"):
        batch, read = [], 0
        seen = {}
        for line, v in tsv_rows(reader, columns=NAMES_COLS, rec=rec):
            read += 1
            nconst, name, birth, death, profession = v
            try:
                nid = imdb_int(nconst, "nm", "nconst")
                if needed is not None and nid not in needed:
                    rec.count(skipped=1)
                    continue
                if not name or name == NULL:
                    raise RowError("primaryName is empty", "primaryName")
                row = PersonRow(key=nconst, name=name, extra={
                    "birth_year": parse_int(birth, "birthYear", lo=1, hi=2100),
                    "death_year": parse_int(death, "deathYear", lo=1, hi=2100),
                    "primary_profession": "" if profession == NULL else profession})
            except RowError as exc:
                rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                continue
            if nconst in seen:
                rec.reject(path=path, line=line, reason=f"duplicate nconst {nconst} (first seen on line {seen[nconst]})")
                continue
            seen[nconst] = line
            batch.append(row)
            if len(batch) >= chunk_size:
                rec.count(read=read)
                read = 0
                rec.count(**people_upsert(batch, key="imdb_id")[1])
                batch, seen = [], {}
                rec.checkpoint()
        if batch:
            rec.count(**people_upsert(batch, key="imdb_id")[1])
        rec.count(read=read)


# --- 5. title.principals --------------------------------------------------------------------------
def _category(raw):
    if raw in CATEGORIES:
        return raw
    return CreditCategory.OTHER.value


def _parse_principal(v):
    tconst, ordering, nconst, category, job, characters = v
    imdb_int(tconst, "tt", "tconst")
    imdb_int(nconst, "nm", "nconst")
    order = parse_int(ordering, "ordering", lo=0, hi=32767) or 0
    if not category or category == NULL:
        raise RowError("category is empty", "category")
    cat = _category(category)
    job = "" if job == NULL else job
    if cat == CreditCategory.OTHER and not job:
        job = category.replace("_", " ")
    chars = []
    if characters != NULL and characters:
        try:
            chars = json.loads(characters)
        except ValueError:
            raise RowError(f"characters is not a JSON list: {characters[:40]!r}", "characters")
        if not isinstance(chars, list) or not all(isinstance(c, str) for c in chars):
            raise RowError("characters must be a JSON list of strings", "characters")
    return tconst, nconst, cat, order, clip(job, 255), chars


def _by_title_chunks(rows, chunk_size):
    """Group consecutive rows by their first value (tconst) and yield chunks of whole titles."""
    batch = []
    for _, group in groupby(rows, key=lambda lv: lv[1][0]):
        batch.extend(group)
        if len(batch) >= chunk_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_principals(path, rec, *, chunk_size):
    reader = LineReader(path)
    with rec.part("title.principals"):
        for chunk in _by_title_chunks(tsv_rows(reader, columns=PRINCIPALS_COLS, rec=rec), chunk_size):
            rec.count(read=len(chunk))
            parsed = []
            for line, v in chunk:
                try:
                    parsed.append((line, _parse_principal(v)))
                except RowError as exc:
                    rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
            tids = title_ids(key="imdb_id", values={p[0] for _, p in parsed})
            pids = person_ids(key="imdb_id", values={p[1] for _, p in parsed if p[0] in tids})
            rows, skipped = [], 0
            for _line, (tconst, nconst, cat, order, job, chars) in parsed:
                if tconst not in tids or nconst not in pids:
                    skipped += 1
                    continue
                rows.append(CreditRow(title_id=tids[tconst], person_id=pids[nconst], category=cat, ordering=order,
                                      job=job, characters=chars))
            res = credits_upsert(rows)
            rec.count(skipped=skipped, inserted=res["inserted"], updated=res["updated"], unchanged=res["unchanged"])
            rec.checkpoint()


# --- 6. title.crew --------------------------------------------------------------------------------
def _import_crew(path, rec, *, chunk_size):
    reader = LineReader(path)
    with rec.part("title.crew"):
        for chunk in chunked(tsv_rows(reader, columns=CREW_COLS, rec=rec), chunk_size):
            rec.count(read=len(chunk))
            parsed = []
            for line, (tconst, directors, writers) in chunk:
                try:
                    imdb_int(tconst, "tt", "tconst")
                    people = []
                    for cat, cell, field in (("director", directors, "directors"), ("writer", writers, "writers")):
                        if cell != NULL and cell:
                            for i, nc in enumerate(cell.split(",")):
                                imdb_int(nc, "nm", field)
                                people.append((cat, i, nc))
                except RowError as exc:
                    rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                    continue
                parsed.append((tconst, people))
            tids = title_ids(key="imdb_id", values={t for t, _ in parsed})
            pids = person_ids(key="imdb_id", values={nc for t, ps in parsed if t in tids for _, _, nc in ps})
            rows, skipped = [], 0
            for tconst, people in parsed:
                usable = [(c, i, nc) for c, i, nc in people if tconst in tids and nc in pids]
                if not usable:
                    skipped += 1
                    continue
                rows.extend(CreditRow(title_id=tids[tconst], person_id=pids[nc], category=c, ordering=i)
                            for c, i, nc in usable)
            rec.count(skipped=skipped)
            res = credits_upsert(rows, update=False)
            # counted per crew row (one title): inserted when it brought a new credit
            kept = {r.title_id for r in rows}
            rec.count(inserted=len(res["touched"]), unchanged=len(kept - res["touched"]))
            rec.checkpoint()


# --- 7. title.ratings -----------------------------------------------------------------------------
def _import_ratings(path, rec, *, chunk_size):
    reader = LineReader(path)
    with rec.part("title.ratings"):
        for chunk in chunked(tsv_rows(reader, columns=RATINGS_COLS, rec=rec), chunk_size):
            rec.count(read=len(chunk))
            parsed = {}
            for line, (tconst, avg, votes) in chunk:
                try:
                    imdb_int(tconst, "tt", "tconst")
                    try:
                        rating = Decimal(avg)
                    except InvalidOperation:
                        raise RowError(f"averageRating is not a number: {avg[:40]!r}", "averageRating")
                    if not rating.is_finite() or not (0 <= rating <= 10):
                        raise RowError(f"averageRating {avg[:40]} is outside 0–10", "averageRating")
                    n = parse_int(votes, "numVotes", lo=0, hi=2**31 - 1)
                except RowError as exc:
                    rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                    continue
                parsed[tconst] = (rating.quantize(Decimal("0.1")), n)
            stored = {imdb: (pk, r, v) for imdb, pk, r, v in filter_in(Title.objects, "imdb_id", list(parsed))
                      .values_list("imdb_id", "id", "imdb_rating", "imdb_votes")}
            now = timezone.now()
            changes, unchanged = [], 0
            for tconst, (rating, votes) in parsed.items():
                s = stored.get(tconst)
                if s is None:
                    continue
                if s[1] == rating and s[2] == votes:
                    unchanged += 1
                else:
                    changes.append((s[0], rating, votes, now))
            with transaction.atomic():
                update_from_values(Title._meta.db_table, "id", ("imdb_rating", "imdb_votes", "updated_at"), changes)
            rec.count(updated=len(changes), unchanged=unchanged, skipped=len(parsed) - len(changes) - unchanged)
            rec.checkpoint()
