"""Netflix Prize: movie_titles.csv → titles; combined_data_N.txt / mv_NNNNNNN.txt → rating events.

* ``movie_titles.csv``: ISO-8859-1, no header, ``MovieID,YearOfRelease,Title`` where the title
  is not quoted and may contain commas (split on the first two commas only); the year may be
  ``NULL``. Titles are keyed by `netflix_id`.
* Ratings, both layouts (plain or gzip): ``combined_data_N.txt`` — ``MovieID:`` header lines,
  each followed by ``CustomerID,Rating,Date`` rows — and the per-movie ``mv_0000001.txt`` files
  (first line ``1:``, then the same rows), parsed a block at a time with numpy
  (`rating_blocks.py`). Each rating becomes an `ImportedRating` (keeping its date) of the viewer
  keyed by its Netflix customer id, through `interactions.services.ratings_import.ratings_import_bulk`
  (binary COPY on PostgreSQL).
"""
from __future__ import annotations

import datetime as dt

from catalog.models import Title

from .fields import RowError, parse_year
from .lookups import Lookups
from .reading import LineReader, check_readable, open_binary
from .recorder import ImportRecorder, run_import
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
            with rec.timed("titles"):
                _import_titles(titles_path, rec, chunk_size=chunk_size)
        if ratings_paths:
            from interactions.services.ratings_import import RatingsLoad

            with rec.timed("ratings"):  # parsing, viewers, COPY and the key build
                movie_map = dict(Title.objects.filter(netflix_id__isnull=False).values_list("netflix_id", "id"))
                with RatingsLoad("netflix") as load:  # one bulk load over all the files (key built after the last)
                    for p in ratings_paths:
                        _import_ratings(p, rec, movie_map, load=load, chunk_size=ratings_chunk_size)
                _load_finished(rec, load.final)
            from interactions.services.stats import title_stats_refresh

            with rec.timed("title statistics"):
                title_stats_refresh()

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


class _Movie:
    """The movie block a line belongs to: from its `MovieID:` header (or none yet)."""
    __slots__ = ("line", "movie", "title", "unknown")

    def __init__(self, line=None, movie=None, title=None):
        self.line, self.movie, self.title, self.unknown = line, movie, title, 0


def parse_rating_batches(path, movie_map: dict, rec: ImportRecorder):
    """`RatingBatch`es (numpy arrays, one per ~32 MB block) of the valid ratings of a ratings file.

    The same contract as `parse_ratings` (which it replaces on the import path): malformed lines are
    rejected on `rec` with their line and reason, ratings of a movie absent from the catalog are
    reported once per movie with their count; both layouts. Lines are checked and converted with
    array operations (`rating_blocks.fast_rating_lines`); only lines that fail that exact grammar
    go through the line-by-line checks, for their reason.
    """
    import numpy as np

    from .rating_blocks import RatingBatch, fast_rating_lines, read_blocks, split_lines

    valid_dates: set[bytes] = set()
    current = _Movie()
    top = max(movie_map, default=0)
    lookup = np.zeros(top + 2, dtype=np.int64)  # movie id → title id (0: not in the catalog)
    for movie, title in movie_map.items():
        lookup[movie] = title
    last_line = 0

    def finish(state):
        if state.line is None:
            return
        if state.movie is None:  # a bad header: its rows are rejected with it (counted)
            if state.unknown:
                rec.count(rejected=state.unknown)
        elif state.title is None and state.unknown:
            rec.reject(path=path, line=state.line, count=state.unknown,
                       reason=f"MovieID {state.movie} is not in the catalog (import movie_titles.csv first): "
                              f"its {state.unknown} rating(s) were not imported")

    try:
        for block, first_line in read_blocks(path):
            a = np.frombuffer(block, dtype=np.uint8)
            lines = split_lines(a, first_line)
            n = len(lines.starts)
            last_line = first_line + n - 1
            ok, cust, stars, day = fast_rating_lines(a, lines)
            nonempty = lines.ends > lines.starts
            is_head = nonempty & ~ok & (a[np.maximum(lines.ends - 1, 0)] == 58)
            heads = np.flatnonzero(is_head)
            states = [current]
            for h in heads.tolist():
                text = block[lines.starts[h]:lines.ends[h]].strip()
                digits = text[:-1]
                line = int(lines.numbers[h])
                if digits.isdigit() and b"," not in text:
                    movie = int(digits)
                    title = movie_map.get(movie)
                    states.append(_Movie(line, movie, title))
                else:
                    rec.reject(path=path, line=line, reason=f"bad movie header {text[:40].decode('latin-1')!r}")
                    states.append(_Movie(line, None, None))
            seg = np.searchsorted(heads, np.arange(n), side="right")  # 0 = the block's carried state
            title_of_seg = np.array([st.title or 0 for st in states], dtype=np.int64)
            title = title_of_seg[seg]
            good = ok & (title > 0)
            # Valid lines of movies not in the catalog (or under a bad header): counted per movie.
            orphan = ok & (title == 0)
            if orphan.any():
                per_seg = np.bincount(seg[orphan], minlength=len(states))
                for i in np.flatnonzero(per_seg).tolist():
                    st = states[i]
                    if st.line is None:  # before any header
                        for j in np.flatnonzero(orphan & (seg == i)).tolist():
                            rec.reject(path=path, line=int(lines.numbers[j]),
                                       reason="rating line before any MovieID: header")
                    else:
                        st.unknown += int(per_seg[i])
            extra = []
            for j in np.flatnonzero(nonempty & ~ok & ~is_head).tolist():
                raw = block[lines.starts[j]:lines.ends[j]]
                st = states[int(seg[j])]
                parts = raw.split(b",")
                line = int(lines.numbers[j])
                if len(parts) != 3:
                    rec.reject(path=path, line=line,
                               reason=f"expected CustomerID,Rating,Date or MovieID: — found {len(parts)} field(s)")
                    continue
                c, r, d = parts
                d = d.rstrip()
                reason = _rating_error(c, r, d, valid_dates, st.title, (st.line, st.movie) if st.line else None)
                if reason == "unknown":
                    st.unknown += 1
                elif reason is not None:
                    rec.reject(path=path, line=line, reason=reason)
                else:  # valid, although outside the fast path's grammar
                    y, m, dd = (int(x) for x in d.decode().split("-"))
                    extra.append((int(c), st.title, int(r), y, m, dd))
            for st in states[:-1]:  # movie blocks that ended in this block
                finish(st)
            current = states[-1]
            batch = RatingBatch(cust[good], title[good], (stars[good] * 2).astype(np.int16), day[good])
            if extra:
                from .rating_blocks import days_from_civil

                e = np.array(extra, dtype=np.int64)
                batch = RatingBatch.concat([batch, RatingBatch(
                    e[:, 0], e[:, 1], (e[:, 2] * 2).astype(np.int16), days_from_civil(e[:, 3], e[:, 4], e[:, 5]))])
            if len(batch):
                yield batch
    except (OSError, EOFError) as exc:
        from core.errors import SourceError

        raise SourceError(f"the file is unreadable after line {last_line}: {exc}", path=path, line=last_line + 1)
    finish(current)


def _import_ratings(path, rec, movie_map, *, load, chunk_size):
    name = f"ratings {getattr(path, 'name', str(path).rsplit('/', 1)[-1])}"
    with rec.part(name):
        rejected_before = rec.totals["rejected"]
        state = {"read": 0}

        def on_chunk(c):
            rec.count(read=c["read"] - state["read"])
            state["read"] = c["read"]
            rec.checkpoint()

        counts = load.load(batches=parse_rating_batches(path, movie_map, rec), chunk_size=chunk_size,
                           on_chunk=on_chunk)
        parse_rejected = rec.totals["rejected"] - rejected_before
        rec.count(read=parse_rejected, inserted=counts["inserted"], updated=counts["updated"],
                  unchanged=counts["duplicates"], rejected=counts["rejected"])
        rec.notes.append(f"{name}: {counts['viewers_created']:,} viewer(s) created, "
                         f"{counts['inserted']:,} rating(s) stored, {counts['updated']:,} replaced by a newer one")


def _load_finished(rec, final):
    """The end of the files' one load: the key build's removals (older ratings of a pair repeated
    across chunks) and where the end's time went."""
    removed = final.get("removed_at_key_build", 0)
    if removed:
        rec.count(inserted=final.get("inserted", 0), unchanged=final.get("duplicates", 0))
        rec.notes.append(f"{removed:,} older rating(s) of a repeated (viewer, title) pair dropped at the key build")
    for key, step in (("copy_drain_seconds", "ratings: COPY after the last chunk"),
                      ("key_build_seconds", "ratings: key build"), ("analyze_seconds", "ratings: ANALYZE")):
        if key in final:  # where the ratings step's time goes (benchmarks.netflix_scale reports it)
            rec.timings[step] = round(rec.timings.get(step, 0.0) + final[key], 3)
