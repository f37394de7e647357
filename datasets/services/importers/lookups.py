"""Resolves the names a source gives to catalog ids: genres, countries, companies, keywords.

`Lookups` resolves a whole chunk's names at once (a few queries per chunk, not per row), creating
the rows met for the first time; genres are first mapped onto one vocabulary across sources
(`canonical_genre`).
"""
from __future__ import annotations

from django.utils.text import slugify

from catalog.models import Company, Country, Genre, Keyword

from .fields import clip

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
