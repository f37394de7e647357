"""TMDB 5000 layout: tmdb_5000_movies.csv → titles; tmdb_5000_credits.csv → people and credits.

Movies CSV columns (header row, CSV quoting, JSON lists inside cells): budget, genres, homepage,
id, keywords, original_language, original_title, overview, popularity, production_companies,
production_countries, release_date, revenue, runtime, spoken_languages, status, tagline, title,
vote_average, vote_count (an ``imdb_id`` column is used when present). Budget/revenue/runtime 0
mean unknown (stored as NULL). Titles are merged onto stored titles by TMDB id, else IMDb id,
else normalised title + release year (only when exactly one stored title matches), else created.

Credits CSV: ``movie_id,title,cast,crew`` where cast is a JSON list of {name, character, order,
id[, gender]} and crew of {name, job, department, id}. People are keyed by their TMDB id.
Credits kept: cast (actor, or actress when gender = 1), director (job Director), writer
(department Writing), producer (Producer, Executive Producer), composer (Original Music
Composer); other crew jobs are counted as skipped.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from catalog.models import CreditCategory
from core.errors import SourceError

from .fields import RowError, clip, parse_float, parse_int
from .lookups import Lookups
from .people import CreditRow, PersonRow, credits_upsert, people_upsert
from .reading import LineReader, check_readable, csv_records
from .recorder import ImportRecorder, run_import
from .titles import TitleRow, title_ids, titles_upsert

MOVIE_COLUMNS = ("id", "title")
CREDIT_COLUMNS = ("movie_id", "cast", "crew")
OWNED = ("overview", "tagline", "budget", "revenue", "tmdb_popularity", "tmdb_vote_average", "tmdb_vote_count",
         "release_date", "original_language")
INT_MAX = 2**31 - 1
BIG_MAX = 2**63 - 1


def tmdb_import(*, movies_csv=None, credits_csv=None, progress=None, chunk_size: int = 2000):
    """Import the TMDB movies CSV and/or credits CSV. Returns the finished ImportRun."""
    paths = [p for p in (movies_csv, credits_csv) if p]

    def body(rec: ImportRecorder):
        for p in paths:
            check_readable(p)
        if movies_csv:
            _import_movies(movies_csv, rec, chunk_size=chunk_size)
        if credits_csv:
            _import_credits(credits_csv, rec, chunk_size=chunk_size)

    return run_import(source="tmdb", paths=paths, options={}, progress=progress, body=body)


def _records(path, required, rec):
    """(line, {column: value}) for each CSV record; malformed records are rejected."""
    reader = LineReader(path)
    records = csv_records(reader)
    first = next(records, None)
    if first is None or first[2] is None:
        raise SourceError("the file is empty or its header is not CSV", path=path, line=1)
    header = [h.strip() for h in first[2]]
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError(f"header is missing column(s) {', '.join(missing)}", path=path, line=1)
    width = len(header)
    for start, end, fields, err in records:
        if fields == [] or fields == [""]:
            continue
        rec.count(read=1)
        if err:
            rec.reject(path=path, line=start, reason=err)
            continue
        if len(fields) != width:
            rec.reject(path=path, line=start, reason=f"expected {width} columns, found {len(fields)}")
            continue
        if any(n in reader.bad_lines for n in range(start, end + 1)):
            rec.reject(path=path, line=start, reason="not valid UTF-8 text")
            continue
        yield start, dict(zip(header, fields, strict=True))


def _json_list(raw, field):
    raw = (raw or "").strip()
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        raise RowError(f"{field} is not valid JSON", field)
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise RowError(f"{field} must be a JSON list of objects", field)
    return value


def _named(items, field, *, id_key="id", name_key="name"):
    """(name, id) pairs; entries without a name are left out (the real file has a few)."""
    out = []
    for x in items:
        name = x.get(name_key)
        if name is None or (isinstance(name, str) and not name.strip()):
            continue
        if not isinstance(name, str):
            raise RowError(f"{field}: a name is not text", field)
        tid = x.get(id_key)
        if tid is not None and (isinstance(tid, bool) or not isinstance(tid, int) or not 0 < tid <= INT_MAX):
            raise RowError(f"{field}: bad id {tid!r}", field)
        out.append((name.strip(), tid))
    return out


def _money(raw, field):
    v = parse_float(raw, field, lo=0, hi=BIG_MAX)
    return None if not v else int(v)


def _movie_row(line, c):
    tmdb_id = parse_int(c["id"], "id", lo=1, hi=INT_MAX)
    if tmdb_id is None:
        raise RowError("id is empty", "id")
    title = (c.get("title") or "").strip()
    if not title:
        raise RowError("title is empty", "title")
    if len(title) > 500:
        raise RowError("title is longer than 500 characters", "title")
    release = (c.get("release_date") or "").strip()
    release_date = None
    if release:
        try:
            release_date = dt.date.fromisoformat(release)
        except ValueError:
            raise RowError(f"release_date is not YYYY-MM-DD: {release[:40]!r}", "release_date")
        if not 1800 <= release_date.year <= 2100:
            raise RowError(f"release_date {release} is out of range", "release_date")
    runtime = parse_float(c.get("runtime", ""), "runtime", lo=0, hi=100_000)
    fields = {
        "title_type": "movie",
        "primary_title": title,
        "original_title": clip((c.get("original_title") or "").strip(), 500),
        "start_year": release_date.year if release_date else None,
        "runtime_minutes": int(runtime) if runtime else None,
        "release_date": release_date,
        "original_language": clip((c.get("original_language") or "").strip(), 16),
        "overview": (c.get("overview") or "").strip(),
        "tagline": clip((c.get("tagline") or "").strip(), 500),
        "budget": _money(c.get("budget", ""), "budget"),
        "revenue": _money(c.get("revenue", ""), "revenue"),
        "tmdb_popularity": parse_float(c.get("popularity", ""), "popularity", lo=0),
        "tmdb_vote_average": parse_float(c.get("vote_average", ""), "vote_average", lo=0, hi=10),
        "tmdb_vote_count": parse_int(c.get("vote_count", ""), "vote_count", lo=0, hi=INT_MAX),
    }
    ids = {}
    imdb = (c.get("imdb_id") or "").strip()
    if imdb:
        if not (imdb.startswith("tt") and imdb[2:].isdigit()):
            raise RowError(f"imdb_id is not an IMDb id: {imdb[:40]!r}", "imdb_id")
        ids["imdb_id"] = imdb
    countries = [(x.get("iso_3166_1"), x.get("name")) for x in _json_list(c.get("production_countries"),
                                                                          "production_countries")]
    if any(not isinstance(code, str) or not code for code, _ in countries):
        raise RowError("production_countries: an entry has no iso_3166_1 code", "production_countries")
    return TitleRow(
        line=line, key=tmdb_id, fields=fields, ids=ids,
        genres=[n for n, _ in _named(_json_list(c.get("genres"), "genres"), "genres")],
        keywords=_named(_json_list(c.get("keywords"), "keywords"), "keywords"),
        companies=_named(_json_list(c.get("production_companies"), "production_companies"), "production_companies"),
        countries=countries,
    )


def _import_movies(path, rec, *, chunk_size):
    lookups = Lookups()
    with rec.part(Path(path).name):
        batch = []
        for line, c in _records(path, MOVIE_COLUMNS, rec):
            try:
                batch.append(_movie_row(line, c))
            except RowError as exc:
                rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                continue
            if len(batch) >= chunk_size:
                _flush_movies(batch, path, rec, lookups)
                batch = []
        if batch:
            _flush_movies(batch, path, rec, lookups)


def _flush_movies(batch, path, rec, lookups):
    titles_upsert(batch, source="tmdb", key="tmdb_id", path=path, rec=rec, lookups=lookups, fallbacks=("imdb_id",),
                  owned=OWNED)
    rec.checkpoint()


# --- credits --------------------------------------------------------------------------------------
def _crew_category(job, department):
    if job == "Director":
        return CreditCategory.DIRECTOR.value
    if department == "Writing":
        return CreditCategory.WRITER.value
    if job in ("Producer", "Executive Producer"):
        return CreditCategory.PRODUCER.value
    if job == "Original Music Composer":
        return CreditCategory.COMPOSER.value
    return None


def _person(x, field):
    pid, name = x.get("id"), x.get("name")
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= INT_MAX:
        raise RowError(f"{field}: a person has a bad id {pid!r}", field)
    if not isinstance(name, str) or not name.strip():
        raise RowError(f"{field}: person {pid} has no name", field)
    return pid, name.strip()


def _credit_rows(line, c):
    """(movie id, [(person tmdb id, name, category, ordering, job, characters)], skipped crew)."""
    movie = parse_int(c["movie_id"], "movie_id", lo=1, hi=INT_MAX)
    if movie is None:
        raise RowError("movie_id is empty", "movie_id")
    out: dict[tuple, list] = {}
    for x in _json_list(c["cast"], "cast"):
        pid, name = _person(x, "cast")
        order = x.get("order", 0)
        if isinstance(order, bool) or not isinstance(order, int):
            raise RowError(f"cast: bad order {order!r}", "cast")
        cat = CreditCategory.ACTRESS.value if x.get("gender") == 1 else CreditCategory.ACTOR.value
        character = x.get("character") or ""
        if not isinstance(character, str):
            raise RowError("cast: character must be text", "cast")
        key = (pid, cat)
        if key in out:
            if character and character not in out[key][5]:
                out[key][5].append(character)
            continue
        out[key] = [pid, name, cat, order, "", [character] if character else []]
    skipped = 0
    for i, x in enumerate(_json_list(c["crew"], "crew")):
        pid, name = _person(x, "crew")
        job, dept = x.get("job") or "", x.get("department") or ""
        if not isinstance(job, str) or not isinstance(dept, str):
            raise RowError("crew: job and department must be text", "crew")
        cat = _crew_category(job, dept)
        if cat is None:
            skipped += 1
            continue
        key = (pid, cat)
        if key in out:  # the same person with several jobs in one role: "Screenplay, Novel"
            jobs = out[key][4].split(", ") if out[key][4] else []
            if job and job not in jobs:
                out[key][4] = ", ".join([*jobs, job])
            continue
        out[key] = [pid, name, cat, i, job, []]
    return movie, list(out.values()), skipped


def _import_credits(path, rec, *, chunk_size):
    with rec.part(Path(path).name):
        batch = []
        for line, c in _records(path, CREDIT_COLUMNS, rec):
            try:
                batch.append((line, *_credit_rows(line, c)))
            except RowError as exc:
                rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                continue
            if len(batch) >= max(1, chunk_size // 10):  # a credits row holds dozens of credits
                _flush_credits(batch, path, rec)
                batch = []
        if batch:
            _flush_credits(batch, path, rec)


def _flush_credits(batch, path, rec):
    tids = title_ids(key="tmdb_id", values={m for _, m, _, _ in batch})
    people = [PersonRow(key=pid, name=name) for _, m, credits, _ in batch if m in tids
              for pid, name, *_ in credits]
    pids, pcounts = people_upsert(people, key="tmdb_id")
    rows, known_movies, skipped = [], set(), 0
    for line, movie, credits, skipped_crew in batch:
        if movie not in tids:
            rec.reject(path=path, line=line, reason=f"movie_id {movie} is not in the catalog (import the movies CSV first)",
                       field="movie_id")
            continue
        known_movies.add(tids[movie])
        skipped += skipped_crew
        rows.extend(CreditRow(title_id=tids[movie], person_id=pids[pid], category=cat, ordering=order, job=job,
                              characters=chars) for pid, _name, cat, order, job, chars in credits)
    res = credits_upsert(rows)
    # counted per credits row (one movie): inserted when it brought new credits, updated when it changed some
    inserted = res["titles_new"]
    updated = res["titles_changed"] - inserted
    rec.count(inserted=len(inserted), updated=len(updated), unchanged=len(known_movies - inserted - updated))
    rec.parts.setdefault("people (from credits)", type(rec.totals)())
    people_part = rec.parts["people (from credits)"]
    for k in ("inserted", "updated", "unchanged"):
        people_part[k] += pcounts[k]
    people_part["read"] += len(people)
    rec.parts.setdefault("credits (cast and crew entries)", type(rec.totals)())
    cpart = rec.parts["credits (cast and crew entries)"]
    cpart["read"] += len(rows) + skipped
    for k in ("inserted", "updated", "unchanged"):
        cpart[k] += res[k]
    cpart["skipped"] += skipped
    rec.checkpoint()
