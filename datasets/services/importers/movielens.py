"""MovieLens (GroupLens): movies, links, tags → titles and keywords; ratings → rating events.

Layouts recognised in the directory:

* ml-latest / ml-latest-small / ml-20m / ml-25m / ml-32m: ``movies.csv`` (movieId,title,genres —
  the title ends with "(year)"), ``links.csv`` (movieId,imdbId,tmdbId: imdbId is 7 digits ⇒
  ``tt`` + imdbId; tmdbId may be empty), ``tags.csv`` (userId,movieId,tag,timestamp),
  ``ratings.csv`` (userId,movieId,rating,timestamp).
* ml-100k: ``u.item`` (pipe-separated, latin-1, 19 genre flags) and ``u.data`` (tab-separated
  user item rating timestamp).
* ml-1m / ml-10m: ``movies.dat`` / ``ratings.dat`` / ``tags.dat`` (``::``-separated, latin-1).

Titles are matched by movielens_id, else the IMDb id from links, else the TMDB id from links,
else created. "Shawshank Redemption, The (1994)" becomes "The Shawshank Redemption", 1994; a
trailing alternate title in parentheses becomes the original title. Tags become keywords (added,
never removed). Ratings become rating events of the viewers keyed by MovieLens user id.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.db import transaction

from catalog.models import Title
from core.errors import SourceError

from .fields import RowError, parse_int
from .lookups import Lookups
from .reading import LineReader, check_readable, chunked, csv_records
from .recorder import ImportRecorder, run_import
from .sql import filter_in, insert_rows
from .titles import TitleRow, titles_upsert

LAYOUTS = {
    "csv": {"movies": "movies.csv", "links": "links.csv", "tags": "tags.csv", "ratings": "ratings.csv"},
    "100k": {"movies": "u.item", "ratings": "u.data"},
    "dat": {"movies": "movies.dat", "tags": "tags.dat", "ratings": "ratings.dat"},
}
U_ITEM_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                 "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                 "War", "Western")
ARTICLES = ("The", "A", "An", "Les", "La", "Le", "L'", "Il", "I", "Lo", "Gli", "Das", "Der", "Die", "Ein", "Eine",
            "El", "Los", "Las", "Un", "Une", "De", "Het", "Den", "Det", "O", "Os", "As")
_YEAR = re.compile(r"\s*\((\d{4})(?:\s*[–-]\s*(?:\d{4})?)?\)\s*$")
_ARTICLE = re.compile(r"^(.*\S), (" + "|".join(re.escape(a) for a in ARTICLES) + r")$")
_ALT = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")
ML_ID_MAX = 2**31 - 1


def find_layout(directory) -> tuple[str, dict[str, Path]]:
    d = Path(directory)
    if not d.is_dir():
        raise SourceError("directory not found", path=d)
    for layout, names in LAYOUTS.items():
        if (d / names["movies"]).exists():
            return layout, {k: d / v for k, v in names.items() if (d / v).exists()}
    raise SourceError("no MovieLens movies file found (expected movies.csv, u.item or movies.dat)", path=d)


def movielens_import(*, directory, ratings: bool = True, progress=None, chunk_size: int = 5000,
                     ratings_chunk_size: int | None = None):
    """Import a MovieLens directory (any of the layouts). Returns the finished ImportRun."""
    layout, files = find_layout(directory)

    def body(rec: ImportRecorder):
        for p in files.values():
            check_readable(p)
        links = _read_links(files["links"], rec) if "links" in files else {}
        _import_movies(files["movies"], layout, links, rec, chunk_size=chunk_size)
        links = None
        movie_map = dict(Title.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "id"))
        if "tags" in files:
            _import_tags(files["tags"], layout, movie_map, rec, chunk_size=chunk_size)
        if ratings and "ratings" in files:
            _import_ratings(files["ratings"], layout, movie_map, rec, chunk_size=ratings_chunk_size)
            from interactions.services.stats import title_stats_refresh

            title_stats_refresh()

    paths = [files[k] for k in ("movies", "links", "tags", "ratings") if k in files and (ratings or k != "ratings")]
    return run_import(source="movielens", paths=paths, options={"layout": layout, "ratings": ratings},
                      progress=progress, body=body)


# --- titles ---------------------------------------------------------------------------------------
def _article_first(text):
    m = _ARTICLE.match(text)
    if not m:
        return text
    art = m.group(2)
    return f"{art}{m.group(1)}" if art.endswith("'") else f"{art} {m.group(1)}"


def split_title(raw: str) -> tuple[str, str, int | None]:
    """'City of Lost Children, The (Cité des enfants perdus, La) (1995)' →
    ('The City of Lost Children', 'La Cité des enfants perdus', 1995)."""
    raw = raw.strip()
    year = None
    m = _YEAR.search(raw)
    if m:
        year = int(m.group(1))
        raw = raw[:m.start()].strip()
    original = ""
    m = _ALT.match(raw)
    if m and not m.group(1).startswith("("):
        alt = m.group(2).strip()
        raw = m.group(1)
        if not alt.lower().startswith(("a.k.a", "aka ")):
            original = _article_first(alt)
    return _article_first(raw), original, year


def _title_row(line, movie_id, raw_title, genres, links):
    try:
        mid = int(movie_id)
    except ValueError:
        raise RowError(f"movieId is not an integer: {movie_id[:40]!r}", "movieId")
    if not 1 <= mid <= ML_ID_MAX:
        raise RowError(f"movieId {mid} is out of range", "movieId")
    primary, original, year = split_title(raw_title)
    if not primary:
        raise RowError("title is empty", "title")
    if len(primary) > 500:
        raise RowError("title is longer than 500 characters", "title")
    if year is not None and not 1800 <= year <= 2100:
        raise RowError(f"year {year} is out of range", "title")
    fields = {"primary_title": primary, "start_year": year}
    if original:
        fields["original_title"] = original[:500]
    imdb, tmdb = links.get(mid, (None, None))
    return TitleRow(line=line, key=mid, fields=fields, ids={"imdb_id": imdb, "tmdb_id": tmdb}, genres=genres)


def _read_links(path, rec):
    """{movieId: (tconst | None, tmdb id | None)} — small (one entry per movie)."""
    links = {}
    reader = LineReader(path)
    records = csv_records(reader)
    header = next(records, None)
    if header is None:
        return links
    if header[2] is None or [h.strip() for h in header[2][:3]] != ["movieId", "imdbId", "tmdbId"]:
        raise SourceError("header must be movieId,imdbId,tmdbId", path=path, line=1)
    read = 0
    for start, _end, fields, err in records:
        if fields == [] or fields == [""]:
            continue
        read += 1
        try:
            if err or fields is None:
                raise RowError(err or "malformed line")
            if len(fields) != 3:
                raise RowError(f"expected 3 columns, found {len(fields)}")
            mid = parse_int(fields[0], "movieId", lo=1, hi=ML_ID_MAX)
            if mid is None:
                raise RowError("movieId is empty", "movieId")
            imdb = fields[1].strip()
            if imdb and not imdb.isdigit():
                raise RowError(f"imdbId is not a number: {imdb[:40]!r}", "imdbId")
            tmdb = parse_int(fields[2], "tmdbId", lo=1, hi=2**31 - 1)
        except RowError as exc:
            rec.reject(path=path, line=start, reason=exc.reason, field=exc.field)
            continue
        links[mid] = (f"tt{imdb.zfill(7)}" if imdb else None, tmdb)
    # links rows are not rows of their own: they give ids to the movies (counted there)
    rec.notes.append(f"links: {read:,} row(s) read, {len(links):,} movie(s) with IMDb/TMDB ids")
    return links


def _movie_rows(path, layout, links, rec):
    """(line, TitleRow) for each valid movie; rejects malformed ones."""
    if layout == "csv":
        reader = LineReader(path)
        records = csv_records(reader)
        header = next(records, None)
        if header is None:
            return
        if header[2] is None or [h.strip() for h in header[2][:3]] != ["movieId", "title", "genres"]:
            raise SourceError("header must be movieId,title,genres", path=path, line=1)
        for start, _end, fields, err in records:
            if fields == [] or fields == [""]:
                continue
            rec.count(read=1)
            try:
                if err:
                    raise RowError(err)
                if start in reader.bad_lines:
                    raise RowError("not valid UTF-8 text")
                if len(fields) != 3:
                    raise RowError(f"expected 3 columns (movieId,title,genres), found {len(fields)}")
                yield _title_row(start, fields[0], fields[1], fields[2].split("|"), links)
            except RowError as exc:
                rec.reject(path=path, line=start, reason=exc.reason, field=exc.field)
        return
    reader = LineReader(path, encoding="latin-1")
    for text in reader:
        line = reader.lineno
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        rec.count(read=1)
        try:
            if layout == "100k":
                f = text.split("|")
                if len(f) != 5 + len(U_ITEM_GENRES):
                    raise RowError(f"expected {5 + len(U_ITEM_GENRES)} |-separated fields, found {len(f)}")
                flags = f[5:]
                if any(x not in ("0", "1") for x in flags):
                    raise RowError("genre flags must be 0 or 1")
                genres = [g for g, flag in zip(U_ITEM_GENRES, flags, strict=True) if flag == "1"]
                yield _title_row(line, f[0], f[1], genres, links)
            else:
                f = text.split("::")
                if len(f) != 3:
                    raise RowError(f"expected MovieID::Title::Genres, found {len(f)} field(s)")
                yield _title_row(line, f[0], f[1], f[2].split("|"), links)
        except RowError as exc:
            rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)


def _import_movies(path, layout, links, rec, *, chunk_size):
    lookups = Lookups()
    with rec.part(Path(path).name):
        for batch in chunked(_movie_rows(path, layout, links, rec), chunk_size):
            titles_upsert(batch, source="movielens", key="movielens_id", path=path, rec=rec, lookups=lookups,
                          fallbacks=("imdb_id", "tmdb_id"))
            rec.checkpoint()


# --- tags -----------------------------------------------------------------------------------------
def _tag_rows(path, layout, rec):
    if layout == "csv":
        reader = LineReader(path)
        records = csv_records(reader)
        header = next(records, None)
        if header is None:
            return
        for start, _end, fields, err in records:
            if fields == [] or fields == [""]:
                continue
            if err or len(fields) != 4:
                rec.count(read=1)
                rec.reject(path=path, line=start, reason=err or f"expected 4 columns, found {len(fields)}")
                continue
            yield start, fields[1], fields[2]
    else:
        reader = LineReader(path, encoding="latin-1")
        for text in reader:
            if not text.strip():
                continue
            f = text.rstrip("\r\n").split("::")
            if len(f) != 4:
                rec.count(read=1)
                rec.reject(path=path, line=reader.lineno, reason=f"expected 4 ::-separated fields, found {len(f)}")
                continue
            yield reader.lineno, f[1], f[2]


def _import_tags(path, layout, movie_map, rec, *, chunk_size):
    lookups = Lookups()
    through = Title.keywords.through
    with rec.part(Path(path).name):
        for chunk in chunked(_tag_rows(path, layout, rec), chunk_size):
            rec.count(read=len(chunk))
            pairs = []
            for line, movie, tag in chunk:
                tag = " ".join(tag.split()).lower()[:255]
                if not tag:
                    rec.reject(path=path, line=line, reason="tag is empty", field="tag")
                    continue
                mid = int(movie) if movie.strip().isdigit() else None
                if mid is None:
                    rec.reject(path=path, line=line, reason=f"movieId is not an integer: {movie[:40]!r}", field="movieId")
                    continue
                if mid not in movie_map:
                    rec.reject(path=path, line=line, reason=f"movieId {mid} is not in the catalog", field="movieId")
                    continue
                pairs.append((movie_map[mid], tag))
            kw = lookups.keyword_map({(t, None) for _, t in pairs})
            links = [(tid, kw[(t, None)]) for tid, t in pairs if (t, None) in kw]
            existing = set(filter_in(through.objects, "title_id", {t for t, _ in links})
                           .values_list("title_id", "keyword_id"))
            new = []
            for link in links:
                if link not in existing:
                    existing.add(link)
                    new.append(link)
            with transaction.atomic():
                insert_rows(through, ["title_id", "keyword_id"], new, ignore=True)
            rec.count(inserted=len(new), unchanged=len(pairs) - len(new))
            rec.checkpoint()


# --- ratings --------------------------------------------------------------------------------------
def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()[:19]


def parse_ratings(path, layout, movie_map, rec):
    """(user id, title id, rating, 'YYYY-MM-DDTHH:MM:SS') for each valid rating line."""
    reader = LineReader(path, encoding="latin-1")
    sep = {"csv": ",", "100k": "\t", "dat": "::"}[layout]
    it = iter(reader)
    if layout == "csv":
        header = next(it, "")
        if header.strip().split(",")[:4] != ["userId", "movieId", "rating", "timestamp"]:
            raise SourceError("header must be userId,movieId,rating,timestamp", path=path, line=1)
    for text in it:
        f = text.rstrip("\r\n").split(sep)
        try:
            if len(f) != 4:
                if len(f) == 1 and not f[0].strip():
                    continue
                raise RowError(f"expected 4 fields (user, movie, rating, timestamp), found {len(f)}")
            user, movie, rating, ts = f
            try:
                uid = int(user)
                mid = int(movie)
                r = float(rating)
                t = int(ts)
            except ValueError:
                raise RowError("user, movie and timestamp must be integers and rating a number")
            if uid < 1 or uid > 2**63 - 1:
                raise RowError(f"userId {uid} is out of range", "userId")
            if not (0.5 <= r <= 5 and r * 2 == int(r * 2)):
                raise RowError(f"rating {rating[:20]} is not 0.5–5 in steps of 0.5", "rating")
            if not 0 < t < 4_102_444_800:
                raise RowError(f"timestamp {t} is out of range", "timestamp")
            title_id = movie_map.get(mid)
            if title_id is None:
                raise RowError(f"movieId {mid} is not in the catalog", "movieId")
        except RowError as exc:
            rec.reject(path=path, line=reader.lineno, reason=exc.reason, field=exc.field)
            continue
        yield uid, title_id, r, _iso(t)


def _import_ratings(path, layout, movie_map, rec, *, chunk_size):
    from interactions.services.ratings_import import ratings_import_bulk

    name = Path(path).name
    with rec.part(name):
        rejected_before = rec.totals["rejected"]
        state = {"read": 0}

        def on_chunk(c):
            rec.count(read=c["read"] - state["read"])
            state["read"] = c["read"]
            rec.checkpoint()

        counts = ratings_import_bulk(source="movielens", rows=parse_ratings(path, layout, movie_map, rec),
                                     chunk_size=chunk_size, on_chunk=on_chunk)
        rec.count(read=rec.totals["rejected"] - rejected_before, inserted=counts["inserted"],
                  updated=counts["updated"], unchanged=counts["duplicates"], rejected=counts["rejected"])
        rec.notes.append(f"{name}: {counts['viewers_created']:,} viewer(s) created, "
                         f"{counts['inserted']:,} rating(s) stored, {counts['updated']:,} replaced by a newer one")
