"""The browsing pages: home, title, search, player.

They compose the catalog with what viewers did and what the recommender answers: views call
selectors only (catalog, accounts, interactions, recommendations); every page issues a bounded
number of queries whatever the catalog size (tests/web/test_query_bounds.py).
"""
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.services import profile_get_or_create
from catalog import selectors
from catalog.models import CreditCategory
from core.errors import NotFound
from interactions import selectors as interaction_selectors
from recommendations import selectors as rec_selectors

ROW_SIZE = 20
SEARCH_PAGE_SIZE = 36
GENRE_ROWS = 4
# Genres worth a row of their own, in this order, when the viewer has not picked favourites.
PREFERRED_GENRES = ("drama", "comedy", "action", "thriller", "sci-fi", "science-fiction", "animation",
                    "romance", "crime", "adventure", "horror", "documentary", "family", "fantasy")

# Notes the recommendation selectors may attach to a list; listed here so they get translated.
KNOWN_NOTES = (gettext_noop("Popular picks: no recommendation model is trained yet."),)


TRENDING_DAYS = 7  # the window of the home page's "Trending now" row


@dataclass
class Row:
    key: str
    name: str
    titles: list
    note: str = ""
    reason_title: object = None
    extra: dict = field(default_factory=dict)


def _not_found(exc):
    raise Http404(str(exc))


def _genre_rows(user, used_slugs=()):
    """A few genre rows: the viewer's favourite genres first, then the preferred ones."""
    genres = list(selectors.genre_list())
    by_slug = {g.slug: g for g in genres}
    picked = []
    if user.is_authenticated:
        profile = profile_get_or_create(user=user)
        picked = [g for g in profile.favourite_genres.all()]
    picked += [by_slug[s] for s in PREFERRED_GENRES if s in by_slug]
    picked += genres
    rows, seen = [], set(used_slugs)
    for g in picked:
        if g.slug in seen:
            continue
        seen.add(g.slug)
        titles = rec_selectors.popular_titles(k=ROW_SIZE, genre=g.slug)
        if titles:
            rows.append(Row(key=f"genre-{g.slug}", name=g.name, titles=titles, extra={"genre": g}))
        if len(rows) >= GENRE_ROWS:
            break
    return rows


def home(request):
    user = request.user
    rows = []
    if user.is_authenticated:
        picks = rec_selectors.recommendations_for_user(user=user, k=ROW_SIZE)
        rows.append(Row(key="top-picks", name=_("Top picks for you"), titles=list(picks.titles), note=picks.note))
        because = rec_selectors.because_you_watched(user=user, k=ROW_SIZE)
        if because and because.titles and because.reason_title is not None:
            rows.append(Row(key="because-you-watched",
                            name=_("Because you watched %(title)s") % {"title": because.reason_title.primary_title},
                            titles=list(because.titles), note=because.note, reason_title=because.reason_title))
    trending = rec_selectors.trending_titles(k=ROW_SIZE, days=TRENDING_DAYS)
    if trending:
        note = _("Most watched in the last %(days)d days") % {"days": TRENDING_DAYS}
    else:
        trending = rec_selectors.popular_titles(k=ROW_SIZE)
        note = _("Nothing watched in the last %(days)d days: the most watched of all time") % {"days": TRENDING_DAYS}
    rows.append(Row(key="trending", name=_("Trending now"), titles=list(trending), note=note))
    top = rec_selectors.top_rated_titles(k=ROW_SIZE) or rec_selectors.top_rated_titles(k=ROW_SIZE, min_votes=0)
    rows.append(Row(key="top-rated", name=_("Top rated"), titles=list(top)))
    rows += _genre_rows(user)
    rows = [r for r in rows if r.titles]
    hero = rows[0].titles[0] if rows else None
    return render(request, "web/home.html", {"rows": rows, "hero": hero})


def title_detail(request, title_id):
    try:
        title = selectors.title_get(title_id=title_id)
    except NotFound as exc:
        _not_found(exc)
    credits = list(title.credits.all())  # prefetched by title_get
    writers = []
    for c in credits:
        if c.category == CreditCategory.WRITER and c.person not in writers:
            writers.append(c.person)
    similar = rec_selectors.similar_titles(title_id=title.id, k=ROW_SIZE)
    my_rating = None
    if request.user.is_authenticated:
        interaction = interaction_selectors.interaction_get(user=request.user, title_id=title.id)
        my_rating = interaction.rating if interaction else None
    return render(request, "web/title.html", {
        "title": title,
        "genres": list(title.genres.all()),
        "countries": list(title.countries.all()),
        "cast": selectors.title_cast(title=title, limit=12),
        "directors": selectors.title_directors(title=title),
        "writers": writers[:4],
        "similar": Row(key="more-like-this", name=_("More like this"), titles=list(similar.titles),
                       note=similar.note),
        "my_rating": my_rating,
        "star_choices": [1, 2, 3, 4, 5],
    })


def search(request):
    q = (request.GET.get("q") or "").strip()[:200]
    genre_slug = (request.GET.get("genre") or "").strip()[:64]
    genres = list(selectors.genre_list())
    genre = next((g for g in genres if g.slug == genre_slug), None)
    titles_page, people, popular = None, [], []
    if not (q or genre):
        popular = rec_selectors.popular_titles(k=SEARCH_PAGE_SIZE // 2)
    if q or genre:
        qs = selectors.title_list(q=q or None, genre=genre.slug if genre else None)
        titles_page = Paginator(qs, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        if q:
            people = list(selectors.person_list(q=q)[:24])
    return render(request, "web/search.html", {
        "q": q, "genre": genre, "genres": genres, "titles_page": titles_page, "people": people,
        "popular": popular,
    })


@login_required
def player(request, title_id):
    titles = selectors.titles_by_ids(ids=[title_id])
    if not titles:
        raise Http404(f"Title {title_id} does not exist.")
    title = titles[0]
    similar = rec_selectors.similar_titles(title_id=title.id, k=ROW_SIZE)
    return render(request, "web/player.html", {
        "title": title,
        "similar": Row(key="more-like-this", name=_("More like this"), titles=list(similar.titles)),
    })
