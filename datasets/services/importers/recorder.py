"""What every importer shares: the run recorder, file reading, lookup tables, people and credits.

* `ImportRecorder` counts rows (read / inserted / updated / unchanged / rejected / skipped) per
  part and in total, keeps the first `MAX_ERRORS` rejected rows (file, line, reason) and
  persists everything as an `ImportRun` — checkpointed while the import runs, finished with a
  status, a duration and a per-part summary in `message`.
* `LineReader` streams a plain or gzip-compressed file line by line (gzip is detected from the
  magic bytes, not the name), numbering lines; an undecodable line is reported, not fatal.
* Upserts are chunked and idempotent: the rows of a chunk are compared with what is stored
  (fetched by external id in one query) so a re-run reports them as unchanged and writes
  nothing; changed rows are written with one ``INSERT … ON CONFLICT … DO UPDATE`` per chunk.
"""
from __future__ import annotations

import csv
import dataclasses
import gzip
import os
import shutil
import subprocess
import threading
import time
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Company, Country, Credit, Genre, ImportRun, Keyword, Person
from catalog.text import normalize
from core.errors import ApplicationError, SourceError

from .sql import filter_in, insert_rows

MAX_ERRORS = 100
COUNT_KEYS = ("read", "inserted", "updated", "unchanged", "rejected", "skipped")

# One genre vocabulary across sources: IMDb's names win and the others are mapped onto them
# (TMDB "Science Fiction" and MovieLens "Sci-Fi" → IMDb "Sci-Fi"; MovieLens "Children" → "Family"),
# case-insensitively. Names no other source has (TMDB "Foreign", "TV Movie"; MovieLens "IMAX")
# are kept as they are.
GENRES = ("Action", "Adult", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama",
          "Family", "Fantasy", "Film-Noir", "Game-Show", "History", "Horror", "Music", "Musical", "Mystery", "News",
          "Reality-TV", "Romance", "Sci-Fi", "Short", "Sport", "Talk-Show", "Thriller", "War", "Western",
          "Foreign", "TV Movie", "IMAX")
GENRE_ALIASES = {
    **{g.lower(): g for g in GENRES},
    "science fiction": "Sci-Fi",
    "science-fiction": "Sci-Fi",
    "sci fi": "Sci-Fi",
    "children": "Family",
    "children's": "Family",
    "film noir": "Film-Noir",
    "tv-movie": "TV Movie",
    "reality tv": "Reality-TV",
    "talk show": "Talk-Show",
    "game show": "Game-Show",
}
NO_GENRE = {"", "(no genres listed)", "unknown", "\\n"}


def canonical_genre(name: str) -> str | None:
    """The catalog's name for a source genre name (None for 'no genre')."""
    name = " ".join((name or "").split())
    if name.lower() in NO_GENRE:
        return None
    return GENRE_ALIASES.get(name.lower(), name[:64])


# --- run recording ------------------------------------------------------------------------------
class ImportRecorder:
    """Counts, errors and the `ImportRun` row of one import command."""

    CHECKPOINT_EVERY = 2.0  # seconds between ImportRun saves while running

    def __init__(self, *, source: str, paths, options: dict | None = None, progress=None):
        self.run = ImportRun.objects.create(
            source=source, paths=[str(p) for p in paths], options=_jsonable(options or {}))
        self.totals: Counter = Counter()
        self.parts: dict[str, Counter] = {}
        self.errors: list[dict] = []
        self.notes: list[str] = []  # extra summary lines (e.g. viewers created)
        self.titles_written = False  # set by titles_upsert: the run added or changed titles
        self.timings: dict[str, float] = {}  # seconds per step (`timed`), kept in the run's options
        self.progress = progress
        self._part: Counter | None = None
        self._part_name: str | None = None
        self._t0 = time.monotonic()
        self._last_save = self._t0
        self._lock = threading.RLock()

    @contextmanager
    def timed(self, step: str):
        """Time a step of the import (wall seconds, in `ImportRun.options["timings"]`)."""
        t = time.monotonic()
        try:
            yield
        finally:
            self.timings[step] = round(self.timings.get(step, 0.0) + time.monotonic() - t, 3)

    @contextmanager
    def part(self, name: str):
        """Count the rows of one file/step under `name` (shown in the run's summary)."""
        self._part_name, self._part = name, self.parts.setdefault(name, Counter())
        if self.progress:
            self.progress(name, 0)
        try:
            yield self._part
        finally:
            if self.progress:
                self.progress(name, self._part["read"])
                done = getattr(self.progress, "done", None)
                if done:
                    done()
            self._part_name, self._part = None, None
            self.checkpoint(force=True)

    def count(self, **counts):
        with self._lock:  # the rating parsers report rejects from the ratings helper thread
            for key, n in counts.items():
                if n:
                    self.totals[key] += n
                    if self._part is not None:
                        self._part[key] += n
            if self.progress and counts.get("read") and self._part_name:
                self.progress(self._part_name, self._part["read"])

    def reject(self, *, path, line, reason, field=None, count=1):
        """A row that was not imported, with where and why (the first MAX_ERRORS are kept)."""
        self.count(rejected=count)
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                err = {"file": str(path), "line": line, "reason": reason}
                if field:
                    err["field"] = field
                self.errors.append(err)

    def _apply(self):
        r = self.run
        with self._lock:
            self._apply_locked(r)

    def _apply_locked(self, r):
        for key in COUNT_KEYS:
            setattr(r, f"rows_{key}", self.totals[key])
        r.errors = list(self.errors)
        r.duration_s = round(time.monotonic() - self._t0, 3)
        r.message = self.summary()

    def checkpoint(self, force=False):
        now = time.monotonic()
        if force or now - self._last_save >= self.CHECKPOINT_EVERY:
            self._last_save = now
            self._apply()
            self.run.save(update_fields=[*(f"rows_{k}" for k in COUNT_KEYS), "errors", "duration_s", "message"])

    def summary(self) -> str:
        lines = []
        for name, c in self.parts.items():
            lines.append(f"{name}: " + ", ".join(f"{c[k]:,} {k}" for k in COUNT_KEYS if c[k] or k == "read"))
        return "\n".join(lines + self.notes)

    def finish(self, *, status=ImportRun.Status.SUCCEEDED, message: str = "") -> ImportRun:
        self._apply()
        if self.timings:
            self.run.options = {**(self.run.options or {}), "timings": dict(self.timings)}
        self.run.status = status
        self.run.finished_at = timezone.now()
        if message:
            self.run.message = (message + "\n" + self.run.message).strip()
        self.run.save()
        return self.run


def run_import(*, source: str, paths, options: dict, progress, body) -> ImportRun:
    """Run `body(recorder)` inside a recorded import; failures are recorded, then re-raised."""
    rec = ImportRecorder(source=source, paths=paths, options=options, progress=progress)
    try:
        with _no_query_log():
            body(rec)
            # A ratings-only run leaves the titles alone; the demo's titles are its own, never merged.
            if rec.titles_written and source != "demo":
                _resolve_titles(rec)
    except ApplicationError as exc:
        rec.finish(status=ImportRun.Status.FAILED, message=exc.message)
        raise
    except BaseException as exc:  # noqa: B036 - recorded, then re-raised unchanged
        rec.finish(status=ImportRun.Status.FAILED, message=f"{type(exc).__name__}: {exc}")
        raise
    run = rec.finish()
    _analytics_changed()
    return run


def _resolve_titles(rec):
    """After every import that may add titles: one title per work (catalog.services.resolution),
    whatever the order the sources came in."""
    from catalog.services.resolution import titles_resolve

    res = titles_resolve()
    merged = sum(len(ids) - 1 for ids in res.merges)
    if merged or res.ambiguous:
        rec.notes.append(f"resolution: {merged:,} twin title(s) merged across sources; {len(res.ambiguous):,} "
                         "ambiguous group(s) left for review (manage.py catalog_duplicates)")


def _analytics_changed():
    """The catalog changed: the dashboard's cached KPIs are stale (recomputed on next view)."""
    from django.conf import settings

    from core.signals import data_changed

    # With workers, one recomputes the default dashboard now; embedded, the next visitor does.
    data_changed.send(sender=_analytics_changed, warm=not settings.CELERY_TASK_ALWAYS_EAGER)


@contextmanager
def _no_query_log():
    """With DEBUG on (the development default), Django keeps and pretty-prints every query —
    for chunks of thousands of parameters that costs more than the import itself. Imports run
    in management commands (one process, one thread), so DEBUG is turned off around them."""
    if not settings.DEBUG:
        yield
        return
    from django.test.utils import override_settings

    with override_settings(DEBUG=False):
        yield


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --- reading files --------------------------------------------------------------------------------
def check_readable(path) -> Path:
    """The path if it is a readable file, else a SourceError naming it."""
    p = Path(path)
    if not p.exists():
        raise SourceError("file not found", path=p)
    if not p.is_file():
        raise SourceError("not a regular file", path=p)
    if not os.access(p, os.R_OK):
        raise SourceError("file is not readable (permission denied)", path=p)
    try:
        with open(p, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}", path=p)
    return p


def is_gzip(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


class _GunzipPipe:
    """Lines of a gzip file decompressed by a `gzip -dc` child process (C speed, on another core).

    Iterating yields bytes lines; a corrupt or truncated archive raises OSError at the end, like
    Python's gzip module does (the importers turn it into a SourceError naming the file).
    """

    def __init__(self, path):
        self.path = path
        self.proc = subprocess.Popen(["gzip", "-dc", "--", str(path)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=1 << 20)

    def __iter__(self):
        yield from self.proc.stdout
        err = self.proc.stderr.read().decode(errors="replace").strip()
        if self.proc.wait() != 0:
            raise OSError(f"gzip: {err or 'corrupt archive'}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def open_binary(path):
    """A binary line iterator (context manager) over a plain or gzip file."""
    p = check_readable(path)
    if not is_gzip(p):
        return open(p, "rb", buffering=1 << 20)
    if shutil.which("gzip"):
        return _GunzipPipe(p)
    return gzip.open(p, "rb")


class LineReader:
    """Decoded lines of a plain or gzip file, with their numbers (`lineno`, 1-based).

    An undecodable line is yielded decoded with replacement characters and its number is added
    to `bad_lines`, so the importer can reject it and go on. A file that becomes unreadable
    (truncated gzip, I/O error) raises SourceError naming the file and line.
    """

    def __init__(self, path, *, encoding="utf-8"):
        self.path = Path(path)
        self.encoding = encoding
        self.lineno = 0
        self.bad_lines: set[int] = set()

    def __iter__(self):
        fh = open_binary(self.path)
        enc = self.encoding
        with fh:
            try:
                for raw in fh:
                    self.lineno += 1
                    try:
                        yield raw.decode(enc)
                    except UnicodeDecodeError:
                        self.bad_lines.add(self.lineno)
                        yield raw.decode(enc, "replace")
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(f"the file is unreadable after line {self.lineno}: {exc}",
                                  path=self.path, line=self.lineno + 1)


def csv_records(reader: LineReader, **csv_kwargs):
    """(first_line, last_line, fields or None, error) for each CSV record (quoted newlines allowed).

    A record the csv module cannot parse is yielded with fields=None and the error.
    """
    rows = csv.reader(reader, **csv_kwargs)
    start = 1
    while True:
        try:
            fields = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, reader.lineno, None, f"malformed CSV: {exc}"
            start = reader.lineno + 1
            continue
        end = reader.lineno
        yield start, end, fields, None
        start = end + 1


def tsv_rows(reader: LineReader, *, columns: tuple[str, ...], rec: ImportRecorder, header_required=True):
    """(line, dict of column → raw value) for each data row of an IMDb-style TSV (no quoting).

    Checks the header names the expected columns (in any order); rows with a wrong number of
    columns, or undecodable bytes, are rejected with their line. `\\N` stays as is (callers map it).
    """
    it = iter(reader)
    header = next(it, None)
    if header is None:
        return
    names = header.rstrip("\r\n").split("\t")
    missing = [c for c in columns if c not in names]
    if missing:
        raise SourceError(f"header is missing column(s) {', '.join(missing)}; found {', '.join(names)}",
                          path=reader.path, line=1)
    idx = [names.index(c) for c in columns]
    width = len(names)
    for line in it:
        n = reader.lineno
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != width:
            if len(fields) == 1 and not fields[0].strip():
                continue  # a blank line (e.g. at the end of the file) is not a row
            rec.count(read=1)
            rec.reject(path=reader.path, line=n, reason=f"expected {width} tab-separated columns, found {len(fields)}")
            continue
        if n in reader.bad_lines:
            rec.count(read=1)
            rec.reject(path=reader.path, line=n, reason=f"not valid {reader.encoding} text")
            continue
        yield n, [fields[i] for i in idx]


def chunked(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- parsing helpers ------------------------------------------------------------------------------
class RowError(ValueError):
    """A malformed field: the message is the reason shown in the import report."""

    def __init__(self, reason, field=None):
        super().__init__(reason)
        self.reason, self.field = reason, field


def parse_int(raw, field, *, null=("", "\\N"), lo=None, hi=None):
    raw = raw.strip()
    if raw in null:
        return None
    try:
        v = int(raw)
    except ValueError:
        raise RowError(f"{field} is not an integer: {raw[:40]!r}", field)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise RowError(f"{field} {v} is out of range", field)
    return v


def parse_float(raw, field, *, null=("", "\\N"), lo=None, hi=None):
    raw = raw.strip()
    if raw in null:
        return None
    try:
        v = float(raw)
    except ValueError:
        raise RowError(f"{field} is not a number: {raw[:40]!r}", field)
    if v != v or (lo is not None and v < lo) or (hi is not None and v > hi):
        raise RowError(f"{field} {raw[:40]} is out of range", field)
    return v


YEAR_MIN, YEAR_MAX = 1800, 2100


def parse_year(raw, field):
    return parse_int(raw, field, null=("", "\\N", "NULL"), lo=YEAR_MIN, hi=YEAR_MAX)


def imdb_int(raw, prefix, field):
    """`tt0000001` → 1; `nm0000123` → 123 (compact keys for sets of millions)."""
    if len(raw) > 2 and raw.startswith(prefix) and raw[2:].isdigit():
        return int(raw[2:])
    raise RowError(f"{field} is not a valid IMDb id: {raw[:40]!r}", field)


def clip(text, n):
    return (text or "")[:n]


# --- lookup tables --------------------------------------------------------------------------------
class Lookups:
    """Ids of genres, countries, companies and keywords (created on first sight, cached).

    Every method resolves a whole chunk's values at once (a few queries per chunk, not per row)
    and returns a mapping; each cache holds only values met during this import.
    """

    def __init__(self):
        self.genres: dict[str, int] = {}
        self.countries: dict[str, int] = {}
        self.companies: dict[tuple, int] = {}
        self.keywords: dict[tuple, int] = {}

    def genre_map(self, names) -> dict[str, int]:
        """{source genre name: genre id} (names meaning 'no genre' are left out)."""
        canon = {n: canonical_genre(n) for n in set(names)}
        missing = {c for c in canon.values() if c and c not in self.genres}
        if missing:
            self.genres.update(Genre.objects.filter(name__in=missing).values_list("name", "id"))
            new = sorted(n for n in missing if n not in self.genres)
            if new:
                taken = set(Genre.objects.values_list("slug", flat=True))
                objs = []
                for n in new:
                    slug = base = slugify(n)[:60] or "genre"
                    i = 2
                    while slug in taken:
                        slug, i = f"{base}-{i}", i + 1
                    taken.add(slug)
                    objs.append(Genre(name=n, slug=slug))
                Genre.objects.bulk_create(objs, ignore_conflicts=True)
                self.genres.update(Genre.objects.filter(name__in=new).values_list("name", "id"))
        return {n: self.genres[c] for n, c in canon.items() if c and c in self.genres}

    def genre_ids(self, names) -> list[int]:
        m = self.genre_map(names)
        return _dedup(m[n] for n in names if n in m)

    def country_map(self, pairs) -> dict[str, int]:
        """{ISO code: country id} for (code, name) pairs."""
        wanted = {}
        for code, name in pairs:
            code = (code or "").strip()[:8]
            if code:
                wanted.setdefault(code, clip(name or code, 128))
        missing = [c for c in wanted if c not in self.countries]
        if missing:
            self.countries.update(Country.objects.filter(code__in=missing).values_list("code", "id"))
            new = [Country(code=c, name=wanted[c]) for c in missing if c not in self.countries]
            if new:
                Country.objects.bulk_create(new, ignore_conflicts=True)
                self.countries.update(Country.objects.filter(code__in=missing).values_list("code", "id"))
        return {c: self.countries[c] for c in wanted if c in self.countries}

    def _named(self, model, cache, pairs) -> dict[tuple, int]:
        """{(name, tmdb_id | None): id}: matched by TMDB id, else by name; created when absent.

        A name stored without a TMDB id (e.g. a MovieLens tag) gets the id the first time TMDB
        names it; two TMDB ids with one name share the row of that name.
        """
        out = {}
        todo = {}
        for raw in set(pairs):
            name, tid = raw
            clean = clip(" ".join((name or "").split()), 255)
            if not clean:
                continue
            key = (clean, tid)
            if key in cache:
                out[raw] = cache[key]
            else:
                todo.setdefault(key, []).append(raw)
        if not todo:
            return out
        tids = {t for _, t in todo if t is not None}
        by_tid = dict(model.objects.filter(tmdb_id__in=tids).values_list("tmdb_id", "id")) if tids else {}
        names = {n for n, _ in todo}
        by_name = {n: (i, t) for n, i, t in model.objects.filter(name__in=names).values_list("name", "id", "tmdb_id")}
        create, link = {}, {}
        for name, tid in sorted(todo, key=lambda k: (k[0], k[1] is None, k[1] or 0)):
            if tid is not None and tid in by_tid:
                continue
            if name in by_name:
                pk, old_tid = by_name[name]
                if tid is not None and old_tid is None and pk not in link and tid not in link.values():
                    link[pk] = tid
            elif name not in create:
                create[name] = tid if (tid is None or tid not in create.values()) else None
        for pk, tid in link.items():
            model.objects.filter(pk=pk, tmdb_id__isnull=True).update(tmdb_id=tid)
            by_tid[tid] = pk
        if create:
            model.objects.bulk_create([model(name=n, tmdb_id=t) for n, t in create.items()], ignore_conflicts=True)
            by_name.update({n: (i, t) for n, i, t in
                            model.objects.filter(name__in=list(create)).values_list("name", "id", "tmdb_id")})
        for key, raws in todo.items():
            name, tid = key
            pk = by_tid.get(tid) if tid is not None else None
            if pk is None and name in by_name:
                pk = by_name[name][0]
            if pk is not None:
                cache[key] = pk
                for raw in raws:
                    out[raw] = pk
        return out

    def company_map(self, pairs) -> dict[tuple, int]:
        return self._named(Company, self.companies, pairs)

    def keyword_map(self, pairs) -> dict[tuple, int]:
        return self._named(Keyword, self.keywords, pairs)


def _dedup(values):
    seen = set()
    return [x for x in values if not (x in seen or seen.add(x))]


# --- many-to-many sync ----------------------------------------------------------------------------
_M2M_TARGET = {"genres": "genre", "countries": "country", "companies": "company", "keywords": "keyword"}


def m2m_sync(field_name: str, desired: dict[int, list[int]], *, replace: set[int], domain=None) -> set[int]:
    """Make Title.<field_name> of the given titles contain `desired[title_id]`.

    Links are added for every title; links not desired are removed only for titles in `replace`
    (and, with `domain` = a queryset filter on the related model such as ``{"tmdb_id__isnull": False}``,
    only links to related rows in that domain). Returns the ids of titles whose links changed.
    """
    from catalog.models import Title

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
