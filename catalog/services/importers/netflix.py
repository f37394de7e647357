"""Netflix Prize: movie_titles.csv → titles; combined_data_N.txt / mv_NNNNNNN.txt → rating events.

* ``movie_titles.csv``: ISO-8859-1, no header, ``MovieID,YearOfRelease,Title`` where the title
  is not quoted and may contain commas (split on the first two commas only); the year may be
  ``NULL``. Titles are keyed by `netflix_id`.
* Ratings, both layouts (plain or gzip): ``combined_data_N.txt`` — ``MovieID:`` header lines,
  each followed by ``CustomerID,Rating,Date`` rows — and the per-movie ``mv_0000001.txt`` files
  (first line ``1:``, then the same rows). Each rating becomes an `Event(kind="rating",
  source="import")` for the viewer keyed by its Netflix customer id, through
  `interactions.services.imports.ratings_import_bulk` (COPY on PostgreSQL).
"""
from __future__ import annotations

import datetime as dt

from catalog.models import Title

from .base import ImportRecorder, LineReader, Lookups, RowError, check_readable, open_binary, parse_year, run_import
from .titles import TitleRow, titles_upsert

NETFLIX_ID_MAX = 2**31 - 1
CUSTOMER_ID_MAX = 2**63 - 1


def netflix_import(*, titles_path=None, ratings_paths=(), progress=None, chunk_size: int = 5000,
                   ratings_chunk_size: int | None = None):
    """Import movie titles and/or rating files. Returns the finished ImportRun."""
    paths = ([titles_path] if titles_path else []) + list(ratings_paths)

    def body(rec: ImportRecorder):
        for p in paths:
            check_readable(p)
        if titles_path:
            _import_titles(titles_path, rec, chunk_size=chunk_size)
        if ratings_paths:
            movie_map = dict(Title.objects.filter(netflix_id__isnull=False).values_list("netflix_id", "id"))
            for p in ratings_paths:
                _import_ratings(p, rec, movie_map, chunk_size=ratings_chunk_size)

    return run_import(source="netflix", paths=paths, options={"titles": str(titles_path) if titles_path else None},
                      progress=progress, body=body)


def _parse_title_line(text):
    parts = text.rstrip("\r\n").split(",", 2)
    if len(parts) != 3:
        raise RowError(f"expected MovieID,YearOfRelease,Title — found {len(parts)} field(s)")
    raw_id, raw_year, name = parts
    try:
        movie_id = int(raw_id)
    except ValueError:
        raise RowError(f"MovieID is not an integer: {raw_id[:40]!r}", "MovieID")
    if not 1 <= movie_id <= NETFLIX_ID_MAX:
        raise RowError(f"MovieID {movie_id} is out of range", "MovieID")
    year = parse_year(raw_year, "YearOfRelease")
    name = name.strip()
    if not name:
        raise RowError("Title is empty", "Title")
    if len(name) > 500:
        raise RowError("Title is longer than 500 characters", "Title")
    return movie_id, year, name


def _import_titles(path, rec, *, chunk_size):
    reader = LineReader(path, encoding="latin-1")
    lookups = Lookups()
    with rec.part("movie_titles"):
        batch, read = [], 0
        for text in reader:
            line = reader.lineno
            if not text.strip():
                continue
            read += 1
            try:
                movie_id, year, name = _parse_title_line(text)
            except RowError as exc:
                rec.reject(path=path, line=line, reason=exc.reason, field=exc.field)
                continue
            batch.append(TitleRow(line=line, key=movie_id, fields={"primary_title": name, "start_year": year}))
            if len(batch) >= chunk_size:
                rec.count(read=read)
                read = 0
                titles_upsert(batch, source="netflix", key="netflix_id", path=path, rec=rec, lookups=lookups)
                batch = []
                rec.checkpoint()
        if batch:
            titles_upsert(batch, source="netflix", key="netflix_id", path=path, rec=rec, lookups=lookups)
        rec.count(read=read)


def parse_ratings(path, movie_map: dict, rec: ImportRecorder):
    """(customer id, title id, rating, 'YYYY-MM-DD') for each valid rating line of a ratings file.

    Malformed lines and ratings of unknown movies are rejected on `rec` with their line.
    Both layouts: `MovieID:` header lines may appear anywhere (combined_data) or once (mv_*.txt).
    """
    valid_dates: set[bytes] = set()
    title_id = None
    movie = None
    unknown_from = None  # (line, movie id) of an unknown movie whose rows are being rejected
    unknown_rows = 0
    fh = open_binary(path)
    lineno = 0
    try:
        with fh:
            for lineno, raw in enumerate(fh, 1):  # noqa: B007 - lineno is read after the loop
                parts = raw.split(b",")
                if len(parts) == 3:
                    cust, rating, date = parts
                    date = date.rstrip()
                    if title_id is not None and rating in (b"1", b"2", b"3", b"4", b"5") \
                            and date in valid_dates and cust.isdigit() and len(cust) < 19:
                        yield int(cust), title_id, int(rating), date.decode()
                        continue
                    reason = _rating_error(cust, rating, date, valid_dates, title_id, unknown_from)
                    if reason is None:  # a valid date seen for the first time
                        yield int(cust), title_id, int(rating), date.decode()
                        continue
                    if reason == "unknown":
                        unknown_rows += 1
                        continue
                    rec.reject(path=path, line=lineno, reason=reason)
                    continue
                text = raw.strip()
                if text.endswith(b":") and len(parts) == 1:
                    if unknown_from is not None:
                        _report_unknown(rec, path, unknown_from, unknown_rows)
                        unknown_from, unknown_rows = None, 0
                    digits = text[:-1]
                    movie = int(digits) if digits.isdigit() else None
                    title_id = movie_map.get(movie) if movie is not None else None
                    if movie is None:
                        rec.reject(path=path, line=lineno, reason=f"bad movie header {text[:40].decode('latin-1')!r}")
                        unknown_from = (lineno, None)
                    elif title_id is None:
                        unknown_from = (lineno, movie)
                    continue
                if not text:
                    continue
                rec.reject(path=path, line=lineno,
                           reason=f"expected CustomerID,Rating,Date or MovieID: — found {len(parts)} field(s)")
    except (OSError, EOFError) as exc:
        from core.errors import SourceError

        raise SourceError(f"the file is unreadable after line {lineno}: {exc}", path=path, line=lineno + 1)
    if unknown_from is not None:
        _report_unknown(rec, path, unknown_from, unknown_rows)


def _report_unknown(rec, path, unknown_from, n):
    line, movie = unknown_from
    if movie is None:  # a bad header: its rows are rejected with it
        if n:
            rec.count(rejected=n)
        return
    rec.reject(path=path, line=line, count=n,
               reason=f"MovieID {movie} is not in the catalog (import movie_titles.csv first): "
                      f"its {n} rating(s) were not imported")


def _rating_error(cust, rating, date, valid_dates, title_id, unknown_from):
    """The reason a rating line is bad; None when it is valid (its date is then remembered)."""
    if not cust.isdigit() or int(cust) > CUSTOMER_ID_MAX or int(cust) == 0:
        return f"CustomerID is not a positive integer: {cust[:40].decode('latin-1')!r}"
    if rating not in (b"1", b"2", b"3", b"4", b"5"):
        return f"Rating must be an integer 1 to 5, not {rating[:20].decode('latin-1')!r}"
    try:
        text = date.decode("ascii")
        if len(text) != 10:
            raise ValueError
        d = dt.date.fromisoformat(text)
        if not 1990 <= d.year <= 2100:
            raise ValueError
    except ValueError:
        return f"Date is not YYYY-MM-DD: {date[:40].decode('latin-1')!r}"
    if title_id is None:
        if unknown_from is not None:
            return "unknown"
        return "rating line before any MovieID: header"
    valid_dates.add(date)
    return None


def _import_ratings(path, rec, movie_map, *, chunk_size):
    from interactions.services.imports import ratings_import_bulk

    name = f"ratings {getattr(path, 'name', str(path).rsplit('/', 1)[-1])}"
    with rec.part(name):
        rejected_before = rec.totals["rejected"]
        state = {"read": 0}

        def on_chunk(c):
            rec.count(read=c["read"] - state["read"])
            state["read"] = c["read"]
            rec.checkpoint()

        counts = ratings_import_bulk(source="netflix", rows=parse_ratings(path, movie_map, rec), run=None,
                                     chunk_size=chunk_size, on_chunk=on_chunk)
        parse_rejected = rec.totals["rejected"] - rejected_before
        rec.count(read=parse_rejected, inserted=counts["inserted"], unchanged=counts["duplicates"],
                  rejected=counts["rejected"])
        rec.notes.append(f"{name}: {counts['viewers_created']:,} viewer(s) created, "
                         f"{counts['interactions']:,} interaction(s) inserted or updated")
