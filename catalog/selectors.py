"""Every read of the catalog."""
import re
import threading
import time
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext as _

from catalog.matching import match_key
from catalog.models import CAST_CATEGORIES, Credit, CreditCategory, Genre, Person, Title
from catalog.text import normalize
from core.errors import NotFound


def title_list(*, title_type=None, genre=None, decade=None, year_min=None, year_max=None, q=None,
               order="-imdb_votes"):
    qs = Title.objects.all()
    if title_type:
        qs = qs.filter(title_type=title_type)
    if genre:
        qs = qs.filter(genres__slug=genre) if not str(genre).isdigit() else qs.filter(genres__id=genre)
    if decade is not None:
        qs = qs.filter(start_year__gte=decade, start_year__lt=decade + 10)
    if year_min is not None:
        qs = qs.filter(start_year__gte=year_min)
    if year_max is not None:
        qs = qs.filter(start_year__lte=year_max)
    if q:
        qs = qs.filter(search_title__contains=normalize(q))
    return qs.prefetch_related("genres").order_by(order, "id")


def title_get(*, title_id) -> Title:
    credits = Credit.objects.select_related("person").order_by("ordering", "id")
    try:
        return (Title.objects.prefetch_related("genres", "countries", "companies", "keywords",
                                               Prefetch("credits", queryset=credits))
                .get(pk=title_id))
    except (Title.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"Title {title_id} does not exist.")


def title_ensure_exists(*, title_id) -> None:
    """NotFound (as `title_get`) unless the title exists; from the per-process title cache."""
    if not titles_by_ids_cached(ids=[title_id]):
        raise NotFound(f"Title {title_id} does not exist.")


def titles_by_ids(*, ids):
    """Titles for a list of ids, in the order given (missing ids dropped)."""
    ids = [int(i) for i in ids]
    found = Title.objects.prefetch_related("genres").in_bulk(ids)
    return [found[i] for i in ids if i in found]


# Per-process cache of the titles shown in recommendation rows (genres prefetched). Those rows
# are the hottest read of the site and the API: without it, two ORM queries per list. A title
# saved in this process is evicted at once (signals below); other processes see an edit within
# TITLE_CACHE_TTL_S. Cached instances are shared between requests: read-only use.
TITLE_CACHE_TTL_S = 60.0
TITLE_CACHE_MAX = 50_000
CARD_MEMO = "_card_memo"  # marks a cached (shared, read-only) instance: its API card is memoized
_title_cache: dict = {}
_title_cache_lock = threading.Lock()


def titles_by_ids_cached(*, ids) -> dict:
    """{id: Title} for the ids that exist (genres prefetched), from the per-process cache."""
    now = time.monotonic()
    out, missing = {}, []
    for i in ids:
        hit = _title_cache.get(i)
        if hit is not None and hit[0] > now:
            out[i] = hit[1]
        else:
            missing.append(i)
    if missing:
        found = Title.objects.prefetch_related("genres").in_bulk(missing)
        expires = now + TITLE_CACHE_TTL_S
        with _title_cache_lock:
            if len(_title_cache) + len(found) > TITLE_CACHE_MAX:
                _title_cache.clear()
            for i, t in found.items():
                t.__dict__[CARD_MEMO] = []
                _title_cache[i] = (expires, t)
        out.update(found)
    return out


def title_cache_evict(*, ids=None) -> None:
    """Forget some titles (or all) in this process's cache."""
    with _title_cache_lock:
        if ids is None:
            _title_cache.clear()
        else:
            for i in ids:
                _title_cache.pop(i, None)


def title_cast(*, title: Title, limit=10):
    return [c for c in title.credits.all() if c.category in CAST_CATEGORIES][:limit]


def title_directors(*, title: Title):
    return [c.person for c in title.credits.all() if c.category == CreditCategory.DIRECTOR]


def person_get(*, person_id) -> Person:
    credits = Credit.objects.select_related("title").order_by("-title__start_year", "title_id")
    try:
        return Person.objects.prefetch_related(Prefetch("credits", queryset=credits)).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"Person {person_id} does not exist.")


def person_list(*, q=None):
    qs = Person.objects.all()
    if q:
        qs = qs.filter(search_name__contains=normalize(q))
    return qs.order_by("name", "id")


def genre_list():
    return Genre.objects.all().order_by("name")


def search_autocomplete(*, q: str, limit: int = 8):
    """Titles and people whose accent-free name contains the query; prefix matches first."""
    needle = normalize(q)
    if len(needle) < 2:
        return {"titles": [], "people": []}
    titles = list(
        Title.objects.filter(search_title__startswith=needle).order_by("-imdb_votes", "id")[:limit]
    )
    if len(titles) < limit:
        titles += list(
            Title.objects.filter(Q(search_title__contains=needle) & ~Q(search_title__startswith=needle))
            .order_by("-imdb_votes", "id")[: limit - len(titles)]
        )
    people = list(Person.objects.filter(search_name__startswith=needle).order_by("name", "id")[:limit])
    if len(people) < limit:
        people += list(
            Person.objects.filter(Q(search_name__contains=needle) & ~Q(search_name__startswith=needle))
            .order_by("name", "id")[: limit - len(people)]
        )
    return {"titles": titles, "people": people}


def titles_match_names(*, names, limit_per_name=1):
    """Resolve free-text film names ("amelie", "The Matrix") to titles: the title each name finds
    (`titles_find`); an ambiguous name gives its best known candidate, an unknown one nothing."""
    out = []
    for name in names:
        found = titles_find(text=name)
        if found.title is not None:
            out.append(found.title)
        elif found.candidates:
            out.extend(found.candidates[:limit_per_name])
    return out


@dataclass
class TitleLookup:
    """What a typed film name or id found: ``status`` is ``found`` (``title`` set), ``ambiguous``
    (``candidates``, best known first: ask which one) or ``unknown``."""

    query: str
    status: str
    title: Title | None = None
    candidates: list = field(default_factory=list)
    how: str = ""  # imdb | tmdb | movielens | netflix | id | name | name+year | prefix | contains


# Ids of every source: "tt0113277" (IMDb), "tmdb:949", "ml:6" / "movielens:6", "netflix:3256",
# "id:42" / "#42" (Netfloox); the sites' own addresses work too. Plain digits are a name ("1917", "300").
_ID_FORMS = (
    ("imdb", "imdb_id", re.compile(r"^(?:(?:https?://)?(?:www\.|m\.)?imdb\.com/title/)?(tt\d{5,10})/?(?:[?#].*)?$", re.I)),
    ("tmdb", "tmdb_id", re.compile(r"^(?:tmdb\s*[:#]?\s*|(?:https?://)?(?:www\.)?themoviedb\.org/movie/)(\d{1,9})\b.*$",
                                   re.I)),
    ("movielens", "movielens_id", re.compile(r"^(?:movielens|ml)\s*[:#]?\s*(\d{1,9})$", re.I)),
    ("netflix", "netflix_id", re.compile(r"^(?:netflix|nf)\s*[:#]?\s*(\d{1,9})$", re.I)),
    ("id", "pk", re.compile(r"^(?:id\s*[:#]\s*|#)(\d{1,18})$", re.I)),
)
_YEAR = re.compile(r"^(?P<name>.+?)[\s,]*[(\[]?(?P<year>(?:18|19|20)\d\d)[)\]]?$")
DOMINANT = 20  # an exact name whose best known title is this many times better known than the next is not ambiguous


def _fame(t: Title) -> int:
    stats = getattr(t, "stats", None)  # no TitleStats row yet: None
    return max(t.imdb_votes or 0, t.tmdb_vote_count or 0, getattr(stats, "viewers", 0) or 0)


def _ranked(qs, limit):
    return list(qs.select_related("stats").order_by(F("imdb_votes").desc(nulls_last=True),
                                                    F("stats__viewers").desc(nulls_last=True), "id")[:limit])


def _by_key(key: str, year: int | None, limit: int):
    ids = Title.objects.filter(Q(match_key=key) | Q(aliases__key=key))
    if year is not None:
        ids = ids.filter(Q(start_year__gte=year - 1, start_year__lte=year + 1)
                         | Q(aliases__key=key, aliases__year__gte=year - 1, aliases__year__lte=year + 1))
    found = _ranked(Title.objects.filter(pk__in=ids.values("pk")), limit + 1)
    if year is not None and len(found) > 1:  # an exact year beats one off by one
        exact = [t for t in found if t.start_year == year]
        found = exact or found
    return found


def _decide(query: str, found: list, how: str, limit: int) -> TitleLookup:
    if not found:
        return TitleLookup(query, "unknown", how=how)
    if len(found) == 1:
        return TitleLookup(query, "found", found[0], how=how)
    first, second = _fame(found[0]), _fame(found[1])
    if how in ("name", "name+year") and first >= DOMINANT * max(second, 1) and second < first:
        return TitleLookup(query, "found", found[0], candidates=found[1:limit], how=how)
    return TitleLookup(query, "ambiguous", candidates=found[:limit], how=how)


def titles_resolve(*, texts) -> tuple[list[Title], list[TitleLookup]]:
    """(the titles that ``texts`` find, each once and in order; the lookups that found none:
    ambiguous or unknown) — `titles_find` for each."""
    titles, unresolved = [], []
    for text in texts:
        found = titles_find(text=text)
        if found.status != "found":
            unresolved.append(found)
        elif all(t.pk != found.title.pk for t in titles):
            titles.append(found.title)
    return titles, unresolved


def title_lookup_message(lookup: TitleLookup) -> str:
    """What to tell the person who typed ``lookup.query`` (ambiguous: the choices; unknown: so)."""
    if lookup.status == "ambiguous":
        choices = ", ".join(str(t) for t in lookup.candidates[:5])
        return _("“%(q)s” matches several films: %(choices)s. Which one? Add the year, or pick it from the "
                 "suggestions.") % {"q": lookup.query, "choices": choices}
    if lookup.status == "unknown":
        return _("“%(q)s”: no such film in the catalog.") % {"q": lookup.query}
    return ""


def titles_find(*, text: str, limit: int = 5) -> TitleLookup:
    """The film a person means by what they typed: an id of any source (IMDb ``tt…``, ``tmdb:``,
    ``ml:``/``movielens:``, ``netflix:``, ``id:``/``#`` for Netfloox's own, or the sites'
    addresses), or a name as people type it — any case, with or without accents ("Amelie"),
    the original title ("Le Fabuleux Destin d'Amélie Poulain"), "The"/"Le" first or last, with
    a year ("Heat 1995", "Heat (1995)"; ±1 year). Exact names first (primary and original titles
    and every name a source gave, `TitleAlias`), then names starting with the text, then names
    containing it. Several titles under one name are ``ambiguous`` unless the best known is
    ``DOMINANT`` times better known (votes or viewers) than the next."""
    query = " ".join((text or "").split())
    if not query:
        return TitleLookup(query, "unknown")
    for how, field_name, rx in _ID_FORMS:
        m = rx.match(query)
        if m:
            value = m.group(1).lower() if field_name == "imdb_id" else int(m.group(1))
            return _decide(query, list(Title.objects.filter(**{field_name: value})[:1]), how, limit)
    key = match_key(query)
    m = _YEAR.match(query)
    if m and match_key(m.group("name")):
        found = _by_key(match_key(m.group("name")), int(m.group("year")), limit)
        if found:  # "Heat 1995"; else the digits belong to the name ("Blade Runner 2049")
            return _decide(query, found, "name+year", limit)
    if not key:
        return TitleLookup(query, "unknown")
    found = _by_key(key, None, limit)
    if found:
        return _decide(query, found, "name", limit)
    if len(key) >= 3:
        found = _ranked(Title.objects.filter(match_key__startswith=key), limit + 1)
        if found:
            return _decide(query, found, "prefix", limit)
        needle = normalize(query)
        found = _ranked(Title.objects.filter(Q(search_title__contains=needle) | Q(match_key__contains=key)), limit + 1)
        if found:
            return _decide(query, found, "contains", limit)
    return TitleLookup(query, "unknown")
