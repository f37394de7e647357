"""HTML pages of the catalog alone: a person, the server-rendered title cards, generated artwork.

The pages that compose the catalog with viewers' data (home, title, search, player) are the `web`
app's. Every page issues a bounded number of queries whatever the catalog size
(tests/web/test_query_bounds.py).
"""
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalog import posters, selectors
from core.errors import NotFound


def person_detail(request, person_id):
    try:
        person = selectors.person_get(person_id=person_id)
    except NotFound as exc:
        raise Http404(str(exc))
    roles = {}
    for c in person.credits.all():  # prefetched with their titles, newest first
        entry = roles.setdefault(c.title_id, {"title": c.title, "categories": []})
        label = c.get_category_display()
        if label not in entry["categories"]:
            entry["categories"].append(label)
    return render(request, "catalog/person.html", {"person": person, "roles": list(roles.values())})


@require_GET
def cards(request):
    """Server-rendered poster cards for ids (the player's "new picks" notification uses it)."""
    raw = (request.GET.get("ids") or "").split(",")
    ids = [int(x) for x in raw if x.strip().isdigit()][:20]
    titles = selectors.titles_by_ids(ids=ids) if ids else []
    return render(request, "catalog/_cards.html", {"titles": titles})


def _svg(body, status=200):
    return HttpResponse(body, content_type="image/svg+xml; charset=utf-8", status=status)


@require_GET
@cache_control(public=True, max_age=86400)
def poster(request, title_id):
    titles = selectors.titles_by_ids(ids=[title_id])
    if not titles:
        return _svg(posters.placeholder_svg(), status=404)
    t = titles[0]
    first_genre = next(iter(t.genres.all()), None)
    return _svg(posters.poster_svg(title_id=t.id, title=t.primary_title, year=t.start_year,
                                   genre=first_genre.name if first_genre else ""))


@require_GET
@cache_control(public=True, max_age=86400)
def backdrop(request, title_id):
    # Depends on the id only: no query.
    return _svg(posters.backdrop_svg(title_id=title_id))
