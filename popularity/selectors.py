"""Reads of the catalog in the popularity model's neutral record layout.

Target: IMDb `averageRating` when the title has one with at least MIN_VOTES votes, else TMDB
`vote_average` with at least MIN_VOTES votes (see docs/popularity.md). Inputs are pre-release
characteristics only — never votes, revenue or popularity scores.
"""
from collections import defaultdict

from django.db.models import Q

from catalog.models import CAST_CATEGORIES, Credit, CreditCategory, Title

MIN_VOTES = 20
MAX_ACTORS = 4
_PEOPLE_FIELD = {CreditCategory.DIRECTOR: "directors", CreditCategory.WRITER: "writers",
                 CreditCategory.PRODUCER: "producers"}


def _records_for(titles_qs, *, with_target):
    rows = list(titles_qs.values("id", "primary_title", "title_type", "start_year", "runtime_minutes", "budget",
                                 "original_language", "imdb_rating", "imdb_votes", "tmdb_vote_average",
                                 "tmdb_vote_count"))
    ids = [r["id"] for r in rows]
    genres, countries, people = defaultdict(list), defaultdict(list), defaultdict(lambda: defaultdict(list))
    for tid, name in Title.genres.through.objects.filter(title_id__in=ids).values_list("title_id", "genre__name"):
        genres[tid].append(name)
    for tid, name in Title.countries.through.objects.filter(title_id__in=ids).values_list("title_id",
                                                                                          "country__name"):
        countries[tid].append(name)
    credits = (Credit.objects.filter(title_id__in=ids)
               .filter(Q(category__in=list(_PEOPLE_FIELD)) | Q(category__in=CAST_CATEGORIES, ordering__lt=10))
               .order_by("title_id", "ordering", "id").values_list("title_id", "category", "person__name"))
    for tid, cat, name in credits:
        field = _PEOPLE_FIELD.get(cat, "actors")
        if field == "actors" and len(people[tid]["actors"]) >= MAX_ACTORS:
            continue
        people[tid][field].append(name)
    out = []
    for r in rows:
        rec = {"title": r["primary_title"], "type": r["title_type"], "year": r["start_year"],
               "runtime": r["runtime_minutes"], "budget": r["budget"], "genres": genres[r["id"]],
               "directors": people[r["id"]]["directors"], "writers": people[r["id"]]["writers"],
               "producers": people[r["id"]]["producers"], "actors": people[r["id"]]["actors"],
               "country": (countries[r["id"]] or [None])[0], "language": r["original_language"] or None}
        if with_target:
            if r["imdb_rating"] is not None and (r["imdb_votes"] or 0) >= MIN_VOTES:
                rec["rating"] = float(r["imdb_rating"])
            elif r["tmdb_vote_average"] is not None and (r["tmdb_vote_count"] or 0) >= MIN_VOTES:
                rec["rating"] = float(r["tmdb_vote_average"])
            else:
                continue
        out.append(rec)
    return out


def training_records():
    """Rated titles of the catalog as neutral records (with `rating`)."""
    qs = Title.objects.filter(Q(imdb_rating__isnull=False, imdb_votes__gte=MIN_VOTES)
                              | Q(tmdb_vote_average__isnull=False, tmdb_vote_count__gte=MIN_VOTES))
    return _records_for(qs.order_by("id"), with_target=True)


def genre_names():
    from catalog.models import Genre

    return list(Genre.objects.values_list("name", flat=True))


def person_names_by_ids(ids):
    from catalog.models import Person

    found = dict(Person.objects.filter(id__in=list(ids)).values_list("id", "name"))
    return found


def ratings_for_genres(genres, limit=5000):
    """IMDb ratings of well-voted titles having any of `genres` (all titles when empty)."""
    qs = Title.objects.filter(imdb_rating__isnull=False, imdb_votes__gte=MIN_VOTES)
    if genres:
        qs = qs.filter(genres__name__in=list(genres)).distinct()
    return [float(r) for r in qs.order_by("-imdb_votes").values_list("imdb_rating", flat=True)[:limit]]
