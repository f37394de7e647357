"""Every read of the catalog."""
import threading
import time

from django.db.models import Prefetch, Q

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
    """Resolve free-text film names ("amelie", "The Matrix") to titles, best known first."""
    out = []
    for name in names:
        needle = normalize(name)
        if not needle:
            continue
        exact = list(Title.objects.filter(search_title=needle).order_by("-imdb_votes", "id")[:limit_per_name])
        if not exact:
            exact = list(Title.objects.filter(search_title__contains=needle)
                         .order_by("-imdb_votes", "id")[:limit_per_name])
        out.extend(exact)
    return out
